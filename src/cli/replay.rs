//! `ldfi replay REPORT_DIR`: a campaign's counterexample, run again N times
//! on a fresh cluster (or a named one), and how often it reproduced. Exit 1
//! if it reproduced at least once, 0 if runs had verdicts and none broke
//! it: a pipeline under faults is not deterministic, and "not reproduced"
//! does not mean "fixed". Exit 3 when the replay tested nothing (the
//! pipeline never started, or every run ended unknown), and 2 when it
//! cannot run what the campaign ran (an image missing, the program
//! changed).

use std::path::PathBuf;

use ldfi::campaign::replay::Conclusion;
use ldfi::campaign::{replay, resume};
use ldfi::cluster::{Cluster, ClusterError};
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
    /// Run the repetitions on N fresh clusters side by side. Default
    /// `auto`: a cluster per core as far as free memory goes (two on a
    /// 2-core machine), never more than the repetitions; with --cluster, 1.
    #[arg(long, value_name = "N|auto", value_parser = super::parallel::parse, conflicts_with = "cluster")]
    pub parallel: Option<super::parallel::Parallel>,
    /// With --cluster, the cluster is looked for on the first engine.
    #[command(flatten)]
    pub engines: super::engines::EnginesArgs,
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
    // Names from the journal become paths of the replay's runs.
    if let Err(e) = resume::check_names(&summary, &args.report_dir) {
        return fail(EXIT_BAD_INPUT, e);
    }
    let counterexample = match replay::pick(&summary, args.counterexample.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let plan = match replay::plan_of(counterexample, args.minimal) {
        Ok(p) => p,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let scenario_path = args.scenario.clone().unwrap_or_else(|| summary.scenario_path.clone());
    let mut scenario = match Scenario::load(&scenario_path) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, format!("{e}\n  (the scenario of campaign {}; pass --scenario FILE if it moved)", summary.campaign)),
    };
    if scenario.name != summary.scenario {
        return fail(EXIT_BAD_INPUT, format!("{} is scenario {:?}, but campaign {} ran {:?}", scenario_path.display(), scenario.name, summary.campaign, summary.scenario));
    }
    if let Err(e) = plan.validate(scenario.budget.eff) {
        return fail(EXIT_BAD_INPUT, format!("counterexample {}: {e}", counterexample.run));
    }
    let traces_root = match &args.traces {
        Some(traces) => traces.clone(),
        None => {
            let index = summary.counterexamples.iter().position(|c| std::ptr::eq(c, counterexample)).expect("picked from the summary");
            match resume::traces_root_of(&summary, index, &args.report_dir) {
                Ok(root) => root,
                Err(e) => return fail(EXIT_BAD_INPUT, e),
            }
        }
    };
    let engines = match args.engines.or_default() {
        Ok(engines) => engines,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let parallel = super::parallel::resolve(args.parallel, args.cluster.is_some()).min(args.times);
    let placed = super::engines::placed(&engines, parallel as usize);
    // Run what the campaign ran, whatever this shell's environment says.
    let images = match &summary.ran {
        Some(ran) => {
            let program = ldfi::campaign::program_words(&scenario);
            if program != ran.program {
                return fail(
                    EXIT_BAD_INPUT,
                    format!(
                        "summary.json ran.program = {:?}, but {} now runs {program:?}\n  fix: replay with the scenario file the campaign ran (--scenario FILE)",
                        ran.program,
                        scenario_path.display()
                    ),
                );
            }
            scenario.pipeline.image = ran.pipeline_image.clone();
            for (stage, image) in scenario.stages.iter_mut().zip(&ran.stage_images) {
                stage.image = image.clone();
            }
            if let Err((code, message)) = super::engines::check(&[(placed.clone(), replay::needed(ran))]).await {
                return fail(code, message);
            }
            Some((ran.broker_image.clone(), ran.client_image.clone()))
        }
        None => {
            note!(
                "ldfi: warning: {} does not record the images campaign {} ran (written before ldfi recorded them): \
                 replaying with this environment's (LDFI_KAFKA_IMAGE, LDFI_CLIENT_IMAGE, the scenario's)",
                args.report_dir.join("summary.json").display(),
                summary.campaign
            );
            let needed = if args.cluster.is_some() { super::engines::pipeline_needs(&scenario) } else { super::engines::scenario_needs(&scenario) };
            if let Err((code, message)) = super::engines::check(&[(placed.clone(), needed)]).await {
                return fail(code, message);
            }
            None
        }
    };
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let term = Terminal::new(mode, u64::from(args.times), 0);
    term.line(&format!("replaying counterexample {} of {} {} time(s): {plan}", counterexample.run, summary.campaign, args.times));
    let mut shown = &term;
    let work = async {
        let images = images.as_ref().map(|(broker, client)| (broker.as_str(), client.as_str()));
        // Started side by side; one that fails to start takes the others
        // down with it as their handles drop.
        let purposes: Vec<String> =
            (1..=parallel).map(|k| if k == 1 { "replay".to_string() } else { format!("replay{k}") }).collect();
        let clusters: Vec<Cluster> = futures_util::future::try_join_all(purposes.iter().zip(&placed).map(|(purpose, engine)| {
            super::cluster::for_scenario_with(&term, args.cluster.as_deref(), &scenario, images, purpose, engine)
        }))
        .await?;
        if args.cluster.is_some() {
            super::cluster::heal_left_behind(&term, &clusters[0], &scenario, &summary.campaign, &[]).await?;
        }
        let setup = replay::ReplaySetup {
            clusters: &clusters,
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
        let result = replay::replay(&setup, &mut shown).await;
        if args.cluster.is_none() {
            futures_util::future::join_all(clusters.iter().map(|c| c.down())).await;
        }
        result
    };
    let result = tokio::select! {
        result = work => result,
        _ = super::terminal::interrupted() => {
            term.finish();
            note!("ldfi: interrupted; the runs that finished are in {}", args.report_dir.join("replay.json").display());
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
            exit_of(report.conclusion())
        }
        Err(e @ (RunError::BadPlan(_) | RunError::Cluster(ClusterError::Spec(_)))) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_INFRA, e),
    }
}

/// The exit code of a replay: a violation seen again is 1, runs with
/// verdicts that never broke it 0, a replay that tested nothing 3.
fn exit_of(conclusion: Conclusion) -> u8 {
    match conclusion {
        Conclusion::Reproduced => EXIT_VIOLATION,
        Conclusion::NotReproduced => EXIT_OK,
        Conclusion::NeverStarted | Conclusion::NoVerdict => EXIT_INFRA,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_that_tested_nothing_exits_3_never_0() {
        assert_eq!(exit_of(Conclusion::Reproduced), 1);
        assert_eq!(exit_of(Conclusion::NotReproduced), 0);
        assert_eq!(exit_of(Conclusion::NeverStarted), 3);
        assert_eq!(exit_of(Conclusion::NoVerdict), 3);
    }
}
