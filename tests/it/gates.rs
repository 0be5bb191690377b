//! Gates end to end: objectives and baseline regressions through the CLI and the action, on the
//! real dpone fixtures, with the outputs checked by promtool and the OpenTelemetry parser.

use crate::common;

use std::path::Path;

use common::*;

fn export(cwd: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let report = fixture("run-report/run_report_success_real.json");
    let mut args = vec![
        "metrics-export",
        "--run-report",
        report.to_str().unwrap(),
        "--output-dir",
        out,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run_in(cwd, &args)
}

fn blockers(report: &serde_json::Value) -> Vec<String> {
    report["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn dpone_objectives_pass_at_the_bound_and_fail_past_it() {
    let tmp = tempfile::tempdir().unwrap();
    // The fixture's run has 55000 extracted rows and 1 attempt; dpone's format: bare = max.
    let o = export(
        tmp.path(),
        "at",
        &[
            "--objectives",
            r#"{"extracted_rows": {"min": 55000, "max": 55000}, "attempts": 1}"#,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("at"));
    let objectives = report["gates"]["objectives"].as_array().unwrap();
    assert_eq!(objectives.len(), 3);
    assert!(
        objectives.iter().all(|o| o["passed"] == true),
        "{objectives:?}"
    );
    assert_eq!(objectives[0]["delta"], 0.0);

    let o = export(
        tmp.path(),
        "past",
        &[
            "--objectives",
            r#"{"extracted_rows": {"min": 55001}, "attempts": 0}"#,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("past"));
    assert_eq!(
        blockers(&report),
        [
            "slo.dpone_extracted_rows.below_min",
            "slo.dpone_attempts.above_max"
        ]
    );
    let err = stderr(&o);
    assert!(
        err.contains("error[slo.dpone_extracted_rows.below_min]: `dpone_extracted_rows{process=\"orders_pg_to_pg\",status=\"success\"}` is 55,000, below the objective's min 55,001 (--objectives line 1)"),
        "{err}"
    );
    assert!(err.contains("runbooks.md#slometricbelow_min"), "{err}");
    let prom = std::fs::read_to_string(tmp.path().join("past/prometheus_metrics.prom")).unwrap();
    assert!(prom.contains(
        "dpone_slo_passed{metric=\"dpone_extracted_rows\",process=\"orders_pg_to_pg\",rule=\"min\",status=\"success\"} 0"
    ), "{prom}");
    assert!(prom.contains(
        "dpone_slo_bound{metric=\"dpone_attempts\",process=\"orders_pg_to_pg\",rule=\"max\",status=\"success\"} 0"
    ), "{prom}");
    let otlp = otlp_accepts(&[tmp.path().join("past/opentelemetry_metrics.json")]);
    assert!(!otlp.is_empty());
    let md = std::fs::read_to_string(tmp.path().join("past/runtime_metrics.md")).unwrap();
    let failed = md.find("| ❌ |").expect("a failed row");
    let passed = md.find("| ✅ |").unwrap_or(usize::MAX);
    assert!(failed < passed, "failures first:\n{md}");
    assert!(
        !md.contains("```mermaid"),
        "no chart that hides the numbers: {md}"
    );
}

#[test]
fn a_policy_file_with_labels_severity_and_a_missing_metric() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("policy.yml"),
        "objectives:\n  - metric: dpone_duration_seconds\n    labels: {process: orders_pg_to_pg}\n    max: 0.0001\n    severity: warning\n  - metric: dpone_duration_seconds\n    labels: {process: other}\n    max: 1\n  - metric: certification_suite_passed\n    min: 1\n    severity: warning\n",
    )
    .unwrap();
    let o = export(tmp.path(), "out", &["--policy", "policy.yml"]);
    // Both blockers that fire are warnings except the label-matched missing series (error).
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("out"));
    assert_eq!(
        blockers(&report),
        [
            "slo.dpone_duration_seconds.above_max",
            "slo.dpone_duration_seconds.missing",
            "slo.dpone_certification_suite_passed.missing"
        ]
    );
    let details = report["blocker_details"].as_array().unwrap();
    let severities: Vec<&str> = details
        .iter()
        .map(|d| d["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["warning", "error", "warning"]);
    assert!(details[1]["message"]
        .as_str()
        .unwrap()
        .contains("dpone_duration_seconds{process=\"other\"}"));
    assert!(details[2]["message"]
        .as_str()
        .unwrap()
        .contains("policy.yml line 9"));
}

#[test]
fn configuration_errors_are_usage_errors_that_name_the_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, wanted) in [
        (
            vec![
                "--objectives",
                "dpone_duration_seconds:\n  severity: error\n",
            ],
            "objective `dpone_duration_seconds` (line 1) has neither `min` nor `max`",
        ),
        (
            vec!["--objectives", "a:\n  min: ten\n"],
            "line 2, column 8: a bound must be a number, not `ten`",
        ),
    ] {
        let o = export(tmp.path(), "never", &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(wanted), "{args:?}: {}", stderr(&o));
        // Said once: no `error: … error:`, no YAML library pointer or snippet.
        assert_eq!(stderr(&o).matches("error:").count(), 1, "{}", stderr(&o));
        assert!(!stderr(&o).contains("-->"), "{}", stderr(&o));
        assert!(
            !tmp.path().join("never").exists(),
            "{args:?} wrote artifacts"
        );
    }
    std::fs::write(
        tmp.path().join("p.yml"),
        "regressions:\n  dpone_attempts:\n    ratio: 0.1\n",
    )
    .unwrap();
    let o = export(tmp.path(), "never", &["--policy", "p.yml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("regression rule `dpone_attempts` (line 2) needs `direction: higher`, `direction: lower` (which way is better) or `direction: both`"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        tmp.path().join("p.yml"),
        "blockers:\n  slo.dpone_attempts.missing: warning\n",
    )
    .unwrap();
    let o = export(tmp.path(), "never", &["--policy", "p.yml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("per-metric code"), "{}", stderr(&o));
    // Typos get a suggestion: a blocker code, a policy key.
    for (policy, wanted) in [
        (
            "blockers:\n  metric.empty: warning\n",
            "unknown blocker code `metric.empty`; did you mean `metrics.empty`?",
        ),
        ("objective: {}\n", "help: did you mean `objectives`?"),
    ] {
        std::fs::write(tmp.path().join("p.yml"), policy).unwrap();
        let o = export(tmp.path(), "never", &["--policy", "p.yml"]);
        assert_eq!(o.status.code(), Some(2), "{policy}");
        assert!(stderr(&o).contains(wanted), "{policy}: {}", stderr(&o));
    }
}

/// The real run registry entry was recorded at 2026-11-24T20:52:15.295553Z.
const RECORDED_AT: u64 = 1_795_553_535;

/// An export of the run report (and of the real run registry entry when `registry`) made at
/// `epoch` (`SOURCE_DATE_EPOCH`), with `objectives`.
fn export_at(
    cwd: &Path,
    out: &str,
    epoch: u64,
    registry: bool,
    objectives: &str,
) -> std::process::Output {
    let report = fixture("run-report/run_report_success_real.json");
    let entry = fixture("run-registry/FIXTURE-OK-001__run_registry.json");
    let mut args = vec![
        "metrics-export",
        "--run-report",
        report.to_str().unwrap(),
        "--output-dir",
        out,
        "--format",
        "json",
        "--objectives",
        objectives,
    ];
    if registry {
        args.extend(["--input", entry.to_str().unwrap()]);
    }
    std::process::Command::new(bin())
        .args(&args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .output()
        .expect("the binary runs")
}

#[test]
fn freshness_lag_seconds_is_the_age_of_the_run_registry_entry() {
    let tmp = tempfile::tempdir().unwrap();
    // Exported four minutes after the entry was recorded: 239.704447 s old.
    let at = RECORDED_AT + 240;
    let o = export_at(
        tmp.path(),
        "fresh",
        at,
        true,
        "freshness_lag_seconds: {max: 300}\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("fresh"));
    let objective = &report["gates"]["objectives"][0];
    assert_eq!(objective["metric"], "dpone_freshness_lag_seconds");
    assert_eq!(objective["passed"], true, "{objective}");
    let actual = objective["actual"].as_f64().unwrap();
    assert!((actual - 239.704447).abs() < 1e-6, "{actual}");
    let prom = std::fs::read_to_string(tmp.path().join("fresh/prometheus_metrics.prom")).unwrap();
    assert!(
        prom.contains(
            "dpone_freshness_lag_seconds{process=\"orders_pg_to_pg\",status=\"success\"} 239.704447\n"
        ),
        "{prom}"
    );
    // The same entry judged against a tighter bound fails by it.
    let o = export_at(
        tmp.path(),
        "stale",
        at,
        true,
        "freshness_lag_seconds: {max: 200}\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("stale"));
    assert_eq!(
        blockers(&report),
        ["slo.dpone_freshness_lag_seconds.above_max"]
    );
    assert!(
        stderr(&o).contains("is 239.7, above the objective's max 200"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_objective_on_a_metric_absent_from_the_export_fails_as_missing_not_as_usage() {
    let tmp = tempfile::tempdir().unwrap();
    // No run registry entry: dpone's `slo.<metric>.missing`, exit 1, every artifact written.
    let o = export_at(
        tmp.path(),
        "none",
        RECORDED_AT,
        false,
        "freshness_lag_seconds: {max: 300}\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("none"));
    assert_eq!(
        blockers(&report),
        ["slo.dpone_freshness_lag_seconds.missing"]
    );
    assert!(
        stderr(&o).contains(
            "the input that gives it (a run registry entry) was not read or does not have it"
        ),
        "{}",
        stderr(&o)
    );
    // A name no input gives fails the same way, with a suggestion only when one is close, at
    // the objective's severity; a pattern that matches nothing too.
    for (i, (objectives, code, wanted, status)) in [
        (
            "extracted_rowz: {min: 1}\n",
            "slo.dpone_extracted_rowz.missing",
            Some("; did you mean `extracted_rows`?"),
            1,
        ),
        (
            "dpone_duration_secs: 300\n",
            "slo.dpone_duration_secs.missing",
            Some("; did you mean `dpone_duration_seconds`?"),
            1,
        ),
        (
            "customer_count: {min: 1, severity: warning}\n",
            "slo.dpone_customer_count.missing",
            None,
            0,
        ),
        (
            "- metric: dpone_no_such_*\n  min: 1\n",
            "slo.dpone_no_such_*.missing",
            None,
            1,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let out = format!("out{i}");
        let o = export_at(tmp.path(), &out, RECORDED_AT, false, objectives);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(status), "{objectives}: {err}");
        let report = check_export(&tmp.path().join(&out));
        assert_eq!(blockers(&report), [code], "{objectives}");
        match wanted {
            Some(wanted) => assert!(err.contains(wanted), "{objectives}: {err}"),
            None => assert!(!err.contains("did you mean"), "{objectives}: {err}"),
        }
    }
}

#[test]
fn objectives_on_custom_metrics_and_on_catalogued_metrics_this_export_lacks() {
    let tmp = tempfile::tempdir().unwrap();
    // A custom metric's name is a metric, from `--metric` or from `--metrics-file`.
    std::fs::write(tmp.path().join("m.json"), r#"{"queue_depth": 3}"#).unwrap();
    let o = export(
        tmp.path(),
        "out",
        &[
            "--metric",
            "lag_seconds=4",
            "--metrics-file",
            "m.json",
            "--objectives",
            "lag_seconds: 60\nqueue_depth: {max: 10}\n",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A metrics file that could not be read may have named it: the objective fails as missing.
    let o = export(
        tmp.path(),
        "out2",
        &[
            "--metrics-file",
            "absent.json",
            "--objectives",
            "queue_depth: 10\n",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = read_json(&tmp.path().join("out2/runtime_metrics.json"));
    assert!(
        blockers(&report).contains(&"slo.dpone_queue_depth.missing".to_string()),
        "{report}"
    );
}

fn custom_export(cwd: &Path, out: &str, metrics: &[&str], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["metrics-export", "--output-dir", out, "--format", "json"];
    for m in metrics {
        args.extend(["--metric", m]);
    }
    args.extend_from_slice(extra);
    run_in(cwd, &args)
}

#[test]
fn a_baseline_with_added_removed_and_changed_series() {
    let tmp = tempfile::tempdir().unwrap();
    let o = custom_export(
        tmp.path(),
        "base",
        &[
            "lag_seconds=100",
            "throughput=1000",
            "errors=0",
            "dropped_metric=3",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(
        tmp.path().join("policy.yml"),
        "regressions:\n  lag_seconds: {direction: lower, ratio: 0.10}\n  throughput: {direction: higher, ratio: 0.05}\n  errors: {direction: lower, absolute: 0}\n  dropped_metric: {direction: lower, ratio: 1, severity: warning}\n",
    )
    .unwrap();
    let baseline = tmp.path().join("base/runtime_metrics.json");
    let baseline = baseline.to_str().unwrap();
    // lag +10 % (at the tolerance: passes), throughput -6 % (fails), errors 0 -> 1 (fails),
    // dropped_metric gone (fails as a warning), new_metric added.
    let o = custom_export(
        tmp.path(),
        "now",
        &[
            "lag_seconds=110",
            "throughput=940",
            "errors=1",
            "new_metric=5",
        ],
        &["--policy", "policy.yml", "--baseline", baseline],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("now"));
    assert_eq!(
        blockers(&report),
        [
            "regression.dpone_throughput",
            "regression.dpone_errors",
            "regression.dpone_dropped_metric"
        ]
    );
    let gates = &report["gates"];
    assert_eq!(gates["baseline"]["status"], "compared");
    assert_eq!(
        gates["baseline"]["added_metrics"],
        serde_json::json!(["dpone_new_metric"])
    );
    assert_eq!(
        gates["baseline"]["removed_metrics"],
        serde_json::json!(["dpone_dropped_metric"])
    );
    let rows: Vec<(String, String, bool)> = gates["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["metric"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("dpone_lag_seconds".into(), "compared".into(), true),
            ("dpone_throughput".into(), "compared".into(), false),
            ("dpone_errors".into(), "compared".into(), false),
            ("dpone_dropped_metric".into(), "disappeared".into(), false),
        ]
    );
    let prom = std::fs::read_to_string(tmp.path().join("now/prometheus_metrics.prom")).unwrap();
    assert!(
        prom.contains(
            "dpone_regression_ratio{direction=\"higher\",metric=\"dpone_throughput\"} 0.06"
        ),
        "{prom}"
    );
    assert!(
        prom.contains(
            "dpone_regression_baseline{direction=\"lower\",metric=\"dpone_lag_seconds\"} 100"
        ),
        "{prom}"
    );
    otlp_accepts(&[tmp.path().join("now/opentelemetry_metrics.json")]);

    // A first run: the baseline is missing, a warning, and the export passes.
    let o = custom_export(
        tmp.path(),
        "first",
        &["lag_seconds=110", "throughput=940", "errors=1"],
        &[
            "--policy",
            "policy.yml",
            "--baseline",
            "no/such/runtime_metrics.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = check_export(&tmp.path().join("first"));
    assert_eq!(blockers(&report), ["baseline.missing"]);
    // Not an export: invalid, a warning too.
    let o = custom_export(
        tmp.path(),
        "invalid",
        &["lag_seconds=1"],
        &[
            "--policy",
            "policy.yml",
            "--baseline",
            "base/metrics_index.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        blockers(&check_export(&tmp.path().join("invalid"))),
        ["baseline.invalid"]
    );
}

#[test]
fn dpone_slo_and_benchmark_reports_as_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let slo = fixture("slo/slo_pass.json");
    let bench = fixture("benchmark/regression/benchmark_baseline.json");
    let o = run_in(
        tmp.path(),
        &[
            "metrics-export",
            "--input",
            slo.to_str().unwrap(),
            "--input",
            bench.to_str().unwrap(),
            "--objectives",
            "- metric: dpone_slo_report_rule_passed\n  min: 1\n- metric: dpone_benchmark_item_passed\n  labels: {metric: duration_seconds}\n  min: 1\n  severity: warning\n- metric: dpone_benchmark_actual\n  labels: {metric: rows_per_mib}\n  min: 0\n",
            "--output-dir",
            "out",
            "--format",
            "json",
        ],
    );
    let report = check_export(&tmp.path().join("out"));
    let codes = blockers(&report);
    // The regression fixture's own blocker stays; the objectives add theirs.
    assert!(
        codes.contains(&"benchmark_baseline.regression".to_string()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"slo.dpone_benchmark_item_passed.below_min".to_string()),
        "{codes:?}"
    );
    // rows_per_mib is -Infinity in the fixture: below any finite min.
    assert!(
        codes.contains(&"slo.dpone_benchmark_actual.below_min".to_string()),
        "{codes:?}"
    );
    assert!(
        !codes.iter().any(|c| c.starts_with("slo.dpone_slo_report")),
        "{codes:?}"
    );
    let objectives = report["gates"]["objectives"].as_array().unwrap();
    // Three SLO rules passed, one benchmark item failed, one actual failed.
    assert_eq!(objectives.len(), 5, "{objectives:?}");
    assert_eq!(o.status.code(), Some(1));
    // The gated series' own `metric` label is kept as `exported_metric`.
    let prom = std::fs::read_to_string(tmp.path().join("out/prometheus_metrics.prom")).unwrap();
    assert!(prom.contains("dpone_slo_passed{direction=\"lower\",exported_metric=\"duration_seconds\",metric=\"dpone_benchmark_item_passed\",rule=\"min\"} 0"), "{prom}");
    otlp_accepts(&[tmp.path().join("out/opentelemetry_metrics.json")]);
}

#[test]
fn explain_knows_per_metric_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(
        tmp.path(),
        &["explain", "slo.dpone_duration_seconds.above_max"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("slo.<metric>.above_max\n"),
        "{}",
        stdout(&o)
    );
    let o = run_in(tmp.path(), &["explain", "regression.dpone_x"]);
    assert!(
        stdout(&o).contains("runbooks.md#regressionmetric"),
        "{}",
        stdout(&o)
    );
}

/// The example step of `.github/workflows/observability-maturity.yml`, run here with the same
/// policy file, objectives and baseline, so the workflow's contract checks hold.
#[test]
fn the_bundled_example_gates_on_objectives_and_a_baseline() {
    let workflow =
        std::fs::read_to_string(repo().join(".github/workflows/observability-maturity.yml"))
            .unwrap();
    let objectives = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("objectives: '"))
        .and_then(|l| l.strip_suffix('\''))
        .expect("the example step has an objectives input");
    for input in [
        "policy-file: examples/dpone-observability.yml",
        "baseline: examples/baseline/runtime_metrics.json",
        "test \"$EXAMPLE_COUNT\" = 33",
    ] {
        assert!(workflow.contains(input), "the workflow has `{input}`");
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("example");
    let o = run_in(
        &repo(),
        &[
            "metrics-export",
            "--run-report",
            "examples/run_report.json",
            "--policy",
            "examples/dpone-observability.yml",
            "--objectives",
            objectives,
            "--baseline",
            "examples/baseline/runtime_metrics.json",
            "--output-dir",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = check_export(&out);
    assert_eq!(report["metric_count"], 33);
    assert_eq!(report["gates"]["baseline"]["status"], "compared");
    assert_eq!(report["gates"]["objectives"].as_array().unwrap().len(), 6);
    assert_eq!(report["gates"]["regressions"].as_array().unwrap().len(), 3);
    let prom = std::fs::read_to_string(out.join("prometheus_metrics.prom")).unwrap();
    let ones = |name: &str| {
        prom.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) && l.ends_with("} 1"))
            .count()
    };
    assert_eq!(ones("dpone_slo_passed"), 6);
    assert_eq!(ones("dpone_regression_passed"), 3);
}
