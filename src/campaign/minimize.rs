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
//! cluster ([`super::runs::Bench`]), the tests recorded runs.

use std::time::Instant;

use super::{CampaignEvent, Counterexample, Listener, Runs};
pub use crate::summary::{Attempt, MinimalPlan};
use crate::checker::Verdict;
use crate::model::FaultPlan;

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

/// Shrinks `counterexample`'s plan within `settings`, running each candidate
/// through `runs` as `<counterexample>-min1`, `-min2`, ... At most
/// `settings.max_runs` runs in all: the search stops `settings.confirm`
/// runs short of it, and the confirmations get what is left. An
/// infrastructure error ends the search with what was found so far (and
/// says so in [`MinimalPlan::note`]): a violation found is never turned into
/// an infrastructure failure.
///
/// With room for several runs side by side ([`Runs::width`]), the next
/// candidates go together and the first of them in [`candidates`]' order
/// that broke the property again is kept, whichever finished first: the
/// plan kept for a given set of verdicts does not depend on the width. The
/// confirmations go side by side too.
pub async fn minimize(
    runs: &impl Runs,
    counterexample: &Counterexample,
    settings: MinimizeSettings,
    listener: &mut dyn Listener,
) -> MinimalPlan {
    let broken: Vec<&str> = counterexample.results.iter().map(|r| r.property.name()).collect();
    let mut result = MinimalPlan { plan: counterexample.plan.clone(), reproduced: 1, of: 1, attempts: Vec::new(), note: None };
    let search = settings.max_runs.saturating_sub(settings.confirm);
    let width = runs.width().max(1);
    let mut count = 0u32;
    let late = || settings.deadline.is_some_and(|d| Instant::now() >= d);
    const LATE: &str = "the campaign's wall-time limit was reached";
    let name = |count: &mut u32| {
        *count += 1;
        format!("{}-min{}", counterexample.run, count)
    };

    'shrink: loop {
        let candidates = candidates(&result.plan);
        for batch in candidates.chunks(width) {
            let room = search.saturating_sub(count) as usize;
            if room == 0 {
                break 'shrink;
            }
            if late() {
                result.note = Some(LATE.to_string());
                return result;
            }
            let batch: Vec<(FaultPlan, String)> = batch.iter().take(room).map(|plan| (plan.clone(), name(&mut count))).collect();
            let (attempts, error) = attempts(runs, &broken, &batch, false, listener).await;
            let kept = attempts.iter().position(|a| a.reproduced);
            result.attempts.extend(attempts);
            if let Some(error) = error {
                result.note = Some(error);
                return result;
            }
            if let Some(k) = kept {
                result.plan = batch[k].0.clone();
                continue 'shrink;
            }
        }
        break;
    }
    let confirmations = settings.confirm.min(settings.max_runs.saturating_sub(count));
    let mut left = confirmations as usize;
    while left > 0 {
        if late() {
            result.note = Some(LATE.to_string());
            break;
        }
        let batch: Vec<(FaultPlan, String)> = (0..left.min(width)).map(|_| (result.plan.clone(), name(&mut count))).collect();
        left -= batch.len();
        let (attempts, error) = attempts(runs, &broken, &batch, true, listener).await;
        for a in attempts {
            result.of += 1;
            result.reproduced += u32::from(a.reproduced);
            result.attempts.push(a);
        }
        if let Some(error) = error {
            result.note = Some(error);
            break;
        }
    }
    result
}

/// Runs of a minimization side by side: each plan of `batch` as its run,
/// and whether it broke one of the `broken` properties again, in `batch`'s
/// order. An infrastructure error (or a listener that cannot keep what it
/// is told) ends the list there, and is the note the search stops with.
async fn attempts(
    runs: &impl Runs,
    broken: &[&str],
    batch: &[(FaultPlan, String)],
    confirmation: bool,
    listener: &mut dyn Listener,
) -> (Vec<Attempt>, Option<String>) {
    for (plan, run) in batch {
        if let Err(e) = listener.on(&CampaignEvent::RunStarted { run, plan }) {
            return (Vec::new(), Some(format!("minimization run {run}: {e}")));
        }
    }
    let mut out = Vec::new();
    for ((plan, run), (outcome, wall)) in batch.iter().zip(super::runs::side_by_side(runs, batch).await) {
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => return (out, Some(format!("minimization run {run}: {e}"))),
        };
        let reproduced = outcome.verdict.results.iter().any(|r| r.verdict == Verdict::Fail && broken.contains(&r.property.name()));
        let wall_ms = wall.as_millis() as u64;
        let attempt = Attempt { run: run.clone(), plan: plan.clone(), verdict: outcome.verdict.verdict, reproduced, wall_ms, confirmation };
        if let Err(e) = listener.on(&CampaignEvent::Minimizing { attempt: &attempt }) {
            return (out, Some(format!("minimization run {run}: {e}")));
        }
        out.push(attempt);
    }
    (out, None)
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
