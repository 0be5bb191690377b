//! Statistics for regression gates over a history of samples: the values one series had in
//! each export of a baseline history. Pure arithmetic, no I/O. A rule names a [`Test`] and a
//! `boundary`; [`limits`] turns the history's samples into a centre with a lower and an upper
//! limit, and the caller checks the side(s) its direction asks for (a value exactly at a limit
//! is within it: [`Limits::contains`]).
//!
//! With the samples x₁ … xₙ, their mean x̄ and their sample standard deviation
//! s = √(Σ(xᵢ − x̄)² / (n − 1)):
//!
//! | test | `boundary` | centre | limits | fewest samples it can judge | default `min_samples` |
//! | --- | --- | --- | --- | --- | --- |
//! | `percentage` | a fraction ≥ 0 of the mean (`0.25` = 25 %) | x̄ | x̄ ± boundary·\|x̄\| | 1 | 1 |
//! | `z_score` | a cumulative probability p, 0.5 < p < 1 (`0.977` ≈ 2 σ) | x̄ | x̄ ± z(p)·s | 2 | 5 |
//! | `t_test` | a cumulative probability p, 0.5 < p < 1 (`0.99`) | x̄ | x̄ ± t(p; n−1)·s·√(1 + 1/n) | 2 | 3 |
//! | `iqr` | a multiple k ≥ 0 of the interquartile range (`1.5`) | median | median ± k·IQR | 1 | 4 |
//! | `log_normal` | a cumulative probability p, 0.5 < p < 1 (`0.977`) | exp(m) | exp(m ± z(p)·s_ln) | 2 | 5 |
//!
//! - `percentage`: the mean of the history, widened by a fixed fraction of its magnitude; with
//!   one sample it is the plain "within 25 % of the last value" rule.
//! - `z_score`: the normal model with the history's mean and standard deviation taken as the
//!   true ones; z(p) is the standard normal quantile (z(0.977) = 1.995393, z(0.99) = 2.326348).
//!   Each limit alone is crossed by a stable series with probability 1 − p.
//! - `t_test`: the Student-t *prediction interval* for one new value from the same normal
//!   distribution, which accounts for the mean and the standard deviation being estimated from
//!   n samples; t(p; n−1) is the quantile of Student's t with n − 1 degrees of freedom
//!   (t(0.99; 9) = 2.821438; within 1e-8 relative of a 40-digit reference over 1 to 10¹⁵
//!   degrees of freedom). The interval narrows towards `z_score`'s as the history grows,
//!   which makes it the test for short histories.
//! - `iqr`: median ± k·IQR, robust to outliers in the history: Q1, the median and Q3 are the
//!   quantiles 0.25, 0.5 and 0.75 by linear interpolation (Hyndman–Fan type 7, the default of
//!   numpy and R: [`quantile_type7`]), IQR = Q3 − Q1, and the limits are the median ± k·IQR,
//!   as the issue defines the test (narrower than Tukey's fences Q1 − k·IQR and Q3 + k·IQR).
//! - `log_normal`: `z_score` on ln(x) for durations and sizes, whose spread grows with their
//!   magnitude and whose distribution is skewed to the right: m and s_ln are the mean and the
//!   sample standard deviation of ln(xᵢ), the centre is the geometric mean exp(m) and the limits
//!   exp(m ± z(p)·s_ln) are asymmetric around it (the lower one is always above 0). Every sample
//!   must be above 0.
//!
//! The fewest samples a test can judge are 2 where a standard deviation is needed, else 1;
//! fewer, or an empty history, is [`NotComputable`]. The default `min_samples` is a rule's own
//! floor above that, for a judgement worth a failed step: `z_score` and `log_normal` take the
//! history's standard deviation as the true one, which with few samples is overconfident (a
//! stable normal series crosses z(0.977)'s upper limit about 11 % of the time with 3 samples,
//! 7 % with 5 and 4.5 % with 10, rather than 2.3 %), so they want 5; `t_test` accounts for that and judges from 3 (with 2, t(p; 1)
//! makes limits too wide to catch anything: t(0.99; 1) = 31.8); `iqr` wants 4 for quartiles that
//! are not just the extremes; `percentage` compares with the mean of whatever there is.
//!
//! A history whose values are all equal has s = 0 (and IQR = 0): `z_score`, `t_test`, `iqr`
//! and `log_normal` then give limits equal to the centre, so any change is outside them.
//! A sample that is NaN or infinite, a sample ≤ 0 for `log_normal`, a boundary the test does
//! not take ([`Test::check_boundary`]) and limits beyond the range of `f64` are
//! [`NotComputable`], never a panic.

use std::fmt;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::gamma::ln_gamma;

/// A statistical test a regression rule applies to the history's values of one series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Test {
    Percentage,
    ZScore,
    TTest,
    Iqr,
    LogNormal,
}

impl Test {
    /// Every test, in the order the documentation lists them.
    pub const ALL: [Test; 5] = [
        Test::Percentage,
        Test::ZScore,
        Test::TTest,
        Test::Iqr,
        Test::LogNormal,
    ];

    /// The test a policy names: `percentage`, `z_score`, `t_test`, `iqr` or `log_normal`
    /// (exactly; [`Test::ALL`] with [`Test::as_str`] gives the names for a suggestion).
    pub fn parse(text: &str) -> Option<Test> {
        text.parse().ok()
    }

    /// The name a policy uses.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Checks a rule's `boundary` for this test; Err says what is allowed (used in config
    /// errors): a finite fraction ≥ 0 for `percentage`, a finite multiple ≥ 0 for `iqr`, a
    /// cumulative probability above 0.5 and below 1 for `z_score`, `t_test` and `log_normal`.
    pub fn check_boundary(self, boundary: f64) -> Result<(), String> {
        let allowed = match self {
            Test::Percentage | Test::Iqr => boundary.is_finite() && boundary >= 0.0,
            Test::ZScore | Test::TTest | Test::LogNormal => boundary > 0.5 && boundary < 1.0,
        };
        if allowed {
            return Ok(());
        }
        Err(match self {
            Test::Percentage => "`percentage` takes a boundary of 0 or more: the fraction of the \
                                 mean the value may move (0.25 = 25 %)"
                .to_string(),
            Test::Iqr => "`iqr` takes a boundary of 0 or more: the multiple of the \
                          interquartile range on each side of the median"
                .to_string(),
            Test::ZScore | Test::TTest | Test::LogNormal => format!(
                "`{}` takes a boundary above 0.5 and below 1: the cumulative probability of \
                 each limit (0.977 ≈ 2 standard deviations, 0.99 ≈ 2.33)",
                self.as_str()
            ),
        })
    }

    /// The fewest samples the test can judge with (documented default `min_samples`): 1 for
    /// `percentage`, 3 for `t_test`, 4 for `iqr`, 5 for `z_score` and `log_normal` (why: the
    /// module's documentation).
    pub fn default_min_samples(self) -> usize {
        match self {
            Test::Percentage => 1,
            Test::TTest => 3,
            Test::Iqr => 4,
            Test::ZScore | Test::LogNormal => 5,
        }
    }

