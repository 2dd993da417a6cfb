//! The hypothesis space of a campaign, and how a hypothesis becomes a fault
//! plan. Pure.
//!
//! The solver's fault variables are "node n down during step s" and "drop
//! packets from n to the other brokers during step s" (and, with one-way
//! cuts, "the brokers' packets to client n"). Lineage facts map to them one
//! to one: `Alive{n, s}` is cut by a crash of n at s, `Link{n, brokers, s}`
//! by an omission at s (see [`crate::solver::FaultVar::cuts`]). A crash is
//! realized as a bounded window, not a permanent death: after it the node
//! restarts with its data (that is Kafka's reality, and what lets the
//! search learn the recovery path).
//!
//! A broker's omission variable stands for its replication link (a
//! follower fetched from it). With `replication-cut` in the budget it is
//! realized as exactly that, [`Fault::CutReplication`]: a full cut between
//! brokers also cuts the leader off the active controller when that
//! controller is among its followers, which fences it and elects a new
//! leader cleanly, a recovery the hypothesis did not ask for (measured on
//! `unclean-election`, where it hid the loss in most runs).
//!
//! A degraded link (`lossy-link`, `slow-link`) realizes the same omission
//! variable in a weaker way: n's packets to the brokers dropped at random
//! ([`Fault::LossyLink`], both ways on n's side), or everything n sends
//! held to a rate ([`Fault::SlowLink`]). There is no variable of its own:
//! what a late or lost packet breaks is what a dropped link breaks (an
//! answer that does not come in time), and no source of lineage says
//! which step a retransmitted packet belonged to. Sound because it is the
//! only network kind of its campaign (the scenario refuses it beside a cut
//! or the other degraded kind): every omission hypothesis is injected as
//! that kind and no other, a survived one is survived under that kind,
//! and the certificate names it ("1 degraded link (lossy-link)"). The
//! fault is weaker than a cut, not stronger, so a survived lossy link
//! proves nothing of a cut and is never taken to; nor, since a lossy
//! link may break what a cut does not (a write that arrives, whose answer
//! is late), is a cut taken for it. Loss is random: `tries` above 1 gives
//! a plan more than one draw before it counts as survived.
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
//! budget space, so the strategies are compared on the same plans. Both
//! are [`HypothesisSpace`]s, whose variables and budget the solver defines
//! ([`HypothesisSpace::vars`], [`HypothesisSpace::within_budget`]); this
//! module only chooses their nodes, links and counts from the scenario.

use std::collections::BTreeSet;

use crate::lineage::{Fact, Model};
use crate::model::{Fault, FaultPlan, NodeId, PlannedFault, Role};
use crate::scenario::{is_broker, FaultKind, Realizes, Scenario};
use crate::solver::{FaultVar, Hypothesis, HypothesisSpace, Peer};

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

/// Which nodes the scenario lets the budget fault.
struct Targets<'a> {
    scenario: &'a Scenario,
    instances: BTreeSet<String>,
}

impl Targets<'_> {
    fn of(scenario: &Scenario) -> Targets<'_> {
        Targets { scenario, instances: scenario.instance_names().into_iter().collect() }
    }

    /// Whether a node named in lineage may be faulted: roles stand for
    /// brokers, and with no targets listed every broker and pipeline
    /// instance is one.
    fn allow(&self, node: &NodeId) -> bool {
        let targets = &self.scenario.budget.targets;
        match node {
            NodeId::Role(_) => targets.is_empty() || targets.iter().any(|t| matches!(t, NodeId::Broker(_))),
            NodeId::Broker(b) => *b <= self.scenario.cluster.brokers && (targets.is_empty() || targets.contains(node)),
            NodeId::Client(name) => {
                if targets.is_empty() {
                    self.instances.contains(name)
                } else {
                    targets.contains(node)
                }
            }
        }
    }
}

