//! The shell of the report: everything read from disk (the failing run's
//! traces, the lineage of a broken outcome from an earlier passing run, the
//! Graphviz drawing), gathered once into plain data for the pure renderers.
//! Nothing here fails: what cannot be read becomes a note in the report.

use std::path::{Path, PathBuf};

use crate::summary::CampaignSummary;
use crate::checker::Verdict;
use crate::lineage::{self, Trail};
use crate::trace::{self, Event, TraceLine};

/// One run's trace lines.
#[derive(Debug, Clone)]
pub struct RunTrace {
    pub run: String,
    pub lines: Vec<TraceLine>,
}

/// The lineage a broken outcome had in the last passing run before it broke.
#[derive(Debug, Clone)]
pub struct BrokenLineage {
    /// The record id, e.g. `in-5`.
    pub record: String,
    /// The passing run the lineage comes from.
    pub from_run: String,
    pub trail: Trail,
    pub dot: String,
    /// The drawing, or why there is none.
    pub svg: Result<String, String>,
}

/// What the renderers need beyond the summary.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The first counterexample's run.
    pub failing: Option<RunTrace>,
    /// Without a counterexample, the last run that injected faults (and
    /// survived them): what a certificate or a spent budget stands on.
    pub survived: Option<RunTrace>,
    pub lineage: Option<BrokenLineage>,
    /// Property names checked (from the summary, else the traces).
    pub properties: Vec<String>,
    /// What could not be read, for the reader.
    pub notes: Vec<String>,
}

/// A run directory as recorded, resolved: relative to `root` (the folder
/// holding reports/ and traces/) when it exists there, else as is (relative
/// to the current directory), so that a summary with relative paths can be
/// read from anywhere.
pub fn resolve(dir: &Path, root: &Path) -> PathBuf {
    if dir.is_relative() {
        let beside = root.join(dir);
        if beside.exists() {
            return beside;
        }
    }
    dir.to_path_buf()
}

/// The record whose lineage the report draws: the first lost input, else
/// the first duplicated one, else the later of a reordered pair.
pub fn broken_record(summary: &CampaignSummary) -> Option<String> {
    let c = summary.counterexamples.first()?;
    c.results
        .iter()
        .find_map(|r| r.lost.first().map(|l| l.id.clone()))
        .or_else(|| c.results.iter().find_map(|r| r.duplicated.first().map(|d| d.id.clone())))
        .or_else(|| c.results.iter().find_map(|r| r.reordered.first().map(|o| o.later.clone())))
}

/// Reads what the report needs. `root` resolves relative run directories.
pub fn gather(summary: &CampaignSummary, root: &Path) -> Evidence {
    let mut evidence = Evidence {
        properties: summary.properties.iter().map(|p| p.name().to_string()).collect(),
        ..Default::default()
    };
    if let Some(c) = summary.counterexamples.first() {
        let dir = resolve(&c.traces, root);
        match trace::read_dir(&dir) {
            Ok(lines) => evidence.failing = Some(RunTrace { run: c.run.clone(), lines }),
            Err(e) => evidence.notes.push(format!("the failing run's traces could not be read: {e}")),
        }
    }
    if summary.counterexamples.is_empty() {
        // A run without a verdict survived nothing: it is not shown as one
        // that did.
        if let Some(r) = summary.runs.iter().rev().find(|r| !r.plan.faults.is_empty() && r.verdict == crate::checker::Verdict::Pass) {
            match trace::read_dir(&resolve(&r.dir, root)) {
                Ok(lines) => evidence.survived = Some(RunTrace { run: r.run.clone(), lines }),
                Err(e) => evidence.notes.push(format!("run {}'s traces could not be read: {e}", r.run)),
            }
        }
    }
    if evidence.properties.is_empty() {
        let first = evidence.failing.as_ref().map(|f| f.lines.clone()).or_else(|| {
            summary.runs.first().and_then(|r| trace::read_dir(&resolve(&r.dir, root)).ok())
        });
        evidence.properties = first
            .iter()
            .flatten()
            .find_map(|l| match &l.event {
                Event::RunStarted { properties, .. } => Some(properties.clone()),
                _ => None,
            })
            .unwrap_or_default();
    }
    if let Some(record) = broken_record(summary) {
        evidence.lineage = lineage_before(summary, root, &record, &mut evidence.notes);
    }
    evidence
}

/// The lineage of `record` in the last passing run before the first
/// counterexample: the failing run lost the outcome, so its lineage is the
/// one it had when it last held.
fn lineage_before(summary: &CampaignSummary, root: &Path, record: &str, notes: &mut Vec<String>) -> Option<BrokenLineage> {
    let failing = &summary.counterexamples.first()?.run;
    let index = summary.runs.iter().position(|r| &r.run == failing).unwrap_or(summary.runs.len());
    let outcome = format!("r:{record}");
    for run in summary.runs[..index].iter().rev().filter(|r| r.verdict == Verdict::Pass) {
        let dir = resolve(&run.dir, root);
        let model = match trace::read_dir(&dir) {
            Ok(lines) => match lineage::build(&lines) {
                Ok(model) => model,
                Err(e) => {
                    notes.push(format!("the lineage of run {} could not be built: {e}", run.run));
                    continue;
                }
            },
            Err(e) => {
                notes.push(format!("the traces of run {} could not be read: {e}", run.run));
                continue;
            }
        };
        if let Some(trail) = model.trails.get(&outcome) {
            let dot = lineage::to_dot(&outcome, trail);
            // Top to bottom reads better on a page than the CLI's left to right.
            let svg = super::graphviz::to_svg(&dot.replacen("rankdir=LR", "rankdir=TB", 1));
            return Some(BrokenLineage { record: record.to_string(), from_run: run.run.clone(), trail: trail.clone(), dot, svg });
        }
    }
    notes.push(format!(
        "no passing run before {failing} produced the outcome {record}, so its lineage (what it relied on when it held) is unknown"
    ));
    None
}
