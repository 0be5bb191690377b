//! `baseline: auto` against a stand-in GitHub API and a stand-in blob storage on another port of
//! 127.0.0.1 (no credentials, no internet). The artifacts are zips of real exports, made here by
//! running `metrics-export` on dpone's own run report. Every API request (with its query) and
//! the stand-in's answers are validated against GitHub's OpenAPI description (@octokit/openapi);
//! the storage checks that neither the `Authorization` header nor the token reaches it.
#![cfg(feature = "github-api")]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use crate::common::*;
use crate::standin::{self, Reply};
use dpone_observability::github::inputs::INPUTS;
use serde_json::{json, Value};

const TOKEN: &str = "ghs_fakeTOKENforBASELINEtests0123456789";
const REPO: &str = "/api/v3/repos/acme/pipelines";
const RUN_ID: u64 = 9000;

/// One artifact the stand-in lists.
#[derive(Clone)]
struct Artifact {
    id: u64,
    run_id: u64,
    branch: &'static str,
    /// Days after 2026-01-01 it was created.
    day: u32,
    expired: bool,
    /// The event that made its run (`push` unless a test says).
    event: &'static str,
    zip: Arc<Vec<u8>>,
}

fn artifact(id: u64, day: u32, zip: &Arc<Vec<u8>>) -> Artifact {
    Artifact {
        id,
        run_id: id + 100_000,
        branch: "main",
        day,
        expired: false,
        event: "push",
        zip: Arc::clone(zip),
    }
}

fn sha(run_id: u64) -> String {
    format!("{run_id:040x}")
}

fn created(day: u32) -> String {
    format!("2026-{:02}-{:02}T12:00:00Z", 1 + day / 28, 1 + day % 28)
}

fn listed(a: &Artifact) -> Value {
    json!({
        "id": a.id,
        "node_id": format!("MDg6QXJ0aWZhY3Q{}", a.id),
        "name": "observability",
        "size_in_bytes": a.zip.len(),
        "url": format!("https://api.github.com/repos/acme/pipelines/actions/artifacts/{}", a.id),
        "archive_download_url": format!("https://api.github.com/repos/acme/pipelines/actions/artifacts/{}/zip", a.id),
        "expired": a.expired,
        "created_at": created(a.day),
        "updated_at": created(a.day),
        "expires_at": "2026-12-31T00:00:00Z",
        "digest": format!("sha256:{:064x}", a.id),
        "workflow_run": {
            "id": a.run_id,
            "repository_id": 42,
            "head_repository_id": 42,
            "head_branch": a.branch,
            "head_sha": sha(a.run_id),
        },
    })
}

/// A request the API stand-in answered, with its answer (for the OpenAPI check).
#[derive(Clone)]
struct Answered {
    method: String,
    path: String,
    authorization: Option<String>,
    status: u16,
    body: Option<Value>,
}

struct World {
    api: standin::StandIn,
    storage: standin::StandIn,
    answered: Arc<Mutex<Vec<Answered>>>,
}

impl World {
    /// The API lists `artifacts` (in the order given) and redirects each download to the
    /// storage; `forbidden` answers every request 403 as for a token without `actions: read`.
    fn start(artifacts: Vec<Artifact>, forbidden: bool) -> Self {
        Self::start_with(artifacts, forbidden, None)
    }

