//! The loop itself: pick the next run, start it, take in the earliest run
//! started, until a violation, a spent budget or nothing left to inject;
//! then say how the campaign ended. What it carries from run to run is a
//! [`Progress`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

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
pub(super) async fn drive(
    runs: &impl Runs,
    scenario: &Scenario,
    settings: &CampaignSettings,
    restored: Restored,
    listener: &mut dyn Listener,
) -> Result<CampaignSummary, RunError> {
    let mut p = Progress::new(scenario, settings, restored)?;
    let mut window = runs::Window::new(runs);
    tell(listener, CampaignEvent::Started { summary: &p.summary }, settings)?;
    loop {
        let (violated, spent) = (p.violated(), p.spent());
        let to_minimize = unminimized(&p.summary, settings).filter(|_| settings.minimize.is_some() && runs.bench().is_some());
        // The fault-free run goes alone: nothing is known before it.
        let alone = p.index == 0 || p.summary.runs.is_empty();
        let stopping = p.failure.is_some() || p.no_baseline.is_some() || violated || spent || to_minimize.is_some();
        if !stopping && !p.exhausted && !window.is_full() && (!alone || window.is_empty()) {
            match p.pick(&mut window, listener).await? {
                Some(pick) => {
                    let run = format!("r{}", p.index);
                    tell(listener, CampaignEvent::RunStarted { run: &run, plan: &pick.plan }, settings)?;
                    window.start(pick.plan.clone(), run.clone());
                    p.flying.push_back((pick, run));
                    p.index += 1;
                    continue;
                }
                None => p.exhausted = true,
            }
        }
        if window.is_empty() {
            if let (Some(i), Some(bench), Some(mut limits)) = (to_minimize, runs.bench(), settings.minimize) {
                limits.deadline = deadline(p.started, settings.max_wall);
                let minimal = minimize::minimize(bench, &p.summary.counterexamples[i], limits, listener).await;
                p.summary.counterexamples[i].minimal = Some(minimal);
                let c = &p.summary.counterexamples[i];
                tell(listener, CampaignEvent::Minimized { run: &c.run, minimal: c.minimal.as_ref().expect("just set"), summary: &p.summary }, settings)?;
                continue;
            }
            if let Some(e) = p.failure.take() {
                return Err(e);
            }
            p.summary.outcome = p.ending(violated, spent).await;
            break;
        }
        // The earliest run started, whichever finished first.
        let finished = window.next().await.expect("a run in flight");
        p.take_in(finished, listener)?;
    }
    p.summary.wall_ms = p.wall_before + p.started.elapsed().as_millis() as u64;
    p.summary.hypotheses_tried = p.tried.len() + p.broken.len();
    tell(listener, CampaignEvent::Ended { summary: &p.summary }, settings)?;
    Ok(p.summary)
}

/// What the loop carries from one run to the next.
struct Progress<'s> {
    scenario: &'s Scenario,
    settings: &'s CampaignSettings,
    strategy: Shared,
    started: Instant,
    /// The wall time of the runs of an earlier process, for a resumed
    /// campaign.
    wall_before: u64,
    summary: CampaignSummary,
    knowledge: lineage::Knowledge,
    tried: Vec<Hypothesis>,
    broken: Vec<Hypothesis>,
    /// The number of the next run (`r{index}`).
    index: u32,
    /// Survived plans to inject again, and how many more times each.
    again: VecDeque<Retry>,
    /// What each run in flight injects, in the order they started.
    flying: VecDeque<(Pick, String)>,
    /// A run that failed as infrastructure: no run starts after it, and the
    /// campaign ends with it once the runs in flight are taken in.
    failure: Option<RunError>,
    /// Why the fault-free run is no baseline, if it is not.
    no_baseline: Option<String>,
    /// The strategy had nothing left the last time it was asked, with what
    /// was known then.
    exhausted: bool,
}

