//! Alike exactly: hypotheses that are the same on interchangeable brokers
//! or partitions are injected once. Pure.
//!
//! A renaming of node names is a symmetry when it maps the lineage onto
//! itself: the set of outcome supports (the only thing the solver sees) is
//! unchanged, and the scenario may fault both names or neither. Then a
//! hypothesis breaks some outcome exactly when its image does, so once a
//! hypothesis is tried (or broke something), its images count as tried (or
//! broken) too.
//!
//! Two kinds of renaming are combined:
//! - concrete brokers (followers are named by broker): all permutations,
//!   cut short to transpositions above 6 brokers;
//! - partitions: the roles `leader(t/p)` and `followers(t/p)` of every
//!   topic move from partition p to π(p) together. Leaders are roles, so
//!   renaming brokers alone never relates `cut leader(output/0)` to `cut
//!   leader(output/1)`; a workload that spreads its keys evenly makes the
//!   partitions of a topic interchangeable, with their followers renamed to
//!   match.
//!
//! Candidates are every pair of a partition and a broker permutation (cut
//! down to transpositions when that would exceed a few thousand), each
//! checked against the supports.

use std::collections::{BTreeMap, BTreeSet};

use crate::lineage::{Fact, Model};
use crate::model::{NodeId, Role};
use crate::scenario::Scenario;
use crate::solver::{FaultVar, Hypothesis, Peer};

/// A renaming of nodes, `broker-a` → `broker-b`, `leader(t/p)` →
/// `leader(t/q)`.
pub type Renaming = BTreeMap<NodeId, NodeId>;

/// The renamings of brokers and partitions, other than the identity, that
/// map the model's supports onto themselves and keep the scenario's targets.
pub fn automorphisms(model: &Model, scenario: &Scenario) -> Vec<Renaming> {
    let brokers: Vec<NodeId> = (1..=scenario.cluster.brokers).map(NodeId::Broker).collect();
    let partitions = partitions(model);
    let (mut broker_moves, mut partition_moves) = (permutations(&brokers), permutations(&partitions));
    if broker_moves.len() * partition_moves.len() > CANDIDATES {
        broker_moves = transpositions(&brokers);
        broker_moves.push(Renaming::new());
        partition_moves = transpositions(&partitions);
        partition_moves.push(BTreeMap::new());
    }
    let roles = roles(model);
    let supports = supports(model, &Renaming::new());
    let targeted = |b: &NodeId| scenario.budget.targets.is_empty() || scenario.budget.targets.contains(b);
    let mut found = Vec::new();
    for moved in &partition_moves {
        let on_roles = rename_roles(&roles, moved);
        for on_brokers in &broker_moves {
            let mut r = on_roles.clone();
            r.extend(on_brokers.iter().map(|(a, b)| (a.clone(), b.clone())));
            if r.iter().all(|(a, b)| a == b) || !r.iter().all(|(a, b)| targeted(a) == targeted(b)) {
                continue;
            }
            if supports_equal(&r, &supports) {
                found.push(r);
            }
        }
    }
    found
}

/// Above this many candidate renamings, only transpositions are tried.
const CANDIDATES: usize = 5_000;

/// The partition roles the lineage names (`leader(t/p)`, `followers(t/p)`).
fn roles(model: &Model) -> BTreeSet<NodeId> {
    model.facts().flat_map(Fact::nodes).filter(|n| topic_partition(n).is_some()).cloned().collect()
}

/// The partition numbers the lineage's roles name.
fn partitions(model: &Model) -> Vec<i32> {
    let found: BTreeSet<i32> = roles(model).iter().filter_map(topic_partition).map(|(_, p)| p).collect();
    found.into_iter().collect()
}

/// Each role moved to the partition `moved` sends its partition to.
fn rename_roles(roles: &BTreeSet<NodeId>, moved: &BTreeMap<i32, i32>) -> Renaming {
    roles
        .iter()
        .filter_map(|node| {
            let NodeId::Role(role) = node else { return None };
            let image = match role {
                Role::Leader { topic, partition } => Role::Leader { topic: topic.clone(), partition: *moved.get(partition)? },
                Role::Followers { topic, partition } => Role::Followers { topic: topic.clone(), partition: *moved.get(partition)? },
                Role::Coordinator { .. } | Role::TransactionCoordinator { .. } => return None,
            };
            Some((node.clone(), NodeId::Role(image)))
        })
        .collect()
}

