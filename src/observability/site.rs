//! The trend page as a small static site (`site --history PATH --out DIR`): `index.html` with
//! every chart and one page per metric, for GitHub Pages.
//!
//! A folder is written only when it is empty, absent, or a previous site of ours: it holds
//! [`MARKER`], whose list names every other file in it (no folder, nothing else). The files of
//! the previous site are then replaced; anything else in the folder is refused, never removed.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::history::HistoryFile;
use super::history_page::{self, PageOptions};

/// The file that marks a folder as a site of ours and lists its files.
pub const MARKER: &str = ".dpone-observability-site.json";

/// The marker's `generator`.
const GENERATOR: &str = "dpone-observability site";

/// A site folder cannot hold more than this many files of a previous site (a bound on the
/// marker read back).
const MAX_MARKER_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    generator: String,
    files: Vec<String>,
}

/// Why a site was not written.
#[derive(Debug)]
pub enum SiteError {
    /// The folder holds something that is not a file of a previous site of ours.
    NotOurs { dir: PathBuf, reason: String },
    /// A file could not be read, written or removed.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SiteError::NotOurs { dir, reason } => write!(
                f,
                "refusing to write the site into `{}`: {reason}; give an empty or new folder, or \
                 one an earlier `site` wrote (it holds {MARKER})",
                dir.display()
            ),
            SiteError::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} `{}`: {source}", path.display()),
        }
    }
}

impl std::error::Error for SiteError {}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SiteError {
    let path = path.to_path_buf();
    move |source| SiteError::Io {
        action,
        path,
        source,
    }
}

/// A metric's page name: `metric-<name>.html`, the name's letters, digits and `_` kept, the
/// rest `-`, made unique with `-2`, `-3`, ….
fn page_names(metrics: &[String]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    metrics
        .iter()
        .map(|metric| {
            let slug: String = metric
                .chars()
                .take(80)
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let mut name = format!("metric-{slug}.html");
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("metric-{slug}-{n}.html");
                n += 1;
            }
            name
        })
        .collect()
}

/// The files of a previous site in `dir` (empty for a new or empty folder), or why `dir` is not
/// one of ours.
fn previous_site(dir: &Path) -> Result<Vec<String>, SiteError> {
    let not_ours = |reason: String| SiteError::NotOurs {
        dir: dir.to_path_buf(),
        reason,
    };
    let entries = match super::dirs::list(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) if err.kind() == io::ErrorKind::NotADirectory || dir.is_file() => {
            return Err(not_ours("it is not a folder".to_string()))
        }
        Err(err) => return Err(io_error("read the folder", dir)(err)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let name = entry.name.to_string_lossy().into_owned();
        if entry.kind != super::dirs::Kind::File {
            return Err(not_ours(format!("`{name}` is not a plain file")));
        }
        names.push(name);
    }
    if names.is_empty() {
        return Ok(Vec::new());
    }
    if !names.iter().any(|n| n == MARKER) {
        names.sort();
        return Err(not_ours(format!(
            "it holds `{}` and has no {MARKER}",
            names[0]
        )));
    }
    let marker_path = dir.join(MARKER);
    let text = super::files::read_text_capped(&marker_path, MAX_MARKER_BYTES)
        .map_err(|err| io_error("read", &marker_path)(err.into()))?;
    let marker: Marker = serde_json::from_str(&text)
        .ok()
        .filter(|m: &Marker| m.generator == GENERATOR)
        .ok_or_else(|| not_ours(format!("its {MARKER} is not one `site` wrote")))?;
    // A temporary file of an interrupted write (`write_file`) of a listed file is ours too.
    let ours = |n: &String| {
        n == MARKER
            || marker.files.contains(n)
            || marker
                .files
                .iter()
                .chain(std::iter::once(&MARKER.to_string()))
                .any(|f| is_temporary_of(n, f))
    };
    if let Some(stray) = names.iter().find(|n| !ours(n)) {
        return Err(not_ours(format!(
            "`{stray}` is not a file of the previous site"
        )));
    }
    Ok(names.into_iter().filter(|n| n != MARKER).collect())
}

