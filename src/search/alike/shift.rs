//! Alike by shape: a hypothesis that survived at one step stands for the
//! same hypothesis at another step (or partition, or instance) where the
//! lineage shows the same picture. Pure.
//!
//! A fault variable names its step, so a budget of one crash offers the
//! solver the crash of the instance at every step it was busy, and the
//! crash of the group's coordinator at every step it took a commit: on a
//! steady pipeline that is nearly the whole space, and a certificate would
//! cost about as many runs as trying every plan. But a steady pipeline does the
//! same thing at every step (consume a batch, write it, commit it), and the
//! lineage says so: the outcomes a crash of the instance at step 3
//! threatens rely on the same facts, relative to step 3, as those a crash
//! at step 4 threatens, relative to step 4.
//!
//! So a hypothesis `H'` that is a survived hypothesis `H` moved by δ steps,
//! its roles perhaps moved from one partition to another of the same topic
//! (`cut leader(output/0)` to `cut leader(output/3)`) or its instance
//! swapped for another (`crash pipeline-1` to `crash pipeline-3`), counts
//! as tried with it when
//! - both realize to the same plan, moved by δ (no window cut short by EFF);
//! - every outcome `H'` threatens ([`threatens`]) has the shape of one `H`
//!   threatened: its derivations, their facts named only on the faulted
//!   nodes and with every step placed against the plan's faults (before,
//!   while it holds, from its heal on: a [`Zone`]), are those of an outcome
//!   `H` put at risk and that survived. Facts on other nodes keep their
//!   place in time, not their node: within the budget nothing else is
//!   faulted, and which followers held
//!   a record of which partition does not change what a crash of the
//!   instance does to it. A cut leaves both its sides up: it names their
//!   links, not their being up, so which replicas held a record does not
//!   set a cut of the instance at one step apart from the next. The
//!   footprint is a set of shapes, so the number of records
//!   does not matter. A survived crash at the step after the start, when the
//!   instance worked off the backlog of the start and its own batch, covers
//!   the steady steps, which hold only the second shape.
//!
//! The footprint is taken on the base model (what the runs showed without
//! faults, [`Conditional::base`]): recovery paths exist only at the steps a
//! fault was injected, and would make every tried step look unlike the
//! others. A step unlike the others keeps its own hypothesis: the start,
//! where the pipeline had no backlog yet; the end, where the last batches
//! are drained; an instance that keeps word counts in memory until the last
//! count of each word; a follower that had not fetched yet. What no
//! lineage shows, where in its poll loop the instance is when the crash
//! lands, is chance at every step alike (`--tries` injects each plan again).

use std::collections::BTreeSet;

use crate::search::space::{self, Windows};
use super::symmetry;
use crate::lineage::learn::{threatens, Conditional};
use crate::lineage::{Fact, Model};
use crate::model::{FaultPlan, NodeId};
use crate::scenario::Scenario;
use crate::solver::{FaultVar, Hypothesis, Peer};

/// Where a step lies from a fault's point of view: before it, while it
/// holds (a node down, a link cut), or from the step it is healed in on (a
/// crashed node starting again and working off what waited). Every step
/// while a fault holds is alike to it: a record the instance would have
/// processed in the first or in the second step of its crash waits for the
/// restart either way. A record handled across a step boundary lands on
/// another boundary at another step, so exact relative steps would make
/// any two busy steps look unlike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Zone {
    Before,
    During,
    After,
}

/// A fact, its step placed against each fault of a plan, its node named
/// only if the plan faults it (`None`: a node the plan leaves alone).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Relative {
    Alive(Option<NodeId>, Vec<Zone>),
    Link(Option<Peer>, Option<Peer>, Vec<Zone>),
}

/// The outcomes a plan threatens, as shapes: each derivation reduced to
/// its facts on the plan's nodes, placed against its faults.
type Footprint = BTreeSet<BTreeSet<BTreeSet<Relative>>>;

