//! Unit tests of the gates: objectives, regressions, tolerances and their results.

use std::sync::Arc;

use super::regressions::{regression_ratio, within_tolerance as within};
use super::*;
use crate::observability::metrics::{Descriptor, LabelSet, MetricPoint};
use crate::observability::points::Points;
use crate::observability::sources::run_report::CATALOG as RUN;
use std::path::Path;

fn point(spec_index: usize, value: f64, labels: &[(&str, &str)]) -> MetricPoint {
    MetricPoint {
        name: RUN[spec_index].name.into(),
        value,
        labels: Arc::new(LabelSet::new(labels.iter().copied()).unwrap()),
        attributes: LabelSet::empty(),
        descriptor: Descriptor::Catalog(RUN[spec_index]),
    }
}

fn known() -> Vec<&'static str> {
    RUN.iter().map(|s| s.name).collect()
}

fn store(points: &[MetricPoint]) -> Points {
    Points::try_from_points(points).expect("a few points fit the store")
}

fn run(config: &str, points: &[MetricPoint]) -> Gated {
    let policy = crate::observability::policy::parse_policy(config, "p.yml").unwrap();
    evaluate(
        &policy.gates,
        &store(points),
        History::default(),
        &known(),
        &LabelSet::empty(),
    )
    .unwrap()
}

fn codes(gated: &Gated) -> Vec<String> {
    gated.blockers.iter().map(|b| b.id().to_string()).collect()
}

#[test]
fn bounds_are_inclusive() {
    // RUN[4] is dpone_duration_seconds.
    let points = [point(4, 300.0, &[("process", "p")])];
    let gated = run(
        "objectives:\n  dpone_duration_seconds: {min: 300, max: 300}\n",
        &points,
    );
    assert!(gated.blockers.is_empty(), "{:?}", gated.blockers);
    assert_eq!(gated.results.objectives.len(), 2);
    assert!(gated.results.objectives.iter().all(|o| o.passed));

    let above = [point(4, 300.0001, &[])];
    let gated = run("objectives:\n  duration_seconds: 300\n", &above);
    assert_eq!(codes(&gated), ["slo.dpone_duration_seconds.above_max"]);
    let below = [point(4, 299.9999, &[])];
    let gated = run("objectives:\n  duration_seconds: {min: 300}\n", &below);
    assert_eq!(codes(&gated), ["slo.dpone_duration_seconds.below_min"]);
    assert!(
        gated.blockers[0].message.contains("p.yml line 2"),
        "{}",
        gated.blockers[0].message
    );
}

#[test]
fn nan_fails_both_bounds() {
    let gated = run(
        "objectives:\n  duration_seconds: {min: 0, max: 1}\n",
        &[point(4, f64::NAN, &[])],
    );
    assert_eq!(gated.blockers.len(), 2);
}

#[test]
fn a_missing_metric_fails_its_objective() {
    let gated = run(
        "objectives:\n  dpone_error_count: {max: 0, severity: warning}\n  lag_seconds: 60\n",
        &[point(4, 1.0, &[])],
    );
    assert_eq!(
        codes(&gated),
        [
            "slo.dpone_error_count.missing",
            "slo.dpone_lag_seconds.missing"
        ]
    );
    assert_eq!(gated.blockers[0].severity(), Severity::Warning);
    assert!(
        gated.blockers[1]
            .message
            .ends_with("no input gave it as a custom metric"),
        "{}",
        gated.blockers[1].message
    );
    let present: Vec<_> = gated
        .points
        .iter()
        .filter(|p| p.labels.get("rule") == Some("present"))
        .collect();
    assert_eq!(present.len(), 2);
    assert!(present.iter().all(|p| p.value == 0.0));
}

#[test]
fn label_matchers_select_series() {
    let points = [
        point(4, 10.0, &[("process", "a")]),
        point(4, 500.0, &[("process", "b")]),
    ];
    let gated = run(
        "objectives:\n  - metric: dpone_duration_seconds\n    labels: {process: a}\n    max: 60\n",
        &points,
    );
    assert!(gated.blockers.is_empty());
    assert_eq!(gated.results.objectives.len(), 1);
    let gated = run(
        "objectives:\n  - metric: dpone_duration_seconds\n    labels: {process: c}\n    max: 60\n",
        &points,
    );
    assert_eq!(codes(&gated), ["slo.dpone_duration_seconds.missing"]);
    let gated = run(
        "objectives:\n  dpone_duration_seconds: {max: 60}\n",
        &points,
    );
    assert_eq!(codes(&gated), ["slo.dpone_duration_seconds.above_max"]);
    assert!(gated.blockers[0].message.contains("process=\"b\""));
}

