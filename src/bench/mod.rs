//! Strategies side by side: what `ldfi bench` measures and prints. Pure.
//!
//! The question a user asks of a fault-injection tool is "how many runs
//! (and how long) until it finds the bug, or until it can say there is
//! none?". Each campaign of the bench is reduced to a [`Trial`]; trials
//! of one scenario and strategy are summed up in a [`Row`] (median, min,
//! max of runs to the first violation, or to a certificate); rows become a
//! table and the ratios the product is judged by (random / ldfi on seeded
//! bugs, exhaustive / ldfi on correct pipelines), all from one run on one
//! machine, so that noise hits every strategy alike.

use serde::{Deserialize, Serialize};

use crate::campaign::{CampaignSummary, Outcome};
use crate::scenario::StrategyName;
use crate::trace::Phases;

/// Version of `bench.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// How one campaign of the bench ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Violation,
    Certified,
    /// Run budget or wall time spent: the runs are a lower bound.
    BudgetSpent,
}

/// One campaign of the bench.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub scenario: String,
    pub strategy: StrategyName,
    pub repeat: u32,
    pub seed: u64,
    pub ending: Ending,
    /// Runs, the fault-free run included.
    pub runs: u32,
    pub wall_ms: u64,
    /// The campaign's report directory.
    pub report: String,
    /// The first counterexample's plan, in words.
    pub cause: Option<String>,
    /// How many fault plans the scenario's budget allows (where `random`
    /// draws; `exhaustive` certifies only after every one); `None` past
    /// 10^18.
    #[serde(default)]
    pub plans: Option<u64>,
    /// Where a run's time went, the mean over the campaign's runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<Phases>,
    /// Runs side by side, a cluster each (`--parallel`).
    #[serde(default = "one")]
    pub parallel: u32,
}

fn one() -> u32 {
    1
}

impl Trial {
    /// The trial of a finished campaign.
    pub fn from_summary(summary: &CampaignSummary, repeat: u32, report: String) -> Trial {
        let ending = match summary.outcome {
            Outcome::Violation => Ending::Violation,
            Outcome::Certified { .. } => Ending::Certified,
            _ => Ending::BudgetSpent,
        };
        // Runs up to the first violation (a campaign with --all goes on).
        let runs = match summary.counterexamples.first() {
            Some(c) => summary.runs.iter().position(|r| r.run == c.run).map_or(summary.runs.len(), |i| i + 1),
            None => summary.runs.len(),
        };
        Trial {
            scenario: summary.scenario.clone(),
            strategy: summary.strategy.clone(),
            repeat,
            seed: summary.seed,
            ending,
            runs: runs as u32,
            wall_ms: summary.wall_ms,
            report,
            cause: summary.counterexamples.first().map(|c| c.plan.to_string()),
            plans: None,
            phases: Phases::mean(summary.runs.iter().filter_map(|r| r.phases.as_ref())),
            parallel: 1,
        }
    }
}

/// Median, min and max of some numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
        Some(Spread { median, min: sorted[0], max: sorted[n - 1] })
    }
}

/// The trials of one scenario, strategy and width, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub scenario: String,
    pub strategy: StrategyName,
    /// Runs side by side.
    #[serde(default = "one")]
    pub parallel: u32,
    pub trials: u32,
    pub violations: u32,
    pub certified: u32,
    pub budget_spent: u32,
    /// Runs to the first violation, over the trials that found one.
    pub runs_to_violation: Option<Spread>,
    /// Runs to the certificate, over the trials that certified.
    pub runs_to_certify: Option<Spread>,
    /// Runs of every trial, a budget-spent trial counting its runs (a lower
    /// bound of what it would have needed): the honest figure when some
    /// trials ran out.
    pub runs_all: Spread,
    pub wall_secs: Spread,
    /// Fault plans within the scenario's budget.
    #[serde(default)]
    pub plans: Option<u64>,
    /// Where a run's time went: the mean of the trials' means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<Phases>,
}

