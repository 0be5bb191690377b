//! Workflow artifacts through the GitHub API, shared by `baseline: auto` and publish mode:
//! list them, download one (the token goes to the API only, never to the storage it redirects
//! to), unpack its run folder with bounds, and verify it against its index.
//!
//! Nothing in an archive is trusted: entries that climb out, links, more than
//! [`MAX_ENTRIES`] entries, more than [`MAX_UNCOMPRESSED`] bytes declared, a compression ratio
//! above [`MAX_RATIO`], or an entry that unpacks to more bytes than it declares reject the whole
//! archive (the bounds hold for the bytes actually written, not only the declared ones). A
//! history sample unpacks only `runtime_metrics.json` and `metrics_index.json`, the first
//! verified against the second; publish mode unpacks the whole run folder, and every file in it
//! must match the index (a changed, missing or extra file refuses the artifact). The folder is
//! made under a trusted root without following a symbolic link on the way.

use std::io::{Cursor, Read};
use std::path::Path;

use http::{HeaderValue, Method};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::Value;

use super::api::{explain_failure, Api, TIMEOUT};
use crate::net::http::{HttpClient, Request, RetryPolicy};
use crate::observability::artifacts::{read_indexed, HISTORY, INDEX_FILE_NAME, JSON_REPORT};
use crate::observability::files;
use crate::observability::text::clip;

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

/// An artifact as the list endpoints describe it; one whose fields do not parse is skipped.
#[derive(Debug, Clone, Deserialize)]
pub struct Listed {
    pub id: u64,
    pub name: String,
    pub expired: bool,
    #[serde(default)]
    pub size_in_bytes: Option<u64>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub workflow_run: Option<ListedRun>,
}

/// The run that uploaded a listed artifact.
#[derive(Debug, Clone, Deserialize)]
pub struct ListedRun {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub head_branch: Option<String>,
    #[serde(default)]
    pub head_sha: Option<String>,
    #[serde(default)]
    pub repository_id: Option<Value>,
    #[serde(default)]
    pub head_repository_id: Option<Value>,
}

/// What to unpack from an artifact's run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpack {
    /// `runtime_metrics.json` and `metrics_index.json` (a history sample), and `history.json`
    /// when the folder has it (its carried history).
    Report,
    /// Every file, each of which must match the index (publish mode).
    Whole,
}

/// Why an artifact could not be had: it could not be downloaded (the API or the storage
/// failed, or it is too large), or what it holds is refused (unsafe, unbounded or unverified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    Unavailable(String),
    Refused(String),
}

impl Fetch {
    pub fn into_message(self) -> String {
        match self {
            Fetch::Unavailable(why) | Fetch::Refused(why) => why,
        }
    }
}

/// The artifacts of one repository: the API (with the token) and the storage client
/// (without it).
pub struct Artifacts<'a> {
    api: &'a Api,
    download: HttpClient,
    /// `/repos/<owner>/<name>`.
    repo_route: String,
    /// What a 403 on these requests means.
    forbidden: &'static str,
}

impl<'a> Artifacts<'a> {
    pub fn new(
        api: &'a Api,
        repo_route: String,
        retry: RetryPolicy,
        forbidden: &'static str,
    ) -> Result<Self, String> {
        let download = HttpClient::new(TIMEOUT, retry)?.with_max_body(MAX_DOWNLOAD + 1);
        Ok(Artifacts {
            api,
            download,
            repo_route,
            forbidden,
        })
    }

    /// The artifacts named `name` at `route` under the repository
    /// (`/actions/artifacts`, `/actions/runs/<id>/artifacts`), up to `pages` pages of 100.
    pub fn list(&self, route: &str, name: &str, pages: u32) -> Result<Vec<Listed>, String> {
        let mut all = Vec::new();
        let mut seen_all = 0u64;
        for page in 1..=pages {
            let route = format!(
                "{}{route}?name={}&per_page=100{}",
                self.repo_route,
                query_value(name),
                if pages > 1 {
                    format!("&page={page}")
                } else {
                    String::new()
                }
            );
            let answer = self
                .api
                .request(Method::GET, &route, None)
                .map_err(|failure| explain_failure(&failure, self.forbidden))?;
            let artifacts = answer
                .get("artifacts")
                .and_then(Value::as_array)
                .ok_or("the API's answer has no `artifacts` list")?;
            let total = answer.get("total_count").and_then(Value::as_u64);
            seen_all += artifacts.len() as u64;
            for listed in artifacts.iter().filter_map(|a| Listed::deserialize(a).ok()) {
                // An artifact listed twice (pages that shifted under a new upload) counts once.
                if !all.iter().any(|seen: &Listed| seen.id == listed.id) {
                    all.push(listed);
                }
            }
            if artifacts.len() < 100 || total.is_some_and(|t| seen_all >= t) {
                break;
            }
        }
        Ok(all)
    }

