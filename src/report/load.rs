//! Reading a campaign back for `ldfi report`: from a report directory (its
//! summary.json and the traces it points to), or from a traces directory
//! alone, reconstructing each run from its plan.json, verdict.json and
//! harness trace. What traces alone cannot tell (the solver's hypotheses,
//! whether the budget was spent or exhausted) is left empty, not invented.
//!
//! A summary.json is data, and it names the directories the report then
//! reads (`runs[].dir`, `counterexamples[].traces`). Before any of them is
//! read, its names pass the journal's rule and each directory must be the
//! run's own place under the traces root, as for `--resume`
//! ([`crate::trace::place`]); anything else is refused with the field, the
//! value and the fix, and nothing is read.

use std::path::{Component, Path, PathBuf};

use thiserror::Error;

use super::evidence::resolve;
use crate::summary::names::Refused;
use crate::summary::{CampaignSummary, Counterexample, Learned, Outcome, RunRecord};
use crate::checker::{RunVerdict, Verdict};
use crate::lineage::Knowledge;
use crate::model::FaultPlan;
use crate::scenario::{Property, StrategyName};
use crate::trace::{self, place, Event, TraceError};

/// Input that is not a report or a traces directory.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}\n  fix: {fix}")]
    Io { file: PathBuf, fix: String, #[source] source: std::io::Error },
    #[error("{file}: not a valid {what}: {message}\n  fix: {fix}")]
    Malformed { file: PathBuf, what: &'static str, message: String, fix: String },
    #[error("{dir}: {why}\n  fix: {fix}")]
    Unusable { dir: PathBuf, why: String, fix: String },
    /// A name or directory in summary.json the report may not use; `value`
    /// is quoted and escaped.
    #[error("{}: {field}: {value} {why}\n  fix: {fix}", file.display())]
    Refused { file: PathBuf, field: String, value: String, why: String, fix: String },
    /// A file that is no regular file, or too large to be one of ldfi's.
    #[error(transparent)]
    Untrusted(TraceError),
}

/// The text of a file of a report or a run, read as untrusted input
/// ([`trace::untrusted`]); `fix` says what to do if it cannot be read.
fn read_text(file: &Path, fix: &str) -> Result<String, LoadError> {
    trace::untrusted::read_text(file).map_err(|e| match e {
        TraceError::Io { file, source } => LoadError::Io { file, fix: fix.to_string(), source },
        other => LoadError::Untrusted(other),
    })
}

/// Whether `path` itself is a regular file (a link to one is not).
fn is_file(path: &Path) -> bool {
    trace::untrusted::kind(path) == Some(trace::untrusted::Kind::File)
}

/// What `dir` held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `reports/<campaign>`: a summary.json.
    Report,
    /// `traces/<campaign>`: run directories only.
    Traces,
}

/// Reads a campaign from `dir`, a report directory or a traces directory;
/// a report's runs are under the `traces/` beside its `reports/`.
pub fn load(dir: &Path) -> Result<(CampaignSummary, Source), LoadError> {
    load_from(dir, None)
}

/// [`load`], with a report's runs under `traces` (the `--traces` the
/// campaign ran with) when given.
pub fn load_from(dir: &Path, traces: Option<&Path>) -> Result<(CampaignSummary, Source), LoadError> {
    let summary_file = dir.join("summary.json");
    if is_file(&summary_file) {
        let text = read_text(&summary_file, "check the file's permissions")?;
        let mut summary: CampaignSummary = serde_json::from_str(&text).map_err(|e| LoadError::Malformed {
            file: summary_file.clone(),
            what: "campaign summary",
            message: e.to_string(),
            fix: "it must follow docs/summary-schema.md; rebuild from the traces instead: ldfi report traces/<campaign> --out DIR"
                .into(),
        })?;
        let root = super::root_of(dir).to_path_buf();
        let traces = traces.map_or_else(|| root.join("traces"), Path::to_path_buf);
        check_places(&summary, dir, &root, &traces)?;
        // Summaries written before these fields existed: recompute them.
        if summary.runs.iter().all(|r| r.learned.is_none()) {
            fill_learned(&mut summary.runs, &root);
        }
        if summary.properties.is_empty() {
            summary.properties = properties_from_traces(&summary.runs, &root);
        }
        return Ok((summary, Source::Report));
    }
    if !dir.is_dir() {
        return Err(LoadError::Unusable {
            dir: dir.to_path_buf(),
            why: "no such directory".into(),
            fix: "give reports/<campaign> (with summary.json) or traces/<campaign> (with run directories r0, r1, ...)".into(),
        });
    }
    if is_file(&dir.join("plan.json")) || is_file(&dir.join("harness.jsonl")) {
        return Err(LoadError::Unusable {
            dir: dir.to_path_buf(),
            why: "this is one run, not a campaign".into(),
            fix: format!("give its parent, {}", dir.parent().unwrap_or(Path::new(".")).display()),
        });
    }
    from_traces(dir).map(|s| (s, Source::Traces))
}

