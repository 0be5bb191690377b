//! The Shapiro-Wilk test of normality (Royston 1992 and 1995, algorithm AS R94: what
//! `scipy.stats.shapiro` and R's `shapiro.test` compute), for the `normality:` option of the
//! `z_score` and `t_test` rules, whose limits assume normal samples. Pure arithmetic, no I/O.
//!
//! W is the squared correlation between the sorted samples and Royston's approximation of the
//! expected normal order statistics' coefficients; its p-value is the upper tail of a normal
//! approximation of a transform of 1 − W (exact for n = 3). Defined for 3 to 5000 samples as
//! Royston fitted it; larger samples are computed the same way (scipy warns there, as the
//! p-value is an extrapolation). Fewer than 3 samples, a NaN or infinite sample, and samples
//! that are all equal (W is 0/0) are [`NotComputable`]: the caller then skips the check.

use statrs::distribution::{ContinuousCDF, Normal};

use super::stats::NotComputable;

/// Shapiro-Wilk's W and its p-value (the probability of a W this small or smaller from normal
/// samples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapiroWilk {
    pub w: f64,
    pub p: f64,
}

/// AS R94's polynomial coefficients (Royston 1995, table 1 and section 2).
const C1: [f64; 6] = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2: [f64; 6] = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
const C3: [f64; 4] = [0.544, -0.39978, 0.025054, -6.714e-4];
const C4: [f64; 4] = [1.3822, -0.77857, 0.062767, -0.0020322];
const C5: [f64; 4] = [-1.5861, -0.31082, -0.083751, 0.0038915];
const C6: [f64; 3] = [-0.4803, -0.082676, 0.0030302];
const G: [f64; 2] = [-2.273, 0.459];

/// c₀ + c₁x + c₂x² + … (AS 181.2).
fn poly(c: &[f64], x: f64) -> f64 {
    c.iter()
        .rev()
        .fold(0.0, |acc, coefficient| acc * x + coefficient)
}

fn standard_normal() -> Result<Normal, NotComputable> {
    Normal::new(0.0, 1.0).map_err(|e| NotComputable(format!("no standard normal: {e}")))
}

/// The coefficients a₁ … a_⌊n/2⌋ of the upper half (the lower half is their negation), n ≥ 3.
fn coefficients(n: usize, normal: &Normal) -> Vec<f64> {
    let half = n / 2;
    if n == 3 {
        return vec![std::f64::consts::FRAC_1_SQRT_2];
    }
    let an = n as f64;
    // m_i = Φ⁻¹((i − 3/8)/(n + 1/4)), negative for the lower half.
    let mut a: Vec<f64> = (1..=half)
        .map(|i| normal.inverse_cdf((i as f64 - 0.375) / (an + 0.25)))
        .collect();
    let summ2 = 2.0 * a.iter().map(|m| m * m).sum::<f64>();
    let ssumm2 = summ2.sqrt();
    let rsn = 1.0 / an.sqrt();
    let a1 = poly(&C1, rsn) - a[0] / ssumm2;
    let (from, fac) = if n > 5 {
        let a2 = -a[1] / ssumm2 + poly(&C2, rsn);
        let fac = ((summ2 - 2.0 * a[0] * a[0] - 2.0 * a[1] * a[1])
            / (1.0 - 2.0 * a1 * a1 - 2.0 * a2 * a2))
            .sqrt();
        a[1] = a2;
        (2, fac)
    } else {
        let fac = ((summ2 - 2.0 * a[0] * a[0]) / (1.0 - 2.0 * a1 * a1)).sqrt();
        (1, fac)
    };
    a[0] = a1;
    for m in a.iter_mut().skip(from) {
        *m /= -fac;
    }
    a
}

/// W and its p-value for `samples` (any order). See the module documentation for what is not
/// computable.
pub fn shapiro_wilk(samples: &[f64]) -> Result<ShapiroWilk, NotComputable> {
    let n = samples.len();
    if n < 3 {
        return Err(NotComputable(format!(
            "Shapiro-Wilk needs at least 3 samples, the history has {n}"
        )));
    }
    if samples.iter().any(|x| !x.is_finite()) {
        return Err(NotComputable(
            "Shapiro-Wilk needs finite samples (one is NaN or infinite)".to_string(),
        ));
    }
    let mut x = samples.to_vec();
    x.sort_by(f64::total_cmp);
    // Centred on the median for precision (as scipy does); W does not change with a shift.
    let median = x[n / 2];
    // Halved when the range does not fit an f64 (−f64::MAX to f64::MAX): W is scale-free.
    let scale = if (x[n - 1] - x[0]).is_finite() {
        1.0
    } else {
        0.5
    };
    let median = median * scale;
    let range = x[n - 1] * scale - x[0] * scale;
    if range <= 0.0 || !range.is_finite() {
        return Err(NotComputable(
            "Shapiro-Wilk needs samples that are not all equal".to_string(),
        ));
    }
    let normal = standard_normal()?;
    let half = coefficients(n, &normal);
    // The full antisymmetric coefficient vector, lowest sample first.
    let coefficient = |i: usize| -> f64 {
        let j = n - 1 - i;
        if i < j {
            -half[i]
        } else if i > j {
            half[j]
        } else {
            0.0
        }
    };
    let scaled: Vec<f64> = x.iter().map(|v| (v * scale - median) / range).collect();
    let mean_a = (0..n).map(coefficient).sum::<f64>() / n as f64;
    let mean_x = scaled.iter().sum::<f64>() / n as f64;
    let (mut ssa, mut ssx, mut sax) = (0.0, 0.0, 0.0);
    for (i, xi) in scaled.iter().enumerate() {
        let da = coefficient(i) - mean_a;
        let dx = xi - mean_x;
        ssa += da * da;
        ssx += dx * dx;
        sax += da * dx;
    }
    // 1 − W, computed so as to keep its digits when W is near 1 (AS R94).
    let root = (ssa * ssx).sqrt();
    let w1 = (root - sax) * (root + sax) / (ssa * ssx);
    let w = 1.0 - w1;
    Ok(ShapiroWilk {
        w,
        p: p_value(n, w, w1, &normal),
    })
}

