//! Judging a finished export again: the numbers another run reported, the verdict this run's
//! own policy and history give them.
//!
//! Publish mode posts the status of a fork's pull request from the artifact its run uploaded.
//! That run executed the pull request's code, so its artifact is a claim: its recorded gate
//! results, its gate series and the severities its policy gave are all left out here, and the
//! gates are evaluated again on its metrics under a policy and a history the judging run
//! trusts. What remains of the claim is what no policy decides: the metrics themselves and the
//! input findings (a failed run, an unreadable report), each back at its code's own severity
//! before the trusted policy's overrides.

use std::sync::Arc;

use super::blockers::{any_error, Blocker};
use super::catalog;
use super::gates::{self, GateConfigError, History};
use super::metrics::LabelSet;
use super::points::Points;
use super::policy::Policy;
use super::report::ExportReport;

/// What judging again changed, for the text that says so.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Judged {
    /// Gate blockers the artifact recorded (its own policy's verdict), left out.
    pub claimed_gate_blockers: usize,
    /// Gate series the artifact held (`dpone_slo_passed`, ...), left out.
    pub claimed_gate_series: usize,
}

/// Evaluates `policy`'s gates (and regressions against `history`) on `points`, the metrics of
/// a report read back, and gives the report this verdict instead of the one it recorded.
pub fn judge_again(
    report: &mut ExportReport,
    points: &mut Points,
    policy: &Policy,
    history: History,
) -> Result<Judged, GateConfigError> {
    let before = points.len();
    points.retain(|p| !gates::is_gate_series(p.name));
    let mut judged = Judged {
        claimed_gate_series: before - points.len(),
        ..Judged::default()
    };
    let known = catalog::known_names();
    let gated = gates::evaluate(
        &policy.gates,
        points,
        history,
        &known,
        &Arc::new(LabelSet::default()),
    )?;
    let mut blockers: Vec<Blocker> = Vec::with_capacity(report.blockers.len());
    for blocker in std::mem::take(&mut report.blockers) {
        if blocker.code.from_gates() {
            judged.claimed_gate_blockers += 1;
        } else {
            let severity = blocker.code.severity();
            blockers.push(blocker.with_severity(severity));
        }
    }
    // A store too full for the gate series keeps the verdict: the blockers and results below
    // carry it, the series are only its copy for dashboards.
    let _ = points.extend(&gated.points);
    blockers.extend(gated.blockers);
    report.blockers = policy.apply(blockers);
    report.passed = !any_error(&report.blockers);
    report.gates = gated.results;
    super::verdict::link_causes(&mut report.blockers, &mut report.gates);
    report.metric_count = points.len();
    Ok(judged)
}
