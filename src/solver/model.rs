//! The solver's input as plain data: facts, derivations and the lineage
//! model they make up.
//!
//! One model for every stage: lineage builds it from a run's traces, the
//! campaign merges runs into it, the solver reads its derivations and the
//! report draws its trails. Facts name nodes as [`NodeId`]s (brokers,
//! clients, roles) and link ends as [`Peer`]s, never as text to be parsed
//! again. All of them are serde values. The one departure from a plain
//! `BTreeSet<Fact>` is that a [`Derivation`] is shared behind an `Arc`: a
//! million records that went through the same replicas at the same step
//! hold one set of facts between them, not a million copies (a `BTreeSet`
//! of three facts costs ~0.8 KiB, so a million outcomes with three private
//! derivations each would need ~2.5 GiB before any solving starts).
//! Cloning a derivation is a reference-count bump; the solver also uses the
//! shared pointer to merge identical supports without hashing their facts.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::model::NodeId;

/// One end of a link: a node, or "the other brokers" (for a leader, its
/// followers; for a client, every broker), which lineage cannot name one
/// by one because which broker answers changes from run to run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, SerializeDisplay, DeserializeFromStr)]
pub enum Peer {
    Node(NodeId),
    Brokers,
}

impl Peer {
    /// How "the other brokers" is written.
    pub const BROKERS: &'static str = "brokers";

    /// The node, unless this is "the other brokers".
    pub fn node(&self) -> Option<&NodeId> {
        match self {
            Peer::Node(node) => Some(node),
            Peer::Brokers => None,
        }
    }
}

impl From<NodeId> for Peer {
    fn from(node: NodeId) -> Peer {
        Peer::Node(node)
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Node(node) => node.fmt(f),
            Peer::Brokers => f.write_str(Peer::BROKERS),
        }
    }
}

impl FromStr for Peer {
    type Err = String;
    fn from_str(s: &str) -> Result<Peer, String> {
        if s == Peer::BROKERS {
            return Ok(Peer::Brokers);
        }
        s.parse().map(Peer::Node)
    }
}



/// A fact a derivation relied on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// `node` was alive (not crashed) during step `step`.
    Alive { node: NodeId, step: u32 },
    /// Packets from `from` to `to` flowed during step `step`.
    Link { from: Peer, to: Peer, step: u32 },
}

impl Fact {
    /// `node` was alive during `step`.
    pub fn alive(node: NodeId, step: u32) -> Fact {
        Fact::Alive { node, step }
    }

    /// Packets flowed from `from` to `to` during `step`.
    pub fn link(from: impl Into<Peer>, to: impl Into<Peer>, step: u32) -> Fact {
        Fact::Link {
            from: from.into(),
            to: to.into(),
            step,
        }
    }

    /// The step the fact holds at.
    pub fn step(&self) -> u32 {
        match self {
            Fact::Alive { step, .. } | Fact::Link { step, .. } => *step,
        }
    }

    /// The nodes the fact names ("the other brokers" is none of them).
    pub fn nodes(&self) -> impl Iterator<Item = &NodeId> {
        let (a, b) = match self {
            Fact::Alive { node, .. } => (Some(node), None),
            Fact::Link { from, to, .. } => (from.node(), to.node()),
        };
        a.into_iter().chain(b)
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Alive { node, step } => write!(f, "{node} alive @{step}"),
            Fact::Link { from, to, step } => write!(f, "{from} -> {to} @{step}"),
        }
    }
}

/// A set of facts that together supported an outcome.
///
/// Shared: clones are cheap and identical derivations built through a
/// [`ModelBuilder`] occupy memory once. Reads go through `Deref` to the
/// `BTreeSet`; writes (`DerefMut`) copy on write. Equality, order and hash
/// are those of the set of facts; serde sees a plain sequence of facts.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Derivation(Arc<BTreeSet<Fact>>);

impl Derivation {
    /// Address of the shared set: equal addresses mean equal derivations
    /// (the converse need not hold).
    pub(crate) fn shared_ptr(&self) -> *const BTreeSet<Fact> {
        Arc::as_ptr(&self.0)
    }
}

