//! Reads every input and builds the ordered, checked points: the run report, `--input` files of
//! every kind, the Airflow bundle, and the custom metrics.
//!
//! Order and uniqueness rules, which every renderer relies on:
//! - each metric name forms one contiguous family, families in order of first appearance
//!   (the `--run-report` metrics first, then `--input` files in path order, then custom ones);
//! - one series (name and label set) appears once: a repeat is dropped and reported as
//!   `metrics.duplicate_series`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::blockers::{Blocker, Code};
use super::inputs::{self, ReadError};
use super::metrics::{
    is_unbounded_label_key, sanitize_label_name, Descriptor, LabelSet, MetricPoint,
};
use super::points::{Points, StoreFull};
use super::report::{InputKind, InputSummary};
use super::settings::ExportRequest;
use super::sources::airflow::{self, Correlation};
use super::sources::custom::{self, MetricsFileError, PointSets};
use super::sources::detect::{detect, Detection, Kind};
use super::sources::lineage::{self, LineageRun};
use super::sources::run_report::{self, RunFacts, RunOutcome};
use super::sources::{self, Series};
use super::text;
use super::timestamp::Timestamp;
use super::traces::TracedRun;

/// Points and findings, before anything is written.
#[derive(Debug)]
pub struct Collected {
    pub points: Points,
    pub blockers: Vec<Blocker>,
    pub run_id: Option<String>,
    /// The primary run's own outcome.
    pub run: Option<RunOutcome>,
    pub observed_at: Timestamp,
    pub correlation: Option<Correlation>,
    pub inputs: Vec<InputSummary>,
    /// Every run report read (the `--run-report` one first, then the inputs' in path order),
    /// each a span of the trace.
    pub traced: Vec<TracedRun>,
    /// Every dpone lineage event read (`--input lineage=…`), in path order.
    pub lineage: Vec<LineageRun>,
}

/// A source point and the input it came from (for duplicate messages).
struct Sourced {
    point: MetricPoint,
    input: String,
}

/// Reads every input, chooses the primary run, merges the custom metrics into the families,
/// and checks the result: the four phases below, in that order.
pub fn collect(request: &ExportRequest) -> Collected {
    let mut read = read_inputs(request);
    let run = choose_run(request, &mut read);
    // The same bundle named twice (flag and pattern) is one bundle.
    let canonical = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    read.bundles.sort_by_key(canonical);
    read.bundles.dedup_by_key(|p| canonical(p));
    let correlation = load_correlation(&read.bundles, run.run_id.as_deref(), &mut read.blockers);
    let sourced = std::mem::take(&mut read.sourced);
    let (points, dropped) = merge_points(request, sourced, &run, &mut read);
    // Nothing of an export too large for the store is written; its blocker says why.
    let (points, full) = match points {
        Ok(points) => (points, false),
        Err(full) => {
            read.blockers.push(store_full_blocker(request, full));
            (Points::new(), true)
        }
    };
    check(
        request,
        &points,
        &dropped,
        run.primary.is_some(),
        full,
        &mut read.blockers,
    );
    Collected {
        points,
        blockers: read.blockers,
        run_id: run.run_id,
        run: run.primary.as_ref().map(|f| f.outcome.clone()),
        observed_at: run
            .primary
            .and_then(|f| f.finished_at)
            .unwrap_or(request.now),
        correlation,
        inputs: read.summaries,
        traced: read.traced,
        lineage: read.lineage,
    }
}

/// What the read phase found: every point of the report sources, the runs among the inputs,
/// the bundles, and a summary and blockers per input.
struct Read {
    primary: Option<RunFacts>,
    sourced: Vec<Sourced>,
    input_runs: Vec<(RunFacts, PathBuf)>,
    bundles: Vec<PathBuf>,
    summaries: Vec<InputSummary>,
    blockers: Vec<Blocker>,
    traced: Vec<TracedRun>,
    lineage: Vec<LineageRun>,
}

