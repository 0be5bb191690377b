//! Every input of `action.yml`, typed and read once: [`Inputs::read`] turns the runner's
//! `INPUT_<NAME>` variables into one struct, each field parsed by its type with an error that
//! names the input. No other file reads `INPUT_*`; the event payload is read here too, once.
//!
//! The runner upper-cases the name, keeps its hyphens and applies `action.yml`'s defaults; a
//! local run without the variable gets the same default from [`INPUTS`], which a test holds
//! equal to `action.yml` (names, defaults, descriptions).

use super::pr_status::{CommentMode, Kinds};
use super::runner::Env;
use crate::ci_env::Event;
use crate::observability::policy::FailOn;
use crate::observability::text::closest;
use crate::observability::trace_join::TraceIds;

/// Declares the inputs once: the `INPUTS` table (name, default, description) and the typed
/// [`Inputs`] struct whose fields are read through [`FromInput`] in the table's order.
macro_rules! inputs {
    ($($field:ident: $ty:ty = ($name:literal, $default:literal, $description:literal),)*) => {
        /// Every input of `action.yml`: name, default, description.
        pub const INPUTS: &[(&str, &str, &str)] = &[$(($name, $default, $description),)*];

        /// The action's inputs, each parsed by its type.
        #[derive(Debug, Clone)]
        pub struct Inputs {
            $(#[doc = $description] pub $field: $ty,)*
        }

        impl Inputs {
            /// Reads and parses every input; the first one that does not parse is the error.
            pub fn read(env: &Env) -> Result<Inputs, String> {
                Ok(Inputs {
                    $($field: <$ty as FromInput>::from_input(&Raw::of(env, $name, $default))?,)*
                })
            }
        }
    };
}

/// The `policy-file` input's default: read when it exists (an export), or at the base commit
/// (publish mode).
pub const DEFAULT_POLICY_FILE: &str = ".github/dpone-observability.yml";

inputs! {
    mode: Mode = ("mode", "export", "`export`: export this run's evidence (the default). `publish`: in a `workflow_run` workflow, publish the check run, PR comment and commit status of the artifact `artifact-name` that the triggering run uploaded, after verifying it (docs/action-reference.md#pull-requests-from-forks)."),
    artifact_run_id: Option<RunId> = ("artifact-run-id", "", "With `mode: publish`: the run whose artifact is published; empty: the event's `workflow_run.id`."),
    run_report: Option<String> = ("run-report", "", "Path of the JSON printed by `dpone run --format json`."),
    inputs: Vec<String> = ("inputs", "", "Patterns of other dpone artifacts, one per line (`[KIND=]PATTERN`, globs with `**`)."),
    metrics: Vec<String> = ("metrics", "", "Custom metrics, one `name=value` per line."),
    metrics_file: Option<String> = ("metrics-file", "", "A JSON or YAML mapping of metric names to numbers."),
    labels: Vec<String> = ("labels", "", "Labels for every metric, one `key=value` per line. Keep them low-cardinality."),
    resource_attributes: Vec<String> = ("resource-attributes", "", "OpenTelemetry resource attributes, one `key=value` per line."),
    service_name: Option<String> = ("service-name", "dpone", "OpenTelemetry `service.name`."),
    namespace: Option<String> = ("namespace", "dpone.local", "OpenTelemetry `service.namespace`."),
    airflow_evidence_bundle: Option<String> = ("airflow-evidence-bundle", "", "Airflow evidence bundle from `dpone gitops airflow evidence-bundle`."),
    run_name: Option<String> = ("run-name", "", "Folder name under the output root; default `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>`."),
    output_root: String = ("output-root", "test_artifacts/observability", "Where the run folders are written, relative to the workspace."),
    fail_on: Option<FailOn> = ("fail-on", "", "Which blockers fail the step: `error`, `warning`, `never`, or `inconclusive` (errors, and regression rules that cannot tell); empty means the policy file's, else `error`."),
    policy_file: Option<String> = ("policy-file", ".github/dpone-observability.yml", "YAML policy (`fail-on`, per-code `blockers:` severities, `objectives:`, `regressions:`, `change_points:`, `openlineage:`); ignored when the default file is absent."),
    objectives: Option<String> = ("objectives", "", "Objectives to gate on, YAML or JSON (dpone's `--objectives-json` format works), or the path of a file holding them; added to the policy file's."),
    baseline: Baseline = ("baseline", "", "The history to compare with under the policy's `regressions:`, one entry per line: a previous export's `runtime_metrics.json`, an export folder, or a glob; a missing file is a warning. `auto`: fetch the history from the artifacts named `artifact-name` (needs `actions: read`)."),
    artifact_name: ArtifactName = ("artifact-name", "observability", "With `baseline: auto`: the name the workflow uploads its run folder under (`actions/upload-artifact`); the latest ones from the base branch (pull requests), the default branch (pushes) or the run's branch form the history."),
    history_limit: HistoryLimit = ("history-limit", "500", "How many runs the run folder's `history.json` keeps (1 to 100000): the newest of the carried history read from the baselines, plus this run (docs/gates.md#history)."),
    baseline_samples: Samples = ("baseline-samples", "20", "With `baseline: auto`: how many of the latest artifacts form the history (1 to 100)."),
    timeout: Timeout = ("timeout", "120", "Seconds every GitHub API and artifact request of the step may take together (the history's downloads, publish mode, posting the PR status), retries included; 1 to 3600."),
    summary: bool = ("summary", "true", "Write the step summary."),
    annotations: bool = ("annotations", "true", "Annotate blockers on the run page."),
    runbook_base_url: Option<String> = ("runbook-base-url", "", "Runbooks document blockers link to; default: this action's docs on `GITHUB_SERVER_URL`."),
    github_token: Option<Token> = ("github-token", "${{ github.token }}", "Token for the check run, PR comment and commit status; masked, never written to a file."),
    pr_status: PrStatus = ("pr-status", "", "Any of `check-run`, `comment`, `commit-status`, or `none`; empty means `check-run,comment` on pull requests, `check-run` otherwise."),
    check_name: Option<String> = ("check-name", "", "Name of the check run, commit status context and PR comment key; empty: `dpone observability: <job> / <pipeline>` (`GITHUB_JOB` and the run report's manifest, or its process), so matrix legs never overwrite each other."),
    comment_mode: CommentMode = ("comment-mode", "always", "When the PR comment is written: `always` (create, then edit in place), `changes` (only when the verdict or the failures change), `failures` (only while something fails or warns; a later passing run edits it to \"now passing\"), or `off`."),
    comment_author: Option<Login> = ("comment-author", "", "The login whose PR comments are this check's own (e.g. `my-app[bot]`): only a comment with the hidden marker written by it is edited or read. Empty: the account the `github-token` posts as, asked from the API (docs/action-reference.md#which-comment-is-edited)."),
    ci_attributes: bool = ("ci-attributes", "true", "Record where the export was made as OpenTelemetry CI/CD and VCS resource attributes (`cicd.*`, `vcs.*`, semantic conventions v1.44.0) in the OTLP resource and the JSON report, never as Prometheus labels. `false`: none."),
    trace_ids: TraceIds = ("trace-ids", "github", "Which ids the export's trace (`opentelemetry_traces.json`) uses: `github` joins the workflow's trace (a valid `TRACEPARENT`, else the run and job as the OpenTelemetry collector's GitHub receiver derives them), `export` keeps the export's own ids (docs/runtime-observability.md#one-trace-from-webhook-to-gate)."),
    check_run_id: Option<CheckRunId> = ("check-run-id", "", "The job's check run id: set it to `${{ job.check_run_id }}` and the export's trace is a child of the GitHub receiver's span for this job (v0.151.0 and later); empty: the span named after `GITHUB_JOB`."),
    openlineage_namespace: Option<String> = ("openlineage-namespace", "", "The OpenLineage job namespace of `openlineage_events.json`, written when an `inputs` lineage event (`dpone ops lineage-export`) or the policy's `openlineage:` names datasets; empty means the policy file's `openlineage.namespace`, else `dpone.ci` (docs/runtime-observability.md#see-ci-evidence-in-your-lineage-tool)."),
    pack: Pack = ("pack", "off", "`remote-write` or `pushgateway`: add the policy's objectives as Prometheus alerting rules (for that transport), their promtool tests and a Grafana dashboard to the run folder (docs/pack.md). `off`: no pack."),
    pack_window: Option<String> = ("pack-window", "1d", "With `pack`: how long a run's metrics count as current, as a Prometheus duration (the schedule's interval plus slack)."),
    artifact_url: Option<ArtifactUrl> = ("artifact-url", "", "The uploaded artifact's URL (`actions/upload-artifact@v4`'s `artifact-url` output) for the step summary to link; empty: link the workflow run."),
    pushgateway_url: Option<String> = ("pushgateway-url", "", "Prometheus Pushgateway base URL; the export is PUT to `/metrics/job/<job>{/<label>/<value>}` after the step summary and outputs are written. Empty: no push."),
    pushgateway_job: Option<String> = ("pushgateway-job", "dpone", "The Pushgateway `job`."),
    pushgateway_grouping_labels: Option<Vec<String>> = ("pushgateway-grouping-labels", "", "Pushgateway grouping labels, one per line; each must have one value on every series. Empty: `process` when every series has one."),
    remote_write_url: Option<String> = ("remote-write-url", "", "Prometheus remote-write 1.0 URL (e.g. `https://prometheus.example.com/api/v1/write`). Empty: no push."),
    otlp_endpoint: Option<String> = ("otlp-endpoint", "", "OTLP/HTTP metrics endpoint, used as given, or `env` for the `OTEL_EXPORTER_OTLP_*` variables. Empty: no push."),
    otlp_protocol: Option<String> = ("otlp-protocol", "", "`http/protobuf` or `http/json`; empty means `OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL`, else `http/protobuf`."),
    otlp_compression: Option<String> = ("otlp-compression", "", "`gzip` or `none`: compression of the OTLP metrics and traces requests (`Content-Encoding: gzip`); empty means `OTEL_EXPORTER_OTLP_(METRICS_|TRACES_)COMPRESSION`, else `none`."),
    openlineage_url: Option<String> = ("openlineage-url", "", "OpenLineage HTTP endpoint (e.g. Marquez's `http://marquez:5000`): each event of `openlineage_events.json` is POSTed to `/api/v1/lineage` after the step summary and outputs are written, with `OPENLINEAGE_API_KEY` (set it from a secret in the step's `env:`) as a bearer token; `env`: the URL of `OPENLINEAGE_URL`. Empty: not sent."),
    pushgateway_token_env: Option<String> = ("pushgateway-token-env", "", "Name of the environment variable holding the Pushgateway's bearer token (set it from a secret in the step's `env:`)."),
    pushgateway_basic_auth_env: Option<String> = ("pushgateway-basic-auth-env", "", "Name of the environment variable holding the Pushgateway's `user:password`."),
    pushgateway_headers_env: Option<String> = ("pushgateway-headers-env", "", "Name of the environment variable holding extra Pushgateway headers, `key=value,key2=value2`."),
    remote_write_token_env: Option<String> = ("remote-write-token-env", "", "Name of the environment variable holding the remote-write receiver's bearer token."),
    remote_write_basic_auth_env: Option<String> = ("remote-write-basic-auth-env", "", "Name of the environment variable holding the remote-write receiver's `user:password`."),
    remote_write_headers_env: Option<String> = ("remote-write-headers-env", "", "Name of the environment variable holding extra remote-write headers (e.g. `X-Scope-OrgID=team`)."),
    otlp_token_env: Option<String> = ("otlp-token-env", "", "Name of the environment variable holding the OTLP endpoint's bearer token."),
    otlp_basic_auth_env: Option<String> = ("otlp-basic-auth-env", "", "Name of the environment variable holding the OTLP endpoint's `user:password`."),
    otlp_headers_env: Option<String> = ("otlp-headers-env", "", "Name of the environment variable holding extra OTLP headers (added to `OTEL_EXPORTER_OTLP_HEADERS`)."),
}

/// One input as the runner set it: trimmed, `action.yml`'s default when the variable is unset
/// (a local run), `None` when empty.
pub struct Raw {
    pub name: &'static str,
    pub default: &'static str,
    pub value: Option<String>,
}

impl Raw {
    fn of(env: &Env, name: &'static str, default: &'static str) -> Raw {
        Raw {
            name,
            default,
            value: value(env, name, default),
        }
    }

    /// The value parsed by its derived `FromStr` (strum), `default` when empty; the error lists
    /// what the input takes.
    fn parse_or<T: std::str::FromStr>(&self, default: T, takes: &str) -> Result<T, String> {
        let Some(text) = self.value.as_deref() else {
            return Ok(default);
        };
        text.parse().map_err(|_| {
            format!(
                "input `{}` must be {takes}, got `{}`",
                self.name,
                self.shown()
            )
        })
    }

    /// The value for an error message (escaped: it may hold anything).
    fn shown(&self) -> String {
        self.value
            .as_deref()
            .unwrap_or_default()
            .escape_debug()
            .to_string()
    }
}

/// A type an input parses into; the error names the input.
pub trait FromInput: Sized {
    fn from_input(raw: &Raw) -> Result<Self, String>;
}

impl FromInput for Option<String> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        Ok(raw.value.clone())
    }
}

