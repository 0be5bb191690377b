//! Our change points against Apache Otava 0.8.0's on the same series (docs/gates.md "Change
//! points"): Otava's default analysis (windows of 50 runs, a t-test, its merge step) and its
//! original E-divisive (100 permutations) run in Python (`tests/validators/otava_change_points.py`,
//! `pip install 'apache-otava==0.8.0'`, as `.ci/run` does). Where they agree, every point is
//! within ±2 runs; where they differ by design, the difference is asserted as documented.

use crate::common::*;

use std::io::Write;
use std::process::{Command, Stdio};

use dpone_observability::observability::change_points::{detect, ChangePointOptions};

/// Seeded Gaussian noise (SplitMix64 and Box–Muller), so the series are the same everywhere.
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(f64::MIN_POSITIVE), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// `levels`: (runs, mean, standard deviation) one after another, rounded to 0.01.
    fn series(&mut self, levels: &[(usize, f64, f64)]) -> Vec<f64> {
        let mut out = Vec::new();
        for &(runs, mean, sd) in levels {
            for _ in 0..runs {
                out.push(((mean + sd * self.normal()) * 100.0).round() / 100.0);
            }
        }
        out
    }
}

/// A real-looking benchmark: 120 runs of a job around 250 s with 2.5 % noise and three slow
/// outliers (+15 %), 12 % slower from run 40, 8 % faster again from run 85.
pub fn real_looking() -> Vec<f64> {
    let mut noise = Noise(2026);
    let mut values: Vec<f64> = (0..120)
        .map(|i| {
            let level = match i {
                0..40 => 250.0,
                40..85 => 280.0,
                _ => 257.6,
            };
            ((level * (1.0 + 0.025 * noise.normal())) * 100.0).round() / 100.0
        })
        .collect();
    for i in [12, 57, 101] {
        values[i] = (values[i] * 1.15 * 100.0).round() / 100.0;
    }
    values
}

struct Otava {
    version: String,
    windowed: Vec<Vec<usize>>,
    original: Vec<Vec<usize>>,
}

/// Otava's change points of each series at `max_pvalue`.
fn run_otava(series: &[Vec<f64>], max_pvalue: f64) -> Otava {
    let mut child = Command::new("python3")
        .arg(repo().join("tests/validators/otava_change_points.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    let request = serde_json::json!({"series": series, "max_pvalue": max_pvalue, "seed": 1});
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "Apache Otava failed (install with `pip install 'apache-otava==0.8.0'`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("Otava's answer");
    let lists = |key: &str| -> Vec<Vec<usize>> {
        serde_json::from_value(v[key].clone()).expect("lists of indexes")
    };
    Otava {
        version: v["version"].as_str().unwrap_or_default().to_string(),
        windowed: lists("windowed"),
        original: lists("original"),
    }
}

fn run_ours(values: &[f64]) -> Vec<usize> {
    detect(values, &ChangePointOptions::default())
        .iter()
        .map(|p| p.index)
        .collect()
}

fn within_two(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= 2)
}

#[test]
fn the_same_points_as_otava_within_two_runs() {
    let mut noise = Noise(31);
    let cases: Vec<(&str, Vec<f64>, Vec<usize>)> = vec![
        ("real-looking", real_looking(), vec![40, 85]),
        (
            "one step",
            noise.series(&[(30, 100.0, 1.0), (30, 106.0, 1.0)]),
            vec![30],
        ),
        (
            "three steps",
            noise.series(&[
                (30, 50.0, 1.5),
                (45, 60.0, 1.5),
                (45, 45.0, 1.5),
                (40, 52.0, 1.5),
            ]),
            vec![30, 75, 120],
        ),
        ("noise", noise.series(&[(200, 500.0, 3.0)]), vec![]),
        (
            "a single outlier",
            {
                let mut v = noise.series(&[(61, 100.0, 1.0)]);
                v[30] = 130.0;
                v
            },
            vec![],
        ),
    ];
    let series: Vec<Vec<f64>> = cases.iter().map(|(_, s, _)| s.clone()).collect();
    let otava = run_otava(&series, 0.001);
    assert_eq!(otava.version, "0.8.0");
    for point in detect(&cases[0].1, &ChangePointOptions::default()) {
        eprintln!("real-looking, ours: {point:?}");
    }
    for (i, (name, values, truth)) in cases.iter().enumerate() {
        let ours = run_ours(values);
        eprintln!(
            "{name}: ours {ours:?}, Otava {:?} (windowed) {:?} (original)",
            otava.windowed[i], otava.original[i]
        );
        assert!(
            within_two(&ours, truth),
            "{name}: ours {ours:?}, truth {truth:?}"
        );
        assert!(
            within_two(&ours, &otava.windowed[i]),
            "{name}: ours {ours:?}, Otava {:?}",
            otava.windowed[i]
        );
        assert!(
            within_two(&ours, &otava.original[i]),
            "{name}: ours {ours:?}, Otava {:?}",
            otava.original[i]
        );
    }
}

#[test]
fn where_otava_differs_by_design() {
    let mut noise = Noise(7);
    // The spread quadruples at run 60, the mean stays: the energy statistic sees a change of
    // distribution, Otava's windowed t-test compares means only and sees none.
    let variance = noise.series(&[(60, 100.0, 0.5), (60, 100.0, 4.0)]);
    let otava = run_otava(std::slice::from_ref(&variance), 0.001);
    let ours = run_ours(&variance);
    eprintln!(
        "variance: ours {ours:?}, Otava {:?} (windowed) {:?} (original)",
        otava.windowed[0], otava.original[0]
    );
    assert!(within_two(&ours, &[60]), "ours {ours:?}");
    assert_eq!(otava.windowed[0], Vec::<usize>::new());

    // A step 5 runs ago, found by all three. Otava's original E-divisive also splits the old
    // level twice: its p-value is #{shuffles ≥ q̂} / (permutations + 1), 0 when no shuffle
    // reaches q̂, so with its 100 shuffles it accepts at about 1/101 whatever `max_pvalue` says;
    // ours is (1 + #) / (permutations + 1) over 999 shuffles.
    let late = Noise(9).series(&[(50, 100.0, 1.0), (5, 110.0, 1.0)]);
    let otava = run_otava(std::slice::from_ref(&late), 0.001);
    let ours = run_ours(&late);
    eprintln!(
        "late: ours {ours:?}, Otava {:?} (windowed) {:?} (original)",
        otava.windowed[0], otava.original[0]
    );
    assert_eq!(ours, [50]);
    assert!(
        within_two(&ours, &otava.windowed[0]),
        "{:?}",
        otava.windowed[0]
    );
    assert_eq!(otava.original[0], [41, 43, 50]);
}
