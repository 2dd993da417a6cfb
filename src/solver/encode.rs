//! The formula: "some outcome fails, within the budget", in z3 booleans.
//!
//! - `x_i`: variable `i` of the reduced problem is injected;
//! - `cut_c → OR { x_i : i in cut set c }`, one per distinct derivation;
//! - `fails_s → AND { cut_c : c in support s }`, one per distinct outcome;
//! - `OR fails_s`: some outcome fails;
//! - budget as cardinality constraints: at most `max_crashes` crash
//!   variables, at most `max_omissions` omissions;
//! - `level_k → atmost(x, k)`, one indicator per size `k`, passed as an
//!   assumption so the bound can grow without popping learned clauses;
//! - blocking clauses `OR { ¬x_i : i in M }`: no superset of `M`.
//!
//! The auxiliaries only need to imply what they stand for: they occur
//! positively, so any model's true `x` still cuts what it claims to.
//! Everything is boolean or pseudo-boolean, which is all the system's Z3
//! 4.8.12 needs to offer (see the module doc of [`super`]).

use std::collections::BTreeMap;

use z3::ast::{atmost, Bool};
use z3::{SatResult, Solver};

use super::var::{FaultVar, HypothesisSpace};
use super::reduce::{Reduced, VarId};
use super::SolverError;

/// A z3 solver holding the formula of one reduced problem. Lives inside one
/// z3 context (one call of the backend); not `Send`.
pub(crate) struct Encoding {
    solver: Solver,
    x: Vec<Bool>,
    not_x: Vec<Bool>,
    levels: BTreeMap<u32, Bool>,
}

impl Encoding {
    pub fn new(reduced: &Reduced, space: &HypothesisSpace) -> Encoding {
        // Booleans and cardinalities only: the smallest logic keeps z3 from
        // setting up arithmetic and other theories at every check (about
        // three times faster per check than the default).
        let solver = Solver::new_for_logic("QF_UF").unwrap_or_default();
        let x: Vec<Bool> = (0..reduced.vars.len())
            .map(|i| Bool::new_const(format!("x{i}")))
            .collect();
        let not_x = x.iter().map(Bool::not).collect();

        let cuts: Vec<Bool> = reduced
            .cuts
            .iter()
            .enumerate()
            .map(|(c, set)| {
                let cut = Bool::new_const(format!("cut{c}"));
                let hitters: Vec<&Bool> = set.iter().map(|&i| &x[i as usize]).collect();
                solver.assert(cut.implies(Bool::or(&hitters)));
                cut
            })
            .collect();
        let fails: Vec<Bool> = reduced
            .supports
            .iter()
            .enumerate()
            .map(|(s, support)| {
                let fail = Bool::new_const(format!("fails{s}"));
                let all_cut: Vec<&Bool> = support.iter().map(|&c| &cuts[c as usize]).collect();
                solver.assert(fail.implies(Bool::and(&all_cut)));
                fail
            })
            .collect();
        solver.assert(Bool::or(&fails));

        let (mut crashes, mut omissions) = (Vec::new(), Vec::new());
        for (var, b) in reduced.vars.iter().zip(&x) {
            match var {
                FaultVar::Crash { .. } => crashes.push(b),
                FaultVar::Omission { .. } => omissions.push(b),
            }
        }
        if crashes.len() > space.max_crashes as usize {
            solver.assert(atmost(crashes, space.max_crashes));
        }
        if omissions.len() > space.max_omissions as usize {
            solver.assert(atmost(omissions, space.max_omissions));
        }
        Encoding {
            solver,
            x,
            not_x,
            levels: BTreeMap::new(),
        }
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// The literal "variable `i` is injected" (or not).
    pub fn literal(&self, i: VarId, injected: bool) -> &Bool {
        if injected {
            &self.x[i as usize]
        } else {
            &self.not_x[i as usize]
        }
    }

    /// Forbids `set` and every superset of it (the empty set forbids all).
    pub fn block_supersets(&self, set: &[VarId]) {
        let not_all: Vec<&Bool> = set.iter().map(|&i| &self.not_x[i as usize]).collect();
        self.solver.assert(Bool::or(&not_all));
    }

    /// The indicator that bounds a hypothesis to at most `k` variables.
    pub fn level(&mut self, k: u32) -> Bool {
        let (solver, x) = (&self.solver, &self.x);
        self.levels
            .entry(k)
            .or_insert_with(|| {
                let level = Bool::new_const(format!("level{k}"));
                solver.assert(level.implies(atmost(x, k)));
                level
            })
            .clone()
    }

    /// Whether the formula holds under `assumptions`.
    pub fn satisfiable(&self, assumptions: &[Bool]) -> Result<bool, SolverError> {
        match self.solver.check_assumptions(assumptions) {
            SatResult::Sat => Ok(true),
            SatResult::Unsat => Ok(false),
            SatResult::Unknown => Err(SolverError::Unknown {
                reason: self
                    .solver
                    .get_reason_unknown()
                    .unwrap_or_else(|| "no reason given".into()),
            }),
        }
    }

    /// The value of each variable in the model of the last satisfiable
    /// check. Costs about as much as the check itself, so callers that only
    /// need the verdict do not ask.
    pub fn model(&self) -> Result<Vec<bool>, SolverError> {
        let model = self.solver.get_model().ok_or_else(|| SolverError::Unknown {
            reason: "z3 said sat but gave no model".into(),
        })?;
        // A constant the model leaves out does not matter: false will do.
        Ok(self
            .x
            .iter()
            .map(|b| model.get_const_interp(b).and_then(|v| v.as_bool()).unwrap_or(false))
            .collect())
    }

    /// A model under `assumptions`, or `None` if there is none.
    pub fn check(&self, assumptions: &[Bool]) -> Result<Option<Vec<bool>>, SolverError> {
        if self.satisfiable(assumptions)? {
            self.model().map(Some)
        } else {
            Ok(None)
        }
    }
}
