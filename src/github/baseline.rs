//! `baseline: auto`: the action finds the history to compare with by itself, before the export.
//!
//! With the workflow's token it lists the artifacts named by `artifact-name` that runs on the
//! history's branch uploaded (the base branch on a pull request, the default branch on a push,
//! the run's own branch otherwise), newest first, without expired ones, the current run, or runs
//! from another repository (a fork's pull request from a branch of the same name). Up to
//! `baseline-samples` of them are downloaded: the API answers with a redirect to blob storage on
//! another host, which is followed without the token. From each zip only `runtime_metrics.json`,
//! `metrics_index.json` and, when there, `history.json` (the carried history, whose entries
//! become samples too) are read (at the root or one folder down), into
//! `$RUNNER_TEMP/dpone-observability-baseline/<artifact id>/`, and kept only when the index
//! vouches for the metrics file (sha256 and size). Those folders become the export's baselines.
//!
//! When the newest downloaded artifact carries a verified history of more than its own run, it
//! is the only download: its entries are the history (docs/gates.md#history).
//!
//! Nothing here fails the step: when no sample can be had, the export gets one
//! `baseline.unavailable` warning and compares nothing. The network part needs the cargo feature
//! `github-api`; a build without it reports the blocker.

use std::io::Write;
use std::path::PathBuf;

use super::commands::{annotation, Level};
use super::inputs::{Baseline, Inputs};
use super::runner::{Env, RunnerContext};
use crate::ci_env::Event;
use crate::inert::Commands;
use crate::observability::blockers::{Blocker, Code};

/// The folder under `RUNNER_TEMP` (or the workspace) the samples are written to.
pub const FOLDER: &str = "dpone-observability-baseline";

/// `baseline: auto` and its settings, as the inputs give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoBaseline {
    /// The `artifact-name` input.
    pub artifact_name: String,
    /// The `baseline-samples` input.
    pub samples: usize,
    /// The branch whose history it is, when the caller knows better than the event (publish
    /// mode: the proven pull request's base branch).
    pub branch: Option<String>,
}

impl AutoBaseline {
    /// `Some` when the `baseline` input is exactly `auto` (`baseline-samples` and
    /// `artifact-name` are checked by [`Inputs::read`] whatever `baseline` is).
    pub fn from_inputs(inputs: &Inputs) -> Option<Self> {
        (inputs.baseline == Baseline::Auto).then(|| AutoBaseline {
            artifact_name: inputs.artifact_name.0.clone(),
            samples: inputs.baseline_samples.0,
            branch: None,
        })
    }
}

/// The branch whose history is the baseline: the base branch of a pull request, the
/// repository's default branch on a push (from the event payload), else the run's branch.
pub fn history_branch(env: &Env, event: &Event) -> Option<String> {
    let set = |name: &str| env.var(name).filter(|v| !v.trim().is_empty());
    if let Some(base) = set("GITHUB_BASE_REF") {
        return Some(base);
    }
    if set("GITHUB_EVENT_NAME").as_deref() == Some("push") {
        let default_branch = event
            .repository
            .as_ref()
            .and_then(|r| r.default_branch.clone())
            .filter(|b| !b.trim().is_empty());
        if default_branch.is_some() {
            return default_branch;
        }
    }
    set("GITHUB_REF_NAME")
}

/// What the fetch found: the samples' folders, oldest first (an interim reader that compares
/// with the last baseline compares with the newest), or why there is none.
#[derive(Debug, Default)]
pub struct Fetched {
    pub folders: Vec<PathBuf>,
    pub blocker: Option<Blocker>,
}

fn unavailable(reason: &str) -> Fetched {
    Fetched {
        folders: Vec::new(),
        blocker: Some(Blocker::new(
            Code::BaselineUnavailable,
            format!(
                "The baseline history could not be fetched (`baseline: auto`): {reason}; the \
                 regressions were not compared"
            ),
        )),
    }
}

#[cfg_attr(not(feature = "github-api"), allow(dead_code))]
/// A warning about one artifact (annotation and stderr); the text may hold what the API or
/// an archive said, so it only goes through the escaping annotation and the inert stderr.
fn warn(stdout: &mut impl Commands, stderr: &mut impl Write, text: &str) {
    stdout.command(&annotation(
        Level::Warning,
        "dpone-observability: baseline",
        None,
        text,
    ));
    let _ = writeln!(stderr, "warning: {text}");
}

