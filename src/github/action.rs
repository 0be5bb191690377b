//! `dpone-observability action`: the container action's entrypoint.
//!
//! Reads the inputs and context the runner passes, runs the same export service as the CLI
//! into `<workspace>/<output-root>/<run>/`, adds the step summary to the export (indexed like
//! the other artifacts), then writes `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT` and the
//! annotations, and exits as the fail policy says: 0 pass, 1 fail, 2 usage error.
//! Outside Actions the same command previews everything locally (`step_summary.md` in the run
//! folder; outputs and annotations are printed).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use std::cell::RefCell;

use super::baseline::AutoBaseline;
use super::commands::{annotation, annotation_linking, escape_data, Level};
use super::inputs::{Baseline, Inputs, Mode, Pack, DEFAULT_POLICY_FILE};
use super::outputs::{append_outputs, format_output};
use super::pr_status::{comment_marker, message, pull_request, CommentMode, Kinds, Message};
use super::redact::Redacting;
use super::runner::{validate_output_root, validate_run_name, Env, RunnerContext};
use super::summary::{self, SummaryContext};
use crate::ci_env::Event;
use crate::exit::{Error, Outcome, Verdict};
use crate::inert::Commands;
use crate::observability::artifacts::{
    artifact_specs, INDEX_FILE_NAME, OPENTELEMETRY, PROMETHEUS, SCHEMA_VERSION,
};
use crate::observability::blockers::{roots, runbook_base_url, Blocker, Severity};
use crate::observability::export::{
    export_with, ExportError, ExportOutcome, ExportRequest, ExtraArtifact,
};
use crate::observability::inputs::InputPattern;
use crate::observability::pack::{PackRequest, Source as PackSource};
use crate::observability::policy::FailOn;
use crate::observability::report::ExportReport;
use crate::observability::secrets::Redactor;
use crate::observability::settings::{resolve, ExportSpec, Names, PolicyFile, Setting};
use crate::observability::verdict::Assessment;

use crate::observability::timestamp::Timestamp;

artifact_specs! {
    STEP_SUMMARY = ("step_summary.md", "step_summary", "GitHub step summary, as written to the run page.");
}

/// GitHub shows at most this many error and this many warning annotations per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Everything the export needs, from the inputs; any problem is a usage error.
struct Plan {
    request: ExportRequest,
    fail_on: FailOn,
    summary: bool,
    annotations: bool,
    output_dir_shown: String,
    pr_kinds: Kinds,
    pr_explicit: bool,
    /// The `check-name` input; empty: one from the job and the run's process.
    check_name: Option<String>,
    #[cfg_attr(not(feature = "github-api"), allow(dead_code))]
    comment_mode: CommentMode,
    /// The `comment-author` input.
    #[cfg_attr(not(feature = "github-api"), allow(dead_code))]
    comment_author: Option<String>,
    artifact_url: Option<String>,
    /// `GITHUB_JOB`.
    job: String,
    /// The output root: annotations never point into it.
    output_root: PathBuf,
    /// The commit the run is for (the PR head on pull requests).
    head_sha: Option<String>,
    /// The pull request the event is for (its payload is read once).
    pull_request: Option<super::pr_status::PullRequest>,
    /// The `pack` input: the policy's alerts and dashboard, added to the run folder.
    pack: Option<PackRequest>,
    #[cfg(feature = "push")]
    push: Option<crate::push::PushPlan>,
    /// `baseline: auto`: the history is fetched before the export.
    auto_baseline: Option<AutoBaseline>,
}

