//! Fault injection: each fault a plain serializable value, each with its
//! paired undo.
//!
//! | fault                   | verb           | undo (heal)      |
//! |-------------------------|----------------|------------------|
//! | [`Fault::Crash`]        | SIGKILL        | restart          |
//! | [`Fault::Stop`]         | clean stop     | start            |
//! | [`Fault::Pause`]        | freeze         | resume           |
//! | [`Fault::Isolate`]      | drop all peers | heal             |
//! | [`Fault::Cut`]          | drop between   | heal             |
//! | [`Fault::OneWayCut`]    | drop one way   | heal             |
//! | [`Fault::CutReplication`] | drop the broker listener between | heal |
//! | [`Fault::LossyLink`]    | drop a share at random | heal     |
//! | [`Fault::SlowLink`]     | token bucket on what a node sends | lift |
//! | [`Fault::DiskLoss`]     | delete its partition logs, SIGKILL | restart on the empty disk |
//! | [`Fault::Reset`]        | reset TCP between | heal          |
//! | [`Fault::DelayLink`]    | queue to a delayer | heal, then let the held go |
//! | [`Fault::CrashInFlight`] | SIGKILL, timed by the run | restart |
//!
//! The same value ([`Fault`], plain data in [`crate::model`]) is what a
//! fault plan holds, what the injector executes and what a report shows. A [`Nemesis`] remembers what it applied and
//! heals it all when asked, when dropped (an error, a panic), and the CLI
//! calls [`Nemesis::heal_all`] on Ctrl-C. A restarted node gets back the
//! rules of every cut still in force, since its namespace is new.
//!
//! Faults target nodes: brokers and client nodes (workload, pipeline
//! instances). The harness's own traffic comes from the host and is never
//! cut.
//!
//! A lossy link is a firewall rule with a `statistic` match
//! ([`firewall`]); a slow link is a token bucket on the node's interface
//! ([`shaping`]); a delayed link is a firewall rule that queues packets to
//! a delayer thread bound in the node's namespace ([`delay`]). All live in
//! the node's namespace, are reinstalled when the node comes back, and are
//! healed as cuts are.

pub mod delay;
pub mod firewall;
mod netns;
pub mod shaping;

use std::collections::HashMap;
use std::time::Duration;

use crate::cluster::{Cluster, ClusterError};
use crate::model::{Delay, Fault, NodeId};

/// Applies faults to a cluster and heals them.
pub struct Nemesis {
    cluster: Cluster,
    /// Faults in force, in the order they were applied.
    active: Vec<Fault>,
    /// The delayer of each node with a delayed link in force, bound in the
    /// node's current namespace.
    delayers: HashMap<NodeId, delay::Delayer>,
}

/// Deletes every partition log in the broker's log directories
/// (`KAFKA_LOG_DIRS`, the image's default if unset) and keeps the KRaft
/// metadata log, `meta.properties` and the checkpoint files: the broker
/// restarts as itself, a voter of the quorum as before, with no data.
const WIPE_PARTITION_LOGS: &str = r#"set -e
for dir in $(printf %s "${KAFKA_LOG_DIRS:-/var/lib/kafka/data}" | tr , ' '); do
  for log in "$dir"/*-[0-9]*; do
    [ -d "$log" ] || continue
    case "${log##*/}" in __cluster_metadata-*) ;; *) rm -rf -- "$log" ;; esac
  done
done"#;

impl Nemesis {
    /// A nemesis for `cluster`, with no fault in force.
    pub fn new(cluster: &Cluster) -> Nemesis {
        Nemesis { cluster: cluster.clone(), active: Vec::new(), delayers: HashMap::new() }
    }

    /// Faults in force, oldest first.
    pub fn active(&self) -> &[Fault] {
        &self.active
    }

