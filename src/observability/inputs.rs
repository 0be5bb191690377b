//! `--input` patterns: expansion to files in a stable order, and reading a file as a JSON object.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::blockers::{Blocker, Code};
use super::files::{self, FileError};
use super::json_input;
use super::sources::detect::Kind;

/// One `--input` value: a glob pattern, optionally with a forced kind (`KIND=PATTERN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPattern {
    pub kind: Option<Kind>,
    pub pattern: String,
}

impl InputPattern {
    /// `KIND=PATTERN` when the text before the first `=` is a kind name, else a bare pattern.
    /// Fails on an empty or malformed glob pattern.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, pattern) = match text.split_once('=') {
            Some((name, rest)) => match Kind::parse(name.trim()) {
                Some(kind) => (Some(kind), rest.trim()),
                None => (None, text.trim()),
            },
            None => (None, text.trim()),
        };
        if pattern.is_empty() {
            return Err(format!("expected a file pattern in `{text}`"));
        }
        glob::Pattern::new(pattern)
            .map_err(|err| format!("`{pattern}` is not a valid pattern: {err}"))?;
        Ok(InputPattern {
            kind,
            pattern: pattern.to_string(),
        })
    }
}

/// A file to read, with the kind forced for it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedFile {
    pub path: PathBuf,
    pub kind: Option<Kind>,
}

/// Expands every pattern. Files come out sorted by path, each once (the first pattern that
/// matched it decides a forced kind). A pattern without a match is an error blocker, never a
/// silent skip.
pub fn expand(patterns: &[InputPattern]) -> (Vec<MatchedFile>, Vec<Blocker>) {
    let mut files: Vec<MatchedFile> = Vec::new();
    let mut blockers = Vec::new();
    for input in patterns {
        let paths = match super::dirs::glob(&input.pattern) {
            Ok(paths) => paths,
            Err(err) => {
                blockers.push(Blocker::new(
                    Code::InputNoMatch,
                    format!("`{}` is not a valid pattern: {err}", input.pattern),
                ));
                continue;
            }
        };
        let mut matched = 0;
        for entry in paths {
            match entry {
                Ok(path) => {
                    matched += 1;
                    if !files.iter().any(|f| f.path == path) {
                        files.push(MatchedFile {
                            path,
                            kind: input.kind,
                        });
                    }
                }
                Err(err) => blockers.push(Blocker::new(
                    Code::InputUnreadable,
                    format!(
                        "`{}` (from `{}`): {}",
                        err.path.display(),
                        input.pattern,
                        err.error
                    ),
                )),
            }
        }
        if matched == 0 {
            blockers.push(Blocker::new(
                Code::InputNoMatch,
                format!(
                    "`{}` matched no file{}",
                    input.pattern,
                    no_match_hint(&input.pattern)
                ),
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, blockers)
}

/// Why a pattern matched nothing, where the file system can say: a literal path that does
/// not exist gets the closest name in its folder, a pattern whose fixed folder does not exist
/// says so (`; no folder `out``, and the closest folder's name).
fn no_match_hint(pattern: &str) -> String {
    let fixed: Vec<&str> = pattern
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[']))
        .collect();
    if fixed.len() == pattern.split('/').count() {
        // No wildcard: the path itself.
        let why = files::not_found(Path::new(pattern));
        return why
            .strip_prefix("does not exist")
            .map(str::to_string)
            .unwrap_or_default();
    }
    // The first folder of the fixed part that does not exist, with the closest name beside it.
    let mut folder = PathBuf::from(if pattern.starts_with('/') { "/" } else { "" });
    for part in fixed.into_iter().filter(|part| !part.is_empty()) {
        folder.push(part);
        if folder.is_dir() {
            continue;
        }
        let why = files::not_found(&folder);
        let why = why.strip_prefix("does not exist").unwrap_or_default();
        return format!("; no folder `{}`{why}", folder.display());
    }
    String::new()
}

/// Why a file could not be read as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Missing, a directory, or not a regular file: `does not exist; did you mean …`, `is a
    /// directory, not a regular file`, to follow the file's name.
    NotAFile(String),
    /// An operating-system error while reading.
    Io(String),
    /// Not JSON (with line and column).
    InvalidJson(String),
    /// JSON, but its top level is not an object.
    NotAnObject(&'static str),
}

/// dpone's reports are small; a larger file is not one, and is refused while reading.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a regular file as a JSON object, leniently (dpone's `NaN`/`Infinity` tokens).
pub fn read_object(path: &Path) -> Result<Map<String, Value>, ReadError> {
    let bytes = files::read_capped(path, MAX_INPUT_BYTES).map_err(|err| match err {
        FileError::NotRegular(kind) => {
            ReadError::NotAFile(format!("is {kind}, not a regular file"))
        }
        FileError::Io(err) if err.kind() == std::io::ErrorKind::NotFound => {
            ReadError::NotAFile(files::not_found(path))
        }
        FileError::TooLarge(_) => ReadError::Io(format!(
            "larger than {MAX_INPUT_BYTES} bytes, which no dpone report is"
        )),
        FileError::Io(err) => ReadError::Io(err.to_string()),
    })?;
    let value: Value = json_input::from_slice(&bytes)
        .map_err(|err| ReadError::InvalidJson(super::syntax::json_error(&err)))?;
    match value {
        Value::Object(object) => Ok(object),
        other => Err(ReadError::NotAnObject(json_input::json_kind(&other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_that_matches_nothing_says_which_folder_or_file_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        std::fs::create_dir(dir.path().join("test_artifacts")).unwrap();
        std::fs::write(dir.path().join("run_report.json"), b"{}").unwrap();
        assert_eq!(
            no_match_hint(&format!("{root}/test_artifcts/**/*.json")),
            format!("; no folder `{root}/test_artifcts`; did you mean `{root}/test_artifacts`?")
        );
        assert_eq!(
            no_match_hint(&format!("{root}/run_reprot.json")),
            format!("; did you mean `{root}/run_report.json`?")
        );
        assert_eq!(no_match_hint(&format!("{root}/test_artifacts/*.json")), "");
    }

    #[test]
    fn kinds_are_forced_only_by_kind_names() {
        let forced = InputPattern::parse("benchmark_baseline=out/**/b.json").unwrap();
        assert_eq!(forced.kind, Some(Kind::BenchmarkBaseline));
        assert_eq!(forced.pattern, "out/**/b.json");
        let plain = InputPattern::parse("dir/a=b.json").unwrap();
        assert_eq!(plain.kind, None);
        assert_eq!(plain.pattern, "dir/a=b.json");
        assert!(InputPattern::parse("run_report=").is_err());
        assert!(InputPattern::parse("[").is_err());
    }
}
