//! OpenTelemetry OTLP/JSON traces: one `ExportTraceServiceRequest` describing the export.
//!
//! The root span is the CI task that ran the export (semconv `span.cicd.pipeline.task.internal`,
//! kind `INTERNAL`); under it, one span per dpone run report read. Ids are derived, never random
//! (see [`trace_id`] and [`span_id`]), and every time comes from the reports or the export's
//! `generated_at`, so the same inputs give a byte-identical file. Written on one line followed
//! by a newline, like the metrics payload; enums are integers and 64-bit integers are strings,
//! as the OTLP/JSON encoding asks.

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::artifacts::hex;
use super::blockers::{Blocker, Severity};
use super::json_output::write_string;
use super::opentelemetry::{self, AttrValue, Signal};
use super::sources::run_report::{
    Orchestration, RunFacts, ATTEMPTS, DURATION_SECONDS, EXTRACTED_ROWS, FINAL_ROWS, INSERTED_ROWS,
    MAX_ATTEMPTS, RETRY_BACKOFF_SECONDS, THROUGHPUT, UPDATED_ROWS,
};
use super::timestamp::Timestamp;
use super::trace_join::TraceParent;

/// The root span's name when the resource names no task.
pub const DEFAULT_TASK_NAME: &str = "dpone-observability export";
/// `error.type` when a failed run gives no error code.
pub const OTHER_ERROR: &str = "_OTHER";

/// The resource attribute whose value, when present, makes the trace id.
pub const RUN_URL_ATTRIBUTE: &str = "cicd.pipeline.run.url.full";

const SPAN_KIND_INTERNAL: u8 = 1;
const STATUS_CODE_OK: u8 = 1;
const STATUS_CODE_ERROR: u8 = 2;

/// A run report read, for the trace: its facts and the file it came from. The collector
/// (`collect`) fills one per run report in the order it reads them; each becomes a span.
#[derive(Debug, Clone)]
pub struct TracedRun {
    pub facts: RunFacts,
    /// The file as the user named it.
    pub source: String,
}

/// Everything besides the runs that the trace carries.
#[derive(Debug, Clone)]
pub struct TraceContext<'a> {
    /// The metrics' OTLP resource: sorted by key, `service.name` and `service.namespace` included.
    pub resource_attributes: &'a [(String, String)],
    /// The export's time: the root span's end.
    pub generated_at: Timestamp,
    /// The output folder as the user gave it (the last resort for the trace id).
    pub output_dir: &'a str,
    /// The primary run's id.
    pub run_id: Option<&'a str>,
    /// The export's verdict and its blockers (the root span's status).
    pub passed: bool,
    pub blockers: &'a [Blocker],
    /// The span the root is a child of, in another trace (GitHub's workflow trace or
    /// `TRACEPARENT`): its trace id is the export's. None: the export's own ids, no parent.
    pub parent: Option<TraceParent>,
}

