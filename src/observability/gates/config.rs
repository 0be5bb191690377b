//! The gates' configuration: objectives (bounds per metric) and regression rules (direction and
//! tolerance per metric against a baseline export), from the policy file or `--objectives`.
//!
//! Two shapes are accepted for each list. A mapping keyed by metric name, which for objectives
//! is dpone's `--objectives-json` format unchanged (a bare number is a `max`):
//!
//! ```yaml
//! objectives:
//!   throughput_rows_per_second: {min: 100}
//!   dpone_duration_seconds: 300
//! ```
//!
//! and a list, which can name the same metric twice with different label matchers:
//!
//! ```yaml
//! objectives:
//!   - metric: dpone_duration_seconds
//!     labels: {process: orders_pg_to_pg}
//!     max: 300
//!     severity: warning
//! regressions:
//!   - metric: dpone_throughput_rows_per_second
//!     direction: higher
//!     ratio: 0.10
//!     ignore_labels: [status]   # match a failed run's series with a passing baseline
//! ```
//!
//! An objective without `min` and `max`, a bound that is not a finite number, a rule without a
//! direction or tolerance, or an unknown field is a configuration error that names the line.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::super::blockers::Severity;
use super::super::metrics::{sanitize_metric_name, METRIC_PREFIX};
pub use super::change_points::ChangePointPolicy;
use super::stats::Test;

/// Where a gate was configured, for messages: the file (or flag) and the line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub source: String,
    pub line: u64,
    /// The file, when the gate came from one (annotations and links point at its line).
    pub file: Option<std::path::PathBuf>,
}

impl Origin {
    /// The finding, placed at this gate's line when the gate came from a file.
    pub fn locate(
        &self,
        blocker: super::super::blockers::Blocker,
    ) -> super::super::blockers::Blocker {
        match &self.file {
            Some(file) => blocker.at_line(file, self.line),
            None => blocker,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{} line {}", self.source, self.line)
        } else {
            f.write_str(&self.source)
        }
    }
}

/// Which series a gate applies to: a metric name or glob pattern, and label matchers.
#[derive(Debug, Clone)]
pub struct Selector {
    /// As written in the configuration.
    pub written: String,
    /// The exported name for a plain name (dpone's bare names get the `dpone_` prefix).
    pub name: String,
    /// Set when the name holds glob characters (`*`, `?`, `[`).
    pub pattern: Option<glob::Pattern>,
    /// Every one must be present with this value.
    pub labels: Vec<(String, String)>,
    pub origin: Origin,
}

impl Selector {
    pub(super) fn new(
        written: &str,
        labels: BTreeMap<String, String>,
        line: u64,
    ) -> Result<Self, String> {
        let trimmed = written.trim();
        if trimmed.is_empty() {
            return Err("a metric name is empty".to_string());
        }
        let pattern = if trimmed.contains(['*', '?', '[']) {
            Some(
                glob::Pattern::new(trimmed)
                    .map_err(|err| format!("`{trimmed}` is not a valid pattern: {err}"))?,
            )
        } else {
            None
        };
        let name = if pattern.is_some() {
            trimmed.to_string()
        } else {
            sanitize_metric_name(trimmed).0.into_string()
        };
        Ok(Selector {
            written: trimmed.to_string(),
            name,
            pattern,
            labels: labels.into_iter().collect(),
            origin: Origin {
                source: String::new(),
                line,
                file: None,
            },
        })
    }

    /// True when an exported metric name is selected (labels aside).
    pub fn matches_name(&self, name: &str) -> bool {
        match &self.pattern {
            None => self.name == name,
            Some(pattern) => {
                pattern.matches(name)
                    || (!self.written.starts_with(METRIC_PREFIX)
                        && name
                            .strip_prefix(METRIC_PREFIX)
                            .is_some_and(|rest| pattern.matches(rest)))
            }
        }
    }

