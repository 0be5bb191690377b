//! Prometheus text exposition format 0.0.4, and nothing else.
//!
//! Points must arrive grouped by name (the export service guarantees it), so each family is
//! contiguous with one `# HELP` and one `# TYPE`. Label blocks are rendered once per shared
//! label set, which keeps a million-point export linear and cheap.

use std::io::{self, Write};
use std::sync::Arc;

use super::metrics::LabelSet;
use super::points::Points;
use super::render::{BlockCache, Chunked};

/// Renders points to Prometheus text. An export without points is a single newline, as the
/// peer writes it.
pub struct PrometheusTextRenderer;

impl PrometheusTextRenderer {
    pub fn render(points: &Points, out: &mut impl Write) -> io::Result<()> {
        if points.is_empty() {
            return out.write_all(b"\n");
        }
        let mut out = Chunked::new(out);
        let mut labels = BlockCache::new();
        let mut previous: Option<&str> = None;
        for point in points {
            let buf = &mut out.buf;
            if previous != Some(point.name) {
                buf.extend_from_slice(b"# HELP ");
                buf.extend_from_slice(point.name.as_bytes());
                buf.push(b' ');
                for part in point.description_parts() {
                    escape_help(part, buf);
                }
                buf.extend_from_slice(b"\n# TYPE ");
                buf.extend_from_slice(point.name.as_bytes());
                buf.extend_from_slice(b" gauge\n");
                previous = Some(point.name);
            }
            buf.extend_from_slice(point.name.as_bytes());
            labels.write(Arc::as_ptr(point.labels), buf, |block| {
                label_block(point.labels, block)
            });
            buf.push(b' ');
            write_value(point.value, buf);
            buf.push(b'\n');
            out.flush_if_full()?;
        }
        out.finish()
    }
}

/// `{a="1",b="2"}` sorted by Prometheus name, empty values dropped (as the peer does);
/// nothing at all when no label is left.
fn label_block(labels: &LabelSet, block: &mut Vec<u8>) {
    let mut sorted: Vec<_> = labels.iter().filter(|l| !l.value.is_empty()).collect();
    if sorted.is_empty() {
        return;
    }
    sorted.sort_by(|a, b| a.prometheus_name.cmp(&b.prometheus_name));
    block.push(b'{');
    for (i, label) in sorted.iter().enumerate() {
        if i > 0 {
            block.push(b',');
        }
        block.extend_from_slice(label.prometheus_name.as_bytes());
        block.extend_from_slice(b"=\"");
        escape_label_value(&label.value, block);
        block.push(b'"');
    }
    block.push(b'}');
}

/// HELP text escapes `\` and newline.
fn escape_help(text: &str, out: &mut Vec<u8>) {
    escape(text, out, |b| match b {
        b'\\' => Some(b"\\\\"),
        b'\n' => Some(b"\\n"),
        _ => None,
    });
}

/// Label values escape `\`, `"` and newline.
fn escape_label_value(text: &str, out: &mut Vec<u8>) {
    escape(text, out, |b| match b {
        b'\\' => Some(b"\\\\"),
        b'"' => Some(b"\\\""),
        b'\n' => Some(b"\\n"),
        _ => None,
    });
}

/// Copies `text`, replacing the bytes `replace` names; runs without escapes are copied whole.
fn escape(text: &str, out: &mut Vec<u8>, replace: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(escaped) = replace(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(escaped);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Integers as integers (as the peer writes them), other finite values in their shortest
/// round-trip form, and the spellings the format requires for `NaN`, `+Inf` and `-Inf`.
pub fn write_value(value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if value.fract() == 0.0 && value.abs() < 9.007_199_254_740_992e15 {
        // Exact: |value| < 2^53 and integral. `as` is the intended conversion here.
        let mut itoa = itoa::Buffer::new();
        out.extend_from_slice(itoa.format(value as i64).as_bytes());
    } else {
        let mut ryu = ryu::Buffer::new();
        out.extend_from_slice(ryu.format_finite(value).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: f64) -> String {
        let mut out = Vec::new();
        write_value(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_use_the_format_spellings() {
        assert_eq!(value(55000.0), "55000");
        assert_eq!(value(-3.0), "-3");
        assert_eq!(value(-0.0), "0");
        assert_eq!(value(0.21738839149475098), "0.21738839149475098");
        assert_eq!(value(f64::NAN), "NaN");
        assert_eq!(value(f64::INFINITY), "+Inf");
        assert_eq!(value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(value(1e300), "1e300");
        assert_eq!(value(i64::MIN as f64), "-9.223372036854776e18");
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut out = Vec::new();
        escape_label_value("a\"b\\c\nd", &mut out);
        assert_eq!(out, b"a\\\"b\\\\c\\nd");
        let mut out = Vec::new();
        escape_help("x\\y\nz\"", &mut out);
        assert_eq!(out, b"x\\\\y\\nz\"");
    }
}