impl TraceContext<'_> {
    fn resource(&self, key: &str) -> Option<&str> {
        self.resource_attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// The trace id, 16 bytes: the parent's when the root has one (see [`TraceContext::parent`]),
/// else the first half of sha256 of, in order of preference,
/// - the resource's `cicd.pipeline.run.url.full` (one per CI run attempt: GitHub's ends in
///   `/attempts/<n>`), so every export of one attempt shares a trace;
/// - `dpone.run_id/<id>` with the primary run's id;
/// - `dpone.export/<generated_at>/<output dir>`.
pub fn trace_id(ctx: &TraceContext<'_>) -> [u8; 16] {
    if let Some(parent) = &ctx.parent {
        return parent.trace_id;
    }
    let seed = match (ctx.resource(RUN_URL_ATTRIBUTE), ctx.run_id) {
        (Some(url), _) => url.trim().to_string(),
        (None, Some(run_id)) => format!("dpone.run_id/{run_id}"),
        (None, None) => format!("dpone.export/{}/{}", ctx.generated_at, ctx.output_dir),
    };
    let digest = Sha256::digest(seed.as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    // An all-zero id is invalid in OTLP.
    if id == [0u8; 16] {
        id[15] = 1;
    }
    id
}

/// A span id, 8 bytes: the first quarter of sha256 of the trace id (hex), `/` and the span's
/// stable key (`task` for the root, `run/<index>` for the n-th run report read; both after the
/// parent's span id and `/` when the root has a parent).
pub fn span_id(trace_id: &[u8; 16], key: &str) -> [u8; 8] {
    let digest = Sha256::digest(format!("{}/{key}", hex(trace_id)).as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[..8]);
    if id == [0u8; 8] {
        id[7] = 1;
    }
    id
}

/// An attribute value as OTLP types it.
#[derive(Debug, Clone, PartialEq)]
enum Attr {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl Attr {
    fn value(&self) -> AttrValue<'_> {
        match self {
            Attr::Str(s) => AttrValue::Str(s),
            Attr::Int(n) => AttrValue::Int(*n),
            Attr::Double(d) => AttrValue::Double(*d),
            Attr::Bool(b) => AttrValue::Bool(*b),
        }
    }
}

/// A number from a report: an integer attribute when it is a whole number in range, else a
/// double.
fn number(value: f64) -> Attr {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9.0e15 {
        // Exact: a whole number below 2^53.
        Attr::Int(value as i64)
    } else {
        Attr::Double(value)
    }
}

struct Event {
    name: &'static str,
    time: Timestamp,
    attributes: Vec<(&'static str, Attr)>,
}

struct Span {
    span_id: [u8; 8],
    parent: Option<[u8; 8]>,
    name: String,
    start: Timestamp,
    end: Timestamp,
    attributes: Vec<(&'static str, Attr)>,
    events: Vec<Event>,
    /// `(code, message)`.
    status: (u8, String),
}

/// The seconds a report gives as a duration, in nanoseconds (0 when unusable).
fn duration_nanos(seconds: Option<f64>) -> u64 {
    match seconds {
        Some(s) if s.is_finite() && s > 0.0 => {
            let nanos = s * 1e9;
            if nanos >= u64::MAX as f64 {
                u64::MAX
            } else {
                nanos.round() as u64
            }
        }
        _ => 0,
    }
}

/// The span of one run report: it ends when the report says the run finished (else at the
/// export's time) and lasts `result.duration_seconds`.
fn run_span(run: &TracedRun, key: &str, trace: &[u8; 16], root: [u8; 8], at: Timestamp) -> Span {
    let facts = &run.facts;
    let end = facts.finished_at.unwrap_or(at);
    let duration = duration_nanos(facts.value(&DURATION_SECONDS));
    let start = Timestamp::from_unix_nanos(end.unix_nanos().saturating_sub(duration));

    let mut attributes = run_attributes(run);
    if let Some(o) = &facts.orchestration {
        attributes.extend(orchestration_attributes(o));
    }
    let status = match run_failure(facts) {
        Some((error_type, message)) => {
            attributes.push(("error.type", Attr::Str(error_type)));
            (STATUS_CODE_ERROR, message)
        }
        None if facts.outcome.passed == Some(true) => (STATUS_CODE_OK, String::new()),
        None => (0, String::new()),
    };
    let name = match facts.outcome.stable_name() {
        Some(name) => format!("dpone run {name}"),
        None => "dpone run".to_string(),
    };
    Span {
        span_id: span_id(trace, key),
        parent: Some(root),
        name,
        start,
        end,
        attributes,
        events: retry_events(facts, start, duration),
        status,
    }
}

/// What a run report says of itself as span attributes: its identity (`dpone.run.id`,
/// process, manifest, selector, status, source file), whether it passed, and the numbers of
/// the run-report catalogue it gave.
fn run_attributes(run: &TracedRun) -> Vec<(&'static str, Attr)> {
    let facts = &run.facts;
    let outcome = &facts.outcome;
    let mut attributes: Vec<(&'static str, Attr)> = Vec::new();
    let mut text = |key: &'static str, value: Option<&str>| {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            attributes.push((key, Attr::Str(v.to_string())));
        }
    };
    let label = |key: &str| {
        facts
            .labels
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    };
    text("dpone.run.id", outcome.run_id.as_deref());
    text("dpone.process", outcome.process.as_deref());
    text("dpone.manifest", outcome.manifest.as_deref());
    text("dpone.selector", label("selector"));
    text("dpone.run.status", outcome.status.as_deref());
    text("dpone.source", Some(&run.source));
    if let Some(passed) = outcome.passed {
        attributes.push(("dpone.run.passed", Attr::Bool(passed)));
    }
    for (key, spec) in [
        ("dpone.rows.extracted", &EXTRACTED_ROWS),
        ("dpone.rows.inserted", &INSERTED_ROWS),
        ("dpone.rows.updated", &UPDATED_ROWS),
        ("dpone.rows.final", &FINAL_ROWS),
        ("dpone.throughput_rows_per_second", &THROUGHPUT),
        ("dpone.duration_seconds", &DURATION_SECONDS),
        ("dpone.attempts", &ATTEMPTS),
        ("dpone.max_attempts", &MAX_ATTEMPTS),
        ("dpone.retry_backoff_seconds", &RETRY_BACKOFF_SECONDS),
    ] {
        if let Some(v) = facts.value(spec) {
            attributes.push((key, number(v)));
        }
    }
    attributes
}

/// The `orchestrated_run.json` wrapper's facts as span attributes (`dpone.orchestrated.*`).
fn orchestration_attributes(o: &Orchestration) -> Vec<(&'static str, Attr)> {
    let mut attributes = vec![("dpone.orchestrated", Attr::Bool(true))];
    if let Some(passed) = o.passed {
        attributes.push(("dpone.orchestrated.passed", Attr::Bool(passed)));
    }
    if let Some(key) = &o.lock_key {
        attributes.push(("dpone.orchestrated.lock_key", Attr::Str(key.clone())));
    }
    if let Some(acquired) = o.lock_acquired {
        attributes.push(("dpone.orchestrated.lock_acquired", Attr::Bool(acquired)));
    }
    attributes
}

/// Why the run's span is an error, as `(error.type, status message)`: the run's own failure
/// (its error code and first error), else a failed orchestration wrapper (its first blocker);
/// None when neither failed.
fn run_failure(facts: &RunFacts) -> Option<(String, String)> {
    let outcome = &facts.outcome;
    if outcome.failed() {
        return Some((
            outcome
                .error_code
                .clone()
                .unwrap_or_else(|| OTHER_ERROR.to_string()),
            outcome
                .first_error
                .clone()
                .unwrap_or_else(|| format!("dpone run did not pass (status `{}`)", status(facts))),
        ));
    }
    let o = facts
        .orchestration
        .as_ref()
        .filter(|o| o.passed == Some(false))?;
    let first = o.blockers.first().cloned();
    Some((
        first.clone().unwrap_or_else(|| OTHER_ERROR.to_string()),
        match first {
            Some(code) => format!("the orchestrated run reports `{code}`"),
            None => format!(
                "the orchestrated run did not pass (status `{}`)",
                o.status.as_deref().unwrap_or("?")
            ),
        },
    ))
}

/// One event per retry: attempt k of n at start + (k-1)/n of the span (the report gives no
/// attempt times, only their count), with the report's retry backoff.
fn retry_events(facts: &RunFacts, start: Timestamp, duration: u64) -> Vec<Event> {
    let mut events = Vec::new();
    let attempts = facts
        .value(&ATTEMPTS)
        .filter(|a| a.is_finite())
        .unwrap_or(0.0);
    if attempts > 1.0 {
        let n = attempts.min(1000.0) as u64;
        let backoff = facts.value(&RETRY_BACKOFF_SECONDS);
        for k in 2..=n {
            let offset = (u128::from(duration) * u128::from(k - 1) / u128::from(n)) as u64;
            let mut attributes = vec![("dpone.attempt", Attr::Int(k as i64))];
            if let Some(b) = backoff {
                attributes.push(("dpone.retry_backoff_seconds", number(b)));
            }
            events.push(Event {
                name: "retry",
                time: Timestamp::from_unix_nanos(start.unix_nanos().saturating_add(offset)),
                attributes,
            });
        }
    }
    events
}

fn status(facts: &RunFacts) -> &str {
    facts.outcome.status.as_deref().unwrap_or("?")
}

/// The root span: the CI task that ran the export.
fn task_span(ctx: &TraceContext<'_>, trace: &[u8; 16], children: &[Span]) -> Span {
    let name = ctx
        .resource("cicd.pipeline.task.name")
        .unwrap_or(DEFAULT_TASK_NAME)
        .to_string();
    let start = children
        .iter()
        .map(|s| s.start)
        .min()
        .map_or(ctx.generated_at, |s| s.min(ctx.generated_at));
    // Ends at the export's time, unless a report claims a later end (a skewed clock).
    let end = children
        .iter()
        .map(|s| s.end)
        .max()
        .map_or(ctx.generated_at, |e| e.max(ctx.generated_at));
    let mut attributes: Vec<(&'static str, Attr)> =
        vec![("cicd.pipeline.task.name", Attr::Str(name.clone()))];
    for key in [
        "cicd.pipeline.task.run.id",
        "cicd.pipeline.task.run.url.full",
    ] {
        if let Some(v) = ctx.resource(key) {
            attributes.push((key, Attr::Str(v.to_string())));
        }
    }
    let result = if ctx.passed { "success" } else { "failure" };
    attributes.push(("cicd.pipeline.task.run.result", Attr::Str(result.into())));
    let status = if ctx.passed {
        (STATUS_CODE_OK, String::new())
    } else {
        let first = ctx
            .blockers
            .iter()
            .find(|b| b.severity() == Severity::Error);
        let error_type = first.map_or(OTHER_ERROR.to_string(), |b| b.id().to_string());
        attributes.push(("error.type", Attr::Str(error_type)));
        (
            STATUS_CODE_ERROR,
            first.map_or_else(
                || "the export did not pass".to_string(),
                |b| b.message.clone(),
            ),
        )
    };
    Span {
        span_id: span_id(trace, &span_key(ctx, "task")),
        parent: ctx.parent.map(|p| p.span_id),
        name,
        start,
        end,
        attributes,
        events: Vec::new(),
        status,
    }
}

/// A span's stable key: `task` or `run/<index>`, after the parent's span id (hex) and `/` when
/// the root has a parent, so the exports of two jobs in one joined trace never share a span id.
fn span_key(ctx: &TraceContext<'_>, key: &str) -> String {
    match &ctx.parent {
        Some(parent) => format!("{}/{key}", hex(&parent.span_id)),
        None => key.to_string(),
    }
}

/// Builds the spans: the task first, then one per run report in the order read.
fn spans(ctx: &TraceContext<'_>, runs: &[TracedRun]) -> ([u8; 16], Vec<Span>) {
    let trace = trace_id(ctx);
    let root = span_id(&trace, &span_key(ctx, "task"));
    let children: Vec<Span> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let key = span_key(ctx, &format!("run/{i}"));
            run_span(run, &key, &trace, root, ctx.generated_at)
        })
        .collect();
    let mut all = vec![task_span(ctx, &trace, &children)];
    all.extend(children);
    (trace, all)
}

pub struct OpenTelemetryTracesRenderer;

impl OpenTelemetryTracesRenderer {
    pub fn render(
        ctx: &TraceContext<'_>,
        runs: &[TracedRun],
        out: &mut impl Write,
    ) -> io::Result<()> {
        let (trace, spans) = spans(ctx, runs);
        let trace_hex = hex(&trace);
        let mut buf = Vec::with_capacity(4096);
        opentelemetry::write_head(Signal::Spans, ctx.resource_attributes, &mut buf);
        for (i, span) in spans.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            write_span(&trace_hex, span, &mut buf);
        }
        buf.extend_from_slice(b"]}]}]}\n");
        out.write_all(&buf)
    }
}

fn write_span(trace_hex: &str, span: &Span, buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"{\"traceId\":");
    write_string(trace_hex, buf);
    buf.extend_from_slice(b",\"spanId\":");
    write_string(&hex(&span.span_id), buf);
    if let Some(parent) = &span.parent {
        buf.extend_from_slice(b",\"parentSpanId\":");
        write_string(&hex(parent), buf);
    }
    buf.extend_from_slice(b",\"name\":");
    write_string(&span.name, buf);
    buf.extend_from_slice(format!(",\"kind\":{SPAN_KIND_INTERNAL}").as_bytes());
    write_time(b",\"startTimeUnixNano\":", span.start, buf);
    write_time(b",\"endTimeUnixNano\":", span.end, buf);
    buf.extend_from_slice(b",\"attributes\":");
    write_attributes(&span.attributes, buf);
    buf.extend_from_slice(b",\"events\":[");
    for (i, event) in span.events.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        write_time(b"{\"timeUnixNano\":", event.time, buf);
        buf.extend_from_slice(b",\"name\":");
        write_string(event.name, buf);
        buf.extend_from_slice(b",\"attributes\":");
        write_attributes(&event.attributes, buf);
        buf.push(b'}');
    }
    buf.extend_from_slice(b"],\"status\":{");
    let (code, message) = &span.status;
    if !message.is_empty() {
        buf.extend_from_slice(b"\"message\":");
        write_string(message, buf);
        buf.push(b',');
    }
    buf.extend_from_slice(format!("\"code\":{code}}}}}").as_bytes());
}

