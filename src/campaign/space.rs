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
//! The same space serves every strategy: `ldfi` asks the solver for
//! hypotheses that cut some outcome's every derivation; `exhaustive` and
//! `random` draw from all subsets within the budget.

use std::collections::BTreeSet;

use crate::cluster::NodeId;
use crate::lineage::{self, BROKERS};
use crate::nemesis::{Fault, FaultPlan, PlannedFault};
use crate::scenario::{FaultKind, Scenario};
use crate::solver::{self, FaultVar, Hypothesis, HypothesisSpace};
use crate::workload::mix;

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
    let budget = &scenario.budget;
    let crash = down(scenario).is_some();
    let cut = budget.kinds.iter().any(|k| matches!(k, FaultKind::Cut | FaultKind::Isolate | FaultKind::OneWayCut));
    // Responses (`brokers -> n`) are droppable on their own only with
    // one-way cuts; a two-way cut of n drops them with n's requests, which
    // its `n -> brokers` variable already stands for.
    let one_way = budget.kinds.contains(&FaultKind::OneWayCut);
    let mut nodes = BTreeSet::new();
    let mut linked = BTreeSet::new();
    for fact in model.outcomes.values().flatten().flatten() {
        match fact {
            lineage::Fact::Alive { node, .. } => {
                nodes.insert(node.clone());
            }
            lineage::Fact::Link { from, to, .. } if from == BROKERS => {
                if one_way && allowed(scenario, to) {
                    linked.insert((from.clone(), to.clone()));
                }
            }
            lineage::Fact::Link { from, to, .. } => {
                if allowed(scenario, from) {
                    linked.insert((from.clone(), to.clone()));
                }
            }
        }
    }
    let crashable = if crash {
        nodes
            .iter()
            .filter(|n| allowed(scenario, n))
            .flat_map(|n| (0..budget.eff).map(move |s| format!("{n}@{s}")))
            .collect()
    } else {
        Vec::new()
    };
    let links = if cut {
        linked.into_iter().collect()
    } else {
        Vec::new()
    };
    HypothesisSpace {
        crashable,
        links,
        eff: budget.eff,
        max_crashes: if crash { budget.max_crashes } else { 0 },
        max_omissions: if cut { budget.max_partitions } else { 0 },
    }
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
    let (name, step) = node.rsplit_once('@')?;
    Some((name.parse().ok()?, step.parse().ok()?))
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
                    NodeId::Role(crate::cluster::Role::Leader { topic, partition }) => {
                        vec![NodeId::Role(crate::cluster::Role::Followers { topic: topic.clone(), partition: *partition })]
                    }
                    NodeId::Broker(_) => brokers.iter().filter(|b| **b != node).cloned().collect(),
                    _ => brokers.clone(),
                };
                let two_way = scenario.budget.kinds.iter().any(|k| matches!(k, FaultKind::Cut | FaultKind::Isolate));
                faults.push(window(if two_way {
                    Fault::Cut { left: vec![node], right }
                } else {
                    Fault::OneWayCut { from: vec![node], to: right }
                }));
            }
        }
    }
    Ok(FaultPlan { seed, faults })
}

/// Every variable of the space.
pub fn variables(space: &HypothesisSpace) -> Vec<FaultVar> {
    let mut vars: Vec<FaultVar> =
        space.crashable.iter().map(|n| FaultVar::Crash { node: n.clone(), step: 0 }).collect();
    for (from, to) in &space.links {
        for step in 0..space.eff {
            vars.push(FaultVar::Omission { from: from.clone(), to: to.clone(), step });
        }
    }
    vars
}

/// Whether a set of variables is within the budget.
pub fn within_budget(space: &HypothesisSpace, h: &Hypothesis) -> bool {
    let crashes = h.iter().filter(|v| matches!(v, FaultVar::Crash { .. })).count() as u32;
    let omissions = h.len() as u32 - crashes;
    crashes <= space.max_crashes && omissions <= space.max_omissions
}

/// The `index`-th non-empty hypothesis within budget, in order of size
/// (the exhaustive strategy), or `None` past the end. Enumerates lazily.
pub fn exhaustive(space: &HypothesisSpace) -> impl Iterator<Item = Hypothesis> + '_ {
    let vars = variables(space);
    let max = (space.max_crashes + space.max_omissions) as usize;
    (1..=max.min(vars.len())).flat_map(move |size| {
        let vars = vars.clone();
        combinations(vars.len(), size)
            .map(move |picked| picked.iter().map(|i| vars[*i].clone()).collect::<Hypothesis>())
            .filter(|h| within_budget(space, h))
    })
}

/// All `k`-subsets of `0..n`, in lexicographic order.
fn combinations(n: usize, k: usize) -> impl Iterator<Item = Vec<usize>> {
    let mut current: Option<Vec<usize>> = if k <= n { Some((0..k).collect()) } else { None };
    std::iter::from_fn(move || {
        let result = current.clone()?;
        let mut next = result.clone();
        let mut i = k;
        loop {
            if i == 0 {
                current = None;
                break;
            }
            i -= 1;
            if next[i] < n - k + i {
                next[i] += 1;
                for j in i + 1..k {
                    next[j] = next[j - 1] + 1;
                }
                current = Some(next);
                break;
            }
        }
        Some(result)
    })
}

/// A uniformly drawn non-empty hypothesis within budget (the random
/// strategy): each crash and omission slot picks a variable or stays empty.
pub fn random(space: &HypothesisSpace, seed: u64, draw: u64) -> Option<Hypothesis> {
    let vars = variables(space);
    if vars.is_empty() {
        return None;
    }
    let crashes: Vec<&FaultVar> = vars.iter().filter(|v| matches!(v, FaultVar::Crash { .. })).collect();
    let omissions: Vec<&FaultVar> = vars.iter().filter(|v| matches!(v, FaultVar::Omission { .. })).collect();
    for attempt in 0..1000u64 {
        let mut r = mix(seed ^ mix(draw.wrapping_mul(7919).wrapping_add(attempt)));
        let mut h = Hypothesis::new();
        for (pool, slots) in [(&crashes, space.max_crashes), (&omissions, space.max_omissions)] {
            for _ in 0..slots {
                r = mix(r);
                let pick = (r % (pool.len() as u64 + 1)) as usize;
                if pick < pool.len() {
                    h.insert(pool[pick].clone());
                }
            }
        }
        if !h.is_empty() && within_budget(space, &h) {
            return Some(h);
        }
    }
    None
}

/// How many hypotheses the exhaustive strategy would try.
pub fn exhaustive_size(space: &HypothesisSpace) -> usize {
    exhaustive(space).count()
}
