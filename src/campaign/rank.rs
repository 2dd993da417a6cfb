//! Which of the solver's hypotheses the ldfi strategy injects next. Pure.
//!
//! The solver gives minimal hypotheses smallest first and does not care
//! which of equal size comes first. Two things do, for a real cluster:
//! - mechanisms not tried yet. Each kind of fault on each node, role or
//!   link (a crash of the instance, a lost produce response, a cut leader
//!   of the input) meets its own recovery code; the same kind at another
//!   step, or on another partition's leader, mostly meets the same code
//!   again, when the lineage shows the same work there (its picture,
//!   [`super::shift::Pictures`]). On other work it is another mechanism:
//!   a crash of the instance holding a committed burst not yet written is
//!   not the crash that survived before the burst arrived. The hypothesis
//!   that brings the most (kind, target, picture) triples the
//!   campaign never injected goes first, even one fault larger than the
//!   smallest: a minimal pair of two new mechanisms (the leader of an
//!   input cut off, then crashed) before a single crash of an instance
//!   that already survived a crash at another step. Among the smallest
//!   two sizes only, so the search still climbs the budget size by size;
//! - then the hypothesis whose mechanisms the runs so far met the fewest
//!   times (the injected hypotheses that share one of its mechanisms): on
//!   a system whose timing decides (an unclean election needs the
//!   controller on the cut leader's side), a shape that survived once gets
//!   its next chance at another partition or step before a third single
//!   cut of the output's leader, and runs spread over the mechanisms
//!   evenly. Counted per mechanism, not per shape: a pair of two faults
//!   each already injected (the instance crashed, then cut off) is no new
//!   chance, and does not starve a retry of a pair that survived once;
//! - then size, then faults on roles before faults on brokers named as
//!   they were in an earlier run (a role is resolved when the fault starts:
//!   it hits what the lineage meant), then damage: the one that breaks the most outcomes has the
//!   best chance to break one for real (a crash of the instance at the
//!   step where it was busiest rather than while it was still starting),
//!   and teaches the most when it does not.
//!
//! Ties keep the solver's order. The order changes nothing in what a
//! certificate covers: every hypothesis is still injected before one is
//! given.

use std::collections::BTreeSet;

use crate::model::{NodeId, Role};
use crate::solver::{fails, FaultVar, Hypothesis, Model, Peer};

/// A fault variable without its step, and roles without their partition:
/// what it does to which node, role or link, and on what work the lineage
/// shows there (`picture`, alike at every steady step, see
/// [`super::shift::Pictures`]).
type Mechanism = (Kind, Target, Target, usize);

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Down,
    Drop,
}

/// A node, role or link end a fault targets, with a role's partition left
/// out: a leader of one partition meets the recovery code a leader of
/// another meets.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    None,
    Brokers,
    Node(NodeId),
    Leader(String),
    Followers(String),
}

fn target(peer: &Peer) -> Target {
    match peer {
        Peer::Brokers => Target::Brokers,
        Peer::Node(NodeId::Role(Role::Leader { topic, .. })) => Target::Leader(topic.clone()),
        Peer::Node(NodeId::Role(Role::Followers { topic, .. })) => Target::Followers(topic.clone()),
        Peer::Node(node) => Target::Node(node.clone()),
    }
}

fn mechanism(var: &FaultVar, picture: &mut dyn FnMut(&FaultVar) -> usize) -> Mechanism {
    let n = picture(var);
    match var {
        FaultVar::Crash { node, .. } => (Kind::Down, target(&Peer::Node(node.clone())), Target::None, n),
        FaultVar::Omission { from, to, .. } => (Kind::Drop, target(from), target(to), n),
    }
}

/// How many of a hypothesis's faults name their broker by role. A role
/// (`leader(input/0)`) is resolved when the fault starts, so the fault hits
/// what the lineage meant whatever the last election did; a broker named
/// as it was in an earlier run (a follower then) may hold another part
/// now, and the same plan breaks the pipeline in one run and not the next.
fn by_role(h: &Hypothesis) -> usize {
    h.iter().filter(|var| !var.nodes().any(|n| matches!(n, NodeId::Broker(_)))).count()
}

/// How a hypothesis ranks, highest first: new mechanisms, mechanisms met
/// by fewer runs, fewer faults, faults on roles, outcomes broken.
type Score = (usize, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>, usize, usize);

