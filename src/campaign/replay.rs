//! Replaying a counterexample: its fault plan, read back from summary.json,
//! run again N times, and how often the violation reproduces.
//!
//! A Kafka pipeline under faults is not deterministic: leader elections,
//! rebalances and timeouts fall differently each time. A counterexample
//! that broke a property once may not break it again; saying "reproduced 2
//! of 3 times" is the honest answer, and the one a person fixing the bug
//! needs. The result is written to `REPORT_DIR/replay.json` atomically after
//! every run, so an interrupted replay keeps what it measured.
//!
//! A replay is only evidence when it ran what the campaign ran: the images
//! recorded in summary.json ([`Ran`]), checked present before anything
//! starts. And "not reproduced" is only said of runs that had a verdict: a
//! pipeline that never started, or runs that all ended unknown, are said
//! as such ([`Conclusion`]), never as a bug that went away.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use crate::summary::Ran;
use super::{CampaignEvent, CampaignSummary, Counterexample, Listener};
use crate::checker::Verdict;
use crate::cluster::Cluster;
use crate::engine::placement::Needed;
use crate::model::FaultPlan;
use crate::run::{Binaries, RunError};
use crate::scenario::Scenario;
use crate::trace;

/// Version of the replay.json schema.
pub const REPLAY_SCHEMA_VERSION: u32 = 1;

/// Why there is nothing to replay.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PickError {
    #[error("campaign {campaign} found no counterexample: nothing to replay")]
    NoCounterexample { campaign: String },
    #[error("campaign {campaign} has no counterexample {wanted:?} (it has: {known})")]
    Unknown { campaign: String, wanted: String, known: String },
    #[error("counterexample {run} was not minimized (campaign run with --no-minimize, or interrupted): replay it without --minimal")]
    NotMinimized { run: String },
}

