//! `calibrate`: replays a policy's regression rules over a history of runs on main, assumed
//! good, so that each run a rule would have failed is a false alarm, and suggests the boundary
//! that keeps false alarms to a target rate (an empirical quantile, checked by replaying it).
//!
//! A tolerance rule (`ratio`, `absolute`) judges each run against the run before it (its
//! centre is the most recent sample), alone: `consecutive`, `min_change` and `max_cv` are not
//! applied. A statistical rule (every [`Test`]) judges each run leave-one-out against the runs
//! before it (its last `max_samples`), by the gate's own judgement ([`judge`]: `min_samples`,
//! the test's limits, `max_cv`, `normality`, `min_change`); `consecutive` is not applied. Runs
//! with too few samples before them are counted as not judged, never an error.

use super::gates::baseline::Sample;
use super::gates::config::{Direction, Method, RegressionRule, Tolerance};
use super::gates::stats::{self, Test};
use super::gates::{replay, Judgement};
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
    /// Runs not judged: fewer samples before them than `min_samples` (or none before them),
    /// or samples the test cannot compute limits from.
    pub not_judged: usize,
    /// Runs judged inconclusive whatever the boundary: a history too noisy for `max_cv` or not
    /// normal under `normality`. Counted in `judged`, never failed.
    pub inconclusive: usize,
    /// Why the rule judged nothing (`not enough runs: 3 < min_samples 5`), or what else to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A statistical rule's own unit: `fraction` (`percentage`), `z` (`z_score`), `t`
    /// (`t_test`), `IQR multiple` (`iqr`), `z of ln` (`log_normal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// The suggested boundary in that unit (for `t_test`, with the most samples a run had).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_unit: Option<f64>,
    /// Runs the rule fails when replayed with the suggested boundary (the check of the
    /// suggestion: at most `target × judged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_would_fail: Option<usize>,
    /// A statistical rule's judged runs, oldest first: where each stood in the bad direction,
    /// in the unit (`null` where the history's spread is 0 and the run is off its centre).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub standings: Vec<f64>,
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
    let allowed = allowed_failures(target, sorted.len());
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
/// none) of each series: a tolerance against the run before each, a test against the runs
/// before each.
pub fn calibrate(
    rules: &[RegressionRule],
    samples: &[Sample],
    last: Option<usize>,
    target: f64,
) -> Vec<Calibration> {
    let mut out = Vec::new();
    for rule in rules {
        let found = series_of(rule, samples);
        if found.is_empty() {
            let mut row = empty_row(rule, "(no series in the history)".to_string());
            row.note = Some(format!(
                "no run of the history has a series of `{}`",
                rule.selector.shown()
            ));
            out.push(row);
        }
        for (series, values) in found {
            out.push(match rule.method {
                Method::Tolerance(tolerance) => {
                    replay_tolerance(rule, tolerance, series, &values, last, target)
                }
                Method::Test { test, .. } => replay_test(rule, test, series, &values, last, target),
                Method::ChangePoint => {
                    let mut row = empty_row(rule, series);
                    row.note = Some(
                        "a change-point rule has no boundary to calibrate: its `p_value` and \
                         `min_segment` (`change_points:`) set how sure a step must be"
                            .to_string(),
                    );
                    row
                }
            });
        }
    }
    out
}

/// A row with nothing judged yet.
fn empty_row(rule: &RegressionRule, series: String) -> Calibration {
    Calibration {
        rule: rule.selector.shown(),
        method: rule.method.name(),
        series,
        boundary: rule.method.boundary(),
        judged: 0,
        would_fail: 0,
        suggested: None,
        not_judged: 0,
        inconclusive: 0,
        note: None,
        unit: None,
        suggested_unit: None,
        suggested_would_fail: None,
        standings: Vec::new(),
    }
}

/// A tolerance rule over one series: each of the last runs against the run before it.
fn replay_tolerance(
    rule: &RegressionRule,
    tolerance: Tolerance,
    series: String,
    values: &[f64],
    last: Option<usize>,
    target: f64,
) -> Calibration {
    let (Tolerance::Ratio(param) | Tolerance::Absolute(param)) = tolerance;
    let pairs = values.len().saturating_sub(1);
    let skip = pairs - last.unwrap_or(pairs).min(pairs);
    let changes: Vec<f64> = values
        .windows(2)
        .skip(skip)
        .map(|w| change(rule.direction, tolerance, w[0], w[1]))
        .collect();
    let mut row = empty_row(rule, series);
    row.boundary = param;
    row.judged = changes.len();
    row.would_fail = changes.iter().filter(|c| **c > param).count();
    row.suggested = suggest(&changes, target);
    if pairs == 0 {
        row.note = Some("not enough runs: 1 < 2 (a run and the one before it)".to_string());
    }
    row
}

