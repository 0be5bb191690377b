//! The JSON Schemas of `docs/schema/` against what the tool writes: every fixture-driven export,
//! the JSON snapshots, the action's `blockers` output and the shipped example, validated by
//! Python's `jsonschema` (draft 2020-12, one process per batch; see
//! `tests/validators/schema_validate.py`). The schemas are checked against the code's closed
//! sets (blocker codes, input kinds, artifact names), and the readers are checked to accept
//! documents without `schema_version` (older exports, the Python peer's).

use crate::action::Runner;
use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use dpone_observability::github::action::STEP_SUMMARY;
use dpone_observability::observability::artifacts::{
    ArtifactSpec, HISTORY as HISTORY_SPEC, HISTORY_PAGE, JSON_REPORT, MARKDOWN_REPORT,
    OPENLINEAGE_EVENTS, OPENTELEMETRY, OPENTELEMETRY_TRACES, PROMETHEUS, SCHEMA_VERSION,
};
use dpone_observability::observability::blockers::{Code, METRIC_PLACEHOLDER};
use dpone_observability::observability::report::InputKind;
use dpone_observability::observability::sources::detect::Kind;
use serde_json::{json, Value};

const RUNTIME: &str = "runtime_metrics";
const INDEX: &str = "metrics_index";
const STDOUT: &str = "metrics_export_stdout";
const BLOCKERS: &str = "action_blockers";
const HISTORY: &str = "history";
const ALL_SCHEMAS: [&str; 5] = [RUNTIME, INDEX, STDOUT, BLOCKERS, HISTORY];

fn schema_dir() -> PathBuf {
    repo().join("docs/schema")
}

fn schema(name: &str) -> Value {
    read_json(&schema_dir().join(format!("{name}.schema.json")))
}

/// One document to validate: from a file, or inline.
struct Job {
    schema: &'static str,
    label: String,
    document: Source,
}

enum Source {
    Path(PathBuf),
    Inline(Value),
}

/// What the validator said about one job.
#[derive(Debug)]
struct Verdict {
    label: String,
    /// Against the published schema.
    errors: Vec<String>,
    /// Fields the schema does not declare (only the closed copy rejects them).
    undeclared: Vec<String>,
}

impl Job {
    fn file(schema: &'static str, path: &Path) -> Self {
        Job {
            schema,
            label: path.display().to_string(),
            document: Source::Path(path.to_path_buf()),
        }
    }

    fn inline(schema: &'static str, label: &str, document: Value) -> Self {
        Job {
            schema,
            label: label.to_string(),
            document: Source::Inline(document),
        }
    }
}

/// Validates every job in one Python process (which also checks each schema with
/// `Draft202012Validator.check_schema`). A missing `jsonschema` fails the test.
fn validate(jobs: &[Job]) -> Vec<Verdict> {
    let input: Vec<Value> = jobs
        .iter()
        .map(|j| match &j.document {
            Source::Path(p) => json!({"schema": j.schema, "label": j.label, "path": p}),
            Source::Inline(v) => json!({"schema": j.schema, "label": j.label, "document": v}),
        })
        .collect();
    let mut child = Command::new("python3")
        .arg(repo().join("tests/validators/schema_validate.py"))
        .arg(schema_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(&serde_json::to_vec(&input).unwrap())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the schema validator failed (install with `pip install 'jsonschema>=4.17'`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Verdict> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a verdict line");
            let list = |key: &str| -> Vec<String> {
                v[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_str().unwrap().to_string())
                    .collect()
            };
            Verdict {
                label: v["label"].as_str().unwrap().to_string(),
                errors: list("errors"),
                undeclared: list("undeclared"),
            }
        })
        .collect();
    assert_eq!(verdicts.len(), jobs.len(), "one verdict per document");
    verdicts
}

/// Every document is valid and declares every field it has.
fn assert_all_valid(jobs: &[Job]) {
    let bad: Vec<String> = validate(jobs)
        .into_iter()
        .filter(|v| !v.errors.is_empty() || !v.undeclared.is_empty())
        .map(|v| format!("{}: {:?} {:?}", v.label, v.errors, v.undeclared))
        .collect();
    assert!(
        bad.is_empty(),
        "documents the schemas reject:\n{}",
        bad.join("\n")
    );
}

