//! One acknowledged input's outcome: where it (and what it met) was held
//! once acknowledged, and what its processing relied on, as the run's
//! best source of lineage shows it.

use std::collections::BTreeSet;

use super::build::{broker_node, coordinator_role, instance, Run};
use super::paths::{self, OutputAt, Path};
use super::{Derivation, Fact, Peer, Source, Trail};
use crate::checker::Input;
use crate::model::Role;

impl<'a> Run<'a> {
    /// Where an output is, as a trail says it: `partition@offset`, with
    /// its topic when the run has several.
    fn place(&self, at: &OutputAt) -> String {
        match self.info.more_outputs.is_empty() {
            true => format!("{}@{}", at.partition, at.offset),
            false => format!("{}/{}@{}", self.observed.names.scenario_topic(&at.topic), at.partition, at.offset),
        }
    }

    /// The outcome of one acknowledged input, if it was read back: its
    /// derivations (where the input, and what it met, was held, each
    /// joined with what its processing relied on) and its trail.
    pub fn outcome(&self, input: &'a Input) -> Option<(BTreeSet<Derivation>, Trail)> {
        let read_at = self.read.get(input.id.as_str())?;
        let (Some(partition), Some(offset), Some(step)) = (input.partition, input.offset, input.step.map(|s| self.clock.clamp(s))) else {
            return None;
        };
        // Its own topic: the input, or a side topic merged into it.
        let topic = self.info.input_topic_of(input);
        let base = self.observed.names.scenario_topic(topic);
        let leader_role = self.role(Role::Leader { topic: base.clone(), partition });
        let mut trail = Trail::default();
        trail.events.push((
            format!("{} produced to {} and acknowledged at offset {offset}", input.id, leader_role),
            step,
            vec![],
        ));
        let (mut durable, held, replicated) = self.durability(topic, &base, partition, offset, step);
        trail.events.push((held, replicated, durable.iter().flatten().cloned().collect()));
        // A join's output needs what it met as much as its own input: each
        // record met must be held too (every combination of where each
        // lives).
        if let (Some(side), Some(side_base)) = (self.info.side_topic.as_deref(), self.side_base.as_deref()) {
            for other in self.met(input) {
                let (Some(p), Some(o), Some(s)) = (other.partition, other.offset, other.step.map(|s| self.clock.clamp(s))) else { continue };
                let (held_there, text, at) = self.durability(side, side_base, p, o, s);
                trail.events.push((format!("met {} of {side_base}/{p}, {text}", other.id), at, held_there.iter().flatten().cloned().collect()));
                durable = durable
                    .iter()
                    .flat_map(|d| held_there.iter().map(move |h| d.union(h).cloned().collect::<Derivation>()))
                    .collect();
            }
        }

        // Processing: the instances that turned it into the output read
        // back, as the best source shows them.
        let pick = |all: &Vec<Path>| all.iter().find(|h| h.output_at == *read_at).or(all.last()).cloned();
        let path = self.handled
            .get(input.id.as_str())
            .and_then(pick)
            .or_else(|| self.spans.get(input.id.as_str()).and_then(pick))
            .unwrap_or_else(|| {
                let key = self.outputs_at.get(read_at).cloned().flatten();
                paths::from_kafka(self.observed, topic, partition, offset, step, read_at.clone(), key)
            });
        let mut processing = self.processing(&path, &base, partition, &mut trail);
        if self.event_time {
            let fetched = if path.assumed { path.committed.min(path.output) } else { path.consumed };
            processing.extend(self.fetched_in_time(&base, partition, step, fetched, &mut trail));
            if let (Some(side), Some(side_base)) = (self.info.side_topic.as_deref(), self.side_base.as_deref()) {
                for other in self.met(input) {
                    let (Some(p), Some(o), Some(s)) = (other.partition, other.offset, other.step.map(|s| self.clock.clamp(s))) else { continue };
                    // Fetched before its group committed past it, and
                    // before the output that needed it was written.
                    let fetched = self.observed.committed_in(&self.info.group, side, p, o, s).min(path.output);
                    processing.extend(self.fetched_in_time(side_base, p, s, fetched, &mut trail));
                }
            }
        }
        trail.events.push((format!("read by the checker at {}", self.place(read_at)), self.last_step, vec![]));

        let derivations = durable.into_iter().map(|d| d.union(&processing).cloned().collect()).collect();
        Some((derivations, trail))
    }

