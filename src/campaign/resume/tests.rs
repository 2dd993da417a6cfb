//! Resume state from a hand-written journal and hand-written traces: two
//! passing runs (the fault-free one, then one whose crash made the pipeline
//! process the record a step later: a new derivation), one failing run, and
//! one run killed before its verdict.

use std::path::{Path, PathBuf};

use super::*;
use crate::campaign::{Counterexample, RunRecord};
use crate::model::{Fault, FaultPlan, PlannedFault};
use crate::scenario::StrategyName;
use crate::lineage;
use crate::solver::testing::crash;

fn temp(name: &str) -> PathBuf {
    crate::scratch::dir("resume", name)
}

/// A run of one record `in-0` that pipeline-1 consumed and wrote out
/// during step `processed_at`.
fn write_run(dir: &Path, run: &str, processed_at: u32, verdict: Option<Verdict>) {
    std::fs::create_dir_all(dir).unwrap();
    let suffix = format!("c-{run}");
    let t = |step: u32, ms: u64| 1_000 + u64::from(step) * 1_000 + ms;
    let mut harness = vec![format!(
        r#"{{"time_ms":{},"source":"harness","step":0,"type":"run_started","scenario":"s","campaign":"c","run":"{run}","seed":1,"plan":{{}},"input_topic":"input.{suffix}","output_topic":"output.{suffix}","group":"g.{suffix}","properties":["no-lost-acked"],"read_committed":false,"acks":"all"}}"#,
        t(0, 0)
    )];
    for step in 0..3 {
        harness.push(format!(r#"{{"time_ms":{},"source":"harness","step":{step},"type":"step","step_index":{step}}}"#, t(step, 1)));
    }
    harness.push(format!(
        r#"{{"time_ms":{},"source":"harness","step":3,"type":"checker_read","topic":"output.{suffix}","partition":0,"offset":0,"key":"k","value":"v","ids":["in-0"]}}"#,
        t(3, 0)
    ));
    harness.push(format!(r#"{{"time_ms":{},"source":"harness","type":"run_finished","error":null}}"#, t(3, 1)));
    std::fs::write(dir.join("harness.jsonl"), harness.join("\n") + "\n").unwrap();
    let workload = format!(
        r#"{{"time_ms":{},"source":"workload","step":0,"type":"produced","id":"in-0","key":"k","value":"v","topic":"input.{suffix}","partition":0,"offset":0,"error":null}}"#,
        t(0, 2)
    );
    std::fs::write(dir.join("workload.jsonl"), workload + "\n").unwrap();
    let pipeline = [
        format!(r#"{{"time_ms":{},"source":"pipeline-1","type":"consumed","topic":"input.{suffix}","partition":0,"offset":0,"ids":["in-0"]}}"#, t(processed_at, 10)),
        format!(r#"{{"time_ms":{},"source":"pipeline-1","type":"output","topic":"output.{suffix}","partition":0,"offset":0,"ids":["in-0"]}}"#, t(processed_at, 20)),
        format!(r#"{{"time_ms":{},"source":"pipeline-1","type":"committed","topic":"input.{suffix}","partition":0,"offset":1}}"#, t(processed_at, 30)),
    ];
    std::fs::write(dir.join("pipeline-1.jsonl"), pipeline.join("\n") + "\n").unwrap();
    if let Some(v) = verdict {
        std::fs::write(dir.join("verdict.json"), format!(r#"{{"verdict":"{v}"}}"#)).unwrap();
    }
}

fn record(dir: &Path, run: &str, hypothesis: Hypothesis, verdict: Verdict) -> RunRecord {
    let plan = FaultPlan {
        seed: 0,
        faults: hypothesis
            .iter()
            .map(|_| PlannedFault { fault: Fault::Crash { node: crate::model::NodeId::client("pipeline-1") }, start: 0, end: 2 })
            .collect(),
    };
    RunRecord {
        run: run.into(),
        plan,
        hypothesis,
        verdict,
        wall_ms: 10,
        dir: dir.join(run),
        failed: if verdict == Verdict::Fail { vec!["no-lost-acked".into()] } else { vec![] },
        learned: None,
        phases: None,
        missed: Vec::new(),
    }
}

fn journal(traces: &Path) -> CampaignSummary {
    let crash_at = |s: u32| -> Hypothesis { [crash("pipeline-1", s)].into_iter().collect() };
    write_run(&traces.join("r0"), "r0", 0, Some(Verdict::Pass));
    write_run(&traces.join("r1"), "r1", 1, Some(Verdict::Pass));
    write_run(&traces.join("r2"), "r2", 2, Some(Verdict::Fail));
    write_run(&traces.join("r3"), "r3", 0, None);
    let runs = vec![
        record(traces, "r0", Hypothesis::new(), Verdict::Pass),
        record(traces, "r1", crash_at(0), Verdict::Pass),
        record(traces, "r2", crash_at(1), Verdict::Fail),
    ];
    let counterexample =
        Counterexample { run: "r2".into(), plan: runs[2].plan.clone(), results: vec![], traces: traces.join("r2"), minimal: None };
    CampaignSummary {
        schema_version: crate::summary::SCHEMA_VERSION,
        campaign: "c".into(),
        scenario: "s".into(),
        scenario_path: "scenarios/s.toml".into(),
        properties: vec![],
        seed: 1,
        strategy: StrategyName::LDFI,
        outcome: Outcome::InProgress,
        runs,
        counterexamples: vec![counterexample],
        hypotheses_tried: 2,
        wall_ms: 30,
        lineage_sources: Default::default(),
        ran: None,
        cluster: None,
    }
}

#[test]
fn resume_rebuilds_model_tried_broken_and_numbering_from_journal_and_traces() {
    let root = temp("state");
    let traces = root.join("traces").join("c");
    let reports = root.join("reports").join("c");
    journal(&traces).write(&reports).unwrap();

    // Read back from disk: the hypotheses round-trip through summary.json.
    let summary = read_journal(&reports).unwrap();
    let restored = restore(summary).unwrap();
    assert!(!restored.ended());
    assert_eq!(restored.next, 3);
    let crash_at = |s: u32| -> Hypothesis { [crash("pipeline-1", s)].into_iter().collect() };
    assert_eq!(restored.tried, vec![crash_at(0)]);
    assert_eq!(restored.broken, vec![crash_at(1)]);

    // The model is the merge of the passing runs' lineage, as the loop built it.
    let mut expected = lineage::Model::default();
    for run in ["r0", "r1"] {
        expected.merge(lineage::build(&trace::read_dir(&traces.join(run)).unwrap()).unwrap());
    }
    assert_eq!(restored.knowledge.model, expected);
    let derivations = &restored.knowledge.model.outcomes["r:in-0"];
    assert_eq!(derivations.len(), 2, "one derivation per processing step: {derivations:?}");
    assert!(derivations.iter().all(|d| !d.iter().any(|f| matches!(f, lineage::Fact::Alive { step: 2, .. }))), "the failing run taught nothing");

    // The run killed before its verdict is the only one set aside.
    let stale = unaccounted(&restored.summary, &traces);
    assert_eq!(stale, vec!["r3".to_string()]);
    assert_eq!(set_aside(&traces, &stale).unwrap(), vec!["r3".to_string()]);
    assert!(!traces.join("r3").exists());
    assert!(unaccounted(&restored.summary, &traces).is_empty());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_ended_journal_says_so_and_a_lost_run_is_an_error() {
    let root = temp("ended");
    let traces = root.join("traces").join("c");
    let mut summary = journal(&traces);
    summary.outcome = Outcome::Violation;
    let restored = restore(summary.clone()).unwrap();
    assert!(restored.ended());
    assert!(!restored.extends_to(100), "a violation is an answer: more runs do not reopen it");

    // A spent budget is no answer: a larger one continues after the last run.
    let mut spent = summary.clone();
    spent.outcome = Outcome::BudgetSpent { explored: 2, remaining: Some(5) };
    let restored = restore(spent).unwrap();
    assert!(restored.ended());
    assert!(!restored.extends_to(restored.next), "the same budget is spent already");
    assert!(restored.extends_to(restored.next + 1));

    std::fs::remove_file(traces.join("r1").join("verdict.json")).unwrap();
    let error = restore(summary).unwrap_err().to_string();
    assert!(error.contains("journaled run r1 has no verdict.json"), "{error}");

    let error = read_journal(&root.join("nothing")).unwrap_err().to_string();
    assert!(error.contains("no campaign journal here") && error.contains("fix:"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_journal_that_is_a_fifo_or_a_link_is_refused_not_waited_on_or_followed() {
    let root = temp("fifo");
    let fifo = root.join("fifo");
    std::fs::create_dir_all(&fifo).unwrap();
    let c = std::ffi::CString::new(fifo.join("summary.json").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let error = read_journal(&fifo).unwrap_err().to_string();
    assert!(error.contains("a FIFO, not a regular file") && error.contains("fix:"), "{error}");

    let linked = root.join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink("/dev/zero", linked.join("summary.json")).unwrap();
    let error = read_journal(&linked).unwrap_err().to_string();
    assert!(error.contains("a symbolic link, not a regular file"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}
