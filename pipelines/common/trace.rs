//! The instance's own trace: what it consumed, what it got acknowledged,
//! what it committed, written with ldfi's trace writer so the lineage
//! builder reads pipeline lines with the same schema as everyone else's.
//!
//! Tracing never stops the pipeline: a write that fails is reported once
//! on stderr and the pipeline carries on, as a real one would.

use std::sync::atomic::{AtomicBool, Ordering};

use ldfi::trace::{Event, TraceWriter};

use super::record::Input;

/// Writes the instance's trace events, or nothing when `LDFI_TRACE` is unset.
pub struct Tracer {
    source: String,
    writer: Option<TraceWriter>,
    failed: AtomicBool,
}

impl Tracer {
    /// Opens the trace at `path` (none: trace nothing), writing as `source`.
    pub fn open(path: Option<&std::path::Path>, source: &str) -> Result<Tracer, String> {
        let writer = match path {
            None => None,
            Some(path) => Some(
                TraceWriter::open(path, source)
                    .map_err(|e| format!("LDFI_TRACE: cannot open {}: {e}", path.display()))?,
            ),
        };
        Ok(Tracer { source: source.to_string(), writer, failed: AtomicBool::new(false) })
    }

    fn write(&self, event: Event) {
        let Some(writer) = &self.writer else { return };
        if let Err(e) = writer.write(None, event) {
            if !self.failed.swap(true, Ordering::Relaxed) {
                eprintln!("trace: cannot write ({e}); carrying on without some trace lines");
            }
        }
    }

    /// One `consumed` line per input.
    pub fn consumed(&self, batch: &[Input]) {
        for input in batch {
            self.write(Event::Consumed {
                topic: input.topic.clone(),
                partition: input.partition,
                offset: input.offset,
                ids: input.ids(),
            });
        }
    }

    /// An output was acknowledged (or, in a transaction, committed).
    pub fn output(&self, topic: &str, partition: i32, offset: i64, id: Option<&str>, key: Option<&str>) {
        self.write(Event::Output {
            topic: topic.to_string(),
            partition,
            offset,
            ids: id.map(str::to_string).into_iter().collect(),
            key: key.map(str::to_string),
        });
    }

    /// Input offsets committed: `offsets` holds next offsets to read.
    pub fn committed(&self, topic: &str, offsets: &[(i32, i64)]) {
        for (partition, offset) in offsets {
            self.write(Event::Committed { topic: topic.to_string(), partition: *partition, offset: *offset });
        }
    }

    /// State restored at assignment.
    pub fn restored(&self, entries: u64) {
        self.write(Event::Restored { entries });
    }

    /// Something notable, also logged on stderr.
    pub fn note(&self, message: impl Into<String>) {
        let message = message.into();
        eprintln!("{}: {message}", self.source);
        self.write(Event::Note { message });
    }
}
