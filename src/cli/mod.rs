//! The command-line adapter: clap definitions, then one module per subcommand. No business
//! rules here: each subcommand parses, calls the core, prints, and returns an
//! [`Outcome`](crate::exit::Outcome); [`main`] prints its error once and maps it to the exit
//! status (see [`crate::exit`]).

mod action_help;
mod calibrate;
mod explain;
mod metrics_export;
mod pack;
#[cfg(feature = "push")]
mod push;
mod site;
mod verify;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::exit::{self, Error, Outcome, EXIT_FAILED, EXIT_USAGE};
use crate::inert::{Commands, Inert};
use crate::observability::inputs::InputPattern;

use crate::observability::metrics::parse_key_value;
use crate::observability::sources::custom::parse_metric;

#[derive(Debug, Parser)]
#[command(
    name = "dpone-observability",
    version,
    about = "Turn dpone run reports into Prometheus, OpenTelemetry and checksummed CI evidence.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Export metrics from dpone run reports, other dpone artifacts and custom metrics.
    #[command(after_help = METRICS_EXPORT_AFTER_HELP)]
    MetricsExport(Box<MetricsExportArgs>),
    /// Re-hash the files named in DIR/metrics_index.json and read its report back; fail on a missing, changed or extra file or an unreadable report.
    Verify(VerifyArgs),
    /// Print a blocker code's severity, summary and runbook.
    Explain(ExplainArgs),
    /// Turn the policy's objectives into Prometheus alerting rules, their promtool tests and a
    /// Grafana dashboard, written to DIR as one indexed set (docs/pack.md).
    Pack(PackArgs),
    /// Replay the policy's regression rules (or proposed default rules) over a history of runs
    /// on main: how often each would have failed, and the boundary for a target rate.
    Calibrate(CalibrateArgs),
    /// Draw a history of runs as a small static site (index.html with every chart, a page per
    /// metric) for GitHub Pages (docs/trend-page.md).
    Site(SiteArgs),
    /// Send a finished, verified export folder to a Prometheus Pushgateway, a remote-write
    /// receiver and/or an OTLP/HTTP endpoint. Never writes to DIR.
    #[cfg(feature = "push")]
    Push(Box<PushArgs>),
    /// The GitHub container action: export, step summary, outputs, annotations, fail policy.
    #[command(long_about = ACTION_LONG_ABOUT)]
    Action,
}

/// `action --help`'s first lines, wrapped to 100 columns (the inputs follow, from the table).
const ACTION_LONG_ABOUT: &str = "\
The GitHub container action: reads `INPUT_*` and `GITHUB_*` variables, exports, writes the step
summary, outputs and annotations, and exits as the fail policy says. `action.yml` runs it in the
container; run locally, an input not set as `INPUT_<NAME>` takes its default.";

/// Examples and exit statuses, after `metrics-export`'s flags.
const METRICS_EXPORT_AFTER_HELP: &str = "\
Examples:
  dpone-observability metrics-export --run-report run_report.json
  dpone-observability metrics-export --input 'test_artifacts/**/*.json' --metric lag_seconds=42 --label env=ci
  dpone-observability metrics-export --run-report run_report.json --policy .github/dpone-observability.yml \\
      --objectives '{\"run_passed\": {\"min\": 1}}' --baseline previous/runtime_metrics.json --format json

Exit status:
  0  Exported; no error blocker (warnings only)
  1  An error blocker, a failed objective or regression among them (the artifacts are still written),
     or an artifact could not be written
  2  Usage or configuration error (a bad flag, policy file or gate); nothing is written

