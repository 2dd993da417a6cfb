//! Building the lineage of one run from its trace lines.

use std::collections::{BTreeSet, HashMap};

use super::{Derivation, Fact, Model, StepClock, Trail, BROKERS};
use crate::checker::History;
use crate::cluster::{NodeId, Role, Snapshot};
use crate::trace::{Event, TraceLine};

/// What a pipeline instance did with one input, from its own trace.
#[derive(Debug, Clone)]
struct Handled {
    instance: String,
    consumed: u32,
    output: u32,
    output_at: (i32, i64),
    /// The output's key (for a word count: the word).
    key: Option<String>,
    committed: u32,
}

/// Builds the lineage of every good outcome of a run.
pub fn build(lines: &[TraceLine]) -> Result<Model, String> {
    let clock = StepClock::from_trace(lines);
    let history = History::from_trace(lines)?;
    let info = &history.run;
    let suffix = format!(".{}-{}", info.campaign, info.run);
    let base = |name: &str| name.strip_suffix(&suffix).unwrap_or(name).to_string();
    let (input_topic, output_topic) = (base(&info.input_topic), base(&info.output_topic));
    let commits_count = commit_matters(&info.properties);
    let in_memory = state_in_memory(lines, &info.properties);
    let acks_one = lines.iter().any(|l| matches!(&l.event, Event::RunStarted { acks: Some(a), .. } if a == "1"));
    // Whether the input's leader can acknowledge alone once its followers
    // fell out of the ISR (min ISR 1, or unknown in an older trace).
    let leader_alone = acks_one
        || !lines.iter().any(|l| matches!(&l.event, Event::RunStarted { input_min_isr: Some(m), .. } if *m >= 2));
    let eot = lines.iter().filter_map(|l| match l.event {
        Event::Step { step_index } => Some(step_index),
        _ => None,
    });
    let last_step = eot.max().unwrap_or(0);

    let snapshots: Vec<(u32, &Snapshot)> = lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::Snapshot { snapshot } => Some((clock.step_of(l), snapshot)),
            _ => None,
        })
        .collect();
    // A lone broker is every role (each partition's leader, the group's
    // coordinator): named as itself, a crash of it is one hypothesis, not
    // one per role.
    let lone = lone_broker(snapshots.iter().map(|(_, s)| *s));
    let role = |name: String| lone.map_or(name, |b| NodeId::Broker(b).to_string());
    let coordinator = role(coordinator_role(&base(&info.group)));
    // The cluster as it stood when step `s` began: the last snapshot before
    // it, else the first one.
    let before = |s: u32| -> Option<&Snapshot> {
        snapshots.iter().rev().find(|(t, _)| *t < s).or(snapshots.first()).map(|(_, snap)| *snap)
    };
    let handled = handled_inputs(lines, &clock, &info.input_topic, &info.output_topic);
    let read: HashMap<&str, (i32, i64)> = history
        .outputs
        .iter()
        .flat_map(|o| o.ids.iter().map(move |id| (id.as_str(), (o.partition, o.offset))))
        .collect();

    let mut model = Model::default();
    for input in history.inputs.iter().filter(|i| i.acked) {
        let Some(read_at) = read.get(input.id.as_str()) else { continue };
        let (Some(partition), Some(offset), Some(step)) = (input.partition, input.offset, input.step) else {
            continue;
        };
        let leader_role = role(format!("leader({input_topic}/{partition})"));
        let state = before(step).and_then(|s| s.partition(&info.input_topic, partition));
        let leader = state.and_then(|p| p.leader);
        let isr: Vec<i32> = state.map(|p| p.isr.clone()).unwrap_or_default();
        let name = |broker: i32| if Some(broker) == leader { leader_role.clone() } else { format!("broker-{broker}") };
        let mut trail = Trail::default();
        trail.events.push((
            format!("{} produced to {} and acknowledged at offset {offset}", input.id, leader_role),
            step,
            vec![],
        ));

        // Durability: where the acknowledged record lives. The leader holds
        // it from the ack on: a crash from the next step until one step after
        // it reached the followers is what threatens it (a crash during the
        // ack's own step prevents the ack instead). Each follower holds it
        // because the leader could send it to them during the ack's step:
        // that link is part of the follower's derivation (Molly's acks=1
        // example: the cut plus the crash). With acks=all, `replicated` is
        // the ack's step; with acks=1, the first snapshot whose high
        // watermark passed the record.
        let replicated = if acks_one {
            snapshots
                .iter()
                .find(|(t, s)| *t >= step && s.partition(&info.input_topic, partition).and_then(|p| p.high_watermark) > Some(offset))
                .map(|(t, _)| *t)
                .unwrap_or(last_step)
        } else {
            step
        };
        let mut durable: Vec<Derivation> = Vec::new();
        if leader.is_some_and(|l| isr.contains(&l)) || isr.is_empty() {
            durable.push((step + 1..=replicated + 1).map(|t| Fact::Alive { node: leader_role.clone(), step: t }).collect());
        }
        let followers: Vec<i32> = isr.iter().copied().filter(|b| Some(*b) != leader).collect();
        if acks_one && !followers.is_empty() {
            // acks=1: the leader answered before any follower had it. If the
            // leader is lost, the controller elects any live ISR member,
            // and a follower still in the ISR that could not fetch (cut off
            // for less than replica.lag.time.max.ms) makes the others
            // truncate the record away. So the followers hold it only
            // together: every one alive and able to fetch, and the leader
            // able to send.
            let mut all = BTreeSet::from([Fact::Link { from: leader_role.clone(), to: BROKERS.to_string(), step }]);
            for follower in &followers {
                all.insert(Fact::Alive { node: name(*follower), step: replicated });
                all.insert(Fact::Link { from: name(*follower), to: BROKERS.to_string(), step });
            }
            durable.push(all);
        } else {
            // acks=all: each ISR follower had it when it was acknowledged.
            // Where the leader can acknowledge alone (min ISR 1), that holds
            // only if the leader could send to them during the step: cut
            // off, they leave the ISR and it goes on alone (the shape of an
            // unclean election). At min ISR 2 or more such a cut stops the
            // acknowledgements instead, so the follower alone is the fact.
            for follower in &followers {
                let mut held = BTreeSet::from([Fact::Alive { node: name(*follower), step: replicated }]);
                if leader_alone {
                    held.insert(Fact::Link { from: leader_role.clone(), to: BROKERS.to_string(), step });
                }
                durable.push(held);
            }
        }
        let how = if acks_one { "acks=1, replicated" } else { "acks=all" };
        trail.events.push((
            format!("held by the leader and sent to the ISR {isr:?} ({how} at step {replicated})"),
            replicated,
            durable.iter().flatten().cloned().collect(),
        ));
        if durable.is_empty() {
            durable.push(BTreeSet::new());
        }

        // Processing: the instance that turned it into the output read back.
        let mut processing: Derivation = BTreeSet::new();
        let path = handled.get(input.id.as_str()).and_then(|all| {
            all.iter().find(|h| h.output_at == *read_at).or(all.last())
        });
        if let Some(h) = path {
            // The commit also relies on the group's coordinator, which takes
            // the offset commit: crashed, the commit fails and the input is
            // processed again after a restart or rebalance. That matters
            // only to properties that count copies; for the others the
            // instance matters until the output is written.
            let until = if commits_count { h.output.max(h.committed) } else { h.output };
            let coordinator_fact = commits_count.then(|| Fact::Alive { node: coordinator.clone(), step: h.committed });
            let commit_facts: Vec<Fact> =
                (h.consumed..=until).map(|t| Fact::Alive { node: h.instance.clone(), step: t }).chain(coordinator_fact).collect();
            // A count kept only in the instance's memory (it restored no
            // state when it started) holds until the last count of its word
            // is written: crashed in between, the instance starts again from
            // zero and that later count misses this input.
            let kept: Vec<Fact> = match h.key.as_ref().and_then(|k| in_memory.get(&(h.instance.clone(), k.clone()))) {
                Some(&last) if last > until => (until + 1..=last).map(|t| Fact::Alive { node: h.instance.clone(), step: t }).collect(),
                _ => vec![],
            };
            // Which broker served the fetch or took the write does not
            // matter: the input sits on every ISR member (its durability
            // alternatives above) and the output is written with acks=all by
            // the shipped pipelines. What matters is the instance, alive and
            // connected from consume to commit.
            let consumed_facts =
                vec![Fact::Link { from: h.instance.clone(), to: BROKERS.to_string(), step: h.consumed }];
            let output_role = role(format!("leader({output_topic}/{})", h.output_at.0));
            // The write, and its acknowledgement coming back: without it the
            // producer retries (a duplicate unless it is idempotent). With
            // acks=all the acknowledgement also waits for the output
            // leader's followers: cut them off longer than the producer's
            // request timeout and the write, already appended, is answered
            // with a timeout and sent again.
            //
            // The answer counts only when the instance held its input before
            // the output's step began. Consumed in that step, the input came
            // over the same link as the answer, earlier in the step: a cut
            // of the brokers' packets to the instance from the step's start
            // holds the input back instead (it stays in the log, and is
            // fetched and written after the heal), so no write is waiting
            // for an answer when the cut hits.
            let mut output_facts = vec![
                Fact::Link { from: h.instance.clone(), to: BROKERS.to_string(), step: h.output },
                Fact::Link { from: output_role.clone(), to: BROKERS.to_string(), step: h.output },
            ];
            if h.consumed < h.output {
                output_facts.push(Fact::Link { from: BROKERS.to_string(), to: h.instance.clone(), step: h.output });
            }
            processing.extend(consumed_facts.iter().cloned());
            processing.extend(output_facts.iter().cloned());
            processing.extend(commit_facts.iter().cloned());
            processing.extend(kept.iter().cloned());
            trail.events.push((format!("consumed by {}", h.instance), h.consumed, consumed_facts));
            trail.events.push((
                format!("output {}@{} written by {} to {output_role}", h.output_at.0, h.output_at.1, h.instance),
                h.output,
                output_facts,
            ));
            trail.events.push(if commits_count {
                (format!("input offset committed by {}", h.instance), h.committed, commit_facts)
            } else {
                (format!("{} up from consume to output (the commit does not matter to these properties)", h.instance), h.output, commit_facts)
            });
            if let Some(last) = kept.last() {
                let word = h.key.as_deref().unwrap_or_default();
                trail.events.push((
                    format!("counted in {}'s memory only (it restored no state), until the last count of {word:?}", h.instance),
                    until + kept.len() as u32,
                    vec![last.clone()],
                ));
            }
        }
        trail.events.push((format!("read by the checker at {}@{}", read_at.0, read_at.1), last_step, vec![]));

        let id = format!("r:{}", input.id);
        let derivations = durable.into_iter().map(|d| d.union(&processing).cloned().collect()).collect();
        model.outcomes.insert(id.clone(), derivations);
        model.trails.insert(id, trail);
    }
    Ok(model)
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
pub(super) fn coordinator_role(group: &str) -> String {
    NodeId::Role(Role::Coordinator { group: group.to_string() }).to_string()
}