#[test]
fn gate_series_carry_the_gated_series_labels() {
    let points = [point(4, 10.0, &[("process", "a"), ("metric", "clash")])];
    let gated = run(
        "objectives:\n  dpone_duration_seconds: {max: 60}\n",
        &points,
    );
    let passed = &gated.points[0];
    assert_eq!(&*passed.name, "dpone_slo_passed");
    assert_eq!(passed.labels.get("metric"), Some("dpone_duration_seconds"));
    assert_eq!(passed.labels.get("exported_metric"), Some("clash"));
    assert_eq!(passed.labels.get("process"), Some("a"));
    assert_eq!(passed.labels.get("rule"), Some("max"));
    assert_eq!(gated.points[1].value, 60.0);
}

#[test]
fn a_pattern_that_matches_nothing_fails_as_missing() {
    // dpone fails an objective on an absent metric; a pattern is no different.
    let gated = run(
        "objectives:\n  - metric: dpone_nothing_*\n    min: 1\n",
        &[],
    );
    assert_eq!(codes(&gated), ["slo.dpone_nothing_*.missing"]);
    assert!(
        gated.blockers[0].message.contains("p.yml line 2"),
        "{}",
        gated.blockers[0].message
    );
    // A pattern that matches a catalogued metric fails as missing too, saying which.
    let gated = run("objectives:\n  - metric: dpone_*_count\n    max: 0\n", &[]);
    assert_eq!(codes(&gated), ["slo.dpone_*_count.missing"]);
    assert!(gated.blockers[0].message.contains("was not read"));
}

fn baseline_file(metrics: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(
        &mut file,
        format!("{{\"metrics\": [{metrics}]}}").as_bytes(),
    )
    .unwrap();
    file
}

fn compare_with(config: &str, points: &[MetricPoint], baseline: &Path) -> Gated {
    let policy = crate::observability::policy::parse_policy(config, "p.yml").unwrap();
    evaluate(
        &policy.gates,
        &store(points),
        crate::observability::report_file::read_history(&[baseline.to_path_buf()]),
        &known(),
        &LabelSet::empty(),
    )
    .unwrap()
}

#[test]
fn regressions_against_a_baseline_with_added_removed_and_changed_series() {
    let file = baseline_file(
        r#"{"name": "dpone_duration_seconds", "labels": {"process": "a"}, "value": 100},
           {"name": "dpone_duration_seconds", "labels": {"process": "gone"}, "value": 1},
           {"name": "dpone_throughput_rows_per_second", "labels": {"process": "a"}, "value": 1000},
           {"name": "dpone_final_rows", "labels": {}, "value": "NaN"},
           {"name": "dpone_slo_passed", "labels": {}, "value": 1}"#,
    );
    let points = [
        point(4, 110.0, &[("process", "a")]),
        point(4, 5.0, &[("process", "new")]),
        point(5, 899.0, &[("process", "a")]),
    ];
    let config = "regressions:\n  dpone_duration_seconds: {direction: lower, ratio: 0.10}\n  dpone_throughput_rows_per_second: {direction: higher, absolute: 100}\n";
    let gated = compare_with(config, &points, file.path());
    assert_eq!(
        codes(&gated),
        ["regression.dpone_throughput_rows_per_second"]
    );
    let statuses: Vec<(&str, &str, bool)> = gated
        .results
        .regressions
        .iter()
        .map(|c| (c.metric.as_str(), c.status.as_str(), c.passed))
        .collect();
    assert_eq!(
        statuses,
        [
            ("dpone_duration_seconds", "compared", true),
            ("dpone_duration_seconds", "added", true),
            ("dpone_duration_seconds", "removed", true),
            ("dpone_throughput_rows_per_second", "compared", false),
        ]
    );
    // 110 against 100 with ratio 0.10 is exactly at the tolerance.
    let first = &gated.results.regressions[0];
    assert!((first.ratio.unwrap() - 0.1).abs() < 1e-12);
    assert_eq!(gated.results.baseline.status, BaselineStatus::Compared);
    assert_eq!(gated.results.baseline.removed_metrics, ["dpone_final_rows"]);
    assert!(gated.results.baseline.added_metrics.is_empty());
    let ratio = gated
        .points
        .iter()
        .find(|p| {
            &*p.name == "dpone_regression_ratio"
                && p.labels.get("metric") == Some("dpone_throughput_rows_per_second")
        })
        .unwrap();
    assert!((ratio.value - 0.101).abs() < 1e-12);
}

