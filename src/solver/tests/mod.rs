//! Tests of the solver: hand-written Molly-style examples with exact
//! answers, and properties checked against the brute-force solver.

mod examples;
mod properties;

use super::{Derivation, Fact, FaultVar, Hypothesis, HypothesisSpace, Model, ModelBuilder};

pub(super) fn alive(node: &str, step: u32) -> Fact {
    Fact::alive(node, step)
}

pub(super) fn link(from: &str, to: &str, step: u32) -> Fact {
    Fact::link(from, to, step)
}

pub(super) fn crash(node: &str, step: u32) -> FaultVar {
    FaultVar::crash(node, step)
}

pub(super) fn omission(from: &str, to: &str, step: u32) -> FaultVar {
    FaultVar::omission(from, to, step)
}

pub(super) fn derivation<const N: usize>(facts: [Fact; N]) -> Derivation {
    facts.into_iter().collect()
}

pub(super) fn hypothesis<const N: usize>(vars: [FaultVar; N]) -> Hypothesis {
    vars.into_iter().collect()
}

/// A model of one outcome per entry.
pub(super) fn model(outcomes: Vec<(&str, Vec<Derivation>)>) -> Model {
    let mut builder = ModelBuilder::new();
    for (id, derivations) in outcomes {
        builder.outcome(id, derivations);
    }
    builder.build()
}

pub(super) fn space(
    crashable: &[&str],
    links: &[(&str, &str)],
    eff: u32,
    max_crashes: u32,
    max_omissions: u32,
) -> HypothesisSpace {
    HypothesisSpace {
        crashable: crashable.iter().map(|s| s.to_string()).collect(),
        links: links.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        eff,
        max_crashes,
        max_omissions,
        max_faults: None,
    }
}
