//! What a survived run teaches the lineage model. Pure: the campaign, a
//! resumed campaign, `ldfi solve` and `ldfi report` learn by the same rule.
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
//! faults cut off: one whose every known derivation relies on a node the
//! plan faulted (crashed, paused, cut off) during the fault's window, and
//! for a node that went down, the step after it, when it is still coming
//! back. That is an outcome the plan, as injected, was meant to break, and
//! the path it took instead is the recovery LDFI means to learn. An
//! outcome with a derivation the plan left alone did not need to recover:
//! what its run showed is the path it happened to take, and learned as an
//! alternative it would mask a hypothesis never tried (a leader cut off at
//! step 2 and crashed at 3 is not shown harmless by a run that cut it at 0
//! and crashed it at 1). Outcomes no earlier run showed are taken whole.
//!
//! Whoever takes in a finished run (the campaign after each run, a resumed
//! campaign from its journal, `ldfi solve` from saved traces, `ldfi report`
//! counting what each run taught) does it through [`Knowledge::absorb`],
//! so that all of them learn the same thing from the same run.

use std::collections::BTreeSet;

use super::build;
use crate::lineage::{Derivation, Fact, Model};
use crate::model::{FaultPlan, PlannedFault};
use crate::trace::TraceLine;

/// What the runs taken in so far taught: the merged lineage model, and the
/// recovery paths each run's faults caused, kept with their plan.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub model: Model,
    pub conditional: Conditional,
    /// Where each run's plan landed: the roles its faults stood for
    /// ([`super::Landing`]).
    pub landings: Vec<super::Landing>,
}

impl Knowledge {
    /// Takes in a finished run that broke nothing, injected under `plan`:
    /// its lineage, built from its trace lines, merged by the rule of
    /// [`learn`], its recovery paths kept with `plan`. Returns the model's
    /// size before it (outcomes, derivations); an error says why its
    /// lineage could not be built.
    pub fn absorb(&mut self, lines: &[TraceLine], plan: &FaultPlan) -> Result<(usize, usize), String> {
        let learned = build(lines)?;
        let before = (self.model.outcomes.len(), self.model.derivation_count());
        let added = learn(&mut self.model, learned, plan);
        self.conditional.push(plan, added);
        self.landings.extend(super::Landing::of(lines, plan));
        Ok(before)
    }
}

/// Merges what a survived run under `plan` showed into `model`, and
/// returns the recovery paths it added (the derivations of outcomes that
/// were known before): paths that exist because of `plan`'s faults.
pub fn learn(model: &mut Model, learned: Model, plan: &FaultPlan) -> Model {
    let cut_off = |known: &BTreeSet<Derivation>| !known.is_empty() && known.iter().all(|d| d.iter().any(|fact| threatens(plan, fact)));
    let Model { outcomes, trails } = learned;
    let mut added = Model::default();
    for (id, derivations) in outcomes {
        match model.outcomes.get_mut(&id) {
            None => {
                model.outcomes.insert(id, derivations);
            }
            Some(known) if cut_off(known) => {
                let new: BTreeSet<Derivation> = derivations.into_iter().filter(|d| !known.contains(d)).collect();
                known.extend(new.iter().cloned());
                if !new.is_empty() {
                    added.outcomes.insert(id, new);
                }
            }
            Some(_) => {}
        }
    }
    for (id, trail) in trails {
        model.trails.entry(id).or_insert(trail);
    }
    added
}

/// Recovery paths and the faults that caused them.
///
/// A path learned from a run under plan F (a restarted instance
/// reprocessing from its commit, a new leader) is one the pipeline took
/// because of F. Merged as an unconditional alternative, it can mask a
/// hypothesis that does not inject F: a coordinator crash delays the
/// processing of a batch to step 5, and a crash of the instance at step 3
/// then looks harmless, though without the coordinator's crash the batch
/// is processed at 3 and nothing else holds it. So the campaign keeps each
/// run's paths with its plan; a hypothesis counts them as alternatives only
/// if its own plan injects every fault of that plan, on the same target,
/// from the same step ([`Conditional::model_for`]). Not a window that
/// merely overlaps: where a fault lands decides what the pipeline had done
/// when it landed. A copy that commits before it produces, crashed at the
/// step its burst arrives, reads the burst after its restart (the path a
/// run shows); crashed a step later, it had committed the burst and never
/// reads it again. Taken as met by the later crash, that path hid the loss
/// (measured: 7 runs to find a single crash, found only inside a pair).
/// Other steps are the time shifts' business (`shift`), which ask
/// that the lineage show the same picture there.
#[derive(Debug, Clone, Default)]
pub struct Conditional {
    pub learned: Vec<(Vec<PlannedFault>, Model)>,
}

