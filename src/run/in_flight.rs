//! A crash in flight: a pipeline instance killed in the middle of its work
//! on a step's batch, not between batches.
//!
//! A fault that starts with its step meets an instance that has finished
//! the previous batch and waits for the next: a crash there never falls
//! between a commit and the write it was meant to follow (or a write and
//! the commit that should come after it), however many times it is tried,
//! since it lands at the same point of the instance's loop every time. An
//! app that commits and writes a millisecond apart is as wrong as one that
//! sleeps a second in between, and it is that gap a crash must hit.
//!
//! So the run widens the gap and aims at it, from outside the app and with
//! nothing but Kafka's own view: from the step's start, every packet
//! between the instance and the brokers is held for `delay` (a delayed
//! link, [`crate::nemesis::delay`]), so each of its requests lands a delay
//! after the one before; the harness takes a snapshot of what the instance
//! has done so far, and then watches, a snapshot every few milliseconds
//! (about 20 ms each here), for the first sign of its work on the batch:
//! its group's committed offset moving on a partition it holds, or one of
//! the topics it writes growing. At that sign the instance is killed: a
//! commit seen before its write means the write is at least a delay away,
//! a write seen before its commit means the commit is. What the instance
//! has not finished is what its restart must make good.
//!
//! The sign is judged here, from two snapshots ([`sign`]); the shell that
//! holds the links, polls and kills is [`Landing`].

use std::time::Duration;

use tokio::time::Instant;

use crate::cluster::Cluster;
use crate::model::{Delay, Fault, NodeId, Snapshot};
use crate::scenario::Scenario;
use crate::trace::RunNames;

/// How often the harness asks Kafka for the instance's progress: well
/// within a delay, each snapshot taking about 20 ms on its own.
const POLL: Duration = Duration::from_millis(10);

/// Delays past its step's end that a crash in flight waits for a sign of
/// its instance's work before it lands anyway: an instance that has just
/// started, or restarted, makes a dozen round trips (metadata, offsets, a
/// producer id) before its first write, each two delays long; a Kafka
/// Streams app starting its tasks, more (its first write came 8.3 s into
/// its first step with links held 500 ms).
pub const PATIENCE: u32 = 40;

/// What the harness watches for one instance: whose commits, and which
/// topics' growth, are its work.
#[derive(Debug, Clone, PartialEq)]
pub struct Aim {
    /// The instance's group (its stage's).
    pub group: String,
    /// The instance's address as its group lists its members' hosts.
    pub host: String,
    /// The topics the instance writes: its stage's outputs and the internal
    /// topics of its group (a Kafka Streams app's repartition and
    /// changelog topics).
    pub writes: Vec<String>,
}

impl Aim {
    /// The aim at instance `node` of `scenario`, as the run names its
    /// group and topics; `observed` are the topics each step observes,
    /// internal topics among them. `None` for a node that is no instance.
    pub fn at(scenario: &Scenario, names: &RunNames, observed: &[String], node: &NodeId, host: String) -> Option<Aim> {
        let (_, _, stage) = scenario.instances().into_iter().find(|(name, _, _)| NodeId::client(name.as_str()) == *node)?;
        let group = names.group(&stage.group);
        let prefix = format!("{group}-");
        let mut writes: Vec<String> = std::iter::once(&stage.output).chain(&stage.more_outputs).map(|t| names.topic(t)).collect();
        writes.extend(observed.iter().filter(|t| t.starts_with(&prefix)).cloned());
        Some(Aim { group, host, writes })
    }
}

/// The first sign of the instance's work on its batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Sign {
    /// Its group's committed offset moved on a partition the instance
    /// holds.
    Committed { topic: String, partition: i32, from: Option<i64>, to: i64 },
    /// A topic it writes grew, while it was the only member of its group
    /// holding partitions, or after the other members wrote their share
    /// of the batch.
    Wrote { topic: String, partition: i32, from: Option<i64>, to: i64 },
}

impl std::fmt::Display for Sign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let from = |from: &Option<i64>| from.map_or_else(|| "none".to_string(), |o| o.to_string());
        match self {
            Sign::Committed { topic, partition, from: was, to } => {
                write!(f, "its group's committed offset of {topic}/{partition} moved ({} -> {to})", from(was))
            }
            Sign::Wrote { topic, partition, from: was, to } => {
                write!(f, "{topic}/{partition}, which it writes, grew ({} -> {to})", from(was))
            }
        }
    }
}

