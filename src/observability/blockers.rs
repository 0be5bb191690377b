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

/// Written and read as its name (`error`, `warning`).
impl serde::Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        [Severity::Error, Severity::Warning]
            .into_iter()
            .find(|severity| severity.as_str() == text)
            .ok_or_else(|| serde::de::Error::unknown_variant(&text, &["error", "warning"]))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The part of a per-metric code that the metric's exported name replaces.
pub const METRIC_PLACEHOLDER: &str = "<metric>";

/// The repository's path on a GitHub host.
const REPOSITORY_PATH: &str = "/dpone/observability-action";

/// The variable the release workflow sets, when it compiles a release binary, to the tag it
/// builds (`v<version>`): the only build whose runbook links name a tag.
pub const RELEASE_TAG_VARIABLE: &str = "DPONE_OBSERVABILITY_RELEASE_TAG";

/// The Git ref every runbook link points at. A binary the release workflow built for tag
/// `v<version>` links that tag, so a blocker shows the runbook of the release that raised it;
/// the tag exists before the binary does, because pushing it is what starts the release
/// workflow. Every other build (`cargo install` from Git, `main`'s `image: Dockerfile`, tests)
/// links `main`: its runbooks are the newest, and a tag that no release has made is never
/// linked. A release tag other than `v<Cargo.toml version>` does not compile.
pub const RUNBOOK_REF: &str = match option_env!("DPONE_OBSERVABILITY_RELEASE_TAG") {
    Some(tag) => {
        assert!(
            is_this_version_s_tag(tag),
            "DPONE_OBSERVABILITY_RELEASE_TAG must be v<the version in Cargo.toml>"
        );
        tag
    }
    None => "main",
};

