//! Regressions: each series matched with its history (one value per sample that has it) and
//! judged against limits set by the rule: a tolerance around the most recent sample, or a
//! statistical test over the samples (`stats.rs`). A breach fails the step once it has
//! happened `consecutive` times in a row (this export and the most recent samples, by their own
//! recorded results); short of that it is a warning.

use super::super::change_points::ChangePoint;
use super::baseline::Sample;
use super::change_points::{self, ChangePointPolicy, ChangePointResult};
use super::normality;
use super::series::GateSeries;
use super::stats::{self, Limits};
use super::*;

/// The change in the bad direction, relative to the baseline's magnitude; for `both`, the
/// change either way.
pub(super) fn regression_ratio(direction: Direction, baseline: f64, actual: f64) -> f64 {
    let worse = match direction {
        Direction::Lower => actual - baseline,
        Direction::Higher => baseline - actual,
        Direction::Both => (actual - baseline).abs(),
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

/// A tolerance's limits around `base` (the most recent sample).
fn tolerance_limits(tolerance: Tolerance, base: f64) -> Limits {
    let reach = match tolerance {
        Tolerance::Ratio(r) => base.abs() * r,
        Tolerance::Absolute(a) => a,
    };
    Limits {
        centre: base,
        lower: base - reach,
        upper: base + reach,
    }
}

/// Whether `actual` is within a tolerance of `base` (the most recent sample): the ratio (or
/// amount) of the change in the bad direction is at most the tolerance, so a baseline of 0
/// allows only no change; `both` checks either way.
pub(super) fn within_tolerance(
    direction: Direction,
    tolerance: Tolerance,
    base: f64,
    actual: f64,
) -> bool {
    let side = |direction: Direction| {
        let worse = match direction {
            Direction::Lower => actual - base,
            _ => base - actual,
        };
        match tolerance {
            Tolerance::Ratio(r) => regression_ratio(direction, base, actual) <= r,
            Tolerance::Absolute(a) => worse <= a,
        }
    };
    match direction {
        Direction::Both => side(Direction::Higher) && side(Direction::Lower),
        d => side(d),
    }
}

/// Whether `actual` is within the rule's checked limits.
fn within(rule: &RegressionRule, limits: &Limits, actual: f64) -> bool {
    if let Method::Tolerance(tolerance) = rule.method {
        return within_tolerance(rule.direction, tolerance, limits.centre, actual);
    }
    (!rule.direction.checks_lower() || actual >= limits.lower)
        && (!rule.direction.checks_upper() || actual <= limits.upper)
}

/// What a rule makes of one value against a series' history (its values, oldest first, within
/// `max_samples`), before `consecutive`: the one judgement of the gate and of `calibrate`.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// No limits: fewer samples than `min_samples` (`Insufficient`) or the test cannot
    /// compute them (`NotComputable`), and why.
    NotJudged(ComparisonStatus, String),
    /// The limits, and what the rule makes of the value within or outside them.
    Judged {
        limits: Limits,
        /// The value is outside the limits the rule checks.
        breached: bool,
        /// Why the history is too noisy (`max_cv`) or not normal (`normality`) for the test,
        /// whatever the value: the rule is inconclusive.
        doubt: Option<String>,
        /// Why the change from the centre is too small to act on (`min_change`), whether or
        /// not it breached: a breach this small is inconclusive.
        small: Option<String>,
    },
}

impl Judgement {
    /// Whether the rule fails the value (outside the limits, no doubt, not too small).
    pub fn fails(&self) -> bool {
        matches!(
            self,
            Judgement::Judged {
                breached: true,
                doubt: None,
                small: None,
                ..
            }
        )
    }
}

/// The limits the rule sets from a series' history, or why it cannot.
fn rule_limits(
    rule: &RegressionRule,
    samples: &[f64],
) -> Result<Limits, (ComparisonStatus, String)> {
    if samples.len() < rule.min_samples {
        return Err((
            ComparisonStatus::Insufficient,
            format!(
                "{} of the {} the rule needs (`min_samples`)",
                plural_samples(samples.len()),
                rule.min_samples
            ),
        ));
    }
    match rule.method {
        Method::Tolerance(t) => match samples.last() {
            Some(base) => Ok(tolerance_limits(t, *base)),
            None => Err((ComparisonStatus::Insufficient, "no sample".to_string())),
        },
        Method::Test { test, boundary } => stats::limits(test, boundary, samples)
            .map_err(|why| (ComparisonStatus::NotComputable, why.0)),
        Method::ChangePoint => Err((
            ComparisonStatus::NotComputable,
            "a change-point rule sets no limits".to_string(),
        )),
    }
}

/// Why a series' history is too noisy (`max_cv`) or not normal (`normality`, Shapiro-Wilk)
/// for the rule, if it is. A history Shapiro-Wilk cannot judge (fewer than 3 samples, all
/// equal) is not called not normal.
fn doubt(rule: &RegressionRule, samples: &[f64]) -> Option<String> {
    let noisy = rule.max_cv.and_then(|bound| {
        let cv = stats::coefficient_of_variation(samples)?;
        (cv > bound).then(|| format!("too noisy (CV {cv:.2} > {bound}, `max_cv`)"))
    });
    noisy.or_else(|| {
        let alpha = rule.normality?;
        let sw = normality::shapiro_wilk(samples).ok()?;
        (sw.p < alpha).then(|| {
            // W is near 1 for large samples: enough decimals to tell it from 1.
            let w = if sw.w < 0.99 {
                format!("{:.2}", sw.w)
            } else {
                format!("{:.4}", sw.w)
            };
            format!(
                "samples not normal (Shapiro-Wilk W = {w}, p = {} < {alpha}, `normality`)",
                p_text(sw.p)
            )
        })
    })
}

/// A p-value to 2 significant digits (0.003, 0.041, 1.2e-7).
fn p_text(p: f64) -> String {
    if p >= 0.001 {
        let digits = (1 - p.log10().floor() as i32).max(0) as usize;
        format!("{p:.digits$}")
    } else {
        format!("{p:.1e}")
    }
}

/// What `rule` makes of `value` against `samples` (oldest first, already cut to
/// `max_samples`).
pub fn judge(rule: &RegressionRule, samples: &[f64], value: f64) -> Judgement {
    let limits = match rule_limits(rule, samples) {
        Ok(limits) => limits,
        Err((status, reason)) => return Judgement::NotJudged(status, reason),
    };
    let base = limits.centre;
    let small = rule
        .min_change
        .filter(|min| !min.exceeds(value - base, base))
        .map(|min| {
            format!(
                "change {} is below `min_change: {}`",
                number(value - base),
                min.shown()
            )
        });
    Judgement::Judged {
        limits,
        breached: !within(rule, &limits, value),
        doubt: doubt(rule, samples),
        small,
    }
}

/// The samples run `i` of a series is judged against when the rule is replayed: the runs
/// before it, the last `max_samples` of them.
pub fn runs_before<'a>(rule: &RegressionRule, values: &'a [f64], i: usize) -> &'a [f64] {
    let from = rule.max_samples.map_or(0, |max| i.saturating_sub(max));
    &values[from..i.min(values.len())]
}

