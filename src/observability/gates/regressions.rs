//! Regressions: each series matched with its baseline series and judged under the rule's
//! direction and tolerance.

use super::series::GateSeries;
use super::*;

/// The change in the bad direction, relative to the baseline's magnitude.
pub(super) fn regression_ratio(direction: Direction, baseline: f64, actual: f64) -> f64 {
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

pub(super) fn within(
    direction: Direction,
    tolerance: Tolerance,
    baseline: f64,
    actual: f64,
) -> bool {
    let worse = match direction {
        Direction::Lower => actual - baseline,
        Direction::Higher => baseline - actual,
    };
    match tolerance {
        Tolerance::Ratio(r) => regression_ratio(direction, baseline, actual) <= r,
        Tolerance::Absolute(a) => worse <= a,
    }
}

/// One rule's series, matched by name and labels (less the rule's `ignore_labels`).
struct Matched<'a> {
    /// Each selected series of this export, in export order, with its baseline value.
    now: Vec<(&'a MetricPoint, Labels, Option<f64>)>,
    /// Baseline series with no series now, in baseline order: name, labels, value, and
    /// whether the metric is gone altogether.
    left: Vec<(&'a str, &'a Labels, f64, bool)>,
}

impl Matched<'_> {
    fn is_empty(&self) -> bool {
        self.now.is_empty() && self.left.is_empty()
    }
}

/// The match phase: series are matched by name and labels, less the rule's `ignore_labels`
/// (e.g. `status`, which a failed run changes); the first baseline series of a key is the one
/// compared.
fn match_series<'a>(
    rule: &RegressionRule,
    points: &'a [MetricPoint],
    baseline: &'a [BaselineSeries],
) -> Matched<'a> {
    let selector = &rule.selector;
    let selected = |name: &str, get: &dyn Fn(&str) -> Option<String>| {
        selector.matches_name(name)
            && !CATALOG.iter().any(|spec| spec.name == name)
            && selector
                .labels
                .iter()
                .all(|(k, v)| get(k).as_deref() == Some(v.as_str()))
    };
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
    let mut now = Vec::new();
    for p in points {
        let get = |k: &str| p.labels.get(k).map(str::to_string);
        if !selected(&p.name, &get) {
            continue;
        }
        names_now.insert(&p.name);
        let labels = labels_of(&p.labels);
        let key = key_labels(&labels);
        let base = before.get(&(&*p.name, key.clone())).copied();
        seen.insert((p.name.to_string(), key));
        now.push((p, labels, base));
    }
    let left = before_order
        .into_iter()
        .filter(|(name, key, _)| !seen.contains(&(name.to_string(), key.clone())))
        .map(|(name, key, labels)| {
            let base = before[&(name, key)];
            (name, labels, base, !names_now.contains(name))
        })
        .collect();
    Matched { now, left }
}

/// The judge phase's view of one rule: where it is configured and how it reads.
struct Judge<'a> {
    rule: &'a RegressionRule,
    origin: String,
    tolerance: BTreeMap<&'static str, f64>,
}

impl<'a> Judge<'a> {
    fn new(rule: &'a RegressionRule) -> Self {
        Judge {
            rule,
            origin: rule.selector.origin.to_string(),
            tolerance: match rule.tolerance {
                Tolerance::Ratio(r) => [("ratio", r)].into(),
                Tolerance::Absolute(a) => [("absolute", a)].into(),
            },
        }
    }

    /// A result row; the caller fills in what it measured.
    fn comparison(&self, metric: &str, labels: &[(String, String)]) -> Comparison {
        Comparison {
            at: self.rule.selector.origin.clone(),
            actual: None,
            baseline: None,
            code: Blocker::for_metric(Code::Regression, metric, "")
                .id()
                .to_string(),
            delta: None,
            direction: self.rule.direction,
            labels: labels.iter().cloned().collect(),
            metric: metric.to_string(),
            passed: true,
            ratio: None,
            rule: self.origin.clone(),
            severity: self.rule.severity,
            status: ComparisonStatus::Compared,
            tolerance: self.tolerance.clone(),
        }
    }

    fn blocker(&self, metric: &str, message: String) -> Blocker {
        let blocker = Blocker::for_metric(Code::Regression, metric, message)
            .with_severity(self.rule.severity);
        self.rule.selector.origin.locate(blocker)
    }

