//! Nodes in plain words, for people who have never seen ldfi: `broker 1`,
//! `the leader of input/0`, `brokers 2 and 3`. The words of faults
//! ([`super::Fault::order`]) and of plans (`report::words`) are built on
//! these.

use super::{NodeId, Role};

/// One node in words: `broker 1`, `pipeline-1`, `the leader of input/0`.
pub fn node(node: &NodeId) -> String {
    match node {
        NodeId::Broker(id) => format!("broker {id}"),
        NodeId::Client(name) => name.clone(),
        NodeId::Role(Role::Leader { topic, partition }) => format!("the leader of {topic}/{partition}"),
        NodeId::Role(Role::Followers { topic, partition }) => format!("the followers of {topic}/{partition}"),
        NodeId::Role(Role::Coordinator { group }) => format!("the coordinator of group {group}"),
        NodeId::Role(Role::TransactionCoordinator { group }) => format!("the transaction coordinator of {group}"),
    }
}

/// A group of nodes in words: `brokers 2 and 3`, `broker 1 and pipeline-1`.
pub fn nodes(nodes: &[NodeId]) -> String {
    let brokers: Vec<String> =
        nodes.iter().filter_map(|n| if let NodeId::Broker(id) = n { Some(id.to_string()) } else { None }).collect();
    let mut parts = Vec::new();
    match brokers.len() {
        0 => {}
        1 => parts.push(format!("broker {}", brokers[0])),
        _ => parts.push(format!("brokers {}", and_list(&brokers))),
    }
    parts.extend(nodes.iter().filter(|n| !matches!(n, NodeId::Broker(_))).map(node));
    if parts.is_empty() {
        return "no node".to_string();
    }
    and_list(&parts)
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
