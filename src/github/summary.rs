//! The step summary and the PR comment, shaped for a reviewer who reads them in two seconds:
//! the verdict and counts in the heading, the dpone run's own outcome, only the failures in
//! view (gates with actual, limit and where; other blockers grouped by code), one line of
//! warnings with the head commit and the baseline's provenance, then everything else folded
//! into `<details>`. Text from reports goes through the neutraliser (`markdown::neutral`),
//! piece by piece (code spans stay code), cells stay short, and the whole stays under
//! GitHub's 1 MiB per-step limit however large the export (tables are cut with a note).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use super::runner::RunnerContext;

use crate::observability::artifacts::{WrittenArtifact, HISTORY_PAGE, INDEX_FILE_NAME};
use crate::observability::blockers::{roots, Blocker, Code, Root};
use crate::observability::gates::markdown::{
    rows as gate_rows, write_change_points, write_table, GateRow, GateState,
};
use crate::observability::gates::{
    is_gate_series, BaselineStatus, ComparisonStatus, GateResults, Origin,
};
use crate::observability::history_page::sparkline;
use crate::observability::markdown::{
    chart_text, code, destination, escape, group_thousands, html, human, message_within,
};
use crate::observability::metrics::Point;
use crate::observability::number::{percent, value};
use crate::observability::points::Points;
use crate::observability::policy::FailOn;
use crate::observability::report::ExportReport;
use crate::observability::sources::run_report::RunOutcome;
use crate::observability::text::plural;
use crate::observability::verdict::Assessment;

/// GitHub drops a step summary above 1 MiB; this leaves room for the notes.
pub const SUMMARY_BUDGET: usize = 900 * 1024;
/// GitHub's per-step limit; past it the whole summary is dropped.
pub const SUMMARY_LIMIT: usize = 1024 * 1024 - 1024;
/// At most this many rows in a table; the rest are counted (the gate tables' limit).
pub use crate::observability::gates::markdown::TABLE_ROWS;
/// A message in a table cell or line: about this many visible characters.
pub const CELL_CHARS: usize = 200;

/// What the summary needs besides the export.
pub struct SummaryContext<'a> {
    /// Paths are shown relative to the workspace; links point into the repository.
    pub workspace: &'a RunnerContext,
    pub fail_on: FailOn,
    pub run_url: Option<String>,
    /// The run folder as the uploaded artifact shows it (relative to the workspace).
    pub output_dir: &'a str,
    /// The heading's name (the check name).
    pub title: &'a str,
    /// The commit the run is for (the PR head on pull requests).
    pub head_sha: Option<&'a str>,
    /// The uploaded artifact's page (`actions/upload-artifact`'s `artifact-url` output).
    pub artifact_url: Option<&'a str>,
    /// Where the numbers and the verdict come from, when they come from different runs
    /// (publish mode: reported by the pull request's run, judged by the base branch's policy);
    /// plain text, shown under the heading.
    pub provenance: Option<&'a str>,
}

impl SummaryContext<'_> {
    fn assessment(&self, report: &ExportReport) -> Assessment {
        Assessment::of(&report.blockers, &report.gates, self.fail_on)
    }

    /// A link to a configuration file's line at the head commit, or its name and line.
    fn place(&self, at: &Origin) -> Option<String> {
        let line = (at.line > 0).then_some(at.line);
        let file = at.file.as_deref()?;
        let name = file
            .file_name()
            .map_or_else(|| file_label(file), |n| n.to_string_lossy().into_owned());
        let shown = format!(
            "{}{}",
            crate::observability::text::clip(&name, 40),
            line.map(|l| format!(" L{l}")).unwrap_or_default()
        );
        let url = self
            .workspace
            .workspace_file(file)
            .zip(self.head_sha.filter(|s| is_sha(s)))
            .and_then(|(rel, sha)| self.workspace.blob_url(&rel, line, sha));
        Some(match url {
            Some(url) => format!("[{}]({})", escape(&shown), destination(&url)),
            None => escape(&shown),
        })
    }
}

/// The full step summary.
pub fn render(
    report: &ExportReport,
    points: &Points,
    written: &[&WrittenArtifact],
    ctx: &SummaryContext<'_>,
) -> String {
    render_within(report, points, written, ctx, SUMMARY_BUDGET, SUMMARY_LIMIT)
}

/// [`render`] for a smaller place (a check run's summary): the metrics table fills at most
/// `budget` bytes and the whole stays under `limit`.
pub fn render_within(
    report: &ExportReport,
    points: &Points,
    written: &[&WrittenArtifact],
    ctx: &SummaryContext<'_>,
    budget: usize,
    limit: usize,
) -> String {
    let mut out = String::new();
    let rows = write_head(report, ctx, true, &mut out);
    write_other_gates(&rows, &mut out);
    write_all_blockers(report, ctx, &mut out);
    // The tail (inputs, artifacts) is rendered first so the metrics table knows its budget.
    let tail = tail(report, written, ctx);
    write_metrics(
        points,
        budget.saturating_sub(out.len() + tail.len()),
        &mut out,
    );
    out.push_str(&tail);
    cut_to(&mut out, limit);
    out
}

