//! The solver's input and output as plain data: facts, derivations,
//! outcomes (the lineage model), fault variables, hypotheses and the space
//! they are drawn from.
//!
//! These are the values the lineage builder produces, the campaign stores
//! and the report shows, so all of them are serde values. The one departure
//! from a plain `BTreeSet<Fact>` is that a [`Derivation`] is shared behind an
//! `Arc`: a million records that went through the same replicas at the same
//! step hold one set of facts between them, not a million copies (a
//! `BTreeSet` of three facts costs ~0.8 KiB, so a million outcomes with three
//! private derivations each would need ~2.5 GiB before any solving starts).
//! Cloning a derivation is a reference-count bump; the solver also uses the
//! shared pointer to merge identical supports without hashing their facts.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fact a derivation relied on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// `node` was alive (not crashed) during step `step`.
    Alive { node: String, step: u32 },
    /// Packets from `from` to `to` flowed during step `step`.
    Link { from: String, to: String, step: u32 },
}

impl Fact {
    /// `node` was alive during `step`.
    pub fn alive(node: impl Into<String>, step: u32) -> Fact {
        Fact::Alive {
            node: node.into(),
            step,
        }
    }

    /// Packets flowed from `from` to `to` during `step`.
    pub fn link(from: impl Into<String>, to: impl Into<String>, step: u32) -> Fact {
        Fact::Link {
            from: from.into(),
            to: to.into(),
            step,
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

/// A good outcome and all its known derivations (it fails only if every
/// derivation is cut).
///
/// An outcome with no derivation at all is ignored by the solver: lineage
/// knows nothing about why it happened, and the only set of faults that
/// "cuts" it is the empty one, i.e. the fault-free run already made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub derivations: Vec<Derivation>,
}

/// The lineage model: every good outcome with its derivations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    pub outcomes: Vec<Outcome>,
}

/// Builds a [`Model`] while storing each distinct derivation once.
///
/// Hashes each derivation it is given; a caller that already knows which
/// outcomes share a support (same partition, step and instance) can clone
/// the [`Derivation`]s it got back instead and use [`ModelBuilder::outcome_shared`].
#[derive(Debug, Default)]
pub struct ModelBuilder {
    distinct: HashSet<Derivation>,
    outcomes: Vec<Outcome>,
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
        self.outcomes.push(Outcome {
            id: id.into(),
            derivations,
        });
    }

    /// Adds an outcome whose derivations the caller already shares.
    pub fn outcome_shared(&mut self, id: impl Into<String>, derivations: Vec<Derivation>) {
        self.outcomes.push(Outcome {
            id: id.into(),
            derivations,
        });
    }

    /// How many distinct derivations went through [`ModelBuilder::derivation`].
    pub fn distinct_derivations(&self) -> usize {
        self.distinct.len()
    }

    pub fn build(self) -> Model {
        Model {
            outcomes: self.outcomes,
        }
    }
}

/// A fault variable of the hypothesis space.
///
/// The derived order (crashes before omissions, then by node or link, then
/// by step) is the order hypotheses of equal size are returned in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultVar {
    /// `node` crashes at the start of step `step` and stays down until EFF.
    Crash { node: String, step: u32 },
    /// Packets from `from` to `to` are dropped during step `step` only.
    Omission { from: String, to: String, step: u32 },
}

impl FaultVar {
    pub fn crash(node: impl Into<String>, step: u32) -> FaultVar {
        FaultVar::Crash {
            node: node.into(),
            step,
        }
    }

    pub fn omission(from: impl Into<String>, to: impl Into<String>, step: u32) -> FaultVar {
        FaultVar::Omission {
            from: from.into(),
            to: to.into(),
            step,
        }
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
    /// Nodes that may crash.
    pub crashable: Vec<String>,
    /// Directed links that may drop packets.
    pub links: Vec<(String, String)>,
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
