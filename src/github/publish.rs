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

use super::api::{api_url, explain_failure, plain_name, retry_policy, Api};
use super::artifacts::{Artifacts, Fetch, Unpack};
use super::baseline::{AutoBaseline, PullCommits};
use super::commands::{annotation, annotation_linking, Level};
use super::inputs::{Baseline, DEFAULT_POLICY_FILE};
use super::inputs::{Inputs, RunId};
use super::posting::post;
use super::pr_status::{comment_marker, message, CommentMode, FileAnnotation, Kinds, PrTarget};
use super::runner::{Env, RunnerContext};
use super::summary::{self, SummaryContext};
use crate::ci_env::Event;
use crate::exit::{Error, Outcome, Verdict};
use crate::inert::Commands;
use crate::observability::artifacts::JSON_REPORT;
use crate::observability::blockers::{roots, runbook_base_url};
use crate::observability::files;
use crate::observability::gates::History;
use crate::observability::judge::judge_again;
use crate::observability::policy::{parse_policy, FailOn, Policy};
use crate::observability::report::ExportReport;
use crate::observability::report_file::{export_report, read_document, read_history};
use crate::observability::settings::{resolve_policy, ExportSpec, Names, PolicyFile};
use crate::observability::timestamp::Timestamp;
use crate::observability::verdict::{Assessment, Verdict as AssessedVerdict};

/// The `mode` input's value for this mode.
pub const MODE: &str = "publish";
/// The folder under `RUNNER_TEMP` the artifact is unpacked into.
const FOLDER: &str = "dpone-observability-publish";
/// What a 403 on the artifact requests means.
const FORBIDDEN: &str =
    "the publish job's token needs `actions: read`: add `permissions: actions: read` to the job";
/// What a 403 on the policy file means.
const FORBIDDEN_CONTENTS: &str =
    "the publish job's token needs `contents: read` to read the base commit's policy file";
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
        .filter(|s| is_commit(s))
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
        Ok(failed) => Ok(Verdict::from_failed(failed)),
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
) -> Result<bool, Stop> {
    let Given {
        inputs, env, ctx, ..
    } = *given;
    let token =
        token.ok_or_else(|| Stop::Warning("no `github-token`; nothing published".into()))?;
    let (owner, repo) = ctx
        .repository
        .as_deref()
        .and_then(|r| r.split_once('/'))
        .filter(|(o, r)| plain_name(o) && plain_name(r))
        .ok_or_else(|| {
            Stop::Refused("`GITHUB_REPOSITORY` is not an `owner/name` of GitHub".into())
        })?;
    let trigger = trigger(inputs, given.event).map_err(Stop::Refused)?;
    let retry = retry_policy(env, ctx);
    let api = Api::new(&api_url(env), token, retry).map_err(Stop::Warning)?;
    let repo_route = format!("/repos/{owner}/{repo}");
    let fetched = fetch_export(given, &api, &repo_route, &trigger, stderr)?;
    let claimed = trigger.pull_number.or(fetched.read.change);
    let pull = claimed
        .and_then(|number| confirmed_pull(&api, &repo_route, number, &trigger, stdout, stderr));
    let remote = Remote {
        api: &api,
        route: &repo_route,
        token,
    };
    let judged = judge(given, &remote, pull.as_ref(), fetched, stdout, stderr)?;
    let check_name = inputs
        .check_name
        .clone()
        .unwrap_or_else(|| "dpone observability".to_string());
    let pull_number = pull.as_ref().map(|p| p.number);
    let kinds = kinds(inputs, pull_number.is_some());
    let comment_mode = inputs.comment_mode;
    let output_dir = format!(
        "artifact `{}` of run {}",
        inputs.artifact_name.0, trigger.run_id
    );
    let provenance = provenance(&trigger, &judged);
    let summary_ctx = SummaryContext {
        workspace: ctx,
        fail_on: judged.fail_on,
        run_url: ctx.run_url(),
        output_dir: &output_dir,
        title: &check_name,
        head_sha: Some(&trigger.head_sha),
        artifact_url: None,
        provenance: Some(&provenance),
    };
    let job = env.var("GITHUB_JOB").unwrap_or_default();
    let read = &judged.read;
    let mut built = message(
        &read.report,
        &read.points,
        &[],
        &summary_ctx,
        ctx,
        &comment_marker(&check_name),
        &job,
    );
    built.annotations = check_annotations(&read.report, judged.fail_on, inputs);
    let target = PrTarget {
        api_url: api_url(env),
        token: token.to_string(),
        owner: owner.to_string(),
        repo: repo.to_string(),
        head_sha: trigger.head_sha.clone(),
        pull_number,
        check_name: check_name.clone(),
        run_url: ctx.run_url(),
        comment_mode,
        comment_author: inputs.comment_author.as_ref().map(|l| l.0.clone()),
    };
    for warning in post(&target, kinds, &built, retry) {
        warn(stdout, stderr, &warning);
    }
    let failed = tell_runner(ctx, read, &summary_ctx, stdout, stderr);
    let _ = crate::observability::dirs::remove_all(&judged.folder);
    Ok(failed)
}