#[test]
fn a_metric_that_disappeared_is_a_regression() {
    let file = baseline_file(r#"{"name": "dpone_duration_seconds", "labels": {}, "value": 3}"#);
    let gated = compare_with(
        "regressions:\n  duration_seconds: {direction: lower, ratio: 0.5, severity: warning}\n",
        &[point(5, 1.0, &[])],
        file.path(),
    );
    assert_eq!(codes(&gated), ["regression.dpone_duration_seconds"]);
    assert_eq!(gated.blockers[0].severity(), Severity::Warning);
    assert_eq!(
        gated.results.regressions[0].status,
        ComparisonStatus::Disappeared
    );
}

#[test]
fn missing_and_invalid_baselines_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let config = "regressions:\n  duration_seconds: {direction: lower, ratio: 0.5}\n";
    let gated = compare_with(config, &[point(4, 1.0, &[])], &dir.path().join("nope.json"));
    assert_eq!(codes(&gated), ["baseline.missing"]);
    assert_eq!(gated.results.baseline.status, BaselineStatus::Missing);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "<html>").unwrap();
    let gated = compare_with(config, &[point(4, 1.0, &[])], &bad);
    assert_eq!(codes(&gated), ["baseline.invalid"]);
    std::fs::write(&bad, r#"{"metrics": [{"name": "x", "value": true}]}"#).unwrap();
    let gated = compare_with(config, &[point(4, 1.0, &[])], &bad);
    assert_eq!(codes(&gated), ["baseline.invalid"]);
    assert!(gated
        .blockers
        .iter()
        .all(|b| b.severity() == Severity::Warning));
}

#[test]
fn zero_baselines_and_tolerance_edges() {
    assert_eq!(regression_ratio(Direction::Lower, 0.0, 0.0), 0.0);
    assert_eq!(regression_ratio(Direction::Lower, 0.0, 1.0), f64::INFINITY);
    assert_eq!(
        regression_ratio(Direction::Higher, 0.0, 1.0),
        f64::NEG_INFINITY
    );
    assert!(within(Direction::Lower, Tolerance::Absolute(0.0), 5.0, 5.0));
    assert!(!within(
        Direction::Lower,
        Tolerance::Absolute(0.0),
        5.0,
        5.5
    ));
    assert!(within(
        Direction::Higher,
        Tolerance::Ratio(0.5),
        -10.0,
        -15.0
    ));
    assert!(!within(
        Direction::Higher,
        Tolerance::Ratio(0.5),
        -10.0,
        -15.1
    ));
    assert!(!within(
        Direction::Lower,
        Tolerance::Ratio(1.0),
        1.0,
        f64::NAN
    ));
}

#[test]
fn ignored_labels_match_a_failed_run_with_a_passing_baseline() {
    let file = baseline_file(
        r#"{"name": "dpone_extracted_rows", "labels": {"process": "a", "status": "success"}, "value": 100}"#,
    );
    let points = [point(0, 0.0, &[("process", "a"), ("status", "error")])];
    let strict = compare_with(
        "regressions:\n  extracted_rows: {direction: higher, absolute: 0}\n",
        &points,
        file.path(),
    );
    assert!(strict.blockers.is_empty(), "{:?}", strict.blockers);
    let statuses: Vec<&str> = strict
        .results
        .regressions
        .iter()
        .map(|c| c.status.as_str())
        .collect();
    assert_eq!(statuses, ["added", "removed"]);
    let lenient = compare_with(
        "regressions:\n  extracted_rows: {direction: higher, absolute: 0, ignore_labels: [status]}\n",
        &points,
        file.path(),
    );
    assert_eq!(codes(&lenient), ["regression.dpone_extracted_rows"]);
    let c = &lenient.results.regressions[0];
    assert_eq!(
        (c.status, c.baseline, c.actual),
        (ComparisonStatus::Compared, Some(100.0), Some(0.0))
    );
    assert_eq!(c.labels.get("status").map(String::as_str), Some("error"));
}

