//! Names of the nodes a fault can target: brokers and client nodes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A node of the cluster's network: a broker, or a client node (the
/// workload, a pipeline instance, a probe). Written `broker-2` or by the
/// client's own name (`pipeline-1`), in plans, scenarios and reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NodeId {
    /// Broker by node id (1-based).
    Broker(u8),
    /// Client node by name.
    Client(String),
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
        }
    }
}

impl FromStr for NodeId {
    type Err = String;

    fn from_str(s: &str) -> Result<NodeId, String> {
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

impl TryFrom<String> for NodeId {
    type Error = String;
    fn try_from(s: String) -> Result<NodeId, String> {
        s.parse()
    }
}

impl From<NodeId> for String {
    fn from(node: NodeId) -> String {
        node.to_string()
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
        let json = serde_json::to_string(&vec![NodeId::broker(1), NodeId::client("p")]).unwrap();
        assert_eq!(json, r#"["broker-1","p"]"#);
    }
}
