//! A bound on what a client node may write into its trace directory.
//!
//! Each pipeline instance and the workload get their own directory of the
//! host, `traces/<campaign>/<run>/nodes/<node>/`, mounted read-write at
//! `/trace` (see [`crate::trace::node_dir`]). The pipeline is untrusted
//! code: it could write there until the host's disk is full, taking the
//! harness's own traces, the journal and everything else on that disk with
//! it. So while a run lasts, the harness measures each node's directory
//! ([`usage`]: regular files' sizes, no link followed, at most
//! [`MAX_NODE_DIR_ENTRIES`] entries looked at) every [`PERIOD`]; a node
//! past [`MAX_NODE_DIR_BYTES`] (or with more entries than that) is killed
//! at once ([`Watch`]), the run stops at the next step and ends without a
//! verdict, saying which node and which limit, and the node's directory is
//! removed once its container is gone (what it wrote there is no evidence
//! the harness could read: [`crate::trace::untrusted`] refuses files past
//! 256 MiB). The harness's own files (`harness.jsonl`, `otlp.jsonl`, the
//! nodes' logs, the verdict) are outside every node's directory and kept.
//!
//! How far past the limit a node gets is what it can write in one
//! [`PERIOD`] (about 1 GiB at a disk's speed), plus whatever it writes
//! between the last look and its removal at the end of the run, which is
//! looked at once more then.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::RunError;
use crate::cluster::Cluster;
use crate::model::NodeId;

/// The most bytes of regular files a client node may keep in its trace
/// directory during a run: 1 GiB. A real run's node traces are a few MiB
/// (the largest trace file of a run is the harness's OTLP recording, about
/// 30 MiB for 100,000 spans, and that one is not in a node's directory);
/// the trace reader reads at most 256 MiB of one node anyway.
pub const MAX_NODE_DIR_BYTES: u64 = 1 << 30;

/// The most entries (files, directories, links, anything) a node's
/// directory may hold: a directory of a million empty files fills a disk's
/// inodes without a byte, and would make every look at it slow.
pub const MAX_NODE_DIR_ENTRIES: u64 = 100_000;

/// Lowers [`MAX_NODE_DIR_BYTES`] for a test that must reach the limit
/// quickly (a number of bytes); a value above the limit, or not a number,
/// leaves it as it is. Not a scenario setting: a scenario could otherwise
/// lift the bound it is held to.
pub const LIMIT_VAR: &str = "LDFI_TEST_NODE_DIR_LIMIT_BYTES";

/// How often each node's directory is measured during a run.
pub const PERIOD: Duration = Duration::from_millis(500);

/// The byte limit in force: [`MAX_NODE_DIR_BYTES`], or lower as
/// [`LIMIT_VAR`] says.
pub fn limit() -> u64 {
    limit_from(std::env::var(LIMIT_VAR).ok().as_deref())
}

fn limit_from(var: Option<&str>) -> u64 {
    var.and_then(|v| v.trim().parse::<u64>().ok()).map_or(MAX_NODE_DIR_BYTES, |v| v.min(MAX_NODE_DIR_BYTES))
}

/// What a directory holds, as far as [`usage`] looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Sizes of the regular files, summed.
    pub bytes: u64,
    pub files: u64,
    /// Every entry met, of any kind.
    pub entries: u64,
    /// The walk stopped at `max_entries` entries: there are more.
    pub truncated: bool,
}

/// Measures `dir`: the sizes of the regular files below it, entering
/// subdirectories but no link (a link counts as an entry and nothing
/// more), at most `max_entries` entries. What vanishes or cannot be read
/// while the walk goes is skipped: a node may be writing.
pub fn usage(dir: &Path, max_entries: u64) -> Usage {
    let mut usage = Usage::default();
    let mut pending: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&next) else { continue };
        for entry in listing.flatten() {
            if usage.entries >= max_entries {
                usage.truncated = true;
                return usage;
            }
            usage.entries += 1;
            // The entry's own type: a link is a link, never its target.
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                if let Ok(meta) = std::fs::symlink_metadata(entry.path()) {
                    usage.bytes = usage.bytes.saturating_add(meta.len());
                    usage.files += 1;
                }
            }
        }
    }
    usage
}