impl Conditional {
    /// Records what a survived run under `plan` added.
    pub fn push(&mut self, plan: &FaultPlan, added: Model) {
        if !added.outcomes.is_empty() {
            self.learned.push((plan.faults.clone(), added));
        }
    }

    /// `merged` without any learned path: what holds whatever is injected.
    pub fn base(&self, merged: &Model) -> Model {
        let mut base = merged.clone();
        for (_, added) in &self.learned {
            for (id, paths) in &added.outcomes {
                if let Some(known) = base.outcomes.get_mut(id) {
                    known.retain(|d| !paths.contains(d));
                }
            }
        }
        base
    }

    /// What the runs under plans whose every fault `plan` injects too
    /// learned: the paths a hypothesis realized as `plan` is judged with.
    fn met<'a>(&'a self, plan: &'a FaultPlan) -> impl Iterator<Item = &'a Model> + 'a {
        self.learned.iter().filter(|(faults, _)| faults.iter().all(|f| plan.faults.iter().any(|g| meets(f, g)))).map(|(_, added)| added)
    }

    /// The model a hypothesis realized as `plan` is judged by: `base` and
    /// the paths learned under plans whose every fault `plan` injects too.
    pub fn model_for(&self, base: &Model, plan: &FaultPlan) -> Model {
        let mut model = base.clone();
        for added in self.met(plan) {
            for (id, paths) in &added.outcomes {
                model.outcomes.entry(id.clone()).or_default().extend(paths.iter().cloned());
            }
        }
        model
    }

    /// How many outcomes fail under `h`, realized as `plan`, in the model
    /// it is judged by ([`Self::model_for`]), counted without building
    /// that model: the campaign ranks dozens of candidates each round.
    pub fn broken_by(&self, base: &Model, plan: &FaultPlan, h: &crate::solver::Hypothesis, eff: u32) -> usize {
        let met: Vec<&Model> = self.met(plan).collect();
        let learned = |id: &str| met.iter().filter_map(|m| m.outcomes.get(id)).flatten().collect::<Vec<_>>();
        let fails = |paths: Vec<&Derivation>| !paths.is_empty() && paths.iter().all(|d| crate::solver::cuts_derivation(h, d, eff));
        let in_base = base.outcomes.iter().filter(|(id, paths)| fails(paths.iter().chain(learned(id)).collect())).count();
        // Outcomes only a learned path showed: each counted once.
        let only_learned: BTreeSet<&String> = met.iter().flat_map(|m| m.outcomes.keys()).filter(|id| !base.outcomes.contains_key(*id)).collect();
        in_base + only_learned.into_iter().filter(|id| fails(learned(id))).count()
    }
}

/// Whether `g` is the fault `f` (same kind, same targets) landing at the
/// same step.
fn meets(f: &PlannedFault, g: &PlannedFault) -> bool {
    f.fault == g.fault && f.start == g.start
}

