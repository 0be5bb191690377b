//! One settings path for every adapter, low level to high level (as ripgrep's flags →
//! `HiArgs`, and `push`'s `PushSpec` → `PushPlan`): the CLI fills an [`ExportSpec`] from clap,
//! the action from its `INPUT_*` variables, and [`resolve`] turns either into the
//! [`ExportRequest`] the export runs, reading the policy file and the objectives once and
//! checking the labels. Error messages name the setting as the user wrote it: a flag
//! (`--label`) or an action input (``input `labels` ``).

use std::path::{Path, PathBuf};

use super::blockers::{default_runbook_base_url, Blocker};
use super::files::{self, FileError};
use super::gates::parse_objectives;
use super::inputs::InputPattern;
use super::metrics::{parse_key_value, LabelSet};
use super::policy::{parse_policy, Policy};
use super::sources::custom::{parse_metric, CustomMetric};
use super::timestamp::Timestamp;
use super::trace_join::{resolve_parent, CiJob, TraceIds, TraceParent};

pub const DEFAULT_OUTPUT_DIR: &str = ".dpone/observability/latest";
pub const DEFAULT_SERVICE_NAME: &str = "dpone";
pub const DEFAULT_NAMESPACE: &str = "dpone.local";

/// What to export. Labels are validated through [`LabelSet::new`].
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub output_dir: PathBuf,
    pub run_report: Option<PathBuf>,
    /// `--input` patterns: any standard dpone artifact, its kind detected or forced.
    pub inputs: Vec<InputPattern>,
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
    /// Severity overrides per blocker code (a policy file's `blockers:`) and the gates
    /// (`objectives:`, `regressions:`, plus `--objectives`).
    pub policy: Policy,
    /// The history to compare against (`--baseline`, repeatable): earlier exports'
    /// `runtime_metrics.json` files, export folders, or glob patterns of either.
    pub baselines: Vec<PathBuf>,
    /// A pull request's merge-base with its base branch (the action learns it from the compare
    /// API): the regressions compare with the history up to it, not with newer runs of the
    /// base branch the pull request does not contain. `history.json` keeps the whole history.
    pub merge_base: Option<super::history::MergeBase>,
    /// How many runs `history.json` keeps (`--history-limit`, action input `history-limit`).
    pub history_limit: usize,
    /// The runbooks document blockers link to (anchors are appended).
    pub runbook_base: String,
    /// Values that must never be written (the action's token and push credentials): a label,
    /// attribute or metric name holding one is `labels.secret_like`.
    pub secrets: Vec<String>,
    /// Findings an adapter made before the export (a history it could not fetch): reported
    /// with the export's own, first, under the same policy.
    pub pre_export_blockers: Vec<Blocker>,
    /// Advice about the settings that changes nothing (a deprecated attribute name).
    pub hints: Vec<String>,
    /// The span the export's trace joins (GitHub's job, or `TRACEPARENT`); None: its own ids.
    pub trace_parent: Option<TraceParent>,
    /// Settings that are ignored, and why (a `TRACEPARENT` that does not parse): warnings.
    pub warnings: Vec<String>,
    /// The CI job the export runs in (the OpenLineage run id's seed).
    pub ci_job: Option<CiJob>,
    /// The OpenLineage job namespace (`--openlineage-namespace`).
    pub openlineage_namespace: String,
}

impl ExportRequest {
    pub fn new(output_dir: impl Into<PathBuf>, now: Timestamp) -> Self {
        ExportRequest {
            output_dir: output_dir.into(),
            run_report: None,
            inputs: Vec::new(),
            metrics: Vec::new(),
            metrics_file: None,
            labels: LabelSet::default(),
            resource_attributes: Vec::new(),
            service_name: DEFAULT_SERVICE_NAME.to_string(),
            namespace: DEFAULT_NAMESPACE.to_string(),
            airflow_evidence_bundle: None,
            now,
            policy: Policy::default(),
            baselines: Vec::new(),
            merge_base: None,
            history_limit: super::history::DEFAULT_HISTORY_LIMIT,
            runbook_base: default_runbook_base_url(),
            secrets: Vec::new(),
            pre_export_blockers: Vec::new(),
            hints: Vec::new(),
            trace_parent: None,
            warnings: Vec::new(),
            ci_job: None,
            openlineage_namespace: super::openlineage::DEFAULT_NAMESPACE.to_string(),
        }
    }
}

