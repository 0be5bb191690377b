//! `runtime_metrics.json` and `runtime_metrics.md`: what the export did, for machines and people.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::artifacts::WrittenArtifact;
use super::blockers::{Blocker, Code, Severity};
use super::gates::{write_markdown as write_gates_markdown, GateResults};
use std::path::Path;

use super::artifacts::{
    INDEX_FILE_NAME, JSON_REPORT, MARKDOWN_REPORT, OPENTELEMETRY, OPENTELEMETRY_TRACES, PROMETHEUS,
    SCHEMA_VERSION,
};
use super::json_output::{write_double, write_string, write_string_parts};
use super::markdown::{code, destination, escape, message};
use super::metrics::{LabelSet, Point};
use super::number::value;
use super::points::Points;
use super::render::{BlockCache, Chunked};
use super::sources::detect::Kind;
use super::sources::run_report::RunOutcome;
use super::timestamp::Timestamp;

/// Artifact paths as reported: the output directory as given, joined with each file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPaths {
    pub output_dir: String,
    pub prometheus: String,
    pub opentelemetry: String,
    pub opentelemetry_traces: String,
    pub json_report: String,
    pub markdown_report: String,
    pub metrics_index: String,
}

impl ArtifactPaths {
    pub fn new(dir: &Path) -> Self {
        let join = |name: &str| dir.join(name).display().to_string();
        ArtifactPaths {
            output_dir: dir.display().to_string(),
            prometheus: join(PROMETHEUS.file_name),
            opentelemetry: join(OPENTELEMETRY.file_name),
            opentelemetry_traces: join(OPENTELEMETRY_TRACES.file_name),
            json_report: join(JSON_REPORT.file_name),
            markdown_report: join(MARKDOWN_REPORT.file_name),
            metrics_index: join(INDEX_FILE_NAME),
        }
    }
}

/// The outcome of an export, as every report and adapter shows it.
#[derive(Debug, Clone)]
pub struct ExportReport {
    /// No error-severity blocker.
    pub passed: bool,
    pub metric_count: usize,
    pub service_name: String,
    pub namespace: String,
    pub paths: ArtifactPaths,
    pub blockers: Vec<Blocker>,
    /// User resource attributes plus correlation ones, without `service.*`, sorted.
    pub resource_attributes: Vec<(String, String)>,
    pub correlation_id: Option<String>,
    pub run_id: Option<String>,
    /// What the primary run report said about its own outcome.
    pub run: Option<RunOutcome>,
    /// The time of every data point: the run's end when the report says, else `generated_at`.
    pub observed_at: Timestamp,
    pub generated_at: Timestamp,
    /// Every file read, in the order read, with its kind.
    pub inputs: Vec<InputSummary>,
    /// The runbooks document the blockers link to.
    pub runbook_base: String,
    /// Objectives and baseline comparisons.
    pub gates: GateResults,
}

impl ExportReport {
    /// Where a code's runbook section is.
    pub fn runbook_url(&self, code: Code) -> String {
        code.runbook_url_at(&self.runbook_base)
    }

    pub fn blocker_details(&self) -> Vec<BlockerDetail<'_>> {
        self.blockers
            .iter()
            .map(|b| BlockerDetail {
                code: b.id().to_string(),
                message: Cow::Borrowed(&b.message),
                runbook_url: self.runbook_url(b.code),
                severity: b.severity(),
                caused_by: self.cause_of(b),
            })
            .collect()
    }

    /// The code of the blocker that caused `b` (`run_report.missing`), when another did.
    pub fn cause_of(&self, b: &Blocker) -> Option<String> {
        b.caused_by
            .and_then(|i| self.blockers.get(i))
            .map(|root| root.id().to_string())
    }
}

/// What an input file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Detected or forced.
    Known(Kind),
    /// Not JSON, or not a JSON object.
    InvalidJson,
    /// Not a readable file.
    Unreadable,
    /// `dpone run-report` output given as a run report.
    NotARunReport,
    /// None of the dpone artifacts this tool reads.
    Unknown,
    /// The `--metrics-file`.
    MetricsFile,
}

