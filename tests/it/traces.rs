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

/// The ids the collector's `githubreceiver` gives a `workflow_job` payload, computed by Python's
/// `hashlib` (not by the code under test): the trace id (`<run_id><run_attempt>t`), the job span
/// id by check run (`<id>-j`, v0.151.0 and later) and by job name (before).
fn receiver_ids(payload: &Path) -> Value {
    let script = r#"
import hashlib, json, sys
job = json.load(open(sys.argv[1]))["workflow_job"]
h = lambda s: hashlib.sha256(s.encode()).hexdigest()
run = "%d%d" % (job["run_id"], job["run_attempt"])
print(json.dumps({"trace": h(run + "t")[:32], "job_by_check_run": h("%d-j" % job["id"])[16:32],
  "job_by_name": h(run + job["name"])[16:32], "run_id": str(job["run_id"]),
  "attempt": str(job["run_attempt"]), "name": job["name"], "check_run_id": str(job["id"])}))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(payload)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Exports the real success report in the job the payload describes (its run id, attempt and
/// job name as the runner sets them), with `extra` flags and environment.
fn export_in_job(cwd: &Path, out: &str, ids: &Value, args: &[&str], env: &[(&str, &str)]) -> Value {
    let ok = fixture("run-report/run_report_success_real.json");
    let mut command = std::process::Command::new(bin());
    command
        .current_dir(cwd)
        .args(["metrics-export", "--output-dir", out, "--run-report"])
        .arg(&ok)
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("TRACEPARENT")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_RUN_ID", ids["run_id"].as_str().unwrap())
        .env("GITHUB_RUN_ATTEMPT", ids["attempt"].as_str().unwrap())
        .env("GITHUB_JOB", ids["name"].as_str().unwrap())
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .env_remove("GITHUB_EVENT_PATH");
    for (k, v) in env {
        command.env(k, v);
    }
    let o = command.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = cwd.join(out).join("opentelemetry_traces.json");
    let doc = read_json(&path);
    let mut doc = doc;
    doc["stderr"] = Value::String(stderr(&o));
    doc["path"] = Value::String(path.display().to_string());
    doc
}

#[test]
fn the_trace_joins_the_github_receivers_trace_of_the_job() {
    let payload = repo().join("tests/fixtures/github/workflow_job.completed.success.json");
    let ids = receiver_ids(&payload);
    let tmp = tempfile::tempdir().unwrap();
    let check_run = ids["check_run_id"].as_str().unwrap();

    // With the job's check run id: a child of the receiver's job span (v0.151.0 and later).
    let doc = export_in_job(tmp.path(), "a", &ids, &["--check-run-id", check_run], &[]);
    let joined = spans(&doc);
    assert!(joined.iter().all(|s| s["traceId"] == ids["trace"]));
    assert_eq!(joined[0]["parentSpanId"], ids["job_by_check_run"]);
    assert_eq!(joined[1]["parentSpanId"], joined[0]["spanId"]);
    // The official protobuf definitions parse it: one trace, one root (its parent is the
    // receiver's span, outside the file).
    let path = PathBuf::from(doc["path"].as_str().unwrap());
    let summary = otlp_accepts(std::slice::from_ref(&path));
    assert_eq!(summary[0]["trace_id"], ids["trace"]);

    // Without it: the span the receiver named after the job (before v0.151.0).
    let doc = export_in_job(tmp.path(), "b", &ids, &[], &[]);
    assert_eq!(spans(&doc)[0]["traceId"], ids["trace"]);
    assert_eq!(spans(&doc)[0]["parentSpanId"], ids["job_by_name"]);

    // A valid TRACEPARENT wins; a bad one is a warning and GitHub's ids stay.
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let doc = export_in_job(tmp.path(), "c", &ids, &[], &[("TRACEPARENT", tp)]);
    assert_eq!(
        spans(&doc)[0]["traceId"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(spans(&doc)[0]["parentSpanId"], "00f067aa0ba902b7");
    let doc = export_in_job(tmp.path(), "d", &ids, &[], &[("TRACEPARENT", "00-zz-01")]);
    assert_eq!(spans(&doc)[0]["traceId"], ids["trace"]);
    assert!(
        doc["stderr"]
            .as_str()
            .unwrap()
            .contains("warning: TRACEPARENT `00-zz-01` is not a W3C traceparent"),
        "{}",
        doc["stderr"]
    );

    // `--trace-ids export` keeps the export's own ids: a root, no parent, not GitHub's trace.
    let doc = export_in_job(
        tmp.path(),
        "e",
        &ids,
        &["--trace-ids", "export"],
        &[("TRACEPARENT", tp)],
    );
    assert!(spans(&doc)[0].get("parentSpanId").is_none());
    assert_ne!(spans(&doc)[0]["traceId"], ids["trace"]);
}

/// The collector config of "One trace from webhook to gate": the docs show the example file, it
/// parses, and its pipeline takes the GitHub receiver's traces and the pushed ones.
#[test]
fn the_documented_collector_config_parses_and_wires_both_receivers() {
    let text = std::fs::read_to_string(repo().join("examples/collector-github.yaml")).unwrap();
    let docs = std::fs::read_to_string(repo().join("docs/runtime-observability.md")).unwrap();
    assert!(
        docs.contains(&format!("```yaml\n{text}```\n")),
        "the docs show the file"
    );
    let config: Value = serde_saphyr::from_str(&text).unwrap();
    let webhook = config["receivers"]["github"]["webhook"]
        .as_object()
        .unwrap();
    // The receiver's webhook settings (receiver/githubreceiver/config.go).
    let known = [
        "endpoint",
        "path",
        "health_path",
        "secret",
        "required_header",
    ];
    assert!(
        webhook.keys().all(|k| known.contains(&k.as_str())),
        "{webhook:?}"
    );
    assert!(config["receivers"]["otlp"]["protocols"]["http"].is_object());
    let pipeline = &config["service"]["pipelines"]["traces"];
    assert_eq!(pipeline["receivers"], json!(["github", "otlp"]));
    for exporter in pipeline["exporters"].as_array().unwrap() {
        assert!(config["exporters"][exporter.as_str().unwrap()].is_object());
    }
}
