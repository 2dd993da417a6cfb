//! Every way a campaign ends, driven on recorded runs ([`super::recorded`]),
//! no cluster: certified, inconclusive (no baseline, unsettled runs, an
//! instance whose faults were never considered), budget spent, violation.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::recorded::{record, Recorded, Recording};
use super::*;
use crate::search::fixtures::copy_scenario;
use crate::solver::FaultVar;

fn temp(name: &str) -> PathBuf {
    crate::scratch::dir("endings", name)
}

fn settings(root: &Path, strategy: StrategyName, max_runs: u32) -> CampaignSettings {
    CampaignSettings {
        strategy,
        max_runs,
        all: false,
        traces_root: root.join("traces"),
        reports_root: root.join("reports"),
        name: "c".into(),
        windows: Windows::default(),
        max_wall: None,
        minimize: None,
        tries: 1,
    }
}

/// Records `fault_free` and `faulted` under `root/recorded`, then runs a
/// campaign that gets the first for the fault-free plan and the second for
/// every other.
fn campaign(root: &Path, scenario: &Scenario, settings: &CampaignSettings, fault_free: Recording, faulted: Recording) -> CampaignSummary {
    side_by_side(root, scenario, settings, fault_free, faulted, 1)
}

/// [`campaign`] with `width` runs side by side.
fn side_by_side(root: &Path, scenario: &Scenario, settings: &CampaignSettings, fault_free: Recording, faulted: Recording, width: usize) -> CampaignSummary {
    served(root, scenario, settings, fault_free, faulted, width, None)
}

/// [`side_by_side`], each run served after `delay`.
fn served(
    root: &Path,
    scenario: &Scenario,
    settings: &CampaignSettings,
    fault_free: Recording,
    faulted: Recording,
    width: usize,
    delay: Option<super::recorded::Delay>,
) -> CampaignSummary {
    let (clean, faulty) = (root.join("recorded").join("fault-free"), root.join("recorded").join("faulted"));
    record(&clean, "r0", &fault_free);
    record(&faulty, "r1", &faulted);
    let runs = Recorded {
        traces: settings.traces_root.join(&settings.name),
        pick: Box::new(move |plan: &FaultPlan| if plan.faults.is_empty() { clean.clone() } else { faulty.clone() }),
        width,
        delay,
    };
    let fresh = Restored::fresh(CampaignSummary::new(scenario, &settings.name, settings.strategy.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = report_dir(settings);
    let (mut journal, mut reports, mut rounds) = (Journal::new(&dir), Reports::new(&dir), Rounds::default());
    let summary =
        runtime.block_on(super::drive::drive(&runs, scenario, settings, fresh, &mut Listeners(vec![&mut journal, &mut reports, &mut rounds]))).unwrap();
    ROUNDS.with(|r| *r.borrow_mut() = rounds.0);
    summary
}

thread_local! {
    /// The rounds of the last campaign this thread ran: the runs started
    /// before the first of them finished, each round's in order.
    static ROUNDS: std::cell::RefCell<Vec<Vec<String>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Listens for runs started together.
#[derive(Default)]
struct Rounds(Vec<Vec<String>>, bool);

impl Listener for Rounds {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        match event {
            CampaignEvent::RunStarted { run, .. } => {
                if !self.1 {
                    self.0.push(Vec::new());
                    self.1 = true;
                }
                self.0.last_mut().expect("pushed").push(run.to_string());
            }
            CampaignEvent::RunFinished { .. } => self.1 = false,
            _ => {}
        }
        Ok(())
    }
}

/// One instance, crashes of it alone within steps 0..2.
const CRASH_PIPELINE_1: &str = "eot = 4\neff = 2\nmax_crashes = 1\nmax_partitions = 0\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\"]";

#[test]
fn a_pipeline_that_recovers_from_every_crash_is_certified_naming_each_instances_lineage_source() {
    let root = temp("certified");
    let scenario = crate::search::fixtures::copy_scenario_with(3, CRASH_PIPELINE_1);
    let seen = |step| Recording { polled: vec![2], ..Recording::processed(1, step) };
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), seen(0), seen(3));
    let Outcome::Certified { statement } = &summary.outcome else { panic!("{:?}\n{:#?}", summary.outcome, summary.runs) };
    assert!(statement.starts_with("no violation for any fault set of at most 1 crash"), "{statement}");
    assert!(
        statement.contains(
            "; lineage: pipeline-1 from its own trace events, pipeline-2 from OpenTelemetry spans, \
             pipeline-3 from Kafka alone (assumed needed, alive and connected, from each input's arrival to its output and commit)"
        ),
        "{statement}"
    );
    assert!(summary.runs.len() > 1 && summary.runs[1..].iter().all(|r| r.verdict == Verdict::Pass), "{:?}", summary.runs);
    let journal = read_summary(&settings(&root, StrategyName::LDFI, 20).reports_root.join("c")).unwrap();
    assert_eq!(journal.lineage_sources["pipeline-2"], lineage::Source::OpenTelemetry);
    let report = std::fs::read_to_string(root.join("reports").join("c").join("report.md")).unwrap();
    assert!(report.contains("pipeline-3 from Kafka alone"), "{report}");
    std::fs::remove_dir_all(&root).unwrap();
}