/// The PR comment: the verdict, the failures, the warnings line with the commits, and a link
/// to the full summary. `marker` (hidden HTML comments) goes first.
pub fn render_comment(report: &ExportReport, ctx: &SummaryContext<'_>, marker: &str) -> String {
    let mut out = String::from(marker);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    write_head(report, ctx, false, &mut out);
    match &ctx.run_url {
        Some(url) => {
            let _ = writeln!(
                out,
                "\n[Full summary, metrics and artifacts]({url}) in the workflow run."
            );
        }
        None => {
            let _ = writeln!(
                out,
                "\nFull summary, metrics and artifacts: {} in the workflow run.",
                code(ctx.output_dir)
            );
        }
    }
    cut_to(&mut out, 60_000);
    out
}

/// The comment a passing run leaves where a failure was (`comment-mode: failures`).
pub fn render_now_passing(ctx: &SummaryContext<'_>, marker: &str) -> String {
    let mut out = String::from(marker);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let _ = write!(out, "### ✅ {} — now passing", escape(ctx.title));
    if let Some(sha) = ctx.head_sha.filter(|s| is_sha(s)) {
        let _ = write!(out, " at {}", commit_link(ctx, sha));
    }
    out.push('\n');
    out
}

fn cut_to(out: &mut String, limit: usize) {
    if out.len() <= limit {
        return;
    }
    // Only reachable with hundreds of very long paths: cut at a line and say so.
    let mut cut = limit.saturating_sub(256);
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = out[..cut].rfind('\n').unwrap_or(0);
    out.truncate(cut);
    out.push_str("\n\n*The summary was cut at GitHub's size limit; the full export is in the uploaded artifact.*\n");
}

/// What the summary and the comment share: the heading, the run's outcome, the failures and
/// the warnings line.
/// Returns the gate rows, built once for the failures here and the folded rest.
fn write_head<'a>(
    report: &'a ExportReport,
    ctx: &SummaryContext<'_>,
    charts: bool,
    out: &mut String,
) -> Vec<GateRow<'a>> {
    let assessment = ctx.assessment(report);
    let _ = writeln!(
        out,
        "### {} {} — {}\n",
        assessment.verdict.emoji(),
        escape(ctx.title),
        assessment.text()
    );
    if let Some(text) = ctx.provenance {
        let _ = writeln!(out, "> {}\n", escape(text));
    }
    if let Some(run) = &report.run {
        // The other run reports count too: a line about one run never hides a failed other.
        let failed_runs = report
            .blockers
            .iter()
            .filter(|b| b.code == Code::RunReportRunFailed)
            .count();
        let others = failed_runs.saturating_sub(usize::from(run.passed == Some(false)));
        let also = match others {
            0 => String::new(),
            1 => " **1 other run report failed**.".to_string(),
            n => format!(" **{n} other run reports failed**."),
        };
        let _ = writeln!(out, "{}{also}\n", run_line(run));
    }
    let rows = gate_rows(&report.gates, &crate::observability::catalog::unit_of);
    write_failed_gates(&rows, ctx, charts, out);
    if charts {
        write_change_points(&report.gates, out);
    }
    write_failing_blockers(report, ctx, charts, out);
    let line = warnings_line(report, ctx);
    if !line.is_empty() {
        let _ = writeln!(out, "{line}");
    }
    rows
}

/// `**dpone run `X`** (`orders`) **failed**: `CODE` — first error.
fn run_line(run: &RunOutcome) -> String {
    let mut line = format!(
        "**dpone run {}**",
        code(run.run_id.as_deref().unwrap_or("(no run id)"))
    );
    if let Some(name) = run.name() {
        let _ = write!(line, " ({})", code(name));
    }
    let status = run
        .status
        .as_deref()
        .map(|s| format!(" (status {})", code(s)))
        .unwrap_or_default();
    match run.passed {
        Some(false) => {
            let _ = write!(line, " **failed**{status}");
            if let Some(error_code) = &run.error_code {
                let _ = write!(line, ": {}", code(error_code));
            }
            if let Some(error) = &run.first_error {
                let sep = if run.error_code.is_some() {
                    " — "
                } else {
                    ": "
                };
                let _ = write!(line, "{sep}{}", message_within(error, CELL_CHARS));
            }
        }
        Some(true) => {
            let _ = write!(line, " passed{status}.");
        }
        None => {
            let _ = write!(line, " did not say whether it passed{status}.");
        }
    }
    line
}

/// A failing regression's history as the chart draws it.
struct Chart {
    title: String,
    values: Vec<f64>,
    labels: Vec<String>,
    lower: Option<f64>,
    upper: Option<f64>,
    test: &'static str,
    /// This run's change against the baseline, in percent.
    change: Option<f64>,
}

