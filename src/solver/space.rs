//! The fault model in one place: which variables a space offers, which facts
//! a variable cuts, and what the budget allows.
//!
//! This is the reference semantics, written for clarity, not speed: the
//! brute-force solver is built on it directly, and the indexed reduction the
//! z3 backend uses ([`super::reduce`]) is cross-checked against it.

use std::collections::BTreeSet;

use super::model::{Derivation, Fact, FaultVar, Hypothesis, HypothesisSpace, Model};

impl FaultVar {
    /// Whether this fault, injected in a run whose faults end at `eff`,
    /// cuts `fact`.
    ///
    /// A crash at `t'` keeps the node down during `t'..eff`, so it cuts the
    /// node's liveness and every link to or from it at those steps. An
    /// omission cuts its own link at its own step. Nothing is cut at or
    /// after `eff`: every fault is healed then.
    pub fn cuts(&self, fact: &Fact, eff: u32) -> bool {
        let down_at = |node: &str, crashed: u32, who: &str, t: u32| node == who && crashed <= t && t < eff;
        match (self, fact) {
            (FaultVar::Crash { node, step: crashed }, Fact::Alive { node: who, step }) => {
                down_at(node, *crashed, who, *step)
            }
            (FaultVar::Crash { node, step: crashed }, Fact::Link { from, to, step }) => {
                down_at(node, *crashed, from, *step) || down_at(node, *crashed, to, *step)
            }
            (
                FaultVar::Omission { from, to, step },
                Fact::Link {
                    from: f,
                    to: t,
                    step: s,
                },
            ) => from == f && to == t && step == s && *s < eff,
            (FaultVar::Omission { .. }, Fact::Alive { .. }) => false,
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

    /// Whether `h` respects the budget: at most `max_crashes` crashes, at
    /// most one per node, at most `max_omissions` omissions, at most
    /// [`Self::max_size`] in all.
    pub fn within_budget(&self, h: &Hypothesis) -> bool {
        let mut crashed = BTreeSet::new();
        let mut omissions = 0u32;
        for var in h {
            match var {
                FaultVar::Crash { node, .. } => {
                    if !crashed.insert(node.as_str()) {
                        return false;
                    }
                }
                FaultVar::Omission { .. } => omissions += 1,
            }
        }
        crashed.len() as u32 <= self.max_crashes && omissions <= self.max_omissions && h.len() as u64 <= u64::from(self.max_size())
    }

    /// The most variables a hypothesis within budget can hold: the sum of
    /// the kinds' counts, or `max_faults` if smaller. The solver enumerates
    /// sizes up to it, which is what enforces `max_faults`.
    pub fn max_size(&self) -> u32 {
        let sum = self.max_crashes.saturating_add(self.max_omissions);
        self.max_faults.map_or(sum, |cap| cap.min(sum))
    }
}

/// Whether `h` cuts `derivation`: some fact of it is cut by some fault.
pub fn cuts_derivation(h: &Hypothesis, derivation: &Derivation, eff: u32) -> bool {
    derivation.iter().any(|fact| h.iter().any(|var| var.cuts(fact, eff)))
}

/// Whether `h` makes some outcome of `model` fail (every derivation cut).
/// Outcomes without derivations are ignored (see [`super::model::Outcome`]).
pub fn fails_some_outcome(model: &Model, h: &Hypothesis, eff: u32) -> bool {
    model.outcomes.iter().any(|outcome| {
        !outcome.derivations.is_empty() && outcome.derivations.iter().all(|d| cuts_derivation(h, d, eff))
    })
}
