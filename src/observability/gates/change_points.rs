//! Change points in the gated series: the policy's `change_points:` block, the search of each
//! regressed series' history (its samples, then this export) with
//! [`crate::observability::change_points::detect`], and what `test: change_point` fails on.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::super::change_points::{detect, ChangePoint, ChangePointOptions, MAX_PERMUTATIONS};
use super::super::number;
use super::baseline::Sample;
use super::regressions::regression_ratio;
use super::Direction;

/// `change_points:` of a policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePointPolicy {
    /// `min_segment`, `p_value` and `permutations` (the seed is fixed: one answer per input).
    pub options: ChangePointOptions,
    /// `last_runs`: a change point whose new level starts within the last this many runs (this
    /// export included) is recent: listed in the summary, and failed on by `test: change_point`.
    pub last_runs: usize,
}

/// The default `last_runs`.
pub const DEFAULT_LAST_RUNS: usize = 10;

impl Default for ChangePointPolicy {
    /// The search's defaults (`min_segment` 5, `p_value` 0.001, `permutations` 999) and
    /// `last_runs` 10.
    fn default() -> Self {
        ChangePointPolicy {
            options: ChangePointOptions::default(),
            last_runs: DEFAULT_LAST_RUNS,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    min_segment: Option<usize>,
    #[serde(default)]
    p_value: Option<f64>,
    #[serde(default)]
    permutations: Option<usize>,
    #[serde(default)]
    last_runs: Option<usize>,
}

/// The block checked: every value within what the search can do; Err says which is not.
fn checked(body: Body) -> Result<ChangePointPolicy, String> {
    let defaults = ChangePointPolicy::default();
    let min_segment = body.min_segment.unwrap_or(defaults.options.min_segment);
    if min_segment < 2 {
        return Err(format!(
            "`min_segment: {min_segment}` is at least 2: a level of one run has no spread"
        ));
    }
    let permutations = body.permutations.unwrap_or(defaults.options.permutations);
    if !(1..=MAX_PERMUTATIONS).contains(&permutations) {
        return Err(format!(
            "`permutations: {permutations}` is from 1 to {MAX_PERMUTATIONS}"
        ));
    }
    let p_value = body.p_value.unwrap_or(defaults.options.max_p_value);
    if !(p_value > 0.0 && p_value < 1.0) {
        return Err(format!("`p_value: {p_value}` is above 0 and below 1"));
    }
    let smallest = 1.0 / (permutations as f64 + 1.0);
    if p_value < smallest {
        return Err(format!(
            "`p_value: {p_value}` is below {smallest}, the smallest p-value {permutations} \
             permutations give (1 / (permutations + 1)): no change could be significant; \
             raise `permutations` to at least {}",
            (1.0 / p_value).ceil() - 1.0
        ));
    }
    let last_runs = body.last_runs.unwrap_or(defaults.last_runs);
    if last_runs < min_segment {
        return Err(format!(
            "`last_runs: {last_runs}` is below `min_segment: {min_segment}`: a new level is \
             found once it has `min_segment` runs, so none could ever be recent"
        ));
    }
    Ok(ChangePointPolicy {
        options: ChangePointOptions {
            min_segment,
            max_p_value: p_value,
            permutations,
            seed: defaults.options.seed,
        },
        last_runs,
    })
}

/// `change_points:` as the policy file gives it: absent (no search), empty (the defaults) or a
/// mapping of options.
#[derive(Debug, Default)]
pub struct ChangePointsField(pub Option<ChangePointPolicy>);

impl<'de> Deserialize<'de> for ChangePointsField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChangePointsField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping with `min_segment`, `p_value`, `permutations`, `last_runs`")
            }
            fn visit_unit<E: de::Error>(self) -> Result<ChangePointsField, E> {
                Ok(ChangePointsField(Some(ChangePointPolicy::default())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ChangePointsField, A::Error> {
                let body = Body::deserialize(de::value::MapAccessDeserializer::new(map))?;
                checked(body)
                    .map(|policy| ChangePointsField(Some(policy)))
                    .map_err(|why| de::Error::custom(format!("`change_points:` {why}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a `test: change_point` rule cannot take; Err says why.
pub(super) fn check_rule(consecutive: Option<usize>, max_cv: bool) -> Result<(), String> {
    if consecutive.is_some() {
        return Err(
            "has `consecutive`, which `test: change_point` does not take: a step is \
                    found once its new level has `min_segment` runs (`change_points:`)"
                .to_string(),
        );
    }
    if max_cv {
        return Err(
            "has `max_cv`, which `test: change_point` does not take: the permutation \
                    test already weighs a step against the series' noise"
                .to_string(),
        );
    }
    Ok(())
}

/// One change point of a gated series, as `runtime_metrics.json` writes it under the series'
/// regression result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePointResult {
    /// What identifies the first run of the new level: its sample's commit (7 characters), CI
    /// run or file, or `this run`.
    pub at: String,
    /// Its position in the series: 0 is the oldest sample, `samples` is this export.
    pub index: usize,
    /// The mean of the level before and of the new level (up to the next change point); a
    /// non-finite mean (values near the range of a double) is written as the metric list does.
    #[serde(with = "double")]
    pub mean_after: f64,
    #[serde(with = "double")]
    pub mean_before: f64,
    /// The permutation p-value of the split.
    pub p_value: f64,
    /// Within the policy's `last_runs` (this export included).
    pub recent: bool,
    /// `(mean_after − mean_before) / |mean_before|`; `null` from a level of 0.
    #[serde(with = "super::results::json_number")]
    pub relative_change: Option<f64>,
}

/// A double that may be NaN or infinite, as the results write one (`"NaN"`, `"Infinity"`), so
/// a report with one still reads back.
mod double {
    use super::super::results::json_number;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        json_number::serialize(&Some(*value), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(json_number::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// What identifies this export in a change point.
pub const THIS_RUN: &str = "this run";

/// The change points of a series: its samples' values (oldest first) and then `actual`, this
/// export's value. Each with the row the report writes.
pub(super) fn search(
    policy: &ChangePointPolicy,
    values: &[(f64, &Sample)],
    actual: f64,
) -> Vec<(ChangePoint, ChangePointResult)> {
    let series: Vec<f64> = values
        .iter()
        .map(|(v, _)| *v)
        .chain(std::iter::once(actual))
        .collect();
    let recent_from = series.len().saturating_sub(policy.last_runs);
    detect(&series, &policy.options)
        .into_iter()
        .map(|point| {
            let at = values
                .get(point.index)
                .map_or_else(|| THIS_RUN.to_string(), |(_, sample)| sample.id());
            let row = ChangePointResult {
                at,
                index: point.index,
                mean_after: point.mean_after,
                mean_before: point.mean_before,
                p_value: point.p_value,
                recent: point.index >= recent_from,
                relative_change: point.relative_change(),
            };
            (point, row)
        })
        .collect()
}

/// The change point `test: change_point` fails on: the most recent of the recent ones whose
/// level moved in the rule's bad direction (`both`: either way).
pub(super) fn bad_step(
    direction: Direction,
    found: &[(ChangePoint, ChangePointResult)],
) -> Option<&(ChangePoint, ChangePointResult)> {
    found
        .iter()
        .rev()
        .filter(|(_, row)| row.recent)
        .find(|(p, _)| regression_ratio(direction, p.mean_before, p.mean_after) > 0.0)
}

/// The level a series is at: the mean of its newest level (since its last change point), or of
/// all its samples when it has none.
pub(super) fn level(values: &[(f64, &Sample)], found: &[(ChangePoint, ChangePointResult)]) -> f64 {
    if let Some((point, _)) = found.last() {
        return point.mean_after;
    }
    crate::observability::change_points::mean_of(values.iter().map(|(v, _)| *v))
}

/// `step change at `abc1234`: +12.3%, p = 0.001` (the change relative to the level before;
/// `from 0 to 5` from a level of 0), with `at` as `code` renders it (plain, or a Markdown code
/// span).
pub fn describe(row: &ChangePointResult, code: impl Fn(&str) -> String) -> String {
    let change = match row.relative_change {
        Some(change) => number::percent(change * 100.0),
        None => format!(
            "from {} to {}",
            number::human(row.mean_before),
            number::human(row.mean_after)
        ),
    };
    format!(
        "step change at {}: {change}, p = {}",
        code(&row.at),
        number::human(row.p_value)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<ChangePointPolicy>, String> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            change_points: ChangePointsField,
        }
        serde_saphyr::from_str::<File>(text)
            .map(|f| f.change_points.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn absent_empty_and_given() {
        assert_eq!(parse("{}\n"), Ok(None));
        assert_eq!(
            parse("change_points:\n"),
            Ok(Some(ChangePointPolicy::default()))
        );
        let policy = parse(
            "change_points: {min_segment: 3, p_value: 0.01, permutations: 199, last_runs: 4}\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(policy.options.min_segment, 3);
        assert_eq!(policy.options.max_p_value, 0.01);
        assert_eq!(policy.options.permutations, 199);
        assert_eq!(policy.last_runs, 4);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (text, wanted) in [
            ("change_points: {min_segment: 1}\n", "at least 2"),
            ("change_points: {permutations: 0}\n", "from 1 to 999"),
            ("change_points: {p_value: 0}\n", "above 0 and below 1"),
            (
                "change_points: {p_value: 0.001, permutations: 99}\n",
                "at least 999",
            ),
            ("change_points: {last_runs: 3}\n", "below `min_segment: 5`"),
            (
                "change_points: {min_segments: 3}\n",
                "unknown field `min_segments`",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(wanted), "{text:?}: {err}");
        }
    }

    #[test]
    fn bad_step_is_the_newest_recent_one_in_the_bad_direction() {
        let point = |index, before, after| {
            let p = ChangePoint {
                index,
                mean_before: before,
                mean_after: after,
                p_value: 0.001,
            };
            let row = ChangePointResult {
                at: String::new(),
                index,
                mean_after: after,
                mean_before: before,
                p_value: 0.001,
                recent: index >= 20,
                relative_change: p.relative_change(),
            };
            (p, row)
        };
        let found = [
            point(5, 10.0, 20.0),
            point(21, 20.0, 30.0),
            point(25, 30.0, 25.0),
        ];
        let index = |d| bad_step(d, &found).map(|(p, _)| p.index);
        assert_eq!(index(Direction::Lower), Some(21));
        assert_eq!(index(Direction::Higher), Some(25));
        assert_eq!(index(Direction::Both), Some(25));
        assert_eq!(bad_step(Direction::Lower, &found[..1]), None);
        let text = describe(&found[1].1, |at| format!("`{at}`"));
        assert_eq!(text, "step change at ``: +50%, p = 0.001");
        let from_zero = ChangePointResult {
            mean_before: 0.0,
            relative_change: None,
            ..found[1].1.clone()
        };
        assert_eq!(
            describe(&from_zero, str::to_string),
            "step change at : from 0 to 30, p = 0.001"
        );
        // A non-finite mean is written as text and reads back.
        let huge = ChangePointResult {
            mean_after: f64::INFINITY,
            ..from_zero
        };
        let text = serde_json::to_string(&huge).unwrap();
        assert!(text.contains(r#""mean_after":"Infinity""#), "{text}");
        let read: ChangePointResult = serde_json::from_str(&text).unwrap();
        assert_eq!(read.mean_after, f64::INFINITY);
    }
}
