//! Reading a finished export's `runtime_metrics.json` back: the one reader of that file, typed
//! by the types it is written from (`report::JsonReport`, the gates' results, the metric list
//! of `metric_list`), so a field the writer adds is read too. `publish` takes the whole report
//! from it, `push` the series and their time, and a baseline comparison the history of earlier
//! exports (`read_history`: files, folders through their index, glob patterns).
//!
//! A field this build does not know is ignored, so an older build reads a newer export of the
//! same `schema_version`; a field an older export or the Python peer lacks takes its default.
//! A value of the wrong type, an enumerated value this build does not know, another
//! `schema_version` or a label set the export would never write make the file unreadable, with
//! the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::artifacts::{read_indexed, HISTORY, JSON_REPORT, SCHEMA_VERSION};
use super::blockers::{Blocker, Code, Severity, METRIC_PLACEHOLDER};
use super::files;
use super::gates::{History, ReadReport, RecordedComparison, ReportSeries, Sample};
use super::points::Points;
use super::report::{ArtifactPaths, BlockerDetail, ExportReport, JsonReport};
use super::timestamp::Timestamp;

/// The resource attribute an export records its CI run under.
pub const RUN_ID_ATTRIBUTE: &str = "cicd.pipeline.run.id";

/// The resource attribute whose `/attempts/N` tail names the run's attempt.
pub const RUN_URL_ATTRIBUTE: &str = "cicd.pipeline.run.url.full";

/// The OpenTelemetry VCS attributes an export records its commit under.
pub const REVISION_ATTRIBUTE: &str = "vcs.ref.head.revision";
pub const REF_NAME_ATTRIBUTE: &str = "vcs.ref.head.name";

/// The attempt a run URL ends with (`…/attempts/2`), when it does.
pub fn attempt_of_url(url: &str) -> Option<String> {
    url.rsplit_once("/attempts/")
        .map(|(_, attempt)| attempt.to_string())
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads a `runtime_metrics.json` (Python's bare `NaN` and `Infinity` tokens accepted, as the
/// peer writes them). The error says what is wrong, without the path.
pub fn read_document(bytes: &[u8]) -> Result<JsonReport<'static>, String> {
    let document: JsonReport<'static> = super::json_input::from_slice(bytes).map_err(|err| {
        format!(
            "is not the `runtime_metrics.json` of an export ({})",
            super::syntax::json_error(&err)
        )
    })?;
    if document.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "has `schema_version` {}; this build reads version {SCHEMA_VERSION}",
            document.schema_version
        ));
    }
    Ok(document)
}

/// The export a document describes, as the renderers take it, and its points. The blockers
/// come from `blocker_details` (each code one this build knows) and decide `passed`; runbook
/// links go to `runbook_base`, not to the document's; `generated_at` must be a time, and
/// `observed_at` is `generated_at` when it is not. The error says which field is unusable.
pub fn export_report(
    document: JsonReport<'static>,
    runbook_base: String,
) -> Result<(ExportReport, Points), String> {
    let bad = |what: &str| format!("has no usable {what}");
    let blockers = document
        .blocker_details
        .iter()
        .map(blocker)
        .collect::<Option<Vec<Blocker>>>()
        .ok_or_else(|| bad("blocker code"))?;
    let generated_at =
        Timestamp::parse_rfc3339(&document.generated_at).ok_or_else(|| bad("`generated_at`"))?;
    let observed_at = Timestamp::parse_rfc3339(&document.observed_at).unwrap_or(generated_at);
    let output_dir = Path::new(&document.output_dir);
    let paths = ArtifactPaths {
        output_dir: document.output_dir.clone(),
        prometheus: document.prometheus_path,
        opentelemetry: document.opentelemetry_path,
        opentelemetry_traces: ArtifactPaths::new(output_dir).opentelemetry_traces,
        json_report: document.json_report_path,
        markdown_report: document.markdown_report_path,
        metrics_index: document.metrics_index_path,
    };
    let report = ExportReport {
        passed: !blockers.iter().any(|b| b.severity() == Severity::Error),
        metric_count: document.metric_count,
        service_name: document.service_name.into_owned(),
        namespace: document.namespace.into_owned(),
        paths,
        blockers,
        resource_attributes: document
            .resource_attributes
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        correlation_id: document.correlation_id.map(|id| id.into_owned()),
        run_id: document.run_id.map(|id| id.into_owned()),
        run: document.run.map(std::borrow::Cow::into_owned),
        observed_at,
        generated_at,
        inputs: document.inputs.into_owned(),
        runbook_base,
        gates: document.gates.into_owned(),
    };
    Ok((report, document.metrics.into_owned()))
}

