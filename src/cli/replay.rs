//! `ldfi replay REPORT_DIR`: a campaign's counterexample, run again N times
//! on a fresh cluster (or a named one), and how often it reproduced. Exit 1
//! if it reproduced at least once, 0 if never: a pipeline under faults is
//! not deterministic, and "not reproduced" does not mean "fixed".

use std::path::{Path, PathBuf};

use ldfi::campaign::{replay, resume};
use ldfi::run::{Binaries, RunError};
use ldfi::scenario::Scenario;

use super::terminal::{say, Mode, Terminal};
use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_INTERRUPTED, EXIT_OK, EXIT_VIOLATION};

/// Options of `ldfi replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The campaign's report directory (reports/<campaign>, with summary.json).
    pub report_dir: PathBuf,
    /// How many times to run the plan.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub times: u32,
    /// Reuse a running cluster (`ldfi cluster up --name NAME`) instead of
    /// starting a fresh one.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Which counterexample, by its run (e.g. r3); default: the first.
    #[arg(long, value_name = "RUN")]
    pub counterexample: Option<String>,
    /// Replay the minimized plan instead of the original one.
    #[arg(long)]
    pub minimal: bool,
    /// The scenario file (default: the path the campaign recorded).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Where the replay's traces go (default: beside the campaign's).
    #[arg(long)]
    pub traces: Option<PathBuf>,
    /// Only the final line.
    #[arg(long)]
    pub quiet: bool,
    /// Only replay.json's content, on stdout.
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
}

pub async fn run(args: ReplayArgs) -> u8 {
    let mode = Mode::from_flags(args.quiet, args.json);
    let summary = match resume::read_journal(&args.report_dir) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let counterexample = match replay::pick(&summary, args.counterexample.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let plan = match replay::plan_of(counterexample, args.minimal) {
        Ok(p) => p,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let scenario_path = args.scenario.clone().unwrap_or_else(|| summary.scenario_path.clone());
    let scenario = match Scenario::load(&scenario_path) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, format!("{e}\n  (the scenario of campaign {}; pass --scenario FILE if it moved)", summary.campaign)),
    };
    if scenario.name != summary.scenario {
        return fail(EXIT_BAD_INPUT, format!("{} is scenario {:?}, but campaign {} ran {:?}", scenario_path.display(), scenario.name, summary.campaign, summary.scenario));
    }
    if let Err(e) = plan.validate(scenario.budget.eff) {
        return fail(EXIT_BAD_INPUT, format!("counterexample {}: {e}", counterexample.run));
    }
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let traces_root = args.traces.clone().unwrap_or_else(|| {
        counterexample.traces.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("traces"))
    });
    let term = Terminal::new(mode, u64::from(args.times), 0);
    term.line(&format!("replaying counterexample {} of {} {} time(s): {plan}", counterexample.run, summary.campaign, args.times));
    let print = |p| term.on(p);
    let work = async {
        let cluster = super::cluster::for_scenario(&term, args.cluster.as_deref(), &scenario, "replay").await?;
        if args.cluster.is_some() {
            super::cluster::heal_left_behind(&term, &cluster, &scenario, &summary.campaign, &[]).await?;
        }
        let setup = replay::ReplaySetup {
            cluster: &cluster,
            binaries: &binaries,
            scenario: &scenario,
            summary: &summary,
            counterexample,
            plan: plan.clone(),
            minimal: args.minimal,
            times: args.times,
            traces_root: &traces_root,
            report_dir: &args.report_dir,
        };
        let result = replay::replay(&setup, &print).await;
        if args.cluster.is_none() {
            let _ = cluster.down().await;
        }
        result
    };
    let result = tokio::select! {
        result = work => result,
        _ = super::terminal::interrupted() => {
            term.finish();
            eprintln!("ldfi: interrupted; the runs that finished are in {}", args.report_dir.join("replay.json").display());
            return EXIT_INTERRUPTED;
        }
    };
    term.finish();
    match result {
        Ok(report) => {
            match mode {
                Mode::Json => say(&serde_json::to_string_pretty(&report).expect("replay serializes")),
                Mode::Quiet => say(&report.headline()),
                Mode::Normal => {
                    say(&report.headline());
                    say(&format!("replay: {}", args.report_dir.join("replay.json").display()));
                }
            }
            if report.reproduced > 0 {
                EXIT_VIOLATION
            } else {
                EXIT_OK
            }
        }
        Err(e @ RunError::BadPlan(_)) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_INFRA, e),
    }
}