/// This run's own page, as an export's: the same summary in `GITHUB_STEP_SUMMARY` (the check
/// run's "Full summary" links this run), one annotation per root cause (without a file: the
/// files are on the fork's runner), and the verdict line. True when the judged verdict fails
/// the step under `fail-on`: publish's exit status is the export's.
fn tell_runner(
    ctx: &RunnerContext,
    read: &ReadExport,
    summary_ctx: &SummaryContext<'_>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> bool {
    let report = &read.report;
    if let Some(target) = &ctx.step_summary {
        let text = summary::render(report, &read.points, &[], summary_ctx);
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(target)
            .and_then(|mut file| file.write_all(text.as_bytes()));
        if let Err(err) = written {
            let _ = writeln!(stderr, "warning: cannot write the step summary: {err}");
        }
    }
    let fail_on = summary_ctx.fail_on;
    let mut ordered = roots(&report.blockers);
    ordered.sort_by_key(|r| (!fail_on.fails_on(r.severity), r.severity));
    for root in ordered.iter().take(ANNOTATIONS) {
        let b = root.blocker;
        let fails = if fail_on.fails_on(root.severity) {
            " This blocker fails the step."
        } else {
            ""
        };
        stdout.command(&annotation_linking(
            Level::from(root.severity),
            &b.id().to_string(),
            None,
            None,
            &b.message,
            &format!(
                "{}{fails} Runbook: {}",
                root.caused_text(),
                report.runbook_url(b.code)
            ),
        ));
    }
    let assessment = Assessment::of(&report.blockers, &report.gates, fail_on);
    let _ = writeln!(
        stdout,
        "dpone-observability: {assessment}; {} metrics; published from {}",
        report.metric_count, summary_ctx.output_dir
    );
    assessment.verdict == AssessedVerdict::Failed
}

/// At most this many annotations on the run page and on the check run.
const ANNOTATIONS: usize = 50;

/// The line of the trusted policy a gate finding's gate is on.
fn gate_line(report: &ExportReport, id: &str) -> Option<u64> {
    let gates = &report.gates;
    let objective = gates
        .objectives
        .iter()
        .find(|o| o.code == id)
        .map(|o| &o.at);
    let regression = gates
        .regressions
        .iter()
        .find(|c| c.code == id)
        .map(|c| &c.at);
    objective
        .or(regression)
        .map(|at| at.line)
        .filter(|n| *n > 0)
}

/// The check run's annotations: one per root cause. A check run annotates a file of the
/// repository; the artifact's files are on the fork's runner, so each sits on the trusted
/// policy file, at the gate's line when it is a gate's.
fn check_annotations(
    report: &ExportReport,
    fail_on: FailOn,
    inputs: &Inputs,
) -> Vec<FileAnnotation> {
    let policy = inputs
        .policy_file
        .clone()
        .unwrap_or_else(|| DEFAULT_POLICY_FILE.to_string());
    roots(&report.blockers)
        .into_iter()
        .take(ANNOTATIONS)
        .map(|root| {
            let line = gate_line(report, &root.blocker.id().to_string());
            FileAnnotation::of_root(&root, report, fail_on, policy.clone(), line)
        })
        .collect()
}