/// The space over the nodes the lineage names (roles and concrete nodes),
/// within the scenario's targets, kinds and budget. Nodes and links are
/// listed in the order of their names as text, as they always were.
pub fn space(scenario: &Scenario, model: &Model) -> HypothesisSpace {
    let targets = Targets::of(scenario);
    let mut nodes = BTreeSet::new();
    let mut linked = BTreeSet::new();
    for fact in model.facts() {
        match fact {
            Fact::Alive { node, .. } => {
                nodes.insert(node);
            }
            Fact::Link { from, to, .. } => {
                let faulted = if *from == Peer::Brokers { to } else { from };
                if faulted.node().is_some_and(|n| targets.allow(n)) && realizable(scenario, from, to) {
                    linked.insert((from.clone(), to.clone()));
                }
            }
        }
    }
    let mut crashable: Vec<NodeId> = nodes.into_iter().filter(|n| targets.allow(n)).cloned().collect();
    crashable.sort_by_cached_key(NodeId::to_string);
    let mut links: Vec<(Peer, Peer)> = linked.into_iter().collect();
    links.sort_by_cached_key(|(from, to)| (from.to_string(), to.to_string()));
    over(scenario, crashable, links)
}

/// Whether the budget's kinds can drop the traffic of a link variable.
/// Responses (`brokers -> n`) are droppable on their own only with one-way
/// cuts; a two-way cut of n drops them with n's requests, which its `n ->
/// brokers` variable already stands for. A broker's link to the other
/// brokers (its replication) is dropped by any cut; a client's only by a
/// cut of every packet (a replication cut leaves clients alone). A lone
/// broker has no other broker to be cut from.
fn realizable(scenario: &Scenario, from: &Peer, to: &Peer) -> bool {
    let kinds = &scenario.budget.kinds;
    let Peer::Node(node) = from else {
        return kinds.contains(&FaultKind::OneWayCut);
    };
    if is_broker(node) && scenario.cluster.brokers < 2 {
        return false;
    }
    kinds
        .iter()
        .any(|k| k.realizes() == Realizes::Link && k.acts_on(node) && (!k.brokers_only() || *to == Peer::Brokers))
}

/// The space over these nodes and links, as far as the budget's kinds
/// allow: no node that can be down without a kind that takes it down
/// (crash, stop, pause; disk loss for a broker), no link without a cut.
fn over(scenario: &Scenario, nodes: Vec<NodeId>, links: Vec<(Peer, Peer)>) -> HypothesisSpace {
    let budget = &scenario.budget;
    let crashable: Vec<NodeId> = nodes.into_iter().filter(|n| down(scenario, n).is_some()).collect();
    let crash = !crashable.is_empty();
    let cut = budget.kinds.iter().any(FaultKind::is_partition);
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
        let peer = Peer::Node(node.clone());
        if realizable(scenario, &peer, &Peer::Brokers) {
            links.push((peer.clone(), Peer::Brokers));
        }
        if !is_broker(node) && realizable(scenario, &Peer::Brokers, &peer) {
            links.push((Peer::Brokers, peer));
        }
    }
    over(scenario, targets, links)
}

/// How "node not alive during step s" is realized: a crash when the budget
/// allows crashes, else a stop (SIGTERM), else a pause (the node comes back
/// with its state as it was: the zombie a long GC pause makes). The lineage
/// cannot tell them apart; the scenario's kinds choose. With `disk-loss`, a
/// broker's (or a broker role's) crash also loses its disk: the strongest
/// way for it to be down, the one a replication factor of 1 does not
/// survive; a pipeline instance, which has no disk of ldfi's to lose, is
/// crashed as the other kinds say.
fn down(scenario: &Scenario, node: &NodeId) -> Option<Fault> {
    FaultKind::realize(&scenario.budget, Realizes::Down, node, &[])
}

