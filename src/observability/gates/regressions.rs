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

pub(super) fn compare(
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
                direction: rule.direction,
                labels: labels.into_iter().collect(),
                metric: p.name.to_string(),
                passed: true,
                ratio: None,
                rule: origin.clone(),
                severity: rule.severity,
                status: ComparisonStatus::Added,
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
            direction: rule.direction,
            labels: labels.iter().cloned().collect(),
            metric: p.name.to_string(),
            passed,
            ratio: Some(ratio),
            rule: origin.clone(),
            severity: rule.severity,
            status: ComparisonStatus::Compared,
            tolerance: tolerance.clone(),
        });
        let extra = [("direction", direction), ("metric", &*p.name)];
        out.push(
            GateSeries::RegressionPassed,
            if passed { 1.0 } else { 0.0 },
            &extra,
            &labels,
            &p.attributes,
        );
        out.push(
            GateSeries::RegressionRatio,
            ratio,
            &extra,
            &labels,
            &p.attributes,
        );
        out.push(
            GateSeries::RegressionBaseline,
            base,
            &extra,
            &labels,
            &p.attributes,
        );
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
            direction: rule.direction,
            labels: selector.labels.iter().cloned().collect(),
            metric: name.to_string(),
            passed: false,
            ratio: None,
            rule: origin.clone(),
            severity: rule.severity,
            status: ComparisonStatus::Absent,
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
            direction: rule.direction,
            labels: labels.iter().cloned().collect(),
            metric: name.to_string(),
            passed: !gone,
            ratio: None,
            rule: origin.clone(),
            severity: rule.severity,
            status: if gone {
                ComparisonStatus::Disappeared
            } else {
                ComparisonStatus::Removed
            },
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
}