    /// [`World::start`], with the compare API's merge-base (SHA and committer date).
    fn start_with(
        artifacts: Vec<Artifact>,
        forbidden: bool,
        merge_base: Option<(String, String)>,
    ) -> Self {
        let zips: Vec<(u64, Arc<Vec<u8>>)> = artifacts
            .iter()
            .map(|a| (a.id, Arc::clone(&a.zip)))
            .collect();
        let storage = standin::StandIn::start(move |request| {
            let id: Option<u64> = request
                .path
                .strip_prefix("/blob/")
                .and_then(|rest| rest.split('?').next())
                .and_then(|id| id.parse().ok());
            match zips.iter().find(|(i, _)| Some(*i) == id) {
                Some((_, zip)) => Reply::Send(200, Vec::new(), zip.to_vec()),
                None => Reply::Send(404, Vec::new(), b"no such blob".to_vec()),
            }
        });
        let storage_url = storage.url.clone();
        let answered = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&answered);
        let api = standin::StandIn::start(move |request| {
            let (status, headers, body) = if forbidden {
                (
                    403,
                    Vec::new(),
                    Some(json!({"message": "Resource not accessible by integration"})),
                )
            } else {
                answer(&artifacts, &storage_url, &request.path, merge_base.as_ref())
            };
            log.lock().unwrap().push(Answered {
                method: request.method.clone(),
                path: request.path.clone(),
                authorization: request.header("authorization").map(str::to_string),
                status,
                body: body.clone(),
            });
            let mut headers = headers;
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

    /// The API requests as `METHOD path`, the API prefix cut.
    fn sequence(&self) -> Vec<String> {
        self.answered()
            .iter()
            .map(|a| format!("{} {}", a.method, a.path.trim_start_matches(REPO)))
            .collect()
    }

    /// The artifact ids the storage was asked for, in order; no request there carried the
    /// `Authorization` header or the token anywhere.
    fn downloads(&self) -> Vec<u64> {
        self.storage
            .requests()
            .iter()
            .map(|r| {
                assert_eq!(r.header("authorization"), None, "{}", r.head);
                assert!(!r.head.contains(TOKEN), "token sent to storage: {}", r.head);
                assert!(!r.head.to_lowercase().contains("bearer"), "{}", r.head);
                r.path
                    .strip_prefix("/blob/")
                    .and_then(|rest| rest.split('?').next())
                    .and_then(|id| id.parse().ok())
                    .expect("a blob path")
            })
            .collect()
    }

    /// Every API request, with the token, against GitHub's OpenAPI description, and each
    /// answer of the stand-in that the description types.
    fn validate_against_openapi(&self) {
        let answered = self.answered();
        assert!(!answered.is_empty());
        let lines: Vec<String> = answered
            .iter()
            .map(|a| {
                assert_eq!(
                    a.authorization.as_deref(),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                let mut line = json!({
                    "method": a.method,
                    "path": a.path.trim_start_matches("/api/v3"),
                    "body": null,
                });
                if a.status == 200 || a.status == 302 {
                    line["response"] = json!({"status": a.status, "body": a.body});
                }
                line.to_string()
            })
            .collect();
        github_openapi_accepts(&lines);
    }
}

/// The API's answers: the artifact list, 100 a page, and a 302 to the storage per download.
fn answer(
    artifacts: &[Artifact],
    storage: &str,
    path: &str,
    merge_base: Option<&(String, String)>,
) -> (u16, Vec<(String, String)>, Option<Value>) {
    let not_found = (404, Vec::new(), Some(json!({"message": "Not Found"})));
    if let Some(run) = path.strip_prefix(&format!("{REPO}/actions/runs/")) {
        let found = artifacts.iter().find(|a| a.run_id.to_string() == run);
        return match found {
            Some(a) => (200, Vec::new(), Some(workflow_run(a))),
            None => not_found,
        };
    }
    if let Some(basehead) = path.strip_prefix(&format!("{REPO}/compare/")) {
        let (base, head) = basehead
            .trim_end_matches("?per_page=1")
            .split_once("...")
            .expect("base...head");
        return match merge_base {
            Some((sha, date)) => (200, Vec::new(), Some(compared(base, head, sha, date))),
            None => not_found,
        };
    }
    let Some(rest) = path.strip_prefix(&format!("{REPO}/actions/artifacts")) else {
        return not_found;
    };
    if let Some(query) = rest.strip_prefix('?') {
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        };
        assert_eq!(param("name").as_deref(), Some("observability"));
        let per_page: usize = param("per_page").unwrap().parse().unwrap();
        let page: usize = param("page").unwrap().parse().unwrap();
        let items: Vec<Value> = artifacts
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(listed)
            .collect();
        return (
            200,
            Vec::new(),
            Some(json!({"total_count": artifacts.len(), "artifacts": items})),
        );
    }
    let id = rest
        .strip_prefix('/')
        .and_then(|r| r.strip_suffix("/zip"))
        .and_then(|id| id.parse::<u64>().ok());
    match id {
        Some(id) if artifacts.iter().any(|a| a.id == id) => (
            302,
            vec![(
                "Location".into(),
                format!("{storage}/blob/{id}?sv=2025&sig=storage-signature"),
            )],
            None,
        ),
        _ => not_found,
    }
}

/// GitHub's own example of a workflow run (tests/fixtures/github/), about `a`'s run.
fn workflow_run(a: &Artifact) -> Value {
    let mut run = read_json(&repo().join("tests/fixtures/github/workflow_run.json"));
    run["id"] = json!(a.run_id);
    run["event"] = json!(a.event);
    run["head_branch"] = json!(a.branch);
    run["head_sha"] = json!(sha(a.run_id));
    run
}

/// GitHub's own example of a comparison (tests/fixtures/github/), between `base` and `head`
/// with the merge-base `sha` committed at `date`.
fn compared(base: &str, head: &str, sha: &str, date: &str) -> Value {
    let mut answer = read_json(&repo().join("tests/fixtures/github/compare.json"));
    answer["base_commit"]["sha"] = json!(base);
    answer["merge_base_commit"]["sha"] = json!(sha);
    answer["merge_base_commit"]["commit"]["committer"]["date"] = json!(date);
    answer["commits"] = json!([]);
    answer["files"] = json!([]);
    answer["url"] = json!(format!(
        "https://api.github.com/repos/acme/pipelines/compare/{base}...{head}"
    ));
    answer
}

/// A real export's files, made once by `metrics-export` on dpone's run report.
fn export_files() -> &'static Vec<(String, Vec<u8>)> {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let files = export_files_of(&[]);
        assert!(files.iter().any(|(n, _)| n == "metrics_index.json"));
        files
    })
}