/// The fault plan that realizes a hypothesis.
pub fn realize(hypothesis: &Hypothesis, scenario: &Scenario, windows: Windows, seed: u64) -> Result<FaultPlan, String> {
    let eff = scenario.budget.eff;
    let brokers: Vec<NodeId> = (1..=scenario.cluster.brokers).map(NodeId::Broker).collect();
    let mut faults = Vec::new();
    for var in hypothesis {
        match var {
            FaultVar::Crash { node, step } => {
                let fault = down(scenario, node).ok_or_else(|| format!("the budget allows no way to take {node} down"))?;
                faults.push(PlannedFault { fault, start: *step, end: (step + windows.crash_steps).min(eff).max(step + 1) });
            }
            FaultVar::Omission { from, to, step } => {
                let window = |fault| PlannedFault { fault, start: *step, end: (step + windows.cut_steps).min(eff).max(step + 1) };
                let node = match (from, to) {
                    (Peer::Node(node), _) => node,
                    (Peer::Brokers, Peer::Node(node)) => {
                        // A lost response: everything the brokers send to `node`.
                        faults.push(window(Fault::OneWayCut { from: brokers.clone(), to: vec![node.clone()] }));
                        continue;
                    }
                    (Peer::Brokers, Peer::Brokers) => return Err(format!("{var} names no node")),
                };
                let right = match node {
                    NodeId::Role(Role::Leader { topic, partition }) => {
                        vec![NodeId::Role(Role::Followers { topic: topic.clone(), partition: *partition })]
                    }
                    NodeId::Broker(_) => brokers.iter().filter(|b| *b != node).cloned().collect(),
                    _ => brokers.clone(),
                };
                let fault = FaultKind::realize(&scenario.budget, Realizes::Link, node, &right)
                    .ok_or_else(|| format!("the budget allows no way to drop the packets of {node}"))?;
                faults.push(window(fault));
            }
        }
    }
    Ok(FaultPlan { seed, faults: joined(faults) })
}

