//! Resuming an interrupted campaign from its journal.
//!
//! A campaign journals `summary.json` after every finished run, so a harness
//! killed with SIGKILL loses at most the run it was in. The loop's state is
//! nothing but a function of the finished runs: the lineage model is the
//! merge of the passing runs' lineage (rebuilt from their traces, exactly as
//! the loop built it), the tried set is their hypotheses, the broken set the
//! hypotheses of the failing runs, and the next run's number is the count
//! of runs journaled. [`restore`] rebuilds that state from the journal and
//! the traces alone (pure: no cluster), and [`set_aside`] moves the traces
//! of a half-finished run (no `verdict.json`, or never journaled) out of the
//! way so that the run is simply redone under the same number.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{CampaignSummary, Outcome};
use crate::checker::Verdict;
use crate::lineage;
use crate::solver::Hypothesis;
use crate::trace::{self, TraceError};

/// Why a campaign cannot be resumed.
#[derive(Debug, Error)]
pub enum ResumeError {
    #[error("{}: no campaign journal here ({source})\n  fix: pass a report directory (reports/<campaign>) or a campaign name that has a summary.json", path.display())]
    NoJournal { path: PathBuf, #[source] source: std::io::Error },
    #[error("{}: not a campaign summary: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("the journal is of scenario {journal:?}, but the scenario given is {given:?}\n  fix: resume with the scenario file the campaign ran ({path})")]
    OtherScenario { journal: String, given: String, path: String },
    #[error("journaled run {run} has no verdict.json in {}: its traces were moved or deleted", dir.display())]
    MissingRun { run: String, dir: PathBuf },
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("{}: cannot rebuild lineage: {message}", dir.display())]
    Lineage { dir: PathBuf, message: String },
}

/// The loop's state, rebuilt from a journal (or fresh).
#[derive(Debug, Clone)]
pub struct Restored {
    pub summary: CampaignSummary,
    /// Merged lineage of the passing runs.
    pub model: lineage::Model,
    /// The recovery paths each run added, with its plan.
    pub conditional: super::Conditional,
    /// Hypotheses injected without breaking anything.
    pub tried: Vec<Hypothesis>,
    /// Hypotheses that broke a property.
    pub broken: Vec<Hypothesis>,
    /// Number of the next run (`r{next}`).
    pub next: u32,
}

impl Restored {
    /// The state of a campaign that has not run yet.
    pub fn fresh(summary: CampaignSummary) -> Restored {
        Restored {
            summary,
            model: lineage::Model::default(),
            conditional: Default::default(),
            tried: Vec::new(),
            broken: Vec::new(),
            next: 0,
        }
    }

    /// Whether the journal says the campaign already ended.
    pub fn ended(&self) -> bool {
        self.summary.outcome != Outcome::InProgress
    }

    /// Whether the campaign ended only because its run budget was spent
    /// and `max_runs` leaves room for more: a larger budget continues it
    /// where it stopped, as an interrupted one would.
    pub fn extends_to(&self, max_runs: u32) -> bool {
        matches!(self.summary.outcome, Outcome::BudgetSpent { .. }) && max_runs > self.next
    }
}

/// Reads the journal of a campaign: `dir/summary.json`.
pub fn read_journal(dir: &Path) -> Result<CampaignSummary, ResumeError> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|source| ResumeError::NoJournal { path: path.clone(), source })?;
    serde_json::from_str(&text).map_err(|e| ResumeError::Malformed { path, message: e.to_string() })
}

/// Rebuilds the loop's state from a journal and the traces of its runs.
pub fn restore(summary: CampaignSummary) -> Result<Restored, ResumeError> {
    let mut model = lineage::Model::default();
    let mut conditional = super::Conditional::default();
    let (mut tried, mut broken) = (Vec::new(), Vec::new());
    for record in &summary.runs {
        if !record.dir.join("verdict.json").is_file() {
            return Err(ResumeError::MissingRun { run: record.run.clone(), dir: record.dir.clone() });
        }
        if record.verdict == Verdict::Fail {
            if !record.hypothesis.is_empty() {
                broken.push(record.hypothesis.clone());
            }
        } else {
            if !record.hypothesis.is_empty() {
                tried.push(record.hypothesis.clone());
            }
            let lines = trace::read_dir(&record.dir)?;
            let learned = lineage::build(&lines).map_err(|message| ResumeError::Lineage { dir: record.dir.clone(), message })?;
            let added = super::learn::learn(&mut model, learned, &record.plan);
            conditional.push(&record.plan, added);
        }
    }
    let next = summary
        .runs
        .iter()
        .filter_map(|r| r.run.strip_prefix('r').and_then(|n| n.parse::<u32>().ok()))
        .map(|n| n + 1)
        .max()
        .unwrap_or(0)
        .max(summary.runs.len() as u32);
    Ok(Restored { summary, model, conditional, tried, broken, next })
}

/// Where the campaign's traces live (`traces/<campaign>`), as the journaled
/// runs say; `fallback` (the `--traces` root) when none finished yet.
pub fn traces_root(summary: &CampaignSummary, fallback: &Path) -> PathBuf {
    summary
        .runs
        .first()
        .and_then(|r| r.dir.parent())
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fallback.to_path_buf())
}

/// Run directories in `campaign_dir` that the journal does not account for
/// (a run killed before its verdict or before the journal was written, or
/// a minimization run of a pending counterexample).
pub fn unaccounted(summary: &CampaignSummary, campaign_dir: &Path) -> Vec<PathBuf> {
    let mut kept: BTreeSet<String> = summary.runs.iter().map(|r| r.run.clone()).collect();
    for c in &summary.counterexamples {
        for a in c.minimal.iter().flat_map(|m| &m.attempts) {
            kept.insert(a.run.clone());
        }
    }
    let Ok(entries) = std::fs::read_dir(campaign_dir) else { return Vec::new() };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            // Replays of a counterexample are not runs of the campaign.
            !kept.contains(&name) && !name.contains(".interrupted") && !name.starts_with("replay-")
        })
        .map(|e| e.path())
        .collect();
    stale.sort();
    stale
}

/// Moves run directories aside (`rN` → `rN.interrupted-<unix seconds>`):
/// kept as evidence, out of the way of the run redone under the same name.
/// Returns the run names moved.
pub fn set_aside(dirs: &[PathBuf]) -> std::io::Result<Vec<String>> {
    let stamp = trace::now_ms() / 1000;
    let mut moved = Vec::new();
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        std::fs::rename(dir, dir.with_file_name(format!("{name}.interrupted-{stamp}")))?;
        moved.push(name);
    }
    Ok(moved)
}

#[cfg(test)]
mod tests;
