//! `verify DIR`: does the folder still match its index?

use std::io::Write;

use super::VerifyArgs;
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::artifacts::verify;
use crate::observability::text::plural;

pub fn run(args: &VerifyArgs, stdout: &mut impl Write, stderr: &mut impl Write) -> Outcome {
    match verify(&args.dir) {
        Ok(report) if report.problems.is_empty() => {
            let _ = writeln!(
                stdout,
                "ok: {} files in `{}` match metrics_index.json",
                report.checked,
                args.dir.display()
            );
            Ok(Verdict::Passed)
        }
        Ok(report) => {
            for problem in &report.problems {
                let _ = writeln!(stderr, "{problem}");
            }
            Err(Error::Failed(format!(
                "`{}` does not match its metrics_index.json ({})",
                args.dir.display(),
                plural(report.problems.len(), "problem")
            )))
        }
        Err(err) => Err(Error::Failed(err.to_string())),
    }
}
