//! Reading the history: earlier exports given as `runtime_metrics.json` files, export folders
//! (read through their `metrics_index.json`, so a file changed since its export is refused) or
//! glob patterns of either. Each export is one sample; the samples are ordered by export time,
//! oldest first.

use std::path::{Path, PathBuf};

use super::super::artifacts::{read_indexed, JSON_REPORT};
use super::super::blockers::{Blocker, Code};
use super::super::report_file::{read_report, ReadReport, ReportSeries};

/// One series of the baseline export.
pub type BaselineSeries = ReportSeries;

/// One earlier export.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The file or folder as given (or as its pattern matched it).
    pub source: String,
    pub report: ReadReport,
}

impl Sample {
    /// What identifies the sample for people: its commit, else its CI run, else its file.
    pub fn id(&self) -> String {
        if let Some(rev) = &self.report.revision {
            return rev.chars().take(7).collect();
        }
        if let Some(run) = &self.report.run_id {
            return format!("run {run}");
        }
        self.source.clone()
    }

    /// The export time the samples are ordered by.
    fn time(&self) -> &str {
        self.report
            .generated_at
            .as_deref()
            .or(self.report.observed_at.as_deref())
            .unwrap_or("")
    }
}

/// The history the gates compare with, oldest sample first, and the warnings reading it.
#[derive(Debug, Default)]
pub struct History {
    pub samples: Vec<Sample>,
    pub blockers: Vec<Blocker>,
}

/// Reads every sample the patterns name. A pattern that matches nothing, a missing or
/// malformed file, and a folder that does not verify are warnings (a first run has no history),
/// never a failure of the export.
pub fn read_history(patterns: &[PathBuf]) -> History {
    let mut history = History::default();
    let mut seen: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        for path in expand(pattern, &mut history.blockers) {
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.contains(&canonical) {
                continue;
            }
            seen.push(canonical);
            match read_sample(&path) {
                Ok(sample) => history.samples.push(sample),
                Err(blocker) => history.blockers.push(blocker),
            }
        }
    }
    // Stable: samples of one time keep the order given.
    history.samples.sort_by(|a, b| a.time().cmp(b.time()));
    history
}

/// A pattern's paths: its glob matches (sorted), or the path itself when it has no glob
/// characters (so a missing file says so).
fn expand(pattern: &Path, blockers: &mut Vec<Blocker>) -> Vec<PathBuf> {
    let text = pattern.display().to_string();
    if !text.contains(['*', '?', '[']) {
        return vec![pattern.to_path_buf()];
    }
    let mut matches: Vec<PathBuf> = match glob::glob(&text) {
        Ok(paths) => paths.flatten().collect(),
        Err(err) => {
            blockers.push(
                Blocker::new(
                    Code::BaselineMissing,
                    format!(
                        "baseline pattern `{text}` is not a valid glob ({err}); nothing was read"
                    ),
                )
                .about(pattern),
            );
            return Vec::new();
        }
    };
    matches.sort();
    if matches.is_empty() {
        blockers.push(
            Blocker::new(
                Code::BaselineMissing,
                format!("baseline pattern `{text}` matched no file or folder; nothing was read"),
            )
            .about(pattern),
        );
    }
    matches
}

/// Reads one sample: a folder through its index, or a `runtime_metrics.json` file.
pub fn read_sample(path: &Path) -> Result<Sample, Blocker> {
    let shown = path.display();
    let missing = |why: String| {
        Blocker::new(
            Code::BaselineMissing,
            format!("baseline `{shown}` {why}; it was not used"),
        )
        .about(path)
    };
    let invalid = |why: String| {
        Blocker::new(
            Code::BaselineInvalid,
            format!("baseline `{shown}` {why}; it was not used"),
        )
        .about(path)
    };
    let bytes = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => read_indexed(path, JSON_REPORT.file_name)
            .map_err(|err| invalid(format!("does not verify against its index: {err}")))?,
        Ok(meta) if meta.is_file() => {
            super::super::files::read_capped(path, super::super::files::MAX_BASELINE_BYTES)
                .map_err(|err| invalid(format!("cannot be read ({err})")))?
        }
        Ok(_) => return Err(missing("is not a regular file or folder".to_string())),
        Err(err) => return Err(missing(format!("cannot be opened ({err})"))),
    };
    let report = read_report(&bytes).map_err(invalid)?;
    Ok(Sample {
        source: shown.to_string(),
        report,
    })
}
