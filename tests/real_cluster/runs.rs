//! Whole runs of the shipped scenarios on the shared cluster: the correct
//! pipelines pass, the seeded bugs fail with the right records named, and
//! the verdict kept in verdict.json and told by `ldfi check` offline is the
//! run's.

use std::path::{Path, PathBuf};

use ldfi::checker::{RunVerdict, Verdict};
use ldfi::cluster::Cluster;
use ldfi::model::FaultPlan;
use ldfi::run::{self, Binaries, RunOutcome};
use ldfi::scenario::{Property, Scenario};

pub fn scenario(name: &str) -> Result<Scenario, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(format!("{name}.toml"));
    Scenario::load(&path).map_err(|e| e.to_string())
}

fn plan(json: &str) -> FaultPlan {
    serde_json::from_str(json).expect("test plan parses")
}

pub fn binaries() -> Binaries {
    let copy = PathBuf::from(env!("CARGO_BIN_EXE_ldfi-copy"));
    Binaries {
        workload: PathBuf::from(env!("CARGO_BIN_EXE_ldfi-workload")),
        pipelines: copy.parent().unwrap().to_path_buf(),
        java: run::java_dir(),
    }
}

pub async fn run_once(cluster: &Cluster, scenario: &Scenario, plan: &FaultPlan, run: &str) -> Result<RunOutcome, String> {
    let traces = std::env::temp_dir().join("ldfi-test-traces");
    let campaign = format!("{}-{}", scenario.name, std::process::id());
    let outcome = run::execute(cluster, &binaries(), scenario, plan, &traces, &campaign, run)
        .await
        .map_err(|e| e.to_string())?;
    if !outcome.dir.join("workload.log").exists() {
        return Err(format!("no workload.log kept in {}", outcome.dir.display()));
    }
    // What the run decided is what it kept: verdict.json, and what the
    // offline `ldfi check` (another process, the traces alone) says of it.
    let kept: RunVerdict = std::fs::read_to_string(outcome.dir.join("verdict.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))?;
    if kept != outcome.verdict {
        return Err(format!("verdict.json differs from the run's verdict: {kept:?}"));
    }
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_ldfi")).arg("check").arg(&outcome.dir).output().map_err(|e| e.to_string())?;
    let expected = match outcome.verdict.verdict {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
        Verdict::Unknown => 4,
    };
    if check.status.code() != Some(expected) {
        return Err(format!(
            "ldfi check {} exited {:?}, the run's verdict is {}\n{}",
            outcome.dir.display(),
            check.status.code(),
            outcome.verdict.verdict,
            String::from_utf8_lossy(&check.stderr)
        ));
    }
    println!(
        "    {} with {plan}: {} in {:.1} s ({} acked, {} outputs)",
        scenario.name,
        outcome.verdict.verdict,
        outcome.wall.as_secs_f64(),
        outcome.verdict.acked,
        outcome.verdict.outputs
    );
    Ok(outcome)
}

fn result(outcome: &RunOutcome, property: Property) -> Result<&ldfi::checker::PropertyResult, String> {
    outcome.verdict.results.iter().find(|r| r.property == property).ok_or(format!("{property:?} not checked"))
}

pub async fn copy_passes_without_faults(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("copy-at-least-once")?;
    let outcome = run_once(cluster, &s, &FaultPlan::none(), "nofault").await?;
    if outcome.verdict.verdict != Verdict::Pass || outcome.verdict.acked == 0 {
        return Err(format!("expected a pass with acked inputs: {:?}", outcome.verdict));
    }
    Ok(())
}

pub async fn commit_before_produce_with_instance_crash_loses_named_records(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("copy-commit-before-produce")?;
    // The burst is written at step 13 (steps of 0.5 s); its batch is
    // acknowledged and committed about 0.7 s after that step's start and
    // produced 1.5 s later. Step 15 begins 1.0–1.6 s after step 13's (the
    // batch's write stretches step 13): inside that window. Step 16 may
    // already fall at its end.
    let crash = plan(r#"{"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":15,"end":17}]}"#);
    let outcome = run_once(cluster, &s, &crash, "crash").await?;
    let produced = std::fs::read_to_string(ldfi::trace::node_dir(&outcome.dir, "workload").join("workload.jsonl"))
        .map_err(|e| format!("workload.jsonl: {e}"))?;
    let steps: std::collections::BTreeSet<u64> =
        produced.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["step"].as_u64()).collect();
    let busy: std::collections::BTreeSet<u64> = s.workload.busy_steps.iter().flatten().map(|s| u64::from(*s)).collect();
    if busy.is_empty() || steps != busy {
        return Err(format!("the workload wrote at steps {steps:?}, its busy steps are {busy:?}"));
    }
    // The instance's log is kept beside the traces, over its restart: the
    // crashed incarnation's start and the restarted one's.
    let log = std::fs::read_to_string(outcome.dir.join("pipeline-1.log")).map_err(|e| format!("pipeline-1.log: {e}"))?;
    let starts = log.lines().filter(|l| l.contains("started:")).count();
    if starts != 2 {
        return Err(format!("expected the log of both incarnations (2 starts), found {starts}:\n{log}"));
    }
    let lost = result(&outcome, Property::NoLostAcked)?;
    if lost.verdict != Verdict::Fail || lost.lost.is_empty() {
        return Err(format!("expected lost records, got {}: {}", lost.verdict, lost.summary));
    }
    println!("    lost {} records, e.g. {:?}", lost.lost.len(), &lost.lost[..lost.lost.len().min(3)]);
    Ok(())
}

pub async fn commit_first_at_once_loses_records_under_a_crash_in_flight(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("copy-commit-first-at-once")?;
    // The copy commits and produces a moment apart: the crash is aimed at
    // that moment, held links making it a delay wide.
    let crash = plan(r#"{"faults":[{"fault":{"kind":"crash_in_flight","node":"pipeline-1","delay":"500ms"},"start":3,"end":5}]}"#);
    let outcome = run_once(cluster, &s, &crash, "inflight").await?;
    let harness = std::fs::read_to_string(outcome.dir.join("harness.jsonl")).map_err(|e| format!("harness.jsonl: {e}"))?;
    // Its landing, a trace line of its own: the sign that set it off.
    let landed: Vec<serde_json::Value> = harness
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["type"] == "landed")
        .collect();
    let [landed] = &landed[..] else {
        return Err(format!("expected one landing of the crash in flight, found {}: {landed:?}", landed.len()));
    };
    let sign = landed["sign"].as_str().ok_or_else(|| format!("the crash landed with no sign of work: {landed}"))?;
    if !sign.contains("committed offset") {
        return Err(format!("a commit-first copy shows its commit first, but the crash landed on: {sign}"));
    }
    let applied = harness.lines().filter(|l| l.contains("\"fault_applied\"") && l.contains("crash_in_flight")).count();
    let healed = harness.lines().filter(|l| l.contains("\"fault_healed\"") && l.contains("crash_in_flight")).count();
    if (applied, healed) != (1, 1) {
        return Err(format!("expected the crash applied once and healed once, found {applied} and {healed}"));
    }
    let lost = result(&outcome, Property::NoLostAcked)?;
    if lost.verdict != Verdict::Fail || lost.lost.is_empty() {
        return Err(format!("expected lost records, got {}: {}", lost.verdict, lost.summary));
    }
    println!("    landed {} ms into step 3, as {sign}; lost {} records", landed["after_ms"], lost.lost.len());
    Ok(())
}

pub async fn acks_one_with_leader_cut_then_crashed_loses_acked_records(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("copy-acks-one")?;
    let cut_then_crash = plan(
        r#"{"faults":[
            {"fault":{"kind":"cut","left":["leader(input/0)"],"right":["followers(input/0)"]},"start":1,"end":4},
            {"fault":{"kind":"crash","node":"leader(input/0)"},"start":3,"end":5}]}"#,
    );
    let outcome = run_once(cluster, &s, &cut_then_crash, "cutcrash").await?;
    let lost = result(&outcome, Property::NoLostAcked)?;
    if lost.verdict != Verdict::Fail || lost.lost.is_empty() {
        return Err(format!("expected lost acked records, got {}: {}", lost.verdict, lost.summary));
    }
    if lost.lost.iter().any(|l| l.partition != Some(0)) {
        return Err(format!("records lost outside partition 0: {:?}", lost.lost));
    }
    println!("    lost {} acked records of partition 0", lost.lost.len());
    Ok(())
}

pub async fn exactly_once_passes_a_broker_crash(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("exactly-once")?;
    let crash = plan(r#"{"faults":[{"fault":{"kind":"crash","node":"leader(input/0)"},"start":2,"end":4}]}"#);
    let outcome = run_once(cluster, &s, &crash, "brokercrash").await?;
    if outcome.verdict.verdict != Verdict::Pass {
        return Err(format!("expected a pass: {:?}", outcome.verdict.results));
    }
    Ok(())
}