    /// Downloads artifact `id`, unpacks its run folder (`what` of it) into `root/sub…`
    /// (emptied first; no symbolic link followed below `root`) and verifies it: the bytes of its
    /// `runtime_metrics.json`, which its index vouches for (with [`Unpack::Whole`], like every
    /// other file in it).
    pub fn fetch_verified(
        &self,
        id: u64,
        root: &Path,
        sub: &[&str],
        what: Unpack,
    ) -> Result<Vec<u8>, Fetch> {
        let zip = self.download_zip(id).map_err(Fetch::Unavailable)?;
        let folder = prepare(root, sub).map_err(Fetch::Unavailable)?;
        unpack(&zip, &folder, what).map_err(Fetch::Refused)?;
        if what == Unpack::Whole {
            whole_folder_matches(&folder).map_err(Fetch::Refused)?;
        }
        read_indexed(&folder, JSON_REPORT.file_name).map_err(|why| {
            Fetch::Refused(format!(
                "its `{}` does not match its `{INDEX_FILE_NAME}`: {why}",
                JSON_REPORT.file_name
            ))
        })
    }

    /// An artifact's zip: the API's redirect (with the token), then the storage (without it),
    /// at most [`MAX_DOWNLOAD`] bytes.
    fn download_zip(&self, id: u64) -> Result<Vec<u8>, String> {
        let route = format!("{}/actions/artifacts/{id}/zip", self.repo_route);
        let location = self.api.redirect(&route).map_err(|failure| {
            format!(
                "the download failed: {}",
                explain_failure(&failure, self.forbidden)
            )
        })?;
        let url = download_url(&location, self.api.scheme())?;
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
        let zip = self.download.send(&request).map_err(|failure| {
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

/// An empty folder `root/sub…` for one artifact (a previous step's copy is replaced). No
/// component below `root` may be a symbolic link: with `RUNNER_TEMP` unset the folder is in the
/// workspace, where a checked-out link could point anywhere.
pub fn prepare(root: &Path, sub: &[&str]) -> Result<std::path::PathBuf, String> {
    let mut folder = root.to_path_buf();
    for (i, part) in sub.iter().enumerate() {
        folder.push(part);
        let last = i + 1 == sub.len();
        match std::fs::symlink_metadata(&folder) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(format!(
                    "`{}` is a symbolic link; the artifact is not written through it",
                    folder.display()
                ))
            }
            Ok(meta) if last || !meta.is_dir() => {
                let removed = if meta.is_dir() {
                    crate::observability::dirs::remove_all(&folder)
                } else {
                    std::fs::remove_file(&folder)
                };
                removed.map_err(|err| format!("cannot clear `{}`: {err}", folder.display()))?;
                create_dir(&folder)?;
            }
            Ok(_) => {}
            Err(_) => create_dir(&folder)?,
        }
    }
    Ok(folder)
}

/// Creates one folder (never through a link: `create_dir` fails on anything already there).
fn create_dir(folder: &Path) -> Result<(), String> {
    std::fs::create_dir(folder)
        .map_err(|err| format!("cannot create `{}`: {err}", folder.display()))
}

/// Every file of an unpacked run folder matches its index: nothing changed, missing or extra.
fn whole_folder_matches(folder: &Path) -> Result<(), String> {
    let report = crate::observability::artifacts::verify(folder).map_err(|err| err.to_string())?;
    if report.problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = report
        .problems
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect();
    Err(format!(
        "its run folder does not match its `{INDEX_FILE_NAME}` ({} problems: {}{})",
        report.problems.len(),
        shown.join("; "),
        if report.problems.len() > 5 {
            "; …"
        } else {
            ""
        }
    ))
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

/// The two files read from an archive.
const WANTED: [&str; 2] = [JSON_REPORT.file_name, INDEX_FILE_NAME];

/// The files read from an archive: the two wanted ones and, when the run folder has it, its
/// carried history (`history.json`, docs/gates.md#history).
const READ: [&str; 3] = [JSON_REPORT.file_name, INDEX_FILE_NAME, HISTORY.file_name];

/// One of the two files in an archive: the folder it is in, its name, its entry's index.
struct Found<'a> {
    dir: String,
    file: &'a str,
    index: usize,
}

/// Writes the archive's run folder into `folder`: at its root, or in its one folder that holds
/// `runtime_metrics.json` with `metrics_index.json`; those two files and `history.json` when
/// there ([`Unpack::Report`]) or
/// every file of that folder ([`Unpack::Whole`], where a nested folder is refused). Any unsafe
/// entry (a path that climbs out, an absolute one, a link) rejects the whole archive, and so
/// does an entry that unpacks to more than it declares.
fn unpack(bytes: &[u8], folder: &Path, what: Unpack) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|err| format!("it is not a zip archive ({err})"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "it has {} entries, more than a run folder's {MAX_ENTRIES}",
            archive.len()
        ));
    }
    let (found, files) = survey(&mut archive)?;
    let chosen = chosen_folder(&found)?;
    let wanted: Vec<(usize, String)> = match what {
        Unpack::Report => found
            .iter()
            .filter(|f| f.dir == chosen)
            .map(|f| (f.index, f.file.to_string()))
            .collect(),
        Unpack::Whole => whole_entries(&files, &chosen)?,
    };
    let mut written = 0u64;
    for (index, file) in wanted {
        let mut entry = archive
            .by_index(index)
            .map_err(|err| format!("`{}` cannot be unpacked ({err})", shown(&file)))?;
        let declared = entry.size();
        let cap = declared.min(cap_of(&file));
        let path = folder.join(&file);
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|err| format!("cannot write `{}`: {err}", path.display()))?;
        let copied = std::io::copy(&mut (&mut entry).take(cap + 1), &mut out)
            .map_err(|err| format!("`{}` cannot be unpacked ({err})", shown(&file)))?;
        if copied > cap {
            return Err(format!(
                "its entry `{}` unpacks to more than the {declared} bytes it declares (rejected)",
                shown(&file)
            ));
        }
        written += copied;
        if written > MAX_UNCOMPRESSED {
            return Err(format!(
                "its entries unpack to more than {MAX_UNCOMPRESSED} bytes (rejected)"
            ));
        }
    }
    Ok(())
}

