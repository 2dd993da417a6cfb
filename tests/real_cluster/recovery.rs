//! `kill -9` of a campaign that runs its own cluster, at three moments,
//! each recovered with one command; then nothing of the campaign is left:
//! no container, no network, no packet filter.
//!
//! - while its cluster starts: `--resume` removes the half-started cluster
//!   and runs on a fresh one, and once it ends (or is interrupted), what
//!   the engine created for the dead process after that sweep;
//! - in a run with a fault in force (an isolation: packet filters):
//!   `ldfi clean --campaign NAME` (which, while the campaign still ran,
//!   left its cluster alone);
//! - while minimizing a counterexample: `--resume` finishes the
//!   minimization on a fresh cluster.
//!
//! These tests start their own clusters (the campaign's), not the suite's.
//! What is left is asked of the `docker` and `iptables` commands, not of
//! ldfi's own code.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ldfi::campaign::{CampaignSummary, Outcome};
use tokio::process::Child;

use crate::support::{eventually, signal_and_wait};

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");

/// A campaign's folders: `traces/` and `reports/` under a fresh root.
struct Dirs {
    root: PathBuf,
    traces: PathBuf,
    reports: PathBuf,
}

impl Dirs {
    fn new(name: &str) -> Dirs {
        let root = std::env::temp_dir().join(format!("ldfi-recovery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("temp dir");
        Dirs { traces: root.join("traces"), reports: root.join("reports"), root }
    }

    fn args(&self) -> Vec<String> {
        vec!["--traces".into(), self.traces.display().to_string(), "--reports".into(), self.reports.display().to_string()]
    }

    /// The journal of the one campaign under `reports/`, once written.
    fn journal(&self) -> Option<CampaignSummary> {
        let dir = std::fs::read_dir(&self.reports).ok()?.filter_map(|e| e.ok()).next()?.path();
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).ok()?).ok()
    }
}

fn spawn(args: &[String]) -> Result<Child, String> {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())
}

async fn ldfi(args: &[String]) -> Result<(i32, String), String> {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| e.to_string())?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Ok((output.status.code().unwrap_or(-1), text))
}

async fn kill9(child: &mut Child) -> Result<(), String> {
    let pid = child.id().ok_or("the campaign has no pid")?;
    std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().map_err(|e| e.to_string())?;
    let _ = child.wait().await;
    Ok(())
}

fn command(program: &str, args: &[&str]) -> Result<String, String> {
    let output = std::process::Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).to_string())
}

/// The labels of network `name`, as Docker shows them.
fn network_labels(name: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let json = command("docker", &["network", "inspect", "-f", "{{json .Labels}}", name])?;
    serde_json::from_str(json.trim()).map_err(|e| format!("labels of {name}: {e}"))
}

/// Containers and networks labelled with `campaign`, as Docker lists them.
fn left_of(campaign: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let label = format!("label=ldfi.campaign={campaign}");
    let lines = |text: String| text.lines().map(str::to_string).filter(|l| !l.is_empty()).collect::<Vec<_>>();
    let containers = lines(command("docker", &["ps", "-a", "--filter", &label, "--format", "{{.Names}}"])?);
    let networks = lines(command("docker", &["network", "ls", "--filter", &label, "--format", "{{.Name}}"])?);
    Ok((containers, networks))
}

/// ldfi's packet filters (comment `ldfi`) inside a running container's
/// network namespace; 0 for a container that does not run.
fn filters_in(container: &str) -> Result<usize, String> {
    let pid = command("docker", &["inspect", "-f", "{{.State.Pid}}", container])?.trim().to_string();
    if pid == "0" {
        return Ok(0);
    }
    let rules = command("nsenter", &["-t", &pid, "-n", "iptables", "-w", "-S"])?;
    Ok(rules.lines().filter(|l| l.contains("--comment ldfi")).count())
}

/// Nothing of `campaign` is left: no container, no network, and no ldfi
/// packet filter in the host's own tables (the filters live in the
/// containers' namespaces, which went with the containers).
fn assert_nothing_left(campaign: &str) -> Result<(), String> {
    let (containers, networks) = left_of(campaign)?;
    if !containers.is_empty() || !networks.is_empty() {
        return Err(format!("left behind by campaign {campaign}: containers {containers:?}, networks {networks:?}"));
    }
    let host = command("iptables", &["-w", "-S"])?;
    if host.lines().any(|l| l.contains("--comment ldfi")) {
        return Err(format!("an ldfi packet filter is in the host's tables:\n{host}"));
    }
    Ok(())
}