    /// The fewest samples [`limits`] computes anything from: 2 where a standard deviation is
    /// needed, else 1. A rule's `min_samples` below this is still refused by [`limits`].
    pub fn fewest_computable(self) -> usize {
        match self {
            Test::Percentage | Test::Iqr => 1,
            Test::ZScore | Test::TTest | Test::LogNormal => 2,
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Both limits around the centre; the caller checks only the side(s) its direction asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub centre: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Limits {
    /// `centre` ± `margin`.
    fn around(centre: f64, margin: f64) -> Limits {
        Limits {
            centre,
            lower: centre - margin,
            upper: centre + margin,
        }
    }

    /// Whether `value` is at or below the upper limit (a value exactly at it is within).
    pub fn within_upper(&self, value: f64) -> bool {
        value <= self.upper
    }

    /// Whether `value` is at or above the lower limit (a value exactly at it is within).
    pub fn within_lower(&self, value: f64) -> bool {
        value >= self.lower
    }

    /// Whether `value` is within both limits (NaN is not).
    pub fn contains(&self, value: f64) -> bool {
        self.within_lower(value) && self.within_upper(value)
    }
}

/// Why a test cannot judge these samples (too few, a non-positive value for log_normal, a
/// non-finite value...), in words for a "not compared" reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotComputable(pub String);

impl fmt::Display for NotComputable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The centre and limits `test` gives with `boundary` for the history's `samples` (in history
/// order; the order does not matter). See the module documentation for each test's definition.
pub fn limits(test: Test, boundary: f64, samples: &[f64]) -> Result<Limits, NotComputable> {
    check_judgeable(test, boundary, samples)?;
    let limits = match test {
        Test::Percentage => percentage_limits(boundary, samples),
        Test::ZScore => z_score_limits(boundary, samples),
        Test::TTest => t_test_limits(boundary, samples)?,
        Test::Iqr => iqr_limits(boundary, samples),
        Test::LogNormal => log_normal_limits(boundary, samples)?,
    };
    if [limits.centre, limits.lower, limits.upper]
        .iter()
        .all(|v| v.is_finite())
    {
        Ok(limits)
    } else {
        Err(NotComputable(format!(
            "`{}` limits of these samples are beyond the range of a 64-bit float",
            test.as_str()
        )))
    }
}

/// What every test needs before it computes: a boundary it takes, at least one sample, every
/// sample finite, and at least [`Test::fewest_computable`] of them.
fn check_judgeable(test: Test, boundary: f64, samples: &[f64]) -> Result<(), NotComputable> {
    let name = test.as_str();
    test.check_boundary(boundary)
        .map_err(|allowed| NotComputable(format!("boundary {boundary} not allowed: {allowed}")))?;
    if samples.is_empty() {
        return Err(NotComputable(format!(
            "`{name}` has no samples to judge with"
        )));
    }
    if let Some((i, x)) = samples.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(NotComputable(format!(
            "sample {} of {} is {}, not a finite number",
            i + 1,
            samples.len(),
            if x.is_nan() { "NaN" } else { "infinite" }
        )));
    }
    let n = samples.len();
    if n < test.fewest_computable() {
        return Err(NotComputable(format!(
            "`{name}` needs at least {} samples, the history has {n}",
            test.fewest_computable()
        )));
    }
    Ok(())
}

/// `percentage`: x̄ ± boundary·|x̄|.
fn percentage_limits(boundary: f64, samples: &[f64]) -> Limits {
    let (mean, _) = mean_and_sd(samples);
    Limits::around(mean, boundary * mean.abs())
}

/// `z_score`: x̄ ± z(boundary)·s.
fn z_score_limits(boundary: f64, samples: &[f64]) -> Limits {
    let (mean, sd) = mean_and_sd(samples);
    Limits::around(mean, normal_quantile(boundary) * sd)
}

/// `t_test`: x̄ ± t(boundary; n−1)·s·√(1 + 1/n), the Student-t prediction interval.
fn t_test_limits(boundary: f64, samples: &[f64]) -> Result<Limits, NotComputable> {
    let (mean, sd) = mean_and_sd(samples);
    let n = samples.len();
    let nf = n as f64;
    let t = students_t_quantile(boundary, nf - 1.0).ok_or_else(|| {
        NotComputable(format!("no Student-t quantile for p = {boundary}, n = {n}"))
    })?;
    Ok(Limits::around(mean, t * sd * (1.0 + 1.0 / nf).sqrt()))
}

/// `iqr`: median ± boundary·(Q3 − Q1), the quartiles by [`quantile_type7`].
fn iqr_limits(boundary: f64, samples: &[f64]) -> Limits {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q1 = quantile_type7(&sorted, 0.25);
    let q3 = quantile_type7(&sorted, 0.75);
    let iqr = q3 - q1;
    let median = quantile_type7(&sorted, 0.5);
    Limits::around(median, boundary * iqr)
}

/// `log_normal`: exp(m ± z(boundary)·s_ln) around the geometric mean exp(m), from the mean
/// and standard deviation of ln(x); every sample must be above 0.
fn log_normal_limits(boundary: f64, samples: &[f64]) -> Result<Limits, NotComputable> {
    if let Some((i, x)) = samples.iter().enumerate().find(|(_, x)| **x <= 0.0) {
        return Err(NotComputable(format!(
            "`log_normal` needs values above 0, sample {} of {} is {x}",
            i + 1,
            samples.len()
        )));
    }
    let logs: Vec<f64> = samples.iter().map(|x| x.ln()).collect();
    let (m, s) = mean_and_sd(&logs);
    let margin = normal_quantile(boundary) * s;
    Ok(Limits {
        centre: m.exp(),
        lower: (m - margin).exp(),
        upper: (m + margin).exp(),
    })
}

/// Where `value` stands against the history's `samples` in the test's own unit, signed
/// (above the centre is positive): the fraction of the mean's magnitude for `percentage`, z for
/// `z_score`, t = (x − x̄)/(s·√(1 + 1/n)) for `t_test`, the multiple of the IQR from the
/// median for `iqr`, z of ln(x) for `log_normal`. [`limits`] with a boundary puts its upper
/// limit where this is [`Test::unit`] of the boundary (the lower where it is minus that). A
/// spread of 0 gives ±∞ for a value off the centre and 0 on it; a value ≤ 0 for `log_normal`
/// is −∞. Err as [`limits`] for samples the test cannot judge.
pub fn standing(test: Test, samples: &[f64], value: f64) -> Result<f64, NotComputable> {
    let any_boundary = if test.check_boundary(0.9).is_ok() {
        0.9
    } else {
        1.0
    };
    check_judgeable(test, any_boundary, samples)?;
    let n = samples.len() as f64;
    let (off, scale) = match test {
        Test::Percentage => {
            let (mean, _) = mean_and_sd(samples);
            (value - mean, mean.abs())
        }
        Test::ZScore => {
            let (mean, sd) = mean_and_sd(samples);
            (value - mean, sd)
        }
        Test::TTest => {
            let (mean, sd) = mean_and_sd(samples);
            (value - mean, sd * (1.0 + 1.0 / n).sqrt())
        }
        Test::Iqr => {
            let mut sorted = samples.to_vec();
            sorted.sort_by(f64::total_cmp);
            let iqr = quantile_type7(&sorted, 0.75) - quantile_type7(&sorted, 0.25);
            (value - quantile_type7(&sorted, 0.5), iqr)
        }
        Test::LogNormal => {
            log_normal_limits(0.9, samples)?;
            if value <= 0.0 {
                return Ok(f64::NEG_INFINITY);
            }
            let logs: Vec<f64> = samples.iter().map(|x| x.ln()).collect();
            let (m, s) = mean_and_sd(&logs);
            (value.ln() - m, s)
        }
    };
    Ok(if off == 0.0 { 0.0 } else { off / scale })
}

impl Test {
    /// A boundary in the test's own unit (the [`standing`] of its upper limit) with a history
    /// of `n` samples: z(p) for `z_score` and `log_normal`, t(p; n − 1) for `t_test`, the
    /// boundary itself for `percentage` and `iqr`. NaN where there is none.
    pub fn unit(self, boundary: f64, n: usize) -> f64 {
        match self {
            Test::Percentage | Test::Iqr => boundary,
            Test::ZScore | Test::LogNormal => normal_quantile(boundary),
            Test::TTest => students_t_quantile(boundary, n as f64 - 1.0).unwrap_or(f64::NAN),
        }
    }

    /// The inverse of [`Test::unit`]: the boundary whose limit is at `standing` with `n`
    /// samples, Φ(z) for `z_score` and `log_normal`, the Student-t CDF with n − 1 degrees of
    /// freedom for `t_test` (1 at +∞, 0 at −∞, NaN when n < 2).
    pub fn boundary_at(self, standing: f64, n: usize) -> f64 {
        match self {
            Test::Percentage | Test::Iqr => standing,
            Test::ZScore | Test::LogNormal => match Normal::new(0.0, 1.0) {
                Ok(normal) => normal.cdf(standing),
                Err(_) => f64::NAN,
            },
            Test::TTest => students_t_cdf(standing, n as f64 - 1.0),
        }
    }
}

/// The Student-t CDF with `df` ≥ 1 degrees of freedom (the normal's from 10⁷ on, where they
/// agree to 10⁻⁷ and statrs slows down); NaN otherwise.
fn students_t_cdf(t: f64, df: f64) -> f64 {
    if df.is_nan() || df < 1.0 || t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    if df >= 1e7 {
        Normal::new(0.0, 1.0).map_or(f64::NAN, |n| n.cdf(t))
    } else {
        StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.cdf(t))
    }
}

/// Quantile by linear interpolation between order statistics (Hyndman–Fan type 7, numpy/R
/// default) of sorted data: with h = (n − 1)·q, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])
/// (0-based). `q` outside [0, 1] is taken as the nearer end; empty data or a NaN `q` give NaN.
pub fn quantile_type7(sorted: &[f64], q: f64) -> f64 {
    let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
        return f64::NAN;
    };
    if q.is_nan() {
        return f64::NAN;
    }
    if q <= 0.0 {
        return *first;
    }
    if q >= 1.0 {
        return *last;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let below = h.floor();
    let fraction = h - below;
    // `below` is in 0..=n-1 since 0 < q < 1; `get` keeps it panic-free all the same.
    let index = below as usize;
    match (sorted.get(index), sorted.get(index + 1)) {
        (Some(a), Some(b)) if fraction > 0.0 => a + fraction * (b - a),
        (Some(a), _) => *a,
        (None, _) => *last,
    }
}

/// The coefficient of variation: the sample standard deviation (n − 1) over the mean's
/// magnitude (`scipy.stats.variation(xs, ddof=1)` up to the sign). `None` for fewer than two
/// samples or a mean of 0, where it is undefined.
pub fn coefficient_of_variation(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let (mean, sd) = mean_and_sd(xs);
    (mean != 0.0 && mean.is_finite()).then(|| sd / mean.abs())
}

/// The mean and the sample standard deviation (n − 1 denominator; 0 for one sample), two-pass.
fn mean_and_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let squares: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

/// z(p), the standard normal quantile, for 0.5 < p < 1 (checked by the caller).
fn normal_quantile(p: f64) -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(normal) if (0.0..=1.0).contains(&p) => normal.inverse_cdf(p),
        _ => f64::NAN,
    }
}

