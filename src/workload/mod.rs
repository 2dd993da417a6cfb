//! The workload: records written by the harness with unique ids, every
//! delivery report kept, and every record read back.
//!
//! For now this holds the produce / read-back round trip the cluster is
//! checked with; the step-driven workload of a run builds on it.

mod read;
mod write;

pub use read::{read_all, ReadRecord};
pub use write::{produce, Acks, Delivery};

/// Header carrying a record's unique id, copied by pipelines onto outputs.
pub const ID_HEADER: &str = "ldfi-id";
