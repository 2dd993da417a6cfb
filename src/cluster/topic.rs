//! Topics: created through Kafka's admin API from the host, and ready only
//! when every partition has a leader and a full ISR.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;
use serde::{Deserialize, Serialize};

use super::{Cluster, ClusterError};

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    /// Topic configs, e.g. `min.insync.replicas = 2`.
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
}

impl TopicSpec {
    /// A topic with `partitions` partitions and replication factor `rf`.
    pub fn new(name: impl Into<String>, partitions: i32, rf: i32) -> TopicSpec {
        TopicSpec { name: name.into(), partitions, replication_factor: rf, configs: BTreeMap::new() }
    }

    /// Sets `min.insync.replicas`.
    pub fn min_insync_replicas(self, n: i32) -> TopicSpec {
        self.config("min.insync.replicas", n.to_string())
    }

    /// Sets a topic config.
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> TopicSpec {
        self.configs.insert(key.into(), value.into());
        self
    }
}

impl Cluster {
    /// An admin client of the harness, bootstrapped at every broker.
    fn admin(&self) -> Result<AdminClient<DefaultClientContext>, ClusterError> {
        ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap_servers())
            .create()
            .map_err(|e| ClusterError::Kafka { action: "create admin client".into(), detail: e.to_string() })
    }

    /// Creates topics and waits until each partition has a leader and all
    /// its replicas in sync.
    pub async fn create_topics(&self, topics: &[TopicSpec]) -> Result<(), ClusterError> {
        let admin = self.admin()?;
        let new_topics: Vec<NewTopic> = topics
            .iter()
            .map(|t| {
                t.configs.iter().fold(
                    NewTopic::new(&t.name, t.partitions, TopicReplication::Fixed(t.replication_factor)),
                    |topic, (k, v)| topic.set(k, v),
                )
            })
            .collect();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let results = admin
            .create_topics(new_topics.iter(), &options)
            .await
            .map_err(|e| ClusterError::Kafka { action: "create topics".into(), detail: e.to_string() })?;
        for result in results {
            if let Err((topic, code)) = result {
                return Err(ClusterError::Kafka { action: format!("create topic {topic}"), detail: code.to_string() });
            }
        }
        let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
        let started = Instant::now();
        loop {
            let snapshot = self.snapshot(&names, &[]).await?;
            let ready = topics.iter().all(|t| {
                (0..t.partitions).all(|p| {
                    snapshot.partition(&t.name, p).is_some_and(|state| {
                        state.leader.is_some() && state.isr.len() == state.replicas.len()
                    })
                })
            });
            if ready {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(ClusterError::Kafka {
                    action: format!("wait for topics {names:?}"),
                    detail: format!("partitions without a leader or full ISR after 30 s: {:?}", snapshot.partitions),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Deletes topics (used to reuse a cluster between runs).
    pub async fn delete_topics(&self, names: &[&str]) -> Result<(), ClusterError> {
        let admin = self.admin()?;
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        admin
            .delete_topics(names, &options)
            .await
            .map_err(|e| ClusterError::Kafka { action: "delete topics".into(), detail: e.to_string() })?;
        Ok(())
    }
}
