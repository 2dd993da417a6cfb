//! `ldfi campaign SCENARIO`: the main job. Starts (or reuses) a cluster,
//! runs the LDFI loop (or a baseline strategy), prints one line per run and
//! ends with the verdict and the report's path. `--resume` continues a
//! campaign from its journal (reports/<campaign>/summary.json), which is
//! checked before any of it touches the file system. The journal names the
//! cluster before it starts ([`super::campaign_cluster`]), so that a
//! campaign killed at any moment leaves nothing one command cannot find.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser};
use ldfi::campaign::{self, resume, CampaignSettings, CampaignSummary, Journal, Listeners, MinimizeSettings, Outcome, Reports, Restored};
use ldfi::search::{self, Windows};
use ldfi::cluster::ClusterError;
use ldfi::engine::placement::Needed;
use ldfi::engine::Endpoint;
use ldfi::run::{Binaries, RunError};
use ldfi::scenario::{Scenario, StrategyName};

use super::terminal::{say, Mode, Terminal};
use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, EXIT_OK, EXIT_VIOLATION};

/// `--strategy`'s parser: the names of the registered strategies.
pub fn strategy_names() -> PossibleValuesParser {
    PossibleValuesParser::new(search::strategy::REGISTRY.iter().map(|e| PossibleValue::new(e.name).help(e.about)))
}

/// The strategy a scenario names, if ldfi has it; else the problem, as a
/// scenario's problems are told (file, field, why, fix).
fn registered(scenario: &Scenario, path: &Path) -> Result<StrategyName, String> {
    match search::strategy::entry(&scenario.strategy.name) {
        Ok(_) => Ok(scenario.strategy.name.clone()),
        Err(e) => Err(format!("{}: strategy.name: {e}\n  fix: {}", path.display(), e.fix())),
    }
}

/// Options of `ldfi campaign`.
#[derive(Debug, clap::Args)]
pub struct CampaignArgs {
    pub scenario: PathBuf,
    /// Search strategy (default: the scenario's).
    #[arg(long, value_parser = strategy_names())]
    pub strategy: Option<String>,
    /// Run budget, counting the fault-free run (default: the scenario's).
    #[arg(long)]
    pub max_runs: Option<u32>,
    /// Keep looking for distinct causes after the first violation.
    #[arg(long)]
    pub all: bool,
    /// Reuse a running cluster (`ldfi cluster up --name NAME`).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Run N fault plans side by side, each on a cluster of its own (the
    /// campaign starts them; with --cluster, that one is the first).
    /// Default `auto`: a cluster per core as far as free memory goes (two
    /// on a 2-core machine); with --cluster, 1. The campaign's answer is
    /// the same for any N.
    #[arg(long, value_name = "N|auto", value_parser = super::parallel::parse)]
    pub parallel: Option<super::parallel::Parallel>,
    /// A resumed campaign keeps the engines its journal names unless given.
    #[command(flatten)]
    pub engines: super::engines::EnginesArgs,
    /// Stop cleanly after this many seconds, with an honest verdict.
    #[arg(long)]
    pub max_wall_time: Option<u64>,
    /// Where runs record their traces (`<traces>/<campaign>/<run>`); a
    /// resumed campaign's runs must be there.
    #[arg(long, default_value = "traces")]
    pub traces: PathBuf,
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
    /// Continue an interrupted campaign: its report directory
    /// (reports/<campaign>) or its name. Finished runs are kept; a run that
    /// was cut short is redone.
    #[arg(long, value_name = "REPORT_DIR")]
    pub resume: Option<String>,
    /// Inject each fault plan up to N times before it counts as survived
    /// (for bugs that timing makes break a plan only some of the time).
    /// Default: the scenario's `[strategy] tries`, else 1.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub tries: Option<u32>,
    /// Do not minimize counterexamples (by default each one is shrunk on
    /// the live cluster, in at most --minimize-runs runs).
    #[arg(long)]
    pub no_minimize: bool,
    /// Runs a minimization may use, its reproduction runs included.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub minimize_runs: u32,
    /// Write a JUnit XML file: one test case per property.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Only the final verdict line.
    #[arg(long)]
    pub quiet: bool,
    /// Only the final summary, as JSON on stdout.
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
}

/// The journal to resume: a report directory, or a campaign's name under
/// `--reports`.
fn journal_dir(value: &str, reports: &Path) -> PathBuf {
    let direct = PathBuf::from(value);
    if direct.join("summary.json").is_file() {
        return direct;
    }
    let named = reports.join(value);
    if named.join("summary.json").is_file() {
        return named;
    }
    direct
}

