//! Helpers shared by the integration tests: the binary, the fixtures, and the independent
//! validators (promtool, the official OpenTelemetry protobuf definitions and Grafana's dashboard
//! model from `@grafana/schema`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const EPOCH: &str = "1764000000";

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dpone-observability"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real dpone 0.88.0 inputs and outputs: `../shared/fixtures` beside the repository when
/// present, else the copy in `tests/fixtures/dpone-0.88.0`.
pub fn fixtures() -> PathBuf {
    let shared = repo().join("../shared/fixtures");
    let dir = if shared.is_dir() {
        shared
    } else {
        repo().join("tests/fixtures/dpone-0.88.0")
    };
    assert!(
        dir.is_dir(),
        "the dpone fixtures must exist at {}",
        dir.display()
    );
    dir
}

pub fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// Runs the binary with a fixed `SOURCE_DATE_EPOCH` in `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        // Hermetic when the suite itself runs in GitHub Actions: the trace joins no workflow.
        .env_remove("GITHUB_ACTIONS")
        .env_remove("TRACEPARENT")
        .output()
        .expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not strict JSON: {e}", path.display()))
}

/// Runs `promtool check metrics` on a file. Parse errors fail; lint findings (exit 3, e.g. the
/// peer's `dpone_error_count` name) are allowed. A missing promtool fails the test.
pub fn promtool_accepts(path: &Path) {
    let file = std::fs::File::open(path).expect("open prometheus file");
    let out = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::from(file))
        .output()
        .unwrap_or_else(|e| panic!("promtool is required (Debian package `prometheus`): {e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    assert!(
        (code == Some(0) || code == Some(3)) && !err.contains("error while linting"),
        "promtool rejected {}: status {code:?}\n{err}\n--- file ---\n{}",
        path.display(),
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

/// Parses OTLP/JSON files with the official protobuf definitions. A missing validator fails.
pub fn otlp_accepts(paths: &[PathBuf]) -> Vec<serde_json::Value> {
    let script = repo().join("tests/validators/otlp_validate.py");
    let out = Command::new("python3")
        .arg(script)
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    assert!(
        out.status.success(),
        "the OpenTelemetry protobuf parser rejected the output (install with `pip install opentelemetry-proto protobuf`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("validator summary"))
        .collect()
}

/// Runs `tests/validators/grafana_dashboard_check.py` on a batch of dashboard JSON files (one tsc
/// run): `Ok(report)` when Grafana's dashboard model (`@grafana/schema`, type-checked by tsc, see
/// the script) accepts every file, `Err(diagnostics)` when it rejects any, naming each file and
/// the JSON path. It panics when the checker cannot run at all: in CI (`CI=true`) `.ci/run` must
/// have installed it; elsewhere the message says how to install it.
pub fn grafana_dashboard_check(paths: &[PathBuf]) -> Result<String, String> {
    assert!(!paths.is_empty(), "no dashboard to check");
    let script = repo().join("tests/validators/grafana_dashboard_check.py");
    let out = Command::new("python3")
        .arg(script)
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    match out.status.code() {
        Some(0) => Ok(stdout),
        Some(1) => Err(stderr),
        code => {
            let ci = std::env::var("CI").as_deref() == Ok("true");
            panic!(
                "the Grafana dashboard checker could not run (status {code:?}){}:\n{stderr}",
                if ci {
                    "; CI must install it (the @grafana/schema step of .ci/run)"
                } else {
                    "; install it as .ci/run does: mkdir -p /opt/grafana-schema-check && cd \
                     /opt/grafana-schema-check && npm install --no-audit --no-fund \
                     @grafana/schema@13.2.3 typescript@6.0.3 (or set GRAFANA_SCHEMA_CHECK)"
                }
            )
        }
    }
}

/// Grafana's dashboard model accepts every file; else panics with tsc's diagnostics.
pub fn grafana_dashboard_accepts(paths: &[PathBuf]) {
    if let Err(diagnostics) = grafana_dashboard_check(paths) {
        panic!("{diagnostics}");
    }
}

/// Prometheus families must be contiguous, each with one HELP and one TYPE (promtool 2.42 does
/// not check this, so we do).
pub fn families_are_contiguous(text: &str) {
    let mut seen = std::collections::HashSet::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let name = if let Some(rest) = line
            .strip_prefix("# HELP ")
            .or_else(|| line.strip_prefix("# TYPE "))
        {
            rest.split(' ').next().unwrap_or_default().to_string()
        } else {
            line.split(['{', ' '])
                .next()
                .unwrap_or_default()
                .to_string()
        };
        if name != current {
            assert!(seen.insert(name.clone()), "family {name} is split:\n{text}");
            current = name;
        }
    }
}

/// Checks one export folder with both validators and our own strictness rules.
pub fn check_export(dir: &Path) -> serde_json::Value {
    let prom = dir.join("prometheus_metrics.prom");
    promtool_accepts(&prom);
    families_are_contiguous(&std::fs::read_to_string(&prom).unwrap());
    let report = read_json(&dir.join("runtime_metrics.json"));
    read_json(&dir.join("metrics_index.json"));
    let verified = Command::new(bin()).arg("verify").arg(dir).output().unwrap();
    assert!(verified.status.success(), "{}", stderr(&verified));
    report
}

/// Checks GitHub API requests (and answers) against GitHub's OpenAPI description: one JSON
/// object per request, `{method, path, body[, response]}`, the path without `/api/v3`.
pub fn github_openapi_accepts(lines: &[String]) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), lines.join("\n")).unwrap();
    let out = Command::new("python3")
        .arg(repo().join("tests/validators/github_request_validate.py"))
        .arg(file.path())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "GitHub's OpenAPI description rejects a request or an answer (install with `npm install @octokit/openapi` into /opt/octokit-openapi and `pip install jsonschema`):\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}

/// No file below `dirs` holds `secret`.
pub fn assert_no_file_holds(dirs: &[&Path], secret: &str) {
    fn walk(dir: &Path, secret: &str) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, secret);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                assert!(!text.contains(secret), "token in {}", path.display());
            }
        }
    }
    for dir in dirs {
        walk(dir, secret);
    }
}

/// The files of an export of dpone's real passing run report with `args`, by name.
pub fn export_files_of(args: &[&str]) -> Vec<(String, Vec<u8>)> {
    export_files_of_report("run-report/run_report_success_real.json", args)
}

/// [`export_files_of`] with another run report fixture (`rel`) as `--run-report`.
pub fn export_files_of_report(rel: &str, args: &[&str]) -> Vec<(String, Vec<u8>)> {
    let tmp = tempfile::tempdir().unwrap();
    let report = fixture(rel);
    let mut all = vec!["metrics-export", "--run-report", report.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output-dir", "export"]);
    let o = run_in(tmp.path(), &all);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(tmp.path().join("export"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// An entry of a zip made by [`zip_of_entries`].
pub enum ZipEntry {
    File(String, Vec<u8>),
    Symlink(&'static str, &'static str),
}

/// A zip (deflated, as `upload-artifact` makes them) of these entries, in order.
pub fn zip_of_entries(entries: impl IntoIterator<Item = ZipEntry>) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for entry in entries {
        match entry {
            ZipEntry::File(name, bytes) => {
                writer.start_file(name, options).unwrap();
                writer.write_all(&bytes).unwrap();
            }
            ZipEntry::Symlink(name, target) => writer.add_symlink(name, target, options).unwrap(),
        }
    }
    writer.finish().unwrap().into_inner()
}
