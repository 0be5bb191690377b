//! `runtime_metrics.json` read back by the one reader (`report_file::read_document`) and written
//! again by the writer (`report::write_document`): byte for byte, for every kind of export the
//! fixtures make and for one export with every part populated (gates with objectives and
//! regressions over a history, error and warning blockers, CI and VCS attributes, a correlation,
//! inputs, attributes, non-finite values), so a field the writer adds and the reader drops
//! fails here. The peer's files read; malformed and hostile files are refused with the reason;
//! fields this build does not know are ignored.

use crate::common::*;

use std::path::Path;
use std::process::Command;

use dpone_observability::observability::report::write_document;
use dpone_observability::observability::report_file::{export_report, read_document};
use serde_json::Value;

/// Runs `metrics-export` into `cwd/out` at `epoch`; the bytes of its `runtime_metrics.json`.
fn export(cwd: &Path, out: &str, epoch: u64, args: &[&str]) -> Vec<u8> {
    let o = Command::new(bin())
        .args(["metrics-export", "--output-dir", out])
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .output()
        .expect("the binary runs");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{out}: {}",
        stderr(&o)
    );
    std::fs::read(cwd.join(out).join("runtime_metrics.json")).expect("the export's report")
}

/// Reads `bytes` and writes the document again: the same bytes.
fn assert_round_trip(label: &str, bytes: &[u8]) {
    let document = read_document(bytes).unwrap_or_else(|err| panic!("{label}: {err}"));
    let mut again = Vec::new();
    write_document(&document, &mut again).expect("written to memory");
    if again != bytes {
        let (was, now) = (
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&again),
        );
        let line = was
            .lines()
            .zip(now.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| was.lines().count().min(now.lines().count()));
        let around = |text: &str| {
            let lines: Vec<&str> = text.lines().collect();
            lines[line.saturating_sub(3)..(line + 3).min(lines.len())].join("\n")
        };
        panic!(
            "{label}: written again, the report differs at line {}:\nwritten by the export:\n{}\n\
             written again:\n{}",
            line + 1,
            around(&was),
            around(&now)
        );
    }
}

const REVISIONS: [&str; 3] = [
    "1111111111111111111111111111111111111111",
    "2222222222222222222222222222222222222222",
    "3333333333333333333333333333333333333333",
];

/// The policy of the populated export: objectives that pass, fail and warn; regressions with a
/// test, a tolerance and a metric that disappeared.
const POLICY: &str = "objectives:
  duration_seconds: {max: 0.001}
  dpone_run_passed: {min: 1}
  job_seconds: {max: 1, severity: warning}
regressions:
  job_seconds: {direction: lower, test: t_test, boundary: 0.99}
  rows: {direction: higher, ratio: 0.1}
  dpone_final_rows: {direction: higher, absolute: 0, ignore_labels: [status]}
";

/// An export with every part of the report populated, over a history of three exports.
fn populated(cwd: &Path) -> Vec<u8> {
    let success = fixture("run-report/run_report_success_real.json");
    for (i, revision) in REVISIONS.iter().enumerate() {
        let job = format!("job_seconds={}", 10 + i);
        let rows = format!("rows={}", 100 + i);
        let run = format!("cicd.pipeline.run.id={}", 10 + i);
        let head = format!("vcs.ref.head.revision={revision}");
        export(
            cwd,
            &format!("hist/{i}"),
            1_764_000_000 + i as u64 * 3600,
            &[
                "--run-report",
                success.to_str().unwrap(),
                "--metric",
                &job,
                "--metric",
                &rows,
                "--resource-attr",
                &run,
                "--resource-attr",
                &head,
                "--resource-attr",
                "vcs.ref.head.name=main",
            ],
        );
    }
    std::fs::write(cwd.join("p.yml"), POLICY).unwrap();
    let bundle = fixture("airflow-evidence/airflow_evidence_bundle_complete.json");
    export(
        cwd,
        "now",
        1_765_000_000,
        &[
            "--run-report",
            success.to_str().unwrap(),
            "--airflow-evidence-bundle",
            bundle.to_str().unwrap(),
            "--metric",
            "job_seconds=1000",
            "--metric",
            "Lag Seconds=NaN",
            "--metric",
            "up=Infinity",
            "--metric",
            "down=-Infinity",
            "--label",
            "env=ci",
            "--label",
            "quote=a\"b",
            "--resource-attr",
            "vcs.change.id=7",
            "--resource-attr",
            "vcs.ref.head.revision=4444444444444444444444444444444444444444",
            "--resource-attr",
            "cicd.pipeline.run.id=99",
            "--policy",
            "p.yml",
            "--baseline",
            "hist/*",
        ],
    )
}

