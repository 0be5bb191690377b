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

fn escape_json(text: &str, buf: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
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