/// Degrees of freedom from which t(p; df) is the Cornish–Fisher expansion around z(p) rather
/// than statrs' inversion of the incomplete beta function, which loses accuracy with many
/// degrees of freedom and does not finish for about 10⁸ and more.
const T_EXPANSION_FROM: f64 = 1000.0;

/// t(p; df), the quantile of Student's t with `df` degrees of freedom, for 0.5 < p < 1 and
/// df ≥ 1; None otherwise. Exact for 1 and 2 degrees of freedom (the Cauchy distribution and
/// t = (2p − 1)/√(2p(1 − p))); below 1000, statrs' inversion of the incomplete beta function
/// (a series within 0.001 of p = 0.5); from 1000 on the Cornish–Fisher expansion to ν⁻⁴ (Abramowitz &
/// Stegun 26.7.5), whose error there is below 10⁻¹⁰.
fn students_t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(p > 0.5 && p < 1.0 && df >= 1.0) {
        return None;
    }
    let t = if df == 1.0 {
        (std::f64::consts::PI * (p - 0.5)).tan()
    } else if df == 2.0 {
        (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt()
    } else if df >= T_EXPANSION_FROM {
        let z = normal_quantile(p);
        let z2 = z * z;
        let g1 = z * (z2 + 1.0) / 4.0;
        let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
        let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
        let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
        z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
    } else if p - 0.5 < 1e-3 {
        // Near the centre statrs goes through 1 − t²/(ν + t²), which loses t's digits (40 %
        // off at p = 0.5000001, ν = 200); there F(t) − ½ = f(0)·(t − c·t³ + …) with
        // c = (ν + 1)/(6ν), inverted: t = u + c·u³ + O(u⁵) with u = (p − ½)/f(0) < 0.003.
        let f0 = (ln_gamma((df + 1.0) / 2.0) - ln_gamma(df / 2.0)).exp()
            / (df * std::f64::consts::PI).sqrt();
        let u = (p - 0.5) / f0;
        u + (df + 1.0) / (6.0 * df) * u * u * u
    } else {
        StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(p)
    };
    t.is_finite().then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `actual` within `rel` of `expected` (relative to its magnitude, at least 1e-300).
    fn close(actual: f64, expected: f64, rel: f64) -> bool {
        (actual - expected).abs() <= rel * expected.abs().max(1e-300)
    }

    #[track_caller]
    fn assert_close(actual: f64, expected: f64, rel: f64) {
        assert!(
            close(actual, expected, rel),
            "{actual} is not within {rel} (relative) of {expected}"
        );
    }

    #[track_caller]
    fn assert_limits(test: Test, boundary: f64, samples: &[f64], expected: [f64; 3]) {
        let got = limits(test, boundary, samples)
            .unwrap_or_else(|e| panic!("{} on {samples:?}: {}", test.as_str(), e.0));
        let [centre, lower, upper] = expected;
        for (what, a, e) in [
            ("centre", got.centre, centre),
            ("lower", got.lower, lower),
            ("upper", got.upper, upper),
        ] {
            assert!(
                close(a, e, 1e-9),
                "{} {what} on {samples:?}: {a}, expected {e}",
                test.as_str()
            );
        }
    }

    #[track_caller]
    fn assert_not_computable(test: Test, boundary: f64, samples: &[f64], words: &[&str]) {
        match limits(test, boundary, samples) {
            Ok(l) => panic!("{} on {samples:?} gave {l:?}", test.as_str()),
            Err(NotComputable(reason)) => {
                for w in words {
                    assert!(reason.contains(w), "{reason:?} does not say {w:?}");
                }
            }
        }
    }

    /// The next float above / below (f64::next_up needs Rust 1.86, above our rust-version).
    fn next_up(x: f64) -> f64 {
        if x == 0.0 {
            f64::from_bits(1)
        } else if x > 0.0 {
            f64::from_bits(x.to_bits() + 1)
        } else {
            f64::from_bits(x.to_bits() - 1)
        }
    }

    fn next_down(x: f64) -> f64 {
        -next_up(-x)
    }

    /// Run durations in seconds: the history of the module's worked example.
    const DURATIONS: [f64; 10] = [
        312.4, 298.1, 305.7, 321.9, 290.3, 315.2, 301.8, 309.6, 296.4, 318.0,
    ];

    #[test]
    fn test_names_round_trip_and_nothing_else_parses() {
        for test in Test::ALL {
            assert_eq!(Test::parse(test.as_str()), Some(test));
            assert_eq!(test.to_string(), test.as_str());
        }
        let names: Vec<&str> = Test::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            ["percentage", "z_score", "t_test", "iqr", "log_normal"]
        );
        for other in [
            "",
            "Percentage",
            "z-score",
            "zscore",
            "t_test ",
            "ttest",
            "IQR",
            "lognormal",
        ] {
            assert_eq!(Test::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn default_min_samples_are_the_documented_ones_and_computable() {
        let got: Vec<usize> = Test::ALL.iter().map(|t| t.default_min_samples()).collect();
        assert_eq!(got, [1, 5, 3, 4, 5]);
        for test in Test::ALL {
            assert!(test.default_min_samples() >= test.fewest_computable());
        }
    }

    /// Standard normal and Student-t quantiles against published tables, to 6 decimals (the
    /// same values to 16 digits: `python3 -c "from scipy.stats import norm,t;print(*norm.ppf([0.975,0.99,0.977]),t.ppf(0.975,4),t.ppf(0.99,9),t.ppf(0.95,2))"`
    /// printed 1.959963984540054 2.3263478740408408 1.9953933101678245 2.7764451051977934
    /// 2.821437925025809 2.9199855803537242).
    #[test]
    fn quantiles_match_the_tables() {
        for (p, z) in [(0.975, 1.959964), (0.99, 2.326348), (0.977, 1.995393)] {
            let got = normal_quantile(p);
            assert!((got - z).abs() < 5e-7, "z({p}) = {got}, table {z}");
        }
        for (p, df, t) in [
            (0.975, 4.0, 2.776445),
            (0.99, 9.0, 2.821438),
            (0.95, 2.0, 2.919986),
        ] {
            let got = students_t_quantile(p, df).unwrap_or(f64::NAN);
            assert!((got - t).abs() < 5e-7, "t({p}; {df}) = {got}, table {t}");
        }
        assert_close(normal_quantile(0.977), 1.9953933101678245, 1e-12);
        assert_close(
            students_t_quantile(0.99, 9.0).unwrap_or(f64::NAN),
            2.821437925025809,
            1e-9,
        );
    }

    /// Every degree of freedom up to 1100 (across statrs, the series and the expansion) on a
    /// grid of p: finite, rising with p, and falling towards z(p) with the degrees of freedom.
    #[test]
    fn students_t_quantiles_rise_with_p_and_fall_with_df() {
        let ps: Vec<f64> = (0..=200)
            .map(|i| 0.5 + 0.4999 * (i as f64 + 0.5) / 201.0)
            .collect();
        let mut above: Vec<f64> = ps.iter().map(|_| f64::INFINITY).collect();
        for df in 1..=1100 {
            let mut previous = 0.0;
            for (p, above) in ps.iter().zip(above.iter_mut()) {
                let t = students_t_quantile(*p, df as f64).unwrap_or(f64::NAN);
                assert!(t > previous, "t({p}; {df}) = {t} after {previous}");
                assert!(
                    t <= *above * (1.0 + 1e-8),
                    "t({p}; {df}) = {t} above {above} for df − 1"
                );
                assert!(
                    t >= normal_quantile(*p) * (1.0 - 1e-8),
                    "t({p}; {df}) = {t} below z"
                );
                previous = t;
                *above = t;
            }
        }
    }

    /// The degrees of freedom of `MPMATH`'s rows: on both sides of each method (exact forms for
    /// 1 and 2, statrs and the series near p = 0.5 up to 999, the expansion from 1000).
    const DF: [f64; 20] = [
        1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 10.0, 20.0, 30.0, 50.0, 100.0, 200.0, 500.0, 999.0, 1000.0,
        1001.0, 1e4, 1e6, 1e9, 1e15,
    ];
    /// The cumulative probabilities of `MPMATH`'s columns, from just above 0.5 to 0.999999.
    const P: [f64; 14] = [
        0.5000001, 0.5005, 0.501, 0.51, 0.6, 0.9, 0.95, 0.975, 0.977, 0.99, 0.995, 0.999, 0.9999,
        0.999999,
    ];
    /// t(P[j]; DF[i]) at row i, column j: the root of the CDF at 40 digits (mpmath 1.3;
    /// scipy 1.17.1's t.ppf agrees to 1e-9 everywhere but at df = 4, p = 0.5000001, where it
    /// says 2.6656007498500226e-07), made by this script (`python3 tgrid.py`):
    ///
    /// ```text
    /// import mpmath as mp
    /// from scipy.stats import t
    /// mp.mp.dps = 40
    /// def cdf(x, nu):
    ///     x = mp.mpf(x); nu = mp.mpf(nu)
    ///     return mp.mpf(1)/2 + x*mp.gamma((nu+1)/2)/(mp.sqrt(nu*mp.pi)*mp.gamma(nu/2))*mp.hyp2f1(mp.mpf(1)/2, (nu+1)/2, mp.mpf(3)/2, -x*x/nu)
    /// df = [1,2,3,4,5,9,10,20,30,50,100,200,500,999,1000,1001,10**4,10**6,10**9,10**15]
    /// P = [0.5000001,0.5005,0.501,0.51,0.6,0.9,0.95,0.975,0.977,0.99,0.995,0.999,0.9999,0.999999]
    /// for d in df:
    ///     row = [float(mp.findroot(lambda x: cdf(x, d) - mp.mpf(p), mp.mpf(float(t.ppf(p, d))))) for p in P]
    ///     print('[' + ', '.join(repr(x) for x in row) + '],')
    /// ```
    const MPMATH: [[f64; 14]; 20] = [
        [
            3.1415926519363007e-07,
            0.0015707976187241937,
            0.003141602989056159,
            0.03142626604335118,
            0.32491969623290623,
            3.077683537175254,
            6.313751514675038,
            12.706204736174694,
            13.815466337604,
            31.82051595377393,
            63.656741162871526,
            318.30883898555015,
            3183.0987571185015,
            318309.88617359026,
        ],
        [
            2.8284271232574876e-07,
            0.0014142142694802508,
            0.002828432781617413,
            0.028289929799333577,
            0.2886751345948128,
            1.885618083164127,
            2.9199855803537242,
            4.302652729749462,
            4.500100127941269,
            6.964556734283271,
            9.92484320091829,
            22.327124770119866,
            70.70007107496818,
            707.1057205157671,
        ],
        [
            2.720699044919316e-07,
            0.0013603500825972116,
            0.002720703521734023,
            0.027211467049118022,
            0.27667066233268983,
            1.6377443536962104,
            2.353363434801823,
            3.1824463052837086,
            3.292255554922636,
            4.540702858568132,
            5.840909309733355,
            10.214531852407383,
            22.203742273205002,
            103.29946777942897,
        ],
        [
            2.666666665263091e-07,
            0.0013333338271606652,
            0.0026666706172941367,
            0.02667061830263903,
            0.27072229470759734,
            1.533206274058944,
            2.1318467863266495,
            2.7764451051977934,
            2.8584802650736783,
            3.746947387979196,
            4.604094871349992,
            7.173182219782307,
            13.033671720896821,
            41.5778541501515,
        ],
        [
            2.634305522753727e-07,
            0.001317153219093676,
            0.002634309180336605,
            0.026346712342273263,
            0.26718086570414507,
            1.4758840488244813,
            2.0150483733330233,
            2.5705818356363146,
            2.639569873841992,
            3.364929998907218,
            4.032142983555227,
            5.893429531356009,
            9.677566300882814,
            24.77102972037249,
        ],
        [
            2.5770877222914437e-07,
            0.0012885442580143499,
            0.002577090893177918,
            0.025774047507690512,
            0.26095533647391095,
            1.3830287383966324,
            1.8331129326562365,
            2.262157162798205,
            2.3131330782239394,
            2.8214379250258084,
            3.249835541592126,
            4.296805662729918,
            6.010132129081531,
            10.720160409872825,
        ],
        [
            2.5699780335778006e-07,
            0.0012849894064564484,
            0.002569981146866716,
            0.02570289300809031,
            0.26018482949208016,
            1.3721836411103359,
            1.8124611228116758,
            2.2281388519862744,
            2.277253390912414,
            2.7637694581126957,
            3.169272672616951,
            4.143700494046589,
            5.693820101457592,
            9.751995490909854,
        ],
        [
            2.538144595402267e-07,
            0.0012690726560512125,
            0.0025381474582010775,
            0.025384308073732795,
            0.2567427538545019,
            1.3253407069850465,
            1.7247182429207868,
            2.0859634472658644,
            2.127595935575533,
            2.527977002741573,
            2.845339709786108,
            3.5518083432033327,
            4.53852085379371,
            6.596530148345206,
        ],
        [
            2.5276002247929695e-07,
            0.0012638004606974266,
            0.002527603007215139,
            0.025278783971765813,
            0.2556053649519127,
            1.3104150253913958,
            1.6972608865939574,
            2.0422724563012378,
            2.0817066489173204,
            2.457261542400591,
            2.749995653567225,
            3.385184866829305,
            4.23398595727206,
            5.871117120408623,
        ],
        [
            2.5191919604901773e-07,
            0.0012595963206450216,
            0.0025191946797174006,
            0.025194638118957533,
            0.2546993429885881,
            1.2987136941948099,
            1.6759050251630971,
            2.0085591121007607,
            2.0463310109752912,
            2.4032719166741714,
            2.677793270940844,
            3.261409055798318,
            4.014047320155835,
            5.376673401732293,
        ],
        [
            2.5129025790483257e-07,
            0.0012564516240783667,
            0.0025129052515195354,
            0.025131697537714597,
            0.2540221824582278,
            1.290074761346516,
            1.6602343260853392,
            1.9839715185235518,
            2.020550157749135,
            2.3642173662384818,
            2.6258905214380177,
            3.1737394937387826,
            3.8615997909500908,
            5.048830877221447,
        ],
        [
            2.5097635047015483e-07,
            0.0012548820840076848,
            0.002509766153999315,
            0.025100283615498636,
            0.25368437919014764,
            1.2857987939948012,
            1.652508100910877,
            1.971896223633909,
            2.0078948159410155,
            2.345137082259468,
            2.6006344361915574,
            3.1314798142211213,
            3.789120788747759,
            4.89730210282045,
        ],
        [
            2.50788189999311e-07,
            0.001253941279923241,
            0.00250788453545202,
            0.025081453726406237,
            0.25348194985166556,
            1.2832470207103743,
            1.6479068539295108,
            1.9647198374673673,
            2.000375589142626,
            2.3338289553523044,
            2.5856978351419415,
            3.1066116243216286,
            3.746778899057784,
            4.8100851616316405,
        ],
        [
            2.507255636055127e-07,
            0.0012536281473794397,
            0.0025072582669165362,
            0.025075186488481067,
            0.2534145833303673,
            1.2823995700373974,
            1.6463803454275352,
            1.9623414611334495,
            1.9978839007494618,
            2.330086419039457,
            2.5807596372676365,
            3.098410361753312,
            3.7328654996083124,
            4.781636978824167,
        ],
        [
            2.507255008614169e-07,
            0.0012536278336583852,
            0.0025072576394709746,
            0.025075180209466443,
            0.2534145158394987,
            1.2823987214609245,
            1.6463788172854643,
            1.962339080826408,
            1.9978814071161255,
            2.330082674755513,
            2.5807546980659506,
            3.0984021639129224,
            3.732851604575396,
            4.781608620452438,
        ],
        [
            2.5072543824269955e-07,
            0.0012536275205642239,
            0.002507257013279206,
            0.025075173942998866,
            0.25341444848349826,
            1.2823978745810514,
            1.6463772921994677,
            1.9623367052808796,
            1.997878918471153,
            2.3300789379641236,
            2.5807497687505245,
            3.0983939824913977,
            3.7328377373968666,
            4.781580319032728,
        ],
        [
            2.5066909398017043e-07,
            0.001253345798734885,
            0.0025066935665212474,
            0.02506953538314083,
            0.2533538434457268,
            1.2816362297304777,
            1.6450060180692425,
            1.960201239890626,
            1.9956418465178223,
            2.3267208386694755,
            2.5763210466685287,
            3.0910475160306117,
            3.720395869117668,
            4.756229685050958,
        ],
        [
            2.506628899968795e-07,
            0.001253314778761564,
            0.002506631526233507,
            0.02506891452987755,
            0.2533471705378416,
            1.2815524121299386,
            1.6448551507220401,
            1.9599663568141066,
            1.9953957952309245,
            2.326351603120805,
            2.575834220105334,
            3.0902404563165193,
            3.7190302747625714,
            4.7534523482738695,
        ],
        [
            2.5066282739383054e-07,
            0.0012533144657457455,
            0.002506630900198428,
            0.025068908264982225,
            0.25334710320320175,
            1.2815515663911854,
            1.6448536284752415,
            1.959963986912325,
            1.9953933126528844,
            2.326347877769915,
            2.575829308465448,
            3.090232314317942,
            3.7190164992449697,
            4.7534243368564,
        ],
        [
            2.506628273311649e-07,
            0.0012533144654324167,
            0.002506630899571767,
            0.025068908258711064,
            0.25334710313579983,
            1.2815515655446015,
            1.6448536269514737,
            1.9599639845400563,
            1.995393310167827,
            2.3263478740408443,
            2.5758293035489053,
            3.0902323061678216,
            3.719016485455722,
            4.753424308817116,
        ],
    ];

    /// t(p; df) over `DF` × `P` against `MPMATH`. Also shows that no number of degrees of
    /// freedom hangs (statrs alone does not finish from about 10⁸).
    #[test]
    fn students_t_quantiles_match_mpmath_over_degrees_of_freedom() {
        let mut worst = 0.0f64;
        for (df, row) in DF.iter().zip(MPMATH) {
            for (p, expected) in P.iter().zip(row) {
                let got = students_t_quantile(*p, *df).unwrap_or(f64::NAN);
                let error = ((got - expected) / expected).abs();
                assert!(error < 1e-8, "t({p}; {df}) = {got}, mpmath {expected}");
                worst = worst.max(error);
            }
        }
        assert!(worst < 1e-8, "{worst}");
        assert_eq!(students_t_quantile(0.5, 3.0), None);
        assert_eq!(students_t_quantile(1.0, 3.0), None);
        assert_eq!(students_t_quantile(0.9, 0.5), None);
        assert_eq!(students_t_quantile(f64::NAN, 3.0), None);
        assert_eq!(students_t_quantile(0.9, f64::NAN), None);
    }

    // Each expected [centre, lower, upper] below was printed by the Python command above it
    // (Python 3.11 `statistics`, numpy 2.4.6, scipy 1.17.1); `d` is the history. The t_test
    // and log_normal ones use scipy's distributions rather than the formula: a Student-t with
    // n − 1 degrees of freedom scaled by s·√(1 + 1/n), and scipy.stats.lognorm.

    #[test]
    fn ten_sample_duration_history_matches_python() {
        // python3 -c "import statistics as st;d=[312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0];m=st.mean(d);print(m,m-0.25*abs(m),m+0.25*abs(m))"
        assert_limits(
            Test::Percentage,
            0.25,
            &DURATIONS,
            [306.94, 230.20499999999998, 383.675],
        );
        // python3 -c "import statistics as st;from scipy import stats;d=[312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0];m=st.mean(d);sd=st.stdev(d);z=stats.norm.ppf(0.977);print(m,m-z*sd,m+z*sd)"
        assert_limits(
            Test::ZScore,
            0.977,
            &DURATIONS,
            [306.94, 286.4897981443164, 327.3902018556836],
        );
        // python3 -c "import statistics as st,math;from scipy import stats;d=[312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0];m=st.mean(d);sd=st.stdev(d);print(m,*stats.t(len(d)-1,loc=m,scale=sd*math.sqrt(1+1/len(d))).ppf([0.01,0.99]))"
        assert_limits(
            Test::TTest,
            0.99,
            &DURATIONS,
            [306.94, 276.61254761432815, 337.26745238567185],
        );
        // python3 -c "import numpy as np;d=[312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0];q1,md,q3=np.quantile(d,[0.25,0.5,0.75]);print(md,md-1.5*(q3-q1),md+1.5*(q3-q1))"
        assert_limits(
            Test::Iqr,
            1.5,
            &DURATIONS,
            [307.65, 284.4375, 330.86249999999995],
        );
        // python3 -c "import statistics as st,math;from scipy import stats;d=[312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0];l=[math.log(x) for x in d];m=st.mean(l);sd=st.stdev(l);print(math.exp(m),*stats.lognorm(sd,scale=math.exp(m)).ppf([0.023,0.977]))"
        assert_limits(
            Test::LogNormal,
            0.977,
            &DURATIONS,
            [306.7854912858941, 286.9593083565254, 327.98147654647147],
        );
    }

    #[test]
    fn the_order_of_the_history_does_not_matter() {
        let mut reversed = DURATIONS;
        reversed.reverse();
        for test in Test::ALL {
            let boundary = if test.check_boundary(0.977).is_ok() {
                0.977
            } else {
                1.5
            };
            let a = limits(test, boundary, &DURATIONS);
            let b = limits(test, boundary, &reversed);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    for (x, y) in [(a.centre, b.centre), (a.lower, b.lower), (a.upper, b.upper)] {
                        assert_close(x, y, 1e-12);
                    }
                }
                other => panic!("{}: {other:?}", test.as_str()),
            }
        }
    }

    /// A value exactly at a limit is within it; the next float beyond is not. First on limits
    /// that are exact in binary (mean 100 ± 25 %; quartiles 2 and 4 of 1..5, fences −1 and 7),
    /// then on each test's limits of the duration history as computed.
    #[test]
    fn a_value_at_a_limit_is_within_and_the_next_float_beyond_is_not() {
        let exact = limits(Test::Percentage, 0.25, &[90.0, 110.0, 100.0, 95.0, 105.0]);
        assert_eq!(
            exact,
            Ok(Limits {
                centre: 100.0,
                lower: 75.0,
                upper: 125.0
            })
        );
        // median 3 ± 1.5 · (4 − 2)
        let exact = limits(Test::Iqr, 1.5, &[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!(
            exact,
            Ok(Limits {
                centre: 3.0,
                lower: 0.0,
                upper: 6.0
            })
        );
        for (test, boundary) in [
            (Test::Percentage, 0.25),
            (Test::ZScore, 0.977),
            (Test::TTest, 0.99),
            (Test::Iqr, 1.5),
            (Test::LogNormal, 0.977),
        ] {
            for samples in [&[90.0, 110.0, 100.0, 95.0, 105.0][..], &DURATIONS[..]] {
                let l = match limits(test, boundary, samples) {
                    Ok(l) => l,
                    Err(e) => panic!("{}: {}", test.as_str(), e.0),
                };
                assert!(l.lower < l.centre && l.centre < l.upper, "{test:?} {l:?}");
                assert!(
                    l.contains(l.upper) && l.within_upper(l.upper),
                    "{test:?} {l:?}"
                );
                assert!(!l.within_upper(next_up(l.upper)), "{test:?} {l:?}");
                assert!(!l.contains(next_up(l.upper)), "{test:?} {l:?}");
                assert!(
                    l.contains(l.lower) && l.within_lower(l.lower),
                    "{test:?} {l:?}"
                );
                assert!(!l.within_lower(next_down(l.lower)), "{test:?} {l:?}");
                assert!(!l.contains(next_down(l.lower)), "{test:?} {l:?}");
                assert!(l.contains(l.centre));
                assert!(!l.contains(f64::NAN));
            }
        }
    }

    #[test]
    fn one_sample() {
        // python3 -c "import statistics as st;d=[200.0];m=st.mean(d);print(m,m-0.25*abs(m),m+0.25*abs(m))"
        assert_limits(Test::Percentage, 0.25, &[200.0], [200.0, 150.0, 250.0]);
        // python3 -c "import numpy as np;d=[200.0];q1,md,q3=np.quantile(d,[0.25,0.5,0.75]);print(md,q1-1.5*(q3-q1),q3+1.5*(q3-q1))"
        assert_limits(Test::Iqr, 1.5, &[200.0], [200.0, 200.0, 200.0]);
        // Python's statistics.stdev raises "stdev requires at least two data points" here.
        for test in [Test::ZScore, Test::TTest, Test::LogNormal] {
            assert_not_computable(
                test,
                0.977,
                &[200.0],
                &[test.as_str(), "at least 2 samples", "has 1"],
            );
        }
        // A negative mean: the margin is a fraction of its magnitude.
        assert_limits(Test::Percentage, 0.5, &[-8.0], [-8.0, -12.0, -4.0]);
    }

    #[test]
    fn two_samples() {
        // python3 -c "import statistics as st;d=[10.0,14.0];m=st.mean(d);print(m,m-0.25*abs(m),m+0.25*abs(m))"
        assert_limits(Test::Percentage, 0.25, &[10.0, 14.0], [12.0, 9.0, 15.0]);
        // python3 -c "import statistics as st;from scipy import stats;d=[10.0,14.0];m=st.mean(d);sd=st.stdev(d);z=stats.norm.ppf(0.977);print(m,m-z*sd,m+z*sd)"
        assert_limits(
            Test::ZScore,
            0.977,
            &[10.0, 14.0],
            [12.0, 6.356175436984237, 17.643824563015762],
        );
        // python3 -c "import statistics as st,math;from scipy import stats;d=[10.0,14.0];m=st.mean(d);sd=st.stdev(d);print(m,*stats.t(len(d)-1,loc=m,scale=sd*math.sqrt(1+1/len(d))).ppf([0.01,0.99]))"
        assert_limits(
            Test::TTest,
            0.99,
            &[10.0, 14.0],
            [12.0, -98.22950070998506, 122.22950070998498],
        );
        // python3 -c "import numpy as np;d=[10.0,14.0];q1,md,q3=np.quantile(d,[0.25,0.5,0.75]);print(md,md-1.5*(q3-q1),md+1.5*(q3-q1))"
        assert_limits(Test::Iqr, 1.5, &[10.0, 14.0], [12.0, 9.0, 15.0]);
        // python3 -c "import statistics as st,math;from scipy import stats;d=[10.0,14.0];l=[math.log(x) for x in d];m=st.mean(l);sd=st.stdev(l);print(math.exp(m),*stats.lognorm(sd,scale=math.exp(m)).ppf([0.023,0.977]))"
        assert_limits(
            Test::LogNormal,
            0.977,
            &[10.0, 14.0],
            [11.832159566199229, 7.360100907100985, 19.021478342087494],
        );
    }

    /// All values equal: s = 0 and IQR = 0, so every test but `percentage` puts both limits on
    /// the centre (scipy's distributions refuse a zero scale, hence no Python here).
    #[test]
    fn zero_variance() {
        let flat = [42.0; 6];
        assert_eq!(
            limits(Test::Percentage, 0.25, &flat),
            Ok(Limits {
                centre: 42.0,
                lower: 31.5,
                upper: 52.5
            })
        );
        for (test, boundary) in [(Test::ZScore, 0.977), (Test::TTest, 0.99), (Test::Iqr, 1.5)] {
            assert_eq!(
                limits(test, boundary, &flat),
                Ok(Limits {
                    centre: 42.0,
                    lower: 42.0,
                    upper: 42.0
                }),
                "{test:?}"
            );
        }
        // exp(ln 42) is 42 to within a rounding (Python: 42.00000000000001).
        assert_limits(Test::LogNormal, 0.977, &flat, [42.0, 42.0, 42.0]);
        let l = limits(Test::LogNormal, 0.977, &flat).unwrap_or(Limits {
            centre: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
        });
        assert!(l.lower == l.centre && l.centre == l.upper, "{l:?}");
        // A zero mean: percentage has nothing to widen.
        assert_eq!(
            limits(Test::Percentage, 0.25, &[0.0, 0.0]),
            Ok(Limits {
                centre: 0.0,
                lower: 0.0,
                upper: 0.0
            })
        );
    }

    #[test]
    fn log_normal_needs_values_above_zero() {
        assert_not_computable(
            Test::LogNormal,
            0.977,
            &[3.0, 0.0, 4.0],
            &["above 0", "sample 2 of 3 is 0"],
        );
        assert_not_computable(
            Test::LogNormal,
            0.977,
            &[3.0, 4.0, -1.5],
            &["above 0", "sample 3 of 3 is -1.5"],
        );
        assert_not_computable(
            Test::LogNormal,
            0.977,
            &[-0.0, 4.0],
            &["above 0", "sample 1 of 2"],
        );
        // The others take zero and negative values.
        for (test, boundary) in [
            (Test::Percentage, 0.25),
            (Test::ZScore, 0.977),
            (Test::TTest, 0.99),
            (Test::Iqr, 1.5),
        ] {
            assert!(
                limits(test, boundary, &[3.0, 0.0, -4.0]).is_ok(),
                "{test:?}"
            );
        }
    }

    #[test]
    fn non_finite_and_empty_samples_are_not_computable() {
        for test in Test::ALL {
            let boundary = if test.check_boundary(0.977).is_ok() {
                0.977
            } else {
                1.5
            };
            assert_not_computable(
                test,
                boundary,
                &[1.0, f64::NAN, 2.0],
                &["sample 2 of 3 is NaN"],
            );
            assert_not_computable(
                test,
                boundary,
                &[1.0, 2.0, f64::INFINITY],
                &["sample 3 of 3 is infinite"],
            );
            assert_not_computable(
                test,
                boundary,
                &[f64::NEG_INFINITY],
                &["sample 1 of 1 is infinite"],
            );
            assert_not_computable(test, boundary, &[], &[test.as_str(), "no samples"]);
        }
    }

    #[test]
    fn limits_beyond_the_float_range_are_not_computable() {
        let huge = [f64::MAX, f64::MAX / 2.0];
        for test in Test::ALL {
            // `iqr`'s limits sit around the median: only a wide boundary leaves the range.
            let boundary = if test == Test::Iqr { 100.0 } else { 0.977 };
            assert_not_computable(test, boundary, &huge, &[test.as_str(), "beyond the range"]);
        }
        assert_not_computable(Test::Percentage, 1e308, &[1e10], &["beyond the range"]);
        // exp(m + z·s) overflows although every sample is finite.
        assert_not_computable(
            Test::LogNormal,
            0.999,
            &[1e-300, 1e300],
            &["beyond the range"],
        );
    }

    #[test]
    fn limits_refuse_a_boundary_the_test_does_not_take() {
        assert_not_computable(
            Test::ZScore,
            0.5,
            &DURATIONS,
            &["boundary 0.5 not allowed", "above 0.5 and below 1"],
        );
        assert_not_computable(
            Test::Percentage,
            -0.1,
            &DURATIONS,
            &["boundary -0.1 not allowed", "0 or more"],
        );
        assert_not_computable(
            Test::TTest,
            f64::NAN,
            &DURATIONS,
            &["boundary NaN not allowed"],
        );
    }

    #[test]
    fn boundaries_outside_each_tests_range_are_rejected_with_what_is_allowed() {
        for test in [Test::ZScore, Test::TTest, Test::LogNormal] {
            for ok in [0.5000001, 0.6, 0.9, 0.977, 0.99, 0.999999] {
                assert_eq!(test.check_boundary(ok), Ok(()), "{test:?} {ok}");
            }
            for bad in [
                0.5,
                0.4,
                0.0,
                -0.977,
                1.0,
                1.5,
                97.7,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ] {
                let err = test.check_boundary(bad).err().unwrap_or_default();
                assert!(err.contains(test.as_str()), "{test:?} {bad}: {err:?}");
                assert!(
                    err.contains("above 0.5 and below 1"),
                    "{test:?} {bad}: {err:?}"
                );
                assert!(
                    err.contains("cumulative probability"),
                    "{test:?} {bad}: {err:?}"
                );
            }
        }
        for test in [Test::Percentage, Test::Iqr] {
            for ok in [0.0, 0.25, 1.5, 3.0, 100.0] {
                assert_eq!(test.check_boundary(ok), Ok(()), "{test:?} {ok}");
            }
            for bad in [-0.25, -1e-12, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let err = test.check_boundary(bad).err().unwrap_or_default();
                assert!(err.contains(test.as_str()), "{test:?} {bad}: {err:?}");
                assert!(err.contains("0 or more"), "{test:?} {bad}: {err:?}");
            }
        }
    }

    /// numpy.quantile's default method is type 7:
    /// `python3 -c "import numpy as np;q=[0,0.1,0.25,1/3,0.5,0.75,0.9,1];[print(n,*np.quantile(d,q)) for n,d in ((1,[7.5]),(2,[3.0,-1.0]),(5,[4.0,1.0,9.0,2.5,6.0]),(10,[312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0]))]"`
    #[test]
    fn quantile_type7_matches_numpy() {
        let q = [0.0, 0.1, 0.25, 1.0 / 3.0, 0.5, 0.75, 0.9, 1.0];
        let cases: [(&[f64], [f64; 8]); 4] = [
            (&[7.5], [7.5; 8]),
            (
                &[3.0, -1.0],
                [-1.0, -0.6, 0.0, 0.33333333333333326, 1.0, 2.0, 2.6, 3.0],
            ),
            (
                &[4.0, 1.0, 9.0, 2.5, 6.0],
                [1.0, 1.6, 2.5, 3.0, 4.0, 6.0, 7.800000000000001, 9.0],
            ),
            (
                &DURATIONS,
                [
                    290.3,
                    295.78999999999996,
                    299.02500000000003,
                    301.8,
                    307.65,
                    314.5,
                    318.39,
                    321.9,
                ],
            ),
        ];
        for (data, expected) in cases {
            let mut sorted = data.to_vec();
            sorted.sort_by(f64::total_cmp);
            for (q, e) in q.iter().zip(expected) {
                let got = quantile_type7(&sorted, *q);
                assert!(
                    (got - e).abs() <= 1e-12 * e.abs().max(1.0),
                    "n = {}, q = {q}: {got}, numpy {e}",
                    data.len()
                );
            }
        }
        assert!(quantile_type7(&[], 0.5).is_nan());
        assert!(quantile_type7(&[1.0, 2.0], f64::NAN).is_nan());
        assert_eq!(quantile_type7(&[1.0, 2.0], -3.0), 1.0);
        assert_eq!(quantile_type7(&[1.0, 2.0], 7.0), 2.0);
    }

    #[test]
    fn not_computable_displays_its_reason() {
        assert_eq!(NotComputable("too few".to_string()).to_string(), "too few");
    }

    #[test]
    fn coefficient_of_variation_matches_python() {
        // python3 -c "import statistics as st;[print(st.stdev(d)/abs(st.mean(d))) for d in
        //   ([312.4,298.1,305.7,321.9,290.3,315.2,301.8,309.6,296.4,318.0],[10,20,30,40],[-5,-7,-6.5])]"
        // (what `abs(scipy.stats.variation(d, ddof=1))` computes).
        let cases: [(&[f64], f64); 3] = [
            (&DURATIONS, 0.0333899369112832),
            (&[10.0, 20.0, 30.0, 40.0], 0.5163977794943222),
            (&[-5.0, -7.0, -6.5], 0.16878372968644317),
        ];
        for (d, want) in cases {
            let got = coefficient_of_variation(d).unwrap();
            assert!((got - want).abs() < 1e-12, "{d:?}: {got} != {want}");
        }
        assert_eq!(coefficient_of_variation(&[3.0]), None);
        assert_eq!(coefficient_of_variation(&[-1.0, 1.0]), None);
    }
}
