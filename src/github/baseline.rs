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
use crate::observability::history::{full_sha, MergeBase};

/// The folder under `RUNNER_TEMP` (or the workspace) the samples are written to.
pub const FOLDER: &str = "dpone-observability-baseline";

/// The events whose runs' carried histories are trusted as the history: runs of the branch's
/// own code and data, never a pull request's (`pull_request_target` and `workflow_run` runs
/// on the base branch may carry what a pull request made).
pub const TRUSTED_EVENTS: [&str; 2] = ["push", "schedule"];

#[cfg_attr(not(feature = "github-api"), allow(dead_code))]
/// What a 403 on the compare request means.
const CONTENTS_READ: &str = "the job's token needs `contents: read` to find the pull request's \
     merge-base: add `permissions: contents: read` to the job";

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
    /// The pull request's base and head commits, when the caller knows better than the event
    /// (publish mode: the proven pull request's); the merge-base is found from them.
    pub pull: Option<PullCommits>,
}

/// A pull request's base-branch commit and head commit (full hexadecimal SHAs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullCommits {
    pub base: String,
    pub head: String,
}

impl PullCommits {
    /// Both commits, when each is a full SHA (40 or 64 hexadecimal digits): nothing else is
    /// put in a request's path.
    pub fn new(base: Option<&str>, head: Option<&str>) -> Option<Self> {
        Some(PullCommits {
            base: full_sha(base?)?,
            head: full_sha(head?)?,
        })
    }

    /// A `pull_request` (or `pull_request_target`) event's commits.
    pub fn of_event(event: &Event) -> Option<Self> {
        let pull = event.pull_request.as_ref()?;
        let sha = |c: &Option<crate::ci_env::EventCommit>| c.as_ref().and_then(|c| c.sha.clone());
        PullCommits::new(sha(&pull.base).as_deref(), sha(&pull.head).as_deref())
    }
}