/// Rows of every (scenario, strategy, width), in first-seen order.
pub fn rows(trials: &[Trial]) -> Vec<Row> {
    let mut keys: Vec<(String, StrategyName, u32)> = Vec::new();
    for t in trials {
        let key = (t.scenario.clone(), t.strategy.clone(), t.parallel);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|(scenario, strategy, parallel)| {
            let mine: Vec<&Trial> =
                trials.iter().filter(|t| t.scenario == scenario && t.strategy == strategy && t.parallel == parallel).collect();
            let runs_of = |ending: Ending| -> Vec<f64> {
                mine.iter().filter(|t| t.ending == ending).map(|t| f64::from(t.runs)).collect()
            };
            let count = |ending: Ending| mine.iter().filter(|t| t.ending == ending).count() as u32;
            Row {
                trials: mine.len() as u32,
                violations: count(Ending::Violation),
                certified: count(Ending::Certified),
                budget_spent: count(Ending::BudgetSpent),
                runs_to_violation: Spread::of(&runs_of(Ending::Violation)),
                runs_to_certify: Spread::of(&runs_of(Ending::Certified)),
                runs_all: Spread::of(&mine.iter().map(|t| f64::from(t.runs)).collect::<Vec<_>>()).expect("a row has trials"),
                wall_secs: Spread::of(&mine.iter().map(|t| t.wall_ms as f64 / 1000.0).collect::<Vec<_>>())
                    .expect("a row has trials"),
                plans: mine.iter().find_map(|t| t.plans),
                phases: Phases::mean(mine.iter().filter_map(|t| t.phases.as_ref())),
                scenario,
                strategy,
                parallel,
            }
        })
        .collect()
}

/// A ratio of a baseline's runs to ldfi's, per scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub scenario: String,
    pub baseline: StrategyName,
    /// What is compared: "violation" or "certificate".
    pub goal: String,
    pub baseline_median: f64,
    pub ldfi_median: f64,
    pub ratio: f64,
    /// Some baseline trials ran out of budget: the ratio is a lower bound.
    pub lower_bound: bool,
}

/// Baseline / ldfi median runs per scenario and width: to the first
/// violation where ldfi found one, else to the certificate. Trials of the
/// baseline that ran out of budget count with the runs they spent (a lower
/// bound).
pub fn ratios(rows: &[Row]) -> Vec<Ratio> {
    let mut out = Vec::new();
    for ldfi in rows.iter().filter(|r| r.strategy == StrategyName::LDFI) {
        let (goal, ldfi_median) = match (&ldfi.runs_to_violation, &ldfi.runs_to_certify) {
            (Some(v), _) => ("violation", v.median),
            (None, Some(c)) => ("certificate", c.median),
            _ => continue,
        };
        for base in rows.iter().filter(|r| r.scenario == ldfi.scenario && r.parallel == ldfi.parallel && r.strategy != StrategyName::LDFI) {
            let reached = if goal == "violation" { base.violations } else { base.certified };
            // Runs of the trials that reached the goal, plus the spent runs
            // of those that did not (they would have needed more).
            let baseline_median = base.runs_all.median;
            out.push(Ratio {
                scenario: ldfi.scenario.clone(),
                baseline: base.strategy.clone(),
                goal: goal.to_string(),
                baseline_median,
                ldfi_median,
                ratio: baseline_median / ldfi_median,
                lower_bound: reached < base.trials,
            });
        }
    }
    out
}

/// What running side by side bought: a row of width N against the same
/// scenario and strategy one at a time, on the same machine in the same
/// bench.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedUp {
    pub scenario: String,
    pub strategy: StrategyName,
    pub parallel: u32,
    /// Median wall seconds one at a time, and side by side.
    pub wall_one: f64,
    pub wall_side_by_side: f64,
    /// `wall_one / wall_side_by_side`.
    pub speedup: f64,
    /// Median runs, one at a time and side by side: side by side may run
    /// more (a round's runs all count) for the same answer.
    pub runs_one: f64,
    pub runs_side_by_side: f64,
    /// Both widths ended the same way in every trial (as many violations,
    /// certificates and spent budgets).
    pub same_answer: bool,
}

