//! [`BruteForce`]: every subset of the space, smallest first, checked
//! against the reference semantics of [`super::space`].
//!
//! Exponential, and meant to be: it shares no code with the reduction, the
//! encoding or the enumeration of the z3 backend, so tests can hold the two
//! against each other. Use it on tiny spaces only.

use super::model::Model;
use super::var::{Hypothesis, HypothesisSpace};
use super::space::fails_some_outcome;
use super::{Solver, SolverError};

/// Enumerates subsets in size order; for tests and tiny spaces.
#[derive(Debug, Clone, Copy, Default)]
pub struct BruteForce;

/// More subsets than this and BruteForce refuses.
const MAX_SUBSETS: u64 = 20_000_000;

impl BruteForce {
    fn enumerate(
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        want: usize,
    ) -> Result<Vec<Hypothesis>, SolverError> {
        let vars = space.vars();
        let max_size = (space.max_size() as usize).min(vars.len());
        let subsets: u64 = (1..=max_size)
            .map(|k| binomial(vars.len() as u64, k as u64))
            .fold(0, u64::saturating_add);
        if subsets > MAX_SUBSETS {
            return Err(SolverError::TooLargeForBruteForce {
                vars: vars.len(),
                subsets,
            });
        }
        let fails = |h: &Hypothesis| fails_some_outcome(model, h, space.eff);
        let mut found = Vec::new();
        for k in 1..=max_size {
            // Index combinations in lexicographic order, which is the
            // canonical order since `vars` is sorted.
            let mut pick: Vec<usize> = (0..k).collect();
            loop {
                let h: Hypothesis = pick.iter().map(|&i| vars[i].clone()).collect();
                let minimal = || {
                    h.iter()
                        .all(|v| !fails(&h.iter().filter(|w| *w != v).cloned().collect()))
                };
                if space.within_budget(&h)
                    && !tried.contains(&h)
                    && !broken.iter().any(|b| b.is_subset(&h))
                    && fails(&h)
                    && minimal()
                {
                    found.push(h);
                    if found.len() >= want {
                        return Ok(found);
                    }
                }
                if !next_combination(&mut pick, vars.len()) {
                    break;
                }
            }
        }
        Ok(found)
    }
}

/// Advances `pick` (increasing indices below `n`) to the next combination.
fn next_combination(pick: &mut [usize], n: usize) -> bool {
    let k = pick.len();
    for i in (0..k).rev() {
        if pick[i] < n - k + i {
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// `n` choose `k`, saturating at `u64::MAX`.
fn binomial(n: u64, k: u64) -> u64 {
    let mut acc: u128 = 1;
    for i in 0..k {
        // Exact: a product of i + 1 consecutive integers is divisible by (i + 1)!.
        acc = acc * u128::from(n - i) / u128::from(i + 1);
        if acc > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    acc as u64
}

impl Solver for BruteForce {
    fn hypotheses(
        &self,
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        limit: usize,
    ) -> Result<Vec<Hypothesis>, SolverError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        BruteForce::enumerate(model, space, tried, broken, limit)
    }

    fn count(
        &self,
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        cap: usize,
    ) -> Result<usize, SolverError> {
        if cap == 0 {
            return Ok(0);
        }
        Ok(BruteForce::enumerate(model, space, tried, broken, cap)?.len())
    }
}
