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

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::lineage::{learn, Conditional};
pub use minimize::{MinimalPlan, MinimizeSettings};
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
    if let Some(kind) = down.iter().find(|k| !k.brokers_only()).or(down.first()).filter(|_| b.max_crashes > 0) {
        let mut said = count(b.max_crashes, kind.name());
        if let Some(words) = down.iter().filter(|k| *k != kind).find_map(FaultKind::to_a_broker) {
            said.push_str(&format!(" ({words})"));
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
    drive(&bench(clusters, binaries, scenario, settings), scenario, settings, fresh, listener).await
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
    drive(&bench(clusters, binaries, scenario, settings), scenario, settings, restored, listener).await
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

/// The loop itself, from any state: a fresh one or one restored from a
/// journal.
///
/// Runs go side by side as far as `runs` allows ([`Runs::width`]), in a
/// sliding window: the k-th run is picked once every run started N
/// before it has been taken in, plans to inject again first, then the
/// strategy's next pick, asked with the runs in flight counted as injected
/// (so no two of them are hypotheses the strategy judges alike). The
/// fault-free run goes alone. Runs are taken in in the order they were
/// started, whichever finished first: for the same verdicts, the campaign
/// picks and learns the same whatever its width, and one at a time it is
/// the plain loop.
async fn drive(
    runs: &impl Runs,
    scenario: &Scenario,
    settings: &CampaignSettings,
    restored: Restored,
    listener: &mut dyn Listener,
) -> Result<CampaignSummary, RunError> {
    let started = Instant::now();
    let strategy = strategy::start(&settings.strategy).map_err(|e| RunError::BadPlan(format!("{e} ({})", e.fix())))?;
    let strategy: Shared = Arc::new(Mutex::new(strategy));
    let Restored { mut summary, mut knowledge, mut tried, mut broken, next: mut index, .. } = restored;
    let wall_before = summary.wall_ms;
    // Survived plans to inject again, and how many more times each.
    let mut again: VecDeque<Retry> = VecDeque::new();
    let mut window = runs::Window::new(runs);
    // What each run in flight injects, in the order they started.
    let mut flying: VecDeque<(Pick, String)> = VecDeque::new();
    // A run that failed as infrastructure: no run starts after it, and the
    // campaign ends with it once the runs in flight are taken in.
    let mut failure: Option<RunError> = None;
    let mut no_baseline: Option<String> = None;
    // The strategy had nothing left the last time it was asked, with what
    // was known then.
    let mut exhausted = false;
    // Until the loop ends, the journal says so: a reader of a killed
    // campaign's summary is not told it ended.
    summary.outcome = Outcome::InProgress;
    tell(listener, CampaignEvent::Started { summary: &summary }, settings)?;

    loop {
        let fault_free_failed = summary.runs.iter().any(|r| r.hypothesis.is_empty() && r.verdict == Verdict::Fail);
        let violated = !summary.counterexamples.is_empty() && (!settings.all || fault_free_failed);
        let spent = index >= settings.max_runs || settings.max_wall.is_some_and(|limit| started.elapsed() > limit);
        let to_minimize = unminimized(&summary, settings).filter(|_| settings.minimize.is_some() && runs.bench().is_some());
        // The fault-free run goes alone: nothing is known before it.
        let alone = index == 0 || summary.runs.is_empty();
        let stopping = failure.is_some() || no_baseline.is_some() || violated || spent || to_minimize.is_some();
        if !stopping && !exhausted && !window.is_full() && (!alone || window.is_empty()) {
            let pending: Vec<Hypothesis> = flying.iter().map(|(p, _)| p.hypothesis.clone()).collect();
            let pick = if index == 0 {
                Some(Pick { hypothesis: Hypothesis::new(), plan: FaultPlan::none(), retry: None })
            } else if let Some((hypothesis, plan, left)) = again.pop_front() {
                Some(Pick { hypothesis, plan, retry: Some(left) })
            } else {
                // The runs in flight count as injected and, until their
                // verdicts say otherwise, as survived: what they would stand
                // for (their time shifts) is not picked beside them.
                let mut injected = tried.clone();
                injected.extend(pending.iter().cloned());
                let mut known = known(scenario, settings.windows, &knowledge, &injected, &summary.runs, &broken);
                known.survived.extend(pending);
                let chosen = window.meanwhile(choose(&strategy, known, scenario, settings, index, listener)).await?;
                chosen.map(|(hypothesis, plan)| Pick { hypothesis, plan, retry: None })
            };
            match pick {
                Some(pick) => {
                    let run = format!("r{index}");
                    tell(listener, CampaignEvent::RunStarted { run: &run, plan: &pick.plan }, settings)?;
                    window.start(pick.plan.clone(), run.clone());
                    flying.push_back((pick, run));
                    index += 1;
                    continue;
                }
                None => exhausted = true,
            }
        }
        if window.is_empty() {
            if let (Some(i), Some(bench), Some(mut limits)) = (to_minimize, runs.bench(), settings.minimize) {
                limits.deadline = deadline(started, settings.max_wall);
                let minimal = minimize::minimize(bench, &summary.counterexamples[i], limits, listener).await;
                summary.counterexamples[i].minimal = Some(minimal);
                let c = &summary.counterexamples[i];
                tell(listener, CampaignEvent::Minimized { run: &c.run, minimal: c.minimal.as_ref().expect("just set"), summary: &summary }, settings)?;
                continue;
            }
            if let Some(e) = failure {
                return Err(e);
            }
            summary.outcome = if let Some(reason) = no_baseline {
                Outcome::Inconclusive { explored: 0, runs: Vec::new(), reason }
            } else if violated {
                Outcome::Violation
            } else if spent {
                if summary.counterexamples.is_empty() {
                    let known = known(scenario, settings.windows, &knowledge, &tried, &summary.runs, &broken);
                    let remaining = ask(&strategy, known, |s, known| s.remaining(known)).await.ok().flatten();
                    Outcome::BudgetSpent { explored: tried.len() + broken.len(), remaining }
                } else {
                    Outcome::Violation
                }
            } else {
                nothing_left(scenario, settings, &strategy, &knowledge, &tried, &broken, &summary)
            };
            break;
        }

        // The earliest run started, whichever finished first.
        let finished = window.next().await.expect("a run in flight");
        let (pick, run_id) = flying.pop_front().expect("a run in flight");
        // Something new is known: the strategy may have more to say.
        exhausted = false;
        let outcome = match finished.outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                failure.get_or_insert(e);
                continue;
            }
        };
        let Pick { hypothesis, plan, retry } = pick;
        let wall_ms = finished.wall.as_millis() as u64;
        let lines = trace::read_dir(&outcome.dir);
        let record = RunRecord {
            run: run_id.clone(),
            plan: plan.clone(),
            hypothesis: hypothesis.clone(),
            verdict: outcome.verdict.verdict,
            wall_ms,
            dir: outcome.dir.clone(),
            failed: outcome.verdict.results.iter().filter(|r| r.verdict == Verdict::Fail).map(|r| r.property.name().to_string()).collect(),
            learned: None,
            phases: lines.as_ref().ok().and_then(|lines| trace::Phases::of(lines, wall_ms)),
        };
        summary.runs.push(record);
        summary.wall_ms = wall_before + started.elapsed().as_millis() as u64;

        let unsettled_before = summary.runs.iter().filter(|r| r.hypothesis == hypothesis && r.verdict == Verdict::Unknown).count() > 1;
        let previous = retry.map(|left| (hypothesis.clone(), plan.clone(), left));
        again.extend(next_try(previous, &hypothesis, &plan, outcome.verdict.verdict, unsettled_before, settings.tries));
        let fault_free = hypothesis.is_empty();
        if fault_free {
            no_baseline = baseline::missing(&outcome.verdict, &run_id);
        }
        if fault_free && no_baseline.is_some() {
            // Nothing to learn from, and nothing to count as broken.
        } else if outcome.verdict.verdict == Verdict::Fail {
            // Journaled with its run, below: a counterexample found is never lost.
            let number = run_id[1..].parse::<u32>().expect("runs are named r<N>");
            summary.counterexamples.push(Counterexample::from_run(&outcome, &plan, number));
            if !hypothesis.is_empty() {
                broken.push(hypothesis);
            }
        } else {
            if !hypothesis.is_empty() {
                tried.push(hypothesis);
            }
            let lines = lines?;
            if fault_free {
                summary.lineage_sources = lineage::sources(&lines, &instances(scenario));
            }
            let before = knowledge.absorb(&lines, &plan).map_err(|message| RunError::History { dir: outcome.dir.clone(), message })?;
            if let Some(last) = summary.runs.last_mut() {
                last.learned = Some(Learned::since(before, &knowledge.model));
            }
        }
        summary.hypotheses_tried = tried.len() + broken.len();
        let record = summary.runs.last().expect("just pushed");
        tell(listener, CampaignEvent::RunFinished { record, summary: &summary }, settings)?;
    }
    summary.wall_ms = wall_before + started.elapsed().as_millis() as u64;
    summary.hypotheses_tried = tried.len() + broken.len();
    tell(listener, CampaignEvent::Ended { summary: &summary }, settings)?;
    Ok(summary)
}