impl FromInput for String {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        Ok(raw.value.clone().unwrap_or_default())
    }
}

/// A multi-value input: one entry per line; blank lines and `#` comments are skipped.
impl FromInput for Vec<String> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        Ok(raw
            .value
            .iter()
            .flat_map(|v| v.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect())
    }
}

/// One entry per line, blank lines skipped (no comments: a grouping label is never `#`);
/// `None` when the input is empty.
impl FromInput for Option<Vec<String>> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        Ok(raw.value.as_ref().map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }))
    }
}

/// `true`/`false`, any case; empty means `action.yml`'s default.
impl FromInput for bool {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        match raw.value.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => Ok(raw.default == "true"),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(format!(
                "input `{}` must be `true` or `false`, got `{}`",
                raw.name,
                other.escape_debug()
            )),
        }
    }
}

impl FromInput for Option<FailOn> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        raw.value
            .as_deref()
            .map(|text| {
                FailOn::parse(text).ok_or_else(|| {
                    format!(
                        "input `{}` must be `error`, `warning`, `never` or `inconclusive`, got `{}`",
                        raw.name,
                        raw.shown()
                    )
                })
            })
            .transpose()
    }
}

impl FromInput for CommentMode {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        CommentMode::parse(raw.value.as_deref().unwrap_or_default())
    }
}

