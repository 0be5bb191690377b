//! The fail policy: which blockers fail a step, and per-code severity overrides from a policy
//! file (YAML), e.g. `.github/dpone-observability.yml`:
//!
//! ```yaml
//! fail-on: error            # error (default) | warning | never | inconclusive
//! blockers:
//!   labels.high_cardinality: error
//!   metrics.empty: warning
//! objectives:               # bounds per metric (see `gates::config`)
//!   dpone_duration_seconds: {max: 300}
//! regressions:              # against `--baseline` (a previous runtime_metrics.json)
//!   dpone_throughput_rows_per_second: {direction: higher, ratio: 0.10}
//! openlineage:              # openlineage_events.json: the namespace, datasets to name
//!   namespace: team.ci
//!   outputs: [{namespace: pg, name: landing.orders}]
//! change_points:            # step changes in the regressed series (`gates::change_points`)
//!   min_segment: 5
//! ```
//!
//! An unknown key, an unknown blocker code or a severity other than `error`/`warning` is a
//! configuration error that names the line.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::blockers::{Blocker, Code, Severity};
use super::gates::{ChangePointsField, GateConfig, ObjectiveList, RegressionList};
use super::text::unknown_field_hint;

/// Which blockers fail the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum FailOn {
    /// Error blockers fail (the default, and what `metrics-export` always does).
    #[default]
    Error,
    /// Warnings fail too.
    Warning,
    /// Nothing fails; blockers are still reported.
    Never,
    /// Error blockers fail, and so does a regression rule that cannot tell (an `inconclusive`
    /// result, which otherwise never blocks): each becomes an error blocker.
    Inconclusive,
}

impl FailOn {
    pub fn parse(text: &str) -> Option<FailOn> {
        text.trim().parse().ok()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The first blocker that fails the step under this policy.
    pub fn first_failing(self, blockers: &[Blocker]) -> Option<&Blocker> {
        blockers.iter().find(|b| self.fails_on(b.severity()))
    }

    pub fn fails_on(self, severity: Severity) -> bool {
        match self {
            FailOn::Error | FailOn::Inconclusive => severity == Severity::Error,
            FailOn::Warning => true,
            FailOn::Never => false,
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FailOn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        FailOn::parse(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "`fail-on` must be `error`, `warning`, `never` or `inconclusive`, not `{text}`"
            ))
        })
    }
}

/// A policy file's content.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub fail_on: Option<FailOn>,
    pub overrides: Vec<(Code, Severity)>,
    /// `objectives:` and `regressions:`.
    pub gates: GateConfig,
    /// `openlineage:`.
    pub openlineage: LineagePolicy,
}

/// The policy's `openlineage:`: the job namespace of `openlineage_events.json` and datasets the
/// CI job's event names besides the lineage inputs'.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineagePolicy {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub inputs: Vec<PolicyDataset>,
    #[serde(default)]
    pub outputs: Vec<PolicyDataset>,
}

/// A dataset as OpenLineage names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDataset {
    pub namespace: String,
    pub name: String,
}

impl Policy {
    /// Applies the severity overrides to the blockers.
    pub fn apply(&self, blockers: Vec<Blocker>) -> Vec<Blocker> {
        blockers
            .into_iter()
            .map(
                |b| match self.overrides.iter().find(|(code, _)| *code == b.code) {
                    Some((_, severity)) => b.with_severity(*severity),
                    None => b,
                },
            )
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default, rename = "fail-on", alias = "fail_on")]
    fail_on: Option<FailOn>,
    #[serde(default)]
    blockers: BTreeMap<KnownCode, SeverityName>,
    #[serde(default)]
    objectives: ObjectiveList,
    #[serde(default)]
    regressions: RegressionList,
    #[serde(default)]
    openlineage: LineagePolicy,
    #[serde(default)]
    change_points: ChangePointsField,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct KnownCode(Code);

impl<'de> Deserialize<'de> for KnownCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match Code::parse_instance(&text) {
            Some(code) if code.is_per_metric() => Err(de::Error::custom(format!(
                "`{text}` is a per-metric code: give its severity in the objective or \
                 regression rule (`severity: warning`) instead"
            ))),
            Some(code) => Ok(KnownCode(code)),
            None => Err(de::Error::custom(format!(
                "unknown blocker code `{text}`{} (see `dpone-observability explain --list`)",
                Code::did_you_mean(&text)
            ))),
        }
    }
}

struct SeverityName(Severity);

