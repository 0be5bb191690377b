//! The gates' results, as `runtime_metrics.json` writes them under `gates` and the renderers
//! read them: one result per objective rule and series, one comparison per regressed series,
//! what happened with the baseline file.

use serde::Deserialize;

use super::*;

/// Which side of an objective a result checks; `present` when no series matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundRule {
    Min,
    Max,
    Present,
}

impl BoundRule {
    pub fn as_str(self) -> &'static str {
        match self {
            BoundRule::Min => "min",
            BoundRule::Max => "max",
            BoundRule::Present => "present",
        }
    }
}

impl std::fmt::Display for BoundRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonStatus {
    /// Judged against its baseline series.
    Compared,
    /// No baseline series.
    Added,
    /// No series now; others of the metric remain.
    Removed,
    /// The metric is gone: fails.
    Disappeared,
    /// In neither export: fails, the rule checks nothing.
    Absent,
    /// Fewer samples of the series than the rule's `min_samples`: not compared.
    Insufficient,
    /// The rule's test cannot judge these samples (e.g. a value ≤ 0 for `log_normal`).
    NotComputable,
}

impl ComparisonStatus {
    /// A comparison that judged nothing: the series is new, or has no partner in the
    /// baseline, or its history cannot set limits.
    pub fn judged_nothing(self) -> bool {
        matches!(
            self,
            ComparisonStatus::Added
                | ComparisonStatus::Removed
                | ComparisonStatus::Insufficient
                | ComparisonStatus::NotComputable
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonStatus::Compared => "compared",
            ComparisonStatus::Added => "added",
            ComparisonStatus::Removed => "removed",
            ComparisonStatus::Disappeared => "disappeared",
            ComparisonStatus::Absent => "absent",
            ComparisonStatus::Insufficient => "insufficient",
            ComparisonStatus::NotComputable => "not_computable",
        }
    }
}

