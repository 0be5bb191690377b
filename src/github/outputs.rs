//! Step outputs in `GITHUB_OUTPUT`, with the multi-line syntax `name<<DELIM` ... `DELIM` and a
//! delimiter that does not occur in the value.

use std::io::{self, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Every output of `action.yml`: name and description.
pub const OUTPUTS: &[(&str, &str)] = &[
    (
        "passed",
        "`true` when no blocker fails the step under the fail policy.",
    ),
    ("inconclusive", "How many regression results are `inconclusive` (too few samples, a change below `min_change`, a series too noisy for `max_cv` or not normal under `normality`); they fail the step only under `fail-on: inconclusive`."),
    ("would-fail", "How many results of shadow rules (`enforce: shadow`) breached: they would fail if enforced, and never fail the step."),
    ("metric-count", "Number of metric points exported."),
    (
        "blockers",
        "The blockers as a JSON array of `{schema_version, code, severity, message, runbook_url, file}`.",
    ),
    ("output-dir", "The run folder, relative to the workspace."),
    (
        "prometheus-path",
        "`prometheus_metrics.prom`, relative to the workspace.",
    ),
    (
        "opentelemetry-path",
        "`opentelemetry_metrics.json`, relative to the workspace.",
    ),
    (
        "index-path",
        "`metrics_index.json`, relative to the workspace.",
    ),
    (
        "summary-path",
        "`step_summary.md` in the run folder, relative to the workspace.",
    ),
    (
        "pushed",
        "The pushes as a JSON array of `{kind, target, series, total, requests, error}`; `[]` without a push target.",
    ),
];

/// One output in the multi-line syntax, safe for any value.
pub fn format_output(name: &str, value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let mut delimiter = format!(
        "dpone_EOF_{}",
        crate::observability::artifacts::hex(&digest[..8])
    );
    let mut n = 0;
    while value.contains(&delimiter) {
        n += 1;
        delimiter = format!(
            "dpone_EOF_{}_{n}",
            crate::observability::artifacts::hex(&digest[..8])
        );
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// Appends outputs to the runner's `GITHUB_OUTPUT` file.
pub fn append_outputs(path: &Path, outputs: &[(&str, String)]) -> io::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&format_output(name, value));
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_never_occurs_in_the_value() {
        let plain = format_output("passed", "true");
        assert!(plain.starts_with("passed<<dpone_EOF_") && plain.contains("\ntrue\n"));
        let delimiter = plain
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("passed<<")
            .to_string();
        let hostile = format!("a\n{delimiter}\nb");
        let out = format_output("x", &hostile);
        let used = out
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("x<<")
            .to_string();
        assert_ne!(used, delimiter);
        assert!(!hostile.contains(&used));
        assert!(out.ends_with(&format!("\n{used}\n")));
    }
}
