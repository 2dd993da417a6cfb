//! Which targeted pipeline instances the search never considered, and
//! whether it spared the brokers.
//!
//! The ldfi strategy only hypothesizes faults of what the lineage names.
//! An instance that wrote no trace events, exported no spans, and that
//! Kafka's records never tied to an outcome is named by no fact, so none
//! of its crashes or cuts is ever a hypothesis, and "no hypothesis left"
//! says nothing about it. A campaign never certifies a target whose faults
//! it never considered: such an instance makes the ending inconclusive.

use std::collections::BTreeSet;

use super::space::budget_space;
use crate::lineage::{self, Fact};
use crate::model::NodeId;
use crate::scenario::{is_broker, Scenario};
use crate::solver::{FaultVar, Hypothesis, Peer};

/// The pipeline instances the budget may fault (its targets, or every
/// instance, as far as its kinds can reach them) that no fact of `model`
/// names and no hypothesis of `injected` faulted, in order.
pub fn unconsidered(scenario: &Scenario, model: &lineage::Model, injected: &[Hypothesis]) -> Vec<String> {
    let space = budget_space(scenario);
    let link_ends = space.links.iter().flat_map(|(from, to)| [from, to]).filter_map(Peer::node);
    let targeted: BTreeSet<&str> = space
        .crashable
        .iter()
        .chain(link_ends)
        .filter_map(|n| match n {
            NodeId::Client(name) if scenario.stage_of(name).is_some() => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let considered: BTreeSet<&NodeId> =
        model.facts().flat_map(Fact::nodes).chain(injected.iter().flatten().flat_map(FaultVar::nodes)).collect();
    targeted.into_iter().filter(|n| !considered.contains(&NodeId::client(*n))).map(str::to_string).collect()
}

/// Why the campaign certifies nothing when `instances` were never
/// considered, and what to do about it.
pub fn reason(instances: &[String], fault_free_run: &str) -> String {
    let named = instances.join(", ");
    format!(
        "the budget targets {named}, but the lineage names no fact about {them} and no hypothesis faulted {them}, \
         so {their} crashes and cuts were never considered; check that {named} joined the group and was assigned \
         partitions (the logs in {fault_free_run}), or let the lineage see {them}: write ldfi's trace events \
         (consumed, output) or export OpenTelemetry spans (pipeline.otel_agent); an instance meant to stay idle \
         can be left out of faults.targets",
        them = if instances.len() == 1 { "it" } else { "them" },
        their = if instances.len() == 1 { "its" } else { "their" },
    )
}

/// Which faults of a broker the budget allows and no injected hypothesis
/// made. A certificate says so and why: the solver hypothesizes a broker's
/// fault only where some outcome has no way to be made without it, so a
/// campaign that found none spent no run on it, and a reader who sees no
/// broker crashed should not take that for a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spared {
    pub crashes: bool,
    pub cuts: bool,
}

/// What [`Spared`] `injected` leaves within `scenario`'s budget.
pub fn brokers_spared(scenario: &Scenario, injected: &[Hypothesis]) -> Spared {
    let space = budget_space(scenario);
    let crashes_allowed = space.crashable.iter().any(is_broker);
    let cuts_allowed = space.links.iter().any(|(from, _)| from.node().is_some_and(is_broker));
    let vars = || injected.iter().flatten();
    let crashed = vars().any(|v| matches!(v, FaultVar::Crash { node, .. } if is_broker(node)));
    let cut = vars().any(|v| matches!(v, FaultVar::Omission { from, .. } if from.node().is_some_and(is_broker)));
    Spared { crashes: crashes_allowed && !crashed, cuts: cuts_allowed && !cut }
}

impl Spared {
    /// The certificate's clause, if anything was spared.
    pub fn words(self) -> Option<String> {
        let what = match (self.crashes, self.cuts) {
            (true, true) => "no broker was crashed or cut off",
            (true, false) => "no broker was crashed",
            (false, true) => "no broker was cut off",
            (false, false) => return None,
        };
        Some(format!(
            "; {what}: the budget allows it, but in the lineage every outcome had another way to be made past any \
             such fault within the budget (its records on other in-sync replicas, its partitions led by another \
             broker), so no hypothesis named one"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fixtures::{alive, copy_scenario_with, crash, link, omission};

    fn model(facts: Vec<Fact>) -> lineage::Model {
        let mut m = lineage::Model::default();
        m.outcomes.entry("r:a".into()).or_default().insert(facts.into_iter().collect());
        m
    }

    #[test]
    fn an_instance_neither_named_nor_faulted_is_unconsidered() {
        let scenario = copy_scenario_with(3, "eot = 4\neff = 2\nkinds = [\"crash\"]");
        let seen = model(vec![alive("pipeline-1", 0), alive("leader(input/0)", 0)]);
        let crashed: Hypothesis = [crash("pipeline-3", 1)].into_iter().collect();
        assert_eq!(unconsidered(&scenario, &seen, &[crashed]), vec!["pipeline-2".to_string()]);
        let linked = model(vec![link("pipeline-2", "brokers", 0), alive("pipeline-1", 0)]);
        assert_eq!(unconsidered(&scenario, &linked, &[]), vec!["pipeline-3".to_string()]);
    }

    #[test]
    fn a_broker_fault_is_spared_only_when_the_budget_allows_it_and_none_was_injected() {
        let scenario = copy_scenario_with(1, "eot = 4\neff = 2\nkinds = [\"crash\", \"isolate\"]");
        let instance: Hypothesis = [crash("pipeline-1", 1), omission("pipeline-1", "brokers", 2)].into_iter().collect();
        assert_eq!(brokers_spared(&scenario, std::slice::from_ref(&instance)), Spared { crashes: true, cuts: true });
        let leader: Hypothesis = [crash("leader(input/0)", 1)].into_iter().collect();
        let spared = brokers_spared(&scenario, &[instance.clone(), leader]);
        assert_eq!(spared, Spared { crashes: false, cuts: true }, "a role is a broker");
        assert!(spared.words().unwrap().starts_with("; no broker was cut off: "), "{:?}", spared.words());
        let cut: Hypothesis = [omission("broker-2", "brokers", 0)].into_iter().collect();
        assert_eq!(brokers_spared(&scenario, &[cut]), Spared { crashes: true, cuts: false });
        let crashes_only = copy_scenario_with(1, "eot = 4\neff = 2\nkinds = [\"crash\"]");
        assert_eq!(brokers_spared(&crashes_only, std::slice::from_ref(&instance)), Spared { crashes: true, cuts: false });
        let instances_only = copy_scenario_with(1, "eot = 4\neff = 2\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\"]");
        let nothing = brokers_spared(&instances_only, &[instance]);
        assert_eq!((nothing, nothing.words()), (Spared::default(), None), "nothing to spare");
    }

    #[test]
    fn only_instances_the_budget_can_fault_need_considering() {
        let scenario = copy_scenario_with(2, "eot = 4\neff = 2\nkinds = [\"crash\"]\ntargets = [\"broker-1\", \"pipeline-2\"]");
        assert_eq!(unconsidered(&scenario, &lineage::Model::default(), &[]), vec!["pipeline-2".to_string()]);
        let brokers_only = copy_scenario_with(2, "eot = 4\neff = 2\nkinds = [\"replication-cut\"]");
        assert!(unconsidered(&brokers_only, &lineage::Model::default(), &[]).is_empty());
    }

    #[test]
    fn the_reason_names_the_instances_and_the_fix() {
        let text = reason(&["pipeline-2".to_string()], "r0");
        assert!(text.starts_with("the budget targets pipeline-2, but the lineage names no fact about it"), "{text}");
        assert!(text.contains("otel_agent") && text.contains("faults.targets"), "{text}");
    }
}
