//! The campaign's runs, behind a trait the campaign owns.
//!
//! The loop decides what to inject and judges what came back; whether the
//! run happened just now on a live cluster ([`minimize::Bench`]) or was
//! recorded earlier (the tests' recorded runs) is not its business. That
//! is what lets every ending of the loop be tested on recorded traces,
//! without Docker. Minimizing a counterexample needs fresh runs of plans
//! nobody recorded, so the campaign minimizes only on a live cluster
//! ([`Runs::bench`]); the search itself runs its candidates through this
//! trait, which is how its tests drive it on recorded runs.
//!
//! Runs go side by side when there are several places to run them (a
//! cluster each): [`Runs::width`] says how many, and [`side_by_side`] runs
//! a round of them, one per place, handing back what each gave in the
//! round's order, whichever finished first.

use std::future::Future;
use std::time::{Duration, Instant};

use super::minimize;
use crate::cluster::Cluster;
use crate::model::FaultPlan;
use crate::run::{self, RunError, RunOutcome};

/// Where the campaign's runs come from.
pub trait Runs: Sync {
    /// Carries out `plan` as run `run` (`r0`, `r1`, ...) at place `place`
    /// (below [`Runs::width`]): its traces' directory and verdict.
    fn run(&self, place: usize, plan: &FaultPlan, run: &str) -> impl Future<Output = Result<RunOutcome, RunError>> + Send;

    /// How many runs can go side by side (a cluster each).
    fn width(&self) -> usize {
        1
    }

    /// The live clusters a counterexample can be minimized on, if any.
    fn bench(&self) -> Option<&minimize::Bench<'_>> {
        None
    }
}

/// Runs `round` (each a plan and its run's name) side by side, the k-th
/// at place k (`round` holds at most [`Runs::width`]), and hands back
/// each one's result and wall time in the order of `round`.
pub async fn side_by_side<R: Runs>(runs: &R, round: &[(FaultPlan, String)]) -> Vec<(Result<RunOutcome, RunError>, Duration)> {
    futures_util::future::join_all(round.iter().enumerate().map(|(place, (plan, run))| async move {
        let started = Instant::now();
        let outcome = runs.run(place, plan, run).await;
        (outcome, started.elapsed())
    }))
    .await
}

/// Live clusters run each plan for real ([`run::execute`]), one run per
/// cluster at a time.
impl Runs for minimize::Bench<'_> {
    async fn run(&self, place: usize, plan: &FaultPlan, run: &str) -> Result<RunOutcome, RunError> {
        let cluster: &Cluster = &self.clusters[place % self.clusters.len()];
        run::execute(cluster, self.binaries, self.scenario, plan, self.traces_root, self.campaign, run).await
    }

    fn width(&self) -> usize {
        self.clusters.len().max(1)
    }

    fn bench(&self) -> Option<&minimize::Bench<'_>> {
        Some(self)
    }
}