/// The next hypothesis among `found` (minimal ones, smallest first), given
/// what was already injected.
pub fn pick(
    model: &Model,
    found: Vec<Hypothesis>,
    injected: &[Hypothesis],
    eff: u32,
    picture: &mut dyn FnMut(&FaultVar) -> usize,
) -> Option<Hypothesis> {
    let smallest = found.first()?.len();
    let mut shape = |h: &Hypothesis| h.iter().map(|v| mechanism(v, picture)).collect::<BTreeSet<_>>();
    let shapes: Vec<BTreeSet<Mechanism>> = injected.iter().map(&mut shape).collect();
    let seen: BTreeSet<&Mechanism> = shapes.iter().flatten().collect();
    let repeats = |mine: &BTreeSet<Mechanism>| shapes.iter().filter(|s| !s.is_disjoint(mine)).count();
    let novel = |mine: &BTreeSet<Mechanism>| mine.iter().filter(|m| !seen.contains(m)).count();
    let broken = |h: &Hypothesis| {
        model.outcomes.values().filter(|derivations| fails(derivations, h, eff)).count()
    };
    let mut best: Option<(Score, Hypothesis)> = None;
    for h in found.into_iter().take_while(|h| h.len() <= smallest + 1) {
        let mine = shape(&h);
        let score = (novel(&mine), std::cmp::Reverse(repeats(&mine)), std::cmp::Reverse(h.len()), by_role(&h), broken(&h));
        if best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = Some((score, h));
        }
    }
    best.map(|(_, h)| h)
}

