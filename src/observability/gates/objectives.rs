//! Objectives: a bound per metric (`min`, `max`), judged on every series that matches the
//! objective's selector; `present` when none does.

use super::series::GateSeries;
use super::*;

/// One objective: each matching series judged against each bound, or `present` failed when
/// no series matches.
pub(super) fn evaluate_objective(
    objective: &Objective,
    points: &Points,
    known: &[&str],
    common: &Arc<LabelSet>,
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let selector = &objective.selector;
    let not_run = not_run_sets(points);
    let mut found = false;
    for p in points {
        if !selector.matches_name(p.name) || !selector.matches_labels(|k| p.labels.get(k)) {
            continue;
        }
        if CATALOG.iter().any(|spec| spec.name == &*p.name) {
            continue;
        }
        found = true;
        let bounds = [
            (BoundRule::Max, objective.max, Code::SloAboveMax),
            (BoundRule::Min, objective.min, Code::SloBelowMin),
        ];
        for (rule, bound, code) in bounds {
            if let Some(bound) = bound {
                let judged = Judged {
                    rule,
                    bound,
                    code,
                    ran: !not_run.contains(&labels_of(p.labels)),
                };
                judge_bound(objective, &p, judged, gated, out);
            }
        }
    }
    if !found {
        let hint = absence_hint(&objective.selector, points, known);
        absent(objective, &hint, common, gated, out);
    }
}

/// Why an objective that would pass on a run that never ran (`dpone_attempts` 0) is not
/// evaluated: its measurements were never taken, so `duration 0 ≤ 60` says nothing.
pub const NOT_RUN: &str = "the run did not run (0 attempts)";

/// The label sets of the runs that never ran: their `dpone_attempts` series is 0.
fn not_run_sets(points: &Points) -> Vec<Labels> {
    points
        .iter()
        .filter(|p| p.name == "dpone_attempts" && p.value == 0.0)
        .map(|p| labels_of(p.labels))
        .collect()
}

/// One bound of an objective, and whether the series' run ran.
struct Judged {
    rule: BoundRule,
    bound: f64,
    code: Code,
    ran: bool,
}

/// One series against one bound: a result, two series (verdict and bound), and a blocker when
/// it fails. A bound a run that never ran would pass is not evaluated: a result that says why,
/// and no series; a failed one still fails.
fn judge_bound(
    objective: &Objective,
    p: &Point<'_>,
    judged: Judged,
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let Judged {
        rule,
        bound,
        code,
        ran,
    } = judged;
    let origin = objective.selector.origin.to_string();
    let labels = labels_of(p.labels);
    let v = p.value;
    let passed = match rule {
        BoundRule::Max => v <= bound,
        BoundRule::Min | BoundRule::Present => v >= bound,
    };
    let blocker = Blocker::for_metric(
        code,
        p.name,
        format!(
            "`{}` is {}, {} the objective's {rule} {} ({origin})",
            series_text(p.name, &labels),
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
    let blocker = objective.selector.origin.locate(blocker);
    let not_evaluated = (passed && !ran).then(|| NOT_RUN.to_string());
    gated.results.objectives.push(ObjectiveResult {
        at: objective.selector.origin.clone(),
        actual: Some(v),
        bound: Some(bound),
        code: blocker.id().to_string(),
        delta: Some(v - bound),
        labels: labels.iter().cloned().collect(),
        metric: p.name.to_string(),
        objective: origin,
        passed: passed && ran,
        rule,
        severity: objective.severity,
        not_evaluated: not_evaluated.clone(),
        enforce: Enforce::of(objective.shadow),
        would_fail: !passed && objective.shadow,
    });
    if not_evaluated.is_some() {
        return;
    }
    let own = [("metric", p.name), ("rule", rule.as_str())];
    let verdict = if passed { 1.0 } else { 0.0 };
    out.push(GateSeries::SloPassed, verdict, &own, &labels, p.attributes);
    out.push(GateSeries::SloBound, bound, &own, &labels, p.attributes);
    if !passed && !objective.shadow {
        gated.blockers.push(blocker);
    }
}

/// Why no series matched a selector: its labels, a missing input, or a name nothing gives
/// (with the closest metric name when one is close enough to be what was meant).
fn absence_hint(selector: &Selector, points: &Points, known: &[&str]) -> String {
    if points.iter().any(|p| selector.matches_name(p.name)) {
        "the metric is there, but none of its series has every label of the objective's \
         `labels` (check the matchers)"
            .to_string()
    } else if !selector.is_pattern() && CATALOG.iter().any(|s| s.name == selector.name) {
        "it is a gate series, and objectives do not gate the gate series (docs/gates.md)"
            .to_string()
    } else if known.iter().any(|n| selector.matches_name(n)) {
        match super::super::sources::given_by(&selector.name) {
            Some(input) => {
                format!("the input that gives it ({input}) was not read or does not have it")
            }
            None => "the input that gives it was not read or does not have it".to_string(),
        }
    } else {
        let names = points.names();
        let suggestion = suggest_metric(selector, names.iter().chain(known.iter().copied()));
        format!(
            "it is not a metric dpone-observability extracts (docs/metrics.md), and no input \
             gave it as a custom metric{suggestion}"
        )
    }
}

/// `; did you mean `x`?` with the metric name closest to the selector's, or nothing when no
/// name is close. Names are compared without the `dpone_` prefix every catalogued name shares
/// (with it, any two names look alike), and a gate series is never suggested: objectives do not
/// gate them. The suggestion is shown the way the selector was written (bare or prefixed).
pub(super) fn suggest_metric<'a>(
    selector: &Selector,
    names: impl IntoIterator<Item = &'a str>,
) -> String {
    fn bare(name: &str) -> &str {
        name.strip_prefix(METRIC_PREFIX).unwrap_or(name)
    }
    let candidates: BTreeSet<&str> = names
        .into_iter()
        .filter(|name| !CATALOG.iter().any(|spec| spec.name == *name))
        .map(bare)
        .collect();
    let wanted = bare(selector.name.as_str());
    let Some(closest) = super::super::text::closest(wanted, candidates.iter().copied()) else {
        return String::new();
    };
    if selector.written.starts_with(METRIC_PREFIX) {
        format!("; did you mean `{METRIC_PREFIX}{closest}`?")
    } else {
        format!("; did you mean `{closest}`?")
    }
}

/// No series matched: the objective fails as `present`, with `hint` at why.
fn absent(
    objective: &Objective,
    hint: &str,
    common: &Arc<LabelSet>,
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let selector = &objective.selector;
    let origin = selector.origin.to_string();
    let metric = selector.name.as_str();
    let blocker = Blocker::for_metric(
        Code::SloMissing,
        metric,
        format!(
            "no series of `{}` in this export, so its objective fails ({origin}): {hint}",
            selector.shown()
        ),
    )
    .with_severity(objective.severity);
    let blocker = selector.origin.locate(blocker);
    let labels: Labels = selector.labels.clone();
    gated.results.objectives.push(ObjectiveResult {
        at: selector.origin.clone(),
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
        not_evaluated: None,
        enforce: Enforce::of(objective.shadow),
        would_fail: objective.shadow,
    });
    let mut all = labels_of(common);
    all.extend(labels);
    out.push(
        GateSeries::SloPassed,
        0.0,
        &[("metric", metric), ("rule", BoundRule::Present.as_str())],
        &all,
        &LabelSet::empty(),
    );
    if !objective.shadow {
        gated.blockers.push(blocker);
    }
}
