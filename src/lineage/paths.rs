//! How an input became the output the checker read, from whichever source
//! shows it: the pipeline's own events, OpenTelemetry spans, or Kafka alone.
//!
//! Each source gives a [`Path`]: the instances that held the record and
//! when, where it was written, when its input offset was committed, and the
//! internal topics (repartition, changelog) it passed. In a chain the path
//! runs through every stage: a later stage's input is a topic the record
//! passes, as a repartition topic is, and each stage's group commits its
//! own offsets. The events and the
//! spans show the path; Kafka alone shows only its ends (the input's
//! acknowledgement, the output's offset, the group's assignment and
//! committed offsets per step), so its path is assumed: every instance that
//! could have held the input's partition, alive and connected at every step
//! in between. An assumed path is never smaller than the real one, so a
//! fault it leaves out cannot break the outcome; that is what makes a
//! certificate built on it honest.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Source, StepClock};
use crate::model::Snapshot;
use crate::trace::{Event, RunNames, SpanOperation, TraceLine};

/// One input's way through the pipeline to one output.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Path {
    pub source: Source,
    /// The instance that wrote the output.
    pub writer: String,
    /// The instance that consumed the input (and commits its offset).
    pub reader: String,
    pub consumed: u32,
    pub output: u32,
    pub output_at: OutputAt,
    /// The output's key (for a word count: the word).
    pub key: Option<String>,
    pub committed: u32,
    /// Every instance that held the record, with its first and last step.
    pub holds: Vec<(String, u32, u32)>,
    /// Writes to internal topics: (scenario topic name, partition, step).
    pub internal: Vec<(String, i32, u32)>,
    /// Kafka alone: the holds are candidates, each needed at every step.
    pub assumed: bool,
    /// State the writer keeps is in a changelog it was seen writing.
    pub state_logged: bool,
    /// A chain's later stages: (the instance that read the record there,
    /// if known; the stage's scenario group; the step its group committed
    /// past it).
    pub stage_commits: Vec<(Option<String>, String, u32)>,
}

/// Where an output was written: its topic as the run names it (one of the
/// run's output topics), partition and offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct OutputAt {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl OutputAt {
    pub fn of(o: &crate::checker::Output, info: &crate::checker::RunInfo) -> OutputAt {
        OutputAt { topic: info.topic_of(o).to_string(), partition: o.partition, offset: o.offset }
    }
}

/// What the run's snapshots say, step by step, about the pipeline's side.
pub(super) struct Observed<'a> {
    pub snapshots: &'a [(u32, &'a Snapshot)],
    pub names: &'a RunNames,
    pub input: &'a str,
    /// A side topic the app merges into its input: its records are
    /// inputs too, read by the same group.
    pub merged: Option<&'a str>,
    /// The topics the checker reads.
    pub outputs: Vec<&'a str>,
    pub group: &'a str,
    /// A chain's later stages, as the run names them: (input, group).
    pub stages: Vec<(&'a str, &'a str)>,
    pub instances: Vec<String>,
    /// Group member host → instance.
    pub hosts: HashMap<String, String>,
    pub last_step: u32,
    /// Whether a record may pass any instance: a chain's later stages, or
    /// internal topics in some snapshot (asked once per run, not per
    /// outcome: [`Observed::passes_any`]).
    pub passes_any: bool,
}