impl InputKind {
    /// The kinds that are not a dpone artifact's.
    const OTHERS: [InputKind; 5] = [
        InputKind::InvalidJson,
        InputKind::Unreadable,
        InputKind::NotARunReport,
        InputKind::Unknown,
        InputKind::MetricsFile,
    ];

    /// The kind a report names.
    pub fn parse(text: &str) -> Option<InputKind> {
        Kind::parse(text)
            .map(InputKind::Known)
            .or_else(|| InputKind::OTHERS.into_iter().find(|k| k.as_str() == text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Known(kind) => kind.as_str(),
            InputKind::InvalidJson => "invalid_json",
            InputKind::Unreadable => "unreadable",
            InputKind::NotARunReport => "not_a_run_report",
            InputKind::Unknown => "unknown",
            InputKind::MetricsFile => "metrics_file",
        }
    }
}

impl Serialize for InputKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InputKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        InputKind::parse(&text).ok_or_else(|| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &"an input kind")
        })
    }
}

/// One input file as the reports list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    pub kind: InputKind,
    pub metric_count: usize,
    pub path: String,
}

impl InputSummary {
    pub fn new(path: &Path, kind: InputKind, metric_count: usize) -> Self {
        InputSummary {
            kind,
            metric_count,
            path: path.display().to_string(),
        }
    }
}

/// A blocker as the reports write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockerDetail<'a> {
    pub code: String,
    pub message: Cow<'a, str>,
    pub runbook_url: String,
    pub severity: Severity,
    /// The code of the blocker that caused this one; it is shown under that root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
}

/// `runtime_metrics.json`, the one type it is written from and read back into
/// (`report_file::read_document`). The fields: `schema_version` first (a streaming reader
/// learns it before the metric list), then in alphabetical order, matching the peer's sorted
/// file. Read back, a field an older export or the Python peer lacks takes its default (the
/// metric list is required) and a field this build does not know is ignored.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonReport<'a> {
    #[serde(default = "schema_version_one")]
    pub schema_version: u32,
    #[serde(default)]
    pub blocker_details: Vec<BlockerDetail<'a>>,
    #[serde(default)]
    pub blockers: Vec<String>,
    #[serde(default)]
    pub correlation_id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub gates: Cow<'a, GateResults>,
    #[serde(default)]
    pub generated_at: String,
    #[serde(default)]
    pub inputs: Cow<'a, [InputSummary]>,
    #[serde(default)]
    pub json_report_path: String,
    #[serde(default)]
    pub markdown_report_path: String,
    #[serde(default)]
    pub metric_count: usize,
    /// Written as an empty list, in whose place [`write_document`] streams the points; read
    /// back into points by `metric_list::read`.
    #[serde(
        serialize_with = "metric_list_placeholder",
        deserialize_with = "super::metric_list::read"
    )]
    pub metrics: Cow<'a, Points>,
    #[serde(default)]
    pub metrics_index_path: String,
    #[serde(default)]
    pub namespace: Cow<'a, str>,
    #[serde(default)]
    pub observed_at: String,
    #[serde(default)]
    pub opentelemetry_path: String,
    #[serde(default)]
    pub output_dir: String,
    #[serde(default)]
    pub passed: bool,
    #[serde(default)]
    pub prometheus_path: String,
    #[serde(default)]
    pub resource_attributes: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    /// The primary run's outcome, so a report read back (publish mode) shows the same run
    /// line: which run, its status, and why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Cow<'a, RunOutcome>>,
    #[serde(default)]
    pub run_id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub service_name: Cow<'a, str>,
    #[serde(default)]
    pub tool_version: Cow<'a, str>,
}

/// A document without `schema_version` (an older export, the peer's) is version 1.
fn schema_version_one() -> u32 {
    1
}

/// The empty list the points are streamed into (whatever holds them).
fn metric_list_placeholder<T, S: serde::Serializer>(_: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(std::iter::empty::<()>())
}

