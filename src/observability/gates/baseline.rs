//! The history the regressions compare with: earlier exports, one sample each, ordered by
//! export time (oldest first), as `report_file::read_history` reads them from
//! `runtime_metrics.json` files, export folders or glob patterns of either.

use super::super::blockers::Blocker;

/// One series of an earlier export.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSeries {
    pub name: String,
    /// Under the keys the report writes, sorted by key.
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// One series of the baseline export.
pub type BaselineSeries = ReportSeries;

/// What the gates use of an earlier export.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadReport {
    pub observed_at: Option<String>,
    pub series: Vec<ReportSeries>,
    /// The commit the export was made at (`vcs.ref.head.revision` among its resource
    /// attributes), and its branch or tag (`vcs.ref.head.name`), when it says.
    pub revision: Option<String>,
    pub ref_name: Option<String>,
    /// When the export was made (its `generated_at`).
    pub generated_at: Option<String>,
    /// The CI run that made it (`cicd.pipeline.run.id`), when it says.
    pub run_id: Option<String>,
    /// The run's attempt, when the export says (the `/attempts/N` of
    /// `cicd.pipeline.run.url.full`, or a carried history's entry).
    pub run_attempt: Option<String>,
    /// Its verdict (for the carried history).
    pub passed: bool,
    /// The export's own regression results (for `consecutive`).
    pub recorded: Vec<RecordedComparison>,
}

/// One regression result an earlier export recorded: which rule and series, and whether it
/// breached its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedComparison {
    pub code: String,
    pub labels: Vec<(String, String)>,
    pub breached: bool,
}

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
    pub fn time(&self) -> &str {
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
    /// The baselines as given (files, folders or patterns); none: no regression is checked.
    pub given: Vec<std::path::PathBuf>,
    pub samples: Vec<Sample>,
    pub blockers: Vec<Blocker>,
    /// Where the history was cut at a pull request's merge-base, said for people
    /// (`history::cut_history`); `None` when it was not cut.
    pub cut: Option<String>,
}