/// The rule replayed over a series' `values` (oldest first): each run of `runs` judged by
/// [`judge`] against [`runs_before`] it. The one replay of `calibrate` and of a shadow rule's
/// summary.
pub fn replay<'a>(
    rule: &'a RegressionRule,
    values: &'a [f64],
    runs: std::ops::Range<usize>,
) -> impl Iterator<Item = (usize, &'a [f64], Judgement)> + 'a {
    runs.filter(move |&i| i < values.len()).map(move |i| {
        let before = runs_before(rule, values, i);
        (i, before, judge(rule, before, values[i]))
    })
}

/// Of every run of `values` but the first, how many the rule judged and would have failed.
pub fn replayed(rule: &RegressionRule, values: &[f64]) -> Replayed {
    let mut out = Replayed {
        runs: 0,
        would_fail: 0,
    };
    for (_, _, judgement) in replay(rule, values, 1..values.len()) {
        if let Judgement::Judged { .. } = judgement {
            out.runs += 1;
            out.would_fail += usize::from(judgement.fails());
        }
    }
    out
}

/// A series' history: the value in each sample that has it, oldest first, with the sample.
type Values<'a> = Vec<(f64, &'a Sample)>;

/// One rule's series, matched by name and labels (less the rule's `ignore_labels`).
struct Matched<'a> {
    /// Each selected series of this export, in export order, with its history.
    now: Vec<(Point<'a>, Labels, Values<'a>)>,
    /// Series of the most recent sample with no series now: name, labels, history, and
    /// whether the metric is gone altogether.
    left: Vec<(&'a str, &'a Labels, Values<'a>, bool)>,
}

