//! What a survived run teaches the lineage model. Pure.
//!
//! Molly merges every derivation a survived run showed. That rule assumes a
//! deterministic system, where the only new paths are the ones the injected
//! faults forced. A Kafka pipeline is not one: a record processed during
//! step 3 in one run is processed during step 4 in the next because a poll
//! returned later. Merged as an "alternative", that jitter makes a single
//! fault look insufficient when it is not: a lost produce response at step
//! 3 still duplicates the record that the last run happened to write at
//! step 4. That is how `copy-no-idempotence` was once certified wrongly.
//!
//! So a survived run teaches a new derivation only for an outcome its
//! faults threatened: one with a known derivation that relies on a node the
//! plan faulted (crashed, paused, cut off), during the fault's window or
//! the step after it, when the node is still coming back. That is the
//! recovery path LDFI means to learn. Outcomes no earlier run showed are
//! taken whole.

use crate::lineage::{Derivation, Fact, Model, BROKERS};
use crate::nemesis::FaultPlan;

/// Merges what a survived run under `plan` showed into `model`.
pub fn learn(model: &mut Model, learned: Model, plan: &FaultPlan) {
    let threatened = |d: &Derivation| d.iter().any(|fact| threatens(plan, fact));
    let Model { outcomes, trails } = learned;
    for (id, derivations) in outcomes {
        match model.outcomes.get_mut(&id) {
            None => {
                model.outcomes.insert(id, derivations);
            }
            Some(known) if known.iter().any(threatened) => known.extend(derivations),
            Some(_) => {}
        }
    }
    for (id, trail) in trails {
        model.trails.entry(id).or_insert(trail);
    }
}

/// Whether some fault of `plan` hits the node a fact relies on, in time.
fn threatens(plan: &FaultPlan, fact: &Fact) -> bool {
    let (nodes, step): (Vec<&str>, u32) = match fact {
        Fact::Alive { node, step } => (vec![node], *step),
        Fact::Link { from, to, step } => ([from.as_str(), to.as_str()].into_iter().filter(|n| *n != BROKERS).collect(), *step),
    };
    plan.faults.iter().any(|planned| {
        (planned.start..=planned.end).contains(&step)
            && planned.fault.nodes().iter().any(|n| nodes.contains(&n.to_string().as_str()))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::nemesis::{Fault, PlannedFault};

    fn alive(node: &str, step: u32) -> Fact {
        Fact::Alive { node: node.into(), step }
    }

    fn model(outcomes: &[(&str, Vec<Vec<Fact>>)]) -> Model {
        let mut m = Model::default();
        for (id, ds) in outcomes {
            m.outcomes.insert(id.to_string(), ds.iter().map(|d| d.iter().cloned().collect::<Derivation>()).collect());
        }
        m
    }

    fn crash(node: &str, start: u32, end: u32) -> FaultPlan {
        FaultPlan {
            seed: 0,
            faults: vec![PlannedFault { fault: Fault::Crash { node: node.parse().unwrap() }, start, end }],
        }
    }

    #[test]
    fn only_outcomes_the_faults_threatened_learn_a_new_path() {
        let mut known = model(&[("r:a", vec![vec![alive("pipeline-1", 2)]]), ("r:b", vec![vec![alive("pipeline-1", 5)]])]);
        // The crash over 1..3 hit a's path; b was only processed a step later.
        let run = model(&[
            ("r:a", vec![vec![alive("pipeline-1", 4)]]),
            ("r:b", vec![vec![alive("pipeline-1", 6)]]),
            ("r:c", vec![vec![alive("pipeline-1", 6)]]),
        ]);
        learn(&mut known, run, &crash("pipeline-1", 1, 3));
        let steps = |id: &str| -> BTreeSet<u32> {
            known.outcomes[id]
                .iter()
                .flatten()
                .map(|f| match f {
                    Fact::Alive { step, .. } | Fact::Link { step, .. } => *step,
                })
                .collect()
        };
        assert_eq!(steps("r:a"), BTreeSet::from([2, 4]), "a recovered: its new path is learned");
        assert_eq!(steps("r:b"), BTreeSet::from([5]), "b's later step is jitter, not an alternative");
        assert_eq!(steps("r:c"), BTreeSet::from([6]), "an outcome first seen is taken whole");
    }

    #[test]
    fn a_fault_on_another_node_or_later_threatens_nothing() {
        let known = model(&[("r:a", vec![vec![alive("pipeline-1", 2), Fact::Link { from: "pipeline-1".into(), to: BROKERS.into(), step: 2 }]])]);
        let run = model(&[("r:a", vec![vec![alive("pipeline-1", 3)]])]);
        for plan in [crash("broker-2", 1, 3), crash("pipeline-1", 4, 6), FaultPlan::none()] {
            let mut m = known.clone();
            learn(&mut m, run.clone(), &plan);
            assert_eq!(m, known, "{plan:?}");
        }
        let mut m = known.clone();
        learn(&mut m, run, &crash("pipeline-1", 1, 2));
        assert_eq!(m.outcomes["r:a"].len(), 2, "the step a crash ends, when the node comes back, is still threatened");
    }
}