/// The read phase: `--run-report`, then the `--input` files in path order, each by its kind.
fn read_inputs(request: &ExportRequest) -> Read {
    let mut blockers = Vec::new();
    let mut summaries = Vec::new();

    // The primary run: `--run-report`. Its labels go to custom metrics, its id to the report.
    let primary = request.run_report.as_ref().and_then(|path| {
        let (facts, summary) = read_primary_run(path, &mut blockers);
        summaries.push(summary);
        facts
    });

    let mut sourced: Vec<Sourced> = Vec::new();
    let mut traced = Vec::new();
    if let (Some(facts), Some(path)) = (&primary, &request.run_report) {
        traced.push(TracedRun {
            facts: facts.clone(),
            source: path.display().to_string(),
        });
    }
    if let Some(facts) = &primary {
        let (points, _) = run_points(facts, &request.labels);
        let input = request
            .run_report
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        sourced.extend(points.into_iter().map(|point| Sourced {
            point,
            input: input.clone(),
        }));
    }
    // `--input` files, in path order.
    let (files, expand_blockers) = inputs::expand(&request.inputs);
    blockers.extend(expand_blockers);
    let bundles: Vec<PathBuf> = request.airflow_evidence_bundle.iter().cloned().collect();
    if let Some(path) = &request.airflow_evidence_bundle {
        summaries.push(InputSummary::new(
            path,
            InputKind::Known(Kind::AirflowEvidenceBundle),
            0,
        ));
    }
    let mut read = Read {
        primary,
        sourced,
        input_runs: Vec::new(),
        bundles,
        summaries,
        blockers,
        traced,
        lineage: Vec::new(),
    };
    for file in &files {
        read_input_file(file, request, &mut read);
    }
    read
}

/// One `--input` file, read as its detected or forced kind.
fn read_input_file(file: &inputs::MatchedFile, request: &ExportRequest, read: &mut Read) {
    let Read {
        sourced,
        input_runs,
        bundles,
        summaries,
        blockers,
        traced,
        lineage: lineage_runs,
        ..
    } = read;
    let shown = file.path.display().to_string();
    let object = match inputs::read_object(&file.path) {
        Ok(object) => object,
        Err(err) => {
            let kind = match err {
                ReadError::InvalidJson(_) | ReadError::NotAnObject(_) => InputKind::InvalidJson,
                ReadError::NotAFile(_) | ReadError::Io(_) => InputKind::Unreadable,
            };
            blockers.push(input_read_blocker(&shown, err).about(&file.path));
            summaries.push(InputSummary::new(&file.path, kind, 0));
            return;
        }
    };
    let detection = file.kind.map_or_else(|| detect(&object), Detection::Known);
    match detection {
        // Inputs that give no metric: a bundle (loaded later), a lineage event (its datasets).
        Detection::Known(kind @ (Kind::AirflowEvidenceBundle | Kind::Lineage))
            if kind == Kind::AirflowEvidenceBundle || kind.looks_like(&object) =>
        {
            match kind {
                Kind::Lineage => {
                    add_lineage(lineage::read(&object), lineage_runs, blockers, &file.path);
                }
                _ => bundles.push(file.path.clone()),
            }
            summaries.push(InputSummary::new(&file.path, InputKind::Known(kind), 0));
        }
        Detection::Known(kind) if file.kind.is_some() && !kind.looks_like(&object) => {
            blockers.push(
                Blocker::new(
                    Code::InputNoMetrics,
                    format!("`{shown}` was read as `{kind}` but has none of that kind's fields"),
                )
                .about(&file.path),
            );
            summaries.push(InputSummary::new(&file.path, InputKind::Known(kind), 0));
        }
        Detection::Known(kind) => {
            let before = sourced.len();
            let mut found = Vec::new();
            let run = read_source(kind, &object, &shown, request, sourced, &mut found);
            blockers.extend(found.into_iter().map(|b| b.about(&file.path)));
            if let Some(facts) = run {
                traced.push(TracedRun {
                    facts: facts.clone(),
                    source: shown.clone(),
                });
                input_runs.push((facts, file.path.clone()));
            }
            summaries.push(InputSummary::new(
                &file.path,
                InputKind::Known(kind),
                sourced.len() - before,
            ));
        }
        Detection::NotARunReport => {
            blockers.push(not_a_run_report(&shown).about(&file.path));
            summaries.push(InputSummary::new(&file.path, InputKind::NotARunReport, 0));
        }
        Detection::Unknown => {
            blockers.push(
                Blocker::new(
                    Code::InputUnknownKind,
                    format!("`{shown}` is none of the dpone artifacts this tool reads"),
                )
                .about(&file.path),
            );
            summaries.push(InputSummary::new(&file.path, InputKind::Unknown, 0));
        }
    }
}