impl Matched<'_> {
    fn is_empty(&self) -> bool {
        self.now.is_empty() && self.left.is_empty()
    }
}

/// The labels a series is matched by: its own, less the rule's `ignore_labels`.
fn key_labels(rule: &RegressionRule, labels: &[(String, String)]) -> Labels {
    let mut key: Labels = labels
        .iter()
        .filter(|(k, _)| !rule.ignore_labels.contains(k))
        .cloned()
        .collect();
    key.sort();
    key
}

/// The match phase: series are matched by name and labels, less the rule's `ignore_labels`
/// (e.g. `status`, which a failed run changes), in each of the window's samples (the first
/// series of a key in a sample is the one compared).
fn match_series<'a>(
    rule: &RegressionRule,
    points: &'a Points,
    window: &'a [Sample],
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
    // Key -> the value in each sample, and the latest sample's series in its order.
    let mut history: HashMap<(&str, Labels), Values<'a>> = HashMap::new();
    let mut latest_order: Vec<(&str, Labels, &Labels)> = Vec::new();
    let last = window.len().saturating_sub(1);
    for (i, sample) in window.iter().enumerate() {
        let mut seen_here: HashSet<(&str, Labels)> = HashSet::new();
        for s in &sample.report.series {
            let get = |k: &str| {
                s.labels
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            if !selected(&s.name, &get) {
                continue;
            }
            let key = key_labels(rule, &s.labels);
            if !seen_here.insert((&s.name, key.clone())) {
                continue;
            }
            history
                .entry((&s.name, key.clone()))
                .or_default()
                .push((s.value, sample));
            if i == last {
                latest_order.push((&s.name, key, &s.labels));
            }
        }
    }
    let mut seen: HashSet<(String, Labels)> = HashSet::new();
    let mut names_now: HashSet<&str> = HashSet::new();
    let mut now = Vec::new();
    for p in points {
        let get = |k: &str| p.labels.get(k).map(str::to_string);
        if !selected(p.name, &get) {
            continue;
        }
        names_now.insert(p.name);
        let labels = labels_of(p.labels);
        let key = key_labels(rule, &labels);
        let values = history
            .get(&(p.name, key.clone()))
            .cloned()
            .unwrap_or_default();
        seen.insert((p.name.to_string(), key));
        now.push((p, labels, values));
    }
    let left = latest_order
        .into_iter()
        .filter(|(name, key, _)| !seen.contains(&(name.to_string(), key.clone())))
        .map(|(name, key, labels)| {
            let values = history.get(&(name, key)).cloned().unwrap_or_default();
            (name, labels, values, !names_now.contains(name))
        })
        .collect();
    Matched { now, left }
}

/// The judge phase's view of one rule: where it is configured and how it reads.
struct Judge<'a> {
    rule: &'a RegressionRule,
    /// Whether (and how) the series are searched for change points.
    change_points: Option<ChangePointPolicy>,
    origin: String,
    tolerance: BTreeMap<&'static str, f64>,
}

