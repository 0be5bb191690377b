//! PR status through the GitHub API, against a stand-in API server on 127.0.0.1 (no
//! credentials, no internet): the exact request sequences, annotation batches, the comment
//! edited in place, and faults (403 on a fork, 502 then success, 429 with Retry-After). Every
//! request body is validated against GitHub's OpenAPI description (@octokit/openapi).
#![cfg(feature = "github-api")]

use crate::common;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::standin::{self, Reply};
use common::*;
use dpone_observability::github::inputs::INPUTS;
use serde_json::{json, Value};

const TOKEN: &str = "ghs_fakeTOKENfortests0123456789";

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    body: Option<Value>,
    authorization: Option<String>,
    at: Instant,
}

/// A scripted answer for the next request whose `METHOD path` starts with `route`.
struct Fault {
    route: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Default)]
struct State {
    faults: VecDeque<Fault>,
    /// Id, body and author (`user`) of each comment on the pull request.
    comments: Vec<(u64, String, Value)>,
    next_id: u64,
}

/// The account the stand-in's token posts as: the workflow's `GITHUB_TOKEN`.
fn token_user() -> Value {
    json!({"login": "github-actions[bot]", "id": 41898282, "type": "Bot"})
}

/// A fault body's `{authorization}` becomes the request's `Authorization` header as sent,
/// `{authorization_url}` the same percent-encoded: the stand-in echoes the credential, as a
/// proxy's error page or a careless 422 would.
fn echo(text: &str, authorization: &str) -> String {
    let encoded: String = authorization
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    text.replace("{authorization_url}", &encoded)
        .replace("{authorization}", authorization)
}

/// The GitHub REST API, modelled on the shared stand-in server.
struct StandIn {
    url: String,
    server: standin::StandIn,
    state: Arc<Mutex<State>>,
}

impl StandIn {
    fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let server = standin::StandIn::start(move |request| {
            let body: Option<Value> = (!request.body.is_empty())
                .then(|| serde_json::from_slice(&request.body).expect("JSON request body"));
            let (status, mut headers, response) =
                answer(&shared, &request.method, &request.path, body.as_ref());
            headers.push(("Content-Type".into(), "application/json".into()));
            let response = echo(
                &response,
                request.header("authorization").unwrap_or_default(),
            );
            Reply::Send(status, headers, response.into_bytes())
        });
        StandIn {
            url: server.url.clone(),
            server,
            state,
        }
    }

    fn fault(&self, route: &str, status: u16, headers: &[(&str, &str)], body: &str) {
        self.state.lock().unwrap().faults.push_back(Fault {
            route: route.to_string(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
        });
    }

    /// A comment already on the pull request, by `user`.
    fn seed_comment(&self, id: u64, body: &str, user: Value) {
        let mut state = self.state.lock().unwrap();
        state.comments.push((id, body.to_string(), user));
    }

    /// The body of comment `id` as the stand-in keeps it.
    fn comment_body(&self, id: u64) -> String {
        let state = self.state.lock().unwrap();
        let found = state.comments.iter().find(|(i, _, _)| *i == id);
        found.expect("the comment is there").1.clone()
    }

    fn take(&self) -> Vec<Recorded> {
        self.server
            .take()
            .into_iter()
            .map(|r| Recorded {
                body: (!r.body.is_empty())
                    .then(|| serde_json::from_slice(&r.body).expect("JSON request body")),
                authorization: r.header("authorization").map(str::to_string),
                method: r.method,
                path: r.path,
                at: r.at,
            })
            .collect()
    }
}

/// Scripted faults first; otherwise a tiny model of the endpoints the adapter uses.
fn answer(
    state: &Mutex<State>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = state.lock().unwrap();
    let key = format!("{method} {path}");
    if let Some(i) = s.faults.iter().position(|f| key.starts_with(&f.route)) {
        let f = s.faults.remove(i).unwrap();
        return (f.status, f.headers, f.body);
    }
    s.next_id += 1;
    let id = s.next_id;
    let ok = |status: u16, v: Value| (status, Vec::new(), v.to_string());
    match method {
        "POST" if path.ends_with("/check-runs") => ok(201, json!({"id": id})),
        "PATCH" if path.contains("/check-runs/") => ok(200, json!({"id": 1})),
        "POST" if path == "/api/graphql" => ok(
            200,
            json!({"data": {"viewer": {"login": token_user()["login"], "databaseId": token_user()["id"]}}}),
        ),
        "GET" if path.contains("/comments") => {
            let list: Vec<Value> = s
                .comments
                .iter()
                .map(|(id, b, user)| json!({"id": id, "body": b, "user": user}))
                .collect();
            ok(200, Value::Array(list))
        }
        "POST" if path.ends_with("/comments") => {
            let text = body
                .and_then(|b| b["body"].as_str())
                .unwrap_or_default()
                .to_string();
            s.comments.push((id, text.clone(), token_user()));
            ok(201, json!({"id": id, "body": text, "user": token_user()}))
        }
        "PATCH" if path.contains("/issues/comments/") => {
            let target: u64 = path.rsplit('/').next().unwrap().parse().unwrap();
            let text = body
                .and_then(|b| b["body"].as_str())
                .unwrap_or_default()
                .to_string();
            if let Some(c) = s.comments.iter_mut().find(|(i, _, _)| *i == target) {
                c.1 = text;
            }
            ok(200, json!({"id": target}))
        }
        "POST" if path.contains("/statuses/") => ok(201, json!({"id": id})),
        _ => ok(404, json!({"message": "Not Found"})),
    }
}

