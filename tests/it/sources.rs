//! Every standard dpone artifact through `--input`: the real fixtures extract to the documented
//! metrics, failures become namespaced blockers, malformed variants never panic, the Airflow
//! bundle contract holds, and one call over the whole fixture tree names every file.

use crate::common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

/// Runs an export in `dir` and returns the exit code, stdout report and the JSON report.
fn export(dir: &Path, out: &str, args: &[&str]) -> (i32, Value, Value) {
    let mut full = vec!["metrics-export", "--output-dir", out, "--format", "json"];
    full.extend_from_slice(args);
    let o = run_in(dir, &full);
    let code = o.status.code().expect("no signal");
    assert!(
        code == 0 || code == 1,
        "exit {code} for {args:?}: {}",
        stderr(&o)
    );
    let stdout: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (
        code,
        stdout,
        read_json(&dir.join(out).join("runtime_metrics.json")),
    )
}

fn codes(stdout: &Value) -> Vec<String> {
    stdout["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect()
}

/// The value of the series with this name and these labels (a subset match).
fn value(report: &Value, name: &str, labels: &[(&str, &str)]) -> Option<Value> {
    report["metrics"].as_array().unwrap().iter().find_map(|m| {
        let matches = m["name"] == name && labels.iter().all(|(k, v)| m["labels"][*k] == *v);
        matches.then(|| m["value"].clone())
    })
}

fn f(rel: &str) -> String {
    fixture(rel).to_str().unwrap().to_string()
}

#[test]
fn benchmark_baselines() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, report) = export(
        tmp.path(),
        "pass",
        &["--input", &f("benchmark/pass/benchmark_baseline.json")],
    );
    assert_eq!((code, codes(&out)), (0, vec![]));
    assert_eq!(
        value(&report, "dpone_benchmark_passed", &[]),
        Some(json!(1.0))
    );
    assert_eq!(
        value(
            &report,
            "dpone_benchmark_actual",
            &[("metric", "duration_seconds"), ("direction", "lower")]
        ),
        Some(json!(60.0))
    );
    assert_eq!(
        value(
            &report,
            "dpone_benchmark_threshold",
            &[("metric", "throughput_rows_per_second")]
        ),
        Some(json!(85500.0))
    );

    let (code, out, report) = export(
        tmp.path(),
        "reg",
        &[
            "--input",
            &f("benchmark/regression/benchmark_baseline.json"),
        ],
    );
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["benchmark_baseline.regression".to_string()])
    );
    // dpone writes `-Infinity` for the metric it did not measure; it fails here.
    assert_eq!(
        value(
            &report,
            "dpone_benchmark_actual",
            &[("metric", "rows_per_mib")]
        ),
        Some(json!("-Infinity"))
    );
    assert_eq!(
        value(
            &report,
            "dpone_benchmark_item_passed",
            &[("metric", "rows_per_mib")]
        ),
        Some(json!(0.0))
    );
    assert_eq!(
        value(&report, "dpone_benchmark_failing_items", &[]),
        Some(json!(3.0))
    );
    let message = out["blocker_details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("rows_per_mib was not measured")
            && message.contains("duration_seconds regressed"),
        "{message}"
    );
    check_export(&tmp.path().join("reg"));
}

#[test]
fn a_missing_lower_metric_fails_whatever_its_direction() {
    let tmp = tempfile::tempdir().unwrap();
    // What dpone writes for `--baseline-json '{"latency":{"value":1,"direction":"lower"}}'` with no
    // latency measured: actual -Infinity, passed true.
    std::fs::write(
        tmp.path().join("b.json"),
        r#"{"allowed_regression_ratio": 0.1, "passed": true, "output_dir": "b", "items": [
            {"metric": "latency", "direction": "lower", "actual": -Infinity, "baseline": 1.0,
             "allowed_regression_ratio": 0.1, "allowed_threshold": 1.1, "passed": true, "action": ""}]}"#,
    )
    .unwrap();
    let (code, out, report) = export(tmp.path(), "o", &["--input", "b.json"]);
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["benchmark_baseline.regression".to_string()])
    );
    assert_eq!(
        value(
            &report,
            "dpone_benchmark_item_passed",
            &[("metric", "latency")]
        ),
        Some(json!(0.0))
    );
}

