//! Gates: objectives (bounds per metric) and regressions against a baseline export, evaluated
//! on the points an export has just collected. Each failure is a per-metric blocker
//! (`slo.<metric>.below_min`, `slo.<metric>.above_max`, `slo.<metric>.missing`,
//! `regression.<metric>`); each result is also a series (`dpone_slo_passed`,
//! `dpone_regression_ratio`, ...) so dashboards see the same verdicts as the step.

pub mod baseline;
pub mod change_points;
pub mod config;
pub mod markdown;
pub mod normality;
mod objectives;
mod regressions;
pub use regressions::{judge, replay, replayed, runs_before, Judgement};
mod results;
mod series;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use super::blockers::{Blocker, Code, Severity};
use super::metrics::{Descriptor, LabelSet, MetricPoint, MetricSpec, Point, METRIC_PREFIX};
use super::points::Points;
use crate::metric_spec;

pub use baseline::{BaselineSeries, History, ReadReport, RecordedComparison, ReportSeries, Sample};
pub use change_points::{ChangePointPolicy, ChangePointResult, ChangePointsField};
pub use config::{
    parse_objectives, Direction, GateConfig, Method, Objective, ObjectiveList, Origin,
    RegressionList, RegressionRule, Selector, Tolerance,
};
pub use markdown::write_markdown;
pub use results::*;
pub use series::is_gate_series;

use objectives::evaluate_objective;
use regressions::compare;
use series::GatePoints;

metric_spec!(
    SLO_PASSED,
    "dpone_slo_passed",
    "1",
    "Objective verdict per series and rule (`min`, `max`, `present`), 1 for passed and 0 for failed."
);
metric_spec!(
    SLO_BOUND,
    "dpone_slo_bound",
    "1",
    "Bound of an objective (`rule` says which), in the unit of the metric it gates."
);
metric_spec!(
    REGRESSION_PASSED,
    "dpone_regression_passed",
    "1",
    "Regression verdict per series against the baseline export, 1 for passed and 0 for regressed."
);
metric_spec!(
    REGRESSION_RATIO,
    "dpone_regression_ratio",
    "1",
    "Change against the baseline value in the bad direction, as a ratio (0.1 is 10 % worse, negative is better)."
);
metric_spec!(
    REGRESSION_BASELINE,
    "dpone_regression_baseline",
    "1",
    "Value of the series in the baseline export."
);

/// The gate series, in the order they are written.
pub static CATALOG: [&MetricSpec; 5] = [
    &SLO_PASSED,
    &SLO_BOUND,
    &REGRESSION_PASSED,
    &REGRESSION_RATIO,
    &REGRESSION_BASELINE,
];

type Labels = Vec<(String, String)>;

/// Under `fail-on: inconclusive`, an error blocker for each inconclusive result of an enforced
/// (not shadow) regression rule: the rule could not tell, and the policy wants that to fail.
pub fn inconclusive_blockers(results: &GateResults) -> Vec<Blocker> {
    results
        .regressions
        .iter()
        .filter(|c| c.verdict == Verdict::Inconclusive && c.enforce == Enforce::Block)
        .map(|c| {
            let message = format!(
                "`{}` is inconclusive: {} ({}); `fail-on: inconclusive` fails on it",
                c.metric,
                c.reason.as_deref().unwrap_or("the rule cannot tell"),
                c.rule
            );
            c.at.locate(
                Blocker::for_metric(Code::Regression, &c.metric, message)
                    .with_severity(Severity::Error),
            )
        })
        .collect()
}

