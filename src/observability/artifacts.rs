//! Artifact files: all-or-nothing writes, sha256 while writing, the index, and `verify`.
//!
//! Every artifact is rendered into a hidden temporary file in the output directory while its
//! bytes stream through sha256, so no file is read back and no rendered text is held in memory.
//! Only when every file has been written are they renamed into place: first the old index is
//! removed, then the artifacts are renamed, then the new index. A failure before that leaves the
//! previous set untouched; a set without `metrics_index.json` is by definition incomplete, and
//! `verify` says so.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::files::{self, FileError};
use super::timestamp::Timestamp;

/// What the index says about one kind of artifact.
#[derive(Debug, PartialEq, Eq)]
pub struct ArtifactSpec {
    pub file_name: &'static str,
    pub artifact_type: &'static str,
    pub description: &'static str,
}

pub static PROMETHEUS: ArtifactSpec = ArtifactSpec {
    file_name: "prometheus_metrics.prom",
    artifact_type: "prometheus",
    description: "Prometheus text exposition metrics.",
};
pub static OPENTELEMETRY: ArtifactSpec = ArtifactSpec {
    file_name: "opentelemetry_metrics.json",
    artifact_type: "opentelemetry",
    description: "OpenTelemetry OTLP/JSON metrics payload (ExportMetricsServiceRequest).",
};
pub static JSON_REPORT: ArtifactSpec = ArtifactSpec {
    file_name: "runtime_metrics.json",
    artifact_type: "runtime_report",
    description: "Machine-readable metrics export report.",
};
pub static MARKDOWN_REPORT: ArtifactSpec = ArtifactSpec {
    file_name: "runtime_metrics.md",
    artifact_type: "runtime_report",
    description: "Human-readable metrics export report.",
};
pub const INDEX_FILE_NAME: &str = "metrics_index.json";

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

/// Artifacts written to temporary files, waiting to be renamed into place together.
pub struct StagedArtifacts {
    dir: PathBuf,
    staged: Vec<(PathBuf, WrittenArtifact)>,
    index_temp: Option<PathBuf>,
}

impl StagedArtifacts {
    /// Creates the output directory (and its parents) if needed.
    pub fn new(dir: &Path) -> Result<Self, ArtifactError> {
        std::fs::create_dir_all(dir).map_err(|source| ArtifactError {
            action: "create the output directory",
            path: dir.to_path_buf(),
            source,
        })?;
        remove_stale_temporaries(dir);
        Ok(StagedArtifacts {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            index_temp: None,
        })
    }

    /// Streams one artifact into its temporary file through sha256.
    pub fn write(
        &mut self,
        spec: &'static ArtifactSpec,
        render: impl FnOnce(&mut ArtifactWriter) -> io::Result<()>,
    ) -> Result<&WrittenArtifact, ArtifactError> {
        let staged = stage(&self.dir, spec, render)?;
        self.staged.push(staged);
        Ok(&self.staged[self.staged.len() - 1].1)
    }

    /// Writes several artifacts, each on its own thread when `parallel` (they share nothing but
    /// the points they read), and keeps them in the order given. On failure, the files that
    /// were written are removed with the rest and the first error is returned.
    pub fn write_all(
        &mut self,
        jobs: Vec<(&'static ArtifactSpec, Render<'_>)>,
        parallel: bool,
    ) -> Result<(), ArtifactError> {
        let dir = self.dir.as_path();
        let results: Vec<Result<(PathBuf, WrittenArtifact), ArtifactError>> =
            if parallel && jobs.len() > 1 {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = jobs
                        .into_iter()
                        .map(|(spec, render)| (spec, scope.spawn(move || stage(dir, spec, render))))
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
                    .map(|(spec, render)| stage(dir, spec, render))
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

    /// Writes the index of every staged artifact, then renames everything into place.
    pub fn commit(
        mut self,
        generated_at: Timestamp,
    ) -> Result<Vec<WrittenArtifact>, ArtifactError> {
        let index = ArtifactIndex::new(&self.dir, generated_at, self.written());
        let index_temp = temp_path(&self.dir, INDEX_FILE_NAME);
        self.index_temp = Some(index_temp.clone());
        write_hashed(&index_temp, |out| {
            serde_json::to_writer_pretty(&mut *out, &index)?;
            out.write_all(b"\n")
        })?;

        let index_path = self.dir.join(INDEX_FILE_NAME);
        remove_if_present(&index_path)?;
        for (temp, artifact) in &self.staged {
            let target = self.dir.join(artifact.spec.file_name);
            // Removing first makes the rename a plain move: on ext4 a rename that replaces a file
            // forces a synchronous flush (auto_da_alloc), which would dominate a small export.
            // Without the index the folder is incomplete either way until the index lands.
            remove_if_present(&target)?;
            std::fs::rename(temp, &target).map_err(|source| ArtifactError {
                action: "move into place",
                path: target,
                source,
            })?;
        }
        std::fs::rename(&index_temp, &index_path).map_err(|source| ArtifactError {
            action: "move into place",
            path: index_path,
            source,
        })?;
        self.index_temp = None;
        let written = std::mem::take(&mut self.staged);
        Ok(written.into_iter().map(|(_, a)| a).collect())
    }
}

impl Drop for StagedArtifacts {
    /// Removes temporary files left by a failed export (after a commit there are none).
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = std::fs::remove_file(temp);
        }
        if let Some(temp) = &self.index_temp {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Removes the temporary files an export that was killed left behind (`.NAME.PID.tmp` of our
/// own artifact names, whose process is gone), so they do not make `verify` fail forever.
/// Best effort: a file that cannot be removed is left for `verify` to report.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let names = [
        PROMETHEUS.file_name,
        OPENTELEMETRY.file_name,
        JSON_REPORT.file_name,
        MARKDOWN_REPORT.file_name,
        INDEX_FILE_NAME,
    ];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(text) = file_name.to_str() else {
            continue;
        };
        let Some(pid) = text
            .strip_prefix('.')
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| {
                names
                    .iter()
                    .find_map(|n| rest.strip_prefix(n)?.strip_prefix('.'))
            })
        else {
            continue;
        };
        let alive = pid.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
        });
        if !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A renderer for one artifact, movable to another thread.
