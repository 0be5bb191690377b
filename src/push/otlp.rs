//! OTLP/HTTP: `POST` of an `ExportMetricsServiceRequest` and of an `ExportTraceServiceRequest`,
//! protobuf by default or JSON, gzip-compressed when asked. The JSON body is the OTLP/JSON
//! artifact itself; the protobuf body is the same request, decoded from the artifact into the
//! OTLP messages of [`super::otlp_proto`] and encoded. Traces are streamed, span by span, into
//! bounded requests by [`super::otlp_traces`] with the conversions here.

use std::io::Write;

use super::otlp_proto::{
    any_value, metric, number_data_point, span, AnyValue, ExportMetricsServiceRequest,
    ExportMetricsServiceResponse, ExportTraceServiceResponse, Gauge, InstrumentationScope,
    KeyValue, Metric, NumberDataPoint, Resource, ResourceMetrics, ScopeMetrics, Span, Status,
};
use serde_json::Value;

use crate::observability::json_input;
use crate::observability::syntax::json_error;

/// `OTEL_EXPORTER_OTLP_PROTOCOL` values this adapter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum Protocol {
    #[strum(serialize = "http/protobuf")]
    Protobuf,
    #[strum(serialize = "http/json")]
    Json,
}

impl Protocol {
    pub fn parse(text: &str) -> Result<Protocol, String> {
        match text.trim() {
            "grpc" => Err(
                "OTLP protocol `grpc` is not supported; use `http/protobuf` (the default) or \
                 `http/json` against the collector's HTTP port (4318)"
                    .to_string(),
            ),
            other => other.parse().map_err(|_| {
                format!("OTLP protocol must be `http/protobuf` or `http/json`, not `{other}`")
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Protobuf => "application/x-protobuf",
            Protocol::Json => "application/json",
        }
    }
}

/// The OTLP signals a push sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Metrics,
    Traces,
}

impl Signal {
    /// The part of the per-signal variables' names: `OTEL_EXPORTER_OTLP_<VAR>_ENDPOINT`.
    pub fn var(self) -> &'static str {
        match self {
            Signal::Metrics => "METRICS",
            Signal::Traces => "TRACES",
        }
    }

    /// What a request of the signal carries, in messages.
    pub fn items(self) -> &'static str {
        match self {
            Signal::Metrics => "data points",
            Signal::Traces => "spans",
        }
    }

    /// The path appended to `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn path(self) -> &'static str {
        match self {
            Signal::Metrics => "v1/metrics",
            Signal::Traces => "v1/traces",
        }
    }
}

/// `Content-Encoding` of OTLP requests: `OTEL_EXPORTER_OTLP_(<SIGNAL>_)COMPRESSION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString)]
pub enum Compression {
    #[default]
    #[strum(serialize = "none", serialize = "")]
    None,
    #[strum(serialize = "gzip")]
    Gzip,
}

impl Compression {
    pub fn parse(text: &str) -> Result<Compression, String> {
        let text = text.trim();
        text.parse()
            .map_err(|_| format!("OTLP compression must be `gzip` or `none`, not `{text}`"))
    }

    /// The body to send: gzip-compressed or as it is.
    pub fn encode(self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        match self {
            Compression::None => Ok(body),
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder
                    .write_all(&body)
                    .and_then(|()| encoder.finish())
                    .map_err(|err| format!("cannot gzip the request body: {err}"))
            }
        }
    }
}

/// The metrics endpoint from the OpenTelemetry variables:
/// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` as it is (a URL without a path gets `/`), else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` with `v1/metrics` appended after a `/`.
pub fn endpoint_from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    signal_endpoint_from_env(env, Signal::Metrics)
}

