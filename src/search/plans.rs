//! The budget's hypotheses as the baseline strategies see them: how many
//! there are, in which order `exhaustive` tries them, how `random` draws
//! one, and how many are left.
//!
//! A space grows as binomials: with eot = 100, five targets and three
//! crashes, the crash variables alone make C(495, 3), about 2·10^7 sets, and
//! `max_crashes = 4294967295` makes 2^495. So nothing here lists the space
//! to count it or to draw from it. Counts are closed forms in checked
//! integers, exact up to 10^18 and "more than 10^18" past it; a draw picks
//! how many crashes and omissions by their share of the space, then which
//! ones, directly; the exhaustive order is a lazy iterator that never
//! builds a set outside the budget.
//!
//! A hypothesis within budget is a set of at most `max_crashes` crash
//! variables and at most `max_omissions` omission variables, at most
//! `max_faults` in all, not empty: there are
//! `Σ_{c + o ≤ max_faults} C(crashes, c) · C(omissions, o) − 1` of them
//! ([`sets`]).

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::solver::{FaultVar, Hypothesis, HypothesisSpace};
use crate::workload::mix;

/// Counts above this are "more than 10^18".
pub const COUNT_CAP: u64 = 1_000_000_000_000_000_000;

/// How many hypotheses: exact, or more than [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanCount {
    Exact(u64),
    MoreThanCap,
}

impl PlanCount {
    /// The exact count, when it is at most 10^18.
    pub fn exact(self) -> Option<u64> {
        match self {
            PlanCount::Exact(n) => Some(n),
            PlanCount::MoreThanCap => None,
        }
    }
}

impl std::fmt::Display for PlanCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanCount::Exact(n) => write!(f, "{n}"),
            PlanCount::MoreThanCap => f.write_str("more than 10^18"),
        }
    }
}

/// The crash variables and the omission variables of a space.
fn pools(space: &HypothesisSpace) -> (Vec<FaultVar>, Vec<FaultVar>) {
    let (crashes, omissions) = pool_sizes(space);
    ((0..crashes as usize).map(|i| crash_var(space, i)).collect(), (0..omissions as usize).map(|i| omission_var(space, i)).collect())
}

/// How many variables of each kind a space has, without listing them.
fn pool_sizes(space: &HypothesisSpace) -> (u64, u64) {
    (space.crash_count() as u64, (space.links.len() as u64).saturating_mul(u64::from(space.eff)))
}

/// `Σ_{k ≤ max} C(n, k)`, or `None` past [`COUNT_CAP`]. Each term follows
/// from the one before, `C(n, k+1) = C(n, k)·(n−k)/(k+1)`, exactly.
fn subsets_up_to(n: u64, max: u64) -> Option<u128> {
    let cap = u128::from(COUNT_CAP);
    let (mut term, mut sum) = (1u128, 1u128);
    for k in 0..max.min(n) {
        term = term.checked_mul(u128::from(n - k))? / u128::from(k + 1);
        sum = sum.checked_add(term)?;
        if term > cap || sum > cap {
            return None;
        }
    }
    Some(sum)
}

/// `Σ C(crashes, c) · C(omissions, o)` over `c ≤ max_c`, `o ≤ max_o` and
/// `c + o ≤ total`, the empty set included, or `None` past [`COUNT_CAP`].
/// The loop over `c` ends as soon as the sum passes the cap, so a huge
/// `max_c` costs nothing.
fn sets(crashes: u64, omissions: u64, max_c: u64, max_o: u64, total: u64) -> Option<u128> {
    let cap = u128::from(COUNT_CAP);
    let (mut binomial, mut sum) = (1u128, 0u128);
    for c in 0..=max_c.min(crashes).min(total) {
        if c > 0 {
            binomial = binomial.checked_mul(u128::from(crashes - c + 1))? / u128::from(c);
        }
        sum = sum.checked_add(binomial.checked_mul(subsets_up_to(omissions, max_o.min(total - c))?)?)?;
        if sum > cap {
            return None;
        }
    }
    Some(sum)
}