/// Exit code of a campaign's outcome.
fn exit_of(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Violation => EXIT_VIOLATION,
        Outcome::Certified { .. } => EXIT_OK,
        Outcome::BudgetSpent { .. } | Outcome::Inconclusive { .. } | Outcome::InProgress => EXIT_NOT_CERTIFIED,
    }
}

/// Everything decided before a cluster is touched.
struct Plan {
    scenario: Scenario,
    settings: CampaignSettings,
    restored: Option<Restored>,
    /// Run directories set aside (runs cut short), to clean on the cluster.
    stale: Vec<String>,
}

/// Loads and validates everything; `Err` holds the exit code (bad input,
/// or the result of a resumed campaign that had already ended).
async fn prepare(args: &CampaignArgs, term: &Terminal) -> Result<Plan, u8> {
    let scenario = Scenario::load(&args.scenario).map_err(|e| fail(EXIT_BAD_INPUT, e))?;
    let max_runs = args.max_runs.unwrap_or(scenario.strategy.max_runs).max(1);
    let tries = args.tries.unwrap_or(scenario.strategy.tries);
    let minimize = (!args.no_minimize).then(|| MinimizeSettings { max_runs: args.minimize_runs, ..MinimizeSettings::default() });
    let max_wall = args.max_wall_time.map(Duration::from_secs);
    let Some(value) = &args.resume else {
        let strategy = match &args.strategy {
            Some(name) => StrategyName::from(name.as_str()),
            None => registered(&scenario, &args.scenario).map_err(|e| fail(EXIT_BAD_INPUT, e))?,
        };
        let name = format!("{}-{}-{}", scenario.name, strategy, ldfi::trace::now_ms() / 1000).to_lowercase();
        let settings = CampaignSettings {
            strategy,
            max_runs,
            all: args.all,
            traces_root: args.traces.clone(),
            reports_root: args.reports.clone(),
            name,
            windows: Windows::default(),
            max_wall,
            minimize,
            tries,
        };
        return Ok(Plan { scenario, settings, restored: None, stale: Vec::new() });
    };

    let dir = journal_dir(value, &args.reports);
    let summary = resume::read_journal(&dir).map_err(|e| fail(EXIT_BAD_INPUT, e))?;
    // The report directory the user named, resolved: the resumed campaign
    // writes there, and nowhere the journal alone would point.
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    resume::check_journal(&summary, &dir, &args.traces).map_err(|e| fail(EXIT_BAD_INPUT, e))?;
    if summary.scenario != scenario.name {
        let e = resume::ResumeError::OtherScenario {
            journal: summary.scenario.clone(),
            given: scenario.name.clone(),
            path: summary.scenario_path.display().to_string(),
        };
        return Err(fail(EXIT_BAD_INPUT, e));
    }
    if let Some(s) = args.strategy.as_deref().map(StrategyName::from) {
        if s != summary.strategy {
            return Err(fail(EXIT_BAD_INPUT, format!("campaign {} runs strategy {:?}; a resumed campaign keeps it (drop --strategy)", summary.campaign, summary.strategy)));
        }
    }
    let reports_root = dir.parent().map(Path::to_path_buf).unwrap_or_default();
    let settings = CampaignSettings {
        strategy: summary.strategy.clone(),
        max_runs,
        all: args.all,
        traces_root: args.traces.clone(),
        reports_root,
        name: summary.campaign.clone(),
        windows: Windows::default(),
        max_wall,
        minimize,
        tries,
    };
    let restored = resume::restore(summary).map_err(|e| fail(EXIT_BAD_INPUT, e))?;
    let extended = restored.ended() && restored.extends_to(settings.max_runs);
    if restored.ended() && !extended {
        // Nothing to continue: say how it ended, with the same exit code.
        super::campaign_cluster::sweep_ended(term, &restored.summary).await;
        return Err(ended(&restored.summary, &settings, &scenario, args, term));
    }
    if let Some(why) = super::campaign_cluster::still_running(&restored.summary).await {
        let message = format!("campaign {} is still running: {why}\n  fix: let it end, or stop it; then resume it", settings.name);
        return Err(fail(EXIT_BAD_INPUT, message));
    }
    let campaign_dir = settings.traces_root.join(&settings.name);
    let aside = resume::unaccounted(&restored.summary, &campaign_dir);
    let stale = resume::set_aside(&campaign_dir, &aside).map_err(|e| fail(EXIT_INFRA, e))?;
    term.line(&format!(
        "{} campaign {} after {} finished runs{}",
        if extended { format!("budget raised to {} runs: continuing", settings.max_runs) } else { "resuming".to_string() },
        settings.name,
        restored.summary.runs.len(),
        if stale.is_empty() { String::new() } else { format!("; redoing what was cut short ({}, traces kept as *.interrupted-*)", stale.join(", ")) }
    ));
    Ok(Plan { scenario, settings, restored: Some(restored), stale })
}