fn reason(summary: &CampaignSummary) -> &str {
    match &summary.outcome {
        Outcome::Inconclusive { reason, .. } => reason,
        other => panic!("not inconclusive: {other:?}"),
    }
}

#[test]
fn a_fault_free_run_with_nothing_acknowledged_is_no_baseline_and_certifies_nothing() {
    let root = temp("unacked");
    let scenario = copy_scenario(CRASH_PIPELINE_1);
    let unacked = Recording { acked: false, read_back: false, ..Recording::processed(1, 0) };
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), unacked, Recording::processed(1, 3));
    assert_eq!(summary.runs.len(), 1, "no hypothesis is tried without a baseline");
    let reason = reason(&summary);
    assert!(reason.starts_with("no baseline: in the fault-free run r0 no input was acknowledged"), "{reason}");
    assert!(summary.headline().starts_with("INCONCLUSIVE after 1 runs"), "{}", summary.headline());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_fault_free_run_with_nothing_read_back_is_no_baseline_even_when_no_property_counts_losses() {
    let root = temp("unread");
    let mut scenario = copy_scenario(CRASH_PIPELINE_1);
    scenario.properties = vec![crate::scenario::Property::NoDuplicates];
    let unread = Recording { processed: None, read_back: false, ..Recording::processed(1, 0) };
    let clean = root.join("unread");
    record(&clean, "r0", &unread);
    // Recorded with no-lost-acked checked, the run fails; judged on
    // duplicates alone, it passes vacuously: that is the case at stake.
    let vacuous = std::fs::read_to_string(clean.join("harness.jsonl")).unwrap().replace(r#"["no-lost-acked"]"#, r#"["no-duplicates"]"#);
    std::fs::write(clean.join("harness.jsonl"), vacuous).unwrap();
    let (_, verdict) = crate::run::check_dir(&clean).unwrap();
    assert_eq!(verdict.verdict, Verdict::Pass);
    std::fs::write(clean.join("verdict.json"), serde_json::to_string(&verdict).unwrap()).unwrap();
    let settings = settings(&root, StrategyName::LDFI, 20);
    let runs = Recorded { traces: settings.traces_root.join("c"), pick: Box::new(move |_: &FaultPlan| clean.clone()), width: 1, delay: None };
    let fresh = Restored::fresh(CampaignSummary::new(&scenario, &settings.name, settings.strategy.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = report_dir(&settings);
    let (mut journal, mut reports) = (Journal::new(&dir), Reports::new(&dir));
    let summary = runtime.block_on(super::drive::drive(&runs, &scenario, &settings, fresh, &mut Listeners(vec![&mut journal, &mut reports]))).unwrap();
    let reason = reason(&summary);
    assert!(reason.contains("nothing was read back from the output (1 inputs acknowledged)"), "{reason}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_fault_free_run_without_a_verdict_is_no_baseline() {
    let root = temp("r0-unknown");
    let scenario = copy_scenario(CRASH_PIPELINE_1);
    let failed = Recording { error: Some("the pipeline exited".into()), ..Recording::processed(1, 0) };
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), failed, Recording::processed(1, 3));
    assert_eq!(summary.runs[0].verdict, Verdict::Unknown);
    assert!(reason(&summary).starts_with("no baseline: the fault-free run r0 gave no verdict"), "{}", reason(&summary));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn hypotheses_whose_runs_never_settled_leave_the_campaign_inconclusive() {
    let root = temp("unsettled");
    let scenario = copy_scenario(CRASH_PIPELINE_1);
    let unsettled = Recording { error: Some("the output never settled".into()), ..Recording::processed(1, 3) };
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), Recording::processed(1, 0), unsettled);
    let Outcome::Inconclusive { runs, reason, .. } = &summary.outcome else { panic!("{:?}", summary.outcome) };
    assert!(!runs.is_empty() && runs.iter().all(|r| r != "r0"), "{runs:?}");
    assert!(reason.starts_with(&format!("runs {} gave no verdict", runs.join(", "))), "{reason}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_instance_the_lineage_never_named_leaves_the_campaign_inconclusive_not_certified() {
    let root = temp("unnamed");
    let scenario = crate::search::fixtures::copy_scenario_with(
        2,
        "eot = 4\neff = 2\nmax_crashes = 1\nmax_partitions = 0\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"pipeline-2\"]",
    );
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), Recording::processed(1, 0), Recording::processed(1, 3));
    assert!(summary.runs.len() > 1, "pipeline-1's crashes were tried: {:?}", summary.runs);
    let reason = reason(&summary);
    assert!(reason.starts_with("the budget targets pipeline-2, but the lineage names no fact about it"), "{reason}");
    assert!(summary.headline().contains("not certified"), "{}", summary.headline());
    let report = std::fs::read_to_string(root.join("reports").join("c").join("report.md")).unwrap();
    assert!(report.contains("Lineage: pipeline-1 from its own trace events, pipeline-2 from Kafka alone"), "{report}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_run_budget_spent_before_the_hypotheses_says_how_many_remain() {
    let root = temp("budget");
    let scenario = copy_scenario(CRASH_PIPELINE_1);
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::from("exhaustive"), 2), Recording::processed(1, 0), Recording::processed(1, 3));
    assert_eq!(summary.runs.len(), 2);
    let Outcome::BudgetSpent { explored, remaining } = summary.outcome else { panic!("{:?}", summary.outcome) };
    // Crashes of pipeline-1 at steps 0 and 1: one injected, one left.
    assert_eq!((explored, remaining), (1, Some(1)));
    assert!(summary.headline().starts_with("BUDGET SPENT: explored 1 hypotheses in 2 runs, 1 remaining"), "{}", summary.headline());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_recorded_run_that_lost_an_acknowledged_record_is_a_violation_with_its_plan() {
    let root = temp("violation");
    let scenario = copy_scenario(CRASH_PIPELINE_1);
    let lossy = Recording { lost: true, ..Recording::processed(1, 3) };
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), Recording::processed(1, 0), lossy);
    assert_eq!(summary.outcome, Outcome::Violation);
    let [counterexample] = &summary.counterexamples[..] else { panic!("{:?}", summary.counterexamples) };
    assert_eq!(counterexample.run, "r1");
    assert!(!counterexample.plan.faults.is_empty());
    let lost: Vec<&str> = counterexample.results.iter().flat_map(|r| &r.lost).map(|l| l.id.as_str()).collect();
    assert_eq!(lost, ["in-1"]);
    assert!(summary.headline().starts_with("VIOLATION of no-lost-acked under:"), "{}", summary.headline());
    std::fs::remove_dir_all(&root).unwrap();
}

