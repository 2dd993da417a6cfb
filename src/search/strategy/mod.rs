//! Search strategies: how a campaign picks the next hypothesis to inject.
//! A strategy is one file here and one entry of [`REGISTRY`]; the loop
//! asks whichever the campaign names and knows none of them by name, and
//! `[strategy] name`, `--strategy` and `ldfi bench --strategies` take their
//! names from the registry.
//!
//! A strategy sees what the campaign knows ([`Known`]) and answers three
//! questions: the next hypothesis, not injected and not a superset of one
//! that broke something (none: its space is spent); how many are left when
//! the run budget ran out first (the "M remaining" of an honest "explored
//! N of M"); and how many hypotheses it judged alike to one that survived
//! instead of injecting them (a certificate says so). What the loop does
//! with the answer is the same for every strategy: the hypothesis becomes
//! a fault plan ([`super::realize`]), the plan is injected, the run
//! is checked and, if it broke nothing, absorbed into what is known.
//!
//! Shipped: `ldfi` asks the solver over the space the lineage names and
//! ranks its answers; `random` draws plans the budget allows and
//! `exhaustive` enumerates them, smallest first. The last two know nothing
//! of the lineage: they are the baselines `ldfi bench` compares it with.

mod exhaustive;
mod ldfi;
pub use ldfi::left;
mod random;

use crate::scenario::StrategyName;
use crate::solver::{Hypothesis, SolverError};

use super::Known;

/// One search strategy, started once when a campaign starts and again when
/// it resumes: what must outlast a resume is in [`Known`] (`random`'s
/// count of draws does not, so a resumed campaign draws its first plans
/// again and skips those already tried).
pub trait Strategy: Send {
    /// Whether [`Strategy::next`] asks the solver, which the loop
    /// announces first: it can take seconds.
    fn solves(&self) -> bool {
        false
    }

    /// The next hypothesis, or `None` when none is left in its space.
    fn next(&mut self, known: &Known) -> Result<Option<Hypothesis>, SolverError>;

    /// How many hypotheses are left, when the run budget ran out first
    /// (`None`: too many to say).
    fn remaining(&self, known: &Known) -> Option<usize>;

    /// How many hypotheses it counted as injected without running them
    /// under their own names: judged alike to one that survived, and
    /// injected by a run under another role's name (the same plan on the
    /// cluster). A certificate says how many of each.
    fn judged_alike(&self, _known: &Known) -> Uninjected {
        Uninjected::default()
    }
}

/// What [`Strategy::judged_alike`] counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uninjected {
    pub alike: usize,
    pub landed: usize,
}

/// Whether `h` is still to try: not tried, and no broken hypothesis is
/// part of it (a fault set that contains a cause breaks for that cause).
fn untried(h: &Hypothesis, tried: &[Hypothesis], broken: &[Hypothesis]) -> bool {
    !tried.contains(h) && !broken.iter().any(|b| b.is_subset(h))
}

/// A registered strategy: its name, what it does in a few words, and how
/// it starts.
pub struct Entry {
    /// The name in scenario files, on the command line and in
    /// summary.json: 1 to 10 lowercase letters
    /// ([`crate::scenario::names::strategy`]).
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    pub start: fn() -> Box<dyn Strategy>,
}

/// Every strategy ldfi knows, in the order `--help` lists them; the first
/// is the default.
pub const REGISTRY: &[Entry] = &[ldfi::ENTRY, random::ENTRY, exhaustive::ENTRY];

/// The names of every strategy, in the registry's order.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|e| e.name)
}

/// A name no registered strategy has.
#[derive(Debug, thiserror::Error)]
#[error("unknown strategy {name:?}")]
pub struct UnknownStrategy {
    pub name: String,
}

impl UnknownStrategy {
    /// The fix, naming every strategy: "use ldfi, random or exhaustive".
    pub fn fix(&self) -> String {
        let names: Vec<&str> = names().collect();
        match names.split_last() {
            Some((last, [])) => format!("use {last}"),
            Some((last, rest)) => format!("use {} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// The registered strategy named `name`.
pub fn entry(name: &StrategyName) -> Result<&'static Entry, UnknownStrategy> {
    REGISTRY.iter().find(|e| e.name == name.name()).ok_or_else(|| UnknownStrategy { name: name.name().to_string() })
}

/// Starts the strategy named `name`.
pub fn start(name: &StrategyName) -> Result<Box<dyn Strategy>, UnknownStrategy> {
    entry(name).map(|e| (e.start)())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_name_is_a_strategy_name_once() {
        for (i, e) in REGISTRY.iter().enumerate() {
            assert_eq!(crate::scenario::names::strategy(e.name), Ok(()), "{}", e.name);
            assert!(REGISTRY[..i].iter().all(|other| other.name != e.name), "{} twice", e.name);
        }
        assert_eq!(REGISTRY[0].name, StrategyName::LDFI.name(), "the default comes first");
    }

    #[test]
    fn an_unknown_name_is_refused_naming_every_strategy() {
        let e = start(&StrategyName::from("smart")).err().expect("unknown");
        assert_eq!(e.to_string(), "unknown strategy \"smart\"");
        assert_eq!(e.fix(), "use ldfi, random or exhaustive");
        assert!(start(&StrategyName::from("random")).is_ok());
    }
}
