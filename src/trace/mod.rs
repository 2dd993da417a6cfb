//! Traces: the one contract between a run and everything after it.
//!
//! A run writes `traces/<campaign>/<run>/` with one JSON-lines file per
//! writer: the harness's own beside its other files (`harness.jsonl`:
//! steps, faults, snapshots, drain, the checker's reads; `otlp.jsonl`: the
//! spans it received), and each client node's in a directory of its own,
//! the only one it can write (`nodes/workload/workload.jsonl`: every
//! delivery report; `nodes/pipeline-N/pipeline-N.jsonl`: what a pipeline
//! instance chose to record). The checker, the lineage builder and the
//! report read these files, never the cluster, and read them as hostile
//! input (see `read`).
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
//! `ldfi-id` header of each input). A pipeline that writes none of them is
//! still seen: the harness's OTLP receiver records the Kafka spans of an
//! instrumented instance in `otlp.jsonl` ([`Event::Span`]), and the
//! harness's own snapshots carry the group's assignment and committed
//! offsets (see the README's "Test your own pipeline").

mod error;
mod names;
pub mod phases;
pub mod place;
mod read;
pub mod untrusted;
mod write;

pub use error::TraceError;
pub use names::RunNames;
pub use phases::Phases;
pub use read::{node_dir, parse_lines, read_dir, read_file, MAX_STEP, NODES};
pub use write::{sync_dir, write_atomic, TraceWriter};

use serde::{Deserialize, Serialize};

use crate::model::{Fault, FaultPlan, Snapshot};

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

/// One later stage of a chain, as a run names it: the topic it reads
/// (the stage before's output), the topic it writes, and its group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageNames {
    pub input_topic: String,
    pub output_topic: String,
    pub group: String,
}

/// Whether a run's `[checker]` is empty, as serde hands the boxed field.
#[allow(clippy::borrowed_box)]
fn no_expectations(checker: &Box<crate::model::Expectations>) -> bool {
    checker.is_empty()
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
        /// The fault plan, as JSON (see `model::FaultPlan`).
        plan: serde_json::Value,
        /// Topic names as used in this run (they carry a run suffix): the
        /// input the workload writes, the output the checker reads (a
        /// chain's last), and the first stage's group.
        input_topic: String,
        output_topic: String,
        group: String,
        /// The other topics the checker reads beside `output_topic` (the
        /// branches of a `split`, a stream written to several topics), as
        /// this run names them. Absent for one output and in older traces.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        more_outputs: Vec<String>,
        /// A chain's later stages, as this run names them. Absent for a
        /// single pipeline and in older traces.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        stages: Vec<StageNames>,
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
        /// How the pipeline encodes the values the checker reads (counts
        /// as decimal text, an 8-byte big-endian long, a JSON number).
        /// Absent in older traces: text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value_format: Option<ValueFormat>,
        /// How the pipeline encodes the output keys (text, or Kafka
        /// Streams' windowed serde). Absent in older traces: text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_format: Option<KeyFormat>,
        /// What the checker must know of the pipeline's function (the
        /// scenario's `[checker]`). Absent when nothing is set.
        /// Boxed: the largest field of the largest variant, which comes
        /// once per trace, while every line of a trace takes the size of
        /// the largest variant.
        #[serde(default, skip_serializing_if = "no_expectations")]
        checker: Box<crate::model::Expectations>,
        /// The workload's second topic as this run names it (a join's
        /// table or other stream). Absent when there is none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        side_topic: Option<String>,
        /// How long the run took before this line: its directory, a clean
        /// slate for fixed names, the topics created. Absent in older
        /// traces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        setup_ms: Option<u64>,
    },
    /// A client node got its address (harness): a group member's host is
    /// that address, which tells which instance owns which partitions.
    NodeAddress { node: String, address: String },
    /// A step boundary (harness).
    Step { step_index: u32 },
    /// A fault was applied (harness).
    FaultApplied { fault: Fault },
    /// A fault was healed (harness).
    FaultHealed { fault: Fault },
    /// A fault could not be applied or healed (harness).
    FaultFailed { fault: Fault, error: String },
    /// How a crash in flight landed (harness), after its `fault_applied`:
    /// the first sign of its instance's work that set it off, or none when
    /// it landed at its deadline with no work seen, between batches.
    Landed {
        fault: Fault,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sign: Option<String>,
        after_ms: u64,
    },
    /// The cluster as observed at a step boundary (harness).
    Snapshot {
        snapshot: Snapshot,
        /// How long the observer took to answer (the step's cost of
        /// observing). Absent in older traces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        took_ms: Option<u64>,
    },
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
        /// The record's timestamp (event time), ms since the epoch. Absent
        /// in older traces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timestamp_ms: Option<i64>,
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
    Drained {
        caught_up: bool,
        waited_ms: u64,
        detail: String,
        /// Of `waited_ms`, the wait after the pipeline had caught up, for
        /// its output to stay unchanged. Absent in older traces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quiet_ms: Option<u64>,
        /// The pipeline's (first stage's) committed offsets on its input,
        /// `[partition, offset]` pairs, when the drain ended. Absent in
        /// older traces.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        committed: Vec<(i32, i64)>,
    },
    /// A record the checker read from an output topic (harness).
    CheckerRead {
        topic: String,
        partition: i32,
        offset: i64,
        key: Option<String>,
        value: Option<String>,
        /// Ids of the inputs this output derives from (`ldfi-id` header).
        ids: Vec<String>,
        /// The value's bytes in lowercase hex when they are not UTF-8
        /// (`value` is then absent): an 8-byte long often is not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value_hex: Option<String>,
        /// The key's bytes in lowercase hex when they are not UTF-8 (`key`
        /// is then absent): a windowed key ends in an 8-byte window start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_hex: Option<String>,
    },
    /// A span an instrumented client exported over OTLP to the harness's
    /// receiver (`otlp.jsonl`, source `otlp`): a Kafka publish or process
    /// as OpenTelemetry's messaging conventions name it. The line's
    /// `time_ms` is the span's end.
    Span(Span),
    /// The run ended (harness).
    RunFinished { error: Option<String> },
}