/// Which adapter filled the spec, so messages name its settings as the user wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// `metrics-export` flags: `--label`, `--objectives`.
    Flags,
    /// The action's inputs: ``input `labels` ``, ``input `objectives` ``.
    Inputs,
}

/// The settings that have a name in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Inputs,
    Metrics,
    Labels,
    ResourceAttributes,
    Objectives,
}

impl Names {
    /// The setting as the user wrote it: `--label`, ``input `labels` ``.
    pub fn of(self, setting: Setting) -> &'static str {
        match (self, setting) {
            (Names::Flags, Setting::Inputs) => "--input",
            (Names::Flags, Setting::Metrics) => "--metric",
            (Names::Flags, Setting::Labels) => "--label",
            (Names::Flags, Setting::ResourceAttributes) => "--resource-attr",
            (Names::Flags, Setting::Objectives) => "--objectives",
            (Names::Inputs, Setting::Inputs) => "input `inputs`",
            (Names::Inputs, Setting::Metrics) => "input `metrics`",
            (Names::Inputs, Setting::Labels) => "input `labels`",
            (Names::Inputs, Setting::ResourceAttributes) => "input `resource-attributes`",
            (Names::Inputs, Setting::Objectives) => "input `objectives`",
        }
    }

    /// A bad value: `invalid --label: …` for a flag, ``input `labels`: …`` for an input.
    fn invalid(self, setting: Setting, err: impl std::fmt::Display) -> String {
        match self {
            Names::Flags => format!("invalid {}: {err}", self.of(setting)),
            Names::Inputs => format!("{}: {err}", self.of(setting)),
        }
    }
}

/// Where the policy file is, and whether it may be absent (the action's default file).
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub path: PathBuf,
    /// As the user wrote it, for messages.
    pub shown: String,
    pub optional: bool,
}

/// The low-level settings, as the adapter parsed them; relative paths are already resolved
/// where the adapter resolves them (the action: against the workspace).
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub names: Names,
    pub now: Timestamp,
    pub output_dir: PathBuf,
    pub run_report: Option<PathBuf>,
    pub inputs: Vec<InputPattern>,
    pub metrics: Vec<(String, f64)>,
    pub metrics_file: Option<PathBuf>,
    pub labels: Vec<(String, String)>,
    pub resource_attributes: Vec<(String, String)>,
    pub service_name: Option<String>,
    pub namespace: Option<String>,
    pub airflow_evidence_bundle: Option<PathBuf>,
    pub policy_file: Option<PolicyFile>,
    /// Objectives as text, or the path of a file holding them (one line naming a file).
    pub objectives: Option<String>,
    /// Where a one-line `objectives` value is looked for as a file.
    pub objectives_base: Option<PathBuf>,
    /// Earlier exports to compare against: `runtime_metrics.json` files, export folders or
    /// glob patterns of either, each one sample of the history.
    pub baselines: Vec<PathBuf>,
    /// How many runs `history.json` keeps; the default when not given.
    /// `--merge-base` (with `--merge-base-date`): the regressions compare with the history up
    /// to this commit.
    pub merge_base: Option<super::history::MergeBase>,
    pub history_limit: Option<usize>,
    pub runbook_base: Option<String>,
    /// `--trace-ids` / input `trace-ids`.
    pub trace_ids: TraceIds,
    /// The `TRACEPARENT` the adapter read, unparsed (a bad one is a warning, not an error).
    pub traceparent: Option<String>,
    /// The CI job the adapter read from the runner's environment.
    pub ci_job: Option<CiJob>,
    /// `--openlineage-namespace` / input `openlineage-namespace`.
    pub openlineage_namespace: Option<String>,
}

