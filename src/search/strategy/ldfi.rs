//! `ldfi`: lineage-driven. The solver's minimal hypotheses over the space
//! the lineage names ([`super::super::next::hypotheses`]), the next one
//! picked by the ranking policy ([`super::super::rank`]). Hypotheses the
//! lineage cannot tell apart from one already injected count as injected
//! ([`super::super::alike`]).

use super::super::{alike, next, rank, space};
use super::{Entry, Known, Strategy};
use crate::solver::{Hypothesis, SolverError};

pub const ENTRY: Entry = Entry { name: "ldfi", about: "the solver over the lineage, ranked (the default)", start };

fn start() -> Box<dyn Strategy> {
    Box::new(Ldfi)
}

struct Ldfi;

/// Hypotheses past this many left count as "too many to say".
const REMAINING_CAP: usize = 10_000;

impl Strategy for Ldfi {
    fn solves(&self) -> bool {
        true
    }

    fn next(&mut self, known: &Known) -> Result<Option<Hypothesis>, SolverError> {
        let Known { scenario, knowledge, windows, .. } = known;
        let (model, conditional) = (&knowledge.model, &knowledge.conditional);
        let (found, injected) = weighed(known, rank::RANKED)?;
        let space = space::space(scenario, model);
        let base = conditional.base(model);
        let mut damage = next::damage(scenario, &knowledge.conditional, &base, *windows, space.eff);
        let mut pictures = alike::Pictures::new(base.clone(), scenario, *windows);
        Ok(rank::pick(found, &injected, &mut |v| pictures.of(v), &mut damage))
    }

    /// What is left to weigh ([`left`]), counted.
    fn remaining(&self, known: &Known) -> Option<usize> {
        left(known).ok().map(|h| h.len())
    }

    fn judged_alike(&self, known: &Known) -> super::Uninjected {
        let alike::Injected { alike, landed, .. } = alike::injected(known);
        super::Uninjected { alike, landed }
    }
}

/// Up to `limit` hypotheses of each source of [`next::hypotheses`], and
/// everything counted as injected ([`alike::injected`]).
fn weighed(known: &Known, limit: usize) -> Result<(Vec<Hypothesis>, Vec<Hypothesis>), SolverError> {
    let Known { scenario, knowledge, windows, .. } = known;
    let (model, conditional) = (&knowledge.model, &knowledge.conditional);
    let space = space::space(scenario, model);
    let alike::Injected { tried, broken, .. } = alike::injected(known);
    let found = next::hypotheses(scenario, &space, model, conditional, &tried, &broken, *windows, limit)?;
    Ok((found, tried.into_iter().chain(broken).collect()))
}

/// The hypotheses left to weigh (up to [`REMAINING_CAP`] of each
/// source), in the order the campaign would inject them if each survived:
/// what a certificate still waits for.
pub fn left(known: &Known) -> Result<Vec<Hypothesis>, SolverError> {
    let Known { scenario, knowledge, windows, .. } = known;
    let (model, conditional) = (&knowledge.model, &knowledge.conditional);
    let (found, _) = weighed(known, REMAINING_CAP)?;
    let space = space::space(scenario, model);
    let base = conditional.base(model);
    let mut damage = next::damage(scenario, &knowledge.conditional, &base, *windows, space.eff);
    let mut pictures = alike::Pictures::new(base.clone(), scenario, *windows);
    Ok(rank::order(found, &mut |v| pictures.of(v), &mut damage))
}
