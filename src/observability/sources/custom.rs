//! Custom metrics: `--metric name=value` flags and the `--metrics-file` mapping.
//!
//! Names are sanitised by [`sanitize_metric_name`]. Values given twice under the same raw name
//! follow the peer: the last one wins, and flags come after the file, so a flag overrides the
//! file. Two *different* raw names that sanitise to one exported name are a duplicate series:
//! the first (in name order) is kept and the rest are reported.
//!
//! A metrics file can hold a million entries, so it is parsed straight into [`MetricPoint`]s
//! that already share the export's label sets, streamed from the file (the text is never held
//! whole), and sorted and de-duplicated in place: one vector of points is all the memory a
//! large set costs.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::super::files::{self, FileError};
use super::super::json_input;
use super::super::metrics::{
    sanitize_metric_name, CustomOrigin, Descriptor, LabelSet, MetricPoint,
};

/// A custom metric before labels are attached (what `--metric` gives).
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

    pub fn into_point(self, sets: &PointSets) -> MetricPoint {
        MetricPoint {
            name: self.name,
            value: self.value,
            labels: Arc::clone(&sets.labels),
            attributes: Arc::clone(&sets.attributes),
            descriptor: Descriptor::Custom(self.origin),
        }
    }
}

/// The label sets every custom point shares.
#[derive(Debug, Clone)]
pub struct PointSets {
    pub labels: Arc<LabelSet>,
    pub attributes: Arc<LabelSet>,
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

fn dropped(point: &MetricPoint, kept_raw: &str) -> DroppedDuplicate {
    DroppedDuplicate {
        name: point.name.clone(),
        dropped_raw: point.raw_name().to_string(),
        dropped_value: point.value,
        kept_raw: kept_raw.to_string(),
    }
}

/// Sorts custom points by exported name, resolves repeats of one raw name (last wins) and
/// removes different raw names that collide on one exported name (first wins), in place.
/// `points` must be in input order (file first, then flags).
pub fn normalize(points: &mut Vec<MetricPoint>) -> Vec<DroppedDuplicate> {
    let order = |a: &MetricPoint, b: &MetricPoint| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.raw_name().cmp(b.raw_name()))
    };
    // Stable, so equal raw names keep input order and the last of a run is the latest given.
    // Generated files are usually sorted already; checking first saves the sort's buffer.
    if !points.is_sorted_by(|a, b| order(a, b).is_le()) {
        points.sort_by(order);
    }
    let mut dropped_points = Vec::new();
    let mut kept = 0;
    for read in 0..points.len() {
        if kept > 0 && points[kept - 1].name == points[read].name {
            if points[kept - 1].raw_name() == points[read].raw_name() {
                points.swap(kept - 1, read);
            } else {
                dropped_points.push(dropped(&points[read], points[kept - 1].raw_name()));
            }
            continue;
        }
        points.swap(kept, read);
        kept += 1;
    }
    points.truncate(kept);
    dropped_points
}

/// Why a metrics file was refused.
#[derive(Debug)]
pub enum MetricsFileError {
    Missing(String),
    Invalid(String),
}

/// Reads a metrics file into points that share `sets`: YAML when the name ends in
/// `.yaml`/`.yml`, JSON otherwise. JSON is streamed; only a file with Python's `NaN`/`Infinity`
/// tokens is read whole for the lenient parser.
pub fn read_metrics_file(
    path: &Path,
    sets: &PointSets,
) -> Result<Vec<MetricPoint>, MetricsFileError> {
    let shown = path.display();
    let missing = |why: String| MetricsFileError::Missing(format!("`{shown}`: {why}"));
    let invalid = |why: String| MetricsFileError::Invalid(format!("`{shown}`: {why}"));
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(missing("not a regular file".into())),
        Err(err) => return Err(missing(err.to_string())),
    }
    let read_all = || {
        files::read_capped(path, files::MAX_METRICS_FILE_BYTES).map_err(|err| match err {
            FileError::TooLarge(_) => invalid(err.to_string()),
            err => missing(format!("cannot read: {err}")),
        })
    };
    let is_yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let seed = MappingSeed { sets };
    if is_yaml {
        let bytes = read_all()?;
        let text = std::str::from_utf8(&bytes).map_err(|e| invalid(format!("not UTF-8: {e}")))?;
        let metrics: YamlMapping = serde_saphyr::from_str_with_options(text, yaml_options())
            .map_err(|e| invalid(e.to_string()))?;
        return Ok(metrics.0.into_iter().map(|m| m.into_point(sets)).collect());
    }
    let file = files::open_regular(path).map_err(|err| missing(format!("cannot read: {err}")))?;
    let mut streamed = serde_json::Deserializer::from_reader(BufReader::with_capacity(
        1 << 20,
        file.take(files::MAX_METRICS_FILE_BYTES + 1),
    ));
    let strict = seed
        .deserialize(&mut streamed)
        .and_then(|points| streamed.end().map(|()| points));
    match strict {
        Ok(points) => Ok(points),
        Err(err) if err.is_syntax() || err.is_eof() => {
            // Perhaps Python's non-finite tokens: read the whole text for the lenient parser.
            let bytes = read_all()?;
            json_input::from_slice_seed(&bytes, seed).map_err(|e| invalid(e.to_string()))
        }
        Err(err) if err.is_io() => Err(missing(format!("cannot read: {err}"))),
        Err(err) => Err(invalid(err.to_string())),
    }
}

/// Deserializes a flat mapping of metric names to numbers into points sharing `sets`.
#[derive(Clone, Copy)]
struct MappingSeed<'s> {
    sets: &'s PointSets,
}