/// A zip of the export's files under `prefix` (`""`: at the root, as `upload-artifact` of
/// the run folder makes it), with `extra` entries and `change` applied to each file.
fn zip_of(
    prefix: &str,
    change: impl Fn(&str, &mut Vec<u8>),
    extra: &[(&str, &[u8])],
) -> Arc<Vec<u8>> {
    let files = export_files().iter().map(|(name, bytes)| {
        let mut bytes = bytes.clone();
        change(name, &mut bytes);
        ZipEntry::File(format!("{prefix}{name}"), bytes)
    });
    let extra = extra
        .iter()
        .map(|(name, bytes)| ZipEntry::File(name.to_string(), bytes.to_vec()));
    Arc::new(zip_of_entries(files.chain(extra)))
}

fn good_zip() -> Arc<Vec<u8>> {
    zip_of("", |_, _| {}, &[])
}

struct Workspace {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    temp: PathBuf,
    files: PathBuf,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
}

impl Ran {
    fn blocker(&self, code: &str) -> Option<&Value> {
        self.report["blocker_details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["code"] == code)
    }

    fn samples(&self) -> Vec<u64> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("baseline sample: artifact "))
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect()
    }
}

impl Workspace {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let (root, temp, files) = (
            tmp.path().join("workspace"),
            tmp.path().join("runner-temp"),
            tmp.path().join("files"),
        );
        for dir in [&root, &temp, &files] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::copy(
            fixture("run-report/run_report_success_real.json"),
            root.join("run_report.json"),
        )
        .unwrap();
        Workspace {
            _tmp: tmp,
            root,
            temp,
            files,
        }
    }

    /// The action on a pull request into `main` (or a push with `event: push`).
    fn run(&self, world: &World, event: &str, inputs: &[(&str, &str)]) -> Ran {
        let payload = match event {
            "push" => json!({"repository": {"default_branch": "main"}}),
            _ => json!({"pull_request": {"number": 7, "head": {"sha": sha(1)}}}),
        };
        self.run_on(world, event, &payload, inputs)
    }

    /// [`Workspace::run`] with the event's payload.
    fn run_on(&self, world: &World, event: &str, payload: &Value, inputs: &[(&str, &str)]) -> Ran {
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
        cmd.env("INPUT_RUN-REPORT", "run_report.json")
            .env("INPUT_BASELINE", "auto")
            .env("INPUT_PR-STATUS", "none");
        for (name, value) in inputs {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        std::fs::write(self.files.join("event.json"), payload.to_string()).unwrap();
        if event == "push" {
            cmd.env("GITHUB_REF_NAME", "feature/x");
        } else {
            cmd.env("GITHUB_BASE_REF", "main")
                .env("GITHUB_HEAD_REF", "feature/x")
                .env("GITHUB_REF_NAME", "7/merge");
        }
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", self.files.join("event.json"))
            .env("GITHUB_RUN_ID", RUN_ID.to_string())
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_JOB", "check")
            .env("GITHUB_SHA", sha(2))
            .env("GITHUB_REPOSITORY", "acme/pipelines")
            .env("GITHUB_SERVER_URL", "https://github.example.com")
            .env("GITHUB_API_URL", format!("{}/api/v3", world.api.url))
            .env("GITHUB_WORKSPACE", &self.root)
            .env("RUNNER_TEMP", &self.temp)
            .env("GITHUB_STEP_SUMMARY", self.files.join("summary"))
            .env("GITHUB_OUTPUT", self.files.join("output"))
            .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "20");
        let o = cmd.output().unwrap();
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(
            out.starts_with(&format!("::add-mask::{TOKEN}\n")),
            "the token is masked first: {out}"
        );
        let report_path = self.root.join(format!(
            "test_artifacts/observability/{RUN_ID}-1/runtime_metrics.json"
        ));
        let report = if report_path.is_file() {
            read_json(&report_path)
        } else {
            Value::Null
        };
        self.assert_token_never_written();
        Ran {
            code: o.status.code().unwrap(),
            stdout: out,
            stderr: err,
            report,
        }
    }

    fn samples_dir(&self) -> PathBuf {
        self.temp.join("dpone-observability-baseline")
    }

    /// The files of one sample's folder, sorted.
    fn sample_files(&self, id: u64) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.samples_dir().join(id.to_string()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn assert_token_never_written(&self) {
        assert_no_file_holds(&[&self.root, &self.temp, &self.files], TOKEN);
    }
}

