//! # ldfi — lineage-driven fault injection for Kafka pipelines
//!
//! ldfi starts a real Apache Kafka cluster in containers, runs a pipeline and
//! a workload against it, and breaks the cluster on purpose. The modules
//! follow the loop of a campaign:
//!
//! - [`model`]: the plain vocabulary under everything (nodes and roles,
//!   faults and fault plans, snapshots), serde data that touches no
//!   container;
//! - [`engine`]: the container engine (Docker) that every real part runs on,
//!   and the cleanup of anything ldfi left behind;
//! - [`cluster`]: a multi-broker KRaft cluster, client nodes with their own
//!   addresses, topics, and snapshots of what the cluster believes;
//! - [`nemesis`]: fault injection as plain values with paired verbs
//!   (crash/restart, stop/start, pause/resume, cut/heal);
//! - [`otlp`]: an OTLP/HTTP receiver that records the spans of instrumented
//!   pipelines as trace events;
//! - [`probe`]: tiny network probes run inside client nodes, used to show
//!   that a partition drops exactly the packets it should.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ldfi::cluster::{Cluster, ClusterSpec};
//! use ldfi::model::{Fault, NodeId};
//! use ldfi::nemesis::Nemesis;
//!
//! let cluster = Cluster::start(ClusterSpec::new("demo")).await?;
//! let mut nemesis = Nemesis::new(&cluster);
//! nemesis.apply(&Fault::Isolate { node: NodeId::broker(2) }).await?;
//! nemesis.heal_all().await?;
//! cluster.down().await?;
//! # Ok(()) }
//! ```

pub mod bench;
pub mod campaign;
pub mod checker;
pub mod cluster;
pub mod lineage;
pub mod model;
pub mod engine;
pub mod fuzzing;
pub mod nemesis;
pub mod otlp;
pub mod probe;
pub mod report;
pub mod run;
pub mod scenario;
pub mod search;
#[cfg(test)]
mod scratch;
pub mod solver;
pub mod summary;
pub mod trace;
pub mod workload;
