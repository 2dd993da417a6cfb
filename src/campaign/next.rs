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

use super::learn::Conditional;
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
    let mut found = solver.hypotheses(&space::solver_model(model), space, tried, broken, limit)?;
    if !conditional.learned.is_empty() {
        let base = conditional.base(model);
        let base_solver = space::solver_model(&base);
        for h in solver.hypotheses(&base_solver, space, tried, broken, limit)? {
            if found.contains(&h) {
                continue;
            }
            let Ok(plan) = space::realize(&h, scenario, windows, scenario.seed) else { continue };
            let judged = conditional.model_for(&base, &plan);
            if solver::fails_some_outcome(&space::solver_model(&judged), &h, space.eff) {
                found.push(h);
            }
        }
        found.sort_by_key(|h| h.len());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::{Derivation, Fact, Model};
    use crate::nemesis::{Fault, FaultPlan, PlannedFault};
    use crate::solver::FaultVar;

    fn scenario() -> Scenario {
        let text = "name = \"s\"\n[[topics]]\nname = \"input\"\n[[topics]]\nname = \"output\"\n[pipeline]\nkind = \"copy\"\n\
                    input = \"input\"\noutput = \"output\"\n[workload]\nrecords_per_step = 1\n[faults]\neot = 6\neff = 6\n\
                    kinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n";
        Scenario::parse(std::path::Path::new("test.toml"), text).unwrap()
    }

    fn alive(node: &str, step: u32) -> Fact {
        Fact::Alive { node: node.into(), step }
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
        let added = super::super::learn::learn(&mut model, run, &plan);
        let mut conditional = Conditional::default();
        conditional.push(&plan, added);
        let space = space::space(&scenario, &model);
        let tried: Vec<Hypothesis> = vec![[FaultVar::crash("broker-1@2", 0)].into_iter().collect()];
        let crash_at_3: Hypothesis = [FaultVar::crash("pipeline-1@3", 0)].into_iter().collect();
        // Counted as an alternative, the delayed path hides the crash at 3.
        let unconditional = hypotheses(&scenario, &space, &model, &Conditional::default(), &tried, &[], Windows::default(), 48).unwrap();
        assert!(!unconditional.contains(&crash_at_3), "{unconditional:?}");
        // It exists only under broker-1's crash, which the crash at 3 does not inject.
        let found = hypotheses(&scenario, &space, &model, &conditional, &tried, &[], Windows::default(), 48).unwrap();
        assert!(found.contains(&crash_at_3), "{found:?}");
    }
}
