//! The workload: records written by the harness with unique ids, every
//! delivery report kept, and every record read back.
//!
//! In a run, the harness drives the workload step by step: each step's
//! batch is produced by `ldfi workload produce`, executed inside the
//! `workload` client node so that faults can target the workload like any
//! other client, and every delivery report goes to the run's trace.

mod batch;
mod read;
mod write;

pub use batch::{batch, mix, side_batch, Keys, Values};
pub use read::{open_transactions, raw_value, read_all, ReadRecord};
pub use write::{produce, Acks, Delivery, WorkloadRecord};

/// Header carrying a record's unique id, copied by pipelines onto outputs.
pub const ID_HEADER: &str = "ldfi-id";
