//! Building the lineage of one run from its trace lines: what the run
//! shows (its history, snapshots and the paths its sources saw), gathered
//! once in a [`Run`]; then each acknowledged input's outcome from it
//! (`outcome.rs`).

use std::collections::{BTreeSet, HashMap};

use super::paths::{self, Observed, OutputAt, Path};
use super::{Model, StepClock};
use crate::checker::{History, RunInfo};
use crate::model::{NodeId, Role, Snapshot};
use crate::trace::{Event, RunNames, TraceLine};

/// Builds the lineage of every good outcome of a run.
pub fn build(lines: &[TraceLine]) -> Result<Model, String> {
    let clock = StepClock::from_trace(lines);
    let history = History::from_trace(lines)?;
    let info = &history.run;
    let snapshots: Vec<(u32, &Snapshot)> = lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::Snapshot { snapshot, .. } => Some((clock.step_of(l), snapshot)),
            _ => None,
        })
        .collect();
    let names = RunNames::of_run(&info.campaign, &info.run, &info.group);
    let names = {
        let later: Vec<String> = info.stages.iter().map(|s| names.scenario_group(&s.group)).collect();
        names.with_stages(later)
    };
    let instances: BTreeSet<String> = lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::NodeAddress { node, .. } if node.starts_with("pipeline-") => Some(node.clone()),
            _ => None,
        })
        .chain(lines.iter().filter(|l| l.source.starts_with("pipeline-")).map(|l| l.source.clone()))
        .collect();
    // Every step below comes from the harness's boundaries or is clamped
    // to them (steps.rs): facts are built per step, never up to a number
    // a file names.
    let stages: Vec<(&str, &str)> = info.stages.iter().map(|s| (s.input_topic.as_str(), s.group.as_str())).collect();
    let observed = Observed {
        passes_any: Observed::passes_any(&stages, &snapshots, &names),
        snapshots: &snapshots,
        names: &names,
        input: &info.input_topic,
        merged: info.input_topics().nth(1),
        outputs: info.output_topics().collect(),
        group: &info.group,
        stages,
        instances: instances.into_iter().collect(),
        hosts: crate::trace::node_addresses(lines),
        last_step: clock.last(),
    };
    let run = Run::new(lines, &clock, &history, &observed);
    let mut model = Model::default();
    for input in history.inputs.iter().filter(|i| i.acked) {
        if let Some((derivations, trail)) = run.outcome(input) {
            let id = format!("r:{}", input.id);
            model.outcomes.insert(id.clone(), derivations);
            model.trails.insert(id, trail);
        }
    }
    Ok(model)
}

/// What one run shows, as every outcome's lineage needs it.
pub(super) struct Run<'a> {
    pub clock: &'a StepClock,
    pub history: &'a History,
    pub info: &'a RunInfo,
    pub observed: &'a Observed<'a>,
    /// Whether the offset commit is part of an outcome (see
    /// [`commit_matters`]).
    pub commits_count: bool,
    pub in_memory: HashMap<(String, String), u32>,
    pub acks_one: bool,
    /// Whether the input's leader can acknowledge alone once its followers
    /// fell out of the ISR (min ISR 1, or unknown in an older trace).
    pub leader_alone: bool,
    pub last_step: u32,
    /// A lone broker is every role (each partition's leader, the group's
    /// coordinator): named as itself, a crash of it is one hypothesis, not
    /// one per role.
    lone: Option<u8>,
    pub coordinator: NodeId,
    /// The paths each source saw, by input id: the pipeline's own events,
    /// the OpenTelemetry spans.
    pub handled: HashMap<String, Vec<Path>>,
    pub spans: HashMap<String, Vec<Path>>,
    pub outputs_at: HashMap<OutputAt, Option<String>>,
    /// Properties whose outcome is an aggregate built across inputs: the
    /// state holding it matters until its key's last output.
    pub aggregates: bool,
    /// The step each key's last output was written, as the output's high
    /// watermarks show it: where state kept in memory is last used.
    pub last_output: HashMap<String, u32>,
    /// Where each input's outcome was read back (see [`read_back`]).
    pub read: HashMap<&'a str, OutputAt>,
    pub down: NodeSteps,
    pub cut_off: NodeSteps,
    /// Whether the run's snapshots list transactional producers of the
    /// pipeline: then its writes commit through a transaction coordinator.
    pub transactional: bool,
    /// Each stage's group has its own; which stage is transactional the
    /// snapshots do not say, so a chain's every stage is taken to be.
    pub transaction_coordinators: Vec<NodeId>,
    /// The side topic (a join's other input) as the scenario names it.
    pub side_base: Option<String>,
    /// Whether the properties judge records by event time across
    /// partitions (see [`orders_by_event_time`]).
    pub event_time: bool,
}

