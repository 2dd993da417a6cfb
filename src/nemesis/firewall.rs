//! Network partitions as packet filters inside the nodes' own network
//! namespaces.
//!
//! A cut drops real packets: `iptables` rules entered from the host with
//! `nsenter -t <pid> -n`, in the namespace of the container on each side of
//! the cut. Docker network disconnects are not used: they change addresses
//! and tear down sockets, which is not what a partition does. Every rule
//! carries the comment `ldfi`, and since the rules live in the containers'
//! namespaces they vanish with the containers: nothing is ever installed in
//! the host's own tables.
//!
//! A lossy link is the same kind of rule with iptables' `statistic` match
//! (`-m statistic --mode random --probability P`): each packet is dropped
//! with probability P, and TCP retransmits it. Its rules go on one side of
//! the link only (the faulted node's), so that a packet meets one draw,
//! and the loss is P, not 1 - (1 - P)².
//!
//! The pure part ([`plan_rules`]) says which rule goes on which node; the
//! shell part ([`install`], [`remove`], [`list`]) runs `iptables`.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::cluster::BROKER_PORT;
use super::netns;
use crate::engine::EngineError;
use crate::model::{Fault, Loss, NodeId};

/// Comment on every rule ldfi installs.
pub const RULE_COMMENT: &str = "ldfi";

/// Which way a dropped packet travels, seen from the node holding the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Direction {
    /// Drop packets arriving from the peer.
    Inbound,
    /// Drop packets sent to the peer.
    Outbound,
}

/// Which TCP port a rule is limited to, on the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Port {
    /// Packets to this port (requests to a listener).
    To(u16),
    /// Packets from this port (a listener's responses).
    From(u16),
}

/// One packet filter on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rule {
    pub direction: Direction,
    pub peer: Ipv4Addr,
    /// Only TCP packets to or from this port; `None` drops every packet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Port>,
    /// Drop only this share of the packets, at random; `None` drops all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Loss>,
    /// What becomes of a packet the rule matches.
    #[serde(default, skip_serializing_if = "Action::is_drop")]
    pub action: Action,
}

/// What a rule does with the packets it matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Drop them.
    #[default]
    Drop,
    /// Answer TCP packets with a reset (and leave other protocols alone):
    /// the peer's connection is refused or broken at once.
    Reset,
    /// Hand them to the delayer bound to [`super::delay::QUEUE`] in the
    /// node's namespace, which lets each go after the link's delay; with
    /// no delayer bound, they pass at once (`--queue-bypass`).
    Queue,
}

impl Action {
    fn is_drop(&self) -> bool {
        *self == Action::Drop
    }
}

impl Rule {
    /// `iptables` arguments to append (`-A`) or delete (`-D`) this rule.
    pub fn iptables_args(&self, op: &str) -> Vec<String> {
        let (chain, flag) = match self.direction {
            Direction::Inbound => ("INPUT", "-s"),
            Direction::Outbound => ("OUTPUT", "-d"),
        };
        let mut args: Vec<String> =
            ["-w", op, chain, flag, &self.peer.to_string()].iter().map(|s| s.to_string()).collect();
        if let Some(port) = self.port {
            let (flag, number) = match port {
                Port::To(n) => ("--dport", n),
                Port::From(n) => ("--sport", n),
            };
            args.extend(["-p".to_string(), "tcp".to_string(), flag.to_string(), number.to_string()]);
        }
        if let Some(loss) = self.loss {
            args.extend(["-m", "statistic", "--mode", "random", "--probability"].iter().map(|s| s.to_string()));
            args.push(loss.iptables());
        }
        if self.action == Action::Reset {
            if self.port.is_none() {
                args.extend(["-p".to_string(), "tcp".to_string()]);
            }
            // A reset must pass: the one answering a packet on its way out
            // meets the same link's rule on its way in.
            args.extend(["!", "--tcp-flags", "RST", "RST"].iter().map(|s| s.to_string()));
        }
        args.extend(["-m", "comment", "--comment", RULE_COMMENT].iter().map(|s| s.to_string()));
        match self.action {
            Action::Drop => args.extend(["-j".to_string(), "DROP".to_string()]),
            Action::Reset => args.extend(["-j", "REJECT", "--reject-with", "tcp-reset"].iter().map(|s| s.to_string())),
            Action::Queue => {
                args.extend(["-j", "NFQUEUE", "--queue-num"].iter().map(|s| s.to_string()));
                args.push(super::delay::QUEUE.to_string());
                args.push("--queue-bypass".to_string());
            }
        }
        args
    }
}

