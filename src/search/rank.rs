//! The order in which the ldfi strategy injects the solver's hypotheses:
//! a policy, written as the list [`POLICY`] the code follows. Pure.
//!
//! The solver gives minimal hypotheses smallest first, and does not care
//! which of equal size comes first. A real cluster does: how soon a bug
//! shows depends on which hypotheses go first. What a certificate covers
//! does not: every hypothesis is still injected before one is given.
//!
//! # The words
//!
//! A fault's **mechanism** is what it does (a node down, a link dropped)
//! to which node, role or link (a role without its partition: the leader
//! of one input partition meets the recovery code the leader of another
//! meets), on what work the lineage shows there (its picture,
//! [`super::alike::Pictures`]: a crash of an instance holding a committed
//! burst not yet written is not the crash of the same instance before the
//! burst came). The same mechanism at another step or on another
//! partition mostly meets the same recovery code again.
//!
//! # The policy
//!
//! The candidates are the hypotheses of the smallest size the solver
//! gave and of one fault more, so that the search still climbs the
//! budget size by size while a pair of new mechanisms can go before a
//! single repeat. Among them, each criterion decides between the
//! hypotheses the ones before it leave tied:
//!
//! 1. **New mechanisms, most first**: mechanisms no injected hypothesis
//!    had. Each meets recovery code no run has met, where a bug is most
//!    likely: a minimal pair of new mechanisms (the leader of an input
//!    cut off, then crashed) before a single crash of an instance that
//!    already survived a crash at another step.
//! 2. **Runs that met its mechanisms, fewest first**: the injected
//!    hypotheses that share a mechanism with it. On a system whose timing
//!    decides (an unclean election needs the controller on the cut
//!    leader's side), a shape that survived once gets its next chance, at
//!    another partition or step, before a third single cut of the output's
//!    leader, and runs spread evenly over the mechanisms. Counted per
//!    mechanism, not per shape: a pair of two faults each injected before
//!    is no new chance, and does not starve the retry of a pair that
//!    survived once.
//! 3. **Faults, fewest first**: a smaller hypothesis is a smaller cause
//!    to report, and the search climbs the budget size by size.
//! 4. **Faults on roles, most first**: faults that name no concrete
//!    broker. A role (`leader(input/0)`) is resolved when the fault
//!    starts, so it hits what the lineage meant whatever the last election
//!    did; a broker named as it was in an earlier run (a follower then)
//!    may hold another part now, and the same plan breaks the pipeline in
//!    one run and not the next.
//! 5. **Outcomes broken, most first**: in the model the hypothesis is
//!    judged by (the lineage, with the recovery paths learned under faults
//!    it injects too: [`crate::lineage::Conditional::model_for`]). The one
//!    that breaks the most has the best chance to break one for real (a
//!    crash of the instance at the step where it was busiest rather than
//!    while it was still starting), and teaches the most when it does not.
//!    A path seen only while another fault held (a burst handled a step
//!    late because its group's coordinator was down) does not make a crash
//!    at the burst's own step look harmless.
//!
//! Still tied: the solver's order (smallest first, then canonical), so
//! the choice is the same on every machine.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::model::{NodeId, Role};
use crate::solver::{FaultVar, Hypothesis, Peer};
#[cfg(test)]
use crate::solver::{fails, Model};

/// How many of the smallest hypotheses the solver is asked for, to pick
/// the next one among them.
pub const RANKED: usize = 48;

/// A fault variable without its step, and roles without their partition:
/// what it does to which node, role or link, and on what work the lineage
/// shows there (`picture`, alike at every steady step, see
/// [`super::alike::Pictures`]).
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

/// One candidate as the policy sees it.
struct Candidate<'a> {
    hypothesis: &'a Hypothesis,
    mechanisms: BTreeSet<Mechanism>,
    /// The outcomes it breaks in the model it is judged by.
    broken: usize,
}

/// What the policy knows of the campaign so far.
struct Past {
    /// The mechanisms of each injected hypothesis.
    injected: Vec<BTreeSet<Mechanism>>,
    /// Every mechanism any of them had.
    seen: BTreeSet<Mechanism>,
}

/// Which way a criterion prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefer {
    Most,
    Fewest,
}

/// One criterion of the policy: its name, which way it prefers, and what
/// it counts of a candidate.
struct Criterion {
    #[cfg_attr(not(test), allow(dead_code))]
    name: &'static str,
    prefer: Prefer,
    count: fn(&Candidate, &Past) -> usize,
}

/// The policy, in order: each criterion decides only between candidates
/// the ones before it tie (the module doc says why each is there).
const POLICY: [Criterion; 5] = [
    Criterion { name: "new mechanisms", prefer: Prefer::Most, count: new_mechanisms },
    Criterion { name: "runs that met its mechanisms", prefer: Prefer::Fewest, count: runs_met },
    Criterion { name: "faults", prefer: Prefer::Fewest, count: faults },
    Criterion { name: "faults on roles", prefer: Prefer::Most, count: faults_on_roles },
    Criterion { name: "outcomes broken", prefer: Prefer::Most, count: outcomes_broken },
];