/// How many hypotheses the budget allows: what `random` draws from and
/// `exhaustive` tries in turn.
pub fn count(space: &HypothesisSpace) -> PlanCount {
    let (crashes, omissions) = pool_sizes(space);
    let sets = sets(crashes, omissions, u64::from(space.max_crashes), u64::from(space.max_omissions), u64::from(space.max_size()))
        .map(|n| n - 1);
    match sets {
        Some(n) if n <= u128::from(COUNT_CAP) => PlanCount::Exact(n as u64),
        _ => PlanCount::MoreThanCap,
    }
}

/// Crash and omission variables of a hypothesis.
fn shape(h: &Hypothesis) -> (u64, u64) {
    let crashes = h.iter().filter(|v| matches!(v, FaultVar::Crash { .. })).count() as u64;
    (crashes, h.len() as u64 - crashes)
}

/// The most broken hypotheses whose supersets are counted exactly
/// (inclusion–exclusion over their subsets: 2^12 terms).
const MAX_BROKEN_COUNTED: usize = 12;

/// Hypotheses of the space not yet tried and holding no broken one, or
/// `None` when that is unknown: more than 10^18, or too many broken sets
/// to count their supersets.
pub fn remaining(space: &HypothesisSpace, tried: &[Hypothesis], broken: &[Hypothesis]) -> Option<u64> {
    let total = count(space).exact()?;
    let (crashes, omissions) = pool_sizes(space);
    let usable = |h: &Hypothesis| h.iter().all(|v| space.offers(v)) && space.within_budget(h);
    if broken.iter().any(|b| b.is_empty()) {
        return Some(0);
    }
    let broken: Vec<&Hypothesis> = broken.iter().filter(|b| usable(b)).collect::<BTreeSet<_>>().into_iter().collect();
    if broken.len() > MAX_BROKEN_COUNTED {
        return None;
    }
    // Hypotheses holding `u`: the rest of each kind chosen freely.
    let holding = |u: &Hypothesis| -> i128 {
        let (c, o) = shape(u);
        if !space.within_budget(u) {
            return 0;
        }
        let (max_c, max_o, total) = (u64::from(space.max_crashes), u64::from(space.max_omissions), u64::from(space.max_size()));
        // Within a space of at most 10^18 this cannot pass the cap.
        sets(crashes - c, omissions - o, max_c - c, max_o - o, total - c - o).map_or(0, |n| n as i128)
    };
    let mut supersets: i128 = 0;
    for mask in 1u32..(1 << broken.len()) {
        let union: Hypothesis = broken.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).flat_map(|(_, b)| b.iter().cloned()).collect();
        let sign = if mask.count_ones() % 2 == 1 { 1 } else { -1 };
        supersets += sign * holding(&union);
    }
    let tried: BTreeSet<&Hypothesis> =
        tried.iter().filter(|h| !h.is_empty() && usable(h) && !broken.iter().any(|b| b.is_subset(h))).collect();
    let left = i128::from(total) - supersets - tried.len() as i128;
    u64::try_from(left.max(0)).ok()
}

/// Every hypothesis within budget, lazily: by size, then with more crashes
/// first, then in the order of the variables.
pub fn exhaustive(space: &HypothesisSpace) -> impl Iterator<Item = Hypothesis> + '_ {
    let (crashes, omissions) = pools(space);
    let max_c = (space.max_crashes as usize).min(crashes.len());
    let max_o = (space.max_omissions as usize).min(omissions.len());
    let largest = (max_c + max_o).min(space.max_size() as usize);
    let (crashes, omissions) = (Rc::new(crashes), Rc::new(omissions));
    (1..=largest).flat_map(move |size| {
        let (crashes, omissions) = (crashes.clone(), omissions.clone());
        (size.saturating_sub(max_o)..=size.min(max_c)).rev().flat_map(move |c| {
            let (crashes, omissions) = (crashes.clone(), omissions.clone());
            combinations(crashes.len(), c).flat_map(move |picked| {
                let (crashes, omissions) = (crashes.clone(), omissions.clone());
                combinations(omissions.len(), size - c).map(move |others| {
                    picked.iter().map(|i| crashes[*i].clone()).chain(others.iter().map(|i| omissions[*i].clone())).collect()
                })
            })
        })
    })
}