impl<'de> Deserialize<'de> for SeverityName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "error" => Ok(SeverityName(Severity::Error)),
            "warning" => Ok(SeverityName(Severity::Warning)),
            _ => Err(de::Error::custom(format!(
                "a severity is `error` or `warning`, not `{text}`"
            ))),
        }
    }
}

/// Parses a policy file's text; `source` names it in the error, which gives the line.
pub fn parse_policy(text: &str, source: &str) -> Result<Policy, String> {
    if text.trim().is_empty() {
        return Ok(Policy::default());
    }
    let file: PolicyFile = serde_saphyr::from_str(text).map_err(|err| {
        let err = super::syntax::yaml_error(&err);
        format!(
            "policy file `{source}`: {err}{}",
            unknown_field_hint(&err).unwrap_or_default()
        )
    })?;
    let mut gates = GateConfig {
        objectives: file.objectives.0,
        regressions: file.regressions.0,
        change_points: file.change_points.0,
    };
    gates.set_source(source);
    let named = file.openlineage.inputs.len() + file.openlineage.outputs.len();
    let most = super::sources::lineage::MAX_DATASETS;
    if named > most {
        return Err(format!(
            "policy file `{source}`: openlineage: names {named} datasets; at most {most}"
        ));
    }
    Ok(Policy {
        fail_on: file.fail_on,
        overrides: file
            .blockers
            .into_iter()
            .map(|(code, severity)| (code.0, severity.0))
            .collect(),
        gates,
        openlineage: file.openlineage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_fail_on() {
        let policy = parse_policy("fail-on: warning\nblockers:\n  labels.high_cardinality: error\n  metrics.empty: warning\n", "p.yml").unwrap();
        assert_eq!(policy.fail_on, Some(FailOn::Warning));
        assert_eq!(
            policy.overrides,
            [
                (Code::MetricsEmpty, Severity::Warning),
                (Code::LabelsHighCardinality, Severity::Error)
            ]
        );
        let applied = policy.apply(vec![Blocker::new(Code::MetricsEmpty, "x")]);
        assert_eq!(applied[0].severity(), Severity::Warning);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_policy(
            "blockers:\n  metrics.empty: warning\n  no.such: error\n",
            "p.yml",
        )
        .unwrap_err();
        assert!(
            err.contains("unknown blocker code `no.such`") && err.contains("line 3"),
            "{err}"
        );
        let err = parse_policy("blockers:\n  metrics.empty: fatal\n", "p.yml").unwrap_err();
        assert!(err.contains("`fatal`") && err.contains("line 2"), "{err}");
        let err = parse_policy("fail-on: error\nblock: {}\n", "p.yml").unwrap_err();
        assert!(
            err.contains("unknown field `block`") && err.contains("line 2"),
            "{err}"
        );
        assert!(err.ends_with("\nhelp: did you mean `blockers`?"), "{err}");
        let err = parse_policy("objectives:\n  a:\n    mx: 1\n", "p.yml").unwrap_err();
        assert!(err.ends_with("\nhelp: did you mean `max`?"), "{err}");
        let err = parse_policy("blockers:\n  metric.empty: warning\n", "p.yml").unwrap_err();
        assert!(
            err.contains("unknown blocker code `metric.empty`; did you mean `metrics.empty`?"),
            "{err}"
        );
        let err = parse_policy("blockers:\n  slo.x.below_mn: warning\n", "p.yml").unwrap_err();
        assert!(err.contains("did you mean `slo.x.below_min`?"), "{err}");
    }

    #[test]
    fn openlineage_names_a_namespace_and_datasets() {
        let policy = parse_policy(
            "openlineage:\n  namespace: team.ci\n  outputs:\n    - {namespace: pg, name: landing.orders}\n",
            "p.yml",
        )
        .unwrap();
        assert_eq!(policy.openlineage.namespace.as_deref(), Some("team.ci"));
        assert_eq!(policy.openlineage.outputs[0].name, "landing.orders");
        let err = parse_policy("openlineage:\n  output: []\n", "p.yml").unwrap_err();
        assert!(
            err.contains("unknown field `output`") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn fail_on_thresholds() {
        let warn = Blocker::new(Code::LabelsHighCardinality, "w");
        let err = Blocker::new(Code::MetricsEmpty, "e");
        assert!(FailOn::Error
            .first_failing(std::slice::from_ref(&warn))
            .is_none());
        assert!(FailOn::Warning
            .first_failing(std::slice::from_ref(&warn))
            .is_some());
        assert!(FailOn::Never.first_failing(&[warn, err.clone()]).is_none());
        assert_eq!(
            FailOn::Error.first_failing(std::slice::from_ref(&err)),
            Some(&err)
        );
    }
}