impl<'a> Run<'a> {
    fn new(lines: &[TraceLine], clock: &'a StepClock, history: &'a History, observed: &'a Observed<'a>) -> Run<'a> {
        let info = &history.run;
        let suffix = format!(".{}-{}", info.campaign, info.run);
        let base = |name: &str| name.strip_suffix(&suffix).unwrap_or(name).to_string();
        let acks_one = lines.iter().any(|l| matches!(&l.event, Event::RunStarted { acks: Some(a), .. } if a == "1"));
        let leader_alone = acks_one
            || !lines.iter().any(|l| matches!(&l.event, Event::RunStarted { input_min_isr: Some(m), .. } if *m >= 2));
        let lone = lone_broker(observed.snapshots.iter().map(|(_, s)| *s));
        let role = |role: Role| lone.map_or(NodeId::Role(role), NodeId::Broker);
        let ids_at: HashMap<(String, i32, i64), String> = history
            .inputs
            .iter()
            .filter_map(|i| Some(((info.input_topic_of(i).to_string(), i.partition?, i.offset?), i.id.clone())))
            .collect();
        let mut last_output: HashMap<String, u32> = HashMap::new();
        for o in &history.outputs {
            if let Some(key) = &o.key {
                let t = observed.written_by(info.topic_of(o), o.partition, o.offset, 0);
                let entry = last_output.entry(key.clone()).or_insert(t);
                *entry = (*entry).max(t);
            }
        }
        let (down, cut_off) = faulted(lines, clock, clock.last());
        let transaction_coordinators = std::iter::once(base(&info.group))
            .chain(info.stages.iter().map(|s| observed.names.scenario_group(&s.group)))
            .map(|group| role(Role::TransactionCoordinator { group }))
            .collect();
        Run {
            clock,
            history,
            info,
            observed,
            commits_count: commit_matters(&info.properties),
            in_memory: state_in_memory(lines, &info.properties),
            acks_one,
            leader_alone,
            last_step: clock.last(),
            lone,
            coordinator: role(coordinator_role(&base(&info.group))),
            handled: paths::from_events(lines, clock, info),
            spans: paths::from_spans(lines, clock, observed, &ids_at),
            outputs_at: history.outputs.iter().map(|o| (OutputAt::of(o, info), o.key.clone())).collect(),
            aggregates: info.properties.iter().any(|p| matches!(p.as_str(), "word-counts" | "key-sums" | "window-counts")),
            last_output,
            read: read_back(history, observed),
            down,
            cut_off,
            transactional: observed.snapshots.iter().any(|(_, s)| !s.transactions.is_empty()),
            transaction_coordinators,
            side_base: info.side_topic.as_deref().map(base),
            event_time: orders_by_event_time(&info.properties, info.side_topic.is_some() || repartitions(observed)),
        }
    }

    /// A role as a node: the lone broker itself when there is only one.
    pub fn role(&self, role: Role) -> NodeId {
        self.lone.map_or(NodeId::Role(role), NodeId::Broker)
    }

    /// The cluster as it stood when step `s` began: the last snapshot
    /// before it, else the first one.
    pub fn before(&self, s: u32) -> Option<&'a Snapshot> {
        let snapshots = self.observed.snapshots;
        snapshots.iter().rev().find(|(t, _)| *t < s).or(snapshots.first()).map(|(_, snap)| *snap)
    }
}

