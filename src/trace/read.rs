//! Reading a run's traces back, as the hostile input they may be.
//!
//! A run directory holds two kinds of trace (see [`node_dir`] for why):
//!
//! - the harness's own, directly in `traces/<campaign>/<run>/`
//!   (`harness.jsonl`, `otlp.jsonl`), which no container can reach: every
//!   line is taken as written;
//! - each client node's, in `nodes/<node>/` (`nodes/pipeline-1/`,
//!   `nodes/workload/`), the only directory that node can write. Such a
//!   directory can hold only what its node could truthfully say, so a line
//!   from it is kept only when its `source` is the node's name and its
//!   event is one a client writes (`produced` from the workload;
//!   `consumed`, `output`, `committed`, `restored` from a pipeline
//!   instance; `note` from either). Any other line (a forged `harness`
//!   step, a `checker_read`, a line signed as another node) is dropped with
//!   a warning naming the file, not refused: refusing would let any
//!   pipeline turn every run into one without a verdict, and what is
//!   dropped never reaches the verdict, which stands on the harness's and
//!   the workload's lines alone. Anything in a node's directory that is
//!   not a regular file (a link, a FIFO) is skipped with a warning too.
//!
//! A run recorded before nodes had directories of their own has every
//! trace directly in the run directory; those files are read as they were
//! written, with the same limits.
//!
//! Every file is opened through [`super::untrusted`]: no link followed,
//! regular files only, at most [`MAX_FILE_BYTES`] (per file, and per
//! node's directory in all). Within a file, a torn last line (no newline
//! at its end and not a whole JSON object: its writer was killed
//! mid-write) is skipped with a warning; any other line that is not a
//! trace line is an error naming the file and line. So are a step above
//! [`MAX_STEP`] and a second `run_started` (it would silently replace
//! the run's topics, plan and properties).

use std::path::{Path, PathBuf};

use super::untrusted::{self, Kind, MAX_FILE_BYTES};
use super::{Event, TraceError, TraceLine};

/// The largest step a trace line may name. Scenarios run at most 100
/// steps (`faults.eot`), each at least a batch and a snapshot of real
/// time; 10,000 leaves a hundredfold margin. Lineage builds facts for
/// every step of a record's life, so a step number from a file must never
/// be trusted to be small: a line beyond this is a data error, and the
/// lineage clamps what remains to the steps the harness recorded.
pub const MAX_STEP: u32 = 10_000;

/// The folder of a run directory that holds one folder per client node.
pub const NODES: &str = "nodes";

/// The directory client node `node` writes its traces in, and the only one
/// of the run's it can reach: it is mounted at `/trace` in the node's
/// container. The harness never writes there (so nothing a node plants can
/// redirect a harness write), and no node can reach the harness's traces,
/// another node's, or the verdict.
pub fn node_dir(run_dir: &Path, node: &str) -> PathBuf {
    run_dir.join(NODES).join(node)
}

/// Reads one trace file, every line taken as written (a harness trace).
pub fn read_file(path: &Path) -> Result<Vec<TraceLine>, TraceError> {
    read_run_file(path, &mut None)
}

/// The trace lines of a trace file's bytes, every line taken as written,
/// as [`read_file`] reads them; `file` names the file in errors.
pub fn parse_lines(file: &Path, bytes: &[u8]) -> Result<Vec<TraceLine>, TraceError> {
    parse(file, bytes, &mut None)
}

/// Where a run's `run_started` line was seen: a run starts once, and a
/// second start would silently replace what the first said.
type Started = Option<(PathBuf, usize)>;

fn read_run_file(path: &Path, started: &mut Started) -> Result<Vec<TraceLine>, TraceError> {
    let bytes = untrusted::read(path, MAX_FILE_BYTES)?;
    parse(path, &bytes, started)
}

