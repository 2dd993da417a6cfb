//! The search: which hypothesis a campaign injects next. Pure: it reads
//! what the campaign knows ([`Known`]) and answers with hypotheses; the
//! loop that injects them, checks the runs and learns from them is
//! the campaign's, which asks the search and is never asked back.
//!
//! One part per job:
//! - `space`: the hypothesis space of a scenario (the fault
//!   variables the lineage names, or every one its budget allows) and how
//!   a hypothesis becomes a fault plan ([`realize`]);
//! - [`plans`]: the budget's hypotheses counted, enumerated and drawn,
//!   without listing them (the baselines' view);
//! - `next` ([`hypotheses`]): the solver's sources of minimal hypotheses over the
//!   lineage, with the recovery paths each run's faults caused;
//! - `rank` ([`order`]): the policy that orders them;
//! - [`alike`]: hypotheses the lineage cannot tell apart from one already
//!   injected (exactly, or by shape), counted as injected;
//! - [`strategy`]: the strategies behind one trait (`ldfi`, and the
//!   baselines `random` and `exhaustive`), the one a campaign names
//!   picking its next hypothesis;
//! - [`coverage`]: the targeted instances the search never considered,
//!   which a campaign does not certify.

pub mod alike;
pub mod coverage;
#[cfg(test)]
pub(crate) mod fixtures;
mod next;
pub mod plans;
mod rank;
mod space;
pub mod strategy;

pub use next::{damage, hypotheses};
pub use plans::PlanCount;
pub use rank::{order, RANKED};
pub use space::{budget_space, realize, space, Windows};

use crate::lineage::Knowledge;
use crate::scenario::Scenario;
use crate::solver::Hypothesis;

/// What the campaign knows when it asks a strategy: owned, so that the
/// strategy can work on a thread of its own while the loop waits.
#[derive(Debug, Clone)]
pub struct Known {
    pub scenario: Scenario,
    /// The lineage merged over the runs that broke nothing, and the
    /// recovery paths each run's faults caused.
    pub knowledge: Knowledge,
    /// Hypotheses injected that broke nothing (whatever their verdict).
    pub tried: Vec<Hypothesis>,
    /// Of those, the ones with a run that passed and none that failed.
    pub survived: Vec<Hypothesis>,
    /// Hypotheses injected that broke something.
    pub broken: Vec<Hypothesis>,
    pub windows: Windows,
}
