//! `baseline: auto`: the action finds the history to compare with by itself, before the export.
//!
//! With the workflow's token it lists the artifacts named by `artifact-name` that runs on the
//! history's branch uploaded (the base branch on a pull request, the default branch on a push,
//! the run's own branch otherwise), newest first, without expired ones, the current run, or runs
//! from another repository (a fork's pull request from a branch of the same name). Up to
//! `baseline-samples` of them are downloaded: the API answers with a redirect to blob storage on
//! another host, which is followed without the token. From each zip only `runtime_metrics.json`
//! and `metrics_index.json` are read (at the root or one folder down), into
//! `$RUNNER_TEMP/dpone-observability-baseline/<artifact id>/`, and kept only when the index
//! vouches for the metrics file (sha256 and size). Those folders become the export's baselines.
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

/// One artifact's zip is downloaded up to this size; a larger one is skipped.
pub const MAX_DOWNLOAD: usize = 64 * 1024 * 1024;
/// The uncompressed size the entries of one zip may declare, together.
pub const MAX_UNCOMPRESSED: u64 = 1024 * 1024 * 1024;
/// A zip with more entries than this is not a run folder.
pub const MAX_ENTRIES: usize = 10_000;
/// An entry larger than [`RATIO_FLOOR`] may unpack to at most this many times its compressed
/// size (a zip bomb unpacks to thousands).
pub const MAX_RATIO: u64 = 200;
/// Entries up to this size may have any ratio (a small JSON file compresses well).
pub const RATIO_FLOOR: u64 = 1024 * 1024;
/// The folder under `RUNNER_TEMP` (or the workspace) the samples are written to.
pub const FOLDER: &str = "dpone-observability-baseline";

/// `baseline: auto` and its settings, as the inputs give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoBaseline {
    /// The `artifact-name` input.
    pub artifact_name: String,
    /// The `baseline-samples` input.
    pub samples: usize,
}

