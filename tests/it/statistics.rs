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
