//! `metrics-export`: turn flags into an export request, run it, print the report.

use std::io::Write;

use super::{MetricsExportArgs, OutputFormat};
use crate::exit::{write_blocker, Error, Outcome, Verdict};
use crate::observability::blockers::{any_error, roots, Blocker, Code, Severity};
use crate::observability::export::{export, ExportError};
use crate::observability::report::{ExportReport, StdoutReport};
use crate::observability::settings::{resolve, ExportSpec, Names, PolicyFile};
use crate::observability::text::plural;
use crate::observability::timestamp::Timestamp;

/// `SOURCE_DATE_EPOCH` (reproducible builds) fixes every generated time when set.
pub(crate) fn export_time() -> Result<Timestamp, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(seconds) => Timestamp::from_unix_seconds(seconds).ok_or_else(|| {
                format!(
                    "SOURCE_DATE_EPOCH `{seconds}` is too late: times are nanoseconds since \
                     1970 in 64 bits, so the latest is {} (2554-07-21)",
                    u64::MAX / 1_000_000_000
                )
            }),
            Err(_) => Err(format!(
                "SOURCE_DATE_EPOCH must be whole seconds since 1970, got `{text}`"
            )),
        },
        Err(std::env::VarError::NotPresent) => Ok(Timestamp::now()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("SOURCE_DATE_EPOCH is not valid text".to_string())
        }
    }
}

/// The flags as the settings path's low level.
fn spec(args: Box<MetricsExportArgs>, now: Timestamp) -> ExportSpec {
    let args = *args;
    let mut resource_attributes = args.resource_attributes;
    if !args.no_ci_attributes {
        let get = |name: &str| std::env::var(name).ok();
        let event = crate::ci_env::Event::from_env(&get);
        crate::ci_env::merge(
            &mut resource_attributes,
            crate::ci_env::resource_attributes(&get, &event),
        );
    }
    let mut spec = ExportSpec::new(Names::Flags, args.output_dir, now);
    let get = |name: &str| std::env::var(name).ok();
    spec.trace_ids = args.trace_ids;
    spec.traceparent = get("TRACEPARENT");
    spec.ci_job = crate::ci_env::ci_job(&get, args.check_run_id);
    spec.openlineage_namespace = args.openlineage_namespace;
    spec.policy_file = args.policy.map(|path| PolicyFile {
        shown: path.display().to_string(),
        path,
        optional: false,
    });
    spec.objectives = args.objectives;
    spec.labels = args.labels;
    spec.baselines = args.baseline;
    spec.history_limit = Some(args.history_limit);
    spec.merge_base = args
        .merge_base
        .map(|sha| crate::observability::history::MergeBase {
            sha,
            date: args.merge_base_date,
        });
    spec.run_report = args.run_report;
    spec.inputs = args.inputs;
    spec.metrics = args.metrics;
    spec.metrics_file = args.metrics_file;
    spec.resource_attributes = resource_attributes;
    spec.service_name = Some(args.service_name);
    spec.namespace = Some(args.namespace);
    spec.airflow_evidence_bundle = args.airflow_evidence_bundle;
    spec
}

/// The blockers of an input that could not be read: the core's unread inputs, and on the
/// terminal also an unknown input kind (its pattern matched nothing either).
fn is_input_failure(code: Code) -> bool {
    code.is_unread_input() || code == Code::InputUnknownKind
}

/// At most this many folded codes are named on the root cause's `then:` line.
const MAX_FOLDED_SHOWN: usize = 4;

/// How the blockers are shown on the terminal: when an input could not be read and so no input
/// gave a metric, `metrics.empty` and the objectives that fail for want of a metric
/// (`slo.<metric>.missing`) are what the input's failure causes; they are folded under the
/// first such failure (`then: …`) instead of printed as a cascade. The artifact set keeps
/// every blocker.
pub(crate) fn write_blockers(stderr: &mut impl Write, report: &ExportReport) -> bool {
    let blockers = &report.blockers;
    let root = blockers.iter().position(|b| is_input_failure(b.code));
    let emptied = blockers.iter().any(|b| b.code == Code::MetricsEmpty);
    let Some(root) = root.filter(|_| emptied) else {
        for blocker in blockers {
            write_blocker(stderr, blocker, &report.runbook_url(blocker.code));
        }
        return false;
    };
    let folded = |b: &Blocker| matches!(b.code, Code::MetricsEmpty | Code::SloMissing);
    for (at, blocker) in blockers.iter().enumerate() {
        if folded(blocker) {
            continue;
        }
        write_blocker(stderr, blocker, &report.runbook_url(blocker.code));
        if at == root {
            let ids: Vec<String> = blockers
                .iter()
                .filter(|b| folded(b))
                .map(|b| b.id().to_string())
                .collect();
            let more = ids.len().saturating_sub(MAX_FOLDED_SHOWN);
            let mut line = ids[..ids.len() - more].join(", ");
            if more > 0 {
                line.push_str(&format!(" and {more} more"));
            }
            let _ = writeln!(stderr, "  then: no input gave a metric ({line})");
        }
    }
    true
}

pub fn run(
    args: Box<MetricsExportArgs>,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> Outcome {
    let now = export_time().map_err(Error::Usage)?;
    let format = args.format;
    let request = resolve(spec(args, now)).map_err(Error::Usage)?;
    let outcome = export(&request).map_err(|err| match err {
        ExportError::Config(err) => Error::Usage(err.to_string()),
        err => Error::Failed(err.to_string()),
    })?;
    let report = &outcome.report;
    for hint in &request.hints {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    for warning in &request.warnings {
        let _ = writeln!(stderr, "warning: {warning}");
    }
    let folded = write_blockers(stderr, report);
    let printed = match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *stdout, &StdoutReport::from(report))
                .map_err(std::io::Error::from)
                .and_then(|()| stdout.write_all(b"\n"))
        }
        // The Markdown of an export no input gave a metric to only repeats the blockers: it
        // is named, not printed.
        OutputFormat::Md if folded => {
            let _ = writeln!(
                stderr,
                "report: {} (not printed: no input gave a metric)",
                report.paths.markdown_report
            );
            Ok(())
        }
        OutputFormat::Md => {
            std::fs::read(&report.paths.markdown_report).and_then(|bytes| stdout.write_all(&bytes))
        }
    };
    printed
        .and_then(|()| stdout.flush())
        .map_err(|err| Error::Failed(format!("cannot print the report: {err}")))?;
    // Last, after the report (flushed above), so the counts are not scrolled away.
    // Root causes are counted; what they caused is counted apart.
    let roots = roots(&report.blockers);
    let errors = roots
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .count();
    let caused = report.blockers.len() - roots.len();
    let _ = writeln!(
        stderr,
        "exported {} → {}; {}, {}{}",
        plural(report.metric_count, "metric"),
        request.output_dir.display(),
        plural(errors, "error"),
        plural(roots.len() - errors, "warning"),
        if caused > 0 {
            let by = if roots.len() == 1 { "it" } else { "them" };
            format!(" (+{caused} caused by {by})")
        } else {
            String::new()
        }
    );
    Ok(Verdict::from_failed(any_error(&report.blockers)))
}