/// What to post: the `pr-status` kinds, without a comment when there is no proven pull
/// request or comments are off.
fn kinds(inputs: &Inputs, on_pr: bool) -> Kinds {
    let (mut kinds, _) = inputs.pr_status.kinds(on_pr);
    if inputs.comment_mode == CommentMode::Off || !on_pr {
        kinds.comment = false;
    }
    kinds
}

/// The line under the heading: whose numbers, whose judgement.
fn provenance(trigger: &Trigger, judged: &Judged) -> String {
    let short = &trigger.head_sha[..trigger.head_sha.len().min(7)];
    format!(
        "Numbers reported by run {} (commit {short}, the pull request's own code); judged here \
         by {} and {}. The artifact's own verdict is not used{}.",
        trigger.run_id,
        judged.policy_source,
        judged.history_source,
        if judged.claimed_gate_blockers > 0 {
            format!(
                " (it claimed {} gate findings of its own)",
                judged.claimed_gate_blockers
            )
        } else {
            String::new()
        }
    )
}

/// A verified export, unpacked into `folder` (removed once posted).
struct Fetched {
    folder: std::path::PathBuf,
    read: ReadExport,
}

/// The triggering run's artifact of the `artifact-name`: listed, downloaded, its whole run
/// folder unpacked with bounds and verified against its index, and read (and said so on
/// stderr). An artifact that cannot be had is a warning; one that fails a check is refused (and
/// its folder removed), and so is a run with two artifacts of the name.
fn fetch_export(
    given: &Given<'_>,
    api: &Api,
    repo_route: &str,
    trigger: &Trigger,
    stderr: &mut impl Write,
) -> Result<Fetched, Stop> {
    let name = &given.inputs.artifact_name.0;
    let retry = retry_policy(given.env, given.ctx);
    let artifacts =
        Artifacts::new(api, repo_route.to_string(), retry, FORBIDDEN).map_err(Stop::Warning)?;
    let route = format!("/actions/runs/{}/artifacts", trigger.run_id);
    let listed = artifacts.list(&route, name, 1).map_err(|why| {
        Stop::Warning(format!(
            "listing the artifacts of run {} failed: {why}",
            trigger.run_id
        ))
    })?;
    let named: Vec<u64> = listed
        .iter()
        .filter(|a| a.name == *name && !a.expired)
        .map(|a| a.id)
        .collect();
    let artifact_id = match named.as_slice() {
        [one] => *one,
        [] => {
            return Err(Stop::Warning(format!(
                "run {} has no unexpired artifact named `{}`; nothing published (workflow A \
                 must upload its run folder under that name)",
                trigger.run_id,
                name.escape_debug()
            )))
        }
        more => {
            return Err(Stop::Refused(format!(
                "run {} lists {} artifacts named `{}`; which one is the export is ambiguous",
                trigger.run_id,
                more.len(),
                name.escape_debug()
            )))
        }
    };
    let (root, base) = match &given.ctx.runner_temp {
        Some(temp) => (temp.clone(), FOLDER.to_string()),
        None => (given.ctx.workspace.clone(), format!(".{FOLDER}")),
    };
    let id = artifact_id.to_string();
    let folder = root.join(&base).join(&id);
    let refused = |why: String| {
        let _ = crate::observability::dirs::remove_all(&folder);
        Stop::Refused(format!(
            "artifact `{}` {artifact_id}: {why}",
            name.escape_debug()
        ))
    };
    let bytes = match artifacts.fetch_verified(artifact_id, &root, &[&base, &id], Unpack::Whole) {
        Ok(bytes) => bytes,
        Err(Fetch::Unavailable(why)) => return Err(Stop::Warning(why)),
        Err(Fetch::Refused(why)) => return Err(refused(why)),
    };
    let read = read_export(&bytes, given.ctx).map_err(&refused)?;
    let _ = writeln!(
        stderr,
        "publish: artifact {artifact_id} of run {} verified ({} metrics); reporting on commit {}",
        trigger.run_id, read.report.metric_count, trigger.head_sha
    );
    Ok(Fetched { folder, read })
}

