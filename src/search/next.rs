//! The hypotheses the ldfi strategy weighs next, from the lineage model and
//! what each survived run taught under which faults. Pure (the solver is
//! called, no cluster).
//!
//! Two sources, merged smallest first:
//! - the solver over the merged model, every learned recovery path counted
//!   as an alternative (LDFI's own loop: a fault set that also cuts the
//!   paths the system found last time);
//! - the solver over the base model (no learned path), each hypothesis kept
//!   only if it still breaks an outcome once the paths learned under plans
//!   it injects too are added back ([`Conditional::model_for`]): a fault
//!   that meets none of the causes of the recoveries seen so far is judged
//!   without them.
//!
//! A certificate is given only when both are empty.
//!
//! The ranking weighs the smallest two sizes (a pair of new mechanisms
//! before a single repeat), so each source is asked until the next size
//! shows ([`two_sizes`]): on 5 brokers and 6 partitions the single faults
//! alone (the instance's crash and cut at each step, each output leader's
//! cut) filled the 48 asked for, and the cut + crash pair of acks=1 came
//! third, after two single faults.

use crate::lineage::Conditional;
use super::space;
use crate::lineage;
use crate::scenario::Scenario;
use crate::solver::{self, Hypothesis, HypothesisSpace, Solver, SolverError};

use super::Windows;

/// Up to `limit` hypotheses of each source (fewer once filtered), not tried
/// and not supersets of a broken one, smallest first, without repeats.
#[allow(clippy::too_many_arguments)]
pub fn hypotheses(
    scenario: &Scenario,
    space: &HypothesisSpace,
    model: &lineage::Model,
    conditional: &Conditional,
    tried: &[Hypothesis],
    broken: &[Hypothesis],
    windows: Windows,
    limit: usize,
) -> Result<Vec<Hypothesis>, SolverError> {
    let solver = solver::Z3Solver;
    let mut found = two_sizes(&solver, model, space, tried, broken, limit)?;
    if !conditional.learned.is_empty() {
        let base = conditional.base(model);
        for h in two_sizes(&solver, &base, space, tried, broken, limit)? {
            if found.contains(&h) {
                continue;
            }
            let Ok(plan) = space::realize(&h, scenario, windows, scenario.seed) else { continue };
            let judged = conditional.model_for(&base, &plan);
            if solver::fails_some_outcome(&judged, &h, space.eff) {
                found.push(h);
            }
        }
        found.sort_by_key(|h| h.len());
    }
    Ok(found)
}

/// The outcomes a hypothesis breaks in the model it is judged by: `base`
/// and the paths learned under faults it injects too (a recovery seen
/// only under another fault does not make it look harmless), as
/// [`super::rank`] weighs damage. One that cannot be realized is counted
/// in `base` alone.
pub fn damage<'a>(
    scenario: &'a Scenario,
    conditional: &'a Conditional,
    base: &'a solver::Model,
    windows: Windows,
    eff: u32,
) -> impl FnMut(&Hypothesis) -> usize + 'a {
    move |h| {
        let plan = space::realize(h, scenario, windows, scenario.seed).unwrap_or_default();
        conditional.broken_by(base, &plan, h, eff)
    }
}

/// Rounds of [`two_sizes`] at most: enough for every single fault of a
/// large space (240 variables at 48 a round), bounded whatever the space.
const ROUNDS: usize = 8;