/// Checks the names of `summary` (read from `dir/summary.json`) and that
/// every directory it names, resolved as the report resolves it against
/// `root` ([`resolve`]), is its run's place under `traces`.
fn check_places(summary: &CampaignSummary, dir: &Path, root: &Path, traces: &Path) -> Result<(), LoadError> {
    let file = dir.join("summary.json");
    crate::summary::names::check_names(summary, dir)
        .map_err(|Refused { path, field, value, why, fix }| LoadError::Refused { file: path, field, value, why, fix })?;
    let campaign = &summary.campaign;
    let roots = place::roots(traces);
    let runs = summary.runs.iter().enumerate().map(|(i, r)| (format!("runs[{i}].dir"), &r.dir, &r.run));
    let counterexamples = summary.counterexamples.iter().enumerate().map(|(i, c)| (format!("counterexamples[{i}].traces"), &c.traces, &c.run));
    for (field, named, run) in runs.chain(counterexamples) {
        // Nothing that climbs is even looked at.
        let at = if named.components().any(|c| c == Component::ParentDir) { named.clone() } else { resolve(named, root) };
        if let Err(why) = place::inside(&at, &roots, campaign, run) {
            let fix = match place::guessed_root(named, campaign, run).filter(|r| !r.as_os_str().is_empty()) {
                Some(other) => format!(
                    "if the campaign ran with --traces {:?}, give it: ldfi report {} --traces {:?}; or rebuild from the traces alone: ldfi report <traces>/{campaign}",
                    other.display().to_string(),
                    dir.display(),
                    other.display().to_string()
                ),
                None => format!("set it to the run's directory, <traces>/{campaign}/{run}, or rebuild from the traces alone: ldfi report <traces>/{campaign}"),
            };
            let value = format!("{:?}", named.display().to_string());
            return Err(LoadError::Refused { file, field, value, why, fix });
        }
    }
    Ok(())
}