/// The hypotheses, other than the survived ones themselves, that a time
/// shift relates to a survived one (see the module doc). `base` is the
/// model without learned recovery paths.
fn images(survived: &[Hypothesis], base: &Model, scenario: &Scenario, windows: Windows) -> Vec<Hypothesis> {
    let eff = scenario.budget.eff;
    let mut out: Vec<Hypothesis> = Vec::new();
    for h in survived.iter().filter(|h| !h.is_empty()) {
        let Ok(plan) = space::realize(h, scenario, windows, 0) else { continue };
        let Some(first) = h.iter().map(FaultVar::step).min() else { continue };
        let last = h.iter().map(FaultVar::step).max().unwrap_or(first);
        let mine = footprint(base, &plan);
        if mine.is_empty() {
            continue;
        }
        let moves = symmetry::moves(h, base, scenario);
        for to in 0..eff.saturating_sub(last - first) {
            let delta = i64::from(to) - i64::from(first);
            let in_time: Hypothesis = h.iter().map(|v| shifted(v, delta)).collect();
            if delta != 0 {
                let Ok(theirs) = space::realize(&in_time, scenario, windows, 0) else { continue };
                if theirs != shifted_plan(&plan, delta) {
                    continue;
                }
            }
            for (there, back) in &moves {
                if delta == 0 && there.is_empty() {
                    continue;
                }
                let moved: Hypothesis = in_time.iter().map(|v| symmetry::rename_var(v, there)).collect();
                if survived.contains(&moved) || out.contains(&moved) {
                    continue;
                }
                let Ok(theirs) = space::realize(&moved, scenario, windows, 0) else { continue };
                if renamed(footprint(base, &theirs), back).is_subset(&mine) {
                    out.push(moved);
                }
            }
        }
    }
    out
}

/// `tried` and the time shifts of those of them that survived a run (a
/// run without a verdict proves nothing, and its shifts are not covered),
/// on `model` as the campaign keeps it (the learned paths set aside).
pub(super) fn with_shifts(
    tried: &[Hypothesis],
    survived: &[Hypothesis],
    model: &Model,
    conditional: &Conditional,
    scenario: &Scenario,
    windows: Windows,
) -> Vec<Hypothesis> {
    let base = conditional.base(model);
    let mut all = tried.to_vec();
    for h in images(survived, &base, scenario, windows) {
        if !all.contains(&h) {
            all.push(h);
        }
    }
    all
}

fn shifted(var: &FaultVar, delta: i64) -> FaultVar {
    var.at((i64::from(var.step()) + delta) as u32)
}

fn shifted_plan(plan: &FaultPlan, delta: i64) -> FaultPlan {
    let moved = |step: u32| (i64::from(step) + delta) as u32;
    let mut out = plan.clone();
    for f in &mut out.faults {
        (f.start, f.end) = (moved(f.start), moved(f.end));
    }
    out
}

/// A footprint with its nodes renamed (a partition move taken back).
fn renamed(footprint: Footprint, r: &symmetry::Renaming) -> Footprint {
    if r.is_empty() {
        return footprint;
    }
    let node = |n: &Option<NodeId>| n.as_ref().map(|n| symmetry::rename(n, r).clone());
    let peer = |p: &Option<Peer>| p.as_ref().map(|p| symmetry::rename_peer(p, r));
    let fact = |f: &Relative| match f {
        Relative::Alive(n, z) => Relative::Alive(node(n), z.clone()),
        Relative::Link(a, b, z) => Relative::Link(peer(a), peer(b), z.clone()),
    };
    footprint.iter().map(|outcome| outcome.iter().map(|d| d.iter().map(fact).collect()).collect()).collect()
}

