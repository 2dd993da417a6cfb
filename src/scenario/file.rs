//! Reading a scenario file, and the templates it names, as what they must
//! be: small regular text files. A FIFO would block the first read forever
//! (even its open, without `O_NONBLOCK`), `/dev/zero` would never end and a
//! directory cannot be read, so the type is checked on the opened handle
//! before a byte is read, and no more than a cap is ever read.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use thiserror::Error;

/// The largest scenario file read: a scenario is a page of TOML.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Why a file could not be read as text.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("is larger than {}", size(*.limit))]
    TooLarge { limit: u64 },
    #[error("is not UTF-8 text (invalid byte at offset {0})")]
    NotText(usize),
}

/// `n` bytes in words: `1 MiB`, `64 KiB`, `100 bytes`.
pub fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// The text of the regular file at `path` (symbolic links followed: the
/// user names their own files), at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular(if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a special file"
        }));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotText(e.utf8_error().valid_up_to()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_text_files_are_read() {
        let dir = std::env::temp_dir().join(format!("ldfi-read-text-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("s.toml");
        std::fs::write(&text, "name = \"x\"\n").unwrap();
        assert_eq!(read_text(&text, 100).unwrap(), "name = \"x\"\n");
        assert!(matches!(read_text(&text, 4), Err(ReadError::TooLarge { limit: 4 })));
        assert!(matches!(read_text(&dir, 100), Err(ReadError::NotRegular("a directory"))));
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(read_text(&fifo, 100), Err(ReadError::NotRegular("a FIFO (named pipe)"))));
        assert!(matches!(read_text(Path::new("/dev/zero"), 100), Err(ReadError::NotRegular("a character device"))));
        std::fs::write(&text, b"a\xffb").unwrap();
        assert!(matches!(read_text(&text, 100), Err(ReadError::NotText(1))));
        assert!(matches!(read_text(&dir.join("missing"), 100), Err(ReadError::Io(_))));
        let _ = std::fs::remove_dir_all(dir);
    }
}