Blocker codes: dpone-observability explain --list";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct MetricsExportArgs {
    /// JSON output from `dpone run --format json`.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub run_report: Option<PathBuf>,

    /// Any standard dpone artifact, by glob pattern (`**` for any depth); repeatable. The kind
    /// is detected from the file's shape or forced with `KIND=PATTERN` (kinds: run_report,
    /// orchestrated_run, run_registry, run_registry_index, certification_suite,
    /// certification_suite_index, certification_report, benchmark_baseline, benchmark_slo_gate,
    /// slo_report, airflow_evidence_bundle).
    #[arg(long = "input", value_name = "[KIND=]PATTERN", value_parser = InputPattern::parse, help_heading = "Inputs")]
    pub inputs: Vec<InputPattern>,

    /// A custom metric; repeatable. The value is a number (`1e3`, `nan` and `inf` accepted).
    #[arg(long = "metric", value_name = "NAME=VALUE", value_parser = parse_metric, help_heading = "Inputs")]
    pub metrics: Vec<(String, f64)>,

    /// A JSON or YAML (`.yaml`/`.yml`) mapping of metric names to numbers, for large sets.
    /// A `--metric` flag with the same name, as written, overrides the file's entry.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub metrics_file: Option<PathBuf>,

    /// A label added to every metric; repeatable. Keep it low-cardinality.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_key_value, help_heading = "Labels and attributes")]
    pub labels: Vec<(String, String)>,

    /// An OpenTelemetry resource attribute; repeatable. Cannot override `service.*`.
    #[arg(long = "resource-attr", value_name = "KEY=VALUE", value_parser = parse_key_value, help_heading = "Labels and attributes")]
    pub resource_attributes: Vec<(String, String)>,

    /// OpenTelemetry `service.name`.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "dpone",
        help_heading = "Labels and attributes"
    )]
    pub service_name: String,

    /// OpenTelemetry `service.namespace`.
    #[arg(
        long,
        value_name = "NAMESPACE",
        default_value = "dpone.local",
        help_heading = "Labels and attributes"
    )]
    pub namespace: String,

    /// Airflow evidence bundle from `dpone gitops airflow evidence-bundle`.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub airflow_evidence_bundle: Option<PathBuf>,

    /// Policy file (YAML): `fail-on`, per-code `blockers:` severities, `objectives:`,
    /// `regressions:`, `change_points:` and `openlineage:`.
    /// `fail-on` is the action's; `metrics-export` fails on error blockers.
    #[arg(long, value_name = "FILE", help_heading = "Gates")]
    pub policy: Option<PathBuf>,

    /// Objectives to gate on, YAML or JSON, inline or in a file: `{"metric": {"min": 1,
    /// "max": 9}}` (dpone's `--objectives-json` format, a bare number is a max) or a list of
    /// `{metric, labels, min, max, severity}`. Added to the policy file's.
    #[arg(
        long,
        value_name = "OBJECTIVES|FILE",
        allow_hyphen_values = true,
        help_heading = "Gates"
    )]
    pub objectives: Option<String>,

    /// An earlier export to compare with under the policy's `regressions:` rules (or the
    /// default rules): its `runtime_metrics.json`, its folder (verified against its
    /// `metrics_index.json`), or a glob of either. Repeat it for a history: each is one sample,
    /// ordered by export time. A missing or invalid one is a warning, so a first run passes.
    #[arg(long, value_name = "FILE|DIR|GLOB", help_heading = "Gates")]
    pub baseline: Vec<PathBuf>,

    /// How many runs `history.json` keeps: the newest entries of the carried history (from the
    /// baselines) plus this run.
    #[arg(
        long,
        value_name = "RUNS",
        default_value_t = crate::observability::history::DEFAULT_HISTORY_LIMIT,
        value_parser = history_limit,
        help_heading = "Gates"
    )]
    pub history_limit: usize,

    /// A pull request's merge-base with its base branch (a full commit SHA, as
    /// `git merge-base origin/main HEAD` prints it): the regressions compare with the history
    /// up to that commit's run, not with newer runs the change does not contain
    /// (docs/gates.md#history). `history.json` keeps every run.
    #[arg(long, value_name = "SHA", value_parser = full_sha, help_heading = "Gates")]
    pub merge_base: Option<String>,

    /// The merge-base commit's committer date (RFC 3339, as `git show -s --format=%cI SHA`
    /// prints it): when its run is not in the history, the history is cut at the nearest
    /// older run.
    #[arg(
        long,
        value_name = "TIME",
        value_parser = rfc3339,
        requires = "merge_base",
        help_heading = "Gates"
    )]
    pub merge_base_date: Option<String>,

    /// Directory the artifacts are written to (created if needed).
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".dpone/observability/latest",
        help_heading = "Output"
    )]
    pub output_dir: PathBuf,

    /// Inside GitHub Actions, do not record the run's OpenTelemetry CI/CD and VCS resource
    /// attributes (`cicd.*`, `vcs.*`; semantic conventions v1.44.0).
    #[arg(long, help_heading = "Labels and attributes")]
    pub no_ci_attributes: bool,

    /// Which ids the export's trace uses: `github` joins the workflow's trace (a valid
    /// `TRACEPARENT`, else GitHub's run and job as the collector's GitHub receiver derives them,
    /// else its own ids); `export` keeps the export's own ids.
    #[arg(long, value_name = "github|export", default_value = "github", value_parser = trace_ids, help_heading = "Labels and attributes")]
    pub trace_ids: crate::observability::trace_join::TraceIds,

    /// The job's check run id (`${{ job.check_run_id }}`): the export's trace becomes a child of
    /// the GitHub receiver's job span (v0.151.0 and later); without it, of the span named after
    /// `GITHUB_JOB`.
    #[arg(long, value_name = "ID", help_heading = "Labels and attributes")]
    pub check_run_id: Option<u64>,

    /// The OpenLineage job namespace of `openlineage_events.json` (written when a lineage input
    /// or the policy names datasets); default: the policy's `openlineage.namespace`, else
    /// `dpone.ci`.
    #[arg(long, value_name = "NAMESPACE", help_heading = "Output")]
    pub openlineage_namespace: Option<String>,

    /// What to print on stdout: the Markdown report or the JSON report without its metric list.
    #[arg(long, value_enum, default_value_t = OutputFormat::Md, help_heading = "Output")]
    pub format: OutputFormat,
}