/// One messaging span, as the harness's OTLP receiver recorded it: the
/// attributes that place a record in Kafka (topic, partition, offset) and
/// the trace context that ties a process to the publishes it caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The exporting service (`service.name`): ldfi names each instance's
    /// service after the instance (`pipeline-1`).
    pub service: String,
    /// Trace id, lowercase hex (32 digits).
    pub trace_id: String,
    /// Span id, lowercase hex (16 digits).
    pub span_id: String,
    /// The parent span's id, if any (a process span's parent is the
    /// publish span whose context rode in the record's headers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<String>,
    /// Linked spans' ids (batch receives link to each record's publish).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// The span's name (`words process`).
    pub name: String,
    /// `messaging.operation` (or its newer names), read as one of ours.
    pub operation: SpanOperation,
    /// `messaging.destination.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// `messaging.destination.partition.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<i32>,
    /// `messaging.kafka.message.offset` (on a publish: the offset the
    /// record got).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// `messaging.kafka.consumer.group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `messaging.kafka.message.key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Start, milliseconds since the Unix epoch.
    pub start_ms: u64,
    /// End, milliseconds since the Unix epoch.
    pub end_ms: u64,
    /// The span's status was an error (a publish that failed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub error: bool,
}

/// What a messaging span did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanOperation {
    /// A record was written (`publish`, `send`, `create`).
    Publish,
    /// A record was handled (`process`).
    Process,
    /// Records were fetched (`receive`, `poll`).
    Receive,
    /// Anything else.
    Other,
}

/// How a pipeline encodes the output values a checker reads as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueFormat {
    /// Decimal text (`"12"`), as a string serializer writes it.
    #[default]
    Text,
    /// An 8-byte big-endian two's-complement long (Kafka's `Serdes.Long()`).
    Long,
    /// A 4-byte big-endian two's-complement int (Kafka's `Serdes.Integer()`).
    Int,
    /// A JSON number (`12`, `12.0`).
    Json,
    /// An 8-byte big-endian IEEE 754 double (Kafka's `Serdes.Double()`),
    /// whole-valued.
    Double,
}

impl ValueFormat {
    /// Every format, as scenario files and messages list them.
    pub const ALL: [ValueFormat; 5] = [ValueFormat::Text, ValueFormat::Long, ValueFormat::Int, ValueFormat::Json, ValueFormat::Double];

    /// The format a scenario file names, if any.
    pub fn named(name: &str) -> Option<ValueFormat> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            ValueFormat::Text => "text",
            ValueFormat::Long => "long",
            ValueFormat::Int => "int",
            ValueFormat::Json => "json",
            ValueFormat::Double => "double",
        }
    }
}

/// How a pipeline encodes the keys of its output records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyFormat {
    /// The key as text (`Serdes.String()`), whatever it holds.
    #[default]
    Text,
    /// Kafka Streams' time-windowed serde of a string key
    /// (`WindowedSerdes.timeWindowedSerdeFrom(String.class, size)`): the
    /// key's UTF-8 bytes, then the window's start as an 8-byte big-endian
    /// long (ms since the epoch).
    Windowed,
    /// Kafka Streams' session-windowed serde of a string key
    /// (`WindowedSerdes.sessionWindowedSerdeFrom(String.class)`): the key's
    /// UTF-8 bytes, then the session's end and its start, each an 8-byte
    /// big-endian long.
    Session,
}

impl KeyFormat {
    /// Every format, as scenario files and messages list them.
    pub const ALL: [KeyFormat; 3] = [KeyFormat::Text, KeyFormat::Windowed, KeyFormat::Session];

    /// The format a scenario file names, if any.
    pub fn named(name: &str) -> Option<KeyFormat> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::Text => "text",
            KeyFormat::Windowed => "windowed",
            KeyFormat::Session => "session",
        }
    }
}

/// The fault plan the harness recorded when the run started, if it did.
pub fn started_plan(lines: &[TraceLine]) -> Option<FaultPlan> {
    lines.iter().find_map(|l| match &l.event {
        Event::RunStarted { plan, .. } => serde_json::from_value(plan.clone()).ok(),
        _ => None,
    })
}

/// The client nodes' addresses the harness recorded: address → node name.
pub fn node_addresses(lines: &[TraceLine]) -> std::collections::HashMap<String, String> {
    lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::NodeAddress { node, address } => Some((address.clone(), node.clone())),
            _ => None,
        })
        .collect()
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
