//! The export's verdict in three words every adapter shows the same way: `✅ passed`,
//! `⚠️ passed with N warnings`, `❌ failed`, with the counts behind it.
//!
//! A blocker either fails the step (the fail policy says so) or is a warning the reader should
//! see; a gate that compared nothing (labels differ, no baseline series) is neither and is
//! counted apart.

use std::fmt;

use super::blockers::Blocker;
use super::gates::GateResults;
use super::policy::FailOn;
use super::text::plural;

/// The three outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Passed, but some blockers do not fail the step under the policy.
    PassedWithWarnings,
    Failed,
}

impl Verdict {
    pub fn emoji(self) -> &'static str {
        match self {
            Verdict::Passed => "✅",
            Verdict::PassedWithWarnings => "⚠️",
            Verdict::Failed => "❌",
        }
    }

    pub fn passed(self) -> bool {
        self != Verdict::Failed
    }
}

/// The verdict and its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub verdict: Verdict,
    /// Gate blockers that fail the step.
    pub failed_gates: usize,
    /// Other blockers that fail the step.
    pub failed_other: usize,
    /// Blockers that do not fail the step (warnings, or errors under `fail-on: never`).
    pub warnings: usize,
    /// Gate results that judged nothing (not compared).
    pub not_compared: usize,
    pub passed_gates: usize,
}

impl Assessment {
    pub fn of(blockers: &[Blocker], gates: &GateResults, fail_on: FailOn) -> Self {
        let (mut failed_gates, mut failed_other, mut warnings) = (0, 0, 0);
        for b in blockers {
            match (fail_on.fails_on(b.severity()), b.code.is_gate()) {
                (true, true) => failed_gates += 1,
                (true, false) => failed_other += 1,
                (false, _) => warnings += 1,
            }
        }
        let unjudged = gates
            .regressions
            .iter()
            .filter(|c| c.status.judged_nothing())
            .count();
        let passed_gates = gates.objectives.iter().filter(|o| o.passed).count()
            + gates
                .regressions
                .iter()
                .filter(|c| c.passed && !c.status.judged_nothing())
                .count();
        let verdict = if failed_gates + failed_other > 0 {
            Verdict::Failed
        } else if warnings > 0 {
            Verdict::PassedWithWarnings
        } else {
            Verdict::Passed
        };
        Assessment {
            verdict,
            failed_gates,
            failed_other,
            warnings,
            not_compared: unjudged,
            passed_gates,
        }
    }

    /// The verdict with its counts, without the emoji: `failed: 2 gates failed, 1 error,
    /// 1 warning`, `passed with 2 warnings`, `passed`.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if self.failed_gates > 0 {
            parts.push(format!("{} failed", plural(self.failed_gates, "gate")));
        }
        if self.failed_other > 0 {
            parts.push(plural(self.failed_other, "error"));
        }
        match self.verdict {
            Verdict::Passed => "passed".to_string(),
            Verdict::PassedWithWarnings => {
                format!("passed with {}", plural(self.warnings, "warning"))
            }
            Verdict::Failed => {
                if self.warnings > 0 {
                    parts.push(plural(self.warnings, "warning"));
                }
                format!("failed: {}", parts.join(", "))
            }
        }
    }
}

/// `✅ passed`, `⚠️ passed with 1 warning`, `❌ failed: 1 gate failed`.
impl fmt::Display for Assessment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verdict.emoji(), self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::blockers::{Blocker, Code, Severity};

    fn assess(blockers: &[Blocker], fail_on: FailOn) -> Assessment {
        Assessment::of(blockers, &GateResults::default(), fail_on)
    }

    #[test]
    fn three_verdicts() {
        let warn = Blocker::new(Code::RunReportRunFailed, "w");
        let err = Blocker::new(Code::MetricsEmpty, "e");
        let gate = Blocker::for_metric(Code::SloAboveMax, "dpone_x", "g");
        assert_eq!(assess(&[], FailOn::Error).to_string(), "✅ passed");
        assert_eq!(
            assess(std::slice::from_ref(&warn), FailOn::Error).to_string(),
            "⚠️ passed with 1 warning"
        );
        assert_eq!(
            assess(&[warn.clone(), gate.clone(), err.clone()], FailOn::Error).to_string(),
            "❌ failed: 1 gate failed, 1 error, 1 warning"
        );
        assert_eq!(
            assess(std::slice::from_ref(&warn), FailOn::Warning).text(),
            "failed: 1 error"
        );
        assert_eq!(
            assess(&[err, gate.with_severity(Severity::Error)], FailOn::Never).text(),
            "passed with 2 warnings"
        );
    }
}