/// A node found past its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub node: String,
    pub usage: Usage,
    pub limit: u64,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Breach { node, usage, limit } = self;
        if usage.truncated {
            write!(f, "{node} put more than {MAX_NODE_DIR_ENTRIES} entries in its trace directory (nodes/{node}), over the limit of {MAX_NODE_DIR_ENTRIES}")?;
        } else {
            write!(
                f,
                "{node} wrote {} in {} file(s) into its trace directory (nodes/{node}), over the limit of {}",
                bytes(usage.bytes),
                usage.files,
                bytes(*limit)
            )?;
        }
        write!(f, ": it was stopped and its directory removed, and the run has no verdict")
    }
}

/// `n` bytes in words: "1.5 GiB", "300 bytes".
fn bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    match UNITS.iter().find(|(_, size)| n >= *size) {
        Some((unit, size)) if n.is_multiple_of(*size) => format!("{} {unit}", n / size),
        Some((unit, size)) => format!("{:.1} {unit}", n as f64 / *size as f64),
        None => format!("{n} bytes"),
    }
}

/// The first of `nodes` (name, directory) past `limit` bytes or
/// [`MAX_NODE_DIR_ENTRIES`] entries.
pub fn first_over(nodes: &[(String, PathBuf)], limit: u64) -> Option<Breach> {
    nodes.iter().find_map(|(node, dir)| {
        let usage = usage(dir, MAX_NODE_DIR_ENTRIES);
        (usage.bytes > limit || usage.truncated).then(|| Breach { node: node.clone(), usage, limit })
    })
}

/// The run's outcome once its nodes are gone: with a node past its limit
/// (`breach`), that node's directory under `run_dir` is removed and the
/// outcome is the breach, whatever it was (the node's removal may be why
/// the pipeline never started); without one, `outcome` as it is.
pub fn settle(run_dir: &Path, breach: Option<Breach>, outcome: Result<(), RunError>) -> Result<(), RunError> {
    let Some(breach) = breach else { return outcome };
    let own = crate::trace::node_dir(run_dir, &breach.node);
    if let Err(e) = std::fs::remove_dir_all(&own) {
        tracing::warn!("cannot remove {}: {e}", own.display());
    }
    Err(RunError::NodeDirFull(breach))
}

