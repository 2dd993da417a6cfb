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

/// How far a new topic must be set up before it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Every partition has a leader: clients can find it.
    Led,
    /// Every partition has a leader and every replica in sync: a fault
    /// plan starts from a whole cluster.
    InSync,
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
        self.create_topics_led(topics).await?;
        self.wait_topics(topics, Settled::InSync).await
    }

    /// Creates topics and waits until each partition has a leader, not
    /// until every replica is in sync ([`Cluster::wait_topics`] with
    /// [`Settled::InSync`] does): clients can start against them while the
    /// followers catch up.
    pub async fn create_topics_led(&self, topics: &[TopicSpec]) -> Result<(), ClusterError> {
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
        self.wait_topics(topics, Settled::Led).await
    }

    /// Waits until every partition of `topics` is settled as `settled`
    /// says, 30 s at most.
    pub async fn wait_topics(&self, topics: &[TopicSpec], settled: Settled) -> Result<(), ClusterError> {
        let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
        let started = Instant::now();
        loop {
            let snapshot = self.snapshot(&names, &[]).await?;
            let ready = topics.iter().all(|t| {
                (0..t.partitions).all(|p| {
                    snapshot.partition(&t.name, p).is_some_and(|state| {
                        state.leader.is_some() && (settled == Settled::Led || state.isr.len() == state.replicas.len())
                    })
                })
            });
            if ready {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                let wanted = match settled {
                    Settled::Led => "a leader",
                    Settled::InSync => "a leader or full ISR",
                };
                return Err(ClusterError::Kafka {
                    action: format!("wait for topics {names:?}"),
                    detail: format!("partitions without {wanted} after 30 s: {:?}", snapshot.partitions),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
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

    /// The names of every topic the cluster has, internal ones (`__...`)
    /// left out.
    pub async fn list_topics(&self) -> Result<Vec<String>, ClusterError> {
        let admin = self.admin()?;
        let metadata = tokio::task::spawn_blocking(move || admin.inner().fetch_metadata(None, Duration::from_secs(10)))
            .await
            .map_err(|e| ClusterError::Kafka { action: "list topics".into(), detail: e.to_string() })?
            .map_err(|e| ClusterError::Kafka { action: "list topics".into(), detail: e.to_string() })?;
        Ok(metadata.topics().iter().map(|t| t.name().to_string()).filter(|n| !n.starts_with("__")).collect())
    }

    /// Deletes consumer groups; a group that does not exist is no error.
    pub async fn delete_groups(&self, groups: &[&str]) -> Result<(), ClusterError> {
        if groups.is_empty() {
            return Ok(());
        }
        use rdkafka::types::RDKafkaErrorCode as Code;
        let admin = self.admin()?;
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        // A group's coordinator may still be loading (a fresh cluster has
        // no offsets topic yet), and a group whose instances were just
        // killed keeps their members until their sessions time out (45 s
        // by default): asked again, it answers, or empties.
        let mut left: Vec<&str> = groups.to_vec();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let results = admin
                .delete_groups(&left, &options)
                .await
                .map_err(|e| ClusterError::Kafka { action: "delete groups".into(), detail: e.to_string() })?;
            let mut again = Vec::new();
            for result in results {
                match result {
                    Ok(_) | Err((_, Code::GroupIdNotFound)) => {}
                    Err((
                        group,
                        Code::NotCoordinator | Code::CoordinatorNotAvailable | Code::CoordinatorLoadInProgress | Code::NonEmptyGroup,
                    )) => {
                        if let Some(g) = left.iter().find(|g| **g == group) {
                            again.push(*g);
                        }
                    }
                    Err((group, code)) => {
                        return Err(ClusterError::Kafka { action: format!("delete group {group}"), detail: code.to_string() })
                    }
                }
            }
            if again.is_empty() {
                return Ok(());
            }
            left = again;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(ClusterError::Kafka { action: format!("delete groups {left:?}"), detail: "still members, or no coordinator, after 60 s".into() })
    }

    /// Deletes topics and waits until the cluster no longer lists them:
    /// deletion is asynchronous in Kafka, and a run that reuses the names
    /// must not meet the old records.
    pub async fn delete_topics_and_wait(&self, names: &[&str], timeout: Duration) -> Result<(), ClusterError> {
        let present: Vec<String> = self.list_topics().await?;
        let doomed: Vec<&str> = names.iter().copied().filter(|n| present.iter().any(|p| p == n)).collect();
        if doomed.is_empty() {
            return Ok(());
        }
        self.delete_topics(&doomed).await?;
        let started = Instant::now();
        loop {
            let left: Vec<String> = self.list_topics().await?.into_iter().filter(|t| doomed.contains(&t.as_str())).collect();
            if left.is_empty() {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(ClusterError::Kafka {
                    action: "wait for topic deletion".into(),
                    detail: format!("{left:?} still listed after {timeout:?}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
