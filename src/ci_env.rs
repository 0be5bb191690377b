//! Where an export was made, as OpenTelemetry's CI/CD (`cicd.*`) and version-control (`vcs.*`)
//! resource attributes, read from the CI runner's environment (GitHub Actions today).
//!
//! Names and enum values follow the semantic conventions v1.44.0 (`model/cicd/` and
//! `model/vcs/` of open-telemetry/semantic-conventions): release candidates since v1.43.0. They
//! go into the OTLP resource and the JSON report, never into Prometheus labels (run ids are
//! high-cardinality). Both adapters use this module (the CLI when it runs inside Actions, the
//! action always); the core only sees resource attributes.

use serde::Deserialize;
use serde_json::Value;

/// The semantic-conventions version the attributes follow.
pub const SEMCONV_VERSION: &str = "1.44.0";
/// The OTLP resource's `schemaUrl` (the core writes it).
pub use crate::observability::opentelemetry::SCHEMA_URL;

/// The event payload (`GITHUB_EVENT_PATH`): the fields any part of the product reads, parsed
/// once. Each field is lenient: one of an unexpected type is `None`, never the whole payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Event {
    #[serde(default, deserialize_with = "lenient")]
    pub pull_request: Option<EventPullRequest>,
    #[serde(default, deserialize_with = "lenient")]
    pub repository: Option<EventRepository>,
    #[serde(default, deserialize_with = "lenient")]
    pub workflow_run: Option<EventWorkflowRun>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EventPullRequest {
    #[serde(default, deserialize_with = "lenient")]
    pub number: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub head: Option<EventCommit>,
    /// The base branch's commit the event was made at (`pull_request.base.sha`): with the
    /// head, what the compare API finds the merge-base of.
    #[serde(default, deserialize_with = "lenient")]
    pub base: Option<EventCommit>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EventCommit {
    #[serde(default, deserialize_with = "lenient")]
    pub sha: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EventRepository {
    #[serde(default, deserialize_with = "lenient")]
    pub default_branch: Option<String>,
}

/// A `workflow_run` event's run (publish mode).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EventWorkflowRun {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub head_sha: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub pull_requests: Option<Vec<EventPullRequest>>,
}

/// A value of the expected type, or `None` (absent, `null`, or another type).
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).ok())
}

impl Event {
    /// Reads the payload at `path`; `Err` says why there is none (not set, unreadable, not
    /// JSON). Callers that can do without it take the default.
    pub fn read(path: Option<&str>) -> Result<Event, String> {
        let path = path
            .filter(|p| !p.is_empty())
            .ok_or("`GITHUB_EVENT_PATH` is not set (not running in GitHub Actions)")?;
        let text = crate::observability::files::read_text_capped(
            std::path::Path::new(path),
            crate::observability::files::MAX_EVENT_BYTES,
        )
        .map_err(|err| format!("cannot read the event payload: {err}"))?;
        serde_json::from_str(&text).map_err(|err| format!("the event payload is not JSON ({err})"))
    }

    /// The payload of the run the variables `get` reads describe: read only inside GitHub
    /// Actions, and the default when it cannot be read (the attributes then lack the PR).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Event {
        if get("GITHUB_ACTIONS").as_deref() != Some("true") {
            return Event::default();
        }
        Event::read(get("GITHUB_EVENT_PATH").as_deref()).unwrap_or_default()
    }

    /// The pull request's number and head commit, when the payload names both.
    pub fn pull_request_head(&self) -> Option<(u64, &str)> {
        let pr = self.pull_request.as_ref()?;
        Some((pr.number?, pr.head.as_ref()?.sha.as_deref()?))
    }
}