/// The `mode` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Mode {
    Export,
    Publish,
}

impl FromInput for Mode {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        raw.parse_or(Mode::Export, "`export` or `publish`")
    }
}

impl FromInput for TraceIds {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        match raw.value.as_deref() {
            None => Ok(TraceIds::default()),
            Some(text) => text
                .parse()
                .map_err(|why| format!("input `{}` {why}", raw.name)),
        }
    }
}

/// A job's check run id (`check-run-id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckRunId(pub u64);

impl FromInput for Option<CheckRunId> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        raw.value
            .as_deref()
            .map(|text| {
                text.parse::<u64>().map(CheckRunId).map_err(|_| {
                    format!(
                        "input `{}` must be a check run id (a whole number), got `{}`",
                        raw.name,
                        raw.shown()
                    )
                })
            })
            .transpose()
    }
}

/// A workflow run id (`artifact-run-id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(pub u64);

impl FromInput for Option<RunId> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        raw.value
            .as_deref()
            .map(|text| {
                text.parse::<u64>().map(RunId).map_err(|_| {
                    format!(
                        "input `{}` must be a workflow run id, got `{}`",
                        raw.name,
                        raw.shown()
                    )
                })
            })
            .transpose()
    }
}

/// The `baseline` input's value that asks for the history to be fetched.
pub const AUTO_BASELINE: &str = "auto";