/// The runs replayed: each of the last `last` runs (all but the first when none) of a series
/// with `values`, as its index.
fn replayed_runs(len: usize, last: Option<usize>) -> std::ops::Range<usize> {
    let runs = len.saturating_sub(1);
    let from = len - last.unwrap_or(runs).min(runs);
    from..len
}

/// `rule` with another boundary for its test.
fn with_boundary(rule: &RegressionRule, test: Test, boundary: f64) -> RegressionRule {
    let mut rule = rule.clone();
    rule.method = Method::Test { test, boundary };
    rule
}

/// How many of `runs` the rule fails (the gate's judgement, [`replay`]).
fn failures(rule: &RegressionRule, values: &[f64], runs: std::ops::Range<usize>) -> usize {
    replay(rule, values, runs)
        .filter(|(_, _, judgement)| judgement.fails())
        .count()
}

/// A standing in the rule's bad direction: above the centre for `lower`, below it for
/// `higher`, either way for `both`.
fn bad_way(direction: Direction, standing: f64) -> f64 {
    match direction {
        Direction::Lower => standing,
        Direction::Higher => -standing,
        Direction::Both => standing.abs(),
    }
}

/// The unit a test's standings are in.
fn unit_name(test: Test) -> &'static str {
    match test {
        Test::Percentage => "fraction",
        Test::ZScore => "z",
        Test::TTest => "t",
        Test::Iqr => "IQR multiple",
        Test::LogNormal => "z of ln",
    }
}

/// One replayed run of a statistical rule: the boundary at which it sits exactly on the limit
/// (−∞ when no boundary makes it fail), and its standing in the bad direction.
struct Replayed {
    equivalent: f64,
    standing: f64,
}

/// A statistical rule over one series: each of the last runs against the runs before it.
fn replay_test(
    rule: &RegressionRule,
    test: Test,
    series: String,
    values: &[f64],
    last: Option<usize>,
    target: f64,
) -> Calibration {
    let mut row = empty_row(rule, series);
    row.unit = Some(unit_name(test));
    let runs = replayed_runs(values.len(), last);
    let mut replayed: Vec<Replayed> = Vec::new();
    let mut first_reason: Option<String> = None;
    let mut most = 0;
    for (i, history, judgement) in replay(rule, values, runs.clone()) {
        let Judgement::Judged { doubt, small, .. } = &judgement else {
            row.not_judged += 1;
            if let Judgement::NotJudged(_, reason) = judgement {
                first_reason.get_or_insert(reason);
            }
            continue;
        };
        most = most.max(history.len());
        row.would_fail += usize::from(judgement.fails());
        row.inconclusive += usize::from(doubt.is_some());
        let standing = stats::standing(test, history, values[i])
            .map_or(f64::NAN, |s| bad_way(rule.direction, s));
        let equivalent = if doubt.is_some() || small.is_some() || standing.is_nan() {
            f64::NEG_INFINITY
        } else {
            test.boundary_at(standing, history.len())
        };
        replayed.push(Replayed {
            equivalent,
            standing,
        });
    }
    row.judged = replayed.len();
    row.standings = replayed.iter().map(|r| r.standing).collect();
    if row.judged == 0 {
        row.note = Some(not_enough(rule, values.len(), first_reason));
        return row;
    }
    let equivalents: Vec<f64> = replayed.iter().map(|r| r.equivalent).collect();
    if let Some((suggested, fails)) =
        suggest_checked(rule, test, &equivalents, values, runs, target)
    {
        row.suggested = Some(suggested);
        row.suggested_unit = Some(test.unit(suggested, most)).filter(|u| u.is_finite());
        row.suggested_would_fail = Some(fails);
    } else {
        let worst = row
            .standings
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        row.note = Some(format!(
            "no boundary `{}` takes keeps to the target: a run stands {} {worst:.3} off",
            test.as_str(),
            unit_name(test)
        ));
    }
    row
}

