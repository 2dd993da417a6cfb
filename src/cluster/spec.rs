//! What a cluster is before it runs: brokers, image, broker configs, and the
//! addresses each node gets. Pure data and pure functions, tested without
//! Docker.
//!
//! Every node has a static IPv4 address on the cluster's own /24 network, so
//! that a broker killed and restarted comes back at the same address (its
//! advertised listener and the firewall rules that target it stay valid):
//!
//! | host part | node                                                   |
//! |-----------|--------------------------------------------------------|
//! | `.1`      | the gateway: the host, i.e. the harness's own observers |
//! | `.11+`    | broker 1, 2, ...                                       |
//! | `.101+`   | client nodes (workload, pipeline instances, probes)    |
//!
//! The harness reaches brokers directly at their addresses from the host, so
//! no port is published and no host port can clash. Its traffic comes from
//! the gateway address, which no fault ever targets.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::engine::Endpoint;

/// Image used when neither the scenario nor `LDFI_KAFKA_IMAGE` names one:
/// built locally by `scripts/setup` from Maven Central jars, with the
/// environment interface of the official `apache/kafka` image.
pub const DEFAULT_IMAGE: &str = "ldfi/kafka:local";

/// Default JVM options of a broker: serial GC and the C1 compiler only.
pub const DEFAULT_JVM_OPTS: &str = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true";

/// Port of the client/inter-broker listener on every broker.
pub const BROKER_PORT: u16 = 9092;
/// Port of the KRaft controller listener on every broker.
pub const CONTROLLER_PORT: u16 = 9093;

/// Checks a cluster name: it prefixes every container and the network,
/// and Docker names allow little else.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 40 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("cluster name {name:?} must be 1 to 40 characters of letters, digits and '-'"));
    }
    Ok(())
}

/// A cluster to start: N combined broker+controller nodes in KRaft mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// Name of the cluster; prefixes every container and the network.
    pub name: String,
    /// Number of brokers, each also a KRaft voter.
    pub brokers: u8,
    /// Broker image (official `apache/kafka` or our local equivalent).
    pub image: String,
    /// Image for client nodes; needs glibc and `/bin/sh` (Debian-based).
    pub client_image: String,
    /// JVM heap options of each broker, bounded so that three brokers, a
    /// pipeline and the harness fit on a small machine.
    pub heap_opts: String,
    /// JVM options of each broker (`KAFKA_JVM_PERFORMANCE_OPTS`). The
    /// default trades peak throughput for start-up time and CPU, which is
    /// what a fault campaign on a small machine spends: brokers restart
    /// often and push few records.
    pub jvm_opts: String,
    /// Server properties for every broker, by property name
    /// (`replica.lag.time.max.ms`), over ldfi's defaults.
    pub broker_configs: BTreeMap<String, String>,
    /// How long to wait for every broker to register.
    pub ready_timeout_secs: u64,
    /// The campaign that starts the cluster for itself, if any: labelled on
    /// every container and the network, so that what a killed campaign
    /// left is found by its name (`ldfi clean --campaign`, `--resume`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// The Docker engine the cluster runs on; everything the cluster does
    /// (its nodes, faults, removal) goes there. Absent from the specs of
    /// clusters started before engines had names: the default engine.
    #[serde(default, skip_serializing_if = "Endpoint::is_default")]
    pub engine: Endpoint,
}

impl ClusterSpec {
    /// A 3-broker cluster with the default image (or `LDFI_KAFKA_IMAGE`).
    pub fn new(name: impl Into<String>) -> ClusterSpec {
        let image = std::env::var("LDFI_KAFKA_IMAGE").unwrap_or_else(|_| DEFAULT_IMAGE.to_string());
        ClusterSpec {
            name: name.into(),
            brokers: 3,
            client_image: std::env::var("LDFI_CLIENT_IMAGE").unwrap_or_else(|_| image.clone()),
            image,
            heap_opts: "-Xmx512m -Xms512m".to_string(),
            jvm_opts: std::env::var("LDFI_BROKER_JVM_OPTS").unwrap_or_else(|_| DEFAULT_JVM_OPTS.to_string()),
            broker_configs: BTreeMap::new(),
            ready_timeout_secs: 120,
            campaign: None,
            engine: Endpoint::Default,
        }
    }

    /// Sets the engine the cluster runs on.
    pub fn on_engine(mut self, engine: Endpoint) -> ClusterSpec {
        self.engine = engine;
        self
    }

    /// Sets the number of brokers.
    pub fn with_brokers(mut self, brokers: u8) -> ClusterSpec {
        self.brokers = brokers;
        self
    }

