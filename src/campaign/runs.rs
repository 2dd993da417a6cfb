//! One run of the campaign, behind a trait the campaign owns.
//!
//! The loop decides what to inject and judges what came back; whether the
//! run happened just now on a live cluster ([`minimize::Bench`]) or was
//! recorded earlier (the tests' recorded runs) is not its business. That
//! is what lets every ending of the loop be tested on recorded traces,
//! without Docker. Minimizing a counterexample needs fresh runs of plans
//! nobody recorded, so the campaign minimizes only on a live cluster
//! ([`Runs::bench`]); the search itself runs its candidates through this
//! trait, which is how its tests drive it on recorded runs.

use std::future::Future;

use super::minimize;
use crate::model::FaultPlan;
use crate::run::{self, RunError, RunOutcome};

/// Where the campaign's runs come from.
pub trait Runs {
    /// Carries out `plan` as run `run` (`r0`, `r1`, ...): its traces'
    /// directory and verdict.
    fn run(&self, plan: &FaultPlan, run: &str) -> impl Future<Output = Result<RunOutcome, RunError>> + Send;

    /// The live cluster a counterexample can be minimized on, if any.
    fn bench(&self) -> Option<&minimize::Bench<'_>> {
        None
    }
}

/// A live cluster runs each plan for real ([`run::execute`]).
impl Runs for minimize::Bench<'_> {
    async fn run(&self, plan: &FaultPlan, run: &str) -> Result<RunOutcome, RunError> {
        run::execute(self.cluster, self.binaries, self.scenario, plan, self.traces_root, self.campaign, run).await
    }

    fn bench(&self) -> Option<&minimize::Bench<'_>> {
        Some(self)
    }
}
