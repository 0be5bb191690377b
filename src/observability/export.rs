//! The export use case: read the inputs, build the points, check them, write every artifact.
//!
//! Pure apart from the files it is told to read and the output directory it writes: no
//! environment variables, no network, no clock (the caller passes the time).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::artifacts::{
    ArtifactError, ArtifactSpec, Render, StagedArtifacts, WrittenArtifact, JSON_REPORT,
    MARKDOWN_REPORT, OPENTELEMETRY, PROMETHEUS,
};
use super::blockers::{any_error, Blocker, Code};
use super::json_input;
use super::metrics::{is_unbounded_label_key, Descriptor, LabelSet, MetricPoint};
use super::opentelemetry::{OpenTelemetryJsonRenderer, OtlpContext};
use super::prometheus::PrometheusTextRenderer;
use super::report::{self, ArtifactPaths, ExportReport};
use super::sources::airflow::{self, Correlation};
use super::sources::custom::{self, CustomMetric, DroppedDuplicate, MetricsFileError, PointSets};
use super::sources::run_report::{self, RunFacts};
use super::timestamp::Timestamp;

pub const DEFAULT_OUTPUT_DIR: &str = ".dpone/observability/latest";
pub const DEFAULT_SERVICE_NAME: &str = "dpone";
pub const DEFAULT_NAMESPACE: &str = "dpone.local";

/// What to export. Labels are validated by the caller through [`LabelSet::new`].
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub output_dir: PathBuf,
    pub run_report: Option<PathBuf>,
    /// `--metric` values, in the order given.
    pub metrics: Vec<CustomMetric>,
    pub metrics_file: Option<PathBuf>,
    pub labels: LabelSet,
    pub resource_attributes: Vec<(String, String)>,
    pub service_name: String,
    pub namespace: String,
    pub airflow_evidence_bundle: Option<PathBuf>,
    /// The export's own time (`SOURCE_DATE_EPOCH` when the caller fixes it).
    pub now: Timestamp,
}

impl ExportRequest {
    pub fn new(output_dir: impl Into<PathBuf>, now: Timestamp) -> Self {
        ExportRequest {
            output_dir: output_dir.into(),
            run_report: None,
            metrics: Vec::new(),
            metrics_file: None,
            labels: LabelSet::default(),
            resource_attributes: Vec::new(),
            service_name: DEFAULT_SERVICE_NAME.to_string(),
            namespace: DEFAULT_NAMESPACE.to_string(),
            airflow_evidence_bundle: None,
            now,
        }
    }
}

/// A finished export.
#[derive(Debug)]
pub struct ExportOutcome {
    pub report: ExportReport,
    pub artifacts: Vec<WrittenArtifact>,
}

/// Points and findings, before anything is written.
#[derive(Debug)]
pub struct Collected {
    pub points: Vec<MetricPoint>,
    pub blockers: Vec<Blocker>,
    pub run_id: Option<String>,
    pub observed_at: Timestamp,
    pub correlation: Option<Correlation>,
}