struct Workspace {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    files: PathBuf,
}

impl Workspace {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("workspace");
        let files = tmp.path().join("files");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        std::fs::copy(
            fixture("run-report/run_report_success_real.json"),
            root.join("run_report.json"),
        )
        .unwrap();
        let event = json!({"pull_request": {"number": 7, "head": {"sha": "feedface00000000000000000000000000000000"}}});
        std::fs::write(files.join("event.json"), event.to_string()).unwrap();
        Workspace {
            _tmp: tmp,
            root,
            files,
        }
    }

    fn run(&self, api: &StandIn, run_id: &str, inputs: &[(&str, &str)]) -> (i32, String) {
        self.run_as(api, run_id, "check", inputs)
    }

    /// [`Workspace::run`] with more environment variables; the whole output.
    fn run_env(
        &self,
        api: &StandIn,
        run_id: &str,
        inputs: &[(&str, &str)],
        env: &[(&str, &str)],
    ) -> std::process::Output {
        let mut cmd = self.command(api, run_id, "check", inputs);
        for (name, value) in env {
            cmd.env(name, value);
        }
        let o = cmd.output().unwrap();
        assert!(
            stdout(&o).starts_with(&format!("::add-mask::{TOKEN}\n")),
            "the token is masked first: {}",
            stdout(&o)
        );
        o
    }

    /// [`Workspace::run`] as the job `job` (`GITHUB_JOB`).
    fn run_as(
        &self,
        api: &StandIn,
        run_id: &str,
        job: &str,
        inputs: &[(&str, &str)],
    ) -> (i32, String) {
        let o = self.command(api, run_id, job, inputs).output().unwrap();
        let out = stdout(&o);
        assert!(
            out.starts_with(&format!("::add-mask::{TOKEN}\n")),
            "the token is masked first: {out}"
        );
        (o.status.code().unwrap(), out)
    }

    /// The action as the runner starts it, as job `job`.
    fn command(&self, api: &StandIn, run_id: &str, job: &str, inputs: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.arg("action")
            .current_dir(&self.root)
            .env_clear()
            .env("SOURCE_DATE_EPOCH", EPOCH);
        for (name, default, _) in INPUTS {
            let value = if *name == "github-token" {
                TOKEN
            } else {
                default
            };
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        for (name, value) in inputs {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", run_id)
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_JOB", job)
            .env("GITHUB_SHA", "0000000000000000000000000000000000000000")
            .env("GITHUB_REPOSITORY", "acme/pipelines")
            .env("GITHUB_SERVER_URL", "https://github.example.com")
            .env("GITHUB_API_URL", format!("{}/api/v3", api.url))
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.files.join("event.json"))
            .env("GITHUB_WORKSPACE", &self.root)
            .env("GITHUB_STEP_SUMMARY", self.files.join("summary"))
            .env("GITHUB_OUTPUT", self.files.join("output"))
            .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "50");
        cmd
    }

    /// No file the action wrote holds the token.
    fn assert_token_never_written(&self) {
        assert_no_file_holds(&[&self.root, &self.files], TOKEN);
    }
}