impl<'s> Progress<'s> {
    fn new(scenario: &'s Scenario, settings: &'s CampaignSettings, restored: Restored) -> Result<Progress<'s>, RunError> {
        let strategy = strategy::start(&settings.strategy).map_err(|e| RunError::BadPlan(format!("{e} ({})", e.fix())))?;
        let Restored { mut summary, knowledge, tried, broken, next: index, .. } = restored;
        // Until the loop ends, the journal says so: a reader of a killed
        // campaign's summary is not told it ended.
        summary.outcome = Outcome::InProgress;
        Ok(Progress {
            scenario,
            settings,
            strategy: Arc::new(Mutex::new(strategy)),
            started: Instant::now(),
            wall_before: summary.wall_ms,
            summary,
            knowledge,
            tried,
            broken,
            index,
            again: VecDeque::new(),
            flying: VecDeque::new(),
            failure: None,
            no_baseline: None,
            exhausted: false,
        })
    }

    /// A violation ends the campaign, unless every one is asked for (and
    /// even then a failed fault-free run does).
    fn violated(&self) -> bool {
        let fault_free_failed = self.summary.runs.iter().any(|r| r.hypothesis.is_empty() && r.verdict == Verdict::Fail);
        !self.summary.counterexamples.is_empty() && (!self.settings.all || fault_free_failed)
    }

    /// The run budget or the wall-time limit is spent.
    fn spent(&self) -> bool {
        self.index >= self.settings.max_runs || self.settings.max_wall.is_some_and(|limit| self.started.elapsed() > limit)
    }

    /// What the next run injects: the fault-free run first, then plans to
    /// inject again, then the strategy's next pick; `None` when it has
    /// nothing left.
    async fn pick<R: Runs>(&mut self, window: &mut runs::Window<'_, R>, listener: &mut dyn Listener) -> Result<Option<Pick>, RunError> {
        if self.index == 0 {
            return Ok(Some(Pick { hypothesis: Hypothesis::new(), plan: FaultPlan::none(), retry: None }));
        }
        if let Some((hypothesis, plan, left)) = self.again.pop_front() {
            return Ok(Some(Pick { hypothesis, plan, retry: Some(left) }));
        }
        // The runs in flight count as injected and, until their verdicts
        // say otherwise, as survived: what they would stand for (their
        // time shifts) is not picked beside them.
        let pending: Vec<Hypothesis> = self.flying.iter().map(|(p, _)| p.hypothesis.clone()).collect();
        let mut injected = self.tried.clone();
        injected.extend(pending.iter().cloned());
        let mut known = known(self.scenario, self.settings.windows, &self.knowledge, &injected, &self.summary.runs, &self.broken);
        known.survived.extend(pending);
        let chosen = window.meanwhile(choose(&self.strategy, known, self.scenario, self.settings, self.index, listener)).await?;
        Ok(chosen.map(|(hypothesis, plan)| Pick { hypothesis, plan, retry: None }))
    }

    /// How the campaign ends once no run is in flight and none will start.
    async fn ending(&mut self, violated: bool, spent: bool) -> Outcome {
        if let Some(reason) = self.no_baseline.take() {
            Outcome::Inconclusive { explored: 0, runs: Vec::new(), reason }
        } else if violated {
            Outcome::Violation
        } else if spent {
            if self.summary.counterexamples.is_empty() {
                let known = known(self.scenario, self.settings.windows, &self.knowledge, &self.tried, &self.summary.runs, &self.broken);
                let remaining = ask(&self.strategy, known, |s, known| s.remaining(known)).await.ok().flatten();
                Outcome::BudgetSpent { explored: self.tried.len() + self.broken.len(), remaining }
            } else {
                Outcome::Violation
            }
        } else {
            nothing_left(self.scenario, self.settings, &self.strategy, &self.knowledge, &self.tried, &self.broken, &self.summary)
        }
    }

    /// Takes in the earliest run started: its record, a plan to inject
    /// again, a counterexample, or what its lineage taught.
    fn take_in(&mut self, finished: runs::Finished, listener: &mut dyn Listener) -> Result<(), RunError> {
        let (pick, run_id) = self.flying.pop_front().expect("a run in flight");
        // Something new is known: the strategy may have more to say.
        self.exhausted = false;
        let outcome = match finished.outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                self.failure.get_or_insert(e);
                return Ok(());
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
            missed: lines.as_ref().map(|lines| missed_in_flight(lines)).unwrap_or_default(),
        };
        let summary = &mut self.summary;
        summary.runs.push(record);
        summary.wall_ms = self.wall_before + self.started.elapsed().as_millis() as u64;

        let unsettled_before = summary.runs.iter().filter(|r| r.hypothesis == hypothesis && r.verdict == Verdict::Unknown).count() > 1;
        let previous = retry.map(|left| (hypothesis.clone(), plan.clone(), left));
        self.again.extend(next_try(previous, &hypothesis, &plan, outcome.verdict.verdict, unsettled_before, self.settings.tries));
        let fault_free = hypothesis.is_empty();
        if fault_free {
            self.no_baseline = baseline::missing(&outcome.verdict, &run_id);
        }
        if fault_free && self.no_baseline.is_some() {
            // Nothing to learn from, and nothing to count as broken.
        } else if outcome.verdict.verdict == Verdict::Fail {
            // Journaled with its run, below: a counterexample found is never lost.
            let number = run_id[1..].parse::<u32>().expect("runs are named r<N>");
            summary.counterexamples.push(Counterexample::from_run(&outcome, &plan, number));
            if !hypothesis.is_empty() {
                self.broken.push(hypothesis);
            }
        } else {
            if !hypothesis.is_empty() {
                self.tried.push(hypothesis);
            }
            let lines = lines?;
            if fault_free {
                summary.lineage_sources = lineage::sources(&lines, &instances(self.scenario));
            }
            let before = self.knowledge.absorb(&lines, &plan).map_err(|message| RunError::History { dir: outcome.dir.clone(), message })?;
            if let Some(last) = summary.runs.last_mut() {
                last.learned = Some(Learned::since(before, &self.knowledge.model));
            }
        }
        summary.hypotheses_tried = self.tried.len() + self.broken.len();
        let record = summary.runs.last().expect("just pushed");
        tell(listener, CampaignEvent::RunFinished { record, summary }, self.settings)
    }
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
        let strategy::Uninjected { alike, landed } = strategy.lock().expect("strategy").judged_alike(&known);
        if landed > 0 {
            statement.push_str(&format!(
                "; {} naming a role of the broker an injected fault landed on at that step (the same plan on the cluster), counted as injected",
                crate::report::words::counted_as(landed, "hypothesis", "hypotheses")
            ));
        }
        if alike > 0 {
            statement.push_str(&format!(
                "; {} at other steps, partitions or instances judged by their lineage alike to one that survived, not injected",
                crate::report::words::counted_as(alike, "hypothesis", "hypotheses")
            ));
        }
        if let Some(spared) = coverage::brokers_spared(scenario, &injected).words() {
            statement.push_str(&spared);
        }
        statement.push_str(&timing(scenario));
        statement.push_str(&missed_words(&summary.runs));
        Outcome::Certified { statement }
    }
}

