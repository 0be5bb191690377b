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

use crate::observability::artifacts::{WrittenArtifact, INDEX_FILE_NAME};
use crate::observability::blockers::{Blocker, Code};
use crate::observability::gates::markdown::{rows as gate_rows, write_table, GateRow, GateState};
use crate::observability::gates::{
    is_gate_series, BaselineStatus, ComparisonStatus, GateResults, Origin,
};
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
        let _ = writeln!(out, "{}\n", run_line(run));
    }
    let rows = gate_rows(&report.gates, &crate::observability::catalog::unit_of);
    write_failed_gates(&rows, ctx, charts, out);
    write_failing_blockers(report, ctx, out);
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

fn chart_data(c: &crate::observability::gates::Comparison) -> Option<Chart> {
    let actual = c.actual.filter(|a| a.is_finite())?;
    if c.history.is_empty() || c.history.iter().any(|v| !v.is_finite()) {
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
        let charted = failed
            .iter()
            .filter_map(|r| r.comparison.and_then(chart_data));
        for chart in charted.take(CHARTS) {
            write_chart(&chart, out);
        }
    }
}

/// At most this many history charts in a summary.
const CHARTS: usize = 3;

/// The chart's height in pixels (Mermaid's default, 500, draws a chart taller than the
/// table it explains).
const CHART_HEIGHT: u32 = 280;

/// A number in a Mermaid chart: four significant digits, plain decimals (Mermaid reads no
/// separators, no `e` and no `×10ⁿ`), never anything but a finite number.
fn chart_number(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    // Rounded through its decimal text, so no binary remainder (`0.30000000000000004`) shows.
    let rounded: f64 = format!("{v:.3e}").parse().unwrap_or(v);
    let text = format!("{rounded}");
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

/// A failing regression's history and this run as bars, its limit(s) as lines, with numbered
/// labels and a legend. The y axis starts at 0 (a bar's height is its value), unless a value
/// is negative, which the legend then says; the legend also gives this run's change against
/// the baseline. Nothing is drawn when every value and limit is 0 (a flat line at 0 says
/// nothing the table does not).
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
    let values: Vec<String> = chart.values.iter().map(|v| chart_number(*v)).collect();
    let labels: Vec<String> = chart.labels.iter().map(|l| format!("\"{l}\"")).collect();
    let all = chart.values.iter().chain(limits.iter());
    let (low, high) = all.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    // From 0 (or below the lowest negative value) to a little above the highest.
    let margin = (high - low) * 0.1;
    let bottom = if low < 0.0 { low - margin } else { 0.0 };
    let top = if high > 0.0 { high + margin } else { 0.0 };
    let _ = writeln!(
        out,
        "```mermaid\n---\nconfig:\n  xyChart:\n    height: {CHART_HEIGHT}\n---\nxychart-beta\n    title \"{}: history and this run\"\n    x-axis [{}]\n    y-axis {} --> {}\n    bar [{}]",
        chart_text(&chart.title),
        labels.join(", "),
        chart_number(bottom),
        chart_number(top),
        values.join(", ")
    );
    for limit in &limits {
        let line: Vec<String> = chart.values.iter().map(|_| chart_number(*limit)).collect();
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
    let axis = if low < 0.0 {
        " The axis does not start at 0: a value is negative."
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "*{}: bars 1–{n} are the samples, oldest first, and `now` is this run; the line is {sides} ({}).{change}{axis}*\n",
        code(&chart.title),
        chart.test
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
        title.push(format!("{unjudged} not compared"));
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
    fails: bool,
}

/// Blockers grouped by their shown code, failing groups first, then by severity, then in
/// order of first appearance.
fn groups<'a>(blockers: impl Iterator<Item = &'a Blocker>, fail_on: FailOn) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for b in blockers {
        let id = b.id().to_string();
        let fails = fail_on.fails_on(b.severity());
        match groups.iter_mut().find(|g| g.id == id && g.fails == fails) {
            Some(g) => g.blockers.push(b),
            None => groups.push(Group {
                id,
                code: b.code,
                blockers: vec![b],
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
fn write_failing_blockers(report: &ExportReport, ctx: &SummaryContext<'_>, out: &mut String) {
    let failing = report
        .blockers
        .iter()
        .filter(|b| ctx.fail_on.fails_on(b.severity()) && !b.code.is_gate());
    let groups = groups(failing, ctx.fail_on);
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "| | blocker | message |\n|:-:|---|---|");
    for g in groups.iter().take(TABLE_ROWS) {
        let first = g.blockers[0];
        let more = if g.blockers.len() > 1 {
            format!(" (and {} more)", g.blockers.len() - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| ❌ | [{}]({}){} | {}{more} |",
            code(&g.id),
            destination(&report.runbook_url(g.code)),
            times(g.blockers.len()),
            message_within(&first.message, CELL_CHARS),
        );
    }
    out.push('\n');
}

/// One line: the blockers that do not fail the step, the head commit and the baseline.
fn warnings_line(report: &ExportReport, ctx: &SummaryContext<'_>) -> String {
    let mut parts = Vec::new();
    let warnings = groups(
        report
            .blockers
            .iter()
            .filter(|b| !ctx.fail_on.fails_on(b.severity())),
        ctx.fail_on,
    );
    if !warnings.is_empty() {
        let n: usize = warnings.iter().map(|g| g.blockers.len()).sum();
        let listed: Vec<String> = warnings
            .iter()
            .take(8)
            .map(|g| {
                format!(
                    "[{}]({}){}",
                    code(&g.id),
                    destination(&report.runbook_url(g.code)),
                    times(g.blockers.len())
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
    Some(match b.status {
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

/// Every blocker, grouped by code, folded away; each group with its files.
fn write_all_blockers(report: &ExportReport, ctx: &SummaryContext<'_>, out: &mut String) {
    if report.blockers.is_empty() {
        return;
    }
    let groups = groups(report.blockers.iter(), ctx.fail_on);
    let _ = writeln!(
        out,
        "\n<details><summary>Blockers ({}) with runbooks</summary>\n",
        report.blockers.len()
    );
    for g in groups.iter().take(TABLE_ROWS) {
        let mark = if g.fails { "❌" } else { "⚠️" };
        let first = g.blockers[0];
        let _ = writeln!(
            out,
            "- {mark} {}{} ({}{}) — {} [runbook]({})",
            code(&g.id),
            times(g.blockers.len()),
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
