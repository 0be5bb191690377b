//! `dpone ops certification-suite` (suite and its index) and the two certification report
//! shapes (`dpone ops certification-run`, `dpone ops integration-matrix-report`).

use serde_json::{Map, Value};

use super::super::blockers::{Blocker, Code};
use super::super::metrics::MetricSpec;
use super::{array, failure_reason, flag, num, text, Extracted, Series};
use crate::metric_spec;

metric_spec!(
    SUITE_PASSED,
    "dpone_certification_suite_passed",
    "1",
    "Certification suite verdict, 1 for passed and 0 for failed."
);
metric_spec!(
    SUITE_CASES,
    "dpone_certification_suite_case_count",
    "1",
    "Certification cases the suite's report holds."
);
metric_spec!(
    SUITE_EVIDENCE,
    "dpone_certification_suite_evidence_count",
    "1",
    "Evidence items the suite evaluated."
);
metric_spec!(
    SUITE_BLOCKERS,
    "dpone_certification_suite_blocker_count",
    "1",
    "Blockers of the certification suite."
);
metric_spec!(
    SUITE_ITEMS_PASSED,
    "dpone_certification_suite_items_passed",
    "1",
    "Evidence items of the suite that passed."
);
metric_spec!(
    SUITE_ITEMS_REQUIRED,
    "dpone_certification_suite_items_required",
    "1",
    "Evidence items the suite requires."
);
metric_spec!(
    SUITE_EVIDENCE_STATUS,
    "dpone_certification_suite_evidence_status",
    "1",
    "Certification suite evidence status: one series per status, 1 for the current one."
);
metric_spec!(
    REPORT_PASSED,
    "dpone_certification_report_passed",
    "1",
    "Certification report verdict, 1 for passed and 0 for failed."
);
metric_spec!(
    REPORT_CASES,
    "dpone_certification_report_case_count",
    "1",
    "Cases in the certification report."
);
metric_spec!(
    REPORT_PASSED_CASES,
    "dpone_certification_report_passed_cases",
    "1",
    "Certification cases that passed."
);
metric_spec!(
    REPORT_FAILED_CASES,
    "dpone_certification_report_failed_cases",
    "1",
    "Certification cases that failed."
);
metric_spec!(
    REPORT_EXPECTED_ROWS,
    "dpone_certification_report_expected_rows",
    "rows",
    "Rows the certification cases expected, summed."
);
metric_spec!(
    REPORT_ACTUAL_ROWS,
    "dpone_certification_report_actual_rows",
    "rows",
    "Rows the certification cases produced, summed."
);
metric_spec!(
    REPORT_CHECKSUM_MISMATCHES,
    "dpone_certification_report_checksum_mismatches",
    "1",
    "Certification cases whose actual checksum differs from the expected one."
);
metric_spec!(
    REPORT_BLOCKERS,
    "dpone_certification_report_blocker_count",
    "1",
    "Blockers of the certification report."
);
metric_spec!(
    REPORT_EVIDENCE_STATUS,
    "dpone_certification_report_evidence_status",
    "1",
    "Certification report evidence status: one series per status, 1 for the current one."
);

pub static SUITE_CATALOG: [&MetricSpec; 7] = [
    &SUITE_PASSED,
    &SUITE_CASES,
    &SUITE_EVIDENCE,
    &SUITE_BLOCKERS,
    &SUITE_ITEMS_PASSED,
    &SUITE_ITEMS_REQUIRED,
    &SUITE_EVIDENCE_STATUS,
];
pub static REPORT_CATALOG: [&MetricSpec; 9] = [
    &REPORT_PASSED,
    &REPORT_CASES,
    &REPORT_PASSED_CASES,
    &REPORT_FAILED_CASES,
    &REPORT_EXPECTED_ROWS,
    &REPORT_ACTUAL_ROWS,
    &REPORT_CHECKSUM_MISMATCHES,
    &REPORT_BLOCKERS,
    &REPORT_EVIDENCE_STATUS,
];

/// The statuses dpone's trust decision knows; each gets a series so a dashboard can tell
/// "not PASS" from "no data".
pub const EVIDENCE_STATUSES: [&str; 4] = ["FAIL", "PASS", "SKIP", "UNVERIFIED"];

