//! `ldfi bench SCENARIO... --strategies ldfi,random,exhaustive --repeat N`:
//! the strategies side by side on one machine in one run. One cluster per
//! scenario (its broker settings may differ), shared by every campaign of
//! that scenario; repeats of the random strategy use seeds seed, seed+1, ...
//! Prints the table and writes `bench.json` and `bench.md` atomically after
//! every campaign, so an interrupted bench keeps what it measured.

use std::path::PathBuf;

use ldfi::bench::{self, BenchReport, Trial};
use ldfi::campaign::{self, CampaignEvent, CampaignSettings, Journal, Listener, Listeners, Reports};
use ldfi::search::{self, Windows};
use ldfi::cluster::Cluster;
use ldfi::run::{Binaries, RunError};
use ldfi::scenario::{Scenario, StrategyName};
use ldfi::trace::write_atomic;

use super::campaign::strategy_names;
use super::terminal::{Mode, Terminal};
use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_INTERRUPTED, EXIT_OK};

/// Options of `ldfi bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Strategies to compare, comma-separated (default: every one).
    #[arg(long, value_parser = strategy_names(), value_delimiter = ',')]
    pub strategies: Vec<String>,
    /// Campaigns per scenario and strategy.
    #[arg(long, default_value_t = 3)]
    pub repeat: u32,
    /// Run budget of each campaign (default: the scenario's). A campaign
    /// that spends it counts its runs as a lower bound.
    #[arg(long)]
    pub max_runs: Option<u32>,
    /// Reuse a running cluster for every scenario (they must agree on
    /// brokers and broker settings).
    #[arg(long, conflicts_with = "parallel")]
    pub cluster: Option<String>,
    /// Runs side by side, one cluster each, comma-separated to compare
    /// (`--parallel 1,2`: every campaign once with one cluster, then with
    /// two). The bench starts as many clusters as the largest asks.
    #[arg(long, value_delimiter = ',', default_value = "1", value_parser = clap::value_parser!(u32).range(1..=8))]
    pub parallel: Vec<u32>,
    #[command(flatten)]
    pub engines: super::engines::EnginesArgs,
    #[arg(long, default_value = "traces")]
    pub traces: PathBuf,
    /// Where bench.json, bench.md and the campaigns' reports go.
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
}

pub async fn run(args: BenchArgs) -> u8 {
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        match Scenario::load(path) {
            Ok(s) => scenarios.push(s),
            Err(e) => return fail(EXIT_BAD_INPUT, e),
        }
    }
    if args.repeat == 0 {
        return fail(EXIT_BAD_INPUT, "--repeat 0: nothing to measure\n  fix: --repeat 1 or more");
    }
    let engines = match args.engines.or_default() {
        Ok(engines) => engines,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let widest = args.parallel.iter().copied().max().unwrap_or(1);
    let placed = super::engines::placed(&engines, widest as usize);
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    // A borrowed cluster has its own brokers' and client nodes' images.
    let needs: Vec<_> = scenarios
        .iter()
        .map(|s| (placed.clone(), if args.cluster.is_some() { super::engines::pipeline_needs(s) } else { super::engines::scenario_needs(s) }))
        .collect();
    if let Err((code, message)) = super::engines::check(&needs).await {
        return fail(code, message);
    }
    let stamp = ldfi::trace::now_ms() / 1000;
    let out_dir = args.reports.join(format!("bench-{stamp}"));
    let strategies: Vec<StrategyName> = if args.strategies.is_empty() {
        search::strategy::names().map(StrategyName::from).collect()
    } else {
        args.strategies.iter().map(|s| StrategyName::from(s.as_str())).collect()
    };
    let term = Terminal::new(Mode::Normal, 0, 0);
    let work = async {
        let mut trials: Vec<Trial> = Vec::new();
        for scenario in &scenarios {
            let purposes: Vec<String> = (1..=widest).map(|k| if k == 1 { "bench".to_string() } else { format!("bench{k}") }).collect();
            let clusters: Vec<Cluster> = futures_util::future::try_join_all(
                purposes.iter().zip(&placed).map(|(purpose, engine)| super::cluster::for_scenario(&term, args.cluster.as_deref(), scenario, purpose, engine)),
            )
            .await?;
            let result = bench_scenario(&clusters, &binaries, scenario, &strategies, &args, stamp, &out_dir, &mut trials).await;
            if args.cluster.is_none() {
                futures_util::future::join_all(clusters.iter().map(|c| c.down())).await;
            }
            result?;
        }
        Ok::<_, RunError>(BenchReport::new(trials))
    };
    let report = tokio::select! {
        report = work => report,
        _ = super::terminal::interrupted() => {
            note!("ldfi bench: interrupted; what was measured is in {}", out_dir.display());
            return EXIT_INTERRUPTED;
        }
    };
    match report {
        Ok(report) => {
            say!("{}", bench::table(&report.rows, &report.ratios, &report.speedups));
            say!("bench: {}", out_dir.join("bench.json").display());
            EXIT_OK
        }
        Err(e @ RunError::BadPlan(_)) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_INFRA, e),
    }
}