impl AutoBaseline {
    /// `Some` when the `baseline` input is exactly `auto` (`baseline-samples` and
    /// `artifact-name` are checked by [`Inputs::read`] whatever `baseline` is).
    pub fn from_inputs(inputs: &Inputs) -> Option<Self> {
        (inputs.baseline == Baseline::Auto).then(|| AutoBaseline {
            artifact_name: inputs.artifact_name.0.clone(),
            samples: inputs.baseline_samples.0,
            branch: None,
            pull: None,
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
    /// A pull request's merge-base with its base branch, as the compare API gave it: the
    /// history the regressions compare with is cut there (`History::cut_at_merge_base`).
    pub merge_base: Option<MergeBase>,
}

fn unavailable(reason: &str) -> Fetched {
    Fetched {
        folders: Vec::new(),
        merge_base: None,
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
            pull: auto.pull.clone().or_else(|| PullCommits::of_event(event)),
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

    use super::{unavailable, warn, AutoBaseline, Fetched, PullCommits};
    use crate::github::api::{explain_failure, plain_name, Api};
    use crate::github::artifacts::{Artifacts, Listed, Unpack, MAX_DOWNLOAD};
    use crate::inert::Commands;
    use crate::net::http::RetryPolicy;
    use crate::observability::history::{full_sha, MergeBase};
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
        /// On a pull request: its commits, whose merge-base cuts the history.
        pub pull: Option<PullCommits>,
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
        let folders = samples(&api, &artifacts, &candidates, target, auto, stdout, stderr);
        if folders.is_empty() {
            return unavailable(&format!(
                "none of the {} artifacts named `{}` from branch `{}` could be used (the \
                 warnings say why)",
                candidates.len().min(auto.samples),
                auto.artifact_name,
                target.branch
            ));
        }
        let merge_base = target
            .pull
            .as_ref()
            .and_then(|pull| merge_base(&api, target, pull, stdout, stderr));
        Fetched {
            folders,
            blocker: None,
            merge_base,
        }
    }

    /// The pull request's merge-base with its base branch, from the compare API
    /// (`GET /repos/{owner}/{repo}/compare/{base}...{head}`: `merge_base_commit`, its SHA and
    /// committer date). `None`, with a warning, when it cannot be had: the history is then
    /// compared whole, as before.
    fn merge_base(
        api: &Api,
        target: &Target<'_>,
        pull: &PullCommits,
        stdout: &mut impl Commands,
        stderr: &mut impl Write,
    ) -> Option<MergeBase> {
        let route = format!(
            "/repos/{}/{}/compare/{}...{}?per_page=1",
            target.owner, target.repo, pull.base, pull.head
        );
        let found = api
            .request(http::Method::GET, &route, None)
            .map_err(|failure| explain_failure(&failure, super::CONTENTS_READ))
            .and_then(|answer| {
                let commit = &answer["merge_base_commit"];
                let sha = commit["sha"].as_str().unwrap_or_default();
                let date = commit["commit"]["committer"]["date"].as_str();
                full_sha(sha)
                    .map(|sha| MergeBase {
                        sha,
                        date: date
                            .filter(|d| Timestamp::parse_rfc3339(d).is_some())
                            .map(str::to_string),
                    })
                    .ok_or_else(|| "the answer has no usable `merge_base_commit.sha`".to_string())
            });
        match found {
            Ok(merge_base) => {
                let _ = writeln!(
                    stderr,
                    "baseline: auto: the pull request's merge-base with `{}` is {} ({}); the \
                     regressions compare with the history up to it",
                    target.branch,
                    merge_base.sha,
                    merge_base.date.as_deref().unwrap_or("date unknown")
                );
                Some(merge_base)
            }
            Err(why) => {
                warn(
                    stdout,
                    stderr,
                    &format!(
                        "the pull request's merge-base could not be found ({why}); the \
                         regressions compare with the whole history of `{}`",
                        target.branch
                    ),
                );
                None
            }
        }
    }

    /// Downloads and verifies up to `auto.samples` candidates, newest first; returns their
    /// folders oldest first (the history in time order, the newest last). Each one skipped
    /// is a warning.
    fn samples(
        api: &Api,
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
                    let trusted = if carried > 1 {
                        trusted_history(api, target, candidate, &folder, stdout, stderr)
                    } else {
                        Some(false)
                    };
                    let Some(trusted) = trusted else { continue };
                    folders.push(folder);
                    if trusted {
                        let _ = writeln!(
                            stderr,
                            "baseline: auto: artifact {} carries a history of {carried} runs; \
                             no other artifact is downloaded",
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

    /// Whether the carried history of `candidate`'s folder may stand for the branch's history:
    /// its run was made by a trusted event ([`super::TRUSTED_EVENTS`], asked of
    /// `GET /repos/{owner}/{repo}/actions/runs/{run_id}`). When not, or when the event cannot
    /// be read, its `history.json` is set aside (a warning says why) and the folder is one
    /// sample, its own export: `Some(false)`; `None` when even that failed and the folder was
    /// dropped.
    fn trusted_history(
        api: &Api,
        target: &Target<'_>,
        candidate: &Candidate,
        folder: &std::path::Path,
        stdout: &mut impl Commands,
        stderr: &mut impl Write,
    ) -> Option<bool> {
        let route = format!(
            "/repos/{}/{}/actions/runs/{}",
            target.owner, target.repo, candidate.run_id
        );
        let event = api
            .request(http::Method::GET, &route, None)
            .map_err(|failure| explain_failure(&failure, FORBIDDEN))
            .and_then(|run| {
                run["event"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "the run has no `event`".to_string())
            });
        let why = match event {
            Ok(event) if super::TRUSTED_EVENTS.contains(&event.as_str()) => return Some(true),
            Ok(event) => format!(
                "its run {} was made by a `{}` event, not a push or schedule",
                candidate.run_id,
                event.escape_debug()
            ),
            Err(why) => format!(
                "the event of its run {} could not be read ({why})",
                candidate.run_id
            ),
        };
        let history = folder.join(crate::observability::artifacts::HISTORY.file_name);
        let set_aside = std::fs::remove_file(&history).is_ok();
        if !set_aside {
            let _ = crate::observability::dirs::remove_all(folder);
        }
        warn(
            stdout,
            stderr,
            &format!(
                "the history carried by baseline artifact {} is not trusted: {why}; {}",
                candidate.id,
                if set_aside {
                    "only its own export is used"
                } else {
                    "the artifact was skipped"
                }
            ),
        );
        set_aside.then_some(false)
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
                pull: None,
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
                pull: None,
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