fn plan(
    inputs: &Inputs,
    secrets: &[String],
    env: &Env,
    event: &Event,
    ctx: &RunnerContext,
    now: Timestamp,
) -> Result<Plan, String> {
    let run_name = inputs
        .run_name
        .clone()
        .unwrap_or_else(|| ctx.default_run_name());
    validate_run_name(&run_name)?;
    validate_output_root(&inputs.output_root)?;
    let output_dir = ctx.resolve(&inputs.output_root).join(&run_name);
    ctx.check_writable(&output_dir)?;

    let auto_baseline = AutoBaseline::from_inputs(inputs);
    let spec = export_spec(inputs, env, event, ctx, &output_dir, now)?;
    check_readable(&spec, ctx)?;
    let mut request = resolve(spec)?;
    // The step's own secrets are never written, whatever a label or a report holds.
    request.secrets.extend_from_slice(secrets);
    let fail_on = inputs
        .fail_on
        .unwrap_or_else(|| request.policy.fail_on.unwrap_or_default());
    // The core turns inconclusive results into blockers under `fail-on: inconclusive`.
    request.policy.fail_on = Some(fail_on);
    #[cfg(feature = "push")]
    let push = super::push_step::plan(inputs, env)?;
    #[cfg(not(feature = "push"))]
    if inputs.any_push_target() {
        return Err(
            "this build has no push adapter (cargo feature `push`); leave the push inputs empty"
                .to_string(),
        );
    }
    let pr = pull_request(env, event);
    let (mut pr_kinds, pr_explicit) = inputs.pr_status.kinds(pr.is_some());
    if inputs.comment_mode == CommentMode::Off {
        pr_kinds.comment = false;
    }
    let pack = pack_request(inputs, &request, now)?;
    Ok(Plan {
        pr_kinds,
        pr_explicit,
        check_name: inputs.check_name.clone(),
        comment_mode: inputs.comment_mode,
        comment_author: inputs.comment_author.as_ref().map(|l| l.0.clone()),
        artifact_url: inputs.artifact_url.as_ref().map(|u| u.0.clone()),
        job: env
            .var("GITHUB_JOB")
            .filter(|j| !j.is_empty())
            .unwrap_or_default(),
        output_root: ctx.resolve(&inputs.output_root),
        head_sha: pr.as_ref().map(|p| p.head_sha.clone()).or(ctx.sha.clone()),
        pull_request: pr,
        pack,
        output_dir_shown: ctx.relative(&output_dir),
        request,
        fail_on,
        #[cfg(feature = "push")]
        push,
        summary: inputs.summary,
        annotations: inputs.annotations,
        auto_baseline,
    })
}

/// The `pack` input: the policy's alerts and dashboard for the transport it names.
fn pack_request(
    inputs: &Inputs,
    request: &ExportRequest,
    now: Timestamp,
) -> Result<Option<PackRequest>, String> {
    let source = match inputs.pack {
        Pack::Off => return Ok(None),
        Pack::RemoteWrite => PackSource::RemoteWrite,
        Pack::Pushgateway => PackSource::Pushgateway {
            job: inputs
                .pushgateway_job
                .clone()
                .unwrap_or_else(|| "dpone".to_string()),
        },
    };
    let window = inputs
        .pack_window
        .clone()
        .unwrap_or_else(|| "1d".to_string());
    crate::observability::pack::parse_window(&window)
        .map_err(|why| format!("input `pack-window`: {why}"))?;
    Ok(Some(PackRequest {
        gates: request.policy.gates.clone(),
        source,
        window,
        runbook_base: request.runbook_base.clone(),
        now,
    }))
}

