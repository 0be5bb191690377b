//! The push adapter: a finished, verified export folder sent to a Prometheus Pushgateway, a
//! Prometheus remote-write receiver and/or an OTLP/HTTP endpoint. It reads the folder and
//! never writes to it; a failed push is a `push.failed` blocker, never a change to the export.
//! The core knows nothing of this module.

pub mod export_dir;
pub mod otlp;
pub mod otlp_proto;
pub mod pushgateway;
pub mod remote_write;
pub mod target;

use std::io::Write;
use std::time::Duration;

use ::http::{HeaderName, HeaderValue, Method};
use bytes::Bytes;

use crate::inert::Commands;
use crate::net::http::{self, HttpClient, Request, RetryPolicy};
use crate::observability::blockers::{Blocker, Code};
use crate::observability::text::plural;
pub use export_dir::{read_export, Export, Needs, Series};
pub use otlp::{Compression, Protocol, Signal};
pub use target::{check_url, credentials, shown_url, CredentialVars, Credentials};

/// `PUT` of the Prometheus text to a Pushgateway group.
#[derive(Debug, Clone)]
pub struct PushgatewayTarget {
    pub url: String,
    pub job: String,
    /// Grouping labels asked for; `None` uses [`pushgateway::DEFAULT_GROUPING`].
    pub grouping: Option<Vec<String>>,
    pub credentials: Credentials,
}

#[derive(Debug, Clone)]
pub struct RemoteWriteTarget {
    pub url: String,
    pub per_request: usize,
    pub credentials: Credentials,
}

/// Where one OTLP signal goes, and how.
#[derive(Debug, Clone)]
pub struct OtlpSignal {
    pub url: String,
    pub protocol: Protocol,
    pub credentials: Credentials,
    /// `OTEL_EXPORTER_OTLP_(<SIGNAL>_)TIMEOUT` when set, else the plan's.
    pub timeout: Option<Duration>,
    pub compression: Compression,
}

/// The OTLP/HTTP target: metrics always, traces when an endpoint for them is known.
#[derive(Debug, Clone)]
pub struct OtlpTarget {
    pub metrics: OtlpSignal,
    pub traces: Option<OtlpSignal>,
    /// Why traces are not sent, when they are not.
    pub traces_note: Option<String>,
}

/// Where to push and how patiently.
#[derive(Debug, Clone)]
pub struct PushPlan {
    pub pushgateway: Option<PushgatewayTarget>,
    pub remote_write: Option<RemoteWriteTarget>,
    pub otlp: Option<OtlpTarget>,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl PushPlan {
    pub fn is_empty(&self) -> bool {
        self.pushgateway.is_none() && self.remote_write.is_none() && self.otlp.is_none()
    }

    /// The parts of the export folder the targets send.
    pub fn needs(&self) -> Needs {
        Needs {
            prometheus: self.pushgateway.is_some(),
            otlp: self.otlp.is_some(),
            traces: self.otlp.as_ref().is_some_and(|t| t.traces.is_some()),
            series: self.pushgateway.is_some() || self.remote_write.is_some(),
        }
    }

    /// Every secret of every target (to mask and to scrub).
    pub fn secrets(&self) -> Vec<String> {
        let mut all = Vec::new();
        for creds in [
            self.pushgateway.as_ref().map(|t| &t.credentials),
            self.remote_write.as_ref().map(|t| &t.credentials),
            self.otlp.as_ref().map(|t| &t.metrics.credentials),
            self.otlp
                .as_ref()
                .and_then(|t| t.traces.as_ref())
                .map(|t| &t.credentials),
        ]
        .into_iter()
        .flatten()
        {
            all.extend(creds.secrets.iter().cloned());
        }
        all
    }
}

/// The kinds of push target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TargetKind {
    #[serde(rename = "pushgateway")]
    Pushgateway,
    #[serde(rename = "remote-write")]
    RemoteWrite,
    #[serde(rename = "otlp")]
    Otlp,
    #[serde(rename = "otlp-traces")]
    OtlpTraces,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Pushgateway => "pushgateway",
            TargetKind::RemoteWrite => "remote-write",
            TargetKind::Otlp => "otlp",
            TargetKind::OtlpTraces => "otlp-traces",
        }
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened with one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushResult {
    pub kind: TargetKind,
    /// The URL as shown: scheme, host, port, path.
    pub target: String,
    /// Series (data points) the receiver accepted.
    pub series: usize,
    /// Series the export holds.
    pub total: usize,
    pub requests: usize,
    /// Why it failed, scrubbed of secrets.
    pub error: Option<String>,
}