/// The CI/CD and VCS attributes the environment gives, in a fixed order; empty outside GitHub
/// Actions. `get` reads an environment variable (empty values count as unset).
pub fn resource_attributes(
    get: &dyn Fn(&str) -> Option<String>,
    event: &Event,
) -> Vec<(String, String)> {
    let get = |name: &str| get(name).filter(|v| !v.is_empty());
    if get("GITHUB_ACTIONS").as_deref() != Some("true") {
        return Vec::new();
    }
    let pr = event.pull_request.as_ref();
    let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_string());
    let server = server.trim_end_matches('/');
    let repository = get("GITHUB_REPOSITORY");
    let run_id = get("GITHUB_RUN_ID");
    let attempt = get("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".to_string());
    let is_pr = matches!(
        get("GITHUB_EVENT_NAME").as_deref(),
        Some("pull_request" | "pull_request_target")
    );
    let mut out: Vec<(&str, Option<String>)> = vec![
        ("cicd.pipeline.name", get("GITHUB_WORKFLOW")),
        ("cicd.pipeline.run.id", run_id.clone()),
        (
            "cicd.pipeline.run.url.full",
            repository
                .as_ref()
                .zip(run_id.as_ref())
                .map(|(repo, id)| format!("{server}/{repo}/actions/runs/{id}/attempts/{attempt}")),
        ),
        ("cicd.pipeline.task.name", get("GITHUB_JOB")),
        ("cicd.worker.name", get("RUNNER_NAME")),
        ("vcs.provider.name", Some("github".to_string())),
    ];
    if let Some((owner, name)) = repository.as_deref().and_then(|r| r.split_once('/')) {
        out.push(("vcs.owner.name", Some(owner.to_string())));
        out.push(("vcs.repository.name", Some(name.to_string())));
        out.push((
            "vcs.repository.url.full",
            Some(format!("{server}/{owner}/{name}")),
        ));
    }
    // The head: the PR's head branch and commit on pull requests, else the pushed ref.
    let head_name = if is_pr {
        get("GITHUB_HEAD_REF")
    } else {
        get("GITHUB_REF_NAME")
    };
    let head_type = if is_pr {
        Some("branch".to_string())
    } else {
        match get("GITHUB_REF_TYPE").as_deref() {
            Some("tag") => Some("tag".to_string()),
            Some("branch") => Some("branch".to_string()),
            _ => None,
        }
    };
    let revision = if is_pr {
        pr.and_then(|p| p.head.as_ref()?.sha.clone())
            .or_else(|| get("GITHUB_SHA"))
    } else {
        get("GITHUB_SHA")
    };
    out.push(("vcs.ref.head.name", head_name));
    out.push(("vcs.ref.head.revision", revision));
    out.push(("vcs.ref.head.type", head_type));
    if is_pr {
        out.push(("vcs.ref.base.name", get("GITHUB_BASE_REF")));
        out.push(("vcs.ref.base.type", Some("branch".to_string())));
        out.push((
            "vcs.change.id",
            pr.and_then(|p| p.number).map(|n| n.to_string()),
        ));
    }
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect()
}

/// The CI job the export runs in, for joining GitHub's workflow trace: inside GitHub Actions,
/// `GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT` (1 when unset), `GITHUB_JOB` and the job's check run
/// id when the workflow passes it (`check_run_id`); None outside Actions or without a numeric
/// run id.
pub fn ci_job(
    get: &dyn Fn(&str) -> Option<String>,
    check_run_id: Option<u64>,
) -> Option<crate::observability::trace_join::CiJob> {
    let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    if get("GITHUB_ACTIONS").as_deref() != Some("true") {
        return None;
    }
    let run_id = get("GITHUB_RUN_ID")?.trim().parse().ok()?;
    let run_attempt = match get("GITHUB_RUN_ATTEMPT") {
        Some(text) => text.trim().parse().ok()?,
        None => 1,
    };
    Some(crate::observability::trace_join::CiJob {
        run_id,
        run_attempt,
        job_name: get("GITHUB_JOB"),
        check_run_id,
    })
}

/// Adds `attributes` to `existing`, keeping a value the user gave for the same key.
pub fn merge(existing: &mut Vec<(String, String)>, attributes: Vec<(String, String)>) {
    for (key, value) in attributes {
        if !existing.iter().any(|(k, _)| *k == key) {
            existing.push((key, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_push_event() {
        let get = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_WORKFLOW", "ci"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_REPOSITORY", "acme/pipes"),
            ("GITHUB_JOB", "load"),
            ("RUNNER_NAME", "GitHub Actions 7"),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_REF_TYPE", "branch"),
            ("GITHUB_SHA", "abc123"),
        ]);
        let attrs: BTreeMap<String, String> = resource_attributes(&get, &Event::default())
            .into_iter()
            .collect();
        assert_eq!(
            attrs["cicd.pipeline.run.url.full"],
            "https://github.com/acme/pipes/actions/runs/42/attempts/2"
        );
        assert_eq!(
            attrs["vcs.repository.url.full"],
            "https://github.com/acme/pipes"
        );
        assert_eq!(attrs["vcs.ref.head.type"], "branch");
        assert_eq!(attrs["cicd.worker.name"], "GitHub Actions 7");
        assert!(!attrs.contains_key("vcs.change.id"));
        assert!(resource_attributes(&env(&[("GITHUB_RUN_ID", "1")]), &Event::default()).is_empty());
    }
}
