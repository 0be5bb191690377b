//! The command line through the real binary, with stdout and stderr held in snapshot files
//! (`tests/it/snapshots/`; regenerate with `SNAPSHOTS=overwrite cargo test --test it cli::`).

use crate::common;

use common::{fixture, EPOCH};
use snapbox::cmd::Command;
use snapbox::file;

fn cmd(dir: &std::path::Path) -> Command {
    Command::new(common::bin())
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("RUST_BACKTRACE")
}

/// The success report copied next to the command, so paths in the output are stable.
fn workdir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        tmp.path().join("run_report.json"),
    )
    .unwrap();
    tmp
}

#[test]
fn version_matches_cargo_toml() {
    let tmp = workdir();
    cmd(tmp.path())
        .arg("--version")
        .assert()
        .success()
        .stdout_eq(format!(
            "dpone-observability {}\n",
            env!("CARGO_PKG_VERSION")
        ));
}

#[test]
fn help_lists_every_flag() {
    let tmp = workdir();
    cmd(tmp.path())
        .args(["metrics-export", "--help"])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/metrics_export_help.txt"]);
}

#[test]
fn export_prints_markdown_by_default() {
    let tmp = workdir();
    cmd(tmp.path())
        .args([
            "metrics-export",
            "--run-report",
            "run_report.json",
            "--output-dir",
            "out",
            "--label",
            "env=ci",
        ])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/export_success.md"])
        // No blocker: the summary line only.
        .stderr_eq("exported 12 metrics → out; 0 errors, 0 warnings\n");
}

#[test]
fn export_prints_json_on_request() {
    let tmp = workdir();
    cmd(tmp.path())
        .args([
            "metrics-export",
            "--run-report",
            "run_report.json",
            "--output-dir",
            "out",
            "--format",
            "json",
            "--label",
            "env=ci",
            "--label",
            "ci_run_id=42",
            "--resource-attr",
            "deployment.environment=ci",
        ])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/export_success.json"])
        .stderr_eq(file!["snapshots/export_success_warning.stderr"]);
}

#[test]
fn same_input_same_bytes_with_source_date_epoch() {
    let (a, b) = (workdir(), workdir());
    for dir in [&a, &b] {
        cmd(dir.path())
            .args([
                "metrics-export",
                "--run-report",
                "run_report.json",
                "--metric",
                "lag=1",
                "--output-dir",
                "out",
            ])
            .assert()
            .success();
    }
    for name in [
        "prometheus_metrics.prom",
        "opentelemetry_metrics.json",
        "runtime_metrics.json",
        "runtime_metrics.md",
        "metrics_index.json",
    ] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join("out").join(name)).unwrap();
        assert_eq!(read(&a), read(&b), "{name} differs between two runs");
    }
}

#[test]
fn empty_export_fails_with_the_blocker() {
    let tmp = workdir();
    cmd(tmp.path())
        .args(["metrics-export", "--output-dir", "out"])
        .assert()
        .code(1)
        .stdout_eq(file!["snapshots/export_empty.md"])
        .stderr_eq(file!["snapshots/export_empty.stderr"]);
}

#[test]
fn malformed_flag_values_are_usage_errors() {
    let tmp = workdir();
    let cases: [(&[&str], &str); 7] = [
        (&["--metric", "lag=abc"], "metric `lag` must be numeric"),
        (&["--metric", "lag"], "expected name=value, got `lag`"),
        (&["--label", "novalue"], "expected key=value, got `novalue`"),
        (&["--label", "=v"], "expected a non-empty key"),
        (&["--resource-attr", "x"], "expected key=value, got `x`"),
        (&["--label", "__name__=x"], "reserved by Prometheus"),
        (
            &["--label", "a.b=1", "--label", "a_b=2"],
            "labels `a.b` and `a_b` both become the Prometheus label `a_b`",
        ),
    ];
    for (args, message) in cases {
        let output = cmd(tmp.path())
            .arg("metrics-export")
            .args(args)
            .args(["--output-dir", "never"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        let value = args[args.len() - 1];
        let key = value.split('=').next().unwrap_or(value);
        assert!(
            stderr.contains(value) || (!key.is_empty() && stderr.contains(key)),
            "names the value: {stderr}"
        );
        assert!(
            !tmp.path().join("never").exists(),
            "a usage error writes nothing"
        );
    }
    cmd(tmp.path())
        .args(["metrics-export", "--metric", "x=abc"])
        .assert()
        .code(2)
        .stderr_eq(file!["snapshots/bad_metric.stderr"]);
}

#[test]
fn bad_source_date_epoch_is_a_usage_error() {
    let tmp = workdir();
    cmd(tmp.path())
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["metrics-export", "--metric", "x=1", "--output-dir", "never"])
        .assert()
        .code(2)
        .stderr_eq("error: SOURCE_DATE_EPOCH must be whole seconds since 1970, got `yesterday`\n");
    // Whole seconds, but past what 64 bits of nanoseconds hold: said as such.
    cmd(tmp.path())
        .env("SOURCE_DATE_EPOCH", "253402300799")
        .args(["metrics-export", "--metric", "x=1", "--output-dir", "never"])
        .assert()
        .code(2)
        .stderr_eq("error: SOURCE_DATE_EPOCH `253402300799` is too late: times are nanoseconds since 1970 in 64 bits, so the latest is 18446744073 (2554-07-21)\n");
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn explain_prints_the_runbook() {
    let tmp = workdir();
    cmd(tmp.path())
        .args(["explain", "metrics.empty"])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/explain_metrics_empty.txt"]);
    cmd(tmp.path())
        .args(["explain", "no.such"])
        .assert()
        .code(2)
        .stderr_eq(
            "error: unknown blocker code `no.such`\nknown codes, by family (with summaries: \
             `dpone-observability explain --list`):\n  run_report.[..]\n...\n",
        );
    cmd(tmp.path())
        .args(["explain", "--list"])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/explain_list.txt"]);
}

/// The longest single argument Linux passes (128 KiB): the suggestion compares a bounded
/// length (a per-metric family copies the metric, so the comparison was quadratic in it) and
/// the message shows a clipped code, whatever the argument's size.
#[test]
fn explain_answers_the_longest_argument_with_a_short_message() {
    let tmp = workdir();
    let metric = "x".repeat(128 * 1024 - 32);
    let o = cmd(tmp.path())
        .args(["explain", &format!("slo.{metric}.missng")])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("error: unknown blocker code `slo.xxx") && stderr.len() < 4096,
        "{} bytes: {}",
        stderr.len(),
        one_line_head(&stderr)
    );
    assert!(
        !stderr.contains("did you mean"),
        "{}",
        one_line_head(&stderr)
    );
}

fn one_line_head(text: &str) -> String {
    text.chars().take(300).collect()
}

#[test]
fn unwritable_output_dir_fails_with_path_and_os_error() {
    let tmp = workdir();
    std::fs::write(tmp.path().join("file"), "x").unwrap();
    cmd(tmp.path())
        .args([
            "metrics-export",
            "--metric",
            "x=1",
            "--output-dir",
            "file/sub",
        ])
        .assert()
        .code(1)
        .stdout_eq("")
        .stderr_eq(
            "error: cannot create the output directory `file/sub`: Not a directory (os error 20)\n",
        );
}
