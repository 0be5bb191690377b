//! No workflow command can come out of the tool but its own. A parser that follows the GitHub
//! runner's two (actions/runner `ActionCommand.TryParseV2` and the legacy `TryParse`: lines split
//! at `\n` and `\r`; `::name …::data` after leading white space; `##[name …]data` anywhere) reads
//! every line of stdout and stderr of every scenario below, with hostile strings in every field a
//! user or a report can set, and under `GITHUB_ACTIONS=true`. The only commands allowed are the
//! tool's own annotations (`error`, `warning`, `notice`) and masks (`add-mask`).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

use crate::common::{bin, EPOCH};
use crate::standin;

/// Strings an attacker (or an unlucky report) might put anywhere.
const HOSTILE: &[&str] = &[
    "::error::injected",
    "\n::error::injected",
    "x\n::set-output name=passed::true",
    "x\r::add-mask::secret",
    "  ::warning::indented",
    "\u{3000}::notice::ideographic space",
    "##[set-output name=passed;]true",
    "text ##[error]legacy in the middle",
    "%0A::error::escaped newline",
    "::stop-commands::token",
    "x\r\n##[group]g",
];

/// The commands a runner would parse in `text`: (name, the whole line).
pub(crate) fn commands(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for line in text.split(['\n', '\r']) {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("::") {
            if let Some(end) = rest.find("::") {
                let name = rest[..end].split(' ').next().unwrap_or_default();
                found.push((name.to_string(), line.to_string()));
                continue;
            }
        }
        if let Some(at) = line.find("##[") {
            if line[at..].contains(']') {
                let name = line[at + 3..].split([' ', ']']).next().unwrap_or_default();
                found.push((format!("legacy {name}"), line.to_string()));
            }
        }
    }
    found
}

/// Fails on any command that is not one of the tool's own; returns how many lines were read.
fn assert_inert(what: &str, o: &Output) -> usize {
    let mut lines = 0;
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        lines += text.split(['\n', '\r']).count();
        for (name, line) in commands(&text) {
            // A push's log groups: the tool's own fixed titles, never input text.
            if ["group", "endgroup"].contains(&name.as_str()) {
                assert!(
                    [
                        "::group::push to pushgateway",
                        "::group::push to remote-write",
                        "::group::push to otlp",
                        "::endgroup::",
                    ]
                    .contains(&line.as_str()),
                    "{what}: {stream}: {line:?}"
                );
                continue;
            }
            assert!(
                ["error", "warning", "notice", "add-mask"].contains(&name.as_str()),
                "{what}: {stream} carries the command `{name}`: {line:?}"
            );
            // Our annotations are one line with an escaped title: nothing of the input can
            // add a second command to them.
            if name != "add-mask" {
                assert!(
                    line.starts_with(&format!("::{name} title=")),
                    "{what}: {stream}: {line:?}"
                );
            }
        }
    }
    lines
}

