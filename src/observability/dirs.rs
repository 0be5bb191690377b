//! Folder listing and removal that survive a failing close: the standard library's directory
//! stream asserts that `closedir` succeeds, so an EIO or ENOSPC reported when a listed folder
//! is closed would abort the process (the release build aborts on panic). On Unix a folder is
//! read here through `rustix`'s directory stream, whose file descriptor is closed without that
//! assertion; every folder the tool lists, removes or matches a glob pattern in goes through
//! this module.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// What a folder entry is, as the listing reports it (a symbolic link is not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
    Symlink,
    /// A FIFO, a socket or a device.
    Other,
}

impl Kind {
    /// `a folder`, `a symbolic link`... for a message.
    pub fn described(self) -> &'static str {
        match self {
            Kind::File => "a file",
            Kind::Folder => "a folder",
            Kind::Symlink => "a symbolic link",
            Kind::Other => "a FIFO, a socket or a device",
        }
    }

    fn of(file_type: std::fs::FileType) -> Kind {
        if file_type.is_symlink() {
            Kind::Symlink
        } else if file_type.is_dir() {
            Kind::Folder
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }
}

/// One entry of a folder: its name and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: OsString,
    pub kind: Kind,
}

/// The entries of `folder` (without `.` and `..`), in the order the file system gives them. A
/// read that fails part-way is an error: no caller may act on half a listing.
pub fn list(folder: &Path) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for_each_name(folder, |name, known| {
        let kind = match known {
            Some(kind) => kind,
            // The file system did not say: ask without following a link (an entry removed
            // since it was read is not listed).
            None => match std::fs::symlink_metadata(folder.join(&name)) {
                Ok(meta) => Kind::of(meta.file_type()),
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(err) => return Err(err),
            },
        };
        entries.push(Entry { name, kind });
        Ok(())
    })?;
    Ok(entries)
}

#[cfg(unix)]
fn for_each_name(
    folder: &Path,
    mut each: impl FnMut(OsString, Option<Kind>) -> io::Result<()>,
) -> io::Result<()> {
    use rustix::fs::{Dir, FileType, Mode, OFlags};
    use std::os::unix::ffi::OsStrExt;

    let fd = rustix::fs::open(
        folder,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    // Dropping the stream closes its descriptor and ignores what `close` reports: the entries
    // were all read by then, so a late EIO cannot change them.
    for entry in Dir::new(fd)? {
        let entry = entry?;
        let bytes = entry.file_name().to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::RegularFile => Some(Kind::File),
            FileType::Directory => Some(Kind::Folder),
            FileType::Symlink => Some(Kind::Symlink),
            FileType::Unknown => None,
            _ => Some(Kind::Other),
        };
        each(std::ffi::OsStr::from_bytes(bytes).to_os_string(), kind)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn for_each_name(
    folder: &Path,
    mut each: impl FnMut(OsString, Option<Kind>) -> io::Result<()>,
) -> io::Result<()> {
    // Closing a directory handle elsewhere reports nothing that could abort.
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let kind = entry.file_type().ok().map(Kind::of);
        each(entry.file_name(), kind)?;
    }
    Ok(())
}

/// Removes the folder `path` and everything in it, as `std::fs::remove_dir_all` does: a
/// symbolic link is removed, never followed; any other file is refused (`NotADirectory`), so a
/// file that happens to have a folder's name is never lost. Missing is not an error. Folders
/// are emptied with an explicit stack, so a deep tree cannot exhaust the thread's stack.
pub fn remove_all(path: &Path) -> io::Result<()> {
    let gone = |result: io::Result<()>| match result {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    };
    match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
        Ok(meta) if meta.file_type().is_symlink() => return gone(std::fs::remove_file(path)),
        Ok(meta) if !meta.is_dir() => return Err(io::ErrorKind::NotADirectory.into()),
        Ok(_) => {}
    }
    // Folders still to empty; the last one is listed again after its sub-folders are gone.
    let mut pending = vec![path.to_path_buf()];
    while let Some(folder) = pending.last().cloned() {
        let mut nested = Vec::new();
        for entry in list(&folder)? {
            let child = folder.join(&entry.name);
            match entry.kind {
                Kind::Folder => nested.push(child),
                _ => gone(std::fs::remove_file(&child))?,
            }
        }
        if nested.is_empty() {
            gone(std::fs::remove_dir(&folder))?;
            pending.pop();
        } else {
            pending.extend(nested);
        }
    }
    Ok(())
}

/// A folder a [`glob`] could not list, and why.
#[derive(Debug)]
pub struct GlobError {
    pub path: PathBuf,
    pub error: io::Error,
}

/// One result of [`glob`]: a path the pattern matches, or a folder it could not list.
pub type GlobResult = Result<PathBuf, GlobError>;

