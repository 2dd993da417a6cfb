//! One run: the forward step of the loop.
//!
//! Start the pipeline under test and the workload on a (possibly reused)
//! cluster, drive the workload through logical steps, apply the fault plan
//! at step boundaries, heal everything by EFF, drain, read the outputs, and
//! record all of it in `traces/<campaign>/<run>/`: the harness's files
//! there, each client node's in `nodes/<node>/`, the one directory the
//! node can write (see [`crate::trace`]), and bounded there ([`quota`]: a
//! node past its limit is stopped and the run ends without a verdict). The
//! verdict is then computed from those traces alone, exactly as `ldfi
//! check` does offline.

mod drain;
mod execute;
mod in_flight;
mod nodes;
pub mod quota;
mod recover;
mod startup;
mod steps;

use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

pub use drain::{drain, Completeness, DrainOutcome};
pub use execute::execute;
pub use nodes::{java_dir, Binaries, RunNames};
pub use recover::{recover, Recovered};

use crate::checker::{self, History, RunVerdict};
use crate::cluster::{Cluster, ClusterError, ClusterSpec};
use crate::model::{FaultPlan, NodeId, Role};
use crate::scenario::{Property, Scenario};
use crate::trace::{self, TraceError};

/// A run that could not be carried out (as opposed to one that found a
/// violation).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("bad fault plan: {0}")]
    BadPlan(String),
    #[error("{0}")]
    Pipeline(String),
    /// The pipeline never joined its group (every instance assigned)
    /// within the scenario's `startup_secs`: the run proves nothing.
    #[error("the pipeline never started: {0}")]
    PipelineNeverStarted(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, #[source] source: std::io::Error },
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("{dir}: {message}")]
    History { dir: PathBuf, message: String },
    /// A client node wrote past what its trace directory may hold
    /// ([`quota`]): the run ends without a verdict, not as a failure of the
    /// harness.
    #[error("{0}")]
    NodeDirFull(quota::Breach),
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub verdict: RunVerdict,
    pub wall: Duration,
}

/// The cluster spec a scenario asks for.
pub fn cluster_spec(scenario: &Scenario, name: &str) -> ClusterSpec {
    let mut spec = ClusterSpec::new(name).with_brokers(scenario.cluster.brokers);
    if let Some(image) = &scenario.cluster.image {
        spec.image = image.clone();
    }
    spec.broker_configs.extend(scenario.cluster.broker_configs.clone());
    spec
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io { path: path.to_path_buf(), source }
}