#[test]
fn certification_suites_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, report) = export(
        tmp.path(),
        "basic",
        &[
            "--input",
            &f("certification/suite_basic/certification_suite.json"),
        ],
    );
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["certification_suite.not_passed".to_string()])
    );
    let suite = [("suite_id", "fixture-suite-basic")];
    assert_eq!(
        value(&report, "dpone_certification_suite_case_count", &suite),
        Some(json!(10.0))
    );
    assert_eq!(
        value(&report, "dpone_certification_suite_passed", &suite),
        Some(json!(0.0))
    );
    assert_eq!(
        value(
            &report,
            "dpone_certification_suite_evidence_status",
            &[
                ("suite_id", "fixture-suite-basic"),
                ("evidence_status", "UNVERIFIED")
            ]
        ),
        Some(json!(1.0))
    );
    assert_eq!(
        value(
            &report,
            "dpone_certification_suite_evidence_status",
            &[("evidence_status", "PASS")]
        ),
        Some(json!(0.0))
    );

    let (code, out, report) = export(
        tmp.path(),
        "pass",
        &[
            "--input",
            &f("certification/suite_pass/certification_suite_index.json"),
        ],
    );
    assert_eq!((code, codes(&out)), (0, vec![]));
    assert_eq!(
        value(
            &report,
            "dpone_certification_suite_passed",
            &[("suite_id", "fixture-suite-pass")]
        ),
        Some(json!(1.0))
    );

    let (code, out, report) = export(
        tmp.path(),
        "report",
        &["--input", &f("certification/certification_report.json")],
    );
    assert_eq!((code, codes(&out)), (0, vec![]));
    let profile = [("profile", "mock_contract")];
    assert_eq!(
        value(&report, "dpone_certification_report_case_count", &profile),
        Some(json!(10.0))
    );
    assert_eq!(
        value(&report, "dpone_certification_report_failed_cases", &profile),
        Some(json!(0.0))
    );
    assert_eq!(
        value(
            &report,
            "dpone_certification_report_checksum_mismatches",
            &profile
        ),
        Some(json!(0.0))
    );

    // Two suites in one export stay apart by suite_id.
    let (_, _, both) = export(
        tmp.path(),
        "both",
        &[
            "--input",
            &f("certification/suite_basic/certification_suite.json"),
            "--input",
            &f("certification/suite_pass/certification_suite.json"),
        ],
    );
    let series = both["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == "dpone_certification_suite_passed")
        .count();
    assert_eq!(series, 2);
    check_export(&tmp.path().join("both"));
}

