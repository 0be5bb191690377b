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
use std::path::Path;

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
use crate::observability::blockers::{
    runbook_base_url, Blocker, Code, Severity, METRIC_PLACEHOLDER,
};
use crate::observability::gates::stats::Test;
use crate::observability::gates::GateResults;
use crate::observability::report::{ArtifactPaths, ExportReport};
use crate::observability::timestamp::Timestamp;

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

// Allowed while the hand reader of `runtime_metrics.json` below stands: publish's
// orchestration is split once the core's typed reader (issue 27, item 2, in progress) replaces it.
#[allow(clippy::too_many_lines)]
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
    let name = inputs.artifact_name.0.clone();
    let fail_on = inputs.fail_on.unwrap_or_default();
    let retry = retry_policy(env);
    let api = Api::new(&api_url(env), token, retry).map_err(Stop::Warning)?;
    let repo_route = format!("/repos/{owner}/{repo}");

    // The triggering run's artifact of that name.
    let artifacts =
        Artifacts::new(&api, repo_route.clone(), retry, FORBIDDEN).map_err(Stop::Warning)?;
    let route = format!("/actions/runs/{}/artifacts", trigger.run_id);
    let listed = artifacts.list(&route, &name, 1).map_err(|why| {
        Stop::Warning(format!(
            "listing the artifacts of run {} failed: {why}",
            trigger.run_id
        ))
    })?;
    let artifact_id = listed
        .iter()
        .find(|a| a.name == name && !a.expired)
        .map(|a| a.id)
        .ok_or_else(|| {
            Stop::Warning(format!(
                "run {} has no unexpired artifact named `{}`; nothing published (workflow A \
                 must upload its run folder under that name)",
                trigger.run_id,
                name.escape_debug()
            ))
        })?;

    // Download, unpack with bounds and verify against the index.
    let folder = match &ctx.runner_temp {
        Some(temp) => temp.join(FOLDER),
        None => ctx.workspace.join(format!(".{FOLDER}")),
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

    let check_name = inputs
        .check_name
        .clone()
        .unwrap_or_else(|| "dpone observability".to_string());
    let (mut kinds, _) = inputs.pr_status.kinds(pull_number.is_some());
    let comment_mode = inputs.comment_mode;
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
        api_url: api_url(env),
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

/// What the summary needs from a verified `runtime_metrics.json`.
struct ReadExport {
    report: ExportReport,
    /// The export's series, for the summary's Metrics (names and labels as recorded; units
    /// from the catalogue).
    points: crate::observability::points::Points,
    /// The pull request the export says it was made for (`vcs.change.id`); a claim only.
    change: Option<u64>,
}

/// The report the PR status is rendered from: the blockers (code, severity, message), the
/// metric count and the provenance. Links go to this action's own runbooks, not the artifact's.
// Allowed only until the core's typed reader of `runtime_metrics.json` (issue 27, item 2, in
// progress) replaces this hand reader; it is one field walk, easier to replace whole.
#[allow(clippy::too_many_lines)]
fn read_export(bytes: &[u8], ctx: &RunnerContext) -> Result<ReadExport, String> {
    // The fields the summary reads; the `metrics` list (most of the file) is skipped here and
    // read once, as series, by `read_points`.
    #[derive(serde::Deserialize)]
    struct Fields {
        #[serde(default)]
        blocker_details: Value,
        #[serde(default)]
        metric_count: Value,
        #[serde(default)]
        generated_at: Value,
        #[serde(default)]
        observed_at: Value,
        #[serde(default)]
        resource_attributes: Value,
        #[serde(default)]
        service_name: Value,
        #[serde(default)]
        namespace: Value,
        #[serde(default)]
        correlation_id: Value,
        #[serde(default)]
        run_id: Value,
        #[serde(default)]
        gates: Value,
    }
    let f: Fields = serde_json::from_slice(bytes)
        .map_err(|err| format!("its `{}` is not JSON ({err})", JSON_REPORT.file_name))?;
    let json = serde_json::json!({
        "blocker_details": f.blocker_details,
        "metric_count": f.metric_count,
        "generated_at": f.generated_at,
        "observed_at": f.observed_at,
        "resource_attributes": f.resource_attributes,
        "service_name": f.service_name,
        "namespace": f.namespace,
        "correlation_id": f.correlation_id,
        "run_id": f.run_id,
        "gates": f.gates,
    });
    let bad = |what: &str| format!("its `{}` has no usable {what}", JSON_REPORT.file_name);
    let mut blockers = Vec::new();
    for detail in json
        .get("blocker_details")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`blocker_details`"))?
    {
        let id = detail
            .get("code")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("blocker code"))?;
        let code = Code::parse_instance(id).ok_or_else(|| bad("blocker code"))?;
        let text = detail
            .get("message")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("blocker message"))?;
        let blocker = match code.as_str().split_once(METRIC_PLACEHOLDER) {
            Some((head, tail)) if Code::parse(id).is_none() => {
                let metric = &id[head.len()..id.len() - tail.len()];
                Blocker::for_metric(code, metric, text)
            }
            _ => Blocker::new(code, text),
        };
        let severity = match detail.get("severity").and_then(Value::as_str) {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            _ => return Err(bad("blocker severity")),
        };
        blockers.push(blocker.with_severity(severity));
    }
    let metric_count = json
        .get("metric_count")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("`metric_count`"))? as usize;
    let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_string);
    let time = |key: &str| {
        text(key)
            .as_deref()
            .and_then(Timestamp::parse_rfc3339)
            .ok_or_else(|| bad(&format!("`{key}`")))
    };
    let generated_at = time("generated_at")?;
    let observed_at = time("observed_at").unwrap_or(generated_at);
    let mut resource_attributes: Vec<(String, String)> = json
        .get("resource_attributes")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    resource_attributes.sort();
    let change = resource_attributes
        .iter()
        .find(|(k, _)| k == CHANGE_ATTRIBUTE)
        .and_then(|(_, v)| v.parse().ok());
    let report = ExportReport {
        passed: !blockers.iter().any(|b| b.severity() == Severity::Error),
        metric_count,
        service_name: text("service_name").unwrap_or_default(),
        namespace: text("namespace").unwrap_or_default(),
        paths: ArtifactPaths::new(Path::new(".")),
        blockers,
        resource_attributes,
        correlation_id: text("correlation_id"),
        run_id: text("run_id"),
        run: None,
        observed_at,
        generated_at,
        inputs: Vec::new(),
        runbook_base: runbook_base_url(&ctx.server_url),
        gates: json.get("gates").map(read_gates).unwrap_or_default(),
    };
    let points = read_points(bytes);
    Ok(ReadExport {
        report,
        points,
        change,
    })
}

