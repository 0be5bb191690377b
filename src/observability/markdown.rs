//! The one neutraliser for text from reports on GitHub, and Markdown that cannot be hijacked
//! by what it quotes.
//!
//! GitHub post-processes what it renders: `@user` and `@org/team` notify people, `#1`,
//! `owner/repo#1` and `GH-1` link (and back-reference) issues, `https://…` and `www.…` become
//! links, and a hidden `<!-- … -->` can pass for another check's or comment's marker. Every
//! text from a report, a label, a metric or file name, a policy or an error reaches the step
//! summary, the PR comment, the check run, annotations and `runtime_metrics.md` through
//! [`neutral`] in one of its [`Form`]s (or the shorthands [`code`], [`escape`], [`plain`],
//! [`html`] and [`message`]): HTML comments removed, mentions, references and links broken by
//! an invisible word joiner, Markdown that could form a link, an image, emphasis or HTML
//! escaped.

use std::borrow::Cow;

/// The word joiner (U+2060): invisible, not a word character, so `@⁠name`, `#⁠1` and `https:⁠//`
/// no longer mention, reference or link.
const JOINER: char = '\u{2060}';

/// Where text from a report goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Markdown prose (a paragraph, a list item, a table cell): escaped, on one line, its
    /// mentions, references and links broken.
    Prose,
    /// An inline code span, for names (metrics, labels, paths, codes): GitHub leaves code
    /// alone, so only the span itself is made unbreakable.
    Code,
    /// Text inside an HTML element of the Markdown (`<summary>`, `<code>`): entities, on one
    /// line, its mentions, references and links broken.
    Html,
    /// A field GitHub shows as text, not Markdown (an annotation's title and message): its
    /// mentions, references and links broken, nothing escaped.
    Plain,
}

/// `text` made harmless for `form`; every form first removes HTML comments (and any stray
/// `<!--` or `-->`).
pub fn neutral(text: &str, form: Form) -> String {
    let text = without_comments(text);
    match form {
        Form::Prose => prose(&text),
        Form::Code => code_span(&text),
        Form::Html => html_text(&text),
        Form::Plain => {
            let mut out = String::with_capacity(text.len() + 8);
            for (at, c) in text.char_indices() {
                out.push(c);
                if joins_after(&text, at, c) {
                    out.push(JOINER);
                }
            }
            out
        }
    }
}

/// Escapes text taken from reports or flags for a Markdown table cell or paragraph: it can
/// neither end the cell, nor start HTML, a link, an image, emphasis or code, nor mention,
/// reference or link ([`Form::Prose`]). Line breaks become spaces.
pub fn escape(text: &str) -> String {
    neutral(text, Form::Prose)
}

/// Text as an inline code span that is safe in a table cell ([`Form::Code`]): the fence is
/// longer than any run of backticks inside, `|` is escaped (GFM splits cells before it parses
/// code), line breaks become spaces, HTML comments are removed.
pub fn code(text: &str) -> String {
    neutral(text, Form::Code)
}

/// Text for a field GitHub does not render as Markdown ([`Form::Plain`]).
pub fn plain(text: &str) -> String {
    neutral(text, Form::Plain)
}

/// Text inside an HTML element of the Markdown ([`Form::Html`]).
pub fn html(text: &str) -> String {
    neutral(text, Form::Html)
}

/// Text for an HTML page of its own (the trend page, `history.html`), element content and
/// quoted attribute values alike: `&`, `<`, `>`, `"` and `'` as entities, nothing else changed
/// (GitHub does not render the page, so mentions and links need no breaking).
pub fn page_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a quoted string of a Mermaid chart (its title): on one line, without quotes,
/// backslashes, backticks or HTML comments (a chart is code, so nothing else is processed).
pub fn chart_text(text: &str) -> String {
    without_comments(text)
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '`' | '<' | '>') && !c.is_control())
        .collect()
}