/// The images of a hypothesis under the renamings (itself excluded).
pub(super) fn images(hypothesis: &Hypothesis, renamings: &[Renaming]) -> Vec<Hypothesis> {
    let mut out: Vec<Hypothesis> = Vec::new();
    for r in renamings {
        let image: Hypothesis = hypothesis.iter().map(|v| rename_var(v, r)).collect();
        if image != *hypothesis && !out.contains(&image) {
            out.push(image);
        }
    }
    out
}

/// Moves of a hypothesis to other nodes alike, each as the renaming there
/// and the one back, the identity (two empty renamings) first: for one
/// whose roles name one partition `t/p`, its roles moved to each other
/// partition `t/q` the model's roles name; for one that faults one
/// pipeline instance, that instance swapped for each other one of its
/// stage the model names (a chain's stages run different programs: an
/// instance of one stands for no instance of another, however alike Kafka
/// alone makes their lineage look). Used by time shifts ([`super::shift`]), which judge the moved
/// hypothesis by the shape of what it threatens, not by an exact symmetry
/// of the whole model.
pub(super) fn moves(hypothesis: &Hypothesis, model: &Model, scenario: &Scenario) -> Vec<(Renaming, Renaming)> {
    let mut moves = vec![(Renaming::new(), Renaming::new())];
    let names: BTreeSet<&NodeId> = hypothesis.iter().flat_map(FaultVar::nodes).collect();
    moves.extend(partition_moves(&names, model));
    moves.extend(instance_moves(&names, model, scenario));
    moves
}

/// The stage of the scenario `node` is an instance of, if it is one.
fn stage(node: &NodeId, scenario: &Scenario) -> Option<usize> {
    match node {
        NodeId::Client(name) => scenario.stage_of(name),
        _ => None,
    }
}

fn instance_moves(names: &BTreeSet<&NodeId>, model: &Model, scenario: &Scenario) -> Vec<(Renaming, Renaming)> {
    let mine: Vec<(&NodeId, usize)> = names.iter().filter_map(|n| Some((*n, stage(n, scenario)?))).collect();
    let [(from, at)] = mine[..] else { return Vec::new() };
    let others: BTreeSet<&NodeId> =
        model.facts().flat_map(Fact::nodes).filter(|n| *n != from && stage(n, scenario) == Some(at)).collect();
    others
        .into_iter()
        .map(|to| (Renaming::from([(from.clone(), to.clone())]), Renaming::from([(to.clone(), from.clone())])))
        .collect()
}

fn partition_moves(names: &BTreeSet<&NodeId>, model: &Model) -> Vec<(Renaming, Renaming)> {
    let named: BTreeSet<(&str, i32)> = names.iter().filter_map(|n| topic_partition(n)).collect();
    let named: Vec<(&str, i32)> = named.into_iter().collect();
    let [(topic, from)] = named[..] else {
        return Vec::new();
    };
    let roles = roles(model);
    let others: BTreeSet<i32> = roles.iter().filter_map(topic_partition).filter(|(t, _)| *t == topic).map(|(_, p)| p).collect();
    let mine: BTreeSet<NodeId> = names.iter().filter(|n| topic_partition(n).is_some()).map(|n| (*n).clone()).collect();
    others
        .into_iter()
        .filter(|to| *to != from)
        .map(|to| {
            let there = rename_roles(&mine, &BTreeMap::from([(from, to)]));
            let back = there.iter().map(|(a, b)| (b.clone(), a.clone())).collect();
            (there, back)
        })
        .collect()
}

/// The topic and partition a partition role names.
fn topic_partition(node: &NodeId) -> Option<(&str, i32)> {
    match node {
        NodeId::Role(Role::Leader { topic, partition } | Role::Followers { topic, partition }) => Some((topic, *partition)),
        _ => None,
    }
}

pub(super) fn rename<'a>(node: &'a NodeId, r: &'a Renaming) -> &'a NodeId {
    r.get(node).unwrap_or(node)
}