/// The gate results an export recorded, read leniently (an entry of the wrong shape is left
/// out): what the summary's failures table and its folded gates show.
// Allowed only until the core's typed reader of `runtime_metrics.json` (issue 27, item 2, in
// progress) replaces this hand reader; it is one field walk, easier to replace whole.
#[allow(clippy::too_many_lines)]
fn read_gates(gates: &Value) -> GateResults {
    use crate::observability::gates::{
        BaselineStatus, BoundRule, Comparison, ComparisonStatus, Direction, ObjectiveResult,
    };
    let number = |v: Option<&Value>| -> Option<f64> {
        match v? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s == "NaN" => Some(f64::NAN),
            Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
            Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        }
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let labels = |v: &Value| -> std::collections::BTreeMap<String, String> {
        v.get("labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let severity = |v: &Value| match v.get("severity").and_then(Value::as_str) {
        Some("warning") => Severity::Warning,
        _ => Severity::Error,
    };
    let mut out = GateResults::default();
    for o in gates
        .get("objectives")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(code), Some(metric), Some(passed)) = (
            text(o, "code"),
            text(o, "metric"),
            o.get("passed").and_then(Value::as_bool),
        ) else {
            continue;
        };
        let rule = match o.get("rule").and_then(Value::as_str) {
            Some("min") => BoundRule::Min,
            Some("max") => BoundRule::Max,
            _ => BoundRule::Present,
        };
        out.objectives.push(ObjectiveResult {
            at: Default::default(),
            actual: number(o.get("actual")),
            bound: number(o.get("bound")),
            code,
            delta: number(o.get("delta")),
            labels: labels(o),
            metric,
            objective: text(o, "objective").unwrap_or_default(),
            passed,
            rule,
            severity: severity(o),
        });
    }
    for c in gates
        .get("regressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(code), Some(metric), Some(passed)) = (
            text(c, "code"),
            text(c, "metric"),
            c.get("passed").and_then(Value::as_bool),
        ) else {
            continue;
        };
        let status = match c.get("status").and_then(Value::as_str) {
            Some("added") => ComparisonStatus::Added,
            Some("removed") => ComparisonStatus::Removed,
            Some("disappeared") => ComparisonStatus::Disappeared,
            Some("absent") => ComparisonStatus::Absent,
            Some("insufficient") => ComparisonStatus::Insufficient,
            Some("not_computable") => ComparisonStatus::NotComputable,
            _ => ComparisonStatus::Compared,
        };
        let direction = match c.get("direction").and_then(Value::as_str) {
            Some("higher") => Direction::Higher,
            Some("both") => Direction::Both,
            _ => Direction::Lower,
        };
        // The static name a comparison carries: a tolerance's, or a statistical test's.
        let test = match c.get("test").and_then(Value::as_str) {
            Some("absolute") => "absolute",
            Some(t) => Test::parse(t).map_or("ratio", Test::as_str),
            None => "ratio",
        };
        let tolerance = c
            .get("tolerance")
            .and_then(Value::as_object)
            .map(|m| {
                ["ratio", "absolute", "boundary"]
                    .iter()
                    .filter_map(|k| Some((*k, number(m.get(*k))?)))
                    .collect()
            })
            .unwrap_or_default();
        out.regressions.push(Comparison {
            at: Default::default(),
            actual: number(c.get("actual")),
            baseline: number(c.get("baseline")),
            breached: c
                .get("breached")
                .and_then(Value::as_bool)
                .unwrap_or(!passed),
            centre: number(c.get("centre")),
            code,
            consecutive: c.get("consecutive").and_then(Value::as_u64).unwrap_or(0) as usize,
            delta: number(c.get("delta")),
            direction,
            labels: labels(c),
            lower_limit: number(c.get("lower_limit")),
            metric,
            passed,
            ratio: number(c.get("ratio")),
            reason: text(c, "reason"),
            rule: text(c, "rule").unwrap_or_default(),
            sample_ids: Vec::new(),
            samples: c.get("samples").and_then(Value::as_u64).unwrap_or(0) as usize,
            severity: severity(c),
            status,
            test,
            tolerance,
            upper_limit: number(c.get("upper_limit")),
            history: Vec::new(),
        });
    }
    if let Some(b) = gates.get("baseline") {
        out.baseline.path = text(b, "path");
        out.baseline.revision = text(b, "revision");
        out.baseline.ref_name = text(b, "ref_name");
        out.baseline.series = b.get("series").and_then(Value::as_u64).unwrap_or(0) as usize;
        out.baseline.status = match b.get("status").and_then(Value::as_str) {
            Some("compared") => BaselineStatus::Compared,
            Some("missing") => BaselineStatus::Missing,
            Some("invalid") => BaselineStatus::Invalid,
            _ => BaselineStatus::NotGiven,
        };
    }
    out
}