/// Fetches the history; never fails the step.
pub fn fetch(
    env: &Env,
    event: &Event,
    ctx: &RunnerContext,
    auto: &AutoBaseline,
    token: Option<&str>,
    stdout: &mut impl Commands,
    stderr: &mut impl Write,
) -> Fetched {
    let Some(token) = token else {
        return unavailable("no `github-token` to list the artifacts with");
    };
    let Some((owner, repo)) = ctx.repository.as_deref().and_then(|r| r.split_once('/')) else {
        return unavailable("`GITHUB_REPOSITORY` is not set (not running in GitHub Actions)");
    };
    let Some(branch) = auto.branch.clone().or_else(|| history_branch(env, event)) else {
        return unavailable(
            "no branch to take the history from (`GITHUB_BASE_REF`, the push event's default \
             branch and `GITHUB_REF_NAME` are all empty)",
        );
    };
    #[cfg(feature = "github-api")]
    {
        let retry = crate::github::api::retry_policy(env, ctx);
        let api_url = crate::github::api::api_url(env);
        let target = remote::Target {
            api_url: &api_url,
            token,
            owner,
            repo,
            branch: &branch,
            current_run: ctx.run_id.as_deref().and_then(|id| id.parse().ok()),
            root: ctx
                .runner_temp
                .clone()
                .unwrap_or_else(|| ctx.workspace.clone()),
            name: if ctx.runner_temp.is_some() {
                FOLDER.to_string()
            } else {
                format!(".{FOLDER}")
            },
        };
        remote::fetch(&target, auto, retry, stdout, stderr)
    }
    #[cfg(not(feature = "github-api"))]
    {
        let _ = (token, owner, repo, branch, auto, stdout, stderr);
        unavailable("this build has no GitHub API adapter (cargo feature `github-api`)")
    }
}

#[cfg(feature = "github-api")]
mod remote {
    use std::io::Write;
    use std::path::PathBuf;

    use super::{unavailable, warn, AutoBaseline, Fetched};
    use crate::github::api::{plain_name, Api};
    use crate::github::artifacts::{Artifacts, Listed, Unpack, MAX_DOWNLOAD};
    use crate::inert::Commands;
    use crate::net::http::RetryPolicy;
    use crate::observability::timestamp::Timestamp;

    /// Pages of 100 artifacts listed at most.
    const MAX_PAGES: u32 = 10;
    /// What a 403 on the artifact requests means.
    const FORBIDDEN: &str =
        "the job's token needs `actions: read`: add `permissions: actions: read` to the job";

