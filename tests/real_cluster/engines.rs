//! A campaign's clusters on two Docker engines of this machine: the
//! default one and a second one that `scripts/second-engine` starts (its
//! own socket, data root and bridges). The campaign of the seeded bug runs
//! with `--parallel 2 --engines default,SECOND`: its runs happen on both
//! engines (their client nodes are seen on each while it runs), the
//! journal names both, it finds the bug's cause, and afterwards nothing
//! labelled with the campaign is left on either engine. Killed with
//! SIGKILL once both engines hold its clusters, the same campaign is swept
//! from both by `ldfi clean --campaign NAME`, which reads the engines from
//! its journal. The second engine is stopped again (when this test
//! started it), and its one host rule with it.
//!
//! What is seen and left is asked of the `docker` command on each socket,
//! not of ldfi's own code. Without the second engine the test fails and
//! says why; it never skips.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use ldfi::campaign::{CampaignSummary, Outcome};
use ldfi::engine::Endpoint;
use ldfi::model::{Fault, NodeId};

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/second-engine");

fn command(program: &str, args: &[&str]) -> Result<String, String> {
    let output = std::process::Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{program} {args:?}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).to_string())
}

/// `docker -H` for an engine (`default`: no -H).
fn docker(engine: &Endpoint, args: &[&str]) -> Result<String, String> {
    let host = engine.to_string();
    let mut all: Vec<&str> = if engine.is_default() { Vec::new() } else { vec!["-H", &host] };
    all.extend_from_slice(args);
    command("docker", &all)
}

/// Containers and networks labelled with `campaign` on `engine`.
fn left_of(engine: &Endpoint, campaign: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let label = format!("label=ldfi.campaign={campaign}");
    let lines = |text: String| text.lines().map(str::to_string).filter(|l| !l.is_empty()).collect::<Vec<_>>();
    let containers = lines(docker(engine, &["ps", "-a", "--filter", &label, "--format", "{{.Names}}"])?);
    let networks = lines(docker(engine, &["network", "ls", "--filter", &label, "--format", "{{.Name}}"])?);
    Ok((containers, networks))
}

/// The second engine, stopped on drop if this test started it, after a
/// campaign it ran was swept from both engines.
struct Second {
    endpoint: Endpoint,
    started_here: bool,
    /// (campaign, reports root) to sweep on drop.
    sweep: Option<(String, PathBuf)>,
}

impl Second {
    fn up() -> Result<Second, String> {
        let answered = command(SCRIPT, &["endpoint"])
            .ok()
            .is_some_and(|e| command("docker", &["-H", e.trim(), "version"]).is_ok());
        let started = Instant::now();
        let out = command(SCRIPT, &["up"]).map_err(|e| format!("scripts/second-engine up failed: {e}"))?;
        let endpoint: Endpoint = out.trim().parse().map_err(|e| format!("scripts/second-engine up printed {out:?}: {e}"))?;
        println!("    second engine {endpoint} {} in {:.1} s", if answered { "was up" } else { "up" }, started.elapsed().as_secs_f64());
        Ok(Second { endpoint, started_here: !answered, sweep: None })
    }
}

