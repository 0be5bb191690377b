//! OTLP/HTTP: `POST` of an `ExportMetricsServiceRequest`, protobuf by default or JSON. The
//! JSON body is the OTLP/JSON artifact itself; the protobuf body is the same request, decoded
//! from the artifact into the official message types (opentelemetry-proto) and encoded.

use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    metric, number_data_point, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::Value;

use crate::observability::json_input;

/// `OTEL_EXPORTER_OTLP_PROTOCOL` values this adapter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Protobuf,
    Json,
}

impl Protocol {
    pub fn parse(text: &str) -> Result<Protocol, String> {
        match text.trim() {
            "http/protobuf" => Ok(Protocol::Protobuf),
            "http/json" => Ok(Protocol::Json),
            "grpc" => Err(
                "OTLP protocol `grpc` is not supported; use `http/protobuf` (the default) or \
                 `http/json` against the collector's HTTP port (4318)"
                    .to_string(),
            ),
            other => Err(format!(
                "OTLP protocol must be `http/protobuf` or `http/json`, not `{other}`"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Protobuf => "http/protobuf",
            Protocol::Json => "http/json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Protobuf => "application/x-protobuf",
            Protocol::Json => "application/json",
        }
    }
}

/// The metrics endpoint from the OpenTelemetry variables:
/// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` as it is (a URL without a path gets `/`), else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` with `v1/metrics` appended after a `/`.
pub fn endpoint_from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(url) = set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") {
        let has_path = url
            .split_once("://")
            .is_none_or(|(_, rest)| rest.contains('/'));
        return Some(if has_path { url } else { format!("{url}/") });
    }
    let base = set("OTEL_EXPORTER_OTLP_ENDPOINT")?;
    Some(super::target::join_path(&base, "v1/metrics"))
}

/// A per-signal variable, else the general one (the metrics one replaces, never merges).
pub fn signal_var(env: &dyn Fn(&str) -> Option<String>, what: &str) -> Option<String> {
    let set = |name: String| env(&name).filter(|v| !v.trim().is_empty());
    set(format!("OTEL_EXPORTER_OTLP_METRICS_{what}"))
        .or_else(|| set(format!("OTEL_EXPORTER_OTLP_{what}")))
}

fn attributes(value: &Value) -> Result<Vec<KeyValue>, String> {
    let Some(items) = value.as_array() else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let key = item["key"].as_str().ok_or("an attribute has no key")?;
            let text = item["value"]["stringValue"]
                .as_str()
                .ok_or("an attribute value is not a string")?;
            Ok(KeyValue {
                key: key.to_string(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(text.to_string())),
                }),
                ..Default::default()
            })
        })
        .collect::<Result<_, &str>>()
        .map_err(str::to_string)
}

/// Decodes the OTLP/JSON artifact (the shape this tool writes: gauges of doubles with string
/// attributes) into the official message types.
pub fn request_from_artifact(json: &[u8]) -> Result<ExportMetricsServiceRequest, String> {
    let root: Value =
        json_input::from_slice(json).map_err(|err| format!("the OTLP/JSON artifact: {err}"))?;
    let bad = |what: &str| format!("the OTLP/JSON artifact: {what}");
    let mut request = ExportMetricsServiceRequest::default();
    for rm in root["resourceMetrics"]
        .as_array()
        .ok_or_else(|| bad("no resourceMetrics"))?
    {
        let mut resource_metrics = ResourceMetrics {
            resource: Some(Resource {
                attributes: attributes(&rm["resource"]["attributes"]).map_err(|e| bad(&e))?,
                ..Default::default()
            }),
            ..Default::default()
        };
        for sm in rm["scopeMetrics"]
            .as_array()
            .ok_or_else(|| bad("no scopeMetrics"))?
        {
            let mut scope_metrics = ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: sm["scope"]["name"].as_str().unwrap_or_default().to_string(),
                    version: sm["scope"]["version"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    ..Default::default()
                }),
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
                    ..Default::default()
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

/// A receiver's partial rejection (`200` with `partial_success`), as `(rejected, message)`.
pub fn partial_rejection(protocol: Protocol, body: &[u8]) -> Option<(i64, String)> {
    if body.is_empty() {
        return None;
    }
    let (rejected, message) = match protocol {
        Protocol::Protobuf => {
            let response: ExportMetricsServiceResponse = prost::Message::decode(body).ok()?;
            let partial = response.partial_success?;
            (partial.rejected_data_points, partial.error_message)
        }
        Protocol::Json => {
            let value: Value = serde_json::from_slice(body).ok()?;
            let partial = &value["partialSuccess"];
            let rejected = match &partial["rejectedDataPoints"] {
                Value::String(s) => s.parse().ok()?,
                other => other.as_i64()?,
            };
            (
                rejected,
                partial["errorMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        }
    };
    (rejected > 0).then_some((rejected, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::test_env as env;

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
    fn protocols() {
        assert_eq!(Protocol::parse("http/json").unwrap(), Protocol::Json);
        assert!(Protocol::parse("grpc")
            .unwrap_err()
            .contains("not supported"));
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