impl<'a> Judge<'a> {
    fn new(rule: &'a RegressionRule, change_points: Option<ChangePointPolicy>) -> Self {
        Judge {
            rule,
            change_points,
            origin: rule.selector.origin.to_string(),
            tolerance: match rule.method {
                Method::Tolerance(Tolerance::Ratio(r)) => [("ratio", r)].into(),
                Method::Tolerance(Tolerance::Absolute(a)) => [("absolute", a)].into(),
                Method::Test { boundary, .. } => [("boundary", boundary)].into(),
                Method::ChangePoint => BTreeMap::new(),
            },
        }
    }

    /// A result row; the caller fills in what it measured.
    fn comparison(
        &self,
        metric: &str,
        labels: &[(String, String)],
        values: &Values<'_>,
    ) -> Comparison {
        Comparison {
            at: self.rule.selector.origin.clone(),
            actual: None,
            baseline: None,
            breached: false,
            centre: None,
            code: Blocker::for_metric(Code::Regression, metric, "")
                .id()
                .to_string(),
            consecutive: 0,
            delta: None,
            direction: self.rule.direction,
            enforce: Enforce::of(self.rule.shadow),
            labels: labels.iter().cloned().collect(),
            lower_limit: None,
            metric: metric.to_string(),
            passed: true,
            ratio: None,
            reason: None,
            rule: self.origin.clone(),
            sample_ids: values.iter().map(|(_, s)| s.id()).collect(),
            samples: values.len(),
            severity: self.rule.severity,
            status: ComparisonStatus::Compared,
            test: self.rule.method.name(),
            tolerance: self.tolerance.clone(),
            upper_limit: None,
            verdict: Verdict::Passed,
            replayed: None,
            change_points: Vec::new(),
            history: values.iter().map(|(v, _)| *v).collect(),
        }
    }

    /// A finding of this rule on `row`: a blocker, or for a shadow rule the row's
    /// `would_fail` verdict and reason (never a blocker). Whether the row still passes.
    fn finding(
        &self,
        row: &mut Comparison,
        gated: &mut Gated,
        message: String,
        severity: Severity,
    ) -> bool {
        if self.rule.shadow {
            row.verdict = Verdict::WouldFail;
            row.reason = Some(format!("would fail (`enforce: shadow`): {message}"));
            return true;
        }
        row.verdict = Verdict::Failed;
        let metric = row.metric.clone();
        gated
            .blockers
            .push(self.blocker(&metric, message, severity));
        false
    }

    fn blocker(&self, metric: &str, message: String, severity: Severity) -> Blocker {
        let blocker =
            Blocker::for_metric(Code::Regression, metric, message).with_severity(severity);
        self.rule.selector.origin.locate(blocker)
    }

    /// The limits the rule sets from a series' history, or why it cannot.
    fn limits(&self, values: &Values<'_>) -> Result<Limits, (ComparisonStatus, String)> {
        let samples: Vec<f64> = values.iter().map(|(v, _)| *v).collect();
        rule_limits(self.rule, &samples)
    }

    /// The sides of `limits` the rule checks, in the result.
    fn set_limits(&self, row: &mut Comparison, limits: &Limits) {
        let direction = self.rule.direction;
        row.lower_limit = direction.checks_lower().then_some(limits.lower);
        row.upper_limit = direction.checks_upper().then_some(limits.upper);
    }

    /// How many breaches in a row end with this export's: 1 plus the most recent samples
    /// whose own results breached this rule on this series.
    fn breaches_in_a_row(&self, code: &str, key: &Labels, window: &[Sample]) -> usize {
        let mut n = 1;
        for sample in window.iter().rev() {
            let breached =
                sample.report.recorded.iter().any(|r| {
                    r.code == code && r.breached && key_labels(self.rule, &r.labels) == *key
                });
            if !breached {
                break;
            }
            n += 1;
            if n >= self.rule.consecutive {
                break;
            }
        }
        n
    }