/// A blocker as the report details it; `None` for a code this build does not know.
fn blocker(detail: &BlockerDetail<'_>) -> Option<Blocker> {
    let id = detail.code.as_str();
    let code = Code::parse_instance(id)?;
    let blocker = match code.as_str().split_once(METRIC_PLACEHOLDER) {
        Some((head, tail)) if Code::parse(id).is_none() => {
            let metric = &id[head.len()..id.len() - tail.len()];
            Blocker::for_metric(code, metric, detail.message.as_ref())
        }
        _ => Blocker::new(code, detail.message.as_ref()),
    };
    Some(blocker.with_severity(detail.severity))
}

/// What the gates use of a document: its series, provenance and recorded regressions.
fn sample_report(document: &JsonReport<'_>) -> ReadReport {
    let attribute = |key: &str| {
        document
            .resource_attributes
            .get(key)
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string())
    };
    let given = |text: &str| (!text.is_empty()).then(|| text.to_string());
    let series = document
        .metrics
        .iter()
        .map(|p| ReportSeries {
            name: p.name.to_string(),
            labels: p
                .labels
                .iter()
                .map(|l| (l.key.clone(), l.value.clone()))
                .collect(),
            value: p.value,
        })
        .collect();
    let recorded = document
        .gates
        .regressions
        .iter()
        .map(|c| RecordedComparison {
            code: c.code.clone(),
            labels: c.labels.clone().into_iter().collect(),
            breached: c.breached,
        })
        .collect();
    ReadReport {
        observed_at: given(&document.observed_at),
        series,
        revision: attribute(REVISION_ATTRIBUTE),
        ref_name: attribute(REF_NAME_ATTRIBUTE),
        generated_at: given(&document.generated_at),
        run_id: attribute(RUN_ID_ATTRIBUTE),
        run_attempt: attribute(RUN_URL_ATTRIBUTE)
            .as_deref()
            .and_then(attempt_of_url),
        passed: document.passed,
        recorded,
    }
}

/// Reads every sample the patterns name. A pattern that matches nothing, a missing or
/// malformed file, and a folder that does not verify are warnings (a first run has no history),
/// never a failure of the export.
pub fn read_history(patterns: &[PathBuf]) -> History {
    let mut history = History {
        given: patterns.to_vec(),
        ..History::default()
    };
    let mut seen: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        for path in expand(pattern, &mut history.blockers) {
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.contains(&canonical) {
                continue;
            }
            seen.push(canonical);
            match read_samples(&path, &mut history.blockers) {
                Ok(samples) => history.samples.extend(samples),
                Err(blocker) => history.blockers.push(blocker),
            }
        }
    }
    history.samples = dedup_runs(std::mem::take(&mut history.samples));
    // Stable: samples of one time keep the order given.
    history.samples.sort_by(|a, b| a.time().cmp(b.time()));
    history
}

/// A pattern's paths: its glob matches (sorted), or the path itself when it has no glob
/// characters (so a missing file says so).
fn expand(pattern: &Path, blockers: &mut Vec<Blocker>) -> Vec<PathBuf> {
    let text = pattern.display().to_string();
    if !text.contains(['*', '?', '[']) {
        return vec![pattern.to_path_buf()];
    }
    let mut matches: Vec<PathBuf> = match super::dirs::glob(&text) {
        Ok(paths) => paths.into_iter().flatten().collect(),
        Err(err) => {
            blockers.push(
                Blocker::new(
                    Code::BaselineMissing,
                    format!(
                        "baseline pattern `{text}` is not a valid glob ({err}); nothing was read"
                    ),
                )
                .about(pattern),
            );
            return Vec::new();
        }
    };
    matches.sort();
    if matches.is_empty() {
        blockers.push(
            Blocker::new(
                Code::BaselineMissing,
                format!("baseline pattern `{text}` matched no file or folder; nothing was read"),
            )
            .about(pattern),
        );
    }
    matches
}

