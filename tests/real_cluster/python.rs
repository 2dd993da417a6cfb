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

/// The steps a crash of the commit-first app is tried at, until one loses.
/// The app commits, works, then produces; a kill between the commit and the
/// produce loses the batch, a kill while it consumes loses nothing. Where a
/// step boundary falls in its loop is chance, so a lengthened work (most of
/// each loop) and a few tries make the loss certain but for a negligible
/// chance, and a pass of every try means the app no longer loses.
const CRASH_STEPS: [u32; 3] = [1, 3, 5];

fn crash_over(step: u32) -> Result<FaultPlan, String> {
    let json = format!(r#"{{"faults":[{{"fault":{{"kind":"crash","node":"pipeline-1"}},"start":{step},"end":{}}}]}}"#, step + 1);
    serde_json::from_str(&json).map_err(|e| e.to_string())
}

pub async fn a_python_app_that_commits_first_loses_records_under_a_crash_and_one_that_commits_after_does_not(
    cluster: &Cluster,
) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join("python-copy");
    build_image(&dir)?;
    let mut commit_first = example(&dir, "commit-first")?;
    // 3 s of work in a loop of about 3.5 s: a kill lands between commit
    // and produce about 6 times in 7.
    commit_first.pipeline.env.insert("WORK_SECS".to_string(), "3".to_string());
    let mut misses = Vec::new();
    let mut lost_records = None;
    for step in CRASH_STEPS {
        let crash = crash_over(step)?;
        let first = run_once(cluster, &commit_first, &crash, &format!("crash-{step}")).await?;
        let lost = first.verdict.results.iter().find(|r| r.property == Property::NoLostAcked).ok_or("no-lost-acked not checked")?;
        if lost.verdict == Verdict::Fail && !lost.lost.is_empty() {
            lost_records = Some((crash, lost.lost.len()));
            break;
        }
        misses.push(format!("{crash}: {}: {}", lost.verdict, lost.summary));
    }
    let Some((crash, lost)) = lost_records else {
        return Err(format!("commit-first lost no acknowledged record under any of its crashes:\n  {}", misses.join("\n  ")));
    };
    let after = run_once(cluster, &example(&dir, "at-least-once")?, &crash, "crash").await?;
    if after.verdict.verdict != Verdict::Pass || after.verdict.acked == 0 || after.verdict.outputs == 0 {
        return Err(format!("at-least-once under {crash}: expected a pass with acked and read-back records: {:?}", after.verdict));
    }
    println!(
        "    commit-first lost {lost} acknowledged records under {crash} ({} tries missed its window); at-least-once lost none of {}",
        misses.len(),
        after.verdict.acked
    );
    Ok(())
}