pub(super) fn rename_peer(peer: &Peer, r: &Renaming) -> Peer {
    match peer {
        Peer::Node(node) => Peer::Node(rename(node, r).clone()),
        Peer::Brokers => Peer::Brokers,
    }
}

pub(super) fn rename_var(var: &FaultVar, r: &Renaming) -> FaultVar {
    match var {
        FaultVar::Crash { node, step } => FaultVar::crash(rename(node, r).clone(), *step),
        FaultVar::Omission { from, to, step } => FaultVar::omission(rename_peer(from, r), rename_peer(to, r), *step),
    }
}

fn rename_fact(fact: &Fact, r: &Renaming) -> Fact {
    match fact {
        Fact::Alive { node, step } => Fact::alive(rename(node, r).clone(), *step),
        Fact::Link { from, to, step } => Fact::link(rename_peer(from, r), rename_peer(to, r), *step),
    }
}

type Supports = BTreeSet<BTreeSet<BTreeSet<Fact>>>;

fn supports(model: &Model, r: &Renaming) -> Supports {
    model
        .outcomes
        .values()
        .map(|derivations| derivations.iter().map(|d| d.iter().map(|f| rename_fact(f, r)).collect()).collect())
        .collect()
}

/// Whether `r` maps the supports onto themselves. A renaming is one-to-one
/// on facts, so the image of the set is the set exactly when each of its
/// distinct elements lands in it: a check over the distinct outcomes'
/// supports (a few hundred), not over every outcome (60,000 in a run of
/// 5,000 records a step, where comparing whole images made each pick
/// take seconds).
fn supports_equal(r: &Renaming, original: &Supports) -> bool {
    original.iter().all(|outcome| {
        let image: BTreeSet<BTreeSet<Fact>> = outcome.iter().map(|d| d.iter().map(|f| rename_fact(f, r)).collect()).collect();
        original.contains(&image)
    })
}

fn permutations<T: Clone + Ord>(items: &[T]) -> Vec<BTreeMap<T, T>> {
    let mut out = Vec::new();
    let mut order: Vec<usize> = (0..items.len()).collect();
    permute(&mut order, 0, &mut |order| {
        out.push(items.iter().cloned().zip(order.iter().map(|i| items[*i].clone())).collect());
    });
    out
}

fn permute(order: &mut Vec<usize>, k: usize, visit: &mut dyn FnMut(&[usize])) {
    if k == order.len() {
        visit(order);
        return;
    }
    for i in k..order.len() {
        order.swap(k, i);
        permute(order, k + 1, visit);
        order.swap(k, i);
    }
}

