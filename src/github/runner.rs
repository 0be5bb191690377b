//! What the runner hands a container action besides its inputs (`inputs.rs`): the step's
//! environment and the `GITHUB_*` context, and the walls around the workspace.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

    /// A variable of the step's environment, borrowed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
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
    /// When the step's GitHub requests must be done (the `timeout` input from the step's
    /// start); `None` until the inputs are read.
    pub deadline: Option<std::time::Instant>,
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
            deadline: None,
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
