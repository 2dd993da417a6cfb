//! The hypothesis space of a campaign, and how a hypothesis becomes a fault
//! plan. Pure.
//!
//! The solver's fault variables are "crash node n during step s" and "drop
//! packets from n to the other brokers during step s". Lineage facts map to
//! them one to one: `Alive{n, s}` is cut by a crash of n at s, `Link{n,
//! brokers, s}` by an omission at s. A crash is a bounded window, not a
//! permanent death: after it the node restarts with its data (that is
//! Kafka's reality, and what lets the search learn the recovery path), so a
//! crash variable is encoded for the solver as the crash of the pseudo-node
//! `n@s`, which cuts exactly `Alive{n, s}`.
//!
//! A broker's omission variable stands for its replication link (a
//! follower fetched from it). With `replication-cut` in the budget it is
//! realized as exactly that, [`Fault::CutReplication`]: a full cut between
//! brokers also cuts the leader off the active controller when that
//! controller is among its followers, which fences it and elects a new
//! leader cleanly, a recovery the hypothesis did not ask for (measured on
//! `unclean-election`, where it hid the loss in most runs).
//!
//! Two spaces over the same variables and budget. [`space`] holds the
//! variables the lineage names (roles such as `leader(input/0)` and
//! concrete nodes): `ldfi` asks the solver there for hypotheses that cut
//! some outcome's every derivation. [`budget_space`] holds every variable
//! the scenario's budget allows, over its concrete targets, whatever the
//! lineage says: `exhaustive` enumerates it and `random` draws from it, as
//! a chaos tool that knows the budget but not the lineage would
//! ([`super::plans`]). Every
//! plan `ldfi` injects is, once its roles are resolved, a plan of the
//! budget space, so the strategies are compared on the same plans.

use std::collections::BTreeSet;

use crate::lineage::{self, BROKERS};
use crate::model::{Fault, FaultPlan, NodeId, PlannedFault};
use crate::scenario::{FaultKind, Scenario};
use crate::solver::{self, FaultVar, Hypothesis, HypothesisSpace};

/// How long a realized fault lasts, in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    pub crash_steps: u32,
    pub cut_steps: u32,
}

impl Default for Windows {
    fn default() -> Windows {
        Windows { crash_steps: 2, cut_steps: 2 }
    }
}

/// Whether a node named in lineage may be faulted under the scenario's
/// targets: roles stand for brokers.
fn allowed(scenario: &Scenario, node: &str) -> bool {
    let targets = &scenario.budget.targets;
    match node.parse::<NodeId>() {
        Ok(NodeId::Role(_)) => targets.is_empty() || targets.iter().any(|t| matches!(t, NodeId::Broker(_))),
        Ok(NodeId::Broker(b)) => b <= scenario.cluster.brokers && (targets.is_empty() || targets.contains(&NodeId::Broker(b))),
        Ok(client @ NodeId::Client(_)) => {
            if targets.is_empty() {
                client.to_string().starts_with("pipeline-")
            } else {
                targets.contains(&client)
            }
        }
        Err(_) => false,
    }
}

/// The space over the nodes the lineage names (roles and concrete nodes),
/// within the scenario's targets, kinds and budget.
pub fn space(scenario: &Scenario, model: &lineage::Model) -> HypothesisSpace {
    let mut nodes = BTreeSet::new();
    let mut linked = BTreeSet::new();
    for fact in model.outcomes.values().flatten().flatten() {
        match fact {
            lineage::Fact::Alive { node, .. } => {
                nodes.insert(node.clone());
            }
            lineage::Fact::Link { from, to, .. } => {
                let faulted = if from == BROKERS { to } else { from };
                if allowed(scenario, faulted) && realizable(scenario, from, to) {
                    linked.insert((from.clone(), to.clone()));
                }
            }
        }
    }
    let crashable: Vec<String> = nodes.into_iter().filter(|n| allowed(scenario, n)).collect();
    within_budget_kinds(scenario, &crashable, linked.into_iter().collect())
}