impl ExportSpec {
    pub fn new(names: Names, output_dir: impl Into<PathBuf>, now: Timestamp) -> Self {
        ExportSpec {
            names,
            now,
            output_dir: output_dir.into(),
            run_report: None,
            inputs: Vec::new(),
            metrics: Vec::new(),
            metrics_file: None,
            labels: Vec::new(),
            resource_attributes: Vec::new(),
            service_name: None,
            namespace: None,
            airflow_evidence_bundle: None,
            policy_file: None,
            objectives: None,
            objectives_base: None,
            baselines: Vec::new(),
            merge_base: None,
            history_limit: None,
            runbook_base: None,
            trace_ids: TraceIds::default(),
            traceparent: None,
            ci_job: None,
            openlineage_namespace: None,
        }
    }

    /// Parses one value per line of a multi-value input with the setting's own parser;
    /// the message names the input.
    pub fn parse_lines<T>(
        &self,
        setting: Setting,
        lines: &[String],
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        lines
            .iter()
            .map(|line| parse(line).map_err(|e| self.names.invalid(setting, e)))
            .collect()
    }

    /// The file a one-line `objectives` value names, relative to `objectives_base`; whether it
    /// is read depends on whether it exists.
    pub fn objectives_file(&self) -> Option<PathBuf> {
        let value = self.objectives.as_deref()?;
        let trimmed = value.trim();
        if value.contains('\n') || trimmed.is_empty() {
            return None;
        }
        Some(match &self.objectives_base {
            Some(base) if Path::new(trimmed).is_relative() => base.join(trimmed),
            _ => PathBuf::from(trimmed),
        })
    }

    /// `name=value` lines (the action's `metrics`).
    pub fn metric_lines(&self, lines: &[String]) -> Result<Vec<(String, f64)>, String> {
        self.parse_lines(Setting::Metrics, lines, parse_metric)
    }

    /// `key=value` lines (the action's `labels` and `resource-attributes`).
    pub fn key_value_lines(
        &self,
        setting: Setting,
        lines: &[String],
    ) -> Result<Vec<(String, String)>, String> {
        self.parse_lines(setting, lines, parse_key_value)
    }
}

/// Reads and parses a policy file; an optional one that does not exist is the default policy.
pub fn read_policy_file(file: &PolicyFile) -> Result<Policy, String> {
    match files::read_text_capped(&file.path, files::MAX_POLICY_BYTES) {
        Ok(text) => parse_policy(&text, &file.shown).map(|mut policy| {
            policy.gates.set_file(&file.path);
            policy
        }),
        Err(err) if err.is_not_found() && file.optional => Ok(Policy::default()),
        Err(err) if err.is_not_found() => Err(format!(
            "policy file `{}` {}",
            file.shown,
            files::not_found_shown(&file.path, &file.shown)
        )),
        Err(err @ FileError::Io(_)) => Err(format!(
            "policy file `{}` cannot be read: {err}",
            file.shown
        )),
        Err(err) => Err(format!("policy file `{}` {err}", file.shown)),
    }
}

