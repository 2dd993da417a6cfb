//! OpenTelemetry spans as lineage: an OTLP/HTTP receiver for the run.
//!
//! Pipelines that ldfi did not write (a Kafka Streams app under the
//! OpenTelemetry Java agent, a service on any OTel SDK) cannot record
//! `consumed`/`output` events themselves, but their instrumentation already
//! says which record a publish came from: a process span's trace context
//! rode in the record's headers, and its attributes name the topic,
//! partition and offset. The receiver takes those exports during a run and
//! writes them as [`Event::Span`](crate::trace::Event::Span) lines to the
//! run's `otlp.jsonl` (source `otlp`), so the lineage builder reads spans
//! offline like every other trace.
//!
//! Spans are exported in batches, so an instance killed by a fault loses
//! its last batch: missing spans are expected, and the lineage falls back
//! on what Kafka itself recorded (the workload's deliveries, the checker's
//! reads, the group's committed offsets).
//!
//! - [`mod@convert`]: an export request to trace lines (pure);
//! - [`receiver`]: the HTTP endpoint and the recording.

pub mod convert;
mod decode;
mod json;
pub mod receiver;

pub use convert::convert;
pub use decode::DecodeError;
pub use receiver::{OtlpError, OtlpReceiver, ReceiverStats};

#[cfg(test)]
mod tests;
