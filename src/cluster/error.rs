//! Errors of the cluster, each saying what to do.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::engine::EngineError;
use crate::model::NodeId;

/// A cluster failure.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error(transparent)]
    Engine(#[from] EngineError),

    /// The spec is invalid.
    #[error("invalid cluster spec: {0}")]
    Spec(String),

    /// A node that is not part of the cluster.
    #[error("no node {0} in this cluster")]
    UnknownNode(NodeId),

    /// A broker's process exited while the cluster was starting.
    #[error("broker container {name} exited (code {exit_code:?}) while starting; its last lines:\n{logs}")]
    BrokerExited { name: String, exit_code: Option<i64>, logs: String },

    /// Brokers did not agree within the timeout.
    #[error("cluster not ready after {waited:?}: {last}\n  fix: check `docker logs` of the brokers; on a loaded machine raise the ready timeout")]
    NotReady { waited: Duration, last: String },

    /// A node a recovery would remove belongs to a process that still
    /// runs: another harness is using the cluster.
    #[error("{node} on cluster {cluster} belongs to {owner}, which still runs: another run is using the cluster\n  fix: wait for it to end, or give another cluster")]
    InUse { cluster: String, node: String, owner: String },

    /// No cluster by that name.
    #[error("no cluster named {name:?} is running\n  fix: start one with `ldfi cluster up --name {name}`")]
    NotFound { name: String },

    /// The observer's jar is missing.
    #[error("the observer is not built ({path} is missing)\n  fix: run `scripts/setup` (or `observer/build.sh`), or set LDFI_OBSERVER_DIR")]
    ObserverMissing { path: PathBuf },

    /// The observer failed.
    #[error("observer: {0}")]
    Observer(String),

    /// A Kafka client call failed.
    #[error("cannot {action} {node}: {detail}")]
    Fault { action: String, node: NodeId, detail: String },

    #[error("kafka: {action}: {detail}")]
    Kafka { action: String, detail: String },
}
