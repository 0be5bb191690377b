//! Lenient reading of the JSON that dpone writes.
//!
//! dpone is Python and writes `json.dumps(..., allow_nan=True)`, so its files can hold the
//! non-standard tokens `NaN`, `Infinity` and `-Infinity`. Strict parsers reject them. A whole
//! text is parsed strictly first (the fast path, and what nearly every file needs); only when
//! that fails and the text holds such a token outside a string do we rewrite each token as a
//! JSON string (`"NaN"`, `"Infinity"`, `"-Infinity"`) and parse again. A large file (the
//! metrics file) is streamed through [`NonFiniteQuoted`], which rewrites as it reads, with the
//! same rules. `number()` accepts numeric strings, so the values survive. Everything we write
//! is strict JSON.

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
    // Looked for first, so a text without a token is never copied.
    let mut probe = Quoter::default();
    probe.scan(bytes, true, |_, _| {});
    if !probe.rewrote {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + 64);
    Quoter::default().quote(bytes, true, &mut out);
    Some(out)
}

/// The rewriting, one piece of text at a time: where it is (in a string, after a `\`)
/// carries over from one piece to the next.
#[derive(Debug, Default)]
struct Quoter {
    in_string: bool,
    escaped: bool,
    rewrote: bool,
}

impl Quoter {
    /// Appends `input`, rewritten, to `out`; returns how many bytes it took. Without `last`,
    /// a piece that ends inside what may be a token leaves those bytes for the next piece.
    fn quote(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) -> usize {
        // Unchanged stretches are copied whole, between the tokens.
        let mut copied = 0;
        let taken = self.scan(input, last, |at, token| {
            out.extend_from_slice(&input[copied..at]);
            out.push(b'"');
            out.extend_from_slice(token);
            out.push(b'"');
            copied = at + token.len();
        });
        out.extend_from_slice(&input[copied..taken]);
        taken
    }

    /// Walks `input`, handing each token outside a string (where it starts, what it is) to
    /// `token`; returns how many bytes it took (see [`Quoter::quote`]).
    fn scan(
        &mut self,
        input: &[u8],
        last: bool,
        mut token: impl FnMut(usize, &'static [u8]),
    ) -> usize {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else if b == b'"' {
                self.in_string = true;
            } else if b == b'N' || b == b'I' || b == b'-' {
                let rest = &input[i..];
                if let Some(found) = TOKENS.iter().find(|t| rest.starts_with(t)) {
                    token(i, found);
                    self.rewrote = true;
                    i += found.len();
                    continue;
                }
                if !last && TOKENS.iter().any(|t| t.starts_with(rest)) {
                    return i;
                }
            }
            i += 1;
        }
        i
    }
}

/// A reader that rewrites Python's non-finite tokens as it reads (see [`Quoter`]), so a large
/// file with them is streamed like any other instead of being read whole.
pub struct NonFiniteQuoted<R> {
    inner: R,
    input: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
    eof: bool,
    quoter: Quoter,
}

const PIECE: usize = 64 * 1024;

impl<R: std::io::Read> NonFiniteQuoted<R> {
    pub fn new(inner: R) -> Self {
        NonFiniteQuoted {
            inner,
            input: Vec::with_capacity(PIECE + 16),
            out: Vec::with_capacity(PIECE + 256),
            out_at: 0,
            eof: false,
            quoter: Quoter::default(),
        }
    }

    /// Reads and rewrites the next piece; `false` at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.out_at = 0;
        while self.out.is_empty() {
            if !self.eof {
                let kept = self.input.len();
                self.input.resize(kept + PIECE, 0);
                let n = loop {
                    match self.inner.read(&mut self.input[kept..]) {
                        Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                let n = n.inspect_err(|_| self.input.truncate(kept))?;
                self.input.truncate(kept + n);
                self.eof = n == 0;
            }
            if self.input.is_empty() {
                return Ok(false);
            }
            let taken = self.quoter.quote(&self.input, self.eof, &mut self.out);
            self.input.drain(..taken);
        }
        Ok(true)
    }
}

impl<R: std::io::Read> std::io::Read for NonFiniteQuoted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_at == self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
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
    fn the_reader_rewrites_like_the_whole_text_rewrite() {
        use std::io::Read;
        let text =
            br#"{"a": NaN, "b": [Infinity, -Infinity, -1], "c": "x NaN \" Infinity", "N\\": NaN}"#;
        let whole = quote_non_finite_tokens(text).expect("tokens");
        // One byte at a time, so every token straddles a piece.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut streamed = Vec::new();
        NonFiniteQuoted::new(Trickle(text))
            .read_to_end(&mut streamed)
            .expect("read");
        assert_eq!(
            String::from_utf8_lossy(&streamed),
            String::from_utf8_lossy(&whole)
        );
        let mut plain = Vec::new();
        NonFiniteQuoted::new(&b"[1, -2, \"-Infinity\", N"[..])
            .read_to_end(&mut plain)
            .expect("read");
        assert_eq!(plain, b"[1, -2, \"-Infinity\", N");
    }

    #[test]
    fn the_reader_passes_read_errors_on() {
        use std::io::Read;
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(std::io::Error::other("EIO"));
                }
                buf[..3].copy_from_slice(b"[Na");
                Ok(3)
            }
        }
        let err = NonFiniteQuoted::new(Failing(false))
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.to_string(), "EIO");
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
