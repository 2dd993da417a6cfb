//! From a lineage model to the small problem the solver actually faces.
//!
//! A million records that went through the same replicas at the same step
//! are one problem, not a million. Each derivation becomes the sorted set of
//! variables that cut it (its "cut set": the facts themselves disappear
//! here, see [`FaultVar::cuts`] for which variable cuts which); each
//! outcome becomes the sorted set of its cut sets. Both are interned, so the
//! formula has one auxiliary per *distinct* cut set and per *distinct*
//! outcome support, whatever the number of records.
//!
//! The pass over the outcomes is the only part whose cost grows with the
//! model, so it avoids hashing facts: a derivation is looked up by the
//! address of its shared set first, and a record whose derivations are the
//! very same objects as the previous record's reuses its answer outright.
//!
//! Also dropped here, all without changing the set of minimal hypotheses:
//! outcomes with a derivation nothing can cut (they can never fail),
//! outcomes without derivations (see [`super::model::Model`]), cut sets
//! implied by a smaller one of the same outcome (cutting `{a}` cuts
//! `{a, b}`), and variables that cut nothing left (never in a minimal set).

use rustc_hash::FxHashMap;

use super::model::{Derivation, Fact, Model, Peer};
use super::var::{FaultVar, Hypothesis, HypothesisSpace};
use crate::model::NodeId;
use super::SolverError;

/// Index of a variable in [`Reduced::vars`].
pub(crate) type VarId = u32;

/// The merged problem: what the encoding turns into a formula.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reduced {
    /// The variables that can matter, in [`FaultVar`] order.
    pub vars: Vec<FaultVar>,
    /// Distinct derivations, each as the sorted variables that cut it.
    pub cuts: Vec<Box<[VarId]>>,
    /// Distinct outcomes, each as the sorted indices of the cut sets that
    /// must all be hit for it to fail.
    pub supports: Vec<Box<[u32]>>,
}