/// A link destination from input (a URL the tool builds around a path or a configured base):
/// white space, control characters and what could end the link (`(`, `)`, `<`, `>`) or
/// Markdown around it are percent-encoded.
pub fn destination(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '(' | ')' | '<' | '>' | '[' | ']' | '`' | '"' | '\\' | '|'
            )
        {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` without HTML comments: a whole `<!-- … -->` (also `<!-->` and `<!--->`, as
/// CommonMark reads them) goes with what it hides; an unclosed `<!--` and a stray `-->` go
/// alone. No `<!--` or `-->` is left, not even one formed by what a removal brings together.
fn without_comments(text: &str) -> Cow<'_, str> {
    if !text.contains("<!--") && !text.contains("-->") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // Once no `-->` is left after a point, an opener never looks for one again (linear).
    let mut closers = true;
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        at += c.len_utf8();
        out.push(c);
        if out.ends_with("-->") {
            out.truncate(out.len() - 3);
        } else if out.ends_with("<!--") {
            out.truncate(out.len() - 4);
            let rest = &text[at..];
            if rest.starts_with('>') {
                at += 1;
            } else if rest.starts_with("->") {
                at += 2;
            } else if let Some(end) = rest.find("-->").filter(|_| closers) {
                at += end + 3;
            } else {
                closers = false;
            }
        }
    }
    Cow::Owned(out)
}

/// Whether the word joiner goes after `c` (at byte `at` of `text`): after every `@` and `#`
/// (mentions, `#1`, `owner/repo#1`), after the `:` of `://`, after the `www` of `www.` and
/// the `GH-` of `GH-1` (any case).
fn joins_after(text: &str, at: usize, c: char) -> bool {
    let rest = &text.as_bytes()[at + c.len_utf8()..];
    let before = &text.as_bytes()[..at];
    let ends_with = |tail: &[u8]| {
        before.len() >= tail.len() && before[before.len() - tail.len()..].eq_ignore_ascii_case(tail)
    };
    match c {
        '@' | '#' => true,
        ':' => rest.starts_with(b"//"),
        'w' | 'W' => rest.first() == Some(&b'.') && ends_with(b"ww"),
        '-' => rest.first().is_some_and(u8::is_ascii_digit) && ends_with(b"gh"),
        _ => false,
    }
}

fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '|' | '~' | '{' | '}'
            | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
        if joins_after(text, at, c) {
            out.push(JOINER);
        }
    }
    out
}

fn code_span(text: &str) -> String {
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
    // CommonMark strips one space from each end when both ends have one (and the span is
    // not all spaces); a backtick at an end would join the fence.
    let stripped =
        clean.starts_with(' ') && clean.ends_with(' ') && !clean.trim_start_matches(' ').is_empty();
    let pad = if clean.starts_with('`') || clean.ends_with('`') || clean.is_empty() || stripped {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{clean}{pad}{fence}")
}

fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '`' => out.push_str("&#96;"),
            '|' => out.push_str("&#124;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
        if joins_after(text, at, c) {
            out.push(JOINER);
        }
    }
    out
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
    // Comments go first, whole, before the message is split into pieces.
    let text = without_comments(text);
    let text = text.as_ref();
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

pub use super::number::{group_thousands, human};

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
    fn code_spans_hold_anything() {
        assert_eq!(code("dpone_x"), "`dpone_x`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
        assert_eq!(code("<b>"), "`<b>`");
        // CommonMark would strip one space from each end.
        assert_eq!(code(" x "), "`  x  `");
        assert_eq!(code("  "), "`  `");
        assert_eq!(code(""), "`  `");
        assert_eq!(code("a<!-- m -->b"), "`ab`");
    }

    #[test]
    fn mentions_references_and_links_are_broken() {
        let j = '\u{2060}';
        assert_eq!(
            plain("@octocat and @org/team"),
            format!("@{j}octocat and @{j}org/team")
        );
        assert_eq!(
            plain("#1, dpone/other#2, gh-3 and GH-4"),
            format!("#{j}1, dpone/other#{j}2, gh-{j}3 and GH-{j}4")
        );
        assert_eq!(
            plain("https://evil.example/ WWW.evil.example"),
            format!("https:{j}//evil.example/ WWW{j}.evil.example")
        );
        assert_eq!(plain("GH-x a:b www-x"), "GH-x a:b www-x");
        assert_eq!(escape("@x #1"), format!("@{j}x \\#{j}1"));
        assert_eq!(html("@x <b>|"), format!("@{j}x &lt;b&gt;&#124;"));
        assert_eq!(escape("$x$"), "\\$x\\$");
    }

    #[test]
    fn html_comments_are_removed() {
        for (text, left) in [
            ("a<!-- dpone-observability:x -->b", "ab"),
            ("a<!-->b", "ab"),
            ("a<!--->b", "ab"),
            ("a<!-- open", "a open"),
            ("a --> b", "a  b"),
            ("<!<!---->--", ""),
            ("<!-<!-- x -->->", ""),
            ("<!-<!-- x -->", "<!-"),
            ("---->", "--"),
        ] {
            assert_eq!(plain(text), left, "{text:?}");
        }
        assert_eq!(escape("<!-- m -->x"), "x");
        // The comment spans the code spans: it goes whole, the two backticks left are text.
        assert_eq!(message("`<!--` x `-->`"), "\\`\\`");
        assert_eq!(message("`a<!--b` c"), "`ab` c");
    }

    #[test]
    fn destinations_cannot_end_their_link() {
        assert_eq!(
            destination("https://e/a b)(c<d>\n"),
            "https://e/a%20b%29%28c%3Cd%3E%0A"
        );
        assert_eq!(chart_text("a\"b\r`c<!-- x -->"), "abc");
    }

    #[test]
    fn cannot_break_a_table_or_inject() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(escape("[x](http://e)"), "\\[x\\]\\(http:\u{2060}//e\\)");
        assert_eq!(escape("l1\nl2"), "l1 l2");
        assert_eq!(escape("`code`"), "\\`code\\`");
    }
}