/// The three documents of one export: `runtime_metrics.json`, `metrics_index.json` and the
/// `--format json` stdout (kept in a file beside the folder), each with `schema_version` first.
fn export_jobs(dir: &Path, o: &Output, jobs: &mut Vec<Job>) {
    let stdout_file = dir.with_extension("stdout.json");
    std::fs::write(&stdout_file, &o.stdout).unwrap();
    for (schema, path) in [
        (RUNTIME, dir.join(JSON_REPORT.file_name)),
        (INDEX, dir.join("metrics_index.json")),
        (STDOUT, stdout_file),
    ] {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), stderr(o)));
        assert!(
            text.starts_with(&format!("{{\n  \"schema_version\": {SCHEMA_VERSION},\n")),
            "{} does not start with schema_version:\n{}",
            path.display(),
            &text[..text.len().min(200)]
        );
        jobs.push(Job::file(schema, &path));
    }
    // `history.json` is compact JSON, `schema_version` first too.
    let history = dir.join("history.json");
    let text = std::fs::read_to_string(&history)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", history.display(), stderr(o)));
    assert!(
        text.starts_with(&format!("{{\"schema_version\":{SCHEMA_VERSION},")),
        "{}",
        &text[..text.len().min(200)]
    );
    jobs.push(Job::file(HISTORY, &history));
}

/// Runs `metrics-export ... --format json` into `tmp/name` and queues its documents.
fn export(tmp: &Path, name: &str, args: &[&str], jobs: &mut Vec<Job>) -> PathBuf {
    let dir = tmp.join(name);
    let mut full = vec![
        "metrics-export",
        "--output-dir",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ];
    full.extend_from_slice(args);
    let o = run_in(&repo(), &full);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{name}: {}",
        stderr(&o)
    );
    export_jobs(&dir, &o, jobs);
    dir
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn every_export_of_the_fixtures_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mut jobs = Vec::new();

    // Each run-report fixture (the failing and refused ones included).
    let reports = files_in(&fixture("run-report"), "json");
    assert!(reports.len() >= 4, "{reports:?}");
    for (i, report) in reports.iter().enumerate() {
        export(
            t,
            &format!("run_report_{i}"),
            &[
                "--run-report",
                report.to_str().unwrap(),
                "--label",
                "env=ci",
            ],
            &mut jobs,
        );
    }
    // Every fixture as `--input` (every kind, unknown kinds, duplicates), with an objective.
    let all = format!("{}/**/*.json", fixtures().display());
    export(
        t,
        "all_inputs",
        &[
            "--input",
            &all,
            "--objectives",
            r#"{"duration_seconds": {"max": 1}, "certification_suite_passed": {"min": 1}}"#,
        ],
        &mut jobs,
    );
    // The bundled example gated by its policy against its baseline, and a failed run against
    // the peer's export (no `schema_version`: read all the same), for every comparison status.
    export(
        t,
        "example_gated",
        &[
            "--run-report",
            "examples/run_report.json",
            "--policy",
            "examples/dpone-observability.yml",
            "--baseline",
            "examples/baseline/runtime_metrics.json",
        ],
        &mut jobs,
    );
    let peer_baseline = fixture("metrics-export/success/runtime_metrics.json");
    let failed = fixture("run-report/run_report_failed_real.json");
    let gated = export(
        t,
        "failed_vs_peer",
        &[
            "--run-report",
            failed.to_str().unwrap(),
            "--policy",
            "examples/dpone-observability.yml",
            "--baseline",
            peer_baseline.to_str().unwrap(),
        ],
        &mut jobs,
    );
    let report = read_json(&gated.join(JSON_REPORT.file_name));
    assert_eq!(report["gates"]["baseline"]["status"], "compared");
    assert!(!report["gates"]["regressions"]
        .as_array()
        .unwrap()
        .is_empty());
    // Custom metrics with non-finite values, odd labels, an Airflow bundle; an empty export.
    let bundle = fixture("airflow-evidence/airflow_evidence_bundle_complete.json");
    let success = fixture("run-report/run_report_success_real.json");
    export(
        t,
        "custom_airflow",
        &[
            "--run-report",
            success.to_str().unwrap(),
            "--airflow-evidence-bundle",
            bundle.to_str().unwrap(),
            "--metric",
            "Lag Seconds=NaN",
            "--metric",
            "up=Infinity",
            "--metric",
            "down=-Infinity",
            "--label",
            "9bad=ok",
            "--label",
            "quote=a\"b",
            "--resource-attr",
            "deployment.environment=ci",
        ],
        &mut jobs,
    );
    export(t, "empty", &[], &mut jobs);
    // A shadow rule replayed over twelve runs of history (`replayed`).
    let policy = t.join("shadow.yml");
    std::fs::write(
        &policy,
        "regressions:\n  throughput_rows_per_second: {direction: higher, ratio: 0.10, enforce: shadow}\n",
    )
    .unwrap();
    let runs = format!(
        "{}/tests/cmd/calibrate-table.in/run*.json",
        repo().display()
    );
    let shadow = export(
        t,
        "shadow_replayed",
        &[
            "--metric",
            "throughput_rows_per_second=80",
            "--policy",
            policy.to_str().unwrap(),
            "--baseline",
            &runs,
        ],
        &mut jobs,
    );
    let report = read_json(&shadow.join(JSON_REPORT.file_name));
    assert_eq!(
        report["gates"]["regressions"][0]["replayed"],
        serde_json::json!({"runs": 11, "would_fail": 1}),
        "{:#}",
        report["gates"]["regressions"]
    );
    change_point_export(t, &mut jobs);
    assert_all_valid(&jobs);
}

