//! `dpone-observability action` run the way the GitHub runner runs a container action:
//! `INPUT_*` and `GITHUB_*` variables, a workspace, the file-command files.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use dpone_observability::github::{inputs::INPUTS, outputs::OUTPUTS};

/// A runner workspace (also used by `schema::` to validate the `blockers` output).
pub(crate) struct Runner {
    _tmp: tempfile::TempDir,
    pub(crate) workspace: PathBuf,
    files: PathBuf,
}

impl Runner {
    pub(crate) fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let workspace = tmp.path().join("workspace");
        let files = tmp.path().join("file_commands");
        std::fs::create_dir_all(&workspace).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        for (name, rel) in [
            ("run_report.json", "run-report/run_report_success_real.json"),
            ("failed_run.json", "run-report/run_report_failed_real.json"),
        ] {
            std::fs::copy(fixture(rel), workspace.join(name)).unwrap();
        }
        Runner {
            _tmp: tmp,
            workspace,
            files,
        }
    }

    /// Runs the action with the runner's variables plus `inputs` (`action.yml` defaults are
    /// applied as the runner does).
    pub(crate) fn run(&self, inputs: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = Command::new(bin());
        cmd.arg("action")
            .current_dir(&self.workspace)
            .env_clear()
            .env("SOURCE_DATE_EPOCH", EPOCH);
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
        for (name, default, _) in INPUTS {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), default);
        }
        for (name, value) in inputs {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_SHA", "0123abcd")
            .env("GITHUB_REF", "refs/pull/7/merge")
            .env("GITHUB_REPOSITORY", "acme/pipelines")
            .env("GITHUB_SERVER_URL", "https://github.example.com")
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_STEP_SUMMARY", self.files.join("step_summary"))
            .env("GITHUB_OUTPUT", self.files.join("output"));
        let o = cmd.output().unwrap();
        (
            o.status.code().expect("exit status"),
            stdout(&o),
            stderr(&o),
        )
    }

    pub(crate) fn run_dir(&self) -> PathBuf {
        self.workspace.join("test_artifacts/observability/4242-1")
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.files.join("step_summary")).unwrap_or_default()
    }

    /// `GITHUB_OUTPUT` parsed by the runner's rules.
    pub(crate) fn outputs(&self) -> BTreeMap<String, String> {
        parse_outputs(&std::fs::read_to_string(self.files.join("output")).unwrap())
    }
}

fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("multi-line syntax");
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delimiter {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

/// Workflow-command lines on stdout.
fn commands(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("::")).collect()
}