impl std::fmt::Display for ComparisonStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule can fail the step (`block`) or is only reported (`shadow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforce {
    #[default]
    Block,
    Shadow,
}

impl Enforce {
    pub fn of(shadow: bool) -> Enforce {
        if shadow {
            Enforce::Shadow
        } else {
            Enforce::Block
        }
    }

    pub fn is_block(&self) -> bool {
        *self == Enforce::Block
    }
}

/// What a comparison concluded. `inconclusive` never blocks unless `fail-on: inconclusive`;
/// `would_fail` is a shadow rule's breach, which never blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    #[default]
    Passed,
    /// Breached, short of the rule's `consecutive`: a warning.
    Warned,
    Failed,
    /// Judged nothing: a new, removed or missing series, or limits that cannot be computed.
    NotCompared,
    /// The rule cannot tell: too few samples, a change below `min_change`, or a series too
    /// noisy (`max_cv`).
    Inconclusive,
    /// A shadow rule's breach: it would fail if enforced.
    WouldFail,
}

/// What happened with the baseline file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    #[default]
    NotGiven,
    Missing,
    Invalid,
    Compared,
}

impl BaselineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineStatus::NotGiven => "not_given",
            BaselineStatus::Missing => "missing",
            BaselineStatus::Invalid => "invalid",
            BaselineStatus::Compared => "compared",
        }
    }
}

/// One objective rule applied to one series (or to nothing, for `present`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectiveResult {
    /// Where the objective is configured, for links (`objective` is its text).
    #[serde(skip)]
    pub at: Origin,
    #[serde(with = "json_number")]
    pub actual: Option<f64>,
    #[serde(with = "json_number")]
    pub bound: Option<f64>,
    pub code: String,
    /// `actual - bound`.
    #[serde(with = "json_number")]
    pub delta: Option<f64>,
    pub labels: BTreeMap<String, String>,
    pub metric: String,
    /// Where the objective is configured (file and line).
    pub objective: String,
    pub passed: bool,
    pub rule: BoundRule,
    pub severity: Severity,
    /// Why the objective was not evaluated (the run did not run), when it was not: neither
    /// passed nor failed, shown `—`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<String>,
    /// `shadow` for an objective with `enforce: shadow` (not written for `block`).
    #[serde(default, skip_serializing_if = "Enforce::is_block")]
    pub enforce: Enforce,
    /// A shadow objective that failed: no blocker, shown "would fail" (not written when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub would_fail: bool,
}

/// One series compared with the baseline. Read back, the fields added with the history
/// (`breached`, `centre`, `consecutive`, the limits, the samples, `test`) take their defaults
/// when an earlier export lacks them (`test` is then empty and `breached` false).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// Where the rule is configured, for links (`rule` is its text).
    #[serde(skip)]
    pub at: Origin,
    #[serde(with = "json_number")]
    pub actual: Option<f64>,
    /// The value compared with: the most recent sample for a tolerance, the centre (mean or
    /// median) of the samples for a test.
    #[serde(with = "json_number")]
    pub baseline: Option<f64>,
    /// Outside a checked limit (a breach short of `consecutive` fails nothing but is one).
    #[serde(default)]
    pub breached: bool,
    /// The centre of the limits: the most recent sample for a tolerance, the mean (median for
    /// `iqr`, geometric mean for `log_normal`) for a test; `null` when nothing was compared.
    #[serde(default, with = "json_number")]
    pub centre: Option<f64>,
    pub code: String,
    /// The breaches in a row, this export included, when it breached.
    #[serde(default)]
    pub consecutive: usize,
    /// `actual - baseline`.
    #[serde(with = "json_number")]
    pub delta: Option<f64>,
    #[serde(with = "direction_text")]
    pub direction: Direction,
    /// `block`, or `shadow` for a rule that is reported but never fails the step.
    #[serde(default)]
    pub enforce: Enforce,
    pub labels: BTreeMap<String, String>,
    /// The lowest value that passes (`null` when the rule does not check that side).
    #[serde(default, with = "json_number")]
    pub lower_limit: Option<f64>,
    pub metric: String,
    pub passed: bool,
    /// The change in the bad direction relative to the baseline (0.1 is 10 % worse).
    #[serde(with = "json_number")]
    pub ratio: Option<f64>,
    /// Why nothing was compared, for a status that compared nothing.
    pub reason: Option<String>,
    /// Where the rule is configured (file and line).
    pub rule: String,
    /// The samples the series had, and what identifies each (commit, run or file), oldest
    /// first.
    #[serde(default)]
    pub sample_ids: Vec<String>,
    #[serde(default)]
    pub samples: usize,
    pub severity: Severity,
    pub status: ComparisonStatus,
    /// `ratio` or `absolute` for a tolerance, `percentage`, `z_score`, `t_test`, `iqr` or
    /// `log_normal` for a statistical test, `change_point` for a step-change gate.
    #[serde(default, with = "method_name")]
    pub test: StaticName,
    #[serde(with = "tolerance_keys")]
    pub tolerance: BTreeMap<&'static str, f64>,
    /// The highest value that passes (`null` when the rule does not check that side).
    #[serde(default, with = "json_number")]
    pub upper_limit: Option<f64>,
    /// What the row concluded, as its own state (`inconclusive`, `would_fail`, ...).
    #[serde(default)]
    pub verdict: Verdict,
    /// A shadow rule replayed over the series' history (the runs it was given, each judged
    /// against the runs before it, as `calibrate` does): "would have failed k of the last N
    /// runs on main". Absent for a rule that blocks, or with no run to replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed: Option<Replayed>,
    /// The step changes of the series over its samples and this export (the policy's
    /// `change_points:`, or a `test: change_point` rule), oldest first; not written when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub change_points: Vec<ChangePointResult>,
    /// The values of the samples compared with, oldest first (for the history chart).
    #[serde(skip)]
    pub history: Vec<f64>,
}

/// A rule replayed over a series' history: of the `runs` it judged (each against the runs
/// before it), how many it would have failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replayed {
    pub runs: usize,
    pub would_fail: usize,
}

/// A name the code holds (never one borrowed from a file): as a type of its own, serde reads
/// it through its `with` module instead of borrowing a `&str` from the input.
pub type StaticName = &'static str;

/// One sample of the history, as the results list it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SampleSummary {
    pub generated_at: Option<String>,
    pub ref_name: Option<String>,
    pub revision: Option<String>,
    pub run_id: Option<String>,
    pub source: String,
}

/// What happened with the baseline file. Fields in key order, as every report writes them; read
/// back, the ones added with the history (`default_rules`, `samples`) and the provenance may be
/// missing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// Metric names in this export but not in the baseline.
    pub added_metrics: Vec<String>,
    /// The default rules applied (a baseline and no `regressions:` in the policy).
    #[serde(default)]
    pub default_rules: bool,
    /// When the baseline's run was observed, its commit and its branch or tag, when it says
    /// (provenance for the reader; not written when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<String>,
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_name: Option<String>,
    /// Metric names in the baseline but not in this export.
    pub removed_metrics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Where a pull request's history was cut at its merge-base (docs/gates.md#history); not
    /// written when it was not cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_base: Option<String>,
    /// Every sample read, oldest first (one for a single `--baseline` file).
    #[serde(default)]
    pub samples: Vec<SampleSummary>,
    pub series: usize,
    pub status: BaselineStatus,
}

impl Default for BaselineSummary {
    fn default() -> Self {
        BaselineSummary {
            added_metrics: Vec::new(),
            default_rules: false,
            merge_base: None,
            observed_at: None,
            path: None,
            ref_name: None,
            removed_metrics: Vec::new(),
            revision: None,
            samples: Vec::new(),
            series: 0,
            status: BaselineStatus::NotGiven,
        }
    }
}

/// Every gate's result, as `runtime_metrics.json` writes it under `gates`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GateResults {
    pub baseline: BaselineSummary,
    pub objectives: Vec<ObjectiveResult>,
    pub regressions: Vec<Comparison>,
}

impl GateResults {
    pub fn is_empty(&self) -> bool {
        self.objectives.is_empty() && self.regressions.is_empty() && self.baseline.path.is_none()
    }

    pub fn failed_objectives(&self) -> usize {
        self.objectives.iter().filter(|o| !o.passed).count()
    }

    pub fn failed_regressions(&self) -> usize {
        self.regressions.iter().filter(|c| !c.passed).count()
    }
}

impl Comparison {
    /// This export's change against the baseline, in percent of the baseline (`+12.5` is
    /// 12.5 % above it, whichever direction is better); `None` without both values finite or
    /// with a baseline of 0.
    pub fn change_percent(&self) -> Option<f64> {
        match (self.actual, self.baseline) {
            (Some(a), Some(b)) if b != 0.0 && a.is_finite() && b.is_finite() => {
                Some((a - b) / b.abs() * 100.0)
            }
            _ => None,
        }
    }
}

/// A number as the metric list writes it: non-finite values as `"NaN"`, `"Infinity"`,
/// `"-Infinity"`, so a value never turns into `null` (`null` is no value). Read back the same
/// way: any other string, or another JSON type, is an error.
pub(super) mod json_number {
    use serde::de::{self, Deserializer, Visitor};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(v) if v.is_nan() => s.serialize_str("NaN"),
            Some(v) if v.is_infinite() && *v > 0.0 => s.serialize_str("Infinity"),
            Some(v) if v.is_infinite() => s.serialize_str("-Infinity"),
            Some(v) => s.serialize_f64(*v),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(Number)
    }

    struct Number;

    impl<'de> Visitor<'de> for Number {
        type Value = Option<f64>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(r#"a number, null, "NaN", "Infinity" or "-Infinity""#)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }

        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v {
                "NaN" => Ok(Some(f64::NAN)),
                "Infinity" => Ok(Some(f64::INFINITY)),
                "-Infinity" => Ok(Some(f64::NEG_INFINITY)),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
    }
}

/// A direction by its name (`higher`, `lower`, `both`), both ways.
mod direction_text {
    use super::Direction;
    use serde::de::{self, Deserialize, Deserializer};
    use serde::Serializer;

    const ALL: [Direction; 3] = [Direction::Higher, Direction::Lower, Direction::Both];

    pub fn serialize<S: Serializer>(direction: &Direction, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(direction.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Direction, D::Error> {
        let text = String::deserialize(d)?;
        ALL.into_iter()
            .find(|direction| direction.as_str() == text)
            .ok_or_else(|| de::Error::unknown_variant(&text, &["higher", "lower", "both"]))
    }
}

/// A comparison's method by the static name it carries: a tolerance's (`ratio`, `absolute`)
/// or a statistical test's.
mod method_name {
    use super::stats::Test;
    use serde::de::{self, Deserialize, Deserializer};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(name: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "ratio" => Ok("ratio"),
            "absolute" => Ok("absolute"),
            "change_point" => Ok("change_point"),
            other => Test::parse(other).map(Test::as_str).ok_or_else(|| {
                de::Error::invalid_value(
                    de::Unexpected::Str(other),
                    &"`ratio`, `absolute` or the name of a statistical test",
                )
            }),
        }
    }
}

/// A comparison's tolerance: `ratio` or `absolute` for a tolerance, `boundary` for a test.
mod tolerance_keys {
    use std::collections::BTreeMap;

    use serde::de::{self, Deserialize, Deserializer};
    use serde::{Serialize, Serializer};

    const KEYS: [&str; 3] = ["ratio", "absolute", "boundary"];

    pub fn serialize<S: Serializer>(
        tolerance: &BTreeMap<&'static str, f64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        tolerance.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<&'static str, f64>, D::Error> {
        BTreeMap::<String, f64>::deserialize(d)?
            .into_iter()
            .map(|(key, value)| match KEYS.into_iter().find(|k| *k == key) {
                Some(key) => Ok((key, value)),
                None => Err(de::Error::unknown_field(&key, &KEYS)),
            })
            .collect()
    }
}

/// The gates' verdicts, their blockers and their series.
#[derive(Debug, Default)]
pub struct Gated {
    pub results: GateResults,
    pub blockers: Vec<Blocker>,
    pub points: Vec<MetricPoint>,
}

/// A configuration problem found only against the export (a pattern that matches nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateConfigError(pub String);

impl std::fmt::Display for GateConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
