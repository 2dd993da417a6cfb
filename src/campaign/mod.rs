//! The campaign: the loop of ldfi.
//!
//! Fault-free run → lineage → solve → fault plan → run → check. A violation
//! is recorded as a counterexample (the plan, its seed, the broken outcomes)
//! and, unless asked for all of them, ends the campaign. A run that
//! survived contributes its lineage (the recovery path it took, for the
//! outcomes its plan cut off: [`learn`]) and the solver is asked again; a
//! recovery path counts only for hypotheses that inject what caused it
//! ([`Conditional`], [`crate::search::hypotheses`]). No hypothesis left: certified within the budget,
//! stated exactly, with the source of each instance's lineage. Run budget
//! spent: say how many hypotheses remain. Nothing is certified that was not
//! earned: a fault-free run with no outcome to reason from (`baseline`),
//! a targeted instance the lineage never named and no hypothesis faulted
//! (`coverage`), or hypotheses whose runs gave no verdict end the
//! campaign inconclusive, saying why. Runs come through [`Runs`]: a live
//! cluster, or recorded runs in tests.
//!
//! The loop tells what it does as events ([`events`]) to listeners its
//! caller picks: the terminal, the journal and the reports
//! ([`subscribers`]). The summary is journaled before the first run and
//! after each one, with the outcome `in_progress` until the loop ends;
//! `ldfi campaign --resume` rebuilds the loop's state from it
//! ([`mod@resume`]) and goes on. The reports are rendered when it ends. A
//! counterexample is minimized on the live cluster ([`minimize`]) and can be
//! replayed later on a fresh cluster ([`replay`]).
//!
//! The next hypothesis is the search's ([`crate::search`]): the strategy
//! the campaign names picks it (`ldfi` asks the solver, `exhaustive` tries
//! every plan in order of size, `random` draws plans) and the loop knows
//! none of them by name.

mod baseline;
mod drive;
#[cfg(test)]
mod endings;
pub mod events;
pub mod minimize;
#[cfg(test)]
mod recorded;
pub mod replay;
pub mod resume;
mod runs;
pub mod subscribers;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::lineage::{learn, Conditional};
pub use minimize::{MinimalPlan, MinimizeSettings};
pub use drive::known_from;
pub use resume::Restored;
pub use runs::Runs;
pub use crate::summary::program_words;
pub use events::{CampaignEvent, Listener, Listeners};
pub use subscribers::{Journal, Reports};
pub use crate::summary::{inconclusive_reason, lineage_words, CampaignSummary, ClusterUse, Counterexample, Learned, Outcome, RunRecord, SCHEMA_VERSION};

use crate::checker::Verdict;
use crate::cluster::Cluster;
use crate::lineage;
use crate::model::FaultPlan;
use crate::run::{Binaries, RunError};
use crate::scenario::{FaultKind, Scenario, StrategyName};
use crate::search::{coverage, realize, strategy, Known, Windows};
use crate::solver::Hypothesis;
use crate::trace;

/// Settings of one campaign.
#[derive(Debug, Clone)]
pub struct CampaignSettings {
    pub strategy: StrategyName,
    pub max_runs: u32,
    /// Keep looking for distinct causes after the first violation.
    pub all: bool,
    pub traces_root: PathBuf,
    pub reports_root: PathBuf,
    pub name: String,
    pub windows: Windows,
    /// Stop starting runs after this much wall time (of this invocation).
    pub max_wall: Option<Duration>,
    /// Minimize each counterexample on the live cluster (`None`: don't).
    pub minimize: Option<MinimizeSettings>,
    /// How many times a fault plan is injected before it counts as
    /// survived: timing makes some bugs break a plan only some of the time
    /// (an unclean election needs the ISR to shrink before the crash).
    pub tries: u32,
}

/// The certificate: "no violation for " and the budget in words.
pub fn budget_statement(scenario: &Scenario) -> String {
    format!("no violation for {}", budget_words(scenario))
}

/// The budget in words: "any fault set of at most 1 crash and 1 partition
/// (isolate) over steps 0..6 (EFF), targets ...". A node down is named by
/// the kind that realizes it.
pub fn budget_words(scenario: &Scenario) -> String {
    let b = &scenario.budget;
    let count = |n: u32, one: &str| crate::report::words::counted(n as usize, one);
    let mut down: Vec<FaultKind> = b.kinds.iter().filter(|k| !k.is_partition()).copied().collect();
    down.sort();
    let network: Vec<&str> = b.kinds.iter().filter(|k| k.is_partition()).map(|k| k.name()).collect();
    let mut parts = Vec::new();
    if let Some(kind) = down.iter().find(|k| !k.refines()).or(down.first()).filter(|_| b.max_crashes > 0) {
        let mut said = count(b.max_crashes, kind.name());
        // How each sort of node goes down: a refinement's words, and a
        // broker's plain crash named beside an instance's refined one, so
        // that "1 crash (an instance's in the middle of its batch)" does not
        // read as if brokers were spared.
        let refined = |brokers: bool| {
            down.iter().filter(|k| *k != kind && k.brokers_only() == brokers && k.refines()).find_map(FaultKind::refinement)
        };
        match (refined(true), refined(false)) {
            (Some(brokers), Some(instances)) => said.push_str(&format!(" ({brokers}, {instances})")),
            (Some(brokers), None) => said.push_str(&format!(" ({brokers})")),
            (None, Some(instances)) if !kind.refines() => said.push_str(&format!(" (a broker's as its step begins, {instances})")),
            (None, Some(instances)) => said.push_str(&format!(" ({instances})")),
            (None, None) => {}
        }
        parts.push(said);
    }
    if !network.is_empty() && b.max_partitions > 0 {
        // A degraded link is the only network kind of its campaign, and no partition.
        let degraded = b.kinds.iter().any(FaultKind::is_degraded_link);
        let one = if degraded { "degraded link" } else { "partition" };
        parts.push(format!("{} ({})", count(b.max_partitions, one), network.join(", ")));
    }
    let mut counts = parts.join(" and ");
    if let Some(cap) = b.max_faults {
        counts.push_str(&format!(", {} in all,", count(cap, "fault")));
    }
    format!(
        "any fault set of at most {} over steps 0..{} (EFF), targets {}",
        counts,
        b.eff,
        if b.targets.is_empty() {
            "every broker role and pipeline instance".to_string()
        } else {
            b.targets.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
        }
    )
}

