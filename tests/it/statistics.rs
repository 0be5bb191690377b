//! The statistics against an independent computation: Shapiro-Wilk's W and p-value against
//! `scipy.stats.shapiro` (tests/validators/shapiro_reference.py, seeded samples of several
//! distributions, n from 3 to 5000).

use std::process::Command;

use dpone_observability::observability::gates::normality::shapiro_wilk;
use serde_json::Value;

use crate::common::repo;

/// Runs a Python reference script and parses the JSON it prints; numpy and scipy are required
/// (`.ci/run` installs them).
pub fn python_reference(script: &str, args: &[&str]) -> Value {
    let out = Command::new("python3")
        .arg(repo().join("tests/validators").join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    assert!(
        out.status.success(),
        "{script} failed (it needs numpy and scipy: `pip install numpy scipy`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{script} printed no JSON: {e}"))
}

#[test]
fn shapiro_wilk_matches_scipy_from_3_to_5000_samples() {
    let reference = python_reference("shapiro_reference.py", &[]);
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let mut worst = (0.0_f64, 0.0_f64);
    for case in cases {
        let samples: Vec<f64> = case["samples"]
            .as_array()
            .expect("samples")
            .iter()
            .map(|v| v.as_f64().expect("a number"))
            .collect();
        let (w, p) = (
            case["w"].as_f64().expect("w"),
            case["p"].as_f64().expect("p"),
        );
        let got = shapiro_wilk(&samples)
            .unwrap_or_else(|e| panic!("{} n = {}: {e}", case["kind"], samples.len()));
        let (dw, dp) = ((got.w - w).abs(), (got.p - p).abs());
        assert!(
            dw < 1e-5 && dp < 1e-4,
            "{} n = {}: W {} vs scipy {w}, p {} vs scipy {p}",
            case["kind"],
            samples.len(),
            got.w,
            got.p
        );
        worst = (worst.0.max(dw), worst.1.max(dp));
    }
    eprintln!(
        "Shapiro-Wilk vs scipy {}: {} cases, largest |ΔW| {:.1e}, |Δp| {:.1e}",
        reference["scipy"],
        cases.len(),
        worst.0,
        worst.1
    );
}

/// `calibrate` on a seeded synthetic history of 60 runs (tests/validators/calibration_reference.py
/// writes it) against numpy and scipy replaying the same rules: every statistical test, runs
/// judged and not, false alarms, each run's standing in the test's unit, and the suggested
/// boundary for a target of 0.05, which replayed by scipy fails at most 5 % of the runs.
#[test]
fn calibrate_matches_an_independent_replay_in_scipy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = repo().join("tests/cmd/calibrate-table.in/run01.json");
    let dir_text = dir.path().to_string_lossy().to_string();
    let template_text = template.to_string_lossy().to_string();
    python_reference("calibration_reference.py", &[&template_text, &dir_text]);
    let out = crate::common::run_in(
        dir.path(),
        &[
            "calibrate",
            "--history",
            "run*.json",
            "--policy",
            "policy.yml",
            "--target",
            "0.05",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let json_path = dir.path().join("calibration.json");
    std::fs::write(&json_path, &out.stdout).expect("write");
    let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let reference = python_reference(
        "calibration_reference.py",
        &[&template_text, &dir_text, &json_path.to_string_lossy()],
    );
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 6, "{rows:?}");
    for row in rows {
        let name = row["rule"].as_str().expect("rule");
        let want = &reference["rules"][name.trim_start_matches("dpone_")];
        for field in ["judged", "not_judged", "would_fail"] {
            assert_eq!(row[field], want[field], "{name}: {field}");
        }
        let got: Vec<f64> = row["standings"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_f64().expect("finite")).collect())
            .unwrap_or_default();
        let expected: Vec<f64> = want["standings"]
            .as_array()
            .expect("standings")
            .iter()
            .map(|v| v.as_f64().expect("finite"))
            .collect();
        assert_eq!(got.len(), expected.len(), "{name}");
        for (g, e) in got.iter().zip(&expected) {
            assert!(
                (g - e).abs() <= 1e-9 * e.abs().max(1.0),
                "{name}: {g} vs {e}"
            );
        }
        match (row["suggested"].as_f64(), want["suggested"].as_f64()) {
            (Some(g), Some(e)) => {
                assert!((g - e).abs() <= 1e-9, "{name}: suggested {g} vs {e}");
                let judged = want["judged"].as_u64().expect("judged") as f64;
                let allowed = (0.05 * judged).floor() as u64;
                let fails = want["fails_with_suggested"].as_u64().expect("replayed");
                assert!(fails <= allowed, "{name}: {fails} > {allowed}");
                assert_eq!(row["suggested_would_fail"].as_u64(), Some(fails), "{name}");
            }
            (None, None) => {
                let note = row["note"].as_str().unwrap_or_default();
                assert_eq!(note, "not enough runs: 2 < min_samples 5", "{name}");
            }
            other => panic!("{name}: suggested {other:?}"),
        }
    }
}
