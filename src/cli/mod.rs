//! Subcommands of the `ldfi` binary.

/// `println!` for every command: see [`terminal::say`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::terminal::say(&format!($($arg)*)) };
}

/// `eprintln!` for every command: see [`terminal::note`].
macro_rules! note {
    ($($arg:tt)*) => { $crate::cli::terminal::note(&format!($($arg)*)) };
}

mod bench;
mod campaign;
mod campaign_cluster;
mod clean;
mod cluster;
mod engines;
mod lineage;
mod parallel;
mod report;
mod replay;
mod run;
mod solve;
mod terminal;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit code: nothing wrong found (for a campaign: certified).
pub const EXIT_OK: u8 = 0;
/// Exit code: a violation was found (or reproduced, for `ldfi replay`).
pub const EXIT_VIOLATION: u8 = 1;
/// Exit code: bad input.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: infrastructure failure.
pub const EXIT_INFRA: u8 = 3;
/// Exit code of a campaign that ended without a verdict on the pipeline
/// (inconclusive, or its budget spent before a certificate), and of a run
/// without a verdict. Not 0, so that a CI job never passes on what was not
/// earned.
pub const EXIT_NOT_CERTIFIED: u8 = 4;
/// Exit code: interrupted by Ctrl-C (after cleanup).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Lineage-driven fault injection for stream-processing pipelines on Kafka.
#[derive(Debug, Parser)]
#[command(name = "ldfi", version, about)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start, inspect and stop a cluster by hand.
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// The main job: search for a fault set that breaks the pipeline, or
    /// certify it within the scenario's fault budget.
    Campaign(campaign::CampaignArgs),
    /// Strategies side by side: runs to the first violation or to a
    /// certificate, per scenario, with the ratios to ldfi.
    Bench(bench::BenchArgs),
    /// Check a scenario file without running anything.
    Validate { scenario: PathBuf },
    /// One run of a scenario, without faults or with a fault plan (JSON).
    Run {
        scenario: PathBuf,
        /// A fault plan file (JSON), as the solver produces them.
        #[arg(long)]
        faults: Option<PathBuf>,
        /// Reuse a running cluster (`ldfi cluster up --name NAME`) instead of
        /// starting one.
        #[arg(long)]
        cluster: Option<String>,
        /// Where traces go.
        #[arg(long, default_value = "traces")]
        traces: PathBuf,
    },
    /// Judge a run again from its traces alone.
    Check { run_dir: PathBuf },
    /// The lineage of a run's good outcomes, from its traces alone.
    Lineage {
        run_dir: PathBuf,
        /// Print this outcome's lineage (e.g. r:in-12) as Graphviz DOT.
        #[arg(long)]
        dot: Option<String>,
    },
    /// The next hypotheses from saved traces, without a cluster.
    Solve {
        scenario: PathBuf,
        /// Run directories (traces/<campaign>/<run>), merged.
        #[arg(required_unless_present = "journal")]
        runs: Vec<PathBuf>,
        /// A campaign's report directory (reports/<campaign>): its runs
        /// taken in as the campaign took them, their hypotheses counted as
        /// injected, and what is left to try listed.
        #[arg(long, conflicts_with = "runs")]
        journal: Option<PathBuf>,
        /// The traces root the journal's runs are under.
        #[arg(long, default_value = "traces", requires = "journal")]
        traces: PathBuf,
        /// How many hypotheses to print.
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
    /// Rebuild a campaign's report (summary.json, report.md, report.html,
    /// junit.xml) from reports/<campaign> or from traces/<campaign> alone.
    Report {
        /// reports/<campaign> (with summary.json) or traces/<campaign>.
        dir: PathBuf,
        /// Where to write (default: DIR itself for a report,
        /// reports/<campaign> for traces).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The traces root the campaign ran with (default: the traces/
        /// beside reports/): a run directory summary.json names must be
        /// <traces>/<campaign>/<run>.
        #[arg(long)]
        traces: Option<PathBuf>,
    },
    /// Run a campaign's counterexample again, N times, and say how often
    /// the violation reproduces.
    Replay(replay::ReplayArgs),
    /// Remove the clusters ldfi left behind (containers, networks, and the
    /// firewall rules inside them); a cluster whose creating process still
    /// runs is left alone unless --all.
    Clean(clean::CleanArgs),
}

impl Args {
    /// Whether the command works offline on files only (no sockets): such a
    /// command may die quietly of SIGPIPE when its reader goes away
    /// (`ldfi solve ... | head`), as Unix tools do. `report` prints after
    /// its files are written.
    pub fn offline(&self) -> bool {
        matches!(
            self.command,
            Command::Validate { .. } | Command::Check { .. } | Command::Lineage { .. } | Command::Solve { .. } | Command::Report { .. }
        )
    }
}

/// Runs a command and returns its exit code.
pub async fn run(args: Args) -> u8 {
    match args.command {
        Command::Cluster(command) => cluster::run(command).await,
        Command::Clean(args) => clean::run(args).await,
        Command::Solve { scenario, runs, journal: None, limit, .. } => solve::run(&scenario, &runs, limit),
        Command::Solve { scenario, journal: Some(journal), traces, limit, .. } => solve::left(&scenario, &journal, &traces, limit),
        Command::Campaign(args) => campaign::run(args).await,
        Command::Bench(args) => bench::run(args).await,
        Command::Replay(args) => replay::run(args).await,
        Command::Validate { scenario } => run::validate(&scenario),
        Command::Run { scenario, faults, cluster, traces } => {
            run::run(&scenario, faults.as_deref(), cluster.as_deref(), &traces).await
        }
        Command::Check { run_dir } => run::check(&run_dir),
        Command::Lineage { run_dir, dot } => lineage::run(&run_dir, dot.as_deref()),
        Command::Report { dir, out, traces } => report::run(&dir, out.as_deref(), traces.as_deref()),
    }
}

/// Prints an error the way every command does, and returns `code`.
pub fn fail(code: u8, error: impl std::fmt::Display) -> u8 {
    note!("ldfi: error: {error}");
    code
}
