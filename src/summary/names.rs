//! The names a journal gives, checked before any of them is joined onto a
//! path: summary.json is data (hand-edited, truncated, copied, or written
//! to mislead), and its `campaign`, run and cluster names become
//! directories. Every reader of a journal (`--resume`, `ldfi replay`,
//! `ldfi report`) holds it to the rule the scenario's own name obeys
//! ([`crate::scenario::is_name`]) before it reads further.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{CampaignSummary, SCHEMA_VERSION};
use crate::scenario::{is_name, NAME_RULE};

/// A name or path in a journal that must not touch the file system.
/// `value` is quoted and escaped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: {field}: {value} {why}\n  fix: {fix}", path.display())]
pub struct Refused {
    /// The journal: `<dir>/summary.json`.
    pub path: PathBuf,
    pub field: String,
    pub value: String,
    pub why: String,
    pub fix: String,
}

/// A problem with one field of the journal at `path`.
pub fn problem(path: &Path, field: impl Into<String>, value: &str, why: impl Into<String>, fix: impl Into<String>) -> Refused {
    Refused { path: path.to_path_buf(), field: field.into(), value: format!("{value:?}"), why: why.into(), fix: fix.into() }
}

/// Checks the schema version and every name of `summary` (read from
/// `journal_dir/summary.json`): the campaign's, its runs', its
/// counterexamples' and their minimization runs', its cluster's. What
/// reads a journal checks this before it joins any of them onto a path.
pub fn check_names(summary: &CampaignSummary, journal_dir: &Path) -> Result<(), Refused> {
    let path = journal_dir.join("summary.json");
    if !(1..=SCHEMA_VERSION).contains(&summary.schema_version) {
        return Err(problem(
            &path,
            "schema_version",
            &summary.schema_version.to_string(),
            format!("is not a version this ldfi reads (1 to {SCHEMA_VERSION})"),
            "use the ldfi release that wrote it",
        ));
    }
    let campaign = &summary.campaign;
    if !is_name(campaign) {
        let fix = format!("set it to the campaign's name, its folder under reports/ and traces/ ({NAME_RULE}), or start a new campaign");
        return Err(problem(&path, "campaign", campaign, "is not a campaign name", fix));
    }
    let run_fix = format!("set it to the run's name as ldfi gave it (r0, r1, r1-min1: {NAME_RULE}), or start a new campaign");
    let runs = summary.runs.iter().enumerate().map(|(i, r)| (format!("runs[{i}].run"), &r.run));
    let counterexamples = summary.counterexamples.iter().enumerate().flat_map(|(i, c)| {
        let attempts = c.minimal.iter().flat_map(|m| &m.attempts).enumerate();
        std::iter::once((format!("counterexamples[{i}].run"), &c.run))
            .chain(attempts.map(move |(j, a)| (format!("counterexamples[{i}].minimal.attempts[{j}].run"), &a.run)))
    });
    if let Some((field, run)) = runs.chain(counterexamples).find(|(_, run)| !is_name(run)) {
        return Err(problem(&path, field, run, "is not a run name", run_fix));
    }
    if let Some(cluster) = &summary.cluster {
        if let Err(why) = crate::cluster::spec::check_name(&cluster.name) {
            return Err(problem(&path, "cluster.name", &cluster.name, format!("is not a cluster name: {why}"), "remove the `cluster` field: the campaign then starts a cluster of its own"));
        }
    }
    Ok(())
}
