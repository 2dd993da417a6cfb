//! Process faults on brokers: crash/restart, pause/resume, isolation, and
//! replication cuts.

use std::collections::HashSet;
use std::time::Duration;

use ldfi::cluster::{Cluster, TopicSpec};
use ldfi::model::snapshot::PartitionState;
use ldfi::model::{Fault, NodeId};
use ldfi::nemesis::Nemesis;
use ldfi::workload::{self, Acks, Delivery, WorkloadRecord};

use crate::support::{eventually, snapshot};

fn batch(prefix: &str, n: usize) -> Vec<WorkloadRecord> {
    (0..n)
        .map(|i| WorkloadRecord { id: format!("{prefix}-{i}"), key: format!("k{}", i % 7), value: format!("v{i}") })
        .collect()
}

async fn produce(cluster: &Cluster, topic: &str, records: &[WorkloadRecord]) -> Result<Vec<Delivery>, String> {
    workload::produce(&cluster.bootstrap_servers(), topic, records, Acks::All, Duration::from_secs(30))
        .await
        .map_err(|e| e.to_string())
}

async fn create(cluster: &Cluster, topic: TopicSpec) -> Result<(), String> {
    cluster.create_topics(&[topic]).await.map_err(|e| e.to_string())
}

/// Partition 0 of a topic as the cluster sees it now.
async fn partition_zero(cluster: &Cluster, topic: &str) -> Result<PartitionState, String> {
    snapshot(cluster, topic).await?.partition(topic, 0).cloned().ok_or_else(|| format!("{topic} has no partition 0"))
}

/// Every acknowledged id is read back from the topic.
async fn assert_all_acked_read_back(cluster: &Cluster, topic: &str, deliveries: &[Delivery]) -> Result<(), String> {
    let read = workload::read_all(&cluster.bootstrap_servers(), topic, false, Duration::from_secs(60))
        .await
        .map_err(|e| e.to_string())?;
    let seen: HashSet<&str> = read.iter().filter_map(|r| r.id.as_deref()).collect();
    let lost: Vec<&str> =
        deliveries.iter().filter(|d| d.acked.is_some() && !seen.contains(d.id.as_str())).map(|d| d.id.as_str()).collect();
    if lost.is_empty() {
        Ok(())
    } else {
        Err(format!("{} acked records not read back, e.g. {:?}", lost.len(), &lost[..lost.len().min(10)]))
    }
}

pub async fn roundtrip_1000(cluster: &Cluster) -> Result<(), String> {
    let topic = "roundtrip";
    create(cluster, TopicSpec::new(topic, 3, 3).min_insync_replicas(2)).await?;
    let deliveries = produce(cluster, topic, &batch("rt", 1000)).await?;
    let acked = deliveries.iter().filter(|d| d.acked.is_some()).count();
    if acked != 1000 {
        return Err(format!("only {acked} of 1000 acked: {:?}", deliveries.iter().find(|d| d.error.is_some())));
    }
    assert_all_acked_read_back(cluster, topic, &deliveries).await
}

pub async fn leader_crash(cluster: &Cluster) -> Result<(), String> {
    let topic = "failover";
    create(cluster, TopicSpec::new(topic, 1, 3).min_insync_replicas(2)).await?;
    let mut deliveries = produce(cluster, topic, &batch("before", 200)).await?;
    let state = partition_zero(cluster, topic).await?;
    let leader = state.leader.ok_or("no leader")?;
    let mut nemesis = Nemesis::new(cluster);
    nemesis.crash(NodeId::broker(leader as u8)).await.map_err(|e| e.to_string())?;

    let (new_leader, failover) = eventually("a new leader", Duration::from_secs(30), || async {
        let s = snapshot(cluster, topic).await.ok()?;
        s.partition(topic, 0)?.leader.filter(|l| *l != leader)
    })
    .await?;
    if !state.isr.contains(&new_leader) {
        return Err(format!("new leader {new_leader} was not in the ISR {:?}", state.isr));
    }
    println!("    leader {leader} crashed; broker {new_leader} leads after {failover:.1?}");
    let during = produce(cluster, topic, &batch("during", 200)).await?;
    if during.iter().any(|d| d.acked.is_none()) {
        return Err(format!("producing after failover failed: {:?}", during.iter().find(|d| d.error.is_some())));
    }
    deliveries.extend(during);

    nemesis.restart(NodeId::broker(leader as u8)).await.map_err(|e| e.to_string())?;
    let (_, rejoin) = eventually("the restarted broker back in the ISR", Duration::from_secs(60), || async {
        let s = snapshot(cluster, topic).await.ok()?;
        s.partition(topic, 0)?.isr.contains(&leader).then_some(())
    })
    .await?;
    println!("    broker {leader} rejoined the ISR {rejoin:.1?} after restart");
    assert_all_acked_read_back(cluster, topic, &deliveries).await
}