/// The `baseline` input: files and globs of earlier exports, or `auto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    Paths(Vec<String>),
    Auto,
}

impl FromInput for Baseline {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        if raw.value.as_deref() == Some(AUTO_BASELINE) {
            return Ok(Baseline::Auto);
        }
        Vec::<String>::from_input(raw).map(Baseline::Paths)
    }
}

/// The name an artifact is uploaded under: no `/`, `\` or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactName(pub String);

impl FromInput for ArtifactName {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        match raw.value.as_deref() {
            Some(name) if !name.chars().any(char::is_control) && !name.contains(['/', '\\']) => {
                Ok(ArtifactName(name.to_string()))
            }
            _ => Err(format!(
                "input `{}` must be the name of an uploaded artifact (no `/`, `\\\\` or control characters), got `{}`",
                raw.name,
                raw.shown()
            )),
        }
    }
}

/// The most samples `baseline-samples` may ask for.
pub const MAX_SAMPLES: usize = 100;

/// How many artifacts form the history (`baseline-samples`), 1 to [`MAX_SAMPLES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Samples(pub usize);

impl FromInput for Samples {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        match raw.value.as_deref().unwrap_or_default().parse::<usize>() {
            Ok(n) if (1..=MAX_SAMPLES).contains(&n) => Ok(Samples(n)),
            _ => Err(format!(
                "input `{}` must be a whole number from 1 to {MAX_SAMPLES}, got `{}`",
                raw.name,
                raw.shown()
            )),
        }
    }
}