/// The files of the chosen folder, by entry index and name; a folder inside it is refused (a
/// run folder is flat).
fn whole_entries(files: &[(usize, String)], chosen: &str) -> Result<Vec<(usize, String)>, String> {
    let prefix = if chosen.is_empty() {
        String::new()
    } else {
        format!("{chosen}/")
    };
    let mut out = Vec::new();
    for (index, name) in files {
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        if rest.contains('/') {
            return Err(format!(
                "its run folder holds `{}`, a nested path (a run folder is flat; rejected)",
                shown(name)
            ));
        }
        out.push((*index, rest.to_string()));
    }
    Ok(out)
}

/// Checks every entry's name, kind and declared sizes (rejecting the archive at the first
/// unsafe one) and finds the two wanted files at the root or one folder down; also every file
/// entry, by index and name.
#[allow(clippy::type_complexity)]
fn survey(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
) -> Result<(Vec<Found<'static>>, Vec<(usize, String)>), String> {
    let mut found = Vec::new();
    let mut files = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|err| format!("its entry {i} cannot be read ({err})"))?;
        let name = entry.name().to_string();
        check_entry(&name, &entry)?;
        total = total.saturating_add(entry.size());
        if total > MAX_UNCOMPRESSED {
            return Err(format!(
                "its entries unpack to more than {MAX_UNCOMPRESSED} bytes (rejected)"
            ));
        }
        if entry.is_dir() {
            continue;
        }
        files.push((i, name.clone()));
        let (dir, file) = match name.rsplit_once('/') {
            None => (String::new(), name.as_str()),
            Some((dir, file)) if !dir.contains('/') => (dir.to_string(), file),
            Some(_) => continue,
        };
        if let Some(want) = READ.iter().find(|w| **w == file) {
            found.push(Found {
                dir,
                file: want,
                index: i,
            });
        }
    }
    Ok((found, files))
}

