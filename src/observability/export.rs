//! The export use case: read the inputs, build the points, check them, write every artifact.
//!
//! Pure apart from the files it is told to read and the output directory it writes: no
//! environment variables, no network, no clock (the caller passes the time).

use std::io;

use super::artifacts::{
    ArtifactError, ArtifactSpec, ArtifactWriter, Render, StagedArtifacts, WrittenArtifact, HISTORY,
    HISTORY_PAGE, JSON_REPORT, MARKDOWN_REPORT, OPENLINEAGE_EVENTS, OPENTELEMETRY,
    OPENTELEMETRY_TRACES, PROMETHEUS,
};
use super::blockers::any_error;
use super::catalog;
use super::collect::{collect, Collected};
use super::gates::{self, GateConfigError, ReportSeries};
use super::history::{self, HistoryFile, Run, SeriesKey};
use super::history_page::{self, Band, PageOptions, SeriesNotes};
use super::openlineage::{self, LineageContext};
use super::opentelemetry::{OpenTelemetryJsonRenderer, OtlpContext};
use super::points::Points;
use super::prometheus::PrometheusTextRenderer;
use super::report::{self, ArtifactPaths, ExportReport};
use super::report_file;
use super::secrets;
use super::sources::airflow::Correlation;
use super::sources::lineage::{Dataset, LineageRun};
use super::traces::{OpenTelemetryTracesRenderer, TraceContext};

pub use super::settings::{
    ExportRequest, DEFAULT_NAMESPACE, DEFAULT_OUTPUT_DIR, DEFAULT_SERVICE_NAME,
};

