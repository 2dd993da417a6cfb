//! Names of the nodes a fault can target: brokers and client nodes, and
//! the roles that name a node by what it does (`leader(input/0)`).
//!
//! Scenarios, fault plans, lineage and reports all name nodes, and none of
//! them needs a running cluster to do it: the names live here, not with
//! the containers.

use std::fmt;
use std::str::FromStr;

use serde_with::{DeserializeFromStr, SerializeDisplay};

/// A node of the cluster's network: a broker, or a client node (the
/// workload, a pipeline instance, a probe). Written `broker-2` or by the
/// client's own name (`pipeline-1`), in plans, scenarios and reports.
///
/// A fault plan may also name a [`Role`], resolved to concrete nodes at the
/// step boundary where the fault starts (`leader(input/0)`), so that a
/// hypothesis survives the nondeterminism of leader election.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, SerializeDisplay, DeserializeFromStr)]
pub enum NodeId {
    /// Broker by node id (1-based).
    Broker(u8),
    /// Client node by name.
    Client(String),
    /// A role, resolved at run time.
    Role(Role),
}

/// A node named by what it does at the moment a fault starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The leader of a partition: `leader(topic/partition)`.
    Leader { topic: String, partition: i32 },
    /// The other replicas of a partition: `followers(topic/partition)`.
    Followers { topic: String, partition: i32 },
    /// The coordinator of a consumer group: `coordinator(group)`.
    Coordinator { group: String },
    /// The coordinator of the transactions of the pipeline whose group
    /// (Kafka Streams' application.id) is `group`:
    /// `transaction-coordinator(group)`. The broker leading the partition
    /// of `__transaction_state` that its transactional.id hashes to; named
    /// by the group, because the id itself (Kafka Streams puts a random
    /// process id in it) changes from run to run.
    TransactionCoordinator { group: String },
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Leader { topic, partition } => write!(f, "leader({topic}/{partition})"),
            Role::Followers { topic, partition } => write!(f, "followers({topic}/{partition})"),
            Role::Coordinator { group } => write!(f, "coordinator({group})"),
            Role::TransactionCoordinator { group } => write!(f, "transaction-coordinator({group})"),
        }
    }
}

fn parse_role(s: &str) -> Option<Result<Role, String>> {
    let (name, rest) = s.split_once('(')?;
    let argument = rest.strip_suffix(')')?;
    let partition = || -> Result<(String, i32), String> {
        let (topic, partition) = argument
            .rsplit_once('/')
            .ok_or_else(|| format!("{s:?}: write the partition as topic/N"))?;
        let partition = partition.parse().map_err(|_| format!("{s:?}: {partition:?} is not a partition number"))?;
        Ok((topic.to_string(), partition))
    };
    Some(match name {
        "leader" => partition().map(|(topic, partition)| Role::Leader { topic, partition }),
        "followers" => partition().map(|(topic, partition)| Role::Followers { topic, partition }),
        "coordinator" => Ok(Role::Coordinator { group: argument.to_string() }),
        "transaction-coordinator" => Ok(Role::TransactionCoordinator { group: argument.to_string() }),
        other => Err(format!(
            "{s:?}: unknown role {other:?}; use leader(t/p), followers(t/p), coordinator(g) or transaction-coordinator(g)"
        )),
    })
}

impl NodeId {
    /// Broker `id`.
    pub fn broker(id: u8) -> NodeId {
        NodeId::Broker(id)
    }

    /// Client node `name`.
    pub fn client(name: impl Into<String>) -> NodeId {
        NodeId::Client(name.into())
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Broker(id) => write!(f, "broker-{id}"),
            NodeId::Client(name) => f.write_str(name),
            NodeId::Role(role) => role.fmt(f),
        }
    }
}

impl FromStr for NodeId {
    type Err = String;

    fn from_str(s: &str) -> Result<NodeId, String> {
        if let Some(role) = parse_role(s) {
            return role.map(NodeId::Role);
        }
        if let Some(id) = s.strip_prefix("broker-") {
            return id
                .parse::<u8>()
                .ok()
                .filter(|id| *id >= 1)
                .map(NodeId::Broker)
                .ok_or_else(|| format!("{s:?}: a broker is written broker-N with N from 1"));
        }
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("{s:?}: a client node name is letters, digits, '-' and '_'"));
        }
        Ok(NodeId::Client(s.to_string()))
    }
}



#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for text in ["broker-1", "broker-12", "pipeline-2", "workload"] {
            assert_eq!(text.parse::<NodeId>().unwrap().to_string(), text);
        }
        assert_eq!("broker-3".parse::<NodeId>().unwrap(), NodeId::broker(3));
        assert!("broker-0".parse::<NodeId>().is_err());
        assert!("broker-x".parse::<NodeId>().is_err());
        assert!("a b".parse::<NodeId>().is_err());
        for text in ["leader(input/0)", "followers(in.put/12)", "coordinator(g-1)"] {
            assert_eq!(text.parse::<NodeId>().unwrap().to_string(), text);
        }
        assert!("leader(input)".parse::<NodeId>().is_err());
        assert!("boss(input/0)".parse::<NodeId>().is_err());
        let json = serde_json::to_string(&vec![NodeId::broker(1), NodeId::client("p")]).unwrap();
        assert_eq!(json, r#"["broker-1","p"]"#);
    }
}