/// Waits for the journal of the spawned campaign and returns it.
async fn journal(dirs: &Dirs, what: &str, limit: Duration, ready: impl Fn(&CampaignSummary) -> bool) -> Result<CampaignSummary, String> {
    let (summary, _) = eventually(what, limit, || async { dirs.journal().filter(|s| ready(s)) }).await?;
    Ok(summary)
}

/// Runs a test on `dirs`; whatever its outcome, a campaign it left (a
/// failure before the kill: the child was killed on drop) is removed,
/// scoped to that campaign, and the folders with it.
async fn cleaned_up<F>(dirs: Dirs, test: F) -> Result<(), String>
where
    F: for<'a> FnOnce(&'a Dirs) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + 'a>>,
{
    let result = test(&dirs).await;
    if let Some(summary) = dirs.journal() {
        if result.is_err() {
            let clean: Vec<String> = ["clean", "--campaign", &summary.campaign, "--all"].map(String::from).to_vec();
            let _ = ldfi(&clean).await;
        }
    }
    let _ = std::fs::remove_dir_all(&dirs.root);
    result
}

fn has_line(path: &Path, needle: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.contains(needle))
}

/// Killed while its cluster starts: the journal already names the cluster
/// and the campaign; `--resume` removes the half-started cluster and runs
/// on a fresh one.
pub async fn killed_while_its_cluster_starts_resume_leaves_nothing() -> Result<(), String> {
    cleaned_up(Dirs::new("starting"), |dirs| Box::pin(killed_while_its_cluster_starts_in(dirs, Resume::Ends))).await
}

/// The same, the resume itself interrupted in its run: what the engine
/// made late for the killed process goes with the resume's own cluster.
pub async fn killed_while_its_cluster_starts_resume_interrupted_leaves_nothing() -> Result<(), String> {
    cleaned_up(Dirs::new("starting-ctrl-c"), |dirs| Box::pin(killed_while_its_cluster_starts_in(dirs, Resume::Interrupted))).await
}

/// How the resume of a killed campaign ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resume {
    /// It runs its budget out.
    Ends,
    /// Ctrl-C once its first run has started.
    Interrupted,
}

