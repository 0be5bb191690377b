//! The one place `pack` turns input text into the languages it writes, one function per
//! language, so that no input can change what a rule means.
//!
//! See docs/pack.md, "What the input may hold":
//! - [`label_name`]: a label name is `[a-zA-Z_][a-zA-Z0-9_]*` and not `__`-reserved, or refused;
//! - [`promql_string`]: a PromQL string literal (Go's escapes);
//! - [`go_template_text`]: text of an alert annotation or label, which Prometheus expands as a
//!   Go template, kept literal;
//! - [`yaml_string`]: a YAML double-quoted scalar;
//! - [`bound`]: a number exactly as float64 holds it, refused from 2^53 on.
//!
//! Control characters (Unicode `Cc`: U+0000 to U+001F, DEL U+007F, U+0080 to U+009F) are
//! escaped, never refused, as `\uHHHH` (or `\n`, `\r`, `\t`) both in PromQL and in YAML.

use std::fmt::Write as _;

/// Why a label name is refused, or None when Prometheus takes it as written.
pub fn label_name(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some("is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if name.starts_with("__") {
        return Some("is reserved for Prometheus (it starts with `__`)");
    }
    None
}

/// `\uHHHH`, which PromQL, YAML and JSON all read.
fn unicode_escape(out: &mut String, c: char) {
    let _ = write!(out, "\\u{:04x}", u32::from(c));
}

/// `text` double-quoted: `\` and `"` escaped, newline, carriage return and tab as `\n`,
/// `\r`, `\t`, and every control character or character `also` names as `\uHHHH` (the escapes
/// PromQL and YAML double-quoted strings share).
fn double_quoted(text: &str, also: fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || also(c) => unicode_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` as a double-quoted PromQL string literal: `\` and `"` escaped, newline, carriage
/// return and tab as `\n`, `\r`, `\t`, every other control character as `\uHHHH`.
pub fn promql_string(text: &str) -> String {
    double_quoted(text, |_| false)
}

/// `text` as Go template text that expands to itself: a run of two or more `{` (which would
/// open an action), or a `{` at the end (which a following `{{ $value }}` would join), is
/// written as an action printing it, `{{ "{{" }}`. Nothing else is special in template text.
pub fn go_template_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let run = rest[start..]
            .find(|c| c != '{')
            .unwrap_or(rest.len() - start);
        let braces = &rest[start..start + run];
        rest = &rest[start + run..];
        if run == 1 && !rest.is_empty() {
            out.push('{');
        } else {
            let _ = write!(out, "{{{{ \"{braces}\" }}}}");
        }
    }
    out.push_str(rest);
    out
}

/// `text` as a YAML double-quoted scalar: `\` and `"` escaped, and every character YAML does
/// not print or reads as a line break escaped: control characters (`\n`, `\r`, `\t` or
/// `\uHHHH`; NEL U+0085 among them), U+2028, U+2029, the byte order mark U+FEFF, and the
/// non-characters U+FFFE and U+FFFF.
pub fn yaml_string(text: &str) -> String {
    double_quoted(text, |c| {
        matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
    })
}

/// 2^53: from here on a float64 no longer holds every integer, so a bound written as an
/// integer may already be another number once parsed.
pub const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// A finite number as PromQL, promtool and people read it: the shortest decimal that parses back
/// to the same float64, without an exponent (an integer with every digit).
pub fn number(v: f64) -> String {
    format!("{v}")
}