/// The paths `pattern` matches, as `glob::glob` finds them (the same syntax and matching, `**`
/// for any folders, a trailing `/` for folders only, a relative pattern's paths relative), in
/// the order of a walk with each folder's entries by name; only the folders are listed through
/// [`list`], so a failing close is survived.
#[cfg(unix)]
pub fn glob(pattern: &str) -> Result<Vec<GlobResult>, glob::PatternError> {
    glob::Pattern::new(pattern)?;
    let root = usize::from(pattern.starts_with('/'));
    let mut parts = Vec::new();
    for component in pattern[root..].split_terminator('/') {
        parts.push(Part {
            pattern: glob::Pattern::new(component)?,
            literal: !component.contains(['*', '?', '[']),
            recursive: component == "**",
        });
    }
    if root == pattern.len() {
        // The root alone (`/`): an empty literal component.
        parts.push(Part {
            pattern: glob::Pattern::new("")?,
            literal: true,
            recursive: false,
        });
    }
    let walk = Walk {
        parts,
        require_dir: pattern.ends_with('/'),
    };
    let scope = PathBuf::from(if root == 1 { "/" } else { "." });
    let mut found = Vec::new();
    walk.expand(&Node::at(scope), 0, &mut found);
    Ok(found)
}

/// `glob::glob`, with its results collected (closing a folder elsewhere cannot abort).
#[cfg(not(unix))]
pub fn glob(pattern: &str) -> Result<Vec<GlobResult>, glob::PatternError> {
    Ok(glob::glob(pattern)?
        .map(|r| {
            r.map_err(|err| GlobError {
                path: err.path().to_path_buf(),
                error: io::Error::new(err.error().kind(), err.error().to_string()),
            })
        })
        .collect())
}

/// One component of a glob pattern.
#[cfg(unix)]
struct Part {
    pattern: glob::Pattern,
    /// No wildcard: the entry is looked up, the folder not listed.
    literal: bool,
    /// `**`: any number of folders.
    recursive: bool,
}

#[cfg(unix)]
struct Walk {
    parts: Vec<Part>,
    require_dir: bool,
}

/// A path met on the walk, and whether it is a folder (a link to a folder counts).
#[cfg(unix)]
struct Node {
    path: PathBuf,
    is_dir: bool,
}

#[cfg(unix)]
impl Node {
    fn at(path: PathBuf) -> Node {
        let is_dir = std::fs::metadata(&path).is_ok_and(|m| m.is_dir());
        Node { path, is_dir }
    }
}

#[cfg(unix)]
impl Walk {
    /// `node` matched the parts before `idx`: finds what under it matches the rest.
    fn expand(&self, node: &Node, idx: usize, found: &mut Vec<GlobResult>) {
        let part = &self.parts[idx];
        let curdir = node.path == Path::new(".");
        let child = |name: &str| match curdir {
            true => PathBuf::from(name),
            false => node.path.join(name),
        };
        if part.literal {
            let name = part.pattern.as_str();
            let special = name == "." || name == "..";
            let next = Node::at(child(name));
            let exists = std::fs::symlink_metadata(&next.path).is_ok();
            if (special && node.is_dir) || (!special && exists) {
                self.matched(next, idx, found);
            }
            return;
        }
        if !node.is_dir {
            return;
        }
        let mut children = match list(&node.path) {
            Ok(entries) => entries,
            Err(error) => {
                let path = node.path.clone();
                return found.push(Err(GlobError { path, error }));
            }
        };
        children.sort_by(|a, b| a.name.cmp(&b.name));
        for entry in children {
            let path = child(&entry.name.to_string_lossy());
            let is_dir = match entry.kind {
                Kind::Folder => true,
                Kind::Symlink => std::fs::metadata(&path).is_ok_and(|m| m.is_dir()),
                _ => false,
            };
            self.candidate(Node { path, is_dir }, &entry.name, idx, found);
        }
        // `.` and `..` are never listed; a part that starts with a dot may match them.
        if part.pattern.as_str().starts_with('.') {
            for special in [".", ".."] {
                if part
                    .pattern
                    .matches_with(special, glob::MatchOptions::new())
                {
                    self.matched(Node::at(node.path.join(special)), idx, found);
                }
            }
        }
    }

    /// A listed entry, checked against the part at `idx` (and what a `**` there allows).
    fn candidate(
        &self,
        node: Node,
        name: &std::ffi::OsStr,
        mut idx: usize,
        found: &mut Vec<GlobResult>,
    ) {
        let last = self.parts.len() - 1;
        if self.parts[idx].recursive {
            let mut next = idx;
            while next < last && self.parts[next + 1].recursive {
                next += 1;
            }
            if node.is_dir {
                self.expand(&node, next, found);
                if next == last {
                    return found.push(Ok(node.path));
                }
            } else if next == last {
                return;
            }
            idx = next + 1;
        }
        // A name that is not UTF-8 is never matched, as `glob` does.
        let Some(name) = name.to_str() else { return };
        if self.parts[idx]
            .pattern
            .matches_with(name, glob::MatchOptions::new())
        {
            if idx == last {
                if !self.require_dir || node.is_dir {
                    found.push(Ok(node.path));
                }
            } else {
                self.expand(&node, idx + 1, found);
            }
        }
    }

