//! Metrics from a `dpone run --format json` report.
//!
//! Accepts every shape the peer accepts: the real success and failure reports, the synthetic CI
//! shape (`result.throughput_rows_per_second`), and the test shape (`run_throughput` under
//! `result` or `result.details`, top-level `warnings`).

use serde_json::{Map, Value};

use super::super::blockers::{Blocker, Code};
use super::super::json_input::{label_text, number};
use super::super::metrics::MetricSpec;
use super::super::timestamp::Timestamp;
use super::{array, flag, listed, text, Extracted, Series};
use crate::metric_spec;

metric_spec!(
    EXTRACTED_ROWS,
    "dpone_extracted_rows",
    "rows",
    "Rows extracted by the dpone run."
);
metric_spec!(
    INSERTED_ROWS,
    "dpone_inserted_rows",
    "rows",
    "Rows inserted by the dpone run."
);
metric_spec!(
    UPDATED_ROWS,
    "dpone_updated_rows",
    "rows",
    "Rows updated by the dpone run."
);
metric_spec!(
    FINAL_ROWS,
    "dpone_final_rows",
    "rows",
    "Final target rows reported by the dpone run."
);
metric_spec!(
    DURATION_SECONDS,
    "dpone_duration_seconds",
    "seconds",
    "dpone run duration in seconds."
);
metric_spec!(
    THROUGHPUT,
    "dpone_throughput_rows_per_second",
    "rows/s",
    "Rows processed per second reported by the dpone run."
);
metric_spec!(
    ATTEMPTS,
    "dpone_attempts",
    "1",
    "Attempts used by the dpone run."
);
metric_spec!(
    MAX_ATTEMPTS,
    "dpone_max_attempts",
    "1",
    "Maximum attempts configured for the dpone run."
);
metric_spec!(
    RETRY_BACKOFF_SECONDS,
    "dpone_retry_backoff_seconds",
    "seconds",
    "Retry backoff configured or observed for the dpone run."
);
metric_spec!(
    ERROR_COUNT,
    "dpone_error_count",
    "1",
    "Errors reported by the dpone run."
);
metric_spec!(
    WARNING_COUNT,
    "dpone_warning_count",
    "1",
    "Warnings reported by the dpone run."
);
metric_spec!(
    RUN_PASSED,
    "dpone_run_passed",
    "1",
    "dpone run success marker, 1 for passed and 0 for failed."
);

/// The run-report metric catalogue, in emission order.
pub static CATALOG: [&MetricSpec; 12] = [
    &EXTRACTED_ROWS,
    &INSERTED_ROWS,
    &UPDATED_ROWS,
    &FINAL_ROWS,
    &DURATION_SECONDS,
    &THROUGHPUT,
    &ATTEMPTS,
    &MAX_ATTEMPTS,
    &RETRY_BACKOFF_SECONDS,
    &ERROR_COUNT,
    &WARNING_COUNT,
    &RUN_PASSED,
];

metric_spec!(
    ORCHESTRATED_PASSED,
    "dpone_orchestrated_run_passed",
    "1",
    "dpone orchestrated run success marker, 1 for passed and 0 for failed."
);
metric_spec!(
    ORCHESTRATED_LOCK_ACQUIRED,
    "dpone_orchestrated_run_lock_acquired",
    "1",
    "1 when the orchestrated run acquired its lock."
);
metric_spec!(
    ORCHESTRATED_STALE_LOCK_REPLACED,
    "dpone_orchestrated_run_stale_lock_replaced",
    "1",
    "1 when the orchestrated run replaced a stale lock."
);
metric_spec!(
    ORCHESTRATED_BLOCKER_COUNT,
    "dpone_orchestrated_run_blocker_count",
    "1",
    "Blockers reported by the orchestrated run."
);

/// The orchestrated-run wrapper's own metrics (its `run_result` gives the run-report ones).
pub static ORCHESTRATED_CATALOG: [&MetricSpec; 4] = [
    &ORCHESTRATED_PASSED,
    &ORCHESTRATED_LOCK_ACQUIRED,
    &ORCHESTRATED_STALE_LOCK_REPLACED,
    &ORCHESTRATED_BLOCKER_COUNT,
];