/// The same fault over windows that overlap or meet, as one window: two
/// crash variables of a node at steps 18 and 19 mean it is down over
/// both, not killed again while it is down (which no engine can do).
fn joined(faults: Vec<PlannedFault>) -> Vec<PlannedFault> {
    let mut out: Vec<PlannedFault> = Vec::with_capacity(faults.len());
    for f in faults {
        let meets = |o: &PlannedFault| o.fault == f.fault && o.start <= f.end && f.start <= o.end;
        match out.iter_mut().find(|o| meets(o)) {
            Some(o) => (o.start, o.end) = (o.start.min(f.start), o.end.max(f.end)),
            None => out.push(f),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::plans::{count, PlanCount};
    use super::*;
    use crate::solver::testing::{crash, link, node, omission, peer};

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
        assert_eq!(space.crash_count(), 5 * 4);
        assert!(space.vars().contains(&crash("broker-3", 3)) && space.vars().contains(&crash("pipeline-2", 0)));
        // Each target's traffic to the brokers; the brokers' to each client.
        let links: BTreeSet<(Peer, Peer)> = space.links.iter().cloned().collect();
        assert_eq!(links.len(), 5 + 2);
        assert!(links.contains(&(peer("broker-1"), Peer::Brokers)));
        assert!(links.contains(&(Peer::Brokers, peer("pipeline-2"))));
        assert!(!links.contains(&(Peer::Brokers, peer("broker-1"))));
        // 20 crashes, 7 links x 4 steps of omissions, at most one of each.
        assert_eq!(count(&space), PlanCount::Exact(20 + 28 + 20 * 28));
        // A concrete broker's omission is a cut from the other brokers.
        let h: Hypothesis = [omission("broker-2", "brokers", 1)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(plan.faults[0].fault, Fault::Cut { left: vec![NodeId::broker(2)], right: vec![NodeId::broker(1), NodeId::broker(3)] });
    }

    #[test]
    fn a_campaign_of_degraded_links_explores_every_link_and_injects_only_its_kind() {
        let s = scenario("eot = 5\neff = 4\nmax_crashes = 0\nkinds = [\"lossy-link\"]\nloss = 0.4");
        let space = budget_space(&s);
        // Each target's traffic to the brokers, as with a two-way cut; lost
        // responses alone need a one-way cut.
        assert_eq!(space.links.len(), 5);
        assert!(space.links.iter().all(|(_, to)| *to == Peer::Brokers));
        assert_eq!((space.max_omissions, space.crash_count()), (1, 0));
        assert_eq!(count(&space), PlanCount::Exact(5 * 4));
        let h: Hypothesis = [omission("leader(output/0)", "brokers", 1)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(
            plan.faults[0].fault,
            Fault::LossyLink {
                left: vec!["leader(output/0)".parse().unwrap()],
                right: vec!["followers(output/0)".parse().unwrap()],
                loss: crate::model::Loss::new(0.4).unwrap(),
            }
        );
        assert_eq!((plan.faults[0].start, plan.faults[0].end), (1, 3));
        // ldfi's space takes the lineage's links too, with no cut listed.
        let mut model = Model::default();
        model.outcomes.insert("r:a".into(), [[link("pipeline-1", "brokers", 2)].into_iter().collect()].into());
        assert_eq!(super::space(&s, &model).links, vec![(peer("pipeline-1"), Peer::Brokers)]);

        let s = scenario("eot = 5\neff = 4\nkinds = [\"crash\", \"slow-link\"]\nrate = \"128kbit\"");
        let h: Hypothesis = [omission("pipeline-2", "brokers", 0), crash("broker-1", 2)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        let faults: Vec<&Fault> = plan.faults.iter().map(|p| &p.fault).collect();
        assert!(faults.contains(&&Fault::SlowLink { node: NodeId::client("pipeline-2"), rate: "128kbit".parse().unwrap() }));
        assert!(faults.contains(&&Fault::Crash { node: NodeId::broker(1) }));
    }

    #[test]
    fn a_lone_broker_is_never_cut_from_other_brokers() {
        let mut s = scenario("eot = 4\neff = 3");
        s.cluster.brokers = 1;
        let links: Vec<(Peer, Peer)> = budget_space(&s).links;
        assert_eq!(links, [(peer("pipeline-1"), Peer::Brokers), (peer("pipeline-2"), Peer::Brokers)]);
        assert!(!realizable(&s, &peer("leader(output/1)"), &Peer::Brokers));
        assert!(realizable(&scenario("eot = 4\neff = 3"), &peer("leader(output/1)"), &Peer::Brokers));
    }

    #[test]
    fn the_budget_space_keeps_to_the_targets_and_kinds() {
        let s = scenario("eot = 4\neff = 3\nmax_partitions = 0\nkinds = [\"pause\"]\ntargets = [\"broker-1\", \"pipeline-1\"]");
        let space = budget_space(&s);
        assert_eq!(space.crashable, [node("broker-1"), node("pipeline-1")]);
        assert_eq!(space.crash_count(), 6);
        assert!(space.links.is_empty());
        assert_eq!(space.max_omissions, 0);
    }

    #[test]
    fn a_replication_cut_budget_realizes_broker_links_as_replication_cuts_and_leaves_clients_alone() {
        let s = scenario("eot = 5\neff = 4\nkinds = [\"crash\", \"replication-cut\"]");
        let space = budget_space(&s);
        // Only the brokers' links: a replication cut cannot drop a client's traffic.
        let froms: BTreeSet<String> = space.links.iter().map(|(from, _)| from.to_string()).collect();
        assert_eq!(froms, ["broker-1", "broker-2", "broker-3"].map(String::from).into_iter().collect());
        assert_eq!(count(&space), PlanCount::Exact(20 + 12 + 20 * 12));
        let h: Hypothesis = [omission("leader(input/1)", "brokers", 2)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(
            plan.faults[0].fault,
            Fault::CutReplication { left: vec!["leader(input/1)".parse().unwrap()], right: vec!["followers(input/1)".parse().unwrap()] }
        );
        assert_eq!((plan.faults[0].start, plan.faults[0].end), (2, 4));
        let h: Hypothesis = [omission("broker-3", "brokers", 0)].into_iter().collect();
        let plan = realize(&h, &s, Windows::default(), 1).unwrap();
        assert_eq!(plan.faults[0].fault, Fault::CutReplication { left: vec![NodeId::broker(3)], right: vec![NodeId::broker(1), NodeId::broker(2)] });
        // The lineage's client links are left out of ldfi's space the same way.
        let mut model = Model::default();
        let support = [
            link("pipeline-1", "brokers", 1),
            link("leader(input/0)", "brokers", 1),
        ];
        model.outcomes.insert("r:a".into(), [support.into_iter().collect()].into());
        assert_eq!(super::space(&s, &model).links, vec![(peer("leader(input/0)"), Peer::Brokers)]);
    }

    #[test]
    fn disk_loss_realizes_a_brokers_crash_and_leaves_instances_to_crash() {
        let s = scenario("eot = 5\neff = 4\nkinds = [\"crash\", \"disk-loss\"]\nmax_partitions = 0");
        let down = |node: &str| {
            let h: Hypothesis = [crash(node, 1)].into_iter().collect();
            realize(&h, &s, Windows::default(), 1).unwrap().faults[0].fault.clone()
        };
        assert_eq!(down("broker-2"), Fault::DiskLoss { node: NodeId::broker(2) });
        assert_eq!(down("leader(input/0)"), Fault::DiskLoss { node: "leader(input/0)".parse().unwrap() });
        assert_eq!(down("pipeline-1"), Fault::Crash { node: NodeId::client("pipeline-1") });
        // Without a kind for instances, only brokers can be taken down.
        let brokers_only = scenario("eot = 5\neff = 4\nkinds = [\"disk-loss\"]\nmax_partitions = 0");
        let space = budget_space(&brokers_only);
        assert!(space.crashable.iter().all(|n| matches!(n, NodeId::Broker(_))), "{:?}", space.crashable);
        assert!(!space.crashable.is_empty());
        let h: Hypothesis = [crash("pipeline-1", 1)].into_iter().collect();
        assert!(realize(&h, &brokers_only, Windows::default(), 1).unwrap_err().contains("pipeline-1"));
    }

    #[test]
    fn the_same_fault_over_windows_that_meet_is_one_fault() {
        let s = scenario("eot = 8\neff = 8\nkinds = [\"crash\", \"isolate\"]\nmax_crashes = 2\nmax_partitions = 2");
        let plan = |h: &[FaultVar]| realize(&h.iter().cloned().collect(), &s, Windows::default(), 1).unwrap();
        let windows = |p: &FaultPlan| p.faults.iter().map(|f| (f.fault.to_string(), f.start, f.end)).collect::<Vec<_>>();
        assert_eq!(windows(&plan(&[crash("broker-2", 3), crash("broker-2", 4)])), [("crash broker-2".to_string(), 3, 6)]);
        assert_eq!(windows(&plan(&[crash("broker-2", 3), crash("broker-2", 5)])), [("crash broker-2".to_string(), 3, 7)]);
        // Apart, each is its own crash and restart; other nodes are other faults.
        assert_eq!(plan(&[crash("broker-2", 1), crash("broker-2", 5)]).faults.len(), 2);
        assert_eq!(plan(&[crash("broker-1", 3), crash("broker-2", 3)]).faults.len(), 2);
        let cuts = plan(&[omission("pipeline-1", "brokers", 2), omission("pipeline-1", "brokers", 3)]);
        assert_eq!(cuts.faults.len(), 1);
        assert_eq!((cuts.faults[0].start, cuts.faults[0].end), (2, 5));
    }
}