/// The counterexample to minimize next, if any: every one with `--all`,
/// else only the first (the campaign ends at its first violation; runs
/// in flight when it was found may add more, kept unminimized).
fn unminimized(summary: &CampaignSummary, settings: &CampaignSettings) -> Option<usize> {
    let wanted = if settings.all { summary.counterexamples.len() } else { summary.counterexamples.len().min(1) };
    (0..wanted).find(|&i| summary.counterexamples[i].minimal.is_none())
}

/// A hypothesis a run injects: its plan and, when it is injected again,
/// how many more times after this run.
struct Pick {
    hypothesis: Hypothesis,
    plan: FaultPlan,
    retry: Option<u32>,
}

/// How a campaign ends when its strategy has nothing left to inject: a
/// violation if one was found; inconclusive if a targeted instance was
/// never considered or some hypotheses' runs gave no verdict; else
/// certified, saying what the certificate rests on.
fn nothing_left(
    scenario: &Scenario,
    settings: &CampaignSettings,
    strategy: &Shared,
    knowledge: &lineage::Knowledge,
    tried: &[Hypothesis],
    broken: &[Hypothesis],
    summary: &CampaignSummary,
) -> Outcome {
    let unsettled = inconclusive(&summary.runs);
    let injected: Vec<Hypothesis> = tried.iter().chain(broken).cloned().collect();
    let unconsidered = coverage::unconsidered(scenario, &knowledge.model, &injected);
    if !summary.counterexamples.is_empty() {
        Outcome::Violation
    } else if !unconsidered.is_empty() {
        Outcome::Inconclusive { explored: injected.len(), runs: Vec::new(), reason: coverage::reason(&unconsidered, "r0") }
    } else if !unsettled.is_empty() {
        Outcome::Inconclusive { explored: tried.len() + broken.len(), reason: inconclusive_reason(&unsettled, ""), runs: unsettled }
    } else {
        let mut statement = match settings.tries {
            1 => budget_statement(scenario),
            n => format!("{} (each fault plan injected {n} times)", budget_statement(scenario)),
        };
        if !summary.lineage_sources.is_empty() {
            statement.push_str(&format!("; {}", lineage_words(&summary.lineage_sources)));
        }
        let known = known(scenario, settings.windows, knowledge, tried, &summary.runs, broken);
        let alike = strategy.lock().expect("strategy").judged_alike(&known);
        if alike > 0 {
            statement.push_str(&format!(
                "; {alike} hypothesis(es) at other steps, partitions or instances judged by their lineage alike to one that survived, not injected"
            ));
        }
        Outcome::Certified { statement }
    }
}

