//! Tests of the solver: hand-written Molly-style examples with exact
//! answers, and properties checked against the brute-force solver.

mod examples;
mod properties;

pub(super) use super::testing::{alive, crash, link, node, omission, peer};
use super::{Derivation, Fact, FaultVar, Hypothesis, HypothesisSpace, Model, ModelBuilder};

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
        crashable: crashable.iter().map(|s| node(s)).collect(),
        links: links.iter().map(|(a, b)| (peer(a), peer(b))).collect(),
        eff,
        max_crashes,
        max_omissions,
        max_faults: None,
    }
}