fn write_time(key: &[u8], time: Timestamp, buf: &mut Vec<u8>) {
    buf.extend_from_slice(key);
    buf.push(b'"');
    buf.extend_from_slice(time.unix_nanos().to_string().as_bytes());
    buf.push(b'"');
}

fn write_attributes(attributes: &[(&'static str, Attr)], buf: &mut Vec<u8>) {
    opentelemetry::write_attributes(attributes.iter().map(|(k, v)| (*k, v.value())), buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::sources::run_report::extract;
    use serde_json::{json, Value};

    fn ctx<'a>(resource: &'a [(String, String)], run_id: Option<&'a str>) -> TraceContext<'a> {
        TraceContext {
            resource_attributes: resource,
            generated_at: Timestamp::from_unix_seconds(1_764_000_000).unwrap(),
            output_dir: "out",
            run_id,
            passed: true,
            blockers: &[],
            parent: None,
        }
    }

    fn render(ctx: &TraceContext<'_>, runs: &[TracedRun]) -> Value {
        let mut out = Vec::new();
        OpenTelemetryTracesRenderer::render(ctx, runs, &mut out).unwrap();
        assert!(out.ends_with(b"}\n") && out.iter().filter(|b| **b == b'\n').count() == 1);
        serde_json::from_slice(&out).unwrap()
    }

    fn run(report: Value) -> TracedRun {
        TracedRun {
            facts: extract(report.as_object().unwrap()),
            source: "r.json".into(),
        }
    }

    #[test]
    fn trace_ids_follow_the_documented_rule() {
        let url = |u: &str| vec![(RUN_URL_ATTRIBUTE.to_string(), u.to_string())];
        let a1 = url("https://github.com/o/r/actions/runs/1/attempts/1");
        let a2 = url("https://github.com/o/r/actions/runs/1/attempts/2");
        let digest = Sha256::digest(b"https://github.com/o/r/actions/runs/1/attempts/1");
        assert_eq!(trace_id(&ctx(&a1, Some("X")))[..], digest[..16]);
        assert_eq!(trace_id(&ctx(&a1, None)), trace_id(&ctx(&a1, Some("Y"))));
        assert_ne!(trace_id(&ctx(&a1, None)), trace_id(&ctx(&a2, None)));
        let by_run = Sha256::digest(b"dpone.run_id/R-1");
        assert_eq!(trace_id(&ctx(&[], Some("R-1")))[..], by_run[..16]);
        let fallback = Sha256::digest(b"dpone.export/2025-11-24T16:00:00.000000+00:00/out");
        assert_eq!(trace_id(&ctx(&[], None))[..], fallback[..16]);
        let t = trace_id(&ctx(&[], None));
        assert_ne!(span_id(&t, "task"), span_id(&t, "run/0"));
    }

    #[test]
    fn a_retried_failed_run_is_an_error_span_with_retry_events() {
        let r = run(
            json!({"run_id": "R", "process": "p", "selector": "s", "passed": false,
            "finished_at": "2026-01-01T00:00:10+00:00", "attempts": 3, "max_attempts": 3,
            "retry_backoff_seconds": 2.5,
            "result": {"status": "error", "duration_seconds": 9.0, "extracted_rows": 4,
                       "throughput_rows_per_second": 1.5, "errors": ["boom"]}}),
        );
        let c = ctx(&[], Some("R"));
        let doc = render(&c, &[r]);
        let spans = &doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
        let child = &spans[1];
        assert_eq!(child["parentSpanId"], spans[0]["spanId"]);
        assert_eq!(child["name"], "dpone run p");
        assert_eq!(child["endTimeUnixNano"], "1767225610000000000");
        assert_eq!(child["startTimeUnixNano"], "1767225601000000000");
        assert_eq!(child["status"]["code"], 2);
        assert_eq!(child["status"]["message"], "boom");
        let attr = |key: &str| {
            child["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == key)
                .map(|a| a["value"].clone())
        };
        assert_eq!(attr("error.type"), Some(json!({"stringValue": "_OTHER"})));
        assert_eq!(attr("dpone.rows.extracted"), Some(json!({"intValue": "4"})));
        assert_eq!(
            attr("dpone.throughput_rows_per_second"),
            Some(json!({"doubleValue": 1.5}))
        );
        assert_eq!(attr("dpone.selector"), Some(json!({"stringValue": "s"})));
        let events = child["events"].as_array().unwrap();
        let times: Vec<&str> = events
            .iter()
            .map(|e| e["timeUnixNano"].as_str().unwrap())
            .collect();
        assert_eq!(times, ["1767225604000000000", "1767225607000000000"]);
        assert_eq!(events[1]["attributes"][0]["value"]["intValue"], "3");
        // The root spans the run and ends at the export's time.
        assert_eq!(spans[0]["startTimeUnixNano"], "1764000000000000000");
        assert_eq!(spans[0]["endTimeUnixNano"], "1767225610000000000");
        assert_eq!(spans[0]["kind"], 1);
    }

    #[test]
    fn an_orchestrated_run_blocked_by_its_lock_is_an_error() {
        let wrapper = json!({"passed": false, "status": "blocked", "lock_key": "k",
            "lock_acquired": false, "blockers": ["run.not_passed", "lock.not_acquired"],
            "run_result": {"passed": true, "process": "p", "result": {"status": "success"}}});
        let w = wrapper.as_object().unwrap();
        let facts = extract(w["run_result"].as_object().unwrap()).orchestrated_by(w);
        let doc = render(
            &ctx(&[], None),
            &[TracedRun {
                facts,
                source: "o.json".into(),
            }],
        );
        let child = &doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
        assert_eq!(child["status"]["code"], 2);
        assert!(child["attributes"].as_array().unwrap().contains(
            &json!({"key": "error.type", "value": {"stringValue": "lock.not_acquired"}})
        ));
    }
}