impl AutoBaseline {
    /// `Some` when the `baseline` input is exactly `auto` (`baseline-samples` and
    /// `artifact-name` are checked by [`Inputs::read`] whatever `baseline` is).
    pub fn from_inputs(inputs: &Inputs) -> Option<Self> {
        (inputs.baseline == Baseline::Auto).then(|| AutoBaseline {
            artifact_name: inputs.artifact_name.0.clone(),
            samples: inputs.baseline_samples.0,
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
    let Some(branch) = history_branch(env, event) else {
        return unavailable(
            "no branch to take the history from (`GITHUB_BASE_REF`, the push event's default \
             branch and `GITHUB_REF_NAME` are all empty)",
        );
    };
    #[cfg(feature = "github-api")]
    {
        let mut retry = crate::net::http::RetryPolicy::default();
        retry.shorten_for_tests(&|name| env.var(name));
        let api_url = env
            .var("GITHUB_API_URL")
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "https://api.github.com".to_string());
        let target = remote::Target {
            api_url: &api_url,
            token,
            owner,
            repo,
            branch: &branch,
            current_run: ctx.run_id.as_deref().and_then(|id| id.parse().ok()),
            folder: match &ctx.runner_temp {
                Some(temp) => temp.join(FOLDER),
                None => ctx.workspace.join(format!(".{FOLDER}")),
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
pub(super) mod remote {
    use std::io::{Cursor, Read, Write};
    use std::path::{Path, PathBuf};

    use http::{HeaderValue, Method};
    use serde_json::Value;

    use super::{
        unavailable, warn, AutoBaseline, Fetched, MAX_DOWNLOAD, MAX_ENTRIES, MAX_RATIO,
        MAX_UNCOMPRESSED, RATIO_FLOOR,
    };
    use crate::github::api::{explain_failure, Api, TIMEOUT};
    use crate::inert::Commands;
    use crate::net::http::{HttpClient, Request, RetryPolicy};
    use crate::observability::artifacts::{read_indexed, INDEX_FILE_NAME, JSON_REPORT};
    use crate::observability::files;
    use crate::observability::text::clip;
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
        /// Where each sample's folder is made (`<folder>/<artifact id>/`).
        pub folder: PathBuf,
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
        let plain = |name: &str| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !plain(target.owner) || !plain(target.repo) {
            return unavailable("`GITHUB_REPOSITORY` is not an `owner/name` of GitHub");
        }
        let api = match Api::new(target.api_url, target.token, retry) {
            Ok(api) => api,
            Err(why) => return unavailable(&why),
        };
        let repo = format!("/repos/{}/{}", target.owner, target.repo);
        let listed = match list(&api, &repo, &auto.artifact_name) {
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
        let download = match download_client(retry) {
            Ok(client) => client,
            Err(why) => return unavailable(&why),
        };
        let mut folders = Vec::new();
        let mut skipped = 0;
        for candidate in candidates.iter().take(auto.samples) {
            let folder = target.folder.join(candidate.id.to_string());
            match sample(&api, &download, &repo, candidate, &folder) {
                Ok(()) => {
                    let _ = writeln!(
                        stderr,
                        "baseline sample: artifact {} (run {}, commit {}, created {})",
                        candidate.id, candidate.run_id, candidate.head_sha, candidate.created_at
                    );
                    folders.push(folder);
                }
                Err(why) => {
                    skipped += 1;
                    let _ = std::fs::remove_dir_all(&folder);
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
        if folders.is_empty() {
            return unavailable(&format!(
                "none of the {skipped} artifacts named `{}` from branch `{}` could be used (the \
                 warnings say why)",
                auto.artifact_name, target.branch
            ));
        }
        // Oldest first: the history in time order, the newest last.
        folders.reverse();
        Fetched {
            folders,
            blocker: None,
        }
    }

    /// Every artifact of that name, page by page.
    fn list(api: &Api, repo: &str, name: &str) -> Result<Vec<Value>, String> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let route = format!(
                "{repo}/actions/artifacts?name={}&per_page=100&page={page}",
                query_value(name)
            );
            let answer = api
                .request(Method::GET, &route, None)
                .map_err(|failure| explain_failure(&failure, FORBIDDEN))?;
            let artifacts = answer
                .get("artifacts")
                .and_then(Value::as_array)
                .ok_or("the API's answer has no `artifacts` list")?;
            let total = answer.get("total_count").and_then(Value::as_u64);
            all.extend(artifacts.iter().cloned());
            if artifacts.len() < 100 || total.is_some_and(|t| all.len() as u64 >= t) {
                break;
            }
        }
        Ok(all)
    }

    /// The usable artifacts, newest first: named so, unexpired, from a run of this repository
    /// on the branch, not the current run.
    pub(super) fn select(
        listed: &[Value],
        auto: &AutoBaseline,
        branch: &str,
        current_run: Option<u64>,
    ) -> Vec<Candidate> {
        let mut found: Vec<Candidate> = listed
            .iter()
            .filter_map(|a| {
                let run = a.get("workflow_run")?;
                let same_repository =
                    match (run.get("repository_id"), run.get("head_repository_id")) {
                        (Some(base), Some(head)) => base == head,
                        _ => true,
                    };
                let usable = a.get("name")?.as_str()? == auto.artifact_name
                    && !a.get("expired")?.as_bool()?
                    && run.get("head_branch")?.as_str()? == branch
                    && same_repository;
                let run_id = run.get("id")?.as_u64()?;
                if !usable || Some(run_id) == current_run {
                    return None;
                }
                let head_sha = run.get("head_sha")?.as_str()?;
                let hex = head_sha.len() >= 7
                    && head_sha.len() <= 64
                    && head_sha.chars().all(|c| c.is_ascii_hexdigit());
                Some(Candidate {
                    id: a.get("id")?.as_u64()?,
                    run_id,
                    head_sha: if hex {
                        head_sha.to_string()
                    } else {
                        "unknown".to_string()
                    },
                    created_at: Timestamp::parse_rfc3339(a.get("created_at")?.as_str()?)?,
                    size: a.get("size_in_bytes").and_then(Value::as_u64).unwrap_or(0),
                })
            })
            .collect();
        found.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
        found
    }

    /// Downloads, unpacks and verifies one artifact into `folder`.
    fn sample(
        api: &Api,
        download: &HttpClient,
        repo: &str,
        candidate: &Candidate,
        folder: &Path,
    ) -> Result<(), String> {
        if candidate.size > MAX_DOWNLOAD as u64 {
            return Err(format!(
                "it is {} bytes, more than the {MAX_DOWNLOAD} a baseline artifact may be",
                candidate.size
            ));
        }
        let zip = download_zip(
            api,
            download,
            &format!("{repo}/actions/artifacts/{}/zip", candidate.id),
            FORBIDDEN,
        )?;
        prepare(folder)?;
        unpack(&zip, folder)?;
        read_indexed(folder, JSON_REPORT.file_name)
            .map(|_| ())
            .map_err(|why| {
                format!(
                    "its `{}` does not match its `{INDEX_FILE_NAME}`: {why}",
                    JSON_REPORT.file_name
                )
            })
    }

    /// An artifact's zip: the API's redirect (with the token), then the storage (without it),
    /// at most [`MAX_DOWNLOAD`] bytes. `forbidden` explains a 403.
    pub(in crate::github) fn download_zip(
        api: &Api,
        download: &HttpClient,
        route: &str,
        forbidden: &str,
    ) -> Result<Vec<u8>, String> {
        let location = api.redirect(route).map_err(|failure| {
            format!(
                "the download failed: {}",
                explain_failure(&failure, forbidden)
            )
        })?;
        let url = download_url(&location, api.scheme())?;
        // Blob storage on another host: no token, no API header, nothing but the URL it gave.
        let request = Request {
            method: Method::GET,
            url,
            headers: vec![(
                http::header::USER_AGENT,
                HeaderValue::from_static(concat!(
                    "dpone-observability/",
                    env!("CARGO_PKG_VERSION")
                )),
            )],
            body: Vec::new().into(),
        };
        let zip = download.send(&request).map_err(|failure| {
            // The message names no URL (the storage's signature is in its query).
            format!(
                "the download from storage failed: {} (after {} attempts)",
                failure.message, failure.attempts
            )
        })?;
        if zip.body.len() > MAX_DOWNLOAD {
            return Err(format!(
                "the download is larger than the {MAX_DOWNLOAD} bytes an artifact may be"
            ));
        }
        Ok(zip.body.to_vec())
    }

    /// The client that downloads from storage: no token, at most [`MAX_DOWNLOAD`] bytes.
    pub(in crate::github) fn download_client(retry: RetryPolicy) -> Result<HttpClient, String> {
        HttpClient::new(TIMEOUT, retry).map(|client| client.with_max_body(MAX_DOWNLOAD + 1))
    }

    /// The redirect's target: an absolute http(s) URL, never downgraded from the API's https.
    fn download_url(location: &str, api_scheme: &str) -> Result<String, String> {
        let uri: http::Uri = location
            .parse()
            .map_err(|_| "the API redirected to something that is not a URL".to_string())?;
        let allowed = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => api_scheme == "http",
            _ => false,
        };
        if !allowed || uri.host().is_none() {
            return Err(
                "the API redirected to a URL that is not https on a host; not followed".to_string(),
            );
        }
        Ok(location.to_string())
    }

    /// An empty folder for one sample (a previous step's copy is replaced).
    pub(in crate::github) fn prepare(folder: &Path) -> Result<(), String> {
        if std::fs::symlink_metadata(folder).is_ok() {
            std::fs::remove_dir_all(folder)
                .or_else(|_| std::fs::remove_file(folder))
                .map_err(|err| format!("cannot clear `{}`: {err}", folder.display()))?;
        }
        std::fs::create_dir_all(folder)
            .map_err(|err| format!("cannot create `{}`: {err}", folder.display()))
    }

    /// A name an archive may hold: relative, no `..`, no drive, no NUL.
    fn safe_entry_name(name: &str) -> bool {
        !name.is_empty()
            && !name.starts_with(['/', '\\'])
            && !name.contains('\0')
            && name.chars().nth(1) != Some(':')
            && !name.split(['/', '\\']).any(|part| part == "..")
    }

    /// The entry's name as a message shows it.
    fn shown(name: &str) -> String {
        clip(&name.escape_debug().to_string(), 120)
    }

    /// Writes the archive's `runtime_metrics.json` and `metrics_index.json` into `folder`: at
    /// its root, or in its one folder that holds both. Any unsafe entry (a path that climbs out,
    /// an absolute one, a link) rejects the whole archive; only the two files are decompressed.
    pub(in crate::github) fn unpack(bytes: &[u8], folder: &Path) -> Result<(), String> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|err| format!("it is not a zip archive ({err})"))?;
        if archive.len() > MAX_ENTRIES {
            return Err(format!(
                "it has {} entries, more than a run folder's {MAX_ENTRIES}",
                archive.len()
            ));
        }
        let wanted = [JSON_REPORT.file_name, INDEX_FILE_NAME];
        // (folder inside the archive, file name, entry index)
        let mut found: Vec<(String, &str, usize)> = Vec::new();
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive
                .by_index_raw(i)
                .map_err(|err| format!("its entry {i} cannot be read ({err})"))?;
            let name = entry.name().to_string();
            if !safe_entry_name(&name) || entry.enclosed_name().is_none() {
                return Err(format!(
                    "it holds the entry `{}`, a path outside the archive (rejected)",
                    shown(&name)
                ));
            }
            if entry.is_symlink() {
                return Err(format!(
                    "it holds the entry `{}`, a symbolic link (rejected)",
                    shown(&name)
                ));
            }
            let base_name = name.rsplit('/').next().unwrap_or_default();
            if let Some(want) = wanted.iter().find(|w| **w == base_name) {
                let cap = cap_of(want);
                if entry.size() > cap {
                    return Err(format!(
                        "its entry `{}` is {} bytes, more than the {cap} a `{want}` may be (rejected)",
                        shown(&name),
                        entry.size()
                    ));
                }
            }
            let ratio_breached = entry.size() > RATIO_FLOOR
                && entry.size() / entry.compressed_size().max(1) > MAX_RATIO;
            if ratio_breached {
                return Err(format!(
                    "its entry `{}` unpacks to {} bytes from {} ({}x, more than {MAX_RATIO}x: a zip bomb, rejected)",
                    shown(&name),
                    entry.size(),
                    entry.compressed_size(),
                    entry.size() / entry.compressed_size().max(1)
                ));
            }
            total = total.saturating_add(entry.size());
            if total > MAX_UNCOMPRESSED {
                return Err(format!(
                    "its entries unpack to more than {MAX_UNCOMPRESSED} bytes (rejected)"
                ));
            }
            if entry.is_dir() {
                continue;
            }
            let (dir, file) = match name.rsplit_once('/') {
                None => (String::new(), name.as_str()),
                Some((dir, file)) if !dir.contains('/') => (dir.to_string(), file),
                Some(_) => continue,
            };
            if let Some(want) = wanted.iter().find(|w| **w == file) {
                found.push((dir, want, i));
            }
        }
        let complete = |dir: &str| {
            wanted
                .iter()
                .all(|w| found.iter().any(|(d, f, _)| d == dir && f == w))
        };
        let mut dirs: Vec<&str> = found.iter().map(|(d, _, _)| d.as_str()).collect();
        dirs.sort_unstable();
        dirs.dedup();
        let chosen = if complete("") {
            String::new()
        } else {
            let both: Vec<&str> = dirs.into_iter().filter(|d| complete(d)).collect();
            match both.as_slice() {
                [one] => one.to_string(),
                [] => {
                    return Err(format!(
                    "it holds no `{}` with its `{INDEX_FILE_NAME}` at its root or one folder down",
                    JSON_REPORT.file_name
                ))
                }
                more => {
                    return Err(format!(
                        "it holds {} exports; upload one run folder per artifact",
                        more.len()
                    ))
                }
            }
        };
        for (dir, file, i) in found.iter().filter(|(d, _, _)| *d == chosen) {
            let cap = cap_of(file);
            let entry = archive
                .by_index(*i)
                .map_err(|err| format!("`{}` cannot be unpacked ({err})", shown(dir)))?;
            let path = folder.join(file);
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|err| format!("cannot write `{}`: {err}", path.display()))?;
            let copied = std::io::copy(&mut entry.take(cap + 1), &mut out)
                .map_err(|err| format!("`{file}` cannot be unpacked ({err})"))?;
            if copied > cap {
                return Err(format!("its `{file}` is larger than {cap} bytes"));
            }
        }
        Ok(())
    }

    /// The most bytes one of the two files read from an archive may have.
    fn cap_of(file: &str) -> u64 {
        if file == INDEX_FILE_NAME {
            files::MAX_INDEX_BYTES
        } else {
            files::MAX_BASELINE_BYTES
        }
    }

    /// A query value, percent-encoded (all but the unreserved characters).
    pub(in crate::github) fn query_value(text: &str) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(byte as char);
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        fn auto() -> AutoBaseline {
            AutoBaseline {
                artifact_name: "observability".into(),
                samples: 20,
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
            let listed = [
                artifact(1, 10, "main", "2026-01-01T00:00:00Z", false),
                artifact(2, 20, "main", "2026-01-03T00:00:00Z", false),
                artifact(3, 30, "main", "2026-01-02T00:00:00Z", true),
                artifact(4, 40, "feature", "2026-01-04T00:00:00Z", false),
                artifact(5, 50, "main", "2026-01-05T00:00:00Z", false),
                fork,
            ];
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
        fn entry_names_stay_inside() {
            for bad in ["../evil", "a/../../b", "/etc/x", "\\x", "C:/x", "a/..", ""] {
                assert!(!safe_entry_name(bad), "{bad}");
            }
            for good in ["runtime_metrics.json", "12-1/metrics_index.json", "a..b"] {
                assert!(safe_entry_name(good), "{good}");
            }
            assert_eq!(query_value("obs ervability/x"), "obs%20ervability%2Fx");
        }

        #[test]
        fn redirects_are_never_downgraded() {
            assert!(download_url("https://blob.example/x?sig=1", "https").is_ok());
            assert!(download_url("http://blob.example/x", "https").is_err());
            assert!(download_url("http://127.0.0.1:1/x", "http").is_ok());
            assert!(download_url("/relative", "https").is_err());
            assert!(download_url("file:///etc/passwd", "http").is_err());
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
                samples: 20
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
