//! Regression gates over a history of exports, end to end through the CLI: each test's limits
//! on a hand-made history (values computed independently, see `stats.rs` for the Python), the
//! rule at its boundary, `min_samples`, `consecutive`, the default rules, labels that differ,
//! and folders that do not verify.

use crate::common::*;

use std::path::Path;
use std::process::{Command, Output};

/// The worked example of docs/gates.md: ten run durations, in seconds.
const DURATIONS: [f64; 10] = [
    312.4, 298.1, 305.7, 321.9, 290.3, 315.2, 301.8, 309.6, 296.4, 318.0,
];

/// One export at time `epoch` with custom metrics and extra flags.
fn export_at(cwd: &Path, epoch: u64, out: &str, metrics: &[(&str, f64)], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec![
        "metrics-export".into(),
        "--output-dir".into(),
        out.into(),
        "--format".into(),
        "json".into(),
    ];
    for (name, value) in metrics {
        args.push("--metric".into());
        args.push(format!("{name}={value}"));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(bin())
        .args(&args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .output()
        .expect("the binary runs")
}

/// Ten exports of `job_seconds`, written in a folder order unlike their time order.
fn history(cwd: &Path) {
    for (i, v) in DURATIONS.iter().enumerate() {
        // Folder names run backwards: the samples must be ordered by export time.
        let out = format!("hist/{}", 9 - i);
        let o = export_at(
            cwd,
            1_764_000_000 + i as u64 * 3600,
            &out,
            &[("job_seconds", *v)],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}

fn regression(report: &serde_json::Value) -> &serde_json::Value {
    &report["gates"]["regressions"][0]
}

fn close(a: &serde_json::Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 0.005)
}

#[test]
fn each_test_sets_its_limits_from_the_history_and_judges_at_them() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    history(cwd);
    // (test, boundary, centre, upper limit) from the Python in stats.rs's tests.
    let cases = [
        ("percentage", "0.25", 306.94, 383.675),
        ("z_score", "0.977", 306.94, 327.39),
        ("t_test", "0.99", 306.94, 337.27),
        ("iqr", "1.5", 307.65, 330.8625),
        ("log_normal", "0.977", 306.79, 327.98),
    ];
    for (test, boundary, centre, upper) in cases {
        let policy = format!(
            "regressions:\n  job_seconds: {{direction: lower, test: {test}, boundary: {boundary}}}\n"
        );
        std::fs::write(cwd.join("p.yml"), &policy).unwrap();
        for (value, passes) in [(upper - 0.01, true), (upper + 0.01, false)] {
            let o = export_at(
                cwd,
                1_765_000_000,
                "now",
                &[("job_seconds", value)],
                &["--policy", "p.yml", "--baseline", "hist/*"],
            );
            let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let r = regression(&report);
            assert_eq!(r["test"], test);
            assert_eq!(r["samples"], 10, "{r}");
            assert!(close(&r["baseline"], centre), "{test}: centre {r}");
            assert!(close(&r["upper_limit"], upper), "{test}: upper {r}");
            assert!(
                r["lower_limit"].is_null(),
                "direction lower checks the upper side only"
            );
            assert_eq!(r["passed"], passes, "{test} at {value}: {r}");
            assert_eq!(
                o.status.code(),
                Some(if passes { 0 } else { 1 }),
                "{test} {value}"
            );
        }
    }
    // The samples are ordered by export time, not by folder name: the oldest is 312.4.
    let o = export_at(
        cwd,
        1_765_000_000,
        "now",
        &[("job_seconds", 300.0)],
        &["--policy", "p.yml", "--baseline", "hist/*"],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let samples = report["gates"]["baseline"]["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 10);
    assert!(
        samples[0]["source"].as_str().unwrap().ends_with("hist/9"),
        "{samples:?}"
    );
}

#[test]
fn too_few_samples_and_labels_that_differ_are_not_compared_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    for (i, v) in [10.0, 11.0].iter().enumerate() {
        let o = export_at(
            cwd,
            1_764_000_000 + i as u64,
            &format!("h/{i}"),
            &[("lag", *v)],
            &["--label", "env=a"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    std::fs::write(
        cwd.join("p.yml"),
        "regressions:\n  lag: {direction: lower, test: t_test, boundary: 0.99}\n",
    )
    .unwrap();
    let o = export_at(
        cwd,
        1_765_000_000,
        "now",
        &[("lag", 1000.0)],
        &[
            "--label",
            "env=a",
            "--policy",
            "p.yml",
            "--baseline",
            "h/0",
            "--baseline",
            "h/1",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "not compared never fails: {}",
        stderr(&o)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = regression(&report);
    assert_eq!(r["status"], "insufficient", "{r}");
    assert_eq!(r["passed"], true);
    assert!(
        r["reason"].as_str().unwrap().contains("2 samples of the 3"),
        "{r}"
    );
    // Another label value has no history at all.
    let o = export_at(
        cwd,
        1_765_000_000,
        "now",
        &[("lag", 1000.0)],
        &["--label", "env=b", "--policy", "p.yml", "--baseline", "h/*"],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let added: Vec<&serde_json::Value> = report["gates"]["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "added")
        .collect();
    assert_eq!(added.len(), 1, "{report}");
    assert!(added[0]["reason"]
        .as_str()
        .unwrap()
        .contains("these labels"));
}

#[test]
fn consecutive_breaches_warn_until_the_rule_says_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    std::fs::write(
        cwd.join("p.yml"),
        "regressions:\n  lag: {direction: lower, test: percentage, boundary: 0.1, max_samples: 5, consecutive: 3}\n",
    )
    .unwrap();
    for i in 0..5 {
        let o = export_at(
            cwd,
            1_764_000_000 + i,
            &format!("h/{i}"),
            &[("lag", 100.0)],
            &[],
        );
        assert_eq!(o.status.code(), Some(0));
    }
    // Each new export is judged against the 5 before it, then joins the history.
    let mut codes = Vec::new();
    for i in 5..8 {
        let o = export_at(
            cwd,
            1_764_000_000 + i,
            &format!("h/{i}"),
            &[("lag", 200.0)],
            &["--policy", "p.yml", "--baseline", "h/*"],
        );
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let r = regression(&report);
        assert_eq!(r["breached"], true, "{r}");
        codes.push((
            o.status.code(),
            r["consecutive"].clone(),
            r["passed"].clone(),
        ));
        if i < 7 {
            let warning = report["blocker_details"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["code"] == "regression.dpone_lag")
                .expect("a regression blocker");
            assert_eq!(warning["severity"], "warning");
            assert!(
                warning["message"]
                    .as_str()
                    .unwrap()
                    .contains("in a row needed to fail (`consecutive: 3`)"),
                "{warning}"
            );
        }
    }
    assert_eq!(
        codes,
        [
            (Some(0), serde_json::json!(1), serde_json::json!(true)),
            (Some(0), serde_json::json!(2), serde_json::json!(true)),
            (Some(1), serde_json::json!(3), serde_json::json!(false)),
        ]
    );
}

#[test]
fn default_rules_fail_a_failed_run_against_a_passing_history_and_skip_unverified_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let good = fixture("run-report/run_report_success_real.json");
    // The real failed report, with the process a failed run of this pipeline would name
    // (dpone leaves it empty in this one, which matches no series of a passing run).
    let mut failed_report = read_json(&fixture("run-report/run_report_failed_real.json"));
    failed_report["process"] = serde_json::json!("orders_pg_to_pg");
    let failed = cwd.join("failed.json");
    std::fs::write(&failed, failed_report.to_string()).unwrap();
    for i in 0..4 {
        let o = export_at(
            cwd,
            1_764_000_000 + i,
            &format!("h/{i}"),
            &[],
            &["--run-report", good.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(0));
    }
    // One folder changed after its export: skipped with a warning, the others used.
    let tampered = cwd.join("h/3/runtime_metrics.json");
    let text = std::fs::read_to_string(&tampered)
        .unwrap()
        .replacen("55000", "55001", 1);
    std::fs::write(&tampered, text).unwrap();
    let o = export_at(
        cwd,
        1_765_000_000,
        "now",
        &[],
        &[
            "--run-report",
            failed.to_str().unwrap(),
            "--baseline",
            "h/*",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["gates"]["baseline"]["default_rules"], true);
    assert_eq!(
        report["gates"]["baseline"]["samples"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let details = report["blocker_details"].as_array().unwrap();
    let code = |c: &str| details.iter().find(|b| b["code"] == c);
    let invalid = code("baseline.invalid").expect("the tampered folder is named");
    assert!(
        invalid["message"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{invalid}"
    );
    // One error against a history of none fails; the throughput is gone from the failed run.
    assert!(
        code("regression.dpone_error_count").is_some(),
        "{details:?}"
    );
    assert!(
        code("regression.dpone_throughput_rows_per_second").is_some(),
        "{details:?}"
    );
    // Row counts are not compared by default.
    assert!(
        code("regression.dpone_extracted_rows").is_none(),
        "{details:?}"
    );
    let rows: Vec<&serde_json::Value> = report["gates"]["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(rows.iter().all(|r| r["test"] == "t_test"), "{rows:?}");
}
