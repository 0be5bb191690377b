//! `dpone ops slo-evaluate --format json`: actual and objective per rule.

use serde_json::{Map, Value};

use super::super::blockers::{Blocker, Code};
use super::super::metrics::MetricSpec;
use super::{array, failure_reason, flag, num, text, Extracted, Series};
use crate::metric_spec;

metric_spec!(
    ACTUAL,
    "dpone_slo_report_actual",
    "1",
    "Value an SLO rule was evaluated on."
);
metric_spec!(
    OBJECTIVE,
    "dpone_slo_report_objective",
    "1",
    "Bound of an SLO rule."
);
metric_spec!(
    RULE_PASSED,
    "dpone_slo_report_rule_passed",
    "1",
    "SLO rule verdict, 1 for passed and 0 for failed."
);
metric_spec!(
    PASSED,
    "dpone_slo_report_passed",
    "1",
    "SLO report verdict, 1 when no rule failed."
);

pub static CATALOG: [&MetricSpec; 4] = [&ACTUAL, &OBJECTIVE, &RULE_PASSED, &PASSED];

/// Rules are labelled `metric` and `rule` (`min`, `max`, `present`). A missing metric's rule
/// has no actual value (dpone writes a placeholder 0). An SLO report without objectives is a
/// warning: dpone calls it a pass.
pub fn extract_report(report: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut failing: Vec<Value> = Vec::new();
    let mut rules = 0;
    for result in array(report, "results").iter().filter_map(Value::as_object) {
        let code = text(result, "code").unwrap_or_default();
        if code == "slo.no_objectives" {
            continue;
        }
        let (Some(metric), Some(rule)) = (text(result, "metric"), text(result, "operator")) else {
            continue;
        };
        rules += 1;
        let labels = vec![("metric", metric), ("rule", rule.clone())];
        if rule != "present" {
            if let Some(actual) = num(result, "actual") {
                out.series.push(Series::new(&ACTUAL, actual, &labels));
            }
            if let Some(objective) = num(result, "objective") {
                out.series.push(Series::new(&OBJECTIVE, objective, &labels));
            }
        }
        let passed = flag(result.get("passed"));
        out.series.push(Series::new(&RULE_PASSED, passed, &labels));
        if passed == 0.0 {
            failing.push(Value::String(code));
        }
    }
    out.series
        .push(Series::new(&PASSED, flag(report.get("passed")), &[]));
    if !failing.is_empty() || flag(report.get("passed")) == 0.0 {
        let why = failure_reason(&failing);
        out.blockers.push(Blocker::new(
            Code::SloReportNotPassed,
            format!("SLO report `{shown}`: {why}"),
        ));
    }
    if rules == 0 {
        out.blockers.push(Blocker::new(
            Code::SloReportNoObjectives,
            format!("SLO report `{shown}` evaluated no objective; dpone reports that as a pass"),
        ));
    }
    out
}
