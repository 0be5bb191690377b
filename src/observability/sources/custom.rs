//! Custom metrics: `--metric name=value` flags and the `--metrics-file` mapping.
//!
//! Names are sanitised by [`sanitize_metric_name`]. Values given twice under the same raw name
//! follow the peer: the last one wins, and flags come after the file, so a flag overrides the
//! file. Two *different* raw names that sanitise to one exported name are a duplicate series:
//! the first (in name order) is kept and the rest are reported.

use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::super::json_input;
use super::super::metrics::{sanitize_metric_name, CustomOrigin, MetricPoint};

/// A custom metric before labels are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomMetric {
    pub name: Box<str>,
    pub origin: CustomOrigin,
    pub value: f64,
}

impl CustomMetric {
    pub fn new(raw: &str, value: f64) -> Self {
        let (name, origin) = sanitize_metric_name(raw);
        CustomMetric {
            name,
            origin,
            value,
        }
    }

    pub fn raw_name(&self) -> &str {
        self.origin.raw(&self.name)
    }
}

/// A custom metric dropped because another one already has its exported name.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedDuplicate {
    pub name: Box<str>,
    pub dropped_raw: String,
    pub dropped_value: f64,
    /// The raw name of the metric that was kept (a catalogue name for report metrics).
    pub kept_raw: String,
}

/// Sorts custom metrics by exported name, resolves repeats of one raw name (last wins) and
/// splits off different raw names that collide on one exported name (first wins).
/// `metrics` must be in input order (file first, then flags).
pub fn normalize(mut metrics: Vec<CustomMetric>) -> (Vec<CustomMetric>, Vec<DroppedDuplicate>) {
    // Stable: equal raw names keep input order, so the last of a run is the latest given.
    metrics.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.raw_name().cmp(b.raw_name()))
    });
    let mut kept: Vec<CustomMetric> = Vec::with_capacity(metrics.len());
    let mut dropped = Vec::new();
    for metric in metrics {
        match kept.last_mut() {
            Some(last) if last.name == metric.name && last.raw_name() == metric.raw_name() => {
                *last = metric;
            }
            Some(last) if last.name == metric.name => dropped.push(DroppedDuplicate {
                dropped_raw: metric.raw_name().to_string(),
                kept_raw: last.raw_name().to_string(),
                name: metric.name,
                dropped_value: metric.value,
            }),
            _ => kept.push(metric),
        }
    }
    (kept, dropped)
}

/// Why a metrics file was refused.
#[derive(Debug)]
pub enum MetricsFileError {
    Missing(String),
    Invalid(String),
}

/// Reads a metrics file: YAML when the name ends in `.yaml`/`.yml`, JSON (lenient, as dpone
/// writes it) otherwise. Names are sanitised while parsing so a large file is held once.
pub fn read_metrics_file(path: &Path) -> Result<Vec<CustomMetric>, MetricsFileError> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            return Err(MetricsFileError::Missing(format!(
                "`{shown}` is not a regular file"
            )))
        }
        Err(err) => return Err(MetricsFileError::Missing(format!("`{shown}`: {err}"))),
    }
    let bytes = std::fs::read(path)
        .map_err(|err| MetricsFileError::Missing(format!("cannot read `{shown}`: {err}")))?;
    let is_yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let parsed: Result<MetricsMapping, String> = if is_yaml {
        serde_norway::from_slice(&bytes).map_err(|e| e.to_string())
    } else {
        json_input::from_slice(&bytes).map_err(|e| e.to_string())
    };
    parsed
        .map(|m| m.0)
        .map_err(|err| MetricsFileError::Invalid(format!("`{shown}`: {err}")))
}

/// A flat mapping of metric names to numbers.
#[derive(Debug)]
struct MetricsMapping(Vec<CustomMetric>);

impl<'de> de::Deserialize<'de> for MetricsMapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MappingVisitor)
    }
}

struct MappingVisitor;

impl<'de> Visitor<'de> for MappingVisitor {
    type Value = MetricsMapping;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of metric names to numbers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut metrics = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key.trim().is_empty() {
                return Err(de::Error::custom("a metric name is empty"));
            }
            let value = map.next_value_seed(NumberFor(&key))?;
            metrics.push(CustomMetric::new(&key, value));
        }
        Ok(MetricsMapping(metrics))
    }
}

/// Deserializes one lenient number, naming its metric in the error.
struct NumberFor<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for NumberFor<'_> {
    type Value = f64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumberFor<'_> {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a number for metric `{}`", self.0)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        json_input::parse_number(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// Exported names of report metrics, for the duplicate check against custom metrics.
pub fn split_report_duplicates(
    custom: Vec<CustomMetric>,
    report_points: &[MetricPoint],
) -> (Vec<CustomMetric>, Vec<DroppedDuplicate>) {
    if report_points.is_empty() {
        return (custom, Vec::new());
    }
    let mut dropped = Vec::new();
    let kept = custom
        .into_iter()
        .filter_map(
            |metric| match report_points.iter().find(|p| p.name == metric.name) {
                Some(point) => {
                    dropped.push(DroppedDuplicate {
                        dropped_raw: metric.raw_name().to_string(),
                        dropped_value: metric.value,
                        kept_raw: point.raw_name().to_string(),
                        name: metric.name,
                    });
                    None
                }
                None => Some(metric),
            },
        )
        .collect();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(raw: &str, v: f64) -> CustomMetric {
        CustomMetric::new(raw, v)
    }

    #[test]
    fn last_value_of_a_raw_name_wins_and_collisions_are_split() {
        let (kept, dropped) =
            normalize(vec![m("b", 1.0), m("a-x", 2.0), m("b", 3.0), m("a_x", 4.0)]);
        let names: Vec<_> = kept.iter().map(|k| (&*k.name, k.value)).collect();
        assert_eq!(names, [("dpone_a_x", 2.0), ("dpone_b", 3.0)]);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].dropped_raw, "a_x");
        assert_eq!(dropped[0].kept_raw, "a-x");
    }

    #[test]
    fn mapping_parses_json_with_python_tokens() {
        let parsed: MetricsMapping =
            json_input::from_slice(br#"{"lag": 1, "rate": "2.5", "bad": NaN}"#).unwrap();
        assert_eq!(parsed.0.len(), 3);
        assert!(parsed.0[2].value.is_nan());
    }

    #[test]
    fn mapping_errors_name_the_metric() {
        let err = json_input::from_slice::<MetricsMapping>(br#"{"lag": true}"#).unwrap_err();
        assert!(err.to_string().contains("metric `lag`"), "{err}");
        let err = json_input::from_slice::<MetricsMapping>(br#"[1, 2]"#).unwrap_err();
        assert!(err.to_string().contains("mapping"), "{err}");
        let err = json_input::from_slice::<MetricsMapping>(br#"{" ": 1}"#).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn mapping_parses_yaml() {
        let parsed: MetricsMapping =
            serde_norway::from_str("lag: 42\nrate: .nan\nx: '3'\n").unwrap();
        assert_eq!(parsed.0[0].value, 42.0);
        assert!(parsed.0[1].value.is_nan());
        assert_eq!(parsed.0[2].value, 3.0);
        let err = serde_norway::from_str::<MetricsMapping>("lag: [1]\n").unwrap_err();
        assert!(err.to_string().contains("metric `lag`"), "{err}");
    }
}