/// A signal's endpoint from the OpenTelemetry variables: `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`
/// as it is (a URL without a path gets `/`), else `OTEL_EXPORTER_OTLP_ENDPOINT` with the
/// signal's path (`v1/metrics`, `v1/traces`) appended after a `/`.
pub fn signal_endpoint_from_env(
    env: &dyn Fn(&str) -> Option<String>,
    signal: Signal,
) -> Option<String> {
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(url) = set(&format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.var())) {
        let has_path = url
            .split_once("://")
            .is_none_or(|(_, rest)| rest.contains('/'));
        return Some(if has_path { url } else { format!("{url}/") });
    }
    let base = set("OTEL_EXPORTER_OTLP_ENDPOINT")?;
    Some(super::target::join_path(&base, signal.path()))
}

/// The traces URL beside a metrics URL ending in `/v1/metrics` (the query kept), if it does.
pub fn traces_beside(metrics_url: &str) -> Option<String> {
    let (base, query) = match metrics_url.find(['?', '#']) {
        Some(at) => metrics_url.split_at(at),
        None => (metrics_url, ""),
    };
    let base = base.trim_end_matches('/').strip_suffix("/v1/metrics")?;
    Some(format!("{base}/v1/traces{query}"))
}

/// A per-signal variable, else the general one (the metrics one replaces, never merges).
pub fn signal_var(env: &dyn Fn(&str) -> Option<String>, what: &str) -> Option<String> {
    signal_var_for(env, Signal::Metrics, what)
}

/// `OTEL_EXPORTER_OTLP_<SIGNAL>_<what>`, else `OTEL_EXPORTER_OTLP_<what>`.
pub fn signal_var_for(
    env: &dyn Fn(&str) -> Option<String>,
    signal: Signal,
    what: &str,
) -> Option<String> {
    let set = |name: String| env(&name).filter(|v| !v.trim().is_empty());
    set(format!("OTEL_EXPORTER_OTLP_{}_{what}", signal.var()))
        .or_else(|| set(format!("OTEL_EXPORTER_OTLP_{what}")))
}

/// A resource of the artifact: its attributes.
fn resource(value: &Value) -> Result<Resource, String> {
    Ok(Resource {
        attributes: attributes(&value["attributes"])?,
    })
}

/// An instrumentation scope of the artifact: its name and version.
fn scope(value: &Value) -> InstrumentationScope {
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_string();
    InstrumentationScope {
        name: text("name"),
        version: text("version"),
    }
}

fn attributes(value: &Value) -> Result<Vec<KeyValue>, String> {
    let Some(items) = value.as_array() else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let key = item["key"].as_str().ok_or("an attribute has no key")?;
            let v = &item["value"];
            let value = if let Some(text) = v["stringValue"].as_str() {
                any_value::Value::StringValue(text.to_string())
            } else if let Some(b) = v["boolValue"].as_bool() {
                any_value::Value::BoolValue(b)
            } else if !v["intValue"].is_null() {
                let n = match &v["intValue"] {
                    Value::String(s) => s.parse::<i64>().ok(),
                    other => other.as_i64(),
                };
                any_value::Value::IntValue(n.ok_or("an intValue is not a 64-bit integer")?)
            } else if !v["doubleValue"].is_null() {
                any_value::Value::DoubleValue(
                    json_input::number(&v["doubleValue"]).ok_or("a doubleValue is not a number")?,
                )
            } else {
                return Err("an attribute value is not a string, bool, int or double");
            };
            Ok(KeyValue {
                key: key.to_string(),
                value: Some(AnyValue { value: Some(value) }),
            })
        })
        .collect::<Result<_, &str>>()
        .map_err(str::to_string)
}

/// A hex id of `size` bytes (OTLP/JSON writes trace and span ids in hex, not base64): two hex
/// digits a byte, either case, nothing else (no crate of the build decodes hex, and this is
/// all it takes).
fn hex_id(value: &Value, size: usize, what: &str) -> Result<Vec<u8>, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("a span has no {what}"))?;
    let bytes = text.as_bytes();
    if bytes.len() != size * 2 {
        return Err(format!("a span's {what} is not {} hex digits", size * 2));
    }
    let digit = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [high, low] => Some((digit(*high)? << 4) | digit(*low)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| format!("a span's {what} is not hexadecimal"))
}