/// The campaign reconstructed from its run directories.
fn from_traces(dir: &Path) -> Result<CampaignSummary, LoadError> {
    let read = |file: &Path| read_text(file, "every run directory needs plan.json and verdict.json as `ldfi run` writes them");
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        file: dir.to_path_buf(),
        fix: "check the directory's permissions".into(),
        source,
    })?;
    let mut run_dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        // A link is never taken for a run directory.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| is_file(&p.join("plan.json")) || is_file(&p.join("harness.jsonl")))
        .collect();
    if run_dirs.is_empty() {
        return Err(LoadError::Unusable {
            dir: dir.to_path_buf(),
            why: "neither a report (no summary.json) nor a campaign's traces (no run directory with plan.json)".into(),
            fix: "give reports/<campaign> or traces/<campaign>".into(),
        });
    }
    let number = |p: &Path| {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        (name.trim_start_matches('r').parse::<u64>().unwrap_or(u64::MAX), name)
    };
    run_dirs.sort_by_key(|p| number(p));
    let campaign = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "campaign".into());
    let mut scenario = String::new();
    let mut seed = 0;
    let mut properties: Vec<Property> = Vec::new();
    let mut runs = Vec::new();
    let mut counterexamples = Vec::new();
    for run_dir in &run_dirs {
        let run = number(run_dir).1;
        let harness = run_dir.join("harness.jsonl");
        let lines = trace::read_file(&harness).map_err(|e| LoadError::Unusable {
            dir: run_dir.clone(),
            why: e.to_string(),
            fix: "the run's harness.jsonl is needed to know its scenario and timing".into(),
        })?;
        crate::checker::run_started_once(&lines).map_err(|e| {
            let (message, fix) = e.split_once("\n  fix: ").unwrap_or((&e, ""));
            LoadError::Malformed { file: harness.clone(), what: "harness trace", message: message.to_string(), fix: fix.to_string() }
        })?;
        let plan_file = run_dir.join("plan.json");
        let plan: FaultPlan = if is_file(&plan_file) {
            serde_json::from_str(&read(&plan_file)?).map_err(|e| LoadError::Malformed {
                file: plan_file.clone(),
                what: "fault plan",
                message: e.to_string(),
                fix: "a fault plan as src/nemesis/plan.rs serializes it ({\"seed\":0,\"faults\":[...]})".into(),
            })?
        } else {
            // The harness records the plan when the run starts.
            trace::started_plan(&lines).ok_or_else(|| LoadError::Unusable {
                    dir: run_dir.clone(),
                    why: "no plan.json and no plan in harness.jsonl's run_started".into(),
                    fix: "restore plan.json, or remove the run directory".into(),
                })?
        };
        let verdict_file = run_dir.join("verdict.json");
        let verdict: RunVerdict = if is_file(&verdict_file) {
            serde_json::from_str(&read(&verdict_file)?).map_err(|e| LoadError::Malformed {
                file: verdict_file.clone(),
                what: "run verdict",
                message: e.to_string(),
                fix: format!("delete it to judge the run again from its traces (as `ldfi check {}` does)", run_dir.display()),
            })?
        } else {
            // An interrupted run has no verdict.json: judge it from its
            // traces, as `ldfi check` does (typically unknown).
            crate::run::check_dir(run_dir)
                .map(|(_, verdict)| verdict)
                .map_err(|e| LoadError::Unusable {
                    dir: run_dir.clone(),
                    why: format!("no verdict.json, and the traces cannot be judged: {e}"),
                    fix: "remove this run directory if the run never really started".into(),
                })?
        };
        for line in &lines {
            if let Event::RunStarted { scenario: s, seed: sd, properties: p, .. } = &line.event {
                if scenario.is_empty() {
                    scenario = s.clone();
                    seed = *sd;
                    properties = p.iter().filter_map(|p| serde_json::from_value(serde_json::Value::String(p.clone())).ok()).collect();
                }
            }
        }
        let wall_ms = match (lines.first(), lines.last()) {
            (Some(a), Some(b)) => b.time_ms.saturating_sub(a.time_ms),
            _ => 0,
        };
        let failed: Vec<_> = verdict.results.iter().filter(|r| r.verdict == Verdict::Fail).cloned().collect();
        if verdict.verdict == Verdict::Fail {
            counterexamples.push(Counterexample { run: run.clone(), plan: plan.clone(), results: failed.clone(), traces: run_dir.clone(), minimal: None });
        }
        runs.push(RunRecord {
            run,
            plan,
            hypothesis: Default::default(),
            verdict: verdict.verdict,
            wall_ms,
            dir: run_dir.clone(),
            failed: failed.iter().map(|r| r.property.name().to_string()).collect(),
            learned: None,
            phases: None,
            missed: Vec::new(),
        });
    }
    fill_learned(&mut runs, Path::new("."));
    // `<scenario>-<strategy>-<seconds>`, as `ldfi campaign` names it.
    let strategy = campaign
        .strip_prefix(&format!("{scenario}-"))
        .and_then(|rest| rest.split_once('-'))
        .filter(|(word, seconds)| crate::scenario::names::strategy(word).is_ok() && seconds.bytes().all(|b| b.is_ascii_digit()))
        .map_or(StrategyName::LDFI, |(word, _)| StrategyName::from(word));
    let faulted = runs.iter().filter(|r| !r.plan.faults.is_empty()).count();
    Ok(CampaignSummary {
        schema_version: crate::summary::SCHEMA_VERSION,
        campaign,
        scenario_path: PathBuf::from(format!("scenarios/{scenario}.toml")),
        scenario,
        properties,
        seed,
        strategy,
        outcome: if counterexamples.is_empty() {
            Outcome::BudgetSpent { explored: faulted, remaining: None }
        } else {
            Outcome::Violation
        },
        wall_ms: runs.iter().map(|r| r.wall_ms).sum(),
        runs,
        counterexamples,
        hypotheses_tried: faulted,
        lineage_sources: Default::default(),
        // Rebuilt from traces: what ran is not known.
        ran: None,
        cluster: None,
    })
}

/// The properties named in the first readable run's `run_started` event.
fn properties_from_traces(runs: &[RunRecord], root: &Path) -> Vec<Property> {
    for run in runs {
        let Ok(lines) = trace::read_file(&resolve(&run.dir, root).join("harness.jsonl")) else { continue };
        if let Some(names) = lines.iter().find_map(|l| match &l.event {
            Event::RunStarted { properties, .. } => Some(properties.clone()),
            _ => None,
        }) {
            return names.into_iter().filter_map(|p| serde_json::from_value(serde_json::Value::String(p)).ok()).collect();
        }
    }
    Vec::new()
}

/// What each run taught the lineage model, recomputed from the traces with
/// the campaign's own learning ([`crate::lineage::learn()`]): every run that
/// did not fail adds what its plan shows. Runs whose traces cannot be read
/// are left as they are.
pub fn fill_learned(runs: &mut [RunRecord], root: &Path) {
    let mut knowledge = Knowledge::default();
    for run in runs.iter_mut().filter(|r| r.verdict != Verdict::Fail) {
        let Ok(lines) = trace::read_dir(&resolve(&run.dir, root)) else { continue };
        let Ok(before) = knowledge.absorb(&lines, &run.plan) else { continue };
        run.learned = Some(Learned::since(before, &knowledge.model));
    }
}
