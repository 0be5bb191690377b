//! The gates as Markdown: one table model ([`GateRow`], built by [`rows`] from the gate
//! results) and one table writer ([`write_table`]) for every Markdown output — the step
//! summary, the PR comment and `runtime_metrics.md` — with one number format
//! ([`number`](crate::observability::number)).
//!
//! Nothing here evaluates: the verdict, the limits and Δ are the results'; a row only says
//! them. Δ says what it is in its cell: a regression's is its change against the baseline in
//! percent (`-14.93% vs baseline`), an objective's its margin to the bound (`margin 0.7826 s`,
//! negative past the bound). Values carry their unit (`180.1 s`, `25,000 rows`).
//!
//! A table has at most six columns (five in the PR comment, which leaves out where a gate is
//! configured) and fits the 712 px comment column: a gate's name longer than [`NAME_CHARS`] is
//! shortened in the middle (`duration_seconds{pipeline=orders_re…}`), its full name listed
//! under the table in a `<details>` block.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::super::markdown::{code, escape, message};
use super::super::number::{percent, with_unit};
use super::{
    BaselineStatus, BoundRule, Comparison, ComparisonStatus, GateResults, Origin, Verdict,
};

/// Whether a gate result failed, passed, or judged nothing (`—`, never `✅`: a regression not
/// compared, an objective not evaluated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GateState {
    Failed,
    /// Breached, but short of the rule's `consecutive`: a warning.
    Warned,
    /// A shadow rule's breach (`enforce: shadow`): reported, never failing.
    WouldFail,
    /// The rule cannot tell (too few samples, a change below `min_change`, too noisy).
    Inconclusive,
    Passed,
    NotCompared,
}

impl GateState {
    pub fn mark(self) -> &'static str {
        match self {
            GateState::Failed => "❌",
            GateState::Warned => "⚠️",
            GateState::WouldFail => "👁 would fail",
            GateState::Inconclusive => "❔ inconclusive",
            GateState::Passed => "✅",
            GateState::NotCompared => "—",
        }
    }

    /// Failed, warned, would fail or inconclusive: shown in view.
    pub fn is_finding(self) -> bool {
        matches!(
            self,
            GateState::Failed | GateState::Warned | GateState::WouldFail | GateState::Inconclusive
        )
    }
}

/// One gate result as every Markdown table shows it.
pub struct GateRow<'a> {
    pub state: GateState,
    /// The short metric name (without `dpone_`).
    pub short: String,
    /// The same with the labels that tell its series apart from the other results'.
    pub gate: String,
    /// The row is a regression: its Δ is against the baseline (an objective's is a margin).
    pub regression: bool,
    pub actual: String,
    pub limit: String,
    pub delta: String,
    pub at: &'a Origin,
    /// The regression it shows, for a history chart.
    pub comparison: Option<&'a Comparison>,
}

/// At most this many rows in a table; the rest are counted.
pub const TABLE_ROWS: usize = 200;

/// A metric's unit by its exported name (`catalog::unit_of`; the catalogue lists the gates'
/// own metrics, so it is handed in rather than looked up here).
pub type Units<'u> = &'u dyn Fn(&str) -> &'static str;

/// Where a gate is configured, as a table cell (a link, or the file and line).
pub type Place<'p> = &'p dyn Fn(&Origin) -> Option<String>;

/// A gate's name longer than this many characters is shortened in a table.
pub const NAME_CHARS: usize = 30;

fn number(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "—".to_string(), |v| with_unit(v, unit))
}

/// `≥ 92,000`, `≤ 5`, `1 – 9`: the sign never wraps away from its number (a non-breaking
/// space), and a side the rule does not check is left out. The unit is the actual's; the
/// line may break before it, so the cell fits the comment column.
fn limits(lower: Option<f64>, upper: Option<f64>, unit: &str) -> String {
    let n = |v: f64| with_unit(v, unit).replacen('\u{a0}', " ", 1);
    match (lower, upper) {
        (Some(l), Some(u)) => format!("{}\u{a0}–\u{a0}{}", n(l), n(u)),
        (Some(l), None) => format!("≥\u{a0}{}", n(l)),
        (None, Some(u)) => format!("≤\u{a0}{}", n(u)),
        (None, None) => "—".to_string(),
    }
}