/// The chart of a comparison with a value and a history (non-finite values included: the
/// chart then says why it is left out); none for a comparison that judged nothing (too few
/// samples, not computable): its few bars would say nothing the table does not.
fn chart_data(c: &crate::observability::gates::Comparison) -> Option<Chart> {
    let actual = c.actual?;
    if c.history.is_empty() || c.status.judged_nothing() {
        return None;
    }
    let mut values = c.history.clone();
    values.push(actual);
    let mut labels: Vec<String> = (1..=c.history.len()).map(|i| i.to_string()).collect();
    labels.push("now".to_string());
    Some(Chart {
        title: c
            .metric
            .strip_prefix("dpone_")
            .unwrap_or(&c.metric)
            .to_string(),
        values,
        labels,
        lower: c.lower_limit.filter(|v| v.is_finite()),
        upper: c.upper_limit.filter(|v| v.is_finite()),
        test: c.test,
        change: c.change_percent(),
    })
}

/// The failed gates, in view: in the summary with where each is configured and the history
/// charts; in the PR comment without them, in five columns that fit its 712 px.
fn write_failed_gates(
    rows: &[GateRow<'_>],
    ctx: &SummaryContext<'_>,
    charts: bool,
    out: &mut String,
) {
    let failed: Vec<&GateRow<'_>> = rows.iter().filter(|r| r.state.is_finding()).collect();
    if !failed.is_empty() {
        let place = |at: &Origin| ctx.place(at);
        let places = charts && failed.iter().any(|r| r.at.file.is_some());
        write_table(&failed, places.then_some(&place as _), out);
    }
    if charts {
        let page = format!(
            "{}/{}",
            ctx.output_dir.trim_end_matches('/'),
            HISTORY_PAGE.file_name
        );
        write_sparklines(&failed, Some(&page), out);
        let charted = failed
            .iter()
            .filter_map(|r| r.comparison.and_then(chart_data));
        for chart in charted.take(CHARTS) {
            write_chart(&chart, out);
        }
    }
}

/// At most this many sparklines in a summary, of at most this many runs each.
const SPARKLINES: usize = 5;
const SPARKLINE_RUNS: usize = 24;

/// A tiny Unicode chart per failing regression with a history: its samples, then this run.
fn write_sparklines(failed: &[&GateRow<'_>], page: Option<&str>, out: &mut String) {
    let lines: Vec<String> = failed
        .iter()
        .filter_map(|r| {
            let c = r.comparison?;
            let mut values = c.history.clone();
            values.push(c.actual?);
            let start = values.len().saturating_sub(SPARKLINE_RUNS);
            (values.len() >= 2).then(|| {
                format!(
                    "- {} {} ({})",
                    code(&r.gate),
                    code(&sparkline(&values[start..])),
                    plural(values.len() - start, "run")
                )
            })
        })
        .take(SPARKLINES)
        .collect();
    if lines.is_empty() {
        return;
    }
    let every = page
        .map(|page| format!(" (every series: {} in the artifact)", code(page)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\nTrend of the failing series, oldest first, this run last{every}:\n\n{}\n",
        lines.join("\n")
    );
}

/// At most this many history charts in a summary.
const CHARTS: usize = 3;

/// The chart's height in pixels (Mermaid's default, 500, draws a chart taller than the
/// table it explains).
const CHART_HEIGHT: u32 = 280;

/// A number as Mermaid's `xychart` reads it (`[+-]?(\d+(\.\d+)?|\.\d+)`): four
/// significant digits as a plain decimal, never an exponent (`1.5e15` would end the chart);
/// `None` for NaN and the infinities, which it cannot draw.
fn chart_number(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some("0".to_string());
    }
    // `-1.235e17`: the rounding is the formatter's, the decimal point placed here.
    let scientific = format!("{v:.3e}");
    let (mantissa, exponent) = scientific.split_once('e')?;
    let exponent: i64 = exponent.parse().ok()?;
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let whole = exponent + 1;
    let len = i64::try_from(digits.len()).ok()?;
    let text = if whole <= 0 {
        let zeros = usize::try_from(-whole).ok()?;
        format!("0.{}{digits}", "0".repeat(zeros))
    } else if whole >= len {
        let zeros = usize::try_from(whole - len).ok()?;
        format!("{digits}{}", "0".repeat(zeros))
    } else {
        let at = usize::try_from(whole).ok()?;
        format!("{}.{}", &digits[..at], &digits[at..])
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    Some(format!("{sign}{text}"))
}

/// The chart's numbers, as Mermaid reads them: the bars, the axis and each limit's line; or
/// why it cannot be drawn.
struct ChartNumbers {
    values: Vec<String>,
    low: String,
    high: String,
    limits: Vec<String>,
}

fn chart_numbers(chart: &Chart, limits: &[f64]) -> Result<ChartNumbers, &'static str> {
    if chart.values.iter().any(|v| !v.is_finite()) {
        return Err("its history or this run holds a value that is not a number (NaN or ±∞)");
    }
    // The axis starts at 0 (a bar's height is its value) or below the lowest negative value,
    // and ends a little above the highest (each side scaled before subtracting, so values
    // near the float range do not overflow).
    let all = chart.values.iter().chain(limits.iter());
    let (low, high) = all.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let margin = high * 0.1 - low * 0.1;
    let bottom = if low < 0.0 { low - margin } else { 0.0 };
    let top = if high > 0.0 { high + margin } else { 0.0 };
    let too_large = "its values are too large to draw";
    let number = |v: f64| chart_number(v).ok_or(too_large);
    Ok(ChartNumbers {
        values: chart
            .values
            .iter()
            .map(|v| number(*v))
            .collect::<Result<_, _>>()?,
        low: number(bottom)?,
        high: number(top)?,
        limits: limits
            .iter()
            .map(|v| number(*v))
            .collect::<Result<_, _>>()?,
    })
}

/// A failing regression's history and this run as bars, its limit(s) as lines, with numbered
/// labels and a legend. The y axis starts at 0 (a bar's height is its value), unless a value
/// is negative, which the legend then says; the legend also gives this run's change against
/// the baseline. Nothing is drawn when every value and limit is 0 (a flat line at 0 says
/// nothing the table does not); a chart Mermaid could not draw (a NaN or an infinite value,
/// values beyond the float range) is left out with a line saying why.
fn write_chart(chart: &Chart, out: &mut String) {
    let limits: Vec<f64> = chart
        .lower
        .iter()
        .chain(chart.upper.iter())
        .copied()
        .collect();
    if chart.values.iter().chain(limits.iter()).all(|v| *v == 0.0) {
        return;
    }
    let numbers = match chart_numbers(chart, &limits) {
        Ok(numbers) => numbers,
        Err(why) => {
            let _ = writeln!(out, "*{}: no chart, as {why}.*\n", code(&chart.title));
            return;
        }
    };
    let labels: Vec<String> = chart.labels.iter().map(|l| format!("\"{l}\"")).collect();
    let _ = writeln!(
        out,
        "```mermaid\n---\nconfig:\n  xyChart:\n    height: {CHART_HEIGHT}\n---\nxychart-beta\n    title \"{}: history and this run\"\n    x-axis [{}]\n    y-axis {} --> {}\n    bar [{}]",
        chart_text(&chart.title),
        labels.join(", "),
        numbers.low,
        numbers.high,
        numbers.values.join(", ")
    );
    for limit in &numbers.limits {
        let line = vec![limit.as_str(); chart.values.len()];
        let _ = writeln!(out, "    line [{}]", line.join(", "));
    }
    let _ = writeln!(out, "```\n");
    let sides = match (chart.lower, chart.upper) {
        (Some(l), Some(u)) => format!("the limits {} and {}", human(l), human(u)),
        (Some(l), None) => format!("the lower limit {}", human(l)),
        (None, Some(u)) => format!("the upper limit {}", human(u)),
        (None, None) => "no limit".to_string(),
    };
    let n = chart.values.len() - 1;
    let change = chart
        .change
        .map(|pct| format!(" `now` is {} vs the baseline.", percent(pct)))
        .unwrap_or_default();
    let axis = if chart.values.iter().chain(limits.iter()).any(|v| *v < 0.0) {
        " The axis does not start at 0: a value is negative."
    } else {
        ""
    };
    let line = if chart.test == "change_point" {
        "`change_point` draws no line: it judges the step between two levels, and the baseline \
         is the level before"
            .to_string()
    } else {
        format!("the line is {sides} ({})", chart.test)
    };
    let _ = writeln!(
        out,
        "*{}: bars 1–{n} are the samples, oldest first, and `now` is this run; {line}.{change}{axis}*\n",
        code(&chart.title),
    );
}

/// Passing and not-compared gates, folded away.
fn write_other_gates(rows: &[GateRow<'_>], out: &mut String) {
    let mut others: Vec<&GateRow<'_>> = rows.iter().filter(|r| !r.state.is_finding()).collect();
    if others.is_empty() {
        return;
    }
    others.sort_by_key(|r| r.state);
    let passed = others
        .iter()
        .filter(|r| r.state == GateState::Passed)
        .count();
    let unjudged = others.len() - passed;
    let mut title = Vec::new();
    if passed > 0 {
        title.push(format!("{passed} passing"));
    }
    if unjudged > 0 {
        title.push(format!("{unjudged} not evaluated"));
    }
    let _ = writeln!(
        out,
        "\n<details><summary>{} {}</summary>\n",
        title.join(", "),
        if others.len() == 1 { "gate" } else { "gates" }
    );
    write_table(&others, None, out);
    let _ = writeln!(out, "</details>");
}

/// Blockers of one code, in report order.
struct Group<'a> {
    id: String,
    code: Code,
    blockers: Vec<&'a Blocker>,
    /// Blockers these caused (shown under them, not counted apart).
    caused: usize,
    fails: bool,
}

impl Group<'_> {
    /// ` (+2 caused by it)`.
    fn caused_text(&self) -> String {
        match self.caused {
            0 => String::new(),
            n => format!(
                " (+{n} caused by {})",
                if self.blockers.len() > 1 {
                    "them"
                } else {
                    "it"
                }
            ),
        }
    }
}

/// Root causes grouped by their shown code (what each caused is counted with it), failing
/// groups first, then by severity, then in order of first appearance.
fn groups<'a>(
    report: &'a ExportReport,
    keep: impl Fn(&Root<'_>) -> bool,
    fail_on: FailOn,
) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for root in roots(&report.blockers).into_iter().filter(|r| keep(r)) {
        let b = root.blocker;
        let id = b.id().to_string();
        let fails = fail_on.fails_on(root.severity);
        match groups.iter_mut().find(|g| g.id == id && g.fails == fails) {
            Some(g) => {
                g.blockers.push(b);
                g.caused += root.caused;
            }
            None => groups.push(Group {
                id,
                code: b.code,
                blockers: vec![b],
                caused: root.caused,
                fails,
            }),
        }
    }
    groups.sort_by_key(|g| (!g.fails, g.blockers[0].severity()));
    groups
}

