//! One module per input kind; each turns its input into metric series and blockers.
//!
//! Every metric name belongs to exactly one source's catalogue ([`catalog`]); `docs/metrics.md`
//! lists them all, and a test keeps the two equal.

pub mod airflow;
pub mod benchmark;
pub mod certification;
pub mod custom;
pub mod detect;
pub mod lineage;
pub mod run_registry;
pub mod run_report;
pub mod slo;

use serde_json::{Map, Value};

use super::blockers::Blocker;
use super::json_input::number;
use super::metrics::MetricSpec;
use super::timestamp::Timestamp;
use detect::Kind;
use run_report::RunFacts;

/// Each source's catalogue (`catalog::catalog` lists them, then the gates'): its heading, the input that gives it as a message names it, and
/// its metrics.
pub type Source = (&'static str, &'static str, &'static [&'static MetricSpec]);

pub static SOURCES: [Source; 9] = [
    ("run report", "a run report", &run_report::CATALOG),
    (
        "orchestrated run",
        "an orchestrated run",
        &run_report::ORCHESTRATED_CATALOG,
    ),
    (
        "run registry entry",
        "a run registry entry",
        &run_registry::ENTRY_CATALOG,
    ),
    (
        "run registry index",
        "a run registry index",
        &run_registry::INDEX_CATALOG,
    ),
    (
        "certification suite",
        "a certification suite or its index",
        &certification::SUITE_CATALOG,
    ),
    (
        "certification report",
        "a certification report",
        &certification::REPORT_CATALOG,
    ),
    (
        "benchmark baseline",
        "a benchmark baseline or a benchmark-SLO gate",
        &benchmark::BASELINE_CATALOG,
    ),
    (
        "benchmark-SLO gate",
        "a benchmark-SLO gate",
        &benchmark::GATE_CATALOG,
    ),
    (
        "SLO report",
        "an SLO report or a benchmark-SLO gate",
        &slo::CATALOG,
    ),
];

/// The input that gives a catalogued metric, as a message names it (`a run registry entry`);
/// none for a name no source emits (the gate series included: no input gives them).
pub fn given_by(name: &str) -> Option<&'static str> {
    SOURCES
        .iter()
        .find(|(_, _, specs)| specs.iter().any(|s| s.name == name))
        .map(|(_, given_by, _)| *given_by)
}

/// One value of a catalogued metric with the labels its source gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub spec: &'static MetricSpec,
    pub value: f64,
    pub labels: Vec<(&'static str, String)>,
}

impl Series {
    pub fn new(spec: &'static MetricSpec, value: f64, labels: &[(&'static str, String)]) -> Self {
        Series {
            spec,
            value,
            labels: labels.to_vec(),
        }
    }
}

/// What one input file gave.
#[derive(Debug, Default)]
pub struct Extracted {
    pub series: Vec<Series>,
    pub blockers: Vec<Blocker>,
    /// A run report (bare or wrapped) also gives run facts, exported with the run's labels.
    pub run: Option<RunFacts>,
}

/// Extracts a detected (or forced) kind from a JSON object. `shown` names the file in messages;
/// `now` is the export time, which ages are measured at (given by the caller, never read here).
/// The Airflow bundle is loaded by its own contract-checking loader, not here.
pub fn extract(kind: Kind, object: &Map<String, Value>, shown: &str, now: Timestamp) -> Extracted {
    match kind {
        Kind::RunReport => Extracted {
            run: Some(run_report::extract(object)),
            blockers: run_report::type_errors(object, shown),
            ..Extracted::default()
        },
        Kind::OrchestratedRun => run_report::extract_orchestrated(object, shown),
        Kind::RunRegistry => run_registry::extract_entry(object, shown, now),
        Kind::RunRegistryIndex => run_registry::extract_index(object),
        Kind::CertificationSuite => certification::extract_suite(object, shown),
        Kind::CertificationSuiteIndex => certification::extract_suite_index(object, shown),
        Kind::CertificationReport => certification::extract_report(object, shown),
        Kind::BenchmarkBaseline => benchmark::extract_baseline(object, shown),
        Kind::BenchmarkSloGate => benchmark::extract_gate(object, shown),
        Kind::SloReport => slo::extract_report(object, shown),
        Kind::AirflowEvidenceBundle | Kind::Lineage => Extracted::default(),
    }
}

/// `1.0` for `true`, `0.0` otherwise. Never coerced: dpone writes `passed` and `required` as
/// JSON booleans, and a `"true"` string, a number or an object is not a pass (the artifact's
/// `not_passed` blocker then says the verdict is not a pass).
pub(crate) fn flag(value: Option<&Value>) -> f64 {
    if matches!(value, Some(Value::Bool(true))) {
        1.0
    } else {
        0.0
    }
}

/// The array under `key`, or an empty slice.
pub(crate) fn array<'a>(object: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    object
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A number under `key`.
pub(crate) fn num(object: &Map<String, Value>, key: &str) -> Option<f64> {
    object.get(key).and_then(number)
}

/// A short list of strings for a message: the first few, then how many more.
pub(crate) fn listed(values: &[Value]) -> String {
    const SHOWN: usize = 8;
    let mut texts: Vec<String> = values
        .iter()
        .take(SHOWN)
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect();
    if values.len() > SHOWN {
        texts.push(format!("and {} more", values.len() - SHOWN));
    }
    texts.join(", ")
}

/// Why a source failed: its own blockers when it lists any, else its `passed` flag.
pub(crate) fn failure_reason(blockers: &[Value]) -> String {
    if blockers.is_empty() {
        "`passed` is false".to_string()
    } else {
        listed(blockers)
    }
}

/// A label value from a string field, when present and non-empty.
pub(crate) fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
