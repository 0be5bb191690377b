//! The hand-declared OTLP messages (`src/push/otlp_proto.rs`) held to the official
//! opentelemetry-proto definitions: each request and response, with every declared field set
//! to a value of its own, is parsed by the official Python classes
//! (`tests/validators/otlp_proto_check.py`), which refuse any byte they do not know; each value
//! must come back under its `.proto` field name, and the official re-encoding must decode to
//! the same message. A wrong tag number, wire type or oneof member fails here.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use dpone_observability::push::otlp_proto::*;
use prost::Message;
use serde_json::{json, Value};

use crate::common::{repo, stderr};

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
    }
}

/// One attribute of each `AnyValue` kind the adapter writes.
fn attributes() -> Vec<KeyValue> {
    vec![
        kv("s", any_value::Value::StringValue("text".into())),
        kv("b", any_value::Value::BoolValue(true)),
        kv("i", any_value::Value::IntValue(-7)),
        kv("d", any_value::Value::DoubleValue(2.5)),
    ]
}

fn attributes_json() -> Value {
    json!([
        {"key": "s", "value": {"string_value": "text"}},
        {"key": "b", "value": {"bool_value": true}},
        {"key": "i", "value": {"int_value": "-7"}},
        {"key": "d", "value": {"double_value": 2.5}},
    ])
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "scope".into(),
        version: "1.2.3".into(),
    })
}

fn metrics_request() -> (ExportMetricsServiceRequest, Value) {
    let point = |time_unix_nano, flags, value| NumberDataPoint {
        attributes: vec![kv("k", any_value::Value::StringValue("v".into()))],
        time_unix_nano,
        flags,
        value: Some(value),
    };
    let request = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: attributes(),
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: scope(),
                metrics: vec![Metric {
                    name: "m".into(),
                    description: "about m".into(),
                    unit: "s".into(),
                    data: Some(metric::Data::Gauge(Gauge {
                        data_points: vec![
                            point(11, 1, number_data_point::Value::AsDouble(0.25)),
                            point(12, 0, number_data_point::Value::AsInt(-3)),
                        ],
                    })),
                }],
            }],
        }],
    };
    let attr = json!([{"key": "k", "value": {"string_value": "v"}}]);
    let decoded = json!({"resource_metrics": [{
        "resource": {"attributes": attributes_json()},
        "scope_metrics": [{
            "scope": {"name": "scope", "version": "1.2.3"},
            "metrics": [{"name": "m", "description": "about m", "unit": "s", "gauge": {
                "data_points": [
                    {"attributes": attr, "time_unix_nano": "11", "flags": 1, "as_double": 0.25},
                    {"attributes": attr, "time_unix_nano": "12", "as_int": "-3"},
                ]
            }}]
        }]
    }]});
    (request, decoded)
}

fn traces_request() -> (ExportTraceServiceRequest, Value) {
    let span = Span {
        trace_id: (0x01..=0x10).collect(),
        span_id: (0x11..=0x18).collect(),
        parent_span_id: (0x21..=0x28).collect(),
        flags: 0x301,
        name: "work".into(),
        kind: span::SpanKind::Server as i32,
        start_time_unix_nano: 21,
        end_time_unix_nano: 22,
        attributes: attributes(),
        events: vec![span::Event {
            time_unix_nano: 23,
            name: "retry".into(),
            attributes: vec![kv("n", any_value::Value::IntValue(2))],
        }],
        status: Some(Status {
            message: "boom".into(),
            code: status::StatusCode::Error as i32,
        }),
    };
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: attributes(),
            }),
            scope_spans: vec![ScopeSpans {
                scope: scope(),
                spans: vec![span],
            }],
        }],
    };
    let decoded = json!({"resource_spans": [{
        "resource": {"attributes": attributes_json()},
        "scope_spans": [{
            "scope": {"name": "scope", "version": "1.2.3"},
            "spans": [{
                "trace_id": "AQIDBAUGBwgJCgsMDQ4PEA==",
                "span_id": "ERITFBUWFxg=",
                "parent_span_id": "ISIjJCUmJyg=",
                "flags": 0x301,
                "name": "work",
                "kind": 2,
                "start_time_unix_nano": "21",
                "end_time_unix_nano": "22",
                "attributes": attributes_json(),
                "events": [{"time_unix_nano": "23", "name": "retry",
                    "attributes": [{"key": "n", "value": {"int_value": "2"}}]}],
                "status": {"message": "boom", "code": 2},
            }]
        }]
    }]});
    (request, decoded)
}

/// Runs the official classes on `messages` (name, encoding): per name, the decoded fields and
/// the official re-encoding.
fn official(messages: &[(&str, Vec<u8>)]) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let input: serde_json::Map<String, Value> = messages
        .iter()
        .map(|(name, bytes)| (name.to_string(), Value::from(b64.encode(bytes))))
        .collect();
    let mut child = Command::new("python3")
        .arg(repo().join("tests/validators/otlp_proto_check.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(&serde_json::to_vec(&input).unwrap())
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the official OTLP definitions refuse a hand-declared message (or are not installed: \
         pip install opentelemetry-proto protobuf):\n{}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The official re-encoding of `name`, decoded with the hand-declared message.
fn reencoded<M: Message + Default>(got: &Value, name: &str) -> M {
    let b64 = base64::engine::general_purpose::STANDARD;
    let bytes = b64
        .decode(got[name]["reencoded"].as_str().unwrap())
        .unwrap();
    M::decode(bytes.as_slice()).unwrap()
}

#[test]
fn the_hand_declared_otlp_messages_are_the_official_ones() {
    let (metrics, metrics_json) = metrics_request();
    let (traces, traces_json) = traces_request();
    let metrics_response = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: 3,
            error_message: "three".into(),
        }),
    };
    let traces_response = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 4,
            error_message: "four".into(),
        }),
    };
    let got = official(&[
        ("ExportMetricsServiceRequest", metrics.encode_to_vec()),
        ("ExportTraceServiceRequest", traces.encode_to_vec()),
        (
            "ExportMetricsServiceResponse",
            metrics_response.encode_to_vec(),
        ),
        (
            "ExportTraceServiceResponse",
            traces_response.encode_to_vec(),
        ),
    ]);
    let decoded = |name: &str| &got[name]["decoded"];
    assert_eq!(decoded("ExportMetricsServiceRequest"), &metrics_json);
    assert_eq!(decoded("ExportTraceServiceRequest"), &traces_json);
    assert_eq!(
        decoded("ExportMetricsServiceResponse"),
        &json!({"partial_success": {"rejected_data_points": "3", "error_message": "three"}})
    );
    assert_eq!(
        decoded("ExportTraceServiceResponse"),
        &json!({"partial_success": {"rejected_spans": "4", "error_message": "four"}})
    );
    assert_eq!(
        reencoded::<ExportMetricsServiceRequest>(&got, "ExportMetricsServiceRequest"),
        metrics
    );
    assert_eq!(
        reencoded::<ExportTraceServiceRequest>(&got, "ExportTraceServiceRequest"),
        traces
    );
    assert_eq!(
        reencoded::<ExportMetricsServiceResponse>(&got, "ExportMetricsServiceResponse"),
        metrics_response
    );
    assert_eq!(
        reencoded::<ExportTraceServiceResponse>(&got, "ExportTraceServiceResponse"),
        traces_response
    );
}