/// Evaluates every gate on `points`, the regressions against `history` (read by
/// `report_file::read_history`). `known` lists every metric name the tool can export
/// (the catalogue): an objective on a metric absent from `points` fails as
/// `slo.<metric>.missing`, and its message says whether an input was missing or the name is no
/// metric (with the closest name when one is close); a regression pattern that matches no
/// known name is the only configuration error found here. `common` are the labels every
/// point carries (the user's `--label`s), given to series about metrics that are absent.
pub fn evaluate(
    config: &GateConfig,
    points: &Points,
    history: History,
    known: &[&str],
    common: &Arc<LabelSet>,
) -> Result<Gated, GateConfigError> {
    let mut gated = Gated::default();
    if config.is_empty() && history.given.is_empty() {
        return Ok(gated);
    }
    let mut names = points.names();
    let mut out = GatePoints::new(&names);
    names.retain(|name| !is_gate_series(name));
    // An objective on a metric absent from this export (catalogued or not, a name or a
    // pattern) fails as `slo.<metric>.missing`, as dpone's does: never a configuration error.
    for objective in &config.objectives {
        evaluate_objective(objective, points, known, common, &mut gated, &mut out);
    }
    if !history.given.is_empty() {
        let names: Vec<&str> = names.iter().collect();
        compare_history(config, points, history, &names, known, &mut gated, &mut out)?;
    }
    let (points, duplicates) = out.finish();
    gated.points = points;
    gated.blockers.extend(duplicates);
    Ok(gated)
}

/// The regression half of [`evaluate`]: the history's summary, then each rule (the policy's, or
/// the defaults when it has none) against the samples. `names` are this export's metric names
/// (gate series left out).
fn compare_history(
    config: &GateConfig,
    points: &Points,
    history: History,
    names: &[&str],
    known: &[&str],
    gated: &mut Gated,
    out: &mut GatePoints,
) -> Result<(), GateConfigError> {
    let summary = &mut gated.results.baseline;
    summary.path = history.given.first().map(|p| p.display().to_string());
    summary.samples = history.samples.iter().map(sample_summary).collect();
    summary.merge_base = history.cut.clone();
    let invalid_only = history
        .blockers
        .iter()
        .all(|b| b.code == Code::BaselineInvalid);
    gated.blockers.extend(history.blockers);
    let Some(latest) = history.samples.last() else {
        gated.results.baseline.status = if invalid_only {
            BaselineStatus::Invalid
        } else {
            BaselineStatus::Missing
        };
        return Ok(());
    };
    note_latest(&mut gated.results.baseline, latest, names);
    let history_names: BTreeSet<&str> = history
        .samples
        .iter()
        .flat_map(|s| s.report.series.iter().map(|series| series.name.as_str()))
        .filter(|n| !CATALOG.iter().any(|spec| spec.name == *n))
        .collect();
    let defaults;
    let rules: &[RegressionRule] = if config.regressions.is_empty() {
        defaults = default_rules(&|n| names.contains(&n), &history_names);
        gated.results.baseline.default_rules = true;
        &defaults
    } else {
        &config.regressions
    };
    for rule in rules {
        let selector = &rule.selector;
        let anywhere = |n: &&str| selector.matches_name(n);
        let nowhere = !names.iter().any(anywhere)
            && !known.iter().any(anywhere)
            && !history_names.iter().any(anywhere);
        if nowhere && selector.is_pattern() {
            return Err(GateConfigError(format!(
                "regression rule `{}` ({}) matches no metric: none in this export, none in \
                 the baseline and none that dpone-observability extracts (docs/metrics.md)",
                selector.written, selector.origin
            )));
        }
        let change_points = match (config.change_points, rule.method) {
            (Some(policy), _) => Some(policy),
            (None, Method::ChangePoint) => Some(ChangePointPolicy::default()),
            (None, _) => None,
        };
        compare(rule, change_points, points, &history.samples, gated, out);
    }
    Ok(())
}

/// The baseline summary's account of the latest sample: what it is, and which custom metrics
/// this export added or removed against it.
fn note_latest(summary: &mut BaselineSummary, latest: &Sample, names: &[&str]) {
    summary.status = BaselineStatus::Compared;
    summary.series = latest.report.series.len();
    summary.observed_at = latest.report.observed_at.clone();
    summary.revision = latest.report.revision.clone();
    summary.ref_name = latest.report.ref_name.clone();
    let latest_names: BTreeSet<&str> = latest
        .report
        .series
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| !CATALOG.iter().any(|spec| spec.name == *n))
        .collect();
    summary.added_metrics = names
        .iter()
        .filter(|n| !latest_names.contains(*n))
        .map(|n| n.to_string())
        .collect();
    summary.removed_metrics = latest_names
        .iter()
        .filter(|n| !names.contains(n))
        .map(|n| n.to_string())
        .collect();
}

