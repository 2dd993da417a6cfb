//! Every way a campaign ends, driven on recorded runs ([`super::recorded`]),
//! no cluster: certified, inconclusive (no baseline, unsettled runs, an
//! instance whose faults were never considered), budget spent, violation.

use std::path::{Path, PathBuf};

use super::recorded::{record, Recorded, Recording, Trail};
use super::*;
use crate::campaign::fixtures::copy_scenario;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ldfi-endings-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(root: &Path, strategy: Strategy, max_runs: u32) -> CampaignSettings {
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
    let (clean, faulty) = (root.join("recorded").join("fault-free"), root.join("recorded").join("faulted"));
    record(&clean, "r0", &fault_free);
    record(&faulty, "r1", &faulted);
    let runs = Recorded {
        traces: settings.traces_root.join(&settings.name),
        pick: Box::new(move |plan: &FaultPlan| if plan.faults.is_empty() { clean.clone() } else { faulty.clone() }),
    };
    let fresh = Restored::fresh(CampaignSummary::new(scenario, settings));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(drive(&runs, scenario, settings, fresh, &|_| {})).unwrap()
}

/// One instance, crashes of it alone within steps 0..2.
const CRASH_PIPELINE_1: &str = "eot = 4\neff = 2\nmax_crashes = 1\nmax_partitions = 0\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\"]";

#[test]
fn a_pipeline_that_recovers_from_every_crash_is_certified_naming_its_lineage_source() {
    let root = temp("certified");
    let scenario = copy_scenario(CRASH_PIPELINE_1);
    let summary = campaign(&root, &scenario, &settings(&root, Strategy::Ldfi, 20), Recording::processed(1, 0), Recording::processed(1, 3));
    let Outcome::Certified { statement } = &summary.outcome else { panic!("{:?}\n{:#?}", summary.outcome, summary.runs) };
    assert!(statement.starts_with("no violation for any fault set of at most 1 crash"), "{statement}");
    std::fs::remove_dir_all(&root).unwrap();
}
