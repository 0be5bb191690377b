//! Artifact files: all-or-nothing writes, sha256 while writing, the index, and `verify`.
//!
//! Every artifact is rendered into a staging folder beside the output folder while its bytes
//! stream through sha256, so no file is read back and no rendered text is held in memory. When
//! every file and the index are written, the staging folder is switched in with one atomic
//! exchange (see [`StagedArtifacts`]): the output folder always holds a whole set, the previous
//! one or the new one.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dirs::{self, Kind};
use super::files::{self, FileError};
use super::timestamp::Timestamp;

/// What the index says about one kind of artifact.
#[derive(Debug, PartialEq, Eq)]
pub struct ArtifactSpec {
    pub file_name: &'static str,
    pub artifact_type: &'static str,
    pub description: &'static str,
}

/// Declares [`ArtifactSpec`] statics, one per line: `NAME = (file name, type, description);`.
macro_rules! artifact_specs {
    ($($(#[$doc:meta])* $name:ident = ($file:literal, $kind:literal, $description:literal);)*) => {
        $($(#[$doc])* pub static $name: $crate::observability::artifacts::ArtifactSpec =
            $crate::observability::artifacts::ArtifactSpec {
                file_name: $file,
                artifact_type: $kind,
                description: $description,
            };)*
    };
}
pub(crate) use artifact_specs;

artifact_specs! {
    PROMETHEUS = ("prometheus_metrics.prom", "prometheus", "Prometheus text exposition metrics.");
    OPENTELEMETRY = ("opentelemetry_metrics.json", "opentelemetry", "OpenTelemetry OTLP/JSON metrics payload (ExportMetricsServiceRequest).");
    OPENTELEMETRY_TRACES = ("opentelemetry_traces.json", "opentelemetry_traces", "OpenTelemetry OTLP/JSON trace of the export (ExportTraceServiceRequest).");
    OPENLINEAGE_EVENTS = ("openlineage_events.json", "openlineage", "OpenLineage RunEvents of the CI job: the gates' verdict on the datasets the inputs name (a JSON array).");
    JSON_REPORT = ("runtime_metrics.json", "runtime_report", "Machine-readable metrics export report.");
    MARKDOWN_REPORT = ("runtime_metrics.md", "runtime_report", "Human-readable metrics export report.");
    HISTORY = ("history.json", "history", "The gated series of the branch's last runs, hash-chained (the carried history).");
    HISTORY_PAGE = ("history.html", "history_page", "The trend page: the carried history drawn as one self-contained HTML file.");
}

pub const INDEX_FILE_NAME: &str = "metrics_index.json";

/// The `schema_version` written first in `runtime_metrics.json`, `metrics_index.json`, the
/// `--format json` stdout and each object of the action's `blockers` output (the schemas are in
/// `docs/schema/`). Within a major version fields are only added, never renamed or removed; this
/// number changes only with a breaking change. A document without it (an older export, the
/// Python peer's) is version 1.
pub const SCHEMA_VERSION: u32 = 1;

/// The version of a document written before `schema_version` existed.
fn unversioned() -> u32 {
    1
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// An I/O failure, with the path and what was being done.
#[derive(Debug)]
pub struct ArtifactError {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} `{}`: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for ArtifactError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One artifact written to its temporary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenArtifact {
    pub spec: &'static ArtifactSpec,
    /// The path as the user gave the output directory, joined with the file name.
    pub path: PathBuf,
    pub sha256: String,
    pub size_bytes: u64,
}

/// Below glibc's mmap threshold, so each artifact's buffer reuses heap pages.
const WRITE_BUFFER: usize = 64 * 1024;

/// What renderers write to: buffered, hashed, then the temporary file.
pub type ArtifactWriter = BufWriter<HashingWriter<File>>;

/// A set of artifacts staged in a folder beside the output folder, switched in whole.
///
/// The whole set (artifacts, index and any adapter artifact) is written into a staging folder
/// `.<name>.<pid>.staging` beside the output folder, then switched in with one atomic
/// operation: `rename` when the folder does not exist yet, else `renameat2(RENAME_EXCHANGE)`
/// (Linux; elsewhere, or on a file system without it, the old folder is renamed aside first,
/// which leaves an instant with no folder but never a mixed one). At every instant, and after a
/// failure or a kill at any system call, the output folder holds the previous complete set or
/// the new one. Exports into folders of one parent are serialised by an advisory lock on the
/// parent; staging folders a killed export left behind are removed by the next one.
pub struct StagedArtifacts {
    dir: PathBuf,
    staging: PathBuf,
    staged: Vec<(PathBuf, WrittenArtifact)>,
    committed: bool,
    /// Held until the set is switched in (the lock is released when it is closed).
    _lock: Option<File>,
}

impl StagedArtifacts {
    /// Locks the parent folder (created if needed), clears what a killed export left, checks
    /// the output folder holds nothing but a previous set, and creates the staging folder.
    pub fn new(dir: &Path) -> Result<Self, ArtifactError> {
        fn fail(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ArtifactError {
            let path = path.to_path_buf();
            move |source| ArtifactError {
                action,
                path,
                source,
            }
        }
        let name = dir
            .file_name()
            .filter(|n| *n != "." && *n != "..")
            .ok_or_else(|| ArtifactError {
                action: "use as the output directory",
                path: dir.to_path_buf(),
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "give a folder of its own, e.g. `.dpone/observability/latest`",
                ),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|err| match err.kind() {
                // A file where a folder must be: say so, as creating the folder itself would.
                io::ErrorKind::AlreadyExists => not_a_directory(),
                _ => err,
            })
            .map_err(fail("create the output directory", dir))?;
        let lock = lock_folder(&parent).map_err(fail("lock", &parent))?;
        remove_leftovers(&parent, &name);
        let staging = parent.join(format!(".{name}.{}.staging", std::process::id()));
        let _ = dirs::remove_all(&staging);
        // The staging folder is this tool's business: a failure names the user's folder.
        std::fs::create_dir(&staging)
            .map_err(|err| built_beside(err, &parent))
            .map_err(fail("write the export into", dir))?;
        Ok(StagedArtifacts {
            dir: dir.to_path_buf(),
            staging,
            staged: Vec::new(),
            committed: false,
            _lock: lock,
        })
    }

    /// Streams one artifact into the staging folder through sha256.
    pub fn write(
        &mut self,
        spec: &'static ArtifactSpec,
        render: impl FnOnce(&mut ArtifactWriter) -> io::Result<()>,
    ) -> Result<&WrittenArtifact, ArtifactError> {
        let staged = stage(&self.staging, &self.dir, spec, render)?;
        self.staged.push(staged);
        Ok(&self.staged[self.staged.len() - 1].1)
    }

    /// Writes several artifacts, each on its own thread when `parallel` (they share nothing but
    /// the points they read), and keeps them in the order given. On failure the staging folder
    /// is removed with the rest and the first error is returned.
    pub fn write_all(
        &mut self,
        jobs: Vec<(&'static ArtifactSpec, Render<'_>)>,
        parallel: bool,
    ) -> Result<(), ArtifactError> {
        let (staging, dir) = (self.staging.as_path(), self.dir.as_path());
        let results: Vec<Result<(PathBuf, WrittenArtifact), ArtifactError>> =
            if parallel && jobs.len() > 1 {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = jobs
                        .into_iter()
                        .map(|(spec, render)| {
                            (spec, scope.spawn(move || stage(staging, dir, spec, render)))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|(spec, handle)| {
                            handle.join().unwrap_or_else(|_| {
                                Err(ArtifactError {
                                    action: "render",
                                    path: dir.join(spec.file_name),
                                    source: io::Error::other("the renderer panicked"),
                                })
                            })
                        })
                        .collect()
                })
            } else {
                jobs.into_iter()
                    .map(|(spec, render)| stage(staging, dir, spec, render))
                    .collect()
            };
        let mut first_error = None;
        for result in results {
            match result {
                Ok(staged) => self.staged.push(staged),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    pub fn written(&self) -> impl Iterator<Item = &WrittenArtifact> {
        self.staged.iter().map(|(_, a)| a)
    }

    /// Writes the index of every staged artifact, then switches the staging folder in.
    pub fn commit(
        mut self,
        generated_at: Timestamp,
    ) -> Result<Vec<WrittenArtifact>, ArtifactError> {
        let index = ArtifactIndex::new(&self.dir, generated_at, self.written());
        let (staged_index, shown) = (
            self.staging.join(INDEX_FILE_NAME),
            self.dir.join(INDEX_FILE_NAME),
        );
        write_hashed(&staged_index, &shown, |out| {
            serde_json::to_writer_pretty(&mut *out, &index)?;
            out.write_all(b"\n")
        })?;
        // Files in the folder that are not the previous set's stay: hard links in the staging
        // folder carry them over (a crash leaves the originals where they were).
        let staged: Vec<&str> = self.written().map(|a| a.spec.file_name).collect();
        for name in foreign_entries(&self.dir, &staged)? {
            let from = self.dir.join(&name);
            std::fs::hard_link(&from, self.staging.join(&name)).map_err(|source| {
                ArtifactError {
                    action: "keep",
                    path: from,
                    source,
                }
            })?;
        }
        switch_in(&self.staging, &self.dir)?;
        self.committed = true;
        // The staging folder now holds the previous set, if there was one.
        let _ = dirs::remove_all(&self.staging);
        let written = std::mem::take(&mut self.staged);
        Ok(written.into_iter().map(|(_, a)| a).collect())
    }
}

impl Drop for StagedArtifacts {
    /// Removes the staging folder of a failed export (after a commit, the previous set).
    fn drop(&mut self) {
        if !self.committed {
            let _ = dirs::remove_all(&self.staging);
        }
    }
}

/// A failure to create the staging folder, said about the user's folder: where the new set is
/// built and why that place matters.
fn built_beside(err: io::Error, parent: &Path) -> io::Error {
    io::Error::new(
        err.kind(),
        format!(
            "{err}; the new set is built beside it, in `{}`, and switched in whole, so that \
             folder must be writable",
            parent.display()
        ),
    )
}

fn not_a_directory() -> io::Error {
    #[cfg(unix)]
    {
        rustix::io::Errno::NOTDIR.into()
    }
    #[cfg(not(unix))]
    {
        io::Error::from(io::ErrorKind::NotADirectory)
    }
}

/// An exclusive advisory lock on a folder, held while the returned handle is open. Exports
/// into the same folder (or its siblings) wait for each other instead of mixing their sets.
fn lock_folder(folder: &Path) -> io::Result<Option<File>> {
    #[cfg(unix)]
    {
        let handle = File::open(folder)?;
        rustix::fs::flock(&handle, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(Some(handle))
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(None)
    }
}

/// Under the lock, what a killed export left is garbage: its staging folder (or the previous
/// set it had moved aside). Temporary files of the earlier file-by-file scheme inside the
/// output folder are not carried over, so they go with the previous set.
fn remove_leftovers(parent: &Path, name: &str) {
    if let Ok(entries) = dirs::list(parent) {
        let prefix = format!(".{name}.");
        for entry in entries {
            let text = entry.name.to_string_lossy();
            if text.starts_with(&prefix) && (text.ends_with(".staging") || text.ends_with(".old")) {
                let _ = dirs::remove_all(&parent.join(&entry.name));
            }
        }
    }
}

/// `.NAME.PID.tmp` of a set's file: what the earlier file-by-file scheme wrote.
fn is_old_temporary(text: &str, names: &[String]) -> bool {
    text.strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .and_then(|rest| {
            names
                .iter()
                .find_map(|n| rest.strip_prefix(n.as_str())?.strip_prefix('.'))
        })
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// What the output folder holds besides the previous set and the new one's names: files the new
/// set carries over. The previous set is what this tool wrote, and only that is dropped with
/// it: a regular file whose name is the index's, a `staged` name or a name the previous index
/// lists (or an earlier scheme's temporary file of one). Anything else under such a name (a
/// folder, a link) is the user's and refused before the switch, as is a folder of any other
/// name (it would have to be moved) and an output path that is a file; the staging folder is
/// then removed and the previous set stays whole.
fn foreign_entries(dir: &Path, staged: &[&str]) -> Result<Vec<std::ffi::OsString>, ArtifactError> {
    let refuse = |action, path: &Path, why: String| ArtifactError {
        action,
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::AlreadyExists, why),
    };
    // A listing that fails part-way must not lose a file: the export stops instead.
    let entries = match dirs::list(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) if err.kind() == io::ErrorKind::NotADirectory => {
            let why = "it is a file, not a folder".to_string();
            return Err(refuse("replace the export in", dir, why));
        }
        Err(source) => {
            return Err(ArtifactError {
                action: "list",
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let owned = owned_names(dir, staged);
    let mut foreign = Vec::new();
    let mut folders = Vec::new();
    for entry in entries {
        let text = entry.name.to_string_lossy();
        let ours = owned.iter().any(|o| *o == text) || is_old_temporary(&text, &owned);
        match (ours, entry.kind) {
            (true, Kind::File) => {}
            (true, kind) => {
                return Err(refuse(
                    "replace",
                    &dir.join(&entry.name),
                    format!(
                        "it is {}, not a file an export wrote; move it out of the folder",
                        kind.described()
                    ),
                ))
            }
            (false, Kind::Folder) => folders.push(text.into_owned()),
            (false, _) => foreign.push(entry.name),
        }
    }
    if folders.is_empty() {
        return Ok(foreign);
    }
    folders.sort();
    folders.truncate(5);
    Err(refuse(
        "replace the export in",
        dir,
        format!(
            "it holds folders that are not part of an export ({}); give an empty folder or one \
             of its own",
            folders.join(", ")
        ),
    ))
}

/// The names of the files an export owns in `dir`: the new set's, the index and what the
/// previous index lists.
fn owned_names(dir: &Path, staged: &[&str]) -> Vec<String> {
    let mut owned: Vec<String> = staged.iter().map(|n| n.to_string()).collect();
    owned.push(INDEX_FILE_NAME.to_string());
    if let Ok(bytes) = files::read_capped(&dir.join(INDEX_FILE_NAME), files::MAX_INDEX_BYTES) {
        if let Ok(index) = serde_json::from_slice::<ArtifactIndex>(&bytes) {
            owned.extend(index.artifacts.into_iter().map(|a| a.relative_path));
        }
    }
    owned
}

/// Switches the staged set in: one atomic rename or exchange.
fn switch_in(staging: &Path, dir: &Path) -> Result<(), ArtifactError> {
    let fail = |source| ArtifactError {
        action: "move into place",
        path: dir.to_path_buf(),
        source,
    };
    if std::fs::symlink_metadata(dir).is_err() {
        return std::fs::rename(staging, dir).map_err(fail);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(err)
                if err == rustix::io::Errno::INVAL
                    || err == rustix::io::Errno::NOSYS
                    || err == rustix::io::Errno::NOTSUP => {}
            Err(err) => return Err(fail(err.into())),
        }
    }
    // Without an exchange: the previous set aside, the new one in, the previous one gone.
    let aside = staging.with_extension("old");
    std::fs::rename(dir, &aside).map_err(fail)?;
    std::fs::rename(staging, dir).map_err(fail)?;
    std::fs::rename(&aside, staging).map_err(fail)
}

/// A renderer for one artifact, movable to another thread.
pub type Render<'a> = Box<dyn FnOnce(&mut ArtifactWriter) -> io::Result<()> + Send + 'a>;

/// Writes one artifact into the staging folder; its recorded path is in the output folder.
fn stage(
    staging: &Path,
    dir: &Path,
    spec: &'static ArtifactSpec,
    render: impl FnOnce(&mut ArtifactWriter) -> io::Result<()>,
) -> Result<(PathBuf, WrittenArtifact), ArtifactError> {
    let path = staging.join(spec.file_name);
    let shown = dir.join(spec.file_name);
    let (sha256, size_bytes) = write_hashed(&path, &shown, render)?;
    Ok((
        path,
        WrittenArtifact {
            spec,
            path: shown,
            sha256,
            size_bytes,
        },
    ))
}

/// Writes `path` in the staging folder through sha256; an error names `shown`, the file's path
/// in the user's output folder.
fn write_hashed(
    path: &Path,
    shown: &Path,
    render: impl FnOnce(&mut ArtifactWriter) -> io::Result<()>,
) -> Result<(String, u64), ArtifactError> {
    let error = |source| ArtifactError {
        action: "write",
        path: shown.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(error)?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, HashingWriter::new(file));
    let result = render(&mut out).and_then(|()| out.flush());
    if let Err(source) = result {
        drop(out);
        let _ = std::fs::remove_file(path);
        return Err(error(source));
    }
    let hashing = match out.into_inner() {
        Ok(hashing) => hashing,
        Err(err) => {
            let _ = std::fs::remove_file(path);
            return Err(error(err.into_error()));
        }
    };
    let (_, sha256, size) = hashing.finish();
    Ok((sha256, size))
}

/// `metrics_index.json`: the sha256 and size of every other artifact (the peer's shape, plus
/// `schema_version` first; an index without it is read as version 1).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ArtifactIndex {
    #[serde(default = "unversioned")]
    pub schema_version: u32,
    pub artifacts: Vec<IndexEntry>,
    pub generated_at: String,
    pub output_dir: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexEntry {
    pub artifact_type: String,
    pub description: String,
    pub name: String,
    pub path: String,
    pub relative_path: String,
    pub sha256: String,
    pub size_bytes: u64,
}

impl ArtifactIndex {
    pub fn new<'a>(
        dir: &Path,
        generated_at: Timestamp,
        written: impl Iterator<Item = &'a WrittenArtifact>,
    ) -> Self {
        let mut artifacts: Vec<IndexEntry> = written
            .map(|a| IndexEntry {
                artifact_type: a.spec.artifact_type.to_string(),
                description: a.spec.description.to_string(),
                name: a.spec.file_name.to_string(),
                path: a.path.display().to_string(),
                relative_path: a.spec.file_name.to_string(),
                sha256: a.sha256.clone(),
                size_bytes: a.size_bytes,
            })
            .collect();
        artifacts.sort_by(|a, b| a.name.cmp(&b.name));
        ArtifactIndex {
            schema_version: SCHEMA_VERSION,
            artifacts,
            generated_at: generated_at.to_string(),
            output_dir: dir.display().to_string(),
        }
    }
}

/// One way a folder differs from its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProblem {
    Missing {
        file: String,
    },
    Changed {
        file: String,
        expected: String,
        actual: String,
    },
    Extra {
        file: String,
    },
    UnsafePath {
        file: String,
    },
    /// A symbolic link (it could vouch for a file outside the folder), a FIFO, a directory...
    NotRegular {
        file: String,
        what: &'static str,
    },
}

impl fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyProblem::Missing { file } => {
                write!(f, "missing: {file} is in the index but not in the folder")
            }
            VerifyProblem::Changed {
                file,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "changed: {file} has sha256 {actual}, the index says {expected}"
                )
            }
            VerifyProblem::Extra { file } => {
                write!(f, "extra: {file} is in the folder but not in the index")
            }
            VerifyProblem::UnsafePath { file } => {
                write!(
                    f,
                    "unsafe: the index names `{file}`, which is not a file name inside the folder"
                )
            }
            VerifyProblem::NotRegular { file, what } => {
                write!(
                    f,
                    "unsafe: {file} is {what}, not a regular file in the folder"
                )
            }
        }
    }
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub checked: usize,
    pub problems: Vec<VerifyProblem>,
}

/// Why `verify` could not even compare.
#[derive(Debug)]
pub enum VerifyError {
    Io(ArtifactError),
    InvalidIndex { path: PathBuf, reason: String },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Io(err) => err.fmt(f),
            VerifyError::InvalidIndex { path, reason } => {
                write!(
                    f,
                    "`{}` is not a valid metrics index: {reason}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// Re-hashes every file named in `dir/metrics_index.json` and lists what differs: the
/// listed files first, in index order, then the files the index does not list, by name.
pub fn verify(dir: &Path) -> Result<VerifyReport, VerifyError> {
    let index = load_index(dir)?;
    let mut report = VerifyReport::default();
    let mut listed = Vec::with_capacity(index.artifacts.len());
    for entry in &index.artifacts {
        let name = entry.relative_path.as_str();
        if !is_plain_file_name(name) {
            report.problems.push(VerifyProblem::UnsafePath {
                file: name.to_string(),
            });
            continue;
        }
        listed.push(name);
        report.checked += 1;
        report.problems.extend(check_listed(dir, entry)?);
    }
    report.problems.extend(
        unlisted_files(dir, &listed)?
            .into_iter()
            .map(|file| VerifyProblem::Extra { file }),
    );
    Ok(report)
}

/// Reads and parses `dir/metrics_index.json` for [`verify`].
fn load_index(dir: &Path) -> Result<ArtifactIndex, VerifyError> {
    let index_path = dir.join(INDEX_FILE_NAME);
    let bytes = files::read_capped(&index_path, files::MAX_INDEX_BYTES).map_err(|err| {
        VerifyError::Io(ArtifactError {
            action: "read",
            path: index_path.clone(),
            source: err.into(),
        })
    })?;
    serde_json::from_slice(&bytes).map_err(|err| VerifyError::InvalidIndex {
        path: index_path.clone(),
        reason: super::syntax::json_error(&err),
    })
}

/// Hashes one file the index lists (its name already checked to be a plain file name) and
/// compares it with its entry: None when it matches, else how it differs (changed, missing,
/// not a regular file). Any other read failure stops the verification.
fn check_listed(dir: &Path, entry: &IndexEntry) -> Result<Option<VerifyProblem>, VerifyError> {
    let name = entry.relative_path.as_str();
    let path = dir.join(name);
    match hash_file(&path) {
        Ok((sha256, size)) => Ok(
            (sha256 != entry.sha256 || size != entry.size_bytes).then(|| VerifyProblem::Changed {
                file: name.to_string(),
                expected: entry.sha256.clone(),
                actual: sha256,
            }),
        ),
        Err(err) if err.is_not_found() => Ok(Some(VerifyProblem::Missing {
            file: name.to_string(),
        })),
        Err(FileError::NotRegular(what)) => Ok(Some(VerifyProblem::NotRegular {
            file: name.to_string(),
            what,
        })),
        Err(err) => Err(VerifyError::Io(ArtifactError {
            action: "read",
            path,
            source: err.into(),
        })),
    }
}

/// The names of the folder's entries that are neither the index nor `listed` in it, sorted.
fn unlisted_files(dir: &Path, listed: &[&str]) -> Result<Vec<String>, VerifyError> {
    let list_error = |source| {
        VerifyError::Io(ArtifactError {
            action: "list",
            path: dir.to_path_buf(),
            source,
        })
    };
    let mut extra = Vec::new();
    for entry in dirs::list(dir).map_err(list_error)? {
        let name = entry.name.to_string_lossy().into_owned();
        if name != INDEX_FILE_NAME && !listed.contains(&name.as_str()) {
            extra.push(name);
        }
    }
    extra.sort();
    Ok(extra)
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Whether the folder's index lists `file_name` (an older export may not have every artifact).
pub fn is_indexed(dir: &Path, file_name: &str) -> Result<bool, String> {
    Ok(read_index(dir)?
        .artifacts
        .iter()
        .any(|e| e.relative_path == file_name))
}

pub(crate) fn read_index(dir: &Path) -> Result<ArtifactIndex, String> {
    let index_path = dir.join(INDEX_FILE_NAME);
    files::read_capped(&index_path, files::MAX_INDEX_BYTES)
        .map_err(|err| format!("cannot read `{}`: {err}", index_path.display()))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes).map_err(|err| {
                format!(
                    "`{}` is not a valid metrics index: {}",
                    index_path.display(),
                    super::syntax::json_error(&err)
                )
            })
        })
}

/// Reads one artifact of a verified folder and checks the bytes read against the index, so
/// what a caller uses is exactly what the index vouches for (a file changed between a
/// `verify` and the read is caught).
pub fn read_indexed(dir: &Path, file_name: &str) -> Result<Vec<u8>, String> {
    let index_path = dir.join(INDEX_FILE_NAME);
    let index = read_index(dir)?;
    let entry = index
        .artifacts
        .iter()
        .find(|e| e.relative_path == file_name)
        .ok_or_else(|| format!("`{file_name}` is not listed in `{}`", index_path.display()))?;
    let path = dir.join(file_name);
    let bytes = read_artifact(&path, entry.size_bytes)
        .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    let mut hashing = HashingWriter::new(io::sink());
    hashing
        .write_all(&bytes)
        .map_err(|err| format!("cannot hash `{}`: {err}", path.display()))?;
    let (_, sha256, size) = hashing.finish();
    if sha256 != entry.sha256 || size != entry.size_bytes {
        return Err(format!(
            "`{}` changed after it was indexed (sha256 {sha256}, index {})",
            path.display(),
            entry.sha256
        ));
    }
    Ok(bytes)
}

/// Opens one artifact of a verified folder to be streamed rather than read whole: the file (a
/// regular file in the folder itself, never a link) with the sha256 and size its index gives.
/// The caller hashes what it reads and checks it against them, as [`read_indexed`] does.
pub fn open_indexed(dir: &Path, file_name: &str) -> Result<(File, String, u64), String> {
    let index_path = dir.join(INDEX_FILE_NAME);
    let entry = read_index(dir)?
        .artifacts
        .into_iter()
        .find(|e| e.relative_path == file_name)
        .ok_or_else(|| format!("`{file_name}` is not listed in `{}`", index_path.display()))?;
    let path = dir.join(file_name);
    let file =
        open_artifact(&path).map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    Ok((file, entry.sha256, entry.size_bytes))
}

/// An artifact's bytes: a regular file in the folder itself (never a link elsewhere), read up to
/// one byte past the size its index gives.
fn read_artifact(path: &Path, indexed_size: u64) -> Result<Vec<u8>, FileError> {
    let mut bytes = Vec::new();
    open_artifact(path)?
        .take(indexed_size.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens an artifact: a symbolic link is refused (it could vouch for a file outside the
/// folder), and so is anything but a regular file.
fn open_artifact(path: &Path) -> Result<File, FileError> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(FileError::NotRegular("a symbolic link"));
    }
    files::open_regular(path)
}

fn hash_file(path: &Path) -> Result<(String, u64), FileError> {
    let mut file = open_artifact(path)?;
    let mut hashing = HashingWriter::new(io::sink());
    io::copy(&mut file, &mut hashing)?;
    let (_, sha256, size) = hashing.finish();
    Ok((sha256, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }

    #[test]
    fn hashing_writer_matches_sha256() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (inner, sha, size) = w.finish();
        assert_eq!(inner, b"abc");
        assert_eq!(size, 3);
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_index_writes_its_schema_version_first_and_reads_one_without_it() {
        let index = ArtifactIndex::new(
            Path::new("out"),
            Timestamp::from_unix_nanos(0),
            std::iter::empty(),
        );
        let text = serde_json::to_string_pretty(&index).unwrap();
        assert!(text.starts_with("{\n  \"schema_version\": 1,\n"), "{text}");
        let old = r#"{"artifacts": [], "generated_at": "x", "output_dir": "out"}"#;
        let read: ArtifactIndex = serde_json::from_str(old).unwrap();
        assert_eq!(read.schema_version, 1);
        assert_eq!(read.output_dir, "out");
    }

    #[test]
    fn file_names_in_the_index_must_stay_inside() {
        assert!(is_plain_file_name("runtime_metrics.json"));
        for bad in ["", ".", "..", "../x", "a/b", "/etc/passwd"] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