/// The p-value of W (with w1 = 1 − W) for n samples: exact for n = 3, Royston's normalising
/// transforms for 4 ≤ n ≤ 11 and n ≥ 12.
fn p_value(n: usize, w: f64, w1: f64, normal: &Normal) -> f64 {
    if n == 3 {
        const SIX_OVER_PI: f64 = 6.0 / std::f64::consts::PI;
        // asin(√(3/4)) = π/3
        let p = SIX_OVER_PI * (w.max(0.0).sqrt().min(1.0).asin() - std::f64::consts::FRAC_PI_3);
        return p.clamp(0.0, 1.0);
    }
    let an = n as f64;
    let mut y = w1.ln();
    let (m, s) = if n <= 11 {
        let gamma = poly(&G, an);
        if y >= gamma {
            return 1e-99;
        }
        y = -(gamma - y).ln();
        (poly(&C3, an), poly(&C4, an).exp())
    } else {
        let ln_n = an.ln();
        (poly(&C5, ln_n), poly(&C6, ln_n).exp())
    };
    1.0 - normal.cdf((y - m) / s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_than_three_non_finite_and_equal_samples_are_not_computable() {
        for samples in [&[][..], &[1.0][..], &[1.0, 2.0][..]] {
            let err = shapiro_wilk(samples).err().map(|e| e.0).unwrap_or_default();
            assert!(err.contains("at least 3"), "{err}");
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = shapiro_wilk(&[1.0, bad, 2.0, 3.0])
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("finite"), "{err}");
        }
        let err = shapiro_wilk(&[4.2; 7])
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(err.contains("not all equal"), "{err}");
    }

    #[test]
    fn the_widest_range_and_large_samples_are_computed() {
        let unit = [-1.0, -0.5, 0.0, 0.25, 1.0];
        let huge: Vec<f64> = unit.iter().map(|v| v * f64::MAX).collect();
        let (small, big) = (shapiro_wilk(&unit), shapiro_wilk(&huge));
        let (Ok(small), Ok(big)) = (&small, &big) else {
            panic!("{small:?} {big:?}");
        };
        assert!((small.w - big.w).abs() < 1e-9, "{small:?} {big:?}");
        assert!((small.p - big.p).abs() < 1e-9, "{small:?} {big:?}");
        // Near-constant, and n = 100 000 (past Royston's 5000: computed the same way).
        let near: Vec<f64> = (0..50)
            .map(|i| 1.0 + f64::EPSILON * f64::from(i % 3))
            .collect();
        assert!(shapiro_wilk(&near).is_ok_and(|sw| sw.w.is_finite() && (0.0..=1.0).contains(&sw.p)));
        let many: Vec<f64> = (0..100_000).map(|i| f64::from(i % 1000)).collect();
        assert!(shapiro_wilk(&many).is_ok_and(|sw| sw.w.is_finite() && (0.0..=1.0).contains(&sw.p)));
    }

    /// `python3 -c "from scipy.stats import shapiro;print(*shapiro([1,2,4]))"` and the n = 4,
    /// 6 and 12 cases (each branch of the p-value), to 1e-6.
    #[test]
    fn small_samples_match_scipy() {
        let cases: [(&[f64], f64, f64); 4] = [
            (&[1.0, 2.0, 4.0], 0.9642857142857142, 0.6368868450289689),
            (
                &[1.0, 2.0, 4.0, 8.0],
                0.9202026788806026,
                0.5380837777759025,
            ),
            (
                &[3.1, 2.2, 5.0, 4.4, 3.9, 9.5],
                0.850524947263714,
                0.15895076334285047,
            ),
            (
                &[
                    10.2, 11.1, 9.8, 10.5, 10.0, 10.9, 9.7, 10.4, 10.1, 10.6, 10.3, 14.0,
                ],
                0.6778525806184479,
                0.000519928793513954,
            ),
        ];
        for (samples, w, p) in cases {
            let got = shapiro_wilk(samples).unwrap_or(ShapiroWilk {
                w: f64::NAN,
                p: f64::NAN,
            });
            assert!((got.w - w).abs() < 1e-6, "{samples:?}: W {} vs {w}", got.w);
            assert!((got.p - p).abs() < 1e-6, "{samples:?}: p {} vs {p}", got.p);
        }
    }
}