    /// True when a series of a selected metric has every label matcher.
    pub fn matches_labels<'a>(&self, mut get: impl FnMut(&str) -> Option<&'a str>) -> bool {
        self.labels
            .iter()
            .all(|(key, value)| get(key) == Some(value.as_str()))
    }

    pub fn is_pattern(&self) -> bool {
        self.pattern.is_some()
    }

    /// The selector as messages show it: `dpone_x{process="y"}`.
    pub fn shown(&self) -> String {
        if self.labels.is_empty() {
            return self.name.clone();
        }
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        format!("{}{{{}}}", self.name, labels.join(","))
    }
}

/// Bounds on one metric's series; each bound is inclusive.
#[derive(Debug, Clone)]
pub struct Objective {
    pub selector: Selector,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub severity: Severity,
    /// `enforce: shadow`: judged and reported ("would fail"), never a blocker.
    pub shadow: bool,
}

/// Which way a metric gets better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Higher,
    Lower,
    /// Either way is a change worth failing on: both limits are checked.
    Both,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
            Direction::Both => "both",
        }
    }

    /// Whether the lower limit is checked (a fall is bad).
    pub fn checks_lower(self) -> bool {
        matches!(self, Direction::Higher | Direction::Both)
    }

    /// Whether the upper limit is checked (a rise is bad).
    pub fn checks_upper(self) -> bool {
        matches!(self, Direction::Lower | Direction::Both)
    }
}

/// How far a metric may move in the bad direction from its baseline value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// A fraction of the baseline value's magnitude (`0.1` = 10 %).
    Ratio(f64),
    /// In the metric's own unit.
    Absolute(f64),
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Ratio(r) => write!(f, "ratio {r}"),
            Tolerance::Absolute(a) => write!(f, "absolute {a}"),
        }
    }
}

/// How a rule sets its limits: a tolerance around the most recent sample, or a statistical
/// test over the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    Tolerance(Tolerance),
    Test {
        test: Test,
        boundary: f64,
    },
    /// `test: change_point`: fails on a recent step change in the bad direction
    /// (`gates/change_points.rs`), with the policy's `change_points:` options.
    ChangePoint,
}

impl Method {
    /// As results and messages name it: `ratio`, `absolute`, `t_test`, ...
    pub fn name(self) -> &'static str {
        match self {
            Method::Tolerance(Tolerance::Ratio(_)) => "ratio",
            Method::Tolerance(Tolerance::Absolute(_)) => "absolute",
            Method::Test { test, .. } => test.as_str(),
            Method::ChangePoint => "change_point",
        }
    }

    /// The tolerance or the test's boundary (NaN for `change_point`, which has none).
    pub fn boundary(self) -> f64 {
        match self {
            Method::Tolerance(Tolerance::Ratio(v) | Tolerance::Absolute(v)) => v,
            Method::Test { boundary, .. } => boundary,
            Method::ChangePoint => f64::NAN,
        }
    }

    /// The default `min_samples` (for `change_point`, the search's own need, 2 × `min_segment`
    /// runs, is checked when judging).
    pub fn default_min_samples(self) -> usize {
        match self {
            Method::Tolerance(_) | Method::ChangePoint => 1,
            Method::Test { test, .. } => test.default_min_samples(),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Tolerance(t) => t.fmt(f),
            Method::Test { test, boundary } => write!(f, "{} {boundary}", test.as_str()),
            Method::ChangePoint => f.write_str("change_point"),
        }
    }
}

/// A regression rule: compare the metric's series with the history's.
#[derive(Debug, Clone)]
pub struct RegressionRule {
    pub selector: Selector,
    pub direction: Direction,
    pub method: Method,
    pub severity: Severity,
    /// Labels left out when a series is matched with its baseline (`status`, which a failed
    /// run changes from `success` to `error`).
    pub ignore_labels: Vec<String>,
    /// Below this many samples of a series the rule does not judge it.
    pub min_samples: usize,
    /// Only the most recent samples count.
    pub max_samples: Option<usize>,
    /// The step fails only when this export and the `consecutive - 1` most recent samples all
    /// breached; a breach short of that is a warning.
    pub consecutive: usize,
    /// `enforce: shadow`: judged and reported ("would fail"), never a blocker.
    pub shadow: bool,
    /// A breach whose change from the centre is smaller than this is inconclusive.
    pub min_change: Option<MinChange>,
    /// A history whose coefficient of variation (sample standard deviation over the mean's
    /// magnitude) is above this is too noisy to judge: inconclusive.
    pub max_cv: Option<f64>,
    /// `normality` (`z_score` and `t_test` only): a history whose Shapiro-Wilk p-value is below
    /// this is not normal enough for the test's limits: inconclusive. Off when none.
    pub normality: Option<f64>,
}

