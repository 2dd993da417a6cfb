//! How an input became the output the checker read, from whichever source
//! shows it: the pipeline's own events, OpenTelemetry spans, or Kafka alone.
//!
//! Each source gives a [`Path`]: the instances that held the record and
//! when, where it was written, when its input offset was committed, and the
//! internal topics (repartition, changelog) it passed. The events and the
//! spans show the path; Kafka alone shows only its ends (the input's
//! acknowledgement, the output's offset, the group's assignment and
//! committed offsets per step), so its path is assumed: every instance that
//! could have held the input's partition, alive and connected at every step
//! in between. An assumed path is never smaller than the real one, so a
//! fault it leaves out cannot break the outcome; that is what makes a
//! certificate built on it honest.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Source, StepClock};
use crate::cluster::Snapshot;
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
    pub output_at: (i32, i64),
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
}

/// What the run's snapshots say, step by step, about the pipeline's side.
pub(super) struct Observed<'a> {
    pub snapshots: &'a [(u32, &'a Snapshot)],
    pub names: &'a RunNames,
    pub input: &'a str,
    pub output: &'a str,
    pub group: &'a str,
    pub instances: Vec<String>,
    /// Group member host → instance.
    pub hosts: HashMap<String, String>,
    pub last_step: u32,
}

impl Observed<'_> {
    /// The first step from `from` whose snapshot shows the partition's
    /// high watermark past `offset`: the record was written to every ISR
    /// member by then (the last step if no snapshot shows it).
    pub fn written_by(&self, topic: &str, partition: i32, offset: i64, from: u32) -> u32 {
        self.snapshots
            .iter()
            .find(|(t, s)| *t >= from && s.partition(topic, partition).and_then(|p| p.high_watermark).is_some_and(|hw| hw > offset))
            .map_or(self.last_step, |(t, _)| *t)
    }

    /// The first step from `from` whose snapshot shows the group's
    /// committed offset of the input partition past `offset`.
    pub fn committed_by(&self, partition: i32, offset: i64, from: u32) -> u32 {
        self.snapshots
            .iter()
            .find(|(t, s)| {
                *t >= from
                    && s.group(self.group).is_some_and(|g| {
                        g.committed.iter().any(|c| c.topic == self.input && c.partition == partition && c.offset > offset)
                    })
            })
            .map_or(self.last_step, |(t, _)| *t)
    }

    /// The instances the group's assignment gave the input partition over
    /// steps `from..=to`; every instance where a snapshot cannot tell (no
    /// group seen, a member whose host is not an instance's), or when the
    /// pipeline has internal topics (the record may pass any instance).
    pub fn owners(&self, partition: i32, from: u32, to: u32) -> Vec<String> {
        let internal = self.snapshots.iter().any(|(_, s)| s.partitions.iter().any(|p| self.names.is_internal(&p.topic)));
        let mut owners = BTreeSet::new();
        let mut unknown = internal;
        let window: Vec<&Snapshot> = self.snapshots.iter().filter(|(t, _)| *t + 1 >= from && *t <= to).map(|(_, s)| *s).collect();
        if window.is_empty() {
            unknown = true;
        }
        for snapshot in window {
            let owner = snapshot.group(self.group).and_then(|g| {
                g.members.iter().find(|m| m.assignment.iter().any(|a| a.topic == self.input && a.partition == partition))
            });
            match owner.and_then(|m| self.hosts.get(m.host.trim_start_matches('/'))) {
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

/// Client node addresses the harness recorded: address → node name.
pub(super) fn hosts(lines: &[TraceLine]) -> HashMap<String, String> {
    lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::NodeAddress { node, address } => Some((address.clone(), node.clone())),
            _ => None,
        })
        .collect()
}

/// Paths from OpenTelemetry spans, by input id: each trace that starts at
/// the process of an input record, followed through every publish and
/// process it caused (context rides in the records' headers), to the
/// publish of an output record.
pub(super) fn from_spans(
    lines: &[TraceLine],
    clock: &StepClock,
    observed: &Observed,
    ids_at: &HashMap<(i32, i64), String>,
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
        let Some(root) = spans.iter().find(|s| {
            s.operation == SpanOperation::Process && s.topic.as_deref() == Some(observed.input) && s.partition.is_some() && s.offset.is_some()
        }) else {
            continue;
        };
        let Some(id) = ids_at.get(&(root.partition.unwrap_or_default(), root.offset.unwrap_or_default())) else { continue };
        let consumed = clock.step_at(root.start_ms);
        let mut holds: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        let mut internal = Vec::new();
        let mut state_logged = BTreeSet::new();
        for span in spans {
            let (from, to) = (clock.step_at(span.start_ms), clock.step_at(span.end_ms));
            let hold = holds.entry(span.service.as_str()).or_insert((from, to));
            hold.0 = hold.0.min(from);
            hold.1 = hold.1.max(to);
            if span.operation == SpanOperation::Publish {
                if let (Some(topic), Some(partition)) = (&span.topic, span.partition) {
                    if observed.names.is_internal(topic) {
                        internal.push((observed.names.scenario_topic(topic), partition, to));
                        if topic.ends_with("-changelog") {
                            state_logged.insert(span.service.as_str());
                        }
                    }
                }
            }
        }
        for out in spans.iter().filter(|s| s.operation == SpanOperation::Publish && s.topic.as_deref() == Some(observed.output) && !s.error) {
            let (Some(partition), Some(offset)) = (out.partition, out.offset) else { continue };
            let input_offset = root.offset.unwrap_or_default();
            let output = clock.step_at(out.end_ms);
            paths.entry(id.clone()).or_default().push(Path {
                source: Source::OpenTelemetry,
                writer: out.service.clone(),
                reader: root.service.clone(),
                consumed,
                output,
                output_at: (partition, offset),
                key: out.key.clone(),
                committed: observed.committed_by(root.partition.unwrap_or_default(), input_offset, consumed),
                holds: holds.iter().map(|(s, (a, b))| (s.to_string(), *a, *b)).collect(),
                internal: internal.clone(),
                assumed: false,
                state_logged: state_logged.contains(out.service.as_str()),
            });
        }
    }
    paths
}

/// The assumed path of an input that no event and no span shows: from its
/// acknowledgement at `acked` to the output the checker read at
/// `read_at`, through every instance that could have held its partition.
pub(super) fn from_kafka(observed: &Observed, partition: i32, offset: i64, acked: u32, read_at: (i32, i64), key: Option<String>) -> Path {
    let output = observed.written_by(observed.output, read_at.0, read_at.1, acked);
    let committed = observed.committed_by(partition, offset, acked);
    let owners = observed.owners(partition, acked, output.max(committed));
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
    }
}