/// Whether `name` is a temporary file [`write_file`] makes for `file`: `.<file>.<digits>.tmp`.
fn is_temporary_of(name: &str, file: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.strip_prefix(file))
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `bytes` to `path` through a temporary file beside it, renamed into place.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SiteError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(io_error("write", &temporary))?;
    std::fs::rename(&temporary, path).map_err(io_error("rename into place", path))
}

/// Writes the site into `dir`: `index.html` (every chart, linking the metric pages) and one
/// page per metric, then [`MARKER`]; the previous site's other files are removed. Returns the
/// pages written, `index.html` first.
pub fn write_site(
    file: &HistoryFile,
    options: &PageOptions,
    dir: &Path,
) -> Result<Vec<PathBuf>, SiteError> {
    let previous = previous_site(dir)?;
    std::fs::create_dir_all(dir).map_err(io_error("create the folder", dir))?;
    let metrics = history_page::metrics(file);
    let names = page_names(&metrics);
    let mut pages: Vec<(String, PageOptions)> = Vec::new();
    let nav: Vec<(String, String)> = names.iter().cloned().zip(metrics.iter().cloned()).collect();
    pages.push((
        "index.html".to_string(),
        PageOptions {
            nav,
            metric: None,
            ..options.clone()
        },
    ));
    for (name, metric) in names.iter().zip(&metrics) {
        pages.push((
            name.clone(),
            PageOptions {
                title: format!("{}: {metric}", options.title),
                nav: vec![("index.html".to_string(), "All metrics".to_string())],
                metric: Some(metric.clone()),
                ..options.clone()
            },
        ));
    }
    let files: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
    // First a list of the previous files and the new ones, so that a write cut short leaves
    // a folder the next `site` still recognises as ours.
    let mut both: Vec<String> = previous.iter().chain(&files).cloned().collect();
    both.sort();
    both.dedup();
    write_marker(dir, both)?;
    let mut written = Vec::new();
    for (name, page) in &pages {
        let mut bytes = Vec::new();
        history_page::render(file, page, &mut bytes)
            .map_err(io_error("render", &dir.join(name)))?;
        let path = dir.join(name);
        write_file(&path, &bytes)?;
        written.push(path);
    }
    for old in previous.iter().filter(|old| !files.contains(old)) {
        let path = dir.join(old);
        std::fs::remove_file(&path).map_err(io_error("remove the previous site's", &path))?;
    }
    write_marker(dir, files)?;
    Ok(written)
}