/// The smallest change a rule acts on (`min_change`): in the metric's unit, or relative to the
/// centre (`5%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinChange {
    Absolute(f64),
    /// A fraction of the centre's magnitude (`5%` is 0.05).
    Relative(f64),
}

impl MinChange {
    /// Whether a change of `delta` from `centre` is smaller than this.
    pub fn exceeds(self, delta: f64, centre: f64) -> bool {
        match self {
            MinChange::Absolute(a) => delta.abs() >= a,
            MinChange::Relative(r) => delta.abs() >= r * centre.abs(),
        }
    }

    /// As `min_change` is written: `0.5` or `5%`.
    pub fn shown(self) -> String {
        match self {
            MinChange::Absolute(a) => format!("{a}"),
            MinChange::Relative(r) => format!("{}%", r * 100.0),
        }
    }

    /// `0.5` (absolute) or `5%` (relative); Err says why not.
    pub fn parse(text: &str) -> Result<MinChange, String> {
        let text = text.trim();
        let (number, relative) = match text.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (text, false),
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`min_change: {text}` is a number or a percentage (`5%`)"))?;
        if !value.is_finite() || value < 0.0 {
            return Err(format!("`min_change: {text}` is at least 0"));
        }
        Ok(if relative {
            MinChange::Relative(value / 100.0)
        } else {
            MinChange::Absolute(value)
        })
    }
}

/// `min_change` as written: a number or a string such as `5%`.
#[derive(Deserialize)]
#[serde(untagged)]
enum MinChangeField {
    Number(f64),
    Text(String),
}

/// Every gate of an export.
#[derive(Debug, Clone, Default)]
pub struct GateConfig {
    pub objectives: Vec<Objective>,
    pub regressions: Vec<RegressionRule>,
    /// `change_points:` of the policy: when given, every regressed series is searched for step
    /// changes (and `test: change_point` rules use these options; the defaults without it).
    pub change_points: Option<ChangePointPolicy>,
}

impl GateConfig {
    pub fn is_empty(&self) -> bool {
        self.objectives.is_empty() && self.regressions.is_empty()
    }

    /// Names the file or flag every gate came from (lines are known from parsing).
    pub fn set_source(&mut self, source: &str) {
        for o in &mut self.objectives {
            o.selector.origin.source = source.to_string();
        }
        for r in &mut self.regressions {
            r.selector.origin.source = source.to_string();
        }
    }

    /// Names the file every gate was read from.
    pub fn set_file(&mut self, file: &std::path::Path) {
        for o in &mut self.objectives {
            o.selector.origin.file = Some(file.to_path_buf());
        }
        for r in &mut self.regressions {
            r.selector.origin.file = Some(file.to_path_buf());
        }
    }

    pub fn extend(&mut self, other: GateConfig) {
        self.objectives.extend(other.objectives);
        self.regressions.extend(other.regressions);
        if other.change_points.is_some() {
            self.change_points = other.change_points;
        }
    }
}

/// Parses `--objectives` (or the action's `objectives` input): YAML or JSON, in either shape.
pub fn parse_objectives(text: &str, source: &str) -> Result<Vec<Objective>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let list: ObjectiveList = serde_saphyr::from_str(text).map_err(|err| {
        let err = super::super::syntax::yaml_error(&err);
        let hint = super::super::text::unknown_field_hint(&err).unwrap_or_default();
        format!("objectives in {source}: {err}{hint}")
    })?;
    let mut config = GateConfig {
        objectives: list.0,
        regressions: Vec::new(),
        change_points: None,
    };
    config.set_source(source);
    Ok(config.objectives)
}

/// `objectives:` of a policy file.
#[derive(Debug, Default)]
pub struct ObjectiveList(pub Vec<Objective>);

/// `regressions:` of a policy file.
#[derive(Debug, Default)]
pub struct RegressionList(pub Vec<RegressionRule>);

