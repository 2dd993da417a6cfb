//! The plain vocabulary every stage shares: nodes and the roles that name
//! them, faults and fault plans, snapshots of what the cluster believes,
//! and how a role resolves to nodes in a snapshot.
//!
//! Data with serde and pure methods only, no Docker: the modules that
//! touch the world (cluster, nemesis, run) and the pure cores that judge
//! what they recorded (trace, lineage, checker, solver, report) both import
//! these types from here, so that no pure core imports a module that
//! touches the world to name a broker or read a snapshot.

pub mod expect;
pub mod fault;
pub mod link;
pub mod node;
pub mod plan;
pub mod role;
pub mod snapshot;
pub mod words;

pub use expect::Expectations;
pub use fault::Fault;
pub use link::{Delay, Loss, Rate};
pub use node::{NodeId, Role};
pub use plan::{FaultPlan, PlannedFault};
pub use snapshot::Snapshot;
