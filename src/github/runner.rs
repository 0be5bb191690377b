//! What the runner hands a container action: `INPUT_<NAME>` variables (name upper-cased,
//! hyphens kept, `action.yml` defaults already applied) and the `GITHUB_*` context.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::observability::text::closest;

/// Every input of `action.yml`: name, default, description. A test keeps `action.yml` equal.
pub const INPUTS: &[(&str, &str, &str)] = &[
    ("mode", "export", "`export`: export this run's evidence (the default). `publish`: in a `workflow_run` workflow, publish the check run, PR comment and commit status of the artifact `artifact-name` that the triggering run uploaded, after verifying it (docs/action-reference.md#pull-requests-from-forks)."),
    ("artifact-run-id", "", "With `mode: publish`: the run whose artifact is published; empty: the event's `workflow_run.id`."),
    ("run-report", "", "Path of the JSON printed by `dpone run --format json`."),
    ("inputs", "", "Patterns of other dpone artifacts, one per line (`[KIND=]PATTERN`, globs with `**`)."),
    ("metrics", "", "Custom metrics, one `name=value` per line."),
    ("metrics-file", "", "A JSON or YAML mapping of metric names to numbers."),
    ("labels", "", "Labels for every metric, one `key=value` per line. Keep them low-cardinality."),
    ("resource-attributes", "", "OpenTelemetry resource attributes, one `key=value` per line."),
    ("service-name", "dpone", "OpenTelemetry `service.name`."),
    ("namespace", "dpone.local", "OpenTelemetry `service.namespace`."),
    ("airflow-evidence-bundle", "", "Airflow evidence bundle from `dpone gitops airflow evidence-bundle`."),
    ("run-name", "", "Folder name under the output root; default `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>`."),
    ("output-root", "test_artifacts/observability", "Where the run folders are written, relative to the workspace."),
    ("fail-on", "", "Which blockers fail the step: `error`, `warning` or `never`; empty means the policy file's, else `error`."),
    ("policy-file", ".github/dpone-observability.yml", "YAML policy (`fail-on`, per-code `blockers:` severities, `objectives:`, `regressions:`); ignored when the default file is absent."),
    ("objectives", "", "Objectives to gate on, YAML or JSON (dpone's `--objectives-json` format works), or the path of a file holding them; added to the policy file's."),
    ("baseline", "", "The history to compare with under the policy's `regressions:`, one entry per line: a previous export's `runtime_metrics.json`, an export folder, or a glob; a missing file is a warning. `auto`: fetch the history from the artifacts named `artifact-name` (needs `actions: read`)."),
    ("artifact-name", "observability", "With `baseline: auto`: the name the workflow uploads its run folder under (`actions/upload-artifact`); the latest ones from the base branch (pull requests), the default branch (pushes) or the run's branch form the history."),
    ("baseline-samples", "20", "With `baseline: auto`: how many of the latest artifacts form the history (1 to 100)."),
    ("summary", "true", "Write the step summary."),
    ("annotations", "true", "Annotate blockers on the run page."),
    ("runbook-base-url", "", "Runbooks document blockers link to; default: this action's docs on `GITHUB_SERVER_URL`."),
    ("github-token", "${{ github.token }}", "Token for the check run, PR comment and commit status; masked, never written to a file."),
    ("pr-status", "", "Any of `check-run`, `comment`, `commit-status`, or `none`; empty means `check-run,comment` on pull requests, `check-run` otherwise."),
    ("check-name", "", "Name of the check run, commit status context and PR comment key; empty: `dpone observability: <job> / <pipeline>` (`GITHUB_JOB` and the run report's manifest, or its process), so matrix legs never overwrite each other."),
    ("comment-mode", "always", "When the PR comment is written: `always` (create, then edit in place), `changes` (only when the verdict or the failures change), `failures` (only while something fails or warns; a later passing run edits it to \"now passing\"), or `off`."),
    ("ci-attributes", "true", "Record where the export was made as OpenTelemetry CI/CD and VCS resource attributes (`cicd.*`, `vcs.*`, semantic conventions v1.44.0) in the OTLP resource and the JSON report, never as Prometheus labels. `false`: none."),
    ("pack", "off", "`remote-write` or `pushgateway`: add the policy's objectives as Prometheus alerting rules (for that transport), their promtool tests and a Grafana dashboard to the run folder (docs/pack.md). `off`: no pack."),
    ("pack-window", "1d", "With `pack`: how long a run's metrics count as current, as a Prometheus duration (the schedule's interval plus slack)."),
    ("artifact-url", "", "The uploaded artifact's URL (`actions/upload-artifact@v4`'s `artifact-url` output) for the step summary to link; empty: link the workflow run."),
    ("pushgateway-url", "", "Prometheus Pushgateway base URL; the export is PUT to `/metrics/job/<job>{/<label>/<value>}` after the step summary and outputs are written. Empty: no push."),
    ("pushgateway-job", "dpone", "The Pushgateway `job`."),
    ("pushgateway-grouping-labels", "", "Pushgateway grouping labels, one per line; each must have one value on every series. Empty: `process` when every series has one."),
    ("remote-write-url", "", "Prometheus remote-write 1.0 URL (e.g. `https://prometheus.example.com/api/v1/write`). Empty: no push."),
    ("otlp-endpoint", "", "OTLP/HTTP metrics endpoint, used as given, or `env` for the `OTEL_EXPORTER_OTLP_*` variables. Empty: no push."),
    ("otlp-protocol", "", "`http/protobuf` or `http/json`; empty means `OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL`, else `http/protobuf`."),
    ("otlp-compression", "", "`gzip` or `none`: compression of the OTLP metrics and traces requests (`Content-Encoding: gzip`); empty means `OTEL_EXPORTER_OTLP_(METRICS_|TRACES_)COMPRESSION`, else `none`."),
    ("pushgateway-token-env", "", "Name of the environment variable holding the Pushgateway's bearer token (set it from a secret in the step's `env:`)."),
    ("pushgateway-basic-auth-env", "", "Name of the environment variable holding the Pushgateway's `user:password`."),
    ("pushgateway-headers-env", "", "Name of the environment variable holding extra Pushgateway headers, `key=value,key2=value2`."),
    ("remote-write-token-env", "", "Name of the environment variable holding the remote-write receiver's bearer token."),
    ("remote-write-basic-auth-env", "", "Name of the environment variable holding the remote-write receiver's `user:password`."),
    ("remote-write-headers-env", "", "Name of the environment variable holding extra remote-write headers (e.g. `X-Scope-OrgID=team`)."),
    ("otlp-token-env", "", "Name of the environment variable holding the OTLP endpoint's bearer token."),
    ("otlp-basic-auth-env", "", "Name of the environment variable holding the OTLP endpoint's `user:password`."),
    ("otlp-headers-env", "", "Name of the environment variable holding extra OTLP headers (added to `OTEL_EXPORTER_OTLP_HEADERS`)."),
];