/// Where each acknowledged input's outcome was read back: its own output,
/// or, for an input with no update of its own, its key's last aggregate.
/// An aggregate's updates carry the id of the input that caused each one,
/// and a suppressed window's single result one id only; a word count that
/// drops headers carries none. An input without an update of its own is
/// in its key's last aggregate (its word's count, its key's sum, its
/// window's count; of a hopping window's record, the last window it falls
/// in, the one read last; of a sliding window's, its left window, the one
/// it opens; of a session's, the session that covers it):
/// that is its outcome.
fn read_back<'a>(history: &'a History, observed: &Observed) -> HashMap<&'a str, OutputAt> {
    let info = &history.run;
    let mut read: HashMap<&str, OutputAt> = history
        .outputs
        .iter()
        .flat_map(|o| o.ids.iter().map(move |id| (id.as_str(), OutputAt::of(o, info))))
        .collect();
    let counts_state = info.properties.iter().any(|p| p == "word-counts");
    let aggregated = |input: &crate::checker::Input| -> Option<Aggregate> {
        if counts_state {
            return read.is_empty().then(|| Aggregate::Key(input.value.clone()));
        }
        if info.properties.iter().any(|p| p == "key-sums") {
            return Some(Aggregate::Key(input.key.clone()));
        }
        if info.properties.iter().any(|p| p == "window-counts") {
            let at = crate::checker::CountedIn::of(input.timestamp_ms?, &info.checker)?;
            return Some(Aggregate::Window { key: input.key.clone(), at });
        }
        None
    };
    let unread: Vec<(&str, Aggregate)> = history
        .inputs
        .iter()
        .filter(|i| i.acked && !read.contains_key(i.id.as_str()))
        .filter_map(|i| Some((i.id.as_str(), aggregated(i)?)))
        .collect();
    for (id, aggregate) in unread {
        let last = history
            .outputs
            .iter()
            .filter(|o| o.key.as_deref().is_some_and(|k| aggregate.is_read_in(k)))
            .max_by_key(|o| (observed.written_by(info.topic_of(o), o.partition, o.offset, 0), o.offset));
        if let Some(o) = last {
            read.insert(id, OutputAt::of(o, info));
        }
    }
    read
}

/// The aggregate an input's count or sum is read in.
enum Aggregate {
    /// The outputs with this key (a word, a key).
    Key(String),
    /// A window (or session) of `key`, as the checker places the input.
    Window { key: String, at: crate::checker::CountedIn },
}

impl Aggregate {
    fn is_read_in(&self, output_key: &str) -> bool {
        match self {
            Aggregate::Key(key) => key == output_key,
            Aggregate::Window { key, at } => at.is_named_by(output_key, key),
        }
    }
}

/// Whether an input's offset commit is part of its outcome under these
/// properties. A commit that fails, or an instance that dies after the
/// output and before the commit, makes the input processed again: a second
/// copy. That breaks the properties that count copies (`no-duplicates`,
/// `exactly-once`, `word-counts`), never `no-lost-acked` (the output is
/// there) nor `per-key-order` (which orders first copies). Leaving the
/// commit out for those keeps the solver from proposing faults that cannot
/// break them (a crash of the coordinator). Unknown properties count.
fn commit_matters(properties: &[String]) -> bool {
    properties.is_empty() || properties.iter().any(|p| !matches!(p.as_str(), "no-lost-acked" | "per-key-order"))
}

/// Whether the properties judge what a record met by event time across
/// partitions: the partners or the table row a join finds (`table-join`,
/// `stream-join`: two topics' partitions meet in one task), a window that
/// closes (`window-counts`) where records of several partitions meet in one
/// task (`meet`: a repartition topic or a second input; without one, a
/// task's stream time moves only with its own partition). Kafka Streams
/// processes a task's partitions in timestamp order only as far as its
/// last fetch answers knew: a leader lost or cut off stalls one partition's
/// fetches for seconds while the others go on, and the stalled records
/// arrive after stream time has passed them (dropped as late, or joined
/// with what is no longer their partner). So for these properties a
/// record also relies on its partition's leader until it was fetched,
/// though its replicas keep it safe; for the others a stalled fetch is
/// only a delay.
fn orders_by_event_time(properties: &[String], meet: bool) -> bool {
    properties.iter().any(|p| match p.as_str() {
        "table-join" | "stream-join" => true,
        "window-counts" => meet,
        _ => false,
    })
}

/// Whether some snapshot of the run shows a repartition topic of its
/// stages: records of every input partition meet in its partitions.
fn repartitions(observed: &Observed) -> bool {
    observed.snapshots.iter().any(|(_, s)| s.partitions.iter().any(|p| p.topic.ends_with("-repartition") && observed.names.is_internal(&p.topic)))
}