/// An objective's Δ: its margin to the bound, positive inside (`margin 0.7826 s`), negative
/// past it (`margin -1`).
fn margin(rule: BoundRule, delta: Option<f64>, unit: &str) -> String {
    let margin = match (rule, delta) {
        (BoundRule::Max, Some(d)) => -d,
        (BoundRule::Min, Some(d)) => d,
        _ => return "—".to_string(),
    };
    // `-0` is no margin.
    let margin = if margin == 0.0 { 0.0 } else { margin };
    format!("margin {}", with_unit(margin, unit))
}

/// A regression's Δ: its change against the baseline, in percent where the baseline is not 0.
fn change(c: &Comparison, unit: &str) -> String {
    match (c.change_percent(), c.delta) {
        (Some(pct), _) => format!("{} vs baseline", percent(pct)),
        (None, Some(d)) => format!(
            "{}{} vs baseline",
            if d > 0.0 { "+" } else { "" },
            with_unit(d, unit)
        ),
        (None, None) => "— vs baseline".to_string(),
    }
}

/// Labels every result shares say nothing about which series a row is: a metric's short name
/// with only the labels that tell its series apart.
struct Namer<'a> {
    all: Vec<&'a BTreeMap<String, String>>,
}

impl<'a> Namer<'a> {
    fn new(gates: &'a GateResults) -> Self {
        let all = gates
            .objectives
            .iter()
            .map(|o| &o.labels)
            .chain(gates.regressions.iter().map(|c| &c.labels))
            .collect();
        Namer { all }
    }

    fn short(metric: &str) -> String {
        metric.strip_prefix("dpone_").unwrap_or(metric).to_string()
    }

    fn series(&self, metric: &str, labels: &BTreeMap<String, String>) -> String {
        let shared = |key: &str, value: &str| {
            self.all
                .iter()
                .all(|l| l.get(key).map(String::as_str) == Some(value))
        };
        let own: Vec<String> = labels
            .iter()
            .filter(|(k, v)| !shared(k, v))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if own.is_empty() {
            Self::short(metric)
        } else {
            format!("{}{{{}}}", Self::short(metric), own.join(","))
        }
    }
}

/// Every gate result as a row, in configuration order: objectives, then regressions.
pub fn rows<'a>(gates: &'a GateResults, unit_of: Units<'_>) -> Vec<GateRow<'a>> {
    let namer = Namer::new(gates);
    let mut rows = Vec::new();
    for o in &gates.objectives {
        let unit = unit_of(&o.metric);
        rows.push(GateRow {
            state: if o.not_evaluated.is_some() {
                GateState::NotCompared
            } else if o.would_fail {
                GateState::WouldFail
            } else if o.passed {
                GateState::Passed
            } else {
                GateState::Failed
            },
            short: Namer::short(&o.metric),
            gate: namer.series(&o.metric, &o.labels),
            regression: false,
            actual: match (&o.not_evaluated, o.actual) {
                (Some(why), _) => format!("not evaluated ({})", message(why)),
                (None, None) => "missing".to_string(),
                (None, actual) => number(actual, unit),
            },
            limit: match (o.rule, o.bound) {
                (BoundRule::Max, Some(b)) => limits(None, Some(b), unit),
                (BoundRule::Min, Some(b)) => limits(Some(b), None, unit),
                _ => "present".to_string(),
            },
            delta: if o.not_evaluated.is_some() {
                "—".to_string()
            } else {
                margin(o.rule, o.delta, unit)
            },
            at: &o.at,
            comparison: None,
        });
    }
    for c in &gates.regressions {
        rows.push(regression_row(c, &namer, unit_of(&c.metric)));
    }
    rows
}

