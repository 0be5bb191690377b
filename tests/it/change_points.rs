//! Change points end to end through the CLI: a `test: change_point` rule over a history of
//! exports that stepped up in its last runs fails (and names the commit), passes when the step is
//! the good direction, is only reported under `enforce: shadow`, is inconclusive below
//! `min_change`; the change points are in runtime_metrics.json and runtime_metrics.md.

use crate::common::*;

use std::path::Path;
use std::process::{Command, Output};

/// Fifteen runs around 100 s, then five around 120 s (the fifth is the export under test).
const BEFORE: [f64; 15] = [
    100.4, 99.7, 100.8, 99.4, 100.1, 100.6, 99.2, 100.3, 99.9, 100.7, 99.5, 100.2, 99.8, 100.5,
    99.6,
];
const AFTER: [f64; 5] = [120.3, 119.6, 120.8, 119.9, 120.2];

/// One export of `job_seconds` at `epoch`, as commit `sha` of a GitHub Actions run.
fn export(cwd: &Path, i: u64, out: &str, value: f64, extra: &[&str]) -> Output {
    let mut args: Vec<String> = ["metrics-export", "--output-dir", out, "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push("--metric".into());
    args.push(format!("job_seconds={value}"));
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(bin())
        .args(&args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i * 3600).to_string())
        .env("GITHUB_ACTIONS", "true")
        .env(
            "GITHUB_SHA",
            format!("{i:02}c0ffee{i:02}0000000000000000000000000000"),
        )
        .env("GITHUB_RUN_ID", (5000 + i).to_string())
        .output()
        .expect("the binary runs")
}

/// The nineteen earlier exports, `hist/0` … `hist/18`.
fn history(cwd: &Path) {
    let values = BEFORE.iter().chain(&AFTER[..4]);
    for (i, v) in values.enumerate() {
        let o = export(cwd, i as u64, &format!("hist/{i}"), *v, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}

/// The export under test with `rule` as the policy's `job_seconds` rule.
fn judged(cwd: &Path, rule: &str) -> (Output, serde_json::Value) {
    let policy = format!("regressions:\n  job_seconds: {rule}\nchange_points: {{last_runs: 6}}\n");
    std::fs::write(cwd.join("p.yml"), policy).unwrap();
    let o = export(
        cwd,
        19,
        "now",
        AFTER[4],
        &["--policy", "p.yml", "--baseline", "hist/*"],
    );
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o, report)
}

#[test]
fn a_recent_step_the_bad_way_fails_and_the_good_way_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    history(cwd);

    let (o, report) = judged(cwd, "{direction: lower, test: change_point}");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["test"], "change_point");
    assert_eq!(row["verdict"], "failed");
    assert_eq!(row["samples"], 19);
    let points = row["change_points"].as_array().expect("change points");
    assert_eq!(points.len(), 1, "{points:?}");
    let point = &points[0];
    assert_eq!(point["index"], 15);
    assert_eq!(
        point["at"], "15c0ffe",
        "the commit of the first run at the new level"
    );
    assert_eq!(point["recent"], true);
    assert_eq!(point["p_value"], 0.001);
    let before = BEFORE.iter().sum::<f64>() / 15.0;
    let after = AFTER.iter().sum::<f64>() / 5.0;
    assert!((point["mean_before"].as_f64().unwrap() - before).abs() < 1e-9);
    assert!((point["mean_after"].as_f64().unwrap() - after).abs() < 1e-9);
    assert!((row["ratio"].as_f64().unwrap() - (after - before) / before).abs() < 1e-9);
    let err = stderr(&o);
    assert!(
        err.contains("step change at `15c0ffe`: +20.1%, p = 0.001"),
        "{err}"
    );
    let md = std::fs::read_to_string(cwd.join("now/runtime_metrics.md")).unwrap();
    assert!(
        md.contains("- `job_seconds`: step change at `15c0ffe`: +20.1%, p = 0.001"),
        "{md}"
    );

    let (o, report) = judged(cwd, "{direction: higher, test: change_point}");
    assert_eq!(
        o.status.code(),
        Some(0),
        "a rise is the good way: {}",
        stderr(&o)
    );
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["verdict"], "passed");
    assert_eq!(row["change_points"][0]["index"], 15);
}

#[test]
fn shadow_min_change_and_a_step_older_than_last_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    history(cwd);

    let (o, report) = judged(
        cwd,
        "{direction: lower, test: change_point, enforce: shadow}",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["verdict"], "would_fail");

    let (o, report) = judged(
        cwd,
        "{direction: lower, test: change_point, min_change: 25%}",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["verdict"], "inconclusive", "{row}");

    // The same series judged with only the last 4 runs recent: the step (5 runs ago) is not.
    std::fs::write(
        cwd.join("p.yml"),
        "regressions:\n  job_seconds: {direction: lower, test: change_point}\n\
         change_points: {min_segment: 4, last_runs: 4}\n",
    )
    .unwrap();
    let o = export(
        cwd,
        19,
        "now",
        AFTER[4],
        &["--policy", "p.yml", "--baseline", "hist/*"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["verdict"], "passed");
    assert_eq!(row["change_points"][0]["recent"], false);
}

#[test]
fn too_short_a_history_is_inconclusive_and_other_rules_list_change_points_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    for (i, v) in BEFORE[..5].iter().enumerate() {
        let o = export(cwd, i as u64, &format!("short/{i}"), *v, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    std::fs::write(
        cwd.join("p.yml"),
        "regressions:\n  job_seconds: {direction: lower, test: change_point}\n",
    )
    .unwrap();
    let o = export(
        cwd,
        9,
        "now",
        100.0,
        &["--policy", "p.yml", "--baseline", "short/*"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["verdict"], "inconclusive");
    assert!(
        row["reason"]
            .as_str()
            .unwrap()
            .contains("5 samples of the 9"),
        "{row}"
    );

    history(cwd);
    let ratio = "regressions:\n  job_seconds: {direction: lower, ratio: 0.5}\n";
    for (policy, listed) in [
        (ratio.to_string(), false),
        (format!("{ratio}change_points:\n"), true),
    ] {
        std::fs::write(cwd.join("p.yml"), policy).unwrap();
        let o = export(
            cwd,
            19,
            "now",
            AFTER[4],
            &["--policy", "p.yml", "--baseline", "hist/*"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let row = &report["gates"]["regressions"][0];
        assert_eq!(row.get("change_points").is_some(), listed, "{row}");
    }
}

#[test]
fn configuration_errors_name_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    for (policy, wanted) in [
        (
            "regressions:\n  job_seconds: {direction: lower, test: change_point, boundary: 0.9}\n",
            "does not take",
        ),
        (
            "regressions:\n  job_seconds: {direction: lower, test: change_point, consecutive: 2}\n",
            "`consecutive`",
        ),
        (
            "change_points: {p_value: 0.0001}\n",
            "raise `permutations` to at least 9999",
        ),
        ("change_points: {min_segment: 1}\n", "at least 2"),
    ] {
        std::fs::write(cwd.join("p.yml"), policy).unwrap();
        let o = export(cwd, 1, "now", 1.0, &["--policy", "p.yml"]);
        assert_eq!(o.status.code(), Some(2), "{policy}: {}", stderr(&o));
        assert!(stderr(&o).contains(wanted), "{policy}: {}", stderr(&o));
    }
}