/// Whether some fault of `plan` hits the node a fact relies on, in time: a
/// node down (crash, stop, pause) from its start until the step it comes
/// back in, a cut until it is healed.
pub fn threatens(plan: &FaultPlan, fact: &Fact) -> bool {
    let step = fact.step();
    plan.faults.iter().any(|planned| {
        let down = planned.fault.process_target().is_some();
        let until = if down { planned.end } else { planned.end.saturating_sub(1) };
        (planned.start..=until).contains(&step) && planned.fault.nodes().iter().any(|n| fact.nodes().any(|m| m == *n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fault, PlannedFault};
    use crate::solver::testing::{alive, link};

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
    fn a_recovery_path_counts_only_for_plans_that_inject_its_cause() {
        // r:a processed at 3; a coordinator crash over 2..4 delayed it to 5.
        let mut merged = model(&[("r:a", vec![vec![alive("pipeline-1", 3), alive("coordinator(g)", 3)]])]);
        let coordinator = crash("coordinator(g)", 2, 4);
        let added = learn(&mut merged, model(&[("r:a", vec![vec![alive("pipeline-1", 5), alive("coordinator(g)", 5)]])]), &coordinator);
        assert_eq!(added.outcomes["r:a"].len(), 1);
        let mut conditional = Conditional::default();
        conditional.push(&coordinator, added);
        let base = conditional.base(&merged);
        assert_eq!(base.outcomes["r:a"].len(), 1, "the base is what r0 showed");
        // A crash of the instance alone is judged without the delayed path...
        let alone = conditional.model_for(&base, &crash("pipeline-1", 3, 5));
        assert_eq!(alone.outcomes["r:a"], base.outcomes["r:a"]);
        // ... one that also crashes the coordinator at that step, with it;
        let mut both = crash("pipeline-1", 3, 5);
        both.faults.extend(crash("coordinator(g)", 2, 4).faults);
        assert_eq!(conditional.model_for(&base, &both).outcomes["r:a"], merged.outcomes["r:a"]);
        // ... and one that crashes it a step later, inside the same window,
        // without: it lands on other work.
        let mut later = crash("pipeline-1", 3, 5);
        later.faults.extend(crash("coordinator(g)", 3, 5).faults);
        assert_eq!(conditional.model_for(&base, &later).outcomes["r:a"], base.outcomes["r:a"]);
    }

    #[test]
    fn damage_is_counted_in_the_model_a_plan_is_judged_by() {
        // A burst handled at step 3 (b's count written again at 6); under
        // a coordinator crash over 2..4 it was handled at 6 instead. Merged,
        // the instance's crash at 3 looks harmless and the one at 6 breaks
        // b; judged by what it injects, the crash at 3 breaks both.
        let mut merged = model(&[
            ("r:a", vec![vec![alive("pipeline-1", 3), alive("coordinator(g)", 3)]]),
            ("r:b", vec![vec![alive("pipeline-1", 3), alive("coordinator(g)", 3), alive("pipeline-1", 6)]]),
        ]);
        let coordinator = crash("coordinator(g)", 2, 4);
        let added = learn(
            &mut merged,
            model(&[("r:a", vec![vec![alive("pipeline-1", 6)]]), ("r:b", vec![vec![alive("pipeline-1", 6)]])]),
            &coordinator,
        );
        let mut conditional = Conditional::default();
        conditional.push(&coordinator, added);
        let base = conditional.base(&merged);
        let at = |step: u32| -> crate::solver::Hypothesis { [crate::solver::testing::crash("pipeline-1", step)].into_iter().collect() };
        let judged = |plan: &FaultPlan, step: u32| -> usize {
            let h = at(step);
            let by_model = conditional.model_for(&base, plan).outcomes.values().filter(|d| crate::solver::fails(d, &h, 8)).count();
            let counted = conditional.broken_by(&base, plan, &h, 8);
            assert_eq!(counted, by_model, "counted without building the model, the same");
            counted
        };
        let merged_count = |step: u32| merged.outcomes.values().filter(|d| crate::solver::fails(d, &at(step), 8)).count();
        assert_eq!((merged_count(3), merged_count(6)), (0, 1), "merged, the crash at 3 looks harmless");
        assert_eq!(judged(&crash("pipeline-1", 3, 5), 3), 2, "judged by what it injects, it breaks both");
        assert_eq!(judged(&crash("pipeline-1", 6, 8), 6), 1);
        let mut with_coordinator = crash("pipeline-1", 3, 5);
        with_coordinator.faults.extend(coordinator.faults.clone());
        assert_eq!(judged(&with_coordinator, 3), 0, "with the coordinator's crash too, the late path holds");
    }

    #[test]
    fn an_outcome_with_a_path_the_plan_left_alone_learns_nothing() {
        // Acked at step 3 on the leader and on a follower; the plan cut the
        // leader off over 0..2 and crashed it over 1..3 (back during 3):
        // the follower's path (the leader's link at 3) was hit, the
        // leader's (alive at 4) was not. The record did not need to recover.
        let leader = "leader(input/0)";
        let link = |step| link(leader, "brokers", step);
        let known = model(&[
            ("r:3", vec![vec![alive(leader, 4)], vec![alive("broker-2", 3), link(3)]]),
            ("r:1", vec![vec![alive(leader, 2)], vec![alive("broker-2", 1), link(1)]]),
        ]);
        let run = model(&[("r:3", vec![vec![alive(leader, 5)]]), ("r:1", vec![vec![alive(leader, 5)]])]);
        let plan = FaultPlan {
            seed: 0,
            faults: vec![
                PlannedFault { fault: Fault::Crash { node: leader.parse().unwrap() }, start: 1, end: 3 },
                PlannedFault {
                    fault: Fault::Cut { left: vec![leader.parse().unwrap()], right: vec!["followers(input/0)".parse().unwrap()] },
                    start: 0,
                    end: 2,
                },
            ],
        };
        let mut m = known.clone();
        learn(&mut m, run, &plan);
        assert_eq!(m.outcomes["r:3"], known.outcomes["r:3"], "the leader's path at 4 was not cut: nothing learned");
        assert_eq!(m.outcomes["r:1"].len(), 3, "both of r:1's paths were cut: its recovery is learned");
    }

    #[test]
    fn a_fault_on_another_node_or_later_threatens_nothing() {
        let known = model(&[("r:a", vec![vec![alive("pipeline-1", 2), link("pipeline-1", "brokers", 2)]])]);
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