fn nanos(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        other => other.as_u64(),
    }
}

fn int(value: &Value) -> i32 {
    value
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or_default()
}

/// The resource of a `resourceSpans` entry of the traces artifact (its attributes).
pub fn span_resource(value: &Value) -> Result<Resource, String> {
    resource(value).map_err(|e| traces_bad(&e))
}

/// The instrumentation scope of a `scopeSpans` entry of the traces artifact.
pub fn span_scope(value: &Value) -> InstrumentationScope {
    scope(value)
}

fn traces_bad(what: &str) -> String {
    format!("the OTLP/JSON traces artifact: {what}")
}

/// One span of the OTLP/JSON traces artifact (the shape this tool writes) as the OTLP message.
pub fn span_from_artifact(s: &Value) -> Result<Span, String> {
    let bad = traces_bad;
    let name = s["name"]
        .as_str()
        .ok_or_else(|| bad("a span has no name"))?;
    let time =
        |key: &str| nanos(&s[key]).ok_or_else(|| bad(&format!("span `{name}` has no {key}")));
    let events = s["events"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            Ok(span::Event {
                time_unix_nano: nanos(&e["timeUnixNano"])
                    .ok_or_else(|| bad(&format!("an event of `{name}` has no timeUnixNano")))?,
                name: e["name"].as_str().unwrap_or_default().to_string(),
                attributes: attributes(&e["attributes"]).map_err(|e| bad(&e))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let parent = match &s["parentSpanId"] {
        Value::Null => Vec::new(),
        Value::String(p) if p.is_empty() => Vec::new(),
        other => hex_id(other, 8, "parentSpanId").map_err(|e| bad(&e))?,
    };
    Ok(Span {
        trace_id: hex_id(&s["traceId"], 16, "traceId").map_err(|e| bad(&e))?,
        span_id: hex_id(&s["spanId"], 8, "spanId").map_err(|e| bad(&e))?,
        parent_span_id: parent,
        name: name.to_string(),
        kind: int(&s["kind"]),
        start_time_unix_nano: time("startTimeUnixNano")?,
        end_time_unix_nano: time("endTimeUnixNano")?,
        attributes: attributes(&s["attributes"]).map_err(|e| bad(&e))?,
        events,
        status: s["status"].as_object().map(|st| Status {
            message: st
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            code: st.get("code").map(int).unwrap_or_default(),
        }),
        ..Default::default()
    })
}

/// Decodes the OTLP/JSON artifact (the shape this tool writes: gauges of doubles with string
/// attributes) into the OTLP message types.
pub fn request_from_artifact(json: &[u8]) -> Result<ExportMetricsServiceRequest, String> {
    let root: Value = json_input::from_slice(json)
        .map_err(|err| format!("the OTLP/JSON artifact: {}", json_error(&err)))?;
    let bad = |what: &str| format!("the OTLP/JSON artifact: {what}");
    let mut request = ExportMetricsServiceRequest::default();
    for rm in root["resourceMetrics"]
        .as_array()
        .ok_or_else(|| bad("no resourceMetrics"))?
    {
        let mut resource_metrics = ResourceMetrics {
            resource: Some(resource(&rm["resource"]).map_err(|e| bad(&e))?),
            ..Default::default()
        };
        for sm in rm["scopeMetrics"]
            .as_array()
            .ok_or_else(|| bad("no scopeMetrics"))?
        {
            let mut scope_metrics = ScopeMetrics {
                scope: Some(scope(&sm["scope"])),
                ..Default::default()
            };
            for m in sm["metrics"].as_array().ok_or_else(|| bad("no metrics"))? {
                let name = m["name"]
                    .as_str()
                    .ok_or_else(|| bad("a metric has no name"))?;
                let points = m["gauge"]["dataPoints"]
                    .as_array()
                    .ok_or_else(|| bad(&format!("`{name}` is not a gauge")))?;
                let data_points = points
                    .iter()
                    .map(|p| {
                        let time = p["timeUnixNano"]
                            .as_str()
                            .and_then(|t| t.parse::<u64>().ok())
                            .ok_or_else(|| bad(&format!("`{name}` has a point without a time")))?;
                        let value = json_input::number(&p["asDouble"])
                            .ok_or_else(|| bad(&format!("`{name}` has a point without a value")))?;
                        Ok(NumberDataPoint {
                            attributes: attributes(&p["attributes"]).map_err(|e| bad(&e))?,
                            time_unix_nano: time,
                            value: Some(number_data_point::Value::AsDouble(value)),
                            ..Default::default()
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                scope_metrics.metrics.push(Metric {
                    name: name.to_string(),
                    description: m["description"].as_str().unwrap_or_default().to_string(),
                    unit: m["unit"].as_str().unwrap_or_default().to_string(),
                    data: Some(metric::Data::Gauge(Gauge { data_points })),
                });
            }
            resource_metrics.scope_metrics.push(scope_metrics);
        }
        request.resource_metrics.push(resource_metrics);
    }
    Ok(request)
}

/// Data points in a request.
pub fn point_count(request: &ExportMetricsServiceRequest) -> usize {
    request
        .resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|m| match &m.data {
            Some(metric::Data::Gauge(g)) => g.data_points.len(),
            _ => 0,
        })
        .sum()
}

/// The most of an OTLP response body that is read: a partial success explains itself in its
/// `error_message`, which may be long (a line per rejected item), so well beyond the client's
/// usual 64 KiB. The client reads one byte more, so a body over the cap is known as such.
pub const MAX_RESPONSE_BODY: usize = 1024 * 1024;

/// What a receiver's `2xx` answer says about the items sent (data points, spans).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Every item accepted; with a message when the receiver warned (`partial_success` with
    /// nothing rejected and an `error_message`, as the OTLP specification allows).
    Accepted(Option<String>),
    /// `partial_success` rejecting this many items, with the receiver's message.
    Rejected(u64, String),
    /// The answer could not be read, so whether anything was rejected is unknown: never
    /// counted as accepted.
    Unknown(String),
}

/// Reads a receiver's `2xx` answer (`body` as read with [`MAX_RESPONSE_BODY`] + 1 as the
/// limit). It is decoded as its `Content-Type` says (`application/json` or
/// `application/x-protobuf`), else in the encoding of the request. An empty body, or one that
/// is not an OTLP response at all (`ok`), accepts everything; a body over the cap, or a
/// `partialSuccess` whose count cannot be read, is [`Answer::Unknown`].
pub fn judge_answer(
    signal: Signal,
    protocol: Protocol,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let items = signal.items();
    if body.len() > MAX_RESPONSE_BODY {
        return Answer::Unknown(format!(
            "the receiver answered with a body over {} KiB, which was not read whole, so \
             whether it rejected any {items} is unknown",
            MAX_RESPONSE_BODY / 1024
        ));
    }
    if body.is_empty() {
        return Answer::Accepted(None);
    }
    let media = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    let json = match media.as_deref() {
        Some("application/json") => true,
        Some("application/x-protobuf" | "application/protobuf") => false,
        _ => protocol == Protocol::Json,
    };
    let partial = if json {
        json_partial(signal, body)
    } else {
        protobuf_partial(signal, body)
    };
    match partial {
        Ok(None) => Answer::Accepted(None),
        Ok(Some((0, message))) => Answer::Accepted(Some(message).filter(|m| !m.is_empty())),
        Ok(Some((rejected, message))) => match u64::try_from(rejected) {
            Ok(rejected) => Answer::Rejected(rejected, message),
            Err(_) => Answer::Unknown(format!(
                "the receiver's partial success gives {rejected} rejected {items}"
            )),
        },
        Err(what) => Answer::Unknown(format!(
            "the receiver's partial success could not be read ({what}), so whether it \
             rejected any {items} is unknown"
        )),
    }
}

/// `partial_success` of a protobuf answer: `None` when there is none, or when the body is
/// not an OTLP response (a text `ok`).
fn protobuf_partial(signal: Signal, body: &[u8]) -> Result<Option<(i64, String)>, String> {
    Ok(match signal {
        Signal::Metrics => {
            let Ok(response) = prost::Message::decode(body) else {
                return Ok(None);
            };
            let response: ExportMetricsServiceResponse = response;
            response
                .partial_success
                .map(|p| (p.rejected_data_points, p.error_message))
        }
        Signal::Traces => {
            let Ok(response) = prost::Message::decode(body) else {
                return Ok(None);
            };
            let response: ExportTraceServiceResponse = response;
            response
                .partial_success
                .map(|p| (p.rejected_spans, p.error_message))
        }
    })
}

/// `partialSuccess` of a JSON answer: `None` when there is none or the body is not JSON; an
/// error when it is there but its count is not an integer (proto3 JSON writes int64 as a
/// string, a number is taken too; absent means 0).
fn json_partial(signal: Signal, body: &[u8]) -> Result<Option<(i64, String)>, String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(None);
    };
    let Some(partial) = value.get("partialSuccess").filter(|p| !p.is_null()) else {
        return Ok(None);
    };
    let key = match signal {
        Signal::Metrics => "rejectedDataPoints",
        Signal::Traces => "rejectedSpans",
    };
    let rejected = match partial.get(key) {
        None | Some(Value::Null) => Some(0),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(other) => other.as_i64(),
    }
    .ok_or_else(|| format!("`{key}` is not an integer"))?;
    let message = match partial.get("errorMessage") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("`errorMessage` is not a string".to_string()),
    };
    Ok(Some((rejected, message)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::plan::test_env as env;

    #[test]
    fn endpoints_follow_the_specification() {
        let e = |pairs| endpoint_from_env(&env(pairs));
        assert_eq!(
            e(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]).unwrap(),
            "http://c:4318/v1/metrics"
        );
        assert_eq!(
            e(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")]).unwrap(),
            "http://c:4318/v1/metrics"
        );
        assert_eq!(
            e(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/my/")]).unwrap(),
            "http://c:4318/my/v1/metrics"
        );
        assert_eq!(
            e(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                (
                    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                    "https://m.example.com/custom"
                )
            ])
            .unwrap(),
            "https://m.example.com/custom"
        );
        assert_eq!(
            e(&[("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:4318")]).unwrap(),
            "http://m:4318/"
        );
        assert_eq!(e(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]), None);
        assert_eq!(
            e(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318?tenant=a")]).unwrap(),
            "http://c:4318/v1/metrics?tenant=a"
        );
        assert_eq!(
            signal_var(
                &env(&[
                    ("OTEL_EXPORTER_OTLP_HEADERS", "a=1"),
                    ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "b=2")
                ]),
                "HEADERS"
            )
            .unwrap(),
            "b=2"
        );
    }

    #[test]
    fn span_ids_are_hex_digits_only() {
        let id = |text: &str| hex_id(&Value::from(text), 2, "spanId");
        assert_eq!(id("0aFf").unwrap(), [0x0a, 0xff]);
        assert_eq!(
            id("0af").unwrap_err(),
            "a span's spanId is not 4 hex digits"
        );
        // A sign is not a digit (`u8::from_str_radix` would take `+f`).
        for bad in ["+f0a", "0x0a", "0g00", "é00"] {
            assert_eq!(
                id(bad).unwrap_err(),
                "a span's spanId is not hexadecimal",
                "{bad}"
            );
        }
        assert_eq!(
            hex_id(&Value::Null, 8, "spanId").unwrap_err(),
            "a span has no spanId"
        );
    }

    #[test]
    fn answers_are_judged_whole_and_never_guessed_as_accepted() {
        use Signal::{Metrics, Traces};
        let judge = |signal, body: &[u8], content_type| {
            judge_answer(signal, Protocol::Protobuf, content_type, body)
        };
        // Nothing to read, or not an OTLP answer at all: accepted, as before.
        assert_eq!(judge(Metrics, b"", None), Answer::Accepted(None));
        assert_eq!(judge(Metrics, b"ok", None), Answer::Accepted(None));
        assert_eq!(
            judge(Traces, b"{}", Some("application/json")),
            Answer::Accepted(None)
        );
        let traces = prost::Message::encode_to_vec(&ExportTraceServiceResponse {
            partial_success: Some(super::super::otlp_proto::ExportTracePartialSuccess {
                rejected_spans: 2,
                error_message: "too old".to_string(),
            }),
        });
        assert_eq!(
            judge(Traces, &traces, None),
            Answer::Rejected(2, "too old".to_string())
        );
        // A negative count is not a count.
        assert!(matches!(
            judge(
                Traces,
                br#"{"partialSuccess":{"rejectedSpans":"-1"}}"#,
                Some("Application/JSON; charset=utf-8")
            ),
            Answer::Unknown(_)
        ));
        // One byte over the cap: not read whole, so unknown whatever it holds.
        let over = vec![b' '; MAX_RESPONSE_BODY + 1];
        assert!(matches!(judge(Metrics, &over, None), Answer::Unknown(_)));
        assert_eq!(
            judge(Metrics, &over[..MAX_RESPONSE_BODY], None),
            Answer::Accepted(None)
        );
    }

    #[test]
    fn protocols_and_compressions() {
        assert_eq!(Protocol::parse("http/json").unwrap(), Protocol::Json);
        assert_eq!(
            Protocol::parse(" http/protobuf ").unwrap(),
            Protocol::Protobuf
        );
        assert_eq!(Protocol::Protobuf.as_str(), "http/protobuf");
        assert_eq!(Protocol::Json.as_str(), "http/json");
        assert!(Protocol::parse("grpc")
            .unwrap_err()
            .contains("not supported"));
        assert_eq!(
            Protocol::parse(" HTTP/JSON ").unwrap_err(),
            "OTLP protocol must be `http/protobuf` or `http/json`, not `HTTP/JSON`"
        );
        for (text, compression) in [
            ("gzip", Compression::Gzip),
            (" none", Compression::None),
            ("", Compression::None),
            ("  ", Compression::None),
        ] {
            assert_eq!(Compression::parse(text).unwrap(), compression, "{text:?}");
        }
        assert_eq!(
            Compression::parse(" GZIP ").unwrap_err(),
            "OTLP compression must be `gzip` or `none`, not `GZIP`"
        );
    }

    #[test]
    fn the_artifact_becomes_the_same_request() {
        let json = br#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"dpone"}}]},"scopeMetrics":[{"scope":{"name":"dpone.observability","version":"0.1.0"},"metrics":[{"name":"dpone_x","description":"X.","unit":"1","gauge":{"dataPoints":[{"attributes":[{"key":"k","value":{"stringValue":"v"}}],"timeUnixNano":"1700000000000000000","asDouble":"NaN"},{"attributes":[],"timeUnixNano":"1700000000000000000","asDouble":2.5}]}}]}]}]}"#;
        let request = request_from_artifact(json).unwrap();
        assert_eq!(point_count(&request), 2);
        let metric = &request.resource_metrics[0].scope_metrics[0].metrics[0];
        let Some(metric::Data::Gauge(gauge)) = &metric.data else {
            panic!()
        };
        assert!(
            matches!(gauge.data_points[0].value, Some(number_data_point::Value::AsDouble(v)) if v.is_nan())
        );
        assert_eq!(
            gauge.data_points[1].time_unix_nano,
            1_700_000_000_000_000_000
        );
        let bytes = prost::Message::encode_to_vec(&request);
        let back: ExportMetricsServiceRequest = prost::Message::decode(bytes.as_slice()).unwrap();
        assert_eq!(point_count(&back), 2);
    }
}
