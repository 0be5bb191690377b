//! The step summary: the verdict first, then the blockers with their runbooks, the metrics, the
//! inputs and the artifacts. Text from reports is escaped for Markdown, and the whole stays
//! under GitHub's 1 MiB per-step limit however large the export (tables are cut with a note).

use std::fmt::Write as _;
use std::path::Path;

use super::runner::RunnerContext;

use crate::observability::artifacts::{WrittenArtifact, INDEX_FILE_NAME};
use crate::observability::blockers::Blocker;
use crate::observability::markdown::{code, escape};
use crate::observability::metrics::MetricPoint;
use crate::observability::policy::FailOn;
use crate::observability::report::{self, ExportReport};
use crate::observability::text;

/// GitHub drops a step summary above 1 MiB; this leaves room for the notes.
pub const SUMMARY_BUDGET: usize = 900 * 1024;
/// At most this many blocker and input rows; the rest are counted.
pub const TABLE_ROWS: usize = 200;

/// What the summary needs besides the export.
pub struct SummaryContext<'a> {
    /// Paths are shown relative to the workspace.
    pub workspace: &'a RunnerContext,
    pub fail_on: FailOn,
    pub run_url: Option<String>,
    /// The run folder as the uploaded artifact shows it (relative to the workspace).
    pub output_dir: &'a str,
}

pub fn render(
    report: &ExportReport,
    points: &[MetricPoint],
    written: &[&WrittenArtifact],
    ctx: &SummaryContext<'_>,
) -> String {
    render_within(report, points, written, ctx, SUMMARY_BUDGET, SUMMARY_LIMIT)
}

/// [`render`] for a smaller place (a check run's summary, a PR comment): the metrics table fills
/// at most `budget` bytes and the whole stays under `limit`.
pub fn render_within(
    report: &ExportReport,
    points: &[MetricPoint],
    written: &[&WrittenArtifact],
    ctx: &SummaryContext<'_>,
    budget: usize,
    limit: usize,
) -> String {
    let mut out = String::new();
    write_verdict(report, ctx, &mut out);
    write_blockers(report, ctx, &mut out);
    crate::observability::gates::write_markdown(&report.gates, "###", TABLE_ROWS, &mut out);
    // The tail (inputs, artifacts) is rendered first so the metrics table knows its budget.
    let tail = tail(report, written, ctx.workspace);
    write_metrics(points, budget.saturating_sub(tail.len()), &mut out);
    out.push_str(&tail);
    if out.len() > limit {
        // Only reachable with hundreds of very long paths: cut at a line and say so.
        let mut cut = limit - 256;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = out[..cut].rfind('\n').unwrap_or(0);
        out.truncate(cut);
        out.push_str("\n\n*The step summary was cut at GitHub's 1 MiB limit; the full export is in the uploaded artifact.*\n");
    }
    out
}

/// The title with the verdict, the counts, the first failing blocker, where the artifacts are.
fn write_verdict(report: &ExportReport, ctx: &SummaryContext<'_>, out: &mut String) {
    let failing: Vec<&Blocker> = report
        .blockers
        .iter()
        .filter(|b| ctx.fail_on.fails_on(b.severity()))
        .collect();
    let verdict = if failing.is_empty() {
        "✅ passed"
    } else {
        "❌ failed"
    };
    let _ = writeln!(out, "## dpone observability: {verdict}\n");
    let _ = writeln!(
        out,
        "{} metrics, {} ({} fail the step under `fail-on: {}`).",
        report.metric_count,
        text::plural(report.blockers.len(), "blocker"),
        failing.len(),
        ctx.fail_on
    );
    if let Some(first) = failing.first() {
        let _ = writeln!(
            out,
            "\nFailed by {}: {} ([runbook]({}))",
            code(&first.id().to_string()),
            escape(&clip(&first.message)),
            report.runbook_url(first.code)
        );
    }
    if let Some(url) = &ctx.run_url {
        let _ = writeln!(
            out,
            "\n[Workflow run]({url}) · artifacts in {}",
            code(ctx.output_dir)
        );
    } else {
        let _ = writeln!(out, "\nArtifacts in {}", code(ctx.output_dir));
    }
}

/// Every blocker, failing ones first, with its runbook.
fn write_blockers(report: &ExportReport, ctx: &SummaryContext<'_>, out: &mut String) {
    let _ = writeln!(out, "\n### Blockers\n");
    if report.blockers.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(
            out,
            "| code | severity | message | file | runbook |\n|---|---|---|---|---|"
        );
        // Failing blockers first, then errors, then warnings.
        let mut ordered: Vec<&Blocker> = report.blockers.iter().collect();
        ordered.sort_by_key(|b| (!ctx.fail_on.fails_on(b.severity()), b.severity()));
        for b in ordered.iter().take(TABLE_ROWS) {
            let fails = if ctx.fail_on.fails_on(b.severity()) {
                " (fails)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} | [runbook]({}) |",
                code(&b.id().to_string()),
                b.severity(),
                fails,
                escape(&b.message),
                b.subject
                    .as_deref()
                    .map(|s| code(&ctx.workspace.relative(Path::new(s))))
                    .unwrap_or_default(),
                report.runbook_url(b.code)
            );
        }
        if ordered.len() > TABLE_ROWS {
            let _ = writeln!(
                out,
                "\n{} more blockers are in `runtime_metrics.json`.",
                ordered.len() - TABLE_ROWS
            );
        }
    }
}

/// The metrics, as many as fit in `budget` bytes of the whole summary (the tail excluded).
fn write_metrics(points: &[MetricPoint], budget: usize, out: &mut String) {
    let _ = writeln!(out, "\n### Metrics\n");
    if points.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(out, "| name | value | unit | labels |\n|---|---|---|---|");
        let budget = budget.saturating_sub(out.len() + 512);
        let start = out.len();
        let mut shown = 0;
        for p in points {
            let row = report::metric_row(p);
            if out.len() - start + row.len() > budget {
                break;
            }
            out.push_str(&row);
            shown += 1;
        }
        if shown < points.len() {
            let _ = writeln!(
                out,
                "\n{} of {} metrics shown (the summary is size-limited); all of them are in `runtime_metrics.json` in the uploaded artifact.",
                shown,
                points.len()
            );
        }
    }
}

/// GitHub's per-step limit; past it the whole summary is dropped.
pub const SUMMARY_LIMIT: usize = 1024 * 1024 - 1024;

/// A blocker message fits a table cell: at most this many characters.
const MESSAGE_CHARS: usize = 1000;

fn clip(message: &str) -> String {
    match text::head(message, MESSAGE_CHARS) {
        Some(kept) => format!("{kept}… (full text in runtime_metrics.json)"),
        None => message.to_string(),
    }
}

fn tail(report: &ExportReport, written: &[&WrittenArtifact], workspace: &RunnerContext) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n### Inputs\n");
    if report.inputs.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(out, "| path | kind | metrics |\n|---|---|---|");
        for input in report.inputs.iter().take(TABLE_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&workspace.relative(Path::new(&input.path))),
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
    }
    let _ = writeln!(out, "\n### Artifacts\n");
    let _ = writeln!(out, "| file | size (bytes) | sha256 |\n|---|---|---|");
    for a in written {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` |",
            code(a.spec.file_name),
            a.size_bytes,
            a.sha256
        );
    }
    let _ = writeln!(
        out,
        "| {} | | sizes and sha256 of every file above and of this summary |",
        code(INDEX_FILE_NAME)
    );
    out
}
