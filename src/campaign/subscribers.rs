//! The files a campaign leaves in `reports/<campaign>/`, written by two
//! listeners of its events ([`super::events`]).
//!
//! The journal, summary.json, is rewritten atomically whenever the record
//! changes: when the loop starts, after every run and every minimization,
//! and when it ends. It is what `--resume` rebuilds the loop from and what
//! a crash leaves, so it must be current and cheap: serializing the record
//! and one rename.
//!
//! The reports (report.md, report.html, junit.xml) are rendered once, when
//! the campaign ends. Rendering reads every run's traces back, rebuilds the
//! lineage of a broken outcome and runs Graphviz: work that grows with the
//! campaign, and that nobody reads until it ends (a running campaign is
//! followed on the terminal, and its state is the journal). A campaign that
//! ends any other way (interrupted, an infrastructure error, a panic) still
//! gets its reports: dropped before the end, [`Reports`] renders what the
//! journal last recorded, whose outcome then says `in_progress` and how to
//! resume. `ldfi report` renders them again at any time.

use std::path::{Path, PathBuf};

use super::events::{CampaignEvent, Listener};
use super::read_summary;

/// Keeps summary.json current in a report directory.
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// The journal of the campaign whose report directory is `dir`.
    pub fn new(dir: &Path) -> Journal {
        Journal { dir: dir.to_path_buf() }
    }
}

impl Listener for Journal {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        match event.summary() {
            Some(summary) => summary.write(&self.dir),
            None => Ok(()),
        }
    }
}

/// Writes report.md, report.html and junit.xml into a report directory
/// when the campaign ends, or, dropped before, from its journal.
pub struct Reports {
    dir: PathBuf,
    rendered: bool,
}

impl Reports {
    /// The reports of the campaign whose report directory is `dir`
    /// (its journal, summary.json, is read from there if dropped early).
    pub fn new(dir: &Path) -> Reports {
        Reports { dir: dir.to_path_buf(), rendered: false }
    }
}

impl Listener for Reports {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        match event {
            CampaignEvent::Ended { summary } => {
                // Rendered once, even if writing fails or panics.
                self.rendered = true;
                crate::report::write_reports(summary, &self.dir)
            }
            _ => Ok(()),
        }
    }
}

/// A campaign that did not reach its end (interrupted, failed, panicked)
/// is reported as its journal last recorded it. Nothing to report when
/// there is no journal; a render that itself panicked is not tried again.
impl Drop for Reports {
    fn drop(&mut self) {
        if std::mem::replace(&mut self.rendered, true) {
            return;
        }
        if let Ok(summary) = read_summary(&self.dir) {
            let _ = crate::report::write_reports(&summary, &self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FaultPlan;
    use crate::scenario::StrategyName;
    use crate::summary::{CampaignSummary, Outcome, RunRecord};

    const REPORTS: [&str; 3] = ["report.md", "report.html", "junit.xml"];

    fn summary() -> CampaignSummary {
        let scenario = crate::search::fixtures::copy_scenario("eot = 4");
        let mut summary = CampaignSummary::new(&scenario, "c", StrategyName::LDFI);
        summary.runs.push(RunRecord {
            run: "r0".into(),
            plan: FaultPlan::none(),
            hypothesis: Default::default(),
            verdict: crate::checker::Verdict::Pass,
            wall_ms: 1,
            dir: "traces/c/r0".into(),
            failed: vec![],
            learned: None,
            phases: None,
            missed: Vec::new(),
        });
        summary
    }

    fn written(dir: &Path) -> Vec<&'static str> {
        ["summary.json"].into_iter().chain(REPORTS).filter(|f| dir.join(f).is_file()).collect()
    }

    #[test]
    fn the_journal_writes_summary_json_after_a_run_and_the_reports_wait_for_the_end() {
        let root = crate::scratch::dir("subscribers", "end");
        let dir = root.join("reports").join("c");
        let mut summary = summary();
        let (mut journal, mut reports) = (Journal::new(&dir), Reports::new(&dir));
        let finished = CampaignEvent::RunFinished { record: &summary.runs[0], summary: &summary };
        journal.on(&finished).unwrap();
        reports.on(&finished).unwrap();
        assert_eq!(written(&dir), ["summary.json"], "after a run: the journal only");
        assert_eq!(read_summary(&dir).unwrap(), summary);

        summary.outcome = Outcome::BudgetSpent { explored: 0, remaining: Some(1) };
        let ended = CampaignEvent::Ended { summary: &summary };
        journal.on(&ended).unwrap();
        reports.on(&ended).unwrap();
        assert_eq!(written(&dir), ["summary.json", "report.md", "report.html", "junit.xml"]);
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("the budget ran out after 1 runs"), "{md}");
        // Rendered at the end, not again when dropped.
        std::fs::remove_file(dir.join("report.md")).unwrap();
        drop(reports);
        assert!(!dir.join("report.md").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reports_dropped_before_the_end_render_what_the_journal_last_recorded() {
        let root = crate::scratch::dir("subscribers", "dropped");
        let dir = root.join("reports").join("c");
        let summary = summary();
        let (mut journal, mut reports) = (Journal::new(&dir), Reports::new(&dir));
        let finished = CampaignEvent::RunFinished { record: &summary.runs[0], summary: &summary };
        journal.on(&finished).unwrap();
        reports.on(&finished).unwrap();
        assert_eq!(written(&dir), ["summary.json"]);
        // Interrupted: the loop's future is dropped, its listeners with it.
        drop(reports);
        assert_eq!(written(&dir), ["summary.json", "report.md", "report.html", "junit.xml"]);
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("In progress or interrupted: 1 runs finished"), "{md}");
        std::fs::remove_dir_all(&root).unwrap();

        // No journal, nothing to report.
        let empty = crate::scratch::dir("subscribers", "no-journal");
        drop(Reports::new(&empty));
        assert!(written(&empty).is_empty());
        std::fs::remove_dir_all(&empty).unwrap();
    }
}