/// Whether the budget's kinds can drop the traffic of a link variable.
/// Responses (`brokers -> n`) are droppable on their own only with one-way
/// cuts; a two-way cut of n drops them with n's requests, which its `n ->
/// brokers` variable already stands for. A broker's link to the other
/// brokers (its replication) is dropped by any cut; a client's only by a
/// cut of every packet (a replication cut leaves clients alone). A lone
/// broker has no other broker to be cut from.
fn realizable(scenario: &Scenario, from: &str, to: &str) -> bool {
    let kinds = &scenario.budget.kinds;
    if from == BROKERS {
        return kinds.contains(&FaultKind::OneWayCut);
    }
    if is_broker(from) && scenario.cluster.brokers < 2 {
        return false;
    }
    let full = kinds.iter().any(|k| k.is_partition() && *k != FaultKind::ReplicationCut);
    full || (kinds.contains(&FaultKind::ReplicationCut) && is_broker(from) && to == BROKERS)
}

/// A concrete broker or a role standing for brokers.
fn is_broker(node: &str) -> bool {
    matches!(node.parse::<NodeId>(), Ok(NodeId::Broker(_) | NodeId::Role(_)))
}

/// A space over these nodes (each crashable at every step before EFF) and
/// links, as far as the budget's kinds and counts allow: no crash variable
/// without a kind that takes a node down, no link without a cut.
fn within_budget_kinds(scenario: &Scenario, nodes: &[String], links: Vec<(String, String)>) -> HypothesisSpace {
    let budget = &scenario.budget;
    let crash = down(scenario).is_some();
    let cut = budget.kinds.iter().any(FaultKind::is_partition);
    let crashable =
        if crash { nodes.iter().flat_map(|n| (0..budget.eff).map(move |s| format!("{n}@{s}"))).collect() } else { Vec::new() };
    HypothesisSpace {
        crashable,
        links: if cut { links } else { Vec::new() },
        eff: budget.eff,
        max_crashes: if crash { budget.max_crashes } else { 0 },
        max_omissions: if cut { budget.max_partitions } else { 0 },
        max_faults: budget.max_faults,
    }
}

/// The nodes the budget may fault: its targets, or every broker and
/// pipeline instance.
fn targets(scenario: &Scenario) -> Vec<NodeId> {
    if !scenario.budget.targets.is_empty() {
        return scenario.budget.targets.clone();
    }
    let brokers = (1..=scenario.cluster.brokers).map(NodeId::Broker);
    let instances = scenario.instance_names().into_iter().map(NodeId::Client);
    brokers.chain(instances).collect()
}

/// Every variable the scenario's budget allows over its concrete targets,
/// with no lineage: a crash (or stop, or pause) of each target at each
/// step before EFF, an omission of each target's traffic to the brokers
/// at each step (realized as a cut of a broker from the other brokers, of
/// a client from every broker), and with one-way cuts the brokers' traffic
/// to each client (lost responses). The space of the `random` and
/// `exhaustive` strategies.
pub fn budget_space(scenario: &Scenario) -> HypothesisSpace {
    let targets = targets(scenario);
    let mut links = Vec::new();
    for node in &targets {
        let node = node.to_string();
        if realizable(scenario, &node, BROKERS) {
            links.push((node.clone(), BROKERS.to_string()));
        }
        if !is_broker(&node) && realizable(scenario, BROKERS, &node) {
            links.push((BROKERS.to_string(), node));
        }
    }
    let nodes: Vec<String> = targets.iter().map(|n| n.to_string()).collect();
    within_budget_kinds(scenario, &nodes, links)
}