impl PushResult {
    /// `push.failed` for a failed target.
    pub fn blocker(&self) -> Option<Blocker> {
        let error = self.error.as_ref()?;
        Some(Blocker::new(
            Code::PushFailed,
            format!("push to {} `{}` failed: {error}", self.kind, self.target),
        ))
    }
}

const USER_AGENT: &str = concat!("dpone-observability/", env!("CARGO_PKG_VERSION"));

fn request(
    method: Method,
    url: &str,
    content: &[(&str, &str)],
    creds: &Credentials,
    body: Vec<u8>,
) -> Request {
    let mut headers: Vec<(HeaderName, HeaderValue)> = content
        .iter()
        .filter_map(|(k, v)| {
            Some((
                HeaderName::from_bytes(k.as_bytes()).ok()?,
                HeaderValue::from_str(v).ok()?,
            ))
        })
        .collect();
    headers.push((
        ::http::header::USER_AGENT,
        HeaderValue::from_static(USER_AGENT),
    ));
    headers.extend(creds.headers.iter().cloned());
    Request {
        method,
        url: url.to_string(),
        headers,
        body: Bytes::from(body),
    }
}

/// What a push tells while it runs, target by target: the adapters print it (the push itself
/// never prints). Every text handed over is scrubbed of the target's secrets.
pub trait Progress {
    /// About to send `series` series (OTLP: data points) to a target in `requests` requests.
    fn start(&mut self, kind: TargetKind, target: &str, series: usize, requests: usize);
    /// Of a multi-request push, `done` of `requests` sent and `series` series accepted; called
    /// about every 10 % or 5 s, never for the last request (the result says it).
    fn sent(&mut self, kind: TargetKind, done: usize, requests: usize, series: usize);
    /// A request failed and is retried after `wait`.
    fn retry(
        &mut self,
        kind: TargetKind,
        failed_attempt: u32,
        attempts: u32,
        wait: Duration,
        reason: &str,
    );
    /// The target is done (pushed or failed).
    fn finish(&mut self, result: &PushResult);
    /// Something the push left out, and why (traces of an export that has none).
    fn note(&mut self, _text: &str) {}
}

/// No progress at all.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&mut self, _: TargetKind, _: &str, _: usize, _: usize) {}
    fn sent(&mut self, _: TargetKind, _: usize, _: usize, _: usize) {}
    fn retry(&mut self, _: TargetKind, _: u32, _: u32, _: Duration, _: &str) {}
    fn finish(&mut self, _: &PushResult) {}
}

/// Progress as lines on stderr, as both adapters print it: what each target is about to
/// receive, each retry as it happens, and how far a multi-request push has got. With `groups`
/// (in GitHub Actions) each target's lines sit between `::group::push to <kind>` and
/// `::endgroup::` on stdout; the title is the tool's own words, never input text. Both
/// writers are flushed around a group command so the runner sees the lines inside it.
pub struct Printed<'a, O: Commands, E: Write> {
    pub stdout: &'a mut O,
    pub stderr: &'a mut E,
    pub groups: bool,
}

impl<O: Commands, E: Write> Printed<'_, O, E> {
    fn group(&mut self, line: &str) {
        if self.groups {
            let _ = self.stderr.flush();
            self.stdout.command(line);
            let _ = self.stdout.flush();
        }
    }
}

impl<O: Commands, E: Write> Progress for Printed<'_, O, E> {
    fn start(&mut self, kind: TargetKind, target: &str, series: usize, requests: usize) {
        self.group(&format!("::group::push to {kind}"));
        if requests > 0 {
            let _ = writeln!(
                self.stderr,
                "push to {kind} `{target}`: sending {series} series in {}",
                plural(requests, "request")
            );
        }
    }

    fn sent(&mut self, kind: TargetKind, done: usize, requests: usize, series: usize) {
        let _ = writeln!(
            self.stderr,
            "push to {kind}: {done} of {requests} requests sent, {series} series accepted"
        );
    }

    fn retry(
        &mut self,
        kind: TargetKind,
        failed: u32,
        attempts: u32,
        wait: Duration,
        reason: &str,
    ) {
        let _ = writeln!(
            self.stderr,
            "push to {kind}: attempt {failed} of {attempts} failed ({reason}); retrying in {:.2} s",
            wait.as_secs_f64()
        );
    }

    fn finish(&mut self, _: &PushResult) {
        self.group("::endgroup::");
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.stderr, "push: {text}");
    }
}

