//! Bringing a reused cluster back to a clean state after a harness was
//! killed in the middle of a run (SIGKILL: nothing healed, nothing removed).
//!
//! A run heals its own faults and removes its own client nodes and topics;
//! a killed one does neither. Before a resumed campaign redoes that run,
//! every broker is started and unpaused, every ldfi packet filter and
//! token bucket (a slow link) is removed, the run's client nodes are
//! removed and its topics deleted (the redone run uses the same names), and
//! the cluster must be whole again.
//! A client node whose creating process still runs is no leftover but
//! another harness's run in progress on a shared cluster: recovery then
//! refuses ([`ClusterError::InUse`]) before touching anything.

use std::time::Duration;

use crate::cluster::{Cluster, ClusterError};
use crate::engine::Liveness;
use crate::model::NodeId;
use crate::nemesis::firewall;
use crate::scenario::Scenario;

/// What recovery found and undid, for the log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub restarted: Vec<String>,
    pub resumed: Vec<String>,
    /// Packet filters (cuts, lossy links) and token buckets (slow links).
    pub rules_removed: usize,
    pub clients_removed: Vec<String>,
}

/// Heals `cluster` and removes what the runs `stale` (of `campaign`) left.
pub async fn recover(cluster: &Cluster, scenario: &Scenario, campaign: &str, stale: &[String]) -> Result<Recovered, ClusterError> {
    let engine = cluster.engine().clone();
    let mut recovered = Recovered::default();
    let mut clients = vec!["workload".to_string()];
    clients.extend(scenario.instance_names());
    for name in &clients {
        // A node whose creator still runs is another harness's run in
        // progress, not something a killed one left: healing would break it.
        let container = cluster.spec().client_container(name);
        let Ok(Some(owner)) = engine.owner(&container).await else { continue };
        if Some(&owner) != crate::engine::Owner::current() && owner.check() != Liveness::Exited {
            return Err(ClusterError::InUse { cluster: cluster.spec().name.clone(), node: name.clone(), owner: owner.to_string() });
        }
    }
    for id in cluster.broker_ids() {
        let node = NodeId::Broker(id);
        let container = cluster.container(&node)?;
        let state = cluster.state(&node).await?;
        if state.paused {
            engine.resume(&container).await?;
            recovered.resumed.push(node.to_string());
        } else if !state.running {
            engine.start(&container).await?;
            recovered.restarted.push(node.to_string());
        }
    }
    for id in cluster.broker_ids() {
        let state = cluster.state(&NodeId::Broker(id)).await?;
        if state.running {
            recovered.rules_removed += firewall::flush(state.pid).await?;
            recovered.rules_removed += crate::nemesis::shaping::flush(state.pid).await?;
        }
    }
    for name in clients {
        let container = cluster.spec().client_container(&name);
        if engine.state(&container).await.is_ok() {
            engine.remove(&container).await?;
            recovered.clients_removed.push(name);
        }
    }
    for run in stale {
        // The redone run recreates the same names: its topics, internal
        // topics included, must be gone first (deletion is asynchronous in
        // Kafka). Topics of a run killed before it created them do not
        // exist.
        let names = super::run_names(scenario, campaign, run);
        let topics = super::startup::run_topics(cluster, scenario, &names).await;
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        if let Err(e) = cluster.delete_topics_and_wait(&topics, Duration::from_secs(60)).await {
            tracing::debug!("deleting the topics of interrupted run {run}: {e}");
        }
    }
    cluster.wait_ready(Duration::from_secs(90)).await?;
    Ok(recovered)
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.restarted.is_empty() {
            parts.push(format!("restarted {}", self.restarted.join(", ")));
        }
        if !self.resumed.is_empty() {
            parts.push(format!("unpaused {}", self.resumed.join(", ")));
        }
        if self.rules_removed > 0 {
            parts.push(format!("removed {} packet filter(s) and token bucket(s)", self.rules_removed));
        }
        if !self.clients_removed.is_empty() {
            parts.push(format!("removed client node(s) {}", self.clients_removed.join(", ")));
        }
        f.write_str(if parts.is_empty() { "nothing to heal" } else { "" })?;
        f.write_str(&parts.join("; "))
    }
}