/// The lineage model in the solver's terms.
pub fn solver_model(model: &lineage::Model) -> solver::Model {
    let outcomes = model
        .outcomes
        .iter()
        .map(|(id, derivations)| solver::Outcome {
            id: id.clone(),
            derivations: derivations
                .iter()
                .map(|d| {
                    d.iter()
                        .map(|fact| match fact {
                            lineage::Fact::Alive { node, step } => {
                                solver::Fact::Alive { node: format!("{node}@{step}"), step: 0 }
                            }
                            lineage::Fact::Link { from, to, step } => {
                                solver::Fact::Link { from: from.clone(), to: to.clone(), step: *step }
                            }
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    solver::Model { outcomes }
}

fn split_crash(node: &str) -> Option<(NodeId, u32)> {
    let (name, step) = crash_name(node);
    Some((name.parse().ok()?, step?))
}

/// The node and the step a crash variable names: `node@step`, as
/// [`solver_model`] writes it; a name without a step is the node alone.
pub(super) fn crash_name(node: &str) -> (&str, Option<u32>) {
    match node.rsplit_once('@') {
        Some((name, step)) => (name, step.parse().ok()),
        None => (node, None),
    }
}

/// How "node not alive during step s" is realized: a crash when the budget
/// allows crashes, else a stop (SIGTERM), else a pause (the node comes back
/// with its state as it was: the zombie a long GC pause makes). The lineage
/// cannot tell them apart; the scenario's kinds choose.
fn down(scenario: &Scenario) -> Option<fn(NodeId) -> Fault> {
    let kinds = &scenario.budget.kinds;
    if kinds.contains(&FaultKind::Crash) {
        Some(|node| Fault::Crash { node })
    } else if kinds.contains(&FaultKind::Stop) {
        Some(|node| Fault::Stop { node })
    } else if kinds.contains(&FaultKind::Pause) {
        Some(|node| Fault::Pause { node })
    } else {
        None
    }
}

/// The fault plan that realizes a hypothesis.
pub fn realize(hypothesis: &Hypothesis, scenario: &Scenario, windows: Windows, seed: u64) -> Result<FaultPlan, String> {
    let eff = scenario.budget.eff;
    let brokers: Vec<NodeId> = (1..=scenario.cluster.brokers).map(NodeId::Broker).collect();
    let mut faults = Vec::new();
    for var in hypothesis {
        match var {
            FaultVar::Crash { node, .. } => {
                let (node, step) = split_crash(node).ok_or_else(|| format!("crash variable {node:?} is not node@step"))?;
                let fault = down(scenario).ok_or("the budget allows no crash, stop or pause")?(node);
                faults.push(PlannedFault { fault, start: step, end: (step + windows.crash_steps).min(eff).max(step + 1) });
            }
            FaultVar::Omission { from, to, step } => {
                let window = |fault| PlannedFault { fault, start: *step, end: (step + windows.cut_steps).min(eff).max(step + 1) };
                if from == BROKERS {
                    // A lost response: everything the brokers send to `to`.
                    let node: NodeId = to.parse()?;
                    faults.push(window(Fault::OneWayCut { from: brokers.clone(), to: vec![node] }));
                    continue;
                }
                let node: NodeId = from.parse()?;
                let right = match &node {
                    NodeId::Role(crate::model::Role::Leader { topic, partition }) => {
                        vec![NodeId::Role(crate::model::Role::Followers { topic: topic.clone(), partition: *partition })]
                    }
                    NodeId::Broker(_) => brokers.iter().filter(|b| **b != node).cloned().collect(),
                    _ => brokers.clone(),
                };
                let kinds = &scenario.budget.kinds;
                let replication = kinds.contains(&FaultKind::ReplicationCut) && is_broker(from);
                let two_way = kinds.iter().any(|k| matches!(k, FaultKind::Cut | FaultKind::Isolate));
                faults.push(window(if replication {
                    Fault::CutReplication { left: vec![node], right }
                } else if two_way {
                    Fault::Cut { left: vec![node], right }
                } else {
                    Fault::OneWayCut { from: vec![node], to: right }
                }));
            }
        }
    }
    Ok(FaultPlan { seed, faults })
}

#[cfg(test)]
mod tests {
    use super::super::plans::{count, PlanCount};
    use super::*;

    fn scenario(faults: &str) -> Scenario {
        let text = format!(
            "name = \"s\"\n[cluster]\nbrokers = 3\n[[topics]]\nname = \"input\"\n[[topics]]\nname = \"output\"\n\
             [pipeline]\nkind = \"copy\"\ninstances = 2\ninput = \"input\"\noutput = \"output\"\n[workload]\nrecords_per_step = 1\n[faults]\n{faults}\n"
        );
        Scenario::parse(std::path::Path::new("test.toml"), &text).expect("valid scenario")
    }

    #[test]
    fn the_budget_space_covers_every_target_and_step_without_lineage() {
        let s = scenario("eot = 5\neff = 4\nkinds = [\"crash\", \"cut\", \"one-way-cut\"]");
        let space = budget_space(&s);
        // 3 brokers and 2 instances, each crashable at steps 0..4.
        assert_eq!(space.crashable.len(), 5 * 4);
        assert!(space.crashable.contains(&"broker-3@3".to_string()) && space.crashable.contains(&"pipeline-2@0".to_string()));
        // Each target's traffic to the brokers; the brokers' to each client.
        let links: BTreeSet<(String, String)> = space.links.iter().cloned().collect();
        assert_eq!(links.len(), 5 + 2);
        assert!(links.contains(&("broker-1".into(), BROKERS.into())));
        assert!(links.contains(&(BROKERS.into(), "pipeline-2".into())));
        assert!(!links.contains(&(BROKERS.into(), "broker-1".into())));
        // 20 crashes, 7 links x 4 steps of omissions, at most one of each.
        assert_eq!(count(&space), PlanCount::Exact(20 + 28 + 20 * 28));
        // A concrete broker's omission is a cut from the other brokers.
        let h: Hypothesis = [FaultVar::omission("broker-2", BROKERS, 1)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(plan.faults[0].fault, Fault::Cut { left: vec![NodeId::broker(2)], right: vec![NodeId::broker(1), NodeId::broker(3)] });
    }

    #[test]
    fn a_lone_broker_is_never_cut_from_other_brokers() {
        let mut s = scenario("eot = 4\neff = 3");
        s.cluster.brokers = 1;
        let links: Vec<(String, String)> = budget_space(&s).links;
        assert_eq!(links, [("pipeline-1".to_string(), BROKERS.to_string()), ("pipeline-2".to_string(), BROKERS.to_string())]);
        assert!(!realizable(&s, "leader(output/1)", BROKERS));
        assert!(realizable(&scenario("eot = 4\neff = 3"), "leader(output/1)", BROKERS));
    }

    #[test]
    fn the_budget_space_keeps_to_the_targets_and_kinds() {
        let s = scenario("eot = 4\neff = 3\nmax_partitions = 0\nkinds = [\"pause\"]\ntargets = [\"broker-1\", \"pipeline-1\"]");
        let space = budget_space(&s);
        assert_eq!(space.crashable, ["broker-1@0", "broker-1@1", "broker-1@2", "pipeline-1@0", "pipeline-1@1", "pipeline-1@2"]);
        assert!(space.links.is_empty());
        assert_eq!(space.max_omissions, 0);
    }

    #[test]
    fn a_replication_cut_budget_realizes_broker_links_as_replication_cuts_and_leaves_clients_alone() {
        let s = scenario("eot = 5\neff = 4\nkinds = [\"crash\", \"replication-cut\"]");
        let space = budget_space(&s);
        // Only the brokers' links: a replication cut cannot drop a client's traffic.
        let froms: BTreeSet<&str> = space.links.iter().map(|(from, _)| from.as_str()).collect();
        assert_eq!(froms, ["broker-1", "broker-2", "broker-3"].into_iter().collect());
        assert_eq!(count(&space), PlanCount::Exact(20 + 12 + 20 * 12));
        let h: Hypothesis = [FaultVar::omission("leader(input/1)", BROKERS, 2)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(
            plan.faults[0].fault,
            Fault::CutReplication { left: vec!["leader(input/1)".parse().unwrap()], right: vec!["followers(input/1)".parse().unwrap()] }
        );
        assert_eq!((plan.faults[0].start, plan.faults[0].end), (2, 4));
        let h: Hypothesis = [FaultVar::omission("broker-3", BROKERS, 0)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(plan.faults[0].fault, Fault::CutReplication { left: vec![NodeId::broker(3)], right: vec![NodeId::broker(1), NodeId::broker(2)] });
        // The lineage's client links are left out of ldfi's space the same way.
        let mut model = lineage::Model::default();
        let support = [
            lineage::Fact::Link { from: "pipeline-1".into(), to: BROKERS.into(), step: 1 },
            lineage::Fact::Link { from: "leader(input/0)".into(), to: BROKERS.into(), step: 1 },
        ];
        model.outcomes.insert("r:a".into(), [support.into_iter().collect()].into());
        assert_eq!(super::space(&s, &model).links, vec![("leader(input/0)".to_string(), BROKERS.to_string())]);
    }
}