fn list_page(page: u32) -> String {
    format!("GET /actions/artifacts?name=observability&per_page=100&page={page}")
}

fn zip_route(id: u64) -> String {
    format!("GET /actions/artifacts/{id}/zip")
}

/// `baseline.unavailable`: a warning in the report, the summary, the outputs and an
/// annotation; the step passes and nothing is compared.
fn assert_unavailable(ran: &Ran, ws: &Workspace, why: &str) {
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let blocker = ran
        .blocker("baseline.unavailable")
        .unwrap_or_else(|| panic!("no baseline.unavailable: {}", ran.report["blocker_details"]));
    assert_eq!(blocker["severity"], "warning");
    let message = blocker["message"].as_str().unwrap();
    assert!(message.contains(why), "{message}");
    assert!(message.contains("not compared"), "{message}");
    assert_eq!(ran.report["gates"]["baseline"]["status"], "not_given");
    assert!(
        ran.stdout
            .contains("::warning title=baseline.unavailable::"),
        "{}",
        ran.stdout
    );
    let summary = std::fs::read_to_string(ws.files.join("summary")).unwrap();
    assert!(summary.contains("baseline.unavailable"), "{summary}");
    let outputs = std::fs::read_to_string(ws.files.join("output")).unwrap();
    assert!(outputs.contains("baseline.unavailable"), "{outputs}");
}

#[test]
fn no_artifact_yet_is_a_warning_and_the_step_passes() {
    let world = World::start(Vec::new(), false);
    let ws = Workspace::new();
    let ran = ws.run(&world, "pull_request", &[]);
    assert_unavailable(&ran, &ws, "no unexpired artifact named `observability`");
    assert_eq!(world.sequence(), [list_page(1)]);
    assert!(world.downloads().is_empty());
    world.validate_against_openapi();
}

#[test]
fn a_token_without_actions_read_is_a_warning_and_the_step_passes() {
    let world = World::start(vec![artifact(1, 1, &good_zip())], true);
    let ws = Workspace::new();
    let ran = ws.run(&world, "pull_request", &[]);
    assert_unavailable(&ran, &ws, "403 Resource not accessible by integration");
    assert!(
        ran.blocker("baseline.unavailable").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("actions: read"),
        "the permission is named"
    );
    // A refusal is final: no retry, no download.
    assert_eq!(world.sequence(), [list_page(1)]);
    assert!(world.downloads().is_empty());
    world.validate_against_openapi();
}

