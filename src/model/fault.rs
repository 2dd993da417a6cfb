//! One fault, as data: what a fault plan holds, what the nemesis executes
//! and what a report shows.
//!
//! Here, not in the nemesis that applies it: the solver, the lineage and
//! the report reason about faults over recorded runs, with no cluster.

use serde::{Deserialize, Serialize};

use super::words::{node as one, nodes as group};
use super::{Delay, Loss, NodeId, Rate};

/// What a fault does to what it names, for what treats kinds alike (a
/// timeline's colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Harm {
    /// The node's process is gone until it is healed.
    Down,
    /// The node's process is frozen, its state kept.
    Frozen,
    /// Packets dropped, every one.
    Cut,
    /// Packets still flow, some lost or late.
    Degraded,
}

/// One fault, as data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// SIGKILL the node's process; healed by a restart with its data intact.
    Crash { node: NodeId },
    /// Stop the node cleanly (SIGTERM); healed by starting it again.
    Stop { node: NodeId },
    /// Freeze every process of the node; healed by resuming it.
    Pause { node: NodeId },
    /// Drop every packet between the node and every other node.
    Isolate { node: NodeId },
    /// Drop every packet between the two groups, both ways.
    Cut { left: Vec<NodeId>, right: Vec<NodeId> },
    /// Drop packets sent from `from` to `to`; the other way still flows.
    OneWayCut { from: Vec<NodeId>, to: Vec<NodeId> },
    /// Drop the broker listener's traffic between the two groups, both
    /// ways: followers stop fetching from a leader (replication, transaction
    /// markers), while the KRaft controller listener still flows, so the
    /// brokers keep their sessions and the leader can still shrink its ISR.
    /// A full [`Fault::Cut`] between brokers also cuts a leader off the
    /// active controller when that controller is on the other side, which
    /// fences the leader: a different fault.
    CutReplication { left: Vec<NodeId>, right: Vec<NodeId> },
    /// Drop each packet between the two groups with probability `loss`,
    /// both ways, at random (not seeded: a replay injects the same loss,
    /// not the same packets). TCP retransmits what is lost, so the link
    /// still carries everything, late.
    LossyLink { left: Vec<NodeId>, right: Vec<NodeId>, loss: Loss },
    /// Limit everything `node` sends to `rate` (a token bucket on its
    /// interface): its requests and answers arrive, late. What it receives
    /// is not limited.
    SlowLink { node: NodeId, rate: Rate },
    /// SIGKILL a broker after deleting every partition log on its disk
    /// (the metadata log kept, as on a separate disk): a disk replaced
    /// under a broker that died. Healed by a restart on the empty disk,
    /// where the broker fetches again what its partners still hold; what
    /// no one else held is gone. Brokers only.
    DiskLoss { node: NodeId },
    /// Answer every TCP packet between the two groups, both ways, with a
    /// reset: a connection attempt is refused at once and an open
    /// connection breaks, where a cut leaves both waiting for a timeout.
    /// What a closed port or a firewall that rejects does. Other protocols
    /// are left alone (Kafka speaks only TCP).
    Reset { left: Vec<NodeId>, right: Vec<NodeId> },
    /// Hold each packet between the two groups for `delay`, both ways, on
    /// the `left` side (a round trip is two delays longer). Everything
    /// arrives, in order, late: an answer later than its request's
    /// timeout, without a packet lost.
    DelayLink { left: Vec<NodeId>, right: Vec<NodeId>, delay: Delay },
    /// SIGKILL a pipeline instance in the middle of its work on its step's
    /// batch, at the first sign of that work Kafka shows (its group's
    /// commit moved on a partition it holds, or its output grew), with
    /// its links held `delay` from the step's start so that the gap
    /// between two of its acts (a commit and the write it guards) is wide
    /// enough to land in. Healed by a restart, as a crash. Pipeline
    /// instances only.
    CrashInFlight { node: NodeId, delay: Delay },
}