    /// A series of this export, against its baseline value if it has one.
    fn series(
        &self,
        p: &MetricPoint,
        labels: &Labels,
        base: Option<f64>,
        gated: &mut Gated,
        out: &mut GatePoints,
    ) {
        let rule = self.rule;
        let mut row = self.comparison(&p.name, labels);
        row.actual = Some(p.value);
        let Some(base) = base else {
            row.status = ComparisonStatus::Added;
            gated.results.regressions.push(row);
            return;
        };
        let ratio = regression_ratio(rule.direction, base, p.value);
        let passed = within(rule.direction, rule.tolerance, base, p.value);
        if !passed {
            gated.blockers.push(self.blocker(
                &p.name,
                format!(
                    "`{}` is {} against {} in the baseline: {} ({} is better), beyond the \
                     tolerance ({}; {})",
                    series_text(&p.name, labels),
                    number(p.value),
                    number(base),
                    if ratio.is_nan() {
                        "not comparable".to_string()
                    } else {
                        format!("{:.1} % worse", ratio * 100.0)
                    },
                    rule.direction.as_str(),
                    rule.tolerance,
                    self.origin
                ),
            ));
        }
        row.baseline = Some(base);
        row.delta = Some(p.value - base);
        row.passed = passed;
        row.ratio = Some(ratio);
        gated.results.regressions.push(row);
        let extra = [("direction", rule.direction.as_str()), ("metric", &*p.name)];
        let verdict = if passed { 1.0 } else { 0.0 };
        for (family, value) in [
            (GateSeries::RegressionPassed, verdict),
            (GateSeries::RegressionRatio, ratio),
            (GateSeries::RegressionBaseline, base),
        ] {
            out.push(family, value, &extra, labels, &p.attributes);
        }
    }

    /// The rule matched nothing, now or in the baseline: it checks nothing, which fails.
    fn absent(&self, gated: &mut Gated) {
        let selector = &self.rule.selector;
        let name = selector.name.as_str();
        let mut row = self.comparison(name, &selector.labels);
        row.passed = false;
        row.status = ComparisonStatus::Absent;
        gated.results.regressions.push(row);
        gated.blockers.push(self.blocker(
            name,
            format!(
                "no series of `{}` in this export nor in the baseline, so nothing was \
                 compared ({}): check the name against docs/metrics.md",
                selector.shown(),
                self.origin
            ),
        ));
    }

    /// A baseline series with no series now: removed (others of the metric remain) or, when
    /// the metric is gone altogether, a failure.
    fn missing(
        &self,
        name: &str,
        labels: &Labels,
        base: f64,
        gone: bool,
        gated: &mut Gated,
        out: &mut GatePoints,
    ) {
        let mut row = self.comparison(name, labels);
        row.baseline = Some(base);
        row.passed = !gone;
        row.status = if gone {
            ComparisonStatus::Disappeared
        } else {
            ComparisonStatus::Removed
        };
        gated.results.regressions.push(row);
        if !gone {
            return;
        }
        gated.blockers.push(self.blocker(
            name,
            format!(
                "`{}` was {} in the baseline and `{name}` is gone from this export ({})",
                series_text(name, labels),
                number(base),
                self.origin
            ),
        ));
        let extra = [
            ("direction", self.rule.direction.as_str()),
            ("metric", name),
        ];
        out.push(
            GateSeries::RegressionPassed,
            0.0,
            &extra,
            labels,
            &LabelSet::empty(),
        );
        out.push(
            GateSeries::RegressionBaseline,
            base,
            &extra,
            labels,
            &LabelSet::empty(),
        );
    }
}

/// One regression rule against the baseline: match the series, then judge each.
pub(super) fn compare(
    rule: &RegressionRule,
    points: &[MetricPoint],
    baseline: &[BaselineSeries],
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let matched = match_series(rule, points, baseline);
    let judge = Judge::new(rule);
    if matched.is_empty() {
        judge.absent(gated);
        return;
    }
    for (p, labels, base) in &matched.now {
        judge.series(p, labels, *base, gated, out);
    }
    for (name, labels, base, gone) in matched.left {
        judge.missing(name, labels, base, gone, gated, out);
    }
}