/// How many runs `history.json` keeps (`history-limit`), 1 to `MAX_HISTORY_LIMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimit(pub usize);

impl FromInput for HistoryLimit {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        use crate::observability::history::MAX_HISTORY_LIMIT;
        match raw
            .value
            .as_deref()
            .unwrap_or_default()
            .trim()
            .parse::<usize>()
        {
            Ok(n) if (1..=MAX_HISTORY_LIMIT).contains(&n) => Ok(HistoryLimit(n)),
            _ => Err(format!(
                "input `{}` must be a whole number of runs from 1 to {MAX_HISTORY_LIMIT}, got `{}`",
                raw.name,
                raw.shown()
            )),
        }
    }
}

/// The `timeout` input: one deadline for the step's GitHub requests, whatever their number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub std::time::Duration);

/// The longest `timeout` (a job's own limit is 6 hours; an hour of requests is already a hang).
const MAX_TIMEOUT_SECONDS: u64 = 3600;

impl FromInput for Timeout {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        match raw.value.as_deref().unwrap_or_default().trim().parse::<u64>() {
            Ok(n) if (1..=MAX_TIMEOUT_SECONDS).contains(&n) => {
                Ok(Timeout(std::time::Duration::from_secs(n)))
            }
            _ => Err(format!(
                "input `{}` must be a whole number of seconds from 1 to {MAX_TIMEOUT_SECONDS}, got `{}`",
                raw.name,
                raw.shown()
            )),
        }
    }
}

/// The `github-token` input, unless it is the runner's unexpanded default (`${{ … }}`).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl FromInput for Option<Token> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        Ok(raw
            .value
            .clone()
            .filter(|t| !t.starts_with("${{"))
            .map(Token))
    }
}

/// `pr-status`: what the user asked for; `None` when empty (the default depends on whether
/// the run is for a pull request, see [`PrStatus::kinds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrStatus(pub Option<Kinds>);