/// A pull request whose head the API showed to be the triggering commit.
struct Pull {
    number: u64,
    /// The base branch's commit the pull request is compared with, and its branch.
    base_sha: Option<String>,
    base_ref: Option<String>,
    /// Its head commit (the triggering run's, confirmed).
    head_sha: String,
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
) -> Option<Pull> {
    let pr = api
        .request(Method::GET, &format!("{repo_route}/pulls/{number}"), None)
        .ok();
    let text = |outer: &str, inner: &str| {
        pr.as_ref()
            .and_then(|p| p.get(outer))
            .and_then(|h| h.get(inner))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if text("head", "sha").as_deref() == Some(trigger.head_sha.as_str()) {
        let base_sha = text("base", "sha").filter(|s| is_commit(s));
        return Some(Pull {
            number,
            base_sha,
            base_ref: text("base", "ref").filter(|r| !r.trim().is_empty()),
            head_sha: trigger.head_sha.clone(),
        });
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

/// A full or abbreviated commit SHA.
fn is_commit(text: &str) -> bool {
    (7..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// The repository's API, for the requests after the artifact's.
struct Remote<'a> {
    api: &'a Api,
    /// `/repos/<owner>/<name>`.
    route: &'a str,
    token: &'a str,
}

/// The artifact's numbers with this run's verdict on them.
struct Judged {
    read: ReadExport,
    folder: std::path::PathBuf,
    fail_on: FailOn,
    /// Which policy judged, and which history, as the posted text says.
    policy_source: String,
    history_source: String,
    /// Gate findings the artifact recorded, left out.
    claimed_gate_blockers: usize,
}

/// Judges the artifact's metrics again, under the policy and the history this run trusts
/// (never the artifact's): a policy that does not fit them is refused like a usage error.
fn judge(
    given: &Given<'_>,
    remote: &Remote<'_>,
    pull: Option<&Pull>,
    fetched: Fetched,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Result<Judged, Stop> {
    let (policy, policy_source) = trusted_policy(given, remote, pull)?;
    let (history, history_source) = trusted_history(given, remote, pull, stdout, stderr);
    let Fetched { folder, mut read } = fetched;
    let judged = judge_again(&mut read.report, &mut read.points, &policy, history)
        .map_err(|err| Stop::Refused(format!("{policy_source} does not fit the export: {err}")))?;
    Ok(Judged {
        read,
        folder,
        fail_on: given.inputs.fail_on.or(policy.fail_on).unwrap_or_default(),
        policy_source,
        history_source,
        claimed_gate_blockers: judged.claimed_gate_blockers,
    })
}

/// The policy to judge with: this workflow's own `policy-file` when it names one (read from
/// its workspace), else the default policy file at the proven pull request's base commit (the
/// default branch's without one), read through the API; this workflow's `objectives` are added.
fn trusted_policy(
    given: &Given<'_>,
    remote: &Remote<'_>,
    pull: Option<&Pull>,
) -> Result<(Policy, String), Stop> {
    let inputs = given.inputs;
    let mut spec = ExportSpec::new(Names::Inputs, given.ctx.resolve("."), Timestamp::now());
    spec.objectives = inputs.objectives.clone();
    spec.objectives_base = Some(given.ctx.resolve("."));
    let named = inputs
        .policy_file
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != DEFAULT_POLICY_FILE);
    let usage = |err: String| Stop::Refused(format!("the publishing workflow's policy: {err}"));
    if let Some(name) = named {
        spec.policy_file = Some(PolicyFile {
            path: given.ctx.resolve(name),
            shown: name.to_string(),
            optional: false,
        });
        let policy = resolve_policy(&spec, None).map_err(usage)?;
        return Ok((policy, format!("this workflow's policy {name}")));
    }
    let at = pull.and_then(|p| p.base_sha.as_deref());
    let (text, source) = policy_at(remote, DEFAULT_POLICY_FILE, at)?;
    let base = match text {
        Some(text) => parse_policy(&text, &source).map_err(usage)?,
        None => Policy::default(),
    };
    let policy = resolve_policy(&spec, Some(base)).map_err(usage)?;
    Ok((policy, source))
}

/// The file `path` of the repository at commit `at` (the default branch's without one),
/// through the contents API: its text, or `None` when there is no such file; and how the
/// posted text names it.
fn policy_at(
    remote: &Remote<'_>,
    path: &str,
    at: Option<&str>,
) -> Result<(Option<String>, String), Stop> {
    let (query, named) = match at {
        Some(sha) => (
            format!("?ref={sha}"),
            format!("the base commit {}", &sha[..sha.len().min(7)]),
        ),
        None => (String::new(), "the default branch".to_string()),
    };
    let route = format!("{}/contents/{path}{query}", remote.route);
    let source = format!("the policy {path} of {named}");
    match remote.api.request(Method::GET, &route, None) {
        Ok(answer) => decode_content(&answer)
            .map(|text| (Some(text), source.clone()))
            .map_err(|why| Stop::Refused(format!("{source}: {why}"))),
        Err(failure) if failure.status == Some(404) => {
            Ok((None, format!("no policy ({path} is absent from {named})")))
        }
        Err(failure) => Err(Stop::Warning(format!(
            "{source} could not be read, nothing published: {}",
            explain_failure(&failure, FORBIDDEN_CONTENTS)
        ))),
    }
}

/// A file's text from a contents-API answer (`content`, base64 with line breaks).
fn decode_content(answer: &Value) -> Result<String, String> {
    use base64::Engine as _;
    if answer.get("type").and_then(Value::as_str) != Some("file") {
        return Err("it is not a file".to_string());
    }
    let content: String = answer
        .get("content")
        .and_then(Value::as_str)
        .ok_or("the API's answer has no `content`")?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|err| format!("its content is not base64 ({err})"))?;
    if bytes.len() as u64 > files::MAX_POLICY_BYTES {
        return Err(format!(
            "it is larger than the {} bytes a policy may be",
            files::MAX_POLICY_BYTES
        ));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

/// The history to compare with: this workflow's `baseline` (`auto`: the artifacts of the
/// pull request's base branch, by this run's token), never the artifact's.
fn trusted_history(
    given: &Given<'_>,
    remote: &Remote<'_>,
    pull: Option<&Pull>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> (History, String) {
    match &given.inputs.baseline {
        Baseline::Paths(paths) if paths.is_empty() => (
            History::default(),
            "no history (no baseline input)".to_string(),
        ),
        Baseline::Paths(paths) => {
            let resolved: Vec<_> = paths.iter().map(|p| given.ctx.resolve(p)).collect();
            (
                read_history(&resolved),
                "this workflow's baseline files".to_string(),
            )
        }
        Baseline::Auto => {
            let Some(mut auto) = AutoBaseline::from_inputs(given.inputs) else {
                return (History::default(), "no history".to_string());
            };
            auto.branch = pull.and_then(|p| p.base_ref.clone());
            auto.pull =
                pull.and_then(|p| PullCommits::new(p.base_sha.as_deref(), Some(&p.head_sha)));
            let event = given.event.clone().unwrap_or_default();
            let fetched = super::baseline::fetch(
                given.env,
                &event,
                given.ctx,
                &auto,
                Some(remote.token),
                stdout,
                stderr,
            );
            let mut history = read_history(&fetched.folders);
            history.blockers.extend(fetched.blocker);
            if let Some(merge_base) = &fetched.merge_base {
                crate::observability::history::cut_history(&mut history, merge_base);
            }
            let branch = auto.branch.as_deref().unwrap_or("the default branch");
            (history, format!("the history of {branch} (baseline: auto)"))
        }
    }
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
