//! `dpone ops run-registry`: the entry (`<run_id>__run_registry.json`) and the index
//! (`run_registry_index.json`).

use serde_json::{Map, Value};

use super::super::blockers::{Blocker, Code};
use super::super::metrics::MetricSpec;
use super::{array, failure_reason, flag, num, text, Extracted, Series};
use crate::metric_spec;

metric_spec!(
    ENTRY_PASSED,
    "dpone_run_registry_passed",
    "1",
    "Run registry entry verdict, 1 for passed and 0 for failed."
);
metric_spec!(
    ENTRY_ARTIFACTS,
    "dpone_run_registry_artifact_count",
    "1",
    "Artifacts attached to the run registry entry."
);
metric_spec!(
    ENTRY_FAILING,
    "dpone_run_registry_failing_artifacts",
    "1",
    "Attached artifacts that did not pass."
);
metric_spec!(
    ENTRY_BLOCKERS,
    "dpone_run_registry_blocker_count",
    "1",
    "Blockers of the run registry entry."
);
metric_spec!(
    ENTRY_ARTIFACT_PASSED,
    "dpone_run_registry_artifact_passed",
    "1",
    "Attached artifact verdict by artifact name, 1 for passed and 0 for failed or missing."
);
metric_spec!(
    INDEX_RUNS,
    "dpone_run_registry_index_run_count",
    "1",
    "Runs recorded in the run registry index."
);
metric_spec!(
    INDEX_FAILING_RUNS,
    "dpone_run_registry_index_failing_runs",
    "1",
    "Runs in the run registry index that did not pass."
);
metric_spec!(
    INDEX_FAILING_ARTIFACTS,
    "dpone_run_registry_index_failing_artifacts",
    "1",
    "Runs in the run registry index whose artifact of this name did not pass."
);

pub static ENTRY_CATALOG: [&MetricSpec; 5] = [
    &ENTRY_PASSED,
    &ENTRY_ARTIFACTS,
    &ENTRY_FAILING,
    &ENTRY_BLOCKERS,
    &ENTRY_ARTIFACT_PASSED,
];
pub static INDEX_CATALOG: [&MetricSpec; 3] =
    [&INDEX_RUNS, &INDEX_FAILING_RUNS, &INDEX_FAILING_ARTIFACTS];

/// Labels: `process` and `status` of the recorded run (both low-cardinality); never the run id.
pub fn extract_entry(entry: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    let labels: Vec<(&'static str, String)> = [
        ("process", text(entry, "process")),
        ("status", text(entry, "status")),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let artifacts = array(entry, "artifacts");
    let failing = artifacts
        .iter()
        .filter(|a| {
            a.get("passed")
                .is_none_or(|p| !super::super::json_input::truthy(p))
        })
        .count();
    out.series.push(Series::new(
        &ENTRY_PASSED,
        flag(entry.get("passed")),
        &labels,
    ));
    out.series.push(Series::new(
        &ENTRY_ARTIFACTS,
        num(entry, "artifact_count").unwrap_or(artifacts.len() as f64),
        &labels,
    ));
    out.series
        .push(Series::new(&ENTRY_FAILING, failing as f64, &labels));
    let blockers = array(entry, "blockers");
    out.series
        .push(Series::new(&ENTRY_BLOCKERS, blockers.len() as f64, &labels));
    for artifact in artifacts {
        let Some(name) = artifact_name(artifact) else {
            continue;
        };
        let mut with_name = labels.clone();
        with_name.push(("artifact", name.to_string()));
        out.series.push(Series::new(
            &ENTRY_ARTIFACT_PASSED,
            flag(artifact.get("passed")),
            &with_name,
        ));
    }
    if flag(entry.get("passed")) == 0.0 {
        let why = failure_reason(blockers);
        out.blockers.push(Blocker::new(
            Code::RunRegistryNotPassed,
            format!("run registry entry `{shown}`: {why}"),
        ));
    }
    out
}

/// The index is history: a failing run in it is counted, not raised as a blocker.
pub fn extract_index(index: &Map<String, Value>) -> Extracted {
    let mut out = Extracted::default();
    let runs = array(index, "runs");
    out.series.push(Series::new(
        &INDEX_RUNS,
        num(index, "run_count").unwrap_or(runs.len() as f64),
        &[],
    ));
    let failing = runs.iter().filter(|r| flag(r.get("passed")) == 0.0).count();
    out.series
        .push(Series::new(&INDEX_FAILING_RUNS, failing as f64, &[]));
    let mut by_name: Vec<(String, f64)> = Vec::new();
    for artifact in runs
        .iter()
        .filter_map(|r| r.get("artifacts").and_then(Value::as_array))
        .flatten()
    {
        let Some(name) = artifact_name(artifact) else {
            continue;
        };
        let failed = if flag(artifact.get("passed")) == 0.0 {
            1.0
        } else {
            0.0
        };
        match by_name.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 += failed,
            None => by_name.push((name.to_string(), failed)),
        }
    }
    by_name.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, failed) in by_name {
        out.series.push(Series::new(
            &INDEX_FAILING_ARTIFACTS,
            failed,
            &[("artifact", name)],
        ));
    }
    out
}

/// An attached artifact's name, when it has a non-empty one.
fn artifact_name(artifact: &Value) -> Option<&str> {
    artifact
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}