#[allow(clippy::too_many_arguments)]
async fn bench_scenario(
    clusters: &[Cluster],
    binaries: &Binaries,
    scenario: &Scenario,
    strategies: &[StrategyName],
    args: &BenchArgs,
    stamp: u64,
    out_dir: &std::path::Path,
    trials: &mut Vec<Trial>,
) -> Result<(), RunError> {
    let plans = search::plans::count(&search::budget_space(scenario));
    note!("ldfi bench: {}: {plans} fault plans within the budget (where random draws; exhaustive certifies after all of them)", scenario.name);
    for &parallel in &args.parallel {
    for strategy in strategies {
        for repeat in 0..args.repeat {
            let mut scenario = scenario.clone();
            scenario.seed = scenario.seed.wrapping_add(u64::from(repeat));
            let settings = CampaignSettings {
                strategy: strategy.clone(),
                max_runs: args.max_runs.unwrap_or(scenario.strategy.max_runs).max(1),
                all: false,
                traces_root: args.traces.clone(),
                reports_root: args.reports.clone(),
                name: format!("bench-{stamp}-{}-{}-p{parallel}-{repeat}", scenario.name, strategy.name()),
                windows: Windows::default(),
                max_wall: None,
                // Minimizing would add runs to what the bench measures.
                minimize: None,
                tries: scenario.strategy.tries,
            };
            let label = format!("{} {} x{parallel} #{repeat}", scenario.name, strategy.name());
            let dir = campaign::report_dir(&settings);
            let (mut journal, mut reports, mut print) = (Journal::new(&dir), Reports::new(&dir), RunLines { label: &label });
            let mut listeners = Listeners(vec![&mut journal, &mut reports, &mut print]);
            let summary = campaign::campaign(&clusters[..parallel as usize], binaries, &scenario, &settings, &mut listeners).await?;
            let trial = Trial {
                plans: plans.exact(),
                parallel,
                ..Trial::from_summary(&summary, repeat, campaign::report_dir(&settings).display().to_string())
            };
            note!("ldfi bench: {label}: {:?} after {} runs ({:.0} s)", trial.ending, trial.runs, trial.wall_ms as f64 / 1000.0);
            trials.push(trial);
            save(out_dir, trials).map_err(|source| RunError::Io { path: out_dir.to_path_buf(), source })?;
        }
    }
    }
    Ok(())
}

/// A line on stderr per run of a bench campaign.
struct RunLines<'a> {
    label: &'a str,
}

impl Listener for RunLines<'_> {
    fn on(&mut self, event: &CampaignEvent<'_>) -> std::io::Result<()> {
        if let CampaignEvent::RunFinished { record, .. } = event {
            let label = self.label;
            note!("ldfi bench: {label}: {} {} {} in {:.1} s", record.run, record.plan, record.verdict, record.wall_ms as f64 / 1000.0);
        }
        Ok(())
    }
}

/// Writes bench.json and bench.md atomically.
fn save(dir: &std::path::Path, trials: &[Trial]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let report = BenchReport::new(trials.to_vec());
    let json = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
    write_atomic(&dir.join("bench.json"), json.as_bytes())?;
    write_atomic(&dir.join("bench.md"), bench::table(&report.rows, &report.ratios, &report.speedups).as_bytes())
}