impl<'a> JsonReport<'a> {
    /// The document of an export and its points.
    pub fn of(report: &'a ExportReport, points: &'a Points) -> Self {
        JsonReport {
            schema_version: SCHEMA_VERSION,
            blocker_details: report.blocker_details(),
            blockers: report.blockers.iter().map(|b| b.id().to_string()).collect(),
            correlation_id: report.correlation_id.as_deref().map(Cow::Borrowed),
            gates: Cow::Borrowed(&report.gates),
            generated_at: report.generated_at.to_string(),
            inputs: Cow::Borrowed(&report.inputs),
            json_report_path: report.paths.json_report.clone(),
            markdown_report_path: report.paths.markdown_report.clone(),
            metric_count: report.metric_count,
            metrics: Cow::Borrowed(points),
            metrics_index_path: report.paths.metrics_index.clone(),
            namespace: Cow::Borrowed(&report.namespace),
            observed_at: report.observed_at.to_string(),
            opentelemetry_path: report.paths.opentelemetry.clone(),
            output_dir: report.paths.output_dir.clone(),
            passed: report.passed,
            prometheus_path: report.paths.prometheus.clone(),
            resource_attributes: report
                .resource_attributes
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
                .collect(),
            run: report.run.as_ref().map(Cow::Borrowed),
            run_id: report.run_id.as_deref().map(Cow::Borrowed),
            service_name: Cow::Borrowed(&report.service_name),
            tool_version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Writes `runtime_metrics.json` (two-space indent, sorted keys, strict JSON).
pub fn write_json_report(
    report: &ExportReport,
    points: &Points,
    out: &mut impl Write,
) -> io::Result<()> {
    write_document(&JsonReport::of(report, points), out)
}

/// Writes a document as `runtime_metrics.json`: what an export writes, and what a document read
/// back writes again, byte for byte.
pub fn write_document(json: &JsonReport<'_>, out: &mut impl Write) -> io::Result<()> {
    // The small fields go through serde; the metric list, which can hold a million points, is
    // streamed into the place of its empty array. At two-space indentation the key `metrics`
    // can only be the top-level one, so the split is unambiguous.
    let text = serde_json::to_string_pretty(json).map_err(io::Error::from)?;
    let at = text
        .find(METRICS_PLACEHOLDER)
        .ok_or_else(|| io::Error::other("the report has no metrics field"))?;
    out.write_all(&text.as_bytes()[..at])?;
    write_metrics_array(&json.metrics, out)?;
    out.write_all(&text.as_bytes()[at + METRICS_PLACEHOLDER.len()..])?;
    out.write_all(b"\n")
}

const METRICS_PLACEHOLDER: &str = "\n  \"metrics\": []";

/// `"metrics": [...]` formatted exactly as serde_json's pretty printer would.
fn write_metrics_array(points: &Points, out: &mut impl Write) -> io::Result<()> {
    if points.is_empty() {
        return out.write_all(METRICS_PLACEHOLDER.as_bytes());
    }
    let mut out = Chunked::new(out);
    out.buf.extend_from_slice(b"\n  \"metrics\": [");
    let mut labels = BlockCache::new();
    let mut attributes = BlockCache::new();
    for (i, p) in points.iter().enumerate() {
        let buf = &mut out.buf;
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"\n    {\n      \"attributes\": ");
        attributes.write(Arc::as_ptr(p.attributes), buf, |block| {
            label_map(p.attributes, block)
        });
        buf.extend_from_slice(b",\n      \"description\": ");
        write_string_parts(&p.description_parts(), buf);
        buf.extend_from_slice(b",\n      \"labels\": ");
        labels.write(Arc::as_ptr(p.labels), buf, |block| {
            label_map(p.labels, block)
        });
        buf.extend_from_slice(b",\n      \"name\": ");
        write_string(p.name, buf);
        buf.extend_from_slice(b",\n      \"unit\": ");
        write_string(p.unit(), buf);
        buf.extend_from_slice(b",\n      \"value\": ");
        write_double(p.value, buf);
        buf.extend_from_slice(b"\n    }");
        out.flush_if_full()?;
    }
    out.buf.extend_from_slice(b"\n  ]");
    out.finish()
}

/// A label map at the indentation of a metric's fields, as serde_json's pretty printer writes it.
fn label_map(set: &LabelSet, block: &mut Vec<u8>) {
    if set.is_empty() {
        block.extend_from_slice(b"{}");
        return;
    }
    block.push(b'{');
    for (i, label) in set.iter().enumerate() {
        if i > 0 {
            block.push(b',');
        }
        block.extend_from_slice(b"\n        ");
        write_string(&label.key, block);
        block.extend_from_slice(b": ");
        write_string(&label.value, block);
    }
    block.extend_from_slice(b"\n      }");
}

/// The stdout of `--format json`: `schema_version`, then the report without the metric list in
/// the peer's order (not sorted), followed by the other fields the peer lacks.
#[derive(Serialize)]
pub struct StdoutReport<'a> {
    schema_version: u32,
    passed: bool,
    output_dir: &'a str,
    metric_count: usize,
    service_name: &'a str,
    namespace: &'a str,
    prometheus_path: &'a str,
    opentelemetry_path: &'a str,
    metrics_index_path: &'a str,
    json_report_path: &'a str,
    markdown_report_path: &'a str,
    blockers: Vec<String>,
    resource_attributes: BTreeMap<&'a str, &'a str>,
    correlation_id: Option<&'a str>,
    blocker_details: Vec<BlockerDetail<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a RunOutcome>,
    run_id: Option<&'a str>,
    generated_at: String,
    observed_at: String,
    tool_version: &'static str,
    inputs: &'a [InputSummary],
    gates: &'a GateResults,
}

impl<'a> From<&'a ExportReport> for StdoutReport<'a> {
    fn from(r: &'a ExportReport) -> Self {
        StdoutReport {
            schema_version: SCHEMA_VERSION,
            passed: r.passed,
            output_dir: &r.paths.output_dir,
            metric_count: r.metric_count,
            service_name: &r.service_name,
            namespace: &r.namespace,
            prometheus_path: &r.paths.prometheus,
            opentelemetry_path: &r.paths.opentelemetry,
            metrics_index_path: &r.paths.metrics_index,
            json_report_path: &r.paths.json_report,
            markdown_report_path: &r.paths.markdown_report,
            blockers: r.blockers.iter().map(|b| b.id().to_string()).collect(),
            resource_attributes: r
                .resource_attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            correlation_id: r.correlation_id.as_deref(),
            blocker_details: r.blocker_details(),
            run: r.run.as_ref(),
            run_id: r.run_id.as_deref(),
            generated_at: r.generated_at.to_string(),
            observed_at: r.observed_at.to_string(),
            tool_version: env!("CARGO_PKG_VERSION"),
            inputs: &r.inputs,
            gates: &r.gates,
        }
    }
}