#[test]
fn overlapping_gates_share_one_series_and_a_failure_wins() {
    let points = [point(4, 5.0, &[])];
    let gated = run(
        "objectives:\n  - metric: dpone_duration_seconds\n    max: 10\n    severity: warning\n  - metric: duration_seconds\n    max: 1\n",
        &points,
    );
    assert_eq!(codes(&gated), ["slo.dpone_duration_seconds.above_max"]);
    let series: Vec<(&str, f64)> = gated.points.iter().map(|p| (&*p.name, p.value)).collect();
    assert_eq!(
        series,
        [("dpone_slo_passed", 0.0), ("dpone_slo_bound", 1.0)]
    );
    let min = run(
        "objectives:\n  - metric: dpone_duration_seconds\n    min: 1\n  - metric: dpone_duration_seconds\n    min: 2\n",
        &points,
    );
    assert_eq!(min.points[1].value, 2.0, "the strictest min");
}

#[test]
fn a_label_matcher_that_matches_nothing_says_so() {
    let gated = run(
        "objectives:\n  - metric: dpone_duration_seconds\n    labels: {process: other}\n    max: 1\n",
        &[point(4, 5.0, &[("process", "a")])],
    );
    assert!(
        gated.blockers[0].message.contains("check the matchers"),
        "{}",
        gated.blockers[0].message
    );
}

#[test]
fn a_baseline_with_labels_that_collide_once_sanitised_is_invalid() {
    let file = baseline_file(
        r#"{"name": "dpone_duration_seconds", "labels": {"a.b": "1", "a_b": "2"}, "value": 1}"#,
    );
    let gated = compare_with(
        "regressions:\n  duration_seconds: {direction: lower, ratio: 0.5}\n",
        &[point(4, 1.0, &[])],
        file.path(),
    );
    assert_eq!(codes(&gated), ["baseline.invalid"]);
    assert!(
        gated.blockers[0].message.contains("collide"),
        "{}",
        gated.blockers[0].message
    );
}

#[test]
fn each_series_of_one_metric_has_its_row_and_no_chart() {
    let points = [
        point(4, 5.0, &[("process", "a")]),
        point(4, 6.0, &[("process", "b")]),
    ];
    let gated = run(
        "objectives:\n  dpone_duration_seconds: {max: 10}\n",
        &points,
    );
    let mut md = String::new();
    write_markdown(&gated.results, "##", &|_| "1", &mut md);
    assert!(md.contains("`duration_seconds{process=a}`"), "{md}");
    assert!(md.contains("`duration_seconds{process=b}`"), "{md}");
    assert!(!md.contains("mermaid"), "{md}");
}

#[test]
fn gate_series_families_follow_the_catalogue() {
    use super::series::GateSeries;
    let families = [
        (GateSeries::SloPassed, "dpone_slo_passed"),
        (GateSeries::SloBound, "dpone_slo_bound"),
        (GateSeries::RegressionPassed, "dpone_regression_passed"),
        (GateSeries::RegressionRatio, "dpone_regression_ratio"),
        (GateSeries::RegressionBaseline, "dpone_regression_baseline"),
    ];
    for (family, name) in families {
        assert_eq!(CATALOG[family as usize].name, name);
    }
}

/// The one `slo.<metric>.missing` blocker an objective on `config` gives against every
/// catalogued metric name and `points`, as the export evaluates it.
fn missing_message(config: &str, points: &[MetricPoint]) -> String {
    let policy = crate::observability::policy::parse_policy(config, "p.yml").unwrap();
    let gated = evaluate(
        &policy.gates,
        &store(points),
        History::default(),
        &crate::observability::catalog::known_names(),
        &LabelSet::empty(),
    )
    .expect("an objective on an absent metric is no configuration error");
    assert_eq!(gated.blockers.len(), 1, "{:?}", gated.blockers);
    let blocker = &gated.blockers[0];
    assert!(
        blocker.id().to_string().ends_with(".missing"),
        "{}",
        blocker.id()
    );
    assert!(!gated.results.objectives[0].passed);
    blocker.message.clone()
}

#[test]
fn an_objective_on_a_name_that_is_no_metric_fails_as_missing() {
    let policy = crate::observability::policy::parse_policy(
        "objectives:\n  zzzz: {max: 1, severity: warning}\n",
        "p.yml",
    )
    .unwrap();
    let gated = evaluate(
        &policy.gates,
        &Points::new(),
        History::default(),
        &known(),
        &LabelSet::empty(),
    )
    .unwrap();
    assert_eq!(codes(&gated), ["slo.dpone_zzzz.missing"]);
    // The objective's severity, as for any other of its failures.
    assert_eq!(gated.blockers[0].severity(), Severity::Warning);
    assert_eq!(gated.results.objectives[0].rule, BoundRule::Present);
}

