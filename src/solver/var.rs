//! The fault variables the solver chooses among, the hypotheses they make
//! and the space they are drawn from.
//!
//! A variable is one fault at one step, named with the same typed nodes as
//! the facts it cuts ([`super::space`] says which): the campaign turns it
//! into a fault plan, the report says it in words, the journal stores it.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::Peer;
use crate::model::NodeId;

/// A fault variable of the hypothesis space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultVar {
    /// `node` is down (crashed, stopped or paused) during step `step`; it
    /// comes back with its data afterwards.
    Crash { node: NodeId, step: u32 },
    /// Packets from `from` to `to` are dropped during step `step`.
    Omission { from: Peer, to: Peer, step: u32 },
}

impl FaultVar {
    pub fn crash(node: NodeId, step: u32) -> FaultVar {
        FaultVar::Crash { node, step }
    }

    pub fn omission(from: impl Into<Peer>, to: impl Into<Peer>, step: u32) -> FaultVar {
        FaultVar::Omission {
            from: from.into(),
            to: to.into(),
            step,
        }
    }

    /// The step the fault starts at.
    pub fn step(&self) -> u32 {
        match self {
            FaultVar::Crash { step, .. } | FaultVar::Omission { step, .. } => *step,
        }
    }

    /// The same fault at another step.
    pub fn at(&self, step: u32) -> FaultVar {
        match self {
            FaultVar::Crash { node, .. } => FaultVar::Crash { node: node.clone(), step },
            FaultVar::Omission { from, to, .. } => FaultVar::Omission { from: from.clone(), to: to.clone(), step },
        }
    }

    /// The nodes the fault names ("the other brokers" is none of them).
    pub fn nodes(&self) -> impl Iterator<Item = &NodeId> {
        let (a, b) = match self {
            FaultVar::Crash { node, .. } => (Some(node), None),
            FaultVar::Omission { from, to, .. } => (from.node(), to.node()),
        };
        a.into_iter().chain(b)
    }

    /// Where the variable sits in the order hypotheses of equal size come
    /// in (see the `Ord` impl).
    fn text_key(&self) -> (u8, String, String, u32) {
        match self {
            FaultVar::Crash { node, step } => (0, format!("{node}@{step}"), String::new(), 0),
            FaultVar::Omission { from, to, step } => (1, from.to_string(), to.to_string(), *step),
        }
    }
}

/// Crashes before omissions; crashes in the order of `node@step` as text
/// (`pipeline-1@12` before `pipeline-1@3`), omissions by the text of their
/// ends, then by step. Both solvers return hypotheses of equal size in the
/// order of their sorted variables, and the ranking of the campaign keeps
/// that order among equals: this is the order every campaign so far was
/// searched in, kept so that a resumed or replayed campaign, and `ldfi
/// solve` on saved traces, pick the hypotheses they picked before. Ties of
/// the text (none between distinct nodes) fall back to the typed order.
impl Ord for FaultVar {
    fn cmp(&self, other: &FaultVar) -> Ordering {
        self.text_key().cmp(&other.text_key()).then_with(|| match (self, other) {
            (FaultVar::Crash { node: a, step: s }, FaultVar::Crash { node: b, step: t }) => (a, s).cmp(&(b, t)),
            (FaultVar::Omission { from: a, to: b, step: s }, FaultVar::Omission { from: c, to: d, step: t }) => {
                (a, b, s).cmp(&(c, d, t))
            }
            _ => Ordering::Equal,
        })
    }
}

impl PartialOrd for FaultVar {
    fn partial_cmp(&self, other: &FaultVar) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for FaultVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultVar::Crash { node, step } => write!(f, "crash {node} @{step}"),
            FaultVar::Omission { from, to, step } => write!(f, "drop {from}->{to} @{step}"),
        }
    }
}

/// A set of faults to inject together.
pub type Hypothesis = BTreeSet<FaultVar>;

/// Which faults may be hypothesized, and how many at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HypothesisSpace {
    /// Nodes that may be down, each at every step before EFF.
    pub crashable: Vec<NodeId>,
    /// Directed links that may drop packets, each at every step before EFF.
    pub links: Vec<(Peer, Peer)>,
    /// End of finite failures: faults only at steps `0..eff`.
    pub eff: u32,
    pub max_crashes: u32,
    pub max_omissions: u32,
    /// At most this many faults of any kind in one hypothesis, if less than
    /// `max_crashes + max_omissions` (a budget of "one fault, a crash or a
    /// cut": pairs cost far more runs than single faults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_faults: Option<u32>,
}
