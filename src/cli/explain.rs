//! `explain CODE`: a code's severity, summary and runbook, like `rustc --explain`. An unknown
//! code gets a suggestion whose cost is bounded whatever its length (`text::closest`).

use std::io::Write;

use super::ExplainArgs;
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::blockers::{explain, runbooks_markdown, Code};
use crate::observability::text::{one_line, LINE_CHARS};

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
            None => {
                let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
                let hint = match Code::suggest(wanted) {
                    Some(code) => format!("did you mean `{code}`? "),
                    None => String::new(),
                };
                // The code as typed, on one line and clipped: an argument can be 128 KiB.
                let shown = one_line(wanted, LINE_CHARS);
                return Err(Error::Usage(format!(
                    "unknown blocker code `{shown}`; {hint}known codes: {}",
                    known.join(", ")
                )));
            }
        }
    };
    // A closed stdout (`explain --list | head`) fails quietly, as other commands do.
    Ok(Verdict::from_failed(
        stdout.write_all(text.as_bytes()).is_err(),
    ))
}