/// A finished export.
#[derive(Debug)]
pub struct ExportOutcome {
    pub report: ExportReport,
    pub artifacts: Vec<WrittenArtifact>,
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

/// Why an export wrote nothing.
#[derive(Debug)]
pub enum ExportError {
    /// A gate's configuration does not fit the export (a regression rule's pattern that matches
    /// no metric, or more gates × datasets than `openlineage_events.json` carries): a usage
    /// error, found before anything is written. An objective on a metric
    /// the export lacks is no error here: it fails as `slo.<metric>.missing`.
    Config(GateConfigError),
    /// An artifact could not be written; the previous export, if any, is left as it was.
    Artifacts(ArtifactError),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Config(err) => err.fmt(f),
            ExportError::Artifacts(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<ArtifactError> for ExportError {
    fn from(err: ArtifactError) -> Self {
        ExportError::Artifacts(err)
    }
}

/// Runs the whole export: collect, gate, render every artifact, index, move into place.
pub fn export(request: &ExportRequest) -> Result<ExportOutcome, ExportError> {
    export_with(request, Vec::new())
}

/// [`export`], with one more artifact from an adapter.
pub fn export_with(
    request: &ExportRequest,
    extras: Vec<ExtraArtifact<'_>>,
) -> Result<ExportOutcome, ExportError> {
    let (report, collected, carried) = gate_and_report(request)?;
    render(request, report, &collected, &carried, extras)
}

/// Collects, gates and applies the policy: the finished report and its points.
fn gate_and_report(
    request: &ExportRequest,
) -> Result<(ExportReport, Collected, HistoryFile), ExportError> {
    let mut collected = collect(request);
    collected
        .blockers
        .splice(0..0, request.pre_export_blockers.iter().cloned());
    // Before the gates copy any label: a credential-shaped label is written nowhere.
    let mut resource = resource_attributes(request, collected.correlation.as_ref());
    let secret_like =
        secrets::drop_secret_like(&mut collected.points, &mut resource, &request.secrets);
    collected.blockers.extend(secret_like);
    let known = catalog::known_names();
    let mut past = report_file::read_history(&request.baselines);
    // The carried history keeps every run of the branch; only the comparison is cut.
    let samples = past.samples.clone();
    if let Some(merge_base) = &request.merge_base {
        if !past.given.is_empty() {
            history::cut_history(&mut past, merge_base);
        }
    }
    let gated = gates::evaluate(
        &request.policy.gates,
        &collected.points,
        past,
        &known,
        &std::sync::Arc::new(request.labels.clone()),
    )
    .map_err(ExportError::Config)?;
    if let Err(full) = collected.points.extend(&gated.points) {
        let blocker = super::collect::store_full_blocker(request, full);
        collected.blockers.push(blocker);
    }
    collected.blockers.extend(gated.blockers);
    if request.policy.fail_on == Some(super::policy::FailOn::Inconclusive) {
        collected
            .blockers
            .extend(gates::inconclusive_blockers(&gated.results));
    }
    let mut blockers = request
        .policy
        .apply(std::mem::take(&mut collected.blockers));
    // A message may quote what a server answered (an adapter's blocker): the step's own
    // secrets are never written, whatever it echoed.
    let redactor = secrets::Redactor::new(&request.secrets);
    for blocker in &mut blockers {
        blocker.message = redactor.redact(&blocker.message).into_owned();
    }
    let mut gate_results = gated.results;
    super::verdict::link_causes(&mut blockers, &mut gate_results);
    let report = ExportReport {
        passed: !any_error(&blockers),
        gates: gate_results,
        metric_count: collected.points.len(),
        service_name: request.service_name.clone(),
        namespace: request.namespace.clone(),
        paths: ArtifactPaths::new(&request.output_dir),
        blockers,
        runbook_base: request.runbook_base.clone(),
        resource_attributes: resource,
        correlation_id: collected
            .correlation
            .as_ref()
            .map(|c| c.correlation_id.clone()),
        run_id: collected.run_id.take(),
        run: collected.run.take(),
        observed_at: collected.observed_at,
        inputs: std::mem::take(&mut collected.inputs),
        generated_at: request.now,
    };
    let carried = carried_history(request, &report, &collected.points, &samples);
    Ok((report, collected, carried))
}

/// Whether a series is one the regressions compare: selected by a `regressions:` rule, or,
/// with none, a metric of the default rules.
fn is_gated(config: &gates::GateConfig, series: &ReportSeries) -> bool {
    if config.regressions.is_empty() {
        return gates::DEFAULT_DIRECTIONS
            .iter()
            .any(|(name, _)| *name == series.name);
    }
    config.regressions.iter().any(|rule| {
        rule.selector.matches_name(&series.name)
            && rule.selector.matches_labels(|key| {
                series
                    .labels
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            })
    })
}

/// The `history.json` this export writes: the history of its baselines (a carried history's
/// entries, or one entry per earlier export), this run appended, the newest
/// `request.history_limit` kept, with the gated series only.
fn carried_history(
    request: &ExportRequest,
    report: &ExportReport,
    points: &Points,
    samples: &[gates::Sample],
) -> HistoryFile {
    let keep = |series: &ReportSeries| is_gated(&request.policy.gates, series);
    let file = history::from_samples(samples, &keep, request.history_limit);
    let attribute = |key: &str| {
        report
            .resource_attributes
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let run = Run {
        breached: report
            .gates
            .regressions
            .iter()
            .filter(|c| c.breached)
            .map(|c| SeriesKey {
                name: c.metric.clone(),
                labels: c.labels.clone().into_iter().collect(),
            })
            .collect(),
        revision: attribute(report_file::REVISION_ATTRIBUTE),
        run_id: attribute(report_file::RUN_ID_ATTRIBUTE),
        run_attempt: attribute(report_file::RUN_URL_ATTRIBUTE)
            .as_deref()
            .and_then(report_file::attempt_of_url),
        generated_at: report.generated_at.to_string(),
        passed: report.passed,
        series: points
            .iter()
            .map(|p| ReportSeries {
                name: p.name.to_string(),
                labels: p
                    .labels
                    .iter()
                    .map(|l| (l.key.to_string(), l.value.to_string()))
                    .collect(),
                value: p.value,
            })
            .filter(|s| keep(s))
            .collect(),
    };
    history::append(file, &run, request.history_limit)
}

/// The resource attribute naming the repository (`https://github.com/<owner>/<repo>`).
const REPOSITORY_URL_ATTRIBUTE: &str = "vcs.repository.url.full";

/// How `history.html` is drawn: the service in the title, the repository for links, and each
/// compared series' limits as its band (the change points are marked by the caller that
/// detects them).
fn page_options(
    request: &ExportRequest,
    report: &ExportReport,
    carried: &HistoryFile,
) -> PageOptions {
    let mut notes: Vec<(SeriesKey, SeriesNotes)> = report
        .gates
        .regressions
        .iter()
        .filter(|c| c.lower_limit.is_some() || c.upper_limit.is_some())
        .map(|c| {
            let key = SeriesKey {
                name: c.metric.clone(),
                labels: c
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            let band = Band {
                lower: c.lower_limit,
                upper: c.upper_limit,
            };
            (
                key,
                SeriesNotes {
                    band: Some(band),
                    marks: Vec::new(),
                },
            )
        })
        .collect();
    let unsearched = match change_point_search(&request.policy.gates) {
        Some(policy) => history_page::mark_change_points(carried, &policy.options, &mut notes),
        None => 0,
    };
    PageOptions {
        title: format!("Trend of {}/{}", request.namespace, request.service_name),
        repository_url: report
            .resource_attributes
            .iter()
            .find(|(k, _)| k == REPOSITORY_URL_ATTRIBUTE)
            .map(|(_, v)| v.clone()),
        notes,
        metric: None,
        nav: Vec::new(),
        unsearched,
    }
}

/// The change-point search the policy asks for (its `change_points:`, or the defaults when a
/// `test: change_point` rule names none); `None` when it asks for none, so the page marks
/// nothing and costs no search.
fn change_point_search(gates: &gates::GateConfig) -> Option<gates::ChangePointPolicy> {
    let rule_wants = gates
        .regressions
        .iter()
        .any(|rule| matches!(rule.method, gates::Method::ChangePoint));
    gates
        .change_points
        .or_else(|| rule_wants.then(gates::ChangePointPolicy::default))
}

/// Renders every artifact (the adapter's last), indexes them and moves them into place.
fn render(
    request: &ExportRequest,
    report: ExportReport,
    collected: &Collected,
    carried: &HistoryFile,
    extras: Vec<ExtraArtifact<'_>>,
) -> Result<ExportOutcome, ExportError> {
    let points = &collected.points;
    let report_ref = &report;

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
    let output_dir = request.output_dir.display().to_string();
    let trace_ctx = TraceContext {
        resource_attributes: &otlp_resource,
        generated_at: report.generated_at,
        output_dir: &output_dir,
        run_id: report.run_id.as_deref(),
        passed: report.passed,
        blockers: &report.blockers,
        parent: request.trace_parent,
    };
    let traced = &collected.traced;
    let lineage = lineage_runs(request, collected);
    let lineage_ctx = lineage_context(request, &report, collected, &output_dir, &lineage);
    openlineage::check_size(&lineage_ctx)
        .map_err(|err| ExportError::Config(GateConfigError(err)))?;

    let mut staged = StagedArtifacts::new(&request.output_dir)?;
    let mut jobs: Vec<(&'static ArtifactSpec, Render<'_>)> = vec![
        (
            &PROMETHEUS,
            Box::new(|out| PrometheusTextRenderer::render(points, out)),
        ),
        (
            &OPENTELEMETRY,
            Box::new(|out| OpenTelemetryJsonRenderer::render(points, &ctx, out)),
        ),
        (
            &OPENTELEMETRY_TRACES,
            Box::new(|out| OpenTelemetryTracesRenderer::render(&trace_ctx, traced, out)),
        ),
        (
            &JSON_REPORT,
            Box::new(|out| report::write_json_report(report_ref, points, out)),
        ),
        (&HISTORY, Box::new(|out| history::write_json(carried, out))),
        (
            &HISTORY_PAGE,
            Box::new(|out| {
                history_page::render(carried, &page_options(request, report_ref, carried), out)
            }),
        ),
    ];
    // Only when an input names a dataset: there is nothing to say of none.
    if lineage_ctx.names_datasets() {
        let ctx = &lineage_ctx;
        jobs.push((
            &OPENLINEAGE_EVENTS,
            Box::new(move |out| openlineage::write(ctx, out)),
        ));
    }
    staged.write_all(jobs, points.len() >= PARALLEL_RENDER_POINTS)?;
    let before_markdown: Vec<WrittenArtifact> = staged.written().cloned().collect();
    let before_markdown: Vec<&WrittenArtifact> = before_markdown.iter().collect();
    staged.write(&MARKDOWN_REPORT, |out| {
        report::write_markdown_report(report_ref, points, &before_markdown, out)
    })?;
    for extra in extras {
        let written: Vec<WrittenArtifact> = staged.written().cloned().collect();
        let written: Vec<&WrittenArtifact> = written.iter().collect();
        staged.write(extra.spec, |out| {
            (extra.render)(report_ref, points, &written, out)
        })?;
    }
    let artifacts = staged.commit(request.now)?;
    Ok(ExportOutcome { report, artifacts })
}

/// What `openlineage_events.json` is made of: the report's verdict and gates, the lineage
/// inputs, the rows the primary run loaded (final, else inserted).
fn lineage_context<'a>(
    request: &'a ExportRequest,
    report: &'a ExportReport,
    collected: &'a Collected,
    output_dir: &'a str,
    lineage: &'a [LineageRun],
) -> LineageContext<'a> {
    use super::sources::run_report::{FINAL_ROWS, INSERTED_ROWS};
    let rows = collected.traced.first().and_then(|run| {
        run.facts
            .value(&FINAL_ROWS)
            .or(run.facts.value(&INSERTED_ROWS))
    });
    LineageContext {
        namespace: &request.openlineage_namespace,
        resource_attributes: &report.resource_attributes,
        ci_job: request.ci_job.as_ref(),
        generated_at: report.generated_at,
        output_dir,
        passed: report.passed,
        blockers: &report.blockers,
        gates: &report.gates,
        rows,
        lineage,
    }
}

/// The lineage inputs' runs, then the policy's datasets (`openlineage:`) as one more.
fn lineage_runs(request: &ExportRequest, collected: &Collected) -> Vec<LineageRun> {
    let mut runs = collected.lineage.clone();
    let policy = &request.policy.openlineage;
    // Read as a lineage input's are: trimmed, an empty one left out (repeats go at writing).
    let named = |list: &[super::policy::PolicyDataset]| {
        list.iter()
            .filter_map(|d| Dataset::named(&d.namespace, &d.name))
            .collect::<Vec<_>>()
    };
    if !policy.inputs.is_empty() || !policy.outputs.is_empty() {
        runs.push(LineageRun {
            run_id: None,
            job: None,
            inputs: named(&policy.inputs),
            outputs: named(&policy.outputs),
        });
    }
    runs
}

/// An artifact an adapter adds to the export (the GitHub step summary): rendered last, from the
/// finished report, the points and the artifacts written before it, and then indexed, renamed
/// and verified with the others.
pub struct ExtraArtifact<'a> {
    pub spec: &'static ArtifactSpec,
    #[allow(clippy::type_complexity)]
    pub render: Box<
        dyn FnOnce(
                &ExportReport,
                &Points,
                &[&WrittenArtifact],
                &mut ArtifactWriter,
            ) -> io::Result<()>
            + 'a,
    >,
}