#[test]
fn a_typo_gets_a_suggestion_and_an_unrelated_name_none() {
    // Real typos of catalogued names: the bare name as written, or the prefixed one.
    for (written, meant) in [
        ("extracted_rowz", "extracted_rows"),
        ("duration_secs", "duration_seconds"),
        ("freshnes_lag_seconds", "freshness_lag_seconds"),
        ("throughput_rows_per_sec", "throughput_rows_per_second"),
        ("dpone_duration_secnds", "dpone_duration_seconds"),
    ] {
        let message = missing_message(&format!("objectives:\n  {written}: {{max: 1}}\n"), &[]);
        assert!(
            message.ends_with(&format!("; did you mean `{meant}`?")),
            "{written}: {message}"
        );
    }
    // Names that are no typo of any metric get none. With the shared `dpone_` prefix compared,
    // `freshness_lag_seconds` once got `regression_passed` and `foo` got `slo_bound`.
    for written in [
        "foo",
        "customer_count",
        "latency_p95_seconds",
        "queue_depth",
        "rows_per_mib",
        "regression_pased",
        "slo_bond",
    ] {
        let message = missing_message(&format!("objectives:\n  {written}: {{max: 1}}\n"), &[]);
        assert!(!message.contains("did you mean"), "{written}: {message}");
        assert!(
            message.contains("no input gave it as a custom metric"),
            "{message}"
        );
    }
    // A catalogued metric names the input that gives it; a gate series says it is one.
    let message = missing_message("objectives:\n  freshness_lag_seconds: {max: 300}\n", &[]);
    assert!(
        message.ends_with(
            ": the input that gives it (a run registry entry) was not read or does not have it"
        ),
        "{message}"
    );
    let message = missing_message("objectives:\n  slo_passed: {min: 1}\n", &[]);
    assert!(
        message.ends_with("objectives do not gate the gate series (docs/gates.md)"),
        "{message}"
    );
    // A custom metric of this export is a candidate too.
    let mut custom = point(4, 1.0, &[]);
    custom.name = "dpone_lag_seconds".into();
    let message = missing_message("objectives:\n  lag_secs: 60\n", &[custom]);
    assert!(
        message.ends_with("; did you mean `lag_seconds`?"),
        "{message}"
    );
}

#[test]
fn long_gate_names_shorten_in_the_middle_to_the_limit() {
    use super::markdown::{shorten, NAME_CHARS};
    assert_eq!(shorten("abcdefghij", 7), "abcd…ij");
    assert_eq!(shorten("short", NAME_CHARS), "short");
    let long = "duration_seconds{pipeline=orders_reconciliation_nightly,status=success}";
    let short = shorten(long, NAME_CHARS);
    assert_eq!(short.chars().count(), NAME_CHARS);
    assert!(short.starts_with("duration_seconds{") && short.ends_with("success}"));
}

fn compare_many(config: &str, points: &[MetricPoint], values: &[f64]) -> Gated {
    let files: Vec<tempfile::NamedTempFile> = values
        .iter()
        .map(|v| {
            baseline_file(&format!(
                r#"{{"name": "dpone_duration_seconds", "labels": {{}}, "value": {v}}}"#
            ))
        })
        .collect();
    let paths: Vec<std::path::PathBuf> = files.iter().map(|f| f.path().to_path_buf()).collect();
    let policy = crate::observability::policy::parse_policy(config, "p.yml").unwrap();
    evaluate(
        &policy.gates,
        &store(points),
        crate::observability::report_file::read_history(&paths),
        &known(),
        &LabelSet::empty(),
    )
    .unwrap()
}

#[test]
fn a_shadow_rule_that_breaches_would_fail_and_blocks_nothing() {
    let rule =
        "regressions:\n  duration_seconds: {direction: lower, ratio: 0.1, enforce: shadow}\n";
    let gated = compare_many(rule, &[point(4, 200.0, &[])], &[100.0]);
    assert!(gated.blockers.is_empty(), "{:?}", gated.blockers);
    let row = &gated.results.regressions[0];
    assert_eq!(
        (row.verdict, row.enforce),
        (Verdict::WouldFail, Enforce::Shadow)
    );
    assert!(row.passed && row.breached);
    assert!(
        row.reason.as_deref().unwrap().starts_with("would fail"),
        "{:?}",
        row.reason
    );
    assert!(inconclusive_blockers(&gated.results).is_empty());
    // The same rule enforced fails.
    let gated = compare_many(
        &rule.replace("shadow", "block"),
        &[point(4, 200.0, &[])],
        &[100.0],
    );
    assert_eq!(codes(&gated), ["regression.dpone_duration_seconds"]);
    assert_eq!(gated.results.regressions[0].verdict, Verdict::Failed);
    // A shadow rule on a metric that is nowhere would fail too, and blocks nothing.
    let absent = "regressions:\n  lag_seconds: {direction: lower, ratio: 0.1, enforce: shadow}\n";
    let gated = compare_many(absent, &[point(4, 1.0, &[])], &[1.0]);
    assert!(gated.blockers.is_empty(), "{:?}", gated.blockers);
    assert_eq!(gated.results.regressions[0].verdict, Verdict::WouldFail);
}