/// `orchestrated_run.json` from `dpone orchestrate run`: the wrapped run report's metrics with
/// the run's labels, plus the lock facts labelled by `process`. Blockers of the wrapper other
/// than the run's own failure (which `dpone_run_passed` already says) are a blocker here.
pub fn extract_orchestrated(report: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted {
        run: report
            .get("run_result")
            .and_then(Value::as_object)
            .map(|run| extract(run).orchestrated_by(report)),
        ..Extracted::default()
    };
    let labels: Vec<(&'static str, String)> = text(report, "process")
        .map(|p| vec![("process", p)])
        .unwrap_or_default();
    let blockers = array(report, "blockers");
    out.series.push(Series::new(
        &ORCHESTRATED_PASSED,
        flag(report.get("passed")),
        &labels,
    ));
    for (spec, key) in [
        (&ORCHESTRATED_LOCK_ACQUIRED, "lock_acquired"),
        (&ORCHESTRATED_STALE_LOCK_REPLACED, "stale_lock_replaced"),
    ] {
        if report.contains_key(key) {
            out.series
                .push(Series::new(spec, flag(report.get(key)), &labels));
        }
    }
    out.series.push(Series::new(
        &ORCHESTRATED_BLOCKER_COUNT,
        blockers.len() as f64,
        &labels,
    ));
    let own: Vec<Value> = blockers
        .iter()
        .filter(|b| b.as_str() != Some("run.not_passed"))
        .cloned()
        .collect();
    if !own.is_empty() {
        out.blockers.push(Blocker::new(
            Code::OrchestratedRunNotPassed,
            format!("orchestrated run `{shown}` reports {}", listed(&own)),
        ));
    }
    out
}

/// The label keys a run report contributes; all low-cardinality.
pub const LABEL_KEYS: [&str; 3] = ["process", "selector", "status"];

/// What a run report says, before labels are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFacts {
    pub values: Vec<(&'static MetricSpec, f64)>,
    /// `process`, `selector`, `status` when present and non-empty.
    pub labels: Vec<(&'static str, String)>,
    /// The run id: an OpenTelemetry attribute and a report field, never a Prometheus label.
    pub run_id: Option<String>,
    /// When the run finished, if the report says.
    pub finished_at: Option<Timestamp>,
    /// What the run said about itself, for the verdict line.
    pub outcome: RunOutcome,
    /// The `orchestrated_run.json` wrapper the run came in, if any.
    pub orchestration: Option<Orchestration>,
}

/// What an `orchestrated_run.json` wrapper says besides its `run_result` (it wraps one run and
/// lists no jobs): the trace shows it on the run's span.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Orchestration {
    /// The wrapper's `passed`, when it is a boolean.
    pub passed: Option<bool>,
    pub status: Option<String>,
    pub lock_key: Option<String>,
    pub lock_acquired: Option<bool>,
    /// The wrapper's blocker codes other than `run.not_passed` (the run's own failure).
    pub blockers: Vec<String>,
}

impl Orchestration {
    /// Reads the wrapper's own fields.
    pub fn read(wrapper: &Map<String, Value>) -> Self {
        Orchestration {
            passed: wrapper.get("passed").and_then(Value::as_bool),
            status: wrapper.get("status").and_then(label_text),
            lock_key: wrapper.get("lock_key").and_then(label_text),
            lock_acquired: wrapper.get("lock_acquired").and_then(Value::as_bool),
            blockers: array(wrapper, "blockers")
                .iter()
                .filter_map(Value::as_str)
                .filter(|b| *b != "run.not_passed" && !b.trim().is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

/// What a run report says about its own outcome, as the verdict line shows it: which run, and
/// for a failed run why. Text fields are kept as written (renderers escape and clip them).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RunOutcome {
    pub run_id: Option<String>,
    pub process: Option<String>,
    pub manifest: Option<String>,
    /// `result.status`.
    pub status: Option<String>,
    /// `passed`, when it is a boolean.
    pub passed: Option<bool>,
    /// `result.error_code` (or a top-level `error_code`).
    pub error_code: Option<String>,
    /// The first of the run's errors, without a leading repeat of the error code.
    pub first_error: Option<String>,
}

impl RunOutcome {
    fn read(report: &Map<String, Value>, result: &Map<String, Value>) -> Self {
        let text = |object: &Map<String, Value>, key: &str| {
            object
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let either = |key: &str| text(result, key).or_else(|| text(report, key));
        let error_code = either("error_code");
        let first_error = [result, report].into_iter().find_map(|object| {
            object
                .get("errors")?
                .as_array()?
                .iter()
                .find_map(error_text)
        });
        let first_error = first_error.map(|e| match &error_code {
            Some(code) => e
                .strip_prefix(code.as_str())
                .and_then(|rest| rest.strip_prefix(':'))
                .map_or(e.clone(), |rest| rest.trim().to_string()),
            None => e,
        });
        RunOutcome {
            run_id: text(report, "run_id"),
            process: text(report, "process"),
            manifest: text(report, "manifest"),
            status: text(result, "status").or_else(|| text(report, "status")),
            passed: report.get("passed").and_then(Value::as_bool),
            error_code,
            first_error,
        }
    }

    /// The run's name for people: its process, else its manifest.
    pub fn name(&self) -> Option<&str> {
        self.process.as_deref().or(self.manifest.as_deref())
    }

    /// The report says the run did not pass.
    pub fn failed(&self) -> bool {
        self.passed == Some(false)
    }

    /// A name that stays the same whether the run passed or failed: the manifest's file stem
    /// (dpone leaves `process` empty in some failed runs), else the process.
    pub fn stable_name(&self) -> Option<String> {
        let stem = self.manifest.as_deref().and_then(|m| {
            let file = m.rsplit(['/', '\\']).next().unwrap_or(m);
            let stem = file
                .strip_suffix(".yaml")
                .or_else(|| file.strip_suffix(".yml"))
                .unwrap_or(file);
            (!stem.is_empty()).then(|| stem.to_string())
        });
        stem.or_else(|| self.process.clone())
    }
}

/// One error of `errors` as text: a string, or an object's `message` (with its `code`).
fn error_text(error: &Value) -> Option<String> {
    let text = match error {
        Value::String(s) => s.trim().to_string(),
        Value::Object(o) => {
            let message = o.get("message").and_then(Value::as_str)?.trim();
            match o.get("code").and_then(Value::as_str) {
                Some(code) if !code.is_empty() => format!("{code}: {message}"),
                _ => message.to_string(),
            }
        }
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

impl RunFacts {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value the report gave for one metric of the catalogue.
    pub fn value(&self, spec: &MetricSpec) -> Option<f64> {
        self.values
            .iter()
            .find(|(s, _)| s.name == spec.name)
            .map(|(_, v)| *v)
    }

    /// These facts, read from the run an `orchestrated_run.json` wrapper holds.
    pub fn orchestrated_by(mut self, wrapper: &Map<String, Value>) -> Self {
        self.orchestration = Some(Orchestration::read(wrapper));
        self
    }

    /// The report says the run did not pass.
    pub fn failed(&self) -> bool {
        self.values
            .iter()
            .any(|(spec, v)| spec.name == RUN_PASSED.name && *v == 0.0)
    }
}

/// Extracts the catalogue from a run report object.
pub fn extract(report: &Map<String, Value>) -> RunFacts {
    let empty = Map::new();
    let result = report
        .get("result")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut values = reported_values(report, result);
    // Never coerced: `"passed": "false"` is not a pass (type_errors reports it).
    let passed = report.get("passed").and_then(Value::as_bool);
    let recognised = !values.is_empty() || passed.is_some();
    if recognised {
        // Unlike the peer, zero counts are written: "no errors" must differ from "unknown".
        values.push((&ERROR_COUNT, error_count(report, result)));
        values.push((&WARNING_COUNT, warning_count(report, result)));
    }
    if let Some(passed) = passed {
        values.push((&RUN_PASSED, if passed { 1.0 } else { 0.0 }));
    }
    RunFacts {
        values,
        labels: if recognised {
            run_labels(report, result)
        } else {
            Vec::new()
        },
        run_id: report.get("run_id").and_then(label_text),
        finished_at: finished_at(report, result),
        outcome: RunOutcome::read(report, result),
        orchestration: None,
    }
}

/// The numbers the report gives for the catalogue, in catalogue order, up to the retry
/// backoff: the rows and duration under `result`, the throughput in any of its shapes, the
/// attempts at the top level, and the backoff at the top level or under `result`. A field
/// that is absent or not a number ([`strict_number`]) gives no value.
fn reported_values(
    report: &Map<String, Value>,
    result: &Map<String, Value>,
) -> Vec<(&'static MetricSpec, f64)> {
    let in_result = |key: &str| result.get(key).and_then(strict_number);
    let at_top = |key: &str| report.get(key).and_then(strict_number);
    [
        (&EXTRACTED_ROWS, in_result("extracted_rows")),
        (&INSERTED_ROWS, in_result("inserted_rows")),
        (&UPDATED_ROWS, in_result("updated_rows")),
        (&FINAL_ROWS, in_result("final_rows")),
        (&DURATION_SECONDS, in_result("duration_seconds")),
        (&THROUGHPUT, throughput(result)),
        (&ATTEMPTS, at_top("attempts")),
        (&MAX_ATTEMPTS, at_top("max_attempts")),
        (
            &RETRY_BACKOFF_SECONDS,
            at_top("retry_backoff_seconds").or_else(|| in_result("retry_backoff_seconds")),
        ),
    ]
    .into_iter()
    .filter_map(|(spec, value)| value.map(|v| (spec, v)))
    .collect()
}

/// The labels of a recognised run report: its `process` and `selector`, and `result.status`,
/// each when it is usable label text.
fn run_labels(
    report: &Map<String, Value>,
    result: &Map<String, Value>,
) -> Vec<(&'static str, String)> {
    let mut labels = Vec::new();
    for key in ["process", "selector"] {
        if let Some(text) = report.get(key).and_then(label_text) {
            labels.push((key, text));
        }
    }
    if let Some(text) = result.get("status").and_then(label_text) {
        labels.push(("status", text));
    }
    labels
}

/// A number as dpone writes one: a JSON number, or one of Python's non-finite tokens (which the
/// reader turns into these strings). A numeric string is not coerced.
fn strict_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => number(value),
        _ => None,
    }
}

/// The numeric fields of a run report: at the top level, then under `result`.
const TOP_NUMBERS: [&str; 3] = ["attempts", "max_attempts", "retry_backoff_seconds"];
const RESULT_NUMBERS: [&str; 7] = [
    "extracted_rows",
    "inserted_rows",
    "updated_rows",
    "final_rows",
    "duration_seconds",
    "throughput_rows_per_second",
    "retry_backoff_seconds",
];

/// Fields of a run report whose JSON type is wrong, each a `run_report.invalid_shape` blocker
/// naming the file and the field; the value is not used. Missing and null fields are fine.
pub fn type_errors(report: &Map<String, Value>, shown: &str) -> Vec<Blocker> {
    let kind = super::super::json_input::json_kind;
    let mut errors = Vec::new();
    let mut wrong = |field: String, found: &Value, expected: &str| {
        errors.push(Blocker::new(
            Code::RunReportInvalidShape,
            format!(
                "run report `{shown}`: `{field}` is a {}, not {expected}; it was not used",
                kind(found)
            ),
        ));
    };
    match report.get("passed") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(other) => wrong("passed".into(), other, "a boolean"),
    }
    let numeric = |v: &Value| v.is_null() || strict_number(v).is_some();
    for field in TOP_NUMBERS {
        match report.get(field) {
            Some(v) if !numeric(v) => wrong(field.into(), v, "a number"),
            _ => {}
        }
    }
    match report.get("result") {
        None | Some(Value::Null) => {}
        Some(Value::Object(result)) => {
            for field in RESULT_NUMBERS {
                match result.get(field) {
                    Some(v) if !numeric(v) => wrong(format!("result.{field}"), v, "a number"),
                    _ => {}
                }
            }
        }
        Some(other) => wrong("result".into(), other, "an object"),
    }
    errors
}

fn throughput(result: &Map<String, Value>) -> Option<f64> {
    result
        .get("throughput_rows_per_second")
        .and_then(strict_number)
        .or_else(|| {
            result
                .get("run_throughput")
                .and_then(|t| t.get("rows_per_second"))
                .and_then(number)
        })
        .or_else(|| {
            result
                .get("details")
                .and_then(|d| d.get("run_throughput"))
                .and_then(|t| t.get("rows_per_second"))
                .and_then(number)
        })
}

fn list_len(object: &Map<String, Value>, key: &str) -> usize {
    object
        .get(key)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn explicit_count(
    report: &Map<String, Value>,
    result: &Map<String, Value>,
    key: &str,
) -> Option<f64> {
    report
        .get(key)
        .and_then(number)
        .or_else(|| result.get(key).and_then(number))
}

fn error_count(report: &Map<String, Value>, result: &Map<String, Value>) -> f64 {
    explicit_count(report, result, "error_count").unwrap_or_else(|| {
        let n = list_len(report, "errors")
            + list_len(report, "blockers")
            + list_len(result, "errors")
            + list_len(result, "blockers");
        n as f64
    })
}

fn warning_count(report: &Map<String, Value>, result: &Map<String, Value>) -> f64 {
    explicit_count(report, result, "warning_count")
        .unwrap_or_else(|| (list_len(report, "warnings") + list_len(result, "warnings")) as f64)
}

/// Time keys checked, in order, at the top level and then in `result`.
const TIME_KEYS: [&str; 6] = [
    "finished_at",
    "completed_at",
    "ended_at",
    "generated_at",
    "recorded_at",
    "timestamp",
];

/// The run's end: an explicit time field, else the latest `finished_at` of its load steps.
fn finished_at(report: &Map<String, Value>, result: &Map<String, Value>) -> Option<Timestamp> {
    let explicit = [report, result].into_iter().find_map(|object| {
        TIME_KEYS.iter().find_map(|key| {
            object
                .get(*key)
                .and_then(Value::as_str)
                .and_then(Timestamp::parse_rfc3339)
        })
    });
    explicit.or_else(|| {
        result
            .get("details")
            .and_then(|d| d.get("load_steps"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|step| step.get("finished_at").and_then(Value::as_str))
            .filter_map(Timestamp::parse_rfc3339)
            .max()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(v: Value) -> RunFacts {
        extract(v.as_object().unwrap())
    }

    fn value(f: &RunFacts, name: &str) -> Option<f64> {
        f.values
            .iter()
            .find(|(s, _)| s.name == name)
            .map(|(_, v)| *v)
    }

    #[test]
    fn test_shape_with_nested_throughput_and_warnings() {
        let f = facts(json!({
            "process": "orders_to_mssql", "run_id": "r1", "passed": false,
            "warnings": ["w1", "w2"], "attempts": 2, "max_attempts": 3,
            "result": {"status": "failed", "extracted_rows": "10", "errors": ["a", "b"],
                       "retry_backoff_seconds": 7.5, "run_throughput": {"rows_per_second": 5}}
        }));
        assert_eq!(value(&f, "dpone_error_count"), Some(2.0));
        assert_eq!(value(&f, "dpone_warning_count"), Some(2.0));
        assert_eq!(value(&f, "dpone_retry_backoff_seconds"), Some(7.5));
        assert_eq!(value(&f, "dpone_run_passed"), Some(0.0));
        assert_eq!(value(&f, "dpone_throughput_rows_per_second"), Some(5.0));
        // A count written as a string is not coerced (`type_errors` reports it).
        assert_eq!(value(&f, "dpone_extracted_rows"), None);
        assert_eq!(f.run_id.as_deref(), Some("r1"));
        assert_eq!(
            f.labels,
            vec![
                ("process", "orders_to_mssql".to_string()),
                ("status", "failed".to_string())
            ]
        );
    }

    #[test]
    fn wrong_types_are_blockers_never_coerced() {
        let report = json!({
            "passed": "false", "attempts": "2", "max_attempts": null,
            "result": {"extracted_rows": "10", "duration_seconds": 1.5, "final_rows": "NaN"}
        });
        let object = report.as_object().unwrap();
        let messages: Vec<String> = type_errors(object, "r.json")
            .into_iter()
            .map(|b| b.message)
            .collect();
        assert_eq!(
            messages,
            [
                "run report `r.json`: `passed` is a string, not a boolean; it was not used",
                "run report `r.json`: `attempts` is a string, not a number; it was not used",
                "run report `r.json`: `result.extracted_rows` is a string, not a number; it was not used",
            ]
        );
        let f = extract(object);
        assert_eq!(
            value(&f, "dpone_run_passed"),
            None,
            "\"false\" is not a pass"
        );
        assert_eq!(value(&f, "dpone_attempts"), None);
        assert!(value(&f, "dpone_final_rows").is_some_and(f64::is_nan));
        let not_object = json!({"passed": true, "result": [1]});
        assert_eq!(
            type_errors(not_object.as_object().unwrap(), "r.json").len(),
            1
        );
        assert!(type_errors(json!({}).as_object().unwrap(), "r.json").is_empty());
    }

    #[test]
    fn details_throughput_and_zero_counts() {
        let f = facts(
            json!({"passed": true, "result": {"details": {"run_throughput": {"rows_per_second": 9.5}}}}),
        );
        assert_eq!(value(&f, "dpone_throughput_rows_per_second"), Some(9.5));
        assert_eq!(value(&f, "dpone_error_count"), Some(0.0));
        assert_eq!(value(&f, "dpone_warning_count"), Some(0.0));
    }

    #[test]
    fn booleans_are_not_numbers_and_unknown_objects_give_nothing() {
        let f = facts(json!({"attempts": true, "run_id": "x", "pipeline": "p", "timeline": []}));
        assert!(f.is_empty());
        assert!(f.labels.is_empty());
    }

    #[test]
    fn finish_time_from_load_steps() {
        let f = facts(
            json!({"passed": true, "result": {"details": {"load_steps": [
            {"finished_at": "2026-11-24T20:45:12.173461+00:00"},
            {"finished_at": "2026-11-24T20:45:13.000000+00:00"},
            {"finished_at": null}]}}}),
        );
        assert_eq!(
            f.finished_at.unwrap().to_string(),
            "2026-11-24T20:45:13.000000+00:00"
        );
    }
}
