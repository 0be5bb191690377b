//! `calibrate`: replays a policy's tolerance rules (`ratio`, `absolute`) over a history of
//! runs on main, assumed good. Each run is judged against the run before it (a tolerance's
//! centre is the most recent sample), alone: `consecutive`, `min_change` and `max_cv` are not
//! applied. A breach is a false alarm; the suggested boundary is the empirical quantile of the
//! observed changes in the bad direction that leaves at most `target × runs judged` of them
//! above it. Statistical rules are listed, not calibrated.

use super::gates::baseline::Sample;
use super::gates::config::{Direction, Method, RegressionRule, Tolerance};
use serde::Serialize;

/// One rule and series, replayed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// The rule's selector as written.
    pub rule: String,
    /// `ratio`, `absolute`, or the statistical method's name.
    pub method: &'static str,
    /// The series: its name and labels, `name{k="v"}`.
    pub series: String,
    /// The rule's own parameter.
    pub boundary: f64,
    /// Runs judged (each against the one before it); 0 for a statistical rule.
    pub judged: usize,
    /// Runs the rule would have failed.
    pub would_fail: usize,
    /// The smallest boundary whose replayed failures are at most `target × judged`; none when
    /// nothing was judged or the change is unbounded (a baseline of 0).
    pub suggested: Option<f64>,
}

/// A run's change from the one before it in the rule's bad direction: relative to the
/// earlier value's magnitude for `ratio`, in the metric's unit for `absolute`. The rule fails
/// the run exactly when this is above its parameter.
pub fn change(direction: Direction, tolerance: Tolerance, before: f64, now: f64) -> f64 {
    let worse = match direction {
        Direction::Lower => now - before,
        Direction::Higher => before - now,
        Direction::Both => (now - before).abs(),
    };
    match tolerance {
        Tolerance::Absolute(_) => worse,
        Tolerance::Ratio(_) if before == 0.0 && worse == 0.0 => 0.0,
        Tolerance::Ratio(_) if before == 0.0 => worse.signum() * f64::INFINITY,
        Tolerance::Ratio(_) => worse / before.abs(),
    }
}

/// The smallest boundary `b` with at most `floor(target × n)` of `changes` above `b`: the
/// `(k + 1)`-th largest change; none when there is none or it is infinite.
pub fn suggest(changes: &[f64], target: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = changes.iter().copied().filter(|c| !c.is_nan()).collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    // The allowed failures: a count, so the float is floored on purpose.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let allowed = (target.max(0.0) * sorted.len() as f64).floor() as usize;
    let at = sorted.get(allowed).copied()?;
    at.is_finite().then_some(at.max(0.0))
}

