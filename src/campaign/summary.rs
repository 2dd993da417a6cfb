//! The campaign's record: `reports/<campaign>/summary.json` (versioned
//! schema) and `report.md`, both written atomically, rewritten after each
//! run so that a counterexample once found is never lost.
//!
//! Schema history: version 2 stores each run's hypothesis as the solver's
//! fault variables (`{"kind": "crash", "node": "pipeline-1@2", "step": 0}`)
//! instead of their Debug strings, so that `--resume` can rebuild the tried
//! and broken sets; version-1 strings are still read. Version 2 also adds
//! the `in_progress` outcome (the journal of a campaign still running, or
//! killed) and `Counterexample.minimal`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::minimize::MinimalPlan;
use super::{compat, CampaignSettings, Outcome};
use crate::checker::{PropertyResult, Verdict};
use crate::nemesis::FaultPlan;
use crate::run::RunOutcome;
use crate::scenario::{Scenario, Strategy};
use crate::solver::Hypothesis;
use crate::trace::write_atomic;

/// Version of the summary.json schema.
pub const SCHEMA_VERSION: u32 = 2;

/// One run of the campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: String,
    pub plan: FaultPlan,
    /// The solver's variables behind the plan (empty for the fault-free run).
    #[serde(default, deserialize_with = "compat::hypothesis")]
    pub hypothesis: Hypothesis,
    pub verdict: Verdict,
    pub wall_ms: u64,
    pub dir: PathBuf,
    /// Properties that failed.
    pub failed: Vec<String>,
}

/// A fault plan that broke a property, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    pub run: String,
    pub plan: FaultPlan,
    pub results: Vec<PropertyResult>,
    pub traces: PathBuf,
    /// The smallest plan found that still breaks a property, if minimized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimal: Option<MinimalPlan>,
}

impl Counterexample {
    pub fn from_run(outcome: &RunOutcome, plan: &FaultPlan, index: u32) -> Counterexample {
        Counterexample {
            run: format!("r{index}"),
            plan: plan.clone(),
            results: outcome.verdict.results.iter().filter(|r| r.verdict == Verdict::Fail).cloned().collect(),
            traces: outcome.dir.clone(),
            minimal: None,
        }
    }
}

/// Everything a campaign found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub schema_version: u32,
    pub campaign: String,
    pub scenario: String,
    pub scenario_path: PathBuf,
    pub seed: u64,
    pub strategy: Strategy,
    pub outcome: Outcome,
    pub runs: Vec<RunRecord>,
    pub counterexamples: Vec<Counterexample>,
    pub hypotheses_tried: usize,
    pub wall_ms: u64,
}

impl CampaignSummary {
    pub fn new(scenario: &Scenario, settings: &CampaignSettings) -> CampaignSummary {
        CampaignSummary {
            schema_version: SCHEMA_VERSION,
            campaign: settings.name.clone(),
            scenario: scenario.name.clone(),
            scenario_path: scenario.path.clone(),
            seed: scenario.seed,
            strategy: settings.strategy,
            outcome: Outcome::InProgress,
            runs: Vec::new(),
            counterexamples: Vec::new(),
            hypotheses_tried: 0,
            wall_ms: 0,
        }
    }

    /// The verdict in one sentence.
    pub fn headline(&self) -> String {
        match &self.outcome {
            Outcome::InProgress => format!(
                "IN PROGRESS (or interrupted): {} runs finished, {} counterexample(s) so far; continue with `ldfi campaign {} --resume {}`",
                self.runs.len(),
                self.counterexamples.len(),
                self.scenario_path.display(),
                self.campaign
            ),
            Outcome::Violation => {
                // A hand-edited or truncated journal must not panic a reader.
                let Some(c) = self.counterexamples.first() else {
                    return format!("VIOLATION after {} runs (no counterexample recorded)", self.runs.len());
                };
                let failed: Vec<&str> = c.results.iter().map(|r| r.property.name()).collect();
                format!("VIOLATION of {} under: {} (run {}, after {} runs)", failed.join(", "), c.plan, c.run, self.runs.len())
            }
            Outcome::Certified { statement } => format!("CERTIFIED after {} runs: {statement}", self.runs.len()),
            Outcome::BudgetSpent { explored, remaining } => format!(
                "BUDGET SPENT: explored {explored} hypotheses in {} runs, {} remaining; no violation found so far",
                self.runs.len(),
                remaining.map(|r| r.to_string()).unwrap_or_else(|| "unknown".into())
            ),
        }
    }

    /// The plain-text report.
    pub fn markdown(&self) -> String {
        let mut md = format!("# ldfi campaign {}\n\n**{}**\n\n", self.campaign, self.headline());
        md.push_str(&format!(
            "Scenario `{}` ({}), strategy {:?}, seed {}, {} runs in {:.1} s.\n\n",
            self.scenario,
            self.scenario_path.display(),
            self.strategy,
            self.seed,
            self.runs.len(),
            self.wall_ms as f64 / 1000.0
        ));
        for c in &self.counterexamples {
            md.push_str(&format!("## Counterexample {}\n\nFault plan: {}\n\n", c.run, c.plan));
            if let Some(m) = &c.minimal {
                md.push_str(&format!("Minimal plan: {} (reproduced {} of {} times)\n\n", m.plan, m.reproduced, m.of));
            }
            for r in &c.results {
                md.push_str(&format!("- **{}**: {}\n", r.property.name(), r.summary));
                let lost: Vec<String> = r.lost.iter().take(20).map(|l| format!("{} (partition {}, offset {})", l.id, l.partition.unwrap_or(-1), l.offset.unwrap_or(-1))).collect();
                if !lost.is_empty() {
                    md.push_str(&format!("  - lost: {}{}\n", lost.join(", "), if r.lost.len() > 20 { ", ..." } else { "" }));
                }
                let dups: Vec<String> = r.duplicated.iter().take(20).map(|d| format!("{} x{}", d.id, d.outputs.len())).collect();
                if !dups.is_empty() {
                    md.push_str(&format!("  - duplicated: {}\n", dups.join(", ")));
                }
                for m in r.counts.iter().take(20) {
                    md.push_str(&format!("  - word `{}`: expected {} (+{} ambiguous), observed {}\n", m.word, m.expected, m.ambiguous, m.observed));
                }
            }
            md.push_str(&format!(
                "\nTraces: `{}`. Replay: `ldfi run {} --faults {}/plan.json`\n\n",
                c.traces.display(),
                self.scenario_path.display(),
                c.traces.display()
            ));
        }
        md.push_str("## Runs\n\n| run | plan | verdict | seconds |\n|---|---|---|---|\n");
        for r in &self.runs {
            md.push_str(&format!("| {} | {} | {} | {:.1} |\n", r.run, r.plan, r.verdict, r.wall_ms as f64 / 1000.0));
        }
        md
    }

    /// Writes summary.json and report.md atomically into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("summary.json"), json.as_bytes())?;
        write_atomic(&dir.join("report.md"), self.markdown().as_bytes())
    }
}