async fn killed_while_its_cluster_starts_in(dirs: &Dirs, how: Resume) -> Result<(), String> {
    let mut args: Vec<String> = ["campaign", SCENARIO, "--max-runs", "1", "--no-minimize"].map(String::from).to_vec();
    args.extend(dirs.args());
    let mut child = spawn(&args)?;
    let summary = journal(dirs, "the journal, naming the cluster", Duration::from_secs(60), |s| s.cluster.is_some()).await?;
    let campaign = summary.campaign.clone();
    let cluster = summary.cluster.clone().ok_or("no cluster journaled")?;
    if !cluster.started {
        return Err(format!("the journal should say the campaign starts its own cluster: {cluster:?}"));
    }
    eventually("a broker container of the campaign", Duration::from_secs(60), || async {
        left_of(&campaign).ok().filter(|(c, _)| c.iter().any(|n| n.contains("broker"))).map(|_| ())
    })
    .await?;
    kill9(&mut child).await?;
    let (containers, networks) = left_of(&campaign)?;
    println!("    killed while starting, left: {containers:?} {networks:?}");
    if dirs.traces.join(&campaign).join("r0").join("verdict.json").exists() {
        return Err("r0 finished: the kill was not during the cluster start".into());
    }

    let labels = network_labels(networks.first().ok_or("the killed campaign left no network")?)?;

    let mut resume: Vec<String> = ["campaign", SCENARIO, "--resume", &campaign, "--max-runs", "1", "--no-minimize"].map(String::from).to_vec();
    resume.extend(dirs.args());
    // The engine carries out a request the killed process had in flight,
    // even once the resume has swept: a network of the dead process
    // created after the resume named its fresh cluster.
    let late = format!("ldfi-{}-late", cluster.name);
    let in_flight = async {
        journal(dirs, "the resumed journal, naming a fresh cluster", Duration::from_secs(120), |s| {
            s.cluster.as_ref().is_some_and(|c| c.name != cluster.name)
        })
        .await?;
        let mut args = vec!["network".to_string(), "create".to_string()];
        args.extend(labels.iter().flat_map(|(k, v)| ["--label".to_string(), format!("{k}={v}")]));
        args.push(late.clone());
        command("docker", &args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    if how == Resume::Interrupted {
        let mut child = spawn(&resume)?;
        in_flight.await.map_err(|e| format!("could not create the late network: {e}"))?;
        let r0 = dirs.traces.join(&campaign).join("r0").join("plan.json");
        eventually("the resume's first run started", Duration::from_secs(300), || async { r0.is_file().then_some(()) }).await?;
        let status = signal_and_wait(&mut child, "INT", Duration::from_secs(120)).await.map_err(|e| format!("the resume: {e}"))?;
        if status.code() != Some(130) {
            return Err(format!("the interrupted resume exited {status}, not 130"));
        }
        return assert_nothing_left(&campaign);
    }
    let (resumed_run, in_flight) = tokio::join!(ldfi(&resume), in_flight);
    let (code, output) = resumed_run?;
    in_flight.map_err(|e| format!("could not create the late network: {e}"))?;
    // One run, fault-free: the budget is spent (4), unless it broke (1).
    if code != 4 && code != 1 {
        return Err(format!("--resume exited {code}:\n{output}"));
    }
    if !output.contains(&format!("removed cluster {}", cluster.name)) {
        return Err(format!("--resume did not say it removed the killed campaign's cluster:\n{output}"));
    }
    let resumed = dirs.journal().ok_or("no journal after --resume")?;
    let runs: Vec<&str> = resumed.runs.iter().map(|r| r.run.as_str()).collect();
    if runs != ["r0"] || resumed.outcome == Outcome::InProgress {
        return Err(format!("expected r0 and an ended campaign: {runs:?}, {:?}", resumed.outcome));
    }
    if resumed.cluster.as_ref().is_none_or(|c| c.name == cluster.name || !c.started) {
        return Err(format!("the resumed campaign should journal a fresh cluster of its own: {:?}", resumed.cluster));
    }
    assert_nothing_left(&campaign)?;
    Ok(())
}

/// The seeded-bug scenario with network faults only (isolate), so that a
/// run's fault is a packet filter: copied next to the test's folders.
fn isolate_only(dirs: &Dirs) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(SCENARIO).map_err(|e| e.to_string())?;
    let changed = text
        .replace("name = \"copy-commit-before-produce\"", "name = \"copy-isolated\"")
        .replace("kinds = [\"crash\", \"isolate\"]", "kinds = [\"isolate\"]")
        .replace("max_crashes = 1", "max_crashes = 0");
    if !changed.contains("kinds = [\"isolate\"]") || !changed.contains("max_crashes = 0") {
        return Err(format!("{SCENARIO} changed: cannot make its isolate-only copy"));
    }
    let path = dirs.root.join("copy-isolated.toml");
    std::fs::write(&path, changed).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Killed in a run while a fault is in force (a node isolated by packet
/// filters). While the campaign still ran, a scoped clean left its cluster
/// alone; once it is dead, `ldfi clean --campaign NAME` removes all of it.
pub async fn killed_mid_run_with_a_fault_in_force_clean_campaign_leaves_nothing() -> Result<(), String> {
    cleaned_up(Dirs::new("midrun"), |dirs| Box::pin(killed_mid_run_with_a_fault_in_force_clean_campaign_leaves_nothing_in(dirs))).await
}

async fn killed_mid_run_with_a_fault_in_force_clean_campaign_leaves_nothing_in(dirs: &Dirs) -> Result<(), String> {
    let scenario = isolate_only(dirs)?.display().to_string();
    let mut args: Vec<String> = ["campaign", &scenario, "--max-runs", "4", "--no-minimize"].map(String::from).to_vec();
    args.extend(dirs.args());
    let mut child = spawn(&args)?;
    let summary = journal(dirs, "the journal", Duration::from_secs(60), |s| s.cluster.is_some()).await?;
    let campaign = summary.campaign.clone();
    let r1 = dirs.traces.join(&campaign).join("r1");
    eventually("r1 started", Duration::from_secs(300), || async { r1.join("plan.json").is_file().then_some(()) }).await?;

    // The campaign runs: a scoped clean leaves its cluster.
    let clean: Vec<String> = ["clean", "--campaign", &campaign].map(String::from).to_vec();
    let (code, output) = ldfi(&clean).await?;
    if code != 0 || !output.contains("left cluster") || !output.contains("still runs") {
        return Err(format!("a clean of a running campaign should leave it (exit 0): exit {code}\n{output}"));
    }
    let (running, _) = left_of(&campaign)?;
    if !running.iter().any(|c| c.contains("broker")) {
        return Err(format!("the running campaign lost its brokers to a clean: {running:?}"));
    }

    let harness = r1.join("harness.jsonl");
    eventually("a fault applied in r1", Duration::from_secs(120), || async { has_line(&harness, "\"type\":\"fault_applied\"").then_some(()) })
        .await?;
    kill9(&mut child).await?;
    let trace = std::fs::read_to_string(&harness).unwrap_or_default();
    let applied = trace.lines().find(|l| l.contains("fault_applied")).unwrap_or("").to_string();
    let in_force = !trace.contains("\"type\":\"fault_healed\"");
    let (containers, networks) = left_of(&campaign)?;
    let mut filters = 0;
    for container in &containers {
        filters += filters_in(container)?;
    }
    println!("    killed mid-run ({applied}), left: {} containers, {} networks, {filters} packet filters", containers.len(), networks.len());
    if containers.is_empty() {
        return Err("the kill left nothing: nothing was tested".into());
    }
    if in_force && filters == 0 {
        return Err("the isolation was in force at the kill, but no packet filter was found".into());
    }

    let (code, output) = ldfi(&clean).await?;
    if code != 0 || !output.contains("removed cluster") || !output.contains("have exited") {
        return Err(format!("ldfi clean --campaign should remove the dead campaign's cluster: exit {code}\n{output}"));
    }
    assert_nothing_left(&campaign)?;
    Ok(())
}

/// Killed while minimizing the counterexample of the seeded bug:
/// `--resume` sets the cut minimization run aside, minimizes again on a
/// fresh cluster and ends with the violation and its minimal plan.
pub async fn killed_while_minimizing_resume_finishes_and_leaves_nothing() -> Result<(), String> {
    cleaned_up(Dirs::new("minimizing"), |dirs| Box::pin(killed_while_minimizing_resume_finishes_and_leaves_nothing_in(dirs))).await
}

async fn killed_while_minimizing_resume_finishes_and_leaves_nothing_in(dirs: &Dirs) -> Result<(), String> {
    let common = ["--max-runs", "6", "--minimize-runs", "3"];
    let mut args: Vec<String> = ["campaign", SCENARIO].iter().chain(&common).map(|s| s.to_string()).collect();
    args.extend(dirs.args());
    let mut child = spawn(&args)?;
    let summary = journal(dirs, "a counterexample journaled", Duration::from_secs(420), |s| !s.counterexamples.is_empty() || s.outcome != Outcome::InProgress).await?;
    if summary.counterexamples.is_empty() {
        return Err(format!("the campaign ended without finding the seeded bug: {:?}", summary.outcome));
    }
    let campaign = summary.campaign.clone();
    let first = summary.counterexamples[0].run.clone();
    let min1 = dirs.traces.join(&campaign).join(format!("{first}-min1"));
    eventually("the first minimization run started", Duration::from_secs(120), || async { min1.join("plan.json").is_file().then_some(()) }).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    kill9(&mut child).await?;
    let killed = dirs.journal().ok_or("no journal")?;
    if killed.counterexamples[0].minimal.is_some() || killed.outcome != Outcome::InProgress {
        return Err("the minimization finished before the kill".into());
    }
    let (containers, networks) = left_of(&campaign)?;
    println!("    killed while minimizing {first}, left: {} containers, {} networks", containers.len(), networks.len());

    let mut resume: Vec<String> = ["campaign", SCENARIO, "--resume", campaign.as_str()].iter().chain(&common).map(|s| s.to_string()).collect();
    resume.extend(dirs.args());
    let (code, output) = ldfi(&resume).await?;
    if code != 1 {
        return Err(format!("--resume should end with the violation (exit 1), exited {code}:\n{output}"));
    }
    if !output.contains("removed cluster") || !output.contains(&format!("{first}-min1")) {
        return Err(format!("--resume did not say it removed the cluster and redid {first}-min1:\n{output}"));
    }
    let resumed = dirs.journal().ok_or("no journal after --resume")?;
    let minimal = resumed.counterexamples[0].minimal.as_ref().ok_or("the counterexample was not minimized")?;
    if resumed.outcome != Outcome::Violation || minimal.attempts.is_empty() {
        return Err(format!("expected a violation with its minimization: {:?}, {} attempts", resumed.outcome, minimal.attempts.len()));
    }
    let aside = std::fs::read_dir(dirs.traces.join(&campaign))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with(&format!("{first}-min1.interrupted-")));
    if !aside {
        return Err(format!("the cut {first}-min1 was not kept aside as evidence"));
    }
    assert_nothing_left(&campaign)?;
    Ok(())
}

/// Ctrl-C of a campaign on two clusters of its own (`--parallel 2`), at two
/// moments: mid-run, with both clusters up; and as it ends, while it takes
/// its clusters down. Each time it exits 130 (or, past its teardown, with
/// its verdict) and leaves nothing: no container, no network.
pub async fn interrupted_on_two_clusters_leaves_nothing() -> Result<(), String> {
    cleaned_up(Dirs::new("ctrl-c-mid-run"), |dirs| Box::pin(interrupted_on_two_clusters_in(dirs, Moment::MidRun))).await?;
    cleaned_up(Dirs::new("ctrl-c-at-its-end"), |dirs| Box::pin(interrupted_on_two_clusters_in(dirs, Moment::AtItsEnd))).await
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Moment {
    MidRun,
    AtItsEnd,
}

async fn interrupted_on_two_clusters_in(dirs: &Dirs, moment: Moment) -> Result<(), String> {
    let mut args: Vec<String> = ["campaign", SCENARIO, "--parallel", "2", "--max-runs", "3", "--no-minimize"].map(String::from).to_vec();
    args.extend(dirs.args());
    let mut child = spawn(&args)?;
    let summary = journal(dirs, "the journal, naming the cluster", Duration::from_secs(60), |s| s.cluster.is_some()).await?;
    let campaign = summary.campaign.clone();
    // A cluster is a network of its own: two networks, two clusters.
    match moment {
        Moment::MidRun => {
            eventually("the fault-free run journaled and two clusters up", Duration::from_secs(420), || async {
                let two = left_of(&campaign).ok().is_some_and(|(_, n)| n.len() >= 2);
                (two && dirs.journal().is_some_and(|s| !s.runs.is_empty())).then_some(())
            })
            .await?;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        Moment::AtItsEnd => {
            journal(dirs, "the campaign's verdict journaled", Duration::from_secs(600), |s| s.outcome != Outcome::InProgress).await?;
        }
    }
    let (up, networks) = left_of(&campaign)?;
    let status = signal_and_wait(&mut child, "INT", Duration::from_secs(120)).await.map_err(|e| format!("the campaign: {e}"))?;
    let code = status.code().unwrap_or(-1);
    println!("    Ctrl-C {moment:?} with {} containers and {} networks up: exit {code}", up.len(), networks.len());
    let finished = dirs.journal().is_some_and(|s| s.outcome != Outcome::InProgress);
    let expected = match moment {
        Moment::MidRun => code == 130 && !finished,
        // Past its teardown the signal may come after the verdict was shown.
        Moment::AtItsEnd => code == 130 || code == 1 || code == 4,
    };
    if !expected {
        return Err(format!("Ctrl-C {moment:?}: exit {code}, journal finished: {finished}"));
    }
    if moment == Moment::MidRun && networks.len() < 2 {
        return Err(format!("two clusters were not up at the interrupt: {up:?} {networks:?}"));
    }
    assert_nothing_left(&campaign)
}