/// Every row run side by side against its one-at-a-time row.
pub fn speedups(rows: &[Row]) -> Vec<SpeedUp> {
    let mut out = Vec::new();
    for wide in rows.iter().filter(|r| r.parallel > 1) {
        let Some(one) = rows.iter().find(|r| r.scenario == wide.scenario && r.strategy == wide.strategy && r.parallel == 1) else {
            continue;
        };
        out.push(SpeedUp {
            scenario: wide.scenario.clone(),
            strategy: wide.strategy.clone(),
            parallel: wide.parallel,
            wall_one: one.wall_secs.median,
            wall_side_by_side: wide.wall_secs.median,
            speedup: one.wall_secs.median / wide.wall_secs.median.max(f64::MIN_POSITIVE),
            runs_one: one.runs_all.median,
            runs_side_by_side: wide.runs_all.median,
            same_answer: (one.violations, one.certified, one.budget_spent) == (wide.violations, wide.certified, wide.budget_spent),
        });
    }
    out
}

/// A strategy's name with its width when it ran side by side:
/// `ldfi` or `ldfi x2`.
fn strategy_words(r: &Row) -> String {
    match r.parallel {
        1 => r.strategy.name().to_string(),
        n => format!("{} x{n}", r.strategy.name()),
    }
}

fn spread(s: &Option<Spread>) -> String {
    match s {
        Some(s) => format!("{} ({}..{})", s.median, s.min, s.max),
        None => "-".into(),
    }
}

/// The table a person reads.
pub fn table(rows: &[Row], ratios: &[Ratio], speedups: &[SpeedUp]) -> String {
    let mut out = String::from(
        "| scenario | plans in budget | strategy | trials | violation / certified / spent | runs to violation, median (min..max) | runs to certify | runs, all trials | wall s, median (min..max) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} / {} / {} | {} | {} | {} | {:.0} ({:.0}..{:.0}) |\n",
            r.scenario,
            r.plans.map_or("-".to_string(), |n| n.to_string()),
            strategy_words(r),
            r.trials,
            r.violations,
            r.certified,
            r.budget_spent,
            spread(&r.runs_to_violation),
            spread(&r.runs_to_certify),
            spread(&Some(r.runs_all)),
            r.wall_secs.median,
            r.wall_secs.min,
            r.wall_secs.max,
        ));
    }
    if rows.iter().any(|r| r.phases.is_some()) {
        out.push_str("\nWhere a run's time goes (mean seconds per run):\n\n| scenario | strategy | topics | start-up | steps | of which snapshots | drain | of which quiet | read | teardown |\n|---|---|---|---|---|---|---|---|---|---|\n");
        let s = |ms: u64| format!("{:.1}", ms as f64 / 1000.0);
        for r in rows {
            if let Some(p) = &r.phases {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    r.scenario,
                    strategy_words(r),
                    s(p.topics_ms),
                    s(p.startup_ms),
                    s(p.steps_ms),
                    s(p.snapshots_ms),
                    s(p.drain_ms),
                    s(p.quiet_ms),
                    s(p.read_ms),
                    s(p.teardown_ms)
                ));
            }
        }
    }
    if !ratios.is_empty() {
        out.push_str("\n| scenario | goal | baseline | baseline median runs | ldfi median runs | baseline / ldfi |\n|---|---|---|---|---|---|\n");
        for q in ratios {
            out.push_str(&format!(
                "| {} | {} | {} | {}{} | {} | {}{:.1} |\n",
                q.scenario,
                q.goal,
                q.baseline.name(),
                if q.lower_bound { ">= " } else { "" },
                q.baseline_median,
                q.ldfi_median,
                if q.lower_bound { ">= " } else { "" },
                q.ratio
            ));
        }
    }
    if !speedups.is_empty() {
        out.push_str("\n| scenario | strategy | side by side | wall s, one at a time | wall s, side by side | speed-up | runs, one / side by side | same answer |\n|---|---|---|---|---|---|---|---|\n");
        for u in speedups {
            out.push_str(&format!(
                "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {} / {} | {} |\n",
                u.scenario,
                u.strategy.name(),
                u.parallel,
                u.wall_one,
                u.wall_side_by_side,
                u.speedup,
                u.runs_one,
                u.runs_side_by_side,
                if u.same_answer { "yes" } else { "NO" }
            ));
        }
    }
    out
}