impl Observed<'_> {
    /// Whether a record may pass any instance of the run: a chain passes
    /// the later stages' instances, whose partitions of the stage's input
    /// no assignment ties to this one, and a pipeline with internal topics
    /// (repartition) may hand it to any of its instances.
    pub fn passes_any(stages: &[(&str, &str)], snapshots: &[(u32, &Snapshot)], names: &RunNames) -> bool {
        !stages.is_empty() || snapshots.iter().any(|(_, s)| s.partitions.iter().any(|p| names.is_internal(&p.topic)))
    }

    /// The first step from `from` whose snapshot shows the partition's
    /// high watermark past `offset`: the record was written to every ISR
    /// member by then (the last step if no snapshot shows it).
    pub fn written_by(&self, topic: &str, partition: i32, offset: i64, from: u32) -> u32 {
        self.seen_written(topic, partition, offset, from).unwrap_or(self.last_step)
    }

    /// The first step from `from` whose snapshot shows the high watermark
    /// of `topic`'s partition past `offset`; `None` when none does.
    pub fn seen_written(&self, topic: &str, partition: i32, offset: i64, from: u32) -> Option<u32> {
        self.snapshots
            .iter()
            .find(|(t, s)| *t >= from && s.partition(topic, partition).and_then(|p| p.high_watermark).is_some_and(|hw| hw > offset))
            .map(|(t, _)| *t)
    }

    /// The first step from `from` whose snapshot shows `group`'s committed
    /// offset of `topic`'s partition past `offset`.
    pub fn committed_in(&self, group: &str, topic: &str, partition: i32, offset: i64, from: u32) -> u32 {
        self.snapshots
            .iter()
            .find(|(t, s)| {
                *t >= from
                    && s.group(group).is_some_and(|g| {
                        g.committed.iter().any(|c| c.topic == topic && c.partition == partition && c.offset > offset)
                    })
            })
            .map_or(self.last_step, |(t, _)| *t)
    }

    /// The first step from `from` at which `group` had committed, on every
    /// partition of `topic`, everything written there by step `from`: when
    /// a later stage of a chain was done with a record whose offset there
    /// no source shows.
    fn caught_up_in(&self, group: &str, topic: &str, from: u32) -> u32 {
        let Some((_, then)) = self.snapshots.iter().rev().find(|(t, _)| *t <= from).or(self.snapshots.first()) else {
            return self.last_step;
        };
        let ends: Vec<(i32, i64)> =
            then.partitions.iter().filter(|p| p.topic == topic).filter_map(|p| Some((p.partition, p.high_watermark?))).collect();
        self.snapshots
            .iter()
            .find(|(t, s)| {
                *t >= from
                    && s.group(group).is_some_and(|g| {
                        ends.iter().all(|(partition, end)| {
                            g.committed.iter().any(|c| c.topic == topic && c.partition == *partition && c.offset >= *end)
                        })
                    })
            })
            .map_or(self.last_step, |(t, _)| *t)
    }

    /// The scenario group of the later stage that reads `topic`, if any.
    fn stage_reading(&self, topic: &str) -> Option<&str> {
        self.stages.iter().find(|(input, _)| *input == topic).map(|(_, group)| *group)
    }

    /// The instances the group's assignment gave the input partition over
    /// steps `from..=to`; every instance where a snapshot cannot tell (no
    /// group seen, a member whose host is not an instance's), or when the
    /// pipeline has internal topics (the record may pass any instance).
    pub fn owners(&self, topic: &str, partition: i32, from: u32, to: u32) -> Vec<String> {
        // A chain: a record passes the later stages' instances too, whose
        // partitions of the stage's input no assignment ties to this one.
        let internal = self.passes_any;
        let mut owners = BTreeSet::new();
        let mut unknown = internal;
        let window: Vec<&Snapshot> = self.snapshots.iter().filter(|(t, _)| *t + 1 >= from && *t <= to).map(|(_, s)| *s).collect();
        if window.is_empty() {
            unknown = true;
        }
        for snapshot in window {
            let owner = snapshot.group(self.group).and_then(|g| g.holder(topic, partition));
            match owner.and_then(|m| self.hosts.get(m.address())) {
                Some(instance) => {
                    owners.insert(instance.clone());
                }
                None => unknown = true,
            }
        }
        if unknown {
            return self.instances.clone();
        }
        owners.into_iter().collect()
    }
}

