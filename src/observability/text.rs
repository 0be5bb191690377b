//! Small text helpers every renderer and adapter shares: counted nouns and clipping on a
//! character boundary.

/// `1 blocker`, `2 blockers`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The first `max` characters of `text` when it is longer, else `None`.
pub fn head(text: &str, max: usize) -> Option<&str> {
    text.char_indices().nth(max).map(|(at, _)| &text[..at])
}

/// At most `max` characters, on a character boundary; a clipped text ends in `…`, counted.
pub fn clip(text: &str, max: usize) -> String {
    match head(text, max) {
        Some(kept) => {
            let mut cut = kept.to_string();
            // Leave room for the ellipsis.
            cut.pop();
            cut.push('…');
            cut
        }
        None => text.to_string(),
    }
}

/// A line of free text in a message: about one screen line.
pub const LINE_CHARS: usize = 160;

/// `text` on one line (control characters and runs of white space become one space), clipped
/// to `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > max * 4 {
            break;
        }
    }
    clip(&out, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural(0, "blocker"), "0 blockers");
        assert_eq!(plural(1, "blocker"), "1 blocker");
        assert_eq!(plural(2, "metric"), "2 metrics");
    }

    #[test]
    fn clipping_keeps_characters_whole() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("héllo wörld", 5), "héll…");
        assert_eq!(clip(&"x".repeat(200), 140).chars().count(), 140);
        assert_eq!(head("héllo", 2), Some("hé"));
        assert_eq!(head("hé", 2), None);
    }

    #[test]
    fn one_line_folds_and_clips() {
        assert_eq!(one_line("a\n\tb  c\r\n", 10), "a b c");
        assert_eq!(one_line(&"word ".repeat(100), 12), "word word w…");
        assert_eq!(one_line("", 5), "");
    }
}