/// Everything a bench measured: `bench.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub schema_version: u32,
    pub trials: Vec<Trial>,
    pub rows: Vec<Row>,
    pub ratios: Vec<Ratio>,
    /// Rows run side by side against one at a time.
    #[serde(default)]
    pub speedups: Vec<SpeedUp>,
}

impl BenchReport {
    pub fn new(trials: Vec<Trial>) -> BenchReport {
        let rows = rows(&trials);
        let ratios = ratios(&rows);
        let speedups = speedups(&rows);
        BenchReport { schema_version: SCHEMA_VERSION, trials, rows, ratios, speedups }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(scenario: &str, strategy: StrategyName, ending: Ending, runs: u32) -> Trial {
        Trial {
            scenario: scenario.into(),
            strategy,
            repeat: 0,
            seed: 1,
            ending,
            runs,
            wall_ms: u64::from(runs) * 20_000,
            report: String::new(),
            cause: None,
            plans: Some(24),
            phases: None,
            parallel: 1,
        }
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(Spread::of(&[3.0, 1.0, 2.0]).unwrap(), Spread { median: 2.0, min: 1.0, max: 3.0 });
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 10.0]).unwrap().median, 3.0);
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn ratio_of_random_to_ldfi_counts_spent_trials_as_lower_bounds() {
        let trials = vec![
            trial("bug", StrategyName::LDFI, Ending::Violation, 3),
            trial("bug", StrategyName::LDFI, Ending::Violation, 4),
            trial("bug", StrategyName::LDFI, Ending::Violation, 2),
            trial("bug", StrategyName::from("random"), Ending::Violation, 30),
            trial("bug", StrategyName::from("random"), Ending::BudgetSpent, 40),
            trial("bug", StrategyName::from("random"), Ending::Violation, 12),
        ];
        let rows = rows(&trials);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].runs_to_violation.unwrap().median, 21.0);
        assert_eq!(rows[1].runs_all.median, 30.0);
        let ratios = ratios(&rows);
        assert_eq!(ratios.len(), 1);
        assert_eq!(ratios[0].goal, "violation");
        assert_eq!(ratios[0].ratio, 10.0);
        assert!(ratios[0].lower_bound);
        let text = table(&rows, &ratios, &[]);
        assert!(text.contains("| bug | violation | random | >= 30 | 3 | >= 10.0 |"), "{text}");
    }

    #[test]
    fn correct_scenarios_compare_certificates() {
        let trials = vec![
            trial("ok", StrategyName::LDFI, Ending::Certified, 4),
            trial("ok", StrategyName::from("exhaustive"), Ending::Certified, 43),
        ];
        let ratios = ratios(&rows(&trials));
        assert_eq!(ratios[0].goal, "certificate");
        assert!((ratios[0].ratio - 10.75).abs() < 1e-9);
        assert!(!ratios[0].lower_bound);
    }

    #[test]
    fn the_table_says_where_a_runs_time_goes_when_the_runs_recorded_it() {
        let phases = |startup_ms| Phases { startup_ms, steps_ms: 22_000, drain_ms: 4_000, read_ms: 2_500, teardown_ms: 3_000, ..Phases::default() };
        let mut a = trial("s", StrategyName::LDFI, Ending::Certified, 3);
        a.phases = Some(phases(9_000));
        let mut b = trial("s", StrategyName::LDFI, Ending::Certified, 5);
        b.phases = Some(phases(11_000));
        let bare = trial("s", StrategyName::from("random"), Ending::Certified, 4);
        let rows = rows(&[a, b, bare]);
        assert_eq!(rows[0].phases, Some(phases(10_000)));
        assert_eq!(rows[1].phases, None);
        let table = table(&rows, &[], &[]);
        assert!(table.contains("| s | ldfi | 0.0 | 10.0 | 22.0 | 0.0 | 4.0 | 0.0 | 2.5 | 3.0 |"), "{table}");
        assert!(!table.contains("| s | random | "), "{table}");
        assert!(!super::table(&super::rows(&[trial("s", StrategyName::LDFI, Ending::Certified, 3)]), &[], &[]).contains("time goes"));
    }

    #[test]
    fn the_table_says_how_many_plans_the_budget_allows() {
        let trials = vec![trial("ok", StrategyName::LDFI, Ending::Certified, 4)];
        let rows = rows(&trials);
        assert_eq!(rows[0].plans, Some(24));
        assert!(table(&rows, &[], &[]).contains("| ok | 24 | ldfi | 1 |"), "{}", table(&rows, &[], &[]));
    }

    #[test]
    fn side_by_side_rows_are_compared_with_one_at_a_time_on_wall_time_and_answer() {
        let wide = |runs: u32, wall_ms: u64, ending: Ending| Trial { parallel: 2, wall_ms, ..trial("ok", StrategyName::LDFI, ending, runs) };
        let trials = vec![
            trial("ok", StrategyName::LDFI, Ending::Certified, 8),
            trial("ok", StrategyName::from("exhaustive"), Ending::Certified, 40),
            wide(9, 90_000, Ending::Certified),
            Trial { parallel: 2, ..trial("ok", StrategyName::from("exhaustive"), Ending::BudgetSpent, 40) },
        ];
        let rows = rows(&trials);
        assert_eq!(rows.len(), 4, "a row per width");
        let ups = speedups(&rows);
        assert_eq!(ups.len(), 2);
        assert_eq!((ups[0].wall_one, ups[0].wall_side_by_side), (160.0, 90.0));
        assert!((ups[0].speedup - 160.0 / 90.0).abs() < 1e-9);
        assert_eq!((ups[0].runs_one, ups[0].runs_side_by_side), (8.0, 9.0));
        assert!(ups[0].same_answer);
        assert!(!ups[1].same_answer, "certified one at a time, spent side by side");
        // Ratios compare strategies of one width.
        let ratios = ratios(&rows);
        assert_eq!(ratios.len(), 2);
        assert_eq!((ratios[0].ldfi_median, ratios[0].baseline_median), (8.0, 40.0));
        assert_eq!((ratios[1].ldfi_median, ratios[1].baseline_median), (9.0, 40.0));
        let text = table(&rows, &ratios, &ups);
        assert!(text.contains("| ok | 24 | ldfi x2 | 1 |"), "{text}");
        assert!(text.contains("| ok | ldfi | 2 | 160 | 90 | 1.78 | 8 / 9 | yes |"), "{text}");
        assert!(text.contains("| ok | exhaustive | 2 | 800 | 800 | 1.00 | 40 / 40 | NO |"), "{text}");
        // An older bench.json, without widths, reads as one at a time.
        let old = r#"{"scenario":"s","strategy":"ldfi","repeat":0,"seed":1,"ending":"certified","runs":3,"wall_ms":1,"report":"","cause":null}"#;
        assert_eq!(serde_json::from_str::<Trial>(old).unwrap().parallel, 1);
    }
}