    /// Sets one server property on every broker.
    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<String>) -> ClusterSpec {
        self.broker_configs.insert(key.into(), value.into());
        self
    }

    /// Checks what can be checked before touching Docker.
    pub fn validate(&self) -> Result<(), String> {
        check_name(&self.name)?;
        if !(1..=9).contains(&self.brokers) {
            return Err(format!("brokers = {} must be between 1 and 9", self.brokers));
        }
        Ok(())
    }

    /// Name of the Docker network of this cluster.
    pub fn network_name(&self) -> String {
        format!("ldfi-{}", self.name)
    }

    /// Container name of broker `id` (1-based).
    pub fn broker_container(&self, id: u8) -> String {
        format!("ldfi-{}-broker-{id}", self.name)
    }

    /// Container name of a client node.
    pub fn client_container(&self, client: &str) -> String {
        format!("ldfi-{}-{client}", self.name)
    }

    /// Replication factor for Kafka's internal topics: 3, or fewer brokers.
    fn internal_rf(&self) -> u8 {
        self.brokers.min(3)
    }

    /// ldfi's default server properties, tuned for fault injection on a
    /// small machine: failures are detected within seconds, not half a
    /// minute, and internal topics are replicated like user topics.
    pub fn default_broker_configs(&self) -> BTreeMap<String, String> {
        let rf = self.internal_rf().to_string();
        let min_isr = self.internal_rf().saturating_sub(1).max(1).to_string();
        BTreeMap::from([
            ("auto.create.topics.enable".into(), "false".into()),
            ("offsets.topic.replication.factor".into(), rf.clone()),
            ("transaction.state.log.replication.factor".into(), rf.clone()),
            ("transaction.state.log.min.isr".into(), min_isr),
            ("share.coordinator.state.topic.replication.factor".into(), rf),
            ("group.initial.rebalance.delay.ms".into(), "0".into()),
            ("broker.session.timeout.ms".into(), "6000".into()),
            ("broker.heartbeat.interval.ms".into(), "1000".into()),
            ("replica.lag.time.max.ms".into(), "10000".into()),
            ("num.partitions".into(), "1".into()),
        ])
    }
}

/// The addresses of a cluster's nodes on its /24 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressing {
    /// The network address, `a.b.c.0`.
    pub subnet: Ipv4Addr,
}

impl Addressing {
    /// The subnet in CIDR notation.
    pub fn cidr(&self) -> String {
        format!("{}/24", self.subnet)
    }

    fn host(&self, last: u8) -> Ipv4Addr {
        let [a, b, c, _] = self.subnet.octets();
        Ipv4Addr::new(a, b, c, last)
    }

    /// The gateway: the host, where the harness's observers live.
    pub fn gateway(&self) -> Ipv4Addr {
        self.host(1)
    }

    /// Address of broker `id` (1-based).
    pub fn broker(&self, id: u8) -> Ipv4Addr {
        self.host(10 + id)
    }

    /// Address of the `index`-th client node (0-based).
    pub fn client(&self, index: u8) -> Ipv4Addr {
        self.host(101 + index)
    }