fn times(n: usize) -> String {
    if n > 1 {
        format!(" ×{n}")
    } else {
        String::new()
    }
}

/// Failing blockers other than the gates' (which the gate table shows), grouped by code.
fn write_failing_blockers(
    report: &ExportReport,
    ctx: &SummaryContext<'_>,
    wide: bool,
    out: &mut String,
) {
    let failing = |r: &Root<'_>| ctx.fail_on.fails_on(r.severity) && !r.blocker.code.is_gate();
    let groups = groups(report, failing, ctx.fail_on);
    if groups.is_empty() {
        return;
    }
    // The PR comment's column is 712 px: a table cannot wrap a long code span (a path in a
    // message), a list item can, so the comment lists the blockers.
    if wide {
        let _ = writeln!(out, "| | blocker | message |\n|:-:|---|---|");
    }
    for g in groups.iter().take(TABLE_ROWS) {
        let first = g.blockers[0];
        let more = if g.blockers.len() > 1 {
            format!(" (and {} more)", g.blockers.len() - 1)
        } else {
            String::new()
        };
        let blocker = format!(
            "[{}]({}){}{}",
            code(&g.id),
            destination(&report.runbook_url(g.code)),
            times(g.blockers.len()),
            g.caused_text(),
        );
        let message = message_within(&first.message, CELL_CHARS);
        if wide {
            let _ = writeln!(out, "| ❌ | {blocker} | {message}{more} |");
        } else {
            let _ = writeln!(out, "- ❌ {blocker}: {message}{more}");
        }
    }
    out.push('\n');
}

