//! Cluster figures on this machine, printed (not asserted): warm set-up,
//! cold start of a 3-broker cluster to ready, crash of a partition leader to
//! a new leader, and restart to ISR rejoin.
//!
//! `cargo bench --bench cluster [-- --rounds N]`
//!
//! Targets on a 2-core machine: ready <= 45 s, failover <= 10 s,
//! rejoin <= 15 s, warm set-up <= 10 s.

use std::time::{Duration, Instant};

use ldfi::cluster::{Cluster, ClusterSpec, TopicSpec};
use ldfi::model::NodeId;
use ldfi::nemesis::Nemesis;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn show(name: &str, xs: &[f64], target: f64) {
    let min = xs.iter().cloned().fold(f64::MAX, f64::min);
    let max = xs.iter().cloned().fold(0.0, f64::max);
    let med = median(xs.to_vec());
    let verdict = if med <= target { "meets" } else { "MISSES" };
    println!("{name:<28} median {med:6.1} s  min {min:6.1}  max {max:6.1}  (n={}, target <= {target} s: {verdict})", xs.len());
}

async fn wait_for<F, Fut>(limit: Duration, mut check: F) -> Option<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return Some(started.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
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

    let setup = Instant::now();
    let status = std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/setup"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run scripts/setup");
    assert!(status.success(), "scripts/setup failed");
    show("warm set-up", &[setup.elapsed().as_secs_f64()], 10.0);

    let mut ready = Vec::new();
    let mut failover = Vec::new();
    let mut rejoin = Vec::new();
    for round in 0..rounds {
        let started = Instant::now();
        let cluster = Cluster::start(ClusterSpec::new(format!("bench-{}-{round}", std::process::id())))
            .await
            .expect("cluster starts");
        ready.push(started.elapsed().as_secs_f64());
        let topic = "bench";
        cluster
            .create_topics(&[TopicSpec::new(topic, 1, 3).min_insync_replicas(2)])
            .await
            .expect("topic");
        let topics = [topic.to_string()];
        let leader = cluster.snapshot(&topics, &[]).await.unwrap().partition(topic, 0).unwrap().leader.unwrap();
        let mut nemesis = Nemesis::new(&cluster);
        nemesis.crash(NodeId::broker(leader as u8)).await.expect("crash");
        let moved = wait_for(Duration::from_secs(60), || async {
            let s = cluster.snapshot(&topics, &[]).await.ok();
            s.and_then(|s| s.partition(topic, 0).and_then(|p| p.leader)).is_some_and(|l| l != leader)
        })
        .await;
        failover.push(moved.unwrap_or(60.0));
        nemesis.restart(NodeId::broker(leader as u8)).await.expect("restart");
        let back = wait_for(Duration::from_secs(120), || async {
            let s = cluster.snapshot(&topics, &[]).await.ok();
            s.and_then(|s| s.partition(topic, 0).map(|p| p.isr.contains(&leader))).unwrap_or(false)
        })
        .await;
        rejoin.push(back.unwrap_or(120.0));
        println!(
            "round {round}: ready {:.1} s, failover {:.1} s, rejoin {:.1} s",
            ready[round], failover[round], rejoin[round]
        );
        cluster.down().await.expect("down");
    }
    show("cold start to ready", &ready, 45.0);
    show("crash to new leader", &failover, 10.0);
    show("restart to ISR rejoin", &rejoin, 15.0);
}
