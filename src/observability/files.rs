//! Reading the files the tool is given. Each is opened once, without blocking, and checked to
//! be a regular file after symbolic links are followed; it is read up to a cap per kind. A FIFO,
//! a device, a socket or a directory is an error that says what it is: nothing blocks and
//! nothing grows without bound, whatever a committed file turns out to be.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// A policy file (`--policy`, `policy-file`).
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;
/// An objectives file (`--objectives FILE`, the `objectives` input).
pub const MAX_OBJECTIVES_BYTES: u64 = 1024 * 1024;
/// A previous export's `runtime_metrics.json` (`--baseline`).
pub const MAX_BASELINE_BYTES: u64 = 512 * 1024 * 1024;
/// A `metrics_index.json` (`verify`, `push`).
pub const MAX_INDEX_BYTES: u64 = 16 * 1024 * 1024;
/// The runner's event payload (`GITHUB_EVENT_PATH`).
pub const MAX_EVENT_BYTES: u64 = 64 * 1024 * 1024;
/// A `--metrics-file` (1,000,000 metrics are about 41 MB).
pub const MAX_METRICS_FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug)]
pub enum FileError {
    /// It exists but is not a regular file: `a directory`, `a FIFO`, ...
    NotRegular(&'static str),
    /// Larger than the cap for its kind.
    TooLarge(u64),
    Io(io::Error),
}

impl FileError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, FileError::Io(err) if err.kind() == io::ErrorKind::NotFound)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotRegular(what) => write!(f, "is {what}, not a regular file"),
            FileError::TooLarge(cap) => write!(f, "is larger than {cap} bytes"),
            FileError::Io(err) if err.kind() == io::ErrorKind::NotFound => {
                f.write_str("does not exist")
            }
            FileError::Io(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for FileError {}

/// For callers whose errors carry an `io::Error`: the OS error as it was, the others as text.
impl From<FileError> for io::Error {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Io(err) => err,
            other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

impl From<io::Error> for FileError {
    fn from(err: io::Error) -> Self {
        FileError::Io(err)
    }
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading without blocking (a FIFO with no writer would block a plain open),
/// and refuses anything but a regular file.
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The flag's bits fit an `i32`, as `open(2)` takes them.
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(FileError::NotRegular(kind_of(file_type)));
    }
    Ok(file)
}

/// A regular file's bytes, at most `cap` of them.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, FileError> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(FileError::TooLarge(cap));
    }
    Ok(bytes)
}

/// A regular file's UTF-8 text, at most `cap` bytes of it.
pub fn read_text_capped(path: &Path, cap: u64) -> Result<String, FileError> {
    String::from_utf8(read_capped(path, cap)?)
        .map_err(|err| FileError::Io(io::Error::new(io::ErrorKind::InvalidData, err)))
}

/// Names listed from a folder to suggest a mistyped file name from: enough for any folder a
/// report is written to, and a bound on the work in a huge one.
const MAX_SUGGESTED_FROM: usize = 10_000;

/// The name in `names` closest to `wanted`. With an extension, the names with the same one
/// (`.yml` and `.yaml` alike) compete on their stems (`run_reprot.json` → `run_report.json`):
/// a shared `.json` alone makes no two names alike; failing that, a name with the same stem
/// and another extension (`policy.yml` → `policy.yaml`, `report.jsn` → `report.json`).
fn closest_name<'a>(wanted: &str, names: &[&'a str]) -> Option<&'a str> {
    let split = |name: &'a str| name.rsplit_once('.').filter(|(stem, _)| !stem.is_empty());
    let Some((stem, extension)) = wanted.rsplit_once('.').filter(|(s, _)| !s.is_empty()) else {
        return crate::observability::text::closest(wanted, names.iter().copied());
    };
    let kind = |extension: &str| match extension.to_ascii_lowercase().as_str() {
        "yaml" => "yml".to_string(),
        other => other.to_string(),
    };
    let same: Vec<(&str, &str)> = names
        .iter()
        .filter_map(|&name| split(name).map(|(s, e)| (s, e, name)))
        .filter(|(_, e, _)| kind(e) == kind(extension))
        .map(|(s, _, name)| (s, name))
        .collect();
    if let Some(best) = crate::observability::text::closest(stem, same.iter().map(|(s, _)| *s)) {
        return same.iter().find(|(s, _)| *s == best).map(|(_, name)| *name);
    }
    let same_stem = names
        .iter()
        .copied()
        .filter(|name| split(name).is_some_and(|(s, _)| s.eq_ignore_ascii_case(stem)));
    crate::observability::text::closest(wanted, same_stem)
}