/// Why a series' runs were not judged: too few runs for `min_samples`, else the test's reason.
fn not_enough(rule: &RegressionRule, runs: usize, reason: Option<String>) -> String {
    let most_before = rule.max_samples.map_or(runs.saturating_sub(1), |max| {
        runs.saturating_sub(1).min(max)
    });
    if most_before < rule.min_samples {
        return format!(
            "not enough runs: {most_before} < min_samples {}",
            rule.min_samples
        );
    }
    reason.unwrap_or_else(|| "no run was judged".to_string())
}

/// The boundary a test takes that is nearest to `raw`: at least 0 for `percentage` and `iqr`;
/// above 0.5 and below 1 for the probabilities (none at 1 or above: no such boundary).
fn allowed_boundary(test: Test, raw: f64) -> Option<f64> {
    if !raw.is_finite() {
        return (raw == f64::NEG_INFINITY)
            .then(|| allowed_boundary(test, 0.0))
            .flatten();
    }
    let b = match test {
        Test::Percentage | Test::Iqr => raw.max(0.0),
        Test::ZScore | Test::TTest | Test::LogNormal => {
            if raw >= 1.0 {
                return None;
            }
            raw.max(SMALLEST_PROBABILITY)
        }
    };
    test.check_boundary(b).is_ok().then_some(b)
}

/// The smallest cumulative probability suggested: z of about 2.5e-7, "any change fails".
const SMALLEST_PROBABILITY: f64 = 0.5000001;