    /// Applies a fault and remembers it until healed.
    pub async fn apply(&mut self, fault: &Fault) -> Result<(), ClusterError> {
        let engine = self.cluster.engine().clone();
        match fault {
            // A crash in flight is timed by the run (see `run::in_flight`);
            // here it is the kill.
            Fault::Crash { node } | Fault::CrashInFlight { node, .. } => {
                engine.kill(&self.cluster.container(node)?, "SIGKILL").await?
            }
            Fault::DiskLoss { node } => {
                let refused = |detail: String| ClusterError::Fault { action: "lose the disk of".into(), node: node.clone(), detail };
                if !matches!(node, NodeId::Broker(_)) {
                    return Err(refused("only a broker's disk can be lost".into()));
                }
                let container = self.cluster.container(node)?;
                // The files go while the broker still runs (a stopped
                // container takes no command), the kill right after: what it
                // writes between the two goes to files already unlinked.
                let wiped = engine.exec(&container, &["sh", "-c", WIPE_PARTITION_LOGS]).await?;
                if wiped.exit_code != 0 {
                    return Err(refused(format!("exit {}: {}", wiped.exit_code, wiped.stderr.trim())));
                }
                engine.kill(&container, "SIGKILL").await?;
            }
            Fault::Stop { node } => engine.stop(&self.cluster.container(node)?, 30).await?,
            Fault::Pause { node } => engine.pause(&self.cluster.container(node)?).await?,
            Fault::SlowLink { node, rate } => {
                let state = self.cluster.state(node).await?;
                // A node that is down gets its bucket when it comes back.
                if state.running {
                    shaping::install(state.pid, *rate).await?;
                }
            }
            Fault::DelayLink { left, delay, .. } => {
                // The listener first: a queued packet with none passes at
                // once.
                for node in left {
                    let state = self.cluster.state(node).await?;
                    if state.running {
                        self.start_delayer(node, state.pid, *delay)?;
                    }
                }
                self.install_rules(fault).await?;
            }
            partition => self.install_rules(partition).await?,
        }
        self.active.push(fault.clone());
        Ok(())
    }

    /// Remembers a fault the run carried out itself (a crash in flight,
    /// timed by the run), so that it is healed as any other.
    pub fn adopt(&mut self, fault: Fault) {
        self.active.push(fault);
    }

    /// Installs the packet filters of a network fault on every node it
    /// concerns that is up (a node that is down gets them when it comes
    /// back).
    async fn install_rules(&self, fault: &Fault) -> Result<(), ClusterError> {
        for (node, rule) in firewall::plan_rules(fault, &self.cluster.nodes(), |n| self.cluster.address(n))? {
            let state = self.cluster.state(&node).await?;
            if state.running {
                firewall::install(state.pid, &rule).await?;
            }
        }
        Ok(())
    }

    /// Removes the packet filters of a network fault from every node it
    /// concerns that is up (a node that is down has none left).
    async fn remove_rules(&self, fault: &Fault) -> Result<(), ClusterError> {
        for (node, rule) in firewall::plan_rules(fault, &self.cluster.nodes(), |n| self.cluster.address(n))? {
            let state = self.cluster.state(&node).await?;
            if state.running {
                firewall::remove(state.pid, &rule).await?;
            }
        }
        Ok(())
    }

    /// Binds a delayer in `node`'s namespace (that of process `pid`), in
    /// place of one bound in a namespace the node had before a restart.
    fn start_delayer(&mut self, node: &NodeId, pid: i64, delay: Delay) -> Result<(), ClusterError> {
        if let Some(old) = self.delayers.remove(node) {
            let _ = old.stop();
        }
        let delayer = delay::Delayer::start(pid, delay).map_err(|e| ClusterError::Fault {
            action: "delay the packets of".into(),
            node: node.clone(),
            detail: e.to_string(),
        })?;
        self.delayers.insert(node.clone(), delayer);
        Ok(())
    }

    /// Heals one fault in force with its paired undo.
    pub async fn heal(&mut self, fault: &Fault) -> Result<(), ClusterError> {
        let Some(index) = self.active.iter().position(|f| f == fault) else {
            return Ok(());
        };
        let engine = self.cluster.engine().clone();
        match fault {
            Fault::Crash { node } | Fault::CrashInFlight { node, .. } | Fault::Stop { node } | Fault::DiskLoss { node } => {
                engine.start(&self.cluster.container(node)?).await?;
                self.active.remove(index);
                self.reinstall_cuts(node).await?;
            }
            Fault::Pause { node } => {
                engine.resume(&self.cluster.container(node)?).await?;
                self.active.remove(index);
            }
            Fault::SlowLink { node, .. } => {
                let state = self.cluster.state(node).await?;
                if state.running {
                    shaping::remove(state.pid).await?;
                }
                self.active.remove(index);
            }
            Fault::DelayLink { left, .. } => {
                // The rules first, so that nothing is queued any more; then
                // each node's delayer, once no delayed link of it is left.
                self.remove_rules(fault).await?;
                self.active.remove(index);
                for node in left {
                    let still = self.active.iter().any(|f| matches!(f, Fault::DelayLink { left, .. } if left.contains(node)));
                    if let (false, Some(delayer)) = (still, self.delayers.remove(node)) {
                        // A node killed while delayed took its namespace and
                        // the delayer's queue with it: nothing is held.
                        let gone = !self.cluster.state(node).await.is_ok_and(|s| s.running);
                        let delayed = delayer.stop().or_else(|e| if gone { Ok(0) } else { Err(e) }).map_err(|e| ClusterError::Fault {
                            action: "stop delaying the packets of".into(),
                            node: node.clone(),
                            detail: e.to_string(),
                        })?;
                        tracing::debug!("{node}: {delayed} packets delayed");
                    }
                }
            }
            partition => {
                self.remove_rules(partition).await?;
                self.active.remove(index);
            }
        }
        Ok(())
    }