impl Drop for Second {
    fn drop(&mut self) {
        if let Some((campaign, reports)) = self.sweep.take() {
            let engines = format!("default,{}", self.endpoint);
            let _ = std::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
                .args(["clean", "--campaign", &campaign, "--all", "--engines", &engines, "--reports"])
                .arg(&reports)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if self.started_here {
            let _ = std::process::Command::new(SCRIPT).arg("down").stdout(Stdio::null()).status();
        }
    }
}

/// What the campaign's containers were seen on each engine while it ran.
#[derive(Default)]
struct Seen {
    default: BTreeSet<String>,
    second: BTreeSet<String>,
}

pub async fn a_campaign_spreads_its_clusters_over_two_engines_and_leaves_nothing_on_either() -> Result<(), String> {
    let root = std::env::temp_dir().join(format!("ldfi-engines-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (traces, reports) = (root.join("traces"), root.join("reports"));
    let mut second = Second::up()?;
    let result = campaign_on_both(&mut second, &traces, &reports).await;
    // Swept (when it failed) and stopped before the last checks.
    let (endpoint, started_here) = (second.endpoint.clone(), second.started_here);
    drop(second);
    let _ = std::fs::remove_dir_all(&root);
    result?;
    if started_here {
        if command("docker", &["-H", &endpoint.to_string(), "version"]).is_ok() {
            return Err(format!("the second engine still answers at {endpoint} after scripts/second-engine down"));
        }
        let rules = command("iptables", &["-w", "-S", "DOCKER-USER"]).unwrap_or_default();
        if rules.contains("ldfi-+") {
            return Err(format!("scripts/second-engine down left its rule:\n{rules}"));
        }
    } else {
        println!("    the second engine was up before the test: left up");
    }
    Ok(())
}

async fn campaign_on_both(second: &mut Second, traces: &std::path::Path, reports: &std::path::Path) -> Result<(), String> {
    let engines = format!("default,{}", second.endpoint);
    let started = Instant::now();
    std::fs::create_dir_all(reports).map_err(|e| e.to_string())?;
    let log_path = reports.with_file_name("campaign.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["campaign", SCENARIO, "--parallel", "2", "--engines", &engines, "--no-minimize", "--max-runs", "16", "--traces"])
        .arg(traces)
        .arg("--reports")
        .arg(reports)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let journal = || journal_in(reports);
    // Watch both engines while the campaign runs.
    let mut seen = Seen::default();
    let mut campaign = None;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if campaign.is_none() {
            campaign = journal().map(|s| s.campaign);
            if let Some(name) = &campaign {
                second.sweep = Some((name.clone(), reports.to_path_buf()));
            }
        }
        if let Some(name) = &campaign {
            seen.default.extend(left_of(&Endpoint::Default, name)?.0);
            seen.second.extend(left_of(&second.endpoint, name)?.0);
        }
        if started.elapsed() > Duration::from_secs(900) {
            return Err("the campaign did not end within 900 s".into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    println!("    campaign on two engines: exit {:?} in {:.0} s", status.code(), started.elapsed().as_secs_f64());
    for line in text.lines().filter(|l| l.contains(" ready")) {
        println!("    {}", line.trim_start_matches("ldfi: "));
    }
    let summary = journal().ok_or_else(|| format!("no journal\n{text}"))?;
    let campaign = summary.campaign.clone();
    println!("    containers seen: {} on the default engine, {} on the second", seen.default.len(), seen.second.len());

    // Runs happened on both engines: each held a cluster's brokers and a
    // run's client nodes.
    for (engine, names) in [("the default engine", &seen.default), ("the second engine", &seen.second)] {
        let brokers = names.iter().any(|n| n.contains("-broker-"));
        let runs = names.iter().any(|n| n.ends_with("-pipeline-1") || n.ends_with("-workload"));
        if !brokers || !runs {
            return Err(format!("no cluster ran runs on {engine}: saw {names:?}\n{text}"));
        }
    }
    let shared: Vec<&String> = seen.default.intersection(&seen.second).collect();
    if !shared.is_empty() {
        return Err(format!("containers of one name on both engines: {shared:?}"));
    }
    let journaled = summary.cluster.as_ref().map(|c| c.engines.clone()).unwrap_or_default();
    if journaled != [Endpoint::Default, second.endpoint.clone()] {
        return Err(format!("the journal names engines {journaled:?}, expected default and {}", second.endpoint));
    }

    // The answer: the seeded bug, caused by a crash of the instance.
    if status.code() != Some(1) || summary.outcome != Outcome::Violation {
        return Err(format!("expected the violation (exit 1), got exit {:?} and {:?}\n{text}", status.code(), summary.outcome));
    }
    let crash = Fault::Crash { node: NodeId::Client("pipeline-1".into()) };
    let cause = summary.counterexamples.first().ok_or("no counterexample journaled")?;
    if !cause.plan.faults.iter().any(|f| f.fault == crash) {
        return Err(format!("the counterexample {} does not crash pipeline-1: {:?}", cause.run, cause.plan));
    }
    println!("    found {} in {} runs: {:?}", cause.run, summary.runs.len(), cause.plan.faults);

    // Nothing of the campaign is left on either engine.
    for engine in [Endpoint::Default, second.endpoint.clone()] {
        let (containers, networks) = left_of(&engine, &campaign)?;
        if !containers.is_empty() || !networks.is_empty() {
            return Err(format!("left on engine {engine}: containers {containers:?}, networks {networks:?}"));
        }
    }
    second.sweep = None;
    killed_then_cleaned(second, traces, reports).await
}

/// The same campaign killed with SIGKILL once both engines hold its
/// clusters: `ldfi clean --campaign NAME`, given no engine, sweeps both,
/// the ones its journal names.
async fn killed_then_cleaned(second: &mut Second, traces: &std::path::Path, reports: &std::path::Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(reports);
    let engines = format!("default,{}", second.endpoint);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["campaign", SCENARIO, "--parallel", "2", "--engines", &engines, "--no-minimize", "--traces"])
        .arg(traces)
        .arg("--reports")
        .arg(reports)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let journal = || journal_in(reports);
    let (campaign, _) = crate::support::eventually("the campaign's containers on both engines", Duration::from_secs(180), || async {
        let campaign = journal()?.campaign;
        let on = |engine: &Endpoint| left_of(engine, &campaign).ok().is_some_and(|(containers, _)| !containers.is_empty());
        (on(&Endpoint::Default) && on(&second.endpoint)).then_some(campaign)
    })
    .await?;
    second.sweep = Some((campaign.clone(), reports.to_path_buf()));
    let pid = child.id().ok_or("the campaign has no pid")?;
    command("kill", &["-KILL", &pid.to_string()])?;
    let _ = child.wait().await;
    let before: Vec<usize> = [Endpoint::Default, second.endpoint.clone()]
        .iter()
        .map(|e| left_of(e, &campaign).map(|(c, n)| c.len() + n.len()))
        .collect::<Result<_, _>>()?;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["clean", "--campaign", &campaign, "--reports"])
        .arg(reports)
        .output()
        .map_err(|e| e.to_string())?;
    let said = String::from_utf8_lossy(&output.stderr).to_string();
    if !output.status.success() || !said.contains(&format!("on engine {}", second.endpoint)) {
        return Err(format!("ldfi clean --campaign {campaign} did not sweep the second engine (exit {:?}):\n{said}", output.status.code()));
    }
    for engine in [Endpoint::Default, second.endpoint.clone()] {
        let (containers, networks) = left_of(&engine, &campaign)?;
        if !containers.is_empty() || !networks.is_empty() {
            return Err(format!("left on engine {engine} after ldfi clean: containers {containers:?}, networks {networks:?}"));
        }
    }
    println!("    killed with {} and {} of its parts on the two engines: ldfi clean --campaign removed them all", before[0], before[1]);
    second.sweep = None;
    Ok(())
}

/// The journal of the one campaign reporting under `reports`, once it is there.
fn journal_in(reports: &std::path::Path) -> Option<CampaignSummary> {
    let dir = std::fs::read_dir(reports).ok()?.filter_map(|e| e.ok()).next()?.path();
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).ok()?).ok()
}