#[test]
fn one_artifact_on_the_default_branch_of_a_push_is_the_history() {
    let zip = good_zip();
    let usable = artifact(11, 3, &zip);
    let mut expired = artifact(12, 9, &zip);
    expired.expired = true;
    let mut other_branch = artifact(13, 8, &zip);
    other_branch.branch = "feature/x";
    let mut this_run = artifact(14, 10, &zip);
    this_run.run_id = RUN_ID;
    let world = World::start(vec![expired, other_branch, this_run, usable], false);
    let ws = Workspace::new();
    let ran = ws.run(&world, "push", &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.blocker("baseline.unavailable").is_none(),
        "{}",
        ran.report
    );
    // Only the unexpired artifact of another run on `main` (the push's default branch, not
    // the pushed branch) is downloaded.
    assert_eq!(world.sequence(), [list_page(1), zip_route(11)]);
    assert_eq!(world.downloads(), [11]);
    assert_eq!(ran.samples(), [11]);
    let line = format!(
        "baseline sample: artifact 11 (run 100011, commit {}, created 2026-01-04T12:00:00.000000+00:00)",
        sha(100_011)
    );
    assert!(ran.stderr.contains(&line), "{}", ran.stderr);
    // Only the metrics, their index and the carried history are taken out of the zip, and
    // they match.
    assert_eq!(
        ws.sample_files(11),
        ["history.json", "metrics_index.json", "runtime_metrics.json"]
    );
    let taken = std::fs::read(ws.samples_dir().join("11/runtime_metrics.json")).unwrap();
    let original = &export_files()
        .iter()
        .find(|(n, _)| n == "runtime_metrics.json")
        .unwrap()
        .1;
    assert_eq!(&taken, original);
    world.validate_against_openapi();
}

#[test]
fn twenty_five_artifacts_give_the_twenty_newest() {
    let zip = good_zip();
    // Oldest first in the listing, and 110 of another branch on top, so the list takes two
    // pages and only the sort by `created_at` puts the newest first.
    let mut artifacts: Vec<Artifact> = (1..=25).map(|i| artifact(i, i as u32, &zip)).collect();
    for i in 0..110 {
        let mut other = artifact(1000 + i, 40, &zip);
        other.branch = "release";
        artifacts.insert(0, other);
    }
    let world = World::start(artifacts, false);
    let ws = Workspace::new();
    let ran = ws.run(&world, "pull_request", &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.blocker("baseline.unavailable").is_none());
    let newest: Vec<u64> = (6..=25).rev().collect();
    let mut expected = vec![list_page(1), list_page(2)];
    expected.extend(newest.iter().map(|id| zip_route(*id)));
    assert_eq!(world.sequence(), expected);
    assert_eq!(world.downloads(), newest);
    assert_eq!(ran.samples(), newest);
    assert!(!ws.samples_dir().join("5").exists());
    world.validate_against_openapi();
}

#[test]
fn baseline_samples_is_checked() {
    let world = World::start(Vec::new(), false);
    let ws = Workspace::new();
    for bad in ["0", "many", "101"] {
        let ran = ws.run(&world, "pull_request", &[("baseline-samples", bad)]);
        assert_eq!(ran.code, 2, "{bad}: {}", ran.stderr);
        assert!(ran.stdout.contains("baseline-samples"), "{}", ran.stdout);
    }
    assert!(world.answered().is_empty(), "a usage error fetches nothing");
    let ran = ws.run(&world, "pull_request", &[("baseline-samples", "3")]);
    assert_eq!(ran.code, 0);
}

#[test]
fn a_tampered_artifact_is_skipped_with_a_warning_naming_it() {
    // The newest's metrics changed after indexing; the older one is folded one folder down,
    // as an upload of the output root holding one run folder gives it.
    let tampered = zip_of(
        "",
        |name, bytes| {
            if name == "runtime_metrics.json" {
                let at = bytes.len() - 2;
                bytes.insert(at, b' ');
            }
        },
        &[],
    );
    let nested = zip_of("8999-1/", |_, _| {}, &[]);
    let world = World::start(
        vec![artifact(21, 5, &tampered), artifact(22, 4, &nested)],
        false,
    );
    let ws = Workspace::new();
    let ran = ws.run(&world, "pull_request", &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.blocker("baseline.unavailable").is_none());
    assert_eq!(world.downloads(), [21, 22]);
    assert_eq!(ran.samples(), [22]);
    let warning = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=dpone-observability%3A baseline::"))
        .unwrap_or_else(|| panic!("{}", ran.stdout));
    assert!(
        warning.contains("baseline artifact `observability` 21 (run 100021) skipped")
            && warning.contains("does not match its `metrics_index.json`"),
        "{warning}"
    );
    assert!(
        !ws.samples_dir().join("21").exists(),
        "nothing of it is kept"
    );
    assert_eq!(
        ws.sample_files(22),
        ["history.json", "metrics_index.json", "runtime_metrics.json"]
    );
    world.validate_against_openapi();
}

