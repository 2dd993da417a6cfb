//! Counterexample minimization: the smallest fault plan that still breaks
//! the property, and how often it does.
//!
//! The solver's hypotheses are minimal in its model, but a realized plan is
//! wider than what broke the system (a crash window of two steps where one
//! was enough; a second fault that only mattered in the model). A person
//! fixing the bug wants the least they must reproduce. So after a violation,
//! on the live cluster, ldfi tries smaller plans: without each fault, then
//! each window shortened from its end and from its start. A candidate is
//! kept only if the violation reproduces, greedily (the first smaller plan
//! that breaks the property becomes the new plan to shrink). The search is
//! bounded by a run budget, and the result is re-run a few more times: the
//! reproduction rate is reported, never hidden, because a Kafka pipeline
//! under faults is not deterministic.
//!
//! [`candidates`] is the pure part (which smaller plans, in which order);
//! [`minimize`] runs them through [`Runs`]: the campaign hands it the live
//! cluster ([`Bench`]), the tests recorded runs.

use std::path::Path;
use std::time::Instant;

use super::{CampaignEvent, Counterexample, Listener, Runs};
pub use crate::summary::{Attempt, MinimalPlan};
use crate::checker::Verdict;
use crate::cluster::Cluster;
use crate::model::FaultPlan;
use crate::run::Binaries;
use crate::scenario::Scenario;

/// How much minimization may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinimizeSettings {
    /// Runs in all, confirmations included.
    pub max_runs: u32,
    /// Extra runs of the final plan, to measure how often it reproduces.
    pub confirm: u32,
    /// Start no run after this instant (the campaign's `--max-wall-time`).
    pub deadline: Option<Instant>,
}

impl Default for MinimizeSettings {
    fn default() -> MinimizeSettings {
        MinimizeSettings { max_runs: 6, confirm: 2, deadline: None }
    }
}

/// Smaller plans to try, in order: the plan without each fault (when it has
/// more than one), then each window of two steps or more shortened by its
/// last step, then by its first. Every candidate keeps the seed.
pub fn candidates(plan: &FaultPlan) -> Vec<FaultPlan> {
    let mut out = Vec::new();
    if plan.faults.len() > 1 {
        for i in 0..plan.faults.len() {
            let mut smaller = plan.clone();
            smaller.faults.remove(i);
            out.push(smaller);
        }
    }
    for (i, fault) in plan.faults.iter().enumerate() {
        if fault.end > fault.start + 1 {
            let mut earlier_end = plan.clone();
            earlier_end.faults[i].end -= 1;
            out.push(earlier_end);
            let mut later_start = plan.clone();
            later_start.faults[i].start += 1;
            out.push(later_start);
        }
    }
    out
}

/// Where the runs of a minimization go, and what they run on.
pub struct Bench<'a> {
    pub cluster: &'a Cluster,
    pub binaries: &'a Binaries,
    pub scenario: &'a Scenario,
    pub traces_root: &'a Path,
    pub campaign: &'a str,
}

/// Shrinks `counterexample`'s plan within `settings`, running each candidate
/// through `runs` as `<counterexample>-min1`, `-min2`, ... At most
/// `settings.max_runs` runs in all: the search stops `settings.confirm`
/// runs short of it, and the confirmations get what is left. An
/// infrastructure error ends the search with what was found so far (and
/// says so in [`MinimalPlan::note`]): a violation found is never turned into
/// an infrastructure failure.
pub async fn minimize(
    runs: &impl Runs,
    counterexample: &Counterexample,
    settings: MinimizeSettings,
    listener: &mut dyn Listener,
) -> MinimalPlan {
    let broken: Vec<&str> = counterexample.results.iter().map(|r| r.property.name()).collect();
    let mut result = MinimalPlan { plan: counterexample.plan.clone(), reproduced: 1, of: 1, attempts: Vec::new(), note: None };
    let search = settings.max_runs.saturating_sub(settings.confirm);
    let mut count = 0u32;
    let late = || settings.deadline.is_some_and(|d| Instant::now() >= d);
    const LATE: &str = "the campaign's wall-time limit was reached";
    let next_run = |count: &mut u32| {
        *count += 1;
        format!("{}-min{}", counterexample.run, count)
    };

    'shrink: loop {
        for candidate in candidates(&result.plan) {
            if count >= search {
                break 'shrink;
            }
            if late() {
                result.note = Some(LATE.to_string());
                return result;
            }
            match attempt(runs, &broken, next_run(&mut count), candidate.clone(), false, listener).await {
                Ok(a) => {
                    let kept = a.reproduced;
                    result.attempts.push(a);
                    if kept {
                        result.plan = candidate;
                        continue 'shrink;
                    }
                }
                Err(e) => {
                    result.note = Some(e);
                    return result;
                }
            }
        }
        break;
    }
    for _ in 0..settings.confirm {
        if count >= settings.max_runs {
            break;
        }
        if late() {
            result.note = Some(LATE.to_string());
            break;
        }
        match attempt(runs, &broken, next_run(&mut count), result.plan.clone(), true, listener).await {
            Ok(a) => {
                result.of += 1;
                result.reproduced += u32::from(a.reproduced);
                result.attempts.push(a);
            }
            Err(e) => {
                result.note = Some(e);
                break;
            }
        }
    }
    result
}