/// How the metrics reach Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackSource {
    /// `push --pushgateway`, scraped with `honor_labels: true`.
    Pushgateway,
    /// `push --remote-write` (or OTLP into the TSDB).
    RemoteWrite,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// A YAML policy file whose `objectives:` become alerts (as for `metrics-export --policy`).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Objectives as YAML or JSON, or a file holding them (as for `metrics-export
    /// --objectives`); added to the policy file's.
    #[arg(long, value_name = "OBJECTIVES|FILE", allow_hyphen_values = true)]
    pub objectives: Option<String>,
    /// How the metrics reach Prometheus; it decides how the alerts read them (docs/pack.md).
    #[arg(long, value_enum, default_value = "remote-write")]
    pub source: PackSource,
    /// How long a run's metrics count as current: the schedule's interval plus slack, as a
    /// Prometheus duration (`30m`, `6h`, `1d`).
    #[arg(long, value_name = "DURATION", default_value = "1d")]
    pub window: String,
    /// The Pushgateway `job` the runs are pushed under (`--source pushgateway`).
    #[arg(long, value_name = "JOB", default_value = "dpone")]
    pub pushgateway_job: String,
    /// Directory the pack is written to (created if needed).
    #[arg(long, value_name = "DIR", default_value = ".dpone/observability/pack")]
    pub output_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The history: a carried history.json, export folders or files, or globs of them (as for
    /// `metrics-export --baseline`); repeatable.
    #[arg(long, value_name = "PATH", required = true)]
    pub history: Vec<PathBuf>,
    /// A YAML policy file whose `regressions:` are replayed; without one (or without
    /// `regressions:`), a default rule per metric of the history (docs/gates.md).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The false-alarm rate the suggested boundary keeps to (0 to below 1).
    #[arg(long, value_name = "RATE", default_value = "0.01")]
    pub target: f64,
    /// Judge only the last N runs of each series (each still against the runs before it).
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// `text`: a table; `json`: one object per rule and series.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CalibrateFormat,
}

/// `calibrate`'s output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalibrateFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The history: a carried history.json, export folders or files, or globs of them (as for
    /// `metrics-export --baseline`); repeatable.
    #[arg(long, value_name = "PATH", required = true)]
    pub history: Vec<PathBuf>,
    /// The folder the site is written to: new, empty, or a site an earlier `site` wrote.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// `OWNER/REPO` on GitHub: the runs and commits are linked.
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: Option<String>,
    /// The pages' title.
    #[arg(long, value_name = "TEXT", default_value = "Trend")]
    pub title: String,
    /// Do not search the series for change points (by default each is searched with E-divisive
    /// means and the default options, docs/gates.md#change-points, and marked).
    #[arg(long)]
    pub no_change_points: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An export directory holding metrics_index.json.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[cfg(feature = "push")]
