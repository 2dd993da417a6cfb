//! Writing and reading trace files.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use thiserror::Error;

use super::{now_ms, Event, TraceLine};

/// A trace that cannot be read.
#[derive(Debug, Error)]
pub enum TraceError {
    #[error("{file}: cannot read: {source}")]
    Io { file: PathBuf, #[source] source: std::io::Error },
    #[error("{file}:{line}: not a trace line: {message}\n  fix: each line must be one JSON object of the schema in src/trace/mod.rs (time_ms, source, type, ...)")]
    Malformed { file: PathBuf, line: usize, message: String },
    #[error("{dir}: no trace files (*.jsonl)\n  fix: give a run directory, traces/<campaign>/<run>")]
    Empty { dir: PathBuf },
}

/// Appends trace lines to one file, flushing each line so that nothing is
/// lost if the harness dies.
pub struct TraceWriter {
    source: String,
    file: Mutex<File>,
}

impl TraceWriter {
    /// Opens (creating or appending) `path`, writing as `source`.
    pub fn open(path: &Path, source: &str) -> std::io::Result<TraceWriter> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(TraceWriter { source: source.to_string(), file: Mutex::new(file) })
    }

    /// Writes one event now, at `step` if known.
    pub fn write(&self, step: Option<u32>, event: Event) -> std::io::Result<()> {
        let line = TraceLine { time_ms: now_ms(), source: self.source.clone(), step, event };
        let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
        text.push('\n');
        let mut file = self.file.lock().expect("trace lock");
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

/// Writes a file atomically: to a temporary file beside it, flushed, then
/// renamed over the target, so that a crash never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)
}

/// Reads one trace file.
pub fn read_file(path: &Path) -> Result<Vec<TraceLine>, TraceError> {
    let file = File::open(path).map_err(|source| TraceError::Io { file: path.to_path_buf(), source })?;
    let mut lines = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TraceError::Io { file: path.to_path_buf(), source })?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str(&line).map_err(|e| TraceError::Malformed {
            file: path.to_path_buf(),
            line: number + 1,
            message: e.to_string(),
        })?;
        lines.push(parsed);
    }
    Ok(lines)
}

/// Reads every `*.jsonl` file of a run directory, merged in time order
/// (stable: lines of one file keep their order).
pub fn read_dir(dir: &Path) -> Result<Vec<TraceLine>, TraceError> {
    let entries = std::fs::read_dir(dir).map_err(|source| TraceError::Io { file: dir.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    if files.is_empty() {
        return Err(TraceError::Empty { dir: dir.to_path_buf() });
    }
    files.sort();
    let mut all = Vec::new();
    for file in files {
        all.extend(read_file(&file)?);
    }
    all.sort_by_key(|l| l.time_ms);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_a_bad_line_names_file_and_line() {
        let dir = std::env::temp_dir().join(format!("ldfi-trace-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let writer = TraceWriter::open(&dir.join("harness.jsonl"), "harness").unwrap();
        writer.write(Some(1), Event::Step { step_index: 1 }).unwrap();
        writer.write(None, Event::Note { message: "hello".into() }).unwrap();
        let lines = read_dir(&dir).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].event, Event::Step { step_index: 1 });
        assert_eq!(lines[0].step, Some(1));

        std::fs::write(dir.join("pipeline-1.jsonl"), "{\"time_ms\":1,\"source\":\"p\",\"type\":\"consumed\"}\n").unwrap();
        let error = read_dir(&dir).unwrap_err().to_string();
        assert!(error.contains("pipeline-1.jsonl:1:"), "{error}");
        assert!(error.contains("fix:"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pipeline_lines_parse_without_a_step() {
        let line = r#"{"time_ms":5,"source":"pipeline-2","type":"output","topic":"out","partition":0,"offset":3,"ids":["in-1","in-2"]}"#;
        let parsed: TraceLine = serde_json::from_str(line).unwrap();
        assert_eq!(parsed.step, None);
        assert!(matches!(parsed.event, Event::Output { offset: 3, ref ids, .. } if ids.len() == 2));
    }
}
