//! `ldfi campaign SCENARIO`: the main job. Starts (or reuses) a cluster,
//! runs the LDFI loop (or a baseline strategy), prints one line per run and
//! ends with the verdict and the report's path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use ldfi::campaign::{self, CampaignSettings, Outcome, Progress, Windows};
use ldfi::cluster::Cluster;
use ldfi::run::{self, Binaries};
use ldfi::scenario::{Scenario, Strategy};

use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_INTERRUPTED, EXIT_OK};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StrategyArg {
    Ldfi,
    Random,
    Exhaustive,
}

impl From<StrategyArg> for Strategy {
    fn from(s: StrategyArg) -> Strategy {
        match s {
            StrategyArg::Ldfi => Strategy::Ldfi,
            StrategyArg::Random => Strategy::Random,
            StrategyArg::Exhaustive => Strategy::Exhaustive,
        }
    }
}

/// Options of `ldfi campaign`.
#[derive(Debug, clap::Args)]
pub struct CampaignArgs {
    pub scenario: PathBuf,
    /// Search strategy (default: the scenario's).
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Run budget, counting the fault-free run (default: the scenario's).
    #[arg(long)]
    pub max_runs: Option<u32>,
    /// Keep looking for distinct causes after the first violation.
    #[arg(long)]
    pub all: bool,
    /// Reuse a running cluster (`ldfi cluster up --name NAME`).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Stop cleanly after this many seconds, with an honest verdict.
    #[arg(long)]
    pub max_wall_time: Option<u64>,
    #[arg(long, default_value = "traces")]
    pub traces: PathBuf,
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
    /// Only the final verdict line.
    #[arg(long)]
    pub quiet: bool,
}

pub async fn run(args: CampaignArgs) -> u8 {
    let scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let strategy = args.strategy.map(Strategy::from).unwrap_or(scenario.strategy.name);
    let settings = CampaignSettings {
        strategy,
        max_runs: args.max_runs.unwrap_or(scenario.strategy.max_runs).max(1),
        all: args.all,
        traces_root: args.traces.clone(),
        reports_root: args.reports.clone(),
        name: format!("{}-{:?}-{}", scenario.name, strategy, ldfi::trace::now_ms() / 1000).to_lowercase(),
        windows: Windows::default(),
        max_wall: args.max_wall_time.map(Duration::from_secs),
        minimize: Some(campaign::MinimizeSettings::default()),
    };
    let quiet = args.quiet;
    let print = move |p: Progress| {
        if quiet {
            return;
        }
        match p {
            Progress::RunStarted { run, plan } => eprintln!("ldfi: {run}: {plan} ..."),
            Progress::RunFinished { record } => eprintln!(
                "ldfi: {}: {} in {:.1} s{}",
                record.run,
                record.verdict,
                record.wall_ms as f64 / 1000.0,
                if record.failed.is_empty() { String::new() } else { format!(" (broke {})", record.failed.join(", ")) }
            ),
            Progress::Solving { outcomes, derivations } => {
                eprintln!("ldfi: solving over {outcomes} good outcomes, {derivations} derivations")
            }
            _ => {}
        }
    };
    let work = async {
        let cluster = match &args.cluster {
            Some(name) => Cluster::attach(name).await?,
            None => {
                if !quiet {
                    eprintln!("ldfi: starting a {}-broker cluster", scenario.cluster.brokers);
                }
                Cluster::start(run::cluster_spec(&scenario, &format!("campaign-{}", std::process::id()))).await?
            }
        };
        let result = campaign::campaign(&cluster, &binaries, &scenario, &settings, &print).await;
        if args.cluster.is_none() {
            let _ = cluster.down().await;
        }
        result
    };
    let result = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("ldfi: interrupted; finished runs are in {}", campaign::report_dir(&settings).display());
            return EXIT_INTERRUPTED;
        }
    };
    match result {
        Ok(summary) => {
            println!("{}", summary.headline());
            println!("report: {}", Path::new(&campaign::report_dir(&settings)).join("report.md").display());
            match summary.outcome {
                Outcome::Violation => 1,
                _ => EXIT_OK,
            }
        }
        Err(e @ ldfi::run::RunError::BadPlan(_)) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_INFRA, e),
    }
}
