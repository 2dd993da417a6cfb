//! Why a run's traces could not be read: each names the file (and line)
//! and says what to do.

use std::path::PathBuf;

use thiserror::Error;

use super::read::MAX_STEP;

/// A trace that cannot be read.
#[derive(Debug, Error)]
pub enum TraceError {
    #[error("{file}: cannot read: {source}")]
    Io { file: PathBuf, #[source] source: std::io::Error },
    #[error("{file}: {what}, not a regular file\n  fix: ldfi reads traces from regular files only and follows no link; replace it by the file itself")]
    NotRegular { file: PathBuf, what: &'static str },
    #[error("{file}: over {limit} bytes, the most ldfi reads of one trace file or of one node's trace directory\n  fix: this is no trace a run writes; remove it, or cut the run's traces down")]
    TooLarge { file: PathBuf, limit: u64 },
    #[error("{file}:{line}: not a trace line: {message}\n  fix: each line must be one JSON object of the schema in src/trace/mod.rs (time_ms, source, type, ...)")]
    Malformed { file: PathBuf, line: usize, message: String },
    #[error("{file}:{line}: step {step} is beyond {MAX_STEP}, the last step a trace may name\n  fix: a run has at most 100 steps (faults.eot); this line is no run's")]
    StepOutOfRange { file: PathBuf, line: usize, step: u32 },
    #[error("{file}:{line}: run_started twice (the first is {first}:{first_line}): these are the traces of two runs\n  fix: one run directory holds one run; re-run it into a directory of its own")]
    StartedTwice { file: PathBuf, line: usize, first: PathBuf, first_line: usize },
    #[error("{dir}: no trace files (*.jsonl)\n  fix: give a run directory, traces/<campaign>/<run>")]
    Empty { dir: PathBuf },
}
