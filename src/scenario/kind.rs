//! The fault kinds a scenario may list, and what each one is: the solver
//! variable it realizes, the nodes it acts on, its place among the kinds
//! that realize the same variable, and the fault it builds.
//!
//! One table, so that a new kind is one entry here, its [`Fault`] variant
//! (the data, its nodes and its words, in `model/fault.rs`) and its
//! injection in the nemesis: the search, the validation of a scenario and
//! the budget's words read these properties and name no kind.

use serde::{Deserialize, Serialize};

use super::FaultBudget;
use crate::model::{Fault, NodeId};

/// Fault kinds a budget allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    Crash,
    Stop,
    Pause,
    Isolate,
    Cut,
    OneWayCut,
    /// A broker's replication traffic only (the broker listener between
    /// brokers); the controller quorum still flows. See
    /// [`Fault::CutReplication`].
    ReplicationCut,
    /// Packets of a link dropped at random, `[faults] loss` of them:
    /// [`Fault::LossyLink`].
    LossyLink,
    /// What a node sends limited to `[faults] rate`: [`Fault::SlowLink`].
    SlowLink,
    /// A broker killed and restarted on an empty disk: [`Fault::DiskLoss`].
    /// It realizes a broker's crash; pipeline instances are crashed as
    /// `crash` says.
    DiskLoss,
    /// Every TCP packet of a link answered with a reset: [`Fault::Reset`].
    Reset,
    /// Every packet of a link held for `[faults] delay`:
    /// [`Fault::DelayLink`].
    DelayLink,
    /// A pipeline instance killed in the middle of its batch:
    /// [`Fault::CrashInFlight`]. It realizes an instance's crash; brokers
    /// are crashed as `crash` says.
    CrashInFlight,
}

/// Which solver variable a kind realizes: "node n down during step s" or
/// "n's packets to its peers dropped during step s". The lineage cannot
/// tell the kinds of one variable apart; the budget chooses among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realizes {
    Down,
    Link,
}