pub type Render<'a> = Box<dyn FnOnce(&mut ArtifactWriter) -> io::Result<()> + Send + 'a>;

/// The hidden temporary file an artifact is written to before it is moved into place.
fn temp_path(dir: &Path, file_name: &str) -> PathBuf {
    dir.join(format!(".{file_name}.{}.tmp", std::process::id()))
}

fn stage(
    dir: &Path,
    spec: &'static ArtifactSpec,
    render: impl FnOnce(&mut ArtifactWriter) -> io::Result<()>,
) -> Result<(PathBuf, WrittenArtifact), ArtifactError> {
    let temp = temp_path(dir, spec.file_name);
    let (sha256, size_bytes) = write_hashed(&temp, render)?;
    Ok((
        temp,
        WrittenArtifact {
            spec,
            path: dir.join(spec.file_name),
            sha256,
            size_bytes,
        },
    ))
}

fn remove_if_present(path: &Path) -> Result<(), ArtifactError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ArtifactError {
            action: "remove the previous",
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn write_hashed(
    path: &Path,
    render: impl FnOnce(&mut ArtifactWriter) -> io::Result<()>,
) -> Result<(String, u64), ArtifactError> {
    let error = |source| ArtifactError {
        action: "write",
        path: path.to_path_buf(),
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

/// `metrics_index.json`: the sha256 and size of every other artifact (the peer's shape).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ArtifactIndex {
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

/// Re-hashes every file named in `dir/metrics_index.json` and lists what differs.
pub fn verify(dir: &Path) -> Result<VerifyReport, VerifyError> {
    let index_path = dir.join(INDEX_FILE_NAME);
    let bytes = files::read_capped(&index_path, files::MAX_INDEX_BYTES).map_err(|err| {
        VerifyError::Io(ArtifactError {
            action: "read",
            path: index_path.clone(),
            source: match err {
                FileError::Io(source) => source,
                other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
            },
        })
    })?;
    let index: ArtifactIndex =
        serde_json::from_slice(&bytes).map_err(|err| VerifyError::InvalidIndex {
            path: index_path.clone(),
            reason: err.to_string(),
        })?;

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
        let path = dir.join(name);
        match hash_file(&path) {
            Ok((sha256, size)) => {
                if sha256 != entry.sha256 || size != entry.size_bytes {
                    report.problems.push(VerifyProblem::Changed {
                        file: name.to_string(),
                        expected: entry.sha256.clone(),
                        actual: sha256,
                    });
                }
            }
            Err(err) if err.is_not_found() => {
                report.problems.push(VerifyProblem::Missing {
                    file: name.to_string(),
                });
            }
            Err(FileError::NotRegular(what)) => {
                report.problems.push(VerifyProblem::NotRegular {
                    file: name.to_string(),
                    what,
                });
            }
            Err(err) => {
                return Err(VerifyError::Io(ArtifactError {
                    action: "read",
                    path,
                    source: match err {
                        FileError::Io(source) => source,
                        other => io::Error::other(other.to_string()),
                    },
                }))
            }
        }
    }

    let entries = std::fs::read_dir(dir).map_err(|source| {
        VerifyError::Io(ArtifactError {
            action: "list",
            path: dir.to_path_buf(),
            source,
        })
    })?;
    let mut extra = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| {
            VerifyError::Io(ArtifactError {
                action: "list",
                path: dir.to_path_buf(),
                source,
            })
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != INDEX_FILE_NAME && !listed.contains(&name.as_str()) {
            extra.push(name);
        }
    }
    extra.sort();
    report
        .problems
        .extend(extra.into_iter().map(|file| VerifyProblem::Extra { file }));
    Ok(report)
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Reads one artifact of a verified folder and checks the bytes read against the index, so
/// what a caller uses is exactly what the index vouches for (a file changed between a
/// `verify` and the read is caught).
pub fn read_indexed(dir: &Path, file_name: &str) -> Result<Vec<u8>, String> {
    let index_path = dir.join(INDEX_FILE_NAME);
    let index: ArtifactIndex = files::read_capped(&index_path, files::MAX_INDEX_BYTES)
        .map_err(|err| format!("cannot read `{}`: {err}", index_path.display()))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes).map_err(|err| {
                format!(
                    "`{}` is not a valid metrics index: {err}",
                    index_path.display()
                )
            })
        })?;
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
    fn file_names_in_the_index_must_stay_inside() {
        assert!(is_plain_file_name("runtime_metrics.json"));
        for bad in ["", ".", "..", "../x", "a/b", "/etc/passwd"] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
