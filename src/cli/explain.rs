//! `explain CODE`: a code's severity, summary and runbook, like `rustc --explain`.

use std::io::Write;

use super::{usage_error, ExplainArgs, EXIT_FAILED};
use crate::observability::blockers::{explain, runbooks_markdown, Code};

pub fn run(args: &ExplainArgs, stdout: &mut impl Write, stderr: &mut impl Write) -> u8 {
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
                return usage_error(
                    stderr,
                    &format!(
                        "unknown blocker code `{wanted}`; known codes: {}",
                        known.join(", ")
                    ),
                );
            }
        }
    };
    match stdout.write_all(text.as_bytes()) {
        Ok(()) => 0,
        Err(_) => EXIT_FAILED,
    }
}