/// The runs of the hypotheses that no run settled: each of its runs ended
/// without a verdict (the output never stopped changing, a read failed).
/// Their plans were injected but prove nothing either way.
fn inconclusive(runs: &[RunRecord]) -> Vec<String> {
    let unsettled = |h: &Hypothesis| runs.iter().filter(|r| r.hypothesis == *h).all(|r| r.verdict == Verdict::Unknown);
    runs.iter().filter(|r| !r.hypothesis.is_empty() && unsettled(&r.hypothesis)).map(|r| r.run.clone()).collect()
}

/// The hypotheses with a run that passed and none that failed: what a
/// survived hypothesis proves ([`crate::search::alike`]) rests on a verdict.
fn survived(runs: &[RunRecord]) -> Vec<Hypothesis> {
    let failed = |h: &Hypothesis| runs.iter().any(|r| r.hypothesis == *h && r.verdict == Verdict::Fail);
    let mut out: Vec<Hypothesis> = Vec::new();
    for r in runs.iter().filter(|r| r.verdict == Verdict::Pass && !r.hypothesis.is_empty()) {
        if !out.contains(&r.hypothesis) && !failed(&r.hypothesis) {
            out.push(r.hypothesis.clone());
        }
    }
    out
}

/// A plan to inject again, and how many more times after that.
type Retry = (Hypothesis, FaultPlan, u32);

