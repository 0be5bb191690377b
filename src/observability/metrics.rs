//! The canonical metric model: points, label sets, and the naming rules every renderer relies on.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Every exported metric name starts with this prefix.
pub const METRIC_PREFIX: &str = "dpone_";

/// Declares a catalogued metric: `metric_spec!(NAME, "dpone_x", "unit", "Description.");`
#[macro_export]
macro_rules! metric_spec {
    ($ident:ident, $name:literal, $unit:literal, $description:literal) => {
        pub static $ident: $crate::observability::metrics::MetricSpec =
            $crate::observability::metrics::MetricSpec {
                name: $name,
                unit: $unit,
                description: $description,
            };
    };
}

/// A metric whose name, unit and description are fixed by a source's catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct MetricSpec {
    pub name: &'static str,
    pub unit: &'static str,
    pub description: &'static str,
}

/// Where a point's name and description come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Descriptor {
    /// A catalogued metric of a report source.
    Catalog(&'static MetricSpec),
    /// A custom metric; `raw` is the name the user gave, needed for the description.
    Custom(CustomOrigin),
}

/// How to recover the raw custom name without storing it twice (1,000,000 points matter).
#[derive(Debug, Clone, PartialEq)]
pub enum CustomOrigin {
    /// The raw name is the exported name (it already was a valid `dpone_` name).
    SameAsName,
    /// The raw name is the exported name without its `dpone_` prefix.
    NameWithoutPrefix,
    /// Anything else.
    Raw(Box<str>),
}

impl CustomOrigin {
    /// The raw name, given the exported name it belongs to.
    pub fn raw<'a>(&'a self, name: &'a str) -> &'a str {
        match self {
            CustomOrigin::SameAsName => name,
            CustomOrigin::NameWithoutPrefix => &name[METRIC_PREFIX.len()..],
            CustomOrigin::Raw(raw) => raw,
        }
    }
}

/// One gauge sample.
#[derive(Debug, Clone)]
pub struct MetricPoint {
    /// The exported name, valid for Prometheus and OpenTelemetry.
    pub name: Box<str>,
    pub value: f64,
    /// Labels written to every format (low-cardinality by rule).
    pub labels: Arc<LabelSet>,
    /// Attributes written only to OpenTelemetry data points and the JSON report (e.g. `run_id`).
    pub attributes: Arc<LabelSet>,
    pub descriptor: Descriptor,
}

impl MetricPoint {
    /// The point as the renderers read it (the same view a [`Points`] store gives).
    ///
    /// [`Points`]: super::points::Points
    pub fn as_point(&self) -> Point<'_> {
        let (spec, raw) = match &self.descriptor {
            Descriptor::Catalog(spec) => (Some(*spec), spec.name),
            Descriptor::Custom(origin) => (None, origin.raw(&self.name)),
        };
        Point {
            name: &self.name,
            value: self.value,
            labels: &self.labels,
            attributes: &self.attributes,
            spec,
            raw,
        }
    }

    pub fn unit(&self) -> &'static str {
        self.as_point().unit()
    }

    /// The raw name a custom metric was given, or the catalogue name.
    pub fn raw_name(&self) -> &str {
        self.as_point().raw_name()
    }

    pub fn description(&self) -> Cow<'static, str> {
        self.as_point().description()
    }
}

/// One point as every reader sees it: borrowed from a [`Points`] store (or a [`MetricPoint`]),
/// built on the fly, a few words long.
///
/// [`Points`]: super::points::Points
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    /// The exported name, valid for Prometheus and OpenTelemetry.
    pub name: &'a str,
    pub value: f64,
    /// Labels written to every format (low-cardinality by rule).
    pub labels: &'a Arc<LabelSet>,
    /// Attributes written only to OpenTelemetry data points and the JSON report.
    pub attributes: &'a Arc<LabelSet>,
    /// The catalogue entry; `None` for a custom metric.
    pub spec: Option<&'static MetricSpec>,
    /// The raw name a custom metric was given (the catalogue name for a catalogued one).
    pub(crate) raw: &'a str,
}