fn transpositions<T: Clone + Ord>(items: &[T]) -> Vec<BTreeMap<T, T>> {
    let mut out = Vec::new();
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            out.push(BTreeMap::from([(items[i].clone(), items[j].clone()), (items[j].clone(), items[i].clone())]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::Derivation;
    use crate::solver::testing::{alive, crash, link, node, omission};

    fn model(outcomes: Vec<Vec<Vec<Fact>>>) -> Model {
        let mut m = Model::default();
        for (i, ds) in outcomes.into_iter().enumerate() {
            m.outcomes.insert(format!("r:{i}"), ds.into_iter().map(|d| d.into_iter().collect()).collect());
        }
        m
    }

    fn scenario() -> Scenario {
        let text = "name = \"s\"\n[[topics]]\nname = \"input\"\n[[topics]]\nname = \"output\"\n[pipeline]\nkind = \"copy\"\ninput = \"input\"\noutput = \"output\"\n[workload]\nrecords_per_step = 1\n[faults]\neot = 3\n";
        Scenario::parse(std::path::Path::new("s.toml"), text).unwrap()
    }

    #[test]
    fn followers_of_the_same_leader_are_interchangeable() {
        // One record on leader(input/0) and followers broker-2, broker-3.
        let m = model(vec![vec![vec![alive("leader(input/0)", 1)], vec![alive("broker-2", 0)], vec![alive("broker-3", 0)]]]);
        let found = automorphisms(&m, &scenario());
        assert_eq!(found.len(), 1, "{found:?}");
        let tried: Hypothesis = [crash("broker-2", 0)].into_iter().collect();
        let expected: Hypothesis = [crash("broker-3", 0)].into_iter().collect();
        assert_eq!(images(&tried, &found), vec![expected]);
        // A hypothesis on the leader role has no other image.
        let on_role: Hypothesis = [crash("leader(input/0)", 1)].into_iter().collect();
        assert!(images(&on_role, &found).is_empty());
    }

    #[test]
    fn brokers_with_different_parts_are_not_interchangeable() {
        let m = model(vec![
            vec![vec![alive("leader(input/0)", 1)], vec![alive("broker-2", 0)], vec![alive("broker-3", 0)]],
            vec![vec![alive("broker-2", 1)]],
        ]);
        assert!(automorphisms(&m, &scenario()).is_empty());
    }

    #[test]
    fn partitions_with_the_same_shape_are_interchangeable_with_their_followers() {
        // input/0 led by broker-1 (followers 2, 3), input/1 led by broker-2
        // (followers 1, 3); each carries one record through the same steps.
        let record = |p: u32, followers: [&str; 2]| {
            let leader = format!("leader(input/{p})");
            let out = format!("leader(output/{p})");
            let processing = [alive("pipeline-1", 0), link(&out, "brokers", 0)];
            let mut ds = vec![vec![alive(&leader, 1)]];
            ds.extend(followers.iter().map(|f| vec![alive(f, 0), link(&leader, "brokers", 0)]));
            ds.into_iter().map(|mut d| { d.extend(processing.iter().cloned()); d }).collect::<Vec<_>>()
        };
        let m = model(vec![record(0, ["broker-2", "broker-3"]), record(1, ["broker-1", "broker-3"])]);
        let found = automorphisms(&m, &scenario());
        let cut = |p: u32| -> Hypothesis { [omission(&format!("leader(output/{p})"), "brokers", 0)].into_iter().collect() };
        assert!(images(&cut(0), &found).contains(&cut(1)), "{found:?}");
        // Its only image is the same cut on the other partition.
        assert!(images(&cut(0), &found).iter().all(|h| *h == cut(1)));
        // Different shapes (a record only on partition 0 at a later step)
        // break the symmetry.
        let mut m2 = m.clone();
        m2.outcomes.insert("r:late".into(), [[alive("leader(input/0)", 3)].into_iter().collect()].into_iter().collect());
        assert!(!images(&cut(0), &automorphisms(&m2, &scenario())).contains(&cut(1)));
    }

    #[test]
    fn every_permutation_of_three_brokers_is_considered() {
        assert_eq!(permutations(&["a", "b", "c"]).len(), 6);
        assert_eq!(transpositions(&["a", "b", "c", "d"]).len(), 6);
    }

    mod properties {
        //! A renaming `automorphisms` returns makes the campaign skip every
        //! image of a tried hypothesis: one that does not map the lineage
        //! onto itself hides hypotheses that were never injected. Random
        //! models, made symmetric under a chosen swap by adding its image.
        use proptest::prelude::*;

        use super::*;

        const NAMES: [&str; 7] =
            ["broker-1", "broker-2", "broker-3", "leader(input/0)", "leader(input/1)", "leader(output/0)", "pipeline-1"];

        fn fact() -> impl Strategy<Value = Fact> {
            let name = || prop::sample::select(&NAMES[..]).prop_map(str::to_string);
            prop_oneof![
                2 => (name(), 0..3u32).prop_map(|(node, step)| alive(&node, step)),
                1 => (name(), 0..3u32).prop_map(|(from, step)| link(&from, "brokers", step)),
            ]
        }

        fn outcomes() -> impl Strategy<Value = Vec<Vec<Vec<Fact>>>> {
            prop::collection::vec(prop::collection::vec(prop::collection::vec(fact(), 1..=3), 1..=3), 1..=3)
        }

        fn scenario_targeting(targets: &[&str]) -> Scenario {
            let targets = targets.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ");
            let text = format!(
                "name = \"s\"\n[cluster]\nbrokers = 3\n[[topics]]\nname = \"input\"\n[[topics]]\nname = \"output\"\n[pipeline]\nkind = \"copy\"\n\
                 input = \"input\"\noutput = \"output\"\n[workload]\nrecords_per_step = 1\n[faults]\neot = 3\ntargets = [{targets}]\n"
            );
            Scenario::parse(std::path::Path::new("s.toml"), &text).unwrap()
        }

        /// The model's supports, each fact's names mapped by `f`: computed
        /// here, apart from the module's own `supports`.
        fn mapped(m: &Model, f: &dyn Fn(&NodeId) -> NodeId) -> BTreeSet<BTreeSet<BTreeSet<Fact>>> {
            let peer = |p: &Peer| match p {
                Peer::Node(n) => Peer::Node(f(n)),
                Peer::Brokers => Peer::Brokers,
            };
            let fact = |x: &Fact| match x {
                Fact::Alive { node, step } => Fact::alive(f(node), *step),
                Fact::Link { from, to, step } => Fact::link(peer(from), peer(to), *step),
            };
            m.outcomes.values().map(|ds| ds.iter().map(|d| d.iter().map(fact).collect()).collect()).collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

            #[test]
            fn every_automorphism_maps_the_supports_onto_themselves(
                outcomes in outcomes(),
                (a, b) in (1..=3u8, 1..=3u8),
                swap_partitions in any::<bool>(),
                targets in prop::sample::subsequence(vec!["broker-1", "broker-2", "broker-3"], 0..=3),
            ) {
                // σ swaps broker-a and broker-b and, if asked, partitions 0
                // and 1 of every topic; the model is closed under it.
                let (ba, bb) = (format!("broker-{a}"), format!("broker-{b}"));
                let sigma = |n: &NodeId| -> NodeId {
                    let text = n.to_string();
                    node(match text.as_str() {
                        t if t == ba => &bb,
                        t if t == bb => &ba,
                        "leader(input/0)" if swap_partitions => "leader(input/1)",
                        "leader(input/1)" if swap_partitions => "leader(input/0)",
                        "leader(output/0)" if swap_partitions => "leader(output/1)",
                        "leader(output/1)" if swap_partitions => "leader(output/0)",
                        t => t,
                    })
                };
                let mut m = model(outcomes);
                let images: Vec<_> = mapped(&m, &sigma).into_iter().collect();
                for (i, ds) in images.into_iter().enumerate() {
                    m.outcomes.insert(format!("r:image-{i}"), ds.into_iter().map(Derivation::from).collect());
                }
                let scenario = scenario_targeting(&targets);
                let targeted = |n: &NodeId| targets.is_empty() || targets.contains(&n.to_string().as_str());
                let found = automorphisms(&m, &scenario);
                let original = mapped(&m, &|n| n.clone());
                for r in &found {
                    prop_assert!(r.iter().any(|(x, y)| x != y), "the identity is left out: {:?}", r);
                    prop_assert_eq!(&mapped(&m, &|n| rename(n, r).clone()), &original, "{:?}", r);
                    // A permutation of the names it moves, keeping targets.
                    let from: BTreeSet<&NodeId> = r.keys().collect();
                    let to: BTreeSet<&NodeId> = r.values().collect();
                    prop_assert_eq!(from, to, "{:?}", r);
                    prop_assert!(r.iter().all(|(x, y)| targeted(x) == targeted(y)), "{:?} mixes targets {:?}", r, targets);
                    // Its images never include the hypothesis itself.
                    let h: Hypothesis = r.keys().map(|n| FaultVar::crash(n.clone(), 0)).collect();
                    prop_assert!(!super::images(&h, &found).contains(&h));
                }
                // σ itself is found when it moves something and keeps targets.
                let names: BTreeSet<&NodeId> = m.facts().flat_map(Fact::nodes).collect();
                if names.iter().any(|n| sigma(n) != **n) && targeted(&node(&ba)) == targeted(&node(&bb)) {
                    prop_assert!(
                        found.iter().any(|r| names.iter().all(|n| *rename(n, r) == sigma(n))),
                        "σ ({} ↔ {}, partitions {}) not found among {:?}", ba, bb, swap_partitions, found
                    );
                }
            }
        }
    }
}