/// One instance, a crash or a cut of it within steps 0..4, one fault in all
/// when `cap` says so.
fn crash_or_cut(cap: &str) -> Scenario {
    copy_scenario(&format!(
        "eot = 4\neff = 4\nmax_crashes = 1\nmax_partitions = 1\n{cap}kinds = [\"crash\", \"isolate\"]\ntargets = [\"pipeline-1\"]"
    ))
}

#[test]
fn one_fault_in_all_certifies_every_single_fault_without_injecting_a_pair() {
    // A recovery path seen under every fault (the record processed at step
    // 3): without a cap, the solver goes on to the pairs that cut it too.
    let root = temp("single");
    let uncapped = campaign(&root, &crash_or_cut(""), &settings(&root, StrategyName::LDFI, 40), Recording::processed(1, 0), Recording::processed(1, 3));
    assert!(uncapped.runs.iter().any(|r| r.hypothesis.len() == 2), "{:?}", uncapped.runs);
    std::fs::remove_dir_all(&root).unwrap();

    let root = temp("single-capped");
    let capped =
        campaign(&root, &crash_or_cut("max_faults = 1\n"), &settings(&root, StrategyName::LDFI, 40), Recording::processed(1, 0), Recording::processed(1, 3));
    let Outcome::Certified { statement } = &capped.outcome else { panic!("{:?}\n{:#?}", capped.outcome, capped.runs) };
    assert!(statement.contains("at most 1 crash and 1 partition (isolate), 1 fault in all, over steps 0..4"), "{statement}");
    assert!(capped.runs.iter().all(|r| r.hypothesis.len() <= 1), "{:?}", capped.runs);
    let kinds: BTreeSet<bool> = capped.runs[1..].iter().map(|r| r.hypothesis.iter().any(|v| matches!(v, FaultVar::Crash { .. }))).collect();
    assert_eq!(kinds.len(), 2, "both a crash and a cut were injected: {:?}", capped.runs);
    std::fs::remove_dir_all(&root).unwrap();
}