    pub(super) struct Target<'a> {
        pub api_url: &'a str,
        pub token: &'a str,
        pub owner: &'a str,
        pub repo: &'a str,
        pub branch: &'a str,
        pub current_run: Option<u64>,
        /// Each sample's folder is made as `<root>/<name>/<artifact id>/`, with no symbolic
        /// link followed below `root`.
        pub root: PathBuf,
        pub name: String,
    }

    /// One listed artifact that may be a sample.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Candidate {
        pub id: u64,
        pub run_id: u64,
        pub head_sha: String,
        pub created_at: Timestamp,
        pub size: u64,
    }

    pub(super) fn fetch(
        target: &Target<'_>,
        auto: &AutoBaseline,
        retry: RetryPolicy,
        stdout: &mut impl Commands,
        stderr: &mut impl Write,
    ) -> Fetched {
        if !plain_name(target.owner) || !plain_name(target.repo) {
            return unavailable("`GITHUB_REPOSITORY` is not an `owner/name` of GitHub");
        }
        let api = match Api::new(target.api_url, target.token, retry) {
            Ok(api) => api,
            Err(why) => return unavailable(&why),
        };
        let repo_route = format!("/repos/{}/{}", target.owner, target.repo);
        let artifacts = match Artifacts::new(&api, repo_route, retry, FORBIDDEN) {
            Ok(artifacts) => artifacts,
            Err(why) => return unavailable(&why),
        };
        let listed = match artifacts.list("/actions/artifacts", &auto.artifact_name, MAX_PAGES) {
            Ok(listed) => listed,
            Err(why) => return unavailable(&format!("listing the artifacts failed: {why}")),
        };
        let candidates = select(&listed, auto, target.branch, target.current_run);
        let _ = writeln!(
            stderr,
            "baseline: auto: {} of {} listed artifacts named `{}` are from runs on `{}`; taking up to {}",
            candidates.len(),
            listed.len(),
            auto.artifact_name,
            target.branch,
            auto.samples
        );
        if candidates.is_empty() {
            return unavailable(&format!(
                "no unexpired artifact named `{}` from an earlier run on branch `{}` (a run on \
                 that branch must upload its run folder under that name first)",
                auto.artifact_name, target.branch
            ));
        }
        let folders = samples(&artifacts, &candidates, target, auto, stdout, stderr);
        if folders.is_empty() {
            return unavailable(&format!(
                "none of the {} artifacts named `{}` from branch `{}` could be used (the \
                 warnings say why)",
                candidates.len().min(auto.samples),
                auto.artifact_name,
                target.branch
            ));
        }
        Fetched {
            folders,
            blocker: None,
        }
    }

    /// Downloads and verifies up to `auto.samples` candidates, newest first; returns their
    /// folders oldest first (the history in time order, the newest last). Each one skipped
    /// is a warning.
    fn samples(
        artifacts: &Artifacts<'_>,
        candidates: &[Candidate],
        target: &Target<'_>,
        auto: &AutoBaseline,
        stdout: &mut impl Commands,
        stderr: &mut impl Write,
    ) -> Vec<PathBuf> {
        let mut folders = Vec::new();
        for candidate in candidates.iter().take(auto.samples) {
            let id = candidate.id.to_string();
            let folder = target.root.join(&target.name).join(&id);
            let fetched = if candidate.size > MAX_DOWNLOAD as u64 {
                Err(format!(
                    "it is {} bytes, more than the {MAX_DOWNLOAD} a baseline artifact may be",
                    candidate.size
                ))
            } else {
                artifacts
                    .fetch_verified(
                        candidate.id,
                        &target.root,
                        &[&target.name, &id],
                        Unpack::Report,
                    )
                    .map_err(|fetch| fetch.into_message())
            };
            match fetched {
                Ok(_) => {
                    let _ = writeln!(
                        stderr,
                        "baseline sample: artifact {} (run {}, commit {}, created {})",
                        candidate.id, candidate.run_id, candidate.head_sha, candidate.created_at
                    );
                    let carried = carried_runs(&folder);
                    folders.push(folder);
                    if folders.len() == 1 && carried > 1 {
                        let _ = writeln!(
                            stderr,
                            "baseline: auto: artifact {} carries a history of {carried} runs;                              no other artifact is downloaded",
                            candidate.id
                        );
                        break;
                    }
                }
                Err(why) => {
                    let _ = crate::observability::dirs::remove_all(&folder);
                    warn(
                        stdout,
                        stderr,
                        &format!(
                            "baseline artifact `{}` {} (run {}) skipped: {why}",
                            auto.artifact_name, candidate.id, candidate.run_id
                        ),
                    );
                }
            }
        }
        folders.reverse();
        folders
    }

    /// How many runs the carried history of a downloaded folder holds: its `history.json`
    /// verified against the index and its chain (docs/gates.md#history); 0 without one.
    fn carried_runs(folder: &std::path::Path) -> usize {
        use crate::observability::artifacts::{read_indexed, HISTORY};
        if !folder.join(HISTORY.file_name).is_file() {
            return 0;
        }
        read_indexed(folder, HISTORY.file_name)
            .and_then(|bytes| crate::observability::history::parse(&bytes))
            .map_or(0, |file| file.entries.len())
    }

    /// The usable artifacts, newest first: named so, unexpired, from a run of this repository
    /// on the branch, not the current run.
    pub(super) fn select(
        listed: &[Listed],
        auto: &AutoBaseline,
        branch: &str,
        current_run: Option<u64>,
    ) -> Vec<Candidate> {
        let mut found: Vec<Candidate> = listed
            .iter()
            .filter_map(|a| {
                let run = a.workflow_run.as_ref()?;
                // A run whose repositories are not both known is not known to be this
                // repository's own (a fork's run could be listed without them).
                let same_repository = match (&run.repository_id, &run.head_repository_id) {
                    (Some(base), Some(head)) => !base.is_null() && base == head,
                    _ => false,
                };
                let usable = a.name == auto.artifact_name
                    && !a.expired
                    && run.head_branch.as_deref()? == branch
                    && same_repository;
                let run_id = run.id?;
                if !usable || Some(run_id) == current_run {
                    return None;
                }
                let head_sha = run.head_sha.as_deref()?;
                let hex = head_sha.len() >= 7
                    && head_sha.len() <= 64
                    && head_sha.chars().all(|c| c.is_ascii_hexdigit());
                Some(Candidate {
                    id: a.id,
                    run_id,
                    head_sha: if hex {
                        head_sha.to_string()
                    } else {
                        "unknown".to_string()
                    },
                    created_at: Timestamp::parse_rfc3339(a.created_at.as_deref()?)?,
                    size: a.size_in_bytes.unwrap_or(0),
                })
            })
            .collect();
        found.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
        // One sample per run: a run listed with two artifacts of the name (a re-run's upload
        // beside the first) is counted once, by its newest.
        let mut runs = std::collections::BTreeSet::new();
        found.retain(|c| runs.insert(c.run_id));
        found
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde::Deserialize;
        use serde_json::{json, Value};

        fn auto() -> AutoBaseline {
            AutoBaseline {
                artifact_name: "observability".into(),
                samples: 20,
                branch: None,
            }
        }

        fn artifact(id: u64, run: u64, branch: &str, created: &str, expired: bool) -> Value {
            json!({
                "id": id, "name": "observability", "expired": expired, "size_in_bytes": 10,
                "created_at": created,
                "workflow_run": {"id": run, "head_branch": branch, "head_sha": "abcdef0123456",
                    "repository_id": 1, "head_repository_id": 1},
            })
        }

        #[test]
        fn selection_keeps_this_branch_s_unexpired_artifacts_newest_first() {
            let mut fork = artifact(6, 60, "main", "2026-01-06T00:00:00Z", false);
            fork["workflow_run"]["head_repository_id"] = json!(2);
            let listed: Vec<Listed> = [
                artifact(1, 10, "main", "2026-01-01T00:00:00Z", false),
                artifact(2, 20, "main", "2026-01-03T00:00:00Z", false),
                artifact(3, 30, "main", "2026-01-02T00:00:00Z", true),
                artifact(4, 40, "feature", "2026-01-04T00:00:00Z", false),
                artifact(5, 50, "main", "2026-01-05T00:00:00Z", false),
                fork,
            ]
            .iter()
            .map(|a| Listed::deserialize(a).unwrap())
            .collect();
            let ids: Vec<u64> = select(&listed, &auto(), "main", Some(50))
                .iter()
                .map(|c| c.id)
                .collect();
            assert_eq!(
                ids,
                [2, 1],
                "not expired, not the current run, not a fork's"
            );
        }

        #[test]
        fn a_run_without_repository_ids_or_listed_twice_counts_at_most_once() {
            let mut anonymous = artifact(7, 70, "main", "2026-01-07T00:00:00Z", false);
            anonymous["workflow_run"]
                .as_object_mut()
                .unwrap()
                .remove("head_repository_id");
            let mut null_ids = artifact(8, 80, "main", "2026-01-08T00:00:00Z", false);
            null_ids["workflow_run"]["repository_id"] = Value::Null;
            null_ids["workflow_run"]["head_repository_id"] = Value::Null;
            let listed: Vec<Listed> = [
                artifact(1, 10, "main", "2026-01-01T00:00:00Z", false),
                artifact(2, 10, "main", "2026-01-02T00:00:00Z", false),
                anonymous,
                null_ids,
            ]
            .iter()
            .map(|a| Listed::deserialize(a).unwrap())
            .collect();
            let ids: Vec<u64> = select(&listed, &auto(), "main", None)
                .iter()
                .map(|c| c.id)
                .collect();
            assert_eq!(
                ids,
                [2],
                "one sample per run; unknown repositories are not ours"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::of(pairs)
    }

    #[test]
    fn the_inputs_ask_for_auto() {
        let inputs = |pairs: &[(&str, &str)]| Inputs::read(&env(pairs)).unwrap();
        assert_eq!(AutoBaseline::from_inputs(&inputs(&[])), None);
        let auto = AutoBaseline::from_inputs(&inputs(&[("INPUT_BASELINE", " auto ")]));
        assert_eq!(
            auto,
            Some(AutoBaseline {
                artifact_name: "observability".into(),
                samples: 20,
                branch: None,
            })
        );
        for bad in ["0", "-1", "x", "1.5", "101"] {
            assert!(
                Inputs::read(&env(&[("INPUT_BASELINE-SAMPLES", bad)])).is_err(),
                "{bad}"
            );
        }
        assert!(Inputs::read(&env(&[("INPUT_ARTIFACT-NAME", "a/b")])).is_err());
    }

    #[test]
    fn the_branch_follows_the_event() {
        let pr = env(&[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_REF_NAME", "7/merge"),
        ]);
        let none = Event::default();
        assert_eq!(history_branch(&pr, &none).as_deref(), Some("main"));
        let event: Event =
            serde_json::from_str(r#"{"repository": {"default_branch": "trunk"}}"#).unwrap();
        let push = env(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF_NAME", "feature"),
        ]);
        assert_eq!(history_branch(&push, &event).as_deref(), Some("trunk"));
        assert_eq!(history_branch(&push, &none).as_deref(), Some("feature"));
        let other = env(&[
            ("GITHUB_EVENT_NAME", "schedule"),
            ("GITHUB_REF_NAME", "main"),
        ]);
        assert_eq!(history_branch(&other, &event).as_deref(), Some("main"));
    }
}
