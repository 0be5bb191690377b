//! `mode: publish` against a stand-in GitHub API and a stand-in blob storage on another port of
//! 127.0.0.1: a fork's export (a zip made here from a real `metrics-export`) is verified and
//! published on the `workflow_run`'s head commit; hostile zips are refused with nothing posted.
//! Every API request and answer is validated against GitHub's OpenAPI description; the storage
//! checks that no token reaches it.
#![cfg(feature = "github-api")]

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use crate::common::*;
use crate::standin::{self, Reply};
use dpone_observability::github::inputs::INPUTS;
use serde_json::{json, Value};

const TOKEN: &str = "ghs_fakeTOKENforPUBLISHtests0123456789";
const REPO: &str = "/api/v3/repos/acme/pipelines";
const RUN: u64 = 555;
const ARTIFACT: u64 = 77;
const HEAD: &str = "1111111111111111111111111111111111111111";
/// The pull request's base commit, where the trusted policy is read.
const BASE: &str = "4444444444444444444444444444444444444444";
/// The base branch's policy: what judges the fork's numbers.
const BASE_POLICY: &str = "objectives:\n  run_passed: {min: 1}\n";

/// A fork's export: dpone's run report, made for pull request 7 (`vcs.change.id`).
fn export_files() -> &'static Vec<(String, Vec<u8>)> {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        export_files_of(&[
            "--resource-attr",
            "vcs.change.id=7",
            "--objectives",
            "{\"run_passed\": {\"min\": 1}}",
        ])
    })
}

/// The export's files at the zip's root (minus `skip`, with `change` applied), and `extra`.
fn zip_of(skip: &str, change: impl Fn(&str, &mut Vec<u8>), extra: Vec<ZipEntry>) -> Vec<u8> {
    let files = export_files()
        .iter()
        .filter(|(name, _)| name != skip)
        .map(|(name, bytes)| {
            let mut bytes = bytes.clone();
            change(name, &mut bytes);
            ZipEntry::File(name.clone(), bytes)
        });
    zip_of_entries(files.chain(extra))
}

#[derive(Clone)]
struct Answered {
    method: String,
    path: String,
    authorization: Option<String>,
    status: u16,
    body: Option<Value>,
    request: Option<Value>,
}

struct World {
    api: standin::StandIn,
    storage: standin::StandIn,
    answered: Arc<Mutex<Vec<Answered>>>,
}

/// How the stand-in API behaves.
#[derive(Clone)]
struct Setup {
    zip: Vec<u8>,
    artifact_name: &'static str,
    list_forbidden: bool,
    /// Every `POST` is refused with a 422 that echoes the request's `Authorization` header.
    echo_token: bool,
    pr_head: &'static str,
    /// The policy file at the base commit; `None`: there is none (404).
    policy: Option<String>,
    /// The run lists the artifact twice under the name, with two ids.
    duplicate: bool,
    /// The blob storage reads the request and never answers.
    storage_hangs: bool,
}

impl Setup {
    fn new(zip: Vec<u8>) -> Self {
        Setup {
            zip,
            artifact_name: "observability",
            list_forbidden: false,
            echo_token: false,
            pr_head: HEAD,
            policy: Some(BASE_POLICY.to_string()),
            duplicate: false,
            storage_hangs: false,
        }
    }
}

