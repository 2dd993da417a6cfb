//! The campaign's record: `reports/<campaign>/summary.json`, a versioned
//! schema documented in docs/summary-schema.md, rewritten atomically after
//! each run so that a counterexample once found is never lost.
//!
//! Plain data with serde, below both the campaign that fills it in and the
//! report that reads it: neither imports the other to share it. How a
//! record is checked before its names touch the file system is here too
//! ([`names`]), for every reader of a journal (`--resume`, `ldfi replay`,
//! `ldfi report`).
//!
//! Schema history: version 3 stores a crash variable typed, its node and
//! step apart (`{"kind": "crash", "node": "pipeline-1", "step": 2}`), where
//! version 2 encoded both in the node's name (`"node": "pipeline-1@2",
//! "step": 0`). Version 2 stored each run's hypothesis as the solver's
//! fault variables instead of their Debug strings, so that `--resume` can
//! rebuild the tried and broken sets. Versions 1 and 2 are still read
//! ([`compat`]). Version 2 also added
//! the `in_progress` outcome (the journal of a campaign still running, or
//! killed) and `Counterexample.minimal`. Fields added without changing
//! meaning (`properties`, `RunRecord.learned`, `lineage_sources`,
//! `Inconclusive.reason`, `ran`, `cluster`) carry `#[serde(default)]`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod compat;
mod minimal;
pub mod names;

pub use minimal::{Attempt, MinimalPlan};

use crate::checker::{PropertyResult, Verdict};
use crate::cluster::ClusterSpec;
use crate::engine::{Endpoint, Owner};
use crate::lineage::{self, Model, Source};
use crate::model::FaultPlan;
use crate::run::RunOutcome;
use crate::scenario::{Property, Scenario, StrategyName};
use crate::solver::Hypothesis;
use crate::trace::write_atomic;

/// Version of the summary.json schema.
pub const SCHEMA_VERSION: u32 = 3;

/// How a campaign ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The campaign has not ended: it is running, or it was killed (resume
    /// it with `ldfi campaign SCENARIO --resume REPORT_DIR`).
    InProgress,
    /// A fault plan broke a property.
    Violation,
    /// No hypothesis is left within the budget.
    Certified { statement: String },
    /// The run budget (or wall time) ran out first.
    BudgetSpent { explored: usize, remaining: Option<usize> },
    /// Nothing is certified, and `reason` says why and what to check: the
    /// fault-free run was no baseline, a targeted instance's
    /// faults were never considered, or every hypothesis was injected but
    /// the runs of some (`runs`) gave no verdict (the output did not settle,
    /// twice) and so prove nothing. `reason` is empty in older summaries,
    /// which meant the last.
    Inconclusive {
        explored: usize,
        runs: Vec<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
}

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
    /// What a passing run added to the lineage model (absent for failing
    /// runs and in summaries written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned: Option<Learned>,
    /// Where the run's wall time went (absent when its trace lacks a
    /// phase's mark, and in summaries written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<crate::trace::Phases>,
    /// Its crashes in flight that saw no work of their instance and landed
    /// at their deadline, between batches: the gap inside a batch was not
    /// aimed at there (a certificate says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missed: Vec<String>,
}

/// What one run taught the lineage model: the good outcomes and derivations
/// it showed that no earlier run had, and the model's size after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learned {
    pub new_outcomes: usize,
    pub new_derivations: usize,
    pub outcomes: usize,
    pub derivations: usize,
}

impl Learned {
    /// The difference between the model's size `before` (outcomes,
    /// derivations) and `after` merging a run.
    pub fn since(before: (usize, usize), after: &Model) -> Learned {
        let (outcomes, derivations) = (after.outcomes.len(), after.derivation_count());
        Learned {
            new_outcomes: outcomes.saturating_sub(before.0),
            new_derivations: derivations.saturating_sub(before.1),
            outcomes,
            derivations,
        }
    }
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

/// What the campaign ran: its images and the pipeline's program. A replay
/// runs these, not whatever the environment of the replaying shell names
/// (`LDFI_CLIENT_IMAGE` unset there once ran the wrong image 79 times and
/// reported "not reproduced").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ran {
    /// The brokers' image.
    pub broker_image: String,
    /// The image of the harness's client nodes (workload, shipped
    /// pipelines, commands and jars).
    pub client_image: String,
    /// The pipeline's own image (`[pipeline] image`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_image: Option<String>,
    /// The pipeline's program, as text (`wordcount`, `com.x.App from
    /// app.jar`, a command line); a chain's stages' joined by ` → `.
    pub program: String,
    /// A chain's later stages' own images, in order (`None`: the client
    /// image).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_images: Vec<Option<String>>,
}

