//! Symmetry: hypotheses that are the same shape on interchangeable brokers
//! are tried once. Pure.
//!
//! Two brokers are interchangeable when renaming one into the other (and
//! back) maps the lineage onto itself: the set of outcome supports (the
//! only thing the solver sees) is unchanged, and the scenario may fault
//! both or neither. Then a hypothesis breaks some outcome exactly when its
//! image does, so once a hypothesis is tried (or broke something), its
//! images count as tried (or broken) too. Roles (`leader(t/p)`) are never
//! renamed: they already stand for whichever broker holds them, which is
//! the larger part of the symmetry Kafka has.
//!
//! Only renamings of concrete brokers are checked (all permutations: at most
//! 9! for 9 brokers, cut short above 6 brokers where only transpositions
//! are tried).

use std::collections::{BTreeMap, BTreeSet};

use crate::lineage::{Fact, Model};
use crate::scenario::Scenario;
use crate::solver::{FaultVar, Hypothesis};

/// A renaming of broker nodes, `broker-a` → `broker-b`.
pub type Renaming = BTreeMap<String, String>;

/// The renamings of brokers, other than the identity, that map the model's
/// supports onto themselves and keep the scenario's targets.
pub fn automorphisms(model: &Model, scenario: &Scenario) -> Vec<Renaming> {
    let brokers: Vec<String> = (1..=scenario.cluster.brokers).map(|b| format!("broker-{b}")).collect();
    let candidates: Vec<Renaming> = if brokers.len() <= 6 {
        permutations(&brokers)
    } else {
        transpositions(&brokers)
    };
    let supports = supports(model, &Renaming::new());
    let targeted = |b: &String| {
        scenario.budget.targets.is_empty() || scenario.budget.targets.iter().any(|t| t.to_string() == *b)
    };
    candidates
        .into_iter()
        .filter(|r| r.iter().any(|(a, b)| a != b))
        .filter(|r| r.iter().all(|(a, b)| targeted(a) == targeted(b)))
        .filter(|r| supports_equal(model, r, &supports))
        .collect()
}

/// The images of a hypothesis under the renamings (itself excluded).
pub fn images(hypothesis: &Hypothesis, renamings: &[Renaming]) -> Vec<Hypothesis> {
    let mut out: Vec<Hypothesis> = Vec::new();
    for r in renamings {
        let image: Hypothesis = hypothesis.iter().map(|v| rename_var(v, r)).collect();
        if image != *hypothesis && !out.contains(&image) {
            out.push(image);
        }
    }
    out
}

fn rename<'a>(name: &'a str, r: &'a Renaming) -> &'a str {
    r.get(name).map(String::as_str).unwrap_or(name)
}

fn rename_var(var: &FaultVar, r: &Renaming) -> FaultVar {
    match var {
        // Crash variables name `node@step` (see space.rs).
        FaultVar::Crash { node, step } => {
            let renamed = match node.rsplit_once('@') {
                Some((name, at)) => format!("{}@{at}", rename(name, r)),
                None => rename(node, r).to_string(),
            };
            FaultVar::Crash { node: renamed, step: *step }
        }
        FaultVar::Omission { from, to, step } => {
            FaultVar::Omission { from: rename(from, r).to_string(), to: rename(to, r).to_string(), step: *step }
        }
    }
}

fn rename_fact(fact: &Fact, r: &Renaming) -> Fact {
    match fact {
        Fact::Alive { node, step } => Fact::Alive { node: rename(node, r).to_string(), step: *step },
        Fact::Link { from, to, step } => {
            Fact::Link { from: rename(from, r).to_string(), to: rename(to, r).to_string(), step: *step }
        }
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

fn supports_equal(model: &Model, r: &Renaming, original: &Supports) -> bool {
    supports(model, r) == *original
}

fn permutations(items: &[String]) -> Vec<Renaming> {
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

fn transpositions(items: &[String]) -> Vec<Renaming> {
    let mut out = Vec::new();
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            out.push(Renaming::from([(items[i].clone(), items[j].clone()), (items[j].clone(), items[i].clone())]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(node: &str, step: u32) -> Fact {
        Fact::Alive { node: node.into(), step }
    }

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
        let tried: Hypothesis = [FaultVar::crash("broker-2@0", 0)].into_iter().collect();
        let expected: Hypothesis = [FaultVar::crash("broker-3@0", 0)].into_iter().collect();
        assert_eq!(images(&tried, &found), vec![expected]);
        // A hypothesis on the leader role has no other image.
        let on_role: Hypothesis = [FaultVar::crash("leader(input/0)@1", 0)].into_iter().collect();
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
    fn every_permutation_of_three_brokers_is_considered() {
        assert_eq!(permutations(&["a".into(), "b".into(), "c".into()]).len(), 6);
        assert_eq!(transpositions(&["a".into(), "b".into(), "c".into(), "d".into()]).len(), 6);
    }
}
