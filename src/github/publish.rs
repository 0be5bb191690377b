//! `mode: publish`: in a `workflow_run` workflow of the base repository, publish the check run,
//! PR comment and commit status of an export another run (a fork's pull request) uploaded.
//!
//! Nothing in the artifact is trusted. The zip is read with bounds (`artifacts.rs`:
//! entry count, sizes, compression ratio, names, links), `runtime_metrics.json` must verify
//! against its `metrics_index.json`, and what is posted is rendered again from that verified
//! JSON (never the artifact's markdown). The commit is `workflow_run.head_sha` of this run's own
//! event payload; a pull request number (from `workflow_run.pull_requests` or the export's
//! `vcs.change.id`) is used only once the API shows that PR's head is that commit.

use std::io::Write;

use http::Method;
use serde_json::Value;

use super::api::{api_url, plain_name, retry_policy, Api};
use super::artifacts::{Artifacts, Fetch};
use super::commands::{annotation, Level};
use super::inputs::{Inputs, RunId};
use super::posting::post;
use super::pr_status::{comment_marker, message, CommentMode, PrTarget};
use super::runner::{Env, RunnerContext};
use super::summary::SummaryContext;
use crate::ci_env::Event;
use crate::exit::{Error, Outcome, Verdict};
use crate::inert::Commands;
use crate::observability::artifacts::JSON_REPORT;
use crate::observability::blockers::runbook_base_url;
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