/// Where each variable of a space sits in the global [`FaultVar`] order:
/// crashes first, then omissions by link, then by step.
struct SpaceIndex<'a> {
    eff: u32,
    /// Crash variables, in order.
    crashes: Vec<(&'a NodeId, u32)>,
    crash_rank: FxHashMap<(&'a NodeId, u32), u32>,
    links: Vec<(&'a Peer, &'a Peer)>,
    link_rank: FxHashMap<(&'a Peer, &'a Peer), u32>,
}

impl<'a> SpaceIndex<'a> {
    fn new(space: &'a HypothesisSpace) -> Result<SpaceIndex<'a>, SolverError> {
        let mut nodes: Vec<&NodeId> = if space.max_crashes > 0 && space.eff > 0 {
            space.crashable.iter().collect()
        } else {
            Vec::new()
        };
        nodes.sort_unstable();
        nodes.dedup();
        let mut links: Vec<(&Peer, &Peer)> = if space.max_omissions > 0 && space.eff > 0 {
            space.links.iter().map(|(a, b)| (a, b)).collect()
        } else {
            Vec::new()
        };
        // In the order of their omission variables (see `FaultVar`'s `Ord`).
        links.sort_by_cached_key(|(a, b)| (a.to_string(), b.to_string(), *a, *b));
        links.dedup();
        let too_large = || SolverError::SpaceTooLarge {
            nodes: nodes.len(),
            links: links.len(),
            eff: space.eff,
        };
        let crash_count = u32::try_from(nodes.len())
            .ok()
            .and_then(|n| n.checked_mul(space.eff))
            .ok_or_else(too_large)?;
        u32::try_from(links.len())
            .ok()
            .and_then(|n| n.checked_mul(space.eff))
            .and_then(|n| n.checked_add(crash_count))
            .ok_or_else(too_large)?;
        let mut crashes: Vec<(&NodeId, u32)> = nodes.iter().flat_map(|n| (0..space.eff).map(move |t| (*n, t))).collect();
        crashes.sort_by_cached_key(|(node, step)| FaultVar::crash((*node).clone(), *step));
        let crash_rank = crashes.iter().enumerate().map(|(i, c)| (*c, i as u32)).collect();
        let link_rank = links.iter().enumerate().map(|(i, l)| (*l, i as u32)).collect();
        Ok(SpaceIndex {
            eff: space.eff,
            crashes,
            crash_rank,
            links,
            link_rank,
        })
    }

    /// Every variable that cuts `fact` (unsorted, may repeat).
    fn cutters(&self, fact: &Fact, out: &mut Vec<u32>) {
        match fact {
            Fact::Alive { node, step } if *step < self.eff => out.extend(self.crash_rank.get(&(node, *step))),
            Fact::Link { from, to, step } if *step < self.eff => {
                if let Some(&rank) = self.link_rank.get(&(from, to)) {
                    out.push(self.crashes.len() as u32 + rank * self.eff + step);
                }
            }
            _ => {}
        }
    }

    fn var(&self, global: u32) -> FaultVar {
        let crash_count = self.crashes.len() as u32;
        if global < crash_count {
            let (node, step) = self.crashes[global as usize];
            FaultVar::crash(node.clone(), step)
        } else {
            let local = global - crash_count;
            let (from, to) = self.links[(local / self.eff) as usize];
            FaultVar::omission(from.clone(), to.clone(), local % self.eff)
        }
    }
}

/// Interns cut sets (sorted global variable ids).
#[derive(Default)]
struct CutTable {
    ids: FxHashMap<Box<[u32]>, u32>,
    sets: Vec<Box<[u32]>>,
    scratch: Vec<u32>,
}

impl CutTable {
    /// The cut set of `derivation`, or `None` if nothing can cut it.
    fn intern(&mut self, index: &SpaceIndex<'_>, derivation: &Derivation) -> Option<u32> {
        self.scratch.clear();
        for fact in derivation.iter() {
            index.cutters(fact, &mut self.scratch);
        }
        if self.scratch.is_empty() {
            return None;
        }
        self.scratch.sort_unstable();
        self.scratch.dedup();
        Some(intern(&mut self.ids, &mut self.sets, &self.scratch))
    }
}

fn intern(ids: &mut FxHashMap<Box<[u32]>, u32>, sets: &mut Vec<Box<[u32]>>, key: &[u32]) -> u32 {
    if let Some(&id) = ids.get(key) {
        return id;
    }
    let id = sets.len() as u32;
    sets.push(key.into());
    ids.insert(key.into(), id);
    id
}

/// Whether sorted `a` is a subset of sorted `b`.
fn is_subset(a: &[u32], b: &[u32]) -> bool {
    let mut rest = b.iter();
    a.iter().all(|x| rest.by_ref().any(|y| y == x))
}

impl Reduced {
    /// Merges `model` over the variables of `space`.
    pub fn new(model: &Model, space: &HypothesisSpace) -> Result<Reduced, SolverError> {
        let index = SpaceIndex::new(space)?;
        let mut cuts = CutTable::default();
        let mut by_address: FxHashMap<usize, Option<u32>> = FxHashMap::default();
        let mut support_ids: FxHashMap<Box<[u32]>, u32> = FxHashMap::default();
        let mut supports: Vec<Box<[u32]>> = Vec::new();
        let mut previous: Vec<usize> = Vec::new();
        let mut addresses: Vec<usize> = Vec::new();
        let mut buffer: Vec<u32> = Vec::new();
        for derivations in model.outcomes.values() {
            if derivations.is_empty() {
                continue;
            }
            addresses.clear();
            addresses.extend(derivations.iter().map(|d| d.shared_ptr() as usize));
            if addresses == previous {
                continue; // the same support as the previous record, already counted
            }
            std::mem::swap(&mut addresses, &mut previous);
            buffer.clear();
            let mut can_fail = true;
            for derivation in derivations {
                let id = *by_address
                    .entry(derivation.shared_ptr() as usize)
                    .or_insert_with(|| cuts.intern(&index, derivation));
                match id {
                    Some(id) => buffer.push(id),
                    None => {
                        can_fail = false;
                        break;
                    }
                }
            }
            if can_fail {
                buffer.sort_unstable();
                buffer.dedup();
                intern(&mut support_ids, &mut supports, &buffer);
            }
        }
        Ok(Reduced::finish(&index, &cuts.sets, supports))
    }

    /// Absorbs implied cut sets, keeps only the variables and cut sets still
    /// referenced, and renumbers them densely in order.
    fn finish(index: &SpaceIndex<'_>, cut_sets: &[Box<[u32]>], supports: Vec<Box<[u32]>>) -> Reduced {
        let mut absorbed: Vec<Vec<u32>> = supports
            .iter()
            .map(|support| {
                support
                    .iter()
                    .copied()
                    .filter(|&c| {
                        // Interned: distinct ids are distinct sets, so this is a strict subset.
                        !support
                            .iter()
                            .any(|&d| d != c && is_subset(&cut_sets[d as usize], &cut_sets[c as usize]))
                    })
                    .collect()
            })
            .collect();
        absorbed.sort_unstable();
        absorbed.dedup();

        let mut used_cuts: Vec<u32> = absorbed.iter().flatten().copied().collect();
        used_cuts.sort_unstable();
        used_cuts.dedup();
        let mut used_vars: Vec<u32> = used_cuts
            .iter()
            .flat_map(|&c| cut_sets[c as usize].iter().copied())
            .collect();
        used_vars.sort_unstable();
        used_vars.dedup();

        let var_id = |global: u32| used_vars.binary_search(&global).expect("used variable") as VarId;
        let cut_id = |old: u32| used_cuts.binary_search(&old).expect("used cut set") as u32;
        Reduced {
            vars: used_vars.iter().map(|&g| index.var(g)).collect(),
            cuts: used_cuts
                .iter()
                .map(|&c| cut_sets[c as usize].iter().map(|&g| var_id(g)).collect())
                .collect(),
            supports: absorbed
                .into_iter()
                .map(|s| {
                    let mut ids: Vec<u32> = s.into_iter().map(cut_id).collect();
                    ids.sort_unstable();
                    ids.into_boxed_slice()
                })
                .collect(),
        }
    }

    /// The ids of `h`'s variables, sorted; `None` if one of them is not a
    /// variable of this problem (then no hypothesis of it can equal or
    /// contain `h`).
    pub fn ids_of(&self, h: &Hypothesis) -> Option<Vec<VarId>> {
        // A Hypothesis iterates in FaultVar order, as `vars` is sorted.
        h.iter()
            .map(|v| self.vars.binary_search(v).ok().map(|i| i as VarId))
            .collect()
    }

    /// The hypothesis named by sorted ids.
    pub fn hypothesis(&self, ids: &[VarId]) -> Hypothesis {
        ids.iter().map(|&i| self.vars[i as usize].clone()).collect()
    }

    /// Whether the variables `h` (sorted) make some outcome fail.
    pub fn fails_some(&self, h: &[VarId]) -> bool {
        let hit: Vec<bool> = self
            .cuts
            .iter()
            .map(|c| c.iter().any(|v| h.binary_search(v).is_ok()))
            .collect();
        self.supports.iter().any(|s| s.iter().all(|&c| hit[c as usize]))
    }

    /// Drops variables from `h` (sorted) one by one while some outcome
    /// still fails; the result is a minimal failing set, since failing is
    /// monotone in the set of faults.
    pub fn minimize(&self, h: &[VarId]) -> Vec<VarId> {
        let mut current = h.to_vec();
        let mut i = 0;
        while i < current.len() {
            let mut smaller = current.clone();
            smaller.remove(i);
            if self.fails_some(&smaller) {
                current = smaller;
            } else {
                i += 1;
            }
        }
        current
    }
}