/// The `(k + 1)`-th largest boundary-equivalent, `k = floor(target × judged)`, as a boundary
/// the test takes, replayed with the gate's judgement; nudged up a little when rounding between
/// the unit and the boundary fails one more run; none when nothing keeps to the target.
fn suggest_checked(
    rule: &RegressionRule,
    test: Test,
    equivalents: &[f64],
    values: &[f64],
    runs: std::ops::Range<usize>,
    target: f64,
) -> Option<(f64, usize)> {
    let mut sorted = equivalents.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let allowed = allowed_failures(target, sorted.len());
    let raw = allowed_boundary(test, *sorted.get(allowed)?)?;
    // The quantile functions round (statrs' Student-t inversion to about 1e-9), which can put
    // the run the boundary was read from just outside it: try nudges of 1e-12 up to 1e-6 of
    // the way to 1 (of the boundary's size for `percentage` and `iqr`).
    for step in std::iter::once(0.0).chain((0..7).map(|k| 10f64.powi(k - 12))) {
        let b = match test {
            Test::Percentage | Test::Iqr => raw + raw.max(f64::MIN_POSITIVE) * step,
            Test::ZScore | Test::TTest | Test::LogNormal => raw + (1.0 - raw) * step,
        };
        let Some(b) = allowed_boundary(test, b) else {
            continue;
        };
        let fails = failures(&with_boundary(rule, test, b), values, runs.clone());
        if fails <= allowed {
            return Some((b, fails));
        }
    }
    None
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
        let mut suggested = r
            .suggested
            .map_or_else(|| "-".to_string(), |s| format!("{s:.6}"));
        suggested.push_str(&row_notes(r));
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

/// What else a row says, after its suggestion: the suggestion in the test's unit, why nothing
/// was judged, the runs not judged and the inconclusive ones; empty when there is nothing.
fn row_notes(r: &Calibration) -> String {
    let mut notes: Vec<String> = Vec::new();
    if let (Some(unit), Some(u)) = (r.unit, r.suggested_unit) {
        notes.push(format!("{unit} {u:.3}"));
    }
    notes.extend(r.note.iter().cloned());
    if r.not_judged > 0 && r.judged > 0 {
        notes.push(format!(
            "{} not judged (too few runs before them)",
            r.not_judged
        ));
    }
    if r.inconclusive > 0 {
        notes.push(format!("{} inconclusive", r.inconclusive));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    }
}

/// How many of `n` runs may fail at the `target` rate: a count, so the product is floored.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn allowed_failures(target: f64, n: usize) -> usize {
    (target.max(0.0) * n as f64).floor() as usize
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
        // No history: each rule is a row that judged nothing and says why.
        let rows = calibrate(&rules, &[], None, 0.01);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].method, "t_test");
        for row in &rows {
            assert_eq!((row.judged, row.would_fail, row.suggested), (0, 0, None));
            let note = row.note.as_deref().unwrap_or_default();
            assert!(note.contains("no run of the history"), "{note}");
        }
        let rows = calibrate(&rules, &[sample(0, 0.0), sample(1, 5.0)], None, 0.01);
        assert_eq!(
            rows[0].suggested, None,
            "an infinite change has no boundary"
        );
        assert_eq!(rows[0].would_fail, 0, "a rise never fails `higher`");
        assert!(table(&rows, 0.01).contains("| 1 | 0 (0.0%) | -"));
    }

    /// 30 runs of a noisy series with three spikes; each statistical test replayed.
    fn noisy() -> Vec<Sample> {
        (0..30)
            .map(|i| {
                let wobble = [0.0, 3.0, -2.0, 1.0, -4.0, 2.0][i % 6];
                let spike = if [9, 18, 27].contains(&i) { 40.0 } else { 0.0 };
                sample(i, 100.0 + wobble + spike)
            })
            .collect()
    }

    #[test]
    fn statistical_rules_count_leave_one_out_and_their_suggestion_replays_within_target() {
        let samples = noisy();
        for (test, boundary) in [
            ("z_score", 0.99),
            ("t_test", 0.99),
            ("iqr", 1.5),
            ("percentage", 0.1),
            ("log_normal", 0.977),
        ] {
            let yaml = |b: f64| {
                format!("regressions:\n  throughput: {{direction: lower, test: {test}, boundary: {b}}}\n")
            };
            let rows = calibrate(&rules(&yaml(boundary)), &samples, None, 0.01);
            let row = &rows[0];
            let min = rules(&yaml(boundary))[0].min_samples;
            // Runs 1..30, those with fewer than min_samples before them not judged.
            assert_eq!(row.not_judged, min - 1, "{test}");
            assert_eq!(row.judged, 29 - (min - 1), "{test}");
            assert_eq!(row.standings.len(), row.judged, "{test}");
            // Independent of the table: the spikes are the only runs the rule fails.
            assert!(row.would_fail <= 3, "{test}: {}", row.would_fail);
            for target in [0.0, 0.05, 0.2] {
                let rows = calibrate(&rules(&yaml(boundary)), &samples, None, target);
                let Some(suggested) = rows[0].suggested else {
                    // A spike 40 above a spread of about 3 is z ≈ 13: Φ(13) rounds to 1, and
                    // no probability below 1 passes it.
                    let note = rows[0].note.as_deref().unwrap_or_default();
                    assert!(note.starts_with("no boundary"), "{test} {target}: {note}");
                    assert!(
                        test != "iqr" && test != "percentage",
                        "{test} {target}: {note}"
                    );
                    continue;
                };
                let again = calibrate(&rules(&yaml(suggested)), &samples, None, target);
                #[allow(clippy::cast_precision_loss)]
                let rate = again[0].would_fail as f64 / again[0].judged as f64;
                assert!(rate <= target, "{test} {target}: {rate} with {suggested}");
                assert_eq!(Some(again[0].would_fail), rows[0].suggested_would_fail);
            }
        }
    }

    #[test]
    fn too_few_runs_and_missing_series_are_notes_not_errors() {
        let rules = rules(
            "regressions:\n  throughput: {direction: lower, test: z_score, boundary: 0.99}\n  gone: {direction: lower, test: iqr, boundary: 1.5}\n",
        );
        let rows = calibrate(&rules, &noisy()[..4], None, 0.01);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].judged, 0);
        assert_eq!(
            rows[0].note.as_deref(),
            Some("not enough runs: 3 < min_samples 5")
        );
        assert!(table(&rows, 0.01).contains("- (not enough runs: 3 < min_samples 5)"));
        assert_eq!(
            rows[1].note.as_deref(),
            Some("no run of the history has a series of `dpone_gone`")
        );
        // Runs without the series are skipped: the series' own runs are replayed.
        let mut samples = noisy();
        for s in samples.iter_mut().step_by(3) {
            s.report.series.clear();
        }
        let rows = calibrate(&rules[..1], &samples, None, 0.01);
        assert_eq!(rows[0].judged + rows[0].not_judged, 20 - 1);
    }
}