/// A resumed campaign that had already ended.
fn ended(summary: &CampaignSummary, settings: &CampaignSettings, scenario: &Scenario, args: &CampaignArgs, term: &Terminal) -> u8 {
    let more = match summary.outcome {
        Outcome::BudgetSpent { .. } => format!(" (its budget was spent after {} runs: give --max-runs above that to go on)", summary.runs.len()),
        _ => String::new(),
    };
    term.line(&format!("campaign {} already ended; nothing to resume{more}", summary.campaign));
    report(summary, settings, scenario, args)
}

/// The final output and exit code.
fn report(summary: &CampaignSummary, settings: &CampaignSettings, scenario: &Scenario, args: &CampaignArgs) -> u8 {
    let dir = campaign::report_dir(settings);
    if let Some(path) = &args.junit {
        if let Err(e) = write_junit(summary, scenario, &dir, path) {
            return fail(EXIT_INFRA, format!("{}: cannot write JUnit XML: {e}", path.display()));
        }
    }
    match Mode::from_flags(args.quiet, args.json) {
        Mode::Json => say(&serde_json::to_string_pretty(summary).expect("summary serializes")),
        Mode::Quiet => say(&summary.headline()),
        Mode::Normal => {
            say(&summary.headline());
            for c in &summary.counterexamples {
                if let Some(m) = &c.minimal {
                    say(&format!("minimal fault plan of {}: {} (reproduced {} of {} times)", c.run, m.plan, m.reproduced, m.of));
                }
            }
            if !summary.counterexamples.is_empty() {
                say(&format!("replay: ldfi replay {}", dir.display()));
            }
            say(&format!("report: {} (and report.md, junit.xml beside it)", dir.join("report.html").display()));
        }
    }
    exit_of(&summary.outcome)
}