#[test]
fn matrix_report_shape() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("matrix.json"),
        json!({"passed": false, "total_cases": 2, "passed_cases": 1, "failed_cases": 1,
               "blockers": ["matrix_rows.mismatch:pg_to_ms"],
               "results": [{"case_id": "a", "passed": true, "expected_row_count": 5, "actual_row_count": 5},
                           {"case_id": "pg_to_ms", "passed": false, "expected_row_count": 5, "actual_row_count": 4}],
               "output_dir": "m"})
        .to_string(),
    )
    .unwrap();
    let (code, out, report) = export(tmp.path(), "o", &["--input", "matrix.json"]);
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["certification_report.not_passed".to_string()])
    );
    let labels = [("profile", "integration_matrix")];
    assert_eq!(
        value(&report, "dpone_certification_report_failed_cases", &labels),
        Some(json!(1.0))
    );
    assert_eq!(
        value(&report, "dpone_certification_report_actual_rows", &labels),
        Some(json!(9.0))
    );
    assert!(out["blocker_details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("matrix_rows.mismatch:pg_to_ms"));
}

#[test]
fn run_registry_entry_and_index() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, report) = export(
        tmp.path(),
        "o",
        &[
            "--input",
            &f("run-registry/FIXTURE-OK-001__run_registry.json"),
            "--input",
            &f("run-registry/run_registry_index.json"),
        ],
    );
    assert_eq!((code, codes(&out)), (0, vec![]));
    assert_eq!(
        value(
            &report,
            "dpone_run_registry_passed",
            &[("process", "orders_pg_to_pg")]
        ),
        Some(json!(1.0))
    );
    assert_eq!(
        value(
            &report,
            "dpone_run_registry_artifact_passed",
            &[("artifact", "benchmark")]
        ),
        Some(json!(1.0))
    );
    assert_eq!(
        value(&report, "dpone_run_registry_index_run_count", &[]),
        Some(json!(2.0))
    );
    assert_eq!(
        value(&report, "dpone_run_registry_index_failing_runs", &[]),
        Some(json!(1.0))
    );
    // dpone's `failure_rate`: one of the two runs in the index failed.
    assert_eq!(value(&report, "dpone_failure_rate", &[]), Some(json!(0.5)));
    // dpone's `freshness_lag_seconds`: the entry's age at `SOURCE_DATE_EPOCH`, which the
    // tests fix a year before the fixture was recorded (2026-11-24T20:52:15.295553Z).
    assert_eq!(
        value(
            &report,
            "dpone_freshness_lag_seconds",
            &[("process", "orders_pg_to_pg"), ("status", "success")]
        ),
        Some(json!(-31_553_535.295553))
    );
    assert_eq!(
        value(
            &report,
            "dpone_run_registry_index_failing_artifacts",
            &[("artifact", "slo")]
        ),
        Some(json!(1.0))
    );
    // The run id never becomes a label.
    let prom = std::fs::read_to_string(tmp.path().join("o/prometheus_metrics.prom")).unwrap();
    assert!(!prom.contains("FIXTURE"), "{prom}");

    let index = read_json(&fixture("run-registry/run_registry_index.json"));
    let failed_entry = index["runs"][1].clone();
    std::fs::write(tmp.path().join("failed.json"), failed_entry.to_string()).unwrap();
    let (code, out, _) = export(tmp.path(), "f", &["--input", "failed.json"]);
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["run_registry.not_passed".to_string()])
    );
    assert!(out["blocker_details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("artifact.reconciliation.missing"));
}

#[test]
fn slo_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, report) = export(tmp.path(), "pass", &["--input", &f("slo/slo_pass.json")]);
    assert_eq!((code, codes(&out)), (0, vec![]));
    let rule = [("metric", "freshness_lag_seconds"), ("rule", "max")];
    assert_eq!(
        value(&report, "dpone_slo_report_actual", &rule),
        Some(json!(120.0))
    );
    assert_eq!(
        value(&report, "dpone_slo_report_objective", &rule),
        Some(json!(300.0))
    );

    let (code, out, _) = export(
        tmp.path(),
        "none",
        &["--input", &f("slo/slo_no_objectives.json")],
    );
    assert_eq!(
        (code, codes(&out)),
        (0, vec!["slo_report.no_objectives".to_string()])
    );

    let failing = json!({"passed": false, "results": [
        {"code": "slo.latency_p95_seconds.missing", "metric": "latency_p95_seconds", "operator": "present",
         "actual": 0.0, "objective": 1.0, "passed": false, "severity": "fail", "action": ""}]});
    std::fs::write(tmp.path().join("fail.json"), failing.to_string()).unwrap();
    let (code, out, report) = export(tmp.path(), "fail", &["--input", "fail.json"]);
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["slo_report.not_passed".to_string()])
    );
    assert_eq!(
        value(
            &report,
            "dpone_slo_report_rule_passed",
            &[("rule", "present")]
        ),
        Some(json!(0.0))
    );
    assert_eq!(
        value(&report, "dpone_slo_report_actual", &[("rule", "present")]),
        None,
        "no fake actual for a missing metric"
    );
}

#[test]
fn orchestrated_run_is_unwrapped() {
    let tmp = tempfile::tempdir().unwrap();
    let run = read_json(&fixture("run-report/run_report_success_real.json"));
    let wrapper = json!({"passed": false, "status": "blocked", "run_id": "FIXTURE-OK-001", "process": "orders_pg_to_pg",
        "lock_key": "orders", "lock_acquired": false, "stale_lock_replaced": false,
        "blockers": ["lock.not_acquired"], "run_result": run, "output_dir": "o"});
    std::fs::write(
        tmp.path().join("orchestrated_run.json"),
        wrapper.to_string(),
    )
    .unwrap();
    let (code, out, report) = export(tmp.path(), "o", &["--input", "orchestrated_run.json"]);
    assert_eq!(
        (code, codes(&out)),
        (1, vec!["orchestrated_run.not_passed".to_string()])
    );
    assert_eq!(
        value(
            &report,
            "dpone_extracted_rows",
            &[("process", "orders_pg_to_pg")]
        ),
        Some(json!(55000.0))
    );
    assert_eq!(
        value(&report, "dpone_orchestrated_run_lock_acquired", &[]),
        Some(json!(0.0))
    );
    assert!(out["blocker_details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("lock.not_acquired"));
    assert_eq!(out["inputs"][0]["kind"], "orchestrated_run");
}

#[test]
fn inputs_that_cannot_be_used_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("dir.json")).unwrap();
    std::fs::write(tmp.path().join("bad.json"), "{oops").unwrap();
    std::fs::write(tmp.path().join("list.json"), "[1]").unwrap();
    std::fs::write(tmp.path().join("other.json"), r#"{"hello": "world"}"#).unwrap();
    let manual = f("run-report/dpone_run_report_cmd_output_NOT_a_run_report.json");
    let (code, out, report) = export(
        tmp.path(),
        "o",
        &[
            "--input",
            "*.json",
            "--input",
            "nothing/*.json",
            "--input",
            &manual,
            "--metric",
            "x=1",
        ],
    );
    assert_eq!(code, 1);
    let mut got = codes(&out);
    got.sort();
    assert_eq!(
        got,
        [
            "input.invalid_json",
            "input.invalid_json",
            "input.no_match",
            "input.unknown_kind",
            "input.unreadable",
            "run_report.not_a_run_report"
        ]
    );
    let messages = out["blocker_details"].to_string();
    for name in [
        "dir.json",
        "bad.json",
        "list.json",
        "other.json",
        "nothing/*.json",
        "NOT_a_run_report",
    ] {
        assert!(messages.contains(name), "{name} is named: {messages}");
    }
    // Sorted, each once.
    let paths: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    check_export(&tmp.path().join("o"));
}

#[test]
fn forced_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("slo/slo_pass.json"), tmp.path().join("slo.txt")).unwrap();
    let (code, out, report) = export(tmp.path(), "o", &["--input", "slo_report=*.txt"]);
    assert_eq!((code, codes(&out)), (0, vec![]));
    assert_eq!(
        value(&report, "dpone_slo_report_passed", &[]),
        Some(json!(1.0))
    );
    let (code, out, _) = export(
        tmp.path(),
        "p",
        &["--input", "benchmark_baseline=*.txt", "--metric", "x=1"],
    );
    assert_eq!(
        (code, codes(&out)),
        (0, vec!["input.no_metrics".to_string()]),
        "an SLO report has no benchmark items"
    );
}