#[test]
fn a_passing_report() {
    let r = Runner::new();
    let (code, out, err) = r.run(&[
        ("run-report", "run_report.json"),
        ("labels", "env=ci\ngate=observability_maturity"),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(commands(&out).is_empty(), "no annotation: {out}");
    assert!(
        out.contains("dpone-observability: ✅ passed; 12 metrics"),
        "{out}"
    );

    let outputs = r.outputs();
    assert_eq!(outputs["passed"], "true");
    assert_eq!(outputs["metric-count"], "12");
    assert_eq!(outputs["blockers"], "[]");
    assert_eq!(outputs["output-dir"], "test_artifacts/observability/4242-1");
    assert_eq!(
        outputs["prometheus-path"],
        "test_artifacts/observability/4242-1/prometheus_metrics.prom"
    );
    assert_eq!(
        outputs["index-path"],
        "test_artifacts/observability/4242-1/metrics_index.json"
    );
    assert_eq!(
        outputs["summary-path"],
        "test_artifacts/observability/4242-1/step_summary.md"
    );
    let names: Vec<&String> = outputs.keys().collect();
    let mut declared: Vec<&str> = OUTPUTS.iter().map(|(n, _)| *n).collect();
    declared.sort_unstable();
    assert_eq!(names, declared);

    // The step summary is an indexed artifact, and the runner's copy is the same text.
    let summary = r.summary();
    assert!(
        summary.starts_with("### ✅ dpone observability: orders\\_pg\\_to\\_pg — passed\n"),
        "{summary}"
    );
    assert_eq!(
        summary,
        std::fs::read_to_string(r.run_dir().join("step_summary.md")).unwrap()
    );
    assert!(
        summary.contains("| `dpone_extracted_rows` | 55,000 | rows |"),
        "{summary}"
    );
    assert!(summary.contains("https://github.example.com/acme/pipelines/actions/runs/4242"));
    let index = read_json(&r.run_dir().join("metrics_index.json"));
    assert!(index["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "step_summary.md"));
    check_export(&r.run_dir());
}

#[test]
fn a_failed_run_warns_and_the_policy_can_fail_the_step() {
    let r = Runner::new();
    let (code, out, _) = r.run(&[("run-report", "failed_run.json")]);
    assert_eq!(code, 0, "a failed run is a warning by default: {out}");
    let lines = commands(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with("::warning title=run_report.run_failed,file=failed_run.json::"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("Runbook: https://github.example.com/dpone/observability-action/blob/main/docs/runbooks.md"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("runbooks.md#run_reportrun_failed"));

    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "blockers:\n  run_report.run_failed: error\n",
    )
    .unwrap();
    let (code, out, _) = r.run(&[("run-report", "failed_run.json"), ("run-name", "strict")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        commands(&out)[0].starts_with("::error title=run_report.run_failed"),
        "{out}"
    );
    assert!(
        out.contains("dpone-observability: ❌ failed: 1 error;"),
        "{out}"
    );
    let summary = std::fs::read_to_string(
        r.workspace
            .join("test_artifacts/observability/strict/step_summary.md"),
    )
    .unwrap();
    assert!(
        summary.starts_with("### ❌ dpone observability: orders\\_pg\\_to\\_pg — failed: 1 error"),
        "{summary}"
    );
    // The run's own failure cause is in view, and the failing blocker links its runbook.
    assert!(
        summary.contains("**failed** (status `error`): `DPONE_LEGACY_RUNTIME_DEFAULTS_DISABLED` — Implicit runtime defaults are disabled"),
        "{summary}"
    );
    assert!(
        summary.contains("| ❌ | [`run_report.run_failed`]("),
        "{summary}"
    );

    let (code, _, _) = r.run(&[
        ("run-report", "failed_run.json"),
        ("run-name", "lenient"),
        ("fail-on", "never"),
    ]);
    assert_eq!(code, 0, "fail-on never wins over the policy file");
}

#[test]
fn a_blocker_fails_the_step_with_an_annotation_on_the_file() {
    let r = Runner::new();
    let (code, out, _) = r.run(&[("run-report", "missing/run_report.json")]);
    assert_eq!(code, 1);
    let lines = commands(&out);
    assert!(
        lines[0].starts_with("::error title=run_report.missing,file=missing/run_report.json::"),
        "{out}"
    );
    // One root cause, one annotation, counting what it caused; the output keeps them all.
    assert!(lines[0].contains("(+1 caused by it)"), "{out}");
    assert!(
        !lines.iter().any(|l| l.contains("title=metrics.empty")),
        "{out}"
    );
    assert!(
        out.contains("dpone-observability: ❌ failed: 1 error;"),
        "{out}"
    );
    let outputs = r.outputs();
    assert_eq!(outputs["passed"], "false");
    let blockers: serde_json::Value = serde_json::from_str(&outputs["blockers"]).unwrap();
    assert_eq!(blockers[0]["code"], "run_report.missing");
    assert_eq!(blockers[0]["file"], "missing/run_report.json");
    assert!(blockers[0].get("caused_by").is_none(), "{blockers}");
    assert_eq!(blockers[1]["code"], "metrics.empty");
    assert_eq!(blockers[1]["caused_by"], "run_report.missing");
    assert!(
        r.summary().contains("| ❌ | [`run_report.missing`]("),
        "{}",
        r.summary()
    );
    check_export(&r.run_dir());
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let r = Runner::new();
    std::fs::write(
        r.workspace.join("policy.yml"),
        "blockers:\n  metrics.empty: warning\n  nope.nope: error\n",
    )
    .unwrap();
    for (inputs, message) in [
        (vec![("run-name", "../escape")], "run name `../escape`"),
        (vec![("run-name", "/abs")], "run name"),
        (vec![("fail-on", "sometimes")], "input `fail-on`"),
        (
            vec![("labels", "novalue")],
            "input `labels`: expected key=value",
        ),
        (
            vec![("metrics", "lag=abc")],
            "input `metrics`: metric `lag` must be numeric",
        ),
        (vec![("summary", "perhaps")], "input `summary`"),
        (vec![("policy-file", "policy.yml")], "line 3"),
        (
            vec![("policy-file", "no-such-policy.yml")],
            "policy file `no-such-policy.yml`",
        ),
    ] {
        let (code, out, err) = r.run(&inputs);
        assert_eq!(code, 2, "{inputs:?}: {out}");
        assert!(err.contains(message), "{inputs:?}: {err}");
        assert!(
            out.starts_with("::error title=dpone-observability%3A usage::"),
            "{out}"
        );
    }
    assert!(
        !r.workspace.join("test_artifacts").exists(),
        "nothing written"
    );
}

#[test]
fn text_from_inputs_is_never_a_workflow_command() {
    let r = Runner::new();
    let hostile_names = [
        "x\n::set-output name=passed::true.json",
        "y%0A::error::boom.json",
        "z\r\n::add-mask::secret.json",
    ];
    for name in hostile_names {
        std::fs::write(r.workspace.join(name), r#"{"unrelated": true}"#).unwrap();
    }
    let mut report = read_json(&fixture("run-report/run_report_success_real.json"));
    report["process"] =
        serde_json::json!("evil\n::set-output name=x::y | <script>alert(1)</script> [x](http://e)");
    std::fs::write(r.workspace.join("hostile.json"), report.to_string()).unwrap();
    let (code, out, _) = r.run(&[
        ("run-report", "hostile.json"),
        ("inputs", "*.json\n"),
        ("labels", "note=%0A::error::label"),
    ]);
    assert_eq!(
        code, 1,
        "the hostile run report is also matched by *.json: duplicate series"
    );
    for line in out.lines() {
        if line.starts_with("::") {
            assert!(
                line.starts_with("::error title=")
                    || line.starts_with("::warning title=")
                    || line.starts_with("::notice title="),
                "only our own commands: {line}"
            );
        }
    }
    assert!(
        !out.contains("\n::set-output")
            && !out.contains("\n::add-mask")
            && !out.contains("\n::error::")
    );
    assert!(
        out.contains("%0A::set-output") && out.contains("%250A::error::boom"),
        "{out}"
    );
    // Report text reaches the summary only escaped or inside code spans, where Markdown renders
    // it literally: with the code spans taken out, no HTML, link or cell break is left.
    let summary = r.summary();
    assert!(summary.contains("<script>"), "the value is shown, as code");
    for line in summary.lines() {
        assert!(!line.starts_with("::"));
        let outside: String = line.split('`').step_by(2).collect();
        assert!(
            !outside.contains("<script") && !outside.contains("](http://e)"),
            "{line}"
        );
    }
}

#[test]
fn annotations_stay_within_the_per_step_limits() {
    let r = Runner::new();
    for i in 0..14 {
        std::fs::write(r.workspace.join(format!("other{i:02}.json")), r#"{"x": 1}"#).unwrap();
    }
    let mut inputs = String::new();
    for i in 0..12 {
        inputs.push_str(&format!("missing{i:02}/*.json\n"));
    }
    inputs.push_str("other*.json\n");
    let (code, out, _) = r.run(&[("inputs", &inputs), ("metrics", "x=1")]);
    assert_eq!(code, 1);
    let lines = commands(&out);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error")).count(),
        10,
        "{out}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::warning")).count(),
        10,
        "{out}"
    );
    let notice: Vec<_> = lines.iter().filter(|l| l.starts_with("::notice")).collect();
    assert_eq!(notice.len(), 1);
    assert!(
        notice[0].ends_with("::6 more blockers are listed in the step summary."),
        "{}",
        notice[0]
    );
    // Every blocker is in the summary, grouped by code: 12 patterns matched nothing, 14 files
    // are of no known kind.
    let summary = r.summary();
    assert!(summary.contains("| ❌ | [`input.no_match`]("), "{summary}");
    assert!(summary.contains(") ×12 |"), "{summary}");
    assert!(summary.contains("[`input.unknown_kind`]("), "{summary}");
    assert!(summary.contains(") ×14"), "{summary}");
    assert_eq!(summary.matches("\n  - `").count(), 26, "{summary}");
}

#[test]
fn the_summary_stays_under_one_mebibyte() {
    let r = Runner::new();
    let mut text = String::from("{");
    for i in 0..40_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "\"stage_{i:05}_rows_with_a_long_descriptive_name\": {i}"
        ));
    }
    text.push('}');
    std::fs::write(r.workspace.join("metrics.json"), text).unwrap();
    let (code, _, _) = r.run(&[
        ("metrics-file", "metrics.json"),
        ("labels", "env=ci\nteam=data-platform"),
    ]);
    assert_eq!(code, 0);
    let summary = r.summary();
    assert!(summary.len() < 1024 * 1024, "{} bytes", summary.len());
    assert!(
        summary.contains("of 40,000 metrics shown"),
        "a note says how many were left out"
    );
    assert!(
        summary.contains("<details><summary>Artifacts ("),
        "the tail is kept"
    );
}

#[test]
fn outside_actions_it_previews_locally() {
    let r = Runner::new();
    let o = Command::new(bin())
        .arg("action")
        .current_dir(&r.workspace)
        .env_clear()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("INPUT_RUN-REPORT", "run_report.json")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dir = r.workspace.join("test_artifacts/observability/local");
    assert!(std::fs::read_to_string(dir.join("step_summary.md"))
        .unwrap()
        .starts_with("### ✅ dpone observability: orders\\_pg\\_to\\_pg — passed"));
    let outputs = parse_outputs(&stderr(&o));
    assert_eq!(outputs["passed"], "true");
    check_export(&dir);
}

/// `action.yml` declares exactly the inputs (with the defaults) and outputs the code reads.
#[test]
fn action_yml_matches_the_code() {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let yml: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(yml["runs"]["using"], "docker");
    assert_eq!(yml["runs"]["image"], "Dockerfile");
    let inputs = yml["inputs"].as_object().unwrap();
    assert_eq!(inputs.len(), INPUTS.len());
    for (name, default, description) in INPUTS {
        let input = &inputs[*name];
        assert_eq!(input["default"], *default, "{name}");
        assert_eq!(input["description"], *description, "{name}");
    }
    let outputs = yml["outputs"].as_object().unwrap();
    assert_eq!(outputs.len(), OUTPUTS.len());
    for (name, description) in OUTPUTS {
        assert_eq!(outputs[*name]["description"], *description, "{name}");
    }
}

#[allow(dead_code)]
fn unused(_: &Path) {}

#[test]
fn objectives_and_a_baseline_gate_the_step_and_fill_the_summary() {
    let r = Runner::new();
    // A first run: the baseline does not exist yet, which is a warning only.
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "regressions:\n  dpone_duration_seconds: {direction: lower, ratio: 0.5}\n  dpone_extracted_rows: {direction: higher, absolute: 0, ignore_labels: [status]}\n",
    )
    .unwrap();
    let (code, out, err) = r.run(&[
        ("run-report", "run_report.json"),
        ("objectives", "extracted_rows: {min: 1}\n"),
        ("baseline", "previous/runtime_metrics.json"),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("baseline.missing"), "{out}");
    let first = r.run_dir().join("runtime_metrics.json");
    std::fs::create_dir_all(r.workspace.join("previous")).unwrap();
    std::fs::copy(&first, r.workspace.join("previous/runtime_metrics.json")).unwrap();

    // The failed run extracted 0 rows: below the objective, and (its `status` label ignored
    // for matching) a regression against the passing baseline.
    let (code, out, err) = r.run(&[
        ("run-report", "failed_run.json"),
        ("objectives", "extracted_rows: {min: 1}\n"),
        ("baseline", "previous/runtime_metrics.json"),
        ("run-name", "second"),
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    let summary = std::fs::read_to_string(
        r.workspace
            .join("test_artifacts/observability/second/step_summary.md"),
    )
    .unwrap();
    // The failures are in view: the objective with actual and limit in its unit, and its Δ
    // named for what it is, the margin to the bound.
    assert!(
        summary.contains(
            "| ❌ | `extracted_rows` | 0\u{a0}rows | ≥\u{a0}1 row | margin -1\u{a0}row |"
        ),
        "{summary}"
    );
    // The failed run has no `process`: its series has no partner in the baseline, which is
    // said, folded away, and never counted as a pass.
    assert!(
        summary.contains("<summary>4 not evaluated gates</summary>"),
        "{summary}"
    );
    assert!(
        summary.contains("| — | `extracted_rows{status=error}` | not compared (no baseline series with these labels) | — | — vs baseline |"),
        "{summary}"
    );
    // The baseline says which commit it was made at (the first run recorded it).
    assert!(
        summary.contains("baseline from [`0123abc`](https://github.example.com/acme/pipelines/commit/0123abcd) read (14 series): nothing compared"),
        "{summary}"
    );
    // No chart that says nothing.
    assert!(!summary.contains("```mermaid"), "{summary}");
    let outputs = r.outputs();
    assert!(
        outputs["blockers"].contains("slo.dpone_extracted_rows.below_min"),
        "{outputs:?}"
    );
    assert!(
        commands(&out)
            .iter()
            .any(|c| c.starts_with("::error title=slo.dpone_extracted_rows.below_min")),
        "{out}"
    );
    // A configuration error is a usage error.
    let (code, out, _) = r.run(&[
        ("run-report", "run_report.json"),
        ("objectives", "extracted_rows: {}\n"),
        ("run-name", "third"),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("has neither `min` nor `max`"), "{out}");
    // An objective on a name that is no metric is no usage error: it fails as dpone's
    // `slo.<metric>.missing`, with a suggestion.
    let (code, out, _) = r.run(&[
        ("run-report", "run_report.json"),
        ("objectives", "extracted_rowz: {min: 1}\n"),
        ("run-name", "fourth"),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        commands(&out).iter().any(|c| c
            .starts_with("::error title=slo.dpone_extracted_rowz.missing")
            && c.contains("did you mean `extracted_rows`?")),
        "{out}"
    );
}

/// A shadow rule that breaches says "would fail" and leaves exit 0; a rule with too few samples
/// is inconclusive, shown and passing, and fails the step under `fail-on: inconclusive`.
#[test]
fn shadow_rules_would_fail_and_inconclusive_rules_fail_only_when_asked() {
    let r = Runner::new();
    let (code, out, err) = r.run(&[("run-report", "run_report.json")]);
    assert_eq!(code, 0, "{out}\n{err}");
    std::fs::create_dir_all(r.workspace.join("previous")).unwrap();
    std::fs::copy(
        r.run_dir().join("runtime_metrics.json"),
        r.workspace.join("previous/runtime_metrics.json"),
    )
    .unwrap();
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "regressions:\n  dpone_lag_seconds: {direction: lower, ratio: 0.1, enforce: shadow}\n  dpone_duration_seconds: {direction: lower, test: t_test, boundary: 0.99, min_samples: 3}\n",
    )
    .unwrap();
    let with_baseline = |name: &'static str| {
        [
            ("run-report", "run_report.json"),
            ("baseline", "previous/runtime_metrics.json"),
            ("run-name", name),
        ]
    };
    let (code, out, err) = r.run(&with_baseline("shadow"));
    assert_eq!(code, 0, "{out}\n{err}");
    let outputs = r.outputs();
    assert_eq!(outputs["passed"], "true");
    assert_eq!(outputs["would-fail"], "1", "{outputs:?}");
    assert_eq!(outputs["inconclusive"], "1", "{outputs:?}");
    let summary = std::fs::read_to_string(
        r.workspace
            .join("test_artifacts/observability/shadow/step_summary.md"),
    )
    .unwrap();
    assert!(
        summary.contains("| 👁 would fail | `lag_seconds` |"),
        "{summary}"
    );
    assert!(
        summary.contains("| ❔ inconclusive | `duration_seconds"),
        "{summary}"
    );
    let json = std::fs::read_to_string(
        r.workspace
            .join("test_artifacts/observability/shadow/runtime_metrics.json"),
    )
    .unwrap();
    assert!(json.contains("\"verdict\": \"would_fail\""), "{json}");
    assert!(json.contains("\"enforce\": \"shadow\""), "{json}");
    assert!(json.contains("\"verdict\": \"inconclusive\""), "{json}");

    let mut strict = with_baseline("strict").to_vec();
    strict.push(("fail-on", "inconclusive"));
    let (code, out, err) = r.run(&strict);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        commands(&out).iter().any(|c| c
            .starts_with("::error title=regression.dpone_duration_seconds")
            && c.contains("inconclusive")),
        "{out}"
    );
    assert_eq!(r.outputs()["passed"], "false");
}

#[test]
fn an_input_variable_that_looks_like_ours_is_warned_about_by_its_right_name() {
    let r = Runner::new();
    // `INPUT_RUN_REPORT` (set by hand with `_`) and a typo; the real input is absent.
    let (code, out, err) = r.run(&[
        ("run_report", "run_report.json"),
        ("run-reports", "run_report.json"),
        ("metrics", "lag_seconds=1"),
        // A variable name can hold a line break: it never starts a command of its own.
        ("run-report\n::error::boom", "x"),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let warnings: Vec<&str> = commands(&out)
        .into_iter()
        .filter(|c| c.starts_with("::warning title=dpone-observability%3A unknown input::"))
        .collect();
    assert_eq!(warnings.len(), 3, "{out}");
    assert!(
        warnings[0].contains("`INPUT_RUN-REPORT%0A::ERROR::BOOM`"),
        "{warnings:?}"
    );
    for text in [&out, &err] {
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("::ERROR::") || l.starts_with("::error::")),
            "{text}"
        );
    }
    let warnings = &warnings[1..];
    assert!(
        warnings[0].ends_with(
            "`INPUT_RUN-REPORTS` is not an input of this action and is ignored; did you mean \
             input `run-report` (variable `INPUT_RUN-REPORT`)?"
        ),
        "{warnings:?}"
    );
    assert!(warnings[1].contains("`INPUT_RUN_REPORT`"), "{warnings:?}");
    assert!(
        err.contains("warning: `INPUT_RUN_REPORT` is not an input"),
        "{err}"
    );
}

#[test]
fn annotations_point_only_at_repository_files_and_gates_at_their_policy_line() {
    let r = Runner::new();
    // A file under the output root (an earlier export) is not part of the change: no `file=`.
    let old = r.workspace.join("test_artifacts/observability/old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("stray.json"), r#"{"x": 1}"#).unwrap();
    std::fs::write(r.workspace.join("stray.json"), r#"{"x": 1}"#).unwrap();
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "# policy\nobjectives:\n  dpone_run_passed: {min: 1}\n",
    )
    .unwrap();
    let (code, out, _) = r.run(&[
        ("run-report", "failed_run.json"),
        (
            "inputs",
            "test_artifacts/observability/old/stray.json\nstray.json",
        ),
    ]);
    assert_eq!(code, 1, "{out}");
    let lines = commands(&out);
    let gate = lines
        .iter()
        .find(|l| l.starts_with("::error title=slo.dpone_run_passed.below_min"))
        .expect("the gate is annotated");
    assert!(
        gate.starts_with(
            "::error title=slo.dpone_run_passed.below_min,file=.github/dpone-observability.yml,line=3::"
        ),
        "{gate}"
    );
    let unknown: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("::warning title=input.unknown_kind"))
        .collect();
    assert_eq!(unknown.len(), 2, "{out}");
    assert!(
        unknown
            .iter()
            .any(|l| l.starts_with("::warning title=input.unknown_kind,file=stray.json::")),
        "{out}"
    );
    assert!(
        unknown
            .iter()
            .any(|l| l.starts_with("::warning title=input.unknown_kind::")),
        "the export's own folder gets no file=: {out}"
    );
}

#[test]
fn the_pack_input_adds_the_rules_and_dashboard_to_the_run_folder() {
    let r = Runner::new();
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::copy(
        repo().join("examples/dpone-observability.yml"),
        r.workspace.join(".github/dpone-observability.yml"),
    )
    .unwrap();
    let (code, out, err) = r.run(&[
        ("run-report", "run_report.json"),
        ("pack", "pushgateway"),
        ("pack-window", "6h"),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let dir = r.run_dir();
    for name in [
        "prometheus_alerts.yml",
        "prometheus_alerts_test.yml",
        "grafana_dashboard.json",
        "observability_pack.json",
        "observability_pack.md",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
        assert!(
            r.summary().contains(&format!("| `{name}` |")),
            "{name} in the summary"
        );
    }
    let index = read_json(&dir.join("metrics_index.json"));
    assert_eq!(index["artifacts"].as_array().unwrap().len(), 13);
    let rules = std::fs::read_to_string(dir.join("prometheus_alerts.yml")).unwrap();
    assert!(
        rules.contains("time() - max by (process) (push_time_seconds{job=\\\"dpone\\\"}) > 21600"),
        "{rules}"
    );
    let o = Command::new("promtool")
        .args(["test", "rules", "prometheus_alerts_test.yml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    // A bad value is a usage error that writes nothing.
    let (code, out, _) = r.run(&[
        ("run-report", "run_report.json"),
        ("pack", "prometheus"),
        ("run-name", "bad"),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("input `pack` must be `off`, `remote-write` or `pushgateway`"));
    assert!(!r
        .workspace
        .join("test_artifacts/observability/bad")
        .exists());
}

/// The run's OpenTelemetry CI/CD and VCS attributes: every one for a pull request and for a
/// push, in the OTLP resource and the JSON report, never in Prometheus; none when turned off.
#[test]
fn ci_and_vcs_resource_attributes_follow_the_semantic_conventions() {
    let r = Runner::new();
    let event = r.workspace.join("event.json");
    std::fs::write(
        &event,
        r#"{"pull_request": {"number": 7, "head": {"sha": "feedface00000000000000000000000000000000"}}}"#,
    )
    .unwrap();
    let run = |extra: &[(&str, &str)], inputs: &[(&str, &str)]| {
        let mut cmd = Command::new(bin());
        cmd.arg("action")
            .current_dir(&r.workspace)
            .env_clear()
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (name, default, _) in INPUTS {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), default);
        }
        for (name, value) in inputs {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        for (k, v) in [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_WORKFLOW", "pipelines"),
            ("GITHUB_RUN_ID", "4242"),
            ("GITHUB_RUN_ATTEMPT", "3"),
            ("GITHUB_JOB", "load"),
            ("RUNNER_NAME", "GitHub Actions 12"),
            ("GITHUB_REPOSITORY", "acme/pipelines"),
            ("GITHUB_SERVER_URL", "https://github.example.com"),
            ("GITHUB_SHA", "0123abcd00000000000000000000000000000000"),
            ("GITHUB_WORKSPACE", r.workspace.to_str().unwrap()),
        ]
        .iter()
        .chain(extra)
        {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        stdout(&o)
    };
    let attributes = |name: &str| -> serde_json::Map<String, serde_json::Value> {
        let dir = r.workspace.join("test_artifacts/observability").join(name);
        let prom = std::fs::read_to_string(dir.join("prometheus_metrics.prom")).unwrap();
        assert!(!prom.contains("cicd") && !prom.contains("4242"), "{prom}");
        otlp_accepts(&[dir.join("opentelemetry_metrics.json")]);
        let otlp = [read_json(&dir.join("opentelemetry_metrics.json"))];
        assert_eq!(
            otlp[0]["resourceMetrics"][0]["schemaUrl"],
            "https://opentelemetry.io/schemas/1.44.0"
        );
        let otlp_keys: Vec<String> = otlp[0]["resourceMetrics"][0]["resource"]["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap().to_string())
            .collect();
        let report = read_json(&dir.join("runtime_metrics.json"));
        let attrs = report["resource_attributes"].as_object().unwrap().clone();
        for key in attrs.keys() {
            assert!(otlp_keys.contains(key), "{key} in OTLP too");
        }
        attrs
    };
    let common = [
        ("cicd.pipeline.name", "pipelines"),
        ("cicd.pipeline.run.id", "4242"),
        (
            "cicd.pipeline.run.url.full",
            "https://github.example.com/acme/pipelines/actions/runs/4242/attempts/3",
        ),
        ("cicd.pipeline.task.name", "load"),
        ("cicd.worker.name", "GitHub Actions 12"),
        ("vcs.provider.name", "github"),
        ("vcs.owner.name", "acme"),
        ("vcs.repository.name", "pipelines"),
        (
            "vcs.repository.url.full",
            "https://github.example.com/acme/pipelines",
        ),
    ];
    // A pull request.
    run(
        &[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_HEAD_REF", "feature/x"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_REF_NAME", "7/merge"),
        ],
        &[("run-report", "run_report.json"), ("run-name", "pr")],
    );
    let pr = attributes("pr");
    for (k, v) in common.iter().chain(&[
        ("vcs.ref.head.name", "feature/x"),
        (
            "vcs.ref.head.revision",
            "feedface00000000000000000000000000000000",
        ),
        ("vcs.ref.head.type", "branch"),
        ("vcs.ref.base.name", "main"),
        ("vcs.ref.base.type", "branch"),
        ("vcs.change.id", "7"),
    ]) {
        assert_eq!(pr.get(*k).and_then(|x| x.as_str()), Some(*v), "{k}: {pr:?}");
    }
    // A tag push; a user's own value wins.
    run(
        &[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF_NAME", "v1.2.3"),
            ("GITHUB_REF_TYPE", "tag"),
        ],
        &[
            ("run-report", "run_report.json"),
            ("run-name", "push"),
            ("resource-attributes", "cicd.worker.name=mine"),
        ],
    );
    let push = attributes("push");
    assert_eq!(push["vcs.ref.head.name"], "v1.2.3");
    assert_eq!(push["vcs.ref.head.type"], "tag");
    assert_eq!(
        push["vcs.ref.head.revision"],
        "0123abcd00000000000000000000000000000000"
    );
    assert_eq!(push["cicd.worker.name"], "mine");
    assert!(!push.contains_key("vcs.change.id") && !push.contains_key("vcs.ref.base.name"));
    // Turned off: none; the deprecated environment attribute gets a hint.
    let out = run(
        &[("GITHUB_EVENT_NAME", "push")],
        &[
            ("run-report", "run_report.json"),
            ("run-name", "off"),
            ("ci-attributes", "false"),
            ("resource-attributes", "deployment.environment=ci"),
        ],
    );
    let off = attributes("off");
    assert!(
        off.keys()
            .all(|k| !k.starts_with("cicd.") && !k.starts_with("vcs.")),
        "{off:?}"
    );
    assert!(
        out.contains("::notice title=dpone-observability%3A hint::the resource attribute `deployment.environment` is deprecated"),
        "{out}"
    );
}

/// A folder of the user's under the name of a file the action writes into its run folder (the
/// step summary, an adapter's artifact) is refused with one error annotation naming it; the
/// folder, the previous run folder and its neighbours stay as they were.
#[test]
fn a_folder_under_an_artifact_name_in_the_run_folder_is_refused_and_kept() {
    let r = Runner::new();
    let inputs = [("run-report", "run_report.json")];
    let (code, out, err) = r.run(&inputs);
    assert_eq!(code, 0, "{out}\n{err}");
    let neighbour = r.workspace.join("test_artifacts/observability/other-run");
    std::fs::create_dir_all(&neighbour).unwrap();
    std::fs::write(neighbour.join("notes.txt"), "mine").unwrap();
    let index_before = std::fs::read(r.run_dir().join("metrics_index.json")).unwrap();
    let mine = r.run_dir().join("step_summary.md");
    std::fs::remove_file(&mine).unwrap();
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("keep.md"), "mine").unwrap();

    let (code, out, err) = r.run(&inputs);
    assert_eq!(code, 1, "{out}\n{err}");
    let errors: Vec<&str> = commands(&out)
        .into_iter()
        .filter(|c| c.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(
        errors[0].contains("test_artifacts/observability/4242-1/step_summary.md")
            && errors[0].contains("it is a folder, not a file an export wrote"),
        "{}",
        errors[0]
    );
    assert!(
        !out.contains(".staging") && !err.contains(".staging"),
        "{out}\n{err}"
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("keep.md")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(neighbour.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        index_before,
        std::fs::read(r.run_dir().join("metrics_index.json")).unwrap(),
        "the previous set is left as it was"
    );
    let beside: Vec<String> = std::fs::read_dir(r.workspace.join("test_artifacts/observability"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "no staging folder is left: {beside:?}");
}