/// When the faults of a certificate landed, said in it: a step's faults
/// are applied as it begins, before its batch is written, so a crash
/// there finds a fast pipeline between batches (a commit-first copy that
/// writes at once was certified so, and `--tries` repeats the same
/// timing); a crash in flight lands inside a batch's processing instead.
pub(crate) fn timing(scenario: &Scenario) -> String {
    let b = &scenario.budget;
    let in_flight = b.max_crashes > 0 && b.kinds.iter().any(|k| k.realizes() == crate::scenario::Realizes::Down && k.instances_only());
    if in_flight {
        format!(
            "; an instance's crash lands in the middle of its batch (at the first commit or write of its that Kafka shows, \
             its links held {} from its step's start), every other fault as its first step begins",
            b.delay
        )
    } else {
        "; faults start as their first step begins, before its batch is written: a window inside one batch's processing \
         is not covered (crash-in-flight in faults.kinds covers it)"
            .to_string()
    }
}

/// The crashes in flight of a run's trace that landed with no work of
/// their instance seen.
fn missed_in_flight(lines: &[trace::TraceLine]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| match &l.event {
            trace::Event::Landed { fault, sign: None, .. } => Some(fault.to_string()),
            _ => None,
        })
        .collect()
}

/// What a certificate owes to crashes in flight that found their instance
/// idle: "; 1 crash in flight saw no work of its instance and landed
/// between batches (r1) ...". Runs that broke a property are no part of a
/// certificate.
fn missed_words(runs: &[RunRecord]) -> String {
    let missed: Vec<&RunRecord> = runs.iter().filter(|r| !r.missed.is_empty() && r.verdict == Verdict::Pass).collect();
    if missed.is_empty() {
        return String::new();
    }
    let count: usize = missed.iter().map(|r| r.missed.len()).sum();
    let names: Vec<&str> = missed.iter().map(|r| r.run.as_str()).collect();
    let (crashes, its) = if count == 1 { ("1 crash".to_string(), "its") } else { (format!("{count} crashes"), "their") };
    format!(
        "; {crashes} in flight saw no work of {its} instance and landed between batches ({}): no gap inside a batch was aimed at there",
        names.join(", ")
    )
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
pub(super) fn known(
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
        let run = |id: &str, hypothesis: Hypothesis, verdict: Verdict| RunRecord::bare(id, hypothesis, verdict);
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
    fn a_crash_in_flight_that_found_its_instance_idle_is_owed_in_the_certificate() {
        let fault = crate::model::Fault::CrashInFlight { node: "pipeline-1".parse().unwrap(), delay: "500ms".parse().unwrap() };
        let line = |sign: Option<&str>| trace::TraceLine {
            time_ms: 0,
            source: "harness".into(),
            step: Some(3),
            event: trace::Event::Landed { fault: fault.clone(), sign: sign.map(String::from), after_ms: 9000 },
        };
        assert_eq!(missed_in_flight(&[line(Some("its group's committed offset of in/0 moved (1 -> 5)"))]), Vec::<String>::new());
        assert_eq!(missed_in_flight(&[line(None)]), vec!["crash pipeline-1 in flight".to_string()]);
        let run = |id: &str, missed: usize, verdict: Verdict| RunRecord {
            missed: vec!["crash pipeline-1 in flight".to_string(); missed],
            ..RunRecord::bare(id, Hypothesis::new(), verdict)
        };
        assert_eq!(missed_words(&[run("r1", 0, Verdict::Pass)]), "");
        let one = missed_words(&[run("r1", 1, Verdict::Pass), run("r2", 0, Verdict::Pass), run("r3", 1, Verdict::Fail)]);
        assert_eq!(one, "; 1 crash in flight saw no work of its instance and landed between batches (r1): no gap inside a batch was aimed at there");
        let two = missed_words(&[run("r1", 1, Verdict::Pass), run("r4", 1, Verdict::Pass)]);
        assert!(two.starts_with("; 2 crashes in flight saw no work of their instance") && two.contains("(r1, r4)"), "{two}");
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