#[test]
fn a_change_below_min_change_is_inconclusive() {
    let now = [point(4, 112.0, &[])];
    for min_change in ["20%", "15", "12.5"] {
        let rule = format!(
            "regressions:\n  duration_seconds: {{direction: lower, ratio: 0.1, min_change: {min_change}}}\n"
        );
        let gated = compare_many(&rule, &now, &[100.0]);
        assert!(
            gated.blockers.is_empty(),
            "{min_change}: {:?}",
            gated.blockers
        );
        let row = &gated.results.regressions[0];
        assert_eq!(row.verdict, Verdict::Inconclusive, "{min_change}");
        assert!(row.passed && !row.breached);
        let why = row.reason.as_deref().unwrap();
        assert!(
            why.contains(&format!("`min_change: {min_change}`")),
            "{why}"
        );
        // `fail-on: inconclusive` turns it into an error.
        let blockers = inconclusive_blockers(&gated.results);
        assert_eq!(blockers.len(), 1);
        assert_eq!(blockers[0].severity(), Severity::Error);
        assert!(
            blockers[0].message.contains("inconclusive"),
            "{}",
            blockers[0].message
        );
    }
    // A change of at least `min_change` is judged as before: 12 >= 10 % of 100, and >= 12.
    for min_change in ["10%", "12"] {
        let rule = format!(
            "regressions:\n  duration_seconds: {{direction: lower, ratio: 0.1, min_change: {min_change}}}\n"
        );
        let gated = compare_many(&rule, &now, &[100.0]);
        assert_eq!(
            codes(&gated),
            ["regression.dpone_duration_seconds"],
            "{min_change}"
        );
    }
}

#[test]
fn too_few_samples_are_inconclusive() {
    let rule = "regressions:\n  duration_seconds: {direction: lower, test: t_test, boundary: 0.99, min_samples: 3}\n";
    let gated = compare_many(rule, &[point(4, 500.0, &[])], &[100.0, 101.0]);
    assert!(gated.blockers.is_empty(), "{:?}", gated.blockers);
    let row = &gated.results.regressions[0];
    assert_eq!(row.status, ComparisonStatus::Insufficient);
    assert_eq!(row.verdict, Verdict::Inconclusive);
    assert_eq!(inconclusive_blockers(&gated.results).len(), 1);
}

#[test]
fn a_series_too_noisy_for_max_cv_is_inconclusive() {
    // CV of 10, 20, 30, 40: 0.516 (see stats' coefficient_of_variation_matches_python).
    let history = [10.0, 20.0, 30.0, 40.0];
    let rule = |cv: f64| {
        format!("regressions:\n  duration_seconds: {{direction: lower, test: z_score, boundary: 0.99, min_samples: 4, max_cv: {cv}}}\n")
    };
    let gated = compare_many(&rule(0.3), &[point(4, 500.0, &[])], &history);
    assert!(gated.blockers.is_empty(), "{:?}", gated.blockers);
    let row = &gated.results.regressions[0];
    assert_eq!(row.verdict, Verdict::Inconclusive);
    assert_eq!(
        row.reason.as_deref(),
        Some("too noisy (CV 0.52 > 0.3, `max_cv`)")
    );
    // Under a looser bound the breach fails.
    let gated = compare_many(&rule(0.6), &[point(4, 500.0, &[])], &history);
    assert_eq!(codes(&gated), ["regression.dpone_duration_seconds"]);
}