/// Malformed variants of every kind: wrong types, missing fields, huge numbers, NaN tokens,
/// empty objects, arrays where objects belong. Each gives blockers or metrics, never a panic,
/// and the artifacts stay valid.
#[test]
fn malformed_variants_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let variants: Vec<(&str, String)> = vec![
        ("run_report", r#"{"result": [], "max_attempts": "many", "passed": "yes", "run_id": {}}"#.into()),
        ("run_report", r#"{"result": {"extracted_rows": NaN, "duration_seconds": Infinity, "errors": {}}, "attempts": 1e308}"#.into()),
        ("orchestrated_run", r#"{"run_result": [], "lock_key": 5, "blockers": "lock.not_acquired"}"#.into()),
        ("run_registry", r#"{"run_result_sha256": null, "artifacts": {"a": 1}, "blockers": [null, 3], "passed": []}"#.into()),
        ("run_registry", r#"{"run_result_sha256": "x", "artifacts": [{"name": 5}, "str", {"name": "ok", "passed": "no"}]}"#.into()),
        ("run_registry_index", r#"{"run_count": "NaN", "runs": [1, {"artifacts": [{}]}, {"artifacts": "x"}]}"#.into()),
        ("certification_suite", r#"{"schema_version": "dpone.certification_suite.v1", "items": [[]], "evidence_status": 7, "suite_id": ""}"#.into()),
        ("certification_suite_index", r#"{"suite_count": 1, "suites": [1, [], {}]}"#.into()),
        ("certification_report", r#"{"results": [{"case_id": 1, "expected_row_count": "1e999", "actual_row_count": []}]}"#.into()),
        ("benchmark_baseline", r#"{"allowed_regression_ratio": "x", "items": [{"direction": 1}, {"metric": "m", "direction": "sideways", "actual": "NaN", "baseline": 0}]}"#.into()),
        ("benchmark_slo_gate", r#"{"benchmark_passed": 1, "slo_passed": 0, "benchmark": [], "slo": {"results": {}}}"#.into()),
        ("slo_report", r#"{"results": [{"code": "slo.x.max"}, {"code": "slo.y.min", "metric": "y", "operator": "min", "actual": "1e400", "objective": null}]}"#.into()),
        ("airflow_evidence_bundle", r#"{"kind": "gitops.airflow_evidence_bundle", "correlation": []}"#.into()),
        ("run_report", "{}".into()),
        ("slo_report", "{}".into()),
        ("benchmark_baseline", "{}".into()),
    ];
    let mut otlp = Vec::new();
    for (i, (kind, text)) in variants.iter().enumerate() {
        let file = format!("v{i}.json");
        std::fs::write(tmp.path().join(&file), text).unwrap();
        for forced in [true, false] {
            let input = if forced {
                format!("{kind}={file}")
            } else {
                file.clone()
            };
            let out = format!("o{i}{forced}");
            let (_, stdout, _) =
                export(tmp.path(), &out, &["--input", &input, "--metric", "keep=1"]);
            assert!(
                stdout["metric_count"].as_u64().unwrap() >= 1,
                "{input}: {stdout}"
            );
            check_export(&tmp.path().join(&out));
            otlp.push(tmp.path().join(&out).join("opentelemetry_metrics.json"));
        }
    }
    otlp_accepts(&otlp);
}

#[test]
fn airflow_bundle_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let ok_report = f("run-report/run_report_success_real.json");
    let failed_report = f("run-report/run_report_failed_real.json");
    let complete = f("airflow-evidence/airflow_evidence_bundle_complete.json");
    let incomplete = f("airflow-evidence/airflow_evidence_bundle_incomplete.json");
    let mut tampered = read_json(&fixture(
        "airflow-evidence/airflow_evidence_bundle_complete.json",
    ));
    tampered["correlation"]["artifacts"]["workload_id"] = json!("someone_else");
    std::fs::write(tmp.path().join("tampered.json"), tampered.to_string()).unwrap();
    std::os::unix::fs::symlink(
        fixture("airflow-evidence/airflow_evidence_bundle_complete.json"),
        tmp.path().join("link.json"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("big.json"), vec![b' '; 2 * 1024 * 1024 + 1]).unwrap();

    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                &complete,
            ],
            vec![],
        ),
        (
            vec!["--run-report", &ok_report, "--input", &complete],
            vec![],
        ),
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                &incomplete,
            ],
            vec!["airflow_correlation.incomplete"],
        ),
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                "tampered.json",
            ],
            vec!["airflow_correlation.invalid"],
        ),
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                "link.json",
            ],
            vec!["airflow_correlation.symlink_forbidden"],
        ),
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                "big.json",
            ],
            vec!["airflow_correlation.too_large"],
        ),
        (
            vec![
                "--run-report",
                &failed_report,
                "--airflow-evidence-bundle",
                &complete,
            ],
            vec!["run_report.run_failed", "airflow_correlation.run_mismatch"],
        ),
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                &complete,
                "--input",
                &incomplete,
            ],
            vec!["airflow_correlation.ambiguous"],
        ),
        // The same bundle named twice is one bundle.
        (
            vec![
                "--run-report",
                &ok_report,
                "--airflow-evidence-bundle",
                &complete,
                "--input",
                &complete,
            ],
            vec![],
        ),
        // Without --run-report, the one run report among the inputs is the run checked.
        (
            vec!["--input", &failed_report, "--input", &complete],
            vec!["run_report.run_failed", "airflow_correlation.run_mismatch"],
        ),
    ];
    for (i, (args, expected)) in cases.iter().enumerate() {
        let out = format!("a{i}");
        let (code, stdout, report) = export(tmp.path(), &out, args);
        assert_eq!(codes(&stdout), *expected, "{args:?}");
        assert_eq!(code, if expected.is_empty() { 0 } else { 1 });
        let correlated = !report["correlation_id"].is_null();
        assert_eq!(
            correlated,
            expected.is_empty(),
            "correlation only from a good bundle: {args:?}"
        );
        let prom =
            std::fs::read_to_string(tmp.path().join(&out).join("prometheus_metrics.prom")).unwrap();
        assert!(
            !prom.contains("airflow") && !prom.contains("sha256:"),
            "never in Prometheus"
        );
    }
}

