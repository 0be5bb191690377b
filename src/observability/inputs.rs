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
                format!("`{}` matched no file", input.pattern),
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, blockers)
}

/// Why a file could not be read as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Missing, a directory, or not a regular file.
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
        FileError::NotRegular(kind) => ReadError::NotAFile(format!("{kind}, not a regular file")),
        FileError::Io(err) if err.kind() == std::io::ErrorKind::NotFound => {
            ReadError::NotAFile(err.to_string())
        }
        FileError::TooLarge(_) => ReadError::Io(format!(
            "larger than {MAX_INPUT_BYTES} bytes, which no dpone report is"
        )),
        FileError::Io(err) => ReadError::Io(err.to_string()),
    })?;
    let value: Value =
        json_input::from_slice(&bytes).map_err(|err| ReadError::InvalidJson(err.to_string()))?;
    match value {
        Value::Object(object) => Ok(object),
        other => Err(ReadError::NotAnObject(json_input::json_kind(&other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