fn hostile_report(text: &str) -> serde_json::Value {
    json!({
        "process": text,
        "selector": text,
        "run_id": text,
        "passed": false,
        "attempts": 1,
        "errors": [text],
        "warnings": [text],
        "result": {
            "status": text,
            "extracted_rows": 10,
            "duration_seconds": 1,
            "errors": [{"message": text}],
        }
    })
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("GITHUB_ACTIONS", "true")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn no_input_forms_a_runner_command_in_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A receiver and a GitHub API that answer with hostile bodies.
    let body = HOSTILE.join(" | ");
    let answer = body.clone();
    let server = standin::StandIn::start(move |_| {
        standin::Reply::Send(
            422,
            vec![("Content-Type".into(), "application/json".into())],
            json!({ "message": answer }).to_string().into_bytes(),
        )
    });
    let mut scenarios = 0;
    let mut lines = 0;
    for (i, text) in HOSTILE.iter().enumerate() {
        let case = dir.join(format!("case{i}"));
        std::fs::create_dir_all(&case).unwrap();
        std::fs::write(case.join("report.json"), hostile_report(text).to_string()).unwrap();
        // A file name can hold a newline and `::` on Linux.
        let odd_name = format!("in{i}{}.json", text.replace('/', "_"));
        std::fs::write(case.join(&odd_name), "{\"unknown\": true}").unwrap();
        std::fs::write(
            case.join("policy.yml"),
            format!("fail-on: {text}\nobjectives: [{text}]\n"),
        )
        .unwrap();
        // A lineage event whose job and datasets are named by the attacker.
        let lineage = json!({"eventType": "COMPLETE", "producer": text,
            "run": {"runId": "5c0e41d5-db78-5d8b-9298-8be1de92535b"},
            "job": {"namespace": text, "name": text},
            "inputs": [{"namespace": text, "name": text}],
            "outputs": [{"namespace": "pg", "name": text}]});
        std::fs::write(case.join("lineage.json"), lineage.to_string()).unwrap();
        let label = format!("k={text}");
        let metric = format!("{text}=1");
        let objectives = format!("{{\"{}\": 1}}", text.replace(['"', '\\'], ""));

        let remote_write = format!("{}/api/v1/write", server.url);
        let unlabelled = format!("{text}=v");
        let cases: [(&str, Vec<&str>); 11] = [
            (
                "export md",
                vec![
                    "metrics-export",
                    "--run-report",
                    "report.json",
                    "--output-dir",
                    "out",
                    "--label",
                    &label,
                    "--metric",
                    &metric,
                    "--input",
                    "*.json",
                ],
            ),
            (
                "export json",
                vec![
                    "metrics-export",
                    "--run-report",
                    "report.json",
                    "--output-dir",
                    "out",
                    "--format",
                    "json",
                    "--objectives",
                    &objectives,
                ],
            ),
            (
                "bad label key",
                vec![
                    "metrics-export",
                    "--output-dir",
                    "out",
                    "--label",
                    &unlabelled,
                ],
            ),
            (
                "bad metric flag",
                vec!["metrics-export", "--output-dir", "out", "--metric", text],
            ),
            (
                "bad policy",
                vec![
                    "metrics-export",
                    "--run-report",
                    "report.json",
                    "--output-dir",
                    "out",
                    "--policy",
                    "policy.yml",
                ],
            ),
            (
                "bad objectives",
                vec![
                    "metrics-export",
                    "--output-dir",
                    "out",
                    "--objectives",
                    text,
                ],
            ),
            ("explain", vec!["explain", text]),
            ("verify", vec!["verify", text]),
            (
                "push to a hostile receiver",
                vec![
                    "push",
                    "out",
                    "--remote-write",
                    &remote_write,
                    "--retries",
                    "0",
                ],
            ),
            ("push usage", vec!["push", "out", "--pushgateway", text]),
            (
                "push openlineage usage",
                vec!["push", "out", "--openlineage-url", text],
            ),
        ];
        for (what, args) in &cases {
            lines += assert_inert(&format!("{what} with {text:?}"), &run(&case, args, &[]));
            scenarios += 1;
        }
        // A hostile TRACEPARENT (shown in the warning that ignores it) and lineage names.
        let o = run(
            &case,
            &[
                "metrics-export",
                "--run-report",
                "report.json",
                "--output-dir",
                "lineage-out",
                "--input",
                "lineage=lineage.json",
                "--openlineage-namespace",
                text,
            ],
            &[("TRACEPARENT", text)],
        );
        lines += assert_inert(&format!("export with TRACEPARENT {text:?}"), &o);
        let o = run(
            &case,
            &["action"],
            &[
                ("TRACEPARENT", text),
                ("GITHUB_WORKSPACE", case.to_str().unwrap()),
                ("INPUT_INPUTS", "lineage.json"),
            ],
        );
        lines += assert_inert(&format!("action with TRACEPARENT {text:?}"), &o);
        scenarios += 2;

        // The action: every input hostile in turn, then a hostile report with a PR status sent
        // to a GitHub API that answers with a hostile body.
        for (name, _, _) in dpone_observability::github::inputs::INPUTS {
            let key = format!("INPUT_{}", name.to_uppercase());
            let o = run(
                &case,
                &["action"],
                &[(&key, text), ("GITHUB_WORKSPACE", case.to_str().unwrap())],
            );
            lines += assert_inert(&format!("action with {key}={text:?}"), &o);
            scenarios += 1;
        }
        let o = run(
            &case,
            &["action"],
            &[
                ("GITHUB_WORKSPACE", case.to_str().unwrap()),
                ("GITHUB_REPOSITORY", "acme/pipelines"),
                ("GITHUB_SHA", "0123abcd"),
                ("GITHUB_API_URL", &server.url),
                ("DPONE_OBSERVABILITY_RETRY_BASE_MS", "1"),
                ("INPUT_RUN-REPORT", "report.json"),
                ("INPUT_INPUTS", "*.json"),
                ("INPUT_LABELS", &label),
                ("INPUT_METRICS", &metric),
                ("INPUT_RUN-NAME", "hostile"),
                ("INPUT_GITHUB-TOKEN", "ghs_testtoken"),
                ("INPUT_PR-STATUS", "check-run,commit-status"),
                (
                    "INPUT_REMOTE-WRITE-URL",
                    &format!("{}/api/v1/write", server.url),
                ),
            ],
        );
        lines += assert_inert(
            &format!("action with a hostile report and API {text:?}"),
            &o,
        );
        scenarios += 1;
    }
    eprintln!(
        "{} hostile strings, {scenarios} scenarios, {lines} output lines read, no injected command",
        HOSTILE.len()
    );
}

#[test]
fn the_parser_finds_what_the_runner_would() {
    let found = commands("a\n ::error::x\nb ##[set-output name=a;]b\r::add-mask::m\n::no end");
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["error", "legacy set-output", "add-mask"]);
}