    /// `host:port` of every broker's client listener.
    pub fn bootstrap_servers(&self, brokers: u8) -> String {
        (1..=brokers)
            .map(|id| format!("{}:{BROKER_PORT}", self.broker(id)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The environment variable that sets server property `key` in the official
/// image's interface: `KAFKA_` + upper case, with `.` → `_`, `_` → `__` and
/// `-` → `___`.
pub fn property_env_name(key: &str) -> String {
    let mut name = String::from("KAFKA_");
    for c in key.chars() {
        match c {
            '.' => name.push('_'),
            '_' => name.push_str("__"),
            '-' => name.push_str("___"),
            c => name.push(c.to_ascii_uppercase()),
        }
    }
    name
}

/// The full environment of broker `id`.
pub fn broker_env(
    spec: &ClusterSpec,
    addressing: &Addressing,
    cluster_id: &str,
    id: u8,
) -> Vec<(String, String)> {
    let voters = (1..=spec.brokers)
        .map(|v| format!("{v}@{}:{CONTROLLER_PORT}", addressing.broker(v)))
        .collect::<Vec<_>>()
        .join(",");
    let mut properties = spec.default_broker_configs();
    properties.extend(spec.broker_configs.clone());
    properties.extend([
        ("node.id".to_string(), id.to_string()),
        ("process.roles".to_string(), "broker,controller".to_string()),
        (
            "listeners".to_string(),
            format!("PLAINTEXT://:{BROKER_PORT},CONTROLLER://:{CONTROLLER_PORT}"),
        ),
        (
            "advertised.listeners".to_string(),
            format!("PLAINTEXT://{}:{BROKER_PORT}", addressing.broker(id)),
        ),
        ("controller.listener.names".to_string(), "CONTROLLER".to_string()),
        (
            "listener.security.protocol.map".to_string(),
            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT".to_string(),
        ),
        ("inter.broker.listener.name".to_string(), "PLAINTEXT".to_string()),
        ("controller.quorum.voters".to_string(), voters),
    ]);
    let mut env: Vec<(String, String)> =
        properties.iter().map(|(k, v)| (property_env_name(k), v.clone())).collect();
    env.push(("CLUSTER_ID".to_string(), cluster_id.to_string()));
    env.push(("KAFKA_HEAP_OPTS".to_string(), spec.heap_opts.clone()));
    env.push(("KAFKA_JVM_PERFORMANCE_OPTS".to_string(), spec.jvm_opts.clone()));
    env
}

/// A fresh KRaft cluster id: 16 bytes, URL-safe base64 without padding.
pub fn new_cluster_id(seed: &str) -> String {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut bytes = [0u8; 16];
    for (half, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = DefaultHasher::new();
        (seed, nanos, std::process::id(), half).hash(&mut hasher);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    // An id starting with '-' reads as an option to kafka-storage (and
    // Kafka's own Uuid never makes one): keep the first character a letter.
    bytes[0] &= 0x7f;
    base64_url(&bytes)
}

fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_names_its_engine_only_when_it_is_not_the_default_one() {
        let spec = ClusterSpec::new("c");
        let json = serde_json::to_value(&spec).unwrap();
        assert!(json.get("engine").is_none(), "an older reader sees the spec it knows: {json}");
        let on = spec.clone().on_engine("unix:///e2/docker.sock".parse().unwrap());
        let json = serde_json::to_value(&on).unwrap();
        assert_eq!(json["engine"], "unix:///e2/docker.sock");
        assert_eq!(serde_json::from_value::<ClusterSpec>(json).unwrap(), on);
        // The label of a cluster started before engines had names.
        let mut older = serde_json::to_value(&spec).unwrap();
        older.as_object_mut().unwrap().remove("engine");
        assert_eq!(serde_json::from_value::<ClusterSpec>(older).unwrap().engine, Endpoint::Default);
    }

    #[test]
    fn property_names_follow_the_official_image() {
        assert_eq!(property_env_name("replica.lag.time.max.ms"), "KAFKA_REPLICA_LAG_TIME_MAX_MS");
        assert_eq!(property_env_name("log.dirs"), "KAFKA_LOG_DIRS");
        assert_eq!(property_env_name("a_b-c.d"), "KAFKA_A__B___C_D");
    }

    #[test]
    fn addresses_are_static_and_distinct() {
        let addressing = Addressing { subnet: Ipv4Addr::new(10, 213, 7, 0) };
        assert_eq!(addressing.gateway(), Ipv4Addr::new(10, 213, 7, 1));
        assert_eq!(addressing.broker(1), Ipv4Addr::new(10, 213, 7, 11));
        assert_eq!(addressing.client(0), Ipv4Addr::new(10, 213, 7, 101));
        assert_eq!(addressing.bootstrap_servers(2), "10.213.7.11:9092,10.213.7.12:9092");
    }

    #[test]
    fn broker_env_names_every_voter_and_lets_configs_override_defaults() {
        let spec = ClusterSpec::new("t").with_config("replica.lag.time.max.ms", "5000");
        let addressing = Addressing { subnet: Ipv4Addr::new(10, 0, 0, 0) };
        let env: BTreeMap<_, _> = broker_env(&spec, &addressing, "id", 2).into_iter().collect();
        assert_eq!(env["KAFKA_NODE_ID"], "2");
        assert_eq!(
            env["KAFKA_CONTROLLER_QUORUM_VOTERS"],
            "1@10.0.0.11:9093,2@10.0.0.12:9093,3@10.0.0.13:9093"
        );
        assert_eq!(env["KAFKA_ADVERTISED_LISTENERS"], "PLAINTEXT://10.0.0.12:9092");
        assert_eq!(env["KAFKA_REPLICA_LAG_TIME_MAX_MS"], "5000");
        assert_eq!(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"], "3");
        assert_eq!(env["CLUSTER_ID"], "id");
    }

    #[test]
    fn cluster_ids_are_22_url_safe_characters() {
        let id = new_cluster_id("x");
        assert_eq!(id.len(), 22, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(base64_url(b"\xff\xff\xff"), "____");
    }

    #[test]
    fn cluster_ids_never_start_with_a_dash_that_kafka_storage_reads_as_an_option() {
        for seed in 0..500 {
            let id = new_cluster_id(&seed.to_string());
            assert!(!id.starts_with('-') && !id.starts_with('_'), "{id}");
        }
    }

    #[test]
    fn names_are_validated() {
        assert!(ClusterSpec::new("ok-1").validate().is_ok());
        assert!(ClusterSpec::new("no space").validate().is_err());
        assert!(ClusterSpec::new("x").with_brokers(0).validate().is_err());
    }
}