/// The objectives' text and the name messages give it: a one-line value naming an existing file
/// is read from that file.
fn read_objectives(spec: &ExportSpec, value: &str) -> Result<(String, String), String> {
    let name = spec.names.of(Setting::Objectives);
    let trimmed = value.trim();
    // One line that cannot be objectives (no `:`, not a flow mapping or list) names a file,
    // whether or not it exists: a missing one is said so, not parsed as YAML.
    let names_a_file = !trimmed.contains(':') && !trimmed.starts_with(['{', '[']);
    if let Some(path) = spec
        .objectives_file()
        .filter(|p| p.is_file() || names_a_file)
    {
        let text = files::read_text_capped(&path, files::MAX_OBJECTIVES_BYTES).map_err(|err| {
            let err = if err.is_not_found() {
                let shown = match spec.names {
                    Names::Flags => path.display().to_string(),
                    Names::Inputs => trimmed.to_string(),
                };
                format!(
                    "{} (a one-line value without `:` names a file of objectives)",
                    files::not_found_shown(&path, &shown)
                )
            } else {
                err.to_string()
            };
            match spec.names {
                Names::Flags => format!("{name} file `{}`: {err}", path.display()),
                Names::Inputs => format!("{name}: `{trimmed}`: {err}"),
            }
        })?;
        let shown = match spec.names {
            Names::Flags => path.display().to_string(),
            Names::Inputs => trimmed.to_string(),
        };
        return Ok((text, shown));
    }
    Ok((value.to_string(), name.to_string()))
}

/// The policy a spec gives: its policy file (or `file`, a policy the caller read elsewhere,
/// when the spec names none) with its objectives added.
pub fn resolve_policy(spec: &ExportSpec, file: Option<Policy>) -> Result<Policy, String> {
    let mut policy = match (&spec.policy_file, file) {
        (Some(file), _) => read_policy_file(file)?,
        (None, Some(policy)) => policy,
        (None, None) => Policy::default(),
    };
    if let Some(value) = &spec.objectives {
        let (text, source) = read_objectives(spec, value)?;
        let mut objectives = parse_objectives(&text, &source)?;
        if let Some(path) = spec.objectives_file().filter(|p| p.is_file()) {
            for o in &mut objectives {
                o.selector.origin.file = Some(path.clone());
            }
        }
        policy.gates.objectives.extend(objectives);
    }
    Ok(policy)
}