pub async fn isolate_follower(cluster: &Cluster) -> Result<(), String> {
    let topic = "isolation";
    create(cluster, TopicSpec::new(topic, 1, 3).min_insync_replicas(2)).await?;
    let state = partition_zero(cluster, topic).await?;
    let leader = state.leader.ok_or("no leader")?;
    let follower = *state.replicas.iter().find(|r| **r != leader).ok_or("no follower")?;
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::Isolate { node: NodeId::broker(follower as u8) };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    if nemesis.rules_on(&NodeId::broker(follower as u8)).await.map_err(|e| e.to_string())?.is_empty() {
        return Err("no firewall rule installed on the isolated broker".into());
    }
    // Keep records flowing so that the follower falls behind.
    let feeder = {
        let cluster = cluster.clone();
        tokio::spawn(async move { produce(&cluster, topic, &batch("iso", 300)).await })
    };
    let (isr, shrink) = eventually("the ISR without the isolated follower", Duration::from_secs(45), || async {
        let s = snapshot(cluster, topic).await.ok()?;
        let isr = s.partition(topic, 0)?.isr.clone();
        (!isr.contains(&follower)).then_some(isr)
    })
    .await?;
    println!("    follower {follower} isolated; ISR {isr:?} after {shrink:.1?}");
    let deliveries = feeder.await.map_err(|e| e.to_string())??;
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    if !nemesis.rules_on(&NodeId::broker(follower as u8)).await.map_err(|e| e.to_string())?.is_empty() {
        return Err("firewall rules remain after heal".into());
    }
    let (_, rejoin) = eventually("the healed follower back in the ISR", Duration::from_secs(60), || async {
        let s = snapshot(cluster, topic).await.ok()?;
        s.partition(topic, 0)?.isr.contains(&follower).then_some(())
    })
    .await?;
    println!("    follower {follower} rejoined {rejoin:.1?} after heal");
    assert_all_acked_read_back(cluster, topic, &deliveries).await
}

pub async fn pause_resume(cluster: &Cluster) -> Result<(), String> {
    let broker = 3u8;
    let node = NodeId::broker(broker);
    let mut nemesis = Nemesis::new(cluster);
    nemesis.pause(node.clone()).await.map_err(|e| e.to_string())?;
    let state = cluster.state(&node).await.map_err(|e| e.to_string())?;
    if !state.paused {
        return Err("the broker's container is not paused".into());
    }
    let (_, fenced) = eventually("the paused broker fenced", Duration::from_secs(45), || async {
        let s = cluster.snapshot(&[], &[]).await.ok()?;
        (!s.brokers.is_empty() && !s.brokers.contains(&(broker as i32))).then_some(())
    })
    .await?;
    println!("    broker {broker} paused; fenced after {fenced:.1?}");
    nemesis.resume(node.clone()).await.map_err(|e| e.to_string())?;
    let (_, back) = eventually("the resumed broker registered again", Duration::from_secs(45), || async {
        let s = cluster.snapshot(&[], &[]).await.ok()?;
        s.brokers.contains(&(broker as i32)).then_some(())
    })
    .await?;
    println!("    broker {broker} resumed; registered after {back:.1?}");
    Ok(())
}