/// Issue #3's closing check: one call over the whole fixture tree.
#[test]
fn the_whole_fixture_tree_in_one_call() {
    let tmp = tempfile::tempdir().unwrap();
    let pattern = format!("{}/**/*.json", fixtures().display());
    let (code, stdout, report) = export(tmp.path(), "all", &["--input", &pattern]);
    assert_eq!(code, 1, "the tree holds failing suites and regressions");
    let files = glob_count(&fixtures());
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), files, "every file is listed with its kind");
    for input in inputs {
        let kind = input["kind"].as_str().unwrap();
        if kind == "unknown" || kind == "not_a_run_report" || kind == "unreadable" {
            let path = input["path"].as_str().unwrap();
            assert!(
                stdout["blocker_details"].to_string().contains(path),
                "{path} is named in a blocker"
            );
        }
    }
    for kind in [
        "run_report",
        "run_registry",
        "run_registry_index",
        "certification_suite",
        "certification_report",
        "benchmark_baseline",
        "slo_report",
    ] {
        assert!(inputs.iter().any(|i| i["kind"] == kind), "{kind} found");
    }
    check_export(&tmp.path().join("all"));
    otlp_accepts(&[tmp.path().join("all/opentelemetry_metrics.json")]);
}

fn glob_count(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            n += glob_count(&path);
        } else if path.extension().is_some_and(|e| e == "json") {
            n += 1;
        }
    }
    n
}
