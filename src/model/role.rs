//! Resolving roles in a fault (`leader(input/0)`) to concrete nodes, from
//! the snapshot taken at the step boundary where the fault starts.
//!
//! Pure, over a fault and a snapshot: the run resolves roles before the
//! nemesis applies a fault, and the lineage's tests resolve them over
//! recorded snapshots, neither with the nemesis in hand.

use std::collections::HashMap;

use super::{Fault, NodeId, Role, Snapshot};

/// Every role a fault names.
pub fn roles(fault: &Fault) -> Vec<&Role> {
    fault
        .nodes()
        .into_iter()
        .filter_map(|n| match n {
            NodeId::Role(role) => Some(role),
            _ => None,
        })
        .collect()
}

/// The nodes a role stands for in `snapshot`. `topic` and `group` map the
/// scenario's names to the run's.
pub fn resolve_role(
    role: &Role,
    snapshot: &Snapshot,
    topic: &dyn Fn(&str) -> String,
    group: &dyn Fn(&str) -> String,
) -> Result<Vec<NodeId>, String> {
    let broker = |id: i32| u8::try_from(id).map(NodeId::Broker).map_err(|_| format!("broker id {id}"));
    match role {
        Role::Leader { topic: t, partition } | Role::Followers { topic: t, partition } => {
            let state = snapshot
                .partition(&topic(t), *partition)
                .ok_or_else(|| format!("{role}: partition not in the snapshot"))?;
            let leader = state.leader.ok_or_else(|| format!("{role}: the partition has no leader now"))?;
            if matches!(role, Role::Leader { .. }) {
                Ok(vec![broker(leader)?])
            } else {
                state.replicas.iter().filter(|r| **r != leader).map(|r| broker(*r)).collect()
            }
        }
        Role::Coordinator { group: g } => {
            let state = snapshot.group(&group(g)).ok_or_else(|| format!("{role}: group not in the snapshot"))?;
            let coordinator = state.coordinator.ok_or_else(|| format!("{role}: no coordinator now"))?;
            Ok(vec![broker(coordinator)?])
        }
        Role::TransactionCoordinator { group: g } => {
            // The snapshot lists the pipeline's transactions: those named
            // after its group first, then any open one. With several
            // producers (instances, threads), the first by id: the lineage
            // needs every one, so any one of them breaks what it names.
            let prefix = format!("{}-", group(g));
            let named = snapshot.transactions.iter().filter(|t| t.transactional_id.starts_with(&prefix));
            let coordinator = named
                .chain(snapshot.transactions.iter())
                .find_map(|t| t.coordinator)
                .ok_or_else(|| format!("{role}: no transaction of the pipeline with a coordinator now"))?;
            Ok(vec![broker(coordinator)?])
        }
    }
}

/// The fault with every role replaced by the nodes it stands for in
/// `snapshot`. A role in a single-node fault (crash, stop, pause, isolate)
/// must stand for exactly one node.
pub fn resolve(
    fault: &Fault,
    snapshot: &Snapshot,
    topic: &dyn Fn(&str) -> String,
    group: &dyn Fn(&str) -> String,
) -> Result<Fault, String> {
    let mut bound = HashMap::new();
    for role in roles(fault) {
        bound.insert(role.clone(), resolve_role(role, snapshot, topic, group)?);
    }
    resolve_bound(fault, &bound)
}

/// The fault with every role replaced by the nodes already bound to it.
pub fn resolve_bound(fault: &Fault, bound: &HashMap<Role, Vec<NodeId>>) -> Result<Fault, String> {
    let expand = |nodes: &[NodeId]| -> Result<Vec<NodeId>, String> {
        let mut out = Vec::new();
        for node in nodes {
            match node {
                NodeId::Role(role) => {
                    out.extend(bound.get(role).ok_or_else(|| format!("{role} is not bound"))?.iter().cloned())
                }
                concrete => out.push(concrete.clone()),
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    };
    let single = |node: &NodeId| -> Result<NodeId, String> {
        let nodes = expand(std::slice::from_ref(node))?;
        match nodes.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(format!("{node} stands for {} nodes here; name one node", nodes.len())),
        }
    };
    fault.map_nodes(single, expand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{GroupState, PartitionState};

    fn snapshot() -> Snapshot {
        Snapshot {
            partitions: vec![PartitionState {
                topic: "input.r1".into(),
                partition: 0,
                leader: Some(2),
                replicas: vec![1, 2, 3],
                isr: vec![1, 2, 3],
                ..Default::default()
            }],
            groups: vec![GroupState { group: "g.r1".into(), coordinator: Some(3), ..Default::default() }],
            ..Default::default()
        }
    }

    fn run_topic(t: &str) -> String {
        format!("{t}.r1")
    }

    #[test]
    fn leader_followers_and_coordinator_resolve_from_the_snapshot() {
        let cut: Fault = serde_json::from_str(
            r#"{"kind":"cut","left":["leader(input/0)"],"right":["followers(input/0)"]}"#,
        )
        .unwrap();
        let resolved = resolve(&cut, &snapshot(), &run_topic, &run_topic).unwrap();
        assert_eq!(resolved, Fault::Cut { left: vec![NodeId::broker(2)], right: vec![NodeId::broker(1), NodeId::broker(3)] });
        let crash: Fault = serde_json::from_str(r#"{"kind":"crash","node":"coordinator(g)"}"#).unwrap();
        assert_eq!(resolve(&crash, &snapshot(), &run_topic, &run_topic).unwrap(), Fault::Crash { node: NodeId::broker(3) });
    }

    #[test]
    fn a_role_standing_for_several_nodes_cannot_be_crashed() {
        let crash: Fault = serde_json::from_str(r#"{"kind":"crash","node":"followers(input/0)"}"#).unwrap();
        assert!(resolve(&crash, &snapshot(), &run_topic, &run_topic).unwrap_err().contains("2 nodes"));
        let unknown: Fault = serde_json::from_str(r#"{"kind":"crash","node":"leader(other/0)"}"#).unwrap();
        assert!(resolve(&unknown, &snapshot(), &run_topic, &run_topic).is_err());
    }
}
