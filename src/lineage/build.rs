//! Building the lineage of one run from its trace lines.

use std::collections::{BTreeSet, HashMap};

use super::paths::{self, Observed, Path};
use super::{Derivation, Fact, Model, Peer, Source, StepClock, Trail};
use crate::checker::History;
use crate::model::{NodeId, Role, Snapshot};
use crate::trace::{Event, RunNames, TraceLine};

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
    // Every step below comes from the harness's boundaries or is clamped
    // to them (steps.rs): facts are built per step, never up to a number
    // a file names.
    let last_step = clock.last();

    let snapshots: Vec<(u32, &Snapshot)> = lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::Snapshot { snapshot, .. } => Some((clock.step_of(l), snapshot)),
            _ => None,
        })
        .collect();
    // A lone broker is every role (each partition's leader, the group's
    // coordinator): named as itself, a crash of it is one hypothesis, not
    // one per role.
    let lone = lone_broker(snapshots.iter().map(|(_, s)| *s));
    let role = |role: Role| lone.map_or(NodeId::Role(role), NodeId::Broker);
    let coordinator = role(coordinator_role(&base(&info.group)));
    // The cluster as it stood when step `s` began: the last snapshot before
    // it, else the first one.
    let before = |s: u32| -> Option<&Snapshot> {
        snapshots.iter().rev().find(|(t, _)| *t < s).or(snapshots.first()).map(|(_, snap)| *snap)
    };
    let handled = paths::from_events(lines, &clock, info);
    let mut read: HashMap<&str, (i32, i64)> = history
        .outputs
        .iter()
        .flat_map(|o| o.ids.iter().map(move |id| (id.as_str(), (o.partition, o.offset))))
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
    let observed = Observed {
        snapshots: &snapshots,
        names: &names,
        input: &info.input_topic,
        output: &info.output_topic,
        group: &info.group,
        stages: info.stages.iter().map(|s| (s.input_topic.as_str(), s.group.as_str())).collect(),
        instances: instances.into_iter().collect(),
        hosts: paths::hosts(lines),
        last_step,
    };
    let ids_at: HashMap<(i32, i64), String> = history
        .inputs
        .iter()
        .filter_map(|i| Some(((i.partition?, i.offset?), i.id.clone())))
        .collect();
    let spans = paths::from_spans(lines, &clock, &observed, &ids_at);
    let outputs_at: HashMap<(i32, i64), Option<String>> = history.outputs.iter().map(|o| ((o.partition, o.offset), o.key.clone())).collect();
    let counts_state = info.properties.iter().any(|p| p == "word-counts");
    // Properties whose outcome is an aggregate built across inputs: the
    // state holding it matters until its key's last output.
    let aggregates = info.properties.iter().any(|p| matches!(p.as_str(), "word-counts" | "key-sums" | "window-counts"));
    // The step each key's last output was written, as the output's high
    // watermarks show it: where state kept in memory is last used.
    let mut last_output: HashMap<String, u32> = HashMap::new();
    for o in &history.outputs {
        if let Some(key) = &o.key {
            let t = observed.written_by(&info.output_topic, o.partition, o.offset, 0);
            let entry = last_output.entry(key.clone()).or_insert(t);
            *entry = (*entry).max(t);
        }
    }
    // An aggregate's updates carry the id of the input that caused each
    // one, and a suppressed window's single result one id only; a word
    // count that drops headers carries none. An input without an update of
    // its own is in its key's last aggregate (its word's count, its key's
    // sum, its window's count): that is its outcome.
    let aggregated = |input: &crate::checker::Input| -> Option<String> {
        if counts_state {
            return read.is_empty().then(|| input.value.clone());
        }
        if info.properties.iter().any(|p| p == "key-sums") {
            return Some(input.key.clone());
        }
        if info.properties.iter().any(|p| p == "window-counts") {
            let size = i64::try_from(info.checker.window_millis?).ok().filter(|s| *s > 0)?;
            let ts = input.timestamp_ms?;
            return Some(format!("{}@{}", input.key, ts - ts.rem_euclid(size)));
        }
        None
    };
    let unread: Vec<(&str, String)> = history
        .inputs
        .iter()
        .filter(|i| i.acked && !read.contains_key(i.id.as_str()))
        .filter_map(|i| Some((i.id.as_str(), aggregated(i)?)))
        .collect();
    for (id, key) in unread {
        let last = history
            .outputs
            .iter()
            .filter(|o| o.key.as_deref() == Some(key.as_str()))
            .max_by_key(|o| (observed.written_by(&info.output_topic, o.partition, o.offset, 0), o.offset));
        if let Some(o) = last {
            read.insert(id, (o.partition, o.offset));
        }
    }
    let (down, cut_off) = faulted(lines, &clock, last_step);
    // Whether the run's snapshots list transactional producers of the
    // pipeline: then its writes commit through a transaction coordinator.
    let transactional = snapshots.iter().any(|(_, s)| !s.transactions.is_empty());
    // Each stage's group has its own; which stage is transactional the
    // snapshots do not say, so a chain's every stage is taken to be.
    let transaction_coordinators: Vec<NodeId> = std::iter::once(base(&info.group))
        .chain(info.stages.iter().map(|s| names.scenario_group(&s.group)))
        .map(|group| role(Role::TransactionCoordinator { group }))
        .collect();

    // Where an acknowledged record of `topic` (as the run names it; `base`
    // as the scenario does) lives, as alternatives: the leader from the ack
    // on, or each follower of the ISR. With the sentence for its trail.
    let durability = |topic: &str, base: &str, partition: i32, offset: i64, step: u32| -> (Vec<Derivation>, String, u32) {
        let leader_role = role(Role::Leader { topic: base.to_string(), partition });
        let state = before(step).and_then(|s| s.partition(topic, partition));
        let leader = state.and_then(|p| p.leader);
        let isr: Vec<i32> = state.map(|p| p.isr.clone()).unwrap_or_default();
        let name = |broker: i32| if Some(broker) == leader { leader_role.clone() } else { broker_node(broker) };

        // Durability: where the acknowledged record lives. The leader holds
        // it from the ack on: a crash from the next step until one step after
        // it reached the followers is what threatens it (a crash during the
        // ack's own step prevents the ack instead). Each follower holds it
        // because the leader could send it to them during the ack's step:
        // that link is part of the follower's derivation (Molly's acks=1
        // example: the cut plus the crash). With acks=all, `replicated` is
        // the ack's step; with acks=1, the first snapshot whose high
        // watermark passed the record.
        let replicated = if acks_one { observed.written_by(topic, partition, offset, step) } else { step };
        let mut durable: Vec<Derivation> = Vec::new();
        if leader.is_some_and(|l| isr.contains(&l)) || isr.is_empty() {
            durable.push((step + 1..=replicated + 1).map(|t| Fact::alive(leader_role.clone(), t)).collect());
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
            let mut all = BTreeSet::from([Fact::link(leader_role.clone(), Peer::Brokers, step)]);
            for follower in &followers {
                all.insert(Fact::alive(name(*follower), replicated));
                all.insert(Fact::link(name(*follower), Peer::Brokers, step));
            }
            durable.push(all.into());
        } else {
            // acks=all: each ISR follower had it when it was acknowledged.
            // Where the leader can acknowledge alone (min ISR 1), that holds
            // only if the leader could send to them during the step: cut
            // off, they leave the ISR and it goes on alone (the shape of an
            // unclean election). At min ISR 2 or more such a cut stops the
            // acknowledgements instead, so the follower alone is the fact.
            for follower in &followers {
                let mut held = BTreeSet::from([Fact::alive(name(*follower), replicated)]);
                if leader_alone {
                    held.insert(Fact::link(leader_role.clone(), Peer::Brokers, step));
                }
                durable.push(held.into());
            }
        }
        let how = if acks_one { "acks=1, replicated" } else { "acks=all" };
        if durable.is_empty() {
            durable.push(Derivation::default());
        }
        (durable, format!("held by the leader and sent to the ISR {isr:?} ({how} at step {replicated})"), replicated)
    };
    // The side topic's records a join's output of `input` met: the row its
    // key had (a table), or every partner within the window (a stream).
    let side_base = info.side_topic.as_deref().map(base);
    let met = |input: &crate::checker::Input| -> Vec<&crate::checker::Input> {
        let ts = |i: &crate::checker::Input| i.timestamp_ms.unwrap_or_default();
        let same_key = history.side_inputs.iter().filter(|s| s.acked && s.key == input.key);
        if info.properties.iter().any(|p| p == "table-join") {
            same_key.filter(|s| ts(s) < ts(input)).max_by_key(|s| (ts(s), s.offset)).into_iter().collect()
        } else if info.properties.iter().any(|p| p == "stream-join") {
            let window = info.checker.join_window_millis.and_then(|w| i64::try_from(w).ok()).unwrap_or(0);
            same_key.filter(|s| (ts(s) - ts(input)).abs() <= window).collect()
        } else {
            Vec::new()
        }
    };

    let mut model = Model::default();
    for input in history.inputs.iter().filter(|i| i.acked) {
        let Some(read_at) = read.get(input.id.as_str()) else { continue };
        let (Some(partition), Some(offset), Some(step)) = (input.partition, input.offset, input.step.map(|s| clock.clamp(s))) else {
            continue;
        };
        let leader_role = role(Role::Leader { topic: input_topic.clone(), partition });
        let mut trail = Trail::default();
        trail.events.push((
            format!("{} produced to {} and acknowledged at offset {offset}", input.id, leader_role),
            step,
            vec![],
        ));
        let (mut durable, held, replicated) = durability(&info.input_topic, &input_topic, partition, offset, step);
        trail.events.push((held, replicated, durable.iter().flatten().cloned().collect()));
        // A join's output needs what it met as much as its own input: each
        // record met must be held too (every combination of where each
        // lives).
        if let (Some(side), Some(side_base)) = (info.side_topic.as_deref(), side_base.as_deref()) {
            for other in met(input) {
                let (Some(p), Some(o), Some(s)) = (other.partition, other.offset, other.step.map(|s| clock.clamp(s))) else { continue };
                let (held_there, text, at) = durability(side, side_base, p, o, s);
                trail.events.push((format!("met {} of {side_base}/{p}, {text}", other.id), at, held_there.iter().flatten().cloned().collect()));
                durable = durable
                    .iter()
                    .flat_map(|d| held_there.iter().map(move |h| d.union(h).cloned().collect::<Derivation>()))
                    .collect();
            }
        }

        // Processing: the instances that turned it into the output read
        // back, as the best source shows them.
        let mut processing = Derivation::default();
        let pick = |all: &Vec<Path>| all.iter().find(|h| h.output_at == *read_at).or(all.last()).cloned();
        let path = handled
            .get(input.id.as_str())
            .and_then(pick)
            .or_else(|| spans.get(input.id.as_str()).and_then(pick))
            .unwrap_or_else(|| {
                let key = outputs_at.get(read_at).cloned().flatten();
                paths::from_kafka(&observed, partition, offset, step, *read_at, key)
            });
        let h = &path;
        {
            // The commit also relies on the group's coordinator, which takes
            // the offset commit: crashed, the commit fails and the input is
            // processed again after a restart or rebalance. That matters
            // only to properties that count copies; for the others the
            // instance matters until the output is written.
            let last_commit = h.stage_commits.iter().map(|(_, _, t)| *t).fold(h.committed, u32::max);
            let until = if commits_count { h.output.max(last_commit) } else { h.output };
            let coordinator_fact = commits_count.then(|| Fact::alive(coordinator.clone(), h.committed));
            let up = |node: &str, t: u32| !down.contains(&(node.to_string(), t));
            let connected = |node: &str, t: u32| !cut_off.contains(&(node.to_string(), t));
            let mut commit_facts: Vec<Fact> = Vec::new();
            let mut consumed_facts: Vec<Fact> = Vec::new();
            if h.assumed {
                // Kafka alone: each candidate alive and connected both ways
                // at every step from the input's arrival to its output and
                // commit, except where this run shows it was not (it
                // survived those).
                for (node, from, _) in &h.holds {
                    for t in *from..=until {
                        if up(node, t) {
                            commit_facts.push(Fact::alive(instance(node), t));
                        }
                        if t <= h.output && connected(node, t) {
                            consumed_facts.push(Fact::link(instance(node), Peer::Brokers, t));
                            consumed_facts.push(Fact::link(Peer::Brokers, instance(node), t));
                        }
                    }
                }
            } else {
                // Seen: the reader from consume to commit, every other
                // instance the record passed (a repartition hop) from its
                // first to its last span, each connected when it took the
                // record.
                // In a chain the reader's part ends when it wrote the record
                // on to the next stage (and committed it), not at the output.
                let reader_end = match h.stage_commits.is_empty() {
                    true => h.output,
                    false => h.holds.iter().find(|(n, _, _)| *n == h.reader).map_or(h.output, |(_, _, to)| *to),
                };
                let reader_until = if commits_count { reader_end.max(h.committed) } else { reader_end };
                commit_facts.extend((h.consumed..=reader_until).map(|t| Fact::alive(instance(&h.reader), t)));
                consumed_facts.push(Fact::link(instance(&h.reader), Peer::Brokers, h.consumed));
                for (node, from, to) in h.holds.iter().filter(|(n, _, _)| *n != h.reader) {
                    commit_facts.extend((*from..=*to).map(|t| Fact::alive(instance(node), t)));
                    consumed_facts.push(Fact::link(instance(node), Peer::Brokers, *from));
                }
                // Each hop's write (a repartition topic, a chain's next
                // stage's input) went over its instance's link when it last
                // held the record; the output's own write is below.
                for (node, _, to) in h.holds.iter().filter(|(n, _, _)| *n != h.writer) {
                    consumed_facts.push(Fact::link(instance(node), Peer::Brokers, *to));
                }
            }
            commit_facts.extend(coordinator_fact);
            // A chain's later stages commit their own offsets, each through
            // its group's coordinator, the instance that read the record
            // there alive until then.
            if commits_count {
                for (reader, group, t) in &h.stage_commits {
                    commit_facts.push(Fact::alive(role(coordinator_role(group)), *t));
                    let Some(reader) = reader else { continue };
                    let from = h.holds.iter().find(|(n, _, _)| n == reader).map_or(*t, |(_, _, to)| *to);
                    commit_facts.extend((from..=*t).filter(|s| up(reader, *s)).map(|s| Fact::alive(instance(reader), s)));
                }
            }
            // A count kept only in the instance's memory (it restored no
            // state when it started) holds until the last count of its word
            // is written: crashed in between, the instance starts again from
            // zero and that later count misses this input. Kafka alone
            // cannot tell whether the app restores its state, so it is
            // assumed not to.
            let last_use = match h.source {
                Source::Events => h.key.as_ref().and_then(|k| in_memory.get(&(h.writer.clone(), k.clone()))).copied(),
                Source::OpenTelemetry => None,
                Source::Kafka if aggregates && !h.state_logged => h.key.as_ref().and_then(|k| last_output.get(k)).copied(),
                Source::Kafka => None,
            };
            let kept: Vec<Fact> = match last_use {
                Some(last) if last > until => h
                    .holds
                    .iter()
                    .flat_map(|(node, _, _)| (until + 1..=last).filter(|t| up(node, *t)).map(|t| Fact::alive(instance(node), t)))
                    .collect(),
                _ => vec![],
            };
            let output_role = role(Role::Leader { topic: output_topic.clone(), partition: h.output_at.0 });
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
            let mut output_facts = Vec::new();
            if !h.assumed {
                output_facts.push(Fact::link(instance(&h.writer), Peer::Brokers, h.output));
            }
            output_facts.push(Fact::link(output_role.clone(), Peer::Brokers, h.output));
            // An output its leader held alone: the high watermark passed
            // it a whole step or more after the step it was written in (the
            // followers could not fetch, and the producer did not wait for
            // them, as with acks=1). Until they had it, a crash of the
            // leader loses it: a clean election picks a follower still in
            // the ISR that lacks it. The app's acks setting is not visible;
            // the watermark is. One step of lag is the snapshot's timing (a
            // write after the step's snapshot is seen in the next).
            // No snapshot showing the watermark pass is no evidence either way.
            let replicated = observed.seen_written(&info.output_topic, h.output_at.0, h.output_at.1, h.output);
            if let Some(replicated) = replicated.filter(|r| *r > h.output + 1) {
                output_facts.extend((h.output + 1..=(replicated + 1).min(last_step)).map(|t| Fact::alive(output_role.clone(), t)));
            }
            if !h.assumed && h.consumed < h.output {
                output_facts.push(Fact::link(Peer::Brokers, instance(&h.writer), h.output));
            }
            // Internal topics (repartition, changelog) the record was written
            // to: their leaders took it, as the output's did.
            for (topic, p, t) in &h.internal {
                output_facts.push(Fact::link(role(Role::Leader { topic: topic.clone(), partition: *p }), Peer::Brokers, *t));
            }
            // A transactional write becomes visible, and its input's offset
            // committed, only when its transaction commits, through the
            // transaction's coordinator.
            if transactional {
                output_facts.extend(transaction_coordinators.iter().map(|node| Fact::alive(node.clone(), h.output)));
            }
            processing.extend(consumed_facts.iter().cloned());
            processing.extend(output_facts.iter().cloned());
            processing.extend(commit_facts.iter().cloned());
            processing.extend(kept.iter().cloned());
            let by = h.holds.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>().join(", ");
            let consumed_text = match h.source {
                Source::Kafka => format!("held by {by} (assumed: Kafka alone shows no path; every instance that could have held {}/{partition}, alive and connected at every step)", input_topic),
                Source::OpenTelemetry => format!("consumed by {} (OpenTelemetry spans; passed {by})", h.reader),
                Source::Events => format!("consumed by {}", h.reader),
            };
            trail.events.push((consumed_text, h.consumed, consumed_facts));
            trail.events.push((
                format!("output {}@{} written by {} to {output_role}", h.output_at.0, h.output_at.1, h.writer),
                h.output,
                output_facts,
            ));
            trail.events.push(if commits_count {
                (format!("input offset committed by {}", h.reader), h.committed, commit_facts)
            } else {
                (format!("{} up from consume to output (the commit does not matter to these properties)", h.reader), h.output, commit_facts)
            });
            if let Some(last) = kept.last() {
                let word = h.key.as_deref().unwrap_or_default();
                trail.events.push((
                    format!("counted in {}'s memory only (no restore seen), until the last count of {word:?}", h.writer),
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
pub(super) fn coordinator_role(group: &str) -> Role {
    Role::Coordinator { group: group.to_string() }
}

/// A pipeline instance the trace names (`pipeline-1`), as a node.
fn instance(name: &str) -> NodeId {
    NodeId::client(name)
}

/// Broker `id` of a snapshot, as a node. An id no broker can have (below
/// 1 or above 255: a hostile or damaged trace) keeps the trace's name as a
/// client's, so that it matches no broker the budget targets.
fn broker_node(id: i32) -> NodeId {
    u8::try_from(id).ok().filter(|b| *b >= 1).map_or_else(|| NodeId::client(format!("broker-{id}")), NodeId::Broker)
}

/// The (node, step) pairs this run shows a node down (crashed, stopped,
/// paused) and cut off (isolated): an assumed path leaves them out, since
/// the outcome survived them.
/// (node, step) pairs.
type NodeSteps = BTreeSet<(String, u32)>;

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