/// Every output of `action.yml`: name and description.
pub const OUTPUTS: &[(&str, &str)] = &[
    (
        "passed",
        "`true` when no blocker fails the step under the fail policy.",
    ),
    ("metric-count", "Number of metric points exported."),
    (
        "blockers",
        "The blockers as a JSON array of `{schema_version, code, severity, message, runbook_url, file}`.",
    ),
    ("output-dir", "The run folder, relative to the workspace."),
    (
        "prometheus-path",
        "`prometheus_metrics.prom`, relative to the workspace.",
    ),
    (
        "opentelemetry-path",
        "`opentelemetry_metrics.json`, relative to the workspace.",
    ),
    (
        "index-path",
        "`metrics_index.json`, relative to the workspace.",
    ),
    (
        "summary-path",
        "`step_summary.md` in the run folder, relative to the workspace.",
    ),
    (
        "pushed",
        "The pushes as a JSON array of `{kind, target, series, total, requests, error}`; `[]` without a push target.",
    ),
];

/// The environment, as a map (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct Env(pub HashMap<String, String>);

impl Env {
    /// An environment of these variables (tests).
    #[cfg(test)]
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        Env(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    pub fn from_process() -> Self {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect())
    }

    /// An environment variable of the step (credentials the workflow passes in `env:`).
    pub fn var(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// An input's value, trimmed; `action.yml`'s default when the runner did not set it (a
    /// local run), `None` when empty.
    pub fn input(&self, name: &str) -> Option<String> {
        let key = format!("INPUT_{}", name.to_uppercase());
        let raw = match self.get(&key) {
            Some(value) => value.to_string(),
            None => INPUTS
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, d, _)| d.to_string())
                .unwrap_or_default(),
        };
        let value = raw.trim();
        (!value.is_empty()).then(|| value.to_string())
    }

    /// A multi-value input: one entry per line; blank lines and `#` comments are skipped.
    pub fn input_lines(&self, name: &str) -> Vec<String> {
        self.input(name)
            .map(|v| {
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `INPUT_*` variables that name none of this action's inputs but look like one
    /// (`INPUT_RUN_REPORT`, set by hand with `_` for `-`; `INPUT_RUN-REPORTS`), each with the
    /// input it most likely means, sorted by variable. They are ignored; the caller warns.
    pub fn misspelt_inputs(&self) -> Vec<(&str, &'static str)> {
        let names = || INPUTS.iter().map(|(name, _, _)| *name);
        let mut found: Vec<(&str, &'static str)> = self
            .0
            .keys()
            .filter_map(|key| {
                let rest = key.strip_prefix("INPUT_")?;
                if names().any(|name| name.to_uppercase() == rest) {
                    return None;
                }
                let spelt = rest.to_lowercase().replace('_', "-");
                Some((key.as_str(), closest(&spelt, names())?))
            })
            .collect();
        found.sort_unstable();
        found
    }

    /// A boolean input (`true`/`false`, any case); empty means `action.yml`'s default.
    pub fn input_bool(&self, name: &str) -> Result<bool, String> {
        let default = INPUTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .is_some_and(|(_, d, _)| *d == "true");
        match self.input(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(format!(
                "input `{name}` must be `true` or `false`, got `{other}`"
            )),
        }
    }
}

/// The runner's context; outside Actions most of it is absent.
#[derive(Debug, Clone)]
pub struct RunnerContext {
    pub in_actions: bool,
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    pub sha: Option<String>,
    pub repository: Option<String>,
    pub server_url: String,
    pub workspace: PathBuf,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// `RUNNER_TEMP`: the only place outside the workspace the action reads from.
    pub runner_temp: Option<PathBuf>,
    /// The working directory is the workspace (as in the container): relative paths stay
    /// relative, so messages show them as the user wrote them.
    cwd_is_workspace: bool,
}

impl RunnerContext {
    pub fn from_env(env: &Env, cwd: &Path) -> Self {
        let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).map(str::to_string);
        let workspace = get("GITHUB_WORKSPACE").map_or_else(|| cwd.to_path_buf(), PathBuf::from);
        let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        RunnerContext {
            cwd_is_workspace: same(cwd, &workspace),
            in_actions: env.get("GITHUB_ACTIONS") == Some("true") || get("GITHUB_RUN_ID").is_some(),
            run_id: get("GITHUB_RUN_ID"),
            run_attempt: get("GITHUB_RUN_ATTEMPT"),
            sha: get("GITHUB_SHA"),
            repository: get("GITHUB_REPOSITORY"),
            server_url: get("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".to_string()),
            workspace,
            step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: get("GITHUB_OUTPUT").map(PathBuf::from),
            runner_temp: get("RUNNER_TEMP").map(PathBuf::from),
        }
    }

    /// The default run folder name: `<run id>-<attempt>`, or `local` outside Actions.
    pub fn default_run_name(&self) -> String {
        match &self.run_id {
            Some(id) => format!("{id}-{}", self.run_attempt.as_deref().unwrap_or("1")),
            None => "local".to_string(),
        }
    }

    /// A link to this workflow run's page.
    pub fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.server_url.trim_end_matches('/'),
            self.repository.as_ref()?,
            self.run_id.as_ref()?
        ))
    }

    /// A path from an input: relative ones are relative to the workspace.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() || self.cwd_is_workspace {
            p.to_path_buf()
        } else {
            self.workspace.join(p)
        }
    }

    /// The workspace is a wall: a path the action reads must resolve (links followed) inside
    /// the workspace or `RUNNER_TEMP`. A path that does not exist is left to the export, which
    /// reports it missing without reading anything.
    pub fn check_readable(&self, input: &str, path: &Path) -> Result<(), String> {
        let Ok(real) = std::fs::canonicalize(path) else {
            return Ok(());
        };
        let roots = [Some(&self.workspace), self.runner_temp.as_ref()];
        let inside = roots
            .into_iter()
            .flatten()
            .filter_map(|root| std::fs::canonicalize(root).ok())
            .any(|root| real.starts_with(root));
        if inside {
            return Ok(());
        }
        Err(format!(
            "input `{input}`: `{}` resolves outside the workspace (to `{}`); the action reads \
             only the workspace and RUNNER_TEMP",
            path.display().to_string().escape_debug(),
            real.display().to_string().escape_debug()
        ))
    }

    /// The run folder must resolve inside the workspace, even through a linked component of
    /// `output-root` or `run-name`: its deepest existing ancestor is checked, links followed.
    pub fn check_writable(&self, output_dir: &Path) -> Result<(), String> {
        let workspace = std::fs::canonicalize(&self.workspace)
            .map_err(|err| format!("the workspace `{}`: {err}", self.workspace.display()))?;
        let mut existing = output_dir;
        loop {
            match std::fs::canonicalize(existing) {
                Ok(real) if real.starts_with(&workspace) => return Ok(()),
                Ok(real) => {
                    return Err(format!(
                        "the run folder `{}` resolves outside the workspace (through `{}`, a \
                         link to `{}`); inputs `output-root` and `run-name` must stay inside it",
                        output_dir.display().to_string().escape_debug(),
                        existing.display().to_string().escape_debug(),
                        real.display().to_string().escape_debug()
                    ))
                }
                Err(_) => match existing.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
                    _ => return Ok(()),
                },
            }
        }
    }

    /// A path as the outputs and annotations give it: relative to the workspace when inside.
    /// The workspace-relative path of a file inside the workspace (`None` outside it, or for
    /// a path that climbs out with `..`).
    pub fn workspace_file(&self, path: &Path) -> Option<String> {
        let inside = if path.is_absolute() {
            path.strip_prefix(&self.workspace).ok()?
        } else if self.cwd_is_workspace {
            path
        } else {
            return None;
        };
        let mut parts = Vec::new();
        for c in inside.components() {
            match c {
                std::path::Component::Normal(p) => parts.push(p.to_str()?),
                std::path::Component::CurDir => {}
                _ => return None,
            }
        }
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// A link to a workspace file's line at `sha` on GitHub.
    pub fn blob_url(&self, rel: &str, line: Option<u64>, sha: &str) -> Option<String> {
        let encoded: String = rel
            .split('/')
            .map(|p| {
                p.replace('%', "%25")
                    .replace(' ', "%20")
                    .replace('#', "%23")
                    .replace('?', "%3F")
                    .replace(')', "%29")
                    .replace('(', "%28")
            })
            .collect::<Vec<_>>()
            .join("/");
        Some(format!(
            "{}/{}/blob/{sha}/{encoded}{}",
            self.server_url.trim_end_matches('/'),
            self.repository.as_ref()?,
            line.map(|l| format!("#L{l}")).unwrap_or_default()
        ))
    }

    /// A link to a commit on GitHub.
    pub fn commit_url(&self, sha: &str) -> Option<String> {
        Some(format!(
            "{}/{}/commit/{sha}",
            self.server_url.trim_end_matches('/'),
            self.repository.as_ref()?
        ))
    }

    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.workspace)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// The output root must stay inside the workspace: relative, without `..`.