impl<'a> Point<'a> {
    pub fn unit(&self) -> &'static str {
        self.spec.map_or("1", |spec| spec.unit)
    }

    pub fn is_custom(&self) -> bool {
        self.spec.is_none()
    }

    /// The raw name a custom metric was given, or the catalogue name.
    pub fn raw_name(&self) -> &'a str {
        self.raw
    }

    pub fn description(&self) -> Cow<'static, str> {
        match self.spec {
            Some(spec) => Cow::Borrowed(spec.description),
            None => Cow::Owned(custom_description(self.raw)),
        }
    }

    /// The description in three parts to be written one after the other (no allocation, no
    /// formatting machinery: renderers call this once per family, a million times at most).
    pub fn description_parts(&self) -> [&'a str; 3] {
        match self.spec {
            Some(spec) => [spec.description, "", ""],
            None => [CUSTOM_DESCRIPTION.0, self.raw, CUSTOM_DESCRIPTION.1],
        }
    }

    /// An owned copy.
    #[cfg(test)]
    pub fn to_owned_point(&self) -> MetricPoint {
        let descriptor = match self.spec {
            Some(spec) => Descriptor::Catalog(spec),
            None if self.raw == self.name => Descriptor::Custom(CustomOrigin::SameAsName),
            None if self.name.strip_prefix(METRIC_PREFIX) == Some(self.raw) => {
                Descriptor::Custom(CustomOrigin::NameWithoutPrefix)
            }
            None => Descriptor::Custom(CustomOrigin::Raw(self.raw.into())),
        };
        MetricPoint {
            name: self.name.into(),
            value: self.value,
            labels: Arc::clone(self.labels),
            attributes: Arc::clone(self.attributes),
            descriptor,
        }
    }
}

/// A custom metric's description is this prefix, the raw name, and this suffix.
const CUSTOM_DESCRIPTION: (&str, &str) = ("Custom dpone runtime metric `", "`.");

pub fn custom_description(raw: &str) -> String {
    format!("{}{raw}{}", CUSTOM_DESCRIPTION.0, CUSTOM_DESCRIPTION.1)
}

/// The raw name a custom metric's description names, when it is one.
pub fn custom_raw_name(description: &str) -> Option<&str> {
    description
        .strip_prefix(CUSTOM_DESCRIPTION.0)?
        .strip_suffix(CUSTOM_DESCRIPTION.1)
}

/// The documented rule that turns any custom name into a valid exported metric name:
///
/// 1. surrounding whitespace is removed;
/// 2. a name that does not start with `dpone_` is lower-cased and gets the `dpone_` prefix;
/// 3. every character other than ASCII letters, digits and `_` becomes one `_`
///    (this covers `-`, `.`, `/`, `:`, spaces and every non-ASCII character).
///
/// The result always matches `[a-zA-Z_][a-zA-Z0-9_]*`, as Prometheus requires.
/// Returns the name and how the raw name can be recovered from it.
pub fn sanitize_metric_name(raw: &str) -> (Box<str>, CustomOrigin) {
    let mut name = String::with_capacity(METRIC_PREFIX.len() + raw.len());
    let origin = match sanitize_metric_name_into(raw, &mut name) {
        NameOrigin::SameAsName => CustomOrigin::SameAsName,
        NameOrigin::NameWithoutPrefix => CustomOrigin::NameWithoutPrefix,
        NameOrigin::Raw => CustomOrigin::Raw(raw.into()),
    };
    (name.into(), origin)
}

/// How a raw custom name relates to its exported name (see [`CustomOrigin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameOrigin {
    SameAsName,
    NameWithoutPrefix,
    Raw,
}

/// [`sanitize_metric_name`], appending the name to `out` (the point store's name arena) instead
/// of allocating it.
pub fn sanitize_metric_name_into(raw: &str, out: &mut String) -> NameOrigin {
    let at = out.len();
    let trimmed = raw.trim();
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if let Some(rest) = trimmed.strip_prefix(METRIC_PREFIX) {
        if rest.chars().all(valid) {
            out.push_str(trimmed);
            return if trimmed == raw {
                NameOrigin::SameAsName
            } else {
                NameOrigin::Raw
            };
        }
        out.push_str(METRIC_PREFIX);
        out.extend(rest.chars().map(|c| if valid(c) { c } else { '_' }));
        return NameOrigin::Raw;
    }
    out.push_str(METRIC_PREFIX);
    if trimmed.is_ascii() {
        // The common case, byte by byte: ASCII lower-casing never changes validity.
        out.extend(trimmed.bytes().map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                char::from(b.to_ascii_lowercase())
            } else {
                '_'
            }
        }));
    } else {
        // Unicode lower-casing can turn a character into several, some of them ASCII.
        for c in trimmed.chars().flat_map(char::to_lowercase) {
            out.push(if valid(c) { c } else { '_' });
        }
    }
    if out[at + METRIC_PREFIX.len()..] == *raw {
        NameOrigin::NameWithoutPrefix
    } else {
        NameOrigin::Raw
    }
}

