//! Traces: the one contract between a run and everything after it.
//!
//! A run writes `traces/<campaign>/<run>/` with one JSON-lines file per
//! writer: `harness.jsonl` (steps, faults, snapshots, drain, the checker's
//! reads), `workload.jsonl` (every delivery report), `pipeline-N.jsonl`
//! (what a pipeline instance chose to record). The checker, the lineage
//! builder and the report read these files, never the cluster.
//!
//! Every line is one [`TraceLine`]: a wall-clock time in milliseconds since
//! the Unix epoch, the writer (`source`), the logical step when the writer
//! knows it (pipelines do not: their steps are assigned from the harness's
//! step boundaries when traces are loaded), and an [`Event`] tagged by
//! `type`. Example lines:
//!
//! ```text
//! {"time_ms":1764072000123,"source":"harness","step":2,"type":"step","step_index":2}
//! {"time_ms":1764072000456,"source":"workload","step":2,"type":"produced","id":"in-41","key":"k3","value":"w7","topic":"input","partition":1,"offset":20,"leader":2,"error":null}
//! {"time_ms":1764072000789,"source":"pipeline-1","type":"consumed","topic":"input","partition":1,"offset":20,"ids":["in-41"]}
//! {"time_ms":1764072000801,"source":"pipeline-1","type":"output","topic":"output","partition":0,"offset":7,"ids":["in-41"],"key":"k3"}
//! {"time_ms":1764072000810,"source":"pipeline-1","type":"committed","topic":"input","partition":1,"offset":21}
//! ```
//!
//! Pipelines may write their own events with the same schema: `consumed`,
//! `output`, `committed`, `restored` and `note`; anything with
//! `ids` lists the workload ids of the input records involved (the
//! `ldfi-id` header of each input).

mod io;

pub use io::{read_dir, read_file, write_atomic, TraceError, TraceWriter};

use serde::{Deserialize, Serialize};

use crate::cluster::Snapshot;
use crate::nemesis::{Fault, FaultPlan};

/// One line of a trace file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceLine {
    /// Wall time, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Writer: `harness`, `workload`, `pipeline-N`.
    pub source: String,
    /// Logical step, when the writer knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    #[serde(flatten)]
    pub event: Event,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The run began (harness).
    RunStarted {
        scenario: String,
        campaign: String,
        run: String,
        seed: u64,
        /// The fault plan, as JSON (see `nemesis::FaultPlan`).
        plan: serde_json::Value,
        /// Topic names as used in this run (they carry a run suffix).
        input_topic: String,
        output_topic: String,
        group: String,
        /// Property names checked after the run.
        properties: Vec<String>,
        /// Read outputs with read_committed.
        read_committed: bool,
        /// The workload's `acks`: `all` or `1`.
        #[serde(default)]
        acks: Option<String>,
        /// `min.insync.replicas` of the input topic as the run created it
        /// (the topic's setting, else the brokers', else Kafka's 1): at 2
        /// or more a leader cut off from its followers cannot acknowledge
        /// alone. Absent in older traces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input_min_isr: Option<u32>,
    },
    /// A step boundary (harness).
    Step { step_index: u32 },
    /// A fault was applied (harness).
    FaultApplied { fault: Fault },
    /// A fault was healed (harness).
    FaultHealed { fault: Fault },
    /// A fault could not be applied or healed (harness).
    FaultFailed { fault: Fault, error: String },
    /// The cluster as observed at a step boundary (harness).
    Snapshot { snapshot: Snapshot },
    /// A delivery report of the workload.
    Produced {
        id: String,
        key: String,
        value: String,
        topic: String,
        partition: Option<i32>,
        offset: Option<i64>,
        /// Leader of the partition when the record was acknowledged, as the
        /// producer's metadata had it.
        #[serde(default)]
        leader: Option<i32>,
        /// Set when the record was not acknowledged.
        error: Option<String>,
    },
    /// A pipeline consumed input records.
    Consumed { topic: String, partition: i32, offset: i64, ids: Vec<String> },
    /// A pipeline's output was acknowledged.
    Output {
        topic: String,
        partition: i32,
        offset: i64,
        ids: Vec<String>,
        #[serde(default)]
        key: Option<String>,
    },
    /// A pipeline committed an input offset (next offset to read).
    Committed { topic: String, partition: i32, offset: i64 },
    /// A pipeline restored state (e.g. word counts) at start.
    Restored { entries: u64 },
    /// A free-form note from any writer.
    Note { message: String },
    /// The drain ended (harness): caught up, or gave up after the bound.
    Drained { caught_up: bool, waited_ms: u64, detail: String },
    /// A record the checker read from an output topic (harness).
    CheckerRead {
        topic: String,
        partition: i32,
        offset: i64,
        key: Option<String>,
        value: Option<String>,
        /// Ids of the inputs this output derives from (`ldfi-id` header).
        ids: Vec<String>,
    },
    /// The run ended (harness).
    RunFinished { error: Option<String> },
}

/// The fault plan the harness recorded when the run started, if it did.
pub fn started_plan(lines: &[TraceLine]) -> Option<FaultPlan> {
    lines.iter().find_map(|l| match &l.event {
        Event::RunStarted { plan, .. } => serde_json::from_value(plan.clone()).ok(),
        _ => None,
    })
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