/// Reads every input and builds the ordered, checked points.
pub fn collect(request: &ExportRequest) -> Collected {
    let mut blockers = Vec::new();

    let facts = match &request.run_report {
        Some(path) => match read_run_report(path) {
            Ok(facts) => Some(facts),
            Err(blocker) => {
                blockers.push(blocker);
                None
            }
        },
        None => None,
    };

    let correlation = match &request.airflow_evidence_bundle {
        Some(path) => match airflow::load(path) {
            Ok(c) => Some(c),
            Err(blocker) => {
                blockers.push(blocker);
                None
            }
        },
        None => None,
    };

    let run_labels: Vec<(&str, String)> =
        facts.as_ref().map(|f| f.labels.clone()).unwrap_or_default();
    // Run labels only add keys the user did not set, and their keys never collide after
    // sanitising; should that ever fail, the user's labels alone are still valid.
    let labels = Arc::new(
        request
            .labels
            .with_defaults(run_labels)
            .unwrap_or_else(|_| request.labels.clone()),
    );
    let run_id = facts.as_ref().and_then(|f| f.run_id.clone());
    let attributes = match &run_id {
        Some(id) if !labels.contains_key("run_id") => {
            Arc::new(LabelSet::new([("run_id", id.as_str())]).unwrap_or_default())
        }
        _ => LabelSet::empty(),
    };
    let sets = PointSets { labels, attributes };

    let report_points: Vec<MetricPoint> = facts
        .as_ref()
        .map(|f| {
            f.values
                .iter()
                .map(|(spec, value)| MetricPoint {
                    name: spec.name.into(),
                    value: *value,
                    labels: Arc::clone(&sets.labels),
                    attributes: Arc::clone(&sets.attributes),
                    descriptor: Descriptor::Catalog(spec),
                })
                .collect()
        })
        .unwrap_or_default();

    // The custom points are the large part: built once, in the vector that is returned.
    let mut points = Vec::new();
    if let Some(path) = &request.metrics_file {
        match custom::read_metrics_file(path, &sets) {
            Ok(read) => points = read,
            Err(MetricsFileError::Missing(msg)) => {
                blockers.push(Blocker::new(Code::MetricsFileMissing, msg))
            }
            Err(MetricsFileError::Invalid(msg)) => {
                blockers.push(Blocker::new(Code::MetricsFileInvalid, msg))
            }
        }
    }
    points.extend(request.metrics.iter().cloned().map(|m| m.into_point(&sets)));
    let mut dropped = custom::normalize(&mut points);
    dropped.extend(custom::remove_report_duplicates(
        &mut points,
        &report_points,
    ));
    // Report metrics come first, in catalogue order.
    points.splice(0..0, report_points);

    if !dropped.is_empty() {
        blockers.push(duplicate_blocker(&dropped));
    }
    for label in request.labels.iter() {
        if is_unbounded_label_key(&label.key) {
            blockers.push(Blocker::new(
                Code::LabelsHighCardinality,
                format!(
                    "label `{}` (Prometheus `{}`) looks like an unbounded identifier",
                    label.key, label.prometheus_name
                ),
            ));
        }
    }
    if points.is_empty() {
        blockers.push(Blocker::new(
            Code::MetricsEmpty,
            match &request.run_report {
                Some(path) if facts.is_some() => format!(
                    "`{}` holds none of the run-report fields and no custom metric was given",
                    path.display()
                ),
                _ => "no run report metrics and no custom metric".to_string(),
            },
        ));
    }

    Collected {
        points,
        blockers,
        run_id,
        observed_at: facts.and_then(|f| f.finished_at).unwrap_or(request.now),
        correlation,
    }
}

