//! One run, start to verdict: its directory and topics, its client nodes,
//! the steps with their faults, the drain and the read-back, the teardown,
//! and the verdict judged from what it wrote. Each phase is a method of an
//! [`Underway`] run, which holds what they share (names, the harness's
//! trace); whatever happens in the middle, the nodes are torn down and the
//! run says how it finished.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::drain::{drain, read_internally, Completeness};
use super::steps::{steps, Observed};
use super::{
    check_dir, check_targets, input_min_isr, io, judged_on_ids, nodes, quota, reads_committed, run_names, startup,
    Binaries, Clients, RunError, RunNames, RunOutcome, CLIENT_LOG_LINES,
};
use crate::cluster::{ClientSpec, Cluster, ClusterError, Settled, TopicSpec};
use crate::model::FaultPlan;
use crate::nemesis::Nemesis;
use crate::otlp::OtlpReceiver;
use crate::scenario::Scenario;
use crate::trace::{self, Event, StageNames, TraceWriter};
use crate::workload::{self, Acks};

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
    let u = Underway::prepare(cluster, scenario, plan, traces_root, campaign, run).await?;
    u.harness.write(Some(0), u.started_event(campaign, run, started)).map_err(io(&u.harness_path))?;
    if let Err(e) = cluster.warm_producer_ids(Duration::from_secs(15)).await {
        u.note(Some(0), e.to_string())?;
    }
    let receiver = u.otlp_receiver()?;
    let files_dir = traces_root.join(campaign).join(format!(".{run}-files"));
    let files_dir = std::fs::canonicalize(traces_root).map(|r| r.join(campaign).join(format!(".{run}-files"))).unwrap_or(files_dir);
    let specs = u.client_nodes(binaries, receiver.as_ref(), &files_dir)?;
    let node_names: Vec<String> = specs.iter().map(|n| n.name.clone()).collect();
    let mut leftovers = Clients::guard(cluster, &node_names);
    let watched: Vec<(String, PathBuf)> = node_names.iter().map(|n| (n.clone(), trace::node_dir(&u.dir, n))).collect();
    let limit = quota::limit();
    let watch = quota::Watch::start(cluster, watched.clone(), limit);
    let outcome = u.live(specs, &watch).await;
    if let Some(receiver) = &receiver {
        let stats = receiver.stop_recording();
        u.note(
            Some(scenario.budget.eot),
            format!("OpenTelemetry: {} span(s) recorded from {} export request(s), {} rejected", stats.spans, stats.requests, stats.rejected),
        )?;
    }
    let breach = watch.stop();
    u.tear_down(&node_names).await;
    leftovers.disarm();
    startup::tidy(cluster, scenario, &u.names).await;
    // A node past its limit, seen while the run lasted or now that no node
    // can write: the run ends without a verdict, whatever else happened
    // (its removal may be why the pipeline never started), and what the
    // node wrote goes, so that no run leaves more than the limit behind.
    let outcome = quota::settle(&u.dir, breach.or_else(|| quota::first_over(&watched, limit)), outcome);
    let error = outcome.as_ref().err().map(|e| e.to_string());
    u.harness.write(None, Event::RunFinished { error }).map_err(io(&u.harness_path))?;
    match outcome {
        // Judged from the traces, as a run that failed itself: no verdict.
        Ok(()) | Err(RunError::NodeDirFull(_)) => {}
        Err(e) => return Err(e),
    }
    let (_, verdict) = check_dir(&u.dir)?;
    let verdict_path = u.dir.join("verdict.json");
    trace::write_atomic(&verdict_path, serde_json::to_string_pretty(&verdict).expect("verdict serializes").as_bytes())
        .map_err(io(&verdict_path))?;
    Ok(RunOutcome { dir: u.dir, verdict, wall: started.elapsed() })
}