/// Reads every trace of a run directory (module doc), merged in time order
/// (stable: lines of one file keep their order).
pub fn read_dir(dir: &Path) -> Result<Vec<TraceLine>, TraceError> {
    let mut all = Vec::new();
    let mut files = 0;
    let mut started = None;
    for entry in untrusted::entries(dir)? {
        match entry.kind {
            Kind::File if entry.name.ends_with(".jsonl") => {
                all.extend(read_run_file(&entry.path, &mut started)?);
                files += 1;
            }
            Kind::Other(what) if entry.name.ends_with(".jsonl") => {
                tracing::warn!("{}: {what}, not a regular file: skipped", entry.path.display());
            }
            _ => {}
        }
    }
    let nodes = dir.join(NODES);
    if let Some(Kind::Other(what)) = untrusted::kind(&nodes) {
        tracing::warn!("{}: {what}, not the nodes' directory: skipped", nodes.display());
    }
    if untrusted::kind(&nodes) == Some(Kind::Dir) {
        for node in untrusted::entries(&nodes)? {
            match node.kind {
                Kind::Dir if is_node_name(&node.name) => {
                    let (lines, read) = read_node(&node.path, &node.name, MAX_FILE_BYTES)?;
                    all.extend(lines);
                    files += read;
                }
                _ => tracing::warn!("{}: not a node's trace directory: skipped", node.path.display()),
            }
        }
    }
    if files == 0 {
        return Err(TraceError::Empty { dir: dir.to_path_buf() });
    }
    all.sort_by_key(|l| l.time_ms);
    Ok(all)
}

/// The lines node `node` wrote in its directory that it may have written
/// (module doc), and how many files were read: at most `limit` bytes in
/// all.
fn read_node(dir: &Path, node: &str, limit: u64) -> Result<(Vec<TraceLine>, usize), TraceError> {
    let mut budget = limit;
    let (mut kept, mut files) = (Vec::new(), 0);
    for entry in untrusted::entries(dir)?.into_iter().filter(|e| e.name.ends_with(".jsonl")) {
        let bytes = match untrusted::read(&entry.path, budget) {
            Ok(bytes) => bytes,
            Err(TraceError::NotRegular { file, what }) => {
                tracing::warn!("{}: {what}, not a regular file: skipped", file.display());
                continue;
            }
            Err(TraceError::TooLarge { file, .. }) => return Err(TraceError::TooLarge { file, limit }),
            Err(e) => return Err(e),
        };
        budget -= bytes.len() as u64;
        files += 1;
        let lines = parse(&entry.path, &bytes, &mut None)?;
        let total = lines.len();
        let before = kept.len();
        kept.extend(lines.into_iter().filter(|line| may_write(node, line)));
        let dropped = total - (kept.len() - before);
        if dropped > 0 {
            tracing::warn!(
                "{}: {dropped} of {total} lines dropped: only {node}'s own client events (source {node:?}) are read from its directory",
                entry.path.display(),
            );
        }
    }
    Ok((kept, files))
}

/// A client node's name as the harness gives it (`pipeline-1`,
/// `workload`): letters, digits, '-' and '_'.
fn is_node_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether client node `node` may have written `line`: signed as itself,
/// with an event a client writes.
fn may_write(node: &str, line: &TraceLine) -> bool {
    if line.source != node {
        return false;
    }
    match line.event {
        Event::Note { .. } => true,
        Event::Produced { .. } => node == "workload",
        Event::Consumed { .. } | Event::Output { .. } | Event::Committed { .. } | Event::Restored { .. } => node != "workload",
        _ => false,
    }
}

/// The trace lines of one file's bytes (module doc); a `run_started` after
/// the one in `started` is an error.
fn parse(file: &Path, bytes: &[u8], started: &mut Started) -> Result<Vec<TraceLine>, TraceError> {
    let malformed = |line: usize, message: String| TraceError::Malformed { file: file.to_path_buf(), line, message };
    let mut lines = Vec::new();
    let mut rest = bytes;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let (text, torn) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => {
                let text = &rest[..end];
                rest = &rest[end + 1..];
                (text, false)
            }
            None => (std::mem::take(&mut rest), true),
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<TraceLine>(t).map_err(|e| e.to_string()));
        let line = match parsed {
            Ok(line) => line,
            Err(_) if torn => {
                tracing::warn!("{}:{number}: torn last line (its writer stopped mid-line): skipped", file.display());
                continue;
            }
            Err(message) => return Err(malformed(number, message)),
        };
        let step = match line.event {
            Event::Step { step_index } => line.step.max(Some(step_index)),
            _ => line.step,
        };
        if let Some(step) = step.filter(|s| *s > MAX_STEP) {
            return Err(TraceError::StepOutOfRange { file: file.to_path_buf(), line: number, step });
        }
        if matches!(line.event, Event::RunStarted { .. }) {
            if let Some((first, at)) = started {
                return Err(TraceError::StartedTwice { file: file.to_path_buf(), line: number, first: first.clone(), first_line: *at });
            }
            *started = Some((file.to_path_buf(), number));
        }
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests;