/// The Prometheus label-name rule: every character other than ASCII letters, digits and `_`
/// becomes `_`; a leading digit gets a `_` prefix; an empty name becomes `_`.
pub fn sanitize_label_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// Why a set of labels cannot be exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    EmptyKey,
    /// The sanitised name starts with `__`, which Prometheus reserves for itself.
    Reserved {
        key: String,
        sanitized: String,
    },
    /// Two different keys sanitise to the same Prometheus label name.
    Collision {
        first: String,
        second: String,
        sanitized: String,
    },
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelError::EmptyKey => write!(f, "label key must not be empty"),
            LabelError::Reserved { key, sanitized } => write!(
                f,
                "label `{key}` becomes `{sanitized}`, and names starting with `__` are reserved by Prometheus"
            ),
            LabelError::Collision {
                first,
                second,
                sanitized,
            } => write!(
                f,
                "labels `{first}` and `{second}` both become the Prometheus label `{sanitized}`; rename one"
            ),
        }
    }
}

impl std::error::Error for LabelError {}

/// One label: the key as given (used by OpenTelemetry and the JSON report), its Prometheus
/// name, and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub key: String,
    pub prometheus_name: String,
    pub value: String,
}

/// A validated label set, sorted by key. Shared between points through `Arc`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet {
    labels: Vec<Label>,
}

impl LabelSet {
    pub fn empty() -> Arc<LabelSet> {
        Arc::new(LabelSet::default())
    }

