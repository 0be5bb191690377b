//! The push plan: what the `push` flags or the action's inputs ask for ([`PushSpec`]) turned
//! into checked targets ([`PushPlan`]): URLs checked, credentials and the `OTEL_EXPORTER_OTLP_*`
//! variables read through an injected lookup, never from the process environment directly.

use std::time::Duration;

use super::export_dir::Needs;
use super::openlineage::OpenLineageTarget;
use super::otlp::{self, Compression, Protocol, Signal};
use super::remote_write;
use super::target::{self, check_url, credentials, CredentialVars, Credentials};
use crate::net::http::RetryPolicy;

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
    /// An OpenLineage HTTP endpoint (`/api/v1/lineage` appended), or `env` for
    /// `OPENLINEAGE_URL`; `OPENLINEAGE_API_KEY` is its bearer token when set.
    pub openlineage_url: Option<String>,
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

/// `PUT` of the Prometheus text to a Pushgateway group.
#[derive(Debug, Clone)]
pub struct PushgatewayTarget {
    pub url: String,
    pub job: String,
    /// Grouping labels asked for; `None` uses [`super::pushgateway::DEFAULT_GROUPING`].
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
    pub openlineage: Option<OpenLineageTarget>,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl PushPlan {
    pub fn is_empty(&self) -> bool {
        self.pushgateway.is_none()
            && self.remote_write.is_none()
            && self.otlp.is_none()
            && self.openlineage.is_none()
    }

    /// The parts of the export folder the targets send.
    pub fn needs(&self) -> Needs {
        Needs {
            prometheus: self.pushgateway.is_some(),
            otlp: self.otlp.is_some(),
            traces: self.otlp.as_ref().is_some_and(|t| t.traces.is_some()),
            series: self.pushgateway.is_some() || self.remote_write.is_some(),
            openlineage: self.openlineage.is_some(),
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
            self.openlineage.as_ref().map(|t| &t.credentials),
        ]
        .into_iter()
        .flatten()
        {
            all.extend(creds.secrets.iter().cloned());
        }
        all
    }
}

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
        openlineage: openlineage_target(spec, env)?,
        timeout,
        retry,
    };
    if plan.is_empty() {
        return Err(match spec.names {
            Names::Flags => {
                "no push target: give --pushgateway URL, --remote-write URL, \
                             --otlp-endpoint URL, --otlp (the OpenTelemetry variables) or \
                             --openlineage-url URL"
            }
            Names::Inputs => {
                "no push target: set pushgateway-url, remote-write-url, \
                              otlp-endpoint or openlineage-url"
            }
        }
        .to_string());
    }
    Ok(plan)
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The OpenLineage target: the URL given, or `OPENLINEAGE_URL` for `env`; the key of
/// `OPENLINEAGE_API_KEY`, when set, as a bearer token (a secret: masked and scrubbed).
fn openlineage_target(spec: &PushSpec, env: Env<'_>) -> Result<Option<OpenLineageTarget>, String> {
    let setting = spec.names.setting("openlineage-url");
    let url = match spec.openlineage_url.as_deref().map(str::trim) {
        None | Some("") => return Ok(None),
        Some("env") => env("OPENLINEAGE_URL")
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| format!("{setting}: env: OPENLINEAGE_URL is not set"))?,
        Some(url) => url.to_string(),
    };
    check_url(&url, &setting)?;
    let key_set = env("OPENLINEAGE_API_KEY").is_some_and(|k| !k.trim().is_empty());
    let vars = CredentialVars {
        token: key_set.then(|| "OPENLINEAGE_API_KEY".to_string()),
        basic_auth: None,
        headers: None,
    };
    Ok(Some(OpenLineageTarget {
        url: super::openlineage::endpoint(&url),
        credentials: credentials(&vars, &spec.names.prefix("openlineage"), env)?,
    }))
}

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