/// The export's settings from the inputs, on the same settings path as the CLI's flags.
fn export_spec(
    inputs: &Inputs,
    env: &Env,
    event: &Event,
    ctx: &RunnerContext,
    output_dir: &Path,
    now: Timestamp,
) -> Result<ExportSpec, String> {
    let path = |p: &Option<String>| p.as_ref().map(|p| ctx.resolve(p));
    let mut spec = ExportSpec::new(Names::Inputs, output_dir, now);
    spec.run_report = path(&inputs.run_report);
    spec.metrics_file = path(&inputs.metrics_file);
    spec.airflow_evidence_bundle = path(&inputs.airflow_evidence_bundle);
    spec.inputs = spec.parse_lines(Setting::Inputs, &inputs.inputs, |line| {
        let mut pattern = InputPattern::parse(line)?;
        pattern.pattern = ctx.resolve(&pattern.pattern).display().to_string();
        Ok(pattern)
    })?;
    spec.metrics = spec.metric_lines(&inputs.metrics)?;
    spec.labels = spec.key_value_lines(Setting::Labels, &inputs.labels)?;
    spec.resource_attributes =
        spec.key_value_lines(Setting::ResourceAttributes, &inputs.resource_attributes)?;
    // Where the export came from, as OpenTelemetry CI/CD and VCS resource attributes (the JSON
    // report and OTLP, never Prometheus labels); a later run comparing with it as a baseline
    // names its commit. A value the user gave wins.
    if inputs.ci_attributes {
        let get = |name: &str| env.var(name);
        crate::ci_env::merge(
            &mut spec.resource_attributes,
            crate::ci_env::resource_attributes(&get, event),
        );
    }
    spec.service_name = inputs.service_name.clone();
    spec.namespace = inputs.namespace.clone();
    spec.runbook_base = Some(
        inputs
            .runbook_base_url
            .clone()
            .unwrap_or_else(|| runbook_base_url(&ctx.server_url)),
    );
    spec.policy_file = inputs.policy_file.as_ref().map(|name| PolicyFile {
        path: ctx.resolve(name),
        optional: name == DEFAULT_POLICY_FILE,
        shown: name.clone(),
    });
    spec.objectives = inputs.objectives.clone();
    spec.objectives_base = Some(ctx.resolve("."));
    spec.history_limit = Some(inputs.history_limit.0);
    let get = |name: &str| env.var(name);
    spec.trace_ids = inputs.trace_ids;
    spec.traceparent = env.var("TRACEPARENT");
    spec.ci_job = crate::ci_env::ci_job(&get, inputs.check_run_id.map(|id| id.0));
    spec.openlineage_namespace = inputs.openlineage_namespace.clone();
    // `auto`: the adapter fetches the history before the export (`baseline::fetch`).
    if let Baseline::Paths(paths) = &inputs.baseline {
        spec.baselines = paths.iter().map(|b| ctx.resolve(b)).collect();
    }
    Ok(spec)
}

/// The workspace is a wall: every file the export will read resolves inside the workspace or
/// `RUNNER_TEMP` (the `inputs` patterns are expanded to check each match).
fn check_readable(spec: &ExportSpec, ctx: &RunnerContext) -> Result<(), String> {
    let paths = [
        ("run-report", spec.run_report.as_ref()),
        ("metrics-file", spec.metrics_file.as_ref()),
        (
            "airflow-evidence-bundle",
            spec.airflow_evidence_bundle.as_ref(),
        ),
        ("policy-file", spec.policy_file.as_ref().map(|p| &p.path)),
    ];
    for (input, path) in paths {
        if let Some(path) = path {
            ctx.check_readable(input, path)?;
        }
    }
    if let Some(path) = spec.objectives_file() {
        ctx.check_readable("objectives", &path)?;
    }
    for pattern in &spec.baselines {
        let text = pattern.display().to_string();
        let matches: Vec<PathBuf> = crate::observability::dirs::glob(&text)
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        if matches.is_empty() {
            ctx.check_readable("baseline", pattern)?;
        }
        for path in matches {
            ctx.check_readable("baseline", &path)?;
        }
    }
    for pattern in &spec.inputs {
        for path in crate::observability::dirs::glob(&pattern.pattern)
            .into_iter()
            .flatten()
            .flatten()
        {
            ctx.check_readable("inputs", &path)?;
        }
    }
    Ok(())
}

