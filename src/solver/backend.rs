//! [`Z3Solver`]: the reduction, the encoding and the enumeration, run in a
//! z3 context of their own.
//!
//! z3 objects are not `Send`, while the campaign calls the solver from
//! tokio's blocking pool: so each call builds its own context (through
//! `z3::with_z3_config`), and nothing z3 outlives the call. The merge of the
//! model happens before, in plain Rust.

use std::ops::ControlFlow;

use super::enumerate::{Enumeration, Order};
use super::model::Model;
use super::var::{Hypothesis, HypothesisSpace};
use super::reduce::{Reduced, VarId};
use super::{Solver, SolverError};

/// The real solver: minimal hypotheses with z3. Stateless, `Send + Sync`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Z3Solver;

impl Z3Solver {
    /// Runs `visit` over the interesting hypotheses in a fresh z3 context.
    fn enumerate(
        reduced: &Reduced,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        order: Order,
        want: usize,
    ) -> Result<Vec<Vec<VarId>>, SolverError> {
        if want == 0 || reduced.supports.is_empty() {
            return Ok(Vec::new());
        }
        z3::with_z3_config(&z3::Config::new(), || {
            let mut enumeration = Enumeration::new(reduced, space, tried, broken);
            let mut found = Vec::new();
            enumeration.run(order, &mut |set| {
                found.push(set);
                if found.len() >= want {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })?;
            Ok(found)
        })
    }
}

impl Solver for Z3Solver {
    fn hypotheses(
        &self,
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        limit: usize,
    ) -> Result<Vec<Hypothesis>, SolverError> {
        let reduced = Reduced::new(model, space)?;
        let sets = Z3Solver::enumerate(&reduced, space, tried, broken, Order::Canonical, limit)?;
        Ok(sets.iter().map(|set| reduced.hypothesis(set)).collect())
    }

    fn count(
        &self,
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        cap: usize,
    ) -> Result<usize, SolverError> {
        let reduced = Reduced::new(model, space)?;
        Ok(Z3Solver::enumerate(&reduced, space, tried, broken, Order::Any, cap)?.len())
    }
}
