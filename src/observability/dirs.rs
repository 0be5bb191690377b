//! Folder listing and removal that survive a failing close: the standard library's directory
//! stream asserts that `closedir` succeeds, so an EIO or ENOSPC reported when a listed folder
//! is closed would abort the process (the release build aborts on panic). On Unix a folder is
//! read here through `rustix`'s directory stream, whose file descriptor is closed without that
//! assertion; every folder the tool lists or removes goes through this module.

use std::ffi::OsString;
use std::io;
use std::path::Path;

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
            // The file system did not say: ask without following a link.
            None => Kind::of(std::fs::symlink_metadata(folder.join(&name))?.file_type()),
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