/// Up to `limit` hypotheses, smallest first; when they are all of one size
/// and fill the limit, more rounds, each with the sets found so far
/// excluded like broken ones (a minimal set never contains another), until
/// a larger one shows or none is left. The larger ones of the last round
/// come after every smaller one.
pub fn two_sizes(
    solver: &impl Solver,
    model: &solver::Model,
    space: &HypothesisSpace,
    tried: &[Hypothesis],
    broken: &[Hypothesis],
    limit: usize,
) -> Result<Vec<Hypothesis>, SolverError> {
    let mut found = solver.hypotheses(model, space, tried, broken, limit)?;
    let mut excluded = broken.to_vec();
    let mut batch = found.len();
    for _ in 0..ROUNDS {
        let smallest = found.first().map_or(0, |h| h.len());
        if batch < limit || found.iter().any(|h| h.len() > smallest) {
            break;
        }
        excluded.extend(found[found.len() - batch..].iter().cloned());
        let more = solver.hypotheses(model, space, tried, &excluded, limit)?;
        batch = more.len();
        found.extend(more);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{alive, copy_scenario, crash, link, node, omission, peer};
    use super::*;
    use crate::lineage::{Derivation, Model};
    use crate::model::{Fault, FaultPlan, PlannedFault};

    fn scenario() -> Scenario {
        copy_scenario("eot = 6\neff = 6\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n")
    }

    #[test]
    fn a_pair_shows_even_when_single_faults_fill_the_limit() {
        // 12 outcomes each broken by one crash of the instance, and one held
        // by the leader or by a follower it could send to: the cut + crash pair.
        let mut model = solver::ModelBuilder::new();
        for s in 0..12 {
            model.outcome(format!("r:{s}"), [Derivation::from([alive("p", s)])]);
        }
        let by_leader = Derivation::from([alive("leader", 2)]);
        let by_follower = Derivation::from([link("leader", "brokers", 1)]);
        model.outcome("r:acked", [by_leader, by_follower]);
        let model = model.build();
        let space = HypothesisSpace {
            crashable: vec![node("p"), node("leader")],
            links: vec![(peer("leader"), peer("brokers"))],
            eff: 12,
            max_crashes: 1,
            max_omissions: 1,
            max_faults: None,
        };
        let pair: Hypothesis = [crash("leader", 2), omission("leader", "brokers", 1)].into_iter().collect();
        let one_round = solver::Z3Solver.hypotheses(&model, &space, &[], &[], 5).unwrap();
        assert!(one_round.iter().all(|h| h.len() == 1), "{one_round:?}");
        let found = two_sizes(&solver::Z3Solver, &model, &space, &[], &[], 5).unwrap();
        assert!(found.contains(&pair), "{found:?}");
        assert_eq!(found.iter().filter(|h| h.len() == 1).count(), 12, "every single fault before it");
        assert!(found.windows(2).all(|w| w[0].len() <= w[1].len()));
    }

    #[test]
    fn a_crash_masked_only_by_a_path_another_fault_caused_is_still_proposed() {
        let scenario = scenario();
        // r:a was processed at 3 in the fault-free run, at 5 in a run that
        // crashed broker-1 over 2..4 (the learned path).
        let mut model = Model::default();
        model.outcomes.insert("r:a".into(), [Derivation::from([alive("pipeline-1", 3)])].into());
        let plan = FaultPlan {
            seed: 0,
            faults: vec![PlannedFault { fault: Fault::Crash { node: "broker-1".parse().unwrap() }, start: 2, end: 4 }],
        };
        let mut run = Model::default();
        run.outcomes.insert("r:a".into(), [Derivation::from([alive("pipeline-1", 5), alive("broker-1", 5)])].into());
        // The learning rule needs the plan to cut r:a's path: say it relied on broker-1 at 3 too.
        model.outcomes.insert("r:a".into(), [Derivation::from([alive("pipeline-1", 3), alive("broker-1", 3)])].into());
        let added = crate::lineage::learn(&mut model, run, &plan);
        let mut conditional = Conditional::default();
        conditional.push(&plan, added);
        let space = space::space(&scenario, &model);
        let tried: Vec<Hypothesis> = vec![[crash("broker-1", 2)].into_iter().collect()];
        let crash_at_3: Hypothesis = [crash("pipeline-1", 3)].into_iter().collect();
        // Counted as an alternative, the delayed path hides the crash at 3.
        let unconditional = hypotheses(&scenario, &space, &model, &Conditional::default(), &tried, &[], Windows::default(), 48).unwrap();
        assert!(!unconditional.contains(&crash_at_3), "{unconditional:?}");
        // It exists only under broker-1's crash, which the crash at 3 does not inject.
        let found = hypotheses(&scenario, &space, &model, &conditional, &tried, &[], Windows::default(), 48).unwrap();
        assert!(found.contains(&crash_at_3), "{found:?}");
    }
}