fn trigger(inputs: &Inputs, event: &Result<Event, String>) -> Result<Trigger, String> {
    let run = event
        .as_ref()
        .map_err(Clone::clone)?
        .workflow_run
        .as_ref()
        .ok_or(
            "`mode: publish` runs in a `workflow_run` workflow; this event has no `workflow_run`",
        )?;
    let head_sha = run
        .head_sha
        .clone()
        .filter(|s| (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit()))
        .ok_or("the event's `workflow_run.head_sha` is not a commit")?;
    let run_id = match inputs.artifact_run_id {
        Some(RunId(id)) => id,
        None => run.id.ok_or("the event's `workflow_run.id` is missing")?,
    };
    let pull_number = run
        .pull_requests
        .as_ref()
        .and_then(|prs| prs.first())
        .and_then(|pr| pr.number);
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
    inputs: &Inputs,
    env: &Env,
    event: &Result<Event, String>,
    ctx: &RunnerContext,
    token: Option<&str>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Outcome {
    let given = Given {
        inputs,
        env,
        event,
        ctx,
    };
    match publish(&given, token, stdout, stderr) {
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

/// What publish mode is given: the inputs, the step's environment and event, the runner.
struct Given<'a> {
    inputs: &'a Inputs,
    env: &'a Env,
    event: &'a Result<Event, String>,
    ctx: &'a RunnerContext,
}

fn publish(
    given: &Given<'_>,
    token: Option<&str>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Result<(), Stop> {
    let Given {
        inputs,
        env,
        event,
        ctx,
    } = *given;
    let usage = Stop::Refused;
    let token =
        token.ok_or_else(|| Stop::Warning("no `github-token`; nothing published".into()))?;
    let (owner, repo) = ctx
        .repository
        .as_deref()
        .and_then(|r| r.split_once('/'))
        .filter(|(o, r)| plain_name(o) && plain_name(r))
        .ok_or_else(|| usage("`GITHUB_REPOSITORY` is not an `owner/name` of GitHub".into()))?;
    let trigger = trigger(inputs, event).map_err(usage)?;
    let retry = retry_policy(env);
    let api = Api::new(&api_url(env), token, retry).map_err(Stop::Warning)?;
    let repo_route = format!("/repos/{owner}/{repo}");
    let fetched = fetch_export(given, &api, &repo_route, &trigger, stderr)?;
    let read = &fetched.read;
    let claimed = trigger.pull_number.or(read.change);
    let pull_number = claimed
        .and_then(|number| confirmed_pull(&api, &repo_route, number, &trigger, stdout, stderr));
    let check_name = inputs
        .check_name
        .clone()
        .unwrap_or_else(|| "dpone observability".to_string());
    let (mut kinds, _) = inputs.pr_status.kinds(pull_number.is_some());
    let comment_mode = inputs.comment_mode;
    if comment_mode == CommentMode::Off || pull_number.is_none() {
        kinds.comment = false;
    }
    let output_dir = format!(
        "artifact `{}` of run {}",
        inputs.artifact_name.0, trigger.run_id
    );
    let summary_ctx = SummaryContext {
        workspace: ctx,
        fail_on: inputs.fail_on.unwrap_or_default(),
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
        api_url: api_url(env),
        token: token.to_string(),
        owner: owner.to_string(),
        repo: repo.to_string(),
        head_sha: trigger.head_sha.clone(),
        pull_number,
        check_name,
        run_url: ctx.run_url(),
        comment_mode,
        comment_author: inputs.comment_author.as_ref().map(|l| l.0.clone()),
    };
    for warning in post(&target, kinds, &built, retry) {
        warn(stdout, stderr, &warning);
    }
    let _ = std::fs::remove_dir_all(&fetched.folder);
    Ok(())
}

/// A verified export, unpacked into `folder` (removed once posted).
struct Fetched {
    folder: std::path::PathBuf,
    read: ReadExport,
}

/// The triggering run's artifact of the `artifact-name`: listed, downloaded, unpacked with
/// bounds, verified against its index and read (and said so on stderr). An artifact that cannot be had is a warning;
/// one that fails a check is refused (and its folder removed).
fn fetch_export(
    given: &Given<'_>,
    api: &Api,
    repo_route: &str,
    trigger: &Trigger,
    stderr: &mut impl Write,
) -> Result<Fetched, Stop> {
    let name = &given.inputs.artifact_name.0;
    let retry = retry_policy(given.env);
    let artifacts =
        Artifacts::new(api, repo_route.to_string(), retry, FORBIDDEN).map_err(Stop::Warning)?;
    let route = format!("/actions/runs/{}/artifacts", trigger.run_id);
    let listed = artifacts.list(&route, name, 1).map_err(|why| {
        Stop::Warning(format!(
            "listing the artifacts of run {} failed: {why}",
            trigger.run_id
        ))
    })?;
    let artifact_id = listed
        .iter()
        .find(|a| a.name == *name && !a.expired)
        .map(|a| a.id)
        .ok_or_else(|| {
            Stop::Warning(format!(
                "run {} has no unexpired artifact named `{}`; nothing published (workflow A \
                 must upload its run folder under that name)",
                trigger.run_id,
                name.escape_debug()
            ))
        })?;
    let folder = match &given.ctx.runner_temp {
        Some(temp) => temp.join(FOLDER),
        None => given.ctx.workspace.join(format!(".{FOLDER}")),
    }
    .join(artifact_id.to_string());
    let refused = |why: String| {
        let _ = std::fs::remove_dir_all(&folder);
        Stop::Refused(format!(
            "artifact `{}` {artifact_id}: {why}",
            name.escape_debug()
        ))
    };
    let bytes = match artifacts.fetch_verified(artifact_id, &folder) {
        Ok(bytes) => bytes,
        Err(Fetch::Unavailable(why)) => return Err(Stop::Warning(why)),
        Err(Fetch::Refused(why)) => return Err(refused(why)),
    };
    let read = read_export(&bytes, given.ctx).map_err(&refused)?;
    let _ = writeln!(
        stderr,
        "publish: artifact {artifact_id} of run {} verified ({} metrics, {} blockers); reporting on commit {}",
        trigger.run_id,
        read.report.metric_count,
        read.report.blockers.len(),
        trigger.head_sha
    );
    Ok(Fetched { folder, read })
}

/// The pull request `number`, only once the API shows its head is the triggering run's commit;
/// otherwise a warning and none.
fn confirmed_pull(
    api: &Api,
    repo_route: &str,
    number: u64,
    trigger: &Trigger,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Option<u64> {
    let pr = api
        .request(Method::GET, &format!("{repo_route}/pulls/{number}"), None)
        .ok();
    let head = pr
        .as_ref()
        .and_then(|p| p.get("head"))
        .and_then(|h| h.get("sha"))
        .and_then(Value::as_str);
    if head == Some(trigger.head_sha.as_str()) {
        return Some(number);
    }
    warn(
        stdout,
        stderr,
        &format!(
            "pull request #{number} was not confirmed: its head is not commit {} of run {}; \
             no PR comment posted",
            trigger.head_sha, trigger.run_id
        ),
    );
    None
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
