//! The solver: from the lineage of good outcomes to the next faults worth
//! injecting.
//!
//! Every good outcome comes with its known derivations. It fails only if
//! every derivation is cut, and a derivation is cut if any fact it relied
//! on is (see [`FaultVar::cuts`] for the fault model). A *hypothesis* is a
//! set of faults that makes some outcome fail, within the budget, and
//! minimal: no proper subset already does. The loop injects hypotheses for
//! real, smallest first, never the same one twice and never a superset of
//! one that already broke something.
//!
//! ```
//! use ldfi::model::NodeId;
//! use ldfi::solver::{Derivation, Fact, FaultVar, HypothesisSpace, ModelBuilder, Solver, Z3Solver};
//!
//! // A record on three replicas, written at step 0: any one of them is enough.
//! let mut model = ModelBuilder::new();
//! let replicas = [1, 2, 3].map(NodeId::broker);
//! model.outcome("r:1", replicas.clone().map(|b| Derivation::from([Fact::alive(b, 0)])));
//! let model = model.build();
//! let space = HypothesisSpace {
//!     crashable: replicas.to_vec(),
//!     links: vec![],
//!     eff: 1,
//!     max_crashes: 3,
//!     max_omissions: 0,
//!     max_faults: None,
//! };
//! let found = Z3Solver.hypotheses(&model, &space, &[], &[], 10)?;
//! let all_three = replicas.map(|b| FaultVar::crash(b, 0)).into_iter().collect();
//! assert_eq!(found, vec![all_three]);
//! # Ok::<(), ldfi::solver::SolverError>(())
//! ```
//!
//! # How
//!
//! One file per stage: `model` (the lineage model: facts and derivations),
//! `var` (fault variables, hypotheses and their space), `space` (the reference
//! semantics of faults and budget), `reduce` (merges the model: each
//! derivation becomes the set of fault variables that cut it, identical ones
//! and identical outcome supports are interned, so a million records on the
//! same replicas cost what one does), `encode` (booleans and cardinality
//! constraints), `enumerate` (sizes `k = 1, 2, ...`, each minimal set blocked
//! with its supersets), `backend` ([`Z3Solver`]) and `brute` ([`BruteForce`],
//! the same contract on the reference semantics, to check [`Z3Solver`]).
//!
//! # Which z3
//!
//! The `z3` crate 0.22, linked to the system's libz3 (Debian's `libz3-dev`,
//! Z3 4.8.12; `scripts/setup` installs it). Its bindings ship pre-generated
//! for a newer Z3, so the build warns about the version and a few newer C
//! functions (e.g. those behind `Real::from_rational`) would not link. The
//! solver only uses what Z3 4.x has: boolean constants, `and`/`or`/`not`/
//! `implies`, `atmost`, checks under assumptions and model lookups of
//! constants; the linker only asks for what is used. The alternative, z3
//! 0.19 with bindgen against the real header, needs libclang on every
//! machine that builds and has an older API with explicit context
//! lifetimes. In 0.22 the context is implicit and thread-local, and
//! `z3::with_z3_config` gives each call a fresh one that dies with it, which
//! is what lets [`Z3Solver`] be `Send + Sync`. The solver is made for logic
//! `QF_UF`, the smallest that takes these constraints: each check then costs
//! about a third of what it does under the default (all theories). The
//! build's other warning, that enum numbering may differ between versions,
//! concerns declaration kinds and the like, which the solver never reads.

mod backend;
mod brute;
mod encode;
mod enumerate;
mod model;
mod reduce;
mod space;
mod var;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use backend::Z3Solver;
pub use brute::BruteForce;
pub use model::{Derivation, Fact, Model, ModelBuilder, Peer, Trail};
pub use space::{cuts_derivation, fails, fails_some_outcome};
pub use var::{FaultVar, Hypothesis, HypothesisSpace};

/// Why the solver could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolverError {
    /// z3 returned "unknown" (interrupted, out of resources).
    #[error("z3 could not decide: {reason}")]
    Unknown { reason: String },
    /// The space has more variables than the solver indexes (2^32).
    #[error("hypothesis space too large: {nodes} crashable nodes and {links} links over {eff} steps")]
    SpaceTooLarge { nodes: usize, links: usize, eff: u32 },
    /// A check inside the solver failed: a bug, please report it.
    #[error("solver bug: {0}")]
    Internal(String),
    /// [`BruteForce`] was asked to walk more subsets than it will.
    #[error("brute force over {vars} variables would visit {subsets} subsets; use Z3Solver")]
    TooLargeForBruteForce { vars: usize, subsets: u64 },
}

/// Finds the hypotheses worth injecting next.
///
/// Implementations are `Send + Sync` so the campaign can call them from a
/// blocking thread. The interesting hypotheses are those that make at
/// least one outcome fail, respect the budget, are minimal, are not in
/// `tried` (sets already injected) and contain no set of `broken` (sets that
/// already broke something). Both solvers return them in the same order:
/// by size, then by their sorted sequence of [`FaultVar`]s.
pub trait Solver: Send + Sync {
    /// Up to `limit` interesting hypotheses, smallest first (by size, then a deterministic order).
    fn hypotheses(
        &self,
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        limit: usize,
    ) -> Result<Vec<Hypothesis>, SolverError>;

    /// How many interesting hypotheses remain in total (for "explored N of M"),
    /// counting at most `cap`.
    fn count(
        &self,
        model: &Model,
        space: &HypothesisSpace,
        tried: &[Hypothesis],
        broken: &[Hypothesis],
        cap: usize,
    ) -> Result<usize, SolverError>;
}
