//! `verify DIR`: does the folder still match its index?

use std::io::Write;

use super::{VerifyArgs, EXIT_FAILED};
use crate::observability::artifacts::verify;

pub fn run(args: &VerifyArgs, stdout: &mut impl Write, stderr: &mut impl Write) -> u8 {
    match verify(&args.dir) {
        Ok(report) if report.problems.is_empty() => {
            let _ = writeln!(
                stdout,
                "ok: {} files in `{}` match metrics_index.json",
                report.checked,
                args.dir.display()
            );
            0
        }
        Ok(report) => {
            for problem in &report.problems {
                let _ = writeln!(stderr, "{problem}");
            }
            let _ = writeln!(
                stderr,
                "error: `{}` does not match its metrics_index.json ({} problem{})",
                args.dir.display(),
                report.problems.len(),
                if report.problems.len() == 1 { "" } else { "s" }
            );
            EXIT_FAILED
        }
        Err(err) => {
            let _ = writeln!(stderr, "error: {err}");
            EXIT_FAILED
        }
    }
}