pub async fn run(args: CampaignArgs) -> u8 {
    let mode = Mode::from_flags(args.quiet, args.json);
    let plan = match prepare(&args, &Terminal::new(mode, 0, 0)).await {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let Plan { scenario, settings, restored, stale } = plan;
    // The engines: those given, else a resumed campaign's own, else the
    // default one; each checked before anything starts.
    let journaled = restored.as_ref().and_then(|r| r.summary.cluster.as_ref()).map(|c| c.engines.clone()).unwrap_or_default();
    let engines = match args.engines.given() {
        Ok(Some(given)) => given,
        Ok(None) if !journaled.is_empty() => journaled,
        Ok(None) => vec![Endpoint::Default],
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let parallel = super::parallel::resolve(args.parallel, args.cluster.is_some());
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    if let Err((code, message)) = super::engines::check(&needs(&scenario, &engines, args.cluster.is_some(), parallel)).await {
        return fail(code, message);
    }
    let resumed = restored.is_some();
    let mut restored = restored.unwrap_or_else(|| Restored::fresh(CampaignSummary::new(&scenario, &settings.name, settings.strategy.clone())));
    let term = Terminal::new(mode, u64::from(settings.max_runs), restored.summary.runs.len() as u64);
    // The journal names the cluster before it starts: whenever this process
    // is killed, `--resume` or `ldfi clean --campaign` finds what it left.
    let target = match super::campaign_cluster::choose(&term, args.cluster.as_deref(), &restored.summary, &engines).await {
        Ok(target) => target,
        Err((code, message)) => return fail(code, message),
    };
    restored.summary.cluster = Some(target.clone());
    let report_dir = campaign::report_dir(&settings);
    if let Err(e) = restored.summary.write(&report_dir) {
        return fail(EXIT_INFRA, format!("{}: cannot write the journal: {e}", report_dir.display()));
    }
    // The campaign's listeners: the journal first (nothing is shown that is
    // not kept), the reports when it ends (or, however this function is
    // left, from the journal: see `campaign::subscribers`), the terminal.
    let (mut journal, mut reports, mut shown) = (Journal::new(&report_dir), Reports::new(&report_dir), &term);
    let work = async {
        let clusters = super::campaign_cluster::open(&term, &target, &scenario, &settings.name, &stale, parallel, &engines).await?;
        let cluster = &clusters[0];
        if clusters.len() > 1 {
            term.line(&format!("{} clusters: up to {} fault plans side by side", clusters.len(), clusters.len()));
        }
        // The summary records the images of the cluster the runs use (an
        // attached one may differ from the scenario's), so that a replay
        // runs the same.
        let ran = campaign::replay::Ran::of(cluster.spec(), &scenario);
        if resumed {
            restored.summary.ran.get_or_insert(ran);
        } else {
            restored.summary.ran = Some(ran);
        }
        let mut listeners = Listeners(vec![&mut journal, &mut reports, &mut shown]);
        let result = campaign::resume(&clusters, &binaries, &scenario, &settings, restored, &mut listeners).await;
        let own = if target.started { &clusters[..] } else { &clusters[1..] };
        futures_util::future::join_all(own.iter().map(|c| c.down())).await;
        result
    };
    // An interrupt drops `work`, which takes its clusters down (their drop
    // removes them).
    let finished = tokio::select! {
        result = work => Some(result),
        _ = super::terminal::interrupted() => None,
    };
    term.finish();
    // What the engine made late for this campaign's dead process is not
    // this one's to leave behind either, however the campaign ended; an
    // interrupt stops the sweep (`ldfi clean --campaign` then).
    if resumed {
        tokio::select! {
            _ = super::campaign_cluster::sweep_late(&term, &target, &settings.name) => {}
            _ = super::terminal::interrupted() => {}
        }
    }
    let result = match finished {
        Some(result) => result,
        None => {
            // A campaign that had already ended still shows its verdict:
            // the journal holds it.
            let dir = campaign::report_dir(&settings);
            if let Ok(ended) = campaign::read_summary(&dir) {
                if ended.outcome != Outcome::InProgress {
                    note!("ldfi: interrupted after the campaign ended: {}; report: {}", ended.headline(), dir.join("report.html").display());
                    return EXIT_INTERRUPTED;
                }
            }
            note!(
                "ldfi: interrupted; finished runs are journaled in {}; continue with: ldfi campaign {} --resume {}",
                dir.display(),
                args.scenario.display(),
                dir.display()
            );
            return EXIT_INTERRUPTED;
        }
    };
    match result {
        Ok(summary) => report(&summary, &settings, &scenario, &args),
        Err(e @ (RunError::BadPlan(_) | RunError::Cluster(ClusterError::InUse { .. }))) => fail(EXIT_BAD_INPUT, e),
        Err(e) => {
            let code = fail(EXIT_INFRA, e);
            note!(
                "ldfi: finished runs are journaled in {}; continue with: ldfi campaign {} --resume {}",
                campaign::report_dir(&settings).display(),
                args.scenario.display(),
                campaign::report_dir(&settings).display()
            );
            code
        }
    }
}

/// What each engine must hold: the pipeline's images wherever a cluster
/// runs; the brokers' and client nodes' images where the campaign starts
/// one (a borrowed first cluster has its own).
fn needs(scenario: &Scenario, engines: &[Endpoint], borrowed: bool, parallel: u32) -> Vec<(Vec<Endpoint>, Vec<Needed>)> {
    let placed = super::engines::placed(engines, parallel as usize);
    let started = placed[usize::from(borrowed)..].to_vec();
    vec![(placed, super::engines::pipeline_needs(scenario)), (started, super::engines::scenario_needs(scenario))]
}

/// JUnit XML for CI (`--junit PATH`): the report module's junit.xml, one
/// test case per property of the scenario, the broken ones failing with the
/// counterexample; also written to the report directory when the campaign
/// ends.
pub fn write_junit(summary: &CampaignSummary, scenario: &Scenario, report_dir: &Path, path: &Path) -> std::io::Result<()> {
    let evidence = ldfi::report::Evidence {
        properties: scenario.properties.iter().map(|p| p.name().to_string()).collect(),
        ..Default::default()
    };
    let xml = ldfi::report::junit::render(summary, &evidence, &report_dir.display().to_string()).map_err(std::io::Error::other)?;
    ldfi::trace::write_atomic(path, xml.as_bytes())
}
