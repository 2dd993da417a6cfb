//! The search of [`minimize`], driven on recorded runs
//! ([`crate::campaign::recorded`]), no cluster: which candidates it runs in
//! which order, what it keeps, and where it stops (the run budget, the
//! wall-time limit, an infrastructure error).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::campaign::recorded::{record, Recorded, Recording};
use crate::checker::RunVerdict;
use crate::model::{Fault, NodeId, PlannedFault};

fn crash(node: NodeId, start: u32, end: u32) -> PlannedFault {
    PlannedFault { fault: Fault::Crash { node }, start, end }
}

fn p1(start: u32, end: u32) -> PlannedFault {
    crash(NodeId::client("pipeline-1"), start, end)
}

fn b2(start: u32, end: u32) -> PlannedFault {
    crash(NodeId::Broker(2), start, end)
}

fn plan(faults: Vec<PlannedFault>) -> FaultPlan {
    FaultPlan { seed: 7, faults }
}

/// A recorded run that lost an acknowledged record (it breaks
/// no-lost-acked) and one that lost nothing, under `root`.
struct Bed {
    root: PathBuf,
    breaks: PathBuf,
    passes: PathBuf,
}

impl Bed {
    fn new(name: &str) -> Bed {
        let root = std::env::temp_dir().join(format!("ldfi-minimize-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (breaks, passes) = (root.join("recorded").join("breaks"), root.join("recorded").join("passes"));
        record(&breaks, "r5", &Recording { lost: true, ..Recording::processed(1, 3) });
        record(&passes, "r5", &Recording::processed(1, 3));
        Bed { root, breaks, passes }
    }

    /// Run `r5` broke no-lost-acked under `plan`.
    fn counterexample(&self, plan: FaultPlan) -> Counterexample {
        let verdict: RunVerdict = serde_json::from_str(&std::fs::read_to_string(self.breaks.join("verdict.json")).unwrap()).unwrap();
        assert_eq!(verdict.verdict, Verdict::Fail, "the recording breaks a property");
        let outcome = crate::run::RunOutcome { dir: self.breaks.clone(), verdict, wall: Duration::ZERO };
        Counterexample::from_run(&outcome, &plan, 5)
    }

    /// Runs served as `pick` says: `Some(true)` the breaking recording,
    /// `Some(false)` the passing one, `None` a directory that is not there
    /// (the run fails as infrastructure would).
    fn runs(&self, pick: impl Fn(&FaultPlan) -> Option<bool> + Send + Sync + 'static) -> Recorded {
        let (breaks, passes, missing) = (self.breaks.clone(), self.passes.clone(), self.root.join("missing"));
        Recorded {
            traces: self.root.join("traces").join("c"),
            pick: Box::new(move |plan: &FaultPlan| match pick(plan) {
                Some(true) => breaks.clone(),
                Some(false) => passes.clone(),
                None => missing.clone(),
            }),
            width: 1,
            delay: None,
        }
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// What the tests' bug needs: pipeline-1 down over step 3.
fn needs_pipeline_1_down_at_3(plan: &FaultPlan) -> bool {
    plan.faults.iter().any(|f| f.fault == Fault::Crash { node: NodeId::client("pipeline-1") } && f.start <= 3 && 3 < f.end)
}

/// The events of a minimization, one line each.
#[derive(Default)]
struct Told(Vec<String>);

impl Listener for Told {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        self.0.push(match event {
            CampaignEvent::RunStarted { run, .. } => format!("started {run}"),
            CampaignEvent::Minimizing { attempt } => format!("ended {}", attempt.run),
            other => panic!("minimize reports its runs only: {other:?}"),
        });
        Ok(())
    }
}

/// Minimizes with `settings`, and the run ids the events named.
fn search(runs: &Recorded, counterexample: &Counterexample, settings: MinimizeSettings) -> (MinimalPlan, Vec<String>) {
    let mut told = Told::default();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let minimal = runtime.block_on(minimize(runs, counterexample, settings, &mut told));
    (minimal, told.0)
}

/// Each attempt as (run, plan, reproduced, confirmation).
fn attempts(minimal: &MinimalPlan) -> Vec<(&str, &FaultPlan, bool, bool)> {
    minimal.attempts.iter().map(|a| (a.run.as_str(), &a.plan, a.reproduced, a.confirmation)).collect()
}

fn settings(max_runs: u32, confirm: u32) -> MinimizeSettings {
    MinimizeSettings { max_runs, confirm, deadline: None }
}

#[test]
fn a_smaller_plan_is_kept_only_when_the_violation_reproduces_and_the_search_goes_on_from_it() {
    let bed = Bed::new("greedy");
    let found = plan(vec![p1(2, 4), b2(1, 2)]);
    let runs = bed.runs(|plan| Some(needs_pipeline_1_down_at_3(plan)));
    let (minimal, events) = search(&runs, &bed.counterexample(found), MinimizeSettings::default());

    let want = [
        // Without pipeline-1's crash: passes, not kept.
        ("r5-min1", plan(vec![b2(1, 2)]), false, false),
        // Without broker 2's crash, which the bug does not need: kept.
        ("r5-min2", plan(vec![p1(2, 4)]), true, false),
        // From the kept plan, not the rest of the first plan's candidates:
        // its window without step 3 passes...
        ("r5-min3", plan(vec![p1(2, 3)]), false, false),
        // ...without step 2 breaks, and one step is as short as it gets.
        ("r5-min4", plan(vec![p1(3, 4)]), true, false),
        // Two confirmations fill the default budget of six runs.
        ("r5-min5", plan(vec![p1(3, 4)]), true, true),
        ("r5-min6", plan(vec![p1(3, 4)]), true, true),
    ];
    let want: Vec<(&str, &FaultPlan, bool, bool)> = want.iter().map(|(r, p, k, c)| (*r, p, *k, *c)).collect();
    assert_eq!(attempts(&minimal), want);
    assert_eq!(minimal.plan, plan(vec![p1(3, 4)]));
    assert_eq!((minimal.reproduced, minimal.of), (3, 3), "the run that found it and both confirmations");
    assert_eq!(minimal.note, None);
    let ids: Vec<String> = (1..=6).flat_map(|n| [format!("started r5-min{n}"), format!("ended r5-min{n}")]).collect();
    assert_eq!(events, ids, "every run is announced before it starts and reported when it ends");
    // Each run has its own traces under the campaign's directory.
    assert!((1..=6).all(|n| bed.root.join("traces").join("c").join(format!("r5-min{n}")).join("verdict.json").is_file()));
}

#[test]
fn a_plan_already_minimal_is_only_confirmed_and_a_confirmation_that_passes_lowers_the_rate() {
    let bed = Bed::new("rate");
    let served = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&served);
    // The first confirmation breaks the property again, the second does not.
    let runs = bed.runs(move |_| Some(count.fetch_add(1, Ordering::SeqCst) == 0));
    let (minimal, _) = search(&runs, &bed.counterexample(plan(vec![p1(3, 4)])), MinimizeSettings::default());
    let one = plan(vec![p1(3, 4)]);
    assert_eq!(attempts(&minimal), vec![("r5-min1", &one, true, true), ("r5-min2", &one, false, true)]);
    assert_eq!((minimal.reproduced, minimal.of), (2, 3));
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[test]
fn the_run_budget_counts_the_confirmations() {
    let bed = Bed::new("budget");
    let found = plan(vec![p1(2, 4), b2(1, 2)]);
    let served = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&served);
    let runs = bed.runs(move |plan| {
        count.fetch_add(1, Ordering::SeqCst);
        Some(needs_pipeline_1_down_at_3(plan))
    });
    let counterexample = bed.counterexample(found.clone());

    // Three runs: one candidate, then the two confirmations of the plan
    // the search had when its share ran out.
    let (minimal, _) = search(&runs, &counterexample, settings(3, 2));
    let without_p1 = plan(vec![b2(1, 2)]);
    assert_eq!(
        attempts(&minimal),
        vec![("r5-min1", &without_p1, false, false), ("r5-min2", &found, true, true), ("r5-min3", &found, true, true)]
    );
    assert_eq!((minimal.plan.clone(), minimal.reproduced, minimal.of), (found.clone(), 3, 3));

    // A budget below the confirmations asked for: no search, and no more
    // confirmations than the budget.
    let (minimal, _) = search(&runs, &counterexample, settings(1, 2));
    assert_eq!(attempts(&minimal), vec![("r5-min1", &found, true, true)]);
    assert_eq!((minimal.reproduced, minimal.of), (2, 2));

    let (minimal, _) = search(&runs, &counterexample, settings(0, 2));
    assert!(minimal.attempts.is_empty());
    assert_eq!((minimal.plan.clone(), minimal.reproduced, minimal.of), (found, 1, 1));
    assert_eq!(served.load(Ordering::SeqCst), 4, "3 + 1 + 0 runs");
}

#[test]
fn the_wall_time_limit_stops_the_search_with_a_note_and_keeps_what_it_found() {
    let bed = Bed::new("deadline");
    let found = plan(vec![p1(2, 4), b2(1, 2)]);
    let counterexample = bed.counterexample(found.clone());
    let late = "the campaign's wall-time limit was reached";

    // Already late: no run at all.
    let runs = bed.runs(|plan| Some(needs_pipeline_1_down_at_3(plan)));
    let passed = MinimizeSettings { deadline: Some(Instant::now()), ..MinimizeSettings::default() };
    let (minimal, events) = search(&runs, &counterexample, passed);
    assert!(minimal.attempts.is_empty() && events.is_empty(), "{:?}", minimal.attempts);
    assert_eq!((minimal.plan.clone(), minimal.reproduced, minimal.of), (found.clone(), 1, 1));
    assert_eq!(minimal.note.as_deref(), Some(late));

    // Late after the second run (each takes 1.5 s, the limit is 2 s away):
    // the plan the second run kept is the result, unconfirmed.
    let slow = bed.runs(|plan| {
        std::thread::sleep(Duration::from_millis(1_500));
        Some(needs_pipeline_1_down_at_3(plan))
    });
    let soon = MinimizeSettings { deadline: Some(Instant::now() + Duration::from_secs(2)), ..MinimizeSettings::default() };
    let (minimal, _) = search(&slow, &counterexample, soon);
    assert_eq!(minimal.attempts.len(), 2, "{:?}", attempts(&minimal));
    assert_eq!((minimal.plan.clone(), minimal.reproduced, minimal.of), (plan(vec![p1(2, 4)]), 1, 1));
    assert_eq!(minimal.note.as_deref(), Some(late));
}

#[test]
fn an_infrastructure_error_ends_the_search_with_the_plan_found_so_far_and_a_note() {
    let bed = Bed::new("infra");
    let found = plan(vec![p1(2, 4), b2(1, 2)]);
    let counterexample = bed.counterexample(found);

    // The third run (the kept plan's first shorter window) cannot be run.
    let runs = bed.runs(|plan| (plan.faults != [p1(2, 3)]).then(|| needs_pipeline_1_down_at_3(plan)));
    let (minimal, _) = search(&runs, &counterexample, MinimizeSettings::default());
    assert_eq!(minimal.attempts.len(), 2, "the failed run is no attempt: {:?}", attempts(&minimal));
    assert_eq!((minimal.plan.clone(), minimal.reproduced, minimal.of), (plan(vec![p1(2, 4)]), 1, 1));
    let note = minimal.note.as_deref().unwrap_or_default();
    assert!(note.starts_with("minimization run r5-min3: "), "{note}");
    assert!(note.contains("missing"), "the note says what failed: {note}");

    // A confirmation that cannot be run: the confirmations before it count.
    let served = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&served);
    let runs = bed.runs(move |_| (count.fetch_add(1, Ordering::SeqCst) == 0).then_some(true));
    let (minimal, _) = search(&runs, &bed.counterexample(plan(vec![p1(3, 4)])), MinimizeSettings::default());
    assert_eq!((minimal.reproduced, minimal.of, minimal.attempts.len()), (2, 2, 1));
    assert!(minimal.note.as_deref().unwrap_or_default().starts_with("minimization run r5-min2: "), "{:?}", minimal.note);
}

#[test]
fn the_bed_serves_what_it_recorded() {
    // The recordings themselves: the breaking one fails no-lost-acked, the
    // other passes, so the tests above are about the search, not the
    // recordings.
    let bed = Bed::new("bed");
    let verdict = |dir: &Path| -> Verdict {
        serde_json::from_str::<RunVerdict>(&std::fs::read_to_string(dir.join("verdict.json")).unwrap()).unwrap().verdict
    };
    assert_eq!((verdict(&bed.breaks), verdict(&bed.passes)), (Verdict::Fail, Verdict::Pass));
    let broken: Vec<&str> = bed.counterexample(FaultPlan::none()).results.iter().map(|r| r.property.name()).collect();
    assert_eq!(broken, ["no-lost-acked"]);
}

#[test]
fn side_by_side_the_search_keeps_the_first_candidate_in_order_that_broke_it_again() {
    let bed = Bed::new("wide");
    let found = plan(vec![p1(2, 4), b2(1, 2)]);
    let one = bed.runs(|plan| Some(needs_pipeline_1_down_at_3(plan)));
    let two = Recorded { width: 2, ..bed.runs(|plan| Some(needs_pipeline_1_down_at_3(plan))) };
    let (narrow, _) = search(&one, &bed.counterexample(found.clone()), MinimizeSettings::default());
    let (wide, events) = search(&two, &bed.counterexample(found), MinimizeSettings::default());
    assert_eq!(wide.plan, narrow.plan);
    assert_eq!(wide.plan, plan(vec![p1(3, 4)]));
    assert_eq!((wide.reproduced, wide.of), (3, 3));
    // Two at a time: both announced, then both reported, in order.
    let pairs: Vec<String> = [(1, 2), (3, 4), (5, 6)]
        .into_iter()
        .flat_map(|(a, b)| [format!("started r5-min{a}"), format!("started r5-min{b}"), format!("ended r5-min{a}"), format!("ended r5-min{b}")])
        .collect();
    assert_eq!(events, pairs);
    // Where both of a pair break it, the first in the candidates' order is kept.
    let (both, _) = search(&Recorded { width: 2, ..bed.runs(|_| Some(true)) }, &bed.counterexample(plan(vec![p1(2, 4), b2(1, 2)])), settings(3, 0));
    assert_eq!(both.plan, plan(vec![b2(1, 2)]), "the plan without pipeline-1's crash comes first");
}
