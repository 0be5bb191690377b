//! The export's verdict in three words every adapter shows the same way: `✅ passed`,
//! `⚠️ passed with N warnings`, `❌ failed`, with the counts behind it.
//!
//! A blocker either fails the step (the fail policy says so) or is a warning the reader should
//! see; a blocker another one caused ([`link_causes`]) is counted once, with its root; a gate
//! that compared nothing (labels differ, no baseline series) is neither and is
//! counted apart.

use std::fmt;

use super::blockers::{roots, Blocker, Code};
use super::gates::{GateResults, Verdict as GateVerdict};
use super::policy::FailOn;
use super::text::plural;

/// Links each blocker that another one caused to its root, in the core, once, for every
/// output: an export with no metric (`metrics.empty`) and an objective on an absent metric
/// (`slo.<metric>.missing`) are caused by the first input that could not be read; an
/// objective on an absent metric with no such input is caused by `metrics.empty`. The root is
/// always a blocker that has no cause itself.
///
/// An objective whose `slo.<metric>.missing` was caused so is not evaluated (`—`, saying by
/// what), never a failed gate of its own: the root is the one failure.
pub fn link_causes(blockers: &mut [Blocker], gates: &mut GateResults) {
    let unread = blockers.iter().position(|b| b.code.is_unread_input());
    let empty = blockers.iter().position(|b| b.code == Code::MetricsEmpty);
    for b in blockers.iter_mut() {
        b.caused_by = match b.code {
            Code::MetricsEmpty => unread,
            Code::SloMissing => unread.or(empty),
            _ => None,
        };
    }
    for b in blockers.iter().filter(|b| b.code == Code::SloMissing) {
        let Some(root) = b.caused_by.and_then(|i| blockers.get(i)) else {
            continue;
        };
        let id = b.id().to_string();
        for o in gates.objectives.iter_mut().filter(|o| o.code == id) {
            o.not_evaluated = Some(format!("no data: {}", root.id()));
        }
    }
}

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
    /// Gate results that judged nothing (regressions not compared, objectives not evaluated).
    pub not_compared: usize,
    pub passed_gates: usize,
}

impl Assessment {
    pub fn of(blockers: &[Blocker], gates: &GateResults, fail_on: FailOn) -> Self {
        let (mut failed_gates, mut failed_other, mut warnings) = (0, 0, 0);
        // A blocker another one caused is counted once, with its root.
        for root in roots(blockers) {
            match (fail_on.fails_on(root.severity), root.blocker.code.is_gate()) {
                (true, true) => failed_gates += 1,
                (true, false) => failed_other += 1,
                (false, _) => warnings += 1,
            }
        }
        let unjudged = gates
            .regressions
            .iter()
            .filter(|c| c.status.judged_nothing())
            .count()
            + gates
                .objectives
                .iter()
                .filter(|o| o.not_evaluated.is_some())
                .count();
        let passed_gates = gates.objectives.iter().filter(|o| o.passed).count()
            + gates
                .regressions
                .iter()
                .filter(|c| c.passed && !c.status.judged_nothing())
                .filter(|c| {
                    !matches!(
                        c.verdict,
                        GateVerdict::Inconclusive | GateVerdict::WouldFail
                    )
                })
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
    fn a_root_cause_is_counted_once_with_what_it_caused() {
        let mut blockers = vec![
            Blocker::new(Code::RunReportMissing, "gone"),
            Blocker::new(Code::MetricsEmpty, "empty"),
            Blocker::for_metric(Code::SloMissing, "dpone_duration_seconds", "absent"),
            Blocker::new(Code::RunReportRunFailed, "other run"),
        ];
        let mut gates = GateResults::default();
        link_causes(&mut blockers, &mut gates);
        assert_eq!(blockers[1].caused_by, Some(0));
        assert_eq!(blockers[2].caused_by, Some(0));
        assert_eq!(blockers[3].caused_by, None);
        let roots = roots(&blockers);
        assert_eq!(roots.len(), 2);
        assert_eq!(roots[0].caused_text(), " (+2 caused by it)");
        assert_eq!(
            Assessment::of(&blockers, &gates, FailOn::Error).to_string(),
            "❌ failed: 1 error, 1 warning"
        );
        // With no unread input, an objective on an absent metric is caused by the empty export.
        let mut blockers = blockers.split_off(1);
        link_causes(&mut blockers, &mut gates);
        assert_eq!(blockers[0].caused_by, None);
        assert_eq!(blockers[1].caused_by, Some(0));
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
