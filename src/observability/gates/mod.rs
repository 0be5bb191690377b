//! Gates: objectives (bounds per metric) and regressions against a baseline export, evaluated
//! on the points an export has just collected. Each failure is a per-metric blocker
//! (`slo.<metric>.below_min`, `slo.<metric>.above_max`, `slo.<metric>.missing`,
//! `regression.<metric>`); each result is also a series (`dpone_slo_passed`,
//! `dpone_regression_ratio`, ...) so dashboards see the same verdicts as the step.

pub mod baseline;
pub mod config;
mod markdown;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::blockers::{Blocker, Code, Severity};
use super::metrics::{Descriptor, LabelSet, MetricPoint, MetricSpec};
use crate::metric_spec;

pub use baseline::{read_baseline, BaselineSeries};
pub use config::{
    parse_objectives, Direction, GateConfig, Objective, ObjectiveList, Origin, RegressionList,
    RegressionRule, Selector, Tolerance,
};
pub use markdown::write_markdown;

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

/// One objective rule applied to one series (or to nothing, for `present`).
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveResult {
    #[serde(serialize_with = "json_number")]
    pub actual: Option<f64>,
    #[serde(serialize_with = "json_number")]
    pub bound: Option<f64>,
    pub code: String,
    /// `actual - bound`.
    #[serde(serialize_with = "json_number")]
    pub delta: Option<f64>,
    pub labels: BTreeMap<String, String>,
    pub metric: String,
    /// Where the objective is configured (file and line).
    pub objective: String,
    pub passed: bool,
    /// `min`, `max` or `present`.
    pub rule: &'static str,
    #[serde(serialize_with = "severity_text")]
    pub severity: Severity,
}

/// One series compared with the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    #[serde(serialize_with = "json_number")]
    pub actual: Option<f64>,
    #[serde(serialize_with = "json_number")]
    pub baseline: Option<f64>,
    pub code: String,
    /// `actual - baseline`.
    #[serde(serialize_with = "json_number")]
    pub delta: Option<f64>,
    pub direction: &'static str,
    pub labels: BTreeMap<String, String>,
    pub metric: String,
    pub passed: bool,
    /// The change in the bad direction relative to the baseline (0.1 is 10 % worse).
    #[serde(serialize_with = "json_number")]
    pub ratio: Option<f64>,
    /// Where the rule is configured (file and line).
    pub rule: String,
    #[serde(serialize_with = "severity_text")]
    pub severity: Severity,
    /// `compared`, `added` (no baseline series), `removed` (no series now, others of the
    /// metric remain), `disappeared` (the metric is gone: fails) or `absent` (in neither
    /// export: fails, the rule checks nothing).
    pub status: &'static str,
    pub tolerance: BTreeMap<&'static str, f64>,
}

/// What happened with the baseline file. Fields in key order, as every report writes them.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineSummary {
    /// Metric names in this export but not in the baseline.
    pub added_metrics: Vec<String>,
    pub path: Option<String>,
    /// Metric names in the baseline but not in this export.
    pub removed_metrics: Vec<String>,
    pub series: usize,
    /// `not_given`, `missing`, `invalid` or `compared`.
    pub status: &'static str,
}

impl Default for BaselineSummary {
    fn default() -> Self {
        BaselineSummary {
            added_metrics: Vec::new(),
            path: None,
            removed_metrics: Vec::new(),
            series: 0,
            status: "not_given",
        }
    }
}

/// Every gate's result, as `runtime_metrics.json` writes it under `gates`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GateResults {
    pub baseline: BaselineSummary,
    pub objectives: Vec<ObjectiveResult>,
    pub regressions: Vec<Comparison>,
}

impl GateResults {
    pub fn is_empty(&self) -> bool {
        self.objectives.is_empty() && self.regressions.is_empty() && self.baseline.path.is_none()
    }

    pub fn failed_objectives(&self) -> usize {
        self.objectives.iter().filter(|o| !o.passed).count()
    }

    pub fn failed_regressions(&self) -> usize {
        self.regressions.iter().filter(|c| !c.passed).count()
    }
}