impl Deref for Derivation {
    type Target = BTreeSet<Fact>;
    fn deref(&self) -> &BTreeSet<Fact> {
        &self.0
    }
}

impl DerefMut for Derivation {
    fn deref_mut(&mut self) -> &mut BTreeSet<Fact> {
        Arc::make_mut(&mut self.0)
    }
}

impl Borrow<BTreeSet<Fact>> for Derivation {
    fn borrow(&self) -> &BTreeSet<Fact> {
        &self.0
    }
}

impl From<BTreeSet<Fact>> for Derivation {
    fn from(facts: BTreeSet<Fact>) -> Derivation {
        Derivation(Arc::new(facts))
    }
}

impl FromIterator<Fact> for Derivation {
    fn from_iter<I: IntoIterator<Item = Fact>>(iter: I) -> Derivation {
        Derivation(Arc::new(iter.into_iter().collect()))
    }
}

impl fmt::Debug for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}

impl Serialize for Derivation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Derivation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Derivation, D::Error> {
        BTreeSet::<Fact>::deserialize(deserializer).map(Derivation::from)
    }
}

impl<'a> IntoIterator for &'a Derivation {
    type Item = &'a Fact;
    type IntoIter = std::collections::btree_set::Iter<'a, Fact>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<const N: usize> From<[Fact; N]> for Derivation {
    fn from(facts: [Fact; N]) -> Derivation {
        facts.into_iter().collect()
    }
}

/// What a good outcome relied on, step by step, as a small graph: the
/// record, the events that moved it, and the facts each event relied on.
/// For readers (the report, `ldfi lineage --dot`); the solver reads only
/// the derivations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// `(event, step, facts it relied on)`, in the order they happened.
    pub events: Vec<(String, u32, Vec<Fact>)>,
}

/// The lineage model: every good outcome with its known derivations (it
/// fails only if every derivation is cut), as one or more runs showed them.
///
/// An outcome with no derivation at all is ignored by the solver: lineage
/// knows nothing about why it happened, and the only set of faults that
/// "cuts" it is the empty one, i.e. the fault-free run already made.
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

    /// Every fact of every derivation (with repeats).
    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.outcomes.values().flatten().flat_map(|d| d.iter())
    }
}

/// Builds a [`Model`] while storing each distinct derivation once.
///
/// Hashes each derivation it is given; a caller that already knows which
/// outcomes share a support (same partition, step and instance) can clone
/// the [`Derivation`]s it got back instead and use [`ModelBuilder::outcome_shared`].
#[derive(Debug, Default)]
pub struct ModelBuilder {
    distinct: HashSet<Derivation>,
    model: Model,
}

impl ModelBuilder {
    pub fn new() -> ModelBuilder {
        ModelBuilder::default()
    }

    /// The shared copy of `derivation`: the first one seen with these facts.
    pub fn derivation(&mut self, derivation: impl Into<Derivation>) -> Derivation {
        let derivation = derivation.into();
        if let Some(known) = self.distinct.get(&derivation) {
            return known.clone();
        }
        self.distinct.insert(derivation.clone());
        derivation
    }

    /// Adds an outcome, sharing each of its derivations with earlier ones.
    pub fn outcome<D: Into<Derivation>>(&mut self, id: impl Into<String>, derivations: impl IntoIterator<Item = D>) {
        let derivations = derivations.into_iter().map(|d| self.derivation(d)).collect();
        self.outcome_shared(id, derivations);
    }

    /// Adds an outcome whose derivations the caller already shares.
    pub fn outcome_shared(&mut self, id: impl Into<String>, derivations: BTreeSet<Derivation>) {
        self.model.outcomes.insert(id.into(), derivations);
    }

    /// How many distinct derivations went through [`ModelBuilder::derivation`].
    pub fn distinct_derivations(&self) -> usize {
        self.distinct.len()
    }

    pub fn build(self) -> Model {
        self.model
    }
}