/// A series' text: `name{k="v",…}`.
fn series_text(name: &str, labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// Each series the rule selects, in first-seen order, with its value in each sample that has
/// it (oldest first).
fn series_of(rule: &RegressionRule, samples: &[Sample]) -> Vec<(String, Vec<f64>)> {
    let mut found: Vec<(String, Vec<f64>)> = Vec::new();
    for sample in samples {
        let mut seen: Vec<String> = Vec::new();
        for s in &sample.report.series {
            let get = |k: &str| {
                s.labels
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            };
            if !rule.selector.matches_name(&s.name) || !rule.selector.matches_labels(get) {
                continue;
            }
            let mut key: Vec<(String, String)> = s
                .labels
                .iter()
                .filter(|(k, _)| !rule.ignore_labels.contains(k))
                .cloned()
                .collect();
            key.sort();
            let text = series_text(&s.name, &key);
            if seen.contains(&text) {
                continue;
            }
            seen.push(text.clone());
            match found.iter_mut().find(|(t, _)| *t == text) {
                Some((_, values)) => values.push(s.value),
                None => found.push((text, vec![s.value])),
            }
        }
    }
    found
}

/// Replays each rule over `samples` (oldest first), judging the last `last` runs (all when
/// none) of each series against the run before each.
pub fn calibrate(
    rules: &[RegressionRule],
    samples: &[Sample],
    last: Option<usize>,
    target: f64,
) -> Vec<Calibration> {
    let mut out = Vec::new();
    for rule in rules {
        let rule_text = rule.selector.shown();
        let Method::Tolerance(tolerance) = rule.method else {
            out.push(Calibration {
                rule: rule_text,
                method: rule.method.name(),
                series: "(statistical rule: not calibrated)".to_string(),
                boundary: rule.method.boundary(),
                judged: 0,
                would_fail: 0,
                suggested: None,
            });
            continue;
        };
        let (Tolerance::Ratio(param) | Tolerance::Absolute(param)) = tolerance;
        for (series, values) in series_of(rule, samples) {
            let pairs = values.len().saturating_sub(1);
            let skip = pairs - last.unwrap_or(pairs).min(pairs);
            let changes: Vec<f64> = values
                .windows(2)
                .skip(skip)
                .map(|w| change(rule.direction, tolerance, w[0], w[1]))
                .collect();
            out.push(Calibration {
                rule: rule_text.clone(),
                method: rule.method.name(),
                series,
                boundary: param,
                judged: changes.len(),
                would_fail: changes.iter().filter(|c| **c > param).count(),
                suggested: suggest(&changes, target),
            });
        }
    }
    out
}

/// The readable table: rule, series, runs judged, would fail k (rate), suggested boundary.
pub fn table(rows: &[Calibration], target: f64) -> String {
    let mut out = format!(
        "rule | method | boundary | series | judged | would fail | suggested for ≤ {target}\n"
    );
    for r in rows {
        #[allow(clippy::cast_precision_loss)]
        let rate = if r.judged == 0 {
            0.0
        } else {
            r.would_fail as f64 / r.judged as f64
        };
        let suggested = r
            .suggested
            .map_or_else(|| "-".to_string(), |s| format!("{s:.6}"));
        out.push_str(&format!(
            "{} | {} | {} | {} | {} | {} ({:.1}%) | {}\n",
            r.rule,
            r.method,
            // `change_point` has no boundary.
            if r.boundary.is_nan() {
                "-".to_string()
            } else {
                r.boundary.to_string()
            },
            r.series,
            r.judged,
            r.would_fail,
            rate * 100.0,
            suggested
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::gates::baseline::{ReadReport, ReportSeries};
    use crate::observability::policy::parse_policy;

    fn sample(at: usize, value: f64) -> Sample {
        Sample {
            source: format!("run{at}"),
            report: ReadReport {
                observed_at: None,
                series: vec![ReportSeries {
                    name: "dpone_throughput".to_string(),
                    labels: vec![("step".to_string(), "load".to_string())],
                    value,
                }],
                revision: None,
                ref_name: None,
                generated_at: Some(format!("2026-01-01T00:{at:02}:00Z")),
                run_id: None,
                run_attempt: None,
                passed: true,
                recorded: Vec::new(),
            },
        }
    }

    fn rules(yaml: &str) -> Vec<RegressionRule> {
        parse_policy(yaml, "test")
            .expect("policy")
            .gates
            .regressions
    }

    /// 40 runs: 100 everywhere, except 4 dips to 85 (a 15 % drop, over the 10 % ratio) each
    /// followed by a return to 100 (a rise, which `higher` never fails).
    fn forty() -> Vec<Sample> {
        let dips = [5, 12, 20, 33];
        (0..40)
            .map(|i| sample(i, if dips.contains(&i) { 85.0 } else { 100.0 }))
            .collect()
    }

    #[test]
    fn counts_exactly_the_runs_outside_the_ratio() {
        let samples = forty();
        let rules = rules("regressions:\n  throughput: {direction: higher, ratio: 0.1}\n");
        let rows = calibrate(&rules, &samples, None, 0.01);
        assert_eq!(rows.len(), 1);
        // Independent count: a drop of more than 10 % from the run before.
        let values: Vec<f64> = samples.iter().map(|s| s.report.series[0].value).collect();
        let expected = (1..values.len())
            .filter(|&i| values[i] < values[i - 1] * 0.9)
            .count();
        assert_eq!(expected, 4);
        assert_eq!(rows[0].judged, 39);
        assert_eq!(rows[0].would_fail, expected);
        assert_eq!(rows[0].series, "dpone_throughput{step=\"load\"}");
    }

    #[test]
    fn the_suggested_boundary_achieves_the_target_when_replayed() {
        let samples = forty();
        for target in [0.0, 0.01, 0.05, 0.1, 0.5] {
            let rules = rules("regressions:\n  throughput: {direction: higher, ratio: 0.1}\n");
            let rows = calibrate(&rules, &samples, None, target);
            let suggested = rows[0].suggested.expect("a boundary");
            let yaml =
                format!("regressions:\n  throughput: {{direction: higher, ratio: {suggested}}}\n");
            let replayed = calibrate(&rules_of(&yaml), &samples, None, target);
            #[allow(clippy::cast_precision_loss)]
            let rate = replayed[0].would_fail as f64 / replayed[0].judged as f64;
            assert!(rate <= target, "target {target}: {rate} with {suggested}");
        }
        // 4 failures of 39 allowed at 0.11: the boundary is the largest change below the dips.
        let rows = calibrate(
            &rules_of("regressions:\n  throughput: {direction: higher, ratio: 0.1}\n"),
            &samples,
            None,
            0.11,
        );
        assert_eq!(rows[0].suggested, Some(0.0));
        let rows = calibrate(
            &rules_of("regressions:\n  throughput: {direction: higher, ratio: 0.1}\n"),
            &samples,
            None,
            0.01,
        );
        assert_eq!(rows[0].suggested, Some(0.15));
    }

    fn rules_of(yaml: &str) -> Vec<RegressionRule> {
        rules(yaml)
    }

    #[test]
    fn last_judges_only_the_most_recent_runs() {
        let samples = forty();
        let rules = rules("regressions:\n  throughput: {direction: higher, ratio: 0.1}\n");
        // The last 10 runs (30..=39) hold one dip, at 33.
        let rows = calibrate(&rules, &samples, Some(10), 0.01);
        assert_eq!((rows[0].judged, rows[0].would_fail), (10, 1));
        let rows = calibrate(&rules, &samples, Some(1000), 0.01);
        assert_eq!(rows[0].judged, 39);
    }

    #[test]
    fn absolute_and_lower_direction() {
        let samples: Vec<Sample> = [1.0, 1.0, 3.0, 3.0, 2.0]
            .iter()
            .enumerate()
            .map(|(i, v)| sample(i, *v))
            .collect();
        let rules = rules("regressions:\n  throughput: {direction: lower, absolute: 1}\n");
        let rows = calibrate(&rules, &samples, None, 0.0);
        // Rises: +0, +2, +0, -1: one above 1.
        assert_eq!((rows[0].judged, rows[0].would_fail), (4, 1));
        assert_eq!(rows[0].suggested, Some(2.0));
    }

    #[test]
    fn no_history_and_statistical_rules_never_panic() {
        let rules = rules(
            "regressions:\n  throughput: {direction: higher, ratio: 0.1}\n  other:\n    direction: lower\n    test: t_test\n    boundary: 0.99\n",
        );
        let rows = calibrate(&rules, &[], None, 0.01);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].method, "t_test");
        let rows = calibrate(&rules, &[sample(0, 0.0), sample(1, 5.0)], None, 0.01);
        assert_eq!(
            rows[0].suggested, None,
            "an infinite change has no boundary"
        );
        assert_eq!(rows[0].would_fail, 0, "a rise never fails `higher`");
        assert!(table(&rows, 0.01).contains("| 1 | 0 (0.0%) | -"));
    }
}