/// A history of twelve exports that steps from 10 to 20, judged by a `test: change_point` rule:
/// the report lists the change point (and `tolerance` is empty).
fn change_point_export(t: &Path, jobs: &mut Vec<Job>) {
    let mut samples = Vec::new();
    for i in 0..12 {
        let value = if i < 7 {
            10.0 + (i % 3) as f64 * 0.1
        } else {
            20.0 + (i % 2) as f64 * 0.1
        };
        let dir = t.join(format!("cp_history/{i:02}"));
        let o = Command::new(bin())
            .args([
                "metrics-export",
                "--output-dir",
                dir.to_str().unwrap(),
                "--metric",
            ])
            .arg(format!("lag_seconds={value}"))
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i * 3600).to_string())
            .output()
            .expect("the binary runs");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        samples.push(dir);
    }
    let policy = t.join("cp_policy.yml");
    std::fs::write(
        &policy,
        "regressions:\n  lag_seconds: {direction: lower, test: change_point}\nchange_points:\n",
    )
    .unwrap();
    let pattern = t.join("cp_history/*");
    let gated = export(
        t,
        "change_point",
        &[
            "--metric",
            "lag_seconds=20.05",
            "--policy",
            policy.to_str().unwrap(),
            "--baseline",
            pattern.to_str().unwrap(),
        ],
        jobs,
    );
    let report = read_json(&gated.join(JSON_REPORT.file_name));
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["test"], "change_point", "{row}");
    assert_eq!(row["change_points"][0]["index"], 7, "{row}");
}

#[test]
fn snapshots_and_the_shipped_example_are_valid() {
    let mut jobs = vec![
        Job::file(
            STDOUT,
            &repo().join("tests/it/snapshots/export_success.json"),
        ),
        Job::file(
            RUNTIME,
            &repo().join("examples/baseline/runtime_metrics.json"),
        ),
    ];
    // Every trycmd case of `metrics-export --format json` prints the stdout document.
    for toml in files_in(&repo().join("tests/cmd"), "toml") {
        let case = std::fs::read_to_string(&toml).unwrap();
        if case.contains("\"metrics-export\"") && case.contains("\"--format\", \"json\"") {
            jobs.push(Job::file(STDOUT, &toml.with_extension("stdout")));
        }
    }
    assert!(jobs.len() >= 30, "only {} documents found", jobs.len());
    assert_all_valid(&jobs);
}

