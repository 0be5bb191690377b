//! Change points: where a series of runs stepped up or down, found by E-divisive means
//! (Matteson & James 2014) with a seeded permutation significance test.
//!
//! The series is split recursively: the split point of a segment is the run `τ` that maximises
//! the energy statistic `q̂(τ) = 2/(n+m)·Σ|Xᵢ−Yⱼ| − 2m/((n+m)(n−1))·Σ|Xᵢ−Xₖ| −
//! 2n/((n+m)(m−1))·Σ|Yⱼ−Yₖ|` between the `n` runs before `τ` and the `m` runs from `τ` to the
//! end of the segment (α = 1; the right end fixed at the segment's end, as MongoDB's
//! signal-processing-algorithms do, where Apache Otava also maximises over it). The best split of
//! all segments is accepted when a permutation test finds it significant: the runs of each segment
//! are shuffled `permutations` times and `p = (1 + #{q̂ of a shuffle ≥ q̂}) / (1 + permutations)`;
//! the first split that is not significant ends the search.
//!
//! Deterministic: the shuffles come from a SplitMix64 generator seeded with
//! [`ChangePointOptions::seed`], and the arithmetic is plain IEEE-754, so one input and one set of
//! options give one answer on every platform. Bounded: only the newest [`MAX_VALUES`] finite
//! values are analysed, at most [`MAX_PERMUTATIONS`] shuffles per test, at most
//! [`MAX_CHANGE_POINTS`] points are found and at most [`MAX_SHUFFLED_RUNS`] runs are shuffled in
//! all. A shuffle of `N` runs costs `O(N log N)` (a Fenwick tree over the ranks), and a segment
//! keeps its shuffles until it is split, so 500 values with two steps and the defaults take some
//! tens of milliseconds, and no input more than about a second (measured in a release build on a
//! busy shared 2-core machine: 33 – 77 ms and 0.6 – 0.95 s). NaN and infinite values are
//! skipped: they neither split nor join a segment, and indexes still count them (an index is a
//! position in the input).

/// The newest finite values analysed; older ones are ignored (a hostile input cannot hang).
pub const MAX_VALUES: usize = 1000;
/// The most shuffles a significance test runs, whatever [`ChangePointOptions::permutations`] says.
pub const MAX_PERMUTATIONS: usize = 999;
/// The most change points one series yields.
pub const MAX_CHANGE_POINTS: usize = 50;
/// The most runs shuffled in one search (the sum of the shuffled segments' lengths; under a second):
/// a search that would need more stops with the points found so far. 500 values with two
/// steps and the defaults need about 1.5 million.
pub const MAX_SHUFFLED_RUNS: usize = 10_000_000;

/// How change points are searched for. See [`Default`] for the defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePointOptions {
    /// The fewest runs a segment has (at least 2; smaller is read as 2).
    pub min_segment: usize,
    /// A split is accepted when its permutation p-value is at most this.
    pub max_p_value: f64,
    /// Shuffles per significance test (at least 1, at most [`MAX_PERMUTATIONS`]).
    pub permutations: usize,
    /// The seed of the shuffles.
    pub seed: u64,
}

impl Default for ChangePointOptions {
    /// `min_segment` 5, `max_p_value` 0.001, `permutations` 999 (the smallest p-value is then
    /// 1/1000 = 0.001, so a split is significant when no shuffle matches it), `seed` 31.
    fn default() -> Self {
        ChangePointOptions {
            min_segment: 5,
            max_p_value: 0.001,
            permutations: 999,
            seed: 31,
        }
    }
}

/// One step change: the series' mean moved from `mean_before` to `mean_after` at `index`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// The first run of the new segment: a position in the input, NaN and infinities counted.
    pub index: usize,
    /// The mean of the segment before (finite values since the previous change point).
    pub mean_before: f64,
    /// The mean of the segment from `index` up to the next change point.
    pub mean_after: f64,
    /// The permutation p-value of the split when it was accepted.
    pub p_value: f64,
}