/// After a run of `hypothesis` that ended in `verdict`: the plan to inject
/// again, if it survived fewer than `tries` times, or if this run gave no
/// verdict and none of its earlier runs had failed to settle (an unknown
/// run proves nothing, so it gets one more run). A failed plan and the
/// fault-free run are not repeated.
fn next_try(again: Option<Retry>, hypothesis: &Hypothesis, plan: &FaultPlan, verdict: Verdict, unsettled_before: bool, tries: u32) -> Option<Retry> {
    let retry_unknown = verdict == Verdict::Unknown && !unsettled_before;
    match again {
        _ if verdict == Verdict::Fail || hypothesis.is_empty() => None,
        Some((h, p, left)) if h == *hypothesis => (left > 1).then_some((h, p, left - 1)),
        _ if tries > 1 => Some((hypothesis.clone(), plan.clone(), tries - 1)),
        _ => retry_unknown.then(|| (hypothesis.clone(), plan.clone(), 1)),
    }
}

/// The campaign's strategy, shared with the thread it works on.
type Shared = Arc<Mutex<Box<dyn strategy::Strategy>>>;

/// What a campaign rebuilt from its journal knows, as its strategy would
/// be asked it next (`ldfi solve --journal`).
pub fn known_from(scenario: &Scenario, restored: &Restored, windows: Windows) -> Known {
    known(scenario, windows, &restored.knowledge, &restored.tried, &restored.summary.runs, &restored.broken)
}

/// What the campaign knows, for its strategy: the survived hypotheses are
/// read off the runs' verdicts.
fn known(
    scenario: &Scenario,
    windows: Windows,
    knowledge: &lineage::Knowledge,
    tried: &[Hypothesis],
    runs: &[RunRecord],
    broken: &[Hypothesis],
) -> Known {
    Known {
        scenario: scenario.clone(),
        knowledge: knowledge.clone(),
        tried: tried.to_vec(),
        survived: survived(runs),
        broken: broken.to_vec(),
        windows,
    }
}

/// Asks the strategy on a blocking thread: the solver can take seconds,
/// and the runtime serves the rest meanwhile. `Err` if it panicked.
async fn ask<T: Send + 'static>(
    strategy: &Shared,
    known: Known,
    question: impl FnOnce(&mut dyn strategy::Strategy, &Known) -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let strategy = Arc::clone(strategy);
    tokio::task::spawn_blocking(move || question(&mut **strategy.lock().expect("strategy"), &known)).await
}

/// The strategy's next hypothesis and its plan, or `None` when its space
/// is exhausted.
async fn choose(
    strategy: &Shared,
    known: Known,
    scenario: &Scenario,
    settings: &CampaignSettings,
    index: u32,
    listener: &mut dyn Listener,
) -> Result<Option<(Hypothesis, FaultPlan)>, RunError> {
    if strategy.lock().expect("strategy").solves() {
        let model = &known.knowledge.model;
        tell(listener, CampaignEvent::Solving { outcomes: model.outcomes.len(), derivations: model.derivation_count() }, settings)?;
    }
    let candidate = ask(strategy, known, |s, known| s.next(known))
        .await
        .expect("search thread")
        .map_err(|e| RunError::Pipeline(format!("solver: {e}")))?;
    match candidate {
        Some(h) => {
            let plan = realize(&h, scenario, settings.windows, scenario.seed ^ u64::from(index)).map_err(RunError::BadPlan)?;
            Ok(Some((h, plan)))
        }
        None => Ok(None),
    }
}