/// A replication cut of a leader from every other broker stops its
/// followers' fetches, so they leave the ISR, but leaves the controller
/// listener: the leader keeps its session (it stays registered and leads)
/// and shrinks the ISR to itself. A full cut fences it within the session
/// timeout (6 s), before the ISR could shrink (10 s): whichever broker is
/// the active controller, that controller or the quorum is on the other
/// side of a full cut.
pub async fn replication_cut(cluster: &Cluster) -> Result<(), String> {
    let topic = "replication-cut";
    create(cluster, TopicSpec::new(topic, 1, 3).min_insync_replicas(1)).await?;
    let mut deliveries = produce(cluster, topic, &batch("before", 100)).await?;
    let state = partition_zero(cluster, topic).await?;
    let leader = state.leader.ok_or("no leader")?;
    // RF 3 on the 3-broker test cluster: its followers are every other broker.
    let others: Vec<NodeId> = state.replicas.iter().filter(|b| **b != leader).map(|b| NodeId::broker(*b as u8)).collect();
    let mut nemesis = Nemesis::new(cluster);
    let fault = Fault::CutReplication { left: vec![NodeId::broker(leader as u8)], right: others };
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    let rules = nemesis.rules_on(&NodeId::broker(leader as u8)).await.map_err(|e| e.to_string())?;
    if rules.is_empty() || rules.iter().any(|r| !r.contains("9092")) {
        return Err(format!("expected only broker-listener rules on the leader, got {rules:?}"));
    }
    let feeder = {
        let cluster = cluster.clone();
        tokio::spawn(async move { produce(&cluster, topic, &batch("cut", 300)).await })
    };
    let (fenced_or_shrunk, took) = eventually("the ISR shrunk to the leader, or the leader fenced", Duration::from_secs(45), || async {
        let s = snapshot(cluster, topic).await.ok()?;
        let p = s.partition(topic, 0)?;
        if p.leader != Some(leader) || !s.brokers.contains(&leader) {
            return Some(Err(format!("leader {leader} lost its leadership or its registration: leader {:?}, brokers {:?}", p.leader, s.brokers)));
        }
        (p.isr == [leader]).then_some(Ok(s.controller.map(|c| c.leader_id)))
    })
    .await?;
    let controller = fenced_or_shrunk?;
    println!("    replication of leader {leader} cut (controller {controller:?}); ISR [{leader}] after {took:.1?}, still leading");
    deliveries.extend(feeder.await.map_err(|e| e.to_string())??);
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    let (_, rejoin) = eventually("the followers back in the ISR", Duration::from_secs(60), || async {
        let s = snapshot(cluster, topic).await.ok()?;
        (s.partition(topic, 0)?.isr.len() == 3).then_some(())
    })
    .await?;
    println!("    followers rejoined {rejoin:.1?} after heal");
    assert_all_acked_read_back(cluster, topic, &deliveries).await
}

/// A broker's disk lost: a topic it held alone (replication factor 1)
/// comes back empty, every record gone; a topic it held with two more
/// replicas loses nothing, the broker fetching its copy again. Healed, the
/// broker is back in the quorum and in the ISR.
pub async fn disk_loss(cluster: &Cluster) -> Result<(), String> {
    let (alone, replicated) = ("disk-alone", "disk-replicated");
    create(cluster, TopicSpec::new(alone, 1, 1)).await?;
    create(cluster, TopicSpec::new(replicated, 1, 3).min_insync_replicas(2)).await?;
    let broker = partition_zero(cluster, alone).await?.leader.ok_or("no leader")?;
    let acked_alone = produce(cluster, alone, &batch("alone", 200)).await?;
    let acked_replicated = produce(cluster, replicated, &batch("replicated", 200)).await?;
    if acked_alone.iter().chain(&acked_replicated).any(|d| d.acked.is_none()) {
        return Err("not every record was acknowledged before the fault".into());
    }
    let fault = Fault::DiskLoss { node: NodeId::broker(broker as u8) };
    let mut nemesis = Nemesis::new(cluster);
    nemesis.apply(&fault).await.map_err(|e| e.to_string())?;
    nemesis.heal(&fault).await.map_err(|e| e.to_string())?;
    eventually("the broker back in the ISR of both topics", Duration::from_secs(60), || async {
        let s = snapshot(cluster, alone).await.ok()?;
        let r = snapshot(cluster, replicated).await.ok()?;
        (s.partition(alone, 0)?.isr.contains(&broker) && r.partition(replicated, 0)?.isr.contains(&broker)).then_some(())
    })
    .await?;
    let read = workload::read_all(&cluster.bootstrap_servers(), alone, false, Duration::from_secs(20))
        .await
        .map_err(|e| e.to_string())?;
    if !read.is_empty() {
        return Err(format!("{} records of {alone} read back after broker {broker} lost its disk, none expected", read.len()));
    }
    println!("    broker {broker} lost its disk: 200 of 200 records of {alone} gone, {replicated} whole");
    assert_all_acked_read_back(cluster, replicated, &acked_replicated).await
}

/// Disk loss is a broker's fault: asked of a client node, it is refused
/// before anything happens.
pub async fn disk_loss_of_a_client_is_refused(cluster: &Cluster) -> Result<(), String> {
    let mut nemesis = Nemesis::new(cluster);
    match nemesis.apply(&Fault::DiskLoss { node: NodeId::client("workload") }).await {
        Err(e) if e.to_string().contains("only a broker's disk") => Ok(()),
        other => Err(format!("expected a refusal, got {other:?}")),
    }
}
