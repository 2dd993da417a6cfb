//! Hypotheses alike: two hypotheses the lineage cannot tell apart are
//! injected once. The lineage is all the solver sees; a run that injects
//! what the lineage already answered for teaches nothing new, and a
//! certificate that waits for it costs runs without covering more. Pure.
//!
//! Alike in three ways, which stand on different ground:
//! - **Exactly** (`symmetry`, [`automorphisms`]): a renaming of brokers, or of the
//!   partitions of a topic, that maps the lineage's supports onto
//!   themselves and keeps the scenario's targets. A hypothesis breaks some
//!   outcome exactly when its image does, so the images of a tried
//!   hypothesis count as tried, and those of a broken one as broken.
//! - **Injected** (`landed`): a hypothesis naming another role of the
//!   broker a survived run's fault landed on, at that step, was that run's
//!   plan on the cluster, fault for fault; it counts as tried and survived.
//! - **By shape** (`shift`): a survived hypothesis moved in time, to
//!   another partition of a topic or to another instance of its stage,
//!   when every outcome the moved one threatens has the shape, relative to
//!   its faults, of one the survived run put at risk. Exact symmetry
//!   almost never holds on real runs, with their uneven records per
//!   partition; the shapes compare only what each hypothesis threatens.
//!   That is evidence of a survival, not a proof of a failure: a moved
//!   hypothesis stands for a survived one only, never for a broken one,
//!   and a run without a verdict stands for nothing.
//!
//! What the ldfi strategy counts as injected comes from one place,
//! [`injected`]; the ranking numbers faults by the same shapes
//! ([`Pictures`]).

mod landed;
mod shift;
mod symmetry;

pub use shift::Pictures;
pub use symmetry::automorphisms;

use super::Known;
use crate::solver::Hypothesis;

/// Everything the search counts as injected, as the solver is to exclude
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    /// The hypotheses tried, the time shifts and moves of those of them
    /// that survived, and the images of all of these under the exact
    /// symmetries.
    pub tried: Vec<Hypothesis>,
    /// The hypotheses that broke something and their images under the
    /// exact symmetries.
    pub broken: Vec<Hypothesis>,
    /// How many hypotheses were judged alike by shape to one that
    /// survived (not counting the images under the symmetries): what a
    /// certificate says it did not inject.
    pub alike: usize,
    /// How many hypotheses a survived run injected under another role's
    /// name (`landed`): tried, not alike.
    pub landed: usize,
}

/// What `known` counts as injected, tried or broken, with everything
/// alike to it.
pub fn injected(known: &Known) -> Injected {
    let Known { scenario, knowledge, windows, .. } = known;
    let (model, conditional) = (&knowledge.model, &knowledge.conditional);
    // Injected under another role's name: tried and survived as they are.
    let landed = landed::same_plans(&known.survived, &knowledge.landings, model, scenario, *windows);
    let tried: Vec<Hypothesis> = known.tried.iter().chain(&landed).cloned().collect();
    let survived: Vec<Hypothesis> = known.survived.iter().chain(&landed).cloned().collect();
    let shifted = shift::with_shifts(&tried, &survived, model, conditional, scenario, *windows);
    let alike = shifted.len() - tried.len();
    let symmetries = symmetry::automorphisms(model, scenario);
    let with_images = |known: &[Hypothesis]| -> Vec<Hypothesis> {
        let mut all = known.to_vec();
        for h in known {
            all.extend(symmetry::images(h, &symmetries));
        }
        all
    };
    Injected { tried: with_images(&shifted), broken: with_images(&known.broken), alike, landed: landed.len() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::{Derivation, Knowledge, Model};
    use crate::search::fixtures::{alive, copy_scenario, crash};
    use crate::search::Windows;

    /// A record acked at each step on broker-1, processed by the instance
    /// during its step and the next: every step alike.
    fn steady() -> Model {
        let mut model = Model::default();
        for s in 0..8 {
            let d: Derivation = [alive("pipeline-1", s), alive("pipeline-1", s + 1), alive("broker-1", s)].into();
            model.outcomes.insert(format!("r:{s}"), [d].into());
        }
        model
    }

    fn known(tried: &[u32], survived: &[u32], broken: &[u32]) -> Known {
        let at = |steps: &[u32]| -> Vec<Hypothesis> { steps.iter().map(|&s| [crash("pipeline-1", s)].into_iter().collect()).collect() };
        Known {
            scenario: copy_scenario("eot = 8\neff = 8\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n"),
            knowledge: Knowledge { model: steady(), ..Knowledge::default() },
            tried: at(tried),
            survived: at(survived),
            broken: at(broken),
            windows: Windows::default(),
        }
    }

    #[test]
    fn a_survived_hypothesis_stands_for_its_shifts_and_says_how_many() {
        let injected = injected(&known(&[3], &[3], &[]));
        assert!(injected.alike > 0, "{injected:?}");
        assert_eq!(injected.tried.len(), 1 + injected.alike, "no symmetry here: {injected:?}");
        assert!(injected.tried.contains(&[crash("pipeline-1", 4)].into_iter().collect()));
        assert!(injected.broken.is_empty());
    }

    #[test]
    fn a_run_without_a_verdict_and_a_broken_hypothesis_stand_for_nothing_by_shape() {
        let unsettled = injected(&known(&[3], &[], &[]));
        assert_eq!((unsettled.tried.len(), unsettled.alike), (1, 0));
        let broken = injected(&known(&[], &[], &[3]));
        assert_eq!((broken.tried.len(), broken.broken.len(), broken.alike), (0, 1, 0));
    }
}
