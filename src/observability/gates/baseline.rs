//! Reading a baseline: the `runtime_metrics.json` of an earlier export.

use std::path::Path;

use super::super::blockers::{Blocker, Code};
use super::super::report_file::{read_report, ReadReport, ReportSeries};

/// One series of the baseline export.
pub type BaselineSeries = ReportSeries;

/// Reads the baseline; a missing or malformed file is a warning blocker, never a failure of
/// the export (a first run has no baseline).
pub fn read_baseline(path: &Path) -> Result<ReadReport, Blocker> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            return Err(Blocker::new(
                Code::BaselineMissing,
                format!("baseline `{shown}` is not a regular file; nothing was compared"),
            )
            .about(path))
        }
        Err(err) => {
            return Err(Blocker::new(
                Code::BaselineMissing,
                format!("baseline `{shown}` cannot be opened ({err}); nothing was compared"),
            )
            .about(path))
        }
    }
    let invalid = |why: String| {
        Blocker::new(
            Code::BaselineInvalid,
            format!("baseline `{shown}` {why}; nothing was compared"),
        )
        .about(path)
    };
    let bytes = super::super::files::read_capped(path, super::super::files::MAX_BASELINE_BYTES)
        .map_err(|err| invalid(format!("cannot be read ({err})")))?;
    read_report(&bytes).map_err(invalid)
}