/// All `k`-subsets of `0..n`, in lexicographic order.
fn combinations(n: usize, k: usize) -> impl Iterator<Item = Vec<usize>> {
    let mut current: Option<Vec<usize>> = if k <= n { Some((0..k).collect()) } else { None };
    std::iter::from_fn(move || {
        let result = current.clone()?;
        let mut next = result.clone();
        let mut i = k;
        loop {
            if i == 0 {
                current = None;
                break;
            }
            i -= 1;
            if next[i] < n - k + i {
                next[i] += 1;
                for j in i + 1..k {
                    next[j] = next[j - 1] + 1;
                }
                current = Some(next);
                break;
            }
        }
        Some(result)
    })
}

/// `ln C(n, k)` for `k` in `0..=max`.
fn log_binomials(n: usize, max: usize) -> Vec<f64> {
    let mut logs = vec![0.0];
    for k in 0..max {
        logs.push(logs[k] + ((n - k) as f64).ln() - ((k + 1) as f64).ln());
    }
    logs
}

/// `ln Σ e^x`, stable for large `x`.
fn log_sum(logs: &[f64]) -> f64 {
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return top;
    }
    top + logs.iter().map(|x| (x - top).exp()).sum::<f64>().ln()
}

/// An index drawn in proportion to `e^logs[i]`, at `u` in [0, 1).
fn pick(logs: &[f64], u: f64) -> Option<usize> {
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return None;
    }
    let weights: Vec<f64> = logs.iter().map(|x| (x - top).exp()).collect();
    let mut point = u * weights.iter().sum::<f64>();
    for (i, w) in weights.iter().enumerate() {
        point -= w;
        if point < 0.0 {
            return Some(i);
        }
    }
    weights.iter().rposition(|w| *w > 0.0)
}

/// A non-empty hypothesis within budget drawn uniformly among all of them
/// (the random strategy), for draw number `draw` of `seed`: first how many
/// crashes `c` and omissions `o`, in proportion to how many hypotheses have
/// that shape (`C(crashes, c)·C(omissions, o)`, in logarithms so that no
/// count overflows), then which, uniformly.
pub fn random(space: &HypothesisSpace, seed: u64, draw: u64) -> Option<Hypothesis> {
    let (crashes, omissions) = pool_sizes(space);
    let (crashes, omissions) = (usize::try_from(crashes).ok()?, usize::try_from(omissions).ok()?);
    let total = space.max_size() as usize;
    let max_c = (space.max_crashes as usize).min(crashes).min(total);
    let max_o = (space.max_omissions as usize).min(omissions);
    let (log_c, log_o) = (log_binomials(crashes, max_c), log_binomials(omissions, max_o));
    // `c` crashes come with any `o` up to what the total leaves, except
    // that no crash needs at least one omission.
    let omissions_with = |c: usize| &log_o[usize::from(c == 0)..=max_o.min(total - c)];
    let shares: Vec<f64> = log_c.iter().enumerate().map(|(c, l)| l + log_sum(omissions_with(c))).collect();
    let mut r = mix(seed ^ mix(draw.wrapping_mul(7919)));
    let c = pick(&shares, unit(r))?;
    r = mix(r);
    let o = pick(omissions_with(c), unit(r))? + usize::from(c == 0);
    let mut h = Hypothesis::new();
    for (pool, count, crash) in [(crashes, c, true), (omissions, o, false)] {
        // Floyd's sampling: `count` distinct picks, each set equally likely.
        let mut picked = BTreeSet::new();
        for j in pool - count..pool {
            r = mix(r);
            let t = (r % (j as u64 + 1)) as usize;
            if !picked.insert(t) {
                picked.insert(j);
            }
        }
        h.extend(picked.into_iter().map(|i| if crash { crash_var(space, i) } else { omission_var(space, i) }));
    }
    Some(h)
}