/// `tag` is `v` followed by this crate's version.
const fn is_this_version_s_tag(tag: &str) -> bool {
    let tag = tag.as_bytes();
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    if tag.len() != version.len() + 1 || tag[0] != b'v' {
        return false;
    }
    let mut i = 0;
    while i < version.len() {
        if tag[i + 1] != version[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The runbooks document on a GitHub server (`GITHUB_SERVER_URL`, which is a GitHub Enterprise
/// Server's own host there), at [`RUNBOOK_REF`]; a code's anchor is appended. The one place the
/// default is decided: the CLI links to github.com's, the action to its server's.
pub fn runbook_base_url(server_url: &str) -> String {
    format!(
        "{}{REPOSITORY_PATH}/blob/{RUNBOOK_REF}/docs/runbooks.md",
        server_url.trim_end_matches('/')
    )
}

/// The host of [`default_runbook_base_url`].
const GITHUB_COM: &str = "https://github.com";

/// Where the CLI's blockers link: the runbooks on github.com (see [`runbook_base_url`]).
pub fn default_runbook_base_url() -> String {
    runbook_base_url(GITHUB_COM)
}

macro_rules! blocker_codes {
    ($(
        $(#[$meta:meta])*
        $variant:ident {
            code: $code:literal,
            severity: $severity:ident,
            summary: $summary:literal,
            cause: $cause:literal,
            fix: $fix:literal,
            verify: $verify:literal $(,)?
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

            /// How to check the fix worked.
            pub fn verify(self) -> &'static str {
                match self { $( Code::$variant => $verify, )* }
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
        verify: "`test -f <path>` in the same step succeeds, and the next export lists the file under Inputs with kind `run_report`.",
    },
    RunReportUnreadable {
        code: "run_report.unreadable",
        severity: Error,
        summary: "The run report exists but could not be read.",
        cause: "Opening or reading the file failed with an operating-system error (for example permission denied). The message names the path and the error.",
        fix: "Fix the file's permissions or ownership (container actions run as root, but files written by other containers may not be readable), then re-run the export.",
        verify: "`cat <path> > /dev/null` succeeds as the user the step runs as; the next export has no `run_report.unreadable`.",
    },
    RunReportInvalidJson {
        code: "run_report.invalid_json",
        severity: Error,
        summary: "The run report is not valid JSON.",
        cause: "The file is not UTF-8 JSON. The usual cause is log lines mixed into stdout: `dpone run` writes its JSON to stdout and logs to stderr, and `2>&1` or `| tee` of both streams corrupts it. The message gives the line and column of the first problem.",
        fix: "Re-run `dpone run --format json` and redirect only stdout into the report file (`> run_report.json`, not `&> run_report.json`).",
        verify: "`python3 -m json.tool <path>` (or `jq . <path>`) parses the file; the next export has no `run_report.invalid_json`.",
    },
    RunReportInvalidShape {
        code: "run_report.invalid_shape",
        severity: Error,
        summary: "The run report's top level is not a JSON object, or one of its fields has the wrong JSON type.",
        cause: "The file is valid JSON but its top level is an array, string, number, boolean or null, or a field dpone writes with one type has another: `passed` not a boolean, `result` not an object, a count, duration, throughput, attempt count or backoff written as a string (only Python's `NaN`/`Infinity` tokens are numbers besides JSON numbers). Such a value is never coerced: `\"passed\": \"false\"` would otherwise read as a pass. The field is left out and the message names it; a missing or null field is fine. `dpone run --format json` always prints one object with these types.",
        fix: "Pass the JSON object printed by `dpone run --format json`, not a list of reports or another tool's output; if a script edits the report, keep each field's type (`true`, not `\"true\"`; `10`, not `\"10\"`).",
        verify: "`jq type <path>` prints `\"object\"` and `jq '.passed | type' <path>` prints `\"boolean\"`; the next export has no `run_report.invalid_shape`.",
    },
    RunReportNotARunReport {
        code: "run_report.not_a_run_report",
        severity: Error,
        summary: "The file is the output of `dpone run-report`, not a `dpone run` report.",
        cause: "`dpone run-report` writes manual or synthetic run artifacts (`run_id`, `pipeline`, `timeline`, ...) and does not read or produce `dpone run` output, so it holds none of the run metrics. dpone's own exporter silently reported `metrics.empty` for it.",
        fix: "Pass the JSON that `dpone run <manifest> --format json` prints (redirect its stdout to a file), or `orchestrated_run.json` from `dpone orchestrate run`.",
        verify: "The file has a `result` object and `max_attempts`; the export lists it with kind `run_report` and writes `dpone_run_passed`.",
    },
    RunReportRunFailed {
        code: "run_report.run_failed",
        severity: Warning,
        summary: "The dpone run the report describes did not pass.",
        cause: "The run report says `passed: false` (its status and errors are in the message and in `dpone_run_passed`, `dpone_error_count`). The export itself is fine, so this is a warning by default, as dpone's exporter exits 0 for a failed run; a policy file can make it an error so the step fails with the run.",
        fix: "Read the run's errors (`result.errors`, `result.error_code`) and fix the pipeline; to fail the CI step on a failed run, set `blockers: {run_report.run_failed: error}` in the policy file.",
        verify: "The next run report has `passed: true` and `dpone_run_passed` is 1.",
    },
    InputNoMatch {
        code: "input.no_match",
        severity: Error,
        summary: "An --input pattern matched no file.",
        cause: "The glob pattern matched nothing: the artifact was not produced, not downloaded into this job, or the pattern is relative to another directory. Patterns are expanded relative to the working directory; `**` matches any depth.",
        fix: "Check that the step producing the artifact ran and its files were downloaded before this step, and test the pattern with `ls` in the same working directory.",
        verify: "`ls <pattern>` from the workspace lists files; the export's Inputs table lists them.",
    },
    InputUnreadable {
        code: "input.unreadable",
        severity: Error,
        summary: "A file matched by --input could not be read.",
        cause: "The match is a directory or special file, reading it failed with an operating-system error, or it is larger than any dpone artifact (over 64 MiB, or a lineage event that would bring the datasets the lineage inputs name above 1,000); the message names the path and the reason.",
        fix: "Narrow the pattern to regular files (for example end it in `*.json`) or fix the file's permissions; pass the artifacts dpone wrote, not a file built by hand.",
        verify: "The export's Inputs table lists every match with a kind other than `unreadable`.",
    },
    InputInvalidJson {
        code: "input.invalid_json",
        severity: Error,
        summary: "A file matched by --input is not a JSON object.",
        cause: "The file is not UTF-8 JSON, or its top level is not an object. dpone's artifacts are all JSON objects; the message gives the line and column of the first problem.",
        fix: "Regenerate the artifact, and redirect only the JSON (stdout) of the dpone command into the file.",
        verify: "`jq type <file>` prints `\"object\"` for each match.",
    },
    InputUnknownKind {
        code: "input.unknown_kind",
        severity: Warning,
        summary: "A file matched by --input is not a dpone artifact this tool reads.",
        cause: "Its shape matches none of the kinds in the detection table (run report, orchestrated run, run registry entry or index, certification suite or index, certification report, benchmark baseline, benchmark-SLO gate, SLO report, Airflow evidence bundle). Exports, indexes and other tools' files land here when a broad pattern matches them.",
        fix: "Narrow the pattern, or force the kind with `--input KIND=PATTERN` if the file is one of the kinds with an unusual shape.",
        verify: "The Inputs table gives each file a kind; no `input.unknown_kind` remains.",
    },
    InputNoMetrics {
        code: "input.no_metrics",
        severity: Warning,
        summary: "A file read as a forced kind has none of that kind's fields.",
        cause: "`--input KIND=PATTERN` forced a kind, but the file has none of the fields that kind is read from (for example `items` for `benchmark_baseline`, `results` for `slo_report`), so it was not read.",
        fix: "Check the kind named before `=` and that the file is that artifact.",
        verify: "The Inputs table shows a metric count above 0 for the file.",
    },
    MetricsFileMissing {
        code: "metrics_file.missing",
        severity: Error,
        summary: "The --metrics-file path is not a regular file.",
        cause: "The path given to `--metrics-file` does not exist, is a directory, or could not be opened.",
        fix: "Write the metrics file before this step, or fix the path.",
        verify: "`test -f <path>` succeeds in the same step.",
    },
    MetricsFileInvalid {
        code: "metrics_file.invalid",
        severity: Error,
        summary: "The --metrics-file is not a mapping of metric names to numbers.",
        cause: "The file is not valid JSON or YAML, its top level is not a mapping, a name is empty, or a value is not a number (numbers, numeric strings and `NaN`/`Infinity` are accepted; booleans and null are not). None of its metrics are exported.",
        fix: "Write a flat mapping, e.g. `{\"lag_seconds\": 42, \"rows_per_mib\": 1.5e3}` (JSON) or `lag_seconds: 42` (YAML, for files ending in `.yaml`/`.yml`). The message names the line or key at fault.",
        verify: "The export lists the file under Inputs with kind `metrics_file` and its entries appear in `runtime_metrics.json`.",
    },
    MetricsEmpty {
        code: "metrics.empty",
        severity: Error,
        summary: "The export has no metric points.",
        cause: "No input gave a metric: no run report (or one without any run-report field), no `--input` file of a known kind, and no custom metric from `--metric` or `--metrics-file`. An empty export is not evidence of anything, so it fails.",
        fix: "Pass `--run-report` with the output of `dpone run --format json`, `--input` patterns that match dpone artifacts, or at least one `--metric name=value`. The other blockers of the export say why an input gave nothing.",
        verify: "`metric_count` in `runtime_metrics.json` is above 0.",
    },
    MetricsDuplicateSeries {
        code: "metrics.duplicate_series",
        severity: Error,
        summary: "Two inputs produced the same series; only the first was written.",
        cause: "Two inputs give one metric name with the same labels: a custom metric named like a report metric (for example `--metric throughput_rows_per_second=...` next to a run report), two custom names that become the same name after sanitising (`rows/sec` and `rows_sec`), or two `--input` files that hold the same data or cannot be told apart by a label (the same run report twice, a suite and its index, two benchmark baselines, whose verdict series carry no label). Writing both would give Prometheus a duplicate series and OpenTelemetry two values for one point.",
        fix: "Rename one of the metrics, drop the custom metric that repeats a report value, or narrow the `--input` patterns so each artifact is read once (one benchmark baseline or SLO report per export). The message describes the first ten duplicates (the input each came from and the one that was kept) and counts the rest.",
        verify: "`runtime_metrics.json` has no `metrics.duplicate_series`, and `promtool check metrics` finds no repeated series.",
    },
    LabelsHighCardinality {
        code: "labels.high_cardinality",
        severity: Warning,
        summary: "A label looks like an unbounded identifier; every run creates new Prometheus series.",
        cause: "A `--label` key names a value that changes on every run (a run id, a commit sha, a correlation id, ...). The label is kept, but each run then creates a fresh series, which grows Prometheus storage without bound behind a Pushgateway or textfile collector.",
        fix: "Move the identifier to `--resource-attr` (OpenTelemetry only), or drop it: the run id is already attached to every OpenTelemetry data point and to `runtime_metrics.json`.",
        verify: "The export has no `labels.high_cardinality`; the identifier appears under `resource_attributes` or OpenTelemetry attributes instead.",
    },
    LabelsSecretLike {
        code: "labels.secret_like",
        severity: Error,
        summary: "A label, resource attribute or metric name looks like a credential; it was not written.",
        cause: "A label key or value, a resource attribute or a metric name has the shape of a credential: a GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), an AWS access key id, a Slack token, a private key block, a JSON Web Token, a URL with a password, or the value of one of the action's own secrets. Labels and names are written into every artifact, the step summary and whatever receives a push, so the series (or the attribute) was dropped; the message names the key, never the value.",
        fix: "Remove the secret from the labels, attributes or metric names: a credential belongs in the step's `env:` from a secret, never in observability data. If the value is not a secret (a false positive), change its shape (for example, drop the prefix that makes it look like a token), or lower this code with `blockers: {labels.secret_like: warning}` in the policy file; the value is still not written.",
        verify: "The next export has no `labels.secret_like`, and `grep` for the value in the run folder finds nothing.",
    },
    OrchestratedRunNotPassed {
        code: "orchestrated_run.not_passed",
        severity: Error,
        summary: "An orchestrated run reports blockers of its own (lock, resume, state).",
        cause: "`orchestrated_run.json` lists blockers besides the wrapped run's failure, for example a lock that was not acquired or a resume that was refused. The wrapped run's own outcome is the `dpone_run_passed` value and is not a blocker.",
        fix: "Read the blockers in the message and the orchestrated run's Markdown report; clear a stale lock only after checking no other run holds it, then re-run `dpone orchestrate run`.",
        verify: "The next `orchestrated_run.json` lists no blockers besides `run.not_passed`, and `dpone_orchestrated_run_lock_acquired` is 1.",
    },
    RunRegistryNotPassed {
        code: "run_registry.not_passed",
        severity: Error,
        summary: "A run registry entry did not pass.",
        cause: "`dpone ops run-registry` recorded the run as failed: its run result did not pass (`run_result.not_passed`), or an attached artifact is missing or failed (`artifact.<name>.missing`, `artifact.<name>.not_passed`). The message lists its blockers.",
        fix: "Fix the run or the attached artifact named in the message (each has its own runbook), re-run `dpone ops run-registry`, then export again.",
        verify: "`dpone_run_registry_passed` is 1 and every `dpone_run_registry_artifact_passed` series is 1.",
    },
    CertificationSuiteNotPassed {
        code: "certification_suite.not_passed",
        severity: Error,
        summary: "A certification suite did not pass.",
        cause: "`dpone ops certification-suite` found blockers (a report without `evidence_status: PASS`, a missing required benchmark, lineage or evidence bundle, or a release-id mismatch). The message lists them and the evidence status.",
        fix: "Follow each blocker: produce the missing evidence, bind it to the release, or re-run the certification; then re-run the suite.",
        verify: "`dpone_certification_suite_passed` is 1 and `dpone_certification_suite_evidence_status{evidence_status=\"PASS\"}` is 1.",
    },
    CertificationReportNotPassed {
        code: "certification_report.not_passed",
        severity: Error,
        summary: "A certification report did not pass.",
        cause: "The report's `passed` is false or it lists blockers (for example `matrix_rows.mismatch:<case>`); failed cases and checksum mismatches are in the metrics.",
        fix: "Inspect the failing cases' behaviour files, fix the connector or the expectation, and re-run the certification.",
        verify: "`dpone_certification_report_failed_cases` and `dpone_certification_report_checksum_mismatches` are 0.",
    },
    BenchmarkBaselineRegression {
        code: "benchmark_baseline.regression",
        severity: Error,
        summary: "A benchmark metric regressed past its threshold or was not measured.",
        cause: "A measured value is beyond `baseline x (1 -/+ allowed ratio)` in the bad direction, or the metric is missing from the measurements. dpone lets a missing `lower` metric pass; this tool does not.",
        fix: "Re-run the same profile before changing the baseline; if it persists, inspect slow stages, locks or network overhead. Measure every metric the baseline names.",
        verify: "`dpone_benchmark_failing_items` is 0 and every `dpone_benchmark_item_passed` series is 1.",
    },
    BenchmarkSloGateNotPassed {
        code: "benchmark_slo_gate.not_passed",
        severity: Error,
        summary: "A benchmark-SLO gate did not pass.",
        cause: "`dpone ops benchmark-slo-gate` failed its benchmark part, its SLO part, or both; the blockers of each part are reported next to this one.",
        fix: "Fix the benchmark regression or the SLO failure named in the accompanying blockers, then re-run the gate.",
        verify: "`dpone_benchmark_slo_gate_passed` is 1.",
    },
    SloReportNotPassed {
        code: "slo_report.not_passed",
        severity: Error,
        summary: "An SLO report has failing rules.",
        cause: "`dpone ops slo-evaluate` found a metric below its `min`, above its `max`, or missing. The message lists the failing rule codes.",
        fix: "Apply the action for each failing metric (freshness, throughput, latency, retries); change an objective only when the contract itself is wrong.",
        verify: "`dpone_slo_report_passed` is 1 and no `dpone_slo_report_rule_passed` series is 0.",
    },
    SloReportNoObjectives {
        code: "slo_report.no_objectives",
        severity: Warning,
        summary: "An SLO report evaluated no objective, which dpone reports as a pass.",
        cause: "The objectives were empty or had neither `min` nor `max`, so dpone wrote `slo.no_objectives` with `passed: true`. Nothing was checked.",
        fix: "Give every objective a `min` and/or `max` and re-run `dpone ops slo-evaluate`.",
        verify: "The SLO report's `results` hold one entry per objective and no `slo.no_objectives`.",
    },
    SloBelowMin {
        code: "slo.<metric>.below_min",
        severity: Error,
        summary: "A metric is below the `min` of its objective.",
        cause: "An objective (policy file `objectives:`, `--objectives` or the action's `objectives` input) gives the metric a lower bound, and a series of it in this export is below that bound, or is NaN. Bounds are inclusive: a value equal to `min` passes. `<metric>` is the exported name, e.g. `slo.dpone_throughput_rows_per_second.below_min`; the message names the series' labels, the value, the bound and the objective's line.",
        fix: "Treat it like any failed SLO: find why the run got slower, smaller or later (throughput: source and target load, batch size; rows: upstream data). Lower the bound only when the objective itself was wrong, in the reviewed policy file.",
        verify: "`dpone_slo_passed{metric=\"<metric>\",rule=\"min\"}` is 1 in the next export and the Gates table shows the objective as passed.",
    },
    SloAboveMax {
        code: "slo.<metric>.above_max",
        severity: Error,
        summary: "A metric is above the `max` of its objective.",
        cause: "An objective gives the metric an upper bound (a bare number in dpone's `--objectives-json` format is a `max`), and a series of it in this export is above that bound, or is NaN. A value equal to `max` passes. The message names the series, the value, the bound and the objective's line.",
        fix: "Find why the value grew (duration: slow stages, locks, retries; errors and lag: the run's own report). Raise the bound only when the objective itself was wrong, in the reviewed policy file.",
        verify: "`dpone_slo_passed{metric=\"<metric>\",rule=\"max\"}` is 1 in the next export.",
    },
    SloMissing {
        code: "slo.<metric>.missing",
        severity: Error,
        summary: "An objective names a metric that this export does not have.",
        cause: "No series of the metric (with the objective's label matchers) is in the export: the input that gives it was not passed or not produced (`freshness_lag_seconds` comes from a run registry entry), the run report lacks the field, the name is no metric the tool extracts and no custom metric gave it, or the name is misspelled (the message then says which name is close). A missing metric fails its objective at the objective's severity, as in `dpone ops slo-evaluate`; it never passes silently and is never a usage error. Names are the exported ones (`dpone_duration_seconds`) or dpone's bare names (`duration_seconds`), which get the `dpone_` prefix.",
        fix: "Pass the input that produces the metric (`--run-report`, `--input`, `--metric`), fix the name against `docs/metrics.md` (or take the suggested one), or relax the label matchers. Remove the objective if the metric is gone for good.",
        verify: "The metric appears in `runtime_metrics.json` and `dpone_slo_passed{metric=\"<metric>\",rule=\"present\"}` is absent from the next export.",
    },
    Regression {
        code: "regression.<metric>",
        severity: Error,
        summary: "A metric regressed against the baseline export beyond its tolerance.",
        cause: "The policy file's `regressions:` rule for the metric says which direction is better (`higher` or `lower`) and how far it may move the wrong way (`ratio` of the baseline value, or `absolute`), and this export's series moved further than that from the same series (same name and labels) in the `--baseline` export, or the metric disappeared since the baseline. Equal to the tolerance passes.",
        fix: "Re-run once to rule out noise; if it persists, compare the two exports' run reports (stages, rows, retries) and fix the cause. Widen the tolerance only when the metric is noisier than the rule allows, in the reviewed policy file.",
        verify: "`dpone_regression_passed{metric=\"<metric>\"}` is 1 in the next export and the Gates table shows the comparison as passed.",
    },
    BaselineMissing {
        code: "baseline.missing",
        severity: Warning,
        summary: "The --baseline export is not a regular file; nothing was compared.",
        cause: "The path given to `--baseline` (the action's `baseline` input) does not exist or is not a file. On a first run, or when the default branch has no artifact yet, this is expected, which is why it is a warning: the export still passes.",
        fix: "Download the previous export's `runtime_metrics.json` before this step (for example with `actions/download-artifact` or `gh run download` from the default branch's last successful run) and pass its path.",
        verify: "The next export's Gates section says `baseline: compared` and lists the comparisons.",
    },
    BaselineInvalid {
        code: "baseline.invalid",
        severity: Warning,
        summary: "The --baseline file is not a runtime_metrics.json export; nothing was compared.",
        cause: "The file could not be read, is not JSON, has no `metrics` list of `{name, labels, value}` objects, has a field of the wrong type or a value this release does not know (a comparison status, input kind or severity of a later release), or another `schema_version`, so it is not the `runtime_metrics.json` of an earlier export this release can read. Fields it does not know are ignored. Nothing is compared against it.",
        fix: "Pass the `runtime_metrics.json` of the previous export (not `metrics_index.json`, the Prometheus text or the OpenTelemetry file), and check the download step did not save an HTML error page.",
        verify: "`jq '.metrics | length' <baseline>` prints a number and the next export's Gates section says `baseline: compared`.",
    },
    HistoryBroken {
        code: "history.broken",
        severity: Error,
        summary: "A baseline's history.json does not hold together; its carried history was not used.",
        cause: "Each entry of a `history.json` carries the sha256 of the entry before it. An entry whose `previous_sha256` is not the sha256 of the one before it was edited, removed or moved after the export wrote it (or the file is not a `history.json` this release reads). The whole carried history of that baseline is refused; the folder's own `runtime_metrics.json` is used as one sample instead, so the next `history.json` starts over from it. The chain detects edits, not forgery: anyone can write a whole new chain, and the first entry is not anchored.",
        fix: "Pass the run folder exactly as the earlier export wrote it (download the artifact unchanged), or, when the history really was edited on purpose, drop `history.json` from the baseline folder so the history starts again from its `runtime_metrics.json`.",
        verify: "`dpone-observability verify <baseline folder>` passes and the next export raises no `history.broken`.",
    },
    BaselineUnavailable {
        code: "baseline.unavailable",
        severity: Warning,
        summary: "The baseline history could not be fetched; nothing was compared.",
        cause: "The action's `baseline: auto` looks for earlier runs' artifacts (named by the `artifact-name` input) on the base branch of a pull request, the default branch on a push, and the run's own branch otherwise, and found none it could use: the workflow's token lacks `actions: read` (403), no run on that branch has uploaded the artifact yet (or they expired), the API kept failing through every retry, or no downloaded artifact held a `runtime_metrics.json` that matches its `metrics_index.json`. The message says which. The regression gates are not compared; the export itself is complete, so this is a warning.",
        fix: "Grant `permissions: actions: read` to the job (next to `contents: read`); make sure a workflow on the branch uploads the run folder with `actions/upload-artifact` under the same name as the `artifact-name` input (the default is `observability`) and that its retention has not passed; for artifacts skipped as not verifying, upload the run folder unchanged (`test_artifacts/observability/<run>/`, with its `metrics_index.json`).",
        verify: "The step's log lists the samples used (`baseline sample: artifact <id> (run <id>, commit <sha>, created <time>)`) and the next export's Gates section compares against them, without `baseline.unavailable`.",
    },
    PushFailed {
        code: "push.failed",
        severity: Warning,
        summary: "Pushing the export to a Pushgateway, remote-write receiver or OTLP endpoint failed.",
        cause: "The receiver could not be reached (connection refused, DNS, TLS, timeout), kept answering 429 or 5xx through every retry, or refused the data with another 4xx (its answer is in the message, e.g. remote-write `out of bounds` for samples older than its head block, or a 401/403 for missing or wrong credentials). The message names the target by scheme, host and path only. The export folder is unchanged and still verifies. A warning by default, so a monitoring outage does not fail a pipeline's CI; a policy file can make it an error.",
        fix: "Check the URL and that the receiver is up and reachable from the runner (`curl -sS <url>` from the same job), the credentials' environment variable (named by the `-env` flags or inputs) and the receiver's answer in the message. For remote-write `out of bounds`, push soon after the run (samples carry the run's end time). Then push again with `dpone-observability push DIR ...`; the folder is unchanged. To fail the step on it, set `blockers: {push.failed: error}` in the policy file.",
        verify: "`dpone-observability push DIR ...` exits 0 without `push.failed`, and the receiver shows the series (Pushgateway `/api/v1/metrics`, Prometheus `/api/v1/series?match[]={__name__=~\"dpone_.*\"}`).",
    },
    AirflowCorrelationMissing {
        code: "airflow_correlation.missing",
        severity: Error,
        summary: "The --airflow-evidence-bundle path is not a regular file.",
        cause: "The path does not exist, is a directory, or is a special file.",
        fix: "Run `dpone gitops airflow evidence-bundle` for the attempt and pass the JSON file it wrote.",
        verify: "`test -f <bundle>` succeeds; the export sets `correlation_id`.",
    },
    AirflowCorrelationSymlinkForbidden {
        code: "airflow_correlation.symlink_forbidden",
        severity: Error,
        summary: "The Airflow evidence bundle path is a symbolic link.",
        cause: "Evidence must be a local regular file; a symbolic link could point at another attempt's evidence or outside the workspace.",
        fix: "Pass the bundle file itself (copy it rather than linking it).",
        verify: "`test -L <bundle>` fails (not a link) and the export sets `correlation_id`.",
    },
    AirflowCorrelationTooLarge {
        code: "airflow_correlation.too_large",
        severity: Error,
        summary: "The Airflow evidence bundle is larger than 2 MiB.",
        cause: "A bundle is a small JSON document; anything above 2 MiB (2,097,152 bytes) is not one and is refused before it is parsed.",
        fix: "Pass the bundle written by `dpone gitops airflow evidence-bundle`, not a log or an archive.",
        verify: "`stat -c %s <bundle>` is at most 2097152 and the export sets `correlation_id`.",
    },
    AirflowCorrelationInvalid {
        code: "airflow_correlation.invalid",
        severity: Error,
        summary: "The Airflow evidence bundle is unreadable, malformed or tampered with.",
        cause: "The bundle could not be read, is not a JSON object of kind `gitops.airflow_evidence_bundle`, its `correlation` breaks the `dpone.airflow-correlation.v1` contract (unknown field, bad digest, wrong type), or its `correlation_id`/`attempt_ref` does not match the fingerprint recomputed from its identity fields, which means it was edited by hand.",
        fix: "Recollect the evidence from the pinned attempt with `dpone gitops airflow evidence-bundle`; never hand-edit a bundle.",
        verify: "The export sets `correlation_id`, and OpenTelemetry data points carry `dpone.correlation.id`.",
    },
    AirflowCorrelationIncomplete {
        code: "airflow_correlation.incomplete",
        severity: Error,
        summary: "The Airflow correlation lacks a run, process, evidence digest or pod field.",
        cause: "The correlation is valid but one of `dpone.run_id`, `dpone.process`, `artifacts.runtime_evidence_sha256`, `pod.name`, `pod.uid`, `pod.namespace` or `pod.image_digest` is missing, usually because the bundle was taken before the attempt finished.",
        fix: "Re-run `dpone gitops airflow evidence-bundle` after the attempt has finished and pass the final JSON.",
        verify: "The bundle's `dpone`, `pod` and `artifacts.runtime_evidence_sha256` are all filled; the export sets `correlation_id`.",
    },
    AirflowCorrelationRunMismatch {
        code: "airflow_correlation.run_mismatch",
        severity: Error,
        summary: "The Airflow evidence bundle belongs to another dpone run than the run report.",
        cause: "The bundle's `dpone.run_id` differs from the run report's `run_id`, so its pod, image and task identity describe another attempt. Its attributes are not attached to the metrics.",
        fix: "Pass the bundle collected for this run (`dpone gitops airflow evidence-bundle` for the same attempt), or the run report that matches the bundle.",
        verify: "`jq -r .correlation.dpone.run_id <bundle>` equals the run report's `run_id`; the export sets `correlation_id`.",
    },
    AirflowCorrelationAmbiguous {
        code: "airflow_correlation.ambiguous",
        severity: Error,
        summary: "More than one Airflow evidence bundle was given.",
        cause: "An export describes one attempt; several bundles (from `--airflow-evidence-bundle` and `--input` matches) cannot all describe it, and none is used.",
        fix: "Pass exactly one bundle, the one of this attempt, and narrow `--input` patterns that match other bundles.",
        verify: "The Inputs table lists exactly one `airflow_evidence_bundle`.",
    },
}

impl Code {
    /// The anchor of this code's section in `docs/runbooks.md`, as GitHub renders a heading
    /// that is the bare code (dots are dropped, underscores kept).
    pub fn runbook_anchor(self) -> String {
        self.as_str()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    }

    /// True for an input that was not read (missing, unreadable, not JSON, no match): what it
    /// would have given is missing because of it, so it is the root cause of `metrics.empty`
    /// and of an objective's `slo.<metric>.missing`.
    pub fn is_unread_input(self) -> bool {
        matches!(
            self,
            Code::RunReportMissing
                | Code::RunReportUnreadable
                | Code::RunReportInvalidJson
                | Code::RunReportInvalidShape
                | Code::RunReportNotARunReport
                | Code::InputNoMatch
                | Code::InputUnreadable
                | Code::InputInvalidJson
                | Code::MetricsFileMissing
                | Code::MetricsFileInvalid
        )
    }

    /// True for a code the gates raise (objectives, regressions and the history they compare
    /// with, `baseline.*`): what a run's own policy decides, so another run judging it raises
    /// them again.
    pub fn from_gates(self) -> bool {
        matches!(
            self,
            Code::SloBelowMin
                | Code::SloAboveMax
                | Code::SloMissing
                | Code::Regression
                | Code::BaselineMissing
                | Code::BaselineInvalid
                | Code::BaselineUnavailable
                | Code::HistoryBroken
        )
    }

    /// True for a family of codes named per metric (`slo.<metric>.missing`).
    pub fn is_per_metric(self) -> bool {
        self.as_str().contains(METRIC_PLACEHOLDER)
    }

    /// The code family of a code as a blocker shows it: `slo.dpone_x.missing` is
    /// `slo.<metric>.missing`; a fixed code is itself.
    pub fn parse_instance(text: &str) -> Option<Code> {
        Code::parse(text).or_else(|| {
            Code::ALL.iter().copied().find(|code| {
                let Some((head, tail)) = code.as_str().split_once(METRIC_PLACEHOLDER) else {
                    return false;
                };
                text.len() > head.len() + tail.len()
                    && text.starts_with(head)
                    && text.ends_with(tail)
            })
        })
    }

    /// The full URL of this code's runbook section in the published docs.
    pub fn runbook_url(self) -> String {
        self.runbook_url_at(&default_runbook_base_url())
    }

    /// The URL of this code's runbook section in the runbooks document at `base`.
    pub fn runbook_url_at(self, base: &str) -> String {
        format!("{base}#{}", self.runbook_anchor())
    }

    /// A gate's code (an objective or a regression rule), one per metric.
    pub fn is_gate(self) -> bool {
        self.as_str().contains(METRIC_PLACEHOLDER)
    }

    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// The code the user most likely meant by an unknown `text`, as it would be written: a
    /// fixed code, or a per-metric one with the metric `text` names
    /// (`slo.dpone_x.below_mn` → `slo.dpone_x.below_min`).
    pub fn suggest(text: &str) -> Option<String> {
        let text = text.trim();
        let mut candidates: Vec<String> = Vec::with_capacity(Code::ALL.len());
        for code in Code::ALL {
            match code.as_str().split_once(METRIC_PLACEHOLDER) {
                None => candidates.push(code.as_str().to_string()),
                Some((head, tail)) => {
                    // The metric is the part between the family's first and last dot.
                    let metric = text
                        .split_once('.')
                        .and_then(|(_, rest)| match tail.is_empty() {
                            true => Some(rest),
                            false => rest.rsplit_once('.').map(|(metric, _)| metric),
                        })
                        .filter(|m| !m.is_empty())
                        .unwrap_or(METRIC_PLACEHOLDER);
                    candidates.push(format!("{head}{metric}{tail}"));
                }
            }
        }
        super::text::closest(text, candidates.iter().map(String::as_str)).map(str::to_string)
    }

    /// `; did you mean `x`?` for an unknown code, or nothing.
    pub fn did_you_mean(text: &str) -> String {
        Code::suggest(text)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a code, its severity (the code's own unless a policy overrides it) and a
/// message that says what, in this export, triggered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub code: Code,
    pub message: String,
    severity: Severity,
    /// The input file the finding concerns, when there is one (annotations point at it).
    pub subject: Option<String>,
    /// The line of `subject` the finding concerns (a gate's line in the policy file).
    pub line: Option<u64>,
    /// The metric a per-metric code is about (`slo.<metric>.missing`).
    metric: Option<Box<str>>,
    /// The blocker that caused this one (its index among the export's blockers), set by
    /// `verdict::link_causes`: a caused blocker is shown under its root and counted once with it.
    pub caused_by: Option<usize>,
}

impl Blocker {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Blocker {
            code,
            message: message.into(),
            severity: code.severity(),
            subject: None,
            line: None,
            metric: None,
            caused_by: None,
        }
    }

    /// A finding of a per-metric code family about `metric`.
    pub fn for_metric(code: Code, metric: &str, message: impl Into<String>) -> Self {
        let mut blocker = Blocker::new(code, message);
        blocker.metric = Some(metric.into());
        blocker
    }

    /// The code as users see it: the family's, with the metric in place of `<metric>`.
    pub fn id(&self) -> BlockerId<'_> {
        BlockerId {
            code: self.code,
            metric: self.metric.as_deref(),
        }
    }

    /// The same finding, about an input file.
    pub fn about(mut self, path: &std::path::Path) -> Self {
        self.subject = Some(path.display().to_string());
        self
    }

    /// The same finding, about a line of a configuration file (line 0 is no line).
    pub fn at_line(mut self, path: &std::path::Path, line: u64) -> Self {
        self.subject = Some(path.display().to_string());
        self.line = (line > 0).then_some(line);
        self
    }

    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The same finding at another severity (a policy file's override).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A blocker's code as shown: `Display` writes `slo.dpone_x.missing` for a per-metric code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockerId<'a> {
    code: Code,
    metric: Option<&'a str>,
}

impl fmt::Display for BlockerId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.code.as_str();
        match (self.metric, text.split_once(METRIC_PLACEHOLDER)) {
            (Some(metric), Some((head, tail))) => {
                f.write_str(head)?;
                f.write_str(metric)?;
                f.write_str(tail)
            }
            _ => f.write_str(text),
        }
    }
}

/// A root blocker (one nothing else caused) and how many blockers it caused.
pub struct Root<'a> {
    pub blocker: &'a Blocker,
    pub caused: usize,
    /// The most severe severity among it and what it caused.
    pub severity: Severity,
}

impl Root<'_> {
    /// ` (+2 caused by it)`, or nothing.
    pub fn caused_text(&self) -> String {
        if self.caused == 0 {
            String::new()
        } else {
            format!(" (+{} caused by it)", self.caused)
        }
    }
}

/// The blockers nothing else caused, in order, each with the count of what it caused: what
/// every output lists and counts (the JSON report keeps them all).
pub fn roots(blockers: &[Blocker]) -> Vec<Root<'_>> {
    let mut roots: Vec<(usize, Root<'_>)> = blockers
        .iter()
        .enumerate()
        .filter(|(_, b)| b.caused_by.is_none())
        .map(|(i, b)| {
            (
                i,
                Root {
                    blocker: b,
                    caused: 0,
                    severity: b.severity(),
                },
            )
        })
        .collect();
    for b in blockers {
        if let Some(root) = b
            .caused_by
            .and_then(|i| roots.iter_mut().find(|(at, _)| *at == i))
        {
            root.1.caused += 1;
            root.1.severity = root.1.severity.min(b.severity());
        }
    }
    roots.into_iter().map(|(_, r)| r).collect()
}

/// True when any blocker has error severity, i.e. the export fails.
pub fn any_error(blockers: &[Blocker]) -> bool {
    blockers.iter().any(|b| b.severity() == Severity::Error)
}

/// The text `explain CODE` prints.
pub fn explain(code: Code) -> String {
    format!(
        "{code}\nseverity: {}\nsummary: {}\n\ncause:\n  {}\n\nfix:\n  {}\n\nverify:\n  {}\n\nrunbook: {}\n",
        code.severity(),
        code.summary(),
        code.cause(),
        code.fix(),
        code.verify(),
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
            "\n## {}\n\n- Severity: **{}**\n- Summary: {}\n\n**Cause.** {}\n\n**Fix.** {}\n\n**Verify.** {}\n",
            super::markdown::html(code.as_str()),
            code.severity(),
            code.summary(),
            code.cause(),
            code.fix(),
            code.verify()
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
                text.replace(METRIC_PLACEHOLDER, "metric")
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'),
                "{text} must be lower-case dotted"
            );
            assert!(text.contains('.'), "{text} must be namespaced");
            assert!(code.summary().ends_with('.'), "{text} summary");
            assert!(
                !code.cause().is_empty() && !code.fix().is_empty() && !code.verify().is_empty()
            );
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
    fn runbooks_link_to_the_release_tag_only_in_a_release_build_else_main() {
        // The tests are no release build unless the variable was set for this compilation.
        match option_env!("DPONE_OBSERVABILITY_RELEASE_TAG") {
            Some(tag) => assert_eq!(RUNBOOK_REF, tag),
            None => assert_eq!(RUNBOOK_REF, "main"),
        }
        let at = format!("/blob/{RUNBOOK_REF}/docs/runbooks.md");
        assert_eq!(
            default_runbook_base_url(),
            format!("https://github.com/dpone/observability-action{at}")
        );
        assert_eq!(
            runbook_base_url("https://github.com/"),
            default_runbook_base_url()
        );
        assert_eq!(
            runbook_base_url("https://ghe.example.com"),
            format!("https://ghe.example.com/dpone/observability-action{at}")
        );
        assert!(Code::MetricsEmpty
            .runbook_url()
            .ends_with(&format!("{at}#metricsempty")));
    }

    #[test]
    fn runbooks_live_in_this_crate_s_repository() {
        assert_eq!(
            format!("https://github.com{REPOSITORY_PATH}"),
            env!("CARGO_PKG_REPOSITORY")
        );
    }

    #[test]
    fn only_this_version_s_tag_is_a_release_tag() {
        let version = env!("CARGO_PKG_VERSION");
        assert!(is_this_version_s_tag(&format!("v{version}")));
        for wrong in [
            version.to_string(),
            format!("v{version}.1"),
            format!("v{}", &version[..version.len() - 1]),
            format!("V{version}"),
            "main".to_string(),
            String::new(),
            "v".to_string(),
        ] {
            assert!(!is_this_version_s_tag(&wrong), "{wrong}");
        }
    }

    #[test]
    fn per_metric_codes_show_the_metric() {
        let b = Blocker::for_metric(Code::SloBelowMin, "dpone_rows", "m");
        assert_eq!(b.id().to_string(), "slo.dpone_rows.below_min");
        assert_eq!(Code::SloBelowMin.runbook_anchor(), "slometricbelow_min");
        assert_eq!(
            Code::parse_instance("slo.dpone_rows.below_min"),
            Some(Code::SloBelowMin)
        );
        assert_eq!(
            Code::parse_instance("regression.dpone_x"),
            Some(Code::Regression)
        );
        assert_eq!(Code::parse_instance("slo..missing"), None);
        assert_eq!(
            Code::parse_instance("baseline.missing"),
            Some(Code::BaselineMissing)
        );
        assert_eq!(
            Blocker::new(Code::MetricsEmpty, "x").id().to_string(),
            "metrics.empty"
        );
    }

    #[test]
    fn only_errors_fail() {
        let warn = Blocker::new(Code::LabelsHighCardinality, "w");
        assert!(!any_error(std::slice::from_ref(&warn)));
        assert!(any_error(&[warn, Blocker::new(Code::MetricsEmpty, "e")]));
    }
}
