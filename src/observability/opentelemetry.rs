//! OpenTelemetry OTLP/JSON: one `ExportMetricsServiceRequest`, and nothing else.
//!
//! Written on one line followed by a newline, so the file is also a valid JSON Lines file for
//! the collector's `otlpjsonfile` receiver. Follows the proto3 JSON mapping: 64-bit integers
//! (`timeUnixNano`) are strings, non-finite doubles are `"NaN"`, `"Infinity"`, `"-Infinity"`.
//! Points of one name form one metric with several data points.

use std::io::{self, Write};
use std::sync::Arc;

use super::metrics::{LabelSet, MetricPoint};
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

impl OpenTelemetryJsonRenderer {
    pub fn render(
        points: &[MetricPoint],
        ctx: &OtlpContext<'_>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 1024);
        buf.extend_from_slice(b"{\"resourceMetrics\":[{\"resource\":{\"attributes\":");
        write_attributes(
            ctx.resource_attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            &mut buf,
        );
        buf.extend_from_slice(b"},\"scopeMetrics\":[{\"scope\":{\"name\":");
        write_string(SCOPE_NAME, &mut buf);
        buf.extend_from_slice(b",\"version\":");
        write_string(env!("CARGO_PKG_VERSION"), &mut buf);
        buf.extend_from_slice(b"},\"metrics\":[");

        let mut time = Vec::with_capacity(24);
        time.push(b'"');
        time.extend_from_slice(ctx.time.unix_nanos().to_string().as_bytes());
        time.push(b'"');

        let mut cached: Option<(*const LabelSet, *const LabelSet, Vec<u8>)> = None;
        let mut previous: Option<&str> = None;
        let mut description = String::new();
        for point in points {
            if previous == Some(&point.name) {
                buf.push(b',');
            } else {
                if previous.is_some() {
                    buf.extend_from_slice(b"]}},");
                }
                buf.extend_from_slice(b"{\"name\":");
                write_string(&point.name, &mut buf);
                buf.extend_from_slice(b",\"description\":");
                description.clear();
                // Writing to a String cannot fail.
                let _ = point.write_description(&mut description);
                write_string(&description, &mut buf);
                buf.extend_from_slice(b",\"unit\":");
                write_string(point.unit(), &mut buf);
                buf.extend_from_slice(b",\"gauge\":{\"dataPoints\":[");
                previous = Some(&point.name);
            }
            buf.extend_from_slice(b"{\"attributes\":");
            let key = (Arc::as_ptr(&point.labels), Arc::as_ptr(&point.attributes));
            match &cached {
                Some((l, a, block)) if (*l, *a) == key => buf.extend_from_slice(block),
                _ => {
                    let mut block = Vec::new();
                    write_attributes(
                        merged_attributes(point, ctx.point_attributes).into_iter(),
                        &mut block,
                    );
                    buf.extend_from_slice(&block);
                    cached = Some((key.0, key.1, block));
                }
            }
            buf.extend_from_slice(b",\"timeUnixNano\":");
            buf.extend_from_slice(&time);
            buf.extend_from_slice(b",\"asDouble\":");
            write_double(point.value, &mut buf);
            buf.push(b'}');
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        if previous.is_some() {
            buf.extend_from_slice(b"]}}");
        }
        buf.extend_from_slice(b"]}]}]}\n");
        out.write_all(&buf)
    }
}

const CHUNK: usize = 64 * 1024;

/// Labels (empty values kept, as the peer does), then attributes whose key no label has,
/// then correlation attributes replacing any key they share; sorted by key.
fn merged_attributes<'a>(
    point: &'a MetricPoint,
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

fn write_attributes<'a>(attributes: impl Iterator<Item = (&'a str, &'a str)>, buf: &mut Vec<u8>) {
    buf.push(b'[');
    for (i, (key, value)) in attributes.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"key\":");
        write_string(key, buf);
        buf.extend_from_slice(b",\"value\":{\"stringValue\":");
        write_string(value, buf);
        buf.extend_from_slice(b"}}");
    }
    buf.push(b']');
}

/// A double as proto3 JSON: a number, or the strings for the non-finite values.
fn write_double(value: f64, buf: &mut Vec<u8>) {
    if value.is_nan() {
        buf.extend_from_slice(b"\"NaN\"");
    } else if value.is_infinite() {
        buf.extend_from_slice(if value > 0.0 {
            b"\"Infinity\""
        } else {
            b"\"-Infinity\""
        });
    } else {
        let mut ryu = ryu::Buffer::new();
        buf.extend_from_slice(ryu.format_finite(value).as_bytes());
    }
}

/// A JSON string with the escapes RFC 8259 requires.
pub fn write_string(text: &str, buf: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(escape);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        let mut buf = Vec::new();
        write_string(text, &mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn strings_are_strict_json() {
        for text in [
            "plain",
            "q\"b\\s",
            "ctl\u{0}\u{1f}\n\r\t\u{8}\u{c}",
            "ünï ☃",
        ] {
            let back: String = serde_json::from_str(&s(text)).unwrap();
            assert_eq!(back, text);
        }
        assert_eq!(s("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn doubles_follow_proto3_json() {
        let d = |v: f64| {
            let mut b = Vec::new();
            write_double(v, &mut b);
            String::from_utf8(b).unwrap()
        };
        assert_eq!(d(55000.0), "55000.0");
        assert_eq!(d(f64::NAN), "\"NaN\"");
        assert_eq!(d(f64::INFINITY), "\"Infinity\"");
        assert_eq!(d(f64::NEG_INFINITY), "\"-Infinity\"");
    }
}