    /// Builds a set from key/value pairs. A later pair with the same key replaces an earlier
    /// one. Fails on empty keys, reserved names and names that collide after sanitising.
    pub fn new<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<LabelSet, LabelError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut labels: Vec<Label> = Vec::new();
        for (key, value) in pairs {
            let key = key.into();
            let value = value.into();
            if key.is_empty() {
                return Err(LabelError::EmptyKey);
            }
            if let Some(existing) = labels.iter_mut().find(|l| l.key == key) {
                existing.value = value;
                continue;
            }
            let prometheus_name = sanitize_label_name(&key);
            if prometheus_name.starts_with("__") {
                return Err(LabelError::Reserved {
                    key,
                    sanitized: prometheus_name,
                });
            }
            if let Some(other) = labels.iter().find(|l| l.prometheus_name == prometheus_name) {
                return Err(LabelError::Collision {
                    first: other.key.clone(),
                    second: key,
                    sanitized: prometheus_name,
                });
            }
            labels.push(Label {
                key,
                prometheus_name,
                value,
            });
        }
        labels.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSet { labels })
    }

    /// Adds the pairs whose keys are not present yet (the set's own values win).
    pub fn with_defaults<'a>(
        &self,
        defaults: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<LabelSet, LabelError> {
        let mut pairs: Vec<(String, String)> = self
            .labels
            .iter()
            .map(|l| (l.key.clone(), l.value.clone()))
            .collect();
        for (key, value) in defaults {
            if !self.contains_key(key) {
                pairs.push((key.to_string(), value));
            }
        }
        LabelSet::new(pairs)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.labels.iter().any(|l| l.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.value.as_str())
    }

    /// Labels sorted by key as given.
    pub fn iter(&self) -> impl Iterator<Item = &Label> {
        self.labels.iter()
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Label keys that name a value which changes on every run. Matched after sanitising and
/// lower-casing, exactly or as a `_`-separated suffix (`github_run_id`, `head_sha`, ...).
const UNBOUNDED_KEYS: &[&str] = &[
    "run_id",
    "correlation_id",
    "trace_id",
    "span_id",
    "request_id",
    "attempt_id",
    "attempt_ref",
    "build_id",
    "build_number",
    "job_id",
    "pod_uid",
    "uuid",
    "sha",
    "commit",
    "timestamp",
];

/// True when a label key looks like an unbounded identifier (see `labels.high_cardinality`).
pub fn is_unbounded_label_key(key: &str) -> bool {
    let name = sanitize_label_name(key).to_ascii_lowercase();
    let name = name.trim_start_matches('_');
    UNBOUNDED_KEYS.iter().any(|bad| {
        name == *bad
            || name
                .strip_suffix(bad)
                .is_some_and(|head| head.ends_with('_'))
    })
}

/// `key=value`: split at the first `=`, both sides trimmed, the key non-empty.
pub fn parse_key_value(text: &str) -> Result<(String, String), String> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(format!("expected key=value, got `{text}`"));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("expected a non-empty key in `{text}`"));
    }
    Ok((key.to_string(), value.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_text() {
        assert_eq!(
            parse_key_value(" a = b=c ").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert_eq!(parse_key_value("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_key_value("=v").unwrap_err().contains("non-empty key"));
        assert!(parse_key_value("novalue")
            .unwrap_err()
            .contains("key=value"));
    }

    #[test]
    fn metric_names_follow_the_peer_where_it_was_valid() {
        assert_eq!(&*sanitize_metric_name("Lag Seconds").0, "dpone_lag_seconds");
        assert_eq!(&*sanitize_metric_name("rows/sec").0, "dpone_rows_sec");
        assert_eq!(
            &*sanitize_metric_name("dpone_custom_total").0,
            "dpone_custom_total"
        );
        assert_eq!(
            sanitize_metric_name("dpone_custom_total").1,
            CustomOrigin::SameAsName
        );
        assert_eq!(
            sanitize_metric_name("lag").1,
            CustomOrigin::NameWithoutPrefix
        );
    }

    #[test]
    fn metric_names_are_always_valid() {
        for raw in [
            "dpone_bad-name",
            "задержка",
            "dpone_задержка",
            "",
            "9x",
            "a:b",
            " x ",
        ] {
            let (name, _) = sanitize_metric_name(raw);
            assert!(name.starts_with(METRIC_PREFIX));
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{name}"
            );
        }
        assert_eq!(&*sanitize_metric_name("dpone_bad-name").0, "dpone_bad_name");
        assert_eq!(&*sanitize_metric_name("задержка").0, "dpone_________");
        // U+212A KELVIN SIGN lower-cases to an ASCII `k`.
        assert_eq!(&*sanitize_metric_name("\u{212A}elvin").0, "dpone_kelvin");
        assert_eq!(
            &*sanitize_metric_name("Rows-Per.Sec").0,
            "dpone_rows_per_sec"
        );
    }

    #[test]
    fn raw_names_are_recovered() {
        for raw in ["Lag Seconds", "lag", "dpone_x", " dpone_x", "a.b"] {
            let (name, origin) = sanitize_metric_name(raw);
            let point = MetricPoint {
                name,
                value: 1.0,
                labels: LabelSet::empty(),
                attributes: LabelSet::empty(),
                descriptor: Descriptor::Custom(origin),
            };
            assert_eq!(point.raw_name(), raw);
        }
    }

    #[test]
    fn label_names_sanitise_like_the_peer() {
        assert_eq!(sanitize_label_name("source.system"), "source_system");
        assert_eq!(sanitize_label_name("9bad"), "_9bad");
        assert_eq!(sanitize_label_name("ci.run/id"), "ci_run_id");
        assert_eq!(sanitize_label_name(""), "_");
        assert_eq!(sanitize_label_name("метка"), "_____");
    }

    #[test]
    fn label_sets_reject_collisions_and_reserved_names() {
        assert!(matches!(
            LabelSet::new([("a.b", "1"), ("a_b", "2")]),
            Err(LabelError::Collision { .. })
        ));
        assert!(matches!(
            LabelSet::new([("__name__", "x")]),
            Err(LabelError::Reserved { .. })
        ));
        assert!(matches!(
            LabelSet::new([("..x", "x")]),
            Err(LabelError::Reserved { .. })
        ));
        assert!(matches!(
            LabelSet::new([("", "x")]),
            Err(LabelError::EmptyKey)
        ));
        let set = LabelSet::new([("b", "1"), ("a", "2"), ("b", "3")]).unwrap();
        let keys: Vec<_> = set
            .iter()
            .map(|l| (l.key.as_str(), l.value.as_str()))
            .collect();
        assert_eq!(keys, [("a", "2"), ("b", "3")]);
    }

    #[test]
    fn unbounded_keys_are_recognised() {
        for key in [
            "run_id",
            "ci_run_id",
            "github_run_id",
            "head_sha",
            "CORRELATION_ID",
            "ci.run/id",
        ] {
            assert!(is_unbounded_label_key(key), "{key}");
        }
        for key in [
            "env",
            "gate",
            "process",
            "shard",
            "suite",
            "commitment",
            "sharp",
        ] {
            assert!(!is_unbounded_label_key(key), "{key}");
        }
    }
}
