//! What a journal may name on the file system, checked before any of it
//! is used.
//!
//! summary.json is data: hand-edited, truncated, copied from elsewhere or
//! written to mislead. Resuming joins its `campaign` onto the traces root
//! and the reports root, reads each run's `dir`, and moves aside what the
//! journal does not account for. A campaign `""` or `"../victim"` would
//! turn that into renames outside the campaign's directory (it once renamed
//! other campaigns' traces, and a sibling's `.git`). So every name is held
//! to the rule the scenario's own name obeys ([`crate::scenario::is_name`]),
//! and every run directory must be exactly `<traces>/<campaign>/<run>`,
//! where `<traces>` is the root the user gave, never one the journal
//! suggests ([`crate::trace::place`], which `ldfi report` holds a summary
//! to as well).
//!
//! A replay reads the same journal and writes its runs beside the
//! campaign's: its names pass the same rule ([`check_names`]), and without
//! `--traces` its root is the one the counterexample's `traces` names, in
//! the campaign's layout, without `..` or a link at the campaign's
//! directory ([`traces_root_of`]). That root comes from the journal, so a
//! journal may still place a replay's new `replay-*` directories in any
//! existing folder named like its campaign; `--traces` takes the choice
//! back.

use std::path::{Component, Path, PathBuf};

use super::ResumeError;
use crate::trace::place::{guessed_root, inside, roots};
use crate::campaign::{CampaignSummary, SCHEMA_VERSION};
use crate::scenario::{is_name, NAME_RULE};

/// A problem with one field of the journal at `path`.
fn problem(path: &Path, field: impl Into<String>, value: &str, why: impl Into<String>, fix: impl Into<String>) -> ResumeError {
    ResumeError::Journal {
        path: path.to_path_buf(),
        field: field.into(),
        value: format!("{value:?}"),
        why: why.into(),
        fix: fix.into(),
    }
}

/// Checks every name and run directory of `summary`, read from
/// `journal_dir/summary.json`, before a resume: the names, the journal's
/// folder (where the resumed campaign writes) and each run's directory
/// against the traces root `traces` (the user's `--traces`).
pub fn check(summary: &CampaignSummary, journal_dir: &Path, traces: &Path) -> Result<(), ResumeError> {
    check_names(summary, journal_dir)?;
    let path = journal_dir.join("summary.json");
    let campaign = &summary.campaign;
    if let Some(folder) = journal_dir.file_name().and_then(|f| f.to_str()) {
        if folder != campaign {
            return Err(problem(
                &path,
                "campaign",
                campaign,
                format!("is not the name of the journal's folder ({folder:?}), where the resumed campaign would write"),
                format!("resume from reports/{campaign}, or rename the folder back to the campaign's name"),
            ));
        }
    }
    let roots = roots(traces);
    for (i, record) in summary.runs.iter().enumerate() {
        if let Err(why) = inside(&record.dir, &roots, campaign, &record.run) {
            let fix = match guessed_root(&record.dir, campaign, &record.run) {
                Some(root) => format!("resume with the --traces the campaign ran with (its runs are in {:?})", root.display().to_string()),
                None => format!("set it to the run's directory, <traces>/{campaign}/{}, or start a new campaign", record.run),
            };
            return Err(problem(&path, format!("runs[{i}].dir"), &record.dir.display().to_string(), why, fix));
        }
    }
    Ok(())
}

/// Checks the schema version and every name of `summary` (read from
/// `journal_dir/summary.json`): the campaign's, its runs', its
/// counterexamples' and their minimization runs', its cluster's. What
/// reads a journal checks this before it joins any of them onto a path.
pub fn check_names(summary: &CampaignSummary, journal_dir: &Path) -> Result<(), ResumeError> {
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

/// The traces root a counterexample's `traces` names (`<root>/<campaign>/
/// <run>`), for a replay that was given none: the replay writes beside the
/// campaign's runs, so the path must have that layout, climb with no `..`,
/// and the campaign's directory there must be no link. `index` is the
/// counterexample's place in the journal at `journal_dir`.
pub fn traces_root_of(summary: &CampaignSummary, index: usize, journal_dir: &Path) -> Result<PathBuf, ResumeError> {
    let counterexample = &summary.counterexamples[index];
    let (traces, campaign) = (&counterexample.traces, &summary.campaign);
    let field = format!("counterexamples[{index}].traces");
    let refuse = |why: String| {
        let fix = "give the replay's traces root with --traces DIR".to_string();
        problem(&journal_dir.join("summary.json"), field.clone(), &traces.display().to_string(), why, fix)
    };
    if traces.components().any(|c| c == Component::ParentDir) {
        return Err(refuse("climbs out of its directory with '..'".to_string()));
    }
    let root = guessed_root(traces, campaign, &counterexample.run)
        .ok_or_else(|| refuse(format!("is not <traces>/{campaign}/{}", counterexample.run)))?;
    let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
    if std::fs::symlink_metadata(root.join(campaign)).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refuse(format!("passes through a symbolic link ({:?}), which could point anywhere", root.join(campaign).display().to_string())));
    }
    Ok(root)
}
