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
mod graph;
pub mod learn;
mod paths;
mod sources;
mod steps;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use build::build;
pub use graph::to_dot;
pub use learn::{learn, Conditional};
pub use sources::sources;
pub use steps::StepClock;

/// The pseudo-peer of a [`Fact::Link`]: "the other brokers" (for a leader:
/// its followers; for a client: every broker).
pub const BROKERS: &str = "brokers";

/// A fact a derivation relied on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Fact {
    /// `node` was alive (not crashed) during step `step`.
    Alive { node: String, step: u32 },
    /// Packets from `from` to `to` flowed during step `step`.
    Link { from: String, to: String, step: u32 },
}

impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fact::Alive { node, step } => write!(f, "{node} alive @{step}"),
            Fact::Link { from, to, step } => write!(f, "{from} -> {to} @{step}"),
        }
    }
}

/// The facts that together supported an outcome once.
pub type Derivation = BTreeSet<Fact>;

/// What a good outcome relied on, step by step, as a small graph: the
/// record, the events that moved it, and the facts each event relied on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// `(event, step, facts it relied on)`, in the order they happened.
    pub events: Vec<(String, u32, Vec<Fact>)>,
}

/// The lineage of every good outcome of one or more runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Outcome id → its distinct derivations.
    pub outcomes: BTreeMap<String, BTreeSet<Derivation>>,
    /// Outcome id → how it happened in the run that first showed it.
    #[serde(default)]
    pub trails: BTreeMap<String, Trail>,
}

impl Model {
    /// Adds the derivations another run showed.
    pub fn merge(&mut self, other: Model) {
        for (id, derivations) in other.outcomes {
            self.outcomes.entry(id).or_default().extend(derivations);
        }
        for (id, trail) in other.trails {
            self.trails.entry(id).or_insert(trail);
        }
    }

    /// Number of distinct derivations over all outcomes.
    pub fn derivation_count(&self) -> usize {
        self.outcomes.values().map(BTreeSet::len).sum()
    }
}

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
