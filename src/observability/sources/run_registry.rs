//! `dpone ops run-registry`: the entry (`<run_id>__run_registry.json`) and the index
//! (`run_registry_index.json`).

use serde_json::{Map, Value};

use super::super::blockers::{Blocker, Code};
use super::super::metrics::MetricSpec;
use super::super::timestamp::Timestamp;
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
    ENTRY_FRESHNESS,
    "dpone_freshness_lag_seconds",
    "seconds",
    "Age of the run registry entry at export time: the export time less the entry's `recorded_at`."
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

pub static ENTRY_CATALOG: [&MetricSpec; 6] = [
    &ENTRY_PASSED,
    &ENTRY_ARTIFACTS,
    &ENTRY_FAILING,
    &ENTRY_BLOCKERS,
    &ENTRY_ARTIFACT_PASSED,
    &ENTRY_FRESHNESS,
];
metric_spec!(
    INDEX_FAILURE_RATE,
    "dpone_failure_rate",
    "1",
    "Share of the runs in the run registry index that did not pass, 0 to 1."
);

pub static INDEX_CATALOG: [&MetricSpec; 4] = [
    &INDEX_RUNS,
    &INDEX_FAILING_RUNS,
    &INDEX_FAILURE_RATE,
    &INDEX_FAILING_ARTIFACTS,
];

/// Labels: `process` and `status` of the recorded run (both low-cardinality); never the run id.
/// `now` is the export time (the caller's, never the clock): the entry's age is measured at it.
pub fn extract_entry(entry: &Map<String, Value>, shown: &str, now: Timestamp) -> Extracted {
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
    if let Some(age) = freshness_lag_seconds(entry, now) {
        out.series.push(Series::new(&ENTRY_FRESHNESS, age, &labels));
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
    // Of the runs listed: a rate over no run is no number, so there is no series.
    if !runs.is_empty() {
        let rate = failing as f64 / runs.len() as f64;
        out.series.push(Series::new(&INDEX_FAILURE_RATE, rate, &[]));
    }
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

/// Seconds from the entry's `recorded_at` to `now`; negative when the entry was recorded after
/// `now` (the two clocks disagree). None when `recorded_at` is absent or not RFC 3339 text.
fn freshness_lag_seconds(entry: &Map<String, Value>, now: Timestamp) -> Option<f64> {
    let recorded = entry
        .get("recorded_at")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse_rfc3339)?;
    let nanos = i128::from(now.unix_nanos()) - i128::from(recorded.unix_nanos());
    // Whole seconds and the fraction apart: the nanoseconds of an age over 104 days are
    // beyond f64's exact integers, its seconds are not.
    let (whole, fraction) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    Some(whole as f64 + fraction as f64 / 1e9)
}

/// An attached artifact's name, when it has a non-empty one.
fn artifact_name(artifact: &Value) -> Option<&str> {
    artifact
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn freshness(entry: &Value, now: &str) -> Vec<Series> {
        let now = Timestamp::parse_rfc3339(now).expect("a valid time");
        let entry = entry.as_object().expect("an object");
        extract_entry(entry, "entry.json", now)
            .series
            .into_iter()
            .filter(|s| s.spec.name == "dpone_freshness_lag_seconds")
            .collect()
    }

    #[test]
    fn freshness_is_the_age_of_recorded_at_at_the_export_time() {
        let entry = serde_json::json!({
            "passed": true, "process": "orders", "status": "success",
            "recorded_at": "2026-11-24T20:52:15.295553+00:00",
        });
        let found = freshness(&entry, "2026-11-24T20:57:15.295553+00:00");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, 300.0);
        assert_eq!(
            found[0].labels,
            [
                ("process", "orders".to_string()),
                ("status", "success".to_string())
            ]
        );
        // Recorded after the export time (clocks that disagree): negative, never hidden.
        let found = freshness(&entry, "2026-11-24T20:52:14.795553+00:00");
        assert_eq!(found[0].value, -0.5);
    }

    #[test]
    fn the_failure_rate_is_the_share_of_listed_runs_that_did_not_pass() {
        let rate = |index: Value| -> Vec<f64> {
            let index = index.as_object().expect("an object").clone();
            extract_index(&index)
                .series
                .into_iter()
                .filter(|s| s.spec.name == "dpone_failure_rate")
                .map(|s| s.value)
                .collect()
        };
        let runs = serde_json::json!({"runs": [
            {"passed": true}, {"passed": false}, {"passed": true}, {"passed": "yes"}
        ]});
        // A `passed` that is not `true` is no pass, as for the failing-run count.
        assert_eq!(rate(runs), [0.5]);
        assert_eq!(rate(serde_json::json!({"runs": [{"passed": true}]})), [0.0]);
        // No run listed (whatever `run_count` says): no rate.
        assert!(rate(serde_json::json!({"run_count": 3, "runs": []})).is_empty());
    }

    #[test]
    fn no_freshness_without_a_readable_recorded_at() {
        let now = "2026-11-24T20:57:15+00:00";
        for recorded_at in [
            Value::Null,
            Value::from(1_764_017_535),
            Value::from("yesterday"),
        ] {
            let entry = serde_json::json!({"passed": true, "recorded_at": recorded_at});
            assert!(freshness(&entry, now).is_empty(), "{recorded_at}");
        }
        assert!(freshness(&serde_json::json!({"passed": true}), now).is_empty());
    }
}