/// The series of a verified `runtime_metrics.json` as points: a catalogued name keeps its unit
/// and description, anything else reads as a custom metric. A series whose labels the export
/// itself would not write is left out.
fn read_points(bytes: &[u8]) -> crate::observability::points::Points {
    use crate::observability::metrics::{CustomOrigin, Descriptor, LabelSet, MetricPoint};
    use crate::observability::points::Points;
    use std::sync::Arc;
    let Ok(read) = crate::observability::report_file::read_report(bytes) else {
        return Points::new();
    };
    let catalog = crate::observability::catalog::catalog();
    let spec = |name: &str| {
        catalog
            .iter()
            .flat_map(|(_, specs)| specs.iter())
            .find(|s| s.name == name)
            .copied()
    };
    let empty = LabelSet::empty();
    let mut points = Points::new();
    // Series in a row mostly share their labels: one set for each run of them.
    let mut last: Option<Arc<LabelSet>> = None;
    for series in read.series {
        let Ok(labels) = LabelSet::new(series.labels) else {
            continue;
        };
        let labels = match last.take() {
            Some(same) if *same == labels => same,
            _ => Arc::new(labels),
        };
        last = Some(Arc::clone(&labels));
        let point = MetricPoint {
            descriptor: match spec(&series.name) {
                Some(spec) => Descriptor::Catalog(spec),
                None => Descriptor::Custom(CustomOrigin::SameAsName),
            },
            name: series.name.into_boxed_str(),
            value: series.value,
            labels,
            attributes: empty.clone(),
        };
        // The report was read whole, so its names fit the store's 4 GiB.
        if points.push(point.as_point()).is_err() {
            break;
        }
    }
    points
}