#[derive(Debug, Args)]
pub struct PushArgs {
    /// An export directory holding metrics_index.json; it must verify.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Prometheus Pushgateway base URL: the Prometheus text is PUT to
    /// `/metrics/job/<job>{/<label>/<value>}`, replacing the group.
    #[arg(long, value_name = "URL")]
    pub pushgateway: Option<String>,

    /// The Pushgateway `job`.
    #[arg(long, value_name = "NAME", default_value = "dpone")]
    pub pushgateway_job: String,

    /// A Pushgateway grouping label (repeatable); each must have one value on every series.
    /// Default: `process` when every series has one.
    #[arg(long = "grouping-label", value_name = "LABEL")]
    pub grouping_labels: Vec<String>,

    /// Prometheus remote-write 1.0 URL (e.g. `http://prometheus:9090/api/v1/write`).
    #[arg(long, value_name = "URL")]
    pub remote_write: Option<String>,

    /// OTLP/HTTP metrics endpoint, used as given (e.g. `http://collector:4318/v1/metrics`);
    /// traces go to `/v1/traces` beside it unless `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set.
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: Option<String>,

    /// Push to the endpoint of `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/metrics`).
    #[arg(long)]
    pub otlp: bool,

    /// OpenLineage HTTP endpoint (e.g. Marquez's `http://localhost:5000`): each event of
    /// `openlineage_events.json` is POSTed to `<URL>/api/v1/lineage`, with `OPENLINEAGE_API_KEY`
    /// as a bearer token when set; `env` reads the URL from `OPENLINEAGE_URL`.
    #[arg(long, value_name = "URL|env")]
    pub openlineage_url: Option<String>,

    /// OTLP encoding; default `OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL`, else `http/protobuf`.
    #[arg(long, value_name = "PROTOCOL", value_parser = ["http/protobuf", "http/json"])]
    pub otlp_protocol: Option<String>,

    /// OTLP request compression for metrics and traces; default
    /// `OTEL_EXPORTER_OTLP_(METRICS_|TRACES_)COMPRESSION`, else `none`.
    #[arg(long, value_name = "COMPRESSION", value_parser = ["gzip", "none"])]
    pub otlp_compression: Option<String>,

    /// Seconds to wait for each request (default 10; OTLP: `OTEL_EXPORTER_OTLP_TIMEOUT`).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<std::time::Duration>,

    /// Retries after a refused connection, a timeout, 429 or 5xx, with backoff (at most 10).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Policy file (YAML): `blockers: {push.failed: error}` makes a failed push fail.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Environment variable holding the Pushgateway's bearer token.
    #[arg(long, value_name = "VAR")]
    pub pushgateway_token_env: Option<String>,
    /// Environment variable holding the Pushgateway's `user:password`.
    #[arg(long, value_name = "VAR")]
    pub pushgateway_basic_auth_env: Option<String>,
    /// Environment variable holding extra Pushgateway headers, `key=value,key2=value2`.
    #[arg(long, value_name = "VAR")]
    pub pushgateway_headers_env: Option<String>,
    /// Environment variable holding the remote-write receiver's bearer token.
    #[arg(long, value_name = "VAR")]
    pub remote_write_token_env: Option<String>,
    /// Environment variable holding the remote-write receiver's `user:password`.
    #[arg(long, value_name = "VAR")]
    pub remote_write_basic_auth_env: Option<String>,
    /// Environment variable holding extra remote-write headers (e.g. `X-Scope-OrgID=team`).
    #[arg(long, value_name = "VAR")]
    pub remote_write_headers_env: Option<String>,
    /// Environment variable holding the OTLP endpoint's bearer token.
    #[arg(long, value_name = "VAR")]
    pub otlp_token_env: Option<String>,
    /// Environment variable holding the OTLP endpoint's `user:password`.
    #[arg(long, value_name = "VAR")]
    pub otlp_basic_auth_env: Option<String>,
    /// Environment variable holding extra OTLP headers (added to `OTEL_EXPORTER_OTLP_HEADERS`).
    #[arg(long, value_name = "VAR")]
    pub otlp_headers_env: Option<String>,
}

#[cfg(feature = "push")]
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err("the timeout must be above 0 and at most 86400 seconds".to_string());
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A blocker code, e.g. `metrics.empty`.
    #[arg(value_name = "CODE", required_unless_present_any = ["list", "runbooks"])]
    pub code: Option<String>,

    /// List every code with its severity and summary.
    #[arg(long, conflicts_with_all = ["code", "runbooks"])]
    pub list: bool,

    /// Print docs/runbooks.md, generated from the code table.
    #[arg(long, conflicts_with = "code")]
    pub runbooks: bool,
}

