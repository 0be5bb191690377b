//! Workflow commands (`::error ...::message`) and their escaping.
//!
//! The runner parses any stdout line that starts with `::` as a command. Everything we print
//! goes through these escapes: CR and LF become `%0D`/`%0A`, so text from a report can never
//! start a line, and `%` becomes `%25`, so `%0A` in a report stays literal. Properties also
//! escape `:` and `,`. An annotation's title and message are also neutralised
//! ([`plain`]): a mention, an issue reference, a URL or an HTML comment in them is inert.

use crate::observability::blockers::Severity;
use crate::observability::markdown::plain;

/// Escapes command data (the message).
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command property value (`title=`, `file=`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Annotation levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

/// The one mapping from a blocker's severity to its annotation level.
impl From<Severity> for Level {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        }
    }
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// `::add-mask::` lines for the secrets (each line of a multi-line secret masked on its own).
pub fn mask(secrets: &[String], stdout: &mut impl crate::inert::Commands) {
    for secret in secrets {
        for line in secret.lines().filter(|l| !l.trim().is_empty()) {
            stdout.command(&format!("::add-mask::{}", escape_data(line)));
        }
    }
}

/// One annotation line: `::error title=T,file=F::message`.
pub fn annotation(level: Level, title: &str, file: Option<&str>, message: &str) -> String {
    annotation_at(level, title, file, None, message)
}

/// [`annotation`] at a line of `file` (GitHub ignores `line` without `file`).
pub fn annotation_at(
    level: Level,
    title: &str,
    file: Option<&str>,
    line_number: Option<u64>,
    message: &str,
) -> String {
    annotation_linking(level, title, file, line_number, message, "")
}

/// [`annotation_at`] whose message goes on with the tool's own text (`own`: a runbook's URL,
/// which stays a link); only `title` and `message` are neutralised.
pub fn annotation_linking(
    level: Level,
    title: &str,
    file: Option<&str>,
    line_number: Option<u64>,
    message: &str,
    own: &str,
) -> String {
    let mut line = format!(
        "::{} title={}",
        level.command(),
        escape_property(&plain(title))
    );
    if let Some(file) = file {
        line.push_str(",file=");
        line.push_str(&escape_property(file));
        if let Some(n) = line_number {
            line.push_str(&format!(",line={n}"));
        }
    }
    line.push_str("::");
    // The line is a command of its own; a legacy `##[` in its data is broken all the same.
    let data = escape_data(&format!("{}{own}", plain(message)));
    line.push_str(&data.replace("##[", "##\u{200B}["));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_messages_are_neutralised_but_the_own_tail_stays_a_link() {
        let line = annotation_linking(
            Level::Warning,
            "@team",
            None,
            None,
            "@octocat #1 <!-- dpone-observability:x --> https://evil.example",
            " Runbook: https://r.example/runbooks.md#run_reportrun_failed",
        );
        assert_eq!(
            line,
            "::warning title=@\u{2060}team::@\u{2060}octocat #\u{2060}1  https:\u{2060}//evil.example \
             Runbook: https://r.example/runbooks.md#run_reportrun_failed"
        );
    }

    #[test]
    fn data_and_properties_are_escaped() {
        assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
        assert_eq!(escape_property("x:y,z%"), "x%3Ay%2Cz%25");
    }

    #[test]
    fn nothing_from_a_report_starts_a_command() {
        for hostile in [
            "\n::set-output name=x::y",
            "%0A::error::boom",
            "x\r\n::add-mask::secret",
            "::stop-commands::t",
        ] {
            let line = annotation(Level::Error, hostile, Some(hostile), hostile);
            assert_eq!(line.lines().count(), 1, "{line}");
            assert!(line.starts_with("::error title="));
            // The only `::` that ends the properties is ours: the title holds none.
            let props = &line[2..line[2..].find("::").map_or(line.len(), |i| i + 2)];
            assert!(!props.contains('\n'));
        }
        assert_eq!(escape_data("%0A::error::x"), "%250A::error::x");
    }
}