/// One entry is safe: a relative path inside the archive, not a link, within its file's cap
/// and the compression ratio.
fn check_entry(name: &str, entry: &zip::read::ZipFile<'_, Cursor<&[u8]>>) -> Result<(), String> {
    if !safe_entry_name(name) || entry.enclosed_name().is_none() {
        return Err(format!(
            "it holds the entry `{}`, a path outside the archive (rejected)",
            shown(name)
        ));
    }
    if entry.is_symlink() {
        return Err(format!(
            "it holds the entry `{}`, a symbolic link (rejected)",
            shown(name)
        ));
    }
    let base_name = name.rsplit('/').next().unwrap_or_default();
    if let Some(want) = READ.iter().find(|w| **w == base_name) {
        let cap = cap_of(want);
        if entry.size() > cap {
            return Err(format!(
                "its entry `{}` is {} bytes, more than the {cap} a `{want}` may be (rejected)",
                shown(name),
                entry.size()
            ));
        }
    }
    let ratio = entry.size() / entry.compressed_size().max(1);
    if entry.size() > RATIO_FLOOR && ratio > MAX_RATIO {
        return Err(format!(
            "its entry `{}` unpacks to {} bytes from {} ({ratio}x, more than {MAX_RATIO}x: a zip bomb, rejected)",
            shown(name),
            entry.size(),
            entry.compressed_size(),
        ));
    }
    Ok(())
}

/// The folder of the archive the export is in: the root when it holds both files, else the
/// one folder that does.
fn chosen_folder(found: &[Found<'_>]) -> Result<String, String> {
    let complete = |dir: &str| {
        WANTED
            .iter()
            .all(|w| found.iter().any(|f| f.dir == dir && f.file == *w))
    };
    if complete("") {
        return Ok(String::new());
    }
    let mut dirs: Vec<&str> = found.iter().map(|f| f.dir.as_str()).collect();
    dirs.sort_unstable();
    dirs.dedup();
    let both: Vec<&str> = dirs.into_iter().filter(|d| complete(d)).collect();
    match both.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(format!(
            "it holds no `{}` with its `{INDEX_FILE_NAME}` at its root or one folder down",
            JSON_REPORT.file_name
        )),
        more => Err(format!(
            "it holds {} exports; upload one run folder per artifact",
            more.len()
        )),
    }
}

/// The most bytes one file of an archive may have (the index is small; the report and the
/// other artifacts are bounded like a baseline).
fn cap_of(file: &str) -> u64 {
    if file == INDEX_FILE_NAME {
        files::MAX_INDEX_BYTES
    } else {
        files::MAX_BASELINE_BYTES
    }
}

/// Everything but the unreserved characters (RFC 3986) is percent-encoded in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A query value, percent-encoded (all but the unreserved characters).
fn query_value(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_stay_inside() {
        for bad in ["../evil", "a/../../b", "/etc/x", "\\x", "C:/x", "a/..", ""] {
            assert!(!safe_entry_name(bad), "{bad}");
        }
        for good in ["runtime_metrics.json", "12-1/metrics_index.json", "a..b"] {
            assert!(safe_entry_name(good), "{good}");
        }
        assert_eq!(query_value("obs ervability/x"), "obs%20ervability%2Fx");
        assert_eq!(query_value("a-b.c_d~é"), "a-b.c_d~%C3%A9");
    }

    #[test]
    fn redirects_are_never_downgraded() {
        assert!(download_url("https://blob.example/x?sig=1", "https").is_ok());
        assert!(download_url("http://blob.example/x", "https").is_err());
        assert!(download_url("http://127.0.0.1:1/x", "http").is_ok());
        assert!(download_url("/relative", "https").is_err());
        assert!(download_url("file:///etc/passwd", "http").is_err());
    }

    #[test]
    fn listed_artifacts_that_do_not_parse_are_skipped() {
        let good = serde_json::json!({"id": 1, "name": "x", "expired": false});
        let bad = serde_json::json!({"id": "1", "name": "x", "expired": false});
        assert!(Listed::deserialize(&good).is_ok());
        assert!(Listed::deserialize(&bad).is_err());
    }
}