fn read_run_report(path: &Path) -> Result<RunFacts, Blocker> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            return Err(Blocker::new(
                Code::RunReportMissing,
                format!("run report `{shown}` is not a regular file"),
            ))
        }
        Err(err) => {
            return Err(Blocker::new(
                Code::RunReportMissing,
                format!("run report `{shown}`: {err}"),
            ))
        }
    }
    let bytes = std::fs::read(path).map_err(|err| {
        Blocker::new(
            Code::RunReportUnreadable,
            format!("cannot read run report `{shown}`: {err}"),
        )
    })?;
    let value: Value = json_input::from_slice(&bytes).map_err(|err| {
        Blocker::new(
            Code::RunReportInvalidJson,
            format!("run report `{shown}` is not valid JSON: {err}"),
        )
    })?;
    match value.as_object() {
        Some(object) => Ok(run_report::extract(object)),
        None => Err(Blocker::new(
            Code::RunReportInvalidShape,
            format!(
                "run report `{shown}` is a JSON {}, not an object",
                json_kind(&value)
            ),
        )),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

const DUPLICATES_LISTED: usize = 10;

fn duplicate_blocker(dropped: &[DroppedDuplicate]) -> Blocker {
    let mut message = format!("{} duplicate series dropped: ", dropped.len());
    let listed: Vec<String> = dropped
        .iter()
        .take(DUPLICATES_LISTED)
        .map(|d| {
            format!(
                "`{}` from `{}` (value {}) repeats `{}`, which was kept",
                d.name, d.dropped_raw, d.dropped_value, d.kept_raw
            )
        })
        .collect();
    message.push_str(&listed.join("; "));
    if dropped.len() > DUPLICATES_LISTED {
        message.push_str(&format!("; and {} more", dropped.len() - DUPLICATES_LISTED));
    }
    Blocker::new(Code::MetricsDuplicateSeries, message)
}

/// Resource attributes: the user's (never `service.*`), then the correlation's, which win.
fn resource_attributes(
    request: &ExportRequest,
    correlation: Option<&Correlation>,
) -> Vec<(String, String)> {
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| match attrs.iter_mut().find(|(key, _)| key == k) {
        Some(entry) => entry.1 = v.to_string(),
        None => attrs.push((k.to_string(), v.to_string())),
    };
    for (k, v) in &request.resource_attributes {
        if !k.is_empty() && k != "service.name" && k != "service.namespace" {
            set(k, v);
        }
    }
    if let Some(c) = correlation {
        for (k, v) in &c.resource_attributes {
            set(k, v);
        }
    }
    attrs.sort();
    attrs
}

/// From this many points on, the three large artifacts are rendered on their own threads;
/// below it, starting threads costs more than it saves.
pub const PARALLEL_RENDER_POINTS: usize = 2048;

/// Runs the whole export: collect, render every artifact, index, move into place.
pub fn export(request: &ExportRequest) -> Result<ExportOutcome, ArtifactError> {
    let collected = collect(request);
    let resource = resource_attributes(request, collected.correlation.as_ref());
    let report = ExportReport {
        passed: !any_error(&collected.blockers),
        metric_count: collected.points.len(),
        service_name: request.service_name.clone(),
        namespace: request.namespace.clone(),
        paths: ArtifactPaths::new(&request.output_dir),
        blockers: collected.blockers,
        resource_attributes: resource,
        correlation_id: collected
            .correlation
            .as_ref()
            .map(|c| c.correlation_id.clone()),
        run_id: collected.run_id,
        observed_at: collected.observed_at,
        generated_at: request.now,
    };
    let points = &collected.points;

    let mut otlp_resource = report.resource_attributes.clone();
    otlp_resource.push(("service.name".to_string(), request.service_name.clone()));
    otlp_resource.push(("service.namespace".to_string(), request.namespace.clone()));
    otlp_resource.sort();
    let no_point_attributes = Vec::new();
    let ctx = OtlpContext {
        resource_attributes: &otlp_resource,
        point_attributes: collected
            .correlation
            .as_ref()
            .map_or(&no_point_attributes, |c| &c.point_attributes),
        time: report.observed_at,
    };

    let mut staged = StagedArtifacts::new(&request.output_dir)?;
    let jobs: Vec<(&'static ArtifactSpec, Render<'_>)> = vec![
        (
            &PROMETHEUS,
            Box::new(|out| PrometheusTextRenderer::render(points, out)),
        ),
        (
            &OPENTELEMETRY,
            Box::new(|out| OpenTelemetryJsonRenderer::render(points, &ctx, out)),
        ),
        (
            &JSON_REPORT,
            Box::new(|out| report::write_json_report(&report, points, out)),
        ),
    ];
    staged.write_all(jobs, points.len() >= PARALLEL_RENDER_POINTS)?;
    let before_markdown: Vec<WrittenArtifact> = staged.written().cloned().collect();
    let before_markdown: Vec<&WrittenArtifact> = before_markdown.iter().collect();
    staged.write(&MARKDOWN_REPORT, |out| {
        report::write_markdown_report(&report, points, &before_markdown, out)
    })?;
    let artifacts = staged.commit(request.now)?;
    Ok(ExportOutcome { report, artifacts })
}
