//! A real multi-broker Kafka cluster in KRaft mode, one container per broker
//! on a network of its own, plus client nodes with their own addresses.
//!
//! A cluster lives on one Docker engine, the one its spec names
//! ([`ClusterSpec::engine`]): its handle keeps that engine's connection,
//! and every call it makes (nodes, faults, removal, the guard below) goes
//! there.
//!
//! A [`Cluster`] is a cheap handle: clones share the same containers. When
//! the last handle is dropped without [`Cluster::down`] or
//! [`Cluster::detach`] (an error, a panic), the cluster is removed anyway,
//! so a failed test or run leaves nothing behind.

mod error;
pub mod network;
pub mod observer;
pub mod spec;
pub mod subnet;
mod topic;

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use error::ClusterError;
pub use observer::Observer;
pub use spec::{Addressing, ClusterSpec, BROKER_PORT};
pub use topic::{Settled, TopicSpec};

use crate::engine::{self, ContainerConfig, ContainerState, Endpoint, Engine};
use crate::model::{NodeId, Snapshot};

/// A client node: a process of the workload or the pipeline (or a probe) in
/// a container of its own, so that faults can target it precisely.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSpec {
    /// Node name, e.g. `pipeline-1`; not `broker-N`.
    pub name: String,
    /// Command and arguments, run as the container's main process; empty:
    /// the image's own entrypoint and command.
    pub command: Vec<String>,
    /// The node's image (`None`: the cluster's client image).
    pub image: Option<String>,
    pub env: Vec<(String, String)>,
    /// Bind mounts, `host:container[:ro]`.
    pub binds: Vec<String>,
}

/// A running client node.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientNode {
    pub name: String,
    pub container: String,
    pub address: Ipv4Addr,
}

/// A handle on a running cluster.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    spec: ClusterSpec,
    addressing: Addressing,
    cluster_id: String,
    engine: Engine,
    observer: tokio::sync::OnceCell<Observer>,
    clients: Mutex<Vec<ClientNode>>,
    /// Set by `down` or `detach`: the drop guard has nothing to do.
    released: AtomicBool,
}

impl Cluster {
    /// Starts a cluster and waits until it is ready: every broker registered
    /// and every broker agreeing on the full set of brokers.
    pub async fn start(spec: ClusterSpec) -> Result<Cluster, ClusterError> {
        spec.validate().map_err(ClusterError::Spec)?;
        let engine = Engine::connect_to(&spec.engine).await?;
        for image in [&spec.image, &spec.client_image] {
            if !engine.has_image(image).await? {
                return Err(engine::EngineError::ImageMissing { image: image.clone() }.into());
            }
        }
        let cluster_id = spec::new_cluster_id(&spec.name);
        let addressing = network::create(&engine, &spec, &cluster_id).await?;
        // From here on, dropping `cluster` removes what was created.
        let cluster = Cluster::from_parts(engine, spec, addressing, cluster_id, Vec::new());
        let brokers = (1..=cluster.spec().brokers).map(|id| cluster.create_broker(id));
        for created in futures_util::future::join_all(brokers).await {
            created?;
        }
        let timeout = Duration::from_secs(cluster.spec().ready_timeout_secs);
        cluster.wait_ready(timeout).await?;
        Ok(cluster)
    }

    /// Attaches to a cluster another process started (e.g. `ldfi cluster up`)
    /// on the default engine. The handle does not remove the cluster when
    /// dropped.
    pub async fn attach(name: &str) -> Result<Cluster, ClusterError> {
        Cluster::attach_on(&Endpoint::Default, name).await
    }

    /// [`Cluster::attach`] to a cluster on the engine at `endpoint`.
    pub async fn attach_on(endpoint: &Endpoint, name: &str) -> Result<Cluster, ClusterError> {
        let engine = Engine::connect_to(endpoint).await?;
        let mut record = network::read(&engine, name).await?;
        // The engine as this process reaches it (its creator may have
        // named it otherwise).
        record.spec.engine = endpoint.clone();
        // Client nodes belong to the process that spawned them; an attached
        // handle sees the brokers only.
        let clients = Vec::new();
        let cluster = Cluster::from_parts(engine, record.spec, record.addressing, record.cluster_id, clients);
        cluster.detach();
        Ok(cluster)
    }

    fn from_parts(
        engine: Engine,
        spec: ClusterSpec,
        addressing: Addressing,
        cluster_id: String,
        clients: Vec<ClientNode>,
    ) -> Cluster {
        Cluster {
            inner: Arc::new(Inner {
                spec,
                addressing,
                cluster_id,
                engine,
                observer: tokio::sync::OnceCell::new(),
                clients: Mutex::new(clients),
                released: AtomicBool::new(false),
            }),
        }
    }

    /// The spec the cluster was started from.
    pub fn spec(&self) -> &ClusterSpec {
        &self.inner.spec
    }

    /// The cluster's KRaft cluster id.
    pub fn cluster_id(&self) -> &str {
        &self.inner.cluster_id
    }

