//! `mode: publish`: in a `workflow_run` workflow of the base repository, publish the check run,
//! PR comment and commit status of an export another run (a fork's pull request) uploaded.
//!
//! Nothing in the artifact is trusted. The zip is read with bounds (`baseline::remote::unpack`:
//! entry count, sizes, compression ratio, names, links), `runtime_metrics.json` must verify
//! against its `metrics_index.json`, and what is posted is rendered again from that verified
//! JSON (never the artifact's markdown). The commit is `workflow_run.head_sha` of this run's own
//! event payload; a pull request number (from `workflow_run.pull_requests` or the export's
//! `vcs.change.id`) is used only once the API shows that PR's head is that commit.

use std::io::Write;
use std::path::Path;

use http::Method;
use serde_json::Value;

use super::api::{explain_failure, post, Api};
use super::baseline::remote::{download_client, download_zip, prepare, query_value, unpack};
use super::commands::{annotation, Level};
use super::pr_status::{comment_marker, message, parse_kinds, CommentMode, PrTarget};
use super::runner::{Env, RunnerContext};
use super::summary::SummaryContext;
use crate::exit::{Error, Outcome, Verdict};
use crate::inert::Commands;
use crate::observability::artifacts::{read_indexed, INDEX_FILE_NAME, JSON_REPORT};
use crate::observability::blockers::runbook_base_url;
use crate::observability::files;
use crate::observability::policy::FailOn;
use crate::observability::report::ExportReport;
use crate::observability::report_file::{export_report, read_document};

/// The `mode` input's value for this mode.
pub const MODE: &str = "publish";
/// The folder under `RUNNER_TEMP` the artifact is unpacked into.
const FOLDER: &str = "dpone-observability-publish";
/// What a 403 on the artifact requests means.
const FORBIDDEN: &str =
    "the publish job's token needs `actions: read`: add `permissions: actions: read` to the job";
/// The export's resource attribute naming its pull request.
const CHANGE_ATTRIBUTE: &str = "vcs.change.id";

/// The triggering run, from this run's own `workflow_run` event payload.
struct Trigger {
    run_id: u64,
    head_sha: String,
    pull_number: Option<u64>,
}

fn trigger(env: &Env) -> Result<Trigger, String> {
    let path = env
        .var("GITHUB_EVENT_PATH")
        .filter(|p| !p.is_empty())
        .ok_or("`GITHUB_EVENT_PATH` is not set (not running in GitHub Actions)")?;
    let text = files::read_text_capped(Path::new(&path), files::MAX_EVENT_BYTES)
        .map_err(|err| format!("cannot read the event payload: {err}"))?;
    let payload: Value = serde_json::from_str(&text)
        .map_err(|err| format!("the event payload is not JSON ({err})"))?;
    let run = payload.get("workflow_run").ok_or(
        "`mode: publish` runs in a `workflow_run` workflow; this event has no `workflow_run`",
    )?;
    let head_sha = run
        .get("head_sha")
        .and_then(Value::as_str)
        .filter(|s| (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit()))
        .ok_or("the event's `workflow_run.head_sha` is not a commit")?
        .to_string();
    let run_id = match env
        .input("artifact-run-id")
        .filter(|v| !v.trim().is_empty())
    {
        Some(text) => text.trim().parse::<u64>().map_err(|_| {
            format!(
                "input `artifact-run-id` must be a workflow run id, got `{}`",
                text.escape_debug()
            )
        })?,
        None => run
            .get("id")
            .and_then(Value::as_u64)
            .ok_or("the event's `workflow_run.id` is missing")?,
    };
    let pull_number = run
        .get("pull_requests")
        .and_then(Value::as_array)
        .and_then(|prs| prs.first())
        .and_then(|pr| pr.get("number"))
        .and_then(Value::as_u64);
    Ok(Trigger {
        run_id,
        head_sha,
        pull_number,
    })
}

/// Why nothing was published: refused (an error; the step fails) or not possible (a warning).
enum Stop {
    Refused(String),
    Warning(String),
}