impl World {
    fn start(setup: Setup) -> Self {
        let zip = Arc::new(setup.zip.clone());
        let hangs = setup.storage_hangs;
        let storage = standin::StandIn::start(move |request| {
            if hangs {
                Reply::Hang
            } else if request.path.starts_with(&format!("/blob/{ARTIFACT}?")) {
                Reply::Send(200, Vec::new(), zip.to_vec())
            } else {
                Reply::Send(404, Vec::new(), b"no such blob".to_vec())
            }
        });
        let storage_url = storage.url.clone();
        let answered = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&answered);
        let api = standin::StandIn::start(move |request| {
            let path = request.path.clone();
            let route = path.trim_start_matches(REPO).to_string();
            let mut headers = Vec::new();
            let (status, body) = if route.starts_with(&format!("/actions/runs/{RUN}/artifacts?")) {
                if setup.list_forbidden {
                    (
                        403,
                        Some(json!({"message": "Resource not accessible by integration"})),
                    )
                } else {
                    let artifact = |id: u64| {
                        json!({
                            "id": id, "node_id": "MDg6QXJ0aWZhY3Q3Nw==",
                            "name": setup.artifact_name, "size_in_bytes": setup.zip.len(),
                            "url": "https://api.github.com/repos/acme/pipelines/actions/artifacts/77",
                            "archive_download_url": "https://api.github.com/repos/acme/pipelines/actions/artifacts/77/zip",
                            "expired": false, "created_at": "2026-01-01T00:00:00Z",
                            "updated_at": "2026-01-01T00:00:00Z", "expires_at": "2026-12-31T00:00:00Z",
                            "digest": format!("sha256:{:064x}", id),
                            "workflow_run": {"id": RUN, "repository_id": 42, "head_repository_id": 43,
                                "head_branch": "feature", "head_sha": HEAD},
                        })
                    };
                    let mut artifacts = vec![artifact(ARTIFACT)];
                    if setup.duplicate {
                        artifacts.push(artifact(ARTIFACT + 1));
                    }
                    (
                        200,
                        Some(json!({"total_count": artifacts.len(), "artifacts": artifacts})),
                    )
                }
            } else if route == format!("/actions/artifacts/{ARTIFACT}/zip") {
                headers.push((
                    "Location".to_string(),
                    format!("{storage_url}/blob/{ARTIFACT}?sv=2025&sig=storage-signature"),
                ));
                (302, None)
            } else if route == "/pulls/7" {
                (
                    200,
                    Some(json!({"number": 7, "head": {"sha": setup.pr_head},
                        "base": {"sha": BASE, "ref": "main"}})),
                )
            } else if route == format!("/contents/.github/dpone-observability.yml?ref={BASE}") {
                match &setup.policy {
                    Some(text) => (200, Some(contents_answer(text))),
                    None => (404, Some(json!({"message": "Not Found"}))),
                }
            } else if route == "/api/graphql" {
                let viewer = json!({"login": "github-actions[bot]", "databaseId": 41898282});
                (200, Some(json!({"data": {"viewer": viewer}})))
            } else if route.starts_with("/issues/7/comments?") {
                (200, Some(json!([])))
            } else if request.method == "POST" && setup.echo_token {
                let echoed = request.header("authorization").unwrap_or_default();
                let message = format!("Validation Failed: {echoed} may not post");
                (422, Some(json!({"message": message})))
            } else if request.method == "POST" {
                (201, Some(json!({"id": 1})))
            } else {
                (404, Some(json!({"message": "Not Found"})))
            };
            log.lock().unwrap().push(Answered {
                method: request.method.clone(),
                path,
                authorization: request.header("authorization").map(str::to_string),
                status,
                body: body.clone(),
                request: serde_json::from_slice(&request.body).ok(),
            });
            headers.push(("Content-Type".into(), "application/json".into()));
            let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
            Reply::Send(status, headers, bytes)
        });
        World {
            api,
            storage,
            answered,
        }
    }

    fn answered(&self) -> Vec<Answered> {
        self.answered.lock().unwrap().clone()
    }

    fn sequence(&self) -> Vec<String> {
        self.answered()
            .iter()
            .map(|a| format!("{} {}", a.method, a.path.trim_start_matches(REPO)))
            .collect()
    }

    /// Nothing was posted: only reads were made.
    fn nothing_posted(&self) -> bool {
        self.answered().iter().all(|a| a.method == "GET")
    }

    fn assert_no_token_at_storage(&self) {
        for r in self.storage.requests() {
            assert_eq!(r.header("authorization"), None, "{}", r.head);
            assert!(!r.head.contains(TOKEN), "token sent to storage: {}", r.head);
        }
    }

    fn validate_against_openapi(&self) {
        let lines: Vec<String> = self
            .answered()
            .iter()
            .map(|a| {
                assert_eq!(
                    a.authorization.as_deref(),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                let mut line = json!({
                    "method": a.method,
                    "path": a.path.trim_start_matches("/api/v3"),
                    "body": a.request,
                });
                // The stand-in's pull request is a stub (`number`, `head.sha`): its answer is not
                // checked; the request is.
                if a.method == "GET"
                    && (a.status == 200 || a.status == 302)
                    && !a.path.contains("/pulls/")
                {
                    line["response"] = json!({"status": a.status, "body": a.body});
                }
                line.to_string()
            })
            .collect();
        github_openapi_accepts(&lines);
    }
}