/// The nodes a kind that refines another acts on, and what it does to
/// one, in the words of a budget that lists it beside the general kind
/// ("1 crash (a broker's with its disk lost)").
#[derive(Debug, Clone, Copy)]
enum Only {
    Brokers(&'static str),
    Instances(&'static str),
}

/// What a kind is, in one place.
struct Spec {
    name: &'static str,
    realizes: Realizes,
    /// Among the listed kinds that realize the same variable for a node,
    /// the lowest rank is injected. A kind that acts on some nodes only
    /// ranks before the general one it refines (a disk loss or a crash in
    /// flight before a crash, a replication cut before a cut); a degraded
    /// link before any cut, since it is the only network kind of its
    /// campaign anyway.
    rank: u8,
    /// It acts on brokers (and roles standing for brokers) only, or on
    /// pipeline instances only, refining the general kind for them.
    only: Option<Only>,
    /// A degraded link: its packets still flow, some lost or late.
    degraded: bool,
    /// It realizes its variable in a way of its own, which no other kind
    /// stands for: listed beside another kind of the same variable, one of
    /// them would never be injected, and a certificate would name it.
    alone: bool,
}

impl FaultKind {
    pub const ALL: [FaultKind; 13] = [
        FaultKind::Crash,
        FaultKind::Stop,
        FaultKind::Pause,
        FaultKind::Isolate,
        FaultKind::Cut,
        FaultKind::OneWayCut,
        FaultKind::ReplicationCut,
        FaultKind::LossyLink,
        FaultKind::SlowLink,
        FaultKind::DiskLoss,
        FaultKind::Reset,
        FaultKind::DelayLink,
        FaultKind::CrashInFlight,
    ];

    fn spec(&self) -> Spec {
        use Only::{Brokers, Instances};
        use Realizes::{Down, Link};
        // name, variable, rank, the nodes it refines its variable for (and what it does to one), degraded, alone
        let (name, realizes, rank, only, degraded, alone) = match self {
            FaultKind::DiskLoss => ("disk-loss", Down, 0, Some(Brokers("a broker's with its disk lost")), false, false),
            FaultKind::CrashInFlight => {
                ("crash-in-flight", Down, 0, Some(Instances("an instance's in the middle of its batch")), false, false)
            }
            FaultKind::Crash => ("crash", Down, 1, None, false, false),
            FaultKind::Stop => ("stop", Down, 2, None, false, false),
            FaultKind::Pause => ("pause", Down, 3, None, false, false),
            FaultKind::LossyLink => ("lossy-link", Link, 0, None, true, true),
            FaultKind::SlowLink => ("slow-link", Link, 1, None, true, true),
            FaultKind::DelayLink => ("delay-link", Link, 1, None, true, true),
            FaultKind::Reset => ("reset", Link, 2, None, false, true),
            FaultKind::ReplicationCut => ("replication-cut", Link, 3, Some(Brokers("a broker's replication only")), false, false),
            FaultKind::Cut => ("cut", Link, 4, None, false, false),
            FaultKind::Isolate => ("isolate", Link, 4, None, false, false),
            FaultKind::OneWayCut => ("one-way-cut", Link, 5, None, false, false),
        };
        Spec { name, realizes, rank, only, degraded, alone }
    }

    /// The fault of this kind on `node`, from `node` to `peers` for a link
    /// (both ways where the kind cuts both ways). Always `Some` when the
    /// kind can act on `node` ([`FaultKind::acts_on`]).
    fn build(&self, node: &NodeId, peers: &[NodeId], budget: &FaultBudget) -> Fault {
        let (left, right) = (vec![node.clone()], peers.to_vec());
        let node = node.clone();
        match self {
            FaultKind::Crash => Fault::Crash { node },
            FaultKind::Stop => Fault::Stop { node },
            FaultKind::Pause => Fault::Pause { node },
            FaultKind::DiskLoss => Fault::DiskLoss { node },
            FaultKind::LossyLink => Fault::LossyLink { left, right, loss: budget.loss },
            FaultKind::SlowLink => Fault::SlowLink { node, rate: budget.rate },
            FaultKind::ReplicationCut => Fault::CutReplication { left, right },
            // An isolation of n from its peers is a cut of n from them.
            FaultKind::Cut | FaultKind::Isolate => Fault::Cut { left, right },
            FaultKind::OneWayCut => Fault::OneWayCut { from: left, to: right },
            FaultKind::Reset => Fault::Reset { left, right },
            FaultKind::DelayLink => Fault::DelayLink { left, right, delay: budget.delay },
            FaultKind::CrashInFlight => Fault::CrashInFlight { node, delay: budget.delay },
        }
    }

    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    pub fn realizes(&self) -> Realizes {
        self.spec().realizes
    }

    /// Whether the kind acts on the network (a partition, or a degraded
    /// link) rather than stopping a node; it counts against
    /// `max_partitions`.
    pub fn is_partition(&self) -> bool {
        self.realizes() == Realizes::Link
    }

    /// Whether the kind degrades a link (its packets still flow, some
    /// lost, or late) rather than cutting it.
    pub fn is_degraded_link(&self) -> bool {
        self.spec().degraded
    }

    /// Whether the kind must be the only one of its variable in a
    /// campaign (a degraded link, a reset): see `Spec::alone`.
    pub fn alone(&self) -> bool {
        self.spec().alone
    }

    /// Whether the kind acts on brokers only (a disk loss, a replication
    /// cut): listed, it refines its variable for brokers and leaves the
    /// other nodes to the general kind beside it.
    pub fn brokers_only(&self) -> bool {
        matches!(self.spec().only, Some(Only::Brokers(_)))
    }

    /// Whether the kind acts on pipeline instances only (a crash in
    /// flight): listed, it refines its variable for them and leaves
    /// brokers to the general kind beside it.
    pub fn instances_only(&self) -> bool {
        matches!(self.spec().only, Some(Only::Instances(_)))
    }

    /// Whether the kind acts on some nodes only, refining the general kind
    /// of its variable for them.
    pub fn refines(&self) -> bool {
        self.spec().only.is_some()
    }

    /// What a kind that refines another does to a node it acts on, in the
    /// words of a budget that lists it beside the general kind.
    pub fn refinement(&self) -> Option<&'static str> {
        self.spec().only.map(|only| match only {
            Only::Brokers(words) | Only::Instances(words) => words,
        })
    }

    /// Whether the kind can act on `node`.
    pub fn acts_on(&self, node: &NodeId) -> bool {
        match self.spec().only {
            None => true,
            Some(Only::Brokers(_)) => is_broker(node),
            Some(Only::Instances(_)) => is_instance(node),
        }
    }

    /// The fault that realizes `realizes` on `node` under the budget: the
    /// first of its kinds, by rank, that acts on the node; `peers` are the
    /// other end of a link. `None` when no listed kind does.
    pub fn realize(budget: &FaultBudget, realizes: Realizes, node: &NodeId, peers: &[NodeId]) -> Option<Fault> {
        budget
            .kinds
            .iter()
            .filter(|k| k.realizes() == realizes && k.acts_on(node))
            .min_by_key(|k| k.spec().rank)
            .map(|k| k.build(node, peers, budget))
    }
}

/// A concrete broker or a role standing for brokers.
pub fn is_broker(node: &NodeId) -> bool {
    matches!(node, NodeId::Broker(_) | NodeId::Role(_))
}

/// A pipeline instance: a client node other than the workload.
pub fn is_instance(node: &NodeId) -> bool {
    matches!(node, NodeId::Client(name) if name != "workload")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(kinds: &[FaultKind]) -> FaultBudget {
        FaultBudget {
            eot: 10,
            eff: 8,
            max_crashes: 1,
            max_partitions: 1,
            max_faults: None,
            kinds: kinds.to_vec(),
            targets: Vec::new(),
            loss: FaultBudget::default_loss(),
            rate: FaultBudget::default_rate(),
            delay: FaultBudget::default_delay(),
        }
    }

    #[test]
    fn names_are_the_serde_names_and_distinct() {
        for kind in FaultKind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.name()));
        }
        let mut names: Vec<&str> = FaultKind::ALL.iter().map(FaultKind::name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FaultKind::ALL.len());
    }

    #[test]
    fn a_broker_only_kind_refines_its_variable_for_brokers_and_leaves_clients_to_the_other() {
        let b = budget(&[FaultKind::Crash, FaultKind::DiskLoss, FaultKind::ReplicationCut, FaultKind::Cut]);
        let (broker, client) = (NodeId::broker(1), NodeId::client("pipeline-1"));
        let peers = [NodeId::broker(2)];
        assert_eq!(FaultKind::realize(&b, Realizes::Down, &broker, &[]), Some(Fault::DiskLoss { node: broker.clone() }));
        assert_eq!(FaultKind::realize(&b, Realizes::Down, &client, &[]), Some(Fault::Crash { node: client.clone() }));
        assert_eq!(
            FaultKind::realize(&b, Realizes::Link, &broker, &peers),
            Some(Fault::CutReplication { left: vec![broker.clone()], right: peers.to_vec() })
        );
        assert_eq!(
            FaultKind::realize(&b, Realizes::Link, &client, &peers),
            Some(Fault::Cut { left: vec![client.clone()], right: peers.to_vec() })
        );
        let only_disks = budget(&[FaultKind::DiskLoss]);
        assert_eq!(FaultKind::realize(&only_disks, Realizes::Down, &client, &[]), None);
        assert_eq!(FaultKind::realize(&only_disks, Realizes::Link, &broker, &peers), None);
    }

    #[test]
    fn a_crash_in_flight_refines_an_instance_s_crash_and_leaves_brokers_and_the_workload_to_crash() {
        let b = budget(&[FaultKind::Crash, FaultKind::CrashInFlight, FaultKind::Isolate]);
        let (broker, instance) = (NodeId::broker(1), NodeId::client("pipeline-2"));
        assert_eq!(FaultKind::realize(&b, Realizes::Down, &broker, &[]), Some(Fault::Crash { node: broker.clone() }));
        assert_eq!(
            FaultKind::realize(&b, Realizes::Down, &instance, &[]),
            Some(Fault::CrashInFlight { node: instance.clone(), delay: b.delay })
        );
        let workload = NodeId::client("workload");
        assert_eq!(FaultKind::realize(&b, Realizes::Down, &workload, &[]), Some(Fault::Crash { node: workload }));
        let only = budget(&[FaultKind::CrashInFlight]);
        assert_eq!(FaultKind::realize(&only, Realizes::Down, &broker, &[]), None);
        assert!(FaultKind::CrashInFlight.refines() && FaultKind::DiskLoss.refines() && !FaultKind::Crash.refines());
    }

    #[test]
    fn a_degraded_link_realizes_every_link_and_a_two_way_cut_comes_before_a_one_way() {
        let b = budget(&[FaultKind::OneWayCut, FaultKind::Isolate]);
        let node = NodeId::client("pipeline-1");
        assert!(matches!(FaultKind::realize(&b, Realizes::Link, &node, &[]), Some(Fault::Cut { .. })));
        let lossy = budget(&[FaultKind::Pause, FaultKind::LossyLink]);
        assert!(matches!(FaultKind::realize(&lossy, Realizes::Link, &NodeId::broker(2), &[]), Some(Fault::LossyLink { .. })));
        assert!(matches!(FaultKind::realize(&lossy, Realizes::Down, &node, &[]), Some(Fault::Pause { .. })));
    }
}
