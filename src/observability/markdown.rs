//! Markdown text that cannot be hijacked by what it quotes.

/// Escapes text taken from reports or flags for a Markdown table cell or paragraph: it can
/// neither end the cell, nor start HTML, a link, an image, emphasis or code. Line breaks become
/// spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '|' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text as an inline code span that is safe in a table cell: the fence is longer than any run
/// of backticks inside, `|` is escaped (GFM splits cells before it parses code), line breaks
/// become spaces.
pub fn code(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in clean.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if clean.starts_with('`') || clean.ends_with('`') || clean.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{clean}{pad}{fence}")
}

/// A message as Markdown: its code spans (backtick runs, paired as CommonMark pairs them) stay
/// code, each rendered with [`code`]; the text between them is [`escape`]d. The pieces are
/// escaped, not the finished message, so `` `x` `` renders as code and nothing else can.
pub fn message(text: &str) -> String {
    message_within(text, usize::MAX)
}

/// [`message`] on one line, clipped to about `max` visible characters; a clipped code span
/// stays a code span, and the cut is marked with `…`.
pub fn message_within(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(2)) + 16);
    let mut left = max;
    for (is_code, piece) in pieces(text) {
        let n = piece.chars().count();
        let (piece, clipped) = if n > left {
            (super::text::head(piece, left).unwrap_or(piece), true)
        } else {
            (piece, false)
        };
        left -= piece.chars().count().min(left);
        if is_code {
            out.push_str(&code(piece));
        } else {
            out.push_str(&escape(piece));
        }
        if clipped {
            out.push('…');
            break;
        }
    }
    out
}

/// The message split into `(is_code, text)` pieces, as CommonMark pairs backtick runs: a run
/// opens a span closed by the next run of the same length; an unpaired run is text.
fn pieces(text: &str) -> Vec<(bool, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let open = run_length(bytes, i);
        let mut j = i + open;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let n = run_length(bytes, j);
                if n == open {
                    close = Some(j);
                    break;
                }
                j += n;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                if plain_start < i {
                    out.push((false, &text[plain_start..i]));
                }
                let inner = &text[i + open..end];
                let inner = match inner.strip_prefix(' ').and_then(|t| t.strip_suffix(' ')) {
                    Some(trimmed) if !trimmed.trim().is_empty() => trimmed,
                    _ => inner,
                };
                out.push((true, inner));
                i = end + open;
                plain_start = i;
            }
            None => i += open,
        }
    }
    if plain_start < text.len() {
        out.push((false, &text[plain_start..]));
    }
    out
}

fn run_length(bytes: &[u8], at: usize) -> usize {
    bytes[at..].iter().take_while(|b| **b == b'`').count()
}

/// A number for people: at most 4 significant digits, thousands separated by commas
/// (`115,000`, `0.2174`, `1.235e-5`); the exact value stays in the JSON.
pub fn human(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "−∞" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        let text = format!("{v:.3e}");
        // `1.500e-5` → `1.5e-5`
        return match text.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => text,
        };
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let scale = 10f64.powi(magnitude - 3);
    let rounded = if magnitude >= 3 {
        (v / scale).round() * scale
    } else {
        v
    };
    let text = format!("{rounded:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let grouped = group_thousands(int);
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A run of ASCII digits with a comma every three from the right: `1234567` → `1,234,567`.
pub fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_code_spans() {
        assert_eq!(
            message("dpone run `X-1` did not pass (status `error`)"),
            "dpone run `X-1` did not pass \\(status `error`\\)"
        );
        // A stray backtick is text; a value with a backtick inside a longer fence stays code.
        assert_eq!(message("a ` b"), "a \\` b");
        assert_eq!(message("``a`b``"), "``a`b``");
        assert_eq!(message("`x|y` <b>"), "`x\\|y` &lt;b&gt;");
        assert_eq!(message("`[l](http://e)`"), "`[l](http://e)`");
        assert_eq!(message_within("see `abcdef` now", 7), "see `abc`…");
        assert_eq!(message_within("a\nb", 10), "a b");
    }

    #[test]
    fn numbers_for_people() {
        for (v, text) in [
            (0.0, "0"),
            (1.0, "1"),
            (60.0, "60"),
            (25000.0, "25,000"),
            (115001.5, "115,000"),
            (1234.5, "1,235"),
            (0.217391, "0.2174"),
            (12.3456, "12.35"),
            (-1.0, "-1"),
            (-98765.4, "-98,770"),
            (0.5, "0.5"),
            (0.00012346, "0.0001235"),
            (1.5e-5, "1.5e-5"),
            (2.5e20, "2.5e20"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "∞"),
        ] {
            assert_eq!(human(v), text, "{v}");
        }
    }

    #[test]
    fn code_spans_hold_anything() {
        assert_eq!(code("dpone_x"), "`dpone_x`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
        assert_eq!(code("<b>"), "`<b>`");
    }

    #[test]
    fn cannot_break_a_table_or_inject() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(escape("[x](http://e)"), "\\[x\\]\\(http://e\\)");
        assert_eq!(escape("l1\nl2"), "l1 l2");
        assert_eq!(escape("`code`"), "\\`code\\`");
    }
}