fn sample_summary(sample: &Sample) -> SampleSummary {
    SampleSummary {
        generated_at: sample.report.generated_at.clone(),
        ref_name: sample.report.ref_name.clone(),
        revision: sample.report.revision.clone(),
        run_id: sample.report.run_id.clone(),
        source: sample.source.clone(),
    }
}

/// The rules that apply when a history is given and the policy has no `regressions:`: each
/// catalogued metric with a default direction (docs/gates.md), present now or in the history,
/// under the default test, matched with `status` left out (a failed run changes it).
fn default_rules(now: &dyn Fn(&str) -> bool, history: &BTreeSet<&str>) -> Vec<RegressionRule> {
    DEFAULT_DIRECTIONS
        .iter()
        .filter(|(name, _)| now(name) || history.contains(name))
        .filter_map(|(name, direction)| {
            default_rule(name, *direction, "the default rules (docs/gates.md)")
        })
        .collect()
}

/// A rule of `name` under the default test, matched with `status` left out.
fn default_rule(name: &str, direction: Direction, source: &str) -> Option<RegressionRule> {
    let mut selector = Selector::new(name, BTreeMap::new(), 0).ok()?;
    selector.origin.source = source.to_string();
    let method = DEFAULT_METHOD;
    Some(RegressionRule {
        selector,
        direction,
        method,
        severity: Severity::Error,
        ignore_labels: vec!["status".to_string()],
        min_samples: method.default_min_samples(),
        max_samples: None,
        consecutive: 1,
        shadow: false,
        min_change: None,
        max_cv: None,
        normality: None,
    })
}

/// The rules `calibrate` proposes when the policy has none: one per metric of the history
/// (dpone's own gate series left out), under the default test (`t_test`, 0.99, `min_samples`
/// 3, `ignore_labels: [status]`), in the catalogued metric's default direction, else `both`.
pub fn calibration_rules(names: &[&str]) -> Vec<RegressionRule> {
    names
        .iter()
        .filter(|name| !CATALOG.iter().any(|spec| spec.name == **name))
        .filter_map(|name| {
            let direction = DEFAULT_DIRECTIONS
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Direction::Both, |(_, d)| *d);
            default_rule(name, direction, "the rules calibrate proposes")
        })
        .collect()
}

/// The default rules' test: a 99 % Student-t prediction interval over the history.
pub const DEFAULT_METHOD: Method = Method::Test {
    test: stats::Test::TTest,
    boundary: 0.99,
};

/// Which way each catalogued metric gets better, for the default rules; a metric not listed
/// (row counts, verdicts, gate series) is not compared unless a rule names it.
pub const DEFAULT_DIRECTIONS: &[(&str, Direction)] = &[
    ("dpone_throughput_rows_per_second", Direction::Higher),
    ("dpone_duration_seconds", Direction::Lower),
    ("dpone_attempts", Direction::Lower),
    ("dpone_retry_backoff_seconds", Direction::Lower),
    ("dpone_error_count", Direction::Lower),
    ("dpone_warning_count", Direction::Lower),
    ("dpone_orchestrated_run_blocker_count", Direction::Lower),
    ("dpone_run_registry_failing_artifacts", Direction::Lower),
    ("dpone_run_registry_blocker_count", Direction::Lower),
    ("dpone_run_registry_index_failing_runs", Direction::Lower),
    (
        "dpone_run_registry_index_failing_artifacts",
        Direction::Lower,
    ),
    ("dpone_certification_suite_blocker_count", Direction::Lower),
    ("dpone_certification_report_failed_cases", Direction::Lower),
    (
        "dpone_certification_report_checksum_mismatches",
        Direction::Lower,
    ),
    ("dpone_certification_report_blocker_count", Direction::Lower),
    ("dpone_benchmark_failing_items", Direction::Lower),
];

fn labels_of(set: &LabelSet) -> Labels {
    set.iter()
        .map(|l| (l.key.clone(), l.value.clone()))
        .collect()
}

/// `name{k="v",...}` as messages show a series.
pub fn series_text(name: &str, labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// A value in a blocker's message: the one number format for people (whole numbers exact,
/// four significant digits otherwise); the exact value is in the JSON report.
fn number(value: f64) -> String {
    super::number::count(value)
}

#[cfg(test)]
mod tests;