#[test]
fn the_action_blockers_output_and_run_folder_are_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let cases: [&[(&str, &str)]; 3] = [
        &[("run-report", "run_report.json")],
        // A blocker about a file (`file` set) and one about the export (`file` null).
        &[("run-report", "missing/run_report.json")],
        // Gates on a failed run: per-metric codes, a warning.
        &[
            ("run-report", "failed_run.json"),
            ("objectives", "extracted_rows: {min: 1}\n"),
            ("metrics", "lag_seconds=NaN"),
        ],
    ];
    let mut seen_file = false;
    for (i, inputs) in cases.iter().enumerate() {
        let r = Runner::new();
        let (code, out, err) = r.run(inputs);
        assert!(matches!(code, 0 | 1), "{out}\n{err}");
        let blockers = r.outputs()["blockers"].clone();
        let parsed: Value = serde_json::from_str(&blockers).expect("`blockers` is JSON");
        for b in parsed.as_array().unwrap() {
            assert_eq!(b["schema_version"], SCHEMA_VERSION, "{b}");
            seen_file |= b["file"].is_string();
        }
        jobs.push(Job::inline(
            BLOCKERS,
            &format!("case {i}: {blockers}"),
            parsed,
        ));
        // The run folder, `step_summary.md` in its index.
        let run = tmp.path().join(format!("run_{i}"));
        copy_dir(
            &r.workspace.join("test_artifacts/observability/4242-1"),
            &run,
        );
        jobs.push(Job::file(RUNTIME, &run.join(JSON_REPORT.file_name)));
        jobs.push(Job::file(INDEX, &run.join("metrics_index.json")));
        let index = read_json(&run.join("metrics_index.json"));
        assert!(index["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == STEP_SUMMARY.file_name));
    }
    assert!(seen_file, "a blocker with a file was validated");
    assert_all_valid(&jobs);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The validator is live: wrong types, unknown values, a missing field and a wrong version
/// are rejected; an unknown field is admitted by the published schema (forward compatibility)
/// but reported as undeclared by the closed copy.
#[test]
fn the_schemas_reject_what_the_tool_never_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ignored = Vec::new();
    let dir = export(
        tmp.path(),
        "x",
        &["--run-report", "examples/run_report.json"],
        &mut ignored,
    );
    let report = read_json(&dir.join(JSON_REPORT.file_name));
    let index = read_json(&dir.join("metrics_index.json"));
    let edit = |doc: &Value, f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        d
    };
    let blocker = json!([{
        "schema_version": 1, "code": "metrics.empty", "severity": "error",
        "message": "m", "runbook_url": "u", "file": null
    }]);
    let rejected = [
        Job::inline(
            RUNTIME,
            "metric_count as a string",
            edit(&report, &|d| d["metric_count"] = json!("12")),
        ),
        Job::inline(
            RUNTIME,
            "value null",
            edit(&report, &|d| d["metrics"][0]["value"] = Value::Null),
        ),
        Job::inline(
            RUNTIME,
            "value as a numeric string",
            edit(&report, &|d| d["metrics"][0]["value"] = json!("1.0")),
        ),
        Job::inline(
            RUNTIME,
            "empty baseline status",
            edit(&report, &|d| d["gates"]["baseline"]["status"] = json!("")),
        ),
        Job::inline(
            RUNTIME,
            "schema_version 2",
            edit(&report, &|d| d["schema_version"] = json!(2)),
        ),
        Job::inline(
            RUNTIME,
            "schema_version \"1\"",
            edit(&report, &|d| d["schema_version"] = json!("1")),
        ),
        Job::inline(
            RUNTIME,
            "no passed",
            edit(&report, &|d| {
                d.as_object_mut().unwrap().remove("passed");
            }),
        ),
        Job::inline(
            RUNTIME,
            "unknown blocker code",
            edit(&report, &|d| d["blockers"] = json!(["metrics.nope"])),
        ),
        Job::inline(
            RUNTIME,
            "unknown input kind",
            edit(&report, &|d| d["inputs"][0]["kind"] = json!("nope")),
        ),
        Job::inline(
            RUNTIME,
            "a name without the prefix",
            edit(&report, &|d| d["metrics"][0]["name"] = json!("rows")),
        ),
        Job::inline(
            RUNTIME,
            "a time in another zone",
            edit(&report, &|d| {
                d["observed_at"] = json!("2026-11-24T20:45:12.173461+01:00")
            }),
        ),
        Job::inline(
            INDEX,
            "a short sha256",
            edit(&index, &|d| d["artifacts"][0]["sha256"] = json!("abc")),
        ),
        Job::inline(
            INDEX,
            "a name with another type",
            edit(&index, &|d| {
                d["artifacts"][0]["artifact_type"] = json!("prometheus")
            }),
        ),
        Job::inline(
            INDEX,
            "a negative size",
            edit(&index, &|d| d["artifacts"][0]["size_bytes"] = json!(-1)),
        ),
        Job::inline(
            STDOUT,
            "severity fatal",
            edit(
                &report,
                &|d| d["blocker_details"] = json!([{"code": "metrics.empty", "message": "m", "runbook_url": "u", "severity": "fatal"}]),
            ),
        ),
        Job::inline(BLOCKERS, "an object, not an array", blocker[0].clone()),
        Job::inline(
            BLOCKERS,
            "file missing",
            edit(&blocker, &|d| {
                d[0].as_object_mut().unwrap().remove("file");
            }),
        ),
        Job::inline(
            BLOCKERS,
            "severity notice",
            edit(&blocker, &|d| d[0]["severity"] = json!("notice")),
        ),
    ];
    for v in validate(&rejected) {
        assert!(!v.errors.is_empty(), "`{}` was accepted", v.label);
    }
    // Added fields are admitted (the compatibility policy), but the tool writes none the
    // schema does not declare: the closed copy says so.
    let added = [
        Job::inline(
            RUNTIME,
            "top-level field",
            edit(&report, &|d| d["added_later"] = json!(true)),
        ),
        Job::inline(
            RUNTIME,
            "metric field",
            edit(&report, &|d| d["metrics"][0]["added_later"] = json!(1)),
        ),
        Job::inline(
            INDEX,
            "entry field",
            edit(&index, &|d| d["artifacts"][0]["added_later"] = json!(1)),
        ),
        Job::inline(
            BLOCKERS,
            "blocker field",
            edit(&blocker, &|d| d[0]["added_later"] = json!(1)),
        ),
    ];
    for v in validate(&added) {
        assert!(v.errors.is_empty(), "`{}`: {:?}", v.label, v.errors);
        assert!(
            v.undeclared.iter().any(|m| m.contains("added_later")),
            "`{}`: {:?}",
            v.label,
            v.undeclared
        );
    }
}