    /// After `node` came back with a fresh network namespace, installs the
    /// rules of every cut and lossy link in force that concerns it, and its
    /// slow link's bucket.
    async fn reinstall_cuts(&mut self, node: &NodeId) -> Result<(), ClusterError> {
        let pid = wait_for_pid(&self.cluster, node).await?;
        let delayed = self.active.iter().find_map(|f| match f {
            Fault::DelayLink { left, delay, .. } if left.contains(node) => Some(*delay),
            _ => None,
        });
        if let Some(delay) = delayed {
            self.start_delayer(node, pid, delay)?;
        }
        for fault in self.active.iter().filter(|f| f.is_partition()) {
            if let Fault::SlowLink { node: slowed, rate } = fault {
                if slowed == node {
                    shaping::install(pid, *rate).await?;
                }
                continue;
            }
            let rules = firewall::plan_rules(fault, &self.cluster.nodes(), |n| self.cluster.address(n))?;
            for (_, rule) in rules.iter().filter(|(n, _)| n == node) {
                firewall::install(pid, rule).await?;
            }
        }
        Ok(())
    }

    /// Heals every fault in force, newest first; tries them all even when
    /// one fails, and reports the first failure.
    pub async fn heal_all(&mut self) -> Result<(), ClusterError> {
        let mut first_error = None;
        while let Some(fault) = self.active.last().cloned() {
            if let Err(e) = self.heal(&fault).await {
                tracing::error!("could not heal {fault}: {e}");
                self.active.retain(|f| f != &fault);
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The ldfi rules in force in a node's network namespace, as
    /// `iptables -S` prints them (empty for a node that is down).
    pub async fn rules_on(&self, node: &NodeId) -> Result<Vec<String>, ClusterError> {
        let state = self.cluster.state(node).await?;
        if !state.running {
            return Ok(Vec::new());
        }
        Ok(firewall::list(state.pid).await?)
    }

    /// The token buckets in force in a node's network namespace, as `tc
    /// qdisc show` prints them (empty for a node that is down).
    pub async fn buckets_on(&self, node: &NodeId) -> Result<Vec<String>, ClusterError> {
        let state = self.cluster.state(node).await?;
        if !state.running {
            return Ok(Vec::new());
        }
        Ok(shaping::list(state.pid).await?)
    }

    // Paired verbs, for people and tests.

    /// SIGKILL a node.
    pub async fn crash(&mut self, node: NodeId) -> Result<(), ClusterError> {
        self.apply(&Fault::Crash { node }).await
    }
    /// Restart a crashed node, data intact.
    pub async fn restart(&mut self, node: NodeId) -> Result<(), ClusterError> {
        self.heal(&Fault::Crash { node }).await
    }
    /// Freeze a node.
    pub async fn pause(&mut self, node: NodeId) -> Result<(), ClusterError> {
        self.apply(&Fault::Pause { node }).await
    }
    /// Thaw a paused node.
    pub async fn resume(&mut self, node: NodeId) -> Result<(), ClusterError> {
        self.heal(&Fault::Pause { node }).await
    }
}

async fn wait_for_pid(cluster: &Cluster, node: &NodeId) -> Result<i64, ClusterError> {
    for _ in 0..100 {
        let state = cluster.state(node).await?;
        if state.running && state.pid > 0 {
            return Ok(state.pid);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(ClusterError::Spec(format!("{node} did not come back within 10 s")))
}

impl Drop for Nemesis {
    fn drop(&mut self) {
        if self.active.is_empty() {
            return;
        }
        // Heals always run: on an error or a panic the nemesis is dropped
        // with faults in force.
        let mut nemesis = Nemesis {
            cluster: self.cluster.clone(),
            active: std::mem::take(&mut self.active),
            delayers: std::mem::take(&mut self.delayers),
        };
        crate::engine::finish_on_own_runtime("heal the faults in force", async move {
            if let Err(e) = nemesis.heal_all().await {
                let name = &nemesis.cluster.spec().name;
                { use std::io::Write as _; let _ = writeln!(std::io::stderr(), "ldfi: a heal failed: {e}; `ldfi clean --cluster {name}` removes the cluster once this process has ended"); };
            }
        });
    }
}
