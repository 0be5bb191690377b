//! `opentelemetry_traces.json`: parsed by the official protobuf definitions, ids derived from the
//! CI run attempt, span times and status from the run reports.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::*;

const ATTEMPT_1: &str = "https://github.com/o/r/actions/runs/7/attempts/1";
const ATTEMPT_2: &str = "https://github.com/o/r/actions/runs/7/attempts/2";

/// Exports the real success report (`--run-report`) and failed one (`--input`) into `out`, as
/// the adapter would in the CI run attempt whose URL is `run_url`.
fn export(cwd: &Path, out: &str, run_url: &str, extra: &[&str]) -> PathBuf {
    let ok = fixture("run-report/run_report_success_real.json");
    let failed = fixture("run-report/run_report_failed_real.json");
    let attr = format!("cicd.pipeline.run.url.full={run_url}");
    let mut args = vec![
        "metrics-export",
        "--output-dir",
        out,
        "--run-report",
        ok.to_str().unwrap(),
        "--input",
        failed.to_str().unwrap(),
        "--resource-attr",
        &attr,
    ];
    args.extend_from_slice(extra);
    let o = run_in(cwd, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    cwd.join(out).join("opentelemetry_traces.json")
}

fn spans(doc: &Value) -> Vec<Value> {
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
        .clone()
}

fn attr(span: &Value, key: &str) -> Option<Value> {
    span["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| a["value"].clone())
}

#[test]
fn the_trace_parses_and_its_spans_come_from_the_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let path = export(
        tmp.path(),
        "o",
        ATTEMPT_1,
        &["--resource-attr", "cicd.pipeline.task.name=observability"],
    );
    let summary = otlp_accepts(std::slice::from_ref(&path));
    assert_eq!(summary[0]["spans"], 3);
    let doc = read_json(&path);
    let spans = spans(&doc);
    let (root, ok, failed) = (&spans[0], &spans[1], &spans[2]);

    // The root: the CI task, named by the resource, spanning its runs up to the export.
    assert_eq!(root["name"], "observability");
    assert_eq!(root["kind"], 1);
    assert!(root.get("parentSpanId").is_none());
    assert_eq!(
        attr(root, "cicd.pipeline.task.name"),
        Some(json!({"stringValue": "observability"}))
    );
    assert_eq!(
        attr(root, "cicd.pipeline.task.run.result"),
        Some(json!({"stringValue": "success"}))
    );
    // It starts with its earliest run: the failed one, which ends (and starts) at the export.
    assert_eq!(root["startTimeUnixNano"], failed["startTimeUnixNano"]);
    let generated = format!("{EPOCH}000000000");
    let ok_end: u64 = 1_795_553_112_173_461_000;
    // The success report ends after SOURCE_DATE_EPOCH: the root still encloses it.
    assert_eq!(root["endTimeUnixNano"], ok_end.to_string());

    // The passed run: ends at its last load step, lasts duration_seconds.
    assert_eq!(ok["parentSpanId"], root["spanId"]);
    assert_eq!(ok["name"], "dpone run orders_pg_to_pg");
    assert_eq!(ok["endTimeUnixNano"], ok_end.to_string());
    assert_eq!(
        ok["startTimeUnixNano"],
        (ok_end - 217_388_391).to_string(),
        "0.21738839149475098 s before its end"
    );
    assert_eq!(ok["status"], json!({"code": 1}));
    assert_eq!(attr(ok, "error.type"), None);
    assert_eq!(
        attr(ok, "dpone.rows.extracted"),
        Some(json!({"intValue": "55000"}))
    );
    assert_eq!(
        attr(ok, "dpone.run.id"),
        Some(json!({"stringValue": "FIXTURE-OK-001"}))
    );
    assert_eq!(ok["events"], json!([]), "one attempt, no retry");

    // The failed run: no time of its own (ends at the export), zero seconds, an error.
    assert_eq!(failed["parentSpanId"], root["spanId"]);
    assert_eq!(failed["name"], "dpone run orders_pg_to_pg");
    assert_eq!(failed["endTimeUnixNano"], generated);
    assert_eq!(failed["startTimeUnixNano"], generated);
    assert_eq!(failed["status"]["code"], 2);
    assert_eq!(
        failed["status"]["message"],
        "Implicit runtime defaults are disabled; configure a logical connection_ref."
    );
    assert_eq!(
        attr(failed, "error.type"),
        Some(json!({"stringValue": "DPONE_LEGACY_RUNTIME_DEFAULTS_DISABLED"}))
    );
    assert_eq!(
        attr(failed, "dpone.run.passed"),
        Some(json!({"boolValue": false}))
    );
    // Every span in one trace; the index lists the file.
    let trace = root["traceId"].as_str().unwrap();
    assert!(spans.iter().all(|s| s["traceId"] == trace));
    assert_eq!(summary[0]["trace_id"], trace);
    let index = read_json(&tmp.path().join("o/metrics_index.json"));
    assert!(index["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "opentelemetry_traces.json"
            && a["artifact_type"] == "opentelemetry_traces"));
}

#[test]
fn one_trace_per_run_attempt_and_the_same_file_for_the_same_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let first = export(tmp.path(), "a", ATTEMPT_1, &[]);
    let again = export(tmp.path(), "b", ATTEMPT_1, &[]);
    let retried = export(tmp.path(), "c", ATTEMPT_2, &[]);
    let bytes = |p: &PathBuf| std::fs::read(p).unwrap();
    assert_eq!(bytes(&first), bytes(&again), "same run attempt, same file");

    let (one, two) = (spans(&read_json(&first)), spans(&read_json(&retried)));
    let trace = |s: &[Value]| s[0]["traceId"].as_str().unwrap().to_string();
    assert_ne!(trace(&one), trace(&two), "another attempt, another trace");
    assert_ne!(one[0]["spanId"], two[0]["spanId"]);
    // The documented rule: sha256 of the run URL, first 16 bytes.
    let digest = sha256_hex(ATTEMPT_1.as_bytes());
    assert_eq!(trace(&one), digest[..32]);
    for s in one.iter().chain(&two) {
        let id = s["spanId"].as_str().unwrap();
        assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

#[test]
fn a_retried_run_has_a_retry_event_per_attempt_after_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut report = read_json(&fixture("run-report/run_report_success_real.json"));
    report["attempts"] = json!(3);
    report["max_attempts"] = json!(3);
    std::fs::write(tmp.path().join("retried.json"), report.to_string()).unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "metrics-export",
            "--run-report",
            "retried.json",
            "--output-dir",
            "o",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = tmp.path().join("o/opentelemetry_traces.json");
    otlp_accepts(std::slice::from_ref(&path));
    let run = &spans(&read_json(&path))[1];
    let events = run["events"].as_array().unwrap();
    let attempts: Vec<&Value> = events
        .iter()
        .map(|e| &e["attributes"][0]["value"])
        .collect();
    assert_eq!(
        attempts,
        [&json!({"intValue": "2"}), &json!({"intValue": "3"})]
    );
    assert!(events.iter().all(|e| e["name"] == "retry"));
    let t = |v: &Value| v.as_str().unwrap().parse::<u64>().unwrap();
    let (start, end) = (t(&run["startTimeUnixNano"]), t(&run["endTimeUnixNano"]));
    assert_eq!(t(&events[0]["timeUnixNano"]), start + (end - start) / 3);
    // Without a CI run URL, the run id names the trace.
    let trace = run["traceId"].as_str().unwrap();
    assert_eq!(trace, &sha256_hex(b"dpone.run_id/FIXTURE-OK-001")[..32]);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