/// The pipeline's instances by name, over every stage of a chain:
/// `pipeline-1` .. `pipeline-N`.
fn instances(scenario: &Scenario) -> Vec<String> {
    scenario.instance_names()
}

/// Runs a campaign on `clusters` (several: runs side by side, one per
/// cluster), telling `listener` as it goes (the journal and the reports
/// among them: [`subscribers`]).
pub async fn campaign(
    clusters: &[Cluster],
    binaries: &Binaries,
    scenario: &Scenario,
    settings: &CampaignSettings,
    listener: &mut dyn Listener,
) -> Result<CampaignSummary, RunError> {
    let fresh = Restored::fresh(CampaignSummary::new(scenario, &settings.name, settings.strategy.clone()));
    drive::drive(&bench(clusters, binaries, scenario, settings), scenario, settings, fresh, listener).await
}

/// Continues a campaign from its journal ([`resume::restore`]): same name,
/// same reports directory, the run numbering kept.
pub async fn resume(
    clusters: &[Cluster],
    binaries: &Binaries,
    scenario: &Scenario,
    settings: &CampaignSettings,
    restored: Restored,
    listener: &mut dyn Listener,
) -> Result<CampaignSummary, RunError> {
    drive::drive(&bench(clusters, binaries, scenario, settings), scenario, settings, restored, listener).await
}

fn bench<'a>(
    clusters: &'a [Cluster],
    binaries: &'a Binaries,
    scenario: &'a Scenario,
    settings: &'a CampaignSettings,
) -> runs::Bench<'a> {
    runs::Bench { clusters, binaries, scenario, traces_root: &settings.traces_root, campaign: &settings.name }
}

/// Tells `listener` of `event`; a listener that cannot keep it (the
/// journal, in the report directory) stops the campaign.
fn tell(listener: &mut dyn Listener, event: CampaignEvent<'_>, settings: &CampaignSettings) -> Result<(), RunError> {
    listener.on(&event).map_err(|source| RunError::Io { path: report_dir(settings), source })
}

/// Where the campaign's report goes.
pub fn report_dir(settings: &CampaignSettings) -> PathBuf {
    settings.reports_root.join(&settings.name)
}

/// Reads a previous campaign's summary (for replay and resume).
pub fn read_summary(dir: &Path) -> std::io::Result<CampaignSummary> {
    let text = crate::trace::untrusted::read_text(&dir.join("summary.json")).map_err(|e| match e {
        crate::trace::TraceError::Io { source, .. } => source,
        other => std::io::Error::other(other),
    })?;
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

#[cfg(test)]
mod budget_tests {
    use crate::search::fixtures::copy_scenario;

    #[test]
    fn the_budget_names_its_kinds_and_counts() {
        let statement = super::budget_statement(&copy_scenario("eot = 6\nkinds = [\"pause\", \"cut\"]"));
        assert!(statement.contains("at most 1 pause and 1 partition (cut) over steps"), "{statement}");
        let crashes = super::budget_statement(&copy_scenario("eot = 6\nmax_crashes = 2\nmax_partitions = 0\nkinds = [\"crash\"]"));
        assert!(crashes.contains("at most 2 crashes over steps"), "{crashes}");
        let single = super::budget_statement(&copy_scenario("eot = 6\nmax_faults = 1"));
        assert!(
            single.contains("at most 1 crash (a broker's as its step begins, an instance's in the middle of its batch) and 1 partition (isolate), 1 fault in all, over steps 0..5"),
            "{single}"
        );
        let both = super::budget_statement(&copy_scenario("eot = 6\nmax_partitions = 0\nkinds = [\"crash\", \"disk-loss\", \"crash-in-flight\"]"));
        assert!(both.contains("at most 1 crash (a broker's with its disk lost, an instance's in the middle of its batch) over"), "{both}");
        let lossy = super::budget_statement(&copy_scenario("eot = 6\nmax_partitions = 2\nkinds = [\"crash\", \"lossy-link\"]"));
        assert!(lossy.contains("at most 1 crash and 2 degraded links (lossy-link) over steps"), "{lossy}");
        let disk = super::budget_statement(&copy_scenario("eot = 6\nmax_partitions = 0\nkinds = [\"crash\", \"disk-loss\"]"));
        assert!(disk.contains("at most 1 crash (a broker's with its disk lost) over steps"), "{disk}");
        let disk_only = super::budget_statement(&copy_scenario("eot = 6\nmax_crashes = 2\nmax_partitions = 0\nkinds = [\"disk-loss\"]\ntargets = [\"broker-1\"]"));
        assert!(disk_only.contains("at most 2 disk-losses over steps"), "{disk_only}");
    }
}
