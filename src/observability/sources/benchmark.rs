//! `dpone ops benchmark-baseline` and `dpone ops benchmark-slo-gate`.
//!
//! Unlike dpone, a metric missing from the measurements (dpone writes `actual: -Infinity`, or
//! nothing) fails whatever its direction: dpone lets a missing `lower` metric pass.

use serde_json::{Map, Value};

use super::super::blockers::{Blocker, Code};
use super::super::json_input::number;
use super::super::metrics::MetricSpec;
use super::{array, failure_reason, flag, num, text, Extracted, Series};
use crate::metric_spec;

metric_spec!(
    ACTUAL,
    "dpone_benchmark_actual",
    "1",
    "Measured value of a benchmark metric (-Inf when it was not measured)."
);
metric_spec!(
    BASELINE,
    "dpone_benchmark_baseline",
    "1",
    "Baseline value of a benchmark metric."
);
metric_spec!(
    THRESHOLD,
    "dpone_benchmark_threshold",
    "1",
    "Allowed threshold of a benchmark metric after the regression ratio."
);
metric_spec!(
    ITEM_PASSED,
    "dpone_benchmark_item_passed",
    "1",
    "Benchmark metric verdict, 1 for passed and 0 for a regression or a missing measurement."
);
metric_spec!(
    REGRESSION_RATIO,
    "dpone_benchmark_regression_ratio",
    "1",
    "Change of a benchmark metric against its baseline, actual / baseline - 1."
);
metric_spec!(
    PASSED,
    "dpone_benchmark_passed",
    "1",
    "Benchmark baseline verdict, 1 when every metric passed."
);
metric_spec!(
    FAILING,
    "dpone_benchmark_failing_items",
    "1",
    "Benchmark metrics that regressed or were not measured."
);
metric_spec!(
    GATE_PASSED,
    "dpone_benchmark_slo_gate_passed",
    "1",
    "Benchmark-SLO gate verdict, 1 for passed and 0 for failed."
);

pub static BASELINE_CATALOG: [&MetricSpec; 7] = [
    &ACTUAL,
    &BASELINE,
    &THRESHOLD,
    &ITEM_PASSED,
    &REGRESSION_RATIO,
    &PASSED,
    &FAILING,
];
pub static GATE_CATALOG: [&MetricSpec; 1] = [&GATE_PASSED];

/// Items are labelled `metric` and `direction`.
pub fn extract_baseline(report: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut failing: Vec<Value> = Vec::new();
    for item in array(report, "items").iter().filter_map(Value::as_object) {
        let Some(metric) = text(item, "metric") else {
            continue;
        };
        let direction = text(item, "direction").unwrap_or_else(|| "higher".to_string());
        let labels = vec![("metric", metric.clone()), ("direction", direction)];
        let actual = item.get("actual").and_then(number);
        let baseline = num(item, "baseline");
        let measured = actual.is_some_and(f64::is_finite);
        let passed = measured && flag(item.get("passed")) == 1.0;
        if let Some(actual) = actual {
            out.series.push(Series::new(&ACTUAL, actual, &labels));
        }
        if let Some(baseline) = baseline {
            out.series.push(Series::new(&BASELINE, baseline, &labels));
        }
        if let Some(threshold) = num(item, "allowed_threshold") {
            out.series.push(Series::new(&THRESHOLD, threshold, &labels));
        }
        if let (Some(actual), Some(baseline)) = (actual, baseline) {
            if measured && baseline != 0.0 {
                out.series.push(Series::new(
                    &REGRESSION_RATIO,
                    actual / baseline - 1.0,
                    &labels,
                ));
            }
        }
        out.series.push(Series::new(
            &ITEM_PASSED,
            if passed { 1.0 } else { 0.0 },
            &labels,
        ));
        if !passed {
            let why = if measured {
                "regressed"
            } else {
                "was not measured"
            };
            failing.push(Value::String(format!("{metric} {why}")));
        }
    }
    if out.series.is_empty() {
        // Nothing was compared: no verdict to export (a forced kind reports `input.no_metrics`).
        return out;
    }
    let all_passed = failing.is_empty() && flag(report.get("passed")) == 1.0;
    out.series.push(Series::new(
        &PASSED,
        if all_passed { 1.0 } else { 0.0 },
        &[],
    ));
    out.series
        .push(Series::new(&FAILING, failing.len() as f64, &[]));
    if !all_passed {
        let why = failure_reason(&failing);
        out.blockers.push(Blocker::new(
            Code::BenchmarkBaselineRegression,
            format!("benchmark baseline `{shown}`: {why}"),
        ));
    }
    out
}

/// The gate's verdict, then its embedded benchmark baseline and SLO report.
pub fn extract_gate(gate: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    out.series
        .push(Series::new(&GATE_PASSED, flag(gate.get("passed")), &[]));
    if let Some(benchmark) = gate.get("benchmark").and_then(Value::as_object) {
        let one = extract_baseline(benchmark, shown);
        out.series.extend(one.series);
        out.blockers.extend(one.blockers);
    }
    if let Some(slo) = gate.get("slo").and_then(Value::as_object) {
        let one = super::slo::extract_report(slo, shown);
        out.series.extend(one.series);
        out.blockers.extend(one.blockers);
    }
    if flag(gate.get("passed")) == 0.0 {
        let blockers = array(gate, "blockers");
        let why = failure_reason(blockers);
        out.blockers.push(Blocker::new(
            Code::BenchmarkSloGateNotPassed,
            format!("benchmark-SLO gate `{shown}`: {why}"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_lower_metric_fails() {
        let report = json!({"passed": true, "allowed_regression_ratio": 0.1, "items": [
            {"metric": "duration_seconds", "direction": "lower", "actual": "-Infinity", "baseline": 90.0,
             "allowed_threshold": 99.0, "passed": true}]});
        let out = extract_baseline(report.as_object().unwrap(), "b.json");
        let passed = out
            .series
            .iter()
            .find(|s| s.spec.name == "dpone_benchmark_item_passed")
            .unwrap();
        assert_eq!(passed.value, 0.0);
        assert_eq!(out.blockers[0].code, Code::BenchmarkBaselineRegression);
        assert!(out.blockers[0]
            .message
            .contains("duration_seconds was not measured"));
    }
}