/// The first sign, in `now` against `before`, of the instance's work: a
/// commit of its group on a partition it holds (in either snapshot: a
/// member may be missing from one of them while its group rebalances), or
/// a write to one of its topics while no other member of its group holds
/// a partition, or once `others_done`: the other members, whose packets
/// are not held, have written their share of the batch, and the instance,
/// whose every request is a delay late, cannot have written its own yet
/// ([`Landing::land`] takes their writes into `before` until then).
pub fn sign(aim: &Aim, before: &Snapshot, now: &Snapshot, others_done: bool) -> Option<Sign> {
    let (was, is) = (before.group(&aim.group), now.group(&aim.group));
    let holds = |topic: &str, partition: i32| {
        [was, is].into_iter().flatten().filter_map(|g| g.holder(topic, partition)).any(|m| m.address() == aim.host)
    };
    for c in is.iter().flat_map(|g| &g.committed).filter(|c| holds(&c.topic, c.partition)) {
        let from = was.and_then(|g| g.committed.iter().find(|w| w.topic == c.topic && w.partition == c.partition)).map(|w| w.offset);
        if from.is_none_or(|from| c.offset > from) {
            return Some(Sign::Committed { topic: c.topic.clone(), partition: c.partition, from, to: c.offset });
        }
    }
    let others_hold = [was, is]
        .into_iter()
        .flatten()
        .flat_map(|g| &g.members)
        .any(|m| m.address() != aim.host && !m.assignment.is_empty());
    if others_hold && !others_done {
        return None;
    }
    now.partitions.iter().filter(|p| aim.writes.contains(&p.topic)).find_map(|p| {
        let to = p.high_watermark?;
        let was = before.partition(&p.topic, p.partition);
        let from = was.and_then(|w| w.high_watermark);
        // A transaction open before and closed now: the growth is its
        // commit marker, which its coordinator appends once the instance
        // has finished, not a write of the instance's in the middle of
        // its work.
        let opened = was.is_some_and(|w| w.last_stable_offset.zip(w.high_watermark).is_some_and(|(lso, hw)| lso < hw));
        let closed = p.last_stable_offset.is_some_and(|lso| lso >= to);
        if opened && closed {
            return None;
        }
        from.is_none_or(|from| to > from).then(|| Sign::Wrote { topic: p.topic.clone(), partition: p.partition, from, to })
    })
}

/// A crash in flight under way: the instance's links held, what it had
/// done when they were, and until when to wait for its work.
pub struct Landing {
    pub node: NodeId,
    /// The delayed link that widens the instance's gaps, healed once it is
    /// killed.
    pub held: Fault,
    aim: Aim,
    before: Snapshot,
    topics: Vec<String>,
    delay: Delay,
}

/// How a crash in flight landed.
pub struct Landed {
    /// What set it off; `None` when the instance showed no work before
    /// the deadline and was killed then.
    pub sign: Option<Sign>,
    /// From the start of the watch to the kill.
    pub after: Duration,
}

impl Landing {
    /// The delayed link a crash in flight of `node` holds its packets
    /// with: both ways between it and every broker.
    pub fn held_link(cluster: &Cluster, node: &NodeId, delay: Delay) -> Fault {
        let brokers = cluster.broker_ids().into_iter().map(NodeId::broker).collect();
        Fault::DelayLink { left: vec![node.clone()], right: brokers, delay }
    }

    /// What the instance has done so far, once its links are held: the
    /// baseline the watch compares with.
    pub async fn begin(cluster: &Cluster, node: NodeId, held: Fault, aim: Aim, delay: Delay) -> Result<Landing, String> {
        let mut topics = aim.writes.clone();
        topics.sort();
        topics.dedup();
        let before = cluster.snapshot(&topics, std::slice::from_ref(&aim.group)).await.map_err(|e| e.to_string())?;
        Ok(Landing { node, held, aim, before, topics, delay })
    }

    /// How long each of the instance's packets is held.
    pub fn delay(&self) -> Duration {
        self.delay.duration()
    }