#[test]
fn a_zip_that_climbs_out_is_rejected() {
    let evil = zip_of("", |_, _| {}, &[("../evil", b"owned")]);
    let world = World::start(vec![artifact(31, 2, &evil)], false);
    let ws = Workspace::new();
    let ran = ws.run(&world, "pull_request", &[]);
    assert_unavailable(&ran, &ws, "none of the 1 artifacts");
    assert!(
        ran.stdout
            .contains("skipped: it holds the entry `../evil`, a path outside the archive"),
        "{}",
        ran.stdout
    );
    assert_eq!(world.downloads(), [31]);
    assert!(!ws.samples_dir().join("31").exists());
    for dir in [&ws.temp, &ws.samples_dir(), &ws.root] {
        assert!(!dir.join("evil").exists(), "{}", dir.display());
    }
    world.validate_against_openapi();
}

/// The export's files with a `history.json` that carries `runs` runs (chained, as exports
/// write it), and the index vouching for it.
fn carried_zip(runs: usize) -> Arc<Vec<u8>> {
    use dpone_observability::observability::artifacts::HashingWriter;
    use dpone_observability::observability::history;
    let file = (0..runs).fold(history::empty(), |file, i| {
        let run = history::Run {
            breached: Vec::new(),
            revision: Some(sha(100_000 + i as u64)),
            run_id: Some((100_000 + i).to_string()),
            run_attempt: Some("1".to_string()),
            generated_at: format!("2026-01-{:02}T12:00:00.000000+00:00", i + 1),
            passed: true,
            series: Vec::new(),
        };
        history::append(file, &run, 500)
    });
    let carried = history::to_json(&file).unwrap().into_bytes();
    let mut hashing = HashingWriter::new(std::io::sink());
    std::io::Write::write_all(&mut hashing, &carried).unwrap();
    let (_, sha256, size) = hashing.finish();
    zip_of(
        "",
        |name, bytes| match name {
            "history.json" => *bytes = carried.clone(),
            "metrics_index.json" => {
                let mut index: Value = serde_json::from_slice(bytes).unwrap();
                for entry in index["artifacts"].as_array_mut().unwrap() {
                    if entry["relative_path"] == "history.json" {
                        entry["sha256"] = json!(sha256);
                        entry["size_bytes"] = json!(size);
                    }
                }
                *bytes = serde_json::to_vec_pretty(&index).unwrap();
            }
            _ => {}
        },
        &[],
    )
}

