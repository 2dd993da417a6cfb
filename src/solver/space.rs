//! The fault model in one place: which variables a space offers, which facts
//! a variable cuts, and what the budget allows.
//!
//! This is the reference semantics, written for clarity, not speed: the
//! brute-force solver is built on it directly, and the indexed reduction the
//! z3 backend uses ([`super::reduce`]) is cross-checked against it.

use std::collections::BTreeSet;

use super::model::{Derivation, Fact, Model};
use super::var::{FaultVar, Hypothesis, HypothesisSpace};

impl FaultVar {
    /// Whether this fault, injected in a run whose faults end at `eff`,
    /// cuts `fact`.
    ///
    /// A crash at `t` takes its node down during step `t`, which cuts the
    /// node's liveness at `t` and nothing else: the node comes back with its
    /// data (Kafka's reality, and what lets the search learn the recovery
    /// path), so a crash is a bounded window, not a death, and the step it
    /// starts at is the one it is chosen for (the campaign's plan may keep
    /// the node down a little longer while it restarts). Its links are not
    /// cut by it: lineage names a link only together with the liveness of
    /// what relied on it. An omission cuts its own link at its own step.
    /// Nothing is cut at or after `eff`: every fault is healed then.
    pub fn cuts(&self, fact: &Fact, eff: u32) -> bool {
        match (self, fact) {
            (FaultVar::Crash { node, step }, Fact::Alive { node: who, step: at }) => node == who && step == at && *at < eff,
            (FaultVar::Omission { from, to, step }, Fact::Link { from: f, to: t, step: at }) => {
                from == f && to == t && step == at && *at < eff
            }
            _ => false,
        }
    }
}

impl HypothesisSpace {
    /// Every variable of the space, in order, without duplicates. Variables
    /// the budget can never use (crashes when `max_crashes` is 0, omissions
    /// when `max_omissions` is 0) are left out.
    pub fn vars(&self) -> Vec<FaultVar> {
        let mut vars = BTreeSet::new();
        if self.max_crashes > 0 {
            for node in &self.crashable {
                vars.extend((0..self.eff).map(|step| FaultVar::crash(node.clone(), step)));
            }
        }
        if self.max_omissions > 0 {
            for (from, to) in &self.links {
                vars.extend((0..self.eff).map(|step| FaultVar::omission(from.clone(), to.clone(), step)));
            }
        }
        vars.into_iter().collect()
    }

    /// Whether `var` is one of [`Self::vars`], without listing them.
    pub fn offers(&self, var: &FaultVar) -> bool {
        match var {
            FaultVar::Crash { node, step } => self.max_crashes > 0 && *step < self.eff && self.crashable.contains(node),
            FaultVar::Omission { from, to, step } => {
                self.max_omissions > 0 && *step < self.eff && self.links.iter().any(|(f, t)| f == from && t == to)
            }
        }
    }

    /// Whether `h` respects the budget: at most `max_crashes` crashes, at
    /// most `max_omissions` omissions, at most [`Self::max_size`] in all.
    pub fn within_budget(&self, h: &Hypothesis) -> bool {
        let crashes = h.iter().filter(|var| matches!(var, FaultVar::Crash { .. })).count() as u64;
        let omissions = h.len() as u64 - crashes;
        crashes <= u64::from(self.max_crashes)
            && omissions <= u64::from(self.max_omissions)
            && h.len() as u64 <= u64::from(self.max_size())
    }

    /// The most variables a hypothesis within budget can hold: the sum of
    /// the kinds' counts, or `max_faults` if smaller. The solver enumerates
    /// sizes up to it, which is what enforces `max_faults`.
    pub fn max_size(&self) -> u32 {
        let sum = self.max_crashes.saturating_add(self.max_omissions);
        self.max_faults.map_or(sum, |cap| cap.min(sum))
    }

    /// How many crash variables the space has (every crashable node at
    /// every step before EFF).
    pub fn crash_count(&self) -> usize {
        self.crashable.len() * self.eff as usize
    }
}

/// Whether `h` cuts `derivation`: some fact of it is cut by some fault.
pub fn cuts_derivation(h: &Hypothesis, derivation: &Derivation, eff: u32) -> bool {
    derivation.iter().any(|fact| h.iter().any(|var| var.cuts(fact, eff)))
}

/// Whether `h` makes `outcome` (its derivations) fail: it has some, and
/// every one is cut. An outcome without derivations is ignored (see
/// [`super::model::Model`]).
pub fn fails(derivations: &BTreeSet<Derivation>, h: &Hypothesis, eff: u32) -> bool {
    !derivations.is_empty() && derivations.iter().all(|d| cuts_derivation(h, d, eff))
}

/// Whether `h` makes some outcome of `model` fail.
pub fn fails_some_outcome(model: &Model, h: &Hypothesis, eff: u32) -> bool {
    model.outcomes.values().any(|derivations| fails(derivations, h, eff))
}