/// Runs the publish mode. A hostile or unverifiable artifact fails the step with an error
/// annotation; a missing artifact, a missing permission or an unconfirmed PR is a warning.
pub fn run(
    env: &Env,
    ctx: &RunnerContext,
    token: Option<&str>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Outcome {
    match publish(env, ctx, token, stdout, stderr) {
        Ok(()) => Ok(Verdict::from_failed(false)),
        Err(Stop::Warning(text)) => {
            warn(stdout, stderr, &text);
            Ok(Verdict::from_failed(false))
        }
        Err(Stop::Refused(text)) => {
            let text = format!("artifact refused, nothing posted: {text}");
            stdout.command(&annotation(
                Level::Error,
                "dpone-observability: publish",
                None,
                &text,
            ));
            Err(Error::Failed(text))
        }
    }
}

fn warn(stdout: &mut impl Commands, stderr: &mut impl Write, text: &str) {
    stdout.command(&annotation(
        Level::Warning,
        "dpone-observability: publish",
        None,
        text,
    ));
    let _ = writeln!(stderr, "warning: {text}");
}

fn publish(
    env: &Env,
    ctx: &RunnerContext,
    token: Option<&str>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Result<(), Stop> {
    let usage = Stop::Refused;
    let token =
        token.ok_or_else(|| Stop::Warning("no `github-token`; nothing published".into()))?;
    let (owner, repo) = ctx
        .repository
        .as_deref()
        .and_then(|r| r.split_once('/'))
        .filter(|(o, r)| plain(o) && plain(r))
        .ok_or_else(|| usage("`GITHUB_REPOSITORY` is not an `owner/name` of GitHub".into()))?;
    let trigger = trigger(env).map_err(usage)?;
    let name = env
        .input("artifact-name")
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "observability".to_string());
    let fail_on = match env.input("fail-on") {
        Some(text) => FailOn::parse(&text).ok_or_else(|| {
            usage(format!(
                "input `fail-on` must be `error`, `warning` or `never`, got `{}`",
                text.escape_debug()
            ))
        })?,
        None => FailOn::default(),
    };
    let mut retry = crate::net::http::RetryPolicy::default();
    retry.shorten_for_tests(&|n| env.var(n));
    let api_url = env
        .var("GITHUB_API_URL")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "https://api.github.com".to_string());
    let api = Api::new(&api_url, token, retry).map_err(Stop::Warning)?;
    let repo_route = format!("/repos/{owner}/{repo}");

    // The triggering run's artifact of that name.
    let route = format!(
        "{repo_route}/actions/runs/{}/artifacts?name={}&per_page=100",
        trigger.run_id,
        query_value(&name)
    );
    let listed = api.request(Method::GET, &route, None).map_err(|failure| {
        Stop::Warning(format!(
            "listing the artifacts of run {} failed: {}",
            trigger.run_id,
            explain_failure(&failure, FORBIDDEN)
        ))
    })?;
    let artifact_id = listed
        .get("artifacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| {
            a.get("name").and_then(Value::as_str) == Some(name.as_str())
                && a.get("expired").and_then(Value::as_bool) == Some(false)
        })
        .and_then(|a| a.get("id").and_then(Value::as_u64))
        .ok_or_else(|| {
            Stop::Warning(format!(
                "run {} has no unexpired artifact named `{}`; nothing published (workflow A \
                 must upload its run folder under that name)",
                trigger.run_id,
                name.escape_debug()
            ))
        })?;
    let download = download_client(retry).map_err(Stop::Warning)?;
    let zip = download_zip(
        &api,
        &download,
        &format!("{repo_route}/actions/artifacts/{artifact_id}/zip"),
        FORBIDDEN,
    )
    .map_err(Stop::Warning)?;

    // Unpack with bounds and verify against the index.
    let folder = match &ctx.runner_temp {
        Some(temp) => temp.join(FOLDER),
        None => ctx.workspace.join(format!(".{FOLDER}")),
    }
    .join(artifact_id.to_string());
    prepare(&folder).map_err(Stop::Warning)?;
    let refused = |why: String| {
        let _ = std::fs::remove_dir_all(&folder);
        Stop::Refused(format!(
            "artifact `{}` {artifact_id}: {why}",
            name.escape_debug()
        ))
    };
    unpack(&zip, &folder).map_err(&refused)?;
    let bytes = read_indexed(&folder, JSON_REPORT.file_name).map_err(|why| {
        refused(format!(
            "its `{}` does not match its `{INDEX_FILE_NAME}`: {why}",
            JSON_REPORT.file_name
        ))
    })?;
    let read = read_export(&bytes, ctx).map_err(&refused)?;
    let _ = writeln!(
        stderr,
        "publish: artifact {artifact_id} of run {} verified ({} metrics, {} blockers); reporting on commit {}",
        trigger.run_id,
        read.report.metric_count,
        read.report.blockers.len(),
        trigger.head_sha
    );

    // The pull request, only once its head is the triggering run's commit.
    let claimed = trigger.pull_number.or(read.change);
    let pull_number = match claimed {
        None => None,
        Some(number) => {
            let pr = api
                .request(Method::GET, &format!("{repo_route}/pulls/{number}"), None)
                .ok();
            let head = pr
                .as_ref()
                .and_then(|p| p.get("head"))
                .and_then(|h| h.get("sha"))
                .and_then(Value::as_str);
            if head == Some(trigger.head_sha.as_str()) {
                Some(number)
            } else {
                warn(
                    stdout,
                    stderr,
                    &format!(
                        "pull request #{number} was not confirmed: its head is not commit {} \
                         of run {}; no PR comment posted",
                        trigger.head_sha, trigger.run_id
                    ),
                );
                None
            }
        }
    };

    let check_name = env
        .input("check-name")
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "dpone observability".to_string());
    let (mut kinds, _) =
        parse_kinds(env.input("pr-status").as_deref(), pull_number.is_some()).map_err(usage)?;
    let comment_mode =
        CommentMode::parse(&env.input("comment-mode").unwrap_or_default()).map_err(usage)?;
    if comment_mode == CommentMode::Off || pull_number.is_none() {
        kinds.comment = false;
    }
    let output_dir = format!("artifact `{name}` of run {}", trigger.run_id);
    let summary_ctx = SummaryContext {
        workspace: ctx,
        fail_on,
        run_url: ctx.run_url(),
        output_dir: &output_dir,
        title: &check_name,
        head_sha: Some(&trigger.head_sha),
        artifact_url: None,
    };
    let job = env.var("GITHUB_JOB").unwrap_or_default();
    let built = message(
        &read.report,
        &read.points,
        &[],
        &summary_ctx,
        ctx,
        &comment_marker(&check_name),
        &job,
    );
    let target = PrTarget {
        api_url,
        token: token.to_string(),
        owner: owner.to_string(),
        repo: repo.to_string(),
        head_sha: trigger.head_sha.clone(),
        pull_number,
        check_name,
        run_url: ctx.run_url(),
        comment_mode,
    };
    for warning in post(&target, kinds, &built, retry) {
        warn(stdout, stderr, &warning);
    }
    let _ = std::fs::remove_dir_all(&folder);
    Ok(())
}

fn plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// What the summary needs from a verified `runtime_metrics.json`.
struct ReadExport {
    report: ExportReport,
    /// The export's series, for the summary's Metrics (names and labels as recorded; units
    /// from the catalogue).
    points: crate::observability::points::Points,
    /// The pull request the export says it was made for (`vcs.change.id`); a claim only.
    change: Option<u64>,
}

/// The report the PR status is rendered from, read by the core's one reader of
/// `runtime_metrics.json`. Links go to this action's own runbooks, not the artifact's; the
/// artifact's input paths (files on the fork's runner) are not shown.
fn read_export(bytes: &[u8], ctx: &RunnerContext) -> Result<ReadExport, String> {
    let its = |err: String| format!("its `{}` {err}", JSON_REPORT.file_name);
    let document = read_document(bytes).map_err(its)?;
    let (mut report, points) =
        export_report(document, runbook_base_url(&ctx.server_url)).map_err(its)?;
    report.inputs.clear();
    let change = report
        .resource_attributes
        .iter()
        .find(|(k, _)| k == CHANGE_ATTRIBUTE)
        .and_then(|(_, v)| v.parse().ok());
    Ok(ReadExport {
        report,
        points,
        change,
    })
}