#[test]
fn the_newest_artifact_with_a_carried_history_is_the_one_download() {
    // Every artifact but the newest expired: its history still holds the runs.
    let zip = carried_zip(3);
    let mut artifacts: Vec<Artifact> = (1..=5).map(|i| artifact(i, i as u32, &zip)).collect();
    for a in artifacts.iter_mut().take(4) {
        a.expired = true;
    }
    let world = World::start(artifacts, false);
    let ws = Workspace::new();
    let ran = ws.run(&world, "pull_request", &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(world.downloads(), [5]);
    assert!(
        ran.stderr
            .contains("artifact 5 carries a history of 3 runs"),
        "{}",
        ran.stderr
    );

    // Before: without a carried history, one download per sample, up to `baseline-samples`
    // (at most 100).
    let plain_zip = good_zip();
    let plain: Vec<Artifact> = (1..=100)
        .map(|i| artifact(i, i as u32, &plain_zip))
        .collect();
    let world = World::start(plain, false);
    let samples = [("baseline-samples", "100")];
    let ran = Workspace::new().run(&world, "pull_request", &samples);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(world.downloads(), (1..=100).rev().collect::<Vec<u64>>());
    assert_eq!(world.sequence().len(), 1 + 100, "the listing and 100 zips");

    // And with one: one download (and the question of its run's event), whatever their number.
    let many: Vec<Artifact> = (1..=100).map(|i| artifact(i, i as u32, &zip)).collect();
    let world = World::start(many, false);
    let ran = Workspace::new().run(&world, "pull_request", &samples);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(world.downloads(), [100]);
    assert_eq!(
        world.sequence(),
        [
            list_page(1),
            zip_route(100),
            "GET /actions/runs/100100".to_string()
        ]
    );
    world.validate_against_openapi();
}

/// The commits of the carried history's entries the gates compared with, in order.
fn compared_entries(ran: &Ran) -> Vec<u64> {
    ran.report["gates"]["baseline"]["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["revision"].as_str())
        .filter_map(|rev| (100_000..100_100).find(|i| sha(*i) == rev))
        .map(|i| i - 100_000)
        .collect()
}

#[test]
fn a_pull_request_compares_with_the_history_up_to_its_merge_base() {
    // main's history: ten runs, one a day (entries 0..=9 at 2026-01-01..10, 12:00). The pull
    // request branched off at entry 4; main went on without it.
    let zip = carried_zip(10);
    let payload = json!({"pull_request": {"number": 7,
        "head": {"sha": sha(1)}, "base": {"sha": sha(100_009)}}});
    let merge_base = (sha(100_004), "2026-01-05T11:00:00Z".to_string());
    let world = World::start_with(vec![artifact(1, 20, &zip)], false, Some(merge_base));
    let ws = Workspace::new();
    let ran = ws.run_on(&world, "pull_request", &payload, &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let compare = format!("GET /compare/{}...{}?per_page=1", sha(100_009), sha(1));
    assert_eq!(
        world.sequence(),
        [
            list_page(1),
            zip_route(1),
            "GET /actions/runs/100001".to_string(),
            compare
        ]
    );
    world.validate_against_openapi();
    assert_eq!(
        compared_entries(&ran),
        [0, 1, 2, 3, 4],
        "cut after the merge-base's run"
    );
    let note = format!("history cut at the merge-base {}", &sha(100_004)[..7]);
    assert_eq!(ran.report["gates"]["baseline"]["merge_base"], json!(note));
    assert!(
        ran.stderr
            .contains(&format!("merge-base with `main` is {}", sha(100_004))),
        "{}",
        ran.stderr
    );
    let summary = std::fs::read_to_string(ws.files.join("summary")).unwrap();
    assert!(summary.contains(&note), "{summary}");
    // The carried history of the pull request's own export keeps every run of main.
    let carried = read_json(&ws.root.join(format!(
        "test_artifacts/observability/{RUN_ID}-1/history.json"
    )));
    assert_eq!(carried["entries"].as_array().unwrap().len(), 12);

    // A merge-base the history does not hold (its run's artifact expired before any carried
    // it): the nearest older entry, by the commit's date, is the newest kept.
    let unknown = (
        format!("{:040x}", 0xabcdef_u64),
        "2026-01-07T00:00:00Z".to_string(),
    );
    let world = World::start_with(vec![artifact(1, 20, &zip)], false, Some(unknown));
    let ran = Workspace::new().run_on(&world, "pull_request", &payload, &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(compared_entries(&ran), [0, 1, 2, 3, 4, 5]);
    let note = ran.report["gates"]["baseline"]["merge_base"]
        .as_str()
        .unwrap();
    assert_eq!(
        note,
        format!(
            "merge-base 0000000 not in the history: cut at the nearest older entry {}",
            &sha(100_005)[..7]
        )
    );

    // Without the compare API's answer, a warning, and the whole history is compared.
    let world = World::start_with(vec![artifact(1, 20, &zip)], false, None);
    let ran = Workspace::new().run_on(&world, "pull_request", &payload, &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(compared_entries(&ran), (0..10).collect::<Vec<u64>>());
    assert!(ran.report["gates"]["baseline"].get("merge_base").is_none());
    assert!(
        ran.stdout
            .contains("merge-base could not be found (404 Not Found"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_history_carried_by_a_run_of_an_untrusted_event_is_set_aside() {
    // The newest artifact was uploaded by a `pull_request_target` run on main: its history may
    // be what a pull request made. It counts as its own export only; the next, from a push,
    // carries the history.
    let zip = carried_zip(3);
    let mut artifacts: Vec<Artifact> = (1..=5).map(|i| artifact(i, i as u32, &zip)).collect();
    artifacts[4].event = "pull_request_target";
    let world = World::start(artifacts, false);
    let ran = Workspace::new().run(&world, "pull_request", &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(world.downloads(), [5, 4]);
    assert_eq!(
        world.sequence(),
        [
            list_page(1),
            zip_route(5),
            "GET /actions/runs/100005".to_string(),
            zip_route(4),
            "GET /actions/runs/100004".to_string(),
        ]
    );
    world.validate_against_openapi();
    assert!(
        ran.stdout.contains(
            "the history carried by baseline artifact 5 is not trusted: its run 100005 was \
             made by a `pull_request_target` event, not a push or schedule; only its own \
             export is used"
        ),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr
            .contains("artifact 4 carries a history of 3 runs"),
        "{}",
        ran.stderr
    );
}