/// Reads the samples of one baseline: the entries of the carried history of a folder whose
/// index lists a `history.json` that it holds (or of a `history.json` file), and a folder's own
/// `runtime_metrics.json`. A history whose chain does not hold is refused whole
/// (`history.broken`, pushed to `blockers`): the folder then gives its own export only. A
/// folder whose `runtime_metrics.json` does not verify is refused whole.
pub fn read_samples(path: &Path, blockers: &mut Vec<Blocker>) -> Result<Vec<Sample>, Blocker> {
    let shown = path.display();
    let carried = if path.is_dir() {
        // Listed in the index and present: a folder unpacked from an artifact with its report
        // only (the action's `baseline: auto`) has no carried history.
        let listed = path.join(HISTORY.file_name).is_file()
            && super::artifacts::read_index(path)
                .map(|index| {
                    index
                        .artifacts
                        .iter()
                        .any(|e| e.relative_path == HISTORY.file_name)
                })
                .unwrap_or(false);
        listed.then(|| read_indexed(path, HISTORY.file_name))
    } else if path.file_name().and_then(|n| n.to_str()) == Some(HISTORY.file_name) {
        Some(files::read_capped(path, files::MAX_BASELINE_BYTES).map_err(|err| err.to_string()))
    } else {
        None
    };
    let Some(bytes) = carried else {
        return read_sample(path).map(|sample| vec![sample]);
    };
    let mut samples = match bytes.and_then(|bytes| super::history::parse(&bytes)) {
        Ok(file) => super::history::to_samples(&file, &shown.to_string()),
        Err(why) => {
            blockers.push(
                Blocker::new(
                    Code::HistoryBroken,
                    format!(
                        "baseline `{shown}`: its history {why}; its carried history was not used"
                    ),
                )
                .about(path),
            );
            Vec::new()
        }
    };
    // The folder's own export, whole (every series, its recorded comparisons): it replaces
    // the history's entry for the same run (`dedup_runs`).
    if path.is_dir() {
        samples.push(read_sample(path)?);
    }
    Ok(samples)
}

/// What identifies a run among samples: commit, CI run, attempt and time.
fn run_key(sample: &Sample) -> (Option<&str>, Option<&str>, Option<&str>, &str) {
    let report = &sample.report;
    (
        report.revision.as_deref(),
        report.run_id.as_deref(),
        report.run_attempt.as_deref(),
        sample.time(),
    )
}

/// A run's [`run_key`], owned.
type RunKey = (Option<String>, Option<String>, Option<String>, String);

fn owned_key(sample: &Sample) -> RunKey {
    let (revision, run, attempt, time) = run_key(sample);
    (
        revision.map(str::to_string),
        run.map(str::to_string),
        attempt.map(str::to_string),
        time.to_string(),
    )
}

/// Keeps one sample per run (a run in two carried histories, or in a history and as its own
/// export): the one with the most series, the first given on a tie. A sample that says nothing
/// of its run (no commit, run or time) is its own.
fn dedup_runs(samples: Vec<Sample>) -> Vec<Sample> {
    let identified = |s: &Sample| {
        let (revision, run, _, time) = run_key(s);
        revision.is_some() || run.is_some() || !time.is_empty()
    };
    let mut kept: Vec<Sample> = Vec::with_capacity(samples.len());
    // Each identified run's place in `kept`, found in log time (100 000 runs stay fast).
    let mut places: BTreeMap<RunKey, usize> = BTreeMap::new();
    for sample in samples {
        let place = identified(&sample)
            .then(|| places.get(&owned_key(&sample)).copied())
            .flatten();
        match place {
            Some(i) if kept[i].report.series.len() < sample.report.series.len() => {
                kept[i] = sample;
            }
            Some(_) => {}
            None => {
                if identified(&sample) {
                    places.insert(owned_key(&sample), kept.len());
                }
                kept.push(sample);
            }
        }
    }
    kept
}