impl ChangePoint {
    /// `(after − before) / |before|`; `None` when `before` is 0 or the result is not finite.
    pub fn relative_change(&self) -> Option<f64> {
        if self.mean_before == 0.0 {
            return None;
        }
        let change = (self.mean_after - self.mean_before) / self.mean_before.abs();
        change.is_finite().then_some(change)
    }
}

/// The change points of `values` (oldest first), sorted by index.
pub fn detect(values: &[f64], options: &ChangePointOptions) -> Vec<ChangePoint> {
    let finite: Vec<(usize, f64)> = values
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .collect();
    let finite = &finite[finite.len().saturating_sub(MAX_VALUES)..];
    let min_segment = options.min_segment.max(2);
    let Some(scaled) = normalised(finite) else {
        return Vec::new();
    };
    if scaled.len() < 2 * min_segment || options.max_p_value.is_nan() {
        return Vec::new();
    }
    let search = Search {
        values: &scaled,
        min_segment,
        permutations: options.permutations.clamp(1, MAX_PERMUTATIONS),
        max_p_value: options.max_p_value,
        max_shuffled_runs: MAX_SHUFFLED_RUNS,
    };
    let (splits, _) = search.run(options.seed);
    let mut cuts: Vec<usize> = splits.iter().map(|&(cut, _)| cut).collect();
    cuts.sort_unstable();
    let mut points: Vec<ChangePoint> = splits
        .iter()
        .map(|&(cut, p_value)| {
            let at = cuts.partition_point(|&c| c < cut);
            let start = if at == 0 { 0 } else { cuts[at - 1] };
            let end = cuts.get(at + 1).copied().unwrap_or(finite.len());
            ChangePoint {
                index: finite[cut].0,
                mean_before: mean(&finite[start..cut]),
                mean_after: mean(&finite[cut..end]),
                p_value,
            }
        })
        .collect();
    points.sort_by_key(|p| p.index);
    points
}

fn mean(values: &[(usize, f64)]) -> f64 {
    mean_of(values.iter().map(|&(_, v)| v))
}

/// The mean of finite values; summed share by share when their sum does not fit an `f64`
/// (values near `f64::MAX`), so it stays finite.
pub fn mean_of(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    if mean.is_finite() {
        return mean;
    }
    values
        .map(|v| v / n)
        .sum::<f64>()
        .clamp(-f64::MAX, f64::MAX)
}

/// The values mapped onto [-1, 1] without overflow (q̂'s ordering and the p-values do not change
/// under an affine map), or `None` for a constant series.
fn normalised(values: &[(usize, f64)]) -> Option<Vec<f64>> {
    let low = values.iter().map(|&(_, v)| v).fold(f64::INFINITY, f64::min);
    let high = values
        .iter()
        .map(|&(_, v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    let quarter_range = high / 4.0 - low / 4.0;
    if quarter_range <= 0.0 {
        return None;
    }
    let quarter_centre = high / 4.0 + low / 4.0;
    Some(
        values
            .iter()
            .map(|&(_, v)| (v / 4.0 - quarter_centre) / quarter_range)
            .collect(),
    )
}

/// One E-divisive search over normalised values.
struct Search<'a> {
    values: &'a [f64],
    min_segment: usize,
    permutations: usize,
    max_p_value: f64,
    /// [`MAX_SHUFFLED_RUNS`] (smaller in tests).
    max_shuffled_runs: usize,
}

impl Search<'_> {
    /// The accepted splits `(position, p-value)` in the order found, and the runs shuffled.
    fn run(&self, seed: u64) -> (Vec<(usize, f64)>, usize) {
        let mut scratch = Scratch::default();
        let all = Segment::new(self, 0, self.values.len(), seed, &mut scratch);
        let mut segments = vec![all];
        let mut found = Vec::new();
        while found.len() < MAX_CHANGE_POINTS {
            let mut best: Option<(usize, usize, f64)> = None;
            for (at, s) in segments.iter().enumerate() {
                if let Some((tau, q)) = s.best {
                    if best.is_none_or(|(_, _, b)| q > b) {
                        best = Some((at, s.start + tau, q));
                    }
                }
            }
            let Some((at, cut, q)) = best else {
                break;
            };
            let Some(p_value) = self.p_value(&mut segments, q, &mut scratch) else {
                break;
            };
            if p_value > self.max_p_value {
                break;
            }
            let split = segments.remove(at);
            segments.insert(at, Segment::new(self, cut, split.end, seed, &mut scratch));
            segments.insert(at, Segment::new(self, split.start, cut, seed, &mut scratch));
            found.push((cut, p_value));
        }
        (found, scratch.shuffled_runs)
    }

    /// The permutation p-value of the observed `q`: shuffle `i` permutes the runs within every
    /// segment, and its q̂ is the greatest over the segments. Stops early once the test cannot pass
    /// any more (the p-value returned is then a lower bound above `max_p_value`); `None` when
    /// the search has shuffled [`MAX_SHUFFLED_RUNS`].
    fn p_value(&self, segments: &mut [Segment], q: f64, scratch: &mut Scratch) -> Option<f64> {
        let total = (self.permutations + 1) as f64;
        let tolerance = 1e-12 * (1.0 + q.abs());
        let mut extreme = 1usize;
        for i in 0..self.permutations {
            let best = segments
                .iter_mut()
                .filter_map(|s| s.shuffled(i, scratch, self.min_segment))
                .fold(f64::NEG_INFINITY, f64::max);
            if scratch.shuffled_runs > self.max_shuffled_runs {
                return None;
            }
            if best >= q - tolerance {
                extreme += 1;
                if extreme as f64 / total > self.max_p_value {
                    return Some(extreme as f64 / total);
                }
            }
        }
        Some(extreme as f64 / total)
    }
}