impl<'de> DeserializeSeed<'de> for MappingSeed<'_> {
    type Value = Vec<MetricPoint>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MappingSeed<'_> {
    type Value = Vec<MetricPoint>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MAPPING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        visit_mapping(map, |raw, value| {
            CustomMetric::new(raw, value).into_point(self.sets)
        })
    }
}

const MAPPING: &str = "a mapping of metric names to numbers";

/// YAML's `.nan`, `.inf` and `-.inf` are numbers here, as `NaN`/`Infinity` are in JSON.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    }
}

/// The mapping read from YAML (a small file format here: JSON is the one for large sets).
struct YamlMapping(Vec<CustomMetric>);

impl<'de> de::Deserialize<'de> for YamlMapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct YamlVisitor;
        impl<'de> Visitor<'de> for YamlVisitor {
            type Value = YamlMapping;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(MAPPING)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                visit_mapping(map, CustomMetric::new).map(YamlMapping)
            }
        }
        deserializer.deserialize_map(YamlVisitor)
    }
}

/// Reads `name: number` entries, naming the metric when a value is not a number.
fn visit_mapping<'de, A: MapAccess<'de>, T>(
    mut map: A,
    make: impl Fn(&str, f64) -> T,
) -> Result<Vec<T>, A::Error> {
    let mut items = Vec::with_capacity(map.size_hint().unwrap_or(0));
    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
        if key.trim().is_empty() {
            return Err(de::Error::custom("a metric name is empty"));
        }
        let value = map.next_value_seed(NumberFor(&key))?;
        items.push(make(&key, value));
    }
    Ok(items)
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

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// `name=value` with a numeric value.
pub fn parse_metric(text: &str) -> Result<(String, f64), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!("expected name=value, got `{text}`"));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("expected a non-empty metric name in `{text}`"));
    }
    let number = json_input::parse_number(value)
        .ok_or_else(|| format!("metric `{name}` must be numeric, got `{}`", value.trim()))?;
    Ok((name.to_string(), number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_values() {
        assert_eq!(
            parse_metric("rows/sec=1e3").unwrap(),
            ("rows/sec".into(), 1000.0)
        );
        assert!(parse_metric("x=nan").unwrap().1.is_nan());
        assert!(parse_metric("x=abc")
            .unwrap_err()
            .contains("must be numeric"));
        assert!(parse_metric("=1").is_err());
    }

    fn sets() -> PointSets {
        PointSets {
            labels: LabelSet::empty(),
            attributes: LabelSet::empty(),
        }
    }

    fn points(metrics: &[(&str, f64)]) -> Vec<MetricPoint> {
        let sets = sets();
        metrics
            .iter()
            .map(|(raw, v)| CustomMetric::new(raw, *v).into_point(&sets))
            .collect()
    }

    fn parse_json(text: &str) -> Result<Vec<MetricPoint>, serde_json::Error> {
        json_input::from_slice_seed(text.as_bytes(), MappingSeed { sets: &sets() })
    }

    #[test]
    fn last_value_of_a_raw_name_wins_and_collisions_are_split() {
        let mut kept = points(&[("b", 1.0), ("a-x", 2.0), ("b", 3.0), ("a_x", 4.0)]);
        let dropped = normalize(&mut kept);
        let names: Vec<_> = kept.iter().map(|k| (&*k.name, k.value)).collect();
        assert_eq!(names, [("dpone_a_x", 2.0), ("dpone_b", 3.0)]);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].dropped_raw, "a_x");
        assert_eq!(dropped[0].kept_raw, "a-x");
    }

    #[test]
    fn sorted_input_and_repeated_names() {
        let mut kept = points(&[
            ("a", 1.0),
            ("a", 2.0),
            ("a", 3.0),
            ("b", 4.0),
            ("c", 5.0),
            ("c", 6.0),
        ]);
        assert!(normalize(&mut kept).is_empty());
        let names: Vec<_> = kept.iter().map(|k| (&*k.name, k.value)).collect();
        assert_eq!(
            names,
            [("dpone_a", 3.0), ("dpone_b", 4.0), ("dpone_c", 6.0)]
        );
    }

    #[test]
    fn mapping_parses_json_with_python_tokens() {
        let parsed = parse_json(r#"{"lag": 1, "rate": "2.5", "bad": NaN}"#).unwrap();
        assert_eq!(parsed.len(), 3);
        assert!(parsed[2].value.is_nan());
    }

    #[test]
    fn mapping_errors_name_the_metric() {
        let err = parse_json(r#"{"lag": true}"#).unwrap_err();
        assert!(err.to_string().contains("metric `lag`"), "{err}");
        let err = parse_json("[1, 2]").unwrap_err();
        assert!(err.to_string().contains("mapping"), "{err}");
        let err = parse_json(r#"{" ": 1}"#).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn mapping_parses_yaml() {
        let sets = sets();
        let yaml = |text: &str| {
            serde_saphyr::from_str_with_options::<YamlMapping>(text, yaml_options()).map(|m| {
                m.0.into_iter()
                    .map(|c| c.into_point(&sets))
                    .collect::<Vec<_>>()
            })
        };
        let parsed = yaml("lag: 42\nrate: .nan\nx: '3'\n").unwrap();
        assert_eq!(parsed[0].value, 42.0);
        assert!(parsed[1].value.is_nan());
        assert_eq!(parsed[2].value, 3.0);
        let err = yaml("lag: [1]\n").unwrap_err();
        assert!(err.to_string().contains("metric `lag`"), "{err}");
    }
}