/// How often a multi-request push reports: at each further 10 % of its requests, or when 5 s
/// passed since the last report, whichever comes first.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

struct Throttle {
    last_tenth: usize,
    last_at: std::time::Instant,
}

impl Throttle {
    fn new() -> Self {
        Throttle {
            last_tenth: 0,
            last_at: std::time::Instant::now(),
        }
    }

    /// True when `done` of `total` requests is worth a report.
    fn due(&mut self, done: usize, total: usize) -> bool {
        if done >= total || total < 2 {
            return false;
        }
        let tenth = done * 10 / total;
        if tenth > self.last_tenth || self.last_at.elapsed() >= PROGRESS_EVERY {
            self.last_tenth = tenth;
            self.last_at = std::time::Instant::now();
            return true;
        }
        false
    }
}

/// Sends one request, reporting each retry (its reason scrubbed of the target's secrets).
fn send(
    client: &HttpClient,
    req: &Request,
    kind: TargetKind,
    creds: &Credentials,
    progress: &mut dyn Progress,
) -> Result<http::Response, http::Failure> {
    client.send_observed(req, &mut |retry| {
        progress.retry(
            kind,
            retry.failed_attempt,
            retry.attempts,
            retry.wait,
            &creds.scrub(retry.reason),
        )
    })
}

/// Pushes to every target of the plan, one after the other. Each target's failure is in its
/// result; `Err` only when no request could be made at all (the HTTP client did not start).
pub fn push_export(
    export: &Export,
    plan: &PushPlan,
    progress: &mut dyn Progress,
) -> Result<Vec<PushResult>, String> {
    let client = HttpClient::new(plan.timeout, plan.retry)?;
    let mut results = Vec::new();
    if let Some(t) = &plan.pushgateway {
        results.push(push_pushgateway(&client, export, t, progress));
        progress.finish(&results[results.len() - 1]);
    }
    if let Some(t) = &plan.remote_write {
        results.push(push_remote_write(&client, export, t, progress));
        progress.finish(&results[results.len() - 1]);
    }
    if let Some(t) = &plan.otlp {
        let mut signals = vec![(TargetKind::Otlp, &t.metrics, Some(&export.otlp_json))];
        match (&t.traces, &t.traces_note) {
            (Some(traces), _) => match &export.otlp_traces {
                Some(json) => signals.push((TargetKind::OtlpTraces, traces, Some(json))),
                None => progress.note(&format!(
                    "traces not sent: `{}` has no `{}` (an export written before traces)",
                    export.dir,
                    crate::observability::artifacts::OPENTELEMETRY_TRACES.file_name
                )),
            },
            (None, Some(note)) => progress.note(note),
            (None, None) => {}
        }
        for (kind, signal, json) in signals {
            let Some(json) = json else { continue };
            let own;
            let client = match signal.timeout {
                Some(timeout) if timeout != plan.timeout => {
                    own = HttpClient::new(timeout, plan.retry)?;
                    &own
                }
                _ => &client,
            };
            results.push(push_otlp(client, kind, json, signal, progress));
            progress.finish(&results[results.len() - 1]);
        }
    }
    Ok(results)
}

fn failure_text(creds: &Credentials, failure: &http::Failure) -> String {
    let tries = if failure.attempts > 1 {
        format!(" (after {} attempts)", failure.attempts)
    } else {
        String::new()
    };
    creds.scrub(&format!("{}{tries}", failure.message))
}

