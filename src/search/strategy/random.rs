//! `random`: plans drawn from everything the budget allows over the
//! scenario's concrete targets ([`super::super::space::budget_space`]),
//! by the scenario's seed, the lineage unused. A baseline.

use super::super::{plans, space};
use super::{untried, Entry, Known, Strategy};
use crate::solver::{Hypothesis, SolverError};

pub const ENTRY: Entry = Entry { name: "random", about: "plans drawn from the budget, by the seed (a baseline)", start };

fn start() -> Box<dyn Strategy> {
    Box::new(Random { draws: 0 })
}

/// Draws that gave a plan already tried before it gives up: the budget is
/// then as good as spent.
const ATTEMPTS: usize = 1000;

struct Random {
    /// Draws so far: the next draw is the seed's `draws + 1`-th.
    draws: u64,
}

impl Strategy for Random {
    fn next(&mut self, known: &Known) -> Result<Option<Hypothesis>, SolverError> {
        let space = space::budget_space(&known.scenario);
        for _ in 0..ATTEMPTS {
            self.draws += 1;
            if let Some(h) = plans::random(&space, known.scenario.seed, self.draws) {
                if untried(&h, &known.tried, &known.broken) {
                    return Ok(Some(h));
                }
            }
        }
        Ok(None)
    }

    /// Counted in closed form ([`plans::remaining`]): unknown past 10^18.
    fn remaining(&self, known: &Known) -> Option<usize> {
        let space = space::budget_space(&known.scenario);
        plans::remaining(&space, &known.tried, &known.broken).and_then(|n| usize::try_from(n).ok())
    }
}