/// The blocker-code pattern, as the schemas must spell it: every code of `Code::ALL`, a
/// per-metric code with `.+` for the metric.
fn code_pattern() -> String {
    let alternatives: Vec<String> = Code::ALL
        .iter()
        .map(|code| {
            let escape = |s: &str| s.replace('.', "\\.");
            match code.as_str().split_once(METRIC_PLACEHOLDER) {
                Some((head, tail)) => format!("{}.+{}", escape(head), escape(tail)),
                None => escape(code.as_str()),
            }
        })
        .collect();
    format!("^(?:{})$", alternatives.join("|"))
}

#[test]
fn the_schemas_follow_the_code() {
    let expected = code_pattern();
    for name in ALL_SCHEMAS {
        let s = schema(name);
        assert_eq!(
            s["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        let id = s["$id"].as_str().unwrap_or_default();
        assert!(
            id.ends_with(&format!("/docs/schema/{name}.schema.json")),
            "{name}: {id}"
        );
        assert!(
            s["title"].is_string() && s["description"].is_string(),
            "{name}"
        );
        assert_eq!(
            s["$defs"]["schema_version"]["const"], SCHEMA_VERSION,
            "{name}"
        );
        if name != INDEX && name != HISTORY {
            assert_eq!(
                s["$defs"]["blocker_code"]["pattern"], expected,
                "{name}: the blocker codes changed; the pattern is now\n{expected}"
            );
        }
    }

    // Input kinds: every detected kind and the kinds of a file that gave nothing.
    let mut kinds: BTreeSet<String> = Kind::ALL
        .iter()
        .map(|k| InputKind::Known(*k).as_str().to_string())
        .collect();
    for other in [
        InputKind::InvalidJson,
        InputKind::Unreadable,
        InputKind::NotARunReport,
        InputKind::Unknown,
        InputKind::MetricsFile,
    ] {
        kinds.insert(other.as_str().to_string());
    }
    let runtime = schema(RUNTIME);
    let in_schema: BTreeSet<String> = runtime["$defs"]["input"]["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(in_schema, kinds);

    // The stdout document is the report without `metrics`: same fields, same definitions.
    let stdout = schema(STDOUT);
    let mut props = runtime["properties"].as_object().unwrap().clone();
    props.remove("metrics");
    assert_eq!(stdout["properties"].as_object().unwrap(), &props);
    let mut defs = runtime["$defs"].as_object().unwrap().clone();
    defs.remove("metric");
    assert_eq!(stdout["$defs"].as_object().unwrap(), &defs);
    let required = |s: &Value| -> BTreeSet<String> {
        s["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .filter(|r| r != "metrics")
            .collect()
    };
    assert_eq!(required(&stdout), required(&runtime));
    // The blockers output shares the definitions of its fields.
    let blockers = schema(BLOCKERS);
    for def in ["schema_version", "severity", "blocker_code"] {
        assert_eq!(blockers["$defs"][def], runtime["$defs"][def], "{def}");
    }

    // The index: one branch per artifact the code writes, name and type together.
    let mut specs: Vec<&ArtifactSpec> = vec![
        &OPENTELEMETRY,
        &OPENTELEMETRY_TRACES,
        &OPENLINEAGE_EVENTS,
        &PROMETHEUS,
        &JSON_REPORT,
        &MARKDOWN_REPORT,
        &HISTORY_SPEC,
        &HISTORY_PAGE,
        &STEP_SUMMARY,
    ];
    specs.extend(dpone_observability::observability::pack::PACK_FILES);
    let index = schema(INDEX);
    let branches: BTreeSet<(String, String)> = index["$defs"]["artifact"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let p = &b["properties"];
            assert_eq!(p["name"]["const"], p["relative_path"]["const"]);
            (
                p["name"]["const"].as_str().unwrap().to_string(),
                p["artifact_type"]["const"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let written: BTreeSet<(String, String)> = specs
        .iter()
        .map(|s| (s.file_name.to_string(), s.artifact_type.to_string()))
        .collect();
    assert_eq!(branches, written);
}

/// `schema_version` is new: `--baseline`, `verify` and `push` read documents without it (an
/// older export, the Python peer's).
#[test]
fn readers_accept_documents_without_schema_version() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ignored = Vec::new();
    let dir = export(
        tmp.path(),
        "old",
        &["--run-report", "examples/run_report.json"],
        &mut ignored,
    );
    // Rewrite the export as one from before the field: without it in the report and the
    // index, the index's digest of the report updated.
    let strip = |path: &Path| {
        let mut doc = read_json(path);
        assert!(doc
            .as_object_mut()
            .unwrap()
            .remove("schema_version")
            .is_some());
        let text = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
        std::fs::write(path, &text).unwrap();
        text
    };
    let report_text = strip(&dir.join(JSON_REPORT.file_name));
    let index_path = dir.join("metrics_index.json");
    strip(&index_path);
    let mut index = read_json(&index_path);
    for entry in index["artifacts"].as_array_mut().unwrap() {
        if entry["name"] == JSON_REPORT.file_name {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(report_text.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            entry["sha256"] = json!(hex);
            entry["size_bytes"] = json!(report_text.len());
        }
    }
    std::fs::write(&index_path, serde_json::to_string_pretty(&index).unwrap()).unwrap();

    let o = run_in(&repo(), &["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    for baseline in [
        dir.join(JSON_REPORT.file_name),
        fixture("metrics-export/success/runtime_metrics.json"),
    ] {
        let out = tmp.path().join("against");
        let o = run_in(
            &repo(),
            &[
                "metrics-export",
                "--run-report",
                "examples/run_report.json",
                "--policy",
                "examples/dpone-observability.yml",
                "--baseline",
                baseline.to_str().unwrap(),
                "--output-dir",
                out.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        let stdout: Value = serde_json::from_slice(&o.stdout).expect("JSON stdout");
        assert_eq!(
            stdout["gates"]["baseline"]["status"],
            "compared",
            "{}: {}",
            baseline.display(),
            stderr(&o)
        );
        assert!(!stdout["gates"]["regressions"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[cfg(feature = "push")]
    {
        // Nothing listens on port 1: the push fails after the folder was read.
        let o = run_in(
            &repo(),
            &[
                "push",
                dir.to_str().unwrap(),
                "--pushgateway",
                "http://127.0.0.1:1",
                "--retries",
                "0",
            ],
        );
        assert!(!stderr(&o).contains("refusing"), "{}", stderr(&o));
        assert!(stdout(&o).contains("0 of 12 series"), "{}", stdout(&o));
    }
}