/// One line: the blockers that do not fail the step, the head commit and the baseline.
fn warnings_line(report: &ExportReport, ctx: &SummaryContext<'_>) -> String {
    let mut parts = Vec::new();
    let warnings = groups(report, |r| !ctx.fail_on.fails_on(r.severity), ctx.fail_on);
    if !warnings.is_empty() {
        let n: usize = warnings.iter().map(|g| g.blockers.len()).sum();
        let listed: Vec<String> = warnings
            .iter()
            .take(8)
            .map(|g| {
                format!(
                    "[{}]({}){}{}",
                    code(&g.id),
                    destination(&report.runbook_url(g.code)),
                    times(g.blockers.len()),
                    g.caused_text()
                )
            })
            .collect();
        let more = warnings.len().saturating_sub(8);
        parts.push(format!(
            "⚠️ {}: {}{}",
            plural(n, "warning"),
            listed.join(", "),
            if more > 0 {
                format!(" and {more} more codes")
            } else {
                String::new()
            }
        ));
    }
    if let Some(sha) = ctx.head_sha.filter(|s| is_sha(s)) {
        parts.push(format!("commit {}", commit_link(ctx, sha)));
    }
    if let Some(baseline) = baseline_text(&report.gates, ctx) {
        parts.push(baseline);
    }
    parts.join(" · ")
}

/// Where the baseline came from: its branch and commit when it recorded them; for a history,
/// how many samples and the span of commits.
fn baseline_text(gates: &GateResults, ctx: &SummaryContext<'_>) -> Option<String> {
    let b = &gates.baseline;
    let path = b.path.as_deref()?;
    let shown = code(&file_label(Path::new(path)));
    let rules = if b.default_rules {
        ", default rules"
    } else {
        ""
    };
    let compared = gates
        .regressions
        .iter()
        .filter(|c| c.status == ComparisonStatus::Compared)
        .count();
    let text = match b.status {
        BaselineStatus::Compared if b.samples.len() > 1 => {
            let ends = |s: &crate::observability::gates::SampleSummary| match &s.revision {
                Some(rev) if is_sha(rev) => commit_link(ctx, rev),
                _ => match &s.run_id {
                    Some(run) => format!("run {}", escape(run)),
                    None => code(&file_label(Path::new(&s.source))),
                },
            };
            let first = b.samples.first().map(ends).unwrap_or_default();
            let last = b.samples.last().map(ends).unwrap_or_default();
            let branch = b
                .ref_name
                .as_deref()
                .map(|r| format!(" of {}", code(r)))
                .unwrap_or_default();
            format!(
                "vs a history of {} samples{branch} ({first} … {last}{rules}): {}",
                b.samples.len(),
                if compared == 0 {
                    "nothing compared".to_string()
                } else {
                    format!("{compared} compared")
                }
            )
        }
        BaselineStatus::Compared => {
            let from = match (&b.ref_name, &b.revision) {
                (Some(r), Some(rev)) if is_sha(rev) => {
                    format!("{}@{}", code(r), commit_link(ctx, rev))
                }
                (None, Some(rev)) if is_sha(rev) => commit_link(ctx, rev),
                (Some(r), _) => code(r),
                _ => format!("{shown} (commit not recorded)"),
            };
            if compared == 0 {
                format!(
                    "baseline from {from} read ({} series{rules}): nothing compared",
                    b.series
                )
            } else {
                format!("vs baseline from {from} ({} series{rules})", b.series)
            }
        }
        BaselineStatus::Missing => {
            format!("no baseline yet ({shown} not found): nothing compared")
        }
        BaselineStatus::Invalid => format!("baseline {shown} unreadable: nothing compared"),
        BaselineStatus::NotGiven => return None,
    };
    Some(match &b.merge_base {
        Some(cut) => format!("{text} ({})", escape(cut)),
        None => text,
    })
}