/// A segment between two cuts, with its observed best split and the q̂ of its shuffles so far.
/// A segment that is not split keeps its shuffles for the next test (each segment draws from its
/// own generator, seeded from the seed and its bounds, so the order of the tests does not matter):
/// the search costs `O(permutations × N log N)` per level of splits, not per split.
struct Segment {
    start: usize,
    end: usize,
    runs: Vec<(f64, usize)>,
    rng: SplitMix64,
    /// The best split of the runs in their order: `(offset, q̂)`.
    best: Option<(usize, f64)>,
    shuffles: Vec<Option<f64>>,
}

impl Segment {
    fn new(
        search: &Search<'_>,
        start: usize,
        end: usize,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Self {
        let bounds = ((start as u64) << 32) ^ end as u64;
        let mut rng = SplitMix64(seed ^ bounds.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next();
        let runs = ranked(&search.values[start..end]);
        let best = scratch.best_split(&runs, search.min_segment);
        Segment {
            start,
            end,
            runs,
            rng,
            best,
            shuffles: Vec::new(),
        }
    }

    /// The q̂ of shuffle `i` (drawn now if not yet), `None` when the segment is too short.
    fn shuffled(&mut self, i: usize, scratch: &mut Scratch, min_segment: usize) -> Option<f64> {
        if self.runs.len() < 2 * min_segment {
            return None;
        }
        while self.shuffles.len() <= i {
            self.rng.shuffle(&mut self.runs);
            scratch.shuffled_runs += self.runs.len();
            let q = scratch.best_split(&self.runs, min_segment).map(|(_, q)| q);
            self.shuffles.push(q);
        }
        self.shuffles[i]
    }
}

/// The values with their rank among themselves (ties get distinct ranks, which is harmless:
/// equal values are 0 apart whichever side they count on).
fn ranked(values: &[f64]) -> Vec<(f64, usize)> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut ranks = vec![0; values.len()];
    for (rank, &i) in order.iter().enumerate() {
        ranks[i] = rank;
    }
    values.iter().copied().zip(ranks).collect()
}

/// Buffers reused by every q̂ scan.
#[derive(Default)]
struct Scratch {
    /// The runs shuffled so far, against [`MAX_SHUFFLED_RUNS`].
    shuffled_runs: usize,
    left: Vec<f64>,
    right: Vec<f64>,
    tree: Fenwick,
}

impl Scratch {
    /// The `τ` (offset in the segment, `min_segment ≤ τ ≤ len − min_segment`) with the greatest
    /// q̂, the first on a tie.
    fn best_split(&mut self, segment: &[(f64, usize)], min_segment: usize) -> Option<(usize, f64)> {
        let len = segment.len();
        if len < 2 * min_segment {
            return None;
        }
        within_sums(segment.iter(), &mut self.tree, &mut self.left);
        within_sums(segment.iter().rev(), &mut self.tree, &mut self.right);
        let total = self.left[len];
        let mut best: Option<(usize, f64)> = None;
        for tau in min_segment..=len - min_segment {
            let (n, m) = (tau as f64, (len - tau) as f64);
            let within_x = self.left[tau];
            let within_y = self.right[len - tau];
            let cross = total - within_x - within_y;
            let q = 2.0 / (n + m) * cross
                - 2.0 * m / ((n + m) * (n - 1.0)) * within_x
                - 2.0 * n / ((n + m) * (m - 1.0)) * within_y;
            if best.is_none_or(|(_, b)| q > b) {
                best = Some((tau, q));
            }
        }
        best
    }
}

/// `out[k]` = Σ|xᵢ − xⱼ| over the pairs among the first `k` values, `k = 0..=len`.
fn within_sums<'a>(
    values: impl ExactSizeIterator<Item = &'a (f64, usize)>,
    tree: &mut Fenwick,
    out: &mut Vec<f64>,
) {
    tree.reset(values.len());
    out.clear();
    out.push(0.0);
    let (mut sum, mut count, mut acc) = (0.0, 0usize, 0.0);
    for &(x, rank) in values {
        let (below_count, below_sum) = tree.prefix(rank);
        let above_count = count - below_count;
        let above_sum = sum - below_sum;
        acc += x * below_count as f64 - below_sum + above_sum - x * above_count as f64;
        tree.add(rank, x);
        sum += x;
        count += 1;
        out.push(acc);
    }
}