/// The order a campaign would inject `found` in if every one survived:
/// `pick` again and again, each pick counted as injected. For `ldfi
/// solve`, which shows the next hypotheses without running them.
pub fn order(model: &Model, mut found: Vec<Hypothesis>, eff: u32, picture: &mut dyn FnMut(&FaultVar) -> usize) -> Vec<Hypothesis> {
    let mut ordered = Vec::new();
    while let Some(next) = pick(model, found.clone(), &ordered, eff, picture) {
        found.retain(|h| *h != next);
        ordered.push(next);
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::testing::{alive, crash, link, omission};
    use crate::solver::{Derivation, ModelBuilder};

    fn one(node: &str, step: u32) -> Hypothesis {
        [crash(node, step)].into_iter().collect()
    }

    /// The unclean-election shape on input partition `p`: its leader cut
    /// off at step `s`, crashed at `s + 1`.
    fn pair(p: u32, s: u32) -> Hypothesis {
        [crash(&format!("leader(input/{p})"), s + 1), omission(&format!("leader(input/{p})"), "brokers", s)]
            .into_iter()
            .collect()
    }

    fn model() -> Model {
        let mut model = ModelBuilder::new();
        model.outcome("r:1", [Derivation::from([alive("p", 0)])]);
        model.outcome("r:2", [Derivation::from([alive("p", 1)])]);
        model.outcome("r:3", [Derivation::from([alive("p", 1)])]);
        model.outcome("r:4", [Derivation::from([link("p", "brokers", 2)])]);
        model.build()
    }

    #[test]
    fn the_smallest_hypothesis_that_breaks_the_most_outcomes_goes_first() {
        // A pair of the same mechanisms brings no more that is new.
        let two: Hypothesis = [crash("p", 2), crash("p", 3)].into_iter().collect();
        assert_eq!(pick(&model(), vec![one("p", 0), one("p", 1), two], &[], 3, &mut |_| 0), Some(one("p", 1)));
        assert_eq!(pick(&model(), vec![], &[], 3, &mut |_| 0), None);
    }

    #[test]
    fn a_pair_of_new_mechanisms_goes_before_a_single_one_already_tried() {
        let pair: Hypothesis =
            [crash("leader(input/1)", 2), omission("leader(input/1)", "brokers", 1)].into_iter().collect();
        let three: Hypothesis = [crash("a", 0), crash("b", 0), crash("c", 0)].into_iter().collect();
        let found = vec![one("p", 0), one("p", 1), pair.clone(), three];
        // p crashed before (at another step), the input leader never was.
        assert_eq!(pick(&model(), found.clone(), &[one("p", 3)], 3, &mut |_| 0), Some(pair.clone()));
        // Once a leader of the input was cut and crashed (another partition,
        // another step), the pair is nothing new: the smaller one goes first.
        let before: Hypothesis =
            [crash("leader(input/0)", 4), omission("leader(input/0)", "brokers", 3)].into_iter().collect();
        assert_eq!(pick(&model(), found, &[one("p", 3), before], 3, &mut |_| 0), Some(one("p", 1)));
        // Never more than one fault past the smallest size.
        let lone_three: Vec<Hypothesis> = vec![one("p", 0), [crash("a", 0), crash("b", 0), crash("c", 0)].into_iter().collect()];
        assert_eq!(pick(&model(), lone_three, &[one("p", 3)], 3, &mut |_| 0), Some(one("p", 0)));
    }

    #[test]
    fn the_order_of_a_whole_list_counts_each_pick_as_injected() {
        let cut: Hypothesis = [omission("p", "brokers", 2)].into_iter().collect();
        // p@1 breaks the most; then the cut is a new mechanism, p@0 is not.
        assert_eq!(order(&model(), vec![one("p", 0), one("p", 1), cut.clone()], 3, &mut |_| 0), vec![one("p", 1), cut, one("p", 0)]);
    }

    #[test]
    fn the_mechanisms_met_by_the_fewest_runs_go_first() {
        // The cut+crash pair survived once, the output cut once, the
        // instance's crash twice: the pair and the cut tie, the smaller
        // goes; once the cut was tried again the pair comes back.
        let out = |s: u32| -> Hypothesis { [omission("leader(output/0)", "brokers", s)].into_iter().collect() };
        let found = vec![one("p", 1), out(3), pair(1, 2)];
        let injected = vec![pair(0, 0), out(0), one("p", 0), one("p", 2)];
        assert_eq!(pick(&model(), found.clone(), &injected, 3, &mut |_| 0), Some(out(3)));
        let injected = [injected, vec![out(1)]].concat();
        assert_eq!(pick(&model(), found, &injected, 3, &mut |_| 0), Some(pair(1, 2)));
    }

    #[test]
    fn a_pair_of_mechanisms_each_tried_does_not_starve_the_retry_of_a_pair() {
        // The unclean-election order: the cut+crash pair survived once, then
        // the instance was crashed and cut off. The pair of those two is a
        // new shape but meets mechanisms two runs met; the pair's retry
        // (another partition) meets one run's.
        let cut = |s: u32| omission("p", "brokers", s);
        let mixed: Hypothesis = [crash("p", 0), cut(3)].into_iter().collect();
        let injected = vec![pair(1, 1), one("p", 0), [cut(2)].into_iter().collect()];
        assert_eq!(pick(&model(), vec![mixed.clone(), pair(2, 2)], &injected, 3, &mut |_| 0), Some(pair(2, 2)));
        // Once the pair met as many runs, the smaller or more damaging decides again.
        let injected = [injected, vec![pair(0, 3)]].concat();
        assert_eq!(pick(&model(), vec![mixed.clone(), pair(2, 2)], &injected, 3, &mut |_| 0), Some(mixed));
    }

    #[test]
    fn faults_on_roles_go_before_faults_on_brokers_named_by_an_earlier_run() {
        // acks=1: the leader cut off, or a follower (broker-2 in the last
        // run) cut off, then the leader crashed. The first hits the leader
        // whatever the election did; the second only if broker-2 still follows.
        let molly: Hypothesis =
            [crash("leader(input/0)", 1), omission("leader(input/0)", "brokers", 0)].into_iter().collect();
        let lagging: Hypothesis =
            [crash("leader(input/0)", 1), omission("broker-2", "brokers", 0)].into_iter().collect();
        assert_eq!(pick(&model(), vec![lagging.clone(), molly.clone()], &[], 3, &mut |_| 0), Some(molly));
        assert_eq!(pick(&model(), vec![lagging.clone()], &[], 3, &mut |_| 0), Some(lagging));
    }

    #[test]
    fn a_mechanism_never_injected_goes_before_more_damage() {
        let cut: Hypothesis = [omission("p", "brokers", 2)].into_iter().collect();
        let found = vec![one("p", 0), one("p", 1), cut.clone()];
        assert_eq!(pick(&model(), found.clone(), &[], 3, &mut |_| 0), Some(one("p", 1)), "nothing injected yet: damage decides");
        assert_eq!(pick(&model(), found, &[one("p", 3)], 3, &mut |_| 0), Some(cut), "p was crashed before: the cut is new");
    }

    #[test]
    fn the_same_fault_on_other_work_is_a_new_mechanism() {
        // p crashed at step 3 and survived; at step 1 the lineage shows p
        // holding other work (another picture): that crash is as new as the
        // cut, and breaks more.
        let cut: Hypothesis = [omission("p", "brokers", 2)].into_iter().collect();
        let found = vec![one("p", 1), cut.clone()];
        let mut alike = |_: &FaultVar| 0;
        assert_eq!(pick(&model(), found.clone(), &[one("p", 3)], 3, &mut alike), Some(cut));
        let mut other_work = |v: &FaultVar| usize::from(*v == crash("p", 1));
        assert_eq!(pick(&model(), found, &[one("p", 3)], 3, &mut other_work), Some(one("p", 1)));
    }
}