impl Fault {
    /// The nodes whose process the fault stops (crash, stop, pause).
    pub fn process_target(&self) -> Option<&NodeId> {
        match self {
            Fault::Crash { node }
            | Fault::Stop { node }
            | Fault::Pause { node }
            | Fault::DiskLoss { node }
            | Fault::CrashInFlight { node, .. } => Some(node),
            _ => None,
        }
    }

    /// Every node the fault names.
    pub fn nodes(&self) -> Vec<&NodeId> {
        match self {
            Fault::Crash { node }
            | Fault::Stop { node }
            | Fault::Pause { node }
            | Fault::Isolate { node }
            | Fault::DiskLoss { node }
            | Fault::CrashInFlight { node, .. }
            | Fault::SlowLink { node, .. } => vec![node],
            Fault::Cut { left, right }
            | Fault::CutReplication { left, right }
            | Fault::LossyLink { left, right, .. }
            | Fault::Reset { left, right }
            | Fault::DelayLink { left, right, .. } => left.iter().chain(right).collect(),
            Fault::OneWayCut { from, to } => from.iter().chain(to).collect(),
        }
    }

    /// Whether this fault is on the network (a partition or a degraded
    /// link) rather than on a node's process.
    pub fn is_partition(&self) -> bool {
        self.process_target().is_none()
    }

    pub fn harm(&self) -> Harm {
        match self {
            Fault::Crash { .. } | Fault::Stop { .. } | Fault::DiskLoss { .. } | Fault::CrashInFlight { .. } => Harm::Down,
            Fault::Pause { .. } => Harm::Frozen,
            Fault::Isolate { .. }
            | Fault::Cut { .. }
            | Fault::OneWayCut { .. }
            | Fault::CutReplication { .. }
            | Fault::Reset { .. } => Harm::Cut,
            Fault::LossyLink { .. } | Fault::SlowLink { .. } | Fault::DelayLink { .. } => Harm::Degraded,
        }
    }

    /// The same fault with each node it names replaced: `one` where the
    /// fault names one node, `many` where it names a group.
    pub fn map_nodes<E>(
        &self,
        one: impl Fn(&NodeId) -> Result<NodeId, E>,
        many: impl Fn(&[NodeId]) -> Result<Vec<NodeId>, E>,
    ) -> Result<Fault, E> {
        Ok(match self {
            Fault::Crash { node } => Fault::Crash { node: one(node)? },
            Fault::Stop { node } => Fault::Stop { node: one(node)? },
            Fault::Pause { node } => Fault::Pause { node: one(node)? },
            Fault::DiskLoss { node } => Fault::DiskLoss { node: one(node)? },
            Fault::CrashInFlight { node, delay } => Fault::CrashInFlight { node: one(node)?, delay: *delay },
            Fault::Isolate { node } => Fault::Isolate { node: one(node)? },
            Fault::Cut { left, right } => Fault::Cut { left: many(left)?, right: many(right)? },
            Fault::CutReplication { left, right } => Fault::CutReplication { left: many(left)?, right: many(right)? },
            Fault::OneWayCut { from, to } => Fault::OneWayCut { from: many(from)?, to: many(to)? },
            Fault::LossyLink { left, right, loss } => {
                Fault::LossyLink { left: many(left)?, right: many(right)?, loss: *loss }
            }
            Fault::SlowLink { node, rate } => Fault::SlowLink { node: one(node)?, rate: *rate },
            Fault::Reset { left, right } => Fault::Reset { left: many(left)?, right: many(right)? },
            Fault::DelayLink { left, right, delay } => {
                Fault::DelayLink { left: many(left)?, right: many(right)?, delay: *delay }
            }
        })
    }