/// The contents API's answer for the policy file holding `text`.
fn contents_answer(text: &str) -> Value {
    use base64::Engine as _;
    let content = base64::engine::general_purpose::STANDARD.encode(text);
    let url =
        "https://api.github.com/repos/acme/pipelines/contents/.github/dpone-observability.yml";
    json!({
        "type": "file", "encoding": "base64", "size": text.len(),
        "name": "dpone-observability.yml", "path": ".github/dpone-observability.yml",
        "content": content, "sha": "5555555555555555555555555555555555555555",
        "url": url,
        "git_url": "https://api.github.com/repos/acme/pipelines/git/blobs/5555555555555555555555555555555555555555",
        "html_url": "https://github.com/acme/pipelines/blob/main/.github/dpone-observability.yml",
        "download_url": "https://raw.githubusercontent.com/acme/pipelines/main/.github/dpone-observability.yml",
        "_links": {"self": url,
            "git": "https://api.github.com/repos/acme/pipelines/git/blobs/5555555555555555555555555555555555555555",
            "html": "https://github.com/acme/pipelines/blob/main/.github/dpone-observability.yml"},
    })
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    /// The workspace, `RUNNER_TEMP` and the event file, as the run left them.
    tmp: tempfile::TempDir,
}

/// The action in `mode: publish` on a `workflow_run` event for a fork's pull request (its
/// `pull_requests` is empty, as GitHub sends it for forks).
fn publish(world: &World) -> Ran {
    publish_with(world, &[], |_| {})
}

/// [`publish`] with more inputs or variables, and a change to the workspace before the run
/// (`RUNNER_TEMP` is unset when `extra` sets it empty).
fn publish_with(world: &World, extra: &[(&str, &str)], prepare: impl FnOnce(&Path)) -> Ran {
    let tmp = tempfile::tempdir().unwrap();
    let (root, temp) = (tmp.path().join("workspace"), tmp.path().join("temp"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&temp).unwrap();
    let event = tmp.path().join("event.json");
    let payload = json!({"action": "completed", "workflow_run": {
        "id": RUN, "head_sha": HEAD, "pull_requests": [],
        "head_repository": {"full_name": "fork/pipelines"}}});
    std::fs::write(&event, payload.to_string()).unwrap();
    let mut cmd = Command::new(bin());
    cmd.arg("action").current_dir(&root).env_clear();
    for (name, default, _) in INPUTS {
        let value = if *name == "github-token" {
            TOKEN
        } else {
            default
        };
        cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
    }
    cmd.env("INPUT_MODE", "publish")
        .env("INPUT_PR-STATUS", "check-run,comment,commit-status")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "workflow_run")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_RUN_ID", "900")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("GITHUB_JOB", "publish")
        .env("GITHUB_SHA", "2222222222222222222222222222222222222222")
        .env("GITHUB_REPOSITORY", "acme/pipelines")
        .env("GITHUB_SERVER_URL", "https://github.example.com")
        .env("GITHUB_API_URL", format!("{}/api/v3", world.api.url))
        .env("GITHUB_WORKSPACE", &root)
        .env("RUNNER_TEMP", &temp)
        .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "20");
    for (name, value) in extra {
        if value.is_empty() {
            cmd.env_remove(name);
        } else {
            cmd.env(name, value);
        }
    }
    prepare(tmp.path());
    let o = cmd.output().unwrap();
    world.assert_no_token_at_storage();
    Ran {
        code: o.status.code().unwrap(),
        stdout: stdout(&o),
        stderr: stderr(&o),
        tmp,
    }
}