/// One Markdown table row for a point: name, value (the number format for people: four
/// significant digits, counts exact; the exact value is in `runtime_metrics.json`), unit,
/// labels; every name from a report in a code span, so it renders literally.
pub fn metric_row(p: &Point<'_>) -> String {
    let labels: Vec<String> = p
        .labels
        .iter()
        .map(|l| code(&format!("{}={}", l.key, l.value)))
        .collect();
    format!(
        "| {} | {} | {} | {} |\n",
        code(p.name),
        value(p.value, p.unit()),
        escape(p.unit()),
        labels.join(", ")
    )
}

/// The Markdown report lists at most this many metrics; the JSON report has them all.
pub const MARKDOWN_METRIC_ROWS: usize = 500;

/// Writes `runtime_metrics.md`. `written` holds the artifacts written before it, whose sizes
/// and digests it shows.
pub fn write_markdown_report(
    report: &ExportReport,
    points: &Points,
    written: &[&WrittenArtifact],
    out: &mut impl Write,
) -> io::Result<()> {
    write_markdown_head(report, out)?;
    write_markdown_blockers(report, out)?;
    let mut gates = String::new();
    write_gates_markdown(&report.gates, "##", &super::catalog::unit_of, &mut gates);
    out.write_all(gates.as_bytes())?;
    write_markdown_metrics(report, points, out)?;
    write_markdown_artifacts(report, written, out)
}