    /// A series of this export, against its history.
    fn series(
        &self,
        p: &Point<'_>,
        labels: &Labels,
        values: &Values<'_>,
        window: &[Sample],
        gated: &mut Gated,
        out: &mut GatePoints,
    ) {
        let rule = self.rule;
        let mut row = self.comparison(p.name, labels, values);
        row.actual = Some(p.value);
        let found = self
            .change_points
            .map(|policy| change_points::search(&policy, values, p.value))
            .unwrap_or_default();
        row.change_points = found.iter().map(|(_, r)| r.clone()).collect();
        if rule.method == Method::ChangePoint && !values.is_empty() {
            return self.change_point_series(p, labels, values, &found, row, gated, out);
        }
        if values.is_empty() {
            row.status = ComparisonStatus::Added;
            row.verdict = Verdict::NotCompared;
            row.reason = Some("no sample has a series with these labels".to_string());
            gated.results.regressions.push(row);
            return;
        }
        let samples: Vec<f64> = values.iter().map(|(v, _)| *v).collect();
        let (limits, breached, doubt, small) = match judge(rule, &samples, p.value) {
            Judgement::Judged {
                limits,
                breached,
                doubt,
                small,
            } => (limits, breached, doubt, small),
            Judgement::NotJudged(status, reason) => {
                row.verdict = if status == ComparisonStatus::Insufficient {
                    Verdict::Inconclusive
                } else {
                    Verdict::NotCompared
                };
                row.status = status;
                row.reason = Some(reason);
                gated.results.regressions.push(row);
                return;
            }
        };
        let base = limits.centre;
        let ratio = regression_ratio(rule.direction, base, p.value);
        row.baseline = Some(base);
        row.centre = Some(base);
        row.delta = Some(p.value - base);
        row.ratio = Some(ratio);
        self.set_limits(&mut row, &limits);
        // A doubtful history whatever the value; a breach too small to act on.
        let passed = if let Some(why) = doubt.or(small.filter(|_| breached)) {
            row.verdict = Verdict::Inconclusive;
            row.reason = Some(why);
            true
        } else {
            row.breached = breached;
            !breached || self.breach(p, labels, values, window, &mut row, gated)
        };
        row.passed = passed;
        gated.results.regressions.push(row);
        gate_series(rule, p, labels, passed, (ratio, base), out);
    }

