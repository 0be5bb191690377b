//! Lenient reading of the JSON that dpone writes.
//!
//! dpone is Python and writes `json.dumps(..., allow_nan=True)`, so its files can hold the
//! non-standard tokens `NaN`, `Infinity` and `-Infinity`. Strict parsers reject them. We parse
//! strictly first (the fast path, and what nearly every file needs); only when that fails and the
//! text holds such a token outside a string do we rewrite each token as a JSON string
//! (`"NaN"`, `"Infinity"`, `"-Infinity"`) and parse again. `number()` accepts numeric strings,
//! so the values survive. Everything we write is strict JSON.

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde_json::Value;

/// Parses JSON, accepting Python's non-finite tokens.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    from_slice_seed(bytes, std::marker::PhantomData::<T>)
}

/// [`from_slice`] for a seeded deserialization (a value built with outside context).
pub fn from_slice_seed<S, T>(bytes: &[u8], seed: S) -> Result<T, serde_json::Error>
where
    S: for<'de> DeserializeSeed<'de, Value = T> + Clone,
{
    let strict = |text: &[u8], seed: S| {
        let mut de = serde_json::Deserializer::from_slice(text);
        let value = seed.deserialize(&mut de)?;
        de.end().map(|()| value)
    };
    match strict(bytes, seed.clone()) {
        Ok(value) => Ok(value),
        Err(strict_error) => match quote_non_finite_tokens(bytes) {
            Some(rewritten) => strict(&rewritten, seed),
            None => Err(strict_error),
        },
    }
}

const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];

/// Rewrites bare `NaN`/`Infinity`/`-Infinity` tokens (outside strings) as JSON strings.
/// Returns `None` when there is none, so the caller keeps the strict parser's error.
fn quote_non_finite_tokens(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let mut copied_to = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'N' || b == b'I' || b == b'-' {
            if let Some(token) = TOKENS.iter().find(|t| bytes[i..].starts_with(t)) {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 16));
                buf.extend_from_slice(&bytes[copied_to..i]);
                buf.push(b'"');
                buf.extend_from_slice(token);
                buf.push(b'"');
                i += token.len();
                copied_to = i;
                continue;
            }
        }
        i += 1;
    }
    let mut buf = out?;
    buf.extend_from_slice(&bytes[copied_to..]);
    Some(buf)
}

/// A number as dpone's reader understands it: JSON numbers and numeric strings (including
/// `nan`, `inf`, `Infinity`); booleans, null, arrays and objects are not numbers.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// Parses a decimal number the way Python's `float()` does for the forms dpone writes:
/// surrounding whitespace allowed, `1e3`, `nan`, `inf`, `-Infinity` (any case).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Python truthiness, which dpone applies to `passed`.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A scalar as a label value: strings as they are, numbers and booleans printed; `None` for
/// null, empty strings, arrays and objects.
pub fn label_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

/// The JSON type of a value, as messages name it.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_json_is_untouched() {
        let v: Value = from_slice(br#"{"a": "NaN", "b": 1}"#).unwrap();
        assert_eq!(v["a"], "NaN");
    }

    #[test]
    fn python_tokens_are_accepted() {
        let v: Value =
            from_slice(br#"{"a": NaN, "b": [Infinity, -Infinity], "c": "x NaN \" Infinity"}"#)
                .unwrap();
        assert!(number(&v["a"]).unwrap().is_nan());
        assert_eq!(number(&v["b"][0]), Some(f64::INFINITY));
        assert_eq!(number(&v["b"][1]), Some(f64::NEG_INFINITY));
        assert_eq!(v["c"], "x NaN \" Infinity");
    }

    #[test]
    fn broken_json_keeps_its_error() {
        let err = from_slice::<Value>(b"{not json").unwrap_err();
        assert_eq!(err.line(), 1);
    }

    #[test]
    fn numbers_follow_python_float() {
        assert_eq!(parse_number(" 1e3 "), Some(1000.0));
        assert!(parse_number("nan").unwrap().is_nan());
        assert_eq!(parse_number("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(number(&Value::Bool(true)), None);
    }

    #[test]
    fn truthiness_follows_python() {
        assert!(truthy(&serde_json::json!(1)));
        assert!(!truthy(&serde_json::json!(0)));
        assert!(!truthy(&serde_json::json!("")));
        assert!(truthy(&serde_json::json!("false")));
        assert!(!truthy(&Value::Null));
    }
}