/// A bound: a finite number (YAML `.nan`, strings and booleans are refused).
struct Bound(f64);

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bound, E> {
                if v.is_finite() {
                    Ok(Bound(v))
                } else {
                    Err(E::custom(format!(
                        "a bound must be a finite number, not `{v}`"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound, E> {
                Ok(Bound(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound, E> {
                Ok(Bound(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bound, E> {
                Err(E::custom(format!("a bound must be a number, not `{v}`")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Bound, E> {
                Err(E::custom(format!("a bound must be a number, not `{v}`")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Bound, E> {
                Err(E::custom("a bound must be a number, not null"))
            }
        }
        d.deserialize_any(V)
    }
}

struct SeverityField(Severity);

impl<'de> Deserialize<'de> for SeverityField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "error" => Ok(SeverityField(Severity::Error)),
            "warning" => Ok(SeverityField(Severity::Warning)),
            _ => Err(de::Error::custom(format!(
                "a severity is `error` or `warning`, not `{text}`"
            ))),
        }
    }
}

struct DirectionField(Direction);

impl<'de> Deserialize<'de> for DirectionField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "higher" => Ok(DirectionField(Direction::Higher)),
            "lower" => Ok(DirectionField(Direction::Lower)),
            "both" => Ok(DirectionField(Direction::Both)),
            _ => Err(de::Error::custom(format!(
                "a direction is `higher` or `lower` (which way is better) or `both`, not `{text}`"
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectiveBody {
    #[serde(default)]
    metric: Option<Spanned<String>>,
    #[serde(default)]
    min: Option<Bound>,
    #[serde(default)]
    max: Option<Bound>,
    #[serde(default)]
    severity: Option<SeverityField>,
    #[serde(default)]
    enforce: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// An objective's value in the mapping shape: a bare number (dpone: a `max`) or a body.
struct ObjectiveValue(ObjectiveBody);

impl<'de> Deserialize<'de> for ObjectiveValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ObjectiveValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (the max) or a mapping with `min` and/or `max`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ObjectiveValue, E> {
                let bound = Bound::deserialize(de::value::F64Deserializer::<E>::new(v))?;
                Ok(ObjectiveValue(ObjectiveBody {
                    metric: None,
                    min: None,
                    max: Some(bound),
                    severity: None,
                    enforce: None,
                    labels: BTreeMap::new(),
                }))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ObjectiveValue, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ObjectiveValue, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ObjectiveValue, E> {
                Err(E::custom(format!(
                    "an objective is a number (the max) or a mapping with `min`/`max`, not `{v}`"
                )))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ObjectiveValue, A::Error> {
                ObjectiveBody::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ObjectiveValue)
            }
        }
        d.deserialize_any(V)
    }
}

fn objective<E: de::Error>(name: &str, line: u64, body: ObjectiveBody) -> Result<Objective, E> {
    let at = |what: String| E::custom(format!("objective `{name}` (line {line}) {what}"));
    if body.min.is_none() && body.max.is_none() {
        return Err(at(
            "has neither `min` nor `max`; it would check nothing".to_string()
        ));
    }
    if let (Some(min), Some(max)) = (&body.min, &body.max) {
        if min.0 > max.0 {
            return Err(at(format!(
                "has `min` {} above `max` {}; no value can pass",
                min.0, max.0
            )));
        }
    }
    let shadow = enforce(body.enforce.as_deref()).map_err(at)?;
    let selector = Selector::new(name, body.labels, line).map_err(at)?;
    Ok(Objective {
        shadow,
        selector,
        min: body.min.map(|b| b.0),
        max: body.max.map(|b| b.0),
        severity: body.severity.map_or(Severity::Error, |s| s.0),
    })
}

impl<'de> Deserialize<'de> for ObjectiveList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ObjectiveList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of metric names to objectives, or a list of objectives")
            }
            fn visit_unit<E: de::Error>(self) -> Result<ObjectiveList, E> {
                Ok(ObjectiveList::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ObjectiveList, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value: ObjectiveValue = map.next_value()?;
                    let line = key.referenced.line();
                    if value.0.metric.is_some() {
                        return Err(de::Error::custom(format!(
                            "objective `{}` (line {line}): `metric` belongs to the list form; \
                             in the mapping form the key is the metric",
                            key.value
                        )));
                    }
                    out.push(objective(&key.value, line, value.0)?);
                }
                Ok(ObjectiveList(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ObjectiveList, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<ObjectiveBody>>()? {
                    let body = item.value;
                    let Some(metric) = body.metric.clone() else {
                        return Err(de::Error::custom(format!(
                            "line {}: an objective in the list form needs `metric`",
                            item.referenced.line()
                        )));
                    };
                    out.push(objective(&metric.value, metric.referenced.line(), body)?);
                }
                Ok(ObjectiveList(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    #[serde(default)]
    metric: Option<Spanned<String>>,
    #[serde(default)]
    direction: Option<DirectionField>,
    #[serde(default)]
    ratio: Option<Bound>,
    #[serde(default)]
    absolute: Option<Bound>,
    #[serde(default)]
    test: Option<String>,
    #[serde(default)]
    boundary: Option<Bound>,
    #[serde(default)]
    min_samples: Option<usize>,
    #[serde(default)]
    max_samples: Option<usize>,
    #[serde(default)]
    consecutive: Option<usize>,
    #[serde(default)]
    severity: Option<SeverityField>,
    #[serde(default)]
    enforce: Option<String>,
    #[serde(default)]
    min_change: Option<MinChangeField>,
    #[serde(default)]
    max_cv: Option<Bound>,
    #[serde(default)]
    normality: Option<Bound>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    ignore_labels: Vec<String>,
}

/// `enforce`: `block` (the default, false) or `shadow` (true).
fn enforce(text: Option<&str>) -> Result<bool, String> {
    match text {
        None | Some("block") => Ok(false),
        Some("shadow") => Ok(true),
        Some(other) => Err(format!(
            "has `enforce: {other}`; it is `block` (the default) or `shadow`"
        )),
    }
}

/// The rule's `enforce` (`block`, the default, or `shadow`), `min_change` and `max_cv`; Err
/// says which one is wrong.
fn noise_options(body: &RuleBody) -> Result<(bool, Option<MinChange>, Option<f64>), String> {
    let shadow = enforce(body.enforce.as_deref())?;
    let min_change = match &body.min_change {
        None => None,
        Some(MinChangeField::Number(n)) => Some(MinChange::parse(&n.to_string())?),
        Some(MinChangeField::Text(t)) => Some(MinChange::parse(t)?),
    };
    let max_cv = body.max_cv.as_ref().map(|b| b.0);
    if max_cv.is_some_and(|cv| cv <= 0.0) {
        return Err("has `max_cv` at or below 0; no series could be judged".to_string());
    }
    Ok((shadow, min_change, max_cv))
}

/// One regression rule of a policy, checked: its direction, its method and its sample counts.
/// An error names the rule and its line.
fn rule<E: de::Error>(name: &str, line: u64, body: RuleBody) -> Result<RegressionRule, E> {
    let at = |what: String| E::custom(format!("regression rule `{name}` (line {line}) {what}"));
    let Some(direction) = body.direction.as_ref().map(|d| d.0) else {
        return Err(at(
            "needs `direction: higher`, `direction: lower` (which way is better) or `direction: both`"
                .to_string(),
        ));
    };
    let method = rule_method(&body).map_err(at)?;
    if method == Method::ChangePoint {
        super::change_points::check_rule(body.consecutive, body.max_cv.is_some()).map_err(at)?;
    }
    let samples = sample_counts(&body, method).map_err(at)?;
    let (shadow, min_change, max_cv) = noise_options(&body).map_err(at)?;
    let normality = normality_option(&body, method).map_err(at)?;
    let selector = Selector::new(name, body.labels, line).map_err(at)?;
    Ok(RegressionRule {
        selector,
        direction,
        method,
        severity: body.severity.map_or(Severity::Error, |s| s.0),
        ignore_labels: body.ignore_labels,
        min_samples: samples.min,
        max_samples: samples.max,
        consecutive: samples.consecutive,
        shadow,
        min_change,
        max_cv,
        normality,
    })
}

/// The rule's `normality`: a p-value above 0 and below 1, for `z_score` and `t_test` only (the
/// tests whose limits assume normal samples); Err says why not.
fn normality_option(body: &RuleBody, method: Method) -> Result<Option<f64>, String> {
    let Some(alpha) = body.normality.as_ref().map(|b| b.0) else {
        return Ok(None);
    };
    if !matches!(
        method,
        Method::Test {
            test: Test::ZScore | Test::TTest,
            ..
        }
    ) {
        return Err(format!(
            "has `normality: {alpha}` with `{}`; the normality check is for `test: z_score` and \
             `test: t_test`, whose limits assume normal samples",
            method.name()
        ));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(format!(
            "has `normality: {alpha}`; it is the Shapiro-Wilk p-value below which the samples \
             are called not normal, above 0 and below 1 (0.05 is usual)"
        ));
    }
    Ok(Some(alpha))
}

/// The rule's method, from exactly one of `ratio`, `absolute` and `test`; Err says what is
/// wrong with them.
fn rule_method(body: &RuleBody) -> Result<Method, String> {
    let boundary = body.boundary.as_ref();
    match (&body.ratio, &body.absolute, &body.test) {
        (Some(r), None, None) => tolerance_method(Tolerance::Ratio(r.0), boundary),
        (None, Some(a), None) => tolerance_method(Tolerance::Absolute(a.0), boundary),
        (None, None, Some(test)) => test_method(test, boundary),
        (None, None, None) => Err(
            "needs a tolerance (`ratio` of the baseline value, or `absolute`) or a `test` with \
                 a `boundary`"
                .to_string(),
        ),
        _ => Err("gives more than one of `ratio`, `absolute` and `test`; choose one".to_string()),
    }
}

/// A tolerance method: the tolerance is at least 0, and no `boundary` is given (only a test
/// takes one).
fn tolerance_method(tolerance: Tolerance, boundary: Option<&Bound>) -> Result<Method, String> {
    let (Tolerance::Ratio(value) | Tolerance::Absolute(value)) = tolerance;
    if value < 0.0 {
        return Err(format!("has a negative tolerance {value}"));
    }
    if boundary.is_some() {
        return Err("has a `boundary` without a `test`".to_string());
    }
    Ok(Method::Tolerance(tolerance))
}

/// A statistical test method: a known test name (a near miss is suggested) and the `boundary`
/// it needs, within what the test takes.
fn test_method(test: &str, boundary: Option<&Bound>) -> Result<Method, String> {
    if test == "change_point" {
        if boundary.is_some() {
            return Err(
                "has a `boundary`, which `test: change_point` does not take: its \
                        significance is the policy's `change_points: {p_value}`"
                    .to_string(),
            );
        }
        return Ok(Method::ChangePoint);
    }
    let Some(parsed) = Test::parse(test) else {
        return Err(format!(
            "has an unknown `test: {test}`: one of `percentage`, `z_score`, `t_test`, \
             `iqr`, `log_normal`, `change_point`{}",
            super::super::text::closest(
                test,
                [
                    "percentage",
                    "z_score",
                    "t_test",
                    "iqr",
                    "log_normal",
                    "change_point"
                ]
            )
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default()
        ));
    };
    let Some(boundary) = boundary else {
        return Err(format!("needs a `boundary` for `test: {test}`"));
    };
    parsed
        .check_boundary(boundary.0)
        .map_err(|why| format!("`boundary`: {why}"))?;
    Ok(Method::Test {
        test: parsed,
        boundary: boundary.0,
    })
}

/// How many samples a rule judges with, checked.
struct SampleCounts {
    /// `min_samples`, else the method's default; at least 1.
    min: usize,
    /// `max_samples`: at least 1 and at least `min`.
    max: Option<usize>,
    /// `consecutive`, else 1; at least 1.
    consecutive: usize,
}

/// The rule's `min_samples`, `max_samples` and `consecutive`, with their defaults; Err says
/// which one cannot work.
fn sample_counts(body: &RuleBody, method: Method) -> Result<SampleCounts, String> {
    let min = body.min_samples.unwrap_or(method.default_min_samples());
    if min == 0 {
        return Err("has `min_samples: 0`; it is at least 1".to_string());
    }
    if body.max_samples == Some(0) {
        return Err("has `max_samples: 0`; it is at least 1".to_string());
    }
    if let Some(max) = body.max_samples.filter(|max| *max < min) {
        return Err(format!(
            "has `max_samples: {max}` below `min_samples: {min}`, so it could never compare"
        ));
    }
    let consecutive = body.consecutive.unwrap_or(1);
    if consecutive == 0 {
        return Err("has `consecutive: 0`; it is at least 1".to_string());
    }
    Ok(SampleCounts {
        min,
        max: body.max_samples,
        consecutive,
    })
}

impl<'de> Deserialize<'de> for RegressionList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RegressionList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of metric names to regression rules, or a list of rules")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RegressionList, E> {
                Ok(RegressionList::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RegressionList, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let body: RuleBody = map.next_value()?;
                    let line = key.referenced.line();
                    if body.metric.is_some() {
                        return Err(de::Error::custom(format!(
                            "regression rule `{}` (line {line}): `metric` belongs to the list \
                             form; in the mapping form the key is the metric",
                            key.value
                        )));
                    }
                    out.push(rule(&key.value, line, body)?);
                }
                Ok(RegressionList(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RegressionList, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<RuleBody>>()? {
                    let body = item.value;
                    let Some(metric) = body.metric.clone() else {
                        return Err(de::Error::custom(format!(
                            "line {}: a regression rule in the list form needs `metric`",
                            item.referenced.line()
                        )));
                    };
                    out.push(rule(&metric.value, metric.referenced.line(), body)?);
                }
                Ok(RegressionList(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpone_objectives_json_is_accepted_unchanged() {
        let objectives = parse_objectives(
            r#"{"throughput_rows_per_second":{"min":100,"max":100000},"freshness_lag_seconds":{"max":300},"failure_rate":0.01}"#,
            "--objectives",
        )
        .unwrap();
        assert_eq!(objectives.len(), 3);
        assert_eq!(
            objectives[0].selector.name,
            "dpone_throughput_rows_per_second"
        );
        assert_eq!(
            (objectives[0].min, objectives[0].max),
            (Some(100.0), Some(100000.0))
        );
        assert_eq!((objectives[2].min, objectives[2].max), (None, Some(0.01)));
        assert_eq!(objectives[2].severity, Severity::Error);
        assert_eq!(
            objectives[1].selector.origin.to_string(),
            "--objectives line 1"
        );
    }

    #[test]
    fn list_form_with_labels_severity_and_patterns() {
        let objectives = parse_objectives(
            "- metric: dpone_duration_seconds\n  labels: {process: orders}\n  max: 300\n  severity: warning\n- metric: dpone_certification_*_passed\n  min: 1\n",
            "p.yml",
        )
        .unwrap();
        assert_eq!(
            objectives[0].selector.labels,
            [("process".into(), "orders".into())]
        );
        assert_eq!(objectives[0].severity, Severity::Warning);
        assert_eq!(objectives[1].selector.origin.line, 5);
        assert!(objectives[1]
            .selector
            .matches_name("dpone_certification_suite_passed"));
        assert!(!objectives[1].selector.matches_name("dpone_run_passed"));
    }

    #[test]
    fn configuration_errors_name_the_line() {
        for (text, wanted) in [
            (
                "a: 1\nb: {}\n",
                "objective `b` (line 2) has neither `min` nor `max`",
            ),
            (
                "a: 1\nb:\n  min: abc\n",
                "a bound must be a number, not `abc`",
            ),
            ("a:\n  max: .nan\n", "finite"),
            ("a:\n  min: 5\n  max: 1\n", "above `max`"),
            ("a:\n  mx: 5\n", "unknown field `mx`"),
            ("- min: 1\n", "needs `metric`"),
            ("a:\n  max: 1\n  severity: fatal\n", "`fatal`"),
        ] {
            let err = parse_objectives(text, "p.yml").unwrap_err();
            assert!(err.contains(wanted), "{text:?}: {err}");
            assert!(err.contains("line"), "{text:?}: {err}");
        }
    }
}
