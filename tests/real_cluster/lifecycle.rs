//! The campaign's lifecycle through the `ldfi` binary, on the suite's
//! cluster (`--cluster NAME`): a real counterexample replays and
//! reproduces, a campaign killed with SIGKILL in the middle of a run
//! resumes without losing its finished runs, and a run stopped with SIGTERM
//! takes its nodes off the cluster it borrowed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ldfi::campaign::{replay::ReplayReport, CampaignSummary, Outcome};
use ldfi::cluster::Cluster;

use crate::support::eventually;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ldfi-lifecycle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

async fn ldfi(args: &[&str]) -> Result<(i32, String, String), String> {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| e.to_string())?;
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout).to_string(), String::from_utf8_lossy(&output.stderr).to_string());
    Ok((output.status.code().unwrap_or(-1), stdout, stderr))
}

/// The known counterexample of the seeded bug, journaled as a campaign
/// would have: crash pipeline-1 over steps 15..17, just after the burst,
/// loses acknowledged records.
pub async fn replay_reproduces_a_real_counterexample(cluster: &Cluster) -> Result<(), String> {
    replay_known("replay", &["--cluster", &cluster.spec().name]).await
}

/// The same replay on two clusters of its own, side by side: both runs
/// recorded in their order, and both clusters gone afterwards.
pub async fn replay_on_two_clusters_side_by_side_leaves_nothing() -> Result<(), String> {
    let containers = || -> Result<std::collections::BTreeSet<String>, String> {
        let out = std::process::Command::new("docker").args(["ps", "-a", "--format", "{{.Names}}"]).output().map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect())
    };
    let before = containers()?;
    replay_known("replay-parallel", &["--parallel", "2"]).await?;
    let left: Vec<String> = containers()?.difference(&before).cloned().collect();
    if !left.is_empty() {
        return Err(format!("the replay's clusters left containers behind: {left:?}"));
    }
    Ok(())
}

