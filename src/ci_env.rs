//! Where an export was made, as OpenTelemetry's CI/CD (`cicd.*`) and version-control (`vcs.*`)
//! resource attributes, read from the CI runner's environment (GitHub Actions today).
//!
//! Names and enum values follow the semantic conventions v1.44.0 (`model/cicd/` and
//! `model/vcs/` of open-telemetry/semantic-conventions): release candidates since v1.43.0. They
//! go into the OTLP resource and the JSON report, never into Prometheus labels (run ids are
//! high-cardinality). Both adapters use this module (the CLI when it runs inside Actions, the
//! action always); the core only sees resource attributes.

use serde_json::Value;

/// The semantic-conventions version the attributes follow.
pub const SEMCONV_VERSION: &str = "1.44.0";
/// The OTLP resource's `schemaUrl` (the core writes it).
pub use crate::observability::opentelemetry::SCHEMA_URL;

/// The pull request an event is about, from its payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Event {
    pr_number: Option<u64>,
    head_sha: Option<String>,
}

fn read_event(get: &dyn Fn(&str) -> Option<String>) -> Event {
    let Some(path) = get("GITHUB_EVENT_PATH") else {
        return Event::default();
    };
    let Ok(text) = crate::observability::files::read_text_capped(
        std::path::Path::new(&path),
        crate::observability::files::MAX_EVENT_BYTES,
    ) else {
        return Event::default();
    };
    let Ok(payload) = serde_json::from_str::<Value>(&text) else {
        return Event::default();
    };
    let pr = payload.get("pull_request");
    Event {
        pr_number: pr.and_then(|p| p.get("number")).and_then(Value::as_u64),
        head_sha: pr
            .and_then(|p| p.get("head"))
            .and_then(|h| h.get("sha"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// The CI/CD and VCS attributes the environment gives, in a fixed order; empty outside GitHub
/// Actions. `get` reads an environment variable (empty values count as unset).
pub fn resource_attributes(get: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    let get = |name: &str| get(name).filter(|v| !v.is_empty());
    if get("GITHUB_ACTIONS").as_deref() != Some("true") {
        return Vec::new();
    }
    let event = read_event(&get);
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
        event.head_sha.clone().or_else(|| get("GITHUB_SHA"))
    } else {
        get("GITHUB_SHA")
    };
    out.push(("vcs.ref.head.name", head_name));
    out.push(("vcs.ref.head.revision", revision));
    out.push(("vcs.ref.head.type", head_type));
    if is_pr {
        out.push(("vcs.ref.base.name", get("GITHUB_BASE_REF")));
        out.push(("vcs.ref.base.type", Some("branch".to_string())));
        out.push(("vcs.change.id", event.pr_number.map(|n| n.to_string())));
    }
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect()
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
        let attrs: BTreeMap<String, String> = resource_attributes(&get).into_iter().collect();
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
        assert!(resource_attributes(&env(&[("GITHUB_RUN_ID", "1")])).is_empty());
    }
}
