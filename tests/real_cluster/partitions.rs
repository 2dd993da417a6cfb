//! Network partitions shown by real packets: UDP datagrams for direction,
//! TCP connections for what a client on each side of a cut experiences.

use std::time::Duration;

use ldfi::cluster::{ClientNode, Cluster};
use ldfi::model::{Fault, NodeId};
use ldfi::nemesis::Nemesis;

use crate::support::{probe, probe_node, received};

async fn send(cluster: &Cluster, from: &ClientNode, to: &ClientNode, tag: &str) -> Result<(), String> {
    let target = format!("{}:7000", to.address);
    let (code, _) = probe(cluster, from, &["udp-send", "--to", &target, "--count", "10", "--tag", tag]).await?;
    if code != 0 {
        return Err(format!("udp-send from {} failed", from.name));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

async fn connects(cluster: &Cluster, from: &ClientNode, broker: u8) -> Result<bool, String> {
    let target = format!("{}:9092", cluster.addressing().broker(broker));
    let (code, out) = probe(cluster, from, &["tcp-connect", "--to", &target, "--timeout-ms", "2000"]).await?;
    match out.as_str() {
        "connected" if code == 0 => Ok(true),
        "timed-out" => Ok(false),
        other => Err(format!("tcp-connect from {} to broker-{broker}: {other} (exit {code})", from.name)),
    }
}

pub async fn one_way_cut(cluster: &Cluster) -> Result<(), String> {
    let a = probe_node(cluster, "probe-a").await?;
    let b = probe_node(cluster, "probe-b").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    send(cluster, &a, &b, "warm-ab").await?;
    if received(cluster, &b, "warm-ab").await? != 10 {
        return Err("before any fault, b did not receive all of a's datagrams".into());
    }
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::OneWayCut { from: vec![NodeId::client("probe-a")], to: vec![NodeId::client("probe-b")] };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    send(cluster, &a, &b, "cut-ab").await?;
    send(cluster, &b, &a, "cut-ba").await?;
    let (ab, ba) = (received(cluster, &b, "cut-ab").await?, received(cluster, &a, "cut-ba").await?);
    println!("    during a->b cut: a->b {ab}/10 delivered, b->a {ba}/10 delivered");
    if ab != 0 || ba != 10 {
        return Err(format!("expected a->b 0/10 and b->a 10/10, got {ab} and {ba}"));
    }
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    send(cluster, &a, &b, "healed-ab").await?;
    let healed = received(cluster, &b, "healed-ab").await?;
    if healed != 10 {
        return Err(format!("after heal a->b delivered {healed}/10"));
    }
    for node in ["probe-a", "probe-b"] {
        if !nemesis.rules_on(&NodeId::client(node)).await.map_err(|e| e.to_string())?.is_empty() {
            return Err(format!("rules remain on {node} after heal"));
        }
    }
    Ok(())
}

pub async fn group_cut(cluster: &Cluster) -> Result<(), String> {
    let a = probe_node(cluster, "probe-c").await?;
    let b = probe_node(cluster, "probe-d").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::Cut {
        left: vec![NodeId::client("probe-c"), NodeId::broker(1)],
        right: vec![NodeId::client("probe-d"), NodeId::broker(2), NodeId::broker(3)],
    };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    let seen = (
        connects(cluster, &a, 1).await?,
        connects(cluster, &a, 2).await?,
        connects(cluster, &b, 2).await?,
        connects(cluster, &b, 1).await?,
    );
    println!("    cut {{c, broker-1}} | {{d, broker-2, broker-3}}: c->1 {}, c->2 {}, d->2 {}, d->1 {}", seen.0, seen.1, seen.2, seen.3);
    if seen != (true, false, true, false) {
        return Err(format!("expected connects within a side and time-outs across, got {seen:?}"));
    }
    send(cluster, &a, &b, "gcut-cd").await?;
    send(cluster, &b, &a, "gcut-dc").await?;
    let (cd, dc) = (received(cluster, &b, "gcut-cd").await?, received(cluster, &a, "gcut-dc").await?);
    if cd != 0 || dc != 0 {
        return Err(format!("datagrams crossed the cut: c->d {cd}, d->c {dc}"));
    }
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    if !connects(cluster, &a, 2).await? || !connects(cluster, &b, 1).await? {
        return Err("still cut after heal".into());
    }
    Ok(())
}

/// What a TCP connection attempt from `from` to `target` met: connected,
/// timed-out or refused.
async fn reach(cluster: &Cluster, from: &ClientNode, target: &str) -> Result<String, String> {
    let (_, out) = probe(cluster, from, &["tcp-connect", "--to", target, "--timeout-ms", "3000"]).await?;
    Ok(out)
}

pub async fn reset(cluster: &Cluster) -> Result<(), String> {
    let e = probe_node(cluster, "probe-e").await?;
    let f = probe_node(cluster, "probe-f").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (to_f, to_1, to_2) = (
        format!("{}:7000", f.address),
        format!("{}:9092", cluster.addressing().broker(1)),
        format!("{}:9092", cluster.addressing().broker(2)),
    );
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::Reset { left: vec![NodeId::client("probe-e")], right: vec![NodeId::client("probe-f"), NodeId::broker(1)] };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    let seen = (reach(cluster, &e, &to_f).await?, reach(cluster, &e, &to_1).await?, reach(cluster, &e, &to_2).await?);
    send(cluster, &e, &f, "reset-ef").await?;
    let datagrams = received(cluster, &f, "reset-ef").await?;
    println!("    reset {{e}} | {{f, broker-1}}: e->f {}, e->1 {}, e->2 {}; UDP e->f {datagrams}/10", seen.0, seen.1, seen.2);
    if (seen.0.as_str(), seen.1.as_str(), seen.2.as_str()) != ("refused", "refused", "connected") {
        return Err(format!("expected refused across the reset and connected beside it, got {seen:?}"));
    }
    if datagrams != 10 {
        return Err(format!("a reset leaves other protocols alone, but {datagrams}/10 datagrams arrived"));
    }
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    let healed = (reach(cluster, &e, &to_f).await?, reach(cluster, &e, &to_1).await?);
    if (healed.0.as_str(), healed.1.as_str()) != ("connected", "connected") {
        return Err(format!("after heal: {healed:?}"));
    }
    for node in [NodeId::client("probe-e"), NodeId::client("probe-f"), NodeId::broker(1)] {
        let left = nemesis.rules_on(&node).await.map_err(|e| e.to_string())?;
        if !left.is_empty() {
            return Err(format!("rules remain on {node} after heal: {left:?}"));
        }
    }
    Ok(())
}
