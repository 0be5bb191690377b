//! `metrics-export`: turn flags into an export request, run it, print the report.

use std::io::Write;

use super::{MetricsExportArgs, OutputFormat};
use crate::exit::{write_blocker, Error, Outcome, Verdict};
use crate::observability::blockers::any_error;
use crate::observability::export::{export, ExportError, ExportRequest};
use crate::observability::gates::parse_objectives;
use crate::observability::metrics::LabelSet;
use crate::observability::policy::{parse_policy, Policy};
use crate::observability::report::StdoutReport;
use crate::observability::sources::custom::CustomMetric;
use crate::observability::timestamp::Timestamp;

/// `SOURCE_DATE_EPOCH` (reproducible builds) fixes every generated time when set.
pub(crate) fn export_time() -> Result<Timestamp, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(Timestamp::from_unix_seconds)
            .ok_or_else(|| {
                format!("SOURCE_DATE_EPOCH must be whole seconds since 1970, got `{text}`")
            }),
        Err(std::env::VarError::NotPresent) => Ok(Timestamp::now()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("SOURCE_DATE_EPOCH is not valid text".to_string())
        }
    }
}

/// Reads `--objectives`: a file when one of that name exists, else the text itself.
pub(crate) fn read_objectives_arg(value: &str, what: &str) -> Result<(String, String), String> {
    let path = std::path::Path::new(value.trim());
    if !value.contains('\n') && !value.trim().is_empty() && path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("{what} file `{}`: {err}", path.display()))?;
        return Ok((text, path.display().to_string()));
    }
    Ok((value.to_string(), what.to_string()))
}

/// The policy file and `--objectives`, merged.
fn read_policy(args: &MetricsExportArgs) -> Result<Policy, String> {
    let mut policy = match &args.policy {
        None => Policy::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|err| format!("policy file `{}`: {err}", path.display()))?;
            parse_policy(&text, &path.display().to_string())?
        }
    };
    if let Some(value) = &args.objectives {
        let (text, source) = read_objectives_arg(value, "--objectives")?;
        policy
            .gates
            .objectives
            .extend(parse_objectives(&text, &source)?);
    }
    Ok(policy)
}

pub fn run(
    args: Box<MetricsExportArgs>,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> Outcome {
    let now = export_time().map_err(Error::Usage)?;
    let policy = read_policy(&args).map_err(Error::Usage)?;
    let labels = LabelSet::new(args.labels)
        .map_err(|err| Error::Usage(format!("invalid --label: {err}")))?;
    let mut request = ExportRequest::new(args.output_dir, now);
    request.policy = policy;
    request.baseline = args.baseline;
    request.run_report = args.run_report;
    request.inputs = args.inputs;
    request.metrics = args
        .metrics
        .iter()
        .map(|(name, value)| CustomMetric::new(name, *value))
        .collect();
    request.metrics_file = args.metrics_file;
    request.labels = labels;
    request.resource_attributes = args.resource_attributes;
    request.service_name = args.service_name;
    request.namespace = args.namespace;
    request.airflow_evidence_bundle = args.airflow_evidence_bundle;

    let outcome = export(&request).map_err(|err| match err {
        ExportError::Config(err) => Error::Usage(err.to_string()),
        err => Error::Failed(err.to_string()),
    })?;
    let report = &outcome.report;
    for blocker in &report.blockers {
        write_blocker(stderr, blocker, &report.runbook_url(blocker.code));
    }
    let printed = match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *stdout, &StdoutReport::from(report))
                .map_err(std::io::Error::from)
                .and_then(|()| stdout.write_all(b"\n"))
        }
        OutputFormat::Md => {
            std::fs::read(&report.paths.markdown_report).and_then(|bytes| stdout.write_all(&bytes))
        }
    };
    printed.map_err(|err| Error::Failed(format!("cannot print the report: {err}")))?;
    Ok(Verdict::from_failed(any_error(&report.blockers)))
}