/// `normality: 0.05`: a history Shapiro-Wilk calls not normal makes `z_score` and `t_test`
/// inconclusive. `python3 -c "from scipy.stats import shapiro;print(shapiro([10,11,10,12,10,11,10,50]),shapiro([98,101,100,103,99,102,97,100]))"`
/// gives W = 0.4607, p = 3.4e-6 and W = 0.9828, p = 0.975.
#[test]
fn a_history_that_is_not_normal_is_inconclusive_under_normality() {
    let skewed = [10.0, 11.0, 10.0, 12.0, 10.0, 11.0, 10.0, 50.0];
    let normal = [98.0, 101.0, 100.0, 103.0, 99.0, 102.0, 97.0, 100.0];
    for test in ["z_score", "t_test"] {
        let rule = |option: &str| {
            format!("regressions:\n  duration_seconds: {{direction: lower, test: {test}, boundary: 0.99{option}}}\n")
        };
        let gated = compare_many(&rule(", normality: 0.05"), &[point(4, 500.0, &[])], &skewed);
        assert!(gated.blockers.is_empty(), "{test}: {:?}", gated.blockers);
        let row = &gated.results.regressions[0];
        assert_eq!(row.verdict, Verdict::Inconclusive, "{test}");
        assert!(row.passed && !row.breached, "{test}");
        assert_eq!(
            row.reason.as_deref(),
            Some("samples not normal (Shapiro-Wilk W = 0.46, p = 3.4e-6 < 0.05, `normality`)"),
            "{test}"
        );
        // Without the option (the default) the same breach fails.
        let gated = compare_many(&rule(""), &[point(4, 500.0, &[])], &skewed);
        assert_eq!(
            codes(&gated),
            ["regression.dpone_duration_seconds"],
            "{test}"
        );
        // A normal history is judged: the breach fails, a value within passes.
        let gated = compare_many(&rule(", normality: 0.05"), &[point(4, 500.0, &[])], &normal);
        assert_eq!(
            codes(&gated),
            ["regression.dpone_duration_seconds"],
            "{test}"
        );
        let gated = compare_many(&rule(", normality: 0.05"), &[point(4, 100.5, &[])], &normal);
        assert!(gated.blockers.is_empty(), "{test}: {:?}", gated.blockers);
        assert_eq!(
            gated.results.regressions[0].verdict,
            Verdict::Passed,
            "{test}"
        );
    }
    // Too few samples for Shapiro-Wilk, or all equal: the check is skipped, the test judges.
    let rule = "regressions:\n  duration_seconds: {direction: lower, test: t_test, boundary: 0.99, min_samples: 2, normality: 0.05}\n";
    let gated = compare_many(rule, &[point(4, 500.0, &[])], &[100.0, 101.0]);
    assert_eq!(codes(&gated), ["regression.dpone_duration_seconds"]);
    let gated = compare_many(rule, &[point(4, 500.0, &[])], &[100.0; 6]);
    assert_eq!(codes(&gated), ["regression.dpone_duration_seconds"]);
}

#[test]
fn normality_is_a_p_value_for_z_score_and_t_test_only() {
    for (rule, says) in [
        (
            "ratio: 0.1, normality: 0.05",
            "for `test: z_score` and `test: t_test`",
        ),
        ("test: iqr, boundary: 1.5, normality: 0.05", "`iqr`"),
        (
            "test: log_normal, boundary: 0.99, normality: 0.05",
            "`log_normal`",
        ),
        (
            "test: z_score, boundary: 0.99, normality: 0",
            "above 0 and below 1",
        ),
        (
            "test: t_test, boundary: 0.99, normality: 1",
            "above 0 and below 1",
        ),
    ] {
        let config = format!("regressions:\n  duration_seconds: {{direction: lower, {rule}}}\n");
        let err = crate::observability::policy::parse_policy(&config, "p.yml").unwrap_err();
        assert!(err.to_string().contains(says), "{rule}: {err}");
    }
}

#[test]
fn enforce_min_change_and_max_cv_are_checked() {
    for (option, says) in [
        ("enforce: warn", "`enforce: warn`"),
        ("min_change: lots", "`min_change: lots`"),
        ("min_change: -1", "at least 0"),
        ("max_cv: 0", "`max_cv`"),
    ] {
        let config = format!(
            "regressions:\n  duration_seconds: {{direction: lower, ratio: 0.1, {option}}}\n"
        );
        let err = crate::observability::policy::parse_policy(&config, "p.yml").unwrap_err();
        assert!(err.to_string().contains(says), "{option}: {err}");
    }
}