impl Ran {
    /// What runs on a cluster of `spec` for `scenario`.
    pub fn of(spec: &ClusterSpec, scenario: &Scenario) -> Ran {
        Ran {
            broker_image: spec.image.clone(),
            client_image: spec.client_image.clone(),
            pipeline_image: scenario.pipeline.image.clone(),
            program: program_words(scenario),
            stage_images: scenario.stages.iter().map(|s| s.image.clone()).collect(),
        }
    }

    /// Every image, with the summary field that names it.
    pub fn images(&self) -> Vec<(&'static str, &str)> {
        let mut images = vec![("ran.broker_image", self.broker_image.as_str()), ("ran.client_image", self.client_image.as_str())];
        if let Some(image) = &self.pipeline_image {
            images.push(("ran.pipeline_image", image.as_str()));
        }
        images.extend(self.stage_images.iter().flatten().map(|image| ("ran.stage_images", image.as_str())));
        images
    }
}

/// The program a scenario runs, as text: a chain's stages joined by ` → `.
pub fn program_words(scenario: &Scenario) -> String {
    scenario.chain().map(|s| s.program.to_string()).collect::<Vec<_>>().join(" → ")
}

/// Everything a campaign found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    /// 1 or 2; any other is refused on reading ([`compat::schema_version`]).
    #[serde(deserialize_with = "compat::schema_version")]
    pub schema_version: u32,
    pub campaign: String,
    pub scenario: String,
    pub scenario_path: PathBuf,
    /// The properties checked after every run (absent in older summaries:
    /// read them from the traces).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    pub seed: u64,
    pub strategy: StrategyName,
    pub outcome: Outcome,
    pub runs: Vec<RunRecord>,
    pub counterexamples: Vec<Counterexample>,
    pub hypotheses_tried: usize,
    pub wall_ms: u64,
    /// Where each pipeline instance's lineage came from in the fault-free
    /// run ([`crate::lineage::sources`]); absent in older summaries and
    /// before the fault-free run ended.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lineage_sources: BTreeMap<String, Source>,
    /// The images and program the campaign ran (absent in summaries
    /// written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran: Option<Ran>,
    /// The cluster the campaign runs on, journaled before it is started, so
    /// that what a killed campaign left can be found and removed (absent in
    /// summaries written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterUse>,
}

/// The cluster a campaign runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterUse {
    /// Its name, as `ldfi cluster status --name NAME` takes it.
    pub name: String,
    /// Whether the campaign started it for itself (and removes it when it
    /// ends), or borrowed it (`--cluster NAME`).
    pub started: bool,
    /// The process running the campaign on it: while it runs, `--resume`
    /// refuses (a second process would move its runs aside and heal its
    /// faults away).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The Docker engines that may hold the campaign's clusters: first
    /// those its latest process was given, in order (its cluster k on
    /// engine k mod n; `name` is cluster 0), then any an earlier process
    /// used whose leftovers could not be swept yet. `--resume` and
    /// `ldfi clean --campaign` sweep every one. Absent in journals written
    /// before clusters were spread: the default engine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<Endpoint>,
}

impl ClusterUse {
    /// The engines to sweep: those recorded, else the default one.
    pub fn engines_to_sweep(&self) -> Vec<Endpoint> {
        if self.engines.is_empty() {
            vec![Endpoint::Default]
        } else {
            self.engines.clone()
        }
    }
}

impl CampaignSummary {
    /// The record of campaign `name` of `scenario` under `strategy`, before
    /// its first run.
    pub fn new(scenario: &Scenario, name: &str, strategy: StrategyName) -> CampaignSummary {
        CampaignSummary {
            schema_version: SCHEMA_VERSION,
            campaign: name.to_string(),
            scenario: scenario.name.clone(),
            scenario_path: scenario.path.clone(),
            properties: scenario.properties.clone(),
            seed: scenario.seed,
            strategy,
            outcome: Outcome::InProgress,
            runs: Vec::new(),
            counterexamples: Vec::new(),
            hypotheses_tried: 0,
            wall_ms: 0,
            lineage_sources: BTreeMap::new(),
            // The cluster a campaign starts for this scenario; a caller
            // running on another cluster records that one
            // ([`CampaignSummary::ran_on`]).
            ran: Some(Ran::of(&crate::run::cluster_spec(scenario, name), scenario)),
            cluster: None,
        }
    }