/// The run the export is about, and the label sets custom metrics take from it.
struct Run {
    primary: Option<RunFacts>,
    run_id: Option<String>,
    sets: PointSets,
}

/// The choose phase: the primary run, and a warning when it did not pass.
fn choose_run(request: &ExportRequest, read: &mut Read) -> Run {
    let blockers = &mut read.blockers;
    // Without `--run-report`, a single run report among the inputs is the primary run.
    let (primary, primary_path) = match (read.primary.take(), read.input_runs.len()) {
        (Some(facts), _) => (Some(facts), request.run_report.clone()),
        (None, 1) => read
            .input_runs
            .pop()
            .map_or((None, None), |(facts, path)| (Some(facts), Some(path))),
        (None, _) => (None, None),
    };
    let primary_sets = match &primary {
        Some(facts) => run_points(facts, &request.labels).1,
        None => PointSets {
            labels: Arc::new(request.labels.clone()),
            attributes: LabelSet::empty(),
        },
    };
    let run_id = primary.as_ref().and_then(|f| f.run_id.clone());
    if let Some(facts) = primary.as_ref().filter(|f| f.failed()) {
        let failed = Blocker::new(Code::RunReportRunFailed, run_failed_message(&facts.outcome));
        blockers.push(match &primary_path {
            Some(path) => failed.about(path),
            None => failed,
        });
    }
    // Every other run report counts too: a failed one is named by its file.
    for (facts, path) in read.input_runs.iter().filter(|(f, _)| f.failed()) {
        let message = format!(
            "run report `{}`: {}",
            path.display(),
            run_failed_message(&facts.outcome)
        );
        blockers.push(Blocker::new(Code::RunReportRunFailed, message).about(path));
    }
    Run {
        primary,
        run_id,
        sets: primary_sets,
    }
}

/// `run_report.run_failed`'s message: which run, its status, and why it failed (the error code
/// and the first error, on one line, clipped).
pub fn run_failed_message(run: &RunOutcome) -> String {
    let mut message = format!("dpone run `{}`", run.run_id.as_deref().unwrap_or("?"));
    if let Some(name) = run.name() {
        message.push_str(&format!(" (`{name}`)"));
    }
    message.push_str(&format!(
        " did not pass (status `{}`)",
        run.status.as_deref().unwrap_or("?")
    ));
    if let Some(code) = &run.error_code {
        message.push_str(&format!(": `{code}`"));
    }
    if let Some(error) = &run.first_error {
        let sep = if run.error_code.is_some() {
            " — "
        } else {
            ": "
        };
        message.push_str(sep);
        message.push_str(&text::one_line(error, text::LINE_CHARS));
    }
    message
}

/// The merge phase: families and duplicates among the report sources, then the custom
/// metrics, stored compactly, sorted and de-duplicated in place, and the source families put
/// in front of them.
fn merge_points(
    request: &ExportRequest,
    sourced: Vec<Sourced>,
    run: &Run,
    read: &mut Read,
) -> (Result<Points, StoreFull>, Duplicates) {
    let primary_sets = &run.sets;
    let blockers = &mut read.blockers;
    let summaries = &mut read.summaries;
    let (sources, mut dropped) = group_families(sourced);

    // Custom metrics: the large part.
    let mut points = Points::new();
    if let Some(path) = &request.metrics_file {
        match custom::read_metrics_file(path, primary_sets) {
            Ok(read) => points = read,
            Err(MetricsFileError::Missing(msg)) => {
                blockers.push(Blocker::new(Code::MetricsFileMissing, msg).about(path))
            }
            Err(MetricsFileError::Invalid(msg)) => {
                blockers.push(Blocker::new(Code::MetricsFileInvalid, msg).about(path))
            }
        }
        summaries.push(InputSummary::new(
            path,
            InputKind::MetricsFile,
            points.custom_given(),
        ));
    }
    let merged = (|| {
        let sets = points.sets(&primary_sets.labels, &primary_sets.attributes)?;
        for m in &request.metrics {
            points.push_custom_named(&m.name, &m.origin, m.value, sets)?;
        }
        points.sort_and_dedup(|gone, kept| dropped.add(|| custom::describe_dropped(gone, kept)));
        points.prepend_families(&sources, |gone, kept| {
            dropped.add(|| custom::describe_dropped(gone, kept))
        })?;
        Ok(points)
    })();
    (merged, dropped)
}