/// One run of a minimization: `plan` as run `run`, and whether it broke
/// one of the `broken` properties again. An infrastructure error is the
/// note the search stops with.
async fn attempt(
    runs: &impl Runs,
    broken: &[&str],
    run: String,
    plan: FaultPlan,
    confirmation: bool,
    listener: &mut dyn Listener,
) -> Result<Attempt, String> {
    let told = |e: std::io::Error| format!("minimization run {run}: {e}");
    listener.on(&CampaignEvent::RunStarted { run: &run, plan: &plan }).map_err(told)?;
    let started = Instant::now();
    let outcome = runs.run(&plan, &run).await.map_err(|e| format!("minimization run {run}: {e}"))?;
    let reproduced = outcome.verdict.results.iter().any(|r| r.verdict == Verdict::Fail && broken.contains(&r.property.name()));
    let wall_ms = started.elapsed().as_millis() as u64;
    let attempt = Attempt { run, plan, verdict: outcome.verdict.verdict, reproduced, wall_ms, confirmation };
    listener.on(&CampaignEvent::Minimizing { attempt: &attempt }).map_err(|e| format!("minimization run {}: {e}", attempt.run))?;
    Ok(attempt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fault, NodeId, PlannedFault};

    fn crash(node: NodeId, start: u32, end: u32) -> PlannedFault {
        PlannedFault { fault: Fault::Crash { node }, start, end }
    }

    #[test]
    fn candidates_remove_each_fault_then_shorten_each_window_from_the_end_then_the_start() {
        let p1 = NodeId::client("pipeline-1");
        let b2 = NodeId::Broker(2);
        let plan = FaultPlan { seed: 7, faults: vec![crash(p1.clone(), 2, 4), crash(b2.clone(), 1, 2)] };
        let got = candidates(&plan);
        let want = vec![
            FaultPlan { seed: 7, faults: vec![crash(b2.clone(), 1, 2)] },
            FaultPlan { seed: 7, faults: vec![crash(p1.clone(), 2, 4)] },
            FaultPlan { seed: 7, faults: vec![crash(p1.clone(), 2, 3), crash(b2.clone(), 1, 2)] },
            FaultPlan { seed: 7, faults: vec![crash(p1.clone(), 3, 4), crash(b2.clone(), 1, 2)] },
        ];
        assert_eq!(got, want);
        // Every candidate is strictly smaller and stays a valid plan.
        for c in &got {
            assert!(c.validate(6).is_ok(), "{c}");
        }
    }

    #[test]
    fn a_single_fault_plan_still_tries_shorter_windows() {
        let plan = FaultPlan { seed: 0, faults: vec![crash(NodeId::client("pipeline-1"), 2, 5)] };
        let got: Vec<String> = candidates(&plan).iter().map(|p| p.to_string()).collect();
        assert_eq!(got, ["crash pipeline-1 over steps 2..4", "crash pipeline-1 over steps 3..5"]);
    }

    #[test]
    fn a_single_one_step_fault_is_already_minimal() {
        let plan = FaultPlan { seed: 0, faults: vec![crash(NodeId::Broker(1), 3, 4)] };
        assert!(candidates(&plan).is_empty());
        assert!(candidates(&FaultPlan::none()).is_empty());
    }
}

#[cfg(test)]
mod search;