/// The title and the export's facts, as the peer lists them.
fn write_markdown_head(report: &ExportReport, out: &mut impl Write) -> io::Result<()> {
    let py_bool = if report.passed { "True" } else { "False" };
    writeln!(out, "# dpone runtime metrics export\n")?;
    writeln!(out, "- Passed: `{py_bool}`")?;
    writeln!(out, "- Metric count: `{}`", report.metric_count)?;
    writeln!(out, "- Service name: {}", code(&report.service_name))?;
    writeln!(out, "- Namespace: {}", code(&report.namespace))?;
    writeln!(out, "- Output dir: {}", code(&report.paths.output_dir))?;
    if let Some(run_id) = &report.run_id {
        writeln!(out, "- Run id: {}", code(run_id))?;
    }
    if let Some(id) = &report.correlation_id {
        writeln!(out, "- Correlation id: {}", code(id))?;
    }
    writeln!(out, "- Observed at: `{}`", report.observed_at)?;
    writeln!(out, "- Generated at: `{}`", report.generated_at)?;
    writeln!(out, "- Tool version: `{}`", env!("CARGO_PKG_VERSION"))
}

fn write_markdown_blockers(report: &ExportReport, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "\n## Blockers\n")?;
    if report.blockers.is_empty() {
        writeln!(out, "- none")?;
    } else {
        writeln!(
            out,
            "| code | severity | message | runbook |\n|---|---|---|---|"
        )?;
        // Each root cause, then, under it, what it caused.
        for root in super::blockers::roots(&report.blockers) {
            let at = report
                .blockers
                .iter()
                .position(|b| std::ptr::eq(b, root.blocker));
            let caused = report.blockers.iter().filter(|b| b.caused_by == at);
            let shown = std::iter::once((root.blocker, root.caused_text()))
                .chain(caused.map(|b| (b, String::new())));
            for (i, (b, more)) in shown.enumerate() {
                writeln!(
                    out,
                    "| {}{} | {} | {}{} | [runbook]({}) |",
                    if i > 0 { "↳ caused by it: " } else { "" },
                    code(&b.id().to_string()),
                    b.severity(),
                    message(&b.message),
                    escape(&more),
                    destination(&report.runbook_url(b.code))
                )?;
            }
        }
    }
    Ok(())
}

/// The metrics (at most [`MARKDOWN_METRIC_ROWS`]) and the inputs.
fn write_markdown_metrics(
    report: &ExportReport,
    points: &Points,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "\n## Metrics\n")?;
    if points.is_empty() {
        writeln!(out, "- none")?;
    } else {
        writeln!(out, "| name | value | unit | labels |\n|---|--:|---|---|")?;
        for p in points.iter().take(MARKDOWN_METRIC_ROWS) {
            out.write_all(metric_row(&p).as_bytes())?;
        }
        if points.len() > MARKDOWN_METRIC_ROWS {
            writeln!(
                out,
                "\n{} more metrics are in `runtime_metrics.json`.",
                points.len() - MARKDOWN_METRIC_ROWS
            )?;
        }
    }

    if !report.inputs.is_empty() {
        writeln!(out, "\n## Inputs\n")?;
        writeln!(out, "| path | kind | metrics |\n|---|---|---|")?;
        for input in &report.inputs {
            writeln!(
                out,
                "| {} | {} | {} |",
                code(&input.path),
                code(input.kind.as_str()),
                input.metric_count
            )?;
        }
    }
    Ok(())
}

/// Every artifact with its size and sha256 (this file and the index say where to look).
fn write_markdown_artifacts(
    report: &ExportReport,
    written: &[&WrittenArtifact],
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "\n## Artifacts\n")?;
    writeln!(
        out,
        "| artifact | path | size (bytes) | sha256 |\n|---|---|---|---|"
    )?;
    let rows = [
        ("Prometheus", &report.paths.prometheus),
        ("OpenTelemetry JSON", &report.paths.opentelemetry),
        ("OpenTelemetry traces", &report.paths.opentelemetry_traces),
        ("Metrics index", &report.paths.metrics_index),
        ("JSON report", &report.paths.json_report),
        ("Markdown report", &report.paths.markdown_report),
    ];
    for (label, path) in rows {
        let found = written
            .iter()
            .find(|a| a.path.display().to_string() == **path);
        match found {
            Some(a) => writeln!(
                out,
                "| {label} | {} | {} | `{}` |",
                code(path),
                a.size_bytes,
                a.sha256
            )?,
            None if label == "Metrics index" => writeln!(
                out,
                "| {label} | {} | sizes and sha256 of the files above | |",
                code(path)
            )?,
            None => writeln!(
                out,
                "| {label} | {} | this file; see the index | |",
                code(path)
            )?,
        }
    }
    Ok(())
}