/// The blocker for an export whose names do not fit the point store.
pub fn store_full_blocker(request: &ExportRequest, full: StoreFull) -> Blocker {
    let blocker = Blocker::new(Code::MetricsFileInvalid, full.to_string());
    match &request.metrics_file {
        Some(path) => blocker.about(path),
        None => blocker,
    }
}

/// Series dropped as repeats: the first few described, all counted (a file can repeat a
/// million names; their messages are not kept).
#[derive(Debug, Default)]
pub struct Duplicates {
    listed: Vec<String>,
    count: usize,
}

impl Duplicates {
    fn add(&mut self, describe: impl FnOnce() -> String) {
        if self.listed.len() < DUPLICATES_LISTED {
            self.listed.push(describe());
        }
        self.count += 1;
    }
}

/// The check phase: duplicates, unbounded labels, and an export with no metric at all.
fn check(
    request: &ExportRequest,
    points: &Points,
    dropped: &Duplicates,
    has_primary: bool,
    store_full: bool,
    blockers: &mut Vec<Blocker>,
) {
    if dropped.count > 0 {
        blockers.push(duplicate_blocker(dropped));
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
    let explained = store_full
        || blockers
            .iter()
            .any(|b| b.code == Code::RunReportNotARunReport);
    if points.is_empty() && !explained {
        blockers.push(Blocker::new(
            Code::MetricsEmpty,
            match (&request.run_report, has_primary) {
                (Some(path), true) => format!(
                    "`{}` holds none of the run-report fields and no other input gave a metric",
                    path.display()
                ),
                _ => "no input gave a metric".to_string(),
            },
        ));
    }
}

fn not_a_run_report(shown: &str) -> Blocker {
    Blocker::new(
        Code::RunReportNotARunReport,
        format!("`{shown}` is the output of `dpone run-report` (it has `pipeline` and `timeline`), not a `dpone run` report"),
    )
}

/// The `--run-report` file, with the peer's blocker codes.
fn read_primary_run(path: &Path, blockers: &mut Vec<Blocker>) -> (Option<RunFacts>, InputSummary) {
    let shown = path.display();
    let fail = |blockers: &mut Vec<Blocker>, code, message: String| {
        blockers.push(Blocker::new(code, message).about(path));
        (
            None,
            InputSummary::new(path, InputKind::Known(Kind::RunReport), 0),
        )
    };
    let object = match inputs::read_object(path) {
        Ok(object) => object,
        Err(ReadError::NotAFile(why)) => {
            return fail(
                blockers,
                Code::RunReportMissing,
                format!("run report `{shown}` {why}"),
            )
        }
        Err(ReadError::Io(why)) => {
            return fail(
                blockers,
                Code::RunReportUnreadable,
                format!("cannot read run report `{shown}`: {why}"),
            )
        }
        Err(ReadError::InvalidJson(why)) => {
            return fail(
                blockers,
                Code::RunReportInvalidJson,
                format!("run report `{shown}` is not valid JSON: {why}"),
            )
        }
        Err(ReadError::NotAnObject(kind)) => {
            return fail(
                blockers,
                Code::RunReportInvalidShape,
                format!("run report `{shown}` is a JSON {kind}, not an object"),
            )
        }
    };
    if detect(&object) == Detection::NotARunReport {
        blockers.push(not_a_run_report(&shown.to_string()).about(path));
        return (None, InputSummary::new(path, InputKind::NotARunReport, 0));
    }
    // An orchestrated-run wrapper given as the run report is unwrapped.
    let (report, wrapped) = match object.get("run_result").and_then(Value::as_object) {
        Some(inner) if object.contains_key("lock_key") => (inner, true),
        _ => (&object, false),
    };
    let facts = run_report::extract(report);
    let facts = if wrapped {
        facts.orchestrated_by(&object)
    } else {
        facts
    };
    blockers.extend(
        run_report::type_errors(report, &shown.to_string())
            .into_iter()
            .map(|b| b.about(path)),
    );
    let count = facts.values.len();
    (
        Some(facts),
        InputSummary::new(path, InputKind::Known(Kind::RunReport), count),
    )
}

/// A lineage input's run, kept unless with it the lineage inputs would name more datasets than
/// [`lineage::MAX_DATASETS`]: then left out, and a blocker says so.
fn add_lineage(
    run: LineageRun,
    runs: &mut Vec<LineageRun>,
    blockers: &mut Vec<Blocker>,
    path: &Path,
) {
    let named: usize = runs.iter().map(LineageRun::datasets).sum();
    if named + run.datasets() <= lineage::MAX_DATASETS {
        runs.push(run);
        return;
    }
    let message = format!(
        "`{}` names {} datasets; with it the lineage inputs would name more than {}, which no \
         pipeline's event does: not read",
        path.display(),
        run.datasets(),
        lineage::MAX_DATASETS
    );
    blockers.push(Blocker::new(Code::InputUnreadable, message).about(path));
}

fn input_read_blocker(shown: &str, err: ReadError) -> Blocker {
    match err {
        ReadError::NotAFile(why) => Blocker::new(Code::InputUnreadable, format!("`{shown}` {why}")),
        ReadError::Io(why) => Blocker::new(Code::InputUnreadable, format!("`{shown}`: {why}")),
        ReadError::InvalidJson(why) => Blocker::new(
            Code::InputInvalidJson,
            format!("`{shown}` is not valid JSON: {why}"),
        ),
        ReadError::NotAnObject(kind) => Blocker::new(
            Code::InputInvalidJson,
            format!("`{shown}` is a JSON {kind}, not an object"),
        ),
    }
}

/// A run's points with the run's labels (user labels win, as with the peer) and its id as an
/// OpenTelemetry-only attribute.
fn run_points(facts: &RunFacts, user: &LabelSet) -> (Vec<MetricPoint>, PointSets) {
    // Run labels only add keys the user did not set, and never collide after sanitising;
    // should that ever fail, the user's labels alone are still valid.
    let labels = Arc::new(
        user.with_defaults(facts.labels.clone())
            .unwrap_or_else(|_| user.clone()),
    );
    let attributes = match &facts.run_id {
        Some(id) if !labels.contains_key("run_id") => {
            Arc::new(LabelSet::new([("run_id", id.as_str())]).unwrap_or_default())
        }
        _ => LabelSet::empty(),
    };
    let points = facts
        .values
        .iter()
        .map(|(spec, value)| MetricPoint {
            name: spec.name.into(),
            value: *value,
            labels: Arc::clone(&labels),
            attributes: Arc::clone(&attributes),
            descriptor: Descriptor::Catalog(spec),
        })
        .collect();
    (points, PointSets { labels, attributes })
}

/// A source series' labels: the source's own (they identify the series, so they win) and the
/// user's, minus any whose Prometheus name a source label already takes.
fn series_labels(series: &Series, user: &LabelSet) -> LabelSet {
    let taken: Vec<String> = series
        .labels
        .iter()
        .map(|(k, _)| sanitize_label_name(k))
        .collect();
    let pairs = user
        .iter()
        .filter(|l| !taken.contains(&l.prometheus_name))
        .map(|l| (l.key.clone(), l.value.clone()))
        .chain(
            series
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone())),
        );
    // Source keys are fixed valid names and colliding user keys were removed above.
    LabelSet::new(pairs).unwrap_or_default()
}