fn sequence(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Every request body against GitHub's OpenAPI description.
fn validate_against_openapi(requests: &[Recorded]) {
    let lines: Vec<String> = requests
        .iter()
        .map(|r| {
            // GitHub Enterprise Server's layout: REST under `/api/v3`, GraphQL at `/api/graphql`.
            let path = match r.path.strip_prefix("/api/v3") {
                Some(rest) => rest,
                None => r.path.trim_start_matches("/api"),
            };
            json!({"method": r.method, "path": path, "body": r.body}).to_string()
        })
        .collect();
    github_openapi_accepts(&lines);
}

const REPO: &str = "/api/v3/repos/acme/pipelines";

#[test]
fn a_passing_run_on_a_pull_request() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let (code, out) = ws.run(
        &api,
        "1",
        &[
            ("run-report", "run_report.json"),
            ("pr-status", "check-run,comment,commit-status"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert_eq!(
        sequence(&requests),
        [
            format!("POST {REPO}/check-runs"),
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("POST {REPO}/issues/7/comments"),
            format!("POST {REPO}/statuses/feedface00000000000000000000000000000000"),
        ]
    );
    let check = requests[0].body.as_ref().unwrap();
    assert_eq!(
        check["head_sha"], "feedface00000000000000000000000000000000",
        "the PR head, not the merge commit"
    );
    assert_eq!(check["conclusion"], "success");
    // The default name carries the pipeline, so matrix legs never share a check or comment.
    assert_eq!(
        check["name"],
        "dpone observability: check / orders_pg_to_pg"
    );
    assert_eq!(check["output"]["title"], "✅ passed (12 metrics)");
    assert_eq!(check["output"]["annotations"], json!([]));
    assert!(check["output"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("### ✅ dpone observability: check / orders\\_pg\\_to\\_pg — passed\n"));
    let comment = requests[3].body.as_ref().unwrap()["body"].as_str().unwrap();
    assert!(
        comment.starts_with("<!-- dpone-observability:dpone observability: check / orders_pg_to_pg -->\n<!-- dpone-observability-state verdict=passed "),
        "{comment}"
    );
    // The comment is short: the verdict, the run, the commit, a link to the full summary.
    assert!(!comment.contains("<details>"), "{comment}");
    assert!(comment.lines().count() <= 12, "{comment}");
    assert!(comment.contains("commit [`feedfac`]("), "{comment}");
    let status = requests[4].body.as_ref().unwrap();
    assert_eq!(status["state"], "success");
    assert!(status["description"].as_str().unwrap().chars().count() <= 140);
    for r in &requests {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    validate_against_openapi(&requests);
    ws.assert_token_never_written();
}

#[test]
fn a_failing_run_sends_120_annotations_in_3_batches_and_a_second_run_edits_the_comment() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let mut patterns = String::new();
    for i in 0..120 {
        std::fs::write(ws.root.join(format!("other{i:03}.json")), r#"{"x": 1}"#).unwrap();
    }
    patterns.push_str("other*.json\n");
    std::fs::copy(
        fixture("run-report/run_report_failed_real.json"),
        ws.root.join("run.json"),
    )
    .unwrap();
    let (code, out) = ws.run(
        &api,
        "2",
        &[
            ("run-report", "run.json"),
            ("inputs", &patterns),
            ("fail-on", "warning"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let requests = api.take();
    assert_eq!(
        sequence(&requests),
        [
            format!("POST {REPO}/check-runs"),
            format!("PATCH {REPO}/check-runs/1001"),
            format!("PATCH {REPO}/check-runs/1001"),
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("POST {REPO}/issues/7/comments"),
        ]
    );
    let batches: Vec<usize> = requests[..3]
        .iter()
        .map(|r| {
            r.body.as_ref().unwrap()["output"]["annotations"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(
        batches,
        [50, 50, 21],
        "120 unknown inputs and the failed run"
    );
    let all: Vec<&Value> = requests[..3]
        .iter()
        .flat_map(|r| {
            r.body.as_ref().unwrap()["output"]["annotations"]
                .as_array()
                .unwrap()
        })
        .collect();
    let run = all
        .iter()
        .find(|a| a["path"] == "run.json")
        .expect("the failed run is annotated");
    assert_eq!(run["annotation_level"], "failure");
    assert_eq!(run["title"], "run_report.run_failed");
    assert_eq!(requests[0].body.as_ref().unwrap()["conclusion"], "failure");
    validate_against_openapi(&requests);

    // A second run, now passing, finds the comment by its marker and edits it: a failed run
    // (whose report has no `process`) and a passing one share the default name.
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        ws.root.join("run.json"),
    )
    .unwrap();
    for i in 0..120 {
        std::fs::remove_file(ws.root.join(format!("other{i:03}.json"))).unwrap();
    }
    let (code, out) = ws.run(&api, "3", &[("run-report", "run.json")]);
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert_eq!(
        sequence(&requests),
        [
            format!("POST {REPO}/check-runs"),
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("PATCH {REPO}/issues/comments/1006"),
        ]
    );
    assert_eq!(
        api.state.lock().unwrap().comments.len(),
        1,
        "one comment, edited in place"
    );
    validate_against_openapi(&requests);
    ws.assert_token_never_written();
}

#[test]
fn a_fork_pull_request_gets_403_and_the_export_still_passes() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let denied = r#"{"message": "Resource not accessible by integration"}"#;
    api.fault(
        "POST /api/v3/repos/acme/pipelines/check-runs",
        403,
        &[],
        denied,
    );
    api.fault(
        "GET /api/v3/repos/acme/pipelines/issues/7/comments",
        403,
        &[],
        denied,
    );
    let (code, out) = ws.run(&api, "4", &[("run-report", "run_report.json")]);
    assert_eq!(code, 0, "a fault never fails a good export: {out}");
    assert_eq!(
        sequence(&api.take()),
        [
            format!("POST {REPO}/check-runs"),
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
        ],
        "a 403 without rate limiting is not retried"
    );
    let warnings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::warning title=dpone-observability%3A PR status::"))
        .collect();
    assert_eq!(warnings.len(), 2, "{out}");
    assert!(warnings[0].contains("check run `dpone observability: check / orders_pg_to_pg` not posted: 403 Resource not accessible by integration (pull requests from forks"));
    assert!(warnings[1].contains("PR comment not posted: 403"));
    check_export(&ws.root.join("test_artifacts/observability/4-1"));
    ws.assert_token_never_written();
}

#[test]
fn a_502_is_retried_and_a_429_waits_for_retry_after() {
    let api = StandIn::start();
    let ws = Workspace::new();
    api.fault(
        "POST /api/v3/repos/acme/pipelines/check-runs",
        502,
        &[],
        "<html>Bad gateway</html>",
    );
    api.fault(
        "GET /api/v3/repos/acme/pipelines/issues/7/comments",
        429,
        &[("Retry-After", "1")],
        r#"{"message": "API rate limit exceeded"}"#,
    );
    let (code, out) = ws.run(&api, "5", &[("run-report", "run_report.json")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("::warning"),
        "both succeeded after retrying: {out}"
    );
    let requests = api.take();
    assert_eq!(
        sequence(&requests),
        [
            format!("POST {REPO}/check-runs"),
            format!("POST {REPO}/check-runs"),
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("POST {REPO}/issues/7/comments"),
        ]
    );
    let waited = requests[4].at.duration_since(requests[3].at);
    assert!(
        waited.as_millis() >= 950,
        "Retry-After: 1 was honoured ({waited:?})"
    );
    validate_against_openapi(&requests);
}

#[test]
fn retries_are_bounded() {
    let api = StandIn::start();
    let ws = Workspace::new();
    for _ in 0..4 {
        api.fault(
            "POST /api/v3/repos/acme/pipelines/check-runs",
            503,
            &[],
            r#"{"message": "unavailable"}"#,
        );
    }
    let (code, out) = ws.run(
        &api,
        "6",
        &[
            ("run-report", "run_report.json"),
            ("pr-status", "check-run"),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(api.take().len(), 4, "one try and three retries");
    assert!(
        out.contains(
            "check run `dpone observability: check / orders_pg_to_pg` not posted: 503 unavailable after 3 retries"
        ),
        "{out}"
    );
}

/// The comment's body after the last request, as the stand-in keeps it.
fn only_comment(api: &StandIn) -> String {
    let state = api.state.lock().unwrap();
    assert_eq!(state.comments.len(), 1, "one comment");
    state.comments[0].1.clone()
}

#[test]
fn comment_mode_failures_comments_only_while_failing_then_says_now_passing() {
    let api = StandIn::start();
    let ws = Workspace::new();
    std::fs::copy(
        fixture("run-report/run_report_failed_real.json"),
        ws.root.join("failed.json"),
    )
    .unwrap();
    let mode = ("comment-mode", "failures");
    // Passing with nothing to say: no comment is created.
    let (code, out) = ws.run(&api, "21", &[("run-report", "run_report.json"), mode]);
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert!(
        !sequence(&requests)
            .iter()
            .any(|r| r.contains("/comments") && !r.starts_with("GET")),
        "{:?}",
        sequence(&requests)
    );
    // The run fails: the comment appears, short, with the run's own failure.
    let (code, out) = ws.run(&api, "22", &[("run-report", "failed.json"), mode]);
    assert_eq!(code, 0, "a failed run is a warning by default: {out}");
    let comment = only_comment(&api);
    assert!(comment.contains("### ⚠️ "), "{comment}");
    assert!(
        comment.contains("`DPONE_LEGACY_RUNTIME_DEFAULTS_DISABLED`"),
        "{comment}"
    );
    assert!(comment.contains("verdict=warned"), "{comment}");
    validate_against_openapi(&api.take());
    // Passing again: the same comment now says so, in one line.
    let (code, out) = ws.run(&api, "23", &[("run-report", "run_report.json"), mode]);
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert!(
        sequence(&requests)
            .iter()
            .any(|r| r.starts_with("PATCH") && r.contains("/issues/comments/")),
        "{:?}",
        sequence(&requests)
    );
    let comment = only_comment(&api);
    assert!(comment.contains("— now passing"), "{comment}");
    assert!(comment.contains("verdict=passed"), "{comment}");
    // And stays as it is while passing.
    let (code, _) = ws.run(&api, "24", &[("run-report", "run_report.json"), mode]);
    assert_eq!(code, 0);
    assert!(!sequence(&api.take()).iter().any(
        |r| r.starts_with("PATCH") || r.starts_with("POST /api/v3/repos/acme/pipelines/issues")
    ));
}

#[test]
fn comment_mode_changes_edits_only_when_the_verdict_or_failures_change() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let mode = ("comment-mode", "changes");
    let (code, out) = ws.run(&api, "31", &[("run-report", "run_report.json"), mode]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(api.state.lock().unwrap().comments.len(), 1);
    api.take();
    // Same verdict, same findings, another run: nothing is sent, though the run id differs.
    let (code, _) = ws.run(&api, "32", &[("run-report", "run_report.json"), mode]);
    assert_eq!(code, 0);
    let requests = api.take();
    assert!(
        !sequence(&requests)
            .iter()
            .any(|r| r.starts_with("PATCH") || r.ends_with("/issues/7/comments")),
        "{:?}",
        sequence(&requests)
    );
    // A warning appears: the comment changes.
    std::fs::write(ws.root.join("other.json"), r#"{"x": 1}"#).unwrap();
    let (code, _) = ws.run(
        &api,
        "33",
        &[
            ("run-report", "run_report.json"),
            ("inputs", "other.json"),
            mode,
        ],
    );
    assert_eq!(code, 0);
    assert!(sequence(&api.take()).iter().any(|r| r.starts_with("PATCH")));
    assert!(only_comment(&api).contains("verdict=warned"));
}

#[test]
fn matrix_legs_get_their_own_check_and_comment_and_a_shared_name_is_warned_about() {
    let api = StandIn::start();
    let ws = Workspace::new();
    std::fs::copy(
        fixture("run-report/run_report_failed_real.json"),
        ws.root.join("failed.json"),
    )
    .unwrap();
    // Two jobs of one run: the failing one is not hidden by the passing one.
    ws.run_as(
        &api,
        "41",
        "load",
        &[("run-report", "failed.json"), ("run-name", "a")],
    );
    ws.run_as(
        &api,
        "41",
        "report",
        &[("run-report", "run_report.json"), ("run-name", "b")],
    );
    let requests = api.take();
    let names: Vec<String> = requests
        .iter()
        .filter(|r| r.path.ends_with("/check-runs"))
        .map(|r| {
            r.body.as_ref().unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "dpone observability: load / orders_pg_to_pg",
            "dpone observability: report / orders_pg_to_pg"
        ]
    );
    assert_eq!(
        api.state.lock().unwrap().comments.len(),
        2,
        "one comment each"
    );
    // Two legs forced onto one name: the second warns that it overwrites the first's comment.
    let shared = ("check-name", "observability");
    ws.run_as(
        &api,
        "42",
        "load",
        &[("run-report", "failed.json"), ("run-name", "c"), shared],
    );
    let (_, out) = ws.run_as(
        &api,
        "42",
        "load",
        &[("run-report", "run_report.json"), ("run-name", "d"), shared],
    );
    assert!(
        out.contains("was last written by job `load` of this same run"),
        "{out}"
    );
}

/// Nothing a report says is live in what is posted (rendered as GitHub renders it,
/// `neutral.rs`): the check run's title, summary and annotations, the PR comment below the
/// tool's own hidden lines, the commit status.
#[test]
fn a_hostile_report_posts_no_mention_reference_link_or_comment() {
    use crate::neutral::{hostile_report, live_in, live_in_text, HOSTILE, OWN_LINKS};
    let api = StandIn::start();
    let ws = Workspace::new();
    std::fs::write(ws.root.join("hostile.json"), hostile_report().to_string()).unwrap();
    let (code, out) = ws.run(
        &api,
        "3",
        &[
            ("run-report", "hostile.json"),
            ("labels", &format!("team={HOSTILE}")),
            ("pr-status", "check-run,comment,commit-status"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    let check = &requests[0].body.as_ref().unwrap()["output"];
    let summary = check["summary"].as_str().unwrap();
    assert_eq!(
        live_in(summary, &OWN_LINKS),
        Vec::<String>::new(),
        "{summary}"
    );
    assert_eq!(
        live_in_text(check["title"].as_str().unwrap()),
        Vec::<String>::new()
    );
    let annotations = check["annotations"].as_array().unwrap();
    assert!(!annotations.is_empty(), "{check}");
    for a in annotations {
        let message = a["message"].as_str().unwrap();
        let (text, runbook) = message.split_once(" Runbook: ").unwrap();
        assert!(
            OWN_LINKS.iter().any(|own| runbook.starts_with(own)),
            "{message}"
        );
        assert_eq!(live_in_text(text), Vec::<String>::new(), "{message}");
        assert_eq!(
            live_in_text(a["title"].as_str().unwrap()),
            Vec::<String>::new()
        );
    }
    let comment = requests
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/issues/7/comments"))
        .and_then(|r| r.body.as_ref())
        .and_then(|b| b["body"].as_str())
        .unwrap();
    // The tool's own hidden lines (the marker and the state) come first; nothing else hides.
    let shown: Vec<&str> = comment.lines().skip(2).collect();
    assert!(comment
        .lines()
        .take(2)
        .all(|l| l.starts_with("<!-- dpone-observability")));
    let shown = shown.join("\n");
    assert_eq!(
        live_in(&shown, &OWN_LINKS),
        Vec::<String>::new(),
        "{comment}"
    );
    let status = requests.last().unwrap().body.as_ref().unwrap();
    assert_eq!(
        live_in_text(status["description"].as_str().unwrap()),
        Vec::<String>::new()
    );
    validate_against_openapi(&requests);
}

const MARKER: &str = "<!-- dpone-observability:dpone observability: check / orders_pg_to_pg -->";

/// The hostile pull request: comments by other accounts that carry this check's exact marker
/// and a state line forged to say "nothing changed" (or "failed"), one by a user named like the
/// bot, one by a `User` that calls itself `github-actions[bot]`.
fn seed_forgeries(api: &StandIn, forged_body: &str) -> Vec<u64> {
    let forged_failed = format!("{MARKER}\n<!-- dpone-observability-state verdict=failed findings=0 run=1_1 job=check -->\nall red");
    let users = [
        (
            json!({"login": "mallory", "id": 666, "type": "User"}),
            forged_body.to_string(),
        ),
        (
            json!({"login": "github-actions", "id": 667, "type": "User"}),
            forged_body.to_string(),
        ),
        (
            json!({"login": "github-actions[bot]", "id": 668, "type": "User"}),
            forged_failed.clone(),
        ),
        (
            json!({"login": "Mallory-Bot[bot]", "id": 669, "type": "Bot"}),
            forged_failed,
        ),
    ];
    let mut ids = Vec::new();
    for (i, (user, body)) in users.into_iter().enumerate() {
        let id = 500 + i as u64;
        api.seed_comment(id, &body, user);
        ids.push(id);
    }
    ids
}

/// No request edits any of `ids`, and their bodies are as they were.
fn assert_untouched(api: &StandIn, requests: &[Recorded], ids: &[u64], bodies: &[String]) {
    for (id, body) in ids.iter().zip(bodies) {
        let edit = format!("/issues/comments/{id}");
        assert!(
            !requests.iter().any(|r| r.path.ends_with(&edit)),
            "comment {id} by another account was touched: {:?}",
            sequence(requests)
        );
        assert_eq!(&api.comment_body(*id), body);
    }
}

#[test]
fn only_the_token_s_own_comment_is_edited_and_only_its_state_read() {
    // What this check's comment says on a passing run: the forgery copies it exactly.
    let clean = StandIn::start();
    let ws = Workspace::new();
    let changes = ("comment-mode", "changes");
    let report = ("run-report", "run_report.json");
    ws.run(&clean, "50", &[report, changes]);
    let genuine = only_comment(&clean);
    assert!(genuine.starts_with(MARKER), "{genuine}");

    let api = StandIn::start();
    let ids = seed_forgeries(&api, &genuine);
    let bodies: Vec<String> = ids.iter().map(|id| api.comment_body(*id)).collect();
    // `changes`: the forged "same verdict, same findings" would keep the comment unposted.
    let (code, out) = ws.run(&api, "51", &[report, changes]);
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert_untouched(&api, &requests, &ids, &bodies);
    assert_eq!(
        sequence(&requests),
        [
            format!("POST {REPO}/check-runs"),
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("POST {REPO}/issues/7/comments"),
        ],
        "the forged state is not read: the check's own comment is created"
    );
    validate_against_openapi(&requests);
    let own = api.state.lock().unwrap().comments.last().unwrap().0;

    // `failures`, passing: a forged "failed" would be edited to "now passing"; nothing is.
    let (code, _) = ws.run(&api, "52", &[report, ("comment-mode", "failures")]);
    assert_eq!(code, 0);
    let requests = api.take();
    assert!(
        !requests
            .iter()
            .any(|r| r.method != "GET" && r.path.contains("comments")),
        "{:?}",
        sequence(&requests)
    );
    assert_untouched(&api, &requests, &ids, &bodies);

    // `always`, something changed: the token's own comment is the one edited.
    std::fs::write(ws.root.join("other.json"), r#"{"x": 1}"#).unwrap();
    let (code, _) = ws.run(&api, "53", &[report, ("inputs", "other.json")]);
    assert_eq!(code, 0);
    let requests = api.take();
    assert_untouched(&api, &requests, &ids, &bodies);
    assert_eq!(
        sequence(&requests)[1..],
        [
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("PATCH {REPO}/issues/comments/{own}"),
        ]
    );
    assert!(api.comment_body(own).contains("verdict=warned"));
    validate_against_openapi(&requests);
}

#[test]
fn without_graphql_an_installation_token_s_comments_are_github_actions_bot_s() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let denied = r#"{"message": "Resource not accessible by integration"}"#;
    let report = ("run-report", "run_report.json");
    for _ in 0..2 {
        api.fault("POST /api/graphql", 403, &[], denied);
    }
    ws.run(&api, "61", &[report]);
    let own = api.state.lock().unwrap().comments.last().unwrap().0;
    // Forgeries by look-alikes come after the check's own comment, one page down the list.
    let ids = seed_forgeries(&api, &api.comment_body(own));
    let bodies: Vec<String> = ids.iter().map(|id| api.comment_body(*id)).collect();
    api.take();
    std::fs::write(ws.root.join("other.json"), r#"{"x": 1}"#).unwrap();
    let (code, out) = ws.run(&api, "62", &[report, ("inputs", "other.json")]);
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert_untouched(&api, &requests, &ids, &bodies);
    assert_eq!(
        sequence(&requests)[1..],
        [
            "POST /api/graphql".to_string(),
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("PATCH {REPO}/issues/comments/{own}"),
        ],
        "{out}"
    );
}

#[test]
fn a_comment_author_input_names_whose_comment_is_the_check_s_own() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let report = ("run-report", "run_report.json");
    let ids = seed_forgeries(&api, &format!("{MARKER}\nby the app"));
    let bodies: Vec<String> = ids.iter().map(|id| api.comment_body(*id)).collect();
    // The app that owns comment 503 is named: that one is edited, though the token answers
    // to another account.
    let (code, out) = ws.run(
        &api,
        "71",
        &[report, ("comment-author", "mallory-bot[bot]")],
    );
    assert_eq!(code, 0, "{out}");
    let requests = api.take();
    assert_eq!(
        sequence(&requests)[1..],
        [
            format!("GET {REPO}/issues/7/comments?per_page=100&page=1"),
            format!("PATCH {REPO}/issues/comments/503"),
        ]
    );
    assert_untouched(&api, &requests, &ids[..3], &bodies[..3]);
    validate_against_openapi(&requests);
    // A value that is no login is a usage error.
    let (code, out) = ws.run(&api, "72", &[report, ("comment-author", "mallory; rm")]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn the_token_echoed_by_the_api_is_written_nowhere() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let temp = ws.files.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    // Each answer echoes the credential: JSON, percent-encoded in a URL, JSON-escaped, raw text.
    let echoed = r#"{"message": "Validation Failed: {authorization} is not allowed here", "documentation_url": "https://docs.example/?auth={authorization_url}"}"#;
    api.fault(
        "GET /api/v3/repos/acme/pipelines/actions/artifacts",
        422,
        &[],
        echoed,
    );
    api.fault(
        "POST /api/v3/repos/acme/pipelines/check-runs",
        422,
        &[],
        echoed,
    );
    let escaped = TOKEN.replacen('g', "\\u0067", 1);
    api.fault(
        "GET /api/v3/repos/acme/pipelines/issues/7/comments",
        403,
        &[],
        &format!(r#"{{"message": "token {escaped} lacks pull-requests: write"}}"#),
    );
    api.fault(
        "POST /api/v3/repos/acme/pipelines/statuses",
        400,
        &[],
        "<html>Bad request: {authorization} / {authorization_url}</html>",
    );
    let o = ws.run_env(
        &api,
        "81",
        &[
            ("run-report", "run_report.json"),
            ("baseline", "auto"),
            ("pr-status", "check-run,comment,commit-status"),
        ],
        &[
            ("GITHUB_BASE_REF", "main"),
            ("RUNNER_TEMP", temp.to_str().unwrap()),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    let url_form: String = TOKEN.replace('_', "%5F");
    for (what, text) in [("stdout", &out), ("stderr", &err)] {
        for line in text.lines().filter(|l| !l.starts_with("::add-mask::")) {
            assert!(
                !line.contains(TOKEN) && !line.contains(&url_form),
                "{what}: {line}"
            );
        }
    }
    // Every answer was heard (with the token out of it), so the test is not vacuous.
    assert!(
        out.contains("422 Validation Failed: Bearer *** is not allowed here"),
        "{out}"
    );
    assert!(
        out.contains("403 token *** lacks pull-requests: write"),
        "{out}"
    );
    // (`%` is `%25` in a workflow command's data.)
    assert!(
        out.contains("400 <html>Bad request: Bearer *** / Bearer%2520***</html>"),
        "{out}"
    );
    let output = std::fs::read_to_string(ws.files.join("output")).unwrap();
    assert!(output.contains("Validation Failed: Bearer ***"), "{output}");
    ws.assert_token_never_written();
    assert_no_file_holds(&[&ws.root, &ws.files], &url_form);

    // A listing that answers 200 but echoes the credential in every string of an artifact.
    let listed = r#"{"total_count": 1, "artifacts": [{"id": 9, "name": "observability", "expired": false,
        "size_in_bytes": 10, "created_at": "2026-01-01T00:00:00Z", "url": "{authorization}",
        "workflow_run": {"id": 8, "head_branch": "main", "head_sha": "{authorization}",
            "repository_id": 1, "head_repository_id": 1}}]}"#;
    api.fault(
        "GET /api/v3/repos/acme/pipelines/actions/artifacts",
        200,
        &[],
        listed,
    );
    api.fault(
        "GET /api/v3/repos/acme/pipelines/actions/artifacts/9/zip",
        404,
        &[],
        echoed,
    );
    let o = ws.run_env(
        &api,
        "82",
        &[("run-report", "run_report.json"), ("baseline", "auto")],
        &[
            ("GITHUB_BASE_REF", "main"),
            ("RUNNER_TEMP", temp.to_str().unwrap()),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(out.contains("baseline artifact `observability` 9 (run 8) skipped: the download failed: 404 Validation Failed: Bearer ***"), "{out}");
    for line in out.lines().chain(err.lines()) {
        if !line.starts_with("::add-mask::") {
            assert!(!line.contains(TOKEN) && !line.contains(&url_form), "{line}");
        }
    }
    ws.assert_token_never_written();
    assert_no_file_holds(&[&ws.root, &ws.files], &url_form);
}

#[test]
fn a_usage_error_that_quotes_a_secret_prints_it_nowhere() {
    let api = StandIn::start();
    let ws = Workspace::new();
    // An input's error quotes its value: here the token, pasted where a login goes.
    let pasted = format!("bot {TOKEN}");
    let o = ws.run_env(
        &api,
        "91",
        &[
            ("run-report", "run_report.json"),
            ("comment-author", &pasted),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(err.contains("got `bot ***`"), "{err}");
    for line in out.lines().chain(err.lines()) {
        if !line.starts_with("::add-mask::") {
            assert!(!line.contains(TOKEN), "{line}");
        }
    }
}

#[test]
fn a_token_whose_account_cannot_be_learnt_edits_and_creates_no_comment() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let ids = seed_forgeries(&api, &format!("{MARKER}\nforged"));
    let bodies: Vec<String> = ids.iter().map(|id| api.comment_body(*id)).collect();
    let denied = r#"{"message": "Resource not accessible by integration"}"#;
    api.fault("POST /api/graphql", 403, &[], denied);
    api.fault("GET /api/v3/user", 403, &[], denied);
    // A user's token (not an installation token): no fallback account is assumed.
    let o = ws
        .command(&api, "95", "check", &[("run-report", "run_report.json")])
        .env(
            "INPUT_GITHUB-TOKEN",
            "ghp_userTOKENfortests0123456789abcdef",
        )
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let requests = api.take();
    assert_untouched(&api, &requests, &ids, &bodies);
    assert_eq!(
        sequence(&requests)[1..],
        ["POST /api/graphql", "GET /api/v3/user"]
    );
    validate_against_openapi(&requests);
    assert!(
        out.contains("PR comment not posted: cannot tell which account the token posts as"),
        "{out}"
    );
    assert!(out.contains("set the input `comment-author`"), "{out}");
}

/// The PR comment fits its 712 px column: every table at most five columns (where a gate is
/// configured stays in the step summary), a long gate name shortened with its full name folded
/// away, and Δ says what it is (an objective's margin to its bound, in the metric's unit).
#[test]
fn the_comment_s_tables_fit_five_columns_and_say_what_delta_is() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let long = "a_metric_whose_name_is_far_too_long_for_the_comment_column";
    std::fs::create_dir_all(ws.root.join(".github")).unwrap();
    std::fs::write(
        ws.root.join(".github/dpone-observability.yml"),
        format!("objectives:\n  duration_seconds: {{max: 0.1}}\n  {long}: {{max: 1}}\n"),
    )
    .unwrap();
    let metric = format!("{long}=2.5");
    let (code, out) = ws.run(
        &api,
        "31",
        &[("run-report", "run_report.json"), ("metrics", &metric)],
    );
    assert_eq!(code, 1, "{out}");
    let comment = only_comment(&api);
    let mut tables = 0;
    for line in comment.lines().filter(|l| l.starts_with('|')) {
        tables += 1;
        let columns = line.replace("\\|", "").matches('|').count() - 1;
        assert!(columns <= 5, "{columns} columns: {line}\n{comment}");
    }
    assert!(tables >= 3, "{comment}");
    assert!(
        comment.contains(
            "| ❌ | `duration_seconds` | 0.2174\u{a0}s | ≤\u{a0}0.1 s | margin -0.1174\u{a0}s |"
        ),
        "{comment}"
    );
    assert!(
        comment.contains(
            "| ❌ | `a_metric_whose_name_…nt_column` (1) | 2.5 | ≤\u{a0}1 | margin -1.5 |"
        ),
        "{comment}"
    );
    assert!(
        comment.contains("<details><summary>Full names of 1 shortened gate</summary>")
            && comment.contains(&format!("1. `{long}`")),
        "{comment}"
    );
}

/// A failing blocker whose message holds a long path: in the 712 px comment column a table
/// cannot wrap the path's code span, so the comment lists the blockers (the step summary, with
/// the room, keeps its table).
#[test]
fn the_comment_lists_failing_blockers_so_long_paths_wrap() {
    let api = StandIn::start();
    let ws = Workspace::new();
    let long = "pipelines/orders_reconciliation_nightly_warehouse_backfill/outputs/\
                run_reports/2026-12-05/attempt-1/run_report_of_the_nightly_job.json";
    let (code, out) = ws.run(&api, "33", &[("run-report", long)]);
    assert_eq!(code, 1, "{out}");
    let comment = only_comment(&api);
    let item = comment
        .lines()
        .find(|l| l.starts_with("- ❌ [`run_report.missing`]("))
        .unwrap_or_else(|| panic!("no list item for the blocker:\n{comment}"));
    assert!(
        item.contains("run_report_of_the_nightly_job.json"),
        "{item}"
    );
    assert!(
        !comment
            .lines()
            .any(|l| l.starts_with('|') && l.contains("run_report_of_the_nightly_job")),
        "{comment}"
    );
}
