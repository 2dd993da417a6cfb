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
//! suggests. The check is lexical (no `..`; an absolute path only as that
//! very place) plus a look at the two directories below the root without
//! following links ([`std::fs::symlink_metadata`]): a link there could
//! point anywhere.
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

/// The traces root as the user gave it, made absolute, and as the file
/// system resolves it: the harness records run directories resolved, the
/// user may name the root through a link.
fn roots(traces: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(lexical) = absolute(traces) {
        roots.push(lexical);
    }
    if let Ok(resolved) = std::fs::canonicalize(traces) {
        roots.push(resolved);
    }
    roots
}

/// `path` made absolute against the current directory, `.` dropped;
/// `None` when it climbs with `..` (which only a link-following resolution
/// could place).
fn absolute(path: &Path) -> Option<PathBuf> {
    if path.components().any(|c| c == Component::ParentDir) {
        return None;
    }
    let joined = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    Some(joined.components().filter(|c| *c != Component::CurDir).collect())
}

/// Whether `dir` is `<root>/<campaign>/<run>` for one of `roots`, with
/// neither `<root>/<campaign>` nor the run's directory a link. `Err` says
/// why not, in words.
fn inside(dir: &Path, roots: &[PathBuf], campaign: &str, run: &str) -> Result<(), String> {
    if dir.components().any(|c| c == Component::ParentDir) {
        return Err("climbs out of its directory with '..'".to_string());
    }
    let dir = absolute(dir).ok_or("is not a path from here")?;
    let Some(root) = roots.iter().find(|root| root.join(campaign).join(run) == dir) else {
        let shown = roots.first().map(|r| r.join(campaign).join(run).display().to_string()).unwrap_or_default();
        return Err(format!("is not the run's directory under the traces root ({shown:?})"));
    };
    for below in [root.join(campaign), root.join(campaign).join(run)] {
        if std::fs::symlink_metadata(&below).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!("passes through a symbolic link ({:?}), which could point anywhere", below.display().to_string()));
        }
    }
    Ok(())
}

/// The traces root a run's directory names, when it has the campaign's
/// layout (only a hint for the fix: never used as a root).
fn guessed_root(dir: &Path, campaign: &str, run: &str) -> Option<PathBuf> {
    let run_dir = dir.file_name()?.to_str()?;
    let parent = dir.parent()?;
    (run_dir == run && parent.file_name()?.to_str()? == campaign).then(|| parent.parent().map(Path::to_path_buf)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_dir_is_the_run_s_place_under_the_root_and_nowhere_else() {
        let root = PathBuf::from("/data/traces");
        let roots = [root.clone()];
        assert_eq!(inside(Path::new("/data/traces/c/r1"), &roots, "c", "r1"), Ok(()));
        assert_eq!(inside(Path::new("/data/traces/./c/r1"), &roots, "c", "r1"), Ok(()));
        for bad in ["/data/traces/c/r2", "/data/traces/d/r1", "/etc/c/r1", "/data/traces/c/r1/x", "/data/traces/c", "/"] {
            assert!(inside(Path::new(bad), &roots, "c", "r1").is_err(), "{bad}");
        }
        let climbs = inside(Path::new("/data/traces/c/../c/r1"), &roots, "c", "r1").unwrap_err();
        assert!(climbs.contains("'..'"), "{climbs}");
        assert_eq!(guessed_root(Path::new("/elsewhere/c/r1"), "c", "r1"), Some(PathBuf::from("/elsewhere")));
        assert_eq!(guessed_root(Path::new("/elsewhere/x/r1"), "c", "r1"), None);
    }

    #[test]
    fn a_relative_run_dir_resolves_against_the_current_directory() {
        let here = std::env::current_dir().unwrap();
        assert_eq!(inside(Path::new("traces/c/r1"), &[here.join("traces")], "c", "r1"), Ok(()));
        assert!(inside(Path::new("traces/c/r1"), &[PathBuf::from("/data/traces")], "c", "r1").is_err());
    }
}