/// The counterexample to replay: the first, or the one of run `which`.
pub fn pick<'a>(summary: &'a CampaignSummary, which: Option<&str>) -> Result<&'a Counterexample, PickError> {
    let Some(first) = summary.counterexamples.first() else {
        return Err(PickError::NoCounterexample { campaign: summary.campaign.clone() });
    };
    match which {
        None => Ok(first),
        Some(run) => summary.counterexamples.iter().find(|c| c.run == run).ok_or_else(|| PickError::Unknown {
            campaign: summary.campaign.clone(),
            wanted: run.to_string(),
            known: summary.counterexamples.iter().map(|c| c.run.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// The plan to replay: the counterexample's, or its minimized one.
pub fn plan_of(counterexample: &Counterexample, minimal: bool) -> Result<FaultPlan, PickError> {
    if !minimal {
        return Ok(counterexample.plan.clone());
    }
    counterexample.minimal.as_ref().map(|m| m.plan.clone()).ok_or_else(|| PickError::NotMinimized { run: counterexample.run.clone() })
}

/// One replay run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayRun {
    pub run: String,
    pub verdict: Verdict,
    /// A property the counterexample broke broke again.
    pub reproduced: bool,
    pub failed: Vec<String>,
    pub wall_ms: u64,
    pub dir: PathBuf,
    /// Why the run proves nothing: its pipeline never started (the
    /// replay stops there, the next run would do the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never_started: Option<String>,
}

/// What a replay showed, from its runs alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// A property the counterexample broke broke again.
    Reproduced,
    /// Runs had verdicts and none broke it.
    NotReproduced,
    /// A run's pipeline never started: the replay tested nothing.
    NeverStarted,
    /// No run had a verdict (every one unknown, or none finished).
    NoVerdict,
}

/// The images a replay needs on each of its engines: those the campaign
/// ran (a replay runs them, never others), each named by its field of
/// summary.json.
pub fn needed(ran: &Ran) -> Vec<Needed> {
    ran.images()
        .into_iter()
        .map(|(field, image)| Needed { what: format!("summary.json {field} (the campaign ran it)"), image: image.to_string() })
        .collect()
}

/// `REPORT_DIR/replay.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    pub schema_version: u32,
    pub campaign: String,
    pub counterexample: String,
    pub plan: FaultPlan,
    /// The minimized plan was replayed instead of the original.
    pub minimal: bool,
    /// Runs asked for.
    pub times: u32,
    /// Runs that broke a property the counterexample broke.
    pub reproduced: u32,
    pub runs: Vec<ReplayRun>,
    /// Every asked run finished (false: interrupted or an infrastructure
    /// failure stopped it).
    pub finished: bool,
    pub started_ms: u64,
}

impl ReplayReport {
    /// What the runs showed: reproduced beats never started beats no
    /// verdict beats not reproduced.
    pub fn conclusion(&self) -> Conclusion {
        if self.reproduced > 0 {
            Conclusion::Reproduced
        } else if self.runs.iter().any(|r| r.never_started.is_some()) {
            Conclusion::NeverStarted
        } else if self.runs.iter().all(|r| r.verdict == Verdict::Unknown) {
            Conclusion::NoVerdict
        } else {
            Conclusion::NotReproduced
        }
    }

    /// The result in one sentence.
    pub fn headline(&self) -> String {
        let done = self.runs.len();
        let what = format!("counterexample {} of {} ({})", self.counterexample, self.campaign, self.plan);
        let partial = if done < self.times as usize { format!(" (only {done} of {} runs finished)", self.times) } else { String::new() };
        match self.conclusion() {
            Conclusion::Reproduced => format!("REPRODUCED {} of {done} times{partial}: {what}", self.reproduced),
            Conclusion::NeverStarted => {
                let run = self.runs.iter().find(|r| r.never_started.is_some()).expect("a run never started");
                format!(
                    "PIPELINE NEVER STARTED in replay run {} ({}): {what} was not tested. Check the pipeline's image and its output in {}",
                    run.run,
                    run.never_started.as_deref().unwrap_or_default(),
                    run.dir.display()
                )
            }
            Conclusion::NoVerdict => format!(
                "NO VERDICT in {done} runs{partial}: every run ended unknown, so {what} was neither reproduced nor refuted; see why in the runs' traces"
            ),
            Conclusion::NotReproduced => format!(
                "NOT REPRODUCED in {done} runs{partial}: {what}. The pipeline is not deterministic under faults: this replay did not hit the window the campaign's run did. That run's traces still hold what it saw; read its report (`ldfi check` on its run directory judges it again) before taking it for a bug or for a fluke"
            ),
        }
    }

    fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        trace::write_atomic(&dir.join("replay.json"), json.as_bytes())
    }
}

/// Where a replay runs and what it writes.
pub struct ReplaySetup<'a> {
    /// One or more clusters of the same spec: with several, the runs go
    /// side by side, one per cluster, in rounds.
    pub clusters: &'a [Cluster],
    pub binaries: &'a Binaries,
    pub scenario: &'a Scenario,
    pub summary: &'a CampaignSummary,
    pub counterexample: &'a Counterexample,
    pub plan: FaultPlan,
    pub minimal: bool,
    pub times: u32,
    pub traces_root: &'a Path,
    pub report_dir: &'a Path,
}