#[test]
fn a_shadow_objective_would_fail_and_blocks_nothing() {
    let points = [point(4, 400.0, &[])];
    let gated = run(
        "objectives:\n  duration_seconds: {max: 300, enforce: shadow}\n  lag_seconds: {max: 1, enforce: shadow}\n",
        &points,
    );
    assert!(gated.blockers.is_empty(), "{:?}", gated.blockers);
    let states: Vec<(bool, bool, Enforce)> = gated
        .results
        .objectives
        .iter()
        .map(|o| (o.passed, o.would_fail, o.enforce))
        .collect();
    assert_eq!(
        states,
        [
            (false, true, Enforce::Shadow),
            (false, true, Enforce::Shadow)
        ]
    );
    let json = serde_json::to_string(&gated.results.objectives[0]).unwrap();
    assert!(
        json.contains(r#""enforce":"shadow""#) && json.contains(r#""would_fail":true"#),
        "{json}"
    );
    // Enforced, the same objectives fail.
    let gated = run(
        "objectives:\n  duration_seconds: {max: 300}\n  lag_seconds: {max: 1, enforce: block}\n",
        &points,
    );
    assert_eq!(
        codes(&gated),
        [
            "slo.dpone_duration_seconds.above_max",
            "slo.dpone_lag_seconds.missing"
        ]
    );
    let json = serde_json::to_string(&gated.results.objectives[0]).unwrap();
    assert!(
        !json.contains("enforce") && !json.contains("would_fail"),
        "{json}"
    );
    let err = crate::observability::policy::parse_policy(
        "objectives:\n  duration_seconds: {max: 1, enforce: soft}\n",
        "p.yml",
    )
    .unwrap_err();
    assert!(err.to_string().contains("`enforce: soft`"), "{err}");
}

#[test]
fn runtime_metrics_md_shows_would_fail_and_inconclusive_as_their_own_states() {
    let config = "regressions:\n  - {metric: duration_seconds, direction: lower, ratio: 0.1, enforce: shadow}\n  - {metric: duration_seconds, direction: lower, test: t_test, boundary: 0.99}\n";
    let gated = compare_many(config, &[point(4, 200.0, &[])], &[100.0]);
    let mut out = String::new();
    write_markdown(&gated.results, "##", &|_| "", &mut out);
    assert!(
        out.contains("1 inconclusive, 1 would fail (shadow)"),
        "{out}"
    );
    assert!(
        out.contains(
            "| 👁 would fail | `duration_seconds` | 200 | ≤\u{a0}110 | +100% vs baseline |"
        ),
        "{out}"
    );
    assert!(
        out.contains("| ❔ inconclusive | `duration_seconds` | not compared (1 sample of the 3"),
        "{out}"
    );
    assert!(out.contains("2 comparisons, 0 failed"), "{out}");
}

/// A shadow rule is replayed over the history it was given (each run against the runs before
/// it, by the gate's judgement): 100 → 100 passes, 100 → 130 breaches the 10 %, 130 → 100 and
/// 100 → 101 pass, so it would have failed 1 of the last 4 runs, which the report shows.
#[test]
fn a_shadow_rule_says_how_often_it_would_have_failed_on_its_history() {
    let history = [100.0, 100.0, 130.0, 100.0, 101.0];
    let shadow =
        "regressions:\n  duration_seconds: {direction: lower, ratio: 0.1, enforce: shadow}\n";
    let gated = compare_many(shadow, &[point(4, 200.0, &[])], &history);
    let row = &gated.results.regressions[0];
    assert_eq!(row.verdict, Verdict::WouldFail);
    assert_eq!(
        row.replayed,
        Some(Replayed {
            runs: 4,
            would_fail: 1
        })
    );
    let mut out = String::new();
    write_markdown(&gated.results, "##", &|_| "", &mut out);
    assert!(
        out.contains("| 👁 would fail | `duration_seconds` | 200; would have failed 1 of the last 4 runs on main |"),
        "{out}"
    );
    // The same through the statistical path: t_test over 3 runs before each judges runs 3 and 4.
    let shadow = "regressions:\n  duration_seconds: {direction: lower, test: t_test, boundary: 0.99, enforce: shadow}\n";
    let gated = compare_many(shadow, &[point(4, 100.5, &[])], &history);
    let row = &gated.results.regressions[0];
    assert_eq!(row.verdict, Verdict::Passed);
    assert_eq!(row.replayed.map(|r| r.runs), Some(2));
    // A rule that blocks is not replayed, nor is a shadow rule with one run of history.
    let block = "regressions:\n  duration_seconds: {direction: lower, ratio: 0.1}\n";
    let gated = compare_many(block, &[point(4, 200.0, &[])], &history);
    assert_eq!(gated.results.regressions[0].replayed, None);
    let shadow =
        "regressions:\n  duration_seconds: {direction: lower, ratio: 0.1, enforce: shadow}\n";
    let gated = compare_many(shadow, &[point(4, 200.0, &[])], &[100.0]);
    assert_eq!(gated.results.regressions[0].replayed, None);
}
