//! Every blocker code the product can raise, in one place.
//!
//! A blocker is a coded finding about the inputs or the export. Each code has a severity, a
//! one-line summary, and a runbook (cause and fix) that `explain CODE`, the Markdown report and
//! `docs/runbooks.md` all print from this table, so they cannot drift apart.

use std::fmt;

/// How much a blocker matters: an error fails the export (exit status 1), a warning never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the runbooks are published; a code's anchor is appended.
pub const RUNBOOK_BASE_URL: &str =
    "https://github.com/dpone/observability-action/blob/main/docs/runbooks.md";

macro_rules! blocker_codes {
    ($(
        $(#[$meta:meta])*
        $variant:ident {
            code: $code:literal,
            severity: $severity:ident,
            summary: $summary:literal,
            cause: $cause:literal,
            fix: $fix:literal $(,)?
        }
    ),* $(,)?) => {
        /// A blocker code. `Code::ALL` lists every one, in documentation order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$meta])* $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as users see it, e.g. `run_report.missing`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line saying what the code means.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// Why this happens.
            pub fn cause(self) -> &'static str {
                match self { $( Code::$variant => $cause, )* }
            }

            /// What to do about it.
            pub fn fix(self) -> &'static str {
                match self { $( Code::$variant => $fix, )* }
            }
        }
    };
}

blocker_codes! {
    RunReportMissing {
        code: "run_report.missing",
        severity: Error,
        summary: "The --run-report path is not a regular file.",
        cause: "The path given to `--run-report` does not exist, is a directory, or is not a regular file. In CI this usually means the step that runs `dpone run --format json` did not run, wrote elsewhere, or its artifact was not downloaded into this job.",
        fix: "Check that the run step wrote its JSON (`dpone run ... --format json > run_report.json`), that the artifact was downloaded before this step, and that the path is relative to the working directory (or absolute).",
    },
    RunReportUnreadable {
        code: "run_report.unreadable",
        severity: Error,
        summary: "The run report exists but could not be read.",
        cause: "Opening or reading the file failed with an operating-system error (for example permission denied). The message names the path and the error.",
        fix: "Fix the file's permissions or ownership (container actions run as root, but files written by other containers may not be readable), then re-run the export.",
    },
    RunReportInvalidJson {
        code: "run_report.invalid_json",
        severity: Error,
        summary: "The run report is not valid JSON.",
        cause: "The file is not UTF-8 JSON. The usual cause is log lines mixed into stdout: `dpone run` writes its JSON to stdout and logs to stderr, and `2>&1` or `| tee` of both streams corrupts it. The message gives the line and column of the first problem.",
        fix: "Re-run `dpone run --format json` and redirect only stdout into the report file (`> run_report.json`, not `&> run_report.json`).",
    },
    RunReportInvalidShape {
        code: "run_report.invalid_shape",
        severity: Error,
        summary: "The run report's top level is not a JSON object.",
        cause: "The file is valid JSON but its top level is an array, string, number, boolean or null. `dpone run --format json` always prints one object.",
        fix: "Pass the JSON object printed by `dpone run --format json`, not a list of reports or another tool's output.",
    },
    MetricsFileMissing {
        code: "metrics_file.missing",
        severity: Error,
        summary: "The --metrics-file path is not a regular file.",
        cause: "The path given to `--metrics-file` does not exist, is a directory, or could not be opened.",
        fix: "Write the metrics file before this step, or fix the path.",
    },
    MetricsFileInvalid {
        code: "metrics_file.invalid",
        severity: Error,
        summary: "The --metrics-file is not a mapping of metric names to numbers.",
        cause: "The file is not valid JSON or YAML, its top level is not a mapping, a name is empty, or a value is not a number (numbers, numeric strings and `NaN`/`Infinity` are accepted; booleans and null are not). None of its metrics are exported.",
        fix: "Write a flat mapping, e.g. `{\"lag_seconds\": 42, \"rows_per_mib\": 1.5e3}` (JSON) or `lag_seconds: 42` (YAML, for files ending in `.yaml`/`.yml`). The message names the line or key at fault.",
    },
    MetricsEmpty {
        code: "metrics.empty",
        severity: Error,
        summary: "The export has no metric points.",
        cause: "No run report was given (or it held none of the run-report fields) and no custom metric came from `--metric` or `--metrics-file`. An empty export is not evidence of anything, so it fails.",
        fix: "Pass `--run-report` with the output of `dpone run --format json`, or at least one `--metric name=value`. If a run report was given, check it is a `dpone run` report and not the output of `dpone run-report` (a different command).",
    },
    MetricsDuplicateSeries {
        code: "metrics.duplicate_series",
        severity: Error,
        summary: "Two inputs produced the same series; only the first was written.",
        cause: "Two metrics map to one exported name with the same labels: a custom metric named like a run-report metric (for example `--metric throughput_rows_per_second=...` next to a run report), or two custom names that become the same name after sanitising (`rows/sec` and `rows_sec`). Writing both would give Prometheus a duplicate series and OpenTelemetry two values for one point.",
        fix: "Rename one of the metrics, or drop the custom metric that repeats a value the run report already carries. The message lists each duplicate and the value that was kept.",
    },
    LabelsHighCardinality {
        code: "labels.high_cardinality",
        severity: Warning,
        summary: "A label looks like an unbounded identifier; every run creates new Prometheus series.",
        cause: "A `--label` key names a value that changes on every run (a run id, a commit sha, a correlation id, ...). The label is kept, but each run then creates a fresh series, which grows Prometheus storage without bound behind a Pushgateway or textfile collector.",
        fix: "Move the identifier to `--resource-attr` (OpenTelemetry only), or drop it: the run id is already attached to every OpenTelemetry data point and to `runtime_metrics.json`.",
    },
    AirflowCorrelationMissing {
        code: "airflow_correlation.missing",
        severity: Error,
        summary: "The --airflow-evidence-bundle path is not a regular file.",
        cause: "The path does not exist, is a directory, or is a special file.",
        fix: "Run `dpone gitops airflow evidence-bundle` for the attempt and pass the JSON file it wrote.",
    },
    AirflowCorrelationSymlinkForbidden {
        code: "airflow_correlation.symlink_forbidden",
        severity: Error,
        summary: "The Airflow evidence bundle path is a symbolic link.",
        cause: "Evidence must be a local regular file; a symbolic link could point at another attempt's evidence or outside the workspace.",
        fix: "Pass the bundle file itself (copy it rather than linking it).",
    },
    AirflowCorrelationTooLarge {
        code: "airflow_correlation.too_large",
        severity: Error,
        summary: "The Airflow evidence bundle is larger than 2 MiB.",
        cause: "A bundle is a small JSON document; anything above 2 MiB (2,097,152 bytes) is not one and is refused before it is parsed.",
        fix: "Pass the bundle written by `dpone gitops airflow evidence-bundle`, not a log or an archive.",
    },
    AirflowCorrelationInvalid {
        code: "airflow_correlation.invalid",
        severity: Error,
        summary: "The Airflow evidence bundle is unreadable, malformed or tampered with.",
        cause: "The bundle could not be read, is not a JSON object of kind `gitops.airflow_evidence_bundle`, its `correlation` breaks the `dpone.airflow-correlation.v1` contract (unknown field, bad digest, wrong type), or its `correlation_id`/`attempt_ref` does not match the fingerprint recomputed from its identity fields, which means it was edited by hand.",
        fix: "Recollect the evidence from the pinned attempt with `dpone gitops airflow evidence-bundle`; never hand-edit a bundle.",
    },
    AirflowCorrelationIncomplete {
        code: "airflow_correlation.incomplete",
        severity: Error,
        summary: "The Airflow correlation lacks a run, process, evidence digest or pod field.",
        cause: "The correlation is valid but one of `dpone.run_id`, `dpone.process`, `artifacts.runtime_evidence_sha256`, `pod.name`, `pod.uid`, `pod.namespace` or `pod.image_digest` is missing, usually because the bundle was taken before the attempt finished.",
        fix: "Re-run `dpone gitops airflow evidence-bundle` after the attempt has finished and pass the final JSON.",
    },
}

