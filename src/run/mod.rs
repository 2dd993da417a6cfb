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
mod nodes;
pub mod quota;
mod recover;
mod startup;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

pub use drain::{drain, Completeness, DrainOutcome};
pub use nodes::{java_dir, Binaries, RunNames};
pub use recover::{recover, Recovered};

use crate::checker::{self, History, RunVerdict};
use crate::cluster::{Cluster, ClusterError, ClusterSpec, Settled, TopicSpec};
use crate::model::{role, Fault, FaultPlan, NodeId, Role, Snapshot};
use crate::nemesis::Nemesis;
use crate::scenario::{Property, Scenario};
use crate::trace::{self, Event, StageNames, TraceError, TraceWriter};
use crate::workload::{self, Acks};

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

/// Carries out one run on `cluster` and judges it from its traces.
pub async fn execute(
    cluster: &Cluster,
    binaries: &Binaries,
    scenario: &Scenario,
    plan: &FaultPlan,
    traces_root: &Path,
    campaign: &str,
    run: &str,
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    plan.validate(scenario.budget.eff).map_err(RunError::BadPlan)?;
    check_targets(scenario, plan)?;
    let dir = traces_root.join(campaign).join(run);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    // Bind mounts need an absolute path.
    let dir = std::fs::canonicalize(&dir).map_err(io(&dir))?;
    let plan_path = dir.join("plan.json");
    trace::write_atomic(&plan_path, serde_json::to_string_pretty(plan).expect("plan serializes").as_bytes())
        .map_err(io(&plan_path))?;
    let harness_path = dir.join("harness.jsonl");
    let harness = TraceWriter::open(&harness_path, "harness").map_err(io(&harness_path))?;

    let names = run_names(scenario, campaign, run);
    let input = names.topic(&scenario.pipeline.input);
    let output = names.topic(scenario.output());
    let group = names.group(&scenario.pipeline.group);
    // Each stage as the run names it: (its input, its group).
    let stages: Vec<(String, String)> = scenario.chain().map(|s| (names.topic(&s.input), names.group(&s.group))).collect();
    let topics: Vec<TopicSpec> =
        scenario.topics.iter().map(|t| TopicSpec { name: names.topic(&t.name), ..t.clone() }).collect();
    if names.suffix.is_none() {
        startup::clean_slate(cluster, scenario, &names).await?;
    }
    // Led, not yet in sync: the nodes start while the followers catch up
    // (below), and step 0 waits for both.
    cluster.create_topics_led(&topics).await?;
    let read_committed = reads_committed(scenario);
    harness
        .write(
            Some(0),
            Event::RunStarted {
                scenario: scenario.name.clone(),
                campaign: campaign.to_string(),
                run: run.to_string(),
                seed: plan.seed ^ scenario.seed,
                plan: serde_json::to_value(plan).expect("plan serializes"),
                input_topic: input.clone(),
                output_topic: output.clone(),
                group: group.clone(),
                stages: scenario
                    .stages
                    .iter()
                    .map(|s| StageNames { input_topic: names.topic(&s.input), output_topic: names.topic(&s.output), group: names.group(&s.group) })
                    .collect(),
                properties: scenario.properties.iter().map(|p| p.name().to_string()).collect(),
                read_committed,
                acks: Some(match scenario.workload.acks {
                    Acks::All => "all".to_string(),
                    Acks::Leader => "1".to_string(),
                }),
                input_min_isr: Some(input_min_isr(scenario)),
                value_format: Some(scenario.stages.last().unwrap_or(&scenario.pipeline).value_format),
                checker: scenario.checker,
                side_topic: scenario.workload.side.as_ref().map(|s| names.topic(&s.topic)),
                setup_ms: Some(started.elapsed().as_millis() as u64),
            },
        )
        .map_err(io(&harness_path))?;

    if let Err(e) = cluster.warm_producer_ids(Duration::from_secs(15)).await {
        harness.write(Some(0), Event::Note { message: e.to_string() }).map_err(io(&harness_path))?;
    }

    let mut nodes = vec![nodes::workload_node(binaries, &trace::node_dir(&dir, "workload"))];
    let bootstrap = cluster.bootstrap_servers();
    let files_dir = traces_root.join(campaign).join(format!(".{run}-files"));
    let files_dir = std::fs::canonicalize(traces_root).map(|r| r.join(campaign).join(format!(".{run}-files"))).unwrap_or(files_dir);
    // The harness's OTLP receiver listens on the gateway, which no fault
    // cuts: spans of instrumented instances become this run's otlp.jsonl.
    let otlp_path = dir.join("otlp.jsonl");
    let receiver = match crate::otlp::OtlpReceiver::start((cluster.addressing().gateway(), 0).into()) {
        Ok(receiver) => match receiver.record_to(&otlp_path) {
            Ok(()) => Some(receiver),
            Err(e) => {
                harness.write(Some(0), Event::Note { message: format!("no OpenTelemetry spans this run: {}: {e}", otlp_path.display()) }).map_err(io(&harness_path))?;
                None
            }
        },
        Err(e) => {
            harness.write(Some(0), Event::Note { message: format!("no OpenTelemetry spans this run: {e}") }).map_err(io(&harness_path))?;
            None
        }
    };
    let endpoint = receiver.as_ref().map(|r| r.endpoint());
    let side = scenario.workload.side.as_ref().map(|s| names.topic(&s.topic)).unwrap_or_default();
    let placement = nodes::Placement {
        names: &names,
        bootstrap: &bootstrap,
        otlp: endpoint.as_deref(),
        run_dir: &dir,
        files_dir: &files_dir,
        side: &side,
    };
    for (name, _, stage) in scenario.instances() {
        nodes.push(nodes::pipeline_node(stage, &name, &placement, binaries).map_err(RunError::Pipeline)?);
    }
    let node_names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    // Each node's own trace directory, open to whatever user its image
    // runs as: root in a container has no capability to write a directory
    // it does not own (ldfi run as another user), and an image may set a
    // USER of its own. What it holds is read as hostile input anyway.
    for name in &node_names {
        let own = trace::node_dir(&dir, name);
        std::fs::create_dir_all(&own).map_err(io(&own))?;
        std::fs::set_permissions(&own, std::os::unix::fs::PermissionsExt::from_mode(0o777)).map_err(io(&own))?;
    }
    let mut leftovers = Clients::guard(cluster, &node_names);
    let watched: Vec<(String, PathBuf)> = node_names.iter().map(|n| (n.clone(), trace::node_dir(&dir, n))).collect();
    let limit = quota::limit();
    let watch = quota::Watch::start(cluster, watched.clone(), limit);
    let outcome = async {
        let spawn = async {
            for spec in nodes {
                let node = cluster.spawn_client(spec).await?;
                harness
                    .write(Some(0), Event::NodeAddress { node: node.name, address: node.address.to_string() })
                    .map_err(io(&harness_path))?;
            }
            Ok::<(), RunError>(())
        };
        let (in_sync, spawned) = tokio::join!(cluster.wait_topics(&topics, Settled::InSync), spawn);
        spawned?;
        in_sync?;
        let waited = startup::wait_ready(cluster, scenario, &names).await?;
        harness
            .write(Some(0), Event::Note { message: format!("pipeline ready (group stable, every input partition assigned) after {} ms", waited.as_millis()) })
            .map_err(io(&harness_path))?;
        // What each step observes: the pipeline's topics, its internal
        // topics (created by the app as it started), and its group.
        let mut observed: Vec<String> = vec![input.clone()];
        observed.extend(scenario.workload.side.iter().map(|s| names.topic(&s.topic)));
        observed.extend(scenario.chain().map(|s| names.topic(&s.output)));
        observed.extend(startup::internal_topics(cluster, &names).await.unwrap_or_default());
        let observe = Observed { topics: observed, groups: stages.iter().map(|(_, g)| g.clone()).collect() };
        let mut nemesis = Nemesis::new(cluster);
        let stepped = steps(cluster, scenario, plan, &mut nemesis, &harness, &names, &input, &observe, &watch).await;
        for fault in nemesis.active().to_vec() {
            match nemesis.heal(&fault).await {
                Ok(()) => harness.write(Some(scenario.budget.eot), Event::FaultHealed { fault }),
                Err(e) => harness.write(Some(scenario.budget.eot), Event::FaultFailed { fault, error: e.to_string() }),
            }
            .map_err(io(&harness_path))?;
        }
        stepped?;
        // Every fault is healed; let restarted brokers rejoin before the
        // drain, so that the checker reads a whole cluster.
        if let Err(e) = cluster.wait_ready(Duration::from_secs(60)).await {
            harness
                .write(Some(scenario.budget.eot), Event::Note { message: format!("cluster not whole after healing: {e}") })
                .map_err(io(&harness_path))?;
        }
        let limit = Duration::from_secs(scenario.workload.drain_secs);
        let quiet = Duration::from_millis(scenario.workload.quiet_millis);
        // A join's side topic is read by the first stage's group too: the
        // drain waits for it as for the input.
        let mut read_by: Vec<(String, String)> = stages.clone();
        if let Some(side) = &scenario.workload.side {
            read_by.push((names.topic(&side.topic), group.clone()));
        }
        let complete = judged_on_ids(scenario).then(|| Completeness {
            workload_trace: trace::node_dir(&dir, "workload").join("workload.jsonl"),
            input: input.clone(),
            read_committed,
        });
        let drained = drain(cluster, &read_by, &output, quiet, limit, complete.as_ref()).await;
        harness
            .write(
                Some(scenario.budget.eot),
                Event::Drained {
                    caught_up: drained.caught_up,
                    waited_ms: drained.waited.as_millis() as u64,
                    detail: drained.detail,
                    quiet_ms: Some(drained.quiet.as_millis() as u64),
                    committed: drained.committed,
                },
            )
            .map_err(io(&harness_path))?;
        let read = workload::read_all(&cluster.bootstrap_servers(), &output, read_committed, Duration::from_secs(60))
            .await
            .map_err(|e| ClusterError::Kafka { action: format!("read {output}"), detail: e.to_string() })?;
        for record in read {
            let event = Event::CheckerRead {
                topic: output.clone(),
                partition: record.partition,
                offset: record.offset,
                key: record.key,
                value: record.value,
                ids: record.id.into_iter().collect(),
                value_hex: record.value_hex,
            };
            harness.write(Some(scenario.budget.eot), event).map_err(io(&harness_path))?;
        }
        Ok::<(), RunError>(())
    }
    .await;
    if let Some(receiver) = &receiver {
        let stats = receiver.stop_recording();
        let message = format!(
            "OpenTelemetry: {} span(s) recorded from {} export request(s), {} rejected",
            stats.spans, stats.requests, stats.rejected
        );
        harness.write(Some(scenario.budget.eot), Event::Note { message }).map_err(io(&harness_path))?;
    }
    let breach = watch.stop();
    // Whatever happened, the run's client nodes and topics go away; the
    // cluster stays for the next run. What each node printed (a pipeline's
    // retries and errors, which its trace does not carry) is kept beside
    // the traces first: a run without a verdict is read from it.
    // The nodes go side by side: each removal waits on its engine.
    let run_dir = &dir;
    let teardowns = node_names.iter().map(|name| async move {
        if let Ok(text) = cluster.client_logs(name, CLIENT_LOG_LINES).await {
            let path = run_dir.join(format!("{name}.log"));
            if let Err(e) = trace::write_atomic(&path, text.as_bytes()) {
                tracing::warn!("cannot keep the log of {name} at {}: {e}", path.display());
            }
        }
        let _ = cluster.remove_client(name).await;
    });
    futures_util::future::join_all(teardowns).await;
    leftovers.disarm();
    startup::tidy(cluster, scenario, &names).await;
    // A node past its limit, seen while the run lasted or now that no node
    // can write: the run ends without a verdict, whatever else happened
    // (its removal may be why the pipeline never started), and what the
    // node wrote goes, so that no run leaves more than the limit behind.
    let outcome = quota::settle(&dir, breach.or_else(|| quota::first_over(&watched, limit)), outcome);
    let error = outcome.as_ref().err().map(|e| e.to_string());
    harness.write(None, Event::RunFinished { error }).map_err(io(&harness_path))?;
    match outcome {
        // Judged from the traces, as a run that failed itself: no verdict.
        Ok(()) | Err(RunError::NodeDirFull(_)) => {}
        Err(e) => return Err(e),
    }
    let (_, verdict) = check_dir(&dir)?;
    let verdict_path = dir.join("verdict.json");
    trace::write_atomic(&verdict_path, serde_json::to_string_pretty(&verdict).expect("verdict serializes").as_bytes())
        .map_err(io(&verdict_path))?;
    Ok(RunOutcome { dir, verdict, wall: started.elapsed() })
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
/// in the run's directory).
const CLIENT_LOG_LINES: usize = 500;

/// What the snapshot after each step covers.
struct Observed {
    topics: Vec<String>,
    groups: Vec<String>,
}

/// The steps 0..EOT: faults at boundaries, one batch per busy step, a snapshot
/// after each.
#[allow(clippy::too_many_arguments)]
async fn steps(
    cluster: &Cluster,
    scenario: &Scenario,
    plan: &FaultPlan,
    nemesis: &mut Nemesis,
    harness: &TraceWriter,
    names: &RunNames,
    input: &str,
    observe: &Observed,
    watch: &quota::Watch,
) -> Result<(), RunError> {
    let w = &scenario.workload;
    let note = |step: u32, event: Event| {
        harness.write(Some(step), event).map_err(|source| RunError::Io { path: "harness.jsonl".into(), source })
    };
    let mut next_id: u64 = 0;
    let mut next_side_id: u64 = 0;
    // Faults as applied, roles resolved, by their index in the plan.
    let mut applied: HashMap<usize, Fault> = HashMap::new();
    let mut bound: HashMap<Role, Vec<NodeId>> = HashMap::new();
    for step in 0..scenario.budget.eot {
        // A node killed for writing too much: the run stops here.
        if let Some(breach) = watch.breached() {
            return Err(RunError::NodeDirFull(breach));
        }
        // A step lasts `step_millis` from its start, the batch's write and
        // the faults' application included: waiting a whole step after
        // them made each step of 1 s last 1.7 s (a `docker exec` of the
        // workload costs about 0.65 s), and a run a third longer.
        let started = tokio::time::Instant::now();
        for (index, planned) in plan.faults.iter().enumerate().filter(|(_, f)| f.end == step) {
            let Some(fault) = applied.remove(&index) else { continue };
            match nemesis.heal(&fault).await {
                Ok(()) => note(step, Event::FaultHealed { fault })?,
                Err(e) => note(step, Event::FaultFailed { fault: planned.fault.clone(), error: e.to_string() })?,
            }
        }
        for (index, planned) in plan.faults.iter().enumerate().filter(|(_, f)| f.start == step) {
            let fault = match resolve_roles(cluster, &planned.fault, names, &mut bound).await {
                Ok(fault) => fault,
                Err(error) => {
                    note(step, Event::FaultFailed { fault: planned.fault.clone(), error })?;
                    continue;
                }
            };
            match nemesis.apply(&fault).await {
                Ok(()) => {
                    note(step, Event::FaultApplied { fault: fault.clone() })?;
                    applied.insert(index, fault);
                }
                Err(e) => note(step, Event::FaultFailed { fault, error: e.to_string() })?,
            }
        }
        note(step, Event::Step { step_index: step })?;
        // The side topic's records first: a join's table row written in a
        // step is older than the stream records of that step.
        if let (Some(side), crate::workload::Keys::Count(keys)) = (&w.side, w.keys) {
            if side.busy(step) {
                let batch = Batch::Side { topic: &names.topic(&side.topic), first_id: next_side_id };
                if let Some(message) = produce_batch(cluster, scenario, plan, batch, step).await? {
                    note(step, Event::Note { message })?;
                }
                next_side_id += u64::from(keys);
            }
        }
        if w.busy(step) {
            if let Some(message) = produce_batch(cluster, scenario, plan, Batch::Main { topic: input, first_id: next_id }, step).await? {
                note(step, Event::Note { message })?;
            }
            next_id += u64::from(w.records_per_step);
        }
        tokio::time::sleep_until(started + Duration::from_millis(w.step_millis)).await;
        let asked = Instant::now();
        match cluster.snapshot(&observe.topics, &observe.groups).await {
            Ok(snapshot) => note(step, Event::Snapshot { snapshot, took_ms: Some(asked.elapsed().as_millis() as u64) })?,
            Err(e) => note(step, Event::Note { message: format!("no snapshot at step {step}: {e}") })?,
        }
    }
    Ok(())
}

/// Which of the workload's batches a step writes.
enum Batch<'a> {
    /// `records_per_step` inputs to the workload's topic.
    Main { topic: &'a str, first_id: u64 },
    /// One record per key to the side topic.
    Side { topic: &'a str, first_id: u64 },
}

/// Runs one step's batch in the workload's node; what went wrong, if
/// anything, as a note for the harness trace.
async fn produce_batch(
    cluster: &Cluster,
    scenario: &Scenario,
    plan: &FaultPlan,
    batch: Batch<'_>,
    step: u32,
) -> Result<Option<String>, RunError> {
    let w = &scenario.workload;
    let (input, first_id, side) = match batch {
        Batch::Main { topic, first_id } => (topic, first_id, None),
        Batch::Side { topic, first_id } => (topic, first_id, w.side.as_ref()),
    };
    let workload = cluster.container(&NodeId::client("workload"))?;
    let acks = match w.acks {
        Acks::All => "all",
        Acks::Leader => "1",
    };
    let (step_text, first, count, keys, seed) = (
        step.to_string(),
        first_id.to_string(),
        w.records_per_step.to_string(),
        w.keys.to_string(),
        (scenario.seed ^ plan.seed).to_string(),
    );
    let (numbers, words) = match side {
        Some(side) => (side.numbers, side.words.join(",")),
        None => (w.numbers, w.words.join(",")),
    };
    let (values_flag, values) = match numbers {
        Some((min, max)) => ("--numbers", format!("{min},{max}")),
        None => ("--words", words),
    };
    let bootstrap = cluster.bootstrap_servers();
    let mut command = vec![
        "/usr/local/bin/ldfi-workload", "--bootstrap", &bootstrap, "--topic", input, "--step",
        &step_text, "--first-id", &first, "--count", &count, "--keys", &keys, values_flag, &values, "--seed", &seed,
        "--acks", acks, "--trace", "/trace/workload.jsonl",
    ];
    if side.is_some() {
        command.push("--side");
    }
    Ok(match cluster.engine().exec(&workload, &command).await {
        Ok(out) if out.exit_code == 0 => None,
        Ok(out) => Some(format!("workload step {step} exited {}: {}", out.exit_code, out.stderr.trim())),
        Err(e) => Some(format!("workload step {step} not run: {e}")),
    })
}

/// Replaces the roles a fault names by the nodes they stand for. A role is
/// bound the first time a run uses it and keeps that binding for the rest
/// of the run: in "cut the leader of input/0 off, then crash it", both
/// faults name the same broker even after a new leader was elected.
async fn resolve_roles(
    cluster: &Cluster,
    fault: &Fault,
    names: &RunNames,
    bound: &mut HashMap<Role, Vec<NodeId>>,
) -> Result<Fault, String> {
    let roles: Vec<Role> = role::roles(fault).into_iter().filter(|r| !bound.contains_key(*r)).cloned().collect();
    let mut snapshot = Snapshot::default();
    if !roles.is_empty() {
        snapshot = fresh_snapshot(cluster, &roles, names).await?;
    }
    for r in &roles {
        let nodes = role::resolve_role(r, &snapshot, &|t| names.topic(t), &|g| names.group(g))?;
        bound.insert(r.clone(), nodes);
    }
    role::resolve_bound(fault, bound)
}

async fn fresh_snapshot(cluster: &Cluster, roles: &[Role], names: &RunNames) -> Result<Snapshot, String> {
    let mut topics = Vec::new();
    let mut groups = Vec::new();
    for r in roles {
        match r {
            Role::Leader { topic, .. } | Role::Followers { topic, .. } => topics.push(names.topic(topic)),
            Role::Coordinator { group } | Role::TransactionCoordinator { group } => groups.push(names.group(group)),
        }
    }
    cluster.snapshot(&topics, &groups).await.map_err(|e| e.to_string())
}

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