/// Posts the check run, comment and commit status the plan asks for; returns what could not be
/// posted, and why. Never changes the exit status.
fn post_pr_status(
    env: &Env,
    ctx: &RunnerContext,
    plan: &Plan,
    token: Option<&str>,
    message: &Message,
    check_name: &str,
) -> Vec<String> {
    let why_not = |reason: &str| {
        if plan.pr_explicit {
            vec![format!("PR status not posted: {reason}")]
        } else {
            Vec::new()
        }
    };
    let Some(token) = token else {
        return why_not("no `github-token`");
    };
    let Some((owner, repo)) = ctx.repository.as_deref().and_then(|r| r.split_once('/')) else {
        return why_not("`GITHUB_REPOSITORY` is not set (not running in GitHub Actions)");
    };
    let pr = plan.pull_request.as_ref();
    let Some(head_sha) = plan.head_sha.clone() else {
        return why_not("no commit to report on (`GITHUB_SHA` is not set)");
    };
    #[cfg(feature = "github-api")]
    {
        let target = super::pr_status::PrTarget {
            api_url: super::api::api_url(env),
            token: token.to_string(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            head_sha,
            pull_number: pr.map(|p| p.number),
            check_name: check_name.to_string(),
            run_url: ctx.run_url(),
            comment_mode: plan.comment_mode,
            comment_author: plan.comment_author.clone(),
        };
        let retry = super::api::retry_policy(env, ctx);
        super::posting::post(&target, plan.pr_kinds, message, retry)
    }
    #[cfg(not(feature = "github-api"))]
    {
        let _ = (env, pr, owner, repo, head_sha, message, token, check_name);
        vec!["PR status not posted: this build has no GitHub API adapter (cargo feature `github-api`)".to_string()]
    }
}

#[derive(Serialize)]
struct BlockerOutput<'a> {
    /// Each object carries it: the output is an array, which stays one (see `SCHEMA_VERSION`).
    schema_version: u32,
    code: String,
    severity: &'static str,
    message: &'a str,
    runbook_url: String,
    file: Option<String>,
    /// The root cause's code, when another blocker caused this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    caused_by: Option<String>,
}