/// A number as the metric list writes it: non-finite values as `"NaN"`, `"Infinity"`,
/// `"-Infinity"`, so a value never turns into `null`.
fn json_number<S: serde::Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        None => s.serialize_none(),
        Some(v) if v.is_nan() => s.serialize_str("NaN"),
        Some(v) if v.is_infinite() && *v > 0.0 => s.serialize_str("Infinity"),
        Some(v) if v.is_infinite() => s.serialize_str("-Infinity"),
        Some(v) => s.serialize_f64(*v),
    }
}

fn severity_text<S: serde::Serializer>(severity: &Severity, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(severity.as_str())
}

/// The gates' verdicts, their blockers and their series.
#[derive(Debug, Default)]
pub struct Gated {
    pub results: GateResults,
    pub blockers: Vec<Blocker>,
    pub points: Vec<MetricPoint>,
}

/// A configuration problem found only against the export (a pattern that matches nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateConfigError(pub String);

impl std::fmt::Display for GateConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Evaluates every gate on `points`. `known` lists every metric name the tool can export
/// (the catalogue), so a pattern can be told apart from a typo. `common` are the labels every
/// point carries (the user's `--label`s), given to series about metrics that are absent.
pub fn evaluate(
    config: &GateConfig,
    points: &[MetricPoint],
    baseline_path: Option<&Path>,
    known: &[&str],
    common: &Arc<LabelSet>,
) -> Result<Gated, GateConfigError> {
    let mut gated = Gated::default();
    if config.is_empty() && baseline_path.is_none() {
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

    let baseline = match baseline_path {
        None => None,
        Some(path) => {
            gated.results.baseline.path = Some(path.display().to_string());
            match read_baseline(path) {
                Ok(series) => {
                    gated.results.baseline.status = "compared";
                    gated.results.baseline.series = series.len();
                    Some(series)
                }
                Err(blocker) => {
                    gated.results.baseline.status = if blocker.code == Code::BaselineMissing {
                        "missing"
                    } else {
                        "invalid"
                    };
                    gated.blockers.push(blocker);
                    None
                }
            }
        }
    };
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

fn evaluate_objective(
    objective: &Objective,
    points: &[MetricPoint],
    catalogued: &dyn Fn(&str) -> bool,
    common: &Arc<LabelSet>,
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let selector = &objective.selector;
    let origin = selector.origin.to_string();
    let mut found = false;
    for p in points {
        if !selector.matches_name(&p.name) || !selector.matches_labels(|k| p.labels.get(k)) {
            continue;
        }
        if CATALOG.iter().any(|spec| spec.name == &*p.name) {
            continue;
        }
        found = true;
        let labels = labels_of(&p.labels);
        let shown = series_text(&p.name, &labels);
        let rules = [
            ("max", objective.max, Code::SloAboveMax),
            ("min", objective.min, Code::SloBelowMin),
        ];
        for (rule, bound, code) in rules {
            let Some(bound) = bound else { continue };
            let v = p.value;
            let passed = if rule == "max" {
                v <= bound
            } else {
                v >= bound
            };
            let blocker = Blocker::for_metric(
                code,
                &p.name,
                format!(
                    "`{shown}` is {}, {} the objective's {rule} {} ({origin})",
                    number(v),
                    if v.is_nan() {
                        "not a number, so it cannot meet"
                    } else if rule == "max" {
                        "above"
                    } else {
                        "below"
                    },
                    number(bound)
                ),
            )
            .with_severity(objective.severity);
            gated.results.objectives.push(ObjectiveResult {
                actual: Some(v),
                bound: Some(bound),
                code: blocker.id().to_string(),
                delta: Some(v - bound),
                labels: labels.iter().cloned().collect(),
                metric: p.name.to_string(),
                objective: origin.clone(),
                passed,
                rule,
                severity: objective.severity,
            });
            out.push(
                &SLO_PASSED,
                if passed { 1.0 } else { 0.0 },
                &[("metric", &p.name), ("rule", rule)],
                &labels,
                &p.attributes,
            );
            out.push(
                &SLO_BOUND,
                bound,
                &[("metric", &p.name), ("rule", rule)],
                &labels,
                &p.attributes,
            );
            if !passed {
                gated.blockers.push(blocker);
            }
        }
    }
    if found {
        return;
    }
    let metric = selector.name.as_str();
    let name_present = points.iter().any(|p| selector.matches_name(&p.name));
    let hint = if name_present {
        "the metric is there, but none of its series has every label of the objective's \
         `labels` (check the matchers)"
    } else if selector.is_pattern() || catalogued(metric) {
        "the input that gives it was not read or does not have it"
    } else {
        "it is not a metric dpone-observability extracts (docs/metrics.md), and no input gave \
         it as a custom metric (check the spelling)"
    };
    let blocker = Blocker::for_metric(
        Code::SloMissing,
        metric,
        format!(
            "no series of `{}` in this export, so its objective fails ({origin}): {hint}",
            selector.shown()
        ),
    )
    .with_severity(objective.severity);
    let labels: Labels = selector.labels.clone();
    gated.results.objectives.push(ObjectiveResult {
        actual: None,
        bound: None,
        code: blocker.id().to_string(),
        delta: None,
        labels: labels.iter().cloned().collect(),
        metric: metric.to_string(),
        objective: origin,
        passed: false,
        rule: "present",
        severity: objective.severity,
    });
    let mut all = labels_of(common);
    all.extend(labels);
    out.push(
        &SLO_PASSED,
        0.0,
        &[("metric", metric), ("rule", "present")],
        &all,
        &LabelSet::empty(),
    );
    gated.blockers.push(blocker);
}

/// The change in the bad direction, relative to the baseline's magnitude.
fn regression_ratio(direction: Direction, baseline: f64, actual: f64) -> f64 {
    let worse = match direction {
        Direction::Lower => actual - baseline,
        Direction::Higher => baseline - actual,
    };
    if baseline == 0.0 {
        if worse == 0.0 {
            0.0
        } else {
            worse.signum() * f64::INFINITY
        }
    } else {
        worse / baseline.abs()
    }
}

fn within(direction: Direction, tolerance: Tolerance, baseline: f64, actual: f64) -> bool {
    let worse = match direction {
        Direction::Lower => actual - baseline,
        Direction::Higher => baseline - actual,
    };
    match tolerance {
        Tolerance::Ratio(r) => regression_ratio(direction, baseline, actual) <= r,
        Tolerance::Absolute(a) => worse <= a,
    }
}

fn compare(
    rule: &RegressionRule,
    points: &[MetricPoint],
    baseline: &[BaselineSeries],
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let selector = &rule.selector;
    let origin = selector.origin.to_string();
    let direction = rule.direction.as_str();
    let tolerance: BTreeMap<&'static str, f64> = match rule.tolerance {
        Tolerance::Ratio(r) => [("ratio", r)].into(),
        Tolerance::Absolute(a) => [("absolute", a)].into(),
    };
    let selected = |name: &str, get: &dyn Fn(&str) -> Option<String>| {
        selector.matches_name(name)
            && !CATALOG.iter().any(|spec| spec.name == name)
            && selector
                .labels
                .iter()
                .all(|(k, v)| get(k).as_deref() == Some(v.as_str()))
    };
    // Series are matched by name and labels, less the rule's `ignore_labels` (e.g. `status`,
    // which a failed run changes); the first baseline series of a key is the one compared.
    let key_labels = |labels: &Labels| -> Labels {
        labels
            .iter()
            .filter(|(k, _)| !rule.ignore_labels.contains(k))
            .cloned()
            .collect()
    };
    let mut before: HashMap<(&str, Labels), f64> = HashMap::new();
    let mut before_order: Vec<(&str, Labels, &Labels)> = Vec::new();
    for s in baseline {
        let get = |k: &str| {
            s.labels
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if !selected(&s.name, &get) {
            continue;
        }
        let key = key_labels(&s.labels);
        if before.insert((&s.name, key.clone()), s.value).is_none() {
            before_order.push((&s.name, key, &s.labels));
        }
    }
    let mut seen: HashSet<(String, Labels)> = HashSet::new();
    let mut names_now: HashSet<&str> = HashSet::new();
    for p in points {
        let get = |k: &str| p.labels.get(k).map(str::to_string);
        if !selected(&p.name, &get) {
            continue;
        }
        names_now.insert(&p.name);
        let labels = labels_of(&p.labels);
        let shown = series_text(&p.name, &labels);
        let key = key_labels(&labels);
        let base = before.get(&(&*p.name, key.clone())).copied();
        seen.insert((p.name.to_string(), key));
        let code = Blocker::for_metric(Code::Regression, &p.name, "")
            .id()
            .to_string();
        let Some(base) = base else {
            gated.results.regressions.push(Comparison {
                actual: Some(p.value),
                baseline: None,
                code,
                delta: None,
                direction,
                labels: labels.into_iter().collect(),
                metric: p.name.to_string(),
                passed: true,
                ratio: None,
                rule: origin.clone(),
                severity: rule.severity,
                status: "added",
                tolerance: tolerance.clone(),
            });
            continue;
        };
        let ratio = regression_ratio(rule.direction, base, p.value);
        let passed = within(rule.direction, rule.tolerance, base, p.value);
        if !passed {
            gated.blockers.push(
                Blocker::for_metric(
                    Code::Regression,
                    &p.name,
                    format!(
                        "`{shown}` is {} against {} in the baseline: {} ({direction} is \
                         better), beyond the tolerance ({}; {origin})",
                        number(p.value),
                        number(base),
                        if ratio.is_nan() {
                            "not comparable".to_string()
                        } else {
                            format!("{:.1} % worse", ratio * 100.0)
                        },
                        rule.tolerance
                    ),
                )
                .with_severity(rule.severity),
            );
        }
        gated.results.regressions.push(Comparison {
            actual: Some(p.value),
            baseline: Some(base),
            code,
            delta: Some(p.value - base),
            direction,
            labels: labels.iter().cloned().collect(),
            metric: p.name.to_string(),
            passed,
            ratio: Some(ratio),
            rule: origin.clone(),
            severity: rule.severity,
            status: "compared",
            tolerance: tolerance.clone(),
        });
        let extra = [("direction", direction), ("metric", &*p.name)];
        out.push(
            &REGRESSION_PASSED,
            if passed { 1.0 } else { 0.0 },
            &extra,
            &labels,
            &p.attributes,
        );
        out.push(&REGRESSION_RATIO, ratio, &extra, &labels, &p.attributes);
        out.push(&REGRESSION_BASELINE, base, &extra, &labels, &p.attributes);
    }
    if names_now.is_empty() && before_order.is_empty() {
        let name = selector.name.as_str();
        gated.results.regressions.push(Comparison {
            actual: None,
            baseline: None,
            code: Blocker::for_metric(Code::Regression, name, "")
                .id()
                .to_string(),
            delta: None,
            direction,
            labels: selector.labels.iter().cloned().collect(),
            metric: name.to_string(),
            passed: false,
            ratio: None,
            rule: origin.clone(),
            severity: rule.severity,
            status: "absent",
            tolerance: tolerance.clone(),
        });
        gated.blockers.push(
            Blocker::for_metric(
                Code::Regression,
                name,
                format!(
                    "no series of `{}` in this export nor in the baseline, so nothing was \
                     compared ({origin}): check the name against docs/metrics.md",
                    selector.shown()
                ),
            )
            .with_severity(rule.severity),
        );
        return;
    }
    for (name, key, labels) in before_order {
        if seen.contains(&(name.to_string(), key.clone())) {
            continue;
        }
        let base = before[&(name, key)];
        let gone = !names_now.contains(name);
        let code = Blocker::for_metric(Code::Regression, name, "")
            .id()
            .to_string();
        gated.results.regressions.push(Comparison {
            actual: None,
            baseline: Some(base),
            code,
            delta: None,
            direction,
            labels: labels.iter().cloned().collect(),
            metric: name.to_string(),
            passed: !gone,
            ratio: None,
            rule: origin.clone(),
            severity: rule.severity,
            status: if gone { "disappeared" } else { "removed" },
            tolerance: tolerance.clone(),
        });
        if gone {
            gated.blockers.push(
                Blocker::for_metric(
                    Code::Regression,
                    name,
                    format!(
                        "`{}` was {} in the baseline and `{name}` is gone from this export \
                         ({origin})",
                        series_text(name, labels),
                        number(base)
                    ),
                )
                .with_severity(rule.severity),
            );
            let extra = [("direction", direction), ("metric", name)];
            out.push(&REGRESSION_PASSED, 0.0, &extra, labels, &LabelSet::empty());
            out.push(
                &REGRESSION_BASELINE,
                base,
                &extra,
                labels,
                &LabelSet::empty(),
            );
        }
    }
}

/// The gate series, grouped by family, each series once.
struct GatePoints {
    families: Vec<Vec<MetricPoint>>,
    /// Where each series is, by family and Prometheus label names and values.
    seen: HashMap<(&'static str, Labels), usize>,
    /// Gate families a collected point already uses (a custom metric named like one).
    taken: Vec<&'static str>,
    /// Those of them a gate wanted to write.
    skipped: BTreeSet<&'static str>,
}

impl GatePoints {
    fn new(collected: &BTreeSet<&str>) -> Self {
        GatePoints {
            families: CATALOG.iter().map(|_| Vec::new()).collect(),
            seen: HashMap::new(),
            taken: CATALOG
                .iter()
                .map(|spec| spec.name)
                .filter(|name| collected.contains(name))
                .collect(),
            skipped: BTreeSet::new(),
        }
    }

    /// Adds one series: the gate's own labels, then the gated series' labels (a key that
    /// collides with a gate label is kept as `exported_<key>`, as Prometheus does).
    fn push(
        &mut self,
        spec: &'static MetricSpec,
        value: f64,
        own: &[(&str, &str)],
        series: &[(String, String)],
        attributes: &Arc<LabelSet>,
    ) {
        if self.taken.contains(&spec.name) {
            self.skipped.insert(spec.name);
            return;
        }
        let mut pairs: Vec<(String, String)> = own
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in series {
            let key = if own.iter().any(|(own_key, _)| own_key == k) {
                format!("exported_{k}")
            } else {
                k.clone()
            };
            pairs.push((key, v.clone()));
        }
        let labels = LabelSet::new(pairs).or_else(|_| LabelSet::new(own.iter().copied()));
        let Ok(labels) = labels else { return };
        let key: Vec<(String, String)> = labels
            .iter()
            .map(|l| (l.prometheus_name.clone(), l.value.clone()))
            .collect();
        let Some(family) = CATALOG.iter().position(|s| std::ptr::eq(*s, spec)) else {
            return;
        };
        // Two gates on one series (a policy objective and an `--objectives` one, say) share
        // the series: a failure wins, and the bound shown is the strictest, so the series and
        // the step's verdict never disagree.
        if let Some(&at) = self.seen.get(&(spec.name, key.clone())) {
            let existing = &mut self.families[family][at];
            existing.value = if std::ptr::eq(spec, &SLO_BOUND) {
                match existing.labels.get("rule") {
                    Some("max") => existing.value.min(value),
                    _ => existing.value.max(value),
                }
            } else if std::ptr::eq(spec, &SLO_PASSED) || std::ptr::eq(spec, &REGRESSION_PASSED) {
                existing.value.min(value)
            } else {
                existing.value
            };
            return;
        }
        self.seen
            .insert((spec.name, key), self.families[family].len());
        self.families[family].push(MetricPoint {
            name: spec.name.into(),
            value,
            labels: Arc::new(labels),
            attributes: Arc::clone(attributes),
            descriptor: Descriptor::Catalog(spec),
        });
    }

    /// The series, and a duplicate-series blocker per gate family a collected point took.
    fn finish(self) -> (Vec<MetricPoint>, Vec<Blocker>) {
        let blockers = self
            .skipped
            .iter()
            .map(|name| {
                Blocker::new(
                    Code::MetricsDuplicateSeries,
                    format!(
                        "`{name}` is a gate series name, but an input already gave a metric of \
                         that name; the gate series were not written (rename the custom metric)"
                    ),
                )
            })
            .collect();
        (self.families.into_iter().flatten().collect(), blockers)
    }
}

#[cfg(test)]
mod tests;