fn push_pushgateway(
    client: &HttpClient,
    export: &Export,
    t: &PushgatewayTarget,
    progress: &mut dyn Progress,
) -> PushResult {
    let total = export.series.len();
    let mut result = PushResult {
        kind: TargetKind::Pushgateway,
        target: shown_url(&t.url),
        series: 0,
        total,
        requests: 0,
        error: None,
    };
    let grouping = match pushgateway::grouping(&export.series, t.grouping.as_deref()) {
        Ok(grouping) => grouping,
        Err(err) => {
            progress.start(result.kind, &result.target, total, 0);
            result.error = Some(err);
            return result;
        }
    };
    let url = pushgateway::group_url(&t.url, &t.job, &grouping);
    result.target = shown_url(&url);
    progress.start(result.kind, &result.target, total, 1);
    let req = request(
        Method::PUT,
        &url,
        &[("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        &t.credentials,
        export.prometheus_text.clone(),
    );
    result.requests = 1;
    match send(client, &req, result.kind, &t.credentials, progress) {
        Ok(_) => result.series = total,
        Err(failure) => result.error = Some(failure_text(&t.credentials, &failure)),
    }
    result
}

fn push_remote_write(
    client: &HttpClient,
    export: &Export,
    t: &RemoteWriteTarget,
    progress: &mut dyn Progress,
) -> PushResult {
    let total = export.series.len();
    let mut result = PushResult {
        kind: TargetKind::RemoteWrite,
        target: shown_url(&t.url),
        series: 0,
        total,
        requests: 0,
        error: None,
    };
    let bodies = match remote_write::bodies(&export.series, export.time_ms, t.per_request) {
        Ok(bodies) => bodies,
        Err(err) => {
            progress.start(result.kind, &result.target, total, 0);
            result.error = Some(err);
            return result;
        }
    };
    let batches = bodies.len();
    progress.start(result.kind, &result.target, total, batches);
    let mut throttle = Throttle::new();
    for (i, (count, body)) in bodies.into_iter().enumerate() {
        let req = request(
            Method::POST,
            &t.url,
            &remote_write::HEADERS,
            &t.credentials,
            body,
        );
        result.requests += 1;
        match send(client, &req, result.kind, &t.credentials, progress) {
            Ok(_) => {
                result.series += count;
                if throttle.due(result.requests, batches) {
                    progress.sent(result.kind, result.requests, batches, result.series);
                }
            }
            Err(failure) => {
                result.error = Some(format!(
                    "request {} of {batches} ({count} series) failed after {} of {total} \
                     series were accepted: {}",
                    i + 1,
                    result.series,
                    failure_text(&t.credentials, &failure)
                ));
                break;
            }
        }
    }
    result
}

/// The protobuf body and the item count (data points, spans) of an OTLP/JSON artifact.
fn otlp_message(signal: Signal, json: &[u8]) -> Result<(Vec<u8>, usize), String> {
    Ok(match signal {
        Signal::Metrics => {
            let message = otlp::request_from_artifact(json)?;
            (
                prost::Message::encode_to_vec(&message),
                otlp::point_count(&message),
            )
        }
        Signal::Traces => {
            let message = otlp::traces_request_from_artifact(json)?;
            (
                prost::Message::encode_to_vec(&message),
                otlp::span_count(&message),
            )
        }
    })
}

fn push_otlp(
    client: &HttpClient,
    kind: TargetKind,
    json: &[u8],
    t: &OtlpSignal,
    progress: &mut dyn Progress,
) -> PushResult {
    let signal = match kind {
        TargetKind::OtlpTraces => Signal::Traces,
        _ => Signal::Metrics,
    };
    let items = match signal {
        Signal::Metrics => "data points",
        Signal::Traces => "spans",
    };
    let mut result = PushResult {
        kind,
        target: shown_url(&t.url),
        series: 0,
        total: 0,
        requests: 0,
        error: None,
    };
    let encoded = otlp_message(signal, json).and_then(|(protobuf, count)| {
        let body = match t.protocol {
            Protocol::Json => json.to_vec(),
            Protocol::Protobuf => protobuf,
        };
        Ok((t.compression.encode(body)?, count))
    });
    let (body, count) = match encoded {
        Ok(encoded) => encoded,
        Err(err) => {
            progress.start(result.kind, &result.target, 0, 0);
            result.error = Some(err);
            return result;
        }
    };
    result.total = count;
    progress.start(result.kind, &result.target, count, 1);
    let mut headers = vec![("content-type", t.protocol.content_type())];
    if t.compression == Compression::Gzip {
        headers.push(("content-encoding", "gzip"));
    }
    let req = request(Method::POST, &t.url, &headers, &t.credentials, body);
    result.requests = 1;
    match send(client, &req, result.kind, &t.credentials, progress) {
        Ok(response) => match otlp::partial_rejection(signal, t.protocol, &response.body) {
            Some((rejected, message)) => {
                let rejected = usize::try_from(rejected).unwrap_or(count).min(count);
                result.series = count - rejected;
                result.error = Some(t.credentials.scrub(&format!(
                    "the receiver rejected {rejected} of {count} {items}: {}",
                    http::shown_body(message.as_bytes())
                )));
            }
            None => result.series = count,
        },
        Err(failure) => result.error = Some(failure_text(&t.credentials, &failure)),
    }
    result
}

/// What a user asked for, before the environment is read: from the `push` flags or the
/// action's inputs.
#[derive(Debug, Clone, Default)]
pub struct PushSpec {
    pub pushgateway_url: Option<String>,
    pub pushgateway_job: Option<String>,
    pub grouping: Option<Vec<String>>,
    pub pushgateway_credentials: CredentialVars,
    pub remote_write_url: Option<String>,
    pub remote_write_credentials: CredentialVars,
    /// An explicit endpoint; used as given.
    pub otlp_endpoint: Option<String>,
    /// Push to the endpoint of the OpenTelemetry variables.
    pub otlp_from_env: bool,
    pub otlp_protocol: Option<String>,
    /// `gzip` or `none` for both signals; default `OTEL_EXPORTER_OTLP_(<SIGNAL>_)COMPRESSION`.
    pub otlp_compression: Option<String>,
    pub otlp_credentials: CredentialVars,
    /// Per-request timeout; default 10 s (OTLP: `OTEL_EXPORTER_OTLP_TIMEOUT` when set).
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    /// How messages name the settings: the `push` flags, or the action's inputs.
    pub names: Names,
}

/// The names users know the settings by, for messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Names {
    /// `--pushgateway`, `--pushgateway-token-env`, ...
    #[default]
    Flags,
    /// `pushgateway-url`, `pushgateway-token-env`, ...
    Inputs,
}

impl Names {
    /// The setting holding a target's URL (`target`: `pushgateway`, `remote-write`, `otlp`).
    fn url(self, target: &str) -> String {
        match (self, target) {
            (Names::Flags, "otlp") => "--otlp-endpoint".to_string(),
            (Names::Flags, _) => format!("--{target}"),
            (Names::Inputs, "otlp") => "otlp-endpoint".to_string(),
            (Names::Inputs, _) => format!("{target}-url"),
        }
    }

    /// What the credential settings' names start with (`<prefix>-token-env`).
    fn prefix(self, target: &str) -> String {
        match self {
            Names::Flags => format!("--{target}"),
            Names::Inputs => target.to_string(),
        }
    }

    fn setting(self, name: &str) -> String {
        match self {
            Names::Flags => format!("--{name}"),
            Names::Inputs => name.to_string(),
        }
    }
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the plan: checks URLs, reads credentials and the OpenTelemetry variables through
/// `env`. Every error is a usage error that never quotes a secret.
pub fn plan(spec: &PushSpec, env: &dyn Fn(&str) -> Option<String>) -> Result<PushPlan, String> {
    let timeout = spec.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let mut retry = RetryPolicy::default();
    if let Some(retries) = spec.retries {
        retry.retries = retries;
    }
    retry.shorten_for_tests(env);
    let plan = PushPlan {
        pushgateway: pushgateway_target(spec, env)?,
        remote_write: remote_write_target(spec, env)?,
        otlp: otlp_target(spec, env)?,
        timeout,
        retry,
    };
    if plan.is_empty() {
        return Err(match spec.names {
            Names::Flags => {
                "no push target: give --pushgateway URL, --remote-write URL, \
                             --otlp-endpoint URL or --otlp (the OpenTelemetry variables)"
            }
            Names::Inputs => {
                "no push target: set pushgateway-url, remote-write-url or \
                              otlp-endpoint"
            }
        }
        .to_string());
    }
    Ok(plan)
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn pushgateway_target(spec: &PushSpec, env: Env<'_>) -> Result<Option<PushgatewayTarget>, String> {
    let Some(url) = &spec.pushgateway_url else {
        return Ok(None);
    };
    check_url(url, &spec.names.url("pushgateway"))?;
    let job = spec
        .pushgateway_job
        .clone()
        .unwrap_or_else(|| "dpone".to_string());
    if job.trim().is_empty() {
        return Err(format!(
            "{} must not be empty",
            spec.names.setting("pushgateway-job")
        ));
    }
    Ok(Some(PushgatewayTarget {
        url: url.clone(),
        job,
        grouping: spec.grouping.clone(),
        credentials: credentials(
            &spec.pushgateway_credentials,
            &spec.names.prefix("pushgateway"),
            env,
        )?,
    }))
}

fn remote_write_target(spec: &PushSpec, env: Env<'_>) -> Result<Option<RemoteWriteTarget>, String> {
    let Some(url) = &spec.remote_write_url else {
        return Ok(None);
    };
    check_url(url, &spec.names.url("remote-write"))?;
    Ok(Some(RemoteWriteTarget {
        url: url.clone(),
        per_request: remote_write::MAX_SERIES_PER_REQUEST,
        credentials: credentials(
            &spec.remote_write_credentials,
            &spec.names.prefix("remote-write"),
            env,
        )?,
    }))
}

/// The OTLP target: the metrics endpoint as given or from the OpenTelemetry variables, the
/// traces endpoint from the variables (else beside a metrics URL ending in `/v1/metrics`), each
/// with its protocol, headers, compression and timeout.
fn otlp_target(spec: &PushSpec, env: Env<'_>) -> Result<Option<OtlpTarget>, String> {
    let url = match (&spec.otlp_endpoint, spec.otlp_from_env) {
        (Some(url), _) => url.clone(),
        (None, true) => otlp::endpoint_from_env(env).ok_or_else(|| {
            format!(
                "{}: neither OTEL_EXPORTER_OTLP_METRICS_ENDPOINT nor OTEL_EXPORTER_OTLP_ENDPOINT \
                 is set",
                match spec.names {
                    Names::Flags => "--otlp",
                    Names::Inputs => "otlp-endpoint: env",
                }
            )
        })?,
        (None, false) => return Ok(None),
    };
    check_url(&url, &spec.names.url("otlp"))?;
    let metrics = otlp_signal(spec, env, Signal::Metrics, url.clone())?;
    let traces_url = otlp::signal_endpoint_from_env(env, Signal::Traces)
        .filter(|_| spec.otlp_from_env || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some())
        .or_else(|| otlp::traces_beside(&url));
    let (traces, traces_note) = match traces_url {
        Some(traces_url) => {
            check_url(&traces_url, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")?;
            (
                Some(otlp_signal(spec, env, Signal::Traces, traces_url)?),
                None,
            )
        }
        None => (
            None,
            Some(
                "traces not sent: no traces endpoint (set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, \
                 or give an OTLP endpoint ending in /v1/metrics)"
                    .to_string(),
            ),
        ),
    };
    Ok(Some(OtlpTarget {
        metrics,
        traces,
        traces_note,
    }))
}

/// One signal's settings: the flag or input, else `OTEL_EXPORTER_OTLP_<SIGNAL>_<X>`, else
/// `OTEL_EXPORTER_OTLP_<X>`.
fn otlp_signal(
    spec: &PushSpec,
    env: Env<'_>,
    signal: Signal,
    url: String,
) -> Result<OtlpSignal, String> {
    let var = |what: &str| otlp::signal_var_for(env, signal, what);
    let shown = |what: &str| format!("OTEL_EXPORTER_OTLP_({}_){what}", signal.var());
    let protocol = match spec.otlp_protocol.clone().or_else(|| var("PROTOCOL")) {
        Some(text) => Protocol::parse(&text)?,
        None => Protocol::Protobuf,
    };
    let compression = match &spec.otlp_compression {
        Some(text) => Compression::parse(text)
            .map_err(|err| format!("{}: {err}", spec.names.setting("otlp-compression")))?,
        None => match var("COMPRESSION") {
            Some(text) => Compression::parse(&text)
                .map_err(|err| format!("{}: {err}", shown("COMPRESSION")))?,
            None => Compression::None,
        },
    };
    let mut creds = credentials(&spec.otlp_credentials, &spec.names.prefix("otlp"), env)?;
    if let Some(headers) = var("HEADERS") {
        target::add_header_list(&mut creds, &headers)
            .map_err(|err| format!("{}: {err}", shown("HEADERS")))?;
    }
    let env_timeout = match var("TIMEOUT") {
        None => None,
        Some(text) => {
            let ms: u64 = text
                .trim()
                .parse()
                .map_err(|_| format!("{} must be milliseconds, not `{text}`", shown("TIMEOUT")))?;
            // 0 means no limit in the specification; a day is as good.
            Some(if ms == 0 {
                Duration::from_secs(86_400)
            } else {
                Duration::from_millis(ms)
            })
        }
    };
    Ok(OtlpSignal {
        url,
        protocol,
        credentials: creds,
        timeout: if spec.timeout.is_some() {
            None
        } else {
            env_timeout
        },
        compression,
    })
}

/// A fixed environment for tests.
#[cfg(test)]
pub(crate) fn test_env(
    pairs: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}