/// Runs the action, phase by phase: mask the secrets, plan, export (with the step summary as
/// an artifact), then tell the runner (summary, outputs, annotations), post the PR status,
/// push, and give the verdict. A usage, configuration or I/O error is annotated here; `main`
/// prints it.
pub fn run(
    env: &Env,
    cwd: &Path,
    now: Timestamp,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Outcome {
    let (token, secrets) = mask_secrets(env, stdout);
    // From here on no line printed holds a secret, whatever a server echoed; nor does the
    // error `main` prints.
    let redactor = Redactor::new(&secrets);
    let outcome = {
        let stdout = &mut Redacting::new(stdout, redactor.clone());
        let stderr = &mut Redacting::new(stderr, redactor.clone());
        run_masked(env, cwd, now, (token, &secrets), stdout, stderr)
    };
    outcome.map_err(|error| match error {
        Error::Usage(message) => Error::Usage(redactor.redact(&message).into_owned()),
        Error::Failed(message) => Error::Failed(redactor.redact(&message).into_owned()),
    })
}

/// [`run`] once the secrets are masked, with stdout and stderr redacted.
fn run_masked(
    env: &Env,
    cwd: &Path,
    now: Timestamp,
    (token, secrets): (Option<String>, &[String]),
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Outcome {
    warn_misspelt_inputs(env, stdout, stderr);
    let mut ctx = RunnerContext::from_env(env, cwd);
    let inputs = Inputs::read(env).map_err(|message| usage(stdout, message))?;
    ctx.deadline = std::time::Instant::now().checked_add(inputs.timeout.0);
    let event = super::inputs::event(env);
    match inputs.mode {
        Mode::Export => {}
        #[cfg(feature = "github-api")]
        Mode::Publish => {
            let token = token.as_deref();
            return super::publish::run(&inputs, env, &event, &ctx, token, stdout, stderr);
        }
        #[cfg(not(feature = "github-api"))]
        Mode::Publish => {
            let message =
                "`mode: publish` needs the GitHub API adapter (cargo feature `github-api`)";
            return Err(usage(stdout, message.to_string()));
        }
    }
    let event = event.unwrap_or_default();
    let mut plan =
        plan(&inputs, secrets, env, &event, &ctx, now).map_err(|message| usage(stdout, message))?;
    prepare(
        &mut plan,
        env,
        &event,
        &ctx,
        token.as_deref(),
        stdout,
        stderr,
    );
    let exported = export(&plan, &ctx, stdout)?;
    let given = Given {
        env,
        ctx: &ctx,
        token: token.as_deref(),
    };
    Ok(tell(&plan, &given, &exported, stdout, stderr))
}

/// Before the export: the push credentials' other forms masked, the `baseline: auto` history
/// fetched, the settings' hints noted.
fn prepare(
    plan: &mut Plan,
    env: &Env,
    event: &Event,
    ctx: &RunnerContext,
    token: Option<&str>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) {
    #[cfg(feature = "push")]
    if let Some(push) = &plan.push {
        // Every form the push credentials are sent in, once read (the raw ones are masked).
        let more: Vec<String> = push
            .secrets()
            .into_iter()
            .filter(|s| !plan.request.secrets.contains(s))
            .collect();
        // Masked through the redacting stdout, they are redacted from every later line; the
        // files the step writes are redacted of them with the others.
        super::commands::mask(&more, stdout);
        plan.request.secrets.extend(more);
    }
    if let Some(auto) = &plan.auto_baseline {
        // Never fails the step: without samples the export says why (`baseline.unavailable`).
        let fetched = super::baseline::fetch(env, event, ctx, auto, token, stdout, stderr);
        plan.request.baselines = fetched.folders;
        plan.request.merge_base = fetched.merge_base;
        plan.request.pre_export_blockers.extend(fetched.blocker);
    }
    for hint in &plan.request.hints {
        stdout.command(&annotation(
            Level::Notice,
            "dpone-observability: hint",
            None,
            hint,
        ));
    }
    for warning in &plan.request.warnings {
        stdout.command(&annotation(
            Level::Warning,
            "dpone-observability: warning",
            None,
            warning,
        ));
    }
}

/// What the steps after the export are given besides the plan.
struct Given<'a> {
    env: &'a Env,
    ctx: &'a RunnerContext,
    token: Option<&'a str>,
}

/// After the export: the step summary, outputs, annotations, PR status and push; the verdict.
fn tell(
    plan: &Plan,
    given: &Given<'_>,
    exported: &Exported,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Verdict {
    let Given { env, ctx, token } = *given;
    let report = &exported.outcome.report;
    // The artifacts are complete; now tell the runner.
    if plan.summary {
        if let Some(target) = &ctx.step_summary {
            append(target, &exported.summary, "the step summary", stderr);
        }
    }
    let failing = plan.fail_on.first_failing(&report.blockers);
    let outputs = outputs(report, ctx, &plan.request.output_dir, failing.is_none());
    write_outputs(ctx, &redacted(plan, outputs), stderr);
    if plan.annotations {
        for line in annotations(report, ctx, plan.fail_on, &plan.output_root) {
            stdout.command(&line);
        }
    }
    if let Some(message) = &exported.pr_message {
        let name = &exported.check_name;
        for warning in post_pr_status(env, ctx, plan, token, message, name) {
            let title = "dpone-observability: PR status";
            stdout.command(&annotation(Level::Warning, title, None, &warning));
            let _ = writeln!(stderr, "warning: {warning}");
        }
    }
    // Last: the evidence is complete and reported before anything is sent elsewhere.
    let push_failing = push(plan, ctx, report, stdout, stderr);
    let failing = failing.or(push_failing.as_ref());
    let assessment = Assessment::of(&report.blockers, &report.gates, plan.fail_on);
    let verdict = match (&push_failing, failing) {
        (Some(b), _) => format!("❌ failed by `{}`", b.id()),
        (None, _) => assessment.to_string(),
    };
    let _ = writeln!(
        stdout,
        "dpone-observability: {verdict}; {} metrics; artifacts in {}",
        report.metric_count,
        plan.output_dir_shown.escape_debug()
    );
    Verdict::from_failed(failing.is_some())
}

/// An `INPUT_*` variable close to one of the inputs is ignored, as the runner would: a warning
/// (annotation and stderr) names the input it likely means. The variable's name is text from
/// the environment: it only ever goes into an escaped annotation message or the inert stderr.
fn warn_misspelt_inputs(env: &Env, stdout: &mut impl Commands, stderr: &mut impl Write) {
    for (variable, input) in super::inputs::misspelt(env) {
        let warning = format!(
            "`{variable}` is not an input of this action and is ignored; did you mean input \
             `{input}` (variable `INPUT_{}`)?",
            input.to_uppercase()
        );
        stdout.command(&annotation(
            Level::Warning,
            "dpone-observability: unknown input",
            None,
            &warning,
        ));
        let _ = writeln!(stderr, "warning: {warning}");
    }
}

/// A usage error, annotated.
fn usage(stdout: &mut impl Commands, message: String) -> Error {
    stdout.command(&annotation(
        Level::Error,
        "dpone-observability: usage",
        None,
        &message,
    ));
    Error::Usage(message)
}

/// Masks the `github-token` and every value the push credentials are read from before anything
/// else is printed (even when an input does not parse); they are never written to a file.
/// Returns the token, and every secret of the step (the token among them) for the export to
/// keep out of its files.
fn mask_secrets(env: &Env, stdout: &mut impl Commands) -> (Option<String>, Vec<String>) {
    let (token, mut values) = super::inputs::secrets(env);
    #[cfg(feature = "push")]
    values.extend(super::push_step::env_secrets(env));
    if let Some(token) = &token {
        stdout.command(&format!("::add-mask::{}", escape_data(&token.0)));
    }
    super::commands::mask(&values, stdout);
    let token = token.map(|t| t.0);
    values.extend(token.clone());
    (token, values)
}

/// The export, with the step summary rendered into it as an indexed artifact, and the PR
/// message built from the same finished report.
struct Exported {
    outcome: ExportOutcome,
    summary: String,
    pr_message: Option<Message>,
    /// The check run's name and the comment's key.
    check_name: String,
}

/// `dpone observability: <job> / <pipeline>` (the pipeline is the run's manifest, or its
/// process): matrix legs (one pipeline each) and jobs never share a check run or a comment
/// unless the user names them alike, and a failed run keeps the name of a passing one.
pub fn default_check_name(job: &str, report: &ExportReport) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !job.is_empty() {
        parts.push(job.to_string());
    }
    if let Some(name) = report.run.as_ref().and_then(|r| r.stable_name()) {
        parts.push(name);
    }
    let name = if parts.is_empty() {
        "dpone observability".to_string()
    } else {
        format!("dpone observability: {}", parts.join(" / "))
    };
    // A check name is one line of at most 100 characters here.
    crate::observability::text::one_line(&name, 100)
}

fn export(plan: &Plan, ctx: &RunnerContext, stdout: &mut impl Commands) -> Result<Exported, Error> {
    let pr_message: RefCell<Option<Message>> = RefCell::new(None);
    let summary_text: RefCell<String> = RefCell::new(String::new());
    let check_name: RefCell<String> = RefCell::new(String::new());
    let extra = ExtraArtifact {
        spec: &STEP_SUMMARY,
        render: Box::new(|report, points, written, out| {
            let name = match &plan.check_name {
                Some(name) => name.clone(),
                None => default_check_name(&plan.job, report),
            };
            let summary_ctx = SummaryContext {
                workspace: ctx,
                fail_on: plan.fail_on,
                run_url: ctx.run_url(),
                output_dir: &plan.output_dir_shown,
                title: &name,
                head_sha: plan.head_sha.as_deref(),
                artifact_url: plan.artifact_url.as_deref(),
                provenance: None,
            };
            if plan.pr_kinds.any() {
                *pr_message.borrow_mut() = Some(message(
                    report,
                    points,
                    written,
                    &summary_ctx,
                    ctx,
                    &comment_marker(&name),
                    &plan.job,
                ));
            }
            let text = summary::render(report, points, written, &summary_ctx);
            // The step summary is a file too: no secret of the step in it.
            let text = Redactor::new(&plan.request.secrets)
                .redact(&text)
                .into_owned();
            out.write_all(text.as_bytes())?;
            *summary_text.borrow_mut() = text;
            *check_name.borrow_mut() = name;
            Ok(())
        }),
    };
    let mut extras = Vec::new();
    if let Some(request) = &plan.pack {
        match crate::observability::pack::build(request) {
            Ok(pack) => extras.extend(crate::observability::pack::extras(&pack, request)),
            Err(why) => {
                let error = Error::Usage(format!("input `pack`: {why}"));
                stdout.command(&annotation(
                    Level::Error,
                    "dpone-observability: configuration",
                    None,
                    error.message(),
                ));
                return Err(error);
            }
        }
    }
    extras.push(extra);
    let (title, error) = match export_with(&plan.request, extras) {
        Ok(outcome) => {
            return Ok(Exported {
                outcome,
                summary: summary_text.into_inner(),
                pr_message: pr_message.into_inner(),
                check_name: check_name.into_inner(),
            })
        }
        Err(ExportError::Config(err)) => (
            "dpone-observability: configuration",
            Error::Usage(format!("configuration error: {err}")),
        ),
        Err(err) => (
            "dpone-observability: I/O",
            Error::Failed(format!("the export could not be written: {err}")),
        ),
    };
    stdout.command(&annotation(Level::Error, title, None, error.message()));
    Err(error)
}

/// Appends to a runner file (`GITHUB_STEP_SUMMARY`); a failure is a warning.
fn append(target: &Path, text: &str, what: &str, stderr: &mut impl Write) {
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(target)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(err) = appended {
        let _ = writeln!(
            stderr,
            "warning: cannot write {what} to `{}`: {err}",
            target.display()
        );
    }
}

/// The step's outputs without the step's secrets (the last line of defence: the blockers were
/// redacted by the export already).
fn redacted(plan: &Plan, outputs: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    let redactor = Redactor::new(&plan.request.secrets);
    outputs
        .into_iter()
        .map(|(name, value)| (name, redactor.redact(&value).into_owned()))
        .collect()
}

/// The step outputs into `GITHUB_OUTPUT`, or on stderr outside Actions.
fn write_outputs(ctx: &RunnerContext, outputs: &[(&str, String)], stderr: &mut impl Write) {
    match &ctx.output {
        Some(path) => {
            if let Err(err) = append_outputs(path, outputs) {
                let _ = writeln!(
                    stderr,
                    "warning: cannot write step outputs to `{}`: {err}",
                    path.display()
                );
            }
        }
        None => {
            for (name, value) in outputs {
                let _ = write!(stderr, "{}", format_output(name, value));
            }
        }
    }
}

/// The push phase: the run folder to each target, the Pushed summary section, the `pushed`
/// output, annotations and blockers. Returns the push blocker that fails the step, if any.
#[cfg(feature = "push")]
fn push(
    plan: &Plan,
    ctx: &RunnerContext,
    report: &ExportReport,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Option<Blocker> {
    let Some(push) = &plan.push else {
        if let Some(path) = &ctx.output {
            let _ = append_outputs(path, &[("pushed", "[]".to_string())]);
        }
        return None;
    };
    let mut pushed = super::push_step::run(
        push,
        &plan.request.output_dir,
        &plan.request.policy,
        stdout,
        stderr,
    );
    // A receiver's answer is quoted in both; neither may carry a secret of the step.
    let redactor = Redactor::new(&plan.request.secrets);
    pushed.summary = redactor.redact(&pushed.summary).into_owned();
    pushed.output = redactor.redact(&pushed.output).into_owned();
    if plan.summary {
        if let Some(target) = &ctx.step_summary {
            // Only to a summary this step has written.
            let _ = std::fs::OpenOptions::new()
                .append(true)
                .open(target)
                .and_then(|mut file| file.write_all(pushed.summary.as_bytes()));
        }
    }
    match &ctx.output {
        Some(path) => {
            let _ = append_outputs(path, &[("pushed", pushed.output.clone())]);
        }
        None => {
            let _ = write!(stderr, "{}", format_output("pushed", &pushed.output));
        }
    }
    if plan.annotations {
        for line in super::push_step::annotations(&pushed.blockers, |b| report.runbook_url(b.code))
        {
            stdout.command(&line);
        }
    }
    for b in &pushed.blockers {
        crate::exit::write_blocker(stderr, b, &report.runbook_url(b.code));
    }
    plan.fail_on.first_failing(&pushed.blockers).cloned()
}

/// Without the push adapter there is nothing to push (the plan refused the push inputs).
#[cfg(not(feature = "push"))]
fn push(
    _plan: &Plan,
    _ctx: &RunnerContext,
    _report: &ExportReport,
    _stdout: &mut impl Commands,
    _stderr: &mut impl Write,
) -> Option<Blocker> {
    None
}

fn outputs(
    report: &ExportReport,
    ctx: &RunnerContext,
    output_dir: &Path,
    passed: bool,
) -> Vec<(&'static str, String)> {
    let blockers: Vec<BlockerOutput<'_>> = report
        .blockers
        .iter()
        .map(|b| BlockerOutput {
            schema_version: SCHEMA_VERSION,
            code: b.id().to_string(),
            severity: b.severity().as_str(),
            message: &b.message,
            runbook_url: report.runbook_url(b.code),
            file: b.subject.as_deref().map(|s| ctx.relative(Path::new(s))),
            caused_by: report.cause_of(b),
        })
        .collect();
    let rel = |name: &str| ctx.relative(&output_dir.join(name));
    let verdicts = |v: crate::observability::gates::Verdict| {
        let n = report.gates.regressions.iter().filter(|c| c.verdict == v);
        n.count()
    };
    vec![
        ("passed", passed.to_string()),
        (
            "inconclusive",
            verdicts(crate::observability::gates::Verdict::Inconclusive).to_string(),
        ),
        (
            "would-fail",
            (verdicts(crate::observability::gates::Verdict::WouldFail)
                + report
                    .gates
                    .objectives
                    .iter()
                    .filter(|o| o.would_fail)
                    .count())
            .to_string(),
        ),
        ("metric-count", report.metric_count.to_string()),
        (
            "blockers",
            serde_json::to_string(&blockers).unwrap_or_else(|_| "[]".to_string()),
        ),
        ("output-dir", ctx.relative(output_dir)),
        ("prometheus-path", rel(PROMETHEUS.file_name)),
        ("opentelemetry-path", rel(OPENTELEMETRY.file_name)),
        ("index-path", rel(INDEX_FILE_NAME)),
        ("summary-path", rel(STEP_SUMMARY.file_name)),
    ]
}

/// One annotation per root cause, most severe first, within GitHub's per-step limits (what it
/// caused is counted in its message); the rest are counted in one notice.
fn annotations(
    report: &ExportReport,
    ctx: &RunnerContext,
    fail_on: FailOn,
    output_root: &Path,
) -> Vec<String> {
    let mut ordered = roots(&report.blockers);
    ordered.sort_by_key(|r| (!fail_on.fails_on(r.severity), r.severity));
    let mut lines = Vec::new();
    let (mut errors, mut warnings, mut left_out) = (0, 0, 0);
    for root in ordered {
        let b = root.blocker;
        let level = Level::from(root.severity);
        let count = match root.severity {
            Severity::Error => &mut errors,
            Severity::Warning => &mut warnings,
        };
        if *count == ANNOTATIONS_PER_LEVEL {
            left_out += 1;
            continue;
        }
        *count += 1;
        let fails = if fail_on.fails_on(root.severity) {
            " This blocker fails the step."
        } else {
            ""
        };
        // Only a file of the repository is annotated: inside the workspace, outside the
        // output root (the export's own files are not in the diff).
        let kept_out = ctx.workspace_file(output_root);
        let file = b
            .subject
            .as_deref()
            .and_then(|s| ctx.workspace_file(Path::new(s)))
            .filter(|f| match &kept_out {
                Some(out) => !(f == out || f.starts_with(&format!("{out}/"))),
                None => true,
            });
        lines.push(annotation_linking(
            level,
            &b.id().to_string(),
            file.as_deref(),
            file.as_ref().and(b.line),
            &b.message,
            &format!(
                "{}{fails} Runbook: {}",
                root.caused_text(),
                report.runbook_url(b.code)
            ),
        ));
    }
    if left_out > 0 {
        lines.push(annotation(
            Level::Notice,
            "dpone-observability",
            None,
            &format!("{left_out} more blockers are listed in the step summary."),
        ));
    }
    lines
}
