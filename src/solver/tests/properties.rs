//! Z3Solver against BruteForce on small random models and spaces.

use proptest::prelude::*;
use proptest::sample::subsequence;

use super::super::reduce::Reduced;
use super::super::{
    fails_some_outcome, BruteForce, Derivation, Fact, Hypothesis, HypothesisSpace, Model, Peer, Solver, Z3Solver,
};
use crate::model::NodeId;

const NODES: [&str; 4] = ["a", "b", "c", "d"];

fn node() -> impl Strategy<Value = NodeId> {
    prop::sample::select(&NODES[..]).prop_map(NodeId::client)
}

fn fact() -> impl Strategy<Value = Fact> {
    prop_oneof![
        2 => (node(), 0..3u32).prop_map(|(node, step)| Fact::alive(node, step)),
        1 => (node(), node(), 0..3u32).prop_map(|(from, to, step)| Fact::link(from, to, step)),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    let derivation = prop::collection::btree_set(fact(), 1..=3).prop_map(Derivation::from);
    let outcome = prop::collection::vec(derivation, 0..=3);
    prop::collection::vec(outcome, 1..=5).prop_map(|outcomes| Model {
        outcomes: outcomes
            .into_iter()
            .enumerate()
            .map(|(i, derivations)| (format!("r:{i}"), derivations.into_iter().collect()))
            .collect(),
        trails: Default::default(),
    })
}

fn space() -> impl Strategy<Value = HypothesisSpace> {
    let pairs: Vec<(Peer, Peer)> = NODES
        .iter()
        .flat_map(|a| {
            NODES
                .iter()
                .filter(move |b| a != *b)
                .map(move |b| (Peer::Node(NodeId::client(*a)), Peer::Node(NodeId::client(*b))))
        })
        .collect();
    (
        subsequence(NODES.to_vec(), 1..=4),
        subsequence(pairs, 0..=4),
        1..=3u32,
        prop_oneof![1 => Just(0u32), 4 => 1..=3u32],
        0..=2u32,
        prop_oneof![3 => Just(None), 1 => (1..=2u32).prop_map(Some)],
    )
        .prop_map(|(crashable, links, eff, max_crashes, max_omissions, max_faults)| HypothesisSpace {
            crashable: crashable.into_iter().map(NodeId::client).collect(),
            links,
            eff,
            max_crashes,
            max_omissions,
            max_faults,
        })
}

/// A model, a space, and the interesting hypotheses BruteForce finds there.
fn problem() -> impl Strategy<Value = (Model, HypothesisSpace, Vec<Hypothesis>)> {
    (model(), space()).prop_map(|(model, space)| {
        let all = BruteForce
            .hypotheses(&model, &space, &[], &[], usize::MAX)
            .expect("brute force");
        (model, space, all)
    })
}

/// Random hypotheses over the variables of `space` (within budget or not).
fn random_sets(space: &HypothesisSpace, seeds: &[Vec<usize>]) -> Vec<Hypothesis> {
    let vars = space.vars();
    if vars.is_empty() {
        return Vec::new();
    }
    seeds
        .iter()
        .map(|picks| picks.iter().map(|&i| vars[i % vars.len()].clone()).collect())
        .collect()
}

fn seeds() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(prop::collection::vec(any::<usize>(), 0..=3), 0..=3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn z3_finds_what_brute_force_finds(
        (model, space, all) in problem(),
        limit in prop_oneof![0..6usize, Just(usize::MAX)],
        tried_picks in subsequence((0..12).collect::<Vec<usize>>(), 0..=3),
        broken_picks in subsequence((0..12).collect::<Vec<usize>>(), 0..=2),
        extra in seeds(),
    ) {
        // Exclude some of the true answers and some arbitrary sets.
        let mut tried: Vec<Hypothesis> = tried_picks.iter().filter_map(|&i| all.get(i).cloned()).collect();
        let mut broken: Vec<Hypothesis> = broken_picks.iter().filter_map(|&i| all.get(i).cloned()).collect();
        let random = random_sets(&space, &extra);
        let (half, rest) = random.split_at(random.len() / 2);
        tried.extend(half.iter().cloned());
        broken.extend(rest.iter().filter(|h| !h.is_empty()).cloned());

        let brute = BruteForce.hypotheses(&model, &space, &tried, &broken, limit).unwrap();
        let z3 = Z3Solver.hypotheses(&model, &space, &tried, &broken, limit).unwrap();
        prop_assert_eq!(&z3, &brute);
        let cap = limit;
        let brute_count = BruteForce.count(&model, &space, &tried, &broken, cap).unwrap();
        prop_assert_eq!(Z3Solver.count(&model, &space, &tried, &broken, cap).unwrap(), brute_count);
    }

    #[test]
    fn the_reduction_keeps_the_semantics((model, space) in (model(), space()), picks in seeds()) {
        let reduced = Reduced::new(&model, &space).unwrap();
        prop_assert!(space.vars().iter().all(|v| space.offers(v)));
        for h in random_sets(&space, &picks) {
            // Variables the reduction dropped cut nothing that can fail.
            let ids: Vec<u32> = h.iter().filter_map(|v| reduced.vars.binary_search(v).ok().map(|i| i as u32)).collect();
            prop_assert_eq!(reduced.fails_some(&ids), fails_some_outcome(&model, &h, space.eff), "{:?}", h);
        }
    }
}