fn commit_link(ctx: &SummaryContext<'_>, sha: &str) -> String {
    let short = &sha[..sha.len().min(7)];
    match ctx.workspace.commit_url(sha) {
        Some(url) => format!("[`{short}`]({url})"),
        None => format!("`{short}`"),
    }
}

/// A git object name: only then is it put in a link.
fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A file as a cell shows it: its name, or its workspace path when short.
fn file_label(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().count() <= 60 {
        return text;
    }
    path.file_name()
        .map(|n| format!("…/{}", n.to_string_lossy()))
        .unwrap_or(text)
}

/// Every root cause, grouped by code, folded away; each group with its files and, under it,
/// what it caused.
fn write_all_blockers(report: &ExportReport, ctx: &SummaryContext<'_>, out: &mut String) {
    if report.blockers.is_empty() {
        return;
    }
    let groups = groups(report, |_| true, ctx.fail_on);
    let _ = writeln!(
        out,
        "\n<details><summary>Blockers ({}) with runbooks</summary>\n",
        groups.iter().map(|g| g.blockers.len()).sum::<usize>()
    );
    for g in groups.iter().take(TABLE_ROWS) {
        let mark = if g.fails { "❌" } else { "⚠️" };
        let first = g.blockers[0];
        let _ = writeln!(
            out,
            "- {mark} {}{}{} ({}{}) — {} [runbook]({})",
            code(&g.id),
            times(g.blockers.len()),
            g.caused_text(),
            first.severity(),
            if g.fails { ", fails the step" } else { "" },
            message_within(g.code.summary(), CELL_CHARS),
            destination(&report.runbook_url(g.code))
        );
        for b in g.blockers.iter().take(TABLE_ROWS) {
            let file = b
                .subject
                .as_deref()
                .map(|s| format!("{}: ", code(&ctx.workspace.relative(Path::new(s)))))
                .unwrap_or_default();
            let _ = writeln!(out, "  - {file}{}", message_within(&b.message, CELL_CHARS));
            write_caused(report, b, out);
        }
        if g.blockers.len() > TABLE_ROWS {
            let _ = writeln!(
                out,
                "  - {} more in `runtime_metrics.json`",
                g.blockers.len() - TABLE_ROWS
            );
        }
    }
    let _ = writeln!(out, "\n</details>");
}

/// The blockers `root` caused, one line each under it.
fn write_caused(report: &ExportReport, root: &Blocker, out: &mut String) {
    let at = report.blockers.iter().position(|b| std::ptr::eq(b, root));
    for b in report
        .blockers
        .iter()
        .filter(|b| at.is_some() && b.caused_by == at)
    {
        let _ = writeln!(
            out,
            "    - caused by it: {} {}",
            code(&b.id().to_string()),
            message_within(&b.message, CELL_CHARS)
        );
    }
}

/// The metrics, folded away: labels every measured series shares on one line, gate series
/// counted apart; as many rows as fit in `budget` bytes.
fn write_metrics(points: &Points, budget: usize, out: &mut String) {
    // Walked, never collected: an export can hold millions of points.
    let measured = || points.iter().filter(|p| !is_gate_series(p.name));
    let gate = || points.iter().filter(|p| is_gate_series(p.name));
    let gate_count = gate().count();
    let measured_count = points.len() - gate_count;
    if measured_count == 0 && gate_count == 0 {
        return;
    }
    let common = if measured_count < 2 {
        Vec::new()
    } else {
        common_labels(measured())
    };
    let common_text = if common.is_empty() {
        String::new()
    } else {
        let shown: Vec<String> = common
            .iter()
            .map(|(k, v)| format!("<code>{}={}</code>", html(k), html(v)))
            .collect();
        format!(" · common labels {}", shown.join(" "))
    };
    let _ = writeln!(
        out,
        "\n<details><summary>Metrics ({}){common_text}</summary>\n",
        group_thousands(&measured_count.to_string())
    );
    if measured_count > 0 {
        write_metric_rows(measured(), measured_count, &common, budget, out);
    }
    if gate_count > 0 {
        let names: BTreeSet<&str> = gate().map(|p| p.name).collect();
        let listed: Vec<String> = names.iter().map(|n| code(n)).collect();
        let _ = writeln!(out, "\nGate series ({gate_count}): {}.", listed.join(", "));
    }
    let _ = writeln!(out, "\n</details>");
}