pub fn validate_output_root(root: &str) -> Result<(), String> {
    let path = Path::new(root);
    if path.is_absolute()
        || path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        || root.chars().any(char::is_control)
    {
        return Err(format!(
            "input `output-root` must be a path inside the workspace, got `{}`",
            root.escape_debug()
        ));
    }
    Ok(())
}

/// A run folder name must stay one folder below the output root.
pub fn validate_run_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("run name `{name}` is not a folder name"));
    }
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(format!(
            "run name `{}` must be one folder name without `/`, `\\\\` or control characters",
            name.escape_debug()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::of(pairs)
    }

    #[test]
    fn variables_that_look_like_an_input_are_found_with_the_input() {
        let e = env(&[
            ("INPUT_RUN_REPORT", "r.json"),
            ("INPUT_RUN-REPORTS", "r.json"),
            ("INPUT_METRICS_FILE", "m.json"),
            ("INPUT_LABELS", "env=ci"),
            ("INPUT_RUN-REPORT", "r.json"),
            ("INPUT_SOMETHING-ELSE-ENTIRELY", "x"),
            ("RUN_REPORT", "r.json"),
        ]);
        assert_eq!(
            e.misspelt_inputs(),
            [
                ("INPUT_METRICS_FILE", "metrics-file"),
                ("INPUT_RUN-REPORTS", "run-report"),
                ("INPUT_RUN_REPORT", "run-report"),
            ]
        );
    }

    #[test]
    fn inputs_follow_the_runner_naming_and_defaults() {
        let e = env(&[
            ("INPUT_RUN-REPORT", " r.json "),
            ("INPUT_LABELS", "env=ci\n\n# note\n gate=x \n"),
        ]);
        assert_eq!(e.input("run-report").as_deref(), Some("r.json"));
        assert_eq!(e.input_lines("labels"), ["env=ci", "gate=x"]);
        assert_eq!(
            e.input("service-name").as_deref(),
            Some("dpone"),
            "action.yml default"
        );
        assert_eq!(e.input_bool("summary"), Ok(true));
        assert!(env(&[("INPUT_SUMMARY", "maybe")])
            .input_bool("summary")
            .is_err());
    }

    #[test]
    fn run_names_stay_inside() {
        for bad in [
            "", ".", "..", "a/b", "../x", "/abs", "a\\b", "x\ny", "t\u{7}",
        ] {
            assert!(validate_run_name(bad).is_err(), "{bad:?}");
        }
        for good in ["123-1", "nightly", "pr.42"] {
            assert!(validate_run_name(good).is_ok());
        }
    }

    #[test]
    fn context_outside_actions() {
        let ctx = RunnerContext::from_env(&env(&[]), Path::new("/w"));
        assert!(!ctx.in_actions);
        assert_eq!(ctx.default_run_name(), "local");
        assert_eq!(ctx.workspace, Path::new("/w"));
        assert_eq!(ctx.relative(Path::new("/w/a/b.json")), "a/b.json");
        assert_eq!(
            ctx.relative(Path::new("/elsewhere/b.json")),
            "/elsewhere/b.json"
        );
        let ctx = RunnerContext::from_env(
            &env(&[
                ("GITHUB_RUN_ID", "7"),
                ("GITHUB_RUN_ATTEMPT", "2"),
                ("GITHUB_REPOSITORY", "o/r"),
            ]),
            Path::new("/w"),
        );
        assert_eq!(ctx.default_run_name(), "7-2");
        assert_eq!(
            ctx.run_url().as_deref(),
            Some("https://github.com/o/r/actions/runs/7")
        );
    }
}