/// Measures the run's node directories every [`PERIOD`] while the run
/// lasts, and kills the first node found past the limit. Dropped, it stops
/// watching.
pub struct Watch {
    breach: Arc<Mutex<Option<Breach>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Watch {
    /// Starts watching `nodes` (name, directory) of a run on `cluster`.
    pub fn start(cluster: &Cluster, nodes: Vec<(String, PathBuf)>, limit: u64) -> Watch {
        let breach = Arc::new(Mutex::new(None));
        let (cluster, found) = (cluster.clone(), Arc::clone(&breach));
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(PERIOD).await;
                let dirs = nodes.clone();
                let Ok(over) = tokio::task::spawn_blocking(move || first_over(&dirs, limit)).await else { return };
                let Some(over) = over else { continue };
                // Killed, not removed: its log is kept with the others when
                // the run removes its nodes.
                if let Ok(container) = cluster.container(&NodeId::client(over.node.as_str())) {
                    if let Err(e) = cluster.engine().kill(&container, "KILL").await {
                        tracing::warn!("cannot stop {}: {e}", over.node);
                    }
                }
                *found.lock().expect("breach lock") = Some(over);
                return;
            }
        });
        Watch { breach, task }
    }

    /// The node found past its limit so far, if any.
    pub fn breached(&self) -> Option<Breach> {
        self.breach.lock().expect("breach lock").clone()
    }

    /// Stops watching; the node found past its limit, if any.
    pub fn stop(&self) -> Option<Breach> {
        self.task.abort();
        self.breached()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str) -> PathBuf {
        crate::scratch::dir("quota", name)
    }

    fn file(path: &Path, len: usize) {
        std::fs::write(path, vec![b'x'; len]).unwrap();
    }

    #[test]
    fn regular_files_are_counted_in_nested_directories() {
        let dir = temp("nested");
        file(&dir.join("a.jsonl"), 100);
        std::fs::create_dir_all(dir.join("x/y/z")).unwrap();
        file(&dir.join("x/b"), 20);
        file(&dir.join("x/y/z/c"), 3);
        assert_eq!(usage(&dir, MAX_NODE_DIR_ENTRIES), Usage { bytes: 123, files: 3, entries: 6, truncated: false });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_link_is_followed_nor_counted_as_its_target() {
        let dir = temp("links");
        let outside = temp("links-outside");
        file(&outside.join("big"), 10_000);
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        file(&outside.join("sub/big"), 10_000);
        file(&dir.join("own"), 7);
        std::os::unix::fs::symlink(outside.join("big"), dir.join("to-file")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("to-dir")).unwrap();
        // A loop: followed, it would never end.
        std::os::unix::fs::symlink(&dir, dir.join("to-self")).unwrap();
        assert_eq!(usage(&dir, MAX_NODE_DIR_ENTRIES), Usage { bytes: 7, files: 1, entries: 4, truncated: false });
        // A FIFO is an entry, not a file to size.
        let fifo = std::ffi::CString::new(dir.join("fifo").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        assert_eq!(usage(&dir, MAX_NODE_DIR_ENTRIES).bytes, 7);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }

    #[test]
    fn a_walk_stops_at_its_entry_limit_and_says_so() {
        let dir = temp("many");
        for i in 0..2_000 {
            std::fs::create_dir_all(dir.join(format!("d{}", i % 10))).unwrap();
            file(&dir.join(format!("d{}/f{i}", i % 10)), 1);
        }
        let all = usage(&dir, MAX_NODE_DIR_ENTRIES);
        assert_eq!(all, Usage { bytes: 2_000, files: 2_000, entries: 2_010, truncated: false });
        let capped = usage(&dir, 500);
        assert!(capped.truncated && capped.entries == 500, "{capped:?}");
        // Past the entry limit is a breach, whatever the bytes.
        let nodes = vec![("pipeline-1".to_string(), dir.clone())];
        assert_eq!(first_over(&nodes, MAX_NODE_DIR_BYTES), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_growing_file_is_seen_growing_and_breaches_once_past_the_limit() {
        let dir = temp("growing");
        let quiet = temp("growing-quiet");
        file(&quiet.join("w.jsonl"), 10);
        let nodes = vec![("workload".to_string(), quiet.clone()), ("pipeline-1".to_string(), dir.clone())];
        let mut out = std::fs::File::create(dir.join("pipeline-1.jsonl")).unwrap();
        let mut seen = Vec::new();
        for _ in 0..4 {
            out.write_all(&[b'y'; 4096]).unwrap();
            out.flush().unwrap();
            seen.push(usage(&dir, MAX_NODE_DIR_ENTRIES).bytes);
        }
        assert_eq!(seen, [4096, 8192, 12288, 16384]);
        assert_eq!(first_over(&nodes, 16384), None, "at the limit is not past it");
        out.write_all(b"z").unwrap();
        let breach = first_over(&nodes, 16384).expect("past the limit");
        assert_eq!((breach.node.as_str(), breach.usage.bytes, breach.limit), ("pipeline-1", 16385, 16384));
        assert_eq!(
            breach.to_string(),
            "pipeline-1 wrote 16.0 KiB in 1 file(s) into its trace directory (nodes/pipeline-1), over the limit of 16 KiB: \
             it was stopped and its directory removed, and the run has no verdict"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&quiet).unwrap();
    }

    #[test]
    fn a_node_past_its_limit_ends_the_run_without_a_verdict_and_only_its_own_directory_goes() {
        let run = temp("settle");
        let started = r#"{"time_ms":1,"source":"harness","step":0,"type":"run_started","scenario":"s","campaign":"c","run":"r1","seed":0,"plan":{"seed":0,"faults":[]},"input_topic":"in","output_topic":"out","group":"g","properties":["no-lost-acked"],"read_committed":false}"#;
        let drained = r#"{"time_ms":3,"source":"harness","step":1,"type":"drained","caught_up":true,"waited_ms":1,"detail":""}"#;
        let read = r#"{"time_ms":4,"source":"harness","step":1,"type":"checker_read","topic":"out","partition":0,"offset":0,"key":"k","value":"v","ids":["in-0"]}"#;
        std::fs::write(run.join("harness.jsonl"), format!("{started}\n{drained}\n{read}\n")).unwrap();
        std::fs::write(run.join("pipeline-1.log"), "what it printed").unwrap();
        let produced = r#"{"time_ms":2,"source":"workload","step":0,"type":"produced","id":"in-0","key":"k","value":"v","topic":"in","partition":0,"offset":0,"error":null}"#;
        let workload = crate::trace::node_dir(&run, "workload");
        std::fs::create_dir_all(&workload).unwrap();
        std::fs::write(workload.join("workload.jsonl"), format!("{produced}\n")).unwrap();
        let pipeline = crate::trace::node_dir(&run, "pipeline-1");
        std::fs::create_dir_all(&pipeline).unwrap();
        file(&pipeline.join("pipeline-1.jsonl"), 5_000);
        let nodes = vec![("workload".to_string(), workload.clone()), ("pipeline-1".to_string(), pipeline.clone())];

        // Without a breach the outcome stands, and so does every directory.
        assert!(settle(&run, first_over(&nodes, 1 << 20), Ok(())).is_ok());
        assert!(pipeline.is_dir());

        let outcome = settle(&run, first_over(&nodes, 4_096), Err(RunError::PipelineNeverStarted("gone".into())));
        let Err(RunError::NodeDirFull(breach)) = &outcome else { panic!("{outcome:?}") };
        assert_eq!(breach.node, "pipeline-1");
        assert!(!pipeline.exists(), "the node's own directory is removed");
        assert!(workload.join("workload.jsonl").is_file() && run.join("pipeline-1.log").is_file(), "nothing else is");
        // The run then finishes as every run does, and is judged from its
        // traces: no verdict, with the reason.
        let error = outcome.unwrap_err().to_string();
        let finished = serde_json::json!({"time_ms": 5, "source": "harness", "type": "run_finished", "error": error});
        let mut harness = std::fs::read_to_string(run.join("harness.jsonl")).unwrap();
        harness.push_str(&format!("{finished}\n"));
        std::fs::write(run.join("harness.jsonl"), harness).unwrap();
        let (history, verdict) = super::super::check_dir(&run).unwrap();
        assert_eq!(verdict.verdict, crate::checker::Verdict::Unknown);
        let reason = history.run_error.unwrap();
        assert!(reason.starts_with("pipeline-1 wrote 4.9 KiB in 1 file(s) into its trace directory (nodes/pipeline-1), over the limit of 4 KiB"), "{reason}");
        std::fs::remove_dir_all(&run).unwrap();
    }

    #[test]
    fn the_test_variable_only_lowers_the_limit() {
        assert_eq!(limit_from(None), MAX_NODE_DIR_BYTES);
        assert_eq!(limit_from(Some("1048576")), 1 << 20);
        assert_eq!(limit_from(Some("99999999999999")), MAX_NODE_DIR_BYTES);
        assert_eq!(limit_from(Some("lots")), MAX_NODE_DIR_BYTES);
        assert_eq!(bytes(MAX_NODE_DIR_BYTES), "1 GiB");
        assert_eq!(bytes(1536 << 20), "1.5 GiB");
        assert_eq!(bytes(300), "300 bytes");
    }
}