/// The populated export has what it claims: without it, the round trip proves little.
fn assert_populated(bytes: &[u8]) {
    let report: Value = serde_json::from_slice(bytes).unwrap();
    let gates = &report["gates"];
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let objectives = list(&gates["objectives"]);
    assert!(objectives.iter().any(|o| o["passed"] == true), "{gates}");
    for severity in ["error", "warning"] {
        assert!(
            objectives
                .iter()
                .any(|o| o["passed"] == false && o["severity"] == severity),
            "no failed {severity} objective: {gates}"
        );
    }
    let regressions = list(&gates["regressions"]);
    assert!(regressions.iter().any(|r| r["breached"] == true), "{gates}");
    let statuses: std::collections::BTreeSet<&str> = regressions
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert!(statuses.len() >= 2, "{statuses:?}");
    assert!(regressions.iter().any(|r| r["sample_ids"][2] == "3333333"));
    assert_eq!(list(&gates["baseline"]["samples"]).len(), 3, "{gates}");
    assert_eq!(gates["baseline"]["revision"], REVISIONS[2]);
    let details = list(&report["blocker_details"]);
    for severity in ["error", "warning"] {
        assert!(
            details.iter().any(|d| d["severity"] == severity),
            "{details:?}"
        );
    }
    assert!(report["correlation_id"].is_string() && report["run_id"].is_string());
    let attributes = &report["resource_attributes"];
    assert!(attributes["cicd.pipeline.run.id"] == "99" && attributes["vcs.change.id"] == "7");
    assert!(list(&report["inputs"]).len() >= 2, "{}", report["inputs"]);
    let metrics = list(&report["metrics"]);
    assert!(metrics
        .iter()
        .any(|m| m["attributes"] != serde_json::json!({})));
    assert!(metrics.iter().any(|m| m["value"] == "NaN"));
    assert!(metrics.iter().any(|m| m["value"] == "-Infinity"));
}

#[test]
fn a_populated_export_reads_back_whole_and_writes_again_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = populated(tmp.path());
    assert_populated(&bytes);
    assert_round_trip("populated", &bytes);

    // What publish renders from: the same blockers, verdict, gates and points.
    let report: Value = serde_json::from_slice(&bytes).unwrap();
    let document = read_document(&bytes).unwrap();
    let (read, points) = export_report(document, "https://example.test/runbooks.md".into())
        .expect("a report of this build");
    let ids: Vec<String> = read.blockers.iter().map(|b| b.id().to_string()).collect();
    assert_eq!(serde_json::json!(ids), report["blockers"]);
    assert_eq!(read.passed, report["passed"]);
    assert!(!read.passed);
    assert_eq!(
        read.gates.regressions.len(),
        report["gates"]["regressions"].as_array().unwrap().len()
    );
    assert_eq!(read.gates.baseline.samples.len(), 3);
    assert_eq!(points.len(), read.metric_count);
    assert_eq!(read.generated_at.to_string(), report["generated_at"]);
    assert!(read
        .runbook_url(read.blockers[0].code)
        .starts_with("https://example.test/"));
}

