//! Run figures on this machine, printed (not asserted): records per second
//! through a whole run on a 3-broker cluster, and one run with the cluster
//! reused versus started fresh, side by side in one process.
//!
//! `cargo bench --bench run [-- --rounds N]`
//!
//! The run: the shipped copy-at-least-once scenario shortened to 5 steps of
//! 200 records (1,000 records) with one fault plan (crash pipeline-1 over
//! steps 2..3). Target: <= 20 s with reuse.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ldfi::cluster::Cluster;
use ldfi::model::FaultPlan;
use ldfi::run::{self, Binaries};
use ldfi::scenario::Scenario;

fn binaries() -> Binaries {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release");
    Binaries { workload: dir.join("ldfi-workload"), pipelines: dir, java: ldfi::run::java_dir() }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let status = std::process::Command::new("cargo")
        .args(["build", "--release", "--quiet", "--bin", "ldfi-workload", "--bin", "ldfi-copy"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo build");
    assert!(status.success());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/copy-at-least-once.toml");
    let mut scenario = Scenario::load(&path).expect("scenario");
    scenario.budget.eot = 5;
    scenario.budget.eff = 4;
    scenario.workload.records_per_step = 200;
    scenario.workload.step_millis = 500;
    scenario.workload.quiet_millis = 1000;
    let plan: FaultPlan =
        serde_json::from_str(r#"{"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":2,"end":3}]}"#).unwrap();
    let traces = std::env::temp_dir().join("ldfi-bench-traces");
    let binaries = binaries();

    let mut reused = Vec::new();
    let mut fresh = Vec::new();
    let mut rates = Vec::new();
    let shared = Cluster::start(run::cluster_spec(&scenario, &format!("bench-run-{}", std::process::id())))
        .await
        .expect("cluster");
    for round in 0..rounds {
        let started = Instant::now();
        let outcome = run::execute(&shared, &binaries, &scenario, &plan, &traces, "bench", &format!("reuse{round}"))
            .await
            .expect("run");
        let wall = started.elapsed().as_secs_f64();
        reused.push(wall);
        rates.push(outcome.verdict.acked as f64 / wall);
        println!("round {round}: reused cluster: {wall:.1} s, {} acked, verdict {}", outcome.verdict.acked, outcome.verdict.verdict);

        let started = Instant::now();
        let cluster = Cluster::start(run::cluster_spec(&scenario, &format!("bench-fresh-{}-{round}", std::process::id())))
            .await
            .expect("cluster");
        let outcome = run::execute(&cluster, &binaries, &scenario, &plan, &traces, "bench", &format!("fresh{round}"))
            .await
            .expect("run");
        cluster.down().await.expect("down");
        let wall = started.elapsed().as_secs_f64();
        fresh.push(wall);
        println!("round {round}: fresh cluster:  {wall:.1} s (start + run + down), verdict {}", outcome.verdict.verdict);
    }
    shared.down().await.expect("down");
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        xs[xs.len() / 2]
    };
    let (r, f) = (median(reused), median(fresh));
    println!("1,000-record run with one fault, reused cluster: median {r:.1} s (target <= 20 s: {})", if r <= 20.0 { "meets" } else { "MISSES" });
    println!("same run on a fresh cluster:                    median {f:.1} s; fresh / reused = {:.2}", f / r);
    println!("records per second through a whole run (acked / wall): median {:.0}", median(rates));
}