/// The rules realizing a partition or a lossy link, by node; empty for
/// faults that are neither. `address` resolves a node; `all` lists every node on
/// the network (for isolation). Packets from `a` to `b` are dropped twice,
/// on the way out of `a` and on the way into `b`, so a cut holds even while
/// one side is being restarted. A replication cut drops only the TCP
/// traffic of the broker listener (to its port, and its responses from
/// it), so the KRaft controller listener between the same nodes still
/// flows.
pub fn plan_rules<E>(
    fault: &Fault,
    all: &[NodeId],
    address: impl Fn(&NodeId) -> Result<Ipv4Addr, E>,
) -> Result<Vec<(NodeId, Rule)>, E> {
    let on_port = |from: &[NodeId], to: &[NodeId], port: Option<Port>| -> Result<Vec<(NodeId, Rule)>, E> {
        let mut rules = Vec::new();
        for a in from {
            for b in to.iter().filter(|b| *b != a) {
                rules.push((a.clone(), Rule { direction: Direction::Outbound, peer: address(b)?, port, loss: None, action: Action::Drop }));
                rules.push((b.clone(), Rule { direction: Direction::Inbound, peer: address(a)?, port, loss: None, action: Action::Drop }));
            }
        }
        Ok(rules)
    };
    let one_way = |from: &[NodeId], to: &[NodeId]| on_port(from, to, None);
    // A lossy or delayed link acts on the faulted side only, both ways, so
    // that a packet meets one draw, or one delay.
    let one_side = |left: &[NodeId], right: &[NodeId], loss: Option<Loss>, action: Action| -> Result<Vec<(NodeId, Rule)>, E> {
        let mut rules = Vec::new();
        for a in left {
            for b in right.iter().filter(|b| *b != a) {
                for direction in [Direction::Outbound, Direction::Inbound] {
                    rules.push((a.clone(), Rule { direction, peer: address(b)?, port: None, loss, action }));
                }
            }
        }
        Ok(rules)
    };
    let mut rules = match fault {
        Fault::OneWayCut { from, to } => one_way(from, to)?,
        Fault::Cut { left, right } => {
            let mut rules = one_way(left, right)?;
            rules.extend(one_way(right, left)?);
            rules
        }
        Fault::CutReplication { left, right } => {
            let mut rules = Vec::new();
            for (from, to) in [(left, right), (right, left)] {
                for port in [Port::To(BROKER_PORT), Port::From(BROKER_PORT)] {
                    rules.extend(on_port(from, to, Some(port))?);
                }
            }
            rules
        }
        Fault::Isolate { node } => {
            let others: Vec<NodeId> = all.iter().filter(|n| *n != node).cloned().collect();
            let me = std::slice::from_ref(node);
            let mut rules = one_way(me, &others)?;
            rules.extend(one_way(&others, me)?);
            rules
        }
        Fault::LossyLink { left, right, loss } => one_side(left, right, Some(*loss), Action::Drop)?,
        Fault::DelayLink { left, right, .. } => one_side(left, right, None, Action::Queue)?,
        Fault::Reset { left, right } => {
            let mut rules = Vec::new();
            for (from, to) in [(left, right), (right, left)] {
                rules.extend(on_port(from, to, None)?.into_iter().map(|(node, rule)| (node, Rule { action: Action::Reset, ..rule })));
            }
            rules
        }
        // Listed, not `_`: a new kind must say whether it needs filters.
        // A fault on a node's process needs none, nor a slowed link (a
        // token bucket on its interface).
        Fault::Crash { .. }
        | Fault::CrashInFlight { .. }
        | Fault::Stop { .. }
        | Fault::Pause { .. }
        | Fault::DiskLoss { .. }
        | Fault::SlowLink { .. } => {
            Vec::new()
        }
    };
    rules.sort();
    rules.dedup();
    Ok(rules)
}

/// Installs a rule in the network namespace of process `pid`.
pub async fn install(pid: i64, rule: &Rule) -> Result<(), EngineError> {
    netns::checked(pid, "iptables", &rule.iptables_args("-A")).await?;
    Ok(())
}

/// Removes one instance of a rule; a rule already gone is not an error.
pub async fn remove(pid: i64, rule: &Rule) -> Result<(), EngineError> {
    let _ = netns::run(pid, "iptables", &rule.iptables_args("-D")).await?;
    Ok(())
}