    /// The fault as an order in plain words, in three parts: its verb, the
    /// verb's gerund and the rest (`crash`, `crashing`, `broker 1`), so
    /// that a sentence can say "crash broker 1 after cutting ...".
    pub fn order(&self) -> (&'static str, &'static str, String) {
        match self {
            Fault::Crash { node } => ("crash", "crashing", one(node)),
            Fault::Stop { node } => ("stop", "stopping", format!("{} cleanly", one(node))),
            Fault::Pause { node } => ("pause", "pausing", one(node)),
            Fault::Isolate { node } => ("isolate", "isolating", format!("{} from every other node", one(node))),
            Fault::Cut { left, right } => ("cut", "cutting", format!("{} off {}", group(left), group(right))),
            Fault::CutReplication { left, right } => {
                ("cut", "cutting", format!("the replication between {} and {}", group(left), group(right)))
            }
            Fault::OneWayCut { from, to } => {
                ("drop", "dropping", format!("the packets {} sends to {}", group(from), group(to)))
            }
            Fault::LossyLink { left, right, loss } => (
                "drop",
                "dropping",
                format!("at random {} of the packets between {} and {}", loss.percent(), group(left), group(right)),
            ),
            Fault::SlowLink { node, rate } => ("slow", "slowing", format!("what {} sends to {rate}", one(node))),
            Fault::DiskLoss { node } => ("crash", "crashing", format!("{} and lose its disk", one(node))),
            Fault::CrashInFlight { node, .. } => ("crash", "crashing", format!("{} in the middle of its batch", one(node))),
            Fault::Reset { left, right } => {
                ("reset", "resetting", format!("every connection between {} and {}", group(left), group(right)))
            }
            Fault::DelayLink { left, right, delay } => {
                ("delay", "delaying", format!("by {delay} every packet between {} and {}", group(left), group(right)))
            }
        }
    }

