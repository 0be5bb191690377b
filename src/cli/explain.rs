//! `explain CODE`: a code's severity, summary and runbook, like `rustc --explain`. An unknown
//! code gets a suggestion whose cost is bounded whatever its length (`text::closest`).

use std::io::Write;

use super::ExplainArgs;
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::blockers::{explain, runbooks_markdown, Code};
use crate::observability::text::{one_line, LINE_CHARS};

/// The width the known codes are wrapped to.
const WIDTH: usize = 100;

/// An unknown code's error: the closest code, then the known codes one family a line
/// (`run_report.  missing, unreadable, …`), wrapped at 100 columns.
fn unknown_code(wanted: &str) -> String {
    let hint = match Code::suggest(wanted) {
        Some(code) => format!("; did you mean `{code}`?"),
        None => String::new(),
    };
    // The code as typed, on one line and clipped: an argument can be 128 KiB.
    let shown = one_line(wanted, LINE_CHARS);
    let mut families: Vec<(&str, Vec<&str>)> = Vec::new();
    for code in Code::ALL {
        let (family, rest) = code.as_str().split_once('.').unwrap_or((code.as_str(), ""));
        match families.iter_mut().find(|(f, _)| *f == family) {
            Some((_, members)) => members.push(rest),
            None => families.push((family, vec![rest])),
        }
    }
    let column = families.iter().map(|(f, _)| f.len() + 1).max().unwrap_or(0) + 4;
    let mut text = format!(
        "unknown blocker code `{shown}`{hint}\nknown codes, by family (with summaries: \
         `dpone-observability explain --list`):"
    );
    for (family, members) in families {
        let mut line = format!("  {:<width$}", format!("{family}."), width = column - 2);
        for (at, member) in members.iter().enumerate() {
            let item = if at + 1 < members.len() {
                format!("{member},")
            } else {
                (*member).to_string()
            };
            if at > 0 && line.chars().count() + 1 + item.chars().count() > WIDTH {
                text.push('\n');
                text.push_str(line.trim_end());
                line = " ".repeat(column);
            } else if at > 0 {
                line.push(' ');
            }
            line.push_str(&item);
        }
        text.push('\n');
        text.push_str(&line);
    }
    text
}

pub fn run(args: &ExplainArgs, stdout: &mut impl Write) -> Outcome {
    let text = if args.runbooks {
        runbooks_markdown()
    } else if args.list {
        Code::ALL
            .iter()
            .map(|c| {
                format!(
                    "{:<40} {:<8} {}\n",
                    c.as_str(),
                    c.severity().as_str(),
                    c.summary()
                )
            })
            .collect()
    } else {
        let wanted = args.code.as_deref().unwrap_or_default();
        match Code::parse_instance(wanted) {
            Some(code) => explain(code),
            None => return Err(Error::Usage(unknown_code(wanted))),
        }
    };
    // A closed stdout (`explain --list | head`) fails quietly, as other commands do.
    Ok(Verdict::from_failed(
        stdout.write_all(text.as_bytes()).is_err(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_code_lists_every_family_on_its_own_lines_within_100_columns() {
        let text = unknown_code("metrics.emty");
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("unknown blocker code `metrics.emty`; did you mean `metrics.empty`?")
        );
        let listed: Vec<&str> = lines.skip(1).collect();
        assert!(listed.iter().all(|l| l.chars().count() <= WIDTH), "{text}");
        for code in Code::ALL {
            let (family, rest) = code.as_str().split_once('.').unwrap_or_default();
            let line = listed
                .iter()
                .position(|l| l.trim_start().starts_with(&format!("{family}. ")))
                .unwrap_or_else(|| panic!("no line for {family}: {text}"));
            // The family's line, or a continuation indented under it.
            let mut block = vec![listed[line]];
            block.extend(
                listed[line + 1..]
                    .iter()
                    .take_while(|l| l.starts_with("    ")),
            );
            assert!(
                block
                    .iter()
                    .any(|l| l.split([' ', ',']).any(|word| word == rest)),
                "{code} is not listed: {text}"
            );
        }
    }
}