fn footprint(model: &Model, plan: &FaultPlan) -> Footprint {
    let faulted: BTreeSet<&NodeId> = plan.faults.iter().flat_map(|f| f.fault.nodes()).collect();
    // A node is down only under a fault on its process; a cut leaves both
    // sides up, and which replicas of a record were up does not change
    // what a cut of the instance from the brokers does to it.
    let down: BTreeSet<&NodeId> = plan.faults.iter().filter_map(|f| f.fault.process_target()).collect();
    let zones = |step: u32| -> Vec<Zone> {
        plan.faults
            .iter()
            .map(|f| match step {
                s if s < f.start => Zone::Before,
                s if s < f.end => Zone::During,
                _ => Zone::After,
            })
            .collect()
    };
    let node = |n: &NodeId| faulted.contains(n).then(|| n.clone());
    let peer = |p: &Peer| match p {
        Peer::Brokers => Some(Peer::Brokers),
        Peer::Node(n) => node(n).map(Peer::Node),
    };
    let relative = |fact: &Fact| match fact {
        Fact::Alive { node: n, step } => Relative::Alive(down.contains(n).then(|| n.clone()), zones(*step)),
        Fact::Link { from, to, step } => Relative::Link(peer(from), peer(to), zones(*step)),
    };
    model
        .outcomes
        .values()
        .filter(|derivations| derivations.iter().flatten().any(|fact| threatens(plan, fact)))
        .map(|derivations| derivations.iter().map(|d| d.iter().map(relative).collect()).collect())
        .collect()
}

/// What a single fault would land on, by the lineage: its footprint on the
/// base model, numbered so that faults alike in time share a number. The
/// ranking counts a fault's mechanism per picture (`search::rank`): a
/// crash of an instance that has committed a burst it has not written yet
/// meets other code than a crash of the same instance before the burst,
/// though both are "a crash of pipeline-1".
pub struct Pictures {
    base: Model,
    /// The scenario with EFF moved to EOT: a window that EFF cuts short is
    /// a shorter fault on the same work, not other work.
    scenario: Scenario,
    windows: Windows,
    seen: Vec<Footprint>,
    known: std::collections::BTreeMap<FaultVar, usize>,
}

impl Pictures {
    pub fn new(base: Model, scenario: &Scenario, windows: Windows) -> Pictures {
        let mut scenario = scenario.clone();
        scenario.budget.eff = scenario.budget.eot;
        Pictures { base, scenario, windows, seen: Vec::new(), known: Default::default() }
    }