/// A hypothesis in short: `down@0+cut@3`.
fn short(h: &crate::solver::Hypothesis) -> String {
    let var = |v: &FaultVar| match v {
        FaultVar::Crash { step, .. } => format!("down@{step}"),
        FaultVar::Omission { step, .. } => format!("cut@{step}"),
    };
    h.iter().map(var).collect::<Vec<_>>().join("+")
}

#[test]
fn each_strategy_injects_its_hypotheses_in_a_pinned_order() {
    // Every run survives (the record processed at step 3): the order each
    // strategy injects in, and how it ends, on one instance that may be
    // crashed or cut off within steps 0..4 (a pair allowed), and crashed
    // alone within 0..2. A change to the loop or to a strategy that
    // changes which plans a campaign runs shows here.
    let certified = |budget: &str, alike: &str, scenario: &Scenario| Outcome::Certified {
        statement: format!("no violation for any fault set of at most {budget} (EFF), targets pipeline-1; lineage: pipeline-1 from its own trace events{alike}{}", super::drive::timing(scenario)),
    };
    let pair = "1 crash and 1 partition (isolate) over steps 0..4";
    let crash = "1 crash over steps 0..2";
    let spent = Outcome::BudgetSpent { explored: 11, remaining: Some(13) };
    let alike = "; 4 hypotheses at other steps, partitions or instances judged by their lineage alike to one that survived, not injected";
    let cases: [(&str, Scenario, &[&str], Outcome); 6] = [
        ("ldfi", crash_or_cut(""), &["", "down@0", "cut@0", "down@0+cut@3", "down@3+cut@0"], certified(pair, alike, &crash_or_cut(""))),
        ("ldfi", copy_scenario(CRASH_PIPELINE_1), &["", "down@0"], certified(crash, "", &copy_scenario(CRASH_PIPELINE_1))),
        (
            "random",
            crash_or_cut(""),
            &["", "down@0+cut@3", "down@0+cut@2", "down@2", "down@2+cut@1", "cut@2", "cut@1", "down@3+cut@0", "down@0+cut@0", "down@3", "down@3+cut@3", "down@1+cut@2"],
            spent.clone(),
        ),
        ("random", copy_scenario(CRASH_PIPELINE_1), &["", "down@0", "down@1"], certified(crash, "", &copy_scenario(CRASH_PIPELINE_1))),
        (
            "exhaustive",
            crash_or_cut(""),
            &["", "down@0", "down@1", "down@2", "down@3", "cut@0", "cut@1", "cut@2", "cut@3", "down@0+cut@0", "down@0+cut@1", "down@0+cut@2"],
            spent,
        ),
        ("exhaustive", copy_scenario(CRASH_PIPELINE_1), &["", "down@0", "down@1"], certified(crash, "", &copy_scenario(CRASH_PIPELINE_1))),
    ];
    for (i, (strategy, scenario, injected, outcome)) in cases.into_iter().enumerate() {
        let root = temp(&format!("pinned-{i}"));
        let summary = campaign(&root, &scenario, &settings(&root, StrategyName::from(strategy), 12), Recording::processed(1, 0), Recording::processed(1, 3));
        let runs: Vec<String> = summary.runs.iter().map(|r| short(&r.hypothesis)).collect();
        assert_eq!(runs, injected, "{strategy} #{i}");
        assert_eq!(summary.outcome, outcome, "{strategy} #{i}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}

#[test]
fn side_by_side_a_campaign_gives_the_same_answer_in_rounds_of_distinct_hypotheses() {
    // Every run survives: certified at any width; a violation: found at any width.
    for width in [1, 2, 3] {
        let root = temp(&format!("wide-{width}"));
        let summary = side_by_side(&root, &crash_or_cut(""), &settings(&root, StrategyName::LDFI, 40), Recording::processed(1, 0), Recording::processed(1, 3), width);
        let rounds = ROUNDS.with(|r| r.borrow().clone());
        assert!(matches!(summary.outcome, Outcome::Certified { .. }), "width {width}: {:?}", summary.outcome);
        let names: Vec<String> = summary.runs.iter().map(|r| r.run.clone()).collect();
        assert_eq!(names, (0..names.len()).map(|n| format!("r{n}")).collect::<Vec<_>>(), "width {width}: taken in in order");
        assert_eq!(rounds[0], ["r0"], "width {width}: the fault-free run goes alone");
        assert!(rounds.iter().all(|round| round.len() <= width), "width {width}: {rounds:?}");
        // A round holds what the strategy proposes from what is known, up to the width.
        assert_eq!(rounds.iter().any(|round| round.len() > 1), width > 1, "width {width}: {rounds:?}");
        let mut seen = BTreeSet::new();
        for r in &summary.runs[1..] {
            assert!(seen.insert(short(&r.hypothesis)), "width {width}: {} injected twice: {:?}", short(&r.hypothesis), summary.runs);
        }
        std::fs::remove_dir_all(&root).unwrap();

        let root = temp(&format!("wide-violation-{width}"));
        let lossy = Recording { lost: true, ..Recording::processed(1, 3) };
        let summary = side_by_side(&root, &copy_scenario(CRASH_PIPELINE_1), &settings(&root, StrategyName::LDFI, 20), Recording::processed(1, 0), lossy, width);
        assert_eq!(summary.outcome, Outcome::Violation, "width {width}");
        // A round's every run is kept: each broke the property.
        assert_eq!(summary.counterexamples.len(), summary.runs.len() - 1, "width {width}: {:?}", summary.runs);
        assert_eq!(summary.counterexamples[0].run, "r1");
        // The lineage names one hypothesis (the record processed at step 0):
        // a round holds no more than the strategy proposes.
        assert_eq!(summary.runs.len(), 2, "width {width}: {:?}", summary.runs);
        std::fs::remove_dir_all(&root).unwrap();
    }
}

#[test]
fn a_round_never_outruns_the_run_budget() {
    let root = temp("wide-budget");
    let summary = side_by_side(&root, &crash_or_cut(""), &settings(&root, StrategyName::from("exhaustive"), 4), Recording::processed(1, 0), Recording::processed(1, 3), 3);
    assert_eq!(summary.runs.len(), 4);
    assert_eq!(ROUNDS.with(|r| r.borrow().clone()), [vec!["r0"], vec!["r1", "r2", "r3"]]);
    assert!(matches!(summary.outcome, Outcome::BudgetSpent { .. }), "{:?}", summary.outcome);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn side_by_side_what_is_picked_and_learned_does_not_depend_on_which_run_finished_first() {
    let injected = |summary: &CampaignSummary| -> Vec<String> { summary.runs.iter().map(|r| format!("{} {}", r.run, short(&r.hypothesis))).collect() };
    for width in [2, 3] {
        let root = temp(&format!("order-{width}"));
        let at_once = side_by_side(&root, &crash_or_cut(""), &settings(&root, StrategyName::LDFI, 40), Recording::processed(1, 0), Recording::processed(1, 3), width);
        std::fs::remove_dir_all(&root).unwrap();
        // Each run served faster than the one before it: later runs finish first.
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let delay = Box::new(move |_: &FaultPlan| {
            let k = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::time::Duration::from_millis(200u64.saturating_sub(15 * k))
        });
        let reversed = served(&root, &crash_or_cut(""), &settings(&root, StrategyName::LDFI, 40), Recording::processed(1, 0), Recording::processed(1, 3), width, Some(delay));
        assert_eq!(injected(&reversed), injected(&at_once), "width {width}");
        assert_eq!(reversed.outcome, at_once.outcome, "width {width}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}

#[test]
fn a_certificate_says_it_spared_the_brokers_only_when_it_did() {
    // Brokers targeted too. The recorded lineage has no snapshot, so the
    // record hangs on its leader alone and the leader's crash is a
    // hypothesis: a broker was faulted, and the certificate must not say
    // it spared them (the unit tests of `brokers_spared` cover the other
    // way).
    let root = temp("spared");
    let scenario = copy_scenario("eot = 4\neff = 2\nmax_crashes = 1\nmax_partitions = 0\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]");
    let summary = campaign(&root, &scenario, &settings(&root, StrategyName::LDFI, 20), Recording::processed(1, 0), Recording::processed(1, 3));
    let Outcome::Certified { statement } = &summary.outcome else { panic!("{:?}\n{:#?}", summary.outcome, summary.runs) };
    let faulted_broker = summary.runs.iter().flat_map(|r| r.hypothesis.iter()).flat_map(FaultVar::nodes).any(crate::scenario::is_broker);
    assert!(faulted_broker, "{:#?}", summary.runs);
    assert!(!statement.contains("no broker was"), "{statement}");
    std::fs::remove_dir_all(&root).unwrap();
}