/// Labels with the same value on every measured series (points in a row share their set,
/// so each run of one set is looked at once).
fn common_labels<'a>(mut measured: impl Iterator<Item = Point<'a>>) -> Vec<(String, String)> {
    let Some(first) = measured.next() else {
        return Vec::new();
    };
    let mut common: Vec<(String, String)> = first
        .labels
        .iter()
        .map(|l| (l.key.to_string(), l.value.to_string()))
        .collect();
    let mut last = Some(std::sync::Arc::as_ptr(first.labels));
    for p in measured {
        if common.is_empty() {
            break;
        }
        let set = std::sync::Arc::as_ptr(p.labels);
        if last == Some(set) {
            continue;
        }
        last = Some(set);
        common.retain(|(k, v)| p.labels.iter().any(|m| m.key == *k && m.value == *v));
    }
    common
}

/// The metric table, one row a series without the common labels, within `budget` bytes.
fn write_metric_rows<'a>(
    measured: impl Iterator<Item = Point<'a>>,
    count: usize,
    common: &[(String, String)],
    budget: usize,
    out: &mut String,
) {
    let _ = writeln!(out, "| metric | value | unit | labels |\n|---|--:|---|---|");
    let start = out.len();
    let budget = budget.saturating_sub(1024);
    let mut shown = 0;
    for p in measured {
        let labels: Vec<String> = p
            .labels
            .iter()
            .filter(|l| !common.iter().any(|(k, v)| *k == *l.key && *v == *l.value))
            .map(|l| code(&format!("{}={}", l.key, l.value)))
            .collect();
        let row = format!(
            "| {} | {} | {} | {} |\n",
            code(p.name),
            value(p.value, p.unit()),
            escape(p.unit()),
            labels.join(" ")
        );
        if out.len() - start + row.len() > budget {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if shown < count {
        let _ = writeln!(
            out,
            "\n{} of {} metrics shown (the summary is size-limited); all of them are in `runtime_metrics.json` in the uploaded artifact.",
            group_thousands(&shown.to_string()),
            group_thousands(&count.to_string())
        );
    }
}

fn tail(report: &ExportReport, written: &[&WrittenArtifact], ctx: &SummaryContext<'_>) -> String {
    let mut out = String::new();
    if !report.inputs.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Inputs ({})</summary>\n",
            report.inputs.len()
        );
        let _ = writeln!(out, "| file | kind | metrics |\n|---|---|--:|");
        for input in report.inputs.iter().take(TABLE_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&ctx.workspace.relative(Path::new(&input.path))),
                code(input.kind.as_str()),
                input.metric_count
            );
        }
        if report.inputs.len() > TABLE_ROWS {
            let _ = writeln!(
                out,
                "\n{} more inputs are in `runtime_metrics.json`.",
                report.inputs.len() - TABLE_ROWS
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    let _ = writeln!(
        out,
        "\n<details><summary>Artifacts ({} files, sha256 in <code>{INDEX_FILE_NAME}</code>)</summary>\n",
        written.len() + 1
    );
    let folder = code(ctx.output_dir);
    match (ctx.artifact_url, &ctx.run_url) {
        (Some(url), _) => {
            let _ = writeln!(out, "{folder}: [download the uploaded artifact]({url}).\n");
        }
        (None, Some(url)) => {
            let _ = writeln!(
                out,
                "{folder}: upload it with `actions/upload-artifact`, then download it from the [workflow run]({url}).\n"
            );
        }
        (None, None) => {
            let _ = writeln!(out, "{folder}\n");
        }
    }
    if written
        .iter()
        .any(|a| a.spec.file_name == HISTORY_PAGE.file_name)
    {
        let page = format!(
            "{}/{}",
            ctx.output_dir.trim_end_matches('/'),
            HISTORY_PAGE.file_name
        );
        let _ = writeln!(
            out,
            "Trend page: {} in the artifact, every gated series over its last runs (open it \
             from the downloaded artifact; it makes no request).\n",
            code(&page)
        );
    }
    let _ = writeln!(out, "| file | bytes | sha256 |\n|---|--:|---|");
    for a in written {
        let _ = writeln!(
            out,
            "| {} | {} | `{}…` |",
            code(a.spec.file_name),
            group_thousands(&a.size_bytes.to_string()),
            &a.sha256[..a.sha256.len().min(16)]
        );
    }
    let _ = writeln!(
        out,
        "| {} | | the sizes and sha256 of every file above and of this summary |",
        code(INDEX_FILE_NAME)
    );
    let _ = writeln!(out, "\n</details>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mermaid's `NUMBER_WITH_DECIMAL` (`xychart.jison`): `[+-]?(?:\d+(?:\.\d+)?|\.\d+)`.
    fn mermaid_number(text: &str) -> bool {
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        match unsigned.split_once('.') {
            Some(("", frac)) => digits(frac),
            Some((int, frac)) => digits(int) && digits(frac),
            None => digits(unsigned),
        }
    }

    #[test]
    fn chart_numbers_are_plain_decimals_of_four_significant_digits() {
        for (v, want) in [
            (0.0, "0"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (12.3456, "12.35"),
            (123_456.0, "123500"),
            (-2.5, "-2.5"),
            (1e15, "1000000000000000"),
            (1.5e15, "1500000000000000"),
            (-9.87654e17, "-987700000000000000"),
            (1.5e-5, "0.000015"),
            (-2.5e-7, "-0.00000025"),
            (0.0001, "0.0001"),
        ] {
            assert_eq!(chart_number(v).as_deref(), Some(want), "{v:e}");
            assert!(mermaid_number(want), "{want}");
        }
        let huge = chart_number(1e300).unwrap();
        assert_eq!(huge, format!("1{}", "0".repeat(300)));
        let tiny = chart_number(f64::MIN_POSITIVE).unwrap();
        assert_eq!(tiny, format!("0.{}2225", "0".repeat(307)));
        assert!(mermaid_number(&huge) && mermaid_number(&tiny));
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(chart_number(v), None);
        }
        // The checker itself refuses what Mermaid refuses.
        for bad in ["1e15", "1.5e-5", "NaN", "inf", "1.", "", "-", "1,000"] {
            assert!(!mermaid_number(bad), "{bad}");
        }
    }

    fn chart(values: &[f64], upper: Option<f64>) -> String {
        let mut out = String::new();
        write_chart(
            &Chart {
                title: "rows".to_string(),
                values: values.to_vec(),
                labels: (1..values.len())
                    .map(|i| i.to_string())
                    .chain(["now".to_string()])
                    .collect(),
                lower: None,
                upper,
                test: "z-score",
                change: None,
            },
            &mut out,
        );
        out
    }

    /// Every number of the chart's `y-axis`, `bar` and `line` statements.
    fn chart_tokens(out: &str) -> Vec<String> {
        out.lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix("y-axis ")
                    .map(|r| r.replace("-->", ","))
                    .or_else(|| l.strip_prefix("bar ").map(str::to_string))
                    .or_else(|| l.strip_prefix("line ").map(str::to_string))
            })
            .flat_map(|r| {
                r.trim_matches(['[', ']'])
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn a_chart_holds_only_numbers_mermaid_reads_or_says_why_it_is_left_out() {
        for (values, upper) in [
            (vec![1e15, 2e15, 9.5e15], Some(3e15)),
            (vec![2e-5, 3e-5, 1e-4], Some(5e-5)),
            (vec![-1e-9, 1e18, 0.5], None),
            (vec![1e300, 1e301, 1e302], None),
        ] {
            let out = chart(&values, upper);
            assert!(
                out.contains("```mermaid\n---\nconfig:\n") && out.contains("\nxychart-beta\n"),
                "{out}"
            );
            let tokens = chart_tokens(&out);
            assert_eq!(
                tokens.len(),
                2 + values.len() * (1 + usize::from(upper.is_some())),
                "{out}"
            );
            for t in &tokens {
                assert!(mermaid_number(t), "`{t}` in {out}");
            }
        }
        for (values, why) in [
            (vec![1.0, f64::NAN, 2.0], "not a number (NaN or ±∞)"),
            (vec![1.0, 2.0, f64::INFINITY], "not a number (NaN or ±∞)"),
            (vec![f64::MAX, -f64::MAX, 0.0], "too large to draw"),
        ] {
            let out = chart(&values, None);
            assert!(!out.contains("mermaid"), "{out}");
            assert!(
                out.starts_with("*`rows`: no chart, as its ") && out.contains(why),
                "{out}"
            );
        }
    }

    #[test]
    fn a_failing_regression_with_a_history_gets_a_sparkline() {
        let mut c: crate::observability::gates::Comparison =
            serde_json::from_value(serde_json::json!({
                "actual": 19.0, "baseline": 10.0, "code": "regression.dpone_duration_seconds",
                "delta": 9.0, "direction": "lower", "labels": {"job": "a"},
                "metric": "dpone_duration_seconds", "passed": false, "ratio": 0.9, "reason": null,
                "rule": "policy.yml line 3", "severity": "error", "status": "compared",
                "tolerance": {}
            }))
            .unwrap();
        c.history = vec![10.0, 11.0, 12.0];
        let mut ok = c.clone();
        ok.passed = true;
        let gates = GateResults {
            baseline: Default::default(),
            objectives: Vec::new(),
            regressions: vec![c, ok],
        };
        let rows = gate_rows(&gates, &|_| "");
        let failed: Vec<&GateRow<'_>> = rows.iter().filter(|r| r.state.is_finding()).collect();
        assert_eq!(failed.len(), 1);
        let mut out = String::new();
        write_sparklines(&failed, None, &mut out);
        assert!(out.contains("Trend of the failing series"), "{out}");
        assert_eq!(out.matches("- `").count(), 1, "{out}");
        assert!(out.contains("`▁▂▃█` (4 runs)"), "{out}");
        let mut out = String::new();
        write_sparklines(&failed, Some("out/run/history.html"), &mut out);
        assert!(
            out.contains("this run last (every series: `out/run/history.html` in the artifact):"),
            "{out}"
        );
    }
}