/// Takes the values of `--metric NAME=VALUE` / `--metric=NAME=VALUE` out of a `metrics-export`
/// argument list, in order, up to a `--`.
///
/// clap spends about a microsecond and several allocations on each occurrence of a repeated
/// option, so 25,000 `--metric` flags (the size teams pass) cost 30-50 ms before any work. The
/// flag stays defined in clap (help, docs, error messages); its values are parsed here with the
/// same parser. A `--metric` without a usable value is left in place for clap to report.
fn take_metric_flags(args: Vec<OsString>) -> (Vec<OsString>, Vec<OsString>) {
    if args.get(1).and_then(|a| a.to_str()) != Some("metrics-export") {
        return (args, Vec::new());
    }
    let mut rest = Vec::with_capacity(args.len());
    let mut metrics = Vec::new();
    let mut iter = args.into_iter().peekable();
    while let Some(arg) = iter.next() {
        match arg.to_str() {
            Some("--") => {
                rest.push(arg);
                rest.extend(iter);
                break;
            }
            Some("--metric") => {
                let has_value = iter
                    .peek()
                    .is_some_and(|v| !v.as_encoded_bytes().starts_with(b"-"));
                match iter.next() {
                    Some(value) if has_value => metrics.push(value),
                    Some(next) => {
                        rest.push(arg);
                        rest.push(next);
                    }
                    None => rest.push(arg),
                }
            }
            Some(text) if text.starts_with("--metric=") => {
                metrics.push(OsString::from(&text["--metric=".len()..]));
            }
            _ => rest.push(arg),
        }
    }
    (rest, metrics)
}

/// The values of the `--metric` flags taken out before clap, parsed with the flag's parser; a
/// bad one is reported the way clap reports a bad value.
fn parse_metric_flags(values: &[OsString]) -> Result<Vec<(String, f64)>, Error> {
    let mut parsed = Vec::with_capacity(values.len());
    for value in values {
        // `to_str` is the fast path; only text that is not UTF-8 pays for the lossy copy.
        let text = value
            .to_str()
            .map_or_else(|| value.to_string_lossy(), std::borrow::Cow::Borrowed);
        match parse_metric(&text) {
            Ok(metric) => parsed.push(metric),
            Err(message) => {
                return Err(Error::Usage(format!(
                    "invalid value '{text}' for '--metric <NAME=VALUE>': {message}\n\nFor more information, try '--help'."
                )))
            }
        }
    }
    Ok(parsed)
}

/// Runs a parsed command.
fn run(cli: Cli, stdout: &mut impl Commands, stderr: &mut impl Write) -> Outcome {
    match cli.command {
        Command::MetricsExport(args) => metrics_export::run(args, stdout, stderr),
        Command::Verify(args) => verify::run(&args, stdout, stderr),
        Command::Pack(args) => pack::run(&args, stdout),
        Command::Explain(args) => explain::run(&args, stdout),
        Command::Calibrate(args) => calibrate::run(&args, stdout),
        Command::Site(args) => site::run(&args, stdout),
        #[cfg(feature = "push")]
        Command::Push(args) => push::run(&args, stdout, stderr),
        Command::Action => {
            let now = metrics_export::export_time().map_err(Error::Usage)?;
            let cwd = std::env::current_dir()
                .map_err(|err| Error::Usage(format!("cannot read the working directory: {err}")))?;
            let env = crate::github::runner::Env::from_process();
            crate::github::action::run(&env, &cwd, now, stdout, stderr)
        }
    }
}

/// The command-line definition, with what clap's derive cannot hold: `action`'s help lists the
/// inputs from the input table.
pub fn command() -> clap::Command {
    Cli::command().mut_subcommand("action", |action| {
        action
            .after_help(action_help::short())
            .after_long_help(action_help::long())
    })
}

/// Parses `args` as [`command`] does.
fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let mut command = command();
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|err| err.format(&mut command))
}