/// For each input id, what each pipeline instance did with it, followed
/// back from its output through every stage of a chain: the instance that
/// wrote the output read it from the stage before's output, written there
/// by an instance that read it from further up, down to the input.
pub(super) fn from_events(lines: &[TraceLine], clock: &StepClock, info: &crate::checker::RunInfo) -> HashMap<String, Vec<Path>> {
    let inputs: Vec<&str> = info.input_topics().collect();
    let outputs: Vec<&str> = info.output_topics().collect();
    // The topics a stage reads, with the stage's group: the input first.
    let read_by: HashMap<&str, &str> =
        inputs.iter().map(|t| (*t, info.group.as_str())).chain(info.stages.iter().map(|s| (s.input_topic.as_str(), s.group.as_str()))).collect();
    let names = RunNames::of_run(&info.campaign, &info.run, &info.group);
    // (instance, input id) -> each read of it: (time, topic, partition, offset).
    type Reads<'a> = Vec<(u64, &'a str, i32, i64)>;
    // (instance, topic, partition) -> each commit: (time, offset).
    type Commits<'a> = HashMap<(&'a str, &'a str, i32), Vec<(u64, i64)>>;
    // (topic, id) -> each write of it to a later stage's input: (instance, time, partition).
    type Passed<'a> = HashMap<(&'a str, &'a str), Vec<(&'a str, u64, i32)>>;
    let mut consumed: HashMap<(&str, &str), Reads> = HashMap::new();
    let mut commits: Commits = HashMap::new();
    let mut passed: Passed = HashMap::new();
    for line in lines {
        match &line.event {
            Event::Consumed { topic, partition, offset, ids } if read_by.contains_key(topic.as_str()) => {
                for id in ids {
                    consumed.entry((line.source.as_str(), id.as_str())).or_default().push((line.time_ms, topic, *partition, *offset));
                }
            }
            Event::Committed { topic, partition, offset } if read_by.contains_key(topic.as_str()) => {
                commits.entry((line.source.as_str(), topic.as_str(), *partition)).or_default().push((line.time_ms, *offset));
            }
            Event::Output { topic, partition, ids, .. } if !outputs.contains(&topic.as_str()) && read_by.contains_key(topic.as_str()) => {
                for id in ids {
                    passed.entry((topic.as_str(), id.as_str())).or_default().push((line.source.as_str(), line.time_ms, *partition));
                }
            }
            _ => {}
        }
    }
    // When `instance` committed its read of `topic`/`partition` at `offset`.
    let commit_of = |instance: &str, topic: &str, partition: i32, offset: i64, read_time: u64| {
        commits
            .get(&(instance, topic, partition))
            .and_then(|c| c.iter().find(|(t, o)| *t >= read_time && *o > offset))
            .map(|(t, _)| clock.step_at(*t))
    };
    let mut handled: HashMap<String, Vec<Path>> = HashMap::new();
    for line in lines {
        let Event::Output { topic, partition, offset, ids, key } = &line.event else { continue };
        if !outputs.contains(&topic.as_str()) {
            continue;
        }
        'ids: for id in ids {
            let written = clock.step_of(line);
            let (mut instance, mut time) = (line.source.as_str(), line.time_ms);
            let (mut holds, mut internal, mut stage_commits) = (Vec::new(), Vec::new(), Vec::new());
            // At most one hop per stage: a trace cannot send the walk round.
            for _ in 0..=info.stages.len() {
                let Some(reads) = consumed.get(&(instance, id.as_str())) else { continue 'ids };
                let Some(&(read_time, from, in_partition, in_offset)) = reads.iter().rev().find(|(t, ..)| *t <= time) else {
                    continue 'ids;
                };
                let read = clock.step_at(read_time);
                holds.push((instance.to_string(), read, clock.step_at(time)));
                if inputs.contains(&from) {
                    let committed = commit_of(instance, from, in_partition, in_offset, read_time).unwrap_or(written);
                    holds.reverse();
                    handled.entry(id.clone()).or_default().push(Path {
                        source: Source::Events,
                        writer: line.source.clone(),
                        reader: instance.to_string(),
                        consumed: read,
                        output: written,
                        output_at: OutputAt { topic: topic.clone(), partition: *partition, offset: *offset },
                        key: key.clone(),
                        committed,
                        holds,
                        internal,
                        assumed: false,
                        state_logged: false,
                        stage_commits,
                    });
                    continue 'ids;
                }
                // A later stage's read: its commit, then who wrote it there.
                let group = names.scenario_group(read_by[from]);
                let committed = commit_of(instance, from, in_partition, in_offset, read_time).unwrap_or(written);
                stage_commits.push((Some(instance.to_string()), group, committed));
                let Some(&(writer, wrote, out_partition)) =
                    passed.get(&(from, id.as_str())).and_then(|w| w.iter().rev().find(|(_, t, _)| *t <= read_time))
                else {
                    continue 'ids;
                };
                internal.push((names.scenario_topic(from), out_partition, clock.step_at(wrote)));
                (instance, time) = (writer, wrote);
            }
        }
    }
    handled
}