/// Reads one sample: a folder through its index, or a `runtime_metrics.json` file.
pub fn read_sample(path: &Path) -> Result<Sample, Blocker> {
    let shown = path.display();
    let missing = |why: String| {
        Blocker::new(
            Code::BaselineMissing,
            format!("baseline `{shown}` {why}; it was not used"),
        )
        .about(path)
    };
    let invalid = |why: String| {
        Blocker::new(
            Code::BaselineInvalid,
            format!("baseline `{shown}` {why}; it was not used"),
        )
        .about(path)
    };
    let bytes = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => read_indexed(path, JSON_REPORT.file_name)
            .map_err(|err| invalid(format!("does not verify against its index: {err}")))?,
        Ok(meta) if meta.is_file() => files::read_capped(path, files::MAX_BASELINE_BYTES)
            .map_err(|err| invalid(format!("cannot be read ({err})")))?,
        Ok(_) => return Err(missing("is not a regular file or folder".to_string())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(Blocker::new(
                Code::BaselineMissing,
                format!(
                    "baseline `{shown}` was not used: it {}",
                    files::not_found(path)
                ),
            )
            .about(path))
        }
        Err(err) => return Err(missing(format!("cannot be opened ({err})"))),
    };
    let document = read_document(&bytes).map_err(invalid)?;
    Ok(Sample {
        source: shown.to_string(),
        report: sample_report(&document),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_report(bytes: &[u8]) -> Result<ReadReport, String> {
        read_document(bytes).map(|document| sample_report(&document))
    }

    #[test]
    fn gate_results_read_back_as_written() {
        use crate::observability::gates::{Comparison, ComparisonStatus, Direction, GateResults};
        let comparison = Comparison {
            at: Default::default(),
            actual: Some(f64::NAN),
            baseline: Some(f64::INFINITY),
            breached: true,
            centre: Some(f64::NEG_INFINITY),
            code: "regression.dpone_x".into(),
            consecutive: 2,
            delta: None,
            direction: Direction::Both,
            labels: [("process".to_string(), "p".to_string())].into(),
            lower_limit: Some(0.1 + 0.2),
            metric: "dpone_x".into(),
            passed: false,
            ratio: Some(-1e-300),
            reason: Some("why".into()),
            rule: "p.yml line 3".into(),
            sample_ids: vec!["abc1234".into()],
            samples: 1,
            severity: Severity::Warning,
            status: ComparisonStatus::NotComputable,
            test: "z_score",
            tolerance: [("boundary", 0.977)].into(),
            upper_limit: Some(1e21),
            verdict: crate::observability::gates::Verdict::Failed,
            replayed: None,
            enforce: Default::default(),
            change_points: Vec::new(),
            history: Vec::new(),
        };
        let gates = GateResults {
            regressions: vec![comparison],
            ..GateResults::default()
        };
        let text = serde_json::to_string_pretty(&gates).unwrap();
        let read: GateResults = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string_pretty(&read).unwrap(), text);
        assert!(read.regressions[0].actual.unwrap().is_nan());
        for (from, to) in [
            ("\"NaN\"", "\"nan\""),
            ("\"z_score\"", "\"zz\""),
            ("\"boundary\"", "\"bound\""),
            ("\"both\"", "\"sideways\""),
        ] {
            let bad = text.replacen(from, to, 1);
            let err = serde_json::from_str::<GateResults>(&bad).expect_err(to);
            assert!(
                err.to_string().contains(to.trim_matches('"')),
                "{to}: {err}"
            );
        }
    }

    #[test]
    fn reads_a_report_with_or_without_schema_version() {
        for head in ["", "\"schema_version\": 1, "] {
            let text = format!(
                "{{{head}\"observed_at\": \"t\", \"metrics\": [{{\"name\": \"dpone_x\", \"value\": 2.5}}]}}"
            );
            let read = read_report(text.as_bytes()).unwrap();
            assert_eq!(read.observed_at.as_deref(), Some("t"), "{text}");
            assert_eq!(read.series.len(), 1, "{text}");
            assert_eq!(read.series[0].value, 2.5);
        }
    }
}