/// Writes [`MARKER`] listing `files`.
fn write_marker(dir: &Path, files: Vec<String>) -> Result<(), SiteError> {
    let marker = Marker {
        generator: GENERATOR.to_string(),
        files,
    };
    let text = serde_json::to_string_pretty(&marker).map_err(|err| SiteError::Io {
        action: "serialise",
        path: dir.join(MARKER),
        source: io::Error::other(err),
    })?;
    write_file(&dir.join(MARKER), format!("{text}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::history::{Entry, SeriesKey, HISTORY_SCHEMA_VERSION};

    fn file() -> HistoryFile {
        let key = |name: &str| SeriesKey {
            name: name.to_string(),
            labels: Vec::new(),
        };
        HistoryFile {
            schema_version: HISTORY_SCHEMA_VERSION,
            series: vec![key("a_seconds"), key("b/rows"), key("b?rows")],
            entries: vec![Entry {
                previous_sha256: None,
                revision: None,
                run_id: None,
                run_attempt: None,
                generated_at: "2026-01-01T00:00:00Z".to_string(),
                verdict: "passed".to_string(),
                values: vec![Some(1.0), Some(2.0), Some(3.0)],
                breached: Vec::new(),
            }],
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_index_and_a_page_per_metric_and_rewrites_its_own_site() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        let pages = write_site(&file(), &PageOptions::default(), &dir).unwrap();
        assert_eq!(pages.len(), 4);
        assert_eq!(
            listing(&dir),
            [
                MARKER,
                "index.html",
                "metric-a_seconds.html",
                "metric-b-rows-2.html",
                "metric-b-rows.html"
            ]
        );
        let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(index.contains("<a href=\"metric-b-rows.html\">b/rows</a>"));
        assert_eq!(index.matches("<figure").count(), 3);
        let page = std::fs::read_to_string(dir.join("metric-a_seconds.html")).unwrap();
        assert_eq!(page.matches("<figure").count(), 1);
        // Again with fewer metrics: the page of the metric gone is removed.
        let mut smaller = file();
        smaller.series.truncate(1);
        smaller.entries[0].values.truncate(1);
        write_site(&smaller, &PageOptions::default(), &dir).unwrap();
        assert_eq!(
            listing(&dir),
            [MARKER, "index.html", "metric-a_seconds.html"]
        );
    }

    #[test]
    fn a_marker_naming_paths_outside_removes_nothing_outside() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        write_site(&file(), &PageOptions::default(), &dir).unwrap();
        let victim = tmp.path().join("victim.html");
        std::fs::write(&victim, "keep").unwrap();
        let absolute = victim.display().to_string();
        let marker = serde_json::json!({
            "generator": GENERATOR,
            "files": ["../victim.html", absolute, "/", "..", "index.html", "metric-a_seconds.html",
                "metric-b-rows.html", "metric-b-rows-2.html"],
        });
        std::fs::write(dir.join(MARKER), marker.to_string()).unwrap();
        write_site(&file(), &PageOptions::default(), &dir).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn refuses_a_file_a_symlink_inside_and_a_marker_too_big_or_not_json() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = tmp.path().join("plain");
        std::fs::write(&plain, "mine").unwrap();
        let err = write_site(&file(), &PageOptions::default(), &plain).unwrap_err();
        assert!(
            matches!(err, SiteError::NotOurs { .. }) && err.to_string().contains("not a folder"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "mine");
        let dir = tmp.path().join("site");
        write_site(&file(), &PageOptions::default(), &dir).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&plain, dir.join("link.html")).unwrap();
            let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
            assert!(
                err.to_string().contains("`link.html` is not a plain file"),
                "{err}"
            );
            std::fs::remove_file(dir.join("link.html")).unwrap();
        }
        std::fs::write(dir.join(MARKER), "not json").unwrap();
        let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
        assert!(err.to_string().contains("is not one `site` wrote"), "{err}");
        let big = vec![b' '; usize::try_from(MAX_MARKER_BYTES).unwrap() + 1];
        std::fs::write(dir.join(MARKER), big).unwrap();
        let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
        assert!(err.to_string().contains(MARKER), "{err}");
        assert!(dir.join("index.html").is_file(), "nothing removed");
    }

    #[test]
    fn an_interrupted_write_leaves_a_folder_that_is_still_ours() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        write_site(&file(), &PageOptions::default(), &dir).unwrap();
        // The temporary file of a write that was killed before its rename.
        std::fs::write(dir.join(".index.html.4242.tmp"), "half").unwrap();
        std::fs::write(dir.join(".index.html.x.tmp"), "not ours").unwrap();
        let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
        assert!(err.to_string().contains("`.index.html.x.tmp`"), "{err}");
        std::fs::remove_file(dir.join(".index.html.x.tmp")).unwrap();
        write_site(&file(), &PageOptions::default(), &dir).unwrap();
        assert!(!dir.join(".index.html.4242.tmp").exists(), "cleaned up");
        assert!(is_temporary_of(".a.html.1.tmp", "a.html"));
        assert!(!is_temporary_of(".a.html..tmp", "a.html"));
        assert!(!is_temporary_of("a.html.1.tmp", "a.html"));
    }

    #[test]
    fn refuses_a_folder_that_is_not_a_site_of_ours() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
        assert!(
            err.to_string()
                .contains("has no .dpone-observability-site.json"),
            "{err}"
        );
        // A file our site did not write, beside one of ours.
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        write_site(&file(), &PageOptions::default(), &dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
        assert!(
            err.to_string()
                .contains("`notes.txt` is not a file of the previous site"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "mine"
        );
        // A marker someone else wrote.
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        std::fs::write(dir.join(MARKER), "{\"generator\":\"x\",\"files\":[]}").unwrap();
        let err = write_site(&file(), &PageOptions::default(), &dir).unwrap_err();
        assert!(err.to_string().contains("is not one `site` wrote"), "{err}");
        // A folder inside.
        let other = tmp.path().join("other");
        std::fs::create_dir_all(other.join("sub")).unwrap();
        let err = write_site(&file(), &PageOptions::default(), &other).unwrap_err();
        assert!(
            err.to_string().contains("`sub` is not a plain file"),
            "{err}"
        );
    }
}
