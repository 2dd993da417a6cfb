//! Which of the solver's smallest hypotheses the ldfi strategy injects
//! next. Pure.
//!
//! The solver gives hypotheses smallest first and does not care which of
//! equal size comes first. Two things do, for a real cluster:
//! - a mechanism not tried yet. Each kind of fault on each node or link
//!   (a crash of the instance, a lost produce response, a cut leader) meets
//!   its own recovery code; the same kind at another step mostly meets the
//!   same code again. A hypothesis that brings a (kind, node) the campaign
//!   never injected goes first;
//! - then damage: the one that breaks the most outcomes has the best chance
//!   to break one for real (a crash of the instance at the step where it
//!   was busiest rather than while it was still starting), and teaches the
//!   most when it does not.
//!
//! Ties keep the solver's order.

use std::collections::BTreeSet;

use crate::solver::{cuts_derivation, FaultVar, Hypothesis, Model};

/// A fault variable without its step: what it does to which node or link.
fn mechanism(var: &FaultVar) -> (String, String) {
    match var {
        FaultVar::Crash { node, .. } => {
            let name = node.rsplit_once('@').map_or(node.as_str(), |(name, _)| name);
            ("crash".into(), name.to_string())
        }
        FaultVar::Omission { from, to, .. } => (from.clone(), to.clone()),
    }
}

/// The next hypothesis among `found` (smallest first), given what was
/// already injected.
pub fn pick(model: &Model, found: Vec<Hypothesis>, injected: &[Hypothesis], eff: u32) -> Option<Hypothesis> {
    let smallest = found.first()?.len();
    let seen: BTreeSet<(String, String)> = injected.iter().flatten().map(mechanism).collect();
    let novel = |h: &Hypothesis| h.iter().filter(|v| !seen.contains(&mechanism(v))).count();
    let broken = |h: &Hypothesis| {
        model
            .outcomes
            .iter()
            .filter(|o| !o.derivations.is_empty() && o.derivations.iter().all(|d| cuts_derivation(h, d, eff)))
            .count()
    };
    let mut best: Option<((usize, usize), Hypothesis)> = None;
    for h in found.into_iter().take_while(|h| h.len() == smallest) {
        let score = (novel(&h), broken(&h));
        if best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = Some((score, h));
        }
    }
    best.map(|(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::{Derivation, Fact, ModelBuilder};

    fn one(n: &str) -> Hypothesis {
        [FaultVar::crash(n, 0)].into_iter().collect()
    }

    fn model() -> Model {
        let mut model = ModelBuilder::new();
        model.outcome("r:1", [Derivation::from_iter([Fact::alive("p@0", 0)])]);
        model.outcome("r:2", [Derivation::from_iter([Fact::alive("p@1", 0)])]);
        model.outcome("r:3", [Derivation::from_iter([Fact::alive("p@1", 0)])]);
        model.outcome("r:4", [Derivation::from_iter([Fact::link("p", "brokers", 2)])]);
        model.build()
    }

    #[test]
    fn the_smallest_hypothesis_that_breaks_the_most_outcomes_goes_first() {
        let two: Hypothesis = [FaultVar::crash("p@0", 0), FaultVar::crash("q@0", 0)].into_iter().collect();
        assert_eq!(pick(&model(), vec![one("p@0"), one("p@1"), two], &[], 3), Some(one("p@1")));
        assert_eq!(pick(&model(), vec![], &[], 3), None);
    }

    #[test]
    fn a_mechanism_never_injected_goes_before_more_damage() {
        let cut: Hypothesis = [FaultVar::omission("p", "brokers", 2)].into_iter().collect();
        let found = vec![one("p@0"), one("p@1"), cut.clone()];
        assert_eq!(pick(&model(), found.clone(), &[], 3), Some(one("p@1")), "nothing injected yet: damage decides");
        assert_eq!(pick(&model(), found, &[one("p@3")], 3), Some(cut), "p was crashed before: the cut is new");
    }
}
