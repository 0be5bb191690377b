//! The push adapter: a finished, verified export folder sent to a Prometheus Pushgateway, a
//! Prometheus remote-write receiver and/or an OTLP/HTTP endpoint. It reads the folder and
//! never writes to it; a failed push is a `push.failed` blocker, never a change to the export.
//! The core knows nothing of this module. This file is the push itself, target after target;
//! `plan.rs` builds what it is told to do, and `progress.rs` what it tells while it runs.

pub mod export_dir;
pub mod openlineage;
pub mod otlp;
pub mod otlp_proto;
pub mod otlp_traces;
mod plan;
mod progress;
pub mod pushgateway;
pub mod remote_write;
pub mod target;

use ::http::{HeaderName, HeaderValue, Method};
use bytes::Bytes;

use crate::net::http::{self, HttpClient, Request};
use crate::observability::blockers::{Blocker, Code};
pub use export_dir::{read_export, Export, IndexedFile, Needs, Series};
pub use otlp::{Compression, Protocol, Signal};
pub use plan::{
    plan, Names, OtlpSignal, OtlpTarget, PushPlan, PushSpec, PushgatewayTarget, RemoteWriteTarget,
    DEFAULT_TIMEOUT,
};
use progress::Throttle;
pub use progress::{Printed, Progress, Quiet};
pub use target::{check_url, credentials, shown_url, CredentialVars, Credentials};

/// The kinds of push target, named alike in messages (`Display`) and in the `pushed` output
/// (`Serialize`): `pushgateway`, `remote-write`, `otlp`, `otlp-traces`, `openlineage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum TargetKind {
    Pushgateway,
    RemoteWrite,
    Otlp,
    OtlpTraces,
    Openlineage,
}

