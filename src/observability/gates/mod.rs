//! Gates: objectives (bounds per metric) and regressions against a baseline export, evaluated
//! on the points an export has just collected. Each failure is a per-metric blocker
//! (`slo.<metric>.below_min`, `slo.<metric>.above_max`, `slo.<metric>.missing`,
//! `regression.<metric>`); each result is also a series (`dpone_slo_passed`,
//! `dpone_regression_ratio`, ...) so dashboards see the same verdicts as the step.

pub mod baseline;
pub mod config;
mod markdown;
mod objectives;
mod regressions;
mod results;
mod series;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::blockers::{Blocker, Code, Severity};
use super::metrics::{Descriptor, LabelSet, MetricPoint, MetricSpec, METRIC_PREFIX};
use crate::metric_spec;

pub use baseline::{read_baseline, BaselineSeries};
pub use config::{
    parse_objectives, Direction, GateConfig, Objective, ObjectiveList, Origin, RegressionList,
    RegressionRule, Selector, Tolerance,
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

/// Evaluates every gate on `points`. `known` lists every metric name the tool can export
/// (the catalogue), so a pattern can be told apart from a typo. `common` are the labels every
/// point carries (the user's `--label`s), given to series about metrics that are absent.
pub fn evaluate(
    config: &GateConfig,
    points: &[MetricPoint],
    baselines: &[std::path::PathBuf],
    known: &[&str],
    common: &Arc<LabelSet>,
) -> Result<Gated, GateConfigError> {
    let mut gated = Gated::default();
    if config.is_empty() && baselines.is_empty() {
        return Ok(gated);
    }
    let mut names: BTreeSet<&str> = points.iter().map(|p| &*p.name).collect();
    let mut out = GatePoints::new(&names);
    for gate_name in CATALOG.iter().map(|s| s.name) {
        names.remove(gate_name);
    }
    let catalogued = |name: &str| known.contains(&name);

    for objective in &config.objectives {
        let selector = &objective.selector;
        if selector.is_pattern()
            && !names.iter().any(|n| selector.matches_name(n))
            && !known.iter().any(|n| selector.matches_name(n))
        {
            return Err(GateConfigError(format!(
                "objective `{}` ({}) matches no metric: none in this export and none that \
                 dpone-observability extracts (docs/metrics.md)",
                selector.written, selector.origin
            )));
        }
        evaluate_objective(objective, points, &catalogued, common, &mut gated, &mut out);
    }

    // Interim: the last of the given baselines is the one compared (history comes next).
    let baseline = baselines
        .last()
        .and_then(|path| read_baseline_into(path, &mut gated));
    let baseline_names: BTreeSet<&str> = baseline
        .iter()
        .flatten()
        .map(|s| s.name.as_str())
        .filter(|n| !CATALOG.iter().any(|spec| spec.name == *n))
        .collect();
    if baseline.is_some() {
        gated.results.baseline.added_metrics = names
            .difference(&baseline_names)
            .map(|n| n.to_string())
            .collect();
        gated.results.baseline.removed_metrics = baseline_names
            .difference(&names)
            .map(|n| n.to_string())
            .collect();
    }
    for rule in &config.regressions {
        let selector = &rule.selector;
        let anywhere = |n: &&str| selector.matches_name(n);
        let nowhere = !names.iter().any(anywhere)
            && !known.iter().any(anywhere)
            && !baseline_names.iter().any(anywhere);
        // Without a baseline to look in, a name can only be judged against this export.
        if nowhere && selector.is_pattern() && baseline.is_some() {
            return Err(GateConfigError(format!(
                "regression rule `{}` ({}) matches no metric: none in this export, none in the \
                 baseline and none that dpone-observability extracts (docs/metrics.md)",
                selector.written, selector.origin
            )));
        }
        if let Some(baseline) = &baseline {
            compare(rule, points, baseline, &mut gated, &mut out);
        }
    }
    let (points, duplicates) = out.finish();
    gated.points = points;
    gated.blockers.extend(duplicates);
    Ok(gated)
}
/// An objective on a plain metric name that is neither in the catalogue (`known`) nor a metric
/// of this export (`points`: the catalogued ones read and the custom ones given) can never be
/// met: a configuration error, with the closest known name as a suggestion. The caller checks
/// only when `points` hold every custom metric the export was given (a metrics file that could
/// not be read may have named it; the objective then fails as `slo.<metric>.missing`).
/// A catalogued metric this export lacks is not an error here: it is `slo.<metric>.missing`.
pub fn check_objective_names(
    config: &GateConfig,
    points: &[MetricPoint],
    known: &[&str],
) -> Result<(), GateConfigError> {
    let unknown = |o: &&Objective| {
        let name = o.selector.name.as_str();
        !o.selector.is_pattern() && !known.contains(&name)
    };
    if !config.objectives.iter().any(|o| unknown(&o)) {
        return Ok(());
    }
    let mut names: BTreeSet<&str> = points.iter().map(|p| &*p.name).collect();
    for objective in config.objectives.iter().filter(unknown) {
        let selector = &objective.selector;
        if names.contains(selector.name.as_str()) {
            continue;
        }
        names.extend(known.iter().copied());
        let hint = super::text::closest(&selector.name, names.iter().copied())
            .map(|name| {
                // Shown the way it was written: a bare name suggests a bare name.
                let shown = match selector.written.starts_with(METRIC_PREFIX) {
                    true => name,
                    false => name.strip_prefix(METRIC_PREFIX).unwrap_or(name),
                };
                format!("; did you mean `{shown}`?")
            })
            .unwrap_or_default();
        return Err(GateConfigError(format!(
            "objective `{}` ({}) names no metric: `{}` is not a metric dpone-observability \
             extracts (docs/metrics.md) nor a custom metric of this export{hint}",
            selector.written, selector.origin, selector.name
        )));
    }
    Ok(())
}

/// Reads the baseline export; a missing or invalid one is a warning blocker and leaves the
/// regressions uncompared.
fn read_baseline_into(path: &Path, gated: &mut Gated) -> Option<Vec<BaselineSeries>> {
    gated.results.baseline.path = Some(path.display().to_string());
    match read_baseline(path) {
        Ok(read) => {
            let baseline = &mut gated.results.baseline;
            baseline.status = BaselineStatus::Compared;
            baseline.series = read.series.len();
            baseline.observed_at = read.observed_at;
            baseline.revision = read.revision;
            baseline.ref_name = read.ref_name;
            Some(read.series)
        }
        Err(blocker) => {
            gated.results.baseline.status = if blocker.code == Code::BaselineMissing {
                BaselineStatus::Missing
            } else {
                BaselineStatus::Invalid
            };
            gated.blockers.push(blocker);
            None
        }
    }
}

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

fn number(value: f64) -> String {
    if value.is_finite() && value == value.trunc() && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests;