#[test]
fn a_fork_s_export_is_published_on_the_run_s_head_and_pr() {
    let world = World::start(Setup::new(zip_of("", |_, _| {}, Vec::new())));
    let ran = publish(&world);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let sequence = world.sequence();
    eprintln!("requests of a successful publish:\n{}", sequence.join("\n"));
    assert_eq!(
        sequence,
        [
            format!("GET /actions/runs/{RUN}/artifacts?name=observability&per_page=100"),
            format!("GET /actions/artifacts/{ARTIFACT}/zip"),
            "GET /pulls/7".to_string(),
            format!("GET /contents/.github/dpone-observability.yml?ref={BASE}"),
            "POST /check-runs".to_string(),
            "POST /api/graphql".to_string(),
            "GET /issues/7/comments?per_page=100&page=1".to_string(),
            "POST /issues/7/comments".to_string(),
            format!("POST /statuses/{HEAD}"),
        ]
    );
    let answered = world.answered();
    let check = answered
        .iter()
        .find(|a| a.path.ends_with("/check-runs"))
        .unwrap();
    assert_eq!(check.request.as_ref().unwrap()["head_sha"], HEAD);
    // The summary is rendered again from the verified report: its verdict and its gates.
    let summary = check.request.as_ref().unwrap()["output"]["summary"]
        .as_str()
        .unwrap();
    assert!(summary.starts_with("### ✅ "), "{summary}");
    assert!(
        summary.contains("<details><summary>1 passing gate</summary>")
            && summary.contains("| ✅ | `run_passed` | 1 | ≥\u{a0}1 | margin 0 |"),
        "{summary}"
    );
    assert!(
        summary.contains("<details><summary>Metrics (12)")
            && summary.contains("| `dpone_extracted_rows` | 55,000 | rows |"),
        "{summary}"
    );
    assert_eq!(world.storage.requests().len(), 1);
    world.validate_against_openapi();
}

/// The hostile zip is refused: an error annotation, exit 1, and nothing posted.
fn assert_refused(zip: Vec<u8>, what: &str, expected: &str) {
    let world = World::start(Setup::new(zip));
    let ran = publish(&world);
    let line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::error title=dpone-observability%3A publish::"))
        .unwrap_or_else(|| {
            panic!(
                "{what}: no error annotation:\n{}\n{}",
                ran.stdout, ran.stderr
            )
        });
    eprintln!("{what}: {line}");
    assert_eq!(ran.code, 1, "{what}");
    assert!(line.contains(expected), "{what}: {line}");
    assert!(world.nothing_posted(), "{what}: {:?}", world.sequence());
    assert!(
        !world.sequence().iter().any(|r| r.contains("/pulls/")),
        "{what}"
    );
}

#[test]
fn hostile_artifacts_are_refused_with_nothing_posted() {
    assert_refused(
        zip_of(
            "",
            |name, bytes| {
                if name == "runtime_metrics.json" {
                    let text = String::from_utf8(bytes.clone()).unwrap();
                    *bytes = text
                        .replacen("\"passed\": true", "\"passed\": fals", 1)
                        .into_bytes();
                    bytes.push(b' ');
                }
            },
            Vec::new(),
        ),
        "tampered file",
        "does not match its `metrics_index.json`",
    );
    assert_refused(
        zip_of("metrics_index.json", |_, _| {}, Vec::new()),
        "missing index",
        "holds no `runtime_metrics.json` with its `metrics_index.json`",
    );
    assert_refused(
        zip_of(
            "",
            |_, _| {},
            vec![ZipEntry::File("../../evil.sh".into(), b"x".to_vec())],
        ),
        "zip-slip entry",
        "a path outside the archive",
    );
    assert_refused(
        zip_of(
            "",
            |_, _| {},
            vec![ZipEntry::Symlink("link", "/etc/passwd")],
        ),
        "symlink entry",
        "a symbolic link",
    );
    assert_refused(
        zip_of(
            "",
            |_, _| {},
            vec![ZipEntry::File(
                "padding.bin".into(),
                vec![0; 8 * 1024 * 1024],
            )],
        ),
        "zip bomb",
        "a zip bomb",
    );
    assert_refused(
        zip_of(
            "",
            |name, bytes| {
                if name == "metrics_index.json" {
                    bytes.extend(std::iter::repeat_n(b' ', 17 * 1024 * 1024));
                }
            },
            Vec::new(),
        ),
        "oversized entry",
        "more than the 16777216 a `metrics_index.json` may be",
    );
}

