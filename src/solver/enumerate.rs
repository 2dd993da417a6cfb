//! Minimal hypotheses, smallest first, out of one [`Encoding`].
//!
//! Sizes are taken in turn, `k = 1, 2, ...` up to the budget, each under the
//! assumption `level_k` (at most `k` faults). Every minimal failing set
//! found is blocked with all its supersets, *including* the ones not handed
//! out (already tried): so once the sizes below `k` are exhausted, every
//! model at size `k` is a minimal failing set, and no subset check is
//! needed. Each set is still passed through [`Reduced::minimize`] (cheap, in
//! Rust) as a guard; it only shrinks if that invariant were broken.
//! Supersets of `broken` sets are blocked up front, which leaves the
//! minimal sets that are not such supersets unaffected.
//!
//! Within a size, [`Order::Canonical`] walks the variables in order and
//! tries "injected" before "not injected", asking z3 only when the last
//! model does not already answer: the sets come out in the canonical order
//! (the same as [`super::BruteForce`]'s), and the first one costs at most
//! one check per variable, whatever the size of the level. [`Order::Any`]
//! takes models as z3 finds them, one check each, for counting.

use std::collections::HashSet;
use std::ops::ControlFlow;

use z3::ast::Bool;

use super::encode::Encoding;
use super::var::{Hypothesis, HypothesisSpace};
use super::reduce::{Reduced, VarId};
use super::SolverError;

/// The order sets of one size are visited in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// By the sorted sequence of their variables (the canonical order).
    Canonical,
    /// As z3 finds them.
    Any,
}

/// The enumeration state of one solver call.
pub(crate) struct Enumeration<'a> {
    reduced: &'a Reduced,
    encoding: Encoding,
    tried: HashSet<Vec<VarId>>,
    found: HashSet<Vec<VarId>>,
    max_size: u32,
}

type Visit<'v> = dyn FnMut(Vec<VarId>) -> ControlFlow<()> + 'v;

impl<'a> Enumeration<'a> {
    pub fn new(
        reduced: &'a Reduced,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
    ) -> Enumeration<'a> {
        let encoding = Encoding::new(reduced, space);
        for set in broken.iter().filter_map(|b| reduced.ids_of(b)) {
            encoding.block_supersets(&set);
        }
        let tried = tried.iter().filter_map(|t| reduced.ids_of(t)).collect();
        let max_size = space.max_size().min(reduced.vars.len() as u32);
        Enumeration {
            reduced,
            encoding,
            tried,
            found: HashSet::new(),
            max_size,
        }
    }

    /// Visits the interesting hypotheses, smallest first, until `visit`
    /// breaks or none is left.
    pub fn run(&mut self, order: Order, visit: &mut Visit<'_>) -> Result<(), SolverError> {
        for k in 1..=self.max_size {
            let level = self.encoding.level(k);
            let flow = match order {
                Order::Canonical => self.canonical_level(k as usize, level, visit)?,
                Order::Any => self.any_level(level, visit)?,
            };
            if flow.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Records a model's set; hands it to `visit` if it is new, minimal and
    /// not tried.
    /// Every call blocks something new, so the enumeration always advances.
    fn accept(&mut self, set: Vec<VarId>, visit: &mut Visit<'_>) -> Result<ControlFlow<()>, SolverError> {
        if !self.reduced.fails_some(&set) {
            return Err(SolverError::Internal(format!(
                "a model of the formula, {set:?}, makes no outcome fail"
            )));
        }
        let minimal = self.reduced.minimize(&set);
        debug_assert_eq!(minimal, set, "a set met at its own size is minimal");
        self.encoding.block_supersets(&minimal);
        if !self.found.insert(minimal.clone()) || minimal.len() != set.len() || self.tried.contains(&minimal) {
            return Ok(ControlFlow::Continue(()));
        }
        Ok(visit(minimal))
    }

    fn any_level(&mut self, level: Bool, visit: &mut Visit<'_>) -> Result<ControlFlow<()>, SolverError> {
        let assumptions = [level];
        while let Some(model) = self.encoding.check(&assumptions)? {
            let set = model
                .iter()
                .enumerate()
                .filter(|(_, v)| **v)
                .map(|(i, _)| i as VarId)
                .collect();
            if self.accept(set, visit)?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    fn canonical_level(
        &mut self,
        k: usize,
        level: Bool,
        visit: &mut Visit<'_>,
    ) -> Result<ControlFlow<()>, SolverError> {
        let mut assumptions = vec![level];
        match self.encoding.check(&assumptions)? {
            None => Ok(ControlFlow::Continue(())),
            Some(model) => self.canonical_from(0, k, model, &mut Vec::new(), &mut assumptions, visit),
        }
    }

    /// The sets of size `k` that contain `chosen`, leave out every other
    /// variable below `start`, and satisfy `assumptions` (which say just
    /// that, under `level_k`), in canonical order. `model` satisfies them.
    fn canonical_from(
        &mut self,
        start: usize,
        k: usize,
        mut model: Vec<bool>,
        chosen: &mut Vec<VarId>,
        assumptions: &mut Vec<Bool>,
        visit: &mut Visit<'_>,
    ) -> Result<ControlFlow<()>, SolverError> {
        let base = assumptions.len();
        let n = self.encoding.len();
        let mut flow = ControlFlow::Continue(());
        for i in start..n {
            if chosen.len() + (n - i) < k {
                break;
            }
            let var = i as VarId;
            // Injected first: it comes earlier in canonical order. A model
            // has at most k variables, so with k chosen it is exactly them.
            let leaf = chosen.len() + 1 == k;
            if leaf {
                if model[i] || self.satisfiable_with(assumptions, var, true)? {
                    chosen.push(var);
                    flow = self.accept(chosen.clone(), visit)?;
                    chosen.pop();
                }
            } else {
                let with = if model[i] {
                    Some(model.clone())
                } else {
                    self.check_with(assumptions, var, true)?
                };
                if let Some(with) = with {
                    chosen.push(var);
                    assumptions.push(self.encoding.literal(var, true).clone());
                    flow = self.canonical_from(i + 1, k, with, chosen, assumptions, visit)?;
                    assumptions.pop();
                    chosen.pop();
                }
            }
            if flow.is_break() {
                break;
            }
            // Then left out. A model without `i` was not touched by the
            // blocking above, which only concerned sets holding `i`.
            if model[i] {
                match self.check_with(assumptions, var, false)? {
                    Some(without) => model = without,
                    None => break,
                }
            }
            assumptions.push(self.encoding.literal(var, false).clone());
        }
        assumptions.truncate(base);
        Ok(flow)
    }

    fn check_with(
        &self,
        assumptions: &mut Vec<Bool>,
        var: VarId,
        injected: bool,
    ) -> Result<Option<Vec<bool>>, SolverError> {
        assumptions.push(self.encoding.literal(var, injected).clone());
        let result = self.encoding.check(assumptions);
        assumptions.pop();
        result
    }

    fn satisfiable_with(&self, assumptions: &mut Vec<Bool>, var: VarId, injected: bool) -> Result<bool, SolverError> {
        assumptions.push(self.encoding.literal(var, injected).clone());
        let result = self.encoding.satisfiable(assumptions);
        assumptions.pop();
        result
    }
}
