//! The gates as Markdown, for `runtime_metrics.md`: a verdict line and a table with the
//! failures first. No chart: a bar of percentages drew nothing for a bound of 0 and hid the
//! numbers the table gives (actual, bound or baseline, delta).

use std::fmt::Write;

use super::super::markdown::{code, escape};
use super::{series_text, BaselineStatus, ComparisonStatus, GateResults};

struct Row {
    passed: bool,
    code: String,
    series: String,
    actual: Option<f64>,
    reference: String,
    delta: Option<f64>,
}

fn value(v: Option<f64>) -> String {
    match v {
        None => "–".to_string(),
        Some(v) if v.is_finite() && v == v.trunc() && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) if v.is_finite() && v.abs() < 1e-4 => format!("{v:.3e}"),
        Some(v) if v.is_finite() => {
            let text = format!("{v:.4}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        Some(v) => v.to_string(),
    }
}

fn signed(v: Option<f64>) -> String {
    match v {
        Some(d) if d > 0.0 => format!("+{}", value(Some(d))),
        other => value(other),
    }
}

/// Writes `### Gates` (at `level` heading depth) and returns nothing when there is no gate:
/// the verdict line, the table, the metrics gone since the baseline.
pub fn write_markdown(results: &GateResults, heading: &str, max_rows: usize, out: &mut String) {
    if results.is_empty() {
        return;
    }
    let rows = rows(results);
    write_table(results, &rows, heading, max_rows, out);
    write_removed(results, out);
}

/// One row per objective result and comparison, failures first; the sort is stable, so
/// configuration order is kept within each group.
fn rows(results: &GateResults) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for o in &results.objectives {
        let series = series_text(&o.metric, &o.labels.clone().into_iter().collect::<Vec<_>>());
        rows.push(Row {
            passed: o.passed,
            code: o.code.clone(),
            series,
            actual: o.actual,
            reference: match o.bound {
                Some(b) => format!("{} {}", o.rule, value(Some(b))),
                None => "present".to_string(),
            },
            delta: o.delta,
        });
    }
    for c in &results.regressions {
        let series = series_text(&c.metric, &c.labels.clone().into_iter().collect::<Vec<_>>());
        let tolerance = c
            .tolerance
            .iter()
            .map(|(k, v)| format!("{k} {}", value(Some(*v))))
            .collect::<Vec<_>>()
            .join("");
        rows.push(Row {
            passed: c.passed,
            code: c.code.clone(),
            series,
            actual: c.actual,
            reference: match c.status {
                ComparisonStatus::Compared => format!(
                    "baseline {} ({}, {} better)",
                    value(c.baseline),
                    tolerance,
                    c.direction.as_str()
                ),
                ComparisonStatus::Added => "not in the baseline".to_string(),
                _ => format!("baseline {} ({})", value(c.baseline), c.status),
            },
            delta: c.delta,
        });
    }
    rows.sort_by_key(|r| r.passed);
    rows
}

fn write_table(
    results: &GateResults,
    rows: &[Row],
    heading: &str,
    max_rows: usize,
    out: &mut String,
) {
    let failed = rows.iter().filter(|r| !r.passed).count();
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
    let _ = writeln!(
        out,
        "{} objective results, {} comparisons, {failed} failed; {baseline}.\n",
        results.objectives.len(),
        results.regressions.len()
    );
    if !rows.is_empty() {
        let _ = writeln!(
            out,
            "| result | gate | series | actual | bound or baseline | delta |\n|---|---|---|---|---|---|"
        );
        for r in rows.iter().take(max_rows) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                if r.passed { "✅ passed" } else { "❌ failed" },
                code(&r.code),
                code(&r.series),
                value(r.actual),
                escape(&r.reference),
                signed(r.delta)
            );
        }
        if rows.len() > max_rows {
            let _ = writeln!(
                out,
                "\n{} more results are in `runtime_metrics.json` under `gates`.",
                rows.len() - max_rows
            );
        }
    }
}

fn write_removed(results: &GateResults, out: &mut String) {
    if !results.baseline.removed_metrics.is_empty() {
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
            "\nGone since the baseline: {}{}.",
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
}