#[test]
fn a_pr_whose_head_differs_gets_no_comment() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.pr_head = "3333333333333333333333333333333333333333";
    let world = World::start(setup);
    let ran = publish(&world);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let warning = ran
        .stderr
        .lines()
        .find(|l| l.contains("pull request #7 was not confirmed"))
        .unwrap_or_else(|| panic!("{}", ran.stderr));
    eprintln!("PR head differs: {warning}");
    let sequence = world.sequence();
    assert!(
        !sequence.iter().any(|r| r.contains("/issues/")),
        "{sequence:?}"
    );
    assert!(
        sequence.contains(&"POST /check-runs".to_string()),
        "{sequence:?}"
    );
}

#[test]
fn no_artifact_of_that_name_is_a_clear_warning() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.artifact_name = "something-else";
    let world = World::start(setup);
    let ran = publish(&world);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("::warning title=dpone-observability%3A publish::run 555 has no unexpired artifact named `observability`"),
        "{}",
        ran.stdout
    );
    eprintln!("no artifact: {}", ran.stderr.trim());
    assert!(world.nothing_posted());
    assert!(world.storage.requests().is_empty());
}

#[test]
fn a_403_on_the_artifact_list_names_actions_read() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.list_forbidden = true;
    let world = World::start(setup);
    let ran = publish(&world);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("403 Resource not accessible by integration (the publish job's token needs `actions: read`"), "{}", ran.stderr);
    eprintln!("403 on the list: {}", ran.stderr.trim());
    assert!(world.nothing_posted());
}

/// The check run the publish posted: its conclusion and summary.
fn posted_check(world: &World) -> (String, String) {
    let answered = world.answered();
    let check = answered
        .iter()
        .find(|a| a.path.ends_with("/check-runs"))
        .expect("a check run was posted");
    let request = check.request.as_ref().unwrap();
    (
        request["conclusion"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        request["output"]["summary"].as_str().unwrap().to_string(),
    )
}

/// The fork's export says it passed (its own objective, `run_passed`, is met); the base
/// branch's policy asks for more rows than it reported. The posted verdict is the base
/// policy's, and the text says whose numbers and whose judgement it is.
#[test]
fn the_fork_s_recorded_verdict_is_not_believed() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.policy = Some("objectives:\n  extracted_rows: {min: 100000}\n".to_string());
    let world = World::start(setup);
    let ran = publish(&world);
    // The judged verdict fails, so the step fails, as an export's would.
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    let (conclusion, summary) = posted_check(&world);
    eprintln!("judged by the base policy:\n{summary}");
    assert_eq!(conclusion, "failure", "{summary}");
    assert!(summary.starts_with("### ❌ "), "{summary}");
    assert!(summary.contains("extracted_rows"), "{summary}");
    assert!(
        summary.contains("Numbers reported by run 555")
            && summary.contains("the base commit 4444444")
            && summary.contains("not used"),
        "{summary}"
    );
    // The fork's own objective is no gate here: only the base policy's.
    assert!(!summary.contains("run_passed` | 1 | ≥"), "{summary}");
    world.validate_against_openapi();
}

/// Without a policy file at the base commit, nothing is gated, whatever the artifact recorded.
#[test]
fn without_a_base_policy_the_fork_s_gates_are_dropped() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.policy = None;
    let world = World::start(setup);
    let ran = publish(&world);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let (_, summary) = posted_check(&world);
    assert!(summary.contains("no policy"), "{summary}");
    assert!(!summary.contains("passing gate"), "{summary}");
}