/// `min.insync.replicas` of the workload's topic: its own setting, else
/// the brokers', else Kafka's default (1).
pub fn input_min_isr(scenario: &Scenario) -> u32 {
    const KEY: &str = "min.insync.replicas";
    let topic = scenario.topics.iter().find(|t| t.name == scenario.workload.topic);
    topic
        .and_then(|t| t.configs.get(KEY))
        .or_else(|| scenario.cluster.broker_configs.get(KEY))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Whether outputs are read with `read_committed`.
pub fn reads_committed(scenario: &Scenario) -> bool {
    // What a transactional pipeline aborted is not its output; a pipeline
    // that writes no transactions reads the same either way.
    scenario.properties.iter().any(|p| {
        !matches!(p, Property::NoLostAcked | Property::NoDuplicates | Property::PerKeyOrder)
    })
}

/// Whether every property judges the output record by record on input
/// ids, so that an output holding every acknowledged input is complete
/// (the drain's quiet wait may end then). Aggregates, filters and joins
/// are judged on values that a later write could still change.
pub fn judged_on_ids(scenario: &Scenario) -> bool {
    scenario.properties.iter().all(|p| {
        matches!(p, Property::NoLostAcked | Property::NoDuplicates | Property::PerKeyOrder | Property::ExactlyOnce)
    })
}

/// Every node a plan's faults name must exist in this scenario.
fn check_targets(scenario: &Scenario, plan: &FaultPlan) -> Result<(), RunError> {
    let topics: Vec<&str> = scenario.topics.iter().map(|t| t.name.as_str()).collect();
    let instances = scenario.instance_names();
    let known = |node: &NodeId| match node {
        NodeId::Broker(b) => *b >= 1 && *b <= scenario.cluster.brokers,
        NodeId::Client(name) => name == "workload" || instances.contains(name),
        // A stage's internal topics are named after its group.
        NodeId::Role(Role::Leader { topic, .. } | Role::Followers { topic, .. }) => {
            topics.contains(&topic.as_str()) || scenario.chain().any(|s| topic.starts_with(&format!("{}-", s.group)))
        }
        NodeId::Role(Role::Coordinator { group } | Role::TransactionCoordinator { group }) => {
            scenario.chain().any(|s| s.group == *group)
        }
    };
    for planned in &plan.faults {
        if let Some(node) = planned.fault.nodes().into_iter().find(|n| !known(n)) {
            return Err(RunError::BadPlan(format!(
                "{} targets {node}, which is not in scenario {} (brokers 1..{}, pipeline-1..{}, workload, roles over its topics and groups)",
                planned.fault, scenario.name, scenario.cluster.brokers, instances.len()
            )));
        }
    }
    Ok(())
}

/// How run `run` of `campaign` names the scenario's topics and group.
pub fn run_names(scenario: &Scenario, campaign: &str, run: &str) -> RunNames {
    let names = if scenario.pipeline.run_suffix {
        RunNames::suffixed(campaign, run, &scenario.pipeline.group)
    } else {
        RunNames::unsuffixed(&scenario.pipeline.group)
    };
    names.with_stages(scenario.stages.iter().map(|s| s.group.clone()))
}


/// The run's client nodes, removed if the run is dropped before it removes
/// them itself: an interrupted `ldfi run --cluster NAME` (Ctrl-C, SIGTERM)
/// or a panic. The cluster may be one the user keeps (`ldfi cluster up`),
/// which outlives the run: its pipeline instances must not go on writing
/// to it, nor take the names the next run's nodes need.
struct Clients {
    cluster: Cluster,
    names: Vec<String>,
}

impl Clients {
    fn guard(cluster: &Cluster, names: &[String]) -> Clients {
        Clients { cluster: cluster.clone(), names: names.to_vec() }
    }

    /// The run removed its nodes: nothing left to do.
    fn disarm(&mut self) {
        self.names.clear();
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let (cluster, names) = (self.cluster.clone(), std::mem::take(&mut self.names));
        crate::engine::finish_on_own_runtime("remove the run's nodes", async move {
            let spawned: Vec<String> = cluster.clients().into_iter().map(|c| c.name).collect();
            for name in names.iter().filter(|n| spawned.contains(n)) {
                if let Err(e) = cluster.remove_client(name).await {
                    let cluster = &cluster.spec().name;
                    { use std::io::Write as _; let _ = writeln!(std::io::stderr(), "ldfi: could not remove {name}: {e}; `ldfi clean --cluster {cluster}` removes the cluster once this process has ended"); };
                }
            }
        });
    }
}

/// How many of its last lines each client node's log keeps (`<node>.log`
/// in the run's directory), and at most [`crate::engine::MAX_LOG_BYTES`]:
/// a Kafka Streams app logs a rebalance in hundreds of lines.
const CLIENT_LOG_LINES: usize = 5_000;

/// Judges a run directory from its traces alone (`ldfi check`).
pub fn check_dir(dir: &Path) -> Result<(History, RunVerdict), RunError> {
    let lines = trace::read_dir(dir)?;
    let history =
        History::from_trace(&lines).map_err(|message| RunError::History { dir: dir.to_path_buf(), message })?;
    let mut properties = Vec::new();
    for name in &history.run.properties {
        let property = Property::ALL.iter().find(|p| p.name() == name).ok_or_else(|| RunError::History {
            dir: dir.to_path_buf(),
            message: format!("unknown property {name:?} in run_started"),
        })?;
        properties.push(*property);
    }
    let verdict = checker::check(&history, &properties);
    Ok((history, verdict))
}