async fn replay_known(name: &str, extra: &[&str]) -> Result<(), String> {
    let root = temp(name);
    let report = root.join("reports").join("known");
    std::fs::create_dir_all(&report).map_err(|e| e.to_string())?;
    let summary = format!(
        r#"{{"schema_version":2,"campaign":"known-{pid}","scenario":"copy-commit-before-produce","scenario_path":"{SCENARIO}","seed":1,
           "strategy":"ldfi","outcome":{{"kind":"violation"}},"runs":[],"hypotheses_tried":1,"wall_ms":0,
           "counterexamples":[{{"run":"r1","traces":"{traces}/known-{pid}/r1","results":[],
             "plan":{{"seed":0,"faults":[{{"fault":{{"kind":"crash","node":"pipeline-1"}},"start":15,"end":17}}]}}}}]}}"#,
        pid = std::process::id(),
        traces = root.join("traces").display()
    );
    std::fs::write(report.join("summary.json"), summary).map_err(|e| e.to_string())?;
    let mut args = vec!["replay", report.to_str().unwrap(), "--times", "2"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = ldfi(&args).await?;
    println!("    {}", stdout.lines().next().unwrap_or(""));
    let replayed: ReplayReport = read(&report.join("replay.json"))?;
    if !replayed.finished || replayed.runs.len() != 2 {
        return Err(format!("replay.json: {} runs, finished {}\n{stderr}", replayed.runs.len(), replayed.finished));
    }
    if !replayed.runs.iter().enumerate().all(|(i, r)| r.run.ends_with(&format!("-{}", i + 1))) {
        return Err(format!("replay.json's runs out of order: {:?}", replayed.runs.iter().map(|r| &r.run).collect::<Vec<_>>()));
    }
    if replayed.reproduced == 0 || code != 1 {
        return Err(format!("expected the violation to reproduce (exit 1), got exit {code}, {} of 2\n{stdout}\n{stderr}", replayed.reproduced));
    }
    if !stdout.starts_with(&format!("REPRODUCED {} of 2 times", replayed.reproduced)) {
        return Err(format!("unexpected headline: {stdout}"));
    }
    if replayed.runs.iter().any(|r| !r.dir.join("verdict.json").is_file()) {
        return Err("a replay run has no verdict.json".into());
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

/// `ldfi campaign` killed with SIGKILL while its second run is under way,
/// then `--resume`d without `--cluster`: the journal names the cluster it
/// borrowed, which is reattached and healed; the fault-free run is kept as
/// it was, the cut run is redone under the same number, and the journal
/// ends honestly.
pub async fn campaign_killed_with_sigkill_resumes_without_losing_runs(cluster: &Cluster) -> Result<(), String> {
    let root = temp("resume");
    let (traces, reports) = (root.join("traces"), root.join("reports"));
    let common = [
        "--cluster", &cluster.spec().name, "--max-runs", "2", "--no-minimize", "--traces", traces.to_str().unwrap(), "--reports",
        reports.to_str().unwrap(),
    ];
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .arg("campaign")
        .arg(SCENARIO)
        .args(common)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Wait until the fault-free run is journaled and the next run has
    // started (its plan is written first), then kill -9.
    let (journal, _) = eventually("r0 journaled and r1 started", Duration::from_secs(180), || async {
        let dir = std::fs::read_dir(&reports).ok()?.filter_map(|e| e.ok()).next()?.path();
        let summary: CampaignSummary = read(&dir.join("summary.json")).ok()?;
        let r1 = traces.join(&summary.campaign).join("r1").join("plan.json");
        (summary.runs.len() == 1 && r1.is_file()).then_some(dir)
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid = child.id().ok_or("campaign has no pid")?;
    std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().map_err(|e| e.to_string())?;
    let _ = child.wait().await;

    let killed: CampaignSummary = read(&journal.join("summary.json"))?;
    if killed.outcome != Outcome::InProgress || killed.runs.len() != 1 {
        return Err(format!("the killed campaign's journal should say in progress with 1 run: {:?}, {} runs", killed.outcome, killed.runs.len()));
    }
    let campaign_traces = traces.join(&killed.campaign);
    if campaign_traces.join("r1").join("verdict.json").is_file() {
        return Err("r1 finished before the kill; the test did not cut a run short".into());
    }

    // Without --cluster: the journal names the cluster the campaign
    // borrowed, and --resume reattaches to it.
    let (code, stdout, stderr) = ldfi(&[&["campaign", SCENARIO, "--resume", journal.to_str().unwrap()][..], &common[2..]].concat()).await?;
    println!("    {}", stdout.lines().next().unwrap_or(""));
    if let Some(healed) = stderr.lines().find(|l| l.contains("healed:")) {
        println!("    {healed}");
    }
    // Two runs: a violation (1), or the budget spent (4).
    if code != 1 && code != 4 {
        return Err(format!("resume exited {code}\n{stderr}"));
    }
    if !stderr.contains(&format!("resuming campaign {} after 1 finished runs", killed.campaign)) || !stderr.contains("redoing what was cut short (r1") {
        return Err(format!("resume did not say what it kept and redid:\n{stderr}"));
    }
    if !stderr.contains(&format!("reattaching to cluster {}, which the campaign borrowed", cluster.spec().name)) {
        return Err(format!("resume did not reattach to the borrowed cluster its journal names:\n{stderr}"));
    }
    let resumed: CampaignSummary = read(&journal.join("summary.json"))?;
    if resumed.campaign != killed.campaign || resumed.runs.first() != killed.runs.first() {
        return Err(format!("the finished run changed: {:?} vs {:?}", resumed.runs.first(), killed.runs.first()));
    }
    let names: Vec<&str> = resumed.runs.iter().map(|r| r.run.as_str()).collect();
    if names != ["r0", "r1"] || resumed.outcome == Outcome::InProgress {
        return Err(format!("expected runs r0, r1 and an ended campaign: {names:?}, {:?}", resumed.outcome));
    }
    if !resumed.runs[1].dir.join("verdict.json").is_file() {
        return Err("the redone r1 has no verdict".into());
    }
    let aside = std::fs::read_dir(&campaign_traces)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with("r1.interrupted-"));
    if !aside {
        return Err("the cut-short r1 was not kept aside as evidence".into());
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

/// `ldfi run --cluster NAME` stopped with SIGTERM (what `timeout` and a
/// cancelled CI job send) while its pipeline runs: exits 130 and removes
/// its client nodes, and the cluster it borrowed keeps its brokers.
pub async fn run_stopped_with_sigterm_takes_its_nodes_off_a_kept_cluster(cluster: &Cluster) -> Result<(), String> {
    let root = temp("sigterm");
    let name = cluster.spec().name.clone();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["run", SCENARIO, "--cluster", &name, "--traces", root.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let engine = ldfi::engine::Engine::connect().await.map_err(|e| e.to_string())?;
    let clients = |containers: &[String]| -> Vec<String> {
        containers.iter().filter(|c| c.contains("pipeline-") || c.contains("workload")).cloned().collect()
    };
    eventually("the run's pipeline instance is up", Duration::from_secs(120), || async {
        let left = ldfi::engine::leftovers(&engine, Some(&name)).await.ok()?;
        left.containers.iter().any(|c| c.contains("pipeline-1")).then_some(())
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let status = crate::support::signal_and_wait(&mut child, "TERM", Duration::from_secs(60)).await.map_err(|e| format!("ldfi run: {e}"))?;
    if status.code() != Some(130) {
        return Err(format!("exit status {status:?}, expected 130"));
    }
    let left = ldfi::engine::leftovers(&engine, Some(&name)).await.map_err(|e| e.to_string())?;
    if !clients(&left.containers).is_empty() {
        return Err(format!("the stopped run left its nodes on the cluster: {:?}", clients(&left.containers)));
    }
    if !left.containers.iter().any(|c| c.contains("broker-")) {
        return Err(format!("the borrowed cluster lost its brokers: {:?}", left.containers));
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}