    /// How the fault ended, in plain words: `broker 1 restarted at step 4`.
    pub fn healed(&self, end: u32) -> String {
        match self {
            Fault::Crash { node } | Fault::CrashInFlight { node, .. } => format!("{} restarted at step {end}", one(node)),
            Fault::Stop { node } => format!("{} started again at step {end}", one(node)),
            Fault::Pause { node } => format!("{} resumed at step {end}", one(node)),
            Fault::Isolate { node } => format!("{} reconnected at step {end}", one(node)),
            Fault::Cut { .. } | Fault::OneWayCut { .. } | Fault::CutReplication { .. } => {
                format!("the network healed at step {end}")
            }
            Fault::LossyLink { .. } => format!("the link stopped dropping packets at step {end}"),
            Fault::SlowLink { node, .. } => format!("{} sent at full speed again from step {end}", one(node)),
            Fault::DiskLoss { node } => format!("{} restarted on an empty disk at step {end}", one(node)),
            Fault::Reset { .. } => format!("connections were accepted again at step {end}"),
            Fault::DelayLink { .. } => format!("the link carried packets without delay again from step {end}"),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |nodes: &[NodeId]| nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
        match self {
            Fault::Crash { node } => write!(f, "crash {node}"),
            Fault::Stop { node } => write!(f, "stop {node}"),
            Fault::Pause { node } => write!(f, "pause {node}"),
            Fault::Isolate { node } => write!(f, "isolate {node}"),
            Fault::Cut { left, right } => write!(f, "cut {{{}}} from {{{}}}", list(left), list(right)),
            Fault::CutReplication { left, right } => {
                write!(f, "cut replication between {{{}}} and {{{}}}", list(left), list(right))
            }
            Fault::OneWayCut { from, to } => {
                write!(f, "drop packets from {{{}}} to {{{}}}", list(from), list(to))
            }
            Fault::LossyLink { left, right, loss } => {
                write!(f, "drop {} of packets between {{{}}} and {{{}}}", loss.percent(), list(left), list(right))
            }
            Fault::SlowLink { node, rate } => write!(f, "slow what {node} sends to {rate}"),
            Fault::DiskLoss { node } => write!(f, "crash {node} and lose its disk"),
            Fault::CrashInFlight { node, .. } => write!(f, "crash {node} in flight"),
            Fault::Reset { left, right } => write!(f, "reset connections between {{{}}} and {{{}}}", list(left), list(right)),
            Fault::DelayLink { left, right, delay } => {
                write!(f, "delay packets between {{{}}} and {{{}}} by {delay}", list(left), list(right))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_plain_json_values() {
        let fault = Fault::OneWayCut { from: vec![NodeId::client("pipeline-1")], to: vec![NodeId::broker(2)] };
        let json = serde_json::to_string(&fault).unwrap();
        assert_eq!(json, r#"{"kind":"one_way_cut","from":["pipeline-1"],"to":["broker-2"]}"#);
        assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), fault);
        assert_eq!(fault.to_string(), "drop packets from {pipeline-1} to {broker-2}");
        let crash: Fault = serde_json::from_str(r#"{"kind":"crash","node":"broker-1"}"#).unwrap();
        assert_eq!(crash.process_target(), Some(&NodeId::broker(1)));
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"crash","node":"broker-0"}"#).is_err());
        let replication = Fault::CutReplication {
            left: vec!["leader(input/0)".parse().unwrap()],
            right: vec!["followers(input/0)".parse().unwrap()],
        };
        let json = serde_json::to_string(&replication).unwrap();
        assert_eq!(json, r#"{"kind":"cut_replication","left":["leader(input/0)"],"right":["followers(input/0)"]}"#);
        assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), replication);
        assert!(replication.is_partition());
        assert_eq!(replication.to_string(), "cut replication between {leader(input/0)} and {followers(input/0)}");
    }

    #[test]
    fn degraded_links_are_plain_json_values_on_the_network() {
        let lossy: Fault = serde_json::from_str(
            r#"{"kind":"lossy_link","left":["leader(output/0)"],"right":["followers(output/0)"],"loss":0.3}"#,
        )
        .unwrap();
        assert!(lossy.is_partition() && lossy.process_target().is_none());
        assert_eq!(lossy.nodes().len(), 2);
        assert_eq!(lossy.to_string(), "drop 30% of packets between {leader(output/0)} and {followers(output/0)}");
        let json = r#"{"kind":"lossy_link","left":["leader(output/0)"],"right":["followers(output/0)"],"loss":0.3}"#;
        assert_eq!(serde_json::to_string(&lossy).unwrap(), json);
        let slow = Fault::SlowLink { node: NodeId::client("pipeline-1"), rate: "64kbit".parse().unwrap() };
        let json = serde_json::to_string(&slow).unwrap();
        assert_eq!(json, r#"{"kind":"slow_link","node":"pipeline-1","rate":"64kbit"}"#);
        assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), slow);
        assert!(slow.is_partition() && slow.process_target().is_none());
        assert_eq!(slow.to_string(), "slow what pipeline-1 sends to 64kbit");
        let reset = Fault::Reset { left: vec![NodeId::client("pipeline-1")], right: vec![NodeId::broker(1)] };
        let json = serde_json::to_string(&reset).unwrap();
        assert_eq!(json, r#"{"kind":"reset","left":["pipeline-1"],"right":["broker-1"]}"#);
        assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), reset);
        assert!(reset.is_partition() && reset.harm() == Harm::Cut);
        assert_eq!(reset.order().0, "reset");
        let delayed: Fault = serde_json::from_str(
            r#"{"kind":"delay_link","left":["pipeline-1"],"right":["broker-1"],"delay":"500ms"}"#,
        )
        .unwrap();
        assert!(delayed.is_partition() && delayed.harm() == Harm::Degraded);
        assert_eq!(delayed.to_string(), "delay packets between {pipeline-1} and {broker-1} by 500ms");
        let never: Result<Fault, _> = serde_json::from_str(r#"{"kind":"lossy_link","left":[],"right":[],"loss":1.0}"#);
        assert!(never.is_err(), "a loss of 1 is a cut, not a lossy link");
    }
}
