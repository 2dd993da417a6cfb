//! Where a run's plan landed: which brokers the roles it named stood for
//! when each of its faults began, as the run's own snapshots and the
//! nemesis's record show it. Pure, over the run's trace lines.
//!
//! A role is resolved when its fault starts, so a plan that crashes
//! `leader(clicks/0)` at step 13 crashes a broker, and with it every other
//! role that broker held then: the leader of `impressions/2`, the group's
//! coordinator. The run under that plan is, fault for fault, the run under
//! the plan that names any of those roles instead; the search counts those
//! hypotheses as injected with it (`search::alike`). What a later run's
//! elections would make of the same roles is not assumed: only this run's
//! snapshot before the fault, checked against what the nemesis applied.

use std::collections::BTreeMap;

use crate::model::{role, Fault, FaultPlan, PlannedFault, Snapshot};
use crate::trace::{Event, RunNames, TraceLine};

/// One run's plan as it landed.
#[derive(Debug, Clone, PartialEq)]
pub struct Landing {
    /// The plan's faults as the campaign planned them (roles by name).
    pub faults: Vec<PlannedFault>,
    names: RunNames,
    /// For each step a fault of the plan started at: the last snapshot
    /// taken before the first fault applied then, and the concrete faults
    /// the nemesis applied at that step.
    at: BTreeMap<u32, (Snapshot, Vec<Fault>)>,
}

impl Landing {
    /// How `plan` landed in the run whose trace is `lines`; `None` for a
    /// plan without faults or a trace without its start.
    pub fn of(lines: &[TraceLine], plan: &FaultPlan) -> Option<Landing> {
        if plan.faults.is_empty() {
            return None;
        }
        let names = lines.iter().find_map(|l| match &l.event {
            Event::RunStarted { campaign, run, group, .. } => Some(RunNames::of_run(campaign, run, group)),
            _ => None,
        })?;
        let mut at: BTreeMap<u32, (Snapshot, Vec<Fault>)> = BTreeMap::new();
        let mut last: Option<&Snapshot> = None;
        for line in lines {
            match &line.event {
                Event::Snapshot { snapshot, .. } => last = Some(snapshot),
                Event::FaultApplied { fault } => {
                    let Some(step) = line.step.filter(|s| plan.faults.iter().any(|f| f.start == *s)) else { continue };
                    let Some(snapshot) = last else { continue };
                    at.entry(step).or_insert_with(|| (snapshot.clone(), Vec::new())).1.push(fault.clone());
                }
                _ => {}
            }
        }
        Some(Landing { faults: plan.faults.clone(), names, at })
    }

    /// The concrete fault `fault` stood for at `step` in this run, if the
    /// nemesis applied exactly that then: the snapshot before it resolves
    /// its roles, and the nemesis's record confirms them (a leader elected
    /// in between would show another broker).
    pub fn landed(&self, fault: &Fault, step: u32) -> Option<Fault> {
        let (snapshot, applied) = self.at.get(&step)?;
        let concrete = role::resolve(fault, snapshot, &|t| self.names.topic(t), &|g| self.names.group(g)).ok()?;
        applied.contains(&concrete).then_some(concrete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeId, Role};
    use crate::model::snapshot::{GroupState, PartitionState};

    fn line(step: Option<u32>, event: Event) -> TraceLine {
        TraceLine { time_ms: 0, source: "harness".into(), step, event }
    }

    fn started() -> TraceLine {
        serde_json::from_str(
            r#"{"time_ms":0,"source":"harness","type":"run_started","scenario":"s","campaign":"c","run":"r1","seed":1,"plan":{"seed":1,"faults":[]},"input_topic":"clicks.c-r1","output_topic":"pairs.c-r1","group":"g.c-r1","properties":[],"read_committed":false}"#,
        )
        .expect("run_started")
    }

    fn leader(topic: &str, partition: i32, broker: i32) -> PartitionState {
        PartitionState { topic: topic.into(), partition, leader: Some(broker), replicas: vec![1, 2, 3], isr: vec![1, 2, 3], ..Default::default() }
    }

    fn crash(node: NodeId) -> Fault {
        Fault::Crash { node }
    }

    fn role(r: Role) -> NodeId {
        NodeId::Role(r)
    }

    #[test]
    fn a_role_landed_on_the_broker_that_held_it_and_so_did_its_neighbours() {
        let snapshot = Snapshot {
            partitions: vec![leader("clicks.c-r1", 0, 2), leader("impressions.c-r1", 2, 2), leader("impressions.c-r1", 1, 3)],
            groups: vec![GroupState { group: "g.c-r1".into(), coordinator: Some(2), ..Default::default() }],
            ..Default::default()
        };
        let clicks = role(Role::Leader { topic: "clicks".into(), partition: 0 });
        let plan = FaultPlan { seed: 1, faults: vec![PlannedFault { fault: crash(clicks.clone()), start: 13, end: 15 }] };
        let lines = vec![
            started(),
            line(Some(12), Event::Snapshot { snapshot: Snapshot::default(), took_ms: None }),
            line(Some(13), Event::Snapshot { snapshot, took_ms: None }),
            line(Some(13), Event::FaultApplied { fault: crash(NodeId::Broker(2)) }),
        ];
        let landing = Landing::of(&lines, &plan).expect("a landing");
        assert_eq!(landing.landed(&crash(clicks), 13), Some(crash(NodeId::Broker(2))));
        let same = [role(Role::Leader { topic: "impressions".into(), partition: 2 }), role(Role::Coordinator { group: "g".into() })];
        for node in same {
            assert_eq!(landing.landed(&crash(node.clone()), 13), Some(crash(NodeId::Broker(2))), "{node}");
        }
        // Another broker's role, a step no fault began at, a role the
        // snapshot does not show: not this run's fault.
        assert_eq!(landing.landed(&crash(role(Role::Leader { topic: "impressions".into(), partition: 1 })), 13), None);
        assert_eq!(landing.landed(&crash(role(Role::Leader { topic: "clicks".into(), partition: 0 })), 12), None);
        assert_eq!(landing.landed(&crash(role(Role::Leader { topic: "pairs".into(), partition: 0 })), 13), None);
    }

    #[test]
    fn a_snapshot_the_nemesis_contradicts_is_not_taken_at_its_word() {
        // The snapshot says broker 2 led clicks/0; the nemesis crashed 3
        // (a leader elected in between): nothing is said to have landed.
        let snapshot = Snapshot { partitions: vec![leader("clicks.c-r1", 0, 2)], ..Default::default() };
        let clicks = role(Role::Leader { topic: "clicks".into(), partition: 0 });
        let plan = FaultPlan { seed: 1, faults: vec![PlannedFault { fault: crash(clicks.clone()), start: 4, end: 6 }] };
        let lines = vec![
            started(),
            line(Some(4), Event::Snapshot { snapshot, took_ms: None }),
            line(Some(4), Event::FaultApplied { fault: crash(NodeId::Broker(3)) }),
        ];
        assert_eq!(Landing::of(&lines, &plan).expect("a landing").landed(&crash(clicks), 4), None);
        assert!(Landing::of(&lines, &FaultPlan::default()).is_none(), "no faults, no landing");
    }
}