/// For each input id, what each pipeline instance did with it.
fn handled_inputs(lines: &[TraceLine], clock: &StepClock, input: &str, output: &str) -> HashMap<String, Vec<Handled>> {
    // (instance, input id) -> each read of it: (time, partition, offset).
    type Reads = Vec<(u64, i32, i64)>;
    let mut consumed: HashMap<(&str, &str), Reads> = HashMap::new();
    let mut commits: HashMap<(&str, i32), Vec<(u64, i64)>> = HashMap::new();
    for line in lines {
        match &line.event {
            Event::Consumed { topic, partition, offset, ids } if topic == input => {
                for id in ids {
                    consumed.entry((line.source.as_str(), id.as_str())).or_default().push((line.time_ms, *partition, *offset));
                }
            }
            Event::Committed { topic, partition, offset } if topic == input => {
                commits.entry((line.source.as_str(), *partition)).or_default().push((line.time_ms, *offset));
            }
            _ => {}
        }
    }
    let mut handled: HashMap<String, Vec<Handled>> = HashMap::new();
    for line in lines {
        let Event::Output { topic, partition, offset, ids, key } = &line.event else { continue };
        if topic != output {
            continue;
        }
        for id in ids {
            let Some(reads) = consumed.get(&(line.source.as_str(), id.as_str())) else { continue };
            let Some(&(read_time, in_partition, in_offset)) = reads.iter().rev().find(|(t, _, _)| *t <= line.time_ms) else {
                continue;
            };
            let committed = commits
                .get(&(line.source.as_str(), in_partition))
                .and_then(|c| c.iter().find(|(t, o)| *t >= read_time && *o > in_offset))
                .map(|(t, _)| clock.step_at(*t))
                .unwrap_or_else(|| clock.step_of(line));
            handled.entry(id.clone()).or_default().push(Handled {
                instance: line.source.clone(),
                consumed: clock.step_at(read_time),
                output: clock.step_of(line),
                output_at: (*partition, *offset),
                key: key.clone(),
                committed,
            });
        }
    }
    handled
}
