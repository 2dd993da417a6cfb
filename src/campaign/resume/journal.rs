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
use crate::summary::CampaignSummary;
pub use crate::summary::names::check_names;

/// A problem with one field of the journal at `path`.
fn problem(path: &Path, field: impl Into<String>, value: &str, why: impl Into<String>, fix: impl Into<String>) -> ResumeError {
    crate::summary::names::problem(path, field, value, why, fix).into()
}

/// Checks every name and run directory of `summary`, read from
/// `journal_dir/summary.json`, before a resume: the names, the journal's
/// folder (where the resumed campaign writes) and each run's directory
/// against the traces root `traces` (the user's `--traces`).
pub fn check(summary: &CampaignSummary, journal_dir: &Path, traces: &Path) -> Result<(), ResumeError> {
    check_names(summary, journal_dir).map_err(ResumeError::from)?;
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
    if let Err(e) = crate::search::strategy::entry(&summary.strategy) {
        return Err(problem(&path, "strategy", summary.strategy.name(), "is not a strategy this ldfi has", e.fix()));
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