fn regression_row<'a>(c: &'a Comparison, namer: &Namer<'_>, unit: &str) -> GateRow<'a> {
    let state = match c.verdict {
        Verdict::Inconclusive => GateState::Inconclusive,
        Verdict::WouldFail => GateState::WouldFail,
        _ if c.status.judged_nothing() => GateState::NotCompared,
        _ if !c.passed => GateState::Failed,
        _ if c.breached => GateState::Warned,
        _ => GateState::Passed,
    };
    GateRow {
        state,
        short: Namer::short(&c.metric),
        gate: namer.series(&c.metric, &c.labels),
        regression: true,
        actual: match c.status {
            ComparisonStatus::Added => {
                "not compared (no baseline series with these labels)".to_string()
            }
            ComparisonStatus::Removed => "not compared (gone from this export)".to_string(),
            ComparisonStatus::Insufficient | ComparisonStatus::NotComputable => format!(
                "not compared ({})",
                message(c.reason.as_deref().unwrap_or("no limits"))
            ),
            ComparisonStatus::Disappeared | ComparisonStatus::Absent => "missing".to_string(),
            ComparisonStatus::Compared => match (c.verdict, &c.reason) {
                (Verdict::Inconclusive, Some(why)) => {
                    format!("{}; {}", number(c.actual, unit), message(why))
                }
                _ => number(c.actual, unit),
            },
        } + &replayed_text(c),
        limit: limits(c.lower_limit, c.upper_limit, unit),
        delta: change(c, unit),
        at: &c.at,
        comparison: Some(c),
    }
}

/// A shadow rule's replay over its history, after its value: "; would have failed k of the
/// last N runs on main"; empty for any other row.
fn replayed_text(c: &Comparison) -> String {
    match c.replayed {
        Some(r) => format!(
            "; would have failed {} of the last {} run{} on main",
            r.would_fail,
            r.runs,
            if r.runs == 1 { "" } else { "s" }
        ),
        None => String::new(),
    }
}

/// `name` in at most `max` characters: kept whole when it fits, else its start and its end
/// (where the labels that tell series apart are) around an ellipsis.
pub fn shorten(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max || max < 3 {
        return name.to_string();
    }
    let tail = (max - 1) / 3;
    let head = max - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// Writes `rows` as one table: a mark, the gate (labels only where two rows of this table
/// share a name; shortened to [`NAME_CHARS`], the full names listed after the table), actual,
/// limit, Δ (which says what it is) and, when `place` is given, where the gate is configured.
/// At most [`TABLE_ROWS`] rows; the rest are counted.
pub fn write_table(rows: &[&GateRow<'_>], place: Option<Place<'_>>, out: &mut String) {
    if place.is_some() {
        out.push_str("| | gate | actual | limit | Δ | where |\n|:-:|---|--:|--:|--:|---|\n");
    } else {
        out.push_str("| | gate | actual | limit | Δ |\n|:-:|---|--:|--:|--:|\n");
    }
    // The full names shortened, each numbered once, in the order they first appear.
    let mut shortened: Vec<&str> = Vec::new();
    for r in rows.iter().take(TABLE_ROWS) {
        let shared_name = rows
            .iter()
            .filter(|o| o.short == r.short && o.regression == r.regression)
            .count()
            > 1;
        let full = if shared_name { &r.gate } else { &r.short };
        let short = shorten(full, NAME_CHARS);
        let name = if short == *full {
            code(full)
        } else {
            let n = match shortened.iter().position(|f| *f == full.as_str()) {
                Some(at) => at + 1,
                None => {
                    shortened.push(full);
                    shortened.len()
                }
            };
            // The number tells apart names that shorten alike; the full names are below.
            format!("{} ({n})", code(&short))
        };
        let _ = write!(
            out,
            "| {} | {name} | {} | {} | {} |",
            r.state.mark(),
            r.actual,
            r.limit,
            r.delta
        );
        if let Some(place) = place {
            let _ = write!(out, " {} |", place(r.at).unwrap_or_default());
        }
        out.push('\n');
    }
    if rows.len() > TABLE_ROWS {
        let _ = writeln!(
            out,
            "\n{} more gate results are in `runtime_metrics.json` under `gates`.",
            rows.len() - TABLE_ROWS
        );
    }
    write_full_names(&shortened, out);
    out.push('\n');
}

/// The names a table shortened, in full and numbered as in the table, folded away.
fn write_full_names(shortened: &[&str], out: &mut String) {
    if shortened.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n<details><summary>Full names of {} shortened {}</summary>\n",
        shortened.len(),
        if shortened.len() == 1 {
            "gate"
        } else {
            "gates"
        }
    );
    for (n, full) in shortened.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", n + 1, code(full));
    }
    let _ = writeln!(out, "\n</details>");
}