    /// Records that the campaign runs on a cluster of `spec`.
    pub fn ran_on(mut self, spec: &ClusterSpec, scenario: &Scenario) -> CampaignSummary {
        self.ran = Some(Ran::of(spec, scenario));
        self
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
            Outcome::Inconclusive { explored, runs, reason } => format!(
                "INCONCLUSIVE after {} runs: explored {explored} hypotheses, no violation, but {}; not certified",
                self.runs.len(),
                inconclusive_reason(runs, reason)
            ),
            Outcome::BudgetSpent { explored, remaining } => format!(
                "BUDGET SPENT: explored {explored} hypotheses in {} runs, {} remaining; no violation found so far{}",
                self.runs.len(),
                remaining.map(|r| r.to_string()).unwrap_or_else(|| "unknown".into()),
                unsettled_words(&self.runs)
            ),
        }
    }

    /// Writes summary.json into `dir` (made if missing), atomically: a
    /// reader, or a campaign killed mid-write, sees the old record or the
    /// new one, never half of one.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("summary.json"), json.as_bytes())
    }
}

/// What a certificate assumed, per instance: "lineage: pipeline-1 from
/// its own trace events, pipeline-2 from Kafka alone (assumed ...)".
pub fn lineage_words(sources: &BTreeMap<String, lineage::Source>) -> String {
    let each: Vec<String> = sources.iter().map(|(instance, source)| format!("{instance} from {}", source.describe())).collect();
    format!("lineage: {}", each.join(", "))
}

/// Why an inconclusive campaign certified nothing: its `reason`, or, in
/// summaries older than it, the runs that gave no verdict.
pub fn inconclusive_reason(runs: &[String], reason: &str) -> String {
    if reason.is_empty() {
        format!("runs {} gave no verdict (twice for each plan), so their plans prove nothing", runs.join(", "))
    } else {
        reason.to_string()
    }
}

/// For a campaign that ends without a verdict of its own: how many fault
/// runs proved nothing, and the usual cause. Empty when every run settled.
fn unsettled_words(runs: &[RunRecord]) -> String {
    let faulted = runs.iter().filter(|r| !r.hypothesis.is_empty()).count();
    let unknown = runs.iter().filter(|r| !r.hypothesis.is_empty() && r.verdict == Verdict::Unknown).count();
    if unknown == 0 {
        return String::new();
    }
    format!(
        "; but {unknown} of {faulted} fault runs gave no verdict (the output had not settled when [workload] drain_secs ran out: \
         a crashed consumer's group waits out its session timeout, 45 s by default in Kafka's clients, before the restarted \
         instance gets its partitions; raise drain_secs above it, or lower the app's session.timeout.ms)"
    )
}

#[cfg(test)]
impl RunRecord {
    /// A run of `hypothesis` with its verdict and nothing else, for tests.
    pub(crate) fn bare(run: &str, hypothesis: crate::solver::Hypothesis, verdict: Verdict) -> RunRecord {
        RunRecord {
            run: run.into(),
            plan: FaultPlan::none(),
            hypothesis,
            verdict,
            wall_ms: 0,
            dir: PathBuf::new(),
            failed: vec![],
            learned: None,
            phases: None,
            missed: Vec::new(),
        }
    }
}

#[cfg(test)]
mod unsettled_tests {
    use super::*;

    #[test]
    fn a_budget_spent_on_runs_without_verdict_says_so_and_why() {
        let run = |id: &str, crash: bool, verdict: Verdict| {
            let hypothesis = if crash { [crate::solver::testing::crash("pipeline-1", 2)].into_iter().collect() } else { Default::default() };
            RunRecord::bare(id, hypothesis, verdict)
        };
        let runs = vec![run("r0", false, Verdict::Pass), run("r1", true, Verdict::Unknown), run("r2", true, Verdict::Pass)];
        let words = unsettled_words(&runs);
        assert!(words.contains("1 of 2 fault runs gave no verdict") && words.contains("drain_secs"), "{words}");
        assert_eq!(unsettled_words(&runs[..1]), "");
    }
}