/// A bound as [`number`] writes it; a magnitude of 2^53 or more, or a value that is not
/// finite, is refused with the reason.
pub fn bound(v: f64) -> Result<String, String> {
    if !v.is_finite() {
        return Err(format!("read as `{v}`, is not a finite number"));
    }
    if v.abs() >= EXACT_LIMIT {
        return Err(format!(
            "read as `{v}`, is 2^53 (9007199254740992) or more in magnitude, where the float64 that \
             Prometheus compares no longer holds every integer, so the bound alerted on may not \
             be the one written; use a larger unit"
        ));
    }
    Ok(number(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Go's `strconv.Unquote` for what [`promql_string`] writes (PromQL reads its strings so).
    fn unquote_promql(text: &str) -> Option<String> {
        let inner = text.strip_prefix('"')?.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' | '\n' => return None,
                '\\' => out.push(match chars.next()? {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '\\' => '\\',
                    '"' => '"',
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                }),
                c if c.is_control() => return None,
                c => out.push(c),
            }
        }
        Some(out)
    }

    /// What [`expand_template`] writes for `{{ $value }}`.
    const VALUE: &str = "<value>";

    /// Go's `text/template` lexer, for text and actions that print a string literal or
    /// `$value`: the text it expands to, or None when an action is anything else or left open.
    fn expand_template(text: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let action = &rest[start + 2..];
            let end = action.find("}}")?;
            let action_text = action[..end].trim();
            if action_text == "$value" {
                out.push_str(VALUE);
            } else {
                let literal = action_text.strip_prefix('"')?.strip_suffix('"')?;
                if literal.contains(['"', '\\']) {
                    return None;
                }
                out.push_str(literal);
            }
            rest = &action[end + 2..];
        }
        out.push_str(rest);
        Some(out)
    }

    #[test]
    fn label_names() {
        for ok in ["process", "_x", "env_2", "A"] {
            assert_eq!(label_name(ok), None, "{ok}");
        }
        for bad in [
            "",
            "1a",
            "a-b",
            "prozeß",
            "a b",
            "x\"} or vector(1)",
            "__name__",
        ] {
            assert!(label_name(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn promql_strings() {
        assert_eq!(
            promql_string("x\"} or vector(1) or {a=\"\\\n\u{7f}\u{85}"),
            r#""x\"} or vector(1) or {a=\"\\\n\u007f\u0085""#
        );
        assert_eq!(promql_string("é{{"), "\"é{{\"");
    }

    #[test]
    fn go_template_texts() {
        assert_eq!(go_template_text("a {b} c"), "a {b} c");
        assert_eq!(go_template_text("{{ .Labels }}"), "{{ \"{{\" }} .Labels }}");
        assert_eq!(go_template_text("x{{{"), "x{{ \"{{{\" }}");
        assert_eq!(go_template_text("x{"), "x{{ \"{\" }}");
        assert_eq!(go_template_text("}} $value"), "}} $value");
    }

    #[test]
    fn yaml_strings() {
        assert_eq!(
            yaml_string("a\"\\\u{7f}\u{85}\u{2028}\u{0}é"),
            r#""a\"\\\u007f\u0085\u2028\u0000é""#
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(bound(60.0).as_deref(), Ok("60"));
        assert_eq!(bound(0.1).as_deref(), Ok("0.1"));
        assert_eq!(
            bound(-9_007_199_254_740_991.0).as_deref(),
            Ok("-9007199254740991")
        );
        assert_eq!(bound(1e6).as_deref(), Ok("1000000"));
        for refused in [EXACT_LIMIT, -EXACT_LIMIT, 1e300, f64::INFINITY, f64::NAN] {
            assert!(bound(refused).is_err(), "{refused}");
        }
    }

    /// Any text, or text made of what each language escapes (control characters, DEL, C1,
    /// the separators, quotes, backslashes and braces), which random text rarely holds.
    fn tricky() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            r"[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{FEFF}\x{FFFE}\x{FFFF}\x22\\{}a é]{0,16}",
        ]
    }

    proptest! {
        #[test]
        fn promql_strings_read_back_and_hold_no_control_character(text in tricky()) {
            let quoted = promql_string(&text);
            prop_assert!(!quoted.chars().any(char::is_control), "{}", quoted);
            prop_assert_eq!(unquote_promql(&quoted), Some(text));
        }

        #[test]
        fn yaml_strings_read_back(text in tricky()) {
            let quoted = yaml_string(&text);
            // Only YAML 1.1's printable characters that are no line break (go-yaml, as
            // promtool and Prometheus read rules, folds a raw NEL into a space).
            let plain = |c: char| matches!(u32::from(c),
                0x20..=0x7e | 0xa0..=0x2027 | 0x202a..=0xd7ff | 0xe000..=0xfefe
                    | 0xff00..=0xfffd | 0x10000..);
            prop_assert!(quoted.chars().all(plain), "{:?}", quoted);
            let read: String = serde_saphyr::from_str(&quoted)
                .map_err(|e| TestCaseError::fail(format!("{quoted}: {e}")))?;
            prop_assert_eq!(read, text);
        }

        #[test]
        fn template_text_expands_to_itself_even_before_an_action(
            text in "[{}a $.\"]{0,24}",
        ) {
            let escaped = go_template_text(&text);
            prop_assert_eq!(expand_template(&escaped), Some(text.clone()));
            // Followed by the alert's `{{ $value }}`, the text still ends before it.
            let joined = format!("{escaped}{{{{ $value }}}}");
            prop_assert_eq!(expand_template(&joined), Some(format!("{text}{VALUE}")));
        }

        #[test]
        fn bounds_below_2_to_the_53_read_back_exactly(v in -EXACT_LIMIT..EXACT_LIMIT) {
            let text = bound(v).map_err(TestCaseError::fail)?;
            prop_assert_eq!(text.parse::<f64>().ok(), Some(v));
            prop_assert!(!text.contains(['e', 'E']), "{}", text);
        }
    }
}