impl TargetKind {
    /// What the target's counts count, as the progress and result lines say: `series` of
    /// metrics, `spans` of a trace, `events` of OpenLineage.
    pub fn unit(self) -> &'static str {
        match self {
            TargetKind::Pushgateway | TargetKind::RemoteWrite | TargetKind::Otlp => "series",
            TargetKind::OtlpTraces => "spans",
            TargetKind::Openlineage => "events",
        }
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
    /// Nothing sent yet to the target of `kind` at `url` (shown without its secrets).
    fn new(kind: TargetKind, url: &str) -> Self {
        PushResult {
            kind,
            target: shown_url(url),
            series: 0,
            total: 0,
            requests: 0,
            error: None,
        }
    }

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
        // Its own clients: an OTLP answer is read up to its cap and one byte more.
        let client = |signal: &OtlpSignal| {
            HttpClient::new(signal.timeout.unwrap_or(plan.timeout), plan.retry)
                .map(|c| c.with_max_body(otlp::MAX_RESPONSE_BODY + 1))
        };
        results.push(push_otlp(
            &client(&t.metrics)?,
            export,
            &t.metrics,
            progress,
        ));
        progress.finish(&results[results.len() - 1]);
        match (&t.traces, &t.traces_note, &export.otlp_traces) {
            (Some(traces), _, Some(file)) => {
                results.push(push_otlp_traces(&client(traces)?, file, traces, progress));
                progress.finish(&results[results.len() - 1]);
            }
            (Some(_), _, None) => progress.note(&format!(
                "traces not sent: `{}` has no `{}` (an export written before traces)",
                export.dir,
                crate::observability::artifacts::OPENTELEMETRY_TRACES.file_name
            )),
            (None, Some(note), _) => progress.note(note),
            (None, None, _) => {}
        }
    }
    if let Some(t) = &plan.openlineage {
        match &export.openlineage_events {
            Some(events) => {
                results.push(openlineage::push(&client, events, t, progress));
                progress.finish(&results[results.len() - 1]);
            }
            None => progress.note(&format!(
                "OpenLineage events not sent: `{}` has no `{}` (no lineage input named a dataset)",
                export.dir,
                crate::observability::artifacts::OPENLINEAGE_EVENTS.file_name
            )),
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
        total,
        ..PushResult::new(TargetKind::Pushgateway, &t.url)
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
        total,
        ..PushResult::new(TargetKind::RemoteWrite, &t.url)
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
                let unit = result.kind.unit();
                result.error = Some(format!(
                    "request {} of {batches} ({count} {unit}) failed after {} of {total} \
                     {unit} were accepted: {}",
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

/// The metrics: one request, the artifact's bytes (JSON) or the same request in protobuf.
fn push_otlp(
    client: &HttpClient,
    export: &Export,
    t: &OtlpSignal,
    progress: &mut dyn Progress,
) -> PushResult {
    let signal = Signal::Metrics;
    let json = &export.otlp_json;
    let mut result = PushResult::new(TargetKind::Otlp, &t.url);
    let encoded = otlp::request_from_artifact(json).and_then(|message| {
        let count = otlp::point_count(&message);
        let body = match t.protocol {
            Protocol::Json => json.to_vec(),
            Protocol::Protobuf => prost::Message::encode_to_vec(&message),
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
    let req = request(Method::POST, &t.url, &otlp_headers(t), &t.credentials, body);
    result.requests = 1;
    match send(client, &req, result.kind, &t.credentials, progress) {
        Ok(response) => {
            let answer = judge(signal, t.protocol, &response);
            match counted(answer, count, signal, &t.credentials, progress) {
                Ok(accepted) => result.series = accepted,
                Err((accepted, error)) => {
                    result.series = accepted;
                    result.error = Some(error);
                }
            }
        }
        Err(failure) => result.error = Some(failure_text(&t.credentials, &failure)),
    }
    result
}

fn otlp_headers(t: &OtlpSignal) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![("content-type", t.protocol.content_type())];
    if t.compression == Compression::Gzip {
        headers.push(("content-encoding", "gzip"));
    }
    headers
}

/// The traces, streamed: a first read of the whole file checks it against its index, converts
/// every span and cuts the requests, before any is sent; the second sends them one by one as
/// they are cut again, and checks the file once more at its end. Nothing larger than one
/// request is held. Like remote-write, the first request that fails stops the target.
fn push_otlp_traces(
    client: &HttpClient,
    file: &IndexedFile,
    t: &OtlpSignal,
    progress: &mut dyn Progress,
) -> PushResult {
    let limits = otlp_traces::Limits::DEFAULT;
    let mut result = PushResult::new(TargetKind::OtlpTraces, &t.url);
    let planned = file
        .stream(|reader| otlp_traces::walk(reader, t.protocol, limits, &mut |_| Ok(())))
        .map_err(|err| format!("refusing to push: {err}"))
        .and_then(|walked| walked.map_err(otlp_traces::Halt::text));
    let planned = match planned {
        Ok(planned) => planned,
        Err(err) => {
            progress.start(result.kind, &result.target, 0, 0);
            result.error = Some(err);
            return result;
        }
    };
    result.total = planned.spans;
    progress.start(result.kind, &result.target, planned.spans, planned.requests);
    let mut throttle = Throttle::new();
    let mut send_batch = |batch: otlp_traces::Batch| {
        let count = batch.spans;
        result.requests += 1;
        let sent =
            t.compression
                .encode(batch.into_body(t.protocol))
                .map(|body| request(Method::POST, &t.url, &otlp_headers(t), &t.credentials, body))
                .and_then(
                    |req| match send(client, &req, result.kind, &t.credentials, progress) {
                        Ok(response) => {
                            let answer = judge(Signal::Traces, t.protocol, &response);
                            counted(answer, count, Signal::Traces, &t.credentials, progress)
                                .map_err(|(accepted, err)| {
                                    result.series += accepted;
                                    err
                                })
                        }
                        Err(failure) => Err(failure_text(&t.credentials, &failure)),
                    },
                );
        let err = match sent {
            Ok(accepted) => {
                result.series += accepted;
                if throttle.due(result.requests, planned.requests) {
                    progress.sent(
                        result.kind,
                        result.requests,
                        planned.requests,
                        result.series,
                    );
                }
                return Ok(());
            }
            Err(err) => err,
        };
        Err(if planned.requests == 1 {
            err
        } else {
            format!(
                "request {} of {} ({count} spans) failed after {} of {} spans were accepted: {err}",
                result.requests, planned.requests, result.series, planned.spans
            )
        })
    };
    let sent = file.stream(|reader| otlp_traces::walk(reader, t.protocol, limits, &mut send_batch));
    result.error = match sent {
        Ok(Ok(_)) => None,
        Ok(Err(halt)) => Some(halt.text()),
        Err(changed) => Some(format!(
            "{changed} while it was pushed; {} of {} spans were accepted",
            result.series, planned.spans
        )),
    };
    result
}

/// What an OTLP receiver's `2xx` answer says, read as its `Content-Type` tells.
fn judge(signal: Signal, protocol: Protocol, response: &http::Response) -> otlp::Answer {
    let content_type = response
        .headers
        .get(::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    otlp::judge_answer(signal, protocol, content_type, &response.body)
}

/// The items of a request of `count` the receiver accepted, or how many it accepted and why
/// the target failed (a rejection, or an answer that could not be read). A warning that
/// rejected nothing is passed on as a note.
fn counted(
    answer: otlp::Answer,
    count: usize,
    signal: Signal,
    creds: &Credentials,
    progress: &mut dyn Progress,
) -> Result<usize, (usize, String)> {
    let items = signal.items();
    match answer {
        otlp::Answer::Accepted(None) => Ok(count),
        otlp::Answer::Accepted(Some(warning)) => {
            progress.note(&creds.scrub(&format!(
                "the receiver accepted every one of {count} {items} and warned: {}",
                http::shown_body(warning.as_bytes())
            )));
            Ok(count)
        }
        otlp::Answer::Rejected(rejected, message) => {
            let rejected = usize::try_from(rejected).unwrap_or(count).min(count);
            Err((
                count - rejected,
                creds.scrub(&format!(
                    "the receiver rejected {rejected} of {count} {items}: {}",
                    http::shown_body(message.as_bytes())
                )),
            ))
        }
        otlp::Answer::Unknown(why) => Err((0, creds.scrub(&why))),
    }
}

#[cfg(test)]
mod tests {
    use super::TargetKind;

    #[test]
    fn target_kinds_read_the_same_in_messages_and_in_json() {
        for (kind, name) in [
            (TargetKind::Pushgateway, "pushgateway"),
            (TargetKind::RemoteWrite, "remote-write"),
            (TargetKind::Otlp, "otlp"),
            (TargetKind::OtlpTraces, "otlp-traces"),
        ] {
            assert_eq!(kind.to_string(), name);
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(name))
            );
        }
    }
}
