//! Small text helpers every renderer and adapter shares: counted nouns, clipping on a
//! character boundary, and "did you mean …" suggestions.

/// `1 blocker`, `2 blockers`, `1,204 metrics` (a count in the one number format for people).
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", super::number::group_thousands(&n.to_string()))
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

/// How similar a candidate more than one edit away must be (Jaro-Winkler, 0 to 1) to be
/// suggested; clap uses 0.7 for flags, a little stricter here because the lists are longer.
const SUGGESTION_THRESHOLD: f64 = 0.8;

/// The longest text, in bytes, compared for a suggestion. Comparing costs the product of the
/// two lengths; every name suggested is far shorter (codes, keys, inputs, metric names as
/// written), so a longer text or candidate is not compared at all and a suggestion costs at
/// most this squared per candidate, whatever the user typed.
pub const MAX_COMPARED_BYTES: usize = 512;

/// The candidate closest to `wanted` (case-insensitive), when one is close enough to be the
/// name the user meant; the first of equally close ones.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest_counted(wanted, candidates).0
}

/// [`closest`], and the work it did: the sum over the pairs it compared of the product of
/// their lengths in characters (what the edit distances cost).
fn closest_counted<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> (Option<&'a str>, usize) {
    let wanted = wanted.trim();
    if wanted.is_empty() || wanted.len() > MAX_COMPARED_BYTES {
        return (None, 0);
    }
    let wanted = wanted.to_lowercase();
    let wanted_chars = wanted.chars().count();
    let mut work = 0;
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate.len() > MAX_COMPARED_BYTES {
            continue;
        }
        let lower = candidate.to_lowercase();
        work += wanted_chars * lower.chars().count();
        let similar = strsim::jaro_winkler(&wanted, &lower);
        // One edit away is always a likely typo, even in a short name (`mx` for `max`), where
        // Jaro-Winkler is harsh; it ranks above any merely similar candidate.
        let score = if strsim::damerau_levenshtein(&wanted, &lower) <= 1 {
            1.0 + similar
        } else if similar >= SUGGESTION_THRESHOLD {
            similar
        } else {
            continue;
        };
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    (best.map(|(_, candidate)| candidate), work)
}

/// `; did you mean `x`?` for the closest candidate, or nothing.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(wanted, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// For a serde `unknown field `x`, expected one of a, b, c` message, a last line
/// `help: did you mean `b`?` naming the closest expected field, or `None`.
pub fn unknown_field_hint(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest.lines().next()?;
    let expected = expected
        .strip_prefix(", expected one of ")
        .or_else(|| expected.strip_prefix(", expected "))?;
    let candidates = expected.split(", ").map(|c| c.trim().trim_matches('`'));
    closest(field, candidates).map(|c| format!("\nhelp: did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural(0, "blocker"), "0 blockers");
        assert_eq!(plural(1204, "metric"), "1,204 metrics");
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

    #[test]
    fn suggestions_are_the_closest_close_candidate() {
        let names = [
            "run_report.missing",
            "metrics.empty",
            "metrics.duplicate_series",
        ];
        assert_eq!(closest("metric.empty", names), Some("metrics.empty"));
        assert_eq!(closest("METRICS.EMTPY", names), Some("metrics.empty"));
        assert_eq!(
            closest("run_report.mising", names),
            Some("run_report.missing")
        );
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest("mx", ["metric", "min", "max"]), Some("max"));
        assert_eq!(closest("", names), None);
        assert_eq!(
            did_you_mean("metrics.empt", names),
            "; did you mean `metrics.empty`?"
        );
        assert_eq!(did_you_mean("qqqq", names), "");
    }

    #[test]
    fn a_suggestion_costs_a_bounded_amount_whatever_the_text() {
        // A metric named in a per-metric code is copied into its candidate, so a long text
        // meets a candidate as long: comparing the two would cost the square of the text.
        let metric = "x".repeat(1 << 20);
        let wanted = format!("slo.{metric}.missng");
        let near = format!("slo.{metric}.missing");
        let names = [near.as_str(), "metrics.empty", "slo.<metric>.missing"];
        let (found, work) = closest_counted(&wanted, names);
        assert!(
            found.is_none(),
            "a text too long to compare gets no suggestion"
        );
        assert!(
            work <= names.len() * MAX_COMPARED_BYTES.pow(2),
            "work {work}"
        );
        let (_, work) = closest_counted("slo.x.missng", names);
        assert!(
            work <= names.len() * MAX_COMPARED_BYTES.pow(2),
            "work {work}"
        );
        // A text of the longest compared length is still compared.
        let metric = "x".repeat(MAX_COMPARED_BYTES - 12);
        let wanted = format!("slo.{metric}.missng");
        let near = format!("slo.{metric}.missing");
        assert_eq!(near.len(), MAX_COMPARED_BYTES);
        assert_eq!(
            closest(&wanted, [near.as_str(), "metrics.empty"]),
            Some(near.as_str())
        );
    }
}