fn read_source(
    kind: Kind,
    object: &Map<String, Value>,
    shown: &str,
    request: &ExportRequest,
    sourced: &mut Vec<Sourced>,
    blockers: &mut Vec<Blocker>,
) -> Option<RunFacts> {
    let extracted = sources::extract(kind, object, shown, request.now);
    blockers.extend(extracted.blockers);
    if let Some(facts) = &extracted.run {
        let (points, _) = run_points(facts, &request.labels);
        sourced.extend(points.into_iter().map(|point| Sourced {
            point,
            input: shown.to_string(),
        }));
    }
    let none = LabelSet::empty();
    for series in &extracted.series {
        sourced.push(Sourced {
            point: MetricPoint {
                name: series.spec.name.into(),
                value: series.value,
                labels: Arc::new(series_labels(series, &request.labels)),
                attributes: Arc::clone(&none),
                descriptor: Descriptor::Catalog(series.spec),
            },
            input: shown.to_string(),
        });
    }
    extracted.run
}

/// One bundle at most; its run must be the run report's.
fn load_correlation(
    bundles: &[PathBuf],
    run_id: Option<&str>,
    blockers: &mut Vec<Blocker>,
) -> Option<Correlation> {
    match bundles {
        [] => None,
        [path] => match airflow::load(path) {
            Ok(correlation) => match run_id {
                Some(id) if id != correlation.run_id => {
                    blockers.push(Blocker::new(
                        Code::AirflowCorrelationRunMismatch,
                        format!(
                            "Airflow evidence bundle `{}` is for dpone run `{}`, the run report is `{id}`",
                            path.display(),
                            correlation.run_id
                        ),
                    ).about(path));
                    None
                }
                _ => Some(correlation),
            },
            Err(blocker) => {
                blockers.push(blocker.about(path));
                None
            }
        },
        many => {
            let names: Vec<String> = many.iter().map(|p| format!("`{}`", p.display())).collect();
            blockers.push(Blocker::new(
                Code::AirflowCorrelationAmbiguous,
                format!(
                    "{} Airflow evidence bundles: {}",
                    many.len(),
                    names.join(", ")
                ),
            ));
            None
        }
    }
}