/// When a wall-time limit from `started` runs out; a limit past what an
/// `Instant` can hold (`--max-wall-time 18446744073709551615`) is no limit.
fn deadline(started: Instant, limit: Option<Duration>) -> Option<Instant> {
    limit.and_then(|limit| started.checked_add(limit))
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
mod tries_tests {
    use super::*;
    use crate::solver::testing::crash;

    #[test]
    fn a_wall_time_limit_beyond_an_instant_is_no_limit() {
        let now = Instant::now();
        assert_eq!(deadline(now, Some(Duration::from_secs(u64::MAX))), None);
        assert_eq!(deadline(now, Some(Duration::from_secs(5))), Some(now + Duration::from_secs(5)));
        assert_eq!(deadline(now, None), None);
    }

    #[test]
    fn a_hypothesis_whose_every_run_gave_no_verdict_is_inconclusive() {
        let h = |n: &str, step: u32| -> Hypothesis { [crash(n, step)].into_iter().collect() };
        let run = |id: &str, hypothesis: Hypothesis, verdict: Verdict| RunRecord {
            run: id.into(),
            plan: FaultPlan::none(),
            hypothesis,
            verdict,
            wall_ms: 0,
            dir: PathBuf::new(),
            failed: vec![],
            learned: None,
            phases: None,
        };
        let runs = vec![
            run("r0", Hypothesis::new(), Verdict::Unknown),
            run("r1", h("pipeline-1", 2), Verdict::Unknown),
            run("r2", h("pipeline-1", 2), Verdict::Pass),
            run("r3", h("coordinator(g)", 3), Verdict::Unknown),
            run("r4", h("coordinator(g)", 3), Verdict::Unknown),
        ];
        // Settled by its second run, the first hypothesis is covered; the
        // fault-free run is no hypothesis.
        assert_eq!(inconclusive(&runs), vec!["r3".to_string(), "r4".to_string()]);
        assert!(inconclusive(&runs[..3]).is_empty());
        // Only the settled one stands for its time shifts; one that later
        // broke (a second try) stands for nothing.
        assert_eq!(survived(&runs), vec![h("pipeline-1", 2)]);
        let mut broke = runs.clone();
        broke.push(run("r5", h("pipeline-1", 2), Verdict::Fail));
        assert!(survived(&broke).is_empty());
    }

    #[test]
    fn a_survived_plan_is_injected_until_its_tries_are_spent() {
        let h: Hypothesis = [crash("pipeline-1", 2)].into_iter().collect();
        let plan = FaultPlan::none();
        // Three tries: after the first pass, two more; then one; then none.
        let after_first = next_try(None, &h, &plan, Verdict::Pass, false, 3);
        assert_eq!(after_first.as_ref().map(|a| a.2), Some(2));
        let after_second = next_try(after_first, &h, &plan, Verdict::Pass, false, 3);
        assert_eq!(after_second.as_ref().map(|a| a.2), Some(1));
        assert_eq!(next_try(after_second, &h, &plan, Verdict::Pass, false, 3), None);
        // One try (the default): never again. A failure or the fault-free run: never again.
        assert_eq!(next_try(None, &h, &plan, Verdict::Pass, false, 1), None);
        assert_eq!(next_try(None, &h, &plan, Verdict::Fail, false, 3), None);
        assert_eq!(next_try(None, &Hypothesis::new(), &plan, Verdict::Pass, false, 3), None);
        // A run without a verdict: once more, and only once.
        assert_eq!(next_try(None, &h, &plan, Verdict::Unknown, false, 1).map(|a| a.2), Some(1));
        assert_eq!(next_try(None, &h, &plan, Verdict::Unknown, true, 1), None);
    }
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
        assert!(single.contains("at most 1 crash and 1 partition (isolate), 1 fault in all, over steps 0..5"), "{single}");
        let lossy = super::budget_statement(&copy_scenario("eot = 6\nmax_partitions = 2\nkinds = [\"crash\", \"lossy-link\"]"));
        assert!(lossy.contains("at most 1 crash and 2 degraded links (lossy-link) over steps"), "{lossy}");
        let disk = super::budget_statement(&copy_scenario("eot = 6\nmax_partitions = 0\nkinds = [\"crash\", \"disk-loss\"]"));
        assert!(disk.contains("at most 1 crash (a broker's with its disk lost) over steps"), "{disk}");
        let disk_only = super::budget_statement(&copy_scenario("eot = 6\nmax_crashes = 2\nmax_partitions = 0\nkinds = [\"disk-loss\"]\ntargets = [\"broker-1\"]"));
        assert!(disk_only.contains("at most 2 disk-losses over steps"), "{disk_only}");
    }
}
