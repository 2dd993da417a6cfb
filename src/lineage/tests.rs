//! The lineage of hand-written traces, taken through the whole backward
//! step (space, solver, fault plan) without a cluster: Molly's Kafka
//! examples. A record on three in-sync replicas needs three crashes; with
//! acks=1 the cut of the leader from its followers, or of one follower that
//! stays in the ISR, plus the leader's crash one step later lose it; a lost produce response to the pipeline is a
//! one-way cut of the brokers' packets to the instance, and an output
//! acknowledgement held up is a cut of the output leader's followers. A
//! commit relies on the group's coordinator, named by the scenario's group.

use std::collections::BTreeSet;

use super::*;
use crate::search::{realize, space, Windows};
use crate::model::snapshot::GroupState;
use crate::model::{role, Fault, NodeId, Role, Snapshot};
use crate::run::RunNames;
use crate::scenario::Scenario;
use crate::solver::testing::{alive, crash, link, omission};
use crate::solver::{FaultVar, Peer, Solver, Z3Solver};
use crate::trace::{Event, TraceLine};

const T0: u64 = 1_000_000;

/// One record, `in-1`, produced at step 0 to input/0 (leader 1, ISR 1,2,3),
/// copied by pipeline-1 during step 0 and read back by the checker.
fn one_record_run(acks: &str) -> Vec<TraceLine> {
    let snapshot = |hw: i64| {
        format!(
            r#"{{"partitions":[{{"topic":"input.c-r0","partition":0,"leader":1,"replicas":[1,2,3],"isr":[1,2,3],"high_watermark":{hw}}}]}}"#
        )
    };
    let lines = [
        format!(
            r#"{{"time_ms":{T0},"source":"harness","type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":{{"seed":1,"faults":[]}},"input_topic":"input.c-r0","output_topic":"output.c-r0","group":"s-group.c-r0","properties":["no-lost-acked","no-duplicates"],"read_committed":false,"acks":"{acks}"}}"#
        ),
        format!(r#"{{"time_ms":{},"source":"harness","type":"snapshot","snapshot":{}}}"#, T0 + 1, snapshot(0)),
        format!(r#"{{"time_ms":{},"source":"harness","step":0,"type":"step","step_index":0}}"#, T0 + 10),
        format!(
            r#"{{"time_ms":{},"source":"workload","step":0,"type":"produced","id":"in-1","key":"k1","value":"w1","topic":"input.c-r0","partition":0,"offset":0,"leader":1,"error":null}}"#,
            T0 + 20
        ),
        format!(r#"{{"time_ms":{},"source":"pipeline-1","type":"consumed","topic":"input.c-r0","partition":0,"offset":0,"ids":["in-1"]}}"#, T0 + 30),
        format!(r#"{{"time_ms":{},"source":"pipeline-1","type":"output","topic":"output.c-r0","partition":2,"offset":0,"ids":["in-1"]}}"#, T0 + 40),
        format!(r#"{{"time_ms":{},"source":"pipeline-1","type":"committed","topic":"input.c-r0","partition":0,"offset":1}}"#, T0 + 50),
        format!(r#"{{"time_ms":{},"source":"harness","type":"snapshot","snapshot":{}}}"#, T0 + 900, snapshot(1)),
        format!(r#"{{"time_ms":{},"source":"harness","step":1,"type":"step","step_index":1}}"#, T0 + 1000),
        format!(
            r#"{{"time_ms":{},"source":"harness","type":"checker_read","topic":"output.c-r0","partition":2,"offset":0,"key":"k1","value":"w1","ids":["in-1"]}}"#,
            T0 + 2000
        ),
    ];
    lines.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn scenario(kinds: &str, max_crashes: u32, max_partitions: u32, targets: &str) -> Scenario {
    let text = format!(
        r#"name = "s"
[[topics]]
name = "input"
[[topics]]
name = "output"
[pipeline]
kind = "copy"
input = "input"
output = "output"
[workload]
records_per_step = 1
[faults]
eot = 3
eff = 3
max_crashes = {max_crashes}
max_partitions = {max_partitions}
kinds = {kinds}
targets = {targets}
"#
    );
    Scenario::parse(std::path::Path::new("test.toml"), &text).expect("valid scenario")
}

fn first_hypotheses(lines: &[TraceLine], scenario: &Scenario, limit: usize) -> Vec<crate::solver::Hypothesis> {
    let model = build(lines).expect("lineage");
    let space = space(scenario, &model);
    Z3Solver.hypotheses(&model, &space, &[], &[], limit).expect("solver")
}

#[test]
fn an_acked_record_has_one_derivation_per_isr_member_times_its_processing_path() {
    let model = build(&one_record_run("all")).unwrap();
    let derivations = &model.outcomes["r:in-1"];
    assert_eq!(derivations.len(), 3);
    let leader = alive("leader(input/0)", 1);
    assert!(derivations.iter().any(|d| d.contains(&leader)), "{derivations:?}");
    let follower = alive("broker-2", 0);
    let sent = link("leader(input/0)", "brokers", 0);
    assert!(derivations.iter().any(|d| d.contains(&follower) && d.contains(&sent)));
    let processed = alive("pipeline-1", 0);
    assert!(derivations.iter().all(|d| d.contains(&processed)));
    // The output's answer is a fact once the output is written a step after
    // its input came (in the same step, see below).
    let late = build(&written_a_step_later(one_record_run("all"))).unwrap();
    let acked = link("brokers", "pipeline-1", 1);
    assert!(late.outcomes["r:in-1"].iter().all(|d| d.contains(&acked)));
    assert!(derivations.iter().all(|d| d.iter().all(|f| !matches!(f, Fact::Link { to, .. } if to.to_string() == "pipeline-1"))));
}

#[test]
fn a_record_on_three_in_sync_replicas_needs_three_crashes() {
    let brokers = r#"["broker-1", "broker-2", "broker-3"]"#;
    let lines = one_record_run("all");
    // One crash of the coordinator during the commit cuts the processing
    // path; the record itself needs one crash per replica.
    let on_replicas = |found: Vec<crate::solver::Hypothesis>| {
        found.into_iter().filter(|h| !h.contains(&crash("coordinator(s-group)", 0))).collect::<Vec<_>>()
    };
    assert!(on_replicas(first_hypotheses(&lines, &scenario(r#"["crash"]"#, 2, 0, brokers), 10)).is_empty());
    let found = on_replicas(first_hypotheses(&lines, &scenario(r#"["crash"]"#, 3, 0, brokers), 10));
    assert!(!found.is_empty());
    assert!(found.iter().all(|h| h.len() == 3), "{found:?}");
}

#[test]
fn acks_one_is_broken_by_a_cut_then_the_crash_of_the_leader() {
    let brokers = r#"["broker-1", "broker-2", "broker-3"]"#;
    let scenario = scenario(r#"["crash", "cut"]"#, 1, 1, brokers);
    let found = first_hypotheses(&one_record_run("1"), &scenario, 10);
    let expected: crate::solver::Hypothesis = [
        crash("leader(input/0)", 1),
        omission("leader(input/0)", "brokers", 0),
    ]
    .into_iter()
    .collect();
    // Single faults of their own come first: the output's acknowledgement
    // (its leader cut from its followers) and the coordinator's crash
    // during the commit. The input's durability needs two.
    let single = |h: &&crate::solver::Hypothesis| h.len() == 1;
    let text = |h: &crate::solver::Hypothesis| h.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let singles: Vec<String> = found.iter().filter(single).map(text).collect();
    assert!(singles.iter().any(|h| h.contains("leader(output/2)")), "{found:?}");
    assert!(singles.iter().any(|h| h == "crash coordinator(s-group) @0"), "{found:?}");
    assert!(found.contains(&expected), "{found:?}");
    // The other acks=1 loss: a follower cut off stays in the ISR, the leader
    // crashes, the lagging follower is elected and the others truncate.
    let lagging: crate::solver::Hypothesis = [
        crash("leader(input/0)", 1),
        omission("broker-2", "brokers", 0),
    ]
    .into_iter()
    .collect();
    assert!(found.contains(&lagging), "{found:?}");
    // Neither cut alone breaks it: the leader still holds the record.
    assert!(!singles.iter().any(|h| h.contains("input/0") || h.contains("broker-2")), "{singles:?}");
    let pairs: Vec<&crate::solver::Hypothesis> = found.iter().filter(|h| !single(h)).collect();
    assert!(pairs.iter().all(|h| h.contains(&crash("leader(input/0)", 1))), "{pairs:?}");
    let plan = realize(&expected, &scenario, Windows::default(), 7).unwrap();
    assert_eq!(plan.to_string(), "crash leader(input/0) over steps 1..3; cut {leader(input/0)} from {followers(input/0)} over steps 0..2");
}

#[test]
fn a_lost_produce_response_is_a_one_way_cut_towards_the_instance() {
    let scenario = scenario(r#"["one-way-cut"]"#, 0, 1, r#"["pipeline-1"]"#);
    // Consumed at step 0, written at step 1: the write waits for its answer.
    let late = written_a_step_later(one_record_run("all"));
    let found = first_hypotheses(&late, &scenario, 10);
    let response = omission("brokers", "pipeline-1", 1);
    let hypothesis = found.iter().find(|h| h.contains(&response)).expect("the lost response is proposed");
    let plan = realize(hypothesis, &scenario, Windows::default(), 7).unwrap();
    assert!(matches!(&plan.faults[0].fault, Fault::OneWayCut { to, .. } if to.len() == 1 && to[0].to_string() == "pipeline-1"));
    // Without one-way cuts, responses are not a variable of their own.
    let two_way = scenario_with_cut();
    assert!(!first_hypotheses(&late, &two_way, 10).iter().any(|h| h.contains(&response)));
}

#[test]
fn a_response_cut_in_the_step_the_input_came_only_holds_the_input_back() {
    // Consumed and written in step 0: the input came over the link the
    // answer would take, earlier in the step. Cut from the step's start,
    // the input waits in the log; nothing is written until the heal.
    let scenario = scenario(r#"["one-way-cut"]"#, 0, 1, r#"["pipeline-1"]"#);
    let found = first_hypotheses(&one_record_run("all"), &scenario, 10);
    let towards_instance = |h: &crate::solver::Hypothesis| {
        h.iter().any(|v| matches!(v, FaultVar::Omission { from: Peer::Brokers, to, .. } if to.to_string() == "pipeline-1"))
    };
    assert!(!found.is_empty());
    assert!(!found.iter().any(towards_instance), "{found:?}");
}

/// `lines` with the instance's output and commit moved one step later.
fn written_a_step_later(lines: Vec<TraceLine>) -> Vec<TraceLine> {
    let mut lines: Vec<TraceLine> = lines
        .into_iter()
        .map(|mut l| {
            if matches!(l.event, Event::Output { .. } | Event::Committed { .. }) {
                l.time_ms += 1000;
            }
            l
        })
        .collect();
    lines.sort_by_key(|l| l.time_ms);
    lines
}

#[test]
fn an_output_waiting_for_its_followers_is_a_cut_of_the_output_leader() {
    // Cut longer than the request timeout, the write already appended is
    // answered with a timeout and sent again: a duplicate unless the
    // producer is idempotent.
    let scenario = scenario(r#"["one-way-cut"]"#, 0, 1, r#"["broker-1", "broker-2", "broker-3"]"#);
    let found = first_hypotheses(&one_record_run("all"), &scenario, 10);
    let expected: crate::solver::Hypothesis =
        [omission("leader(output/2)", "brokers", 0)].into_iter().collect();
    assert_eq!(found.first(), Some(&expected), "{found:?}");
    let plan = realize(&expected, &scenario, Windows::default(), 7).unwrap();
    assert_eq!(plan.to_string(), "drop packets from {leader(output/2)} to {followers(output/2)} over steps 0..2");
}

fn scenario_with_cut() -> Scenario {
    scenario(r#"["cut"]"#, 0, 1, r#"["pipeline-1"]"#)
}

/// `one_record_run`, with the input offset committed two steps after the
/// copy (a slow commit interval): the commit lands in step 2.
fn late_commit_run() -> Vec<TraceLine> {
    let mut lines = one_record_run("all");
    for line in &mut lines {
        match line.event {
            Event::Committed { .. } => line.time_ms = T0 + 2050,
            Event::CheckerRead { .. } => line.time_ms = T0 + 3000,
            _ => {}
        }
    }
    let event = Event::Step { step_index: 2 };
    lines.push(TraceLine { time_ms: T0 + 2000, source: "harness".into(), step: Some(2), event });
    lines.sort_by_key(|l| l.time_ms);
    lines
}

#[test]
fn the_coordinator_role_is_named_by_the_scenario_group_not_the_run_group() {
    assert_eq!(NodeId::Role(build::coordinator_role("s-group")).to_string(), "coordinator(s-group)");
    let model = build(&one_record_run("all")).unwrap();
    let coordinator = alive("coordinator(s-group)", 0);
    assert!(model.outcomes["r:in-1"].iter().all(|d| d.contains(&coordinator)), "{:?}", model.outcomes);
    let names = model.outcomes.values().flatten().flatten().map(|f| f.to_string()).collect::<Vec<_>>();
    assert!(!names.iter().any(|n| n.contains("c-r0")), "{names:?}");
    let events = &model.trails["r:in-1"].events;
    let (_, _, facts) = events.iter().find(|(e, _, _)| e.starts_with("input offset committed")).unwrap();
    assert!(facts.contains(&coordinator), "{facts:?}");
}

#[test]
fn a_late_commit_is_broken_by_a_crash_of_the_coordinator_alone() {
    let brokers = r#"["broker-1", "broker-2", "broker-3"]"#;
    let scenario = scenario(r#"["crash"]"#, 1, 0, brokers);
    let found = first_hypotheses(&late_commit_run(), &scenario, 10);
    let expected: crate::solver::Hypothesis = [crash("coordinator(s-group)", 2)].into_iter().collect();
    assert_eq!(found, vec![expected.clone()]);
    let plan = realize(&expected, &scenario, Windows::default(), 7).unwrap();
    assert_eq!(plan.to_string(), "crash coordinator(s-group) over steps 2..3");
    // The nemesis resolves it, mapping the scenario's group to the run's.
    let Fault::Crash { node: NodeId::Role(coordinator @ Role::Coordinator { group }) } = &plan.faults[0].fault else {
        panic!("{plan}")
    };
    assert_eq!(*group, scenario.pipeline.group);
    let names = RunNames::suffixed("c", "r0", "g");
    let snapshot = Snapshot {
        groups: vec![GroupState { group: "s-group.c-r0".into(), coordinator: Some(2), ..Default::default() }],
        ..Default::default()
    };
    let resolved = role::resolve_role(coordinator, &snapshot, &|t| names.topic(t), &|g| names.group(g)).unwrap();
    assert_eq!(resolved, vec![NodeId::broker(2)]);
}

#[test]
fn a_budget_of_pauses_realizes_a_node_down_as_a_pause() {
    let scenario = scenario(r#"["pause"]"#, 3, 0, r#"["broker-1", "broker-2", "broker-3"]"#);
    let found = first_hypotheses(&one_record_run("all"), &scenario, 50);
    let three = found.iter().find(|h| h.len() == 3).expect("three pauses take the record's replicas down");
    let plan = realize(three, &scenario, Windows::default(), 7).unwrap();
    assert!(plan.faults.iter().all(|f| matches!(f.fault, Fault::Pause { .. })), "{plan}");
}

#[test]
fn properties_that_do_not_count_copies_leave_the_commit_out() {
    // The same late commit, checked only for loss and order: the
    // coordinator cannot break either, and the instance matters until the
    // output is written (step 0), not until the commit (step 2).
    let lines: Vec<TraceLine> = late_commit_run()
        .into_iter()
        .map(|mut line| {
            if let Event::RunStarted { properties, .. } = &mut line.event {
                *properties = vec!["no-lost-acked".into(), "per-key-order".into()];
            }
            line
        })
        .collect();
    let model = build(&lines).unwrap();
    let facts: BTreeSet<&Fact> = model.outcomes["r:in-1"].iter().flatten().collect();
    assert!(facts.iter().all(|f| !f.to_string().starts_with("coordinator(")), "{facts:?}");
    assert!(facts.contains(&alive("pipeline-1", 0)), "{facts:?}");
    assert!(!facts.contains(&alive("pipeline-1", 2)), "{facts:?}");
    // With a property that counts copies, both are back.
    let counted = build(&late_commit_run()).unwrap();
    let facts: BTreeSet<&Fact> = counted.outcomes["r:in-1"].iter().flatten().collect();
    assert!(facts.contains(&alive("coordinator(s-group)", 2)), "{facts:?}");
    assert!(facts.contains(&alive("pipeline-1", 2)), "{facts:?}");
}

#[test]
fn at_min_isr_two_a_cut_leader_cannot_acknowledge_alone() {
    // acks=all and min ISR 1: the leader cut off, then crashed, loses what
    // it acknowledged alone (the unclean-election shape). At min ISR 2 the
    // cut stops the acknowledgements: the followers hold every acked record.
    let brokers = r#"["broker-1", "broker-2", "broker-3"]"#;
    let scenario = scenario(r#"["crash", "cut"]"#, 1, 1, brokers);
    let pair: crate::solver::Hypothesis =
        [crash("leader(input/0)", 1), omission("leader(input/0)", "brokers", 0)]
            .into_iter()
            .collect();
    let with_min_isr = |m: u32| -> Vec<TraceLine> {
        one_record_run("all")
            .into_iter()
            .map(|mut line| {
                if let Event::RunStarted { input_min_isr, .. } = &mut line.event {
                    *input_min_isr = Some(m);
                }
                line
            })
            .collect()
    };
    assert!(first_hypotheses(&with_min_isr(1), &scenario, 50).contains(&pair));
    let found = first_hypotheses(&with_min_isr(2), &scenario, 50);
    assert!(!found.iter().any(|h| h.contains(&crash("leader(input/0)", 1))), "{found:?}");
}

/// `one_record_run` checked for word counts: `in-1` counted as `w1` at
/// step 0, and a later count of `w1` (for `in-2`) written at step 2.
fn counted_twice_run(restored: bool) -> Vec<TraceLine> {
    let mut lines: Vec<TraceLine> = one_record_run("all")
        .into_iter()
        .map(|mut line| {
            match &mut line.event {
                Event::RunStarted { properties, .. } => *properties = vec!["word-counts".into()],
                Event::Output { key, .. } => *key = Some("w1".into()),
                Event::CheckerRead { .. } => line.time_ms = T0 + 3000,
                _ => {}
            }
            line
        })
        .collect();
    let later = Event::Output { topic: "output.c-r0".into(), partition: 2, offset: 1, ids: vec!["in-2".into()], key: Some("w1".into()) };
    lines.push(TraceLine { time_ms: T0 + 2040, source: "pipeline-1".into(), step: None, event: later });
    lines.push(TraceLine { time_ms: T0 + 2000, source: "harness".into(), step: Some(2), event: Event::Step { step_index: 2 } });
    if restored {
        lines.push(TraceLine { time_ms: T0 + 5, source: "pipeline-1".into(), step: None, event: Event::Restored { entries: 0 } });
    }
    lines.sort_by_key(|l| l.time_ms);
    lines
}

#[test]
fn a_count_kept_only_in_memory_relies_on_its_instance_until_the_last_count_of_its_word() {
    // No restore traced: a crash at step 1 or 2 restarts the count of w1
    // from zero, and the count written at 2 misses in-1.
    let model = build(&counted_twice_run(false)).unwrap();
    for step in 0..=2 {
        let alive = alive("pipeline-1", step);
        assert!(model.outcomes["r:in-1"].iter().all(|d| d.contains(&alive)), "step {step}: {:?}", model.outcomes);
    }
    let events = &model.trails["r:in-1"].events;
    assert!(events.iter().any(|(e, step, _)| e.contains("memory only") && *step == 2), "{events:?}");
    let scenario = scenario(r#"["crash"]"#, 1, 0, r#"["pipeline-1"]"#);
    let found = first_hypotheses(&counted_twice_run(false), &scenario, 10);
    assert!(found.contains(&[crash("pipeline-1", 2)].into_iter().collect()), "{found:?}");
    // An instance that restored its counts at start keeps them in the
    // changelog too: after its commit it no longer matters.
    let restored = build(&counted_twice_run(true)).unwrap();
    let late = alive("pipeline-1", 2);
    assert!(!restored.outcomes["r:in-1"].iter().any(|d| d.contains(&late)), "{:?}", restored.outcomes);
}

/// The exploit: a pipeline's output line at step 4,000,000,000 made the
/// memory-only count rely on its instance at every step up to it, and the
/// lineage allocate by that number. A step is never past the harness's
/// last boundary's next (the drain), whatever a line says.
#[test]
fn a_step_a_pipeline_names_does_not_set_how_many_steps_lineage_builds() {
    let mut lines = counted_twice_run(false);
    let last = lines.iter_mut().rev().find(|l| matches!(l.event, Event::Output { .. })).unwrap();
    last.step = Some(4_000_000_000);
    let model = build(&lines).unwrap();
    let facts: BTreeSet<&Fact> = model.outcomes["r:in-1"].iter().flatten().collect();
    assert!(facts.len() < 50, "{facts:?}");
    assert!(facts.iter().all(|f| matches!(f, Fact::Alive { step, .. } | Fact::Link { step, .. } if *step <= 3)), "{facts:?}");
}

#[test]
fn a_lone_broker_is_named_as_itself_in_place_of_every_role() {
    let mut lines = one_record_run("all");
    for line in &mut lines {
        if let Event::Snapshot { snapshot, .. } = &mut line.event {
            snapshot.brokers = vec![1];
        }
    }
    let model = build(&lines).unwrap();
    let names: BTreeSet<String> = model.outcomes.values().flatten().flatten().map(|f| f.to_string()).collect();
    assert!(names.iter().any(|n| n.contains("broker-1")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("leader(") || n.contains("coordinator(")), "{names:?}");
    // With three brokers seen, the roles stay.
    let three = build(&one_record_run("all")).unwrap();
    let roles = three.outcomes.values().flatten().flatten().filter(|f| f.to_string().contains("leader(input/0)")).count();
    assert!(roles > 0);
}

/// `one_record_run` as an unmodified pipeline leaves it: no events of its
/// own, only the harness's record of where its instance is.
fn without_pipeline_events(acks: &str) -> Vec<TraceLine> {
    let mut lines: Vec<TraceLine> = one_record_run(acks).into_iter().filter(|l| l.source != "pipeline-1").collect();
    let address = r#"{"time_ms":1000002,"source":"harness","step":0,"type":"node_address","node":"pipeline-1","address":"10.213.0.102"}"#;
    lines.insert(1, serde_json::from_str(address).expect("line"));
    lines
}

#[test]
fn kafka_alone_assumes_the_instance_needed_from_ack_to_output_and_commit() {
    let lines = without_pipeline_events("all");
    let model = build(&lines).expect("lineage");
    let derivations = &model.outcomes["r:in-1"];
    for d in derivations {
        assert!(d.contains(&alive("pipeline-1", 0)), "{d:?}");
        assert!(d.contains(&link("brokers", "pipeline-1", 0)), "{d:?}");
    }
    let trail = &model.trails["r:in-1"];
    assert!(trail.events.iter().any(|(text, _, _)| text.contains("assumed")), "{trail:?}");
    // So the solver hypothesises the instance's crash, which the broker
    // facts alone never did.
    let crash = scenario(r#"["crash"]"#, 1, 0, r#"["broker-1", "pipeline-1"]"#);
    let first = first_hypotheses(&lines, &crash, 10);
    assert!(first.iter().any(|h| h.iter().any(|v| v.to_string().contains("pipeline-1"))), "{first:?}");
}

#[test]
fn an_assumed_path_leaves_out_the_steps_the_run_survived_a_crash_over() {
    let mut lines = without_pipeline_events("all");
    let crash = |kind: &str, t: u64| -> TraceLine {
        serde_json::from_str(&format!(
            r#"{{"time_ms":{t},"source":"harness","step":0,"type":"{kind}","fault":{{"kind":"crash","node":"pipeline-1"}}}}"#
        ))
        .expect("line")
    };
    lines.insert(2, crash("fault_applied", T0 + 5));
    lines.push(crash("fault_healed", T0 + 1500));
    let model = build(&lines).expect("lineage");
    for d in &model.outcomes["r:in-1"] {
        assert!(!d.contains(&alive("pipeline-1", 0)), "{d:?}");
    }
}

#[test]
fn spans_show_the_path_through_internal_topics() {
    let mut lines = without_pipeline_events("all");
    let span = |id: &str, parent: &str, op: &str, topic: &str, partition: i32, offset: i64, t: u64| -> TraceLine {
        serde_json::from_str(&format!(
            r#"{{"time_ms":{t},"source":"otlp","type":"span","service":"pipeline-1","trace_id":"aa","span_id":"{id}","parent_span_id":"{parent}","name":"{topic} {op}","operation":"{op}","topic":"{topic}","partition":{partition},"offset":{offset},"start_ms":{},"end_ms":{t}}}"#,
            t - 2
        ))
        .expect("span")
    };
    lines.push(span("01", "00", "process", "input.c-r0", 0, 0, T0 + 30));
    lines.push(span("02", "01", "publish", "s-group.c-r0-store-repartition", 1, 5, T0 + 32));
    lines.push(span("03", "02", "publish", "output.c-r0", 2, 0, T0 + 40));
    lines.sort_by_key(|l| l.time_ms);
    let model = build(&lines).expect("lineage");
    let repartition = link("leader(s-group-store-repartition/1)", "brokers", 0);
    for d in &model.outcomes["r:in-1"] {
        assert!(d.contains(&repartition), "{d:?}");
        assert!(d.contains(&link("pipeline-1", "brokers", 0)), "{d:?}");
    }
    let trail = &model.trails["r:in-1"];
    assert!(trail.events.iter().any(|(text, _, _)| text.contains("OpenTelemetry")), "{trail:?}");
    assert!(!trail.events.iter().any(|(text, _, _)| text.contains("assumed")), "{trail:?}");
}

/// `one_record_run` whose snapshots list a transaction of the pipeline
/// (Kafka Streams names it after the application.id, the run's group).
fn transactional_run() -> Vec<TraceLine> {
    let mut lines = one_record_run("all");
    for line in &mut lines {
        if let Event::Snapshot { snapshot, .. } = &mut line.event {
            snapshot.transactions.push(crate::model::snapshot::TransactionState {
                transactional_id: "s-group.c-r0-5f0c-1".into(),
                state: Some("CompleteCommit".into()),
                partition: 21,
                coordinator: Some(3),
                ..Default::default()
            });
        }
    }
    lines
}

#[test]
fn a_transactional_write_needs_the_transaction_coordinator_named_by_the_scenario_group() {
    let coordinator = alive("transaction-coordinator(s-group)", 0);
    let plain = build(&one_record_run("all")).unwrap();
    assert!(!plain.outcomes.values().flatten().flatten().any(|f| *f == coordinator), "no transaction, no coordinator");
    let model = build(&transactional_run()).unwrap();
    assert!(model.outcomes["r:in-1"].iter().all(|d| d.contains(&coordinator)), "{:?}", model.outcomes);
    let (_, _, facts) = model.trails["r:in-1"].events.iter().find(|(e, _, _)| e.starts_with("output ")).unwrap();
    assert!(facts.contains(&coordinator), "{facts:?}");

    // A crash of it is a hypothesis of its own, realized and resolved by
    // the nemesis to the broker the run's snapshot names.
    let brokers = r#"["broker-1", "broker-2", "broker-3"]"#;
    let found = first_hypotheses(&transactional_run(), &scenario(r#"["crash"]"#, 1, 0, brokers), 10);
    let expected: crate::solver::Hypothesis = [crash("transaction-coordinator(s-group)", 0)].into_iter().collect();
    assert!(found.contains(&expected), "{found:?}");
    let role: Role = match "transaction-coordinator(s-group)".parse::<NodeId>().unwrap() {
        NodeId::Role(r) => r,
        other => panic!("{other}"),
    };
    let names = RunNames::suffixed("c", "r0", "s-group");
    let snapshot = Snapshot { transactions: transactional_run().iter().find_map(|l| match &l.event {
        Event::Snapshot { snapshot, .. } => Some(snapshot.transactions.clone()),
        _ => None,
    }).unwrap(), ..Default::default() };
    let resolved = role::resolve_role(&role, &snapshot, &|t| names.topic(t), &|g| names.group(g)).unwrap();
    assert_eq!(resolved, vec![NodeId::broker(3)]);
    assert!(role::resolve_role(&role, &Snapshot::default(), &|t| t.to_string(), &|g| g.to_string()).is_err());
}

mod properties {
    //! Random small runs through the builder: whatever the pipeline did,
    //! the lineage speaks only of acknowledged inputs the checker read back,
    //! and every outcome has something that supported it.
    use proptest::prelude::*;

    use std::collections::BTreeSet;

use super::*;

    /// A record: (input partition, produce step, acknowledged, steps until
    /// consumed, instance, read back).
    type Record = (i32, u32, bool, u32, u8, bool);

    const LAST: u32 = 3;

    /// A run of steps 0..=LAST over input partitions 0 and 1 (leader 1,
    /// ISR 1,2,3): each acknowledged record consumed, written and committed
    /// by its instance in one step; the checker's reads after the last step.
    fn run(records: &[Record]) -> Vec<TraceLine> {
        let mut lines: Vec<(u64, String)> = vec![(
            T0,
            format!(r#"{{"time_ms":{T0},"source":"harness","type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":{{"seed":1,"faults":[]}},"input_topic":"input.c-r0","output_topic":"output.c-r0","group":"s-group.c-r0","properties":["no-lost-acked","no-duplicates"],"read_committed":false,"acks":"all"}}"#),
        )];
        let partition = |p: i32| format!(r#"{{"topic":"input.c-r0","partition":{p},"leader":1,"replicas":[1,2,3],"isr":[1,2,3],"high_watermark":0}}"#);
        lines.push((T0 + 1, format!(r#"{{"time_ms":{},"source":"harness","type":"snapshot","snapshot":{{"partitions":[{},{}]}}}}"#, T0 + 1, partition(0), partition(1))));
        for s in 0..=LAST {
            let t = T0 + 1000 * u64::from(s) + 10;
            lines.push((t, format!(r#"{{"time_ms":{t},"source":"harness","step":{s},"type":"step","step_index":{s}}}"#)));
        }
        let (mut offsets, mut written) = ([0i64; 2], [0i64; 2]);
        for (i, &(p, at, acked, delay, instance, read)) in records.iter().enumerate() {
            let t = T0 + 1000 * u64::from(at) + 20 + i as u64;
            let (offset, error) = if acked { (offsets[p as usize].to_string(), "null") } else { ("null".into(), r#""timed out""#) };
            let part = if acked { p.to_string() } else { "null".into() };
            lines.push((t, format!(r#"{{"time_ms":{t},"source":"workload","step":{at},"type":"produced","id":"in-{i}","key":"k{i}","value":"w{i}","topic":"input.c-r0","partition":{part},"offset":{offset},"leader":1,"error":{error}}}"#)));
            let out = written[p as usize];
            written[p as usize] += 1;
            if acked {
                let o = offsets[p as usize];
                offsets[p as usize] += 1;
                let t = T0 + 1000 * u64::from((at + delay).min(LAST)) + 300 + 10 * i as u64;
                let source = format!("pipeline-{instance}");
                lines.push((t, format!(r#"{{"time_ms":{t},"source":"{source}","type":"consumed","topic":"input.c-r0","partition":{p},"offset":{o},"ids":["in-{i}"]}}"#)));
                lines.push((t + 1, format!(r#"{{"time_ms":{},"source":"{source}","type":"output","topic":"output.c-r0","partition":{p},"offset":{out},"ids":["in-{i}"]}}"#, t + 1)));
                lines.push((t + 2, format!(r#"{{"time_ms":{},"source":"{source}","type":"committed","topic":"input.c-r0","partition":{p},"offset":{}}}"#, t + 2, o + 1)));
            }
            if read {
                let t = T0 + 1000 * u64::from(LAST + 1) + i as u64;
                lines.push((t, format!(r#"{{"time_ms":{t},"source":"harness","type":"checker_read","topic":"output.c-r0","partition":{p},"offset":{out},"key":"k{i}","value":"w{i}","ids":["in-{i}"]}}"#)));
            }
        }
        lines.sort_by_key(|(t, _)| *t);
        lines.iter().map(|(_, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    fn record() -> impl Strategy<Value = Record> {
        (0..2i32, 0..=LAST, any::<bool>(), 0..2u32, 1..=2u8, any::<bool>())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn outcomes_are_the_acked_inputs_read_back_each_with_support(records in prop::collection::vec(record(), 0..6)) {
            let model = build(&run(&records)).expect("a well-formed run builds");
            let expected: BTreeSet<String> =
                records.iter().enumerate().filter(|(_, r)| r.2 && r.5).map(|(i, _)| format!("r:in-{i}")).collect();
            prop_assert_eq!(model.outcomes.keys().cloned().collect::<BTreeSet<_>>(), expected);
            for (id, derivations) in &model.outcomes {
                prop_assert!(!derivations.is_empty(), "{} has no derivation", id);
                for d in derivations {
                    prop_assert!(!d.is_empty(), "{} has an empty derivation: nothing could cut it", id);
                    // A leader holds its record until the step after the
                    // ack, so one fact may name the step after the last.
                    for fact in d {
                        let (Fact::Alive { step, .. } | Fact::Link { step, .. }) = fact;
                        prop_assert!(*step <= LAST + 1, "{}: {} beyond the run", id, fact);
                    }
                }
            }
        }

        #[test]
        fn a_duplicated_read_removes_no_outcome(records in prop::collection::vec(record(), 1..6), pick in any::<prop::sample::Index>()) {
            let lines = run(&records);
            let reads: Vec<&TraceLine> = lines.iter().filter(|l| matches!(l.event, Event::CheckerRead { .. })).collect();
            prop_assume!(!reads.is_empty());
            let mut again = lines.clone();
            again.push(reads[pick.index(reads.len())].clone());
            let (before, after) = (build(&lines).expect("builds"), build(&again).expect("builds"));
            prop_assert!(before.outcomes.keys().all(|id| after.outcomes.contains_key(id)), "{:?} then {:?}", before.outcomes.keys(), after.outcomes.keys());
        }
    }
}

/// `one_record_run` as a chain of two stages: pipeline-1 copies `in-1` to
/// middle/1 during step 0, pipeline-2 copies it from there to the output
/// during step 1 and commits its read of middle/1 then.
fn chain_run() -> Vec<TraceLine> {
    let mut lines = Vec::new();
    for mut line in one_record_run("all") {
        match &mut line.event {
            Event::RunStarted { stages, .. } => {
                stages.push(crate::trace::StageNames {
                    input_topic: "middle.c-r0".into(),
                    output_topic: "output.c-r0".into(),
                    group: "s-stage2-group.c-r0".into(),
                });
            }
            Event::Output { topic, partition, .. } if line.source == "pipeline-1" => {
                *topic = "middle.c-r0".into();
                *partition = 1;
            }
            _ => {}
        }
        lines.push(line);
    }
    let second = [
        (T0 + 1100, r#""type":"consumed","topic":"middle.c-r0","partition":1,"offset":0,"ids":["in-1"]"#),
        (T0 + 1200, r#""type":"output","topic":"output.c-r0","partition":2,"offset":0,"ids":["in-1"]"#),
        (T0 + 1300, r#""type":"committed","topic":"middle.c-r0","partition":1,"offset":1"#),
    ];
    for (time, event) in second {
        lines.push(serde_json::from_str(&format!(r#"{{"time_ms":{time},"source":"pipeline-2",{event}}}"#)).expect("line"));
    }
    lines.sort_by_key(|l| l.time_ms);
    lines
}

#[test]
fn a_chain_is_followed_through_every_stage_to_the_input() {
    let model = build(&chain_run()).expect("lineage");
    let derivations = &model.outcomes["r:in-1"];
    let needed = [
        alive("pipeline-1", 0),
        link("pipeline-1", "brokers", 0),
        link("leader(middle/1)", "brokers", 0),
        alive("pipeline-2", 1),
        link("pipeline-2", "brokers", 1),
        // no-duplicates counts copies: the second stage's commit matters,
        // through its own group's coordinator.
        alive("coordinator(s-stage2-group)", 1),
        alive("coordinator(s-group)", 0),
    ];
    for d in derivations {
        for fact in &needed {
            assert!(d.contains(fact), "{fact} missing from {d:?}");
        }
    }
    // The solver reaches the second stage's instance.
    let crash = scenario(r#"["crash"]"#, 1, 0, r#"["pipeline-1"]"#);
    let names: Vec<String> = model.outcomes.values().flatten().flatten().map(|f| f.to_string()).collect();
    assert!(names.iter().any(|n| n.starts_with("pipeline-2 alive")), "{names:?}");
    assert!(!first_hypotheses(&chain_run(), &crash, 5).is_empty());
}

#[test]
fn kafka_alone_assumes_every_stages_instances_needed() {
    let mut lines: Vec<TraceLine> = chain_run().into_iter().filter(|l| !l.source.starts_with("pipeline-")).collect();
    for (n, node) in ["pipeline-1", "pipeline-2"].iter().enumerate() {
        let address = format!(r#"{{"time_ms":1000002,"source":"harness","step":0,"type":"node_address","node":"{node}","address":"10.213.0.10{n}"}}"#);
        lines.insert(1, serde_json::from_str(&address).expect("line"));
    }
    let model = build(&lines).expect("lineage");
    for d in &model.outcomes["r:in-1"] {
        for node in ["pipeline-1", "pipeline-2"] {
            assert!(d.contains(&alive(node, 0)), "{node} missing from {d:?}");
        }
        assert!(d.iter().any(|f| matches!(f, Fact::Alive { node, .. } if node.to_string() == "coordinator(s-stage2-group)")), "{d:?}");
    }
}

/// Two inputs of key k1 summed into one aggregate whose last update names
/// only the second (an aggregation keeps the id of the input that caused
/// each update; a suppressed window emits once).
fn aggregate_run(property: &str) -> Vec<TraceLine> {
    let mut lines = without_pipeline_events("all");
    for line in &mut lines {
        match &mut line.event {
            Event::RunStarted { properties, checker, .. } => {
                *properties = vec![property.into()];
                checker.window_millis = Some(1000);
            }
            Event::Produced { timestamp_ms, .. } => *timestamp_ms = Some(5_000),
            Event::CheckerRead { ids, key, .. } => {
                *ids = vec!["in-2".into()];
                *key = Some(if property == "window-counts" { "k1@5000".into() } else { "k1".into() });
            }
            _ => {}
        }
    }
    let at = lines.iter().position(|l| matches!(l.event, Event::Produced { .. })).expect("produced");
    let mut second = lines[at].clone();
    if let Event::Produced { id, offset, .. } = &mut second.event {
        *id = "in-2".into();
        *offset = Some(1);
    }
    lines.insert(at + 1, second);
    lines
}

#[test]
fn every_input_of_an_aggregate_has_the_aggregate_as_its_outcome() {
    for property in ["key-sums", "window-counts"] {
        let model = build(&aggregate_run(property)).expect("lineage");
        let outcomes: Vec<&String> = model.outcomes.keys().collect();
        assert_eq!(outcomes, ["r:in-1", "r:in-2"], "{property}");
    }
    // Without a property that aggregates, an input no output names has no
    // outcome of its own.
    let model = build(&aggregate_run("no-lost-acked")).expect("lineage");
    assert_eq!(model.outcomes.keys().collect::<Vec<_>>(), ["r:in-2"]);
    // A sliding window's input (at 5000) is read in the left window it
    // opens, a session's in the session that covers it.
    for (checker, key) in [("sliding", "k1@4000"), ("session", "[k1@4800/5200]")] {
        let mut lines = aggregate_run("window-counts");
        for line in &mut lines {
            match &mut line.event {
                Event::RunStarted { checker: c, .. } => {
                    c.window_millis = None;
                    if checker == "sliding" {
                        c.sliding_millis = Some(1000);
                    } else {
                        c.session_gap_millis = Some(1000);
                    }
                }
                Event::CheckerRead { key: k, .. } => *k = Some(key.into()),
                _ => {}
            }
        }
        let model = build(&lines).expect("lineage");
        assert_eq!(model.outcomes.keys().collect::<Vec<_>>(), ["r:in-1", "r:in-2"], "{checker}");
    }
}

#[test]
fn a_record_judged_by_event_time_needs_its_leader_until_it_was_fetched() {
    // Fetched in step 0, the step it was acknowledged in: a leader lost
    // then stalls the fetch while other partitions go on (a window's
    // count, a join's partner), though its replicas keep it safe.
    let fetch = [alive("leader(input/0)", 0), link("leader(input/0)", "brokers", 0)];
    // Windows counted after a repartition: records of every input
    // partition meet in one task, and its stream time moves with all.
    let mut lines = aggregate_run("window-counts");
    for line in &mut lines {
        if let Event::Snapshot { snapshot, .. } = &mut line.event {
            let mut internal = snapshot.partitions[0].clone();
            internal.topic = "s-group.c-r0-counts-repartition".into();
            snapshot.partitions.push(internal);
        }
    }
    let model = build(&lines).expect("lineage");
    for (id, derivations) in &model.outcomes {
        assert!(!derivations.is_empty() && derivations.iter().all(|d| fetch.iter().all(|f| d.contains(f))), "{id}: {derivations:?}");
        assert!(model.trails[id].events.iter().any(|(text, _, _)| text.starts_with("fetched from leader(input/0) in time")), "{id}");
    }
    // A sum is the same whatever order its inputs came in, and windows of
    // one partition's task move with that partition alone: a stalled fetch
    // is only a delay, and the replicas are each a way on.
    for lines in [aggregate_run("key-sums"), aggregate_run("window-counts")] {
        let model = build(&lines).expect("lineage");
        for (id, derivations) in &model.outcomes {
            assert!(derivations.iter().all(|d| !d.contains(&fetch[0])), "{id}: {derivations:?}");
        }
    }
}

#[test]
fn a_joined_output_needs_the_table_row_it_met_held_too() {
    let mut lines = one_record_run("all");
    for line in &mut lines {
        match &mut line.event {
            Event::RunStarted { properties, side_topic, .. } => {
                *properties = vec!["table-join".into()];
                *side_topic = Some("side.c-r0".into());
            }
            Event::Produced { timestamp_ms, .. } => *timestamp_ms = Some(5_000),
            _ => {}
        }
    }
    let model = build(&lines).expect("lineage");
    let alone = model.outcomes["r:in-1"].clone();
    let at = lines.iter().position(|l| matches!(l.event, Event::Produced { .. })).expect("produced");
    let mut row = lines[at].clone();
    if let Event::Produced { id, topic, timestamp_ms, .. } = &mut row.event {
        *id = "side-0".into();
        *topic = "side.c-r0".into();
        *timestamp_ms = Some(4_000);
    }
    lines.insert(at, row);
    let model = build(&lines).expect("lineage");
    let derivations = &model.outcomes["r:in-1"];
    let row_held = alive("leader(side/0)", 1);
    assert!(!alone.iter().any(|d| d.contains(&row_held)), "{alone:?}");
    assert!(!derivations.is_empty() && derivations.iter().all(|d| d.contains(&row_held)), "{derivations:?}");
    // The row was fetched in time, as the record that met it was.
    let row_fetched = link("leader(side/0)", "brokers", 0);
    assert!(derivations.iter().all(|d| d.contains(&row_fetched)), "{derivations:?}");
    assert!(model.trails["r:in-1"].events.iter().any(|(text, _, _)| text.starts_with("met side-0 of side/0")));
    // The row is not an outcome of its own: it need not reach the output.
    assert!(!model.outcomes.contains_key("r:side-0"));
}

/// `one_record_run` whose output the leader held alone for two steps: the
/// output's high watermark passed it only in step 2's snapshot, and the
/// run went on to step 3. `lag` false: it passed in step 0's.
fn output_held_alone(lag: bool) -> Vec<TraceLine> {
    let mut lines = one_record_run("all");
    let snapshot = |time: u64, hw: i64| -> TraceLine {
        let json = format!(
            r#"{{"time_ms":{time},"source":"harness","type":"snapshot","snapshot":{{"partitions":[{{"topic":"output.c-r0","partition":2,"leader":2,"replicas":[1,2,3],"isr":[1,2,3],"high_watermark":{hw}}}]}}}}"#
        );
        serde_json::from_str(&json).expect("snapshot line")
    };
    let step = |time: u64, index: u32| -> TraceLine {
        let json = format!(r#"{{"time_ms":{time},"source":"harness","step":{index},"type":"step","step_index":{index}}}"#);
        serde_json::from_str(&json).expect("step line")
    };
    lines.push(snapshot(T0 + 950, if lag { 0 } else { 1 }));
    lines.push(snapshot(T0 + 1950, if lag { 0 } else { 1 }));
    lines.push(step(T0 + 2100, 2));
    lines.push(snapshot(T0 + 2950, 1));
    lines.push(step(T0 + 3100, 3));
    lines.sort_by_key(|l| l.time_ms);
    lines
}

#[test]
fn an_output_its_leader_held_alone_needs_the_leader_until_its_followers_had_it() {
    let leader_up = |model: &Model, step: u32| model.outcomes["r:in-1"].iter().all(|d| d.contains(&alive("leader(output/2)", step)));
    let lagging = build(&output_held_alone(true)).expect("lineage");
    assert!(leader_up(&lagging, 1) && leader_up(&lagging, 2), "{:?}", lagging.outcomes["r:in-1"]);
    // Replicated in the step it was written: no fact about the leader.
    let prompt = build(&output_held_alone(false)).expect("lineage");
    assert!(!leader_up(&prompt, 1), "{:?}", prompt.outcomes["r:in-1"]);
}