fn status_series(
    spec: &'static MetricSpec,
    current: &str,
    labels: &[(&'static str, String)],
    out: &mut Vec<Series>,
) {
    let mut statuses: Vec<&str> = EVIDENCE_STATUSES.to_vec();
    if !statuses.contains(&current) {
        statuses.push(current);
        statuses.sort_unstable();
    }
    for status in statuses {
        let mut with_status = labels.to_vec();
        with_status.push(("evidence_status", status.to_string()));
        out.push(Series::new(
            spec,
            if status == current { 1.0 } else { 0.0 },
            &with_status,
        ));
    }
}

/// Labels: `suite_id` (several suites in one export stay apart by it).
pub fn extract_suite(suite: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    let labels: Vec<(&'static str, String)> = text(suite, "suite_id")
        .map(|id| vec![("suite_id", id)])
        .unwrap_or_default();
    let items = array(suite, "items");
    let blockers = array(suite, "blockers");
    out.series.push(Series::new(
        &SUITE_PASSED,
        flag(suite.get("passed")),
        &labels,
    ));
    if let Some(cases) = num(suite, "case_count") {
        out.series.push(Series::new(&SUITE_CASES, cases, &labels));
    }
    out.series.push(Series::new(
        &SUITE_EVIDENCE,
        num(suite, "evidence_count").unwrap_or(items.len() as f64),
        &labels,
    ));
    out.series
        .push(Series::new(&SUITE_BLOCKERS, blockers.len() as f64, &labels));
    let passed_items = items
        .iter()
        .filter(|i| flag(i.get("passed")) == 1.0)
        .count();
    let required_items = items
        .iter()
        .filter(|i| flag(i.get("required")) == 1.0)
        .count();
    for (spec, value) in [
        (&SUITE_ITEMS_PASSED, passed_items as f64),
        (&SUITE_ITEMS_REQUIRED, required_items as f64),
    ] {
        out.series.push(Series::new(spec, value, &labels));
    }
    let status = text(suite, "evidence_status").unwrap_or_else(|| "UNVERIFIED".to_string());
    status_series(&SUITE_EVIDENCE_STATUS, &status, &labels, &mut out.series);
    if flag(suite.get("passed")) == 0.0 || !blockers.is_empty() {
        let why = failure_reason(blockers);
        let id = text(suite, "suite_id").unwrap_or_default();
        out.blockers.push(Blocker::new(
            Code::CertificationSuiteNotPassed,
            format!("certification suite `{id}` in `{shown}`: {why} (evidence status {status})"),
        ));
    }
    out
}

/// `certification_suite_index.json`: every suite in it, as if each were its own file.
pub fn extract_suite_index(index: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    for suite in array(index, "suites").iter().filter_map(Value::as_object) {
        let one = extract_suite(suite, shown);
        out.series.extend(one.series);
        out.blockers.extend(one.blockers);
    }
    out
}

/// Both report shapes. Labels: `profile` (`integration_matrix` for the matrix report, which has
/// none).
pub fn extract_report(report: &Map<String, Value>, shown: &str) -> Extracted {
    let mut out = Extracted::default();
    let profile = text(report, "profile").unwrap_or_else(|| "integration_matrix".to_string());
    let labels = vec![("profile", profile.clone())];
    let results = array(report, "results");
    let passed_cases = results
        .iter()
        .filter(|r| flag(r.get("passed")) == 1.0)
        .count() as f64;
    let cases = num(report, "case_count")
        .or_else(|| num(report, "total_cases"))
        .unwrap_or(results.len() as f64);
    let sum = |key: &str| {
        results
            .iter()
            .filter_map(|r| r.get(key).and_then(super::super::json_input::number))
            .sum::<f64>()
    };
    let mismatches = results
        .iter()
        .filter(
            |r| match (r.get("expected_checksum"), r.get("actual_checksum")) {
                (Some(e), Some(a)) if !e.is_null() && !a.is_null() => e != a,
                _ => false,
            },
        )
        .count();
    let blockers = array(report, "blockers");
    let values = [
        (&REPORT_PASSED, flag(report.get("passed"))),
        (&REPORT_CASES, cases),
        (
            &REPORT_PASSED_CASES,
            num(report, "passed_cases").unwrap_or(passed_cases),
        ),
        (
            &REPORT_FAILED_CASES,
            num(report, "failed_cases").unwrap_or(results.len() as f64 - passed_cases),
        ),
        (&REPORT_EXPECTED_ROWS, sum("expected_row_count")),
        (&REPORT_ACTUAL_ROWS, sum("actual_row_count")),
        (&REPORT_CHECKSUM_MISMATCHES, mismatches as f64),
        (&REPORT_BLOCKERS, blockers.len() as f64),
    ];
    for (spec, value) in values {
        out.series.push(Series::new(spec, value, &labels));
    }
    let status = text(report, "evidence_status").unwrap_or_else(|| "UNVERIFIED".to_string());
    status_series(&REPORT_EVIDENCE_STATUS, &status, &labels, &mut out.series);
    if flag(report.get("passed")) == 0.0 || !blockers.is_empty() {
        let why = failure_reason(blockers);
        out.blockers.push(Blocker::new(
            Code::CertificationReportNotPassed,
            format!("certification report `{shown}` (profile `{profile}`): {why}"),
        ));
    }
    out
}