/// The high-level request: the policy file and the objectives read and merged, the labels
/// checked, defaults filled in.
pub fn resolve(spec: ExportSpec) -> Result<ExportRequest, String> {
    let policy = resolve_policy(&spec, None)?;
    let labels = LabelSet::new(spec.labels.clone())
        .map_err(|err| spec.names.invalid(Setting::Labels, err))?;
    let mut request = ExportRequest::new(spec.output_dir, spec.now);
    request.policy = policy;
    request.labels = labels;
    request.run_report = spec.run_report;
    request.inputs = spec.inputs;
    request.metrics = spec
        .metrics
        .iter()
        .map(|(name, value)| CustomMetric::new(name, *value))
        .collect();
    request.metrics_file = spec.metrics_file;
    if spec
        .resource_attributes
        .iter()
        .any(|(k, _)| k == "deployment.environment")
    {
        request.hints.push(
            "the resource attribute `deployment.environment` is deprecated in OpenTelemetry's \
             semantic conventions: use `deployment.environment.name` (stable since v1.41.0)"
                .to_string(),
        );
    }
    request.resource_attributes = spec.resource_attributes;
    if let Some(name) = spec.service_name {
        request.service_name = name;
    }
    if let Some(namespace) = spec.namespace {
        request.namespace = namespace;
    }
    request.airflow_evidence_bundle = spec.airflow_evidence_bundle;
    request.baselines = spec.baselines;
    request.merge_base = spec.merge_base;
    if let Some(limit) = spec.history_limit {
        request.history_limit = limit;
    }
    if let Some(base) = spec.runbook_base {
        request.runbook_base = base;
    }
    let (parent, warning) = resolve_parent(
        spec.trace_ids,
        spec.traceparent.as_deref(),
        spec.ci_job.as_ref(),
    );
    request.trace_parent = parent;
    request.warnings.extend(warning);
    request.ci_job = spec.ci_job;
    // The setting, else the policy's, else `dpone.ci`.
    if let Some(namespace) = spec
        .openlineage_namespace
        .or_else(|| request.policy.openlineage.namespace.clone())
        .filter(|n| !n.trim().is_empty())
    {
        request.openlineage_namespace = namespace.trim().to_string();
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_764_000_000).unwrap()
    }

    #[test]
    fn messages_name_the_setting_as_the_adapter_calls_it() {
        for (names, want) in [
            (Names::Flags, "invalid --label: "),
            (Names::Inputs, "input `labels`: "),
        ] {
            let mut spec = ExportSpec::new(names, "out", now());
            spec.labels = vec![("__reserved".into(), "x".into())];
            let err = resolve(spec).unwrap_err();
            assert!(err.starts_with(want), "{err}");
        }
        let spec = ExportSpec::new(Names::Inputs, "out", now());
        let err = spec
            .metric_lines(&["a=1".into(), "b=x".into()])
            .unwrap_err();
        assert!(
            err.starts_with("input `metrics`: metric `b` must be numeric"),
            "{err}"
        );
    }

    #[test]
    fn objectives_come_from_text_or_a_file_beside_the_base() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("slo.yml"), "extracted_rows: {min: 1}\n").unwrap();
        let mut spec = ExportSpec::new(Names::Inputs, "out", now());
        spec.objectives = Some("slo.yml".into());
        spec.objectives_base = Some(dir.path().to_path_buf());
        assert_eq!(resolve(spec).unwrap().policy.gates.objectives.len(), 1);
        let mut spec = ExportSpec::new(Names::Flags, "out", now());
        spec.objectives = Some("{\"a\": {\"min\": 1}, \"b\": 3}".into());
        assert_eq!(resolve(spec).unwrap().policy.gates.objectives.len(), 2);
    }

    #[test]
    fn a_one_line_objectives_value_without_a_colon_names_a_file_that_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("slo.yaml"), "a: {min: 1}\n").unwrap();
        for (names, want) in [
            (Names::Flags, "--objectives file `"),
            (Names::Inputs, "input `objectives`: `slo.yml`: "),
        ] {
            let mut spec = ExportSpec::new(names, "out", now());
            spec.objectives = Some("slo.yml".into());
            spec.objectives_base = Some(dir.path().to_path_buf());
            let err = resolve(spec).unwrap_err();
            assert!(
                err.starts_with(want) && err.contains("does not exist; did you mean `"),
                "{err}"
            );
            assert!(err.contains("slo.yaml`?"), "{err}");
        }
        let mut spec = ExportSpec::new(Names::Flags, "out", now());
        spec.objectives = Some(dir.path().display().to_string());
        let err = resolve(spec).unwrap_err();
        assert!(err.ends_with("is a directory, not a regular file"), "{err}");
        // Inline objectives on one line are still inline.
        for inline in ["{}", "[]", "a: 1"] {
            let mut spec = ExportSpec::new(Names::Flags, "out", now());
            spec.objectives = Some(inline.into());
            assert!(resolve(spec).is_ok(), "{inline}");
        }
    }

    #[test]
    fn an_optional_policy_file_may_be_absent_a_named_one_may_not() {
        let mut file = PolicyFile {
            path: PathBuf::from("/nonexistent/dpone-observability.yml"),
            shown: ".github/dpone-observability.yml".into(),
            optional: true,
        };
        assert!(read_policy_file(&file).is_ok());
        file.optional = false;
        let err = read_policy_file(&file).unwrap_err();
        assert_eq!(
            err,
            "policy file `.github/dpone-observability.yml` does not exist (no folder `/nonexistent`)"
        );
        // Named as given: the workspace the action joins it to is not shown.
        let workspace = tempfile::tempdir().unwrap();
        std::fs::create_dir(workspace.path().join("ci")).unwrap();
        std::fs::write(workspace.path().join("ci").join("policy.yaml"), b"").unwrap();
        file.path = workspace.path().join("ci").join("polcy.yml");
        file.shown = "ci/polcy.yml".into();
        assert_eq!(
            read_policy_file(&file).unwrap_err(),
            "policy file `ci/polcy.yml` does not exist; did you mean `ci/policy.yaml`?"
        );
    }
}
