//! A user's non-JVM pipeline as a new user runs it: the Python copy app of
//! examples/python-copy, unmodified, in an image built FROM the local Kafka
//! image, lineage from Kafka alone. The same crash of the instance loses
//! acknowledged records when the app commits first, and loses none when it
//! commits after its writes.

use std::path::Path;
use std::process::Command;

use ldfi::checker::Verdict;
use ldfi::cluster::Cluster;
use ldfi::model::FaultPlan;
use ldfi::scenario::{Property, Scenario};

use super::runs::run_once;

const IMAGE: &str = "ldfi-example/python-copy:1";

/// Builds the example's image as its README says (Docker's cache makes a
/// second build instant).
fn build_image(dir: &Path) -> Result<(), String> {
    let out = Command::new("docker").args(["build", "-q", "-t", IMAGE]).arg(dir).output().map_err(|e| format!("docker build: {e}"))?;
    if !out.status.success() {
        return Err(format!("docker build -t {IMAGE} {} failed:\n{}", dir.display(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

fn example(dir: &Path, name: &str) -> Result<Scenario, String> {
    Scenario::load(&dir.join(format!("{name}.toml"))).map_err(|e| e.to_string())
}

pub async fn a_python_app_that_commits_first_loses_records_under_a_crash_and_one_that_commits_after_does_not(
    cluster: &Cluster,
) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join("python-copy");
    build_image(&dir)?;
    let crash: FaultPlan = serde_json::from_str(r#"{"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":1,"end":2}]}"#)
        .map_err(|e| e.to_string())?;
    let first = run_once(cluster, &example(&dir, "commit-first")?, &crash, "crash").await?;
    let lost = first.verdict.results.iter().find(|r| r.property == Property::NoLostAcked).ok_or("no-lost-acked not checked")?;
    if lost.verdict != Verdict::Fail || lost.lost.is_empty() {
        return Err(format!("commit-first under {crash}: expected lost records, got {}: {}", lost.verdict, lost.summary));
    }
    let after = run_once(cluster, &example(&dir, "at-least-once")?, &crash, "crash").await?;
    if after.verdict.verdict != Verdict::Pass || after.verdict.acked == 0 || after.verdict.outputs == 0 {
        return Err(format!("at-least-once under {crash}: expected a pass with acked and read-back records: {:?}", after.verdict));
    }
    println!("    commit-first lost {} acknowledged records; at-least-once lost none of {}", lost.lost.len(), after.verdict.acked);
    Ok(())
}
