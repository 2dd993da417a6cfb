//! Opening files that a hostile writer may have shaped.
//!
//! The pipeline under test runs as root in a container and writes into a
//! directory of the host (its trace directory); a recorded run may come
//! from anywhere. Whatever sits there may be a symbolic link to a host file
//! the harness should never read, a FIFO that blocks a reader forever, a
//! character device that never ends (`/dev/zero`), or a regular file of
//! many gigabytes. Every file the harness reads back from a run goes
//! through here:
//!
//! - opened with `O_NOFOLLOW` (a link in the last component is refused, not
//!   followed) and `O_NONBLOCK` (opening a FIFO without a writer returns at
//!   once instead of waiting for one);
//! - checked with `fstat` on the open descriptor, so that what is read is
//!   what was checked: anything but a regular file is refused;
//! - read up to [`MAX_FILE_BYTES`], past which it is refused whole, naming
//!   the file and the limit.
//!
//! Directories are listed without following links either
//! ([`std::fs::DirEntry::file_type`] does not follow them), so a link to a
//! directory is never entered.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::TraceError;

/// The most bytes read from one file, or from all the files of one node's
/// directory. A real run's largest file is the OTLP recording: about 30 MiB
/// for a run of 100,000 spans (docs/measurements.md); 256 MiB leaves room
/// for runs eight times that and still bounds what a hostile pipeline can
/// make the harness hold in memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// What a directory entry is, as seen without following a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A link, FIFO, socket or device: never read.
    Other(&'static str),
}

/// One entry of a directory.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub kind: Kind,
}

/// The entries of `dir`, sorted by name; links are reported as such, never
/// followed. Names that are not UTF-8 are left out (no file ldfi reads has
/// one).
pub fn entries(dir: &Path) -> Result<Vec<Entry>, TraceError> {
    let io = |source| TraceError::Io { file: dir.to_path_buf(), source };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        let kind = kind_of(entry.file_type().map_err(io)?);
        out.push(Entry { path: entry.path(), name, kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The kind of `path` itself (a link is a link), if it exists.
pub fn kind(path: &Path) -> Option<Kind> {
    std::fs::symlink_metadata(path).ok().map(|m| kind_of(m.file_type()))
}

fn kind_of(t: std::fs::FileType) -> Kind {
    if t.is_symlink() {
        Kind::Other("a symbolic link")
    } else if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Dir
    } else if t.is_fifo() {
        Kind::Other("a FIFO")
    } else if t.is_socket() {
        Kind::Other("a socket")
    } else if t.is_char_device() || t.is_block_device() {
        Kind::Other("a device")
    } else {
        Kind::Other("not a file")
    }
}

/// Opens `path` for reading without following a link or blocking on a
/// FIFO, and makes sure it is a regular file.
pub fn open(path: &Path) -> Result<File, TraceError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ELOOP) => TraceError::NotRegular { file: path.to_path_buf(), what: "a symbolic link" },
            _ => TraceError::Io { file: path.to_path_buf(), source },
        })?;
    let metadata = file.metadata().map_err(|source| TraceError::Io { file: path.to_path_buf(), source })?;
    match kind_of(metadata.file_type()) {
        Kind::File => Ok(file),
        Kind::Dir => Err(TraceError::NotRegular { file: path.to_path_buf(), what: "a directory" }),
        Kind::Other(what) => Err(TraceError::NotRegular { file: path.to_path_buf(), what }),
    }
}

/// The bytes of regular file `path`, at most `limit` of them: a larger
/// file is refused whole.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, TraceError> {
    let file = open(path)?;
    let too_large = || TraceError::TooLarge { file: path.to_path_buf(), limit };
    if file.metadata().map(|m| m.len() > limit).unwrap_or(false) {
        return Err(too_large());
    }
    // The file may grow after the check (a node still writing): read one
    // byte past the limit to tell.
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| TraceError::Io { file: path.to_path_buf(), source })?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The text of regular file `path` (plan.json, verdict.json, summary.json),
/// at most [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<String, TraceError> {
    let bytes = read(path, MAX_FILE_BYTES)?;
    String::from_utf8(bytes).map_err(|e| TraceError::Io {
        file: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        crate::scratch::dir("untrusted", name)
    }

    #[test]
    fn a_link_is_refused_not_followed() {
        let dir = scratch("link");
        std::fs::write(dir.join("secret"), "host file").unwrap();
        std::os::unix::fs::symlink(dir.join("secret"), dir.join("trace.jsonl")).unwrap();
        let error = read(&dir.join("trace.jsonl"), 100).unwrap_err();
        assert!(matches!(error, TraceError::NotRegular { what: "a symbolic link", .. }), "{error}");
        assert!(error.to_string().contains("trace.jsonl"), "{error}");
        let listed = entries(&dir).unwrap();
        assert_eq!(listed.iter().map(|e| (e.name.as_str(), e.kind)).collect::<Vec<_>>(), vec![
            ("secret", Kind::File),
            ("trace.jsonl", Kind::Other("a symbolic link")),
        ]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_fifo_or_a_device_is_refused_at_once() {
        let dir = scratch("fifo");
        let fifo = dir.join("pipeline-1.jsonl");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let started = std::time::Instant::now();
        let error = read(&fifo, 100).unwrap_err();
        assert!(matches!(error, TraceError::NotRegular { what: "a FIFO", .. }), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let error = read(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(matches!(error, TraceError::NotRegular { what: "a device", .. }), "{error}");
        assert!(matches!(read(&dir, 100).unwrap_err(), TraceError::NotRegular { what: "a directory", .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_over_the_limit_is_refused_naming_file_and_limit() {
        let dir = scratch("large");
        let file = dir.join("harness.jsonl");
        std::fs::write(&file, vec![b'x'; 101]).unwrap();
        let error = read(&file, 100).unwrap_err().to_string();
        assert!(error.contains("harness.jsonl") && error.contains("100 bytes"), "{error}");
        assert_eq!(read(&file, 101).unwrap().len(), 101);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