    /// A series of this export under `test: change_point`: it fails when a recent change point
    /// (within `last_runs`) moved its level in the bad direction, by at least `min_change`.
    // The arguments are `series`'s, plus what it found; grouping them would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn change_point_series(
        &self,
        p: &Point<'_>,
        labels: &Labels,
        values: &Values<'_>,
        found: &[(ChangePoint, ChangePointResult)],
        mut row: Comparison,
        gated: &mut Gated,
        out: &mut GatePoints,
    ) {
        let rule = self.rule;
        let policy = self.change_points.unwrap_or_default();
        let needed = rule
            .min_samples
            .max(2 * policy.options.min_segment.max(2) - 1);
        if values.len() < needed {
            row.status = ComparisonStatus::Insufficient;
            row.verdict = Verdict::Inconclusive;
            row.reason = Some(format!(
                "{} of the {needed} a change-point search needs (`min_samples`, or \
                 2 × `min_segment` runs with this export)",
                plural_samples(values.len()),
            ));
            gated.results.regressions.push(row);
            return;
        }
        let step = change_points::bad_step(rule.direction, found);
        let (base, now) = match step {
            Some((point, _)) => (point.mean_before, point.mean_after),
            None => (change_points::level(values, found), p.value),
        };
        let ratio = regression_ratio(rule.direction, base, now);
        (row.baseline, row.centre) = (Some(base), Some(base));
        (row.delta, row.ratio) = (Some(now - base), Some(ratio));
        let passed = match step {
            None => true,
            Some(_) if !self.large_enough(&mut row, base, now) => true,
            Some((_, step)) => {
                row.breached = true;
                row.consecutive = 1;
                let message = format!(
                    "`{}` stepped from {} to {} ({}) within the last {} runs ({} is better; {})",
                    series_text(p.name, labels),
                    number(base),
                    number(now),
                    change_points::describe(step, |at| format!("`{at}`")),
                    policy.last_runs,
                    rule.direction.as_str(),
                    self.origin
                );
                self.finding(&mut row, gated, message, rule.severity)
            }
        };
        row.passed = passed;
        gated.results.regressions.push(row);
        gate_series(rule, p, labels, passed, (ratio, base), out);
    }

    /// Whether a breach moved at least the rule's `min_change` from `base`; a smaller one makes
    /// the row inconclusive.
    fn large_enough(&self, row: &mut Comparison, base: f64, value: f64) -> bool {
        let Some(min) = self.rule.min_change else {
            return true;
        };
        if min.exceeds(value - base, base) {
            return true;
        }
        row.verdict = Verdict::Inconclusive;
        row.reason = Some(format!(
            "change {} is below `min_change: {}`",
            number(value - base),
            min.shown()
        ));
        false
    }

    /// A breach of this series' limits: a blocker (an error once it is the rule's
    /// `consecutive`-th in a row, a warning before), its consecutive count in the row, and
    /// whether the series still passes.
    fn breach(
        &self,
        p: &Point<'_>,
        labels: &Labels,
        values: &Values<'_>,
        window: &[Sample],
        row: &mut Comparison,
        gated: &mut Gated,
    ) -> bool {
        let rule = self.rule;
        let (base, ratio) = (
            row.centre.unwrap_or(f64::NAN),
            row.ratio.unwrap_or(f64::NAN),
        );
        let key = key_labels(rule, labels);
        let in_a_row = self.breaches_in_a_row(&row.code, &key, window);
        row.consecutive = in_a_row;
        let confirmed = in_a_row >= rule.consecutive;
        let limit = match (row.lower_limit, row.upper_limit) {
            (Some(l), Some(u)) => format!("{} to {}", number(l), number(u)),
            (Some(l), None) => format!("at least {}", number(l)),
            (None, Some(u)) => format!("at most {}", number(u)),
            (None, None) => String::new(),
        };
        let mut message = format!(
            "`{}` is {}, outside the limit ({limit}) that {} over {} sets{}: {} ({} is better; {})",
            series_text(p.name, labels),
            number(p.value),
            rule.method,
            plural_samples(values.len()),
            match rule.method {
                Method::Tolerance(_) => format!(" around the most recent, {}", number(base)),
                Method::Test { .. } | Method::ChangePoint => format!(" around {}", number(base)),
            },
            if ratio.is_nan() {
                "not comparable".to_string()
            } else {
                format!(
                    "{:.1} % {}",
                    ratio.abs() * 100.0,
                    if ratio >= 0.0 { "worse" } else { "off" }
                )
            },
            rule.direction.as_str(),
            self.origin
        );
        if !confirmed {
            message.push_str(&format!(
                "; breach {in_a_row} of {} in a row needed to fail (`consecutive: {}`), so a warning",
                rule.consecutive, rule.consecutive
            ));
        }
        let severity = if confirmed {
            rule.severity
        } else {
            Severity::Warning
        };
        if !confirmed {
            row.severity = Severity::Warning;
            row.verdict = Verdict::Warned;
            if !rule.shadow {
                gated.blockers.push(self.blocker(p.name, message, severity));
            }
            return true;
        }
        self.finding(row, gated, message, severity)
    }

    /// The rule matched nothing, now or in the history: it checks nothing, which fails.
    fn absent(&self, gated: &mut Gated) {
        let selector = &self.rule.selector;
        let name = selector.name.as_str();
        let mut row = self.comparison(name, &selector.labels, &Vec::new());
        row.passed = false;
        row.status = ComparisonStatus::Absent;
        let message = format!(
            "no series of `{}` in this export nor in the baseline, so nothing was \
             compared ({}): check the name against docs/metrics.md",
            selector.shown(),
            self.origin
        );
        row.passed = self.finding(&mut row, gated, message, self.rule.severity);
        if row.verdict == Verdict::Failed {
            row.reason = Some("no series in this export nor in the baseline".to_string());
        }
        gated.results.regressions.push(row);
    }

    /// A series of the most recent sample with no series now: removed (others of the metric
    /// remain) or, when the metric is gone altogether, a failure.
    fn missing(
        &self,
        name: &str,
        labels: &Labels,
        values: &Values<'_>,
        gone: bool,
        gated: &mut Gated,
        out: &mut GatePoints,
    ) {
        let base = values.last().map_or(f64::NAN, |(v, _)| *v);
        let mut row = self.comparison(name, labels, values);
        row.baseline = Some(base);
        // The limits the series would have had to meet, when the history sets them.
        if let Ok(limits) = self.limits(values) {
            self.set_limits(&mut row, &limits);
        }
        row.passed = !gone;
        row.breached = gone;
        row.status = if gone {
            ComparisonStatus::Disappeared
        } else {
            ComparisonStatus::Removed
        };
        if !gone {
            row.verdict = Verdict::NotCompared;
            row.reason = Some("no series with these labels in this export".to_string());
            gated.results.regressions.push(row);
            return;
        }
        let message = format!(
            "`{}` was {} in the baseline and `{name}` is gone from this export ({})",
            series_text(name, labels),
            number(base),
            self.origin
        );
        row.passed = self.finding(&mut row, gated, message, self.rule.severity);
        gated.results.regressions.push(row);
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

fn plural_samples(n: usize) -> String {
    if n == 1 {
        "1 sample".to_string()
    } else {
        format!("{n} samples")
    }
}

/// One regression rule against the history: match the series, then judge each (and search each
/// for change points when `change_points` says how).
pub(super) fn compare(
    rule: &RegressionRule,
    change_points: Option<ChangePointPolicy>,
    points: &Points,
    samples: &[Sample],
    gated: &mut Gated,
    out: &mut GatePoints,
) {
    let window = match rule.max_samples {
        Some(max) if samples.len() > max => &samples[samples.len() - max..],
        _ => samples,
    };
    let matched = match_series(rule, points, window);
    let judge = Judge::new(rule, change_points);
    if matched.is_empty() {
        judge.absent(gated);
        return;
    }
    // A shadow rule is also replayed over all the history it was given, for its summary.
    let full = rule.shadow.then(|| match_series(rule, points, samples));
    for (i, (p, labels, values)) in matched.now.iter().enumerate() {
        judge.series(p, labels, values, window, gated, out);
        let Some((_, _, history)) = full.as_ref().and_then(|full| full.now.get(i)) else {
            continue;
        };
        let history: Vec<f64> = history.iter().map(|(v, _)| *v).collect();
        let replay = replayed(rule, &history);
        if let Some(row) = gated.results.regressions.last_mut() {
            row.replayed = (replay.runs > 0).then_some(replay);
        }
    }
    for (name, labels, values, gone) in matched.left {
        judge.missing(name, labels, &values, gone, gated, out);
    }
}

/// The gate series of one compared series: whether it passed, its ratio and its baseline.
fn gate_series(
    rule: &RegressionRule,
    p: &Point<'_>,
    labels: &Labels,
    passed: bool,
    (ratio, base): (f64, f64),
    out: &mut GatePoints,
) {
    let extra = [("direction", rule.direction.as_str()), ("metric", p.name)];
    let verdict = if passed { 1.0 } else { 0.0 };
    for (family, value) in [
        (GateSeries::RegressionPassed, verdict),
        (GateSeries::RegressionRatio, ratio),
        (GateSeries::RegressionBaseline, base),
    ] {
        out.push(family, value, &extra, labels, p.attributes);
    }
}
