//! Alike because injected: a hypothesis that names another role of the
//! broker a survived run's fault landed on was injected by that run. Pure.
//!
//! The lineage names roles (`leader(clicks/0)`, `coordinator(group)`), and
//! a Kafka Streams app's lineage names many: each partition's leader of
//! every input, internal and output topic, and two coordinators. A broker
//! holds several of them at once, so the crash of one role is the crash of
//! all the others its broker held when the fault began, and the cut of a
//! leader from its followers is the cut of every partition that broker led
//! with the same followers. Such hypotheses are not like the one injected:
//! they are the same plan on the cluster, fault for fault. Only where the
//! run's own snapshot before the fault, checked against what the nemesis
//! applied, says so ([`crate::lineage::Landing`]); a role another broker
//! held in that run is still to try.

use crate::lineage::{Landing, Model};
use crate::model::NodeId;
use crate::scenario::Scenario;
use crate::search::space::{self, Windows};
use crate::solver::{FaultVar, Hypothesis, Peer};

/// At most this many hypotheses are read off one survived one: a pair of
/// roles on a broker that held a dozen is still a few dozen.
const PER_HYPOTHESIS: usize = 256;

/// The hypotheses, other than the survived ones, that a survived run
/// injected under another role's name (see the module doc).
pub(super) fn same_plans(survived: &[Hypothesis], landings: &[Landing], model: &Model, scenario: &Scenario, windows: Windows) -> Vec<Hypothesis> {
    if landings.is_empty() {
        return Vec::new();
    }
    let space = space::space(scenario, model);
    let mut out: Vec<Hypothesis> = Vec::new();
    for h in survived.iter().filter(|h| !h.is_empty()) {
        let Ok(plan) = space::realize(h, scenario, windows, 0) else { continue };
        let Some(landing) = landings.iter().find(|l| l.faults == plan.faults) else { continue };
        let mut found: Vec<Hypothesis> = vec![Hypothesis::new()];
        for var in h {
            let others: Vec<FaultVar> = std::iter::once(var.clone())
                .chain(renamed(var, &space.crashable, &space.links).filter(|other| same_landing(var, other, landing, scenario, windows)))
                .collect();
            found = found
                .iter()
                .flat_map(|partial| others.iter().map(move |v| partial.iter().cloned().chain([v.clone()]).collect::<Hypothesis>()))
                .take(PER_HYPOTHESIS)
                .collect();
        }
        for other in found {
            if other != *h && other.len() == h.len() && !survived.contains(&other) && !out.contains(&other) {
                out.push(other);
            }
        }
    }
    out
}

/// `var` with its role swapped for each other role of the space that can
/// be faulted the same way (a crash: any role; a dropped link: a role's
/// link to the same peer).
fn renamed<'a>(var: &'a FaultVar, crashable: &'a [NodeId], links: &'a [(Peer, Peer)]) -> Box<dyn Iterator<Item = FaultVar> + 'a> {
    match var {
        FaultVar::Crash { node: node @ NodeId::Role(_), step } => {
            Box::new(crashable.iter().filter(move |n| matches!(n, NodeId::Role(_)) && *n != node).map(move |n| FaultVar::crash(n.clone(), *step)))
        }
        FaultVar::Omission { from: from @ Peer::Node(NodeId::Role(_)), to, step } => Box::new(
            links
                .iter()
                .filter(move |(f, t)| t == to && f != from && matches!(f, Peer::Node(NodeId::Role(_))))
                .map(move |(f, t)| FaultVar::omission(f.clone(), t.clone(), *step)),
        ),
        _ => Box::new(std::iter::empty()),
    }
}

/// Whether `a` and `b`, each alone, realize to faults over the same steps
/// that landed, in the run `landing` records, as one and the same
/// concrete fault.
fn same_landing(a: &FaultVar, b: &FaultVar, landing: &Landing, scenario: &Scenario, windows: Windows) -> bool {
    let alone = |v: &FaultVar| space::realize(&[v.clone()].into_iter().collect(), scenario, windows, 0).ok().and_then(|p| p.faults.into_iter().next());
    let (Some(a), Some(b)) = (alone(a), alone(b)) else { return false };
    if (a.start, a.end) != (b.start, b.end) {
        return false;
    }
    match (landing.landed(&a.fault, a.start), landing.landed(&b.fault, b.start)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::Derivation;
    use crate::model::snapshot::PartitionState;
    use crate::model::{Fault, Snapshot};
    use crate::search::fixtures::{alive, copy_scenario, crash};
    use crate::trace::{Event, TraceLine};

    fn leader(topic: &str, partition: i32, broker: i32) -> PartitionState {
        PartitionState { topic: format!("{topic}.c-r1"), partition, leader: Some(broker), replicas: vec![1, 2, 3], isr: vec![1, 2, 3], ..Default::default() }
    }

    /// A run that crashed `leader(input/0)` from step 3, when broker 2 led
    /// input/0 and output/0 and broker 3 led input/1.
    fn landing(scenario: &Scenario, survived: &Hypothesis) -> Landing {
        let plan = space::realize(survived, scenario, Windows::default(), 0).expect("a plan");
        let started: TraceLine = serde_json::from_str(
            r#"{"time_ms":0,"source":"harness","type":"run_started","scenario":"s","campaign":"c","run":"r1","seed":1,"plan":{"seed":1,"faults":[]},"input_topic":"input.c-r1","output_topic":"output.c-r1","group":"s-group.c-r1","properties":[],"read_committed":false}"#,
        )
        .expect("run_started");
        let snapshot = Snapshot { partitions: vec![leader("input", 0, 2), leader("input", 1, 3), leader("output", 0, 2)], ..Default::default() };
        let at = |event| TraceLine { time_ms: 1, source: "harness".into(), step: Some(3), event };
        let lines = vec![
            started,
            at(Event::Snapshot { snapshot, took_ms: None }),
            at(Event::FaultApplied { fault: Fault::Crash { node: NodeId::Broker(2) } }),
        ];
        Landing::of(&lines, &plan).expect("a landing")
    }

    #[test]
    fn a_crashed_role_stands_for_the_roles_its_broker_held_then_and_no_other() {
        let scenario = copy_scenario("eot = 8\neff = 8\nkinds = [\"crash\"]\n");
        let mut model = Model::default();
        let facts: Derivation = ["leader(input/0)", "leader(input/1)", "leader(output/0)"].iter().map(|r| alive(r, 3)).chain([alive("leader(output/0)", 4)]).collect();
        model.outcomes.insert("r:a".into(), [facts].into());
        let survived: Hypothesis = [crash("leader(input/0)", 3)].into_iter().collect();
        let found = same_plans(std::slice::from_ref(&survived), &[landing(&scenario, &survived)], &model, &scenario, Windows::default());
        let at_three: Hypothesis = [crash("leader(output/0)", 3)].into_iter().collect();
        assert_eq!(found, [at_three], "broker 2 also led output/0; input/1 was broker 3's");
        // Without a landing for its plan (another run, another step), nothing.
        let later: Hypothesis = [crash("leader(input/0)", 4)].into_iter().collect();
        assert!(same_plans(&[later], &[landing(&scenario, &survived)], &model, &scenario, Windows::default()).is_empty());
        assert!(same_plans(&[survived], &[], &model, &scenario, Windows::default()).is_empty());
    }
}
