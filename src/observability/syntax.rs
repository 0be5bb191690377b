//! Parser errors in the product's words: where (`line 2, column 3`) and what was expected,
//! said plainly, for a person who has the file open. serde_json's and serde-saphyr's own
//! wording (`expected value at line 1 column 5`, `error: … --> <input>:2:3` with a snippet)
//! is not shown: the caller puts the file's name before this text.

use std::borrow::Cow;

use serde_saphyr::MessageFormatter;

/// A JSON parser error as `line L, column C: what is wrong`.
pub fn json_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    // serde_json appends ` at line L column C` to every error that has a position.
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let plain = plain_json_message(message);
    match (err.line(), err.column()) {
        (0, _) => plain.into_owned(),
        // Column 0: the parser stopped at the line's start, before its first character.
        (line, 0) => format!("line {line}: {plain}"),
        (line, column) => format!("line {line}, column {column}: {plain}"),
    }
}

/// serde_json's syntax messages, said as a person would; its data messages (`invalid type:
/// string "x", expected a number`) already are.
fn plain_json_message(message: &str) -> Cow<'_, str> {
    let plain = match message {
        "expected value" => {
            "expected a JSON value (an object, array, string, number, `true`, `false` or `null`)"
        }
        "expected ident" => "expected `true`, `false` or `null`",
        "EOF while parsing a value" => "the file ends where a value was expected",
        "EOF while parsing an object" => "the file ends inside an object (a `}` is missing)",
        "EOF while parsing a list" => "the file ends inside a list (a `]` is missing)",
        "EOF while parsing a string" => "the file ends inside a string (a `\"` is missing)",
        "expected `:`" => "expected `:` after the key",
        "expected `,` or `}`" => "expected `,` before the next entry or `}` to close the object",
        "expected `,` or `]`" => "expected `,` before the next item or `]` to close the list",
        "expected `\"`" | "key must be a string" => "expected a key in double quotes",
        "trailing comma" => "a comma before the closing bracket (JSON allows no trailing comma)",
        "trailing characters" => "more text after the JSON value ended",
        "invalid number" => "not a valid number",
        "number out of range" => "a number too large to read",
        "invalid escape" => "an invalid escape sequence (`\\`) in a string",
        "recursion limit exceeded" => "nested more than 128 levels deep",
        other if other.starts_with("control character") => {
            "a control character (such as a raw line break or tab) inside a string; escape it"
        }
        other => return Cow::Borrowed(other),
    };
    Cow::Borrowed(plain)
}

/// A YAML parser error as `line L, column C: what is wrong`, without serde-saphyr's `error:`
/// prefix, `--> <input>` pointer and source snippet.
pub fn yaml_error(err: &serde_saphyr::Error) -> String {
    let message = serde_saphyr::UserMessageFormatter.format_message(err.without_snippet());
    let message = plain_yaml_message(message.trim());
    match err.location() {
        Some(at) if at.line() > 0 => {
            format!("line {}, column {}: {message}", at.line(), at.column())
        }
        _ => message.to_string(),
    }
}

/// serde-saphyr's structural messages (`expected mapping start`), said as a person would;
/// the others (`duplicate mapping key`, the tool's own) already are.
fn plain_yaml_message(message: &str) -> &str {
    match message {
        "expected string scalar" | "expected scalar" => {
            "expected a single value here, not a list or mapping"
        }
        "expected mapping start" => "expected a mapping here (`key: value` entries)",
        "expected sequence start" => "expected a list here (`- item` entries)",
        "unexpected end of file" => "the file ends where more was expected",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        json_error(&serde_json::from_str::<serde_json::Value>(text).unwrap_err())
    }

    #[test]
    fn json_errors_say_where_and_what_plainly() {
        assert_eq!(
            json("{\"a\": }"),
            "line 1, column 7: expected a JSON value (an object, array, string, number, `true`, \
             `false` or `null`)"
        );
        assert_eq!(
            json("{\"a\": 1,\n}"),
            "line 2, column 1: a comma before the closing bracket (JSON allows no trailing comma)"
        );
        assert_eq!(
            json("{\"a\": 1"),
            "line 1, column 7: the file ends inside an object (a `}` is missing)"
        );
        assert_eq!(
            json("{} x"),
            "line 1, column 4: more text after the JSON value ended"
        );
        assert_eq!(
            json("[1\n"),
            "line 2: the file ends inside a list (a `]` is missing)"
        );
    }

    #[test]
    fn yaml_errors_have_no_prefix_pointer_or_snippet() {
        let err = serde_saphyr::from_str::<Vec<u32>>("- 1\n- two\n").unwrap_err();
        let text = yaml_error(&err);
        assert!(text.starts_with("line 2, column 3: "), "{text}");
        assert!(!text.contains("error:"), "{text}");
        assert!(!text.contains("-->"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        let err = serde_saphyr::from_str::<std::collections::BTreeMap<String, String>>("a: [b]\n")
            .unwrap_err();
        assert_eq!(
            yaml_error(&err),
            "line 1, column 4: expected a single value here, not a list or mapping"
        );
        let err = serde_saphyr::from_str::<std::collections::BTreeMap<String, String>>("- a\n")
            .unwrap_err();
        assert_eq!(
            yaml_error(&err),
            "line 1, column 1: expected a mapping here (`key: value` entries)"
        );
    }
}