/// Writes the Gates section of `runtime_metrics.md` (at `heading` depth) and nothing when
/// there is no gate: the counts, the table (failures first, where each gate is configured)
/// and the metrics gone since the baseline.
pub fn write_markdown(results: &GateResults, heading: &str, units: Units<'_>, out: &mut String) {
    if results.is_empty() {
        return;
    }
    let mut rows = rows(results, units);
    rows.sort_by_key(|r| r.state);
    let failed = rows.iter().filter(|r| r.state == GateState::Failed).count();
    let unjudged = rows
        .iter()
        .filter(|r| r.state == GateState::NotCompared)
        .count();
    let count = |state: GateState| rows.iter().filter(|r| r.state == state).count();
    let mut unjudged = if unjudged > 0 {
        format!(", {unjudged} not evaluated")
    } else {
        String::new()
    };
    for (state, what) in [
        (GateState::Inconclusive, "inconclusive"),
        (GateState::WouldFail, "would fail (shadow)"),
    ] {
        let n = count(state);
        if n > 0 {
            unjudged.push_str(&format!(", {n} {what}"));
        }
    }
    let _ = writeln!(out, "\n{heading} Gates\n");
    let baseline = match (&results.baseline.path, results.baseline.status) {
        (Some(path), BaselineStatus::Compared) => format!(
            "baseline {} compared ({} series)",
            code(path),
            results.baseline.series
        ),
        (Some(path), status) => format!(
            "baseline {}: {}, nothing compared",
            code(path),
            status.as_str()
        ),
        (None, _) => "no baseline given".to_string(),
    };
    let baseline = match &results.baseline.merge_base {
        Some(cut) => format!("{baseline} ({})", escape(cut)),
        None => baseline,
    };
    let _ = writeln!(
        out,
        "{} objective results, {} comparisons, {failed} failed{unjudged}; {baseline}.\n",
        results.objectives.len(),
        results.regressions.len()
    );
    if !rows.is_empty() {
        let refs: Vec<&GateRow<'_>> = rows.iter().collect();
        let place = |at: &Origin| Some(escape(&at.to_string()));
        write_table(&refs, Some(&place), out);
    }
    write_change_points(results, out);
    write_removed(results, out);
}

/// At most this many change points are listed; the rest are counted.
pub const CHANGE_POINT_LINES: usize = 5;

/// Lists the recent change points of the gated series (within the policy's `last_runs`), newest
/// first, one line each: `` - `lag_seconds`: step change at `abc1234`: +12.3%, p = 0.001 ``; a
/// series judged by two rules is listed once. Nothing when there is none.
pub fn write_change_points(results: &GateResults, out: &mut String) {
    let namer = Namer::new(results);
    let mut lines: Vec<(usize, String)> = Vec::new();
    for c in &results.regressions {
        let series = namer.series(&c.metric, &c.labels);
        for point in c.change_points.iter().filter(|p| p.recent) {
            let line = format!(
                "- {}: {}",
                code(&shorten(&series, NAME_CHARS)),
                super::change_points::describe(point, code)
            );
            let age = c.samples - point.index;
            if !lines.iter().any(|(_, l)| *l == line) {
                lines.push((age, line));
            }
        }
    }
    if lines.is_empty() {
        return;
    }
    lines.sort_by_key(|(age, _)| *age);
    let _ = writeln!(out, "\nStep changes in the recent runs:\n");
    for (_, line) in lines.iter().take(CHANGE_POINT_LINES) {
        let _ = writeln!(out, "{line}");
    }
    if lines.len() > CHANGE_POINT_LINES {
        let _ = writeln!(
            out,
            "- and {} more (`change_points` in runtime_metrics.json)",
            lines.len() - CHANGE_POINT_LINES
        );
    }
    // A line right after the list would continue its last item.
    out.push('\n');
}

fn write_removed(results: &GateResults, out: &mut String) {
    if results.baseline.removed_metrics.is_empty() {
        return;
    }
    let names: Vec<String> = results
        .baseline
        .removed_metrics
        .iter()
        .take(20)
        .map(|n| code(n))
        .collect();
    let more = results.baseline.removed_metrics.len().saturating_sub(20);
    let _ = writeln!(
        out,
        "Gone since the baseline: {}{}.",
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
}