    /// `node` matched the part at `idx`: a result when it was the last part, else walked on.
    fn matched(&self, node: Node, idx: usize, found: &mut Vec<GlobResult>) {
        if idx + 1 == self.parts.len() {
            if !self.require_dir || node.is_dir {
                found.push(Ok(node.path));
            }
        } else {
            self.expand(&node, idx + 1, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_names_and_kinds_without_following_links() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.txt"), "x").unwrap();
        std::fs::create_dir(tmp.path().join("sub")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("sub", tmp.path().join("link")).unwrap();
        let mut found: Vec<(String, Kind)> = list(tmp.path())
            .unwrap()
            .into_iter()
            .map(|e| (e.name.to_string_lossy().into_owned(), e.kind))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut expected = vec![
            ("a.txt".to_string(), Kind::File),
            ("sub".to_string(), Kind::Folder),
        ];
        #[cfg(unix)]
        expected.insert(1, ("link".to_string(), Kind::Symlink));
        assert_eq!(found, expected);
        assert!(
            list(&tmp.path().join("a.txt")).is_err(),
            "a file is no folder"
        );
    }

    #[cfg(unix)]
    #[test]
    fn glob_finds_what_the_glob_crate_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for dir in ["a/b/c", "a/.hidden", "d", "e.dir"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for file in [
            "x.json",
            "y.yml",
            ".h.json",
            "a/x.json",
            "a/b/x.json",
            "a/b/c/z.json",
            "a/.hidden/x.json",
            "d/q.json",
            "[x].json",
        ] {
            std::fs::write(root.join(file), "{}").unwrap();
        }
        std::os::unix::fs::symlink(root.join("a/b"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(root.join("gone"), root.join("dangling.json")).unwrap();
        let patterns = [
            "*",
            "*.json",
            "a/*",
            "**/*.json",
            "**",
            "a/**",
            "a/**/x*",
            "*/",
            "**/",
            ".*",
            "a/../a/x.json",
            "?.json",
            "[ad]*",
            "nope/*",
            "a/x.json",
            "a/**/**/z.json",
            "link/*",
            "link/**/*.json",
            "[[]x].json",
            "a/./b/*",
            "*/*/",
            "d/.",
            "x.json/*",
        ];
        for pattern in patterns {
            let full = format!("{}/{pattern}", root.display());
            let ours: Vec<PathBuf> = glob(&full).unwrap().into_iter().flatten().collect();
            let mut theirs: Vec<PathBuf> = glob::glob(&full).unwrap().flatten().collect();
            let mut sorted = ours.clone();
            sorted.sort();
            theirs.sort();
            assert_eq!(sorted, theirs, "{pattern}");
        }
        assert!(glob("a/[").is_err());
        // A link back up under `**` ends where the kernel stops resolving links, as in `glob`.
        std::os::unix::fs::symlink("..", root.join("d/up")).unwrap();
        let full = format!("{}/d/**/q.json", root.display());
        let ours = glob(&full).unwrap().into_iter().flatten().count();
        assert_eq!(ours, glob::glob(&full).unwrap().flatten().count());
        assert!(ours > 1, "{ours}");
        let unreadable = format!("{}/x.json/*", root.display());
        assert!(
            glob(&unreadable).unwrap().is_empty(),
            "a file is not listed"
        );
    }

    #[test]
    fn removes_a_tree_but_not_what_a_link_points_to() {
        let tmp = tempfile::tempdir().unwrap();
        let kept = tmp.path().join("kept");
        std::fs::create_dir(&kept).unwrap();
        std::fs::write(kept.join("mine"), "x").unwrap();
        let tree = tmp.path().join("tree");
        let mut deep = tree.clone();
        for level in 0..50 {
            deep = deep.join(format!("d{level}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("f"), "x").unwrap();
        std::fs::write(tree.join("g"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&kept, tree.join("d0").join("link")).unwrap();
        remove_all(&tree).unwrap();
        assert!(!tree.exists());
        assert!(
            kept.join("mine").is_file(),
            "a link is removed, not followed"
        );
        remove_all(&tree).unwrap();
        let err = remove_all(&kept.join("mine")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotADirectory);
        assert!(
            kept.join("mine").is_file(),
            "a file is not a folder to remove"
        );
    }
}