/// Paths from OpenTelemetry spans, by input id: each trace that starts at
/// the process of an input record, followed through every publish and
/// process it caused (context rides in the records' headers), to the
/// publish of an output record.
pub(super) fn from_spans(
    lines: &[TraceLine],
    clock: &StepClock,
    observed: &Observed,
    ids_at: &HashMap<(String, i32, i64), String>,
) -> HashMap<String, Vec<Path>> {
    let mut traces: BTreeMap<&str, Vec<&crate::trace::Span>> = BTreeMap::new();
    let mut times: HashMap<&str, (u64, u64)> = HashMap::new();
    for line in lines {
        if let Event::Span(span) = &line.event {
            traces.entry(span.trace_id.as_str()).or_default().push(span);
            times.insert(span.span_id.as_str(), (span.start_ms, span.end_ms));
        }
    }
    let mut paths: HashMap<String, Vec<Path>> = HashMap::new();
    for spans in traces.values() {
        let Some((root, from)) = spans.iter().find_map(|s| {
            let topic = s.topic.as_deref().filter(|t| *t == observed.input || Some(*t) == observed.merged)?;
            (s.operation == SpanOperation::Process && s.partition.is_some() && s.offset.is_some()).then_some((s, topic))
        }) else {
            continue;
        };
        let Some(id) = ids_at.get(&(from.to_string(), root.partition.unwrap_or_default(), root.offset.unwrap_or_default())) else { continue };
        let consumed = clock.step_at(root.start_ms);
        let mut holds: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        let mut internal = Vec::new();
        let mut state_logged = BTreeSet::new();
        let mut stage_commits = Vec::new();
        for span in spans {
            let (from, to) = (clock.step_at(span.start_ms), clock.step_at(span.end_ms));
            let hold = holds.entry(span.service.as_str()).or_insert((from, to));
            hold.0 = hold.0.min(from);
            hold.1 = hold.1.max(to);
            if let (SpanOperation::Process, Some(topic), Some(partition), Some(offset)) =
                (span.operation, &span.topic, span.partition, span.offset)
            {
                if let Some(group) = observed.stage_reading(topic) {
                    let step = observed.committed_in(group, topic, partition, offset, from);
                    stage_commits.push((Some(span.service.clone()), observed.names.scenario_group(group), step));
                }
            }
            if span.operation == SpanOperation::Publish {
                if let (Some(topic), Some(partition)) = (&span.topic, span.partition) {
                    if observed.names.is_internal(topic) || observed.stage_reading(topic).is_some() {
                        internal.push((observed.names.scenario_topic(topic), partition, to));
                        if topic.ends_with("-changelog") {
                            state_logged.insert(span.service.as_str());
                        }
                    }
                }
            }
        }
        for out in spans.iter().filter(|s| s.operation == SpanOperation::Publish && s.topic.as_deref().is_some_and(|t| observed.outputs.contains(&t)) && !s.error) {
            let (Some(topic), Some(partition), Some(offset)) = (&out.topic, out.partition, out.offset) else { continue };
            let input_offset = root.offset.unwrap_or_default();
            let output = clock.step_at(out.end_ms);
            paths.entry(id.clone()).or_default().push(Path {
                source: Source::OpenTelemetry,
                writer: out.service.clone(),
                reader: root.service.clone(),
                consumed,
                output,
                output_at: OutputAt { topic: topic.clone(), partition, offset },
                key: out.key.clone(),
                committed: observed.committed_in(observed.group, from, root.partition.unwrap_or_default(), input_offset, consumed),
                holds: holds.iter().map(|(s, (a, b))| (s.to_string(), *a, *b)).collect(),
                internal: internal.clone(),
                assumed: false,
                state_logged: state_logged.contains(out.service.as_str()),
                stage_commits: stage_commits.clone(),
            });
        }
    }
    paths
}

/// The assumed path of an input that no event and no span shows: from its
/// acknowledgement at `acked` to the output the checker read at
/// `read_at`, through every instance that could have held its partition.
pub(super) fn from_kafka(observed: &Observed, topic: &str, partition: i32, offset: i64, acked: u32, read_at: OutputAt, key: Option<String>) -> Path {
    let output = observed.written_by(&read_at.topic, read_at.partition, read_at.offset, acked);
    let committed = observed.committed_in(observed.group, topic, partition, offset, acked);
    // A later stage committed past the record once it had caught up with
    // what its input held when the output was written.
    let stage_commits: Vec<(Option<String>, String, u32)> = observed
        .stages
        .iter()
        .map(|(input, group)| (None, observed.names.scenario_group(group), observed.caught_up_in(group, input, output)))
        .collect();
    let last_commit = stage_commits.iter().map(|(_, _, t)| *t).fold(committed, u32::max);
    let owners = observed.owners(topic, partition, acked, output.max(last_commit));
    let reader = owners.first().cloned().unwrap_or_default();
    Path {
        source: Source::Kafka,
        writer: reader.clone(),
        reader,
        consumed: acked,
        output,
        output_at: read_at,
        key,
        committed,
        holds: owners.into_iter().map(|o| (o, acked, output)).collect(),
        internal: Vec::new(),
        assumed: true,
        state_logged: false,
        stage_commits,
    }
}
