//! Which dpone artifact is this? Detected from the shape of the JSON, as the reference's
//! detection table says, or forced with `--input KIND=PATTERN`.

use std::fmt;

use serde_json::{Map, Value};

macro_rules! kinds {
    ($($variant:ident => $name:literal, $what:literal;)*) => {
        /// A kind of dpone artifact the export reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($variant,)* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }

            /// What produces it.
            pub fn describe(self) -> &'static str {
                match self { $(Kind::$variant => $what,)* }
            }

            pub fn parse(text: &str) -> Option<Kind> {
                Kind::ALL.iter().copied().find(|k| k.as_str() == text)
            }
        }
    };
}

kinds! {
    RunReport => "run_report", "`dpone run --format json`";
    OrchestratedRun => "orchestrated_run", "`dpone orchestrate run` (orchestrated_run.json)";
    RunRegistry => "run_registry", "`dpone ops run-registry` entry (<run_id>__run_registry.json)";
    RunRegistryIndex => "run_registry_index", "`dpone ops run-registry` index (run_registry_index.json)";
    CertificationSuite => "certification_suite", "`dpone ops certification-suite` (certification_suite.json)";
    CertificationSuiteIndex => "certification_suite_index", "`dpone ops certification-suite` index (certification_suite_index.json)";
    CertificationReport => "certification_report", "`dpone ops certification-run` or `dpone ops integration-matrix-report`";
    BenchmarkBaseline => "benchmark_baseline", "`dpone ops benchmark-baseline` (benchmark_baseline.json)";
    BenchmarkSloGate => "benchmark_slo_gate", "`dpone ops benchmark-slo-gate` (benchmark_slo_gate.json)";
    SloReport => "slo_report", "`dpone ops slo-evaluate --format json`";
    AirflowEvidenceBundle => "airflow_evidence_bundle", "`dpone gitops airflow evidence-bundle`";
    Lineage => "lineage", "`dpone ops lineage-export` (<run_id>__openlineage.json, an OpenLineage RunEvent)";
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Kind {
    /// The fields without which a file cannot be this kind, checked when the kind is forced
    /// (any one of them is enough).
    fn required_fields(self) -> &'static [&'static str] {
        match self {
            Kind::RunReport => &["result"],
            Kind::OrchestratedRun => &["run_result"],
            Kind::RunRegistry => &["artifacts", "run_result_sha256"],
            Kind::RunRegistryIndex => &["runs"],
            Kind::CertificationSuite => &["items", "suite_id"],
            Kind::CertificationSuiteIndex => &["suites"],
            Kind::CertificationReport => &["results"],
            Kind::BenchmarkBaseline => &["items"],
            Kind::BenchmarkSloGate => &["benchmark_passed", "slo_passed", "benchmark", "slo"],
            Kind::SloReport => &["results"],
            Kind::AirflowEvidenceBundle => &["correlation"],
            Kind::Lineage => &["eventType"],
        }
    }

    /// Whether a file forced to this kind has at least one of its fields.
    pub fn looks_like(self, object: &Map<String, Value>) -> bool {
        self.required_fields()
            .iter()
            .any(|key| object.contains_key(*key))
    }
}

/// The outcome of looking at a file's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    Known(Kind),
    /// The output of `dpone run-report`, which looks like a run but is not one.
    NotARunReport,
    Unknown,
}

fn has(object: &Map<String, Value>, key: &str) -> bool {
    object.contains_key(key)
}

fn all_items_have(object: &Map<String, Value>, list: &str, key: &str) -> bool {
    object
        .get(list)
        .and_then(Value::as_array)
        .is_some_and(|items| !items.is_empty() && items.iter().all(|i| i.get(key).is_some()))
}

/// Detects the kind from the shape, most specific test first.
pub fn detect(object: &Map<String, Value>) -> Detection {
    let kind =
        if object.get("kind").and_then(Value::as_str) == Some("gitops.airflow_evidence_bundle") {
            Kind::AirflowEvidenceBundle
        } else if has(object, "run_result") && has(object, "lock_key") {
            Kind::OrchestratedRun
        } else if has(object, "run_result_sha256") && has(object, "artifacts") {
            Kind::RunRegistry
        } else if has(object, "run_count") && has(object, "runs") {
            Kind::RunRegistryIndex
        } else if object.get("schema_version").and_then(Value::as_str)
            == Some("dpone.certification_suite.v1")
        {
            Kind::CertificationSuite
        } else if has(object, "suite_count") && has(object, "suites") {
            Kind::CertificationSuiteIndex
        } else if has(object, "benchmark_passed") && has(object, "slo_passed") {
            Kind::BenchmarkSloGate
        } else if has(object, "allowed_regression_ratio")
            && all_items_have(object, "items", "direction")
        {
            Kind::BenchmarkBaseline
        } else if object
            .get("results")
            .and_then(Value::as_array)
            .is_some_and(|r| {
                !r.is_empty()
                    && r.iter().all(|i| {
                        i.get("code")
                            .and_then(Value::as_str)
                            .is_some_and(|c| c.starts_with("slo."))
                    })
            })
        {
            Kind::SloReport
        } else if all_items_have(object, "results", "case_id") {
            Kind::CertificationReport
        } else if object.get("result").is_some_and(Value::is_object)
            && (has(object, "max_attempts") || has(object, "attempts") || has(object, "passed"))
        {
            Kind::RunReport
        } else if has(object, "eventType") && has(object, "run") && has(object, "job") {
            Kind::Lineage
        } else if has(object, "pipeline") && has(object, "timeline") && !has(object, "result") {
            return Detection::NotARunReport;
        } else {
            return Detection::Unknown;
        };
    Detection::Known(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(v: Value) -> Detection {
        detect(v.as_object().unwrap())
    }

    #[test]
    fn shapes() {
        assert_eq!(
            d(json!({"result": {}, "max_attempts": 1})),
            Detection::Known(Kind::RunReport)
        );
        assert_eq!(
            d(json!({"run_result": {}, "lock_key": "k"})),
            Detection::Known(Kind::OrchestratedRun)
        );
        assert_eq!(
            d(json!({"results": [{"code": "slo.x.max"}]})),
            Detection::Known(Kind::SloReport)
        );
        assert_eq!(
            d(json!({"results": [{"case_id": "c"}]})),
            Detection::Known(Kind::CertificationReport)
        );
        assert_eq!(
            d(json!({"run_id": "r", "pipeline": "p", "timeline": []})),
            Detection::NotARunReport
        );
        assert_eq!(
            d(json!({"eventType": "COMPLETE", "run": {}, "job": {}, "producer": "p"})),
            Detection::Known(Kind::Lineage)
        );
        assert_eq!(d(json!({"metric_count": 1})), Detection::Unknown);
        assert_eq!(d(json!({"results": []})), Detection::Unknown);
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(*kind));
        }
    }
}