#[test]
fn every_file_of_the_run_folder_must_match_the_index() {
    assert_refused(
        zip_of(
            "",
            |name, bytes| {
                if name == "prometheus_metrics.prom" {
                    bytes.extend_from_slice(b"dpone_forged 1\n");
                }
            },
            Vec::new(),
        ),
        "tampered Prometheus file",
        "prometheus_metrics.prom",
    );
    assert_refused(
        zip_of("runtime_metrics.md", |_, _| {}, Vec::new()),
        "missing Markdown report",
        "runtime_metrics.md",
    );
    assert_refused(
        zip_of(
            "",
            |_, _| {},
            vec![ZipEntry::File("notes.txt".into(), b"x".to_vec())],
        ),
        "extra file",
        "notes.txt",
    );
}

/// A zip entry that declares a few bytes and inflates to megabytes is refused at the bytes
/// actually written, not believed.
#[test]
fn an_entry_larger_than_it_declares_is_refused() {
    let zip = zip_of(
        "",
        |_, _| {},
        vec![ZipEntry::File(
            "padding.bin".into(),
            vec![0; 4 * 1024 * 1024],
        )],
    );
    assert_refused(
        declare_size(zip, "padding.bin", 1000),
        "lying entry",
        "unpacks to more than the 1000 bytes it declares",
    );
}

/// The zip with `name`'s uncompressed size rewritten to `size` in its local and central
/// headers (the CRC and the data stay: only the declaration lies).
fn declare_size(mut zip: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let mut patched = 0;
    for (signature, size_at, name_at) in
        [(b"PK\x03\x04", 22usize, 30usize), (b"PK\x01\x02", 24, 46)]
    {
        let mut i = 0;
        while i + name_at + name.len() <= zip.len() {
            if &zip[i..i + 4] == signature
                && &zip[i + name_at..i + name_at + name.len()] == name.as_bytes()
            {
                zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
            i += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of `{name}` found");
    zip
}

#[test]
fn two_artifacts_of_the_name_are_refused() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.duplicate = true;
    let world = World::start(setup);
    let ran = publish(&world);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .contains("lists 2 artifacts named `observability`"),
        "{}",
        ran.stdout
    );
    assert!(world.nothing_posted());
    assert!(world.storage.requests().is_empty());
}

/// A storage host that never answers costs the step's `timeout`, not 30 s per attempt per
/// request.
#[test]
fn a_hanging_storage_host_ends_at_the_step_s_timeout() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.storage_hangs = true;
    let world = World::start(setup);
    let ran = publish_with(&world, &[("INPUT_TIMEOUT", "2")], |_| {});
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("`timeout`"),
        "the warning names the deadline: {}",
        ran.stderr
    );
    assert!(world.nothing_posted());
}

/// With `RUNNER_TEMP` unset the artifact is unpacked in the workspace; a symbolic link there
/// is never written through.
#[test]
fn a_link_in_the_workspace_is_not_followed() {
    let world = World::start(Setup::new(zip_of("", |_, _| {}, Vec::new())));
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().to_path_buf();
    let ran = publish_with(&world, &[("RUNNER_TEMP", "")], |tmp| {
        std::os::unix::fs::symlink(&target, tmp.join("workspace/.dpone-observability-publish"))
            .unwrap();
    });
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("symbolic link"), "{}", ran.stderr);
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "nothing written outside the workspace"
    );
    assert!(world.nothing_posted());
}

#[test]
fn a_token_the_api_echoes_is_printed_and_written_nowhere() {
    let mut setup = Setup::new(zip_of("", |_, _| {}, Vec::new()));
    setup.echo_token = true;
    let world = World::start(setup);
    let ran = publish(&world);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // The refusals were heard, with the token out of them.
    assert!(
        ran.stderr
            .contains("422 Validation Failed: Bearer *** may not post"),
        "{}",
        ran.stderr
    );
    for line in ran.stdout.lines().chain(ran.stderr.lines()) {
        if !line.starts_with("::add-mask::") {
            assert!(!line.contains(TOKEN), "{line}");
        }
    }
    assert_no_file_holds(&[ran.tmp.path()], TOKEN);
}

