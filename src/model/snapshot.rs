//! What the cluster believes at one moment, as plain serializable data.
//!
//! A snapshot is taken by the harness's observer (in the cluster module)
//! at each step boundary; lineage is built from these. A snapshot taken
//! while brokers are down is partial, never a failure: what could not be
//! read is listed in `errors`.
//!
//! Here rather than beside the observer: the trace records snapshots and
//! lineage reads them back, long after the cluster is gone.

use serde::{Deserialize, Serialize};

/// One observation of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Brokers registered and unfenced, as the answering broker sees them.
    #[serde(default)]
    pub brokers: Vec<i32>,
    /// The KRaft quorum: the active controller and the voters.
    #[serde(default)]
    pub controller: Option<Quorum>,
    #[serde(default)]
    pub partitions: Vec<PartitionState>,
    #[serde(default)]
    pub groups: Vec<GroupState>,
    /// The pipeline's transactions: those named after its group (Kafka
    /// Streams' `<application.id>-...`) and any open one (one pipeline runs
    /// on the cluster at a time).
    #[serde(default)]
    pub transactions: Vec<TransactionState>,
    /// What could not be observed, and why.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// The KRaft metadata quorum.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quorum {
    /// The active controller.
    pub leader_id: i32,
    #[serde(default)]
    pub leader_epoch: Option<i64>,
    #[serde(default)]
    pub high_watermark: Option<i64>,
    #[serde(default)]
    pub voters: Vec<QuorumReplica>,
    #[serde(default)]
    pub observers: Vec<QuorumReplica>,
}

/// One replica of the metadata log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuorumReplica {
    pub id: i32,
    /// Unknown (null) for a voter that is down.
    #[serde(default)]
    pub log_end_offset: Option<i64>,
}

/// Leader, replicas, ISR and offsets of one partition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartitionState {
    pub topic: String,
    pub partition: i32,
    pub leader: Option<i32>,
    #[serde(default)]
    pub replicas: Vec<i32>,
    #[serde(default)]
    pub isr: Vec<i32>,
    /// Eligible leader replicas (KIP-966), when the cluster reports them.
    #[serde(default)]
    pub elr: Vec<i32>,
    #[serde(default)]
    pub log_start_offset: Option<i64>,
    /// Offset up to which records are replicated to the whole ISR.
    #[serde(default)]
    pub high_watermark: Option<i64>,
    /// Offset up to which transactions are decided (read_committed end).
    #[serde(default)]
    pub last_stable_offset: Option<i64>,
    /// Each replica's log as its broker reports it. A replica's log end
    /// offset is at least `high_watermark - offset_lag`.
    #[serde(default)]
    pub replica_logs: Vec<ReplicaLog>,
}

/// A transactional producer as its coordinator lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransactionState {
    pub transactional_id: String,
    #[serde(default)]
    pub producer_id: Option<i64>,
    /// Kafka's transaction state (`Ongoing`, `CompleteCommit`, ...).
    #[serde(default)]
    pub state: Option<String>,
    /// Its partition of `__transaction_state`, whose leader is the
    /// transaction's coordinator.
    pub partition: i32,
    #[serde(default)]
    pub coordinator: Option<i32>,
}

/// One replica's log on one broker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicaLog {
    pub broker: i32,
    #[serde(default)]
    pub size_bytes: Option<i64>,
    #[serde(default)]
    pub offset_lag: Option<i64>,
}

/// A consumer group: coordinator, members, assignment, committed offsets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupState {
    pub group: String,
    /// Kafka's group state (`STABLE`, `EMPTY`, `DEAD`, ...); unknown when
    /// the coordinator could not be reached.
    #[serde(default)]
    pub state: Option<String>,
    pub coordinator: Option<i32>,
    #[serde(default)]
    pub members: Vec<GroupMember>,
    #[serde(default)]
    pub committed: Vec<CommittedOffset>,
}

/// A member of a consumer group and the partitions it owns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    pub member_id: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub assignment: Vec<TopicPartition>,
}

/// A topic and partition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

/// A group's committed offset for one partition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl Snapshot {
    /// The state of one partition, if observed.
    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionState> {
        self.partitions.iter().find(|p| p.topic == topic && p.partition == partition)
    }

    /// The state of one group, if observed.
    pub fn group(&self, group: &str) -> Option<&GroupState> {
        self.groups.iter().find(|g| g.group == group)
    }
}

impl GroupState {
    /// The member the group's assignment gives a partition, if any.
    pub fn holder(&self, topic: &str, partition: i32) -> Option<&GroupMember> {
        self.members.iter().find(|m| m.assignment.iter().any(|a| a.topic == topic && a.partition == partition))
    }
}

impl GroupMember {
    /// The member's address, as the harness records a node's (Kafka
    /// writes the host as `/10.0.0.5`).
    pub fn address(&self) -> &str {
        self.host.trim_start_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_observers_format_and_tolerates_missing_parts() {
        let line = r#"{"brokers":[1,3],"controller":{"leader_id":1,"leader_epoch":4,"high_watermark":90,
            "voters":[{"id":1,"log_end_offset":90},{"id":2,"log_end_offset":null}],"observers":[]},
            "partitions":[{"topic":"t","partition":0,"leader":3,"replicas":[1,2,3],"isr":[1,3],
            "elr":[],"log_start_offset":0,"high_watermark":12,"last_stable_offset":12,
            "replica_logs":[{"broker":1,"size_bytes":100,"offset_lag":0}]}],
            "groups":[{"group":"g","state":"STABLE","coordinator":2,"members":[],"committed":[]},
                      {"group":"h","state":null,"coordinator":null}],
            "errors":["describeLogDirs: broker 2 down"]}"#;
        let snapshot: Snapshot = serde_json::from_str(line).unwrap();
        let p = snapshot.partition("t", 0).unwrap();
        assert_eq!((p.leader, p.isr.as_slice()), (Some(3), &[1, 3][..]));
        assert_eq!(snapshot.group("g").unwrap().coordinator, Some(2));
        assert_eq!(snapshot.errors.len(), 1);
        let empty: Snapshot = serde_json::from_str("{}").unwrap();
        assert!(empty.partitions.is_empty() && empty.controller.is_none());
    }
}