/// A run between its start and its verdict: what its phases share.
struct Underway<'a> {
    cluster: &'a Cluster,
    scenario: &'a Scenario,
    plan: &'a FaultPlan,
    /// The run's directory, absolute (bind mounts need it so).
    dir: PathBuf,
    harness: TraceWriter,
    harness_path: PathBuf,
    names: RunNames,
    /// The input, the outputs the checker reads (the last stage's
    /// `output` first) and the first group as the run names them.
    input: String,
    outputs: Vec<String>,
    group: String,
    /// Each stage as the run names it: (its input, its group).
    stages: Vec<(String, String)>,
    topics: Vec<TopicSpec>,
    read_committed: bool,
}

impl<'a> Underway<'a> {
    /// The run's directory with its plan, the harness's trace opened, and
    /// its topics created (led, not yet in sync: the nodes start while the
    /// followers catch up, and step 0 waits for both).
    async fn prepare(
        cluster: &'a Cluster,
        scenario: &'a Scenario,
        plan: &'a FaultPlan,
        traces_root: &Path,
        campaign: &str,
        run: &str,
    ) -> Result<Underway<'a>, RunError> {
        let dir = traces_root.join(campaign).join(run);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let dir = std::fs::canonicalize(&dir).map_err(io(&dir))?;
        let plan_path = dir.join("plan.json");
        trace::write_atomic(&plan_path, serde_json::to_string_pretty(plan).expect("plan serializes").as_bytes())
            .map_err(io(&plan_path))?;
        let harness_path = dir.join("harness.jsonl");
        let harness = TraceWriter::open(&harness_path, "harness").map_err(io(&harness_path))?;
        let names = run_names(scenario, campaign, run);
        let topics: Vec<TopicSpec> =
            scenario.topics.iter().map(|t| TopicSpec { name: names.topic(&t.name), ..t.clone() }).collect();
        if names.suffix.is_none() {
            startup::clean_slate(cluster, scenario, &names).await?;
        }
        cluster.create_topics_led(&topics).await?;
        Ok(Underway {
            cluster,
            scenario,
            plan,
            input: names.topic(&scenario.pipeline.input),
            outputs: scenario.outputs().map(|t| names.topic(t)).collect(),
            group: names.group(&scenario.pipeline.group),
            stages: scenario.chain().map(|s| (names.topic(&s.input), names.group(&s.group))).collect(),
            topics,
            read_committed: reads_committed(scenario),
            names,
            dir,
            harness,
            harness_path,
        })
    }

    fn note(&self, step: Option<u32>, message: String) -> Result<(), RunError> {
        self.harness.write(step, Event::Note { message }).map_err(io(&self.harness_path))
    }

    /// The trace's first line: what the run is, as the checker and the
    /// lineage read it.
    fn started_event(&self, campaign: &str, run: &str, started: Instant) -> Event {
        let (scenario, names) = (self.scenario, &self.names);
        Event::RunStarted {
            scenario: scenario.name.clone(),
            campaign: campaign.to_string(),
            run: run.to_string(),
            seed: self.plan.seed ^ scenario.seed,
            plan: serde_json::to_value(self.plan).expect("plan serializes"),
            input_topic: self.input.clone(),
            output_topic: self.outputs[0].clone(),
            more_outputs: self.outputs[1..].to_vec(),
            group: self.group.clone(),
            stages: scenario
                .stages
                .iter()
                .map(|s| StageNames { input_topic: names.topic(&s.input), output_topic: names.topic(&s.output), group: names.group(&s.group) })
                .collect(),
            properties: scenario.properties.iter().map(|p| p.name().to_string()).collect(),
            read_committed: self.read_committed,
            acks: Some(match scenario.workload.acks {
                Acks::All => "all".to_string(),
                Acks::Leader => "1".to_string(),
            }),
            input_min_isr: Some(input_min_isr(scenario)),
            value_format: Some(scenario.stages.last().unwrap_or(&scenario.pipeline).value_format),
            key_format: Some(scenario.stages.last().unwrap_or(&scenario.pipeline).key_format),
            checker: Box::new(scenario.checker.clone()),
            side_topic: scenario.workload.side.as_ref().map(|s| names.topic(&s.topic)),
            setup_ms: Some(started.elapsed().as_millis() as u64),
        }
    }

    /// The harness's OTLP receiver, on the gateway, which no fault cuts:
    /// spans of instrumented instances become this run's otlp.jsonl. None
    /// (and a note saying why) when it cannot start.
    fn otlp_receiver(&self) -> Result<Option<OtlpReceiver>, RunError> {
        let otlp_path = self.dir.join("otlp.jsonl");
        match OtlpReceiver::start((self.cluster.addressing().gateway(), 0).into()) {
            Ok(receiver) => match receiver.record_to(&otlp_path) {
                Ok(()) => Ok(Some(receiver)),
                Err(e) => {
                    self.note(Some(0), format!("no OpenTelemetry spans this run: {}: {e}", otlp_path.display()))?;
                    Ok(None)
                }
            },
            Err(e) => {
                self.note(Some(0), format!("no OpenTelemetry spans this run: {e}"))?;
                Ok(None)
            }
        }
    }

    /// The workload and every pipeline instance, each with its own trace
    /// directory, open to whatever user its image runs as: root in a
    /// container has no capability to write a directory it does not own
    /// (ldfi run as another user), and an image may set a USER of its
    /// own. What it holds is read as hostile input anyway.
    fn client_nodes(&self, binaries: &Binaries, receiver: Option<&OtlpReceiver>, files_dir: &Path) -> Result<Vec<ClientSpec>, RunError> {
        let mut nodes = vec![nodes::workload_node(binaries, &trace::node_dir(&self.dir, "workload"))];
        let bootstrap = self.cluster.bootstrap_servers();
        let endpoint = receiver.map(|r| r.endpoint());
        let side = self.scenario.workload.side.as_ref().map(|s| self.names.topic(&s.topic)).unwrap_or_default();
        let placement = nodes::Placement {
            names: &self.names,
            bootstrap: &bootstrap,
            otlp: endpoint.as_deref(),
            run_dir: &self.dir,
            files_dir,
            side: &side,
        };
        for (name, _, stage) in self.scenario.instances() {
            nodes.push(nodes::pipeline_node(stage, &name, &placement, binaries).map_err(RunError::Pipeline)?);
        }
        for node in &nodes {
            let own = trace::node_dir(&self.dir, &node.name);
            std::fs::create_dir_all(&own).map_err(io(&own))?;
            std::fs::set_permissions(&own, std::os::unix::fs::PermissionsExt::from_mode(0o777)).map_err(io(&own))?;
        }
        Ok(nodes)
    }

    /// The run proper: nodes started and the pipeline ready, the steps
    /// with their faults, every fault healed, the drain, and the output
    /// read back into the trace.
    async fn live(&self, specs: Vec<ClientSpec>, watch: &quota::Watch) -> Result<(), RunError> {
        let (scenario, cluster, eot) = (self.scenario, self.cluster, Some(self.scenario.budget.eot));
        self.start_nodes(specs).await?;
        // What each step observes: the pipeline's topics, its internal
        // topics (created by the app as it started), and its group.
        let mut observed: Vec<String> = vec![self.input.clone()];
        observed.extend(scenario.workload.side.iter().map(|s| self.names.topic(&s.topic)));
        observed.extend(scenario.chain().flat_map(|s| std::iter::once(&s.output).chain(&s.more_outputs)).map(|t| self.names.topic(t)));
        observed.extend(startup::internal_topics(cluster, &self.names).await.unwrap_or_default());
        let observe = Observed { topics: observed, groups: self.stages.iter().map(|(_, g)| g.clone()).collect() };
        let mut nemesis = Nemesis::new(cluster);
        let stepped = steps(cluster, scenario, self.plan, &mut nemesis, &self.harness, &self.names, &self.input, &observe, watch).await;
        for fault in nemesis.active().to_vec() {
            match nemesis.heal(&fault).await {
                Ok(()) => self.harness.write(eot, Event::FaultHealed { fault }),
                Err(e) => self.harness.write(eot, Event::FaultFailed { fault, error: e.to_string() }),
            }
            .map_err(io(&self.harness_path))?;
        }
        stepped?;
        // Every fault is healed; let restarted brokers rejoin before the
        // drain, so that the checker reads a whole cluster.
        if let Err(e) = cluster.wait_ready(Duration::from_secs(60)).await {
            self.note(eot, format!("cluster not whole after healing: {e}"))?;
        }
        self.drain_and_read().await
    }

    /// Starts the client nodes while the topics' followers catch up, then
    /// waits until the pipeline is ready (its group stable, every input
    /// partition assigned), whatever its start-up time.
    async fn start_nodes(&self, specs: Vec<ClientSpec>) -> Result<(), RunError> {
        let spawn = async {
            for spec in specs {
                let node = self.cluster.spawn_client(spec).await?;
                self.harness
                    .write(Some(0), Event::NodeAddress { node: node.name, address: node.address.to_string() })
                    .map_err(io(&self.harness_path))?;
            }
            Ok::<(), RunError>(())
        };
        let (in_sync, spawned) = tokio::join!(self.cluster.wait_topics(&self.topics, Settled::InSync), spawn);
        spawned?;
        in_sync?;
        let waited = startup::wait_ready(self.cluster, self.scenario, &self.names).await?;
        self.note(Some(0), format!("pipeline ready (group stable, every input partition assigned) after {} ms", waited.as_millis()))
    }

    /// Waits until the pipeline has caught up and its output is quiet (or
    /// complete), then reads the output back into the trace.
    async fn drain_and_read(&self) -> Result<(), RunError> {
        let (scenario, eot) = (self.scenario, Some(self.scenario.budget.eot));
        let limit = Duration::from_secs(scenario.workload.drain_secs);
        let quiet = Duration::from_millis(scenario.workload.quiet_millis);
        // A join's side topic is read by the first stage's group too: the
        // drain waits for it as for the input.
        let mut read_by: Vec<(String, String)> = self.stages.clone();
        if let Some(side) = &scenario.workload.side {
            read_by.push((self.names.topic(&side.topic), self.group.clone()));
        }
        match startup::internal_topics(self.cluster, &self.names).await {
            Ok(internal) => read_by.extend(read_internally(&internal, &self.stages)),
            Err(e) => self.note(eot, format!("cannot list the internal topics to wait for: {e}"))?,
        }
        let complete = judged_on_ids(scenario).then(|| Completeness {
            workload_trace: trace::node_dir(&self.dir, "workload").join("workload.jsonl"),
            inputs: std::iter::once(self.input.clone())
                .chain(scenario.workload.side.iter().filter(|_| scenario.checker.merge == Some(true)).map(|s| self.names.topic(&s.topic)))
                .collect(),
            read_committed: self.read_committed,
            each: scenario.checker.each_output == Some(true),
        });
        let drained = drain(self.cluster, &read_by, &self.outputs, quiet, limit, complete.as_ref(), self.read_committed).await;
        self.harness
            .write(
                eot,
                Event::Drained {
                    caught_up: drained.caught_up,
                    waited_ms: drained.waited.as_millis() as u64,
                    detail: drained.detail,
                    quiet_ms: Some(drained.quiet.as_millis() as u64),
                    committed: drained.committed,
                },
            )
            .map_err(io(&self.harness_path))?;
        for output in &self.outputs {
            let read = workload::read_all(&self.cluster.bootstrap_servers(), output, self.read_committed, Duration::from_secs(60))
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
                    key_hex: record.key_hex,
                };
                self.harness.write(eot, event).map_err(io(&self.harness_path))?;
            }
        }
        Ok(())
    }

    /// Whatever happened, the run's client nodes go away; the cluster
    /// stays for the next run. What each node printed (a pipeline's
    /// retries and errors, which its trace does not carry) is kept beside
    /// the traces first: a run without a verdict is read from it. The nodes
    /// go side by side: each removal waits on its engine.
    async fn tear_down(&self, node_names: &[String]) {
        let (cluster, run_dir) = (self.cluster, &self.dir);
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
    }
}