/// For properties that depend on state built across inputs (`word-counts`),
/// the instances that kept that state only in memory: they wrote outputs but
/// never traced a restore when they started. For each (instance, key), the
/// step of its last output with that key. Empty for other properties, and
/// for instances that restored (their state is also in a changelog).
fn state_in_memory(lines: &[TraceLine], properties: &[String]) -> HashMap<(String, String), u32> {
    if !properties.iter().any(|p| p == "word-counts") {
        return HashMap::new();
    }
    let clock = StepClock::from_trace(lines);
    let restored: BTreeSet<&str> =
        lines.iter().filter(|l| matches!(l.event, Event::Restored { .. })).map(|l| l.source.as_str()).collect();
    let mut last = HashMap::new();
    for line in lines.iter().filter(|l| !restored.contains(l.source.as_str())) {
        if let Event::Output { key: Some(key), .. } = &line.event {
            let step = clock.step_of(line);
            let entry = last.entry((line.source.clone(), key.clone())).or_insert(step);
            *entry = (*entry).max(step);
        }
    }
    last
}

/// The one broker every snapshot of the run saw, if there was only one.
fn lone_broker<'a>(snapshots: impl Iterator<Item = &'a Snapshot>) -> Option<u8> {
    let seen: BTreeSet<i32> = snapshots.flat_map(|s| s.brokers.iter().copied()).collect();
    match seen.into_iter().collect::<Vec<_>>()[..] {
        [only] => u8::try_from(only).ok(),
        _ => None,
    }
}

/// The node name of the coordinator of consumer group `group`, as a role
/// (`coordinator(copy-alo-group)`). `group` is the scenario's name, without
/// the run suffix, so that the fact is the same in every run of a scenario
/// and a hypothesis on it is realized as a fault the nemesis resolves (it
/// maps the scenario's group to the run's, as it does topics for
/// `leader(t/p)`). The fact names the role, not a broker, so it needs no
/// group snapshot: whichever broker coordinates the group when the fault
/// starts is the one crashed.
pub(super) fn coordinator_role(group: &str) -> Role {
    Role::Coordinator { group: group.to_string() }
}

/// A pipeline instance the trace names (`pipeline-1`), as a node.
pub(super) fn instance(name: &str) -> NodeId {
    NodeId::client(name)
}

/// Broker `id` of a snapshot, as a node. An id no broker can have (below
/// 1 or above 255: a hostile or damaged trace) keeps the trace's name as a
/// client's, so that it matches no broker the budget targets.
pub(super) fn broker_node(id: i32) -> NodeId {
    u8::try_from(id).ok().filter(|b| *b >= 1).map_or_else(|| NodeId::client(format!("broker-{id}")), NodeId::Broker)
}

/// The (node, step) pairs this run shows a node down (crashed, stopped,
/// paused) and cut off (isolated): an assumed path leaves them out, since
/// the outcome survived them.
/// (node, step) pairs.
pub(super) type NodeSteps = BTreeSet<(String, u32)>;

fn faulted(lines: &[TraceLine], clock: &StepClock, last_step: u32) -> (NodeSteps, NodeSteps) {
    let mut open: HashMap<String, (u32, bool)> = HashMap::new();
    let (mut down, mut cut_off) = (BTreeSet::new(), BTreeSet::new());
    let mut close = |node: String, from: u32, to: u32, isolated: bool| {
        let set = if isolated { &mut cut_off } else { &mut down };
        set.extend((from..to.max(from + 1)).map(|t| (node.clone(), t)));
    };
    for line in lines {
        let (fault, applied) = match &line.event {
            Event::FaultApplied { fault } => (fault, true),
            Event::FaultHealed { fault } => (fault, false),
            _ => continue,
        };
        let (node, isolated) = match fault {
            crate::model::Fault::Isolate { node } => (node, true),
            other => match other.process_target() {
                Some(node) => (node, false),
                None => continue,
            },
        };
        let step = clock.step_of(line);
        if applied {
            open.insert(node.to_string(), (step, isolated));
        } else if let Some((from, isolated)) = open.remove(&node.to_string()) {
            close(node.to_string(), from, step, isolated);
        }
    }
    for (node, (from, isolated)) in open {
        close(node, from, last_step + 1, isolated);
    }
    (down, cut_off)
}
