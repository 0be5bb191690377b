//! `verify DIR`: does the folder still match its index, and does its `runtime_metrics.json`
//! read back through the one reader (`report_file::read_document`)?

use std::io::Write;

use super::VerifyArgs;
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::artifacts::{verify, JSON_REPORT};
use crate::observability::files;
use crate::observability::report_file::read_document;
use crate::observability::text::plural;

pub fn run(args: &VerifyArgs, stdout: &mut impl Write, stderr: &mut impl Write) -> Outcome {
    match verify(&args.dir) {
        Ok(report) if report.problems.is_empty() => {
            readable(&args.dir)?;
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

/// A folder that matches its index may still hold a `runtime_metrics.json` no reader accepts
/// (the index is as trustworthy as whoever wrote it): read it as `publish`, `push` and a
/// baseline would. A folder without one (an index of other files) has nothing to read.
fn readable(dir: &std::path::Path) -> Result<(), Error> {
    let path = dir.join(JSON_REPORT.file_name);
    if !path.is_file() {
        return Ok(());
    }
    let unreadable = |why: String| {
        Error::Failed(format!(
            "`{}` matches its index but cannot be read back: {why}",
            path.display()
        ))
    };
    let bytes = files::read_capped(&path, files::MAX_BASELINE_BYTES)
        .map_err(|e| unreadable(e.to_string()))?;
    read_document(&bytes).map(drop).map_err(unreadable)
}