    /// Where an acknowledged record of `topic` (as the run names it;
    /// `base` as the scenario does) lives, as alternatives: the leader from
    /// the ack on, or each follower of the ISR. With the sentence for its
    /// trail, and the step it was replicated by.
    pub fn durability(&self, topic: &str, base: &str, partition: i32, offset: i64, step: u32) -> (Vec<Derivation>, String, u32) {
        let leader_role = self.role(Role::Leader { topic: base.to_string(), partition });
        let state = self.before(step).and_then(|s| s.partition(topic, partition));
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
        let replicated = if self.acks_one { self.observed.written_by(topic, partition, offset, step) } else { step };
        let mut durable: Vec<Derivation> = Vec::new();
        if leader.is_some_and(|l| isr.contains(&l)) || isr.is_empty() {
            durable.push((step + 1..=replicated + 1).map(|t| Fact::alive(leader_role.clone(), t)).collect());
        }
        let followers: Vec<i32> = isr.iter().copied().filter(|b| Some(*b) != leader).collect();
        if self.acks_one && !followers.is_empty() {
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
                if self.leader_alone {
                    held.insert(Fact::link(leader_role.clone(), Peer::Brokers, step));
                }
                durable.push(held.into());
            }
        }
        let how = if self.acks_one { "acks=1, replicated" } else { "acks=all" };
        if durable.is_empty() {
            durable.push(Derivation::default());
        }
        (durable, format!("held by the leader and sent to the ISR {isr:?} ({how} at step {replicated})"), replicated)
    }

    /// For properties judged by event time (`Run::event_time`): a record of
    /// `base`'s `partition`, acknowledged at `acked`, relied on its
    /// partition's leader being up and connected to the other brokers from
    /// then until it was fetched (`fetched`, no earlier than `acked`). A
    /// leader lost or cut off in between stalls that fetch while other
    /// partitions go on; its replicas keep the record, not its time.
    fn fetched_in_time(&self, base: &str, partition: i32, acked: u32, fetched: u32, trail: &mut Trail) -> Vec<Fact> {
        let leader = self.role(Role::Leader { topic: base.to_string(), partition });
        let facts: Vec<Fact> = (acked..=fetched.max(acked))
            .flat_map(|t| [Fact::alive(leader.clone(), t), Fact::link(leader.clone(), Peer::Brokers, t)])
            .collect();
        trail.events.push((
            format!("fetched from {leader} in time (judged by event time: a stalled fetch lets other partitions pass it)"),
            fetched.max(acked),
            facts.clone(),
        ));
        facts
    }

    /// The side topic's records a join's output of `input` met: the row
    /// its key had (a table), every partner within the window (a stream),
    /// or the other table's last row of its key (a table–table join, whose
    /// final value of the key joins it).
    pub fn met(&self, input: &'a Input) -> Vec<&'a Input> {
        let ts = |i: &Input| i.timestamp_ms.unwrap_or_default();
        let same_key = self.history.side_inputs.iter().filter(|s| s.acked && s.key == input.key);
        if self.info.properties.iter().any(|p| p == "table-join") {
            same_key.filter(|s| ts(s) < ts(input)).max_by_key(|s| (ts(s), s.offset)).into_iter().collect()
        } else if self.info.properties.iter().any(|p| p == "stream-join") {
            let window = self.info.checker.join_window_millis.and_then(|w| i64::try_from(w).ok()).unwrap_or(0);
            same_key.filter(|s| (ts(s) - ts(input)).abs() <= window).collect()
        } else if self.info.properties.iter().any(|p| p == "table-table-join") {
            same_key.max_by_key(|s| (s.partition, s.offset)).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// What turning `h`'s input (of partition `partition` of `base`, the
    /// input as the scenario names it, or a side topic merged into it) into its
    /// output relied on: the instances that held it, their links, the
    /// output's write and acknowledgement, the commit and any state kept
    /// in memory; each part also told in `trail`.
    fn processing(&self, h: &Path, base: &str, partition: i32, trail: &mut Trail) -> Derivation {
        // The commit also relies on the group's coordinator, which takes
        // the offset commit: crashed, the commit fails and the input is
        // processed again after a restart or rebalance. That matters
        // only to properties that count copies; for the others the
        // instance matters until the output is written.
        let last_commit = h.stage_commits.iter().map(|(_, _, t)| *t).fold(h.committed, u32::max);
        let until = if self.commits_count { h.output.max(last_commit) } else { h.output };
        let (consumed_facts, mut commit_facts) = self.held(h, until);
        commit_facts.extend(self.commits_count.then(|| Fact::alive(self.coordinator.clone(), h.committed)));
        commit_facts.extend(self.stage_commits(h));
        let kept = self.kept(h, until);
        let (output_role, output_facts) = self.written(h);
        let mut processing = Derivation::default();
        processing.extend(consumed_facts.iter().cloned());
        processing.extend(output_facts.iter().cloned());
        processing.extend(commit_facts.iter().cloned());
        processing.extend(kept.iter().cloned());
        let by = h.holds.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>().join(", ");
        let consumed_text = match h.source {
            Source::Kafka => format!("held by {by} (assumed: Kafka alone shows no path; every instance that could have held {base}/{partition}, alive and connected at every step)"),
            Source::OpenTelemetry => format!("consumed by {} (OpenTelemetry spans; passed {by})", h.reader),
            Source::Events => format!("consumed by {}", h.reader),
        };
        trail.events.push((consumed_text, h.consumed, consumed_facts));
        trail.events.push((
            format!("output {} written by {} to {output_role}", self.place(&h.output_at), h.writer),
            h.output,
            output_facts,
        ));
        trail.events.push(if self.commits_count {
            (format!("input offset committed by {}", h.reader), h.committed, commit_facts)
        } else {
            (format!("{} up from consume to output (these properties need the input until its output is written; a commit that fails only makes copies)", h.reader), h.output, commit_facts)
        });
        if let Some(last) = kept.last() {
            let word = h.key.as_deref().unwrap_or_default();
            trail.events.push((
                format!("counted in {}'s memory only (no restore seen), until the last count of {word:?}", h.writer),
                until + kept.len() as u32,
                vec![last.clone()],
            ));
        }
        processing
    }

    /// Whether `node` was up, and connected, at step `t` of this run.
    fn up(&self, node: &str, t: u32) -> bool {
        !self.down.contains(&(node.to_string(), t))
    }

    fn connected(&self, node: &str, t: u32) -> bool {
        !self.cut_off.contains(&(node.to_string(), t))
    }

    /// The instances that held the input until `until`: their links when
    /// they took and passed it on (the first part), and their being alive
    /// (the second, with the commit's facts).
    fn held(&self, h: &Path, until: u32) -> (Vec<Fact>, Vec<Fact>) {
        let mut commit_facts: Vec<Fact> = Vec::new();
        let mut consumed_facts: Vec<Fact> = Vec::new();
        if h.assumed {
            // Kafka alone: each candidate alive and connected both ways
            // at every step from the input's arrival to its output and
            // commit, except where this run shows it was not (it
            // survived those).
            for (node, from, _) in &h.holds {
                for t in *from..=until {
                    if self.up(node, t) {
                        commit_facts.push(Fact::alive(instance(node), t));
                    }
                    if t <= h.output && self.connected(node, t) {
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
            let reader_until = if self.commits_count { reader_end.max(h.committed) } else { reader_end };
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
        (consumed_facts, commit_facts)
    }

    /// A chain's later stages commit their own offsets, each through its
    /// group's coordinator, the instance that read the record there alive
    /// until then.
    fn stage_commits(&self, h: &Path) -> Vec<Fact> {
        let mut commit_facts = Vec::new();
        if self.commits_count {
            for (reader, group, t) in &h.stage_commits {
                commit_facts.push(Fact::alive(self.role(coordinator_role(group)), *t));
                let Some(reader) = reader else { continue };
                let from = h.holds.iter().find(|(n, _, _)| n == reader).map_or(*t, |(_, _, to)| *to);
                commit_facts.extend((from..=*t).filter(|s| self.up(reader, *s)).map(|s| Fact::alive(instance(reader), s)));
            }
        }
        commit_facts
    }

    /// A count kept only in the instance's memory (it restored no state
    /// when it started) holds until the last count of its word is written:
    /// crashed in between, the instance starts again from zero and that
    /// later count misses this input. Kafka alone cannot tell whether the
    /// app restores its state, so it is assumed not to.
    fn kept(&self, h: &Path, until: u32) -> Vec<Fact> {
        let last_use = match h.source {
            Source::Events => h.key.as_ref().and_then(|k| self.in_memory.get(&(h.writer.clone(), k.clone()))).copied(),
            Source::OpenTelemetry => None,
            Source::Kafka if self.aggregates && !h.state_logged => h.key.as_ref().and_then(|k| self.last_output.get(k)).copied(),
            Source::Kafka => None,
        };
        match last_use {
            Some(last) if last > until => h
                .holds
                .iter()
                .flat_map(|(node, _, _)| (until + 1..=last).filter(|t| self.up(node, *t)).map(|t| Fact::alive(instance(node), t)))
                .collect(),
            _ => vec![],
        }
    }

    /// The output's write and what it relied on: the write, its
    /// acknowledgement coming back, its leader holding it until replicated,
    /// the internal topics it passed and its transaction's commit.
    fn written(&self, h: &Path) -> (crate::model::NodeId, Vec<Fact>) {
        let topic = self.observed.names.scenario_topic(&h.output_at.topic);
        let output_role = self.role(Role::Leader { topic, partition: h.output_at.partition });
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
        let replicated = self.observed.seen_written(&h.output_at.topic, h.output_at.partition, h.output_at.offset, h.output);
        if let Some(replicated) = replicated.filter(|r| *r > h.output + 1) {
            output_facts.extend((h.output + 1..=(replicated + 1).min(self.last_step)).map(|t| Fact::alive(output_role.clone(), t)));
        }
        if !h.assumed && h.consumed < h.output {
            output_facts.push(Fact::link(Peer::Brokers, instance(&h.writer), h.output));
        }
        // Internal topics (repartition, changelog) the record was written
        // to: their leaders took it, as the output's did.
        for (topic, p, t) in &h.internal {
            output_facts.push(Fact::link(self.role(Role::Leader { topic: topic.clone(), partition: *p }), Peer::Brokers, *t));
        }
        // A transactional write becomes visible, and its input's offset
        // committed, only when its transaction commits, through the
        // transaction's coordinator.
        if self.transactional {
            output_facts.extend(self.transaction_coordinators.iter().map(|node| Fact::alive(node.clone(), h.output)));
        }
        (output_role, output_facts)
    }
}
