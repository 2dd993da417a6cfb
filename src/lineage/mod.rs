//! Lineage: why did each good outcome happen?
//!
//! Built from a run's traces alone (no cluster access). A good outcome is an
//! acknowledged input that reached the output (`r:<id>`). Its derivations
//! are the sets of facts that supported it: a node alive during a step, a
//! node connected to the other brokers during a step. A processing path
//! relies on its instance alive from consume to output, its links to the
//! brokers when it consumed and wrote the output, the output leader's link
//! to its followers when it wrote (an acks=all write is answered only once
//! they have it), the response coming back, and, for properties that count
//! copies (duplicates, exactly-once, word counts), the instance alive until
//! its commit and the group's coordinator alive when it committed the input
//! offset: a failed commit means a second copy, never a loss. For word
//! counts, an instance that traced no restore when it started keeps its
//! counts in memory only: an input then also relies on it alive until the
//! last count of its word is written (crashed before, it counts from zero
//! again). The outcome fails
//! only if every derivation is cut; a derivation is cut if any of its facts
//! is.
//!
//! The facts, derivations and model are the solver's own types
//! ([`crate::solver::Model`]): lineage speaks the solver's vocabulary, so
//! nothing translates between the two.
//!
//! Sources, all in the trace: the workload's delivery reports (partition,
//! offset, step), the harness's snapshots (leader, ISR, high watermark per
//! step), the pipeline's own events (which instance consumed, produced and
//! committed which ids, when), and the checker's reads of the outputs.
//!
//! Brokers are named by role where the role is what mattered
//! (`leader(input/0)`, and `coordinator(group)` for the broker that takes
//! the pipeline's offset commit), so that a hypothesis survives leader
//! election and coordinator placement; followers, pipeline instances and the
//! workload by name. Roles use the scenario's topic and group names, not the
//! run's suffixed ones, so that facts from several runs coincide.
//! Derivations from several runs of one scenario merge ([`Model::merge`]): a
//! run that survived a fault contributes the path it took instead (a new
//! leader, a restarted instance reprocessing from its committed offset).
//! The campaign merges only the paths of outcomes the run's faults
//! threatened ([`learn()`]): the rest is timing jitter.
//!
//! Known redundancy seeds alternatives before any run proves them: a record
//! acknowledged with acks=all sits on every ISR member of its step (where
//! min ISR is 1, only if the leader could send to them then: cut off, they
//! leave the ISR and the leader acknowledges alone). With
//! acks=1 the followers hold it only together (all alive and fetching):
//! the controller may elect any live ISR member, a lagging one included.

mod build;
mod outcome;
mod graph;
pub mod landing;
pub mod learn;
mod paths;
mod sources;
mod steps;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use build::build;
pub use graph::to_dot;
pub use landing::Landing;
pub use learn::{learn, Conditional, Knowledge};
pub use sources::sources;
pub use steps::StepClock;

/// The lineage's vocabulary is the solver's: lineage produces the model
/// the solver reads, in the solver's facts.
pub use crate::solver::{Derivation, Fact, Model, Peer, Trail};

/// Where the lineage of an instance's part of the outcomes came from, best
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The pipeline's own trace events (`pipeline-N.jsonl`): which inputs
    /// it consumed, wrote and committed, when.
    Events,
    /// OpenTelemetry spans (`otlp.jsonl`): process and publish spans tied
    /// by trace context, through every topic the record passed.
    OpenTelemetry,
    /// Kafka alone (headers, group assignment, committed offsets, high
    /// watermarks): the instance is assumed to matter at every step from
    /// an input's arrival to its output's write and commit.
    Kafka,
}

impl Source {
    /// How a certificate names it.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Events => "its own trace events",
            Source::OpenTelemetry => "OpenTelemetry spans",
            Source::Kafka => "Kafka alone (assumed needed, alive and connected, from each input's arrival to its output and commit)",
        }
    }
}