impl PrStatus {
    /// The kinds to post, and whether the user asked explicitly: empty means
    /// `check-run,comment` on pull requests and `check-run` otherwise.
    pub fn kinds(self, on_pull_request: bool) -> (Kinds, bool) {
        match self.0 {
            Some(kinds) => (kinds, true),
            None => (
                Kinds {
                    check_run: true,
                    comment: on_pull_request,
                    commit_status: false,
                },
                false,
            ),
        }
    }
}

impl FromInput for PrStatus {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        let Some(text) = raw.value.as_deref() else {
            return Ok(PrStatus(None));
        };
        let mut kinds = Kinds::default();
        for item in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|i| !i.is_empty())
        {
            match item {
                "check-run" => kinds.check_run = true,
                "comment" => kinds.comment = true,
                "commit-status" => kinds.commit_status = true,
                "none" => {}
                other => {
                    return Err(format!(
                        "input `{}`: `{other}` is not one of `check-run`, `comment`, `commit-status`, `none`",
                        raw.name
                    ))
                }
            }
        }
        Ok(PrStatus(Some(kinds)))
    }
}

/// The `pack` input: which transport the alerting rules are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString)]
#[strum(serialize_all = "kebab-case")]
pub enum Pack {
    #[strum(serialize = "off", serialize = "false")]
    Off,
    RemoteWrite,
    Pushgateway,
}

impl FromInput for Pack {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        raw.parse_or(Pack::Off, "`off`, `remote-write` or `pushgateway`")
    }
}

/// A GitHub login (`comment-author`): letters, digits and `-`, `[bot]` after an app's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(pub String);

impl FromInput for Option<Login> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        match raw.value.as_deref() {
            None => Ok(None),
            Some(login) if super::pr_status::valid_login(login) => {
                Ok(Some(Login(login.to_string())))
            }
            Some(_) => Err(format!(
                "input `{}` must be a GitHub login (letters, digits and `-`, with `[bot]` after an app's), got `{}`",
                raw.name,
                raw.shown()
            )),
        }
    }
}

/// An http(s) URL that is safe to put in a Markdown link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactUrl(pub String);

