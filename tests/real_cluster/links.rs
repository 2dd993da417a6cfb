//! Degraded links measured with real packets: the share of UDP datagrams a
//! lossy link drops, each way, and the bandwidth a TCP transfer gets
//! through a slow link; both back to normal after the heal, with no rule
//! and no token bucket left in the namespace.

use std::time::Duration;

use ldfi::cluster::{ClientNode, Cluster};
use ldfi::model::{Delay, Fault, Loss, NodeId, Rate};
use ldfi::nemesis::Nemesis;

use crate::support::{probe, probe_node, received};

/// Sends `count` datagrams tagged `tag` (20 ms apart) and returns how many
/// arrived.
async fn datagrams(cluster: &Cluster, from: &ClientNode, to: &ClientNode, count: u32, tag: &str) -> Result<u32, String> {
    let target = format!("{}:7000", to.address);
    let count_arg = count.to_string();
    let (code, _) = probe(cluster, from, &["udp-send", "--to", &target, "--count", &count_arg, "--tag", tag]).await?;
    if code != 0 {
        return Err(format!("udp-send from {} failed", from.name));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(received(cluster, to, tag).await? as u32)
}

/// Sends `bytes` over TCP and returns the bandwidth the transfer got, in
/// bits per second.
async fn bandwidth(cluster: &Cluster, from: &ClientNode, to: &ClientNode, bytes: usize) -> Result<f64, String> {
    let target = format!("{}:7000", to.address);
    let bytes_arg = bytes.to_string();
    let (code, out) = probe(cluster, from, &["tcp-send", "--to", &target, "--bytes", &bytes_arg]).await?;
    let micros: f64 = out.parse().map_err(|_| format!("tcp-send from {}: {out:?} (exit {code})", from.name))?;
    Ok(bytes as f64 * 8.0 / (micros.max(1.0) / 1e6))
}

fn mbit(bits_per_second: f64) -> String {
    format!("{:.2} Mbit/s", bits_per_second / 1e6)
}

pub async fn lossy_link(cluster: &Cluster) -> Result<(), String> {
    let a = probe_node(cluster, "probe-lossy-a").await?;
    let b = probe_node(cluster, "probe-lossy-b").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    if datagrams(cluster, &a, &b, 10, "warm").await? != 10 {
        return Err("before any fault, b did not receive all of a's datagrams".into());
    }
    let loss = Loss::new(0.3).map_err(|e| e.to_string())?;
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::LossyLink { left: vec![NodeId::client(&a.name)], right: vec![NodeId::client(&b.name)], loss };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    let rules = nemesis.rules_on(&NodeId::client(&a.name)).await.map_err(|e| e.to_string())?;
    if rules.len() != 2 || !rules.iter().all(|r| r.contains("statistic")) {
        return Err(format!("expected 2 statistic rules on a (in and out), got {rules:?}"));
    }
    if !nemesis.rules_on(&NodeId::client(&b.name)).await.map_err(|e| e.to_string())?.is_empty() {
        return Err("a lossy link puts its rules on the faulted side only".into());
    }
    const SENT: u32 = 300;
    let ab = datagrams(cluster, &a, &b, SENT, "lossy-ab").await?;
    let ba = datagrams(cluster, &b, &a, SENT, "lossy-ba").await?;
    let (lost_ab, lost_ba) = (1.0 - f64::from(ab) / f64::from(SENT), 1.0 - f64::from(ba) / f64::from(SENT));
    println!("    loss 0.3 on a's link to b: a->b lost {lost_ab:.3}, b->a lost {lost_ba:.3} ({SENT} datagrams each way)");
    // 0.3 ± 0.1: about 3.8 standard deviations of a binomial share over 300.
    for (way, lost) in [("a->b", lost_ab), ("b->a", lost_ba)] {
        if !(0.2..=0.4).contains(&lost) {
            return Err(format!("{way} lost {lost:.3} of the datagrams, expected about 0.3"));
        }
    }
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    let healed = datagrams(cluster, &a, &b, 100, "healed-ab").await? + datagrams(cluster, &b, &a, 100, "healed-ba").await?;
    println!("    after heal: {healed}/200 delivered");
    if healed != 200 {
        return Err(format!("after heal {healed}/200 datagrams delivered"));
    }
    for node in [&a, &b] {
        let left = nemesis.rules_on(&NodeId::client(&node.name)).await.map_err(|e| e.to_string())?;
        if !left.is_empty() {
            return Err(format!("rules remain on {} after heal: {left:?}", node.name));
        }
    }
    Ok(())
}

pub async fn slow_link(cluster: &Cluster) -> Result<(), String> {
    let a = probe_node(cluster, "probe-slow-a").await?;
    let b = probe_node(cluster, "probe-slow-b").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = bandwidth(cluster, &a, &b, 4_000_000).await?;
    let rate: Rate = "1mbit".parse()?;
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::SlowLink { node: NodeId::client(&a.name), rate };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    let buckets = nemesis.buckets_on(&NodeId::client(&a.name)).await.map_err(|e| e.to_string())?;
    if buckets.len() != 1 {
        return Err(format!("expected one token bucket on a, got {buckets:?}"));
    }
    // 250 kB at 1 Mbit/s: 2 s.
    let slowed = bandwidth(cluster, &a, &b, 250_000).await?;
    // What a receives is not limited.
    let inbound = bandwidth(cluster, &b, &a, 4_000_000).await?;
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    let after = bandwidth(cluster, &a, &b, 4_000_000).await?;
    println!(
        "    slow link at 1mbit on a: a->b {} before, {} slowed, {} after heal; b->a {} while slowed",
        mbit(before),
        mbit(slowed),
        mbit(after),
        mbit(inbound)
    );
    if !(0.6e6..=1.1e6).contains(&slowed) {
        return Err(format!("a->b got {} through a 1mbit link", mbit(slowed)));
    }
    if before < 20e6 || after < 20e6 {
        return Err(format!("unlimited a->b got {} before and {} after heal, expected well above 20 Mbit/s", mbit(before), mbit(after)));
    }
    if inbound < 20e6 {
        return Err(format!("b->a got {} while only a's sending was limited", mbit(inbound)));
    }
    let left = nemesis.buckets_on(&NodeId::client(&a.name)).await.map_err(|e| e.to_string())?;
    if !left.is_empty() {
        return Err(format!("token bucket remains on a after heal: {left:?}"));
    }
    Ok(())
}

/// The time a small TCP transfer takes from `from` to `to`: a connection,
/// the bytes and the close, about two round trips.
async fn transfer_time(cluster: &Cluster, from: &ClientNode, to: &ClientNode) -> Result<Duration, String> {
    let target = format!("{}:7000", to.address);
    let (code, out) = probe(cluster, from, &["tcp-send", "--to", &target, "--bytes", "1000"]).await?;
    let micros: u64 = out.parse().map_err(|_| format!("tcp-send from {}: {out:?} (exit {code})", from.name))?;
    Ok(Duration::from_micros(micros))
}

pub async fn delayed_link(cluster: &Cluster) -> Result<(), String> {
    let a = probe_node(cluster, "probe-delay-a").await?;
    let b = probe_node(cluster, "probe-delay-b").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = transfer_time(cluster, &a, &b).await?;
    let delay: Delay = "300ms".parse()?;
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::DelayLink { left: vec![NodeId::client(&a.name)], right: vec![NodeId::client(&b.name)], delay };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    let rules = nemesis.rules_on(&NodeId::client(&a.name)).await.map_err(|e| e.to_string())?;
    if rules.len() != 2 || !rules.iter().all(|r| r.contains("NFQUEUE")) {
        return Err(format!("expected 2 NFQUEUE rules on a (in and out), got {rules:?}"));
    }
    let delayed = transfer_time(cluster, &a, &b).await?;
    // Nothing is lost, only late: every datagram arrives.
    let sent = datagrams(cluster, &a, &b, 20, "delayed-ab").await?;
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    let after = transfer_time(cluster, &a, &b).await?;
    println!(
        "    delay 300ms on a's link to b: a 1000-byte transfer took {:.1} ms before, {:.1} ms delayed, {:.1} ms after heal; {sent}/20 datagrams arrived while delayed",
        before.as_secs_f64() * 1e3,
        delayed.as_secs_f64() * 1e3,
        after.as_secs_f64() * 1e3
    );
    // Two round trips, each two delays longer: 1.2 s; the probe's own
    // start-up is the rest.
    if delayed < Duration::from_millis(1_100) || delayed > Duration::from_secs(4) {
        return Err(format!("a transfer through a 300ms delay took {delayed:?}, expected about 1.2 s"));
    }
    if before > Duration::from_millis(300) || after > Duration::from_millis(300) {
        return Err(format!("undelayed transfers took {before:?} before and {after:?} after heal"));
    }
    if sent != 20 {
        return Err(format!("a delayed link lost datagrams: {sent}/20 arrived"));
    }
    let left = nemesis.rules_on(&NodeId::client(&a.name)).await.map_err(|e| e.to_string())?;
    if !left.is_empty() {
        return Err(format!("rules remain on a after heal: {left:?}"));
    }
    // a restarted while delayed: its new namespace gets the rules and a
    // delayer of its own; a nemesis dropped with the delay in force heals it.
    let crash = Fault::Crash { node: NodeId::client(&a.name) };
    {
        let mut nemesis = Nemesis::new(cluster);
        nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
        nemesis.apply(&crash).await.map_err(|e| e.to_string())?;
        nemesis.heal(&crash).await.map_err(|e| e.to_string())?;
        let restarted = transfer_time(cluster, &a, &b).await?;
        println!("    after a's restart while delayed: {:.1} ms", restarted.as_secs_f64() * 1e3);
        if restarted < Duration::from_millis(1_100) {
            return Err(format!("after a's restart a transfer took {restarted:?}: the delay did not come back"));
        }
    }
    let dropped = transfer_time(cluster, &a, &b).await?;
    let left = Nemesis::new(cluster).rules_on(&NodeId::client(&a.name)).await.map_err(|e| e.to_string())?;
    if dropped > Duration::from_millis(300) || !left.is_empty() {
        return Err(format!("a dropped nemesis left a delay: a transfer took {dropped:?}, rules {left:?}"));
    }
    Ok(())
}

/// A node restarted during a degraded link gets its rules and its bucket
/// back in its new namespace; a nemesis dropped with both in force (an
/// error, a panic) heals them.
pub async fn restart_and_drop(cluster: &Cluster) -> Result<(), String> {
    let a = probe_node(cluster, "probe-degraded-a").await?;
    let b = probe_node(cluster, "probe-degraded-b").await?;
    let (na, nb) = (NodeId::client(&a.name), NodeId::client(&b.name));
    let lossy = Fault::LossyLink { left: vec![na.clone()], right: vec![nb.clone()], loss: Loss::new(0.2)? };
    let slow = Fault::SlowLink { node: na.clone(), rate: "2mbit".parse()? };
    let crash = Fault::Crash { node: na.clone() };
    {
        let mut nemesis = Nemesis::new(cluster);
        for fault in [&lossy, &slow, &crash] {
            nemesis.apply(fault).await.map_err(|e| e.to_string())?;
        }
        nemesis.heal(&crash).await.map_err(|e| e.to_string())?;
        let rules = nemesis.rules_on(&na).await.map_err(|e| e.to_string())?;
        let buckets = nemesis.buckets_on(&na).await.map_err(|e| e.to_string())?;
        println!("    after a's restart: {} rule(s), {} bucket(s) reinstalled", rules.len(), buckets.len());
        if rules.len() != 2 || buckets.len() != 1 {
            return Err(format!("after a's restart expected 2 rules and 1 bucket, got {rules:?} and {buckets:?}"));
        }
        // Dropped here with the lossy and the slow link in force.
    }
    let observer = Nemesis::new(cluster);
    let rules = observer.rules_on(&na).await.map_err(|e| e.to_string())?;
    let buckets = observer.buckets_on(&na).await.map_err(|e| e.to_string())?;
    if !rules.is_empty() || !buckets.is_empty() {
        return Err(format!("a dropped nemesis left {rules:?} and {buckets:?} on a"));
    }
    Ok(())
}
