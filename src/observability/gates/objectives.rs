//! Objectives: a bound per metric (`min`, `max`), judged on every series that matches the
//! objective's selector; `present` when none does.

use super::series::GateSeries;
use super::*;

pub(super) fn evaluate_objective(
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
            (BoundRule::Max, objective.max, Code::SloAboveMax),
            (BoundRule::Min, objective.min, Code::SloBelowMin),
        ];
        for (rule, bound, code) in rules {
            let Some(bound) = bound else { continue };
            let v = p.value;
            let passed = if rule == BoundRule::Max {
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
                    } else if rule == BoundRule::Max {
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
                GateSeries::SloPassed,
                if passed { 1.0 } else { 0.0 },
                &[("metric", &p.name), ("rule", rule.as_str())],
                &labels,
                &p.attributes,
            );
            out.push(
                GateSeries::SloBound,
                bound,
                &[("metric", &p.name), ("rule", rule.as_str())],
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
        rule: BoundRule::Present,
        severity: objective.severity,
    });
    let mut all = labels_of(common);
    all.extend(labels);
    out.push(
        GateSeries::SloPassed,
        0.0,
        &[("metric", metric), ("rule", "present")],
        &all,
        &LabelSet::empty(),
    );
    gated.blockers.push(blocker);
}