    /// Watches until the first sign of the instance's work, or `deadline`,
    /// then kills it: at the sign, or at the deadline when none came.
    /// `batch` says when the step's batch was acknowledged: the instance's
    /// first write comes two delays after its records arrive at the
    /// earliest (the fetch's answer held, then the write), so until half a
    /// delay past the acknowledgement every write is another member's.
    pub async fn land(&self, cluster: &Cluster, deadline: Instant, batch: tokio::sync::watch::Receiver<Option<Instant>>) -> Result<Landed, String> {
        let started = Instant::now();
        let groups = std::slice::from_ref(&self.aim.group);
        let mut before = self.before.clone();
        let sign = loop {
            let others_done = batch.borrow().is_some_and(|acked| Instant::now() >= acked + self.delay() / 2);
            if let Ok(now) = cluster.snapshot(&self.topics, groups).await {
                if let Some(sign) = sign(&self.aim, &before, &now, others_done) {
                    break Some(sign);
                }
                if !others_done {
                    before.partitions = now.partitions;
                }
            }
            if Instant::now() >= deadline {
                break None;
            }
            tokio::time::sleep(POLL).await;
        };
        let container = cluster.container(&self.node).map_err(|e| e.to_string())?;
        cluster.engine().kill(&container, "SIGKILL").await.map_err(|e| e.to_string())?;
        Ok(Landed { sign, after: started.elapsed() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{CommittedOffset, GroupMember, GroupState, PartitionState, TopicPartition};

    fn aim() -> Aim {
        Aim { group: "g".into(), host: "10.0.0.5".into(), writes: vec!["out".into()] }
    }

    fn member(host: &str, partitions: &[i32]) -> GroupMember {
        GroupMember {
            member_id: format!("m-{host}"),
            host: format!("/{host}"),
            assignment: partitions.iter().map(|p| TopicPartition { topic: "in".into(), partition: *p }).collect(),
            ..Default::default()
        }
    }

    fn snapshot(members: Vec<GroupMember>, committed: &[(i32, i64)], out: &[(i32, i64)]) -> Snapshot {
        Snapshot {
            groups: vec![GroupState {
                group: "g".into(),
                members,
                committed: committed.iter().map(|(p, o)| CommittedOffset { topic: "in".into(), partition: *p, offset: *o }).collect(),
                ..Default::default()
            }],
            partitions: out
                .iter()
                .map(|(p, hw)| PartitionState { topic: "out".into(), partition: *p, high_watermark: Some(*hw), ..Default::default() })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_commit_on_a_partition_it_holds_is_its_work_and_another_member_s_is_not() {
        let both = || vec![member("10.0.0.5", &[0]), member("10.0.0.6", &[1])];
        let before = snapshot(both(), &[(0, 10), (1, 10)], &[(0, 20)]);
        let theirs = snapshot(both(), &[(0, 10), (1, 15)], &[(0, 25)]);
        assert_eq!(sign(&aim(), &before, &theirs, false), None, "another member's commit and an output that either could have written");
        let ours = snapshot(both(), &[(0, 12), (1, 15)], &[(0, 25)]);
        assert_eq!(sign(&aim(), &before, &ours, false), Some(Sign::Committed { topic: "in".into(), partition: 0, from: Some(10), to: 12 }));
    }

    #[test]
    fn a_first_commit_counts_and_a_member_missing_while_its_group_rebalances_still_holds_its_partitions() {
        let before = snapshot(vec![member("10.0.0.5", &[2])], &[], &[]);
        let now = snapshot(vec![], &[(2, 7)], &[]);
        assert_eq!(sign(&aim(), &before, &now, false), Some(Sign::Committed { topic: "in".into(), partition: 2, from: None, to: 7 }));
    }

    #[test]
    fn a_transaction_s_commit_marker_is_no_write_and_its_open_data_is() {
        let partition = |hw: i64, lso: i64| PartitionState {
            topic: "out".into(),
            partition: 0,
            high_watermark: Some(hw),
            last_stable_offset: Some(lso),
            ..Default::default()
        };
        let with = |p: PartitionState| Snapshot { partitions: vec![p], ..snapshot(vec![member("10.0.0.5", &[0])], &[], &[]) };
        let open = with(partition(20, 15));
        assert_eq!(sign(&aim(), &open, &with(partition(21, 21)), false), None, "the marker that closes it");
        let idle = with(partition(21, 21));
        let data = Some(Sign::Wrote { topic: "out".into(), partition: 0, from: Some(21), to: 26 });
        assert_eq!(sign(&aim(), &idle, &with(partition(26, 21)), false), data, "records of a transaction it opened");
        let plain = Some(Sign::Wrote { topic: "out".into(), partition: 0, from: Some(21), to: 26 });
        assert_eq!(sign(&aim(), &idle, &with(partition(26, 26)), false), plain, "records written outside a transaction");
    }

    #[test]
    fn its_output_growing_counts_only_while_no_other_member_holds_a_partition() {
        let before = snapshot(vec![member("10.0.0.5", &[0, 1])], &[(0, 10)], &[(0, 20), (1, 3)]);
        let same = snapshot(vec![member("10.0.0.5", &[0, 1])], &[(0, 10)], &[(0, 20), (1, 3)]);
        assert_eq!(sign(&aim(), &before, &same, false), None);
        let grew = snapshot(vec![member("10.0.0.5", &[0, 1])], &[(0, 10)], &[(0, 20), (1, 9)]);
        assert_eq!(sign(&aim(), &before, &grew, false), Some(Sign::Wrote { topic: "out".into(), partition: 1, from: Some(3), to: 9 }));
        let shared = snapshot(vec![member("10.0.0.5", &[0]), member("10.0.0.6", &[1])], &[(0, 10)], &[(0, 20), (1, 9)]);
        assert_eq!(sign(&aim(), &before, &shared, false), None);
        let by_now = Some(Sign::Wrote { topic: "out".into(), partition: 1, from: Some(3), to: 9 });
        assert_eq!(sign(&aim(), &before, &shared, true), by_now, "the others wrote their share before: this growth is its");
        assert!(grew.groups[0].committed.iter().all(|c| c.offset == 10), "the commit did not move: the write came first");
    }
}