/// The ldfi rules present in the namespace of process `pid`, as
/// `iptables -S` prints them.
pub async fn list(pid: i64) -> Result<Vec<String>, EngineError> {
    let output = netns::checked(pid, "iptables", &["-w".to_string(), "-S".to_string()]).await?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains(&format!("--comment {RULE_COMMENT}")))
        .map(str::to_string)
        .collect())
}

/// Removes every ldfi rule in the namespace of process `pid` (after a
/// harness was killed with cuts in force). Returns how many were removed.
pub async fn flush(pid: i64) -> Result<usize, EngineError> {
    let rules = list(pid).await?;
    for rule in &rules {
        let mut args: Vec<String> = vec!["-w".to_string()];
        args.extend(rule.split_whitespace().map(|a| if a == "-A" { "-D".to_string() } else { a.to_string() }));
        let _ = netns::run(pid, "iptables", &args).await?;
    }
    Ok(rules.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(node: &NodeId) -> Result<Ipv4Addr, String> {
        Ok(match node {
            NodeId::Broker(id) => Ipv4Addr::new(10, 0, 0, 10 + id),
            NodeId::Client(_) => Ipv4Addr::new(10, 0, 0, 101),
            NodeId::Role(_) => return Err("roles are resolved before rules are planned".into()),
        })
    }

    fn all() -> Vec<NodeId> {
        vec![NodeId::broker(1), NodeId::broker(2), NodeId::broker(3), NodeId::client("p")]
    }

    #[test]
    fn a_one_way_cut_drops_only_packets_from_source_to_target() {
        let fault = Fault::OneWayCut { from: vec![NodeId::broker(1)], to: vec![NodeId::broker(2)] };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        assert_eq!(
            rules,
            vec![
                (NodeId::broker(1), Rule { direction: Direction::Outbound, peer: Ipv4Addr::new(10, 0, 0, 12), port: None, loss: None, action: Action::Drop }),
                (NodeId::broker(2), Rule { direction: Direction::Inbound, peer: Ipv4Addr::new(10, 0, 0, 11), port: None, loss: None, action: Action::Drop }),
            ]
        );
    }

    #[test]
    fn a_cut_drops_both_ways_between_groups_and_nothing_inside_a_group() {
        let fault = Fault::Cut {
            left: vec![NodeId::broker(1)],
            right: vec![NodeId::broker(2), NodeId::broker(3)],
        };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        assert_eq!(rules.len(), 8);
        let b2 = Ipv4Addr::new(10, 0, 0, 12);
        let b3 = Ipv4Addr::new(10, 0, 0, 13);
        assert!(!rules.iter().any(|(n, r)| *n == NodeId::broker(2) && r.peer == b3));
        assert!(rules.iter().all(|(n, _)| *n != NodeId::client("p")));
        assert!(rules.contains(&(NodeId::broker(1), Rule { direction: Direction::Inbound, peer: b2, port: None, loss: None, action: Action::Drop })));
    }

    #[test]
    fn isolation_cuts_a_node_from_every_other_node_but_not_from_the_host() {
        let fault = Fault::Isolate { node: NodeId::client("p") };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        assert_eq!(rules.len(), 12);
        let gateway = Ipv4Addr::new(10, 0, 0, 1);
        assert!(rules.iter().all(|(_, r)| r.peer != gateway));
    }

    #[test]
    fn a_reset_answers_tcp_both_ways_with_a_reset_and_leaves_other_protocols() {
        let fault = Fault::Reset { left: vec![NodeId::client("p")], right: vec![NodeId::broker(1)] };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        // Both ways, each on the way out of one node and into the other.
        assert_eq!(rules.len(), 4);
        assert!(rules.iter().all(|(_, r)| r.action == Action::Reset && r.port.is_none() && r.loss.is_none()));
        let args = rules[0].1.iptables_args("-A");
        let tail = args[args.len() - 4..].join(" ");
        assert_eq!(tail, "-j REJECT --reject-with tcp-reset");
        assert!(args.windows(2).any(|w| w == ["-p", "tcp"]), "{args:?}");
        let cut = plan_rules(&Fault::Cut { left: vec![NodeId::client("p")], right: vec![NodeId::broker(1)] }, &all(), addr)
            .unwrap();
        assert!(cut.iter().all(|(_, r)| r.action == Action::Drop && r.iptables_args("-A").ends_with(&["-j".to_string(), "DROP".to_string()])));
        assert_eq!(
            cut.iter().map(|(n, r)| (n, r.direction, r.peer)).collect::<Vec<_>>(),
            rules.iter().map(|(n, r)| (n, r.direction, r.peer)).collect::<Vec<_>>(),
            "a reset filters the packets a cut drops"
        );
    }

    #[test]
    fn a_delayed_link_queues_both_ways_on_its_side_to_the_delayer_and_passes_without_one() {
        let fault = Fault::DelayLink {
            left: vec![NodeId::client("p")],
            right: vec![NodeId::broker(1), NodeId::broker(2)],
            delay: "300ms".parse().unwrap(),
        };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        assert_eq!(rules.len(), 4, "in and out, to each of two brokers, on p only");
        assert!(rules.iter().all(|(n, r)| *n == NodeId::client("p") && r.action == Action::Queue && r.loss.is_none()));
        let args = rules[0].1.iptables_args("-A").join(" ");
        assert!(args.ends_with("-j NFQUEUE --queue-num 7 --queue-bypass"), "{args}");
    }

    #[test]
    fn rules_are_deletable_by_the_same_arguments() {
        let rule = Rule { direction: Direction::Inbound, peer: Ipv4Addr::new(10, 0, 0, 12), port: None, loss: None, action: Action::Drop };
        let add = rule.iptables_args("-A");
        let del = rule.iptables_args("-D");
        assert_eq!(add[1], "-A");
        assert_eq!(&add[2..], &del[2..]);
        assert!(add.contains(&"10.0.0.12".to_string()) && add.contains(&"INPUT".to_string()));
    }

    #[test]
    fn a_replication_cut_drops_the_broker_listener_both_ways_and_leaves_the_controller_listener() {
        let fault = Fault::CutReplication { left: vec![NodeId::broker(1)], right: vec![NodeId::broker(2)] };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        // 2 directions x 2 port matches (requests to 9092, responses from it) x 2 nodes.
        assert_eq!(rules.len(), 8);
        assert!(rules.iter().all(|(_, r)| matches!(r.port, Some(Port::To(9092)) | Some(Port::From(9092)))));
        let b1 = Ipv4Addr::new(10, 0, 0, 11);
        let requests_out_of_2 = Rule { direction: Direction::Outbound, peer: b1, port: Some(Port::To(9092)), loss: None, action: Action::Drop };
        assert!(rules.contains(&(NodeId::broker(2), requests_out_of_2)));
        let args = requests_out_of_2.iptables_args("-A");
        let tail: Vec<&str> = args.iter().map(String::as_str).skip(3).collect();
        assert_eq!(tail, ["-d", "10.0.0.11", "-p", "tcp", "--dport", "9092", "-m", "comment", "--comment", "ldfi", "-j", "DROP"]);
        assert!(!args.iter().any(|a| a == "9093"), "the controller listener is never filtered: {args:?}");
    }

    #[test]
    fn a_lossy_link_drops_a_share_of_both_ways_on_the_faulted_side_only() {
        let loss = Loss::new(0.3).unwrap();
        let fault = Fault::LossyLink { left: vec![NodeId::client("p")], right: vec![NodeId::broker(1), NodeId::broker(2)], loss };
        let rules = plan_rules(&fault, &all(), addr).unwrap();
        // 2 peers x 2 directions, all in p's namespace: one draw per packet.
        assert_eq!(rules.len(), 4);
        assert!(rules.iter().all(|(n, r)| *n == NodeId::client("p") && r.loss == Some(loss) && r.port.is_none()));
        let out = rules.iter().find(|(_, r)| r.direction == Direction::Outbound).unwrap().1;
        let args = out.iptables_args("-A");
        let tail: Vec<&str> = args.iter().map(String::as_str).skip(3).collect();
        assert_eq!(
            tail,
            ["-d", "10.0.0.11", "-m", "statistic", "--mode", "random", "--probability", "0.300000", "-m", "comment", "--comment", "ldfi", "-j", "DROP"]
        );
        assert_eq!(&out.iptables_args("-D")[2..], &args[2..], "deleted by the same arguments");
    }

    #[test]
    fn process_faults_need_no_rules() {
        let rules = plan_rules(&Fault::Crash { node: NodeId::broker(1) }, &all(), addr).unwrap();
        assert!(rules.is_empty());
        let slow = Fault::SlowLink { node: NodeId::broker(1), rate: "64kbit".parse().unwrap() };
        assert!(plan_rules(&slow, &all(), addr).unwrap().is_empty(), "a slow link is a qdisc, not a rule");
    }
}