/// A failed run's export, published: the same run line (the root cause), one annotation per
/// root cause on the check run and on this run's page, the same summary on this run's page
/// (where the check run's "Full summary" links), and the exit status of an export.
#[test]
fn a_failed_run_s_export_is_published_at_parity_with_its_export() {
    let files = export_files_of_report(
        "run-report/run_report_failed_real.json",
        &["--resource-attr", "vcs.change.id=7"],
    );
    let zip = zip_of_entries(
        files
            .iter()
            .map(|(name, bytes)| ZipEntry::File(name.clone(), bytes.clone())),
    );
    let world = World::start(Setup::new(zip));
    let page = tempfile::tempdir().unwrap();
    let summary_file = page.path().join("step_summary");
    let summary_var = summary_file.to_str().unwrap();
    let ran = publish_with(&world, &[("GITHUB_STEP_SUMMARY", summary_var)], |_| {});
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    let answered = world.answered();
    let check = answered
        .iter()
        .find(|a| a.path.ends_with("/check-runs"))
        .and_then(|a| a.request.clone())
        .expect("a check run was posted");
    let summary = check["output"]["summary"].as_str().unwrap();
    eprintln!("published failed run:\n{summary}");
    // The root cause, in view under the heading, as in the export's own summary.
    assert!(summary.starts_with("### ❌ "), "{summary}");
    assert!(
        summary.contains("**failed** (status `error`): `DPONE_LEGACY_RUNTIME_DEFAULTS_DISABLED`"),
        "{summary}"
    );
    // One check-run annotation per root cause, on the trusted policy file (the gate at its line).
    let annotations = check["output"]["annotations"]
        .as_array()
        .expect("annotations");
    let titles: Vec<&str> = annotations
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["run_report.run_failed", "slo.dpone_run_passed.below_min"],
        "{annotations:?}"
    );
    assert!(annotations
        .iter()
        .all(|a| a["path"] == ".github/dpone-observability.yml"));
    assert_eq!(annotations[1]["start_line"], 2, "{annotations:?}");
    assert_eq!(annotations[1]["annotation_level"], "failure");
    // The same on this run's page, most severe first, and the verdict line.
    let commands: Vec<&str> = ran.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert!(
        commands[1].starts_with("::error title=slo.dpone_run_passed.below_min::")
            && commands[1].contains("This blocker fails the step."),
        "{commands:?}"
    );
    assert!(
        commands[2].starts_with("::warning title=run_report.run_failed::"),
        "{commands:?}"
    );
    assert!(
        ran.stdout
            .contains("dpone-observability: ❌ failed: 1 gate failed, 1 warning;"),
        "{}",
        ran.stdout
    );
    // The check run's "Full summary" links this run, whose page now holds the summary.
    let page_summary = std::fs::read_to_string(&summary_file).unwrap();
    assert!(summary.contains("https://github.example.com/acme/pipelines/actions/runs/900"));
    assert_eq!(
        page_summary.lines().next(),
        summary.lines().next(),
        "{page_summary}"
    );
    assert!(page_summary.contains("`DPONE_LEGACY_RUNTIME_DEFAULTS_DISABLED`"));
    world.validate_against_openapi();

    // Under `fail-on: never` the step passes, and no text says a blocker fails it.
    let world = World::start(Setup::new(zip_of_entries(
        files
            .iter()
            .map(|(name, bytes)| ZipEntry::File(name.clone(), bytes.clone())),
    )));
    let ran = publish_with(&world, &[("INPUT_FAIL-ON", "never")], |_| {});
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(!ran.stdout.contains("fails the step"), "{}", ran.stdout);
    let (_, summary) = posted_check(&world);
    assert!(!summary.contains("fails the step"), "{summary}");
}
