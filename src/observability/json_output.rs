//! Strict RFC 8259 JSON written straight into a byte buffer: the primitives the streaming
//! renderers share. Doubles follow the proto3 JSON mapping, whose spellings for the non-finite
//! values (`"NaN"`, `"Infinity"`, `"-Infinity"`) keep the output strict JSON.

/// A double as proto3 JSON: a number, or the strings for the non-finite values.
pub fn write_double(value: f64, buf: &mut Vec<u8>) {
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
    write_string_parts(&[text], buf);
}

/// One JSON string made of several parts, written without joining them first.
pub fn write_string_parts(parts: &[&str], buf: &mut Vec<u8>) {
    buf.push(b'"');
    for part in parts {
        escape_json(part, buf);
    }
    buf.push(b'"');
}

/// Strict JSON string content, on one line for every reader: control characters are escaped,
/// and so are U+0085, U+2028 and U+2029, which some line splitters (Python's `splitlines`,
/// JavaScript before ES2019) take for line breaks.
fn escape_json(text: &str, buf: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (escape, width): (&[u8], usize) = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'"', ..) => (b"\\\"", 1),
            (b'\\', ..) => (b"\\\\", 1),
            (b'\n', ..) => (b"\\n", 1),
            (b'\r', ..) => (b"\\r", 1),
            (b'\t', ..) => (b"\\t", 1),
            (0x08, ..) => (b"\\b", 1),
            (0x0c, ..) => (b"\\f", 1),
            (0x00..=0x1f, ..) => (b"", 1),
            (0xc2, Some(0x85), _) => (b"\\u0085", 2),
            (0xe2, Some(0x80), Some(0xa8)) => (b"\\u2028", 3),
            (0xe2, Some(0x80), Some(0xa9)) => (b"\\u2029", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        buf.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(escape);
        }
        i += width;
        start = i;
    }
    buf.extend_from_slice(&bytes[start..]);
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
        assert_eq!(
            s("a\u{85}b\u{2028}\u{2029}é"),
            "\"a\\u0085b\\u2028\\u2029é\""
        );
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