/// Orders source points into contiguous families (first appearance first) and drops repeated
/// series, describing each.
fn group_families(sourced: Vec<Sourced>) -> (Vec<MetricPoint>, Duplicates) {
    let mut first: HashMap<Box<str>, usize> = HashMap::new();
    let mut keyed: Vec<(usize, Sourced)> = sourced
        .into_iter()
        .enumerate()
        .map(|(i, s)| (*first.entry(s.point.name.clone()).or_insert(i), s))
        .collect();
    keyed.sort_by_key(|(family, _)| *family);
    let mut points: Vec<MetricPoint> = Vec::with_capacity(keyed.len());
    let mut inputs: Vec<String> = Vec::with_capacity(keyed.len());
    let mut family_start = 0;
    let mut dropped = Duplicates::default();
    for (_, s) in keyed {
        if points.last().is_none_or(|last| last.name != s.point.name) {
            family_start = points.len();
        }
        let repeat = (family_start..points.len()).find(|&i| *points[i].labels == *s.point.labels);
        match repeat {
            Some(kept) => dropped.add(|| {
                format!(
                    "`{}{}` from `{}` (value {}) repeats the series from `{}`, which was kept",
                    s.point.name,
                    label_text(&s.point.labels),
                    s.input,
                    s.point.value,
                    inputs[kept]
                )
            }),
            None => {
                points.push(s.point);
                inputs.push(s.input);
            }
        }
    }
    (points, dropped)
}

fn label_text(labels: &LabelSet) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|l| format!("{}=\"{}\"", l.key, l.value))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

const DUPLICATES_LISTED: usize = 10;

fn duplicate_blocker(dropped: &Duplicates) -> Blocker {
    let mut message = format!("{} duplicate series dropped: ", dropped.count);
    message.push_str(&dropped.listed.join("; "));
    if dropped.count > dropped.listed.len() {
        message.push_str(&format!(
            "; and {} more",
            dropped.count - dropped.listed.len()
        ));
    }
    Blocker::new(Code::MetricsDuplicateSeries, message)
}
