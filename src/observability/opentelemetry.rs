//! OpenTelemetry OTLP/JSON: one `ExportMetricsServiceRequest`, and nothing else.
//!
//! Written on one line followed by a newline, so the file is also a valid JSON Lines file for
//! the collector's `otlpjsonfile` receiver. Follows the proto3 JSON mapping: 64-bit integers
//! (`timeUnixNano`) are strings, non-finite doubles are `"NaN"`, `"Infinity"`, `"-Infinity"`.
//! Points of one name form one metric with several data points.

use std::io::{self, Write};
use std::sync::Arc;

use super::json_output::{write_double, write_string, write_string_parts};
use super::metrics::Point;
use super::points::Points;
use super::render::{BlockCache, Chunked};
use super::timestamp::Timestamp;

/// The instrumentation scope named in every export.
pub const SCOPE_NAME: &str = "dpone.observability";

/// Everything besides the points that the payload carries.
#[derive(Debug, Clone)]
pub struct OtlpContext<'a> {
    /// Sorted by key, `service.name` and `service.namespace` included.
    pub resource_attributes: &'a [(String, String)],
    /// Attributes added to every data point (Airflow correlation); they win over labels.
    pub point_attributes: &'a [(String, String)],
    pub time: Timestamp,
}

pub struct OpenTelemetryJsonRenderer;

/// The semantic conventions the OTLP resources follow.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.44.0";

impl OpenTelemetryJsonRenderer {
    pub fn render(points: &Points, ctx: &OtlpContext<'_>, out: &mut impl Write) -> io::Result<()> {
        let mut out = Chunked::new(out);
        let buf = &mut out.buf;
        write_head(Signal::Metrics, ctx.resource_attributes, buf);

        let mut time = Vec::with_capacity(24);
        time.push(b'"');
        time.extend_from_slice(ctx.time.unix_nanos().to_string().as_bytes());
        time.push(b'"');

        let mut attributes = BlockCache::new();
        let mut previous: Option<&str> = None;
        for point in points {
            let buf = &mut out.buf;
            if previous == Some(point.name) {
                buf.push(b',');
            } else {
                if previous.is_some() {
                    buf.extend_from_slice(b"]}},");
                }
                buf.extend_from_slice(b"{\"name\":");
                write_string(point.name, buf);
                buf.extend_from_slice(b",\"description\":");
                write_string_parts(&point.description_parts(), buf);
                buf.extend_from_slice(b",\"unit\":");
                write_string(point.unit(), buf);
                buf.extend_from_slice(b",\"gauge\":{\"dataPoints\":[");
                previous = Some(point.name);
            }
            buf.extend_from_slice(b"{\"attributes\":");
            let key = (Arc::as_ptr(point.labels), Arc::as_ptr(point.attributes));
            attributes.write(key, buf, |block| {
                write_attributes(
                    merged_attributes(&point, ctx.point_attributes)
                        .into_iter()
                        .map(|(k, v)| (k, AttrValue::Str(v))),
                    block,
                )
            });
            buf.extend_from_slice(b",\"timeUnixNano\":");
            buf.extend_from_slice(&time);
            buf.extend_from_slice(b",\"asDouble\":");
            write_double(point.value, buf);
            buf.push(b'}');
            out.flush_if_full()?;
        }
        let buf = &mut out.buf;
        if previous.is_some() {
            buf.extend_from_slice(b"]}}");
        }
        buf.extend_from_slice(b"]}]}]}\n");
        out.finish()
    }
}

/// Labels (empty values kept, as the peer does), then attributes whose key no label has,
/// then correlation attributes replacing any key they share; sorted by key.
fn merged_attributes<'a>(
    point: &Point<'a>,
    extra: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut merged: Vec<(&str, &str)> = point
        .labels
        .iter()
        .map(|l| (l.key.as_str(), l.value.as_str()))
        .chain(
            point
                .attributes
                .iter()
                .filter(|a| !point.labels.contains_key(&a.key))
                .map(|a| (a.key.as_str(), a.value.as_str())),
        )
        .filter(|(k, _)| !extra.iter().any(|(ek, _)| ek == k))
        .collect();
    merged.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    merged.sort_by(|a, b| a.0.cmp(b.0));
    merged
}

/// The two OTLP/JSON documents this tool writes.
#[derive(Debug, Clone, Copy)]
pub enum Signal {
    Metrics,
    Spans,
}

/// Opens an OTLP/JSON document up to its list of metrics or spans: the resource with its
/// attributes and schema (the semantic conventions of `cicd.*` and `vcs.*`), and this tool's
/// scope.
pub fn write_head(signal: Signal, resource: &[(String, String)], buf: &mut Vec<u8>) {
    let (resources, scopes, items): (&[u8], &[u8], &[u8]) = match signal {
        Signal::Metrics => (b"resourceMetrics", b"scopeMetrics", b"metrics"),
        Signal::Spans => (b"resourceSpans", b"scopeSpans", b"spans"),
    };
    buf.extend_from_slice(b"{\"");
    buf.extend_from_slice(resources);
    buf.extend_from_slice(b"\":[{\"resource\":{\"attributes\":");
    write_attributes(
        resource
            .iter()
            .map(|(k, v)| (k.as_str(), AttrValue::Str(v))),
        buf,
    );
    buf.extend_from_slice(b"},\"schemaUrl\":");
    write_string(SCHEMA_URL, buf);
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(scopes);
    buf.extend_from_slice(b"\":[{\"scope\":{\"name\":");
    write_string(SCOPE_NAME, buf);
    buf.extend_from_slice(b",\"version\":");
    write_string(env!("CARGO_PKG_VERSION"), buf);
    buf.extend_from_slice(b"},\"");
    buf.extend_from_slice(items);
    buf.extend_from_slice(b"\":[");
}

/// An attribute value as OTLP types it (`AnyValue`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttrValue<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// `[{"key":…,"value":{…}},…]`, in the order given.
pub fn write_attributes<'a>(
    attributes: impl Iterator<Item = (&'a str, AttrValue<'a>)>,
    buf: &mut Vec<u8>,
) {
    buf.push(b'[');
    for (i, (key, value)) in attributes.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"key\":");
        write_string(key, buf);
        buf.extend_from_slice(b",\"value\":{");
        match value {
            AttrValue::Str(s) => {
                buf.extend_from_slice(b"\"stringValue\":");
                write_string(s, buf);
            }
            AttrValue::Int(n) => {
                buf.extend_from_slice(format!("\"intValue\":\"{n}\"").as_bytes());
            }
            AttrValue::Double(d) => {
                buf.extend_from_slice(b"\"doubleValue\":");
                write_double(d, buf);
            }
            AttrValue::Bool(b) => {
                buf.extend_from_slice(if b {
                    b"\"boolValue\":true"
                } else {
                    b"\"boolValue\":false"
                });
            }
        }
        buf.extend_from_slice(b"}}");
    }
    buf.push(b']');
}