/// Why `path` cannot be opened when it does not exist, in the tool's words: `does not exist`
/// and the closest name in its folder (`; did you mean `out/run_report.json`?`), or, when a
/// folder on the way does not exist either, the first such folder and the closest name to it
/// (`does not exist (no folder `ou`; did you mean `out`?)`). A symbolic link whose target is
/// missing is said to be one.
pub fn not_found(path: &Path) -> String {
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return "is a symbolic link to a file that does not exist".to_string();
    }
    // The shallowest folder on the way that does not exist, if one does not.
    let mut missing_folder = None;
    let mut up = path.parent();
    while let Some(folder) = up.filter(|f| !f.as_os_str().is_empty()) {
        if folder.is_dir() {
            break;
        }
        missing_folder = Some(folder);
        up = folder.parent();
    }
    match missing_folder {
        Some(folder) => format!(
            "does not exist (no folder `{}`{})",
            folder.display(),
            closest_in_folder(folder)
        ),
        None => format!("does not exist{}", closest_in_folder(path)),
    }
}

/// [`not_found`] for a path shown to the user as `shown`, the end of `path` (the action joins
/// an input's relative path to the workspace): the paths it names are shown the same way.
pub fn not_found_shown(path: &Path, shown: &str) -> String {
    let text = not_found(path);
    match path.to_str().and_then(|p| p.strip_suffix(shown)) {
        Some(base) if !base.is_empty() && !shown.is_empty() => {
            text.replace(&format!("`{base}"), "`")
        }
        _ => text,
    }
}

/// `; did you mean `x`?` for the entry of `path`'s folder closest to its name, or nothing.
fn closest_in_folder(path: &Path) -> String {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return String::new();
    };
    let Ok(entries) = crate::observability::dirs::list(parent.unwrap_or(Path::new("."))) else {
        return String::new();
    };
    let names: Vec<&str> = entries
        .iter()
        .take(MAX_SUGGESTED_FROM)
        .filter_map(|e| e.name.to_str())
        .collect();
    match closest_name(name, &names) {
        Some(close) => {
            let shown = parent.map_or_else(|| close.into(), |p| p.join(close));
            format!("; did you mean `{}`?", shown.display())
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_only_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_capped(&file, 5).unwrap(), b"12345");
        assert!(matches!(read_capped(&file, 4), Err(FileError::TooLarge(4))));
        let err = read_capped(dir.path(), 10).unwrap_err();
        assert_eq!(err.to_string(), "is a directory, not a regular file");
        assert!(read_capped(&dir.path().join("absent"), 1)
            .unwrap_err()
            .is_not_found());
    }

    #[test]
    fn a_missing_file_is_named_with_the_closest_in_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("run_report.json"), b"{}").unwrap();
        let wanted = dir.path().join("run_reprot.json");
        let expected = format!(
            "does not exist; did you mean `{}`?",
            dir.path().join("run_report.json").display()
        );
        assert_eq!(not_found(&wanted), expected);
        assert_eq!(
            not_found(&dir.path().join("zzzzzzzz.yml")),
            "does not exist"
        );
        // Only the extension alike is no suggestion; the stem alike is one.
        assert_eq!(not_found(&dir.path().join("nope.json")), "does not exist");
        let expected = format!(
            "does not exist; did you mean `{}`?",
            dir.path().join("run_report.json").display()
        );
        assert_eq!(not_found(&dir.path().join("run_report.jsn")), expected);
        std::fs::write(dir.path().join("policy.yaml"), b"").unwrap();
        let expected = format!(
            "does not exist; did you mean `{}`?",
            dir.path().join("policy.yaml").display()
        );
        assert_eq!(not_found(&dir.path().join("polcy.yml")), expected);
        let deep = dir.path().join("nope").join("deeper").join("a.json");
        assert_eq!(
            not_found(&deep),
            format!(
                "does not exist (no folder `{}`)",
                dir.path().join("nope").display()
            )
        );
        std::fs::create_dir(dir.path().join("baseline")).unwrap();
        let beside = dir.path().join("baselin").join("runtime_metrics.json");
        assert_eq!(
            not_found(&beside),
            format!(
                "does not exist (no folder `{}`; did you mean `{}`?)",
                dir.path().join("baselin").display(),
                dir.path().join("baseline").display()
            )
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(dir.path().join("gone.json"), &link).unwrap();
            assert_eq!(
                not_found(&link),
                "is a symbolic link to a file that does not exist"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_never_blocks_or_grows() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let err = read_capped(&fifo, 10).unwrap_err();
        assert_eq!(err.to_string(), "is a FIFO, not a regular file");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let err = read_capped(&zero, 10).unwrap_err();
        assert_eq!(err.to_string(), "is a device, not a regular file");
    }
}