fn new_mechanisms(c: &Candidate, past: &Past) -> usize {
    c.mechanisms.iter().filter(|m| !past.seen.contains(m)).count()
}

fn runs_met(c: &Candidate, past: &Past) -> usize {
    past.injected.iter().filter(|s| !s.is_disjoint(&c.mechanisms)).count()
}

fn faults(c: &Candidate, _: &Past) -> usize {
    c.hypothesis.len()
}

/// A fault on a role names no concrete broker: every node it touches is a
/// role, an instance or the brokers as a whole.
fn faults_on_roles(c: &Candidate, _: &Past) -> usize {
    c.hypothesis.iter().filter(|var| !var.nodes().any(|n| matches!(n, NodeId::Broker(_)))).count()
}

fn outcomes_broken(c: &Candidate, _: &Past) -> usize {
    c.broken
}

/// What a candidate counts on each criterion of the policy, in its order.
fn counts(c: &Candidate, past: &Past) -> [usize; POLICY.len()] {
    POLICY.map(|criterion| (criterion.count)(c, past))
}

/// `a` against `b` under the policy: `Greater` when `a` goes first.
fn compare(a: &[usize], b: &[usize]) -> Ordering {
    POLICY
        .iter()
        .zip(a.iter().zip(b))
        .map(|(criterion, (a, b))| match criterion.prefer {
            Prefer::Most => a.cmp(b),
            Prefer::Fewest => b.cmp(a),
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// How many outcomes a hypothesis breaks in the model it is judged by.
pub type Damage<'a> = dyn FnMut(&Hypothesis) -> usize + 'a;

/// Damage counted in one model.
#[cfg(test)]
pub fn in_model(model: &Model, eff: u32) -> impl FnMut(&Hypothesis) -> usize + '_ {
    move |h| model.outcomes.values().filter(|derivations| fails(derivations, h, eff)).count()
}

/// The next hypothesis among `found` (minimal ones, smallest first), given
/// what was already injected: the first of the candidates that the policy
/// puts before every other.
pub fn pick(
    found: Vec<Hypothesis>,
    injected: &[Hypothesis],
    picture: &mut dyn FnMut(&FaultVar) -> usize,
    damage: &mut Damage,
) -> Option<Hypothesis> {
    let smallest = found.first()?.len();
    let mut shape = |h: &Hypothesis| h.iter().map(|v| mechanism(v, picture)).collect::<BTreeSet<_>>();
    let injected: Vec<BTreeSet<Mechanism>> = injected.iter().map(&mut shape).collect();
    let seen = injected.iter().flatten().cloned().collect();
    let past = Past { injected, seen };
    let mut best: Option<([usize; POLICY.len()], &Hypothesis)> = None;
    for h in found.iter().take_while(|h| h.len() <= smallest + 1) {
        let mine = counts(&Candidate { hypothesis: h, mechanisms: shape(h), broken: damage(h) }, &past);
        if best.as_ref().is_none_or(|(top, _)| compare(&mine, top).is_gt()) {
            best = Some((mine, h));
        }
    }
    best.map(|(_, h)| h.clone())
}

/// The order a campaign would inject `found` in if every one survived:
/// `pick` again and again, each pick counted as injected. For `ldfi
/// solve`, which shows the next hypotheses without running them.
pub fn order(mut found: Vec<Hypothesis>, picture: &mut dyn FnMut(&FaultVar) -> usize, damage: &mut Damage) -> Vec<Hypothesis> {
    let mut ordered = Vec::new();
    while let Some(next) = pick(found.clone(), &ordered, picture, damage) {
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
    fn the_policy_is_the_one_the_module_doc_states() {
        // The doc's numbered list names each criterion and its direction,
        // in the order of POLICY: "1. **New mechanisms, most first**".
        let doc: Vec<String> = include_str!("rank.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! "))
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()) && l.contains(". **"))
            .map(|l| l.split("**").nth(1).unwrap_or_default().to_lowercase())
            .collect();
        let code: Vec<String> = POLICY
            .iter()
            .map(|c| format!("{}, {} first", c.name, if c.prefer == Prefer::Most { "most" } else { "fewest" }))
            .collect();
        assert_eq!(doc, code);
    }

    #[test]
    fn the_smallest_hypothesis_that_breaks_the_most_outcomes_goes_first() {
        // A pair of the same mechanisms brings no more that is new.
        let two: Hypothesis = [crash("p", 2), crash("p", 3)].into_iter().collect();
        assert_eq!(pick(vec![one("p", 0), one("p", 1), two], &[], &mut |_| 0, &mut in_model(&model(), 3)), Some(one("p", 1)));
        assert_eq!(pick(vec![], &[], &mut |_| 0, &mut in_model(&model(), 3)), None);
    }

    #[test]
    fn a_pair_of_new_mechanisms_goes_before_a_single_one_already_tried() {
        let pair: Hypothesis =
            [crash("leader(input/1)", 2), omission("leader(input/1)", "brokers", 1)].into_iter().collect();
        let three: Hypothesis = [crash("a", 0), crash("b", 0), crash("c", 0)].into_iter().collect();
        let found = vec![one("p", 0), one("p", 1), pair.clone(), three];
        // p crashed before (at another step), the input leader never was.
        assert_eq!(pick(found.clone(), &[one("p", 3)], &mut |_| 0, &mut in_model(&model(), 3)), Some(pair.clone()));
        // Once a leader of the input was cut and crashed (another partition,
        // another step), the pair is nothing new: the smaller one goes first.
        let before: Hypothesis =
            [crash("leader(input/0)", 4), omission("leader(input/0)", "brokers", 3)].into_iter().collect();
        assert_eq!(pick(found, &[one("p", 3), before], &mut |_| 0, &mut in_model(&model(), 3)), Some(one("p", 1)));
        // Never more than one fault past the smallest size.
        let lone_three: Vec<Hypothesis> = vec![one("p", 0), [crash("a", 0), crash("b", 0), crash("c", 0)].into_iter().collect()];
        assert_eq!(pick(lone_three, &[one("p", 3)], &mut |_| 0, &mut in_model(&model(), 3)), Some(one("p", 0)));
    }

    #[test]
    fn the_order_of_a_whole_list_counts_each_pick_as_injected() {
        let cut: Hypothesis = [omission("p", "brokers", 2)].into_iter().collect();
        // p@1 breaks the most; then the cut is a new mechanism, p@0 is not.
        assert_eq!(order(vec![one("p", 0), one("p", 1), cut.clone()], &mut |_| 0, &mut in_model(&model(), 3)), vec![one("p", 1), cut, one("p", 0)]);
    }

    #[test]
    fn the_mechanisms_met_by_the_fewest_runs_go_first() {
        // The cut+crash pair survived once, the output cut once, the
        // instance's crash twice: the pair and the cut tie, the smaller
        // goes; once the cut was tried again the pair comes back.
        let out = |s: u32| -> Hypothesis { [omission("leader(output/0)", "brokers", s)].into_iter().collect() };
        let found = vec![one("p", 1), out(3), pair(1, 2)];
        let injected = vec![pair(0, 0), out(0), one("p", 0), one("p", 2)];
        assert_eq!(pick(found.clone(), &injected, &mut |_| 0, &mut in_model(&model(), 3)), Some(out(3)));
        let injected = [injected, vec![out(1)]].concat();
        assert_eq!(pick(found, &injected, &mut |_| 0, &mut in_model(&model(), 3)), Some(pair(1, 2)));
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
        assert_eq!(pick(vec![mixed.clone(), pair(2, 2)], &injected, &mut |_| 0, &mut in_model(&model(), 3)), Some(pair(2, 2)));
        // Once the pair met as many runs, the smaller or more damaging decides again.
        let injected = [injected, vec![pair(0, 3)]].concat();
        assert_eq!(pick(vec![mixed.clone(), pair(2, 2)], &injected, &mut |_| 0, &mut in_model(&model(), 3)), Some(mixed));
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
        assert_eq!(pick(vec![lagging.clone(), molly.clone()], &[], &mut |_| 0, &mut in_model(&model(), 3)), Some(molly));
        assert_eq!(pick(vec![lagging.clone()], &[], &mut |_| 0, &mut in_model(&model(), 3)), Some(lagging));
    }

    #[test]
    fn a_mechanism_never_injected_goes_before_more_damage() {
        let cut: Hypothesis = [omission("p", "brokers", 2)].into_iter().collect();
        let found = vec![one("p", 0), one("p", 1), cut.clone()];
        assert_eq!(pick(found.clone(), &[], &mut |_| 0, &mut in_model(&model(), 3)), Some(one("p", 1)), "nothing injected yet: damage decides");
        assert_eq!(pick(found, &[one("p", 3)], &mut |_| 0, &mut in_model(&model(), 3)), Some(cut), "p was crashed before: the cut is new");
    }

    #[test]
    fn the_same_fault_on_other_work_is_a_new_mechanism() {
        // p crashed at step 3 and survived; at step 1 the lineage shows p
        // holding other work (another picture): that crash is as new as the
        // cut, and breaks more.
        let cut: Hypothesis = [omission("p", "brokers", 2)].into_iter().collect();
        let found = vec![one("p", 1), cut.clone()];
        let mut alike = |_: &FaultVar| 0;
        assert_eq!(pick(found.clone(), &[one("p", 3)], &mut alike, &mut in_model(&model(), 3)), Some(cut));
        let mut other_work = |v: &FaultVar| usize::from(*v == crash("p", 1));
        assert_eq!(pick(found, &[one("p", 3)], &mut other_work, &mut in_model(&model(), 3)), Some(one("p", 1)));
    }
}
