//! The campaign's runs, behind a trait the campaign owns.
//!
//! The loop decides what to inject and judges what came back; whether the
//! run happened just now on a live cluster ([`Bench`]) or was
//! recorded earlier (the tests' recorded runs) is not its business. That
//! is what lets every ending of the loop be tested on recorded traces,
//! without Docker. Minimizing a counterexample needs fresh runs of plans
//! nobody recorded, so the campaign minimizes only on a live cluster
//! ([`Runs::bench`]); the search itself runs its candidates through this
//! trait, which is how its tests drive it on recorded runs.
//!
//! Runs go side by side when there are several places to run them (a
//! cluster each): [`Runs::width`] says how many. [`side_by_side`] runs a
//! batch of them, one per place (minimization's candidates); a [`Window`]
//! keeps every place busy, a new run starting as soon as the earliest one
//! is handed back (the campaign's search). Both hand back what each run
//! gave in the order the runs were started, whichever finished first.

use std::collections::VecDeque;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesOrdered, StreamExt};

use crate::cluster::Cluster;
use crate::model::FaultPlan;
use crate::run::{self, Binaries, RunError, RunOutcome};
use crate::scenario::Scenario;

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
    fn bench(&self) -> Option<&Bench<'_>> {
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

/// Where a campaign's runs go, and what they run on: one cluster, or
/// several of the same spec that take runs side by side.
pub struct Bench<'a> {
    pub clusters: &'a [Cluster],
    pub binaries: &'a Binaries,
    pub scenario: &'a Scenario,
    pub traces_root: &'a Path,
    pub campaign: &'a str,
}

/// Live clusters run each plan for real ([`run::execute`]), one run per
/// cluster at a time.
impl Runs for Bench<'_> {
    async fn run(&self, place: usize, plan: &FaultPlan, run: &str) -> Result<RunOutcome, RunError> {
        let cluster: &Cluster = &self.clusters[place % self.clusters.len()];
        run::execute(cluster, self.binaries, self.scenario, plan, self.traces_root, self.campaign, run).await
    }

    fn width(&self) -> usize {
        self.clusters.len().max(1)
    }

    fn bench(&self) -> Option<&Bench<'_>> {
        Some(self)
    }
}

/// A run's end, as a window hands it back.
pub struct Finished {
    pub outcome: Result<RunOutcome, RunError>,
    pub wall: Duration,
}

/// Runs in flight, at most [`Runs::width`], handed back in the order they
/// were started whichever finishes first. A place (a cluster) is taken
/// when a run starts and given back when that run is handed back, so the
/// next run started goes where the earliest one ran.
pub struct Window<'r, R: Runs> {
    runs: &'r R,
    in_flight: FuturesOrdered<BoxFuture<'r, (usize, Finished)>>,
    /// Runs that finished while the caller was busy elsewhere
    /// ([`Window::meanwhile`]), in the order they were started.
    done: VecDeque<(usize, Finished)>,
    busy: Vec<bool>,
}

impl<'r, R: Runs> Window<'r, R> {
    pub fn new(runs: &'r R) -> Window<'r, R> {
        Window { runs, in_flight: FuturesOrdered::new(), done: VecDeque::new(), busy: vec![false; runs.width().max(1)] }
    }

    /// Runs started and not yet handed back.
    pub fn len(&self) -> usize {
        self.in_flight.len() + self.done.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every place is taken.
    pub fn is_full(&self) -> bool {
        self.busy.iter().all(|b| *b)
    }

    /// Starts `plan` as run `run` at a free place. The window must not be
    /// full.
    pub fn start(&mut self, plan: FaultPlan, run: String) {
        let place = self.busy.iter().position(|b| !b).expect("a free place");
        self.busy[place] = true;
        let runs = self.runs;
        self.in_flight.push_back(Box::pin(async move {
            let started = Instant::now();
            let outcome = runs.run(place, &plan, &run).await;
            (place, Finished { outcome, wall: started.elapsed() })
        }));
    }

    /// The earliest started run, once it has finished; `None` when none is
    /// in flight.
    pub async fn next(&mut self) -> Option<Finished> {
        let (place, finished) = match self.done.pop_front() {
            Some(done) => done,
            None => self.in_flight.next().await?,
        };
        self.busy[place] = false;
        Some(finished)
    }

    /// Drives `work` to its end while the runs in flight go on (a run is
    /// only carried out while it is polled: its steps, faults and heals
    /// keep their times while the caller asks the solver).
    pub async fn meanwhile<T>(&mut self, work: impl Future<Output = T>) -> T {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return out,
                Some(done) = self.in_flight.next(), if !self.in_flight.is_empty() => self.done.push_back(done),
            }
        }
    }
}
