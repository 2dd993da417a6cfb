//! Writing the harness's own files: the one way ldfi puts a file on disk.
//!
//! A whole file (plan.json, verdict.json, a node's log, a report) is
//! written by [`write_atomic`]: into a temporary file beside its target,
//! created exclusively under a random name (the `tempfile` crate: `O_EXCL`,
//! so nothing planted under a guessed name is opened, and a link there is
//! never followed), flushed to disk, renamed over the target (a rename
//! replaces a link at the target, it does not write through it), and then
//! the directory is flushed so that the rename survives a crash. A reader
//! sees the old file or the new one, never half of one.
//!
//! A trace that grows during a run (harness.jsonl) is appended to by a
//! [`TraceWriter`], which opens its file without following a link and
//! refuses anything but a regular file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

use super::{now_ms, Event, TraceLine};

/// Writes a file atomically (see the module doc); its directory is created
/// if missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if path.file_name().is_none() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{}: not a file name", path.display())));
    }
    std::fs::create_dir_all(dir)?;
    let mut temporary = tempfile::Builder::new().prefix(".ldfi-").suffix(".tmp").tempfile_in(dir)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Flushes a directory's entries (a rename or a new file in it) to disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC).open(dir)?.sync_all()
}

/// Appends trace lines to one file, flushing each line so that nothing is
/// lost if the harness dies.
pub struct TraceWriter {
    source: String,
    file: Mutex<File>,
}

impl TraceWriter {
    /// Opens (creating or appending) `path`, writing as `source`. A link,
    /// FIFO or device at `path` is refused.
    pub fn open(path: &Path, source: &str) -> std::io::Result<TraceWriter> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)?;
        if !file.metadata()?.file_type().is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{}: not a regular file; a trace is written to regular files only", path.display()),
            ));
        }
        Ok(TraceWriter { source: source.to_string(), file: Mutex::new(file) })
    }

    /// Writes one event now, at `step` if known.
    pub fn write(&self, step: Option<u32>, event: Event) -> std::io::Result<()> {
        let line = TraceLine { time_ms: now_ms(), source: self.source.clone(), step, event };
        let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
        text.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        crate::scratch::dir("write", name)
    }

    /// The exploit of the old writer: a link planted under the temporary
    /// name it would use (`.NAME.<pid>.tmp`) got the host file it pointed
    /// to overwritten.
    #[test]
    fn a_planted_link_under_a_guessed_temporary_name_is_left_alone() {
        let dir = scratch("planted");
        let canary = dir.join("canary");
        std::fs::write(&canary, "host file").unwrap();
        for name in [format!(".verdict.json.{}.tmp", std::process::id()), ".ldfi-verdict.tmp".into()] {
            std::os::unix::fs::symlink(&canary, dir.join(name)).unwrap();
        }
        write_atomic(&dir.join("verdict.json"), b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "host file");
        assert_eq!(std::fs::read_to_string(dir.join("verdict.json")).unwrap(), "{}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_link_at_the_target_is_replaced_not_written_through() {
        let dir = scratch("target");
        let canary = dir.join("canary");
        std::fs::write(&canary, "host file").unwrap();
        std::os::unix::fs::symlink(&canary, dir.join("report.html")).unwrap();
        write_atomic(&dir.join("report.html"), b"<html>").unwrap();
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "host file");
        assert!(std::fs::symlink_metadata(dir.join("report.html")).unwrap().file_type().is_file());
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "no temporary file left behind: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_trace_writer_refuses_a_link_and_a_fifo() {
        let dir = scratch("writer");
        let canary = dir.join("canary");
        std::fs::write(&canary, "host file").unwrap();
        std::os::unix::fs::symlink(&canary, dir.join("harness.jsonl")).unwrap();
        assert!(TraceWriter::open(&dir.join("harness.jsonl"), "harness").is_err());
        let fifo = std::ffi::CString::new(dir.join("otlp.jsonl").as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        assert!(TraceWriter::open(&dir.join("otlp.jsonl"), "harness").is_err());
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "host file");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
