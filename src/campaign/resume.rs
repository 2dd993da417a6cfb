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
//! way so that the run is simply redone under the same number. Nothing in
//! the journal touches the file system before [`check_journal`] passed it
//! ([`mod@journal`] says why).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{CampaignSummary, Outcome};
use crate::checker::Verdict;
use crate::lineage::Knowledge;
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
    /// A name or path in the journal that must not touch the file system
    /// ([`check_journal`]). `value` is quoted and escaped.
    #[error("{}: {field}: {value} {why}\n  fix: {fix}", path.display())]
    Journal { path: PathBuf, field: String, value: String, why: String, fix: String },
    #[error("{}: cannot move aside the runs cut short: {source}", dir.display())]
    SetAside { dir: PathBuf, #[source] source: std::io::Error },
}

impl From<crate::summary::names::Refused> for ResumeError {
    fn from(r: crate::summary::names::Refused) -> ResumeError {
        let crate::summary::names::Refused { path, field, value, why, fix } = r;
        ResumeError::Journal { path, field, value, why, fix }
    }
}

/// The loop's state, rebuilt from a journal (or fresh).
#[derive(Debug, Clone)]
pub struct Restored {
    pub summary: CampaignSummary,
    /// What the runs that broke nothing taught.
    pub knowledge: Knowledge,
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
            knowledge: Knowledge::default(),
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

/// Reads the journal of a campaign: `dir/summary.json`, as untrusted
/// input ([`trace::untrusted`]): a regular file, no link followed, of at
/// most [`trace::untrusted::MAX_FILE_BYTES`] (a FIFO would block the read
/// forever, `/dev/zero` would never end).
pub fn read_journal(dir: &Path) -> Result<CampaignSummary, ResumeError> {
    let path = dir.join("summary.json");
    let text = trace::untrusted::read_text(&path).map_err(|e| match e {
        TraceError::Io { source, .. } => ResumeError::NoJournal { path: path.clone(), source },
        other => ResumeError::Trace(other),
    })?;
    serde_json::from_str(&text).map_err(|e| ResumeError::Malformed { path, message: e.to_string() })
}

/// Rebuilds the loop's state from a journal and the traces of its runs.
pub fn restore(summary: CampaignSummary) -> Result<Restored, ResumeError> {
    let mut knowledge = Knowledge::default();
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
            knowledge.absorb(&lines, &record.plan).map_err(|message| ResumeError::Lineage { dir: record.dir.clone(), message })?;
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
    Ok(Restored { summary, knowledge, tried, broken, next })
}

/// Whether a name in a campaign's traces directory is one the campaign
/// gives its runs (`r3`, a minimization's `r3-min1`) or a run's hidden
/// companion (`.r3-files`). Nothing else there is moved aside: not replays,
/// not what was moved aside before, not whatever a user put there.
fn run_of_entry(name: &str) -> Option<&str> {
    let run = match name.strip_prefix('.') {
        Some(hidden) => hidden.strip_suffix("-files")?,
        None => name,
    };
    let numbered = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let body = run.strip_prefix('r')?;
    let ok = match body.split_once("-min") {
        Some((n, k)) => numbered(n) && numbered(k),
        None => numbered(body),
    };
    ok.then_some(run)
}

/// Entries of `campaign_dir` (`traces/<campaign>`) that belong to runs the
/// journal does not account for (a run killed before its verdict or before
/// the journal was written, or a minimization run of a pending
/// counterexample), by name. Only directories, never links.
pub fn unaccounted(summary: &CampaignSummary, campaign_dir: &Path) -> Vec<String> {
    let mut kept: BTreeSet<&str> = summary.runs.iter().map(|r| r.run.as_str()).collect();
    for c in &summary.counterexamples {
        for a in c.minimal.iter().flat_map(|m| &m.attempts) {
            kept.insert(a.run.as_str());
        }
    }
    let Ok(entries) = std::fs::read_dir(campaign_dir) else { return Vec::new() };
    let mut stale: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| run_of_entry(name).is_some_and(|run| !kept.contains(run)))
        .collect();
    stale.sort();
    stale
}

/// Moves entries of `campaign_dir` aside (`rN` → `rN.interrupted-<unix
/// seconds>`), renaming inside that directory only: kept as evidence, out
/// of the way of the run redone under the same name. Returns the runs
/// moved (a run's companion entries count with it).
pub fn set_aside(campaign_dir: &Path, entries: &[String]) -> Result<Vec<String>, ResumeError> {
    let error = |source| ResumeError::SetAside { dir: campaign_dir.to_path_buf(), source };
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    if std::fs::symlink_metadata(campaign_dir).map_err(error)?.file_type().is_symlink() {
        return Err(error(std::io::Error::other("it is a symbolic link, which could point anywhere")));
    }
    let stamp = trace::now_ms() / 1000;
    let mut moved = Vec::new();
    for entry in entries {
        let Some(run) = run_of_entry(entry) else { continue };
        std::fs::rename(campaign_dir.join(entry), campaign_dir.join(format!("{entry}.interrupted-{stamp}"))).map_err(error)?;
        if !moved.iter().any(|m| m == run) {
            moved.push(run.to_string());
        }
    }
    moved.sort();
    Ok(moved)
}

mod journal;
pub use journal::{check as check_journal, check_names, traces_root_of};

#[cfg(test)]
mod hostile;
#[cfg(test)]
mod tests;