    /// The engine the cluster runs on.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Addresses of every node.
    pub fn addressing(&self) -> &Addressing {
        &self.inner.addressing
    }

    /// `host:port,...` of every broker, reachable from the host and from
    /// client nodes alike.
    pub fn bootstrap_servers(&self) -> String {
        self.inner.addressing.bootstrap_servers(self.inner.spec.brokers)
    }

    /// `host:port` of one broker.
    pub fn broker_server(&self, id: u8) -> String {
        format!("{}:{}", self.inner.addressing.broker(id), spec::BROKER_PORT)
    }

    /// Broker ids, 1-based.
    pub fn broker_ids(&self) -> Vec<u8> {
        (1..=self.inner.spec.brokers).collect()
    }

    /// Every node on the network: brokers, then client nodes.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self.broker_ids().into_iter().map(NodeId::Broker).collect();
        nodes.extend(self.clients().into_iter().map(|c| NodeId::Client(c.name)));
        nodes
    }

    /// The running client nodes.
    pub fn clients(&self) -> Vec<ClientNode> {
        self.inner.clients.lock().expect("clients lock").clone()
    }

    /// Container name of a node.
    pub fn container(&self, node: &NodeId) -> Result<String, ClusterError> {
        match node {
            NodeId::Broker(id) if *id >= 1 && *id <= self.inner.spec.brokers => {
                Ok(self.inner.spec.broker_container(*id))
            }
            NodeId::Client(name) => self
                .clients()
                .into_iter()
                .find(|c| &c.name == name)
                .map(|c| c.container)
                .ok_or_else(|| ClusterError::UnknownNode(node.clone())),
            _ => Err(ClusterError::UnknownNode(node.clone())),
        }
    }

    /// Network address of a node.
    pub fn address(&self, node: &NodeId) -> Result<Ipv4Addr, ClusterError> {
        match node {
            NodeId::Broker(id) if *id >= 1 && *id <= self.inner.spec.brokers => {
                Ok(self.inner.addressing.broker(*id))
            }
            NodeId::Client(name) => self
                .clients()
                .into_iter()
                .find(|c| &c.name == name)
                .map(|c| c.address)
                .ok_or_else(|| ClusterError::UnknownNode(node.clone())),
            _ => Err(ClusterError::UnknownNode(node.clone())),
        }
    }

    /// Engine state of a node's container (running, paused, PID).
    pub async fn state(&self, node: &NodeId) -> Result<ContainerState, ClusterError> {
        Ok(self.inner.engine.state(&self.container(node)?).await?)
    }

    async fn create_broker(&self, id: u8) -> Result<(), ClusterError> {
        let spec = &self.inner.spec;
        let config = ContainerConfig {
            name: spec.broker_container(id),
            image: spec.image.clone(),
            cluster: spec.name.clone(),
            campaign: spec.campaign.clone(),
            role: "broker".to_string(),
            network: spec.network_name(),
            ipv4: self.inner.addressing.broker(id).to_string(),
            env: spec::broker_env(spec, &self.inner.addressing, &self.inner.cluster_id, id),
            entrypoint: None,
            cmd: None,
            binds: Vec::new(),
            memory: None,
            confined: false,
        };
        self.inner.engine.create(&config).await?;
        self.inner.engine.start(&config.name).await?;
        Ok(())
    }

    /// Starts a client node on the cluster's network.
    pub async fn spawn_client(&self, client: ClientSpec) -> Result<ClientNode, ClusterError> {
        let node: NodeId = client.name.parse().map_err(ClusterError::Spec)?;
        if matches!(node, NodeId::Broker(_)) || self.container(&node).is_ok() {
            return Err(ClusterError::Spec(format!("client name {:?} is taken", client.name)));
        }
        // The first free address: client nodes come and go between runs,
        // and another process attached to the same cluster may hold some.
        let mut taken: Vec<Ipv4Addr> = self.clients().iter().map(|c| c.address).collect();
        taken.extend(self.inner.engine.addresses(&self.inner.spec.name, &self.inner.spec.network_name()).await?);
        let Some(index) = (0..100u8).find(|i| !taken.contains(&self.inner.addressing.client(*i))) else {
            return Err(ClusterError::Spec("at most 100 client nodes per cluster".to_string()));
        };
        let spec = &self.inner.spec;
        let node = ClientNode {
            name: client.name.clone(),
            container: spec.client_container(&client.name),
            address: self.inner.addressing.client(index),
        };
        let config = ContainerConfig {
            name: node.container.clone(),
            image: client.image.unwrap_or_else(|| spec.client_image.clone()),
            cluster: spec.name.clone(),
            campaign: spec.campaign.clone(),
            role: "client".to_string(),
            network: spec.network_name(),
            ipv4: node.address.to_string(),
            env: client.env,
            entrypoint: (!client.command.is_empty()).then(|| client.command.clone()),
            cmd: (!client.command.is_empty()).then(Vec::new),
            binds: client.binds,
            memory: None,
            confined: true,
        };
        self.inner.clients.lock().expect("clients lock").push(node.clone());
        self.inner.engine.create(&config).await?;
        self.inner.engine.start(&config.name).await?;
        Ok(node)
    }

    /// The last `tail` lines a client node printed, over all its restarts
    /// (a crashed node is the same container started again).
    pub async fn client_logs(&self, name: &str, tail: usize) -> Result<String, ClusterError> {
        let container = self.container(&NodeId::Client(name.to_string()))?;
        Ok(self.inner.engine.logs(&container, tail).await?)
    }

    /// Removes a client node (its container and address).
    pub async fn remove_client(&self, name: &str) -> Result<(), ClusterError> {
        let node = NodeId::Client(name.to_string());
        let container = self.container(&node)?;
        self.inner.engine.remove(&container).await?;
        self.inner.clients.lock().expect("clients lock").retain(|c| c.name != name);
        Ok(())
    }

    /// The harness's observer, started on first use.
    pub async fn observer(&self) -> Result<&Observer, ClusterError> {
        self.inner
            .observer
            .get_or_try_init(|| {
                let bootstrap = self.bootstrap_servers();
                async move { Observer::spawn(&bootstrap).await }
            })
            .await
    }

    /// A snapshot of the cluster with the given topics and groups.
    pub async fn snapshot(&self, topics: &[String], groups: &[String]) -> Result<Snapshot, ClusterError> {
        self.observer().await?.snapshot(topics, groups).await
    }

    /// Waits until every broker is running, registered, and every broker
    /// lists all brokers: the metadata has converged.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), ClusterError> {
        let started = Instant::now();
        let wanted: Vec<i32> = self.broker_ids().into_iter().map(i32::from).collect();
        let mut last = String::from("no broker answered yet");
        loop {
            for id in self.broker_ids() {
                let name = self.inner.spec.broker_container(id);
                let state = self.inner.engine.state(&name).await?;
                if !state.running {
                    let logs = self.inner.engine.logs(&name, 30).await.unwrap_or_default();
                    return Err(ClusterError::BrokerExited { name, exit_code: state.exit_code, logs });
                }
            }
            let observer = self.observer().await?;
            let mut agreed = true;
            for id in self.broker_ids() {
                let bootstrap = self.broker_server(id);
                match observer.broker_view(&bootstrap).await {
                    Ok(view) => {
                        let mut seen: Vec<i32> = view.brokers.iter().map(|b| b.id).collect();
                        seen.sort();
                        if seen != wanted {
                            agreed = false;
                            last = format!("broker {id} sees brokers {seen:?}");
                        }
                    }
                    Err(e) => {
                        agreed = false;
                        last = format!("broker {id}: {e}");
                    }
                }
            }
            if agreed {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(ClusterError::NotReady { waited: timeout, last });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Asks every broker once for an idempotent producer id, so that each
    /// holds a block of ids from the controller before a run.
    ///
    /// A broker takes its first block from the active controller when a
    /// producer first asks it. A fresh cluster's broker has none, and a new
    /// idempotent producer that asks it while it is cut off from the
    /// controller gets nothing until its delivery timeout, although the
    /// leaders it writes to are fine (measured: a burst of 50 records all
    /// timed out, and the 1-step cut became 12 s long). A cluster that has
    /// served producers for a while never shows that.
    pub async fn warm_producer_ids(&self, timeout: Duration) -> Result<(), ClusterError> {
        let observer = self.observer().await?;
        for id in self.broker_ids() {
            let bootstrap = self.broker_server(id);
            observer
                .producer_id(&bootstrap, timeout)
                .await
                .map_err(|e| ClusterError::Observer(format!("no producer id from broker {id}: {e}")))?;
        }
        Ok(())
    }

    /// Keeps the cluster running after the last handle is dropped.
    pub fn detach(&self) {
        self.inner.released.store(true, Ordering::SeqCst);
    }

    /// Removes every container and the network of this cluster.
    ///
    /// The cluster counts as released only once it is gone: a `down` cut
    /// short (Ctrl-C as a campaign tears its clusters down drops this
    /// future) or failed leaves the removal to the last handle's drop.
    pub async fn down(&self) -> Result<(), ClusterError> {
        if let Some(observer) = self.inner.observer.get() {
            let _ = tokio::time::timeout(Duration::from_secs(2), observer.snapshot(&[], &[])).await;
        }
        engine::clean(&self.inner.engine, Some(&self.inner.spec.name)).await?;
        self.inner.released.store(true, Ordering::SeqCst);
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.released.load(Ordering::SeqCst) {
            return;
        }
        // An error or a panic dropped the cluster: remove it.
        let engine = self.engine.clone();
        let name = self.spec.name.clone();
        engine::finish_on_own_runtime(&format!("remove cluster {name}"), async move {
            if let Err(e) = engine::clean(&engine, Some(&name)).await {
                let on = if engine.endpoint().is_default() { String::new() } else { format!(" --engines {}", engine.endpoint()) };
                { use std::io::Write as _; let _ = writeln!(std::io::stderr(), "ldfi: could not remove cluster {name}: {e}; run `ldfi clean --cluster {name}{on}`"); };
            }
        });
    }
}
