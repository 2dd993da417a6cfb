//! What a campaign tells as it goes, and who listens.
//!
//! The loop emits events; it does not know who writes what. Its
//! listeners are the terminal (a line per run, a progress bar), the
//! journal (summary.json, rewritten whenever the record changes:
//! [`super::subscribers::Journal`]) and the reports (report.md,
//! report.html and junit.xml, rendered once when the campaign ends:
//! [`super::subscribers::Reports`]). The caller picks them
//! ([`Listeners`]); a test that wants none passes `&mut ()`.
//!
//! The events that change the record carry it whole ([`CampaignEvent::summary`]),
//! so that a listener that writes it needs nothing else.

use crate::model::FaultPlan;
use crate::summary::{Attempt, CampaignSummary, MinimalPlan, RunRecord};

use super::replay::ReplayRun;

/// What a campaign (or a minimization, or a replay) tells its listeners.
#[derive(Debug, Clone, Copy)]
pub enum CampaignEvent<'a> {
    /// The loop starts, fresh or resumed, from `summary` (its outcome
    /// `in_progress` until the loop ends).
    Started { summary: &'a CampaignSummary },
    /// Run `run` starts injecting `plan`.
    RunStarted { run: &'a str, plan: &'a FaultPlan },
    /// The solver is asked for the next hypothesis, over a model of this
    /// size.
    Solving { outcomes: usize, derivations: usize },
    /// A run ended and the campaign took it in: `summary` holds `record`
    /// (its last run), what it taught the model and any counterexample
    /// it found.
    RunFinished { record: &'a RunRecord, summary: &'a CampaignSummary },
    /// A run of the minimization of a counterexample ended.
    Minimizing { attempt: &'a Attempt },
    /// The minimization of counterexample `run` ended; `summary` holds it.
    Minimized { run: &'a str, minimal: &'a MinimalPlan, summary: &'a CampaignSummary },
    /// A run of `ldfi replay` ended.
    Replayed { run: &'a ReplayRun },
    /// The loop ended; `summary.outcome` says how.
    Ended { summary: &'a CampaignSummary },
}

impl<'a> CampaignEvent<'a> {
    /// The record, for the events that change it.
    pub fn summary(&self) -> Option<&'a CampaignSummary> {
        match *self {
            CampaignEvent::Started { summary }
            | CampaignEvent::RunFinished { summary, .. }
            | CampaignEvent::Minimized { summary, .. }
            | CampaignEvent::Ended { summary } => Some(summary),
            CampaignEvent::RunStarted { .. }
            | CampaignEvent::Solving { .. }
            | CampaignEvent::Minimizing { .. }
            | CampaignEvent::Replayed { .. } => None,
        }
    }
}

/// A subscriber of a campaign's events.
pub trait Listener: Send {
    /// Takes in one event. A listener that cannot write what it keeps
    /// (the journal) says so, and the campaign stops: a record it cannot
    /// keep is a campaign it cannot resume.
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()>;
}

/// No listener.
impl Listener for () {
    fn on(&mut self, _: &CampaignEvent<'_>) -> std::io::Result<()> {
        Ok(())
    }
}

/// Several listeners, told in order; the first that fails stops the
/// telling (the journal goes first: nothing is shown that is not kept).
pub struct Listeners<'a>(pub Vec<&'a mut dyn Listener>);

impl Listener for Listeners<'_> {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        self.0.iter_mut().try_for_each(|listener| listener.on(event))
    }
}