#[test]
fn every_kind_of_export_reads_back_and_writes_again_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mut exports: Vec<(String, Vec<u8>)> = Vec::new();
    let mut reports: Vec<_> = std::fs::read_dir(fixture("run-report"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    reports.sort();
    assert!(reports.len() >= 4, "{reports:?}");
    for (i, report) in reports.iter().enumerate() {
        let out = format!("run_report_{i}");
        let bytes = export(
            t,
            &out,
            1_764_000_000,
            &["--run-report", report.to_str().unwrap()],
        );
        exports.push((report.display().to_string(), bytes));
    }
    let all = format!("{}/**/*.json", fixtures().display());
    let objectives =
        r#"{"duration_seconds": {"max": 1}, "certification_suite_passed": {"min": 1}}"#;
    let peer = fixture("metrics-export/success/runtime_metrics.json");
    let failed = fixture("run-report/run_report_failed_real.json");
    let example: [&[&str]; 4] = [
        &["--input", &all, "--objectives", objectives],
        &[
            "--run-report",
            "examples/run_report.json",
            "--policy",
            "examples/dpone-observability.yml",
            "--baseline",
            "examples/baseline/runtime_metrics.json",
        ],
        &[
            "--run-report",
            failed.to_str().unwrap(),
            "--policy",
            "examples/dpone-observability.yml",
            "--baseline",
            peer.to_str().unwrap(),
        ],
        &[],
    ];
    for (i, args) in example.iter().enumerate() {
        let out = t.join(format!("example_{i}"));
        let bytes = export(&repo(), out.to_str().unwrap(), 1_764_000_000, args);
        exports.push((format!("{args:?}"), bytes));
    }
    for (label, bytes) in &exports {
        assert_round_trip(label, bytes);
    }
    // The shipped example baseline too.
    let shipped = std::fs::read(repo().join("examples/baseline/runtime_metrics.json")).unwrap();
    assert_round_trip("examples/baseline", &shipped);
}

#[test]
fn the_peer_s_exports_read_as_version_one() {
    let mut found = 0;
    for case in [
        "success",
        "failed",
        "custom_only",
        "blocker_empty",
        "airflow_complete",
    ] {
        let path = fixture(&format!("metrics-export/{case}/runtime_metrics.json"));
        if !path.is_file() {
            continue;
        }
        found += 1;
        let bytes = std::fs::read(&path).unwrap();
        let peer: Value = serde_json::from_slice(&bytes).unwrap();
        let document = read_document(&bytes).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(document.schema_version, 1, "{case}");
        assert_eq!(document.metrics.len(), peer["metric_count"], "{case}");
        assert_eq!(
            serde_json::json!(document.blockers),
            peer["blockers"],
            "{case}"
        );
    }
    assert!(found >= 4, "only {found} peer exports found");
}

#[test]
fn an_earlier_release_s_export_reads_with_its_later_fields_defaulted() {
    // Written before `schema_version`, the history's gate fields and `tool_version`.
    let path = repo().join("tests/cmd/blocker-regression.metric.in/baseline/runtime_metrics.json");
    let bytes = std::fs::read(&path).unwrap();
    let earlier: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(
        earlier.get("schema_version").is_none()
            && earlier["gates"]["baseline"].get("samples").is_none()
    );
    let document = read_document(&bytes).expect("an earlier export reads");
    assert_eq!(document.schema_version, 1);
    assert!(!document.gates.baseline.default_rules && document.gates.baseline.samples.is_empty());
    assert_eq!(document.metrics.len(), 1);
    assert_eq!(document.metrics.get(0).unwrap().value, 1000.0);
    let mut again = Vec::new();
    write_document(&document, &mut again).unwrap();
    let again: Value = serde_json::from_slice(&again).unwrap();
    assert_eq!(again["metrics"], earlier["metrics"]);
    assert_eq!(again["gates"]["baseline"]["samples"], serde_json::json!([]));
}

/// `text` with the first `from` replaced by `to` (which must be there).
fn edited(text: &str, from: &str, to: &str) -> Vec<u8> {
    assert!(text.contains(from), "`{from}` is not in the report");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn a_malformed_report_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = populated(tmp.path());
    let text = String::from_utf8(bytes.clone()).unwrap();
    let refused: [(&str, Vec<u8>, &str); 8] = [
        (
            "another major",
            edited(&text, "\"schema_version\": 1,", "\"schema_version\": 2,"),
            "has `schema_version` 2; this build reads version 1",
        ),
        (
            "an unknown comparison status",
            edited(&text, "\"status\": \"compared\"", "\"status\": \"sideways\""),
            "unknown variant `sideways`",
        ),
        (
            "an unknown severity",
            edited(&text, "\"severity\": \"warning\"", "\"severity\": \"fatal\""),
            "unknown variant `fatal`",
        ),
        (
            "a wrong type",
            edited(&text, "\"passed\": false,\n  \"prometheus_path\"", "\"passed\": \"no\",\n  \"prometheus_path\""),
            "invalid type: string \"no\", expected a boolean",
        ),
        (
            "a value that is no number",
            edited(&text, "\"value\": \"NaN\"", "\"value\": true"),
            "has a non-numeric value",
        ),
        ("a truncated file", bytes[..bytes.len() / 2].to_vec(), "the file ends"),
        (
            "labels the export never writes",
            br#"{"metrics": [{"name": "dpone_x", "labels": {"a.b": "1", "a_b": "2"}, "value": 1}]}"#
                .to_vec(),
            "metric #1 `dpone_x` has labels that are empty, reserved or collide",
        ),
        (
            "no metric list",
            br#"{"schema_version": 1, "passed": true}"#.to_vec(),
            "missing field `metrics`",
        ),
    ];
    for (what, bytes, expected) in refused {
        let err = read_document(&bytes).expect_err(what);
        assert!(err.contains(expected), "{what}: {err}");
    }
}

#[test]
fn unknown_fields_are_ignored_and_unknown_codes_are_not_rendered() {
    let tmp = tempfile::tempdir().unwrap();
    let text = String::from_utf8(populated(tmp.path())).unwrap();
    // Nested a hundred thousand deep: skipped or refused, never a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let ignored = format!("{{\"metrics\": [], \"x\": {deep}}}");
    let document = read_document(ignored.as_bytes()).expect("an unknown field is skipped");
    assert!(document.metrics.is_empty());
    let value = format!("{{\"metrics\": [{{\"name\": \"dpone_x\", \"value\": {deep}}}]}}");
    let err = read_document(value.as_bytes()).expect_err("a list is no value");
    assert!(
        err.contains("metric #1 `dpone_x` has a non-numeric value"),
        "{err}"
    );

    // A blocker code this build does not know reads, but is no blocker to render.
    let unknown = edited(&text, "\"code\": \"slo.", "\"code\": \"nosuch.");
    let document = read_document(&unknown).expect("a code is text in the document");
    let err = export_report(document, String::new()).expect_err("an unknown code");
    assert_eq!(err, "has no usable blocker code");

    // Fields of a later release are ignored wherever they are; the rest reads as before.
    let later = edited(
        &text,
        "\"schema_version\": 1,",
        "\"schema_version\": 1,\n  \"later\": {\"a\": [1, null]},",
    );
    let later = String::from_utf8(later).unwrap();
    let later = edited(
        &later,
        "\"breached\": ",
        "\"later\": \"x\",\n      \"breached\": ",
    );
    let later = String::from_utf8(later).unwrap();
    let later = edited(
        &later,
        "\"attributes\": ",
        "\"later\": 1,\n      \"attributes\": ",
    );
    let document = read_document(&later).expect("unknown fields are ignored");
    let mut again = Vec::new();
    write_document(&document, &mut again).unwrap();
    assert_eq!(String::from_utf8(again).unwrap(), text);
}
