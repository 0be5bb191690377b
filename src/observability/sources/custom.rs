//! Custom metrics: `--metric name=value` flags and the `--metrics-file` mapping.
//!
//! Names are sanitised by [`sanitize_metric_name`]. Values given twice under the same raw name
//! follow the peer: the last one wins, and flags come after the file, so a flag overrides the
//! file. Two *different* raw names that sanitise to one exported name are a duplicate series:
//! the first (in name order) is kept and the rest are reported.
//!
//! A metrics file can hold millions of entries, so it is streamed from the file (the text is
//! never held whole) straight into the compact point store ([`Points`]), every entry sharing the
//! export's label sets, and sorted and de-duplicated there in place: a slot and the name's
//! bytes are all the memory an entry costs.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::super::files::{self, FileError};
use super::super::json_input;
use super::super::metrics::{sanitize_metric_name, CustomOrigin, LabelSet, Point};
use super::super::points::{Points, StoreFull};

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
}

/// The label sets every custom point shares.
#[derive(Debug, Clone)]
pub struct PointSets {
    pub labels: Arc<LabelSet>,
    pub attributes: Arc<LabelSet>,
}

/// The message for a custom metric dropped because `kept` already has its exported name.
pub fn describe_dropped(dropped: Point<'_>, kept: Point<'_>) -> String {
    format!(
        "`{}` from `{}` (value {}) repeats `{}`, which was kept",
        dropped.name,
        dropped.raw_name(),
        dropped.value,
        kept.raw_name()
    )
}

/// Why a metrics file was refused.
#[derive(Debug)]
pub enum MetricsFileError {
    Missing(String),
    Invalid(String),
}

/// Reads a metrics file into a store whose points share `sets`: YAML when the name ends in
/// `.yaml`/`.yml` (read whole: a format for small sets), JSON otherwise (streamed, Python's
/// `NaN`/`Infinity` tokens rewritten on the way).
pub fn read_metrics_file(path: &Path, sets: &PointSets) -> Result<Points, MetricsFileError> {
    let shown = path.display();
    let missing = |why: String| MetricsFileError::Missing(format!("`{shown}`: {why}"));
    let invalid = |why: String| MetricsFileError::Invalid(format!("`{shown}`: {why}"));
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(missing("not a regular file".into())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(MetricsFileError::Missing(format!(
                "`{shown}` {}",
                files::not_found(path)
            )))
        }
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
            .map_err(|e| invalid(super::super::syntax::yaml_error(&e)))?;
        let mut store = Points::new();
        let id = store
            .sets(&sets.labels, &sets.attributes)
            .map_err(|e| invalid(e.to_string()))?;
        for m in &metrics.0 {
            store
                .push_custom_named(&m.name, &m.origin, m.value, id)
                .map_err(|e| invalid(e.to_string()))?;
        }
        return Ok(store);
    }
    let file = files::open_regular(path).map_err(|err| missing(format!("cannot read: {err}")))?;
    // Streamed, Python's `NaN`/`Infinity` tokens rewritten on the way (as `from_slice` does
    // for a whole text): never held whole, whatever it holds.
    let mut capped = file.take(files::MAX_METRICS_FILE_BYTES + 1);
    let mut streamed = serde_json::Deserializer::from_reader(BufReader::with_capacity(
        1 << 20,
        json_input::NonFiniteQuoted::new(&mut capped),
    ));
    let parsed = seed
        .deserialize(&mut streamed)
        .and_then(|points| streamed.end().map(|()| points));
    drop(streamed);
    if capped.limit() == 0 {
        let too_large = FileError::TooLarge(files::MAX_METRICS_FILE_BYTES);
        return Err(invalid(too_large.to_string()));
    }
    match parsed {
        Ok(points) => Ok(points),
        Err(err) if err.is_io() => Err(missing(format!("cannot read: {err}"))),
        Err(err) => Err(invalid(super::super::syntax::json_error(&err))),
    }
}

/// Deserializes a flat mapping of metric names to numbers into a store whose points share
/// `sets`.
#[derive(Clone, Copy)]
struct MappingSeed<'s> {
    sets: &'s PointSets,
}

impl<'de> DeserializeSeed<'de> for MappingSeed<'_> {
    type Value = Points;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MappingSeed<'_> {
    type Value = Points;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MAPPING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let full = |e: StoreFull| de::Error::custom(e);
        let mut store = Points::new();
        let sets = store
            .sets(&self.sets.labels, &self.sets.attributes)
            .map_err(full)?;
        visit_mapping(map, |raw, value| {
            store.push_custom(raw, value, sets).map_err(full)
        })?;
        Ok(store)
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
                let mut metrics = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                visit_mapping(map, |raw, value| {
                    metrics.push(CustomMetric::new(raw, value));
                    Ok(())
                })?;
                Ok(YamlMapping(metrics))
            }
        }
        deserializer.deserialize_map(YamlVisitor)
    }
}

/// Reads `name: number` entries, naming the metric when a value is not a number.
fn visit_mapping<'de, A: MapAccess<'de>>(
    mut map: A,
    mut take: impl FnMut(&str, f64) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
        if key.trim().is_empty() {
            return Err(de::Error::custom("a metric name is empty"));
        }
        let value = map.next_value_seed(NumberFor(&key))?;
        take(&key, value)?;
    }
    Ok(())
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

    fn parse_json(text: &str) -> Result<Points, serde_json::Error> {
        json_input::from_slice_seed(text.as_bytes(), MappingSeed { sets: &sets() })
    }

    #[test]
    fn mapping_parses_json_with_python_tokens() {
        let parsed = parse_json(r#"{"lag": 1, "rate": "2.5", "bad": NaN}"#).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            parsed.get(1).map(|p| (p.name, p.value)),
            Some(("dpone_rate", 2.5))
        );
        assert!(parsed.get(2).is_some_and(|p| p.value.is_nan()));
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
        let yaml = |text: &str| {
            serde_saphyr::from_str_with_options::<YamlMapping>(text, yaml_options()).map(|m| m.0)
        };
        let parsed = yaml("lag: 42\nrate: .nan\nx: '3'\n").unwrap();
        assert_eq!(parsed[0].value, 42.0);
        assert!(parsed[1].value.is_nan());
        assert_eq!(parsed[2].value, 3.0);
        let err = yaml("lag: [1]\n").unwrap_err();
        assert!(err.to_string().contains("metric `lag`"), "{err}");
    }
}