    /// The number of `var`'s picture (faults that cannot be realized alone
    /// share one).
    pub fn of(&mut self, var: &FaultVar) -> usize {
        if let Some(n) = self.known.get(var) {
            return *n;
        }
        let alone: Hypothesis = [var.clone()].into_iter().collect();
        let print = match space::realize(&alone, &self.scenario, self.windows, 0) {
            Ok(plan) => footprint(&self.base, &plan),
            Err(_) => Footprint::new(),
        };
        let n = match self.seen.iter().position(|f| *f == print) {
            Some(n) => n,
            None => {
                self.seen.push(print);
                self.seen.len() - 1
            }
        };
        self.known.insert(var.clone(), n);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fixtures::{alive, chain_scenario, copy_scenario, copy_scenario_with, link, node, omission};
    use crate::lineage::Derivation;

    fn scenario() -> Scenario {
        copy_scenario("eot = 8\neff = 8\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n")
    }

    /// One record acked at each step in `steps`, on the leader or on
    /// broker-1, processed by the instance during its step and the next.
    fn steady(steps: impl IntoIterator<Item = u32>) -> Model {
        let mut model = Model::default();
        for s in steps {
            let processing = [alive("pipeline-1", s), alive("pipeline-1", s + 1)];
            let by = |holder: Fact| -> Derivation { processing.iter().cloned().chain([holder]).collect() };
            model.outcomes.insert(format!("r:{s}"), [by(alive("leader(input/0)", s + 1)), by(alive("broker-1", s))].into());
        }
        model
    }

    fn crash(node: &str, step: u32) -> Hypothesis {
        [crate::search::fixtures::crash(node, step)].into_iter().collect()
    }

    /// Whether every variable of `found` crashes `name`.
    fn all_crash(found: &[Hypothesis], name: &str) -> bool {
        found.iter().flatten().all(|v| matches!(v, FaultVar::Crash { node: n, .. } if *n == node(name)))
    }

    #[test]
    fn a_crash_at_a_steady_step_stands_for_the_other_steady_steps() {
        // Records at every step 0..8: the window 3..5 threatens every shape
        // the windows 0..2 (fewer records) to 6..8 do; 7..8 is cut short by EFF.
        let found = images(&[crash("pipeline-1", 3)], &steady(0..8), &scenario(), Windows::default());
        let steps: BTreeSet<u32> = found.iter().flatten().map(FaultVar::step).collect();
        assert_eq!(steps, BTreeSet::from([0, 1, 2, 4, 5, 6]), "{found:?}");
        assert!(all_crash(&found, "pipeline-1"));
    }

    #[test]
    fn a_step_with_another_picture_keeps_its_own_hypothesis() {
        // Step 2's record was counted and then kept in memory until step 7
        // (its word's last count): a crash over 3..5, 4..6 or 5..7 comes
        // after it was counted and before the last count, a shape no
        // steady step has.
        let mut model = steady(0..8);
        let kept = model.outcomes["r:2"].iter().map(|d| d.iter().cloned().chain((3..=7).map(|t| alive("pipeline-1", t))).collect()).collect();
        model.outcomes.insert("r:2".into(), kept);
        let found = images(&[crash("pipeline-1", 1)], &model, &scenario(), Windows::default());
        assert!(found.contains(&crash("pipeline-1", 0)), "{found:?}");
        for step in [3, 4, 5] {
            assert!(!found.contains(&crash("pipeline-1", step)), "step {step}: {found:?}");
        }
    }

    #[test]
    fn pictures_number_faults_alike_in_time_together() {
        // A burst at step 3 only, processed during 3 and 4: a crash over
        // 3..5 meets it before its processing ends; over 4..6, after it
        // began; over 0..2 or 10..12 it meets nothing.
        let model = steady([3]);
        let scenario = copy_scenario("eot = 14\neff = 14\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n");
        let mut pictures = Pictures::new(model, &scenario, Windows::default());
        let var = |step: u32| crate::search::fixtures::crash("pipeline-1", step);
        let (at, after, before, idle) = (pictures.of(&var(3)), pictures.of(&var(4)), pictures.of(&var(0)), pictures.of(&var(10)));
        assert_ne!(at, after, "the burst's first step and its second are other work");
        assert_eq!(before, idle, "no work, one picture");
        assert_ne!(at, idle);
        assert_eq!(pictures.of(&var(3)), at, "numbers are stable");
        // Steady work at every step, EFF at 6: the crash over 5..7, cut to
        // 5..6 when injected, is the crash over 3..5 on the same work.
        let scenario = copy_scenario("eot = 8\neff = 6\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n");
        let mut pictures = Pictures::new(steady(0..8), &scenario, Windows::default());
        assert_eq!(pictures.of(&var(5)), pictures.of(&var(3)));
    }

    #[test]
    fn a_survived_crash_with_a_backlog_covers_the_steps_without_one() {
        // Step 1 also processed step 0's records late (acked at 0, handled at
        // 1..2): its footprint holds the steady shape and the backlog's.
        let mut model = steady(0..8);
        let late: Derivation = [alive("pipeline-1", 1), alive("pipeline-1", 2), alive("broker-1", 0)].into();
        model.outcomes.insert("r:late".into(), [late].into());
        let from_one = images(&[crash("pipeline-1", 1)], &model, &scenario(), Windows::default());
        assert!(from_one.contains(&crash("pipeline-1", 3)), "{from_one:?}");
        let from_three = images(&[crash("pipeline-1", 3)], &model, &scenario(), Windows::default());
        assert!(!from_three.contains(&crash("pipeline-1", 1)), "the backlog's shape was never put at risk: {from_three:?}");
    }

    #[test]
    fn a_crash_across_a_gap_stands_for_no_busier_step() {
        // No record at step 4: a crash over 3..5 put fewer shapes at risk
        // than one over 1..3 does, so it covers none of the busy steps.
        let model = steady([0, 1, 2, 3, 5, 6, 7]);
        let found = images(&[crash("pipeline-1", 3)], &model, &scenario(), Windows::default());
        assert!(!found.contains(&crash("pipeline-1", 1)) && !found.contains(&crash("pipeline-1", 2)), "{found:?}");
        let busy = images(&[crash("pipeline-1", 1)], &model, &scenario(), Windows::default());
        assert!(busy.contains(&crash("pipeline-1", 3)), "{busy:?}");
    }

    #[test]
    fn a_pair_that_survived_before_the_pipeline_lagged_stands_for_no_later_pair() {
        // unclean-election's shape: the leader of input/0 cut from its
        // followers at step s and crashed at s+1. At step 0 the pipeline
        // copied each record at once; from step 1 on it lags 4 steps, so a
        // record the lone leader held is copied only after the crash.
        let scenario = copy_scenario("eot = 12\neff = 12\nkinds = [\"crash\", \"cut\"]\n");
        let leader = "leader(input/0)";
        let mut model = Model::default();
        for s in 0..8u32 {
            let copied = if s == 0 { 0 } else { s + 4 };
            let processing = [alive("pipeline-1", copied), alive("pipeline-1", copied + 1)];
            let on_leader: Derivation = processing.iter().cloned().chain([alive(leader, s + 1)]).collect();
            let on_follower: Derivation = processing
                .iter()
                .cloned()
                .chain([alive("broker-2", s), link(leader, "brokers", s)])
                .collect();
            model.outcomes.insert(format!("r:{s}"), [on_leader, on_follower].into());
        }
        let pair = |s: u32| -> Hypothesis {
            [omission(leader, "brokers", s), crate::search::fixtures::crash(leader, s + 1)].into_iter().collect()
        };
        let found = images(&[pair(0)], &model, &scenario, Windows::default());
        assert!((1..6).all(|s| !found.contains(&pair(s))), "{found:?}");
        // Once the lag set in, one step's pair stands for the next.
        let later = images(&[pair(2)], &model, &scenario, Windows::default());
        assert!(later.contains(&pair(3)), "{later:?}");
    }

    #[test]
    fn a_cut_that_survived_on_one_partition_stands_for_the_partitions_alike() {
        // Outputs to partitions 0..3 at every step, each waiting for its
        // partition's followers; on partition 2 the output also relies on its
        // leader staying up a step longer, a shape partition 0 never showed.
        let scenario = copy_scenario("eot = 8\neff = 8\nkinds = [\"crash\", \"cut\"]\n");
        let mut model = Model::default();
        for p in 0..3 {
            for s in 0..8u32 {
                let leader = format!("leader(output/{p})");
                let mut waited: Derivation =
                    [alive("pipeline-1", s), link(&leader, "brokers", s)].into();
                if p == 2 {
                    waited.insert(alive(&leader, s + 1));
                }
                let other: Derivation = [alive("pipeline-1", s), alive("broker-2", s)].into();
                model.outcomes.insert(format!("r:{p}:{s}"), [waited, other].into());
            }
        }
        let cut = |p: u32, s: u32| -> Hypothesis { [omission(&format!("leader(output/{p})"), "brokers", s)].into_iter().collect() };
        let found = images(&[cut(0, 3)], &model, &scenario, Windows::default());
        assert!(found.contains(&cut(1, 3)) && found.contains(&cut(1, 5)) && found.contains(&cut(0, 5)), "{found:?}");
        assert!((0..8).all(|s| !found.contains(&cut(2, s))), "{found:?}");
    }

    #[test]
    fn a_cut_of_the_instance_stands_for_its_steps_alike_whatever_replicas_held_the_records() {
        // The instance reads and writes over its link to the brokers at
        // every step; each record is held by two of the three brokers,
        // which two changing from step to step. A cut of the instance from
        // the brokers leaves every broker up: which ones held a record does
        // not change what the cut does to it.
        let scenario = copy_scenario("eot = 8\neff = 8\nkinds = [\"cut\"]\ntargets = [\"pipeline-1\", \"broker-1\", \"broker-2\", \"broker-3\"]\n");
        let mut model = Model::default();
        for s in 0..8u32 {
            let processing = [link("pipeline-1", "brokers", s), link("pipeline-1", "brokers", s + 1)];
            let held = |b: u32| -> Derivation { processing.iter().cloned().chain([alive(&format!("broker-{b}"), s)]).collect() };
            model.outcomes.insert(format!("r:{s}"), [held(1 + s % 3), held(1 + (s + 1) % 3)].into());
        }
        let cut = |s: u32| -> Hypothesis { [omission("pipeline-1", "brokers", s)].into_iter().collect() };
        let found = images(&[cut(3)], &model, &scenario, Windows::default());
        assert!([1, 2, 4, 5, 6].iter().all(|&s| found.contains(&cut(s))), "{found:?}");
        // A crash of a broker is another matter: it takes one holder down.
        let crash = |s: u32| -> Hypothesis { [crate::search::fixtures::crash("broker-1", s)].into_iter().collect() };
        let crashed = images(&[crash(3)], &model, &scenario, Windows::default());
        assert!(!crashed.contains(&crash(4)), "broker-1 held step 3's record, not step 4's: {crashed:?}");
    }

    #[test]
    fn a_crash_that_survived_on_one_instance_stands_for_the_instances_alike() {
        // Three instances, each copying its own records at every step; the
        // second keeps each record in memory three steps more.
        let mut model = Model::default();
        for i in 1..=3 {
            let instance = format!("pipeline-{i}");
            for s in 0..8u32 {
                let mut by: Derivation = [alive(&instance, s), alive(&instance, s + 1), alive("broker-1", s)].into();
                if i == 2 {
                    by.extend((s + 2..s + 5).map(|t| alive(&instance, t)));
                }
                model.outcomes.insert(format!("r:{i}:{s}"), [by].into());
            }
        }
        let scenario = copy_scenario_with(3, "eot = 8\neff = 8\nkinds = [\"crash\"]\n");
        let found = images(&[crash("pipeline-1", 3)], &model, &scenario, Windows::default());
        assert!(found.contains(&crash("pipeline-3", 3)) && found.contains(&crash("pipeline-3", 4)), "{found:?}");
        // From step 1 on, a crash of the second finds records it counted
        // before and still keeps: a shape the first never showed. (At step 0
        // it keeps nothing yet, and looks like the others.)
        assert!((1..8).all(|s| !found.contains(&crash("pipeline-2", s))), "{found:?}");
    }

    #[test]
    fn an_instance_of_one_stage_of_a_chain_stands_for_none_of_another() {
        // Kafka alone makes a chain's two instances look alike: each needed
        // at every step of every record. They run different programs.
        let mut model = Model::default();
        for s in 0..8u32 {
            let by: Derivation = [alive("pipeline-1", s), alive("pipeline-2", s), alive("pipeline-1", s + 1), alive("pipeline-2", s + 1)].into();
            model.outcomes.insert(format!("r:{s}"), [by].into());
        }
        let scenario = chain_scenario("eot = 8\neff = 8\nkinds = [\"crash\"]\n");
        let found = images(&[crash("pipeline-1", 3)], &model, &scenario, Windows::default());
        assert!(found.contains(&crash("pipeline-1", 4)), "{found:?}");
        assert!(all_crash(&found, "pipeline-1"), "{found:?}");
        let two = copy_scenario_with(2, "eot = 8\neff = 8\nkinds = [\"crash\"]\n");
        assert!(images(&[crash("pipeline-1", 3)], &model, &two, Windows::default()).contains(&crash("pipeline-2", 3)));
    }

    mod properties {
        //! Time shifts decide that a hypothesis is never injected, so an
        //! image that is not sound hides a bug for good. Random steady
        //! runs, with and without one step unlike the others.
        use proptest::prelude::*;

        use super::*;

        /// The scenario of these tests with EFF at `eff`.
        fn scenario_with(eff: u32) -> Scenario {
            copy_scenario(&format!("eot = 8\neff = {eff}\nkinds = [\"crash\"]\ntargets = [\"pipeline-1\", \"broker-1\"]\n"))
        }

        /// `steady(0..8)` with the record of step `k` also kept in memory
        /// by the instance from `k + 2` to `last` (a word count's last count).
        fn with_kept(k: u32, last: u32) -> Model {
            let mut model = steady(0..8);
            let kept = model.outcomes[&format!("r:{k}")]
                .iter()
                .map(|d| d.iter().cloned().chain((k + 2..=last).map(|t| alive("pipeline-1", t))).collect())
                .collect();
            model.outcomes.insert(format!("r:{k}"), kept);
            model
        }

        fn footprint_of(h: &Hypothesis, model: &Model, scenario: &Scenario) -> Footprint {
            footprint(model, &space::realize(h, scenario, Windows::default(), 0).expect("an image realizes"))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            /// Every image is the survived crash moved in time: the same
            /// node, inside 0..EFF, realizable, not a survived one, and it
            /// threatens only shapes the survived one threatened (the
            /// module's soundness condition, checked on the images
            /// returned rather than on the candidates tried).
            #[test]
            fn every_image_is_a_sound_shift(
                steps in prop::collection::btree_set(0..8u32, 1..=8),
                node in prop::sample::select(vec!["pipeline-1", "broker-1"]),
                at in 0..8u32,
                eff in 3..=8u32,
            ) {
                let (model, scenario) = (steady(steps), scenario_with(eff));
                let survived = crash(node, at);
                let found = images(std::slice::from_ref(&survived), &model, &scenario, Windows::default());
                let Ok(_) = space::realize(&survived, &scenario, Windows::default(), 0) else {
                    prop_assert!(found.is_empty(), "an unrealizable survivor has no images: {:?}", found);
                    return Ok(());
                };
                let mine = footprint_of(&survived, &model, &scenario);
                for h in &found {
                    prop_assert!(*h != survived);
                    prop_assert_eq!(h.len(), 1);
                    let var = h.iter().next().unwrap();
                    prop_assert!(all_crash(std::slice::from_ref(h), node), "{:?}", h);
                    prop_assert!(var.step() < eff, "{:?} beyond EFF {}", h, eff);
                    prop_assert!(footprint_of(h, &model, &scenario).is_subset(&mine), "{:?} threatens a shape {:?} did not", h, survived);
                }
            }

            /// On a run that does the same thing at every step, a crash of
            /// the instance at a full step stands for the crash at every
            /// other step whose window EFF does not cut.
            #[test]
            fn a_periodic_run_shifts_to_every_uncut_step(eff in 4..=8u32, pick in 0..8u32) {
                // A crash at t threatens the records of t-1..=t+2 (down
                // over t, t+1, restarting in t+2): full steps are 1..=5 on
                // records 0..8, and below eff-1 (a later window is cut
                // short). The others threaten fewer shapes, never more.
                let at = 1 + pick % (eff - 2).min(5);
                let found = images(&[crash("pipeline-1", at)], &steady(0..8), &scenario_with(eff), Windows::default());
                let steps: BTreeSet<u32> = found.iter().flatten().map(FaultVar::step).collect();
                let expected: BTreeSet<u32> = (0..eff - 1).filter(|t| *t != at).collect();
                prop_assert_eq!(steps, expected);
            }

            /// A crash whose window falls after the kept record was
            /// counted and before its last use threatens a shape no steady
            /// step has (the instance alive both before and after the
            /// window in one derivation): no crash outside that stretch
            /// stands for it.
            #[test]
            fn a_step_unlike_the_others_is_never_an_image(k in 0..5u32, extra in 1..4u32, at in 0..8u32) {
                let last = (k + 3 + extra).min(9);
                let model = with_kept(k, last);
                // Windows [t, t + 2) with the kept record Before and After.
                let unlike = |t: u32| k < t && t + 2 <= last;
                prop_assume!(!unlike(at));
                let found = images(&[crash("pipeline-1", at)], &model, &scenario_with(8), Windows::default());
                for h in &found {
                    let t = h.iter().next().unwrap().step();
                    prop_assert!(!unlike(t), "crash at {} (unlike the others) judged alike to {}: {:?}", t, at, found);
                }
            }
        }
    }
}
