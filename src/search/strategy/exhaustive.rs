//! `exhaustive`: every plan the budget allows over the scenario's concrete
//! targets ([`super::super::space::budget_space`]), smallest first, the
//! lineage unused. A baseline; it certifies only after all of them.

use super::super::{plans, space};
use super::{untried, Entry, Known, Strategy};
use crate::solver::{Hypothesis, SolverError};

pub const ENTRY: Entry = Entry { name: "exhaustive", about: "every plan of the budget, smallest first (a baseline)", start };

fn start() -> Box<dyn Strategy> {
    Box::new(Exhaustive)
}

struct Exhaustive;

impl Strategy for Exhaustive {
    fn next(&mut self, known: &Known) -> Result<Option<Hypothesis>, SolverError> {
        let space = space::budget_space(&known.scenario);
        let next = plans::exhaustive(&space).find(|h| untried(h, &known.tried, &known.broken));
        Ok(next)
    }

    /// Counted in closed form ([`plans::remaining`]): unknown past 10^18.
    fn remaining(&self, known: &Known) -> Option<usize> {
        let space = space::budget_space(&known.scenario);
        plans::remaining(&space, &known.tried, &known.broken).and_then(|n| usize::try_from(n).ok())
    }
}