/// Parses the arguments and runs the subcommand; prints its error once, as `error: …`, and
/// returns its exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let (args, metric_values) = take_metric_flags(args.into_iter().collect());
    let under_runner = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
        || args.get(1).is_some_and(|a| a == "action");
    let mut cli = match parse(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with status 0, errors to stderr with 2;
            // a bad value it quotes may hold anything, so it goes through `Inert` too.
            let text = err.render().to_string();
            let _ = if err.use_stderr() {
                let mut out = Inert::new(std::io::stderr(), under_runner);
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            } else {
                let mut out = Inert::new(std::io::stdout(), under_runner);
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            };
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(EXIT_USAGE));
        }
    };
    // Block-buffered: a report printed line by line would cost one write call per line.
    // Not locked for the whole run: the export's render threads must still be able to print
    // (a panic message would otherwise wait for the lock forever). Under a GitHub runner, and
    // for `action`, nothing printed can form a workflow command but the tool's own.
    let inert = under_runner || matches!(cli.command, Command::Action);
    let mut stdout = Inert::new(std::io::BufWriter::new(std::io::stdout()), inert);
    let mut stderr = Inert::new(std::io::BufWriter::new(std::io::stderr()), inert);
    let outcome = match &mut cli.command {
        Command::MetricsExport(export) if !metric_values.is_empty() => {
            parse_metric_flags(&metric_values).map(|mut parsed| {
                parsed.append(&mut export.metrics);
                export.metrics = parsed;
            })
        }
        _ => Ok(()),
    }
    .and_then(|()| run(cli, &mut stdout, &mut stderr));
    if let Err(err) = &outcome {
        let _ = writeln!(stderr, "error: {}", err.message());
    }
    let mut status = exit::status(&outcome);
    let _ = stderr.flush();
    if stdout.flush().is_err() && status == 0 {
        status = EXIT_FAILED;
    }
    ExitCode::from(status)
}

/// `--trace-ids`: `github` or `export`.
fn trace_ids(text: &str) -> Result<crate::observability::trace_join::TraceIds, String> {
    text.parse()
}

/// `--history-limit`: a whole number of runs from 1 to `MAX_HISTORY_LIMIT`.
/// A full commit SHA (40 or 64 hexadecimal digits), as the history records commits.
fn full_sha(text: &str) -> Result<String, String> {
    crate::observability::history::full_sha(text).ok_or_else(|| {
        format!(
            "`{text}` is not a full commit SHA (40 or 64 hexadecimal digits; \
             `git rev-parse` prints one)"
        )
    })
}

/// A time in RFC 3339 (`2026-01-05T11:00:00Z`, `2026-01-05T12:00:00+01:00`).
fn rfc3339(text: &str) -> Result<String, String> {
    crate::observability::timestamp::Timestamp::parse_rfc3339(text)
        .map(|_| text.to_string())
        .ok_or_else(|| format!("`{text}` is not an RFC 3339 time (`2026-01-05T11:00:00Z`)"))
}

fn history_limit(text: &str) -> Result<usize, String> {
    use crate::observability::history::MAX_HISTORY_LIMIT;
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_HISTORY_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of runs from 1 to {MAX_HISTORY_LIMIT}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn metric_flags_are_taken_in_order_up_to_double_dash() {
        let (rest, metrics) = take_metric_flags(os(&[
            "bin",
            "metrics-export",
            "--metric",
            "a=1",
            "--label",
            "k=v",
            "--metric=b=2",
            "--",
            "--metric",
            "c=3",
        ]));
        assert_eq!(metrics, os(&["a=1", "b=2"]));
        assert_eq!(
            rest,
            os(&[
                "bin",
                "metrics-export",
                "--label",
                "k=v",
                "--",
                "--metric",
                "c=3"
            ])
        );
    }

    #[test]
    fn a_metric_flag_without_value_is_left_to_clap() {
        let (rest, metrics) = take_metric_flags(os(&[
            "bin",
            "metrics-export",
            "--metric",
            "--label",
            "k=v",
            "--metric",
        ]));
        assert!(metrics.is_empty());
        assert_eq!(
            rest,
            os(&[
                "bin",
                "metrics-export",
                "--metric",
                "--label",
                "k=v",
                "--metric"
            ])
        );
        let (rest, metrics) = take_metric_flags(os(&["bin", "verify", "--metric", "x=1"]));
        assert!(metrics.is_empty());
        assert_eq!(rest.len(), 4);
    }
}