/// Crash variable `i` of the space, as [`pools`] orders them: node by
/// node, step by step.
fn crash_var(space: &HypothesisSpace, i: usize) -> FaultVar {
    let eff = space.eff.max(1) as usize;
    FaultVar::crash(space.crashable[i / eff].clone(), (i % eff) as u32)
}

/// Omission variable `i` of the space, as [`pools`] orders them: link by
/// link, step by step.
fn omission_var(space: &HypothesisSpace, i: usize) -> FaultVar {
    let eff = space.eff.max(1) as usize;
    let (from, to) = &space.links[i / eff];
    FaultVar::omission(from.clone(), to.clone(), (i % eff) as u32)
}

/// A float in [0, 1) from a mixed word.
fn unit(r: u64) -> f64 {
    (r >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::NodeId;
    use crate::solver::Peer;

    /// `nodes` crashable nodes and `links` links, each at every step of `0..eff`.
    fn space(nodes: usize, links: usize, eff: u32, max_crashes: u32, max_omissions: u32) -> HypothesisSpace {
        HypothesisSpace {
            crashable: (0..nodes).map(|i| NodeId::client(format!("n{i}"))).collect(),
            links: (0..links).map(|i| (Peer::Node(NodeId::client(format!("pipeline-{i}"))), Peer::Brokers)).collect(),
            eff,
            max_crashes,
            max_omissions,
            max_faults: None,
        }
    }

    #[test]
    fn counts_agree_with_listing_on_small_spaces() {
        for (c, l, eff, mc, mo) in [(3, 2, 2, 1, 1), (4, 1, 3, 2, 1), (5, 0, 3, 3, 9), (0, 2, 2, 0, 2), (6, 2, 1, 9, 0), (0, 0, 3, 1, 1)] {
            let s = space(c, l, eff, mc, mo);
            let listed = exhaustive(&s).count() as u64;
            assert_eq!(count(&s), PlanCount::Exact(listed), "{c} {l} {eff} {mc} {mo}");
            let all: BTreeSet<Hypothesis> = exhaustive(&s).collect();
            assert_eq!(all.len() as u64, listed, "no hypothesis listed twice");
            assert!(all.iter().all(|h| !h.is_empty() && s.within_budget(h)));
        }
    }

    #[test]
    fn a_total_cap_counts_lists_draws_and_leaves_only_sets_within_it() {
        for (c, l, eff, mc, mo, total) in [(3, 2, 2, 1, 1, 1), (4, 2, 3, 2, 2, 3), (5, 1, 3, 3, 2, 2), (4, 3, 2, 9, 9, 2)] {
            let s = HypothesisSpace { max_faults: Some(total), ..space(c, l, eff, mc, mo) };
            let all: BTreeSet<Hypothesis> = exhaustive(&s).collect();
            let uncapped: Vec<Hypothesis> = exhaustive(&space(c, l, eff, mc, mo)).collect();
            let want: BTreeSet<Hypothesis> = uncapped.into_iter().filter(|h| h.len() <= total as usize).collect();
            assert_eq!(all, want, "{c} {l} {eff} {mc} {mo} {total}");
            assert_eq!(count(&s), PlanCount::Exact(all.len() as u64));
            let listed: Vec<Hypothesis> = all.iter().cloned().collect();
            let (tried, broken) = (vec![listed[2].clone()], vec![listed[0].clone(), listed[4].clone()]);
            let left = listed.iter().filter(|h| !tried.contains(h) && !broken.iter().any(|b| b.is_subset(h))).count() as u64;
            assert_eq!(remaining(&s, &tried, &broken), Some(left));
            for draw in 0..200 {
                let h = random(&s, 5, draw).expect("a hypothesis");
                assert!(all.contains(&h), "{h:?} drawn outside the capped space");
            }
        }
    }

    #[test]
    fn one_fault_in_all_draws_each_single_fault_equally_often() {
        // 2 crash and 2 omission variables, one fault in all: 4 hypotheses.
        let space = HypothesisSpace { max_faults: Some(1), ..space(1, 1, 2, 1, 1) };
        let mut counts: BTreeMap<Hypothesis, u32> = BTreeMap::new();
        for draw in 0..8_000 {
            *counts.entry(random(&space, 7, draw).expect("a hypothesis")).or_default() += 1;
        }
        assert_eq!(counts.len(), 4, "{counts:?}");
        assert!(counts.values().all(|n| (1700..2300).contains(n)), "{counts:?}");
    }

    #[test]
    fn huge_budgets_are_counted_at_once_and_never_overflow() {
        // Counted by formula, not by enumeration: a budget of more than
        // 10^18 plans is answered at all. How fast is a benchmark's
        // business, not a test's (a timed test fails on a busy machine).
        // eot = 100, five targets, three crashes and one omission.
        let big = space(5, 7, 99, 3, 1);
        let a = 1 + 495 + 495 * 494 / 2 + 495 * 494 * 493 / 6;
        assert_eq!(count(&big), PlanCount::Exact(a * (1 + 7 * 99) - 1));
        let huge = space(17, 34, 99, u32::MAX, u32::MAX);
        assert_eq!(count(&huge), PlanCount::MoreThanCap);
        assert_eq!(count(&huge).to_string(), "more than 10^18");
        assert_eq!(remaining(&huge, &[], &[]), None);
        for draw in 0..10 {
            let h = random(&huge, 3, draw).expect("a hypothesis");
            assert!(!h.is_empty() && h.iter().all(|v| huge.offers(v)));
        }
        assert_eq!(exhaustive(&huge).take(3).count(), 3);
    }

    #[test]
    fn remaining_leaves_out_the_tried_and_every_superset_of_a_broken_one() {
        let s = space(4, 2, 2, 2, 1);
        let all: Vec<Hypothesis> = exhaustive(&s).collect();
        let tried = vec![all[0].clone(), all[5].clone(), all[5].clone(), all[20].clone()];
        let broken = vec![all[1].clone(), all[3].clone(), all[7].clone()];
        let left = all.iter().filter(|h| !tried.contains(h) && !broken.iter().any(|b| b.is_subset(h))).count() as u64;
        assert_eq!(remaining(&s, &tried, &broken), Some(left));
        assert_eq!(remaining(&s, &[], &[]), Some(all.len() as u64));
        assert_eq!(remaining(&s, &[], &[Hypothesis::new()]), Some(0));
    }

    #[test]
    fn random_draws_every_hypothesis_within_budget_equally_often() {
        // 2 crash and 2 omission variables, at most one of each: 2 + 2 + 4
        // hypotheses, each drawn about 1 time in 8.
        let space = HypothesisSpace {
            crashable: vec![NodeId::broker(1)],
            links: vec![(Peer::Node(NodeId::client("pipeline-1")), Peer::Brokers)],
            eff: 2,
            max_crashes: 1,
            max_omissions: 1,
            max_faults: None,
        };
        let draws = 16_000;
        let mut counts: BTreeMap<Hypothesis, u32> = BTreeMap::new();
        for draw in 0..draws {
            let h = random(&space, 7, draw).expect("a hypothesis");
            assert!(!h.is_empty() && space.within_budget(&h), "{h:?}");
            *counts.entry(h).or_default() += 1;
        }
        assert_eq!(counts.len(), 8, "{counts:?}");
        for (h, n) in &counts {
            assert!((1700..2300).contains(n), "{h:?} drawn {n} times of {draws}");
        }
        // The same seed and draw give the same hypothesis; another seed, another sequence.
        assert_eq!(random(&space, 7, 3), random(&space, 7, 3));
        assert_ne!((0..20).map(|d| random(&space, 7, d)).collect::<Vec<_>>(), (0..20).map(|d| random(&space, 8, d)).collect::<Vec<_>>());
    }

    #[test]
    fn random_finds_nothing_in_an_empty_space() {
        assert_eq!(random(&HypothesisSpace { eff: 3, max_crashes: 1, ..Default::default() }, 1, 0), None);
        assert_eq!(random(&space(3, 1, 2, 0, 0), 1, 0), None);
        assert_eq!(count(&space(3, 1, 2, 0, 0)), PlanCount::Exact(0));
    }
}