/// Runs the plan `times` times, journaling `replay.json` after each run
/// and telling `listener` of each.
pub async fn replay(setup: &ReplaySetup<'_>, listener: &mut dyn Listener) -> Result<ReplayReport, RunError> {
    let started_ms = trace::now_ms();
    let broken: Vec<&str> = setup.counterexample.results.iter().map(|r| r.property.name()).collect();
    let mut report = ReplayReport {
        schema_version: REPLAY_SCHEMA_VERSION,
        campaign: setup.summary.campaign.clone(),
        counterexample: setup.counterexample.run.clone(),
        plan: setup.plan.clone(),
        minimal: setup.minimal,
        times: setup.times,
        reproduced: 0,
        runs: Vec::new(),
        finished: false,
        started_ms,
    };
    let io = |source| RunError::Io { path: setup.report_dir.join("replay.json"), source };
    let mut tell = |event: CampaignEvent<'_>| listener.on(&event).map_err(|source| RunError::Io { path: setup.report_dir.to_path_buf(), source });
    report.write(setup.report_dir).map_err(io)?;
    let ids: Vec<String> = (1..=setup.times).map(|i| format!("replay-{}-{}-{i}", setup.counterexample.run, started_ms / 1000)).collect();
    // Runs side by side, a round at a time, one per cluster; each round is
    // recorded in the order of its runs, whichever finished first, so the
    // journal reads the same for any number of clusters.
    let bench = super::runs::Bench {
        clusters: setup.clusters,
        binaries: setup.binaries,
        scenario: setup.scenario,
        traces_root: setup.traces_root,
        campaign: &setup.summary.campaign,
    };
    for round in ids.chunks(setup.clusters.len().max(1)) {
        for run_id in round {
            tell(CampaignEvent::RunStarted { run: run_id, plan: &setup.plan })?;
        }
        let batch: Vec<(FaultPlan, String)> = round.iter().map(|run_id| (setup.plan.clone(), run_id.clone())).collect();
        let executed = super::runs::side_by_side(&bench, &batch).await;
        for (run_id, (executed, wall)) in round.iter().zip(executed) {
            let outcome = match executed {
                Ok(outcome) => outcome,
                Err(RunError::PipelineNeverStarted(why)) => {
                    let run = ReplayRun {
                        dir: setup.traces_root.join(&setup.summary.campaign).join(run_id),
                        run: run_id.clone(),
                        verdict: Verdict::Unknown,
                        reproduced: false,
                        failed: Vec::new(),
                        wall_ms: wall.as_millis() as u64,
                        never_started: Some(why),
                    };
                    tell(CampaignEvent::Replayed { run: &run })?;
                    report.runs.push(run);
                    report.write(setup.report_dir).map_err(io)?;
                    // The next run would start the same pipeline the same way.
                    return Ok(report);
                }
                Err(e) => return Err(e),
            };
            let failed: Vec<String> =
                outcome.verdict.results.iter().filter(|r| r.verdict == Verdict::Fail).map(|r| r.property.name().to_string()).collect();
            // With no recorded evidence (an old journal), any failure counts.
            let reproduced =
                if broken.is_empty() { !failed.is_empty() } else { failed.iter().any(|f| broken.contains(&f.as_str())) };
            let run = ReplayRun {
                run: run_id.clone(),
                verdict: outcome.verdict.verdict,
                reproduced,
                failed,
                wall_ms: wall.as_millis() as u64,
                dir: outcome.dir,
                never_started: None,
            };
            tell(CampaignEvent::Replayed { run: &run })?;
            report.reproduced += u32::from(reproduced);
            report.runs.push(run);
            report.write(setup.report_dir).map_err(io)?;
        }
    }
    report.finished = true;
    report.write(setup.report_dir).map_err(io)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::placement::missing_images;
    use crate::campaign::Outcome;
    use crate::scenario::StrategyName;

    fn summary(runs: &[&str]) -> CampaignSummary {
        CampaignSummary {
            schema_version: 2,
            campaign: "c".into(),
            scenario: "s".into(),
            scenario_path: "s.toml".into(),
            properties: vec![],
            seed: 0,
            strategy: StrategyName::LDFI,
            outcome: Outcome::Violation,
            runs: vec![],
            counterexamples: runs
                .iter()
                .map(|r| Counterexample { run: r.to_string(), plan: FaultPlan::none(), results: vec![], traces: "t".into(), minimal: None })
                .collect(),
            hypotheses_tried: 0,
            wall_ms: 0,
            lineage_sources: Default::default(),
            ran: None,
            cluster: None,
        }
    }

    #[test]
    fn pick_takes_the_first_or_the_named_counterexample_and_says_why_not() {
        assert_eq!(pick(&summary(&["r2", "r5"]), None).unwrap().run, "r2");
        assert_eq!(pick(&summary(&["r2", "r5"]), Some("r5")).unwrap().run, "r5");
        let e = pick(&summary(&["r2", "r5"]), Some("r9")).unwrap_err().to_string();
        assert_eq!(e, "campaign c has no counterexample \"r9\" (it has: r2, r5)");
        assert!(pick(&summary(&[]), None).unwrap_err().to_string().contains("nothing to replay"));
        let one = summary(&["r2"]);
        let c = pick(&one, None).unwrap();
        assert!(plan_of(c, true).unwrap_err().to_string().contains("not minimized"));
        assert_eq!(plan_of(c, false).unwrap(), FaultPlan::none());
    }

    fn report(verdicts: &[(Verdict, bool)], never_started: bool) -> ReplayReport {
        let mut runs: Vec<ReplayRun> = verdicts
            .iter()
            .enumerate()
            .map(|(i, (verdict, reproduced))| ReplayRun {
                run: format!("replay-r1-0-{}", i + 1),
                verdict: *verdict,
                reproduced: *reproduced,
                failed: vec![],
                wall_ms: 0,
                dir: "t".into(),
                never_started: None,
            })
            .collect();
        if never_started {
            runs.push(ReplayRun {
                run: "replay-r1-0-9".into(),
                verdict: Verdict::Unknown,
                reproduced: false,
                failed: vec![],
                wall_ms: 0,
                dir: "traces/c/replay-r1-0-9".into(),
                never_started: Some("1 of 2 instances joined group g within 120 s".into()),
            });
        }
        ReplayReport {
            schema_version: REPLAY_SCHEMA_VERSION,
            campaign: "c".into(),
            counterexample: "r1".into(),
            plan: FaultPlan::none(),
            minimal: false,
            times: 3,
            reproduced: verdicts.iter().filter(|(_, r)| *r).count() as u32,
            runs,
            finished: true,
            started_ms: 0,
        }
    }

    #[test]
    fn a_replay_concludes_reproduced_over_never_started_over_no_verdict_over_not_reproduced() {
        assert_eq!(report(&[(Verdict::Pass, false), (Verdict::Fail, true)], true).conclusion(), Conclusion::Reproduced);
        assert_eq!(report(&[(Verdict::Pass, false)], true).conclusion(), Conclusion::NeverStarted);
        assert_eq!(report(&[(Verdict::Unknown, false), (Verdict::Unknown, false)], false).conclusion(), Conclusion::NoVerdict);
        assert_eq!(report(&[], false).conclusion(), Conclusion::NoVerdict);
        assert_eq!(report(&[(Verdict::Unknown, false), (Verdict::Pass, false)], false).conclusion(), Conclusion::NotReproduced);
    }

    #[test]
    fn a_pipeline_that_never_started_is_said_never_not_reproduced() {
        let headline = report(&[], true).headline();
        assert!(headline.starts_with("PIPELINE NEVER STARTED in replay run replay-r1-0-9 (1 of 2 instances joined"), "{headline}");
        assert!(!headline.contains("NOT REPRODUCED"), "{headline}");
        let headline = report(&[(Verdict::Unknown, false)], false).headline();
        assert!(headline.starts_with("NO VERDICT in 1 runs (only 1 of 3 runs finished)"), "{headline}");
    }

    #[test]
    fn a_replay_needs_the_images_the_campaign_ran_each_named_by_its_field() {
        let ran = Ran {
            broker_image: "ldfi/kafka:local".into(),
            client_image: "ldfi/kafka:local".into(),
            pipeline_image: Some("my-streams:1".into()),
            program: "the image's entrypoint".into(),
            stage_images: Vec::new(),
        };
        let engines = [crate::engine::Endpoint::Default];
        assert_eq!(missing_images(&engines, &needed(&ran), |_, _| true), vec![]);
        let missing = missing_images(&engines, &needed(&ran), |_, _| false);
        let named: Vec<(&str, &str)> = missing.iter().map(|m| (m.what.as_str(), m.image.as_str())).collect();
        assert_eq!(
            named,
            [
                ("summary.json ran.broker_image (the campaign ran it)", "ldfi/kafka:local"),
                ("summary.json ran.pipeline_image (the campaign ran it)", "my-streams:1"),
            ]
        );
        assert!(missing[1].to_string().starts_with("summary.json ran.pipeline_image (the campaign ran it): \"my-streams:1\" is not on"));
    }
}