impl Code {
    /// The anchor of this code's section in `docs/runbooks.md`, as GitHub renders a heading
    /// that is the bare code (dots are dropped, underscores kept).
    pub fn runbook_anchor(self) -> String {
        self.as_str().chars().filter(|c| *c != '.').collect()
    }

    /// The full URL of this code's runbook section.
    pub fn runbook_url(self) -> String {
        format!("{RUNBOOK_BASE_URL}#{}", self.runbook_anchor())
    }

    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a code and a message that says what, in this export, triggered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub code: Code,
    pub message: String,
}

impl Blocker {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Blocker {
            code,
            message: message.into(),
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// True when any blocker has error severity, i.e. the export fails.
pub fn any_error(blockers: &[Blocker]) -> bool {
    blockers.iter().any(|b| b.severity() == Severity::Error)
}

/// The text `explain CODE` prints.
pub fn explain(code: Code) -> String {
    format!(
        "{code}\nseverity: {}\nsummary: {}\n\ncause:\n  {}\n\nfix:\n  {}\n\nrunbook: {}\n",
        code.severity(),
        code.summary(),
        code.cause(),
        code.fix(),
        code.runbook_url()
    )
}

/// `docs/runbooks.md` as generated from this table (a test keeps the committed file equal).
pub fn runbooks_markdown() -> String {
    let mut out = String::from(
        "# Runbooks\n\n\
         <!-- Generated from src/observability/blockers.rs; `cargo test` fails when this file \
         differs. Regenerate with `dpone-observability explain --runbooks > docs/runbooks.md`. -->\n\n\
         Every blocker code the export can raise, what it means and how to fix it. A failed step \
         links each of its blockers here. `dpone-observability explain CODE` prints the same text.\n\n\
         An **error** blocker fails the export (exit status 1); a **warning** never does.\n\n\
         | code | severity | summary |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            code,
            code.runbook_anchor(),
            code.severity(),
            code.summary()
        ));
    }
    for code in Code::ALL {
        out.push_str(&format!(
            "\n## {}\n\n- Severity: **{}**\n- Summary: {}\n\n**Cause.** {}\n\n**Fix.** {}\n",
            code,
            code.severity(),
            code.summary(),
            code.cause(),
            code.fix()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'),
                "{text} must be lower-case dotted"
            );
            assert!(text.contains('.'), "{text} must be namespaced");
            assert!(code.summary().ends_with('.'), "{text} summary");
            assert!(!code.cause().is_empty() && !code.fix().is_empty());
            assert_eq!(Code::parse(text), Some(*code));
        }
    }

    #[test]
    fn anchors_follow_github_heading_rules() {
        assert_eq!(Code::RunReportMissing.runbook_anchor(), "run_reportmissing");
        assert!(Code::MetricsEmpty
            .runbook_url()
            .ends_with("runbooks.md#metricsempty"));
    }

    #[test]
    fn only_errors_fail() {
        let warn = Blocker::new(Code::LabelsHighCardinality, "w");
        assert!(!any_error(std::slice::from_ref(&warn)));
        assert!(any_error(&[warn, Blocker::new(Code::MetricsEmpty, "e")]));
    }
}