impl FromInput for Option<ArtifactUrl> {
    fn from_input(raw: &Raw) -> Result<Self, String> {
        let Some(url) = raw.value.as_deref() else {
            return Ok(None);
        };
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[]`\"".contains(c))
        {
            return Err(format!(
                "input `{}` must be an http(s) URL (the `artifact-url` output of `actions/upload-artifact@v4`), got `{}`",
                raw.name,
                raw.shown()
            ));
        }
        Ok(Some(ArtifactUrl(url.to_string())))
    }
}

/// The credential inputs of one push target: names of environment variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialInputs {
    pub token: Option<String>,
    pub basic_auth: Option<String>,
    pub headers: Option<String>,
}

impl Inputs {
    /// The credential inputs of the Pushgateway, remote-write and OTLP targets, in that order.
    pub fn credentials(&self) -> [CredentialInputs; 3] {
        let of = |token: &Option<String>, basic_auth: &Option<String>, headers: &Option<String>| {
            CredentialInputs {
                token: token.clone(),
                basic_auth: basic_auth.clone(),
                headers: headers.clone(),
            }
        };
        [
            of(
                &self.pushgateway_token_env,
                &self.pushgateway_basic_auth_env,
                &self.pushgateway_headers_env,
            ),
            of(
                &self.remote_write_token_env,
                &self.remote_write_basic_auth_env,
                &self.remote_write_headers_env,
            ),
            of(
                &self.otlp_token_env,
                &self.otlp_basic_auth_env,
                &self.otlp_headers_env,
            ),
        ]
    }

    /// Whether any push target is named.
    pub fn any_push_target(&self) -> bool {
        self.pushgateway_url.is_some()
            || self.remote_write_url.is_some()
            || self.otlp_endpoint.is_some()
    }
}

/// An input's value: trimmed, `default` when the variable is unset, `None` when empty.
fn value(env: &Env, name: &str, default: &str) -> Option<String> {
    let key = format!("INPUT_{}", name.to_uppercase());
    let value = env.get(&key).unwrap_or(default).trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Secrets the step must mask before anything is printed, read even when another input does
/// not parse: the `github-token` and every value a push credential input points at.
pub fn secrets(env: &Env) -> (Option<Token>, Vec<String>) {
    let token = value(env, "github-token", "").filter(|t| !t.starts_with("${{"));
    let mut values = Vec::new();
    for target in ["pushgateway", "remote-write", "otlp"] {
        for kind in ["token", "basic-auth", "headers"] {
            let variable = value(env, &format!("{target}-{kind}-env"), "");
            if let Some(secret) = variable.and_then(|v| env.var(&v)).filter(|v| !v.is_empty()) {
                values.push(secret);
            }
        }
    }
    (token.map(Token), values)
}

/// `INPUT_*` variables that name none of this action's inputs but look like one
/// (`INPUT_RUN_REPORT`, set by hand with `_` for `-`; `INPUT_RUN-REPORTS`), each with the
/// input it most likely means, sorted by variable. They are ignored; the caller warns.
pub fn misspelt(env: &Env) -> Vec<(&str, &'static str)> {
    let names = || INPUTS.iter().map(|(name, _, _)| *name);
    let mut found: Vec<(&str, &'static str)> = env
        .0
        .keys()
        .filter_map(|key| {
            let rest = key.strip_prefix("INPUT_")?;
            if names().any(|name| name.to_uppercase() == rest) {
                return None;
            }
            let spelt = rest.to_lowercase().replace('_', "-");
            Some((key.as_str(), closest(&spelt, names())?))
        })
        .collect();
    found.sort_unstable();
    found
}

/// The event payload (`GITHUB_EVENT_PATH`), read once: `Err` says why there is none.
pub fn event(env: &Env) -> Result<Event, String> {
    Event::read(env.var("GITHUB_EVENT_PATH").as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Inputs, String> {
        Inputs::read(&Env::of(pairs))
    }

    #[test]
    fn variables_that_look_like_an_input_are_found_with_the_input() {
        let e = Env::of(&[
            ("INPUT_RUN_REPORT", "r.json"),
            ("INPUT_RUN-REPORTS", "r.json"),
            ("INPUT_METRICS_FILE", "m.json"),
            ("INPUT_LABELS", "env=ci"),
            ("INPUT_RUN-REPORT", "r.json"),
            ("INPUT_SOMETHING-ELSE-ENTIRELY", "x"),
            ("RUN_REPORT", "r.json"),
        ]);
        assert_eq!(
            misspelt(&e),
            [
                ("INPUT_METRICS_FILE", "metrics-file"),
                ("INPUT_RUN-REPORTS", "run-report"),
                ("INPUT_RUN_REPORT", "run-report"),
            ]
        );
    }

    #[test]
    fn inputs_follow_the_runner_naming_and_defaults() {
        let inputs = read(&[
            ("INPUT_RUN-REPORT", " r.json "),
            ("INPUT_LABELS", "env=ci\n\n# note\n gate=x \n"),
        ])
        .unwrap();
        assert_eq!(inputs.run_report.as_deref(), Some("r.json"));
        assert_eq!(inputs.labels, ["env=ci", "gate=x"]);
        assert_eq!(inputs.service_name.as_deref(), Some("dpone"), "default");
        assert!(inputs.summary);
        assert_eq!(inputs.baseline_samples, Samples(20));
        assert_eq!(inputs.history_limit, HistoryLimit(500));
        let kept = read(&[("INPUT_HISTORY-LIMIT", " 40 ")]).unwrap();
        assert_eq!(kept.history_limit, HistoryLimit(40));
        assert_eq!(inputs.github_token, None, "the unexpanded default");
        assert_eq!(inputs.mode, Mode::Export);
        assert_eq!(inputs.pack, Pack::Off);
        let err = read(&[("INPUT_SUMMARY", "maybe")]).unwrap_err();
        assert_eq!(
            err,
            "input `summary` must be `true` or `false`, got `maybe`"
        );
    }

    #[test]
    fn every_parse_error_names_its_input() {
        for (name, bad) in [
            ("mode", "both"),
            ("artifact-run-id", "12a"),
            ("fail-on", "sometimes"),
            ("artifact-name", "a/b"),
            ("artifact-name", ""),
            ("baseline-samples", "0"),
            ("baseline-samples", "101"),
            ("baseline-samples", "many"),
            ("history-limit", "0"),
            ("history-limit", "100001"),
            ("summary", "yes"),
            ("annotations", "1"),
            ("ci-attributes", "no"),
            ("pr-status", "check-run,everything"),
            ("comment-mode", "sometimes"),
            ("pack", "grafana"),
            ("artifact-url", "ftp://x"),
            ("artifact-url", "https://x/(y)"),
        ] {
            let key = format!("INPUT_{}", name.to_uppercase());
            let err = read(&[(key.as_str(), bad)]).unwrap_err();
            assert!(err.contains(&format!("`{name}`")), "{name}={bad:?}: {err}");
        }
    }

    #[test]
    fn typed_values() {
        let inputs = read(&[
            ("INPUT_MODE", "publish"),
            ("INPUT_ARTIFACT-RUN-ID", "42"),
            ("INPUT_BASELINE", " auto "),
            ("INPUT_PR-STATUS", "comment commit-status"),
            ("INPUT_PACK", "pushgateway"),
            ("INPUT_GITHUB-TOKEN", "ghs_x"),
            ("INPUT_FAIL-ON", "never"),
            ("INPUT_PUSHGATEWAY-GROUPING-LABELS", "a\n\n b \n"),
        ])
        .unwrap();
        assert_eq!(inputs.mode, Mode::Publish);
        assert_eq!(inputs.artifact_run_id, Some(RunId(42)));
        assert_eq!(inputs.baseline, Baseline::Auto);
        let (kinds, explicit) = inputs.pr_status.kinds(false);
        assert!(explicit && kinds.comment && kinds.commit_status && !kinds.check_run);
        assert_eq!(inputs.pack, Pack::Pushgateway);
        for (text, pack) in [
            ("off", Pack::Off),
            ("false", Pack::Off),
            ("remote-write", Pack::RemoteWrite),
        ] {
            let key = [("INPUT_PACK", text)];
            assert_eq!(read(&key).unwrap().pack, pack, "{text}");
        }
        assert_eq!(inputs.github_token, Some(Token("ghs_x".into())));
        assert_eq!(format!("{:?}", inputs.github_token), "Some(Token(***))");
        assert_eq!(inputs.fail_on, Some(FailOn::Never));
        assert_eq!(
            inputs.pushgateway_grouping_labels,
            Some(vec!["a".to_string(), "b".to_string()])
        );
        let (kinds, explicit) = read(&[]).unwrap().pr_status.kinds(true);
        assert!(!explicit && kinds.check_run && kinds.comment && !kinds.commit_status);
        let (kinds, _) = read(&[("INPUT_PR-STATUS", " ")])
            .unwrap()
            .pr_status
            .kinds(false);
        assert!(kinds.check_run && !kinds.comment && !kinds.commit_status);
        let none = read(&[("INPUT_PR-STATUS", "none")]).unwrap().pr_status;
        assert!(!none.kinds(true).0.any());
    }

    #[test]
    fn secrets_are_read_even_when_an_input_is_bad() {
        let env = Env::of(&[
            ("INPUT_SUMMARY", "maybe"),
            ("INPUT_GITHUB-TOKEN", "ghs_secret"),
            ("INPUT_OTLP-HEADERS-ENV", "OTLP_HEADERS"),
            ("OTLP_HEADERS", "x-key=abc"),
        ]);
        assert!(Inputs::read(&env).is_err());
        let (token, values) = secrets(&env);
        assert_eq!(token, Some(Token("ghs_secret".into())));
        assert_eq!(values, ["x-key=abc"]);
    }
}