/// A Fenwick tree of counts and sums over ranks.
#[derive(Default)]
struct Fenwick {
    counts: Vec<usize>,
    sums: Vec<f64>,
}

impl Fenwick {
    fn reset(&mut self, len: usize) {
        self.counts.clear();
        self.counts.resize(len + 1, 0);
        self.sums.clear();
        self.sums.resize(len + 1, 0.0);
    }

    fn add(&mut self, rank: usize, value: f64) {
        let mut i = rank + 1;
        while i < self.counts.len() {
            self.counts[i] += 1;
            self.sums[i] += value;
            i += i & i.wrapping_neg();
        }
    }

    /// Count and sum of the values with a rank below `rank`.
    fn prefix(&self, rank: usize) -> (usize, f64) {
        let (mut count, mut sum) = (0, 0.0);
        let mut i = rank;
        while i > 0 {
            count += self.counts[i];
            sum += self.sums[i];
            i -= i & i.wrapping_neg();
        }
        (count, sum)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, seedable and the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound > 0`), without modulo bias.
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let r = self.next();
            if r < zone {
                return r % bound;
            }
        }
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded Gaussian noise (Box–Muller over SplitMix64).
    fn noise(seed: u64, len: usize, sd: f64) -> Vec<f64> {
        let mut rng = SplitMix64(seed);
        let mut uniform = move || (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        (0..len)
            .map(|_| {
                let (u, v) = (uniform().max(f64::MIN_POSITIVE), uniform());
                sd * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
            })
            .collect()
    }

    /// Noise around `levels`: `(first index, level)` steps.
    fn stepped(seed: u64, len: usize, sd: f64, levels: &[(usize, f64)]) -> Vec<f64> {
        noise(seed, len, sd)
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let level = levels
                    .iter()
                    .rev()
                    .find(|(at, _)| *at <= i)
                    .map_or(0.0, |l| l.1);
                level + e
            })
            .collect()
    }

    fn indexes(points: &[ChangePoint]) -> Vec<usize> {
        points.iter().map(|p| p.index).collect()
    }

    fn assert_near(found: &[usize], expected: &[usize]) {
        assert_eq!(
            found.len(),
            expected.len(),
            "found {found:?}, expected {expected:?}"
        );
        for (f, e) in found.iter().zip(expected) {
            assert!(
                f.abs_diff(*e) <= 2,
                "found {found:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn finds_one_step_within_two_runs_and_its_means() {
        for seed in 1..=5 {
            let values = stepped(seed, 60, 1.0, &[(0, 100.0), (40, 112.0)]);
            let points = detect(&values, &ChangePointOptions::default());
            assert_near(&indexes(&points), &[40]);
            let p = points[0];
            assert!((p.mean_before - 100.0).abs() < 1.0, "{p:?}");
            assert!((p.mean_after - 112.0).abs() < 1.0, "{p:?}");
            assert!(p.p_value <= 0.001, "{p:?}");
            let change = p.relative_change().expect("before is not 0");
            assert!((change - 0.12).abs() < 0.015, "{change}");
        }
    }

    #[test]
    fn finds_several_steps_up_and_down() {
        for seed in 10..=14 {
            let levels = [(0, 50.0), (30, 60.0), (75, 45.0), (120, 52.0)];
            let values = stepped(seed, 160, 1.5, &levels);
            let points = detect(&values, &ChangePointOptions::default());
            assert_near(&indexes(&points), &[30, 75, 120]);
            assert!(points[1].relative_change().is_some_and(|c| c < -0.2));
        }
    }

    #[test]
    fn finds_a_step_in_the_last_min_segment_runs() {
        let values = stepped(3, 40, 1.0, &[(0, 10.0), (35, 20.0)]);
        assert_near(
            &indexes(&detect(&values, &ChangePointOptions::default())),
            &[35],
        );
    }

    #[test]
    fn finds_nothing_in_pure_noise() {
        let options = ChangePointOptions::default();
        for seed in 100..120 {
            let values: Vec<f64> = noise(seed, 200, 3.0).iter().map(|e| 500.0 + e).collect();
            assert_eq!(detect(&values, &options), Vec::new(), "seed {seed}");
        }
    }

    #[test]
    fn is_deterministic_and_depends_on_the_seed_only_through_p_values() {
        let values = stepped(7, 120, 2.0, &[(0, 20.0), (50, 26.0), (90, 22.0)]);
        let options = ChangePointOptions::default();
        let first = detect(&values, &options);
        assert_eq!(first, detect(&values, &options));
        assert!(!first.is_empty());
        let other = detect(
            &values,
            &ChangePointOptions {
                seed: 99,
                ..options
            },
        );
        assert_eq!(indexes(&first), indexes(&other));
    }

    #[test]
    fn short_constant_and_non_finite_series_are_defined() {
        let options = ChangePointOptions::default();
        assert!(detect(&[], &options).is_empty());
        assert!(detect(&[1.0; 9], &options).is_empty());
        assert!(detect(&[4.0; 300], &options).is_empty());
        assert!(detect(&[f64::NAN; 50], &options).is_empty());
        let mut values = stepped(5, 60, 1.0, &[(0, 100.0), (30, 130.0)]);
        values[10] = f64::NAN;
        values[45] = f64::INFINITY;
        values.insert(0, f64::NEG_INFINITY);
        let points = detect(&values, &options);
        assert_near(&indexes(&points), &[31]);
        assert!(points[0].mean_before.is_finite() && points[0].mean_after.is_finite());
        let huge: Vec<f64> = (0..40)
            .map(|i| if i < 20 { -f64::MAX } else { f64::MAX })
            .collect();
        assert_near(&indexes(&detect(&huge, &options)), &[20]);
    }

    #[test]
    fn the_means_of_the_largest_values_stay_finite() {
        let options = ChangePointOptions::default();
        let huge: Vec<f64> = (0..40)
            .map(|i| if i < 20 { f64::MAX / 2.0 } else { f64::MAX })
            .collect();
        let points = detect(&huge, &options);
        assert_near(&indexes(&points), &[20]);
        let near = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-12;
        assert!(near(points[0].mean_before, f64::MAX / 2.0), "{points:?}");
        assert!(near(points[0].mean_after, f64::MAX), "{points:?}");
        assert!(points[0].relative_change().is_some_and(|c| near(c, 1.0)));
        assert_eq!(mean_of([f64::MAX, f64::MAX].into_iter()), f64::MAX);
        let tiny = [5e-324, 5e-324, 1e-323];
        assert_eq!(
            mean(&tiny.iter().copied().enumerate().collect::<Vec<_>>()),
            5e-324
        );
    }

    #[test]
    fn relative_change_is_none_from_zero() {
        let point = ChangePoint {
            index: 3,
            mean_before: 0.0,
            mean_after: 2.0,
            p_value: 0.005,
        };
        assert_eq!(point.relative_change(), None);
        let down = ChangePoint {
            mean_before: -4.0,
            mean_after: -5.0,
            ..point
        };
        assert_eq!(down.relative_change(), Some(-0.25));
    }

    #[test]
    fn options_out_of_range_are_clamped_and_the_search_is_capped() {
        let values = stepped(2, 30, 1.0, &[(0, 1.0), (15, 9.0)]);
        let odd = ChangePointOptions {
            min_segment: 0,
            permutations: 0,
            ..Default::default()
        };
        // One shuffle: the smallest p-value is 1/2, above 0.01, so nothing is significant.
        assert!(detect(&values, &odd).is_empty());
        let loose = ChangePointOptions {
            max_p_value: 1.0,
            min_segment: 2,
            permutations: 9,
            ..Default::default()
        };
        let long = noise(4, 3 * MAX_VALUES, 1.0);
        let points = detect(&long, &loose);
        assert_eq!(points.len(), MAX_CHANGE_POINTS);
        assert!(points.iter().all(|p| p.index >= 2 * MAX_VALUES));
    }

    /// The splits and the shuffled runs of a search over `values` with `options`, shuffling at
    /// most about `cap` runs.
    fn search(values: &[f64], options: &ChangePointOptions, cap: usize) -> (usize, usize) {
        let search = Search {
            values,
            min_segment: options.min_segment,
            permutations: options.permutations,
            max_p_value: options.max_p_value,
            max_shuffled_runs: cap,
        };
        let (splits, shuffled) = search.run(options.seed);
        (splits.len(), shuffled)
    }

    fn work(values: &[f64], options: &ChangePointOptions) -> usize {
        search(values, options, MAX_SHUFFLED_RUNS).1
    }

    #[test]
    fn a_segment_keeps_its_shuffles_so_the_work_is_per_level_of_splits() {
        // Not a timed test: it counts the runs shuffled. Two steps in 500 runs: the whole series
        // is shuffled 999 times (the first test), then each half once more as it is tested
        // (only a significant split tests every shuffle; a failing one stops early).
        let options = ChangePointOptions::default();
        let values = stepped(8, 500, 1.0, &[(0, 10.0), (200, 13.0), (400, 11.0)]);
        assert_near(&indexes(&detect(&values, &options)), &[200, 400]);
        let shuffled = work(&values, &options);
        assert!(shuffled >= 500 * 999, "{shuffled}");
        assert!(
            shuffled <= 3 * 500 * 999,
            "{shuffled}: more than three levels of shuffles"
        );
        // Pure noise: the first test fails after a few shuffles.
        let noise: Vec<f64> = noise(9, 500, 1.0);
        assert!(
            work(&noise, &options) < 100 * 500,
            "{}",
            work(&noise, &options)
        );
    }

    #[test]
    fn the_shuffled_runs_are_capped() {
        // Noise with every split accepted (p ≤ 1): without a cap the search would shuffle about
        // (levels of splits) × 999 × 1,000 runs. With a cap of 2 million it stops after the
        // shuffle that crosses it, with the splits found so far (the real cap is
        // MAX_SHUFFLED_RUNS; the mechanism is the same).
        let values = noise(12, MAX_VALUES, 1.0);
        let options = ChangePointOptions {
            min_segment: 2,
            max_p_value: 1.0,
            permutations: MAX_PERMUTATIONS,
            seed: 1,
        };
        let cap = 2_000_000;
        let (splits, shuffled) = search(&values, &options, cap);
        assert!(shuffled > cap, "{shuffled}: the cap was not reached");
        assert!(shuffled <= cap + MAX_VALUES, "{shuffled}");
        assert!(splits < MAX_CHANGE_POINTS, "{splits}");
        let (uncapped, _) = search(&values, &options, 4 * cap);
        assert!(
            uncapped > splits,
            "a larger cap finds more: {uncapped} vs {splits}"
        );
    }
}
