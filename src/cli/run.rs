//! `ldfi validate`, `ldfi run` and `ldfi check`: one scenario, one run, and
//! a run judged again offline from its traces.

use std::path::Path;

use ldfi::checker::{RunVerdict, Verdict};
use ldfi::engine::Endpoint;
use ldfi::model::FaultPlan;
use ldfi::report::words::counted;
use ldfi::run::{self, Binaries, RunError};
use ldfi::scenario::Scenario;

use super::terminal::{Mode, Terminal};
use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, EXIT_OK, EXIT_VIOLATION};

/// Exit code of a verdict: 1 for a violation, 4 for a run without one (a
/// script must not read "no verdict" as a pass).
pub fn exit_of(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Fail => EXIT_VIOLATION,
        Verdict::Unknown => EXIT_NOT_CERTIFIED,
        Verdict::Pass => EXIT_OK,
    }
}

fn load(path: &Path) -> Result<Scenario, u8> {
    Scenario::load(path).map_err(|e| fail(EXIT_BAD_INPUT, e))
}

pub fn validate(path: &Path) -> u8 {
    match load(path) {
        Ok(s) => {
            say!(
                "{}: valid scenario {} ({}, {}, {} pipeline, {})",
                path.display(),
                s.name,
                counted(usize::from(s.cluster.brokers), "broker"),
                counted(s.topics.len(), "topic"),
                s.chain().map(|p| format!("{} x{}", p.program, p.instances)).collect::<Vec<_>>().join(" → "),
                counted(s.budget.eot as usize, "step"),
            );
            let plans = ldfi::search::plans::count(&ldfi::search::budget_space(&s));
            say!("  budget: {}", ldfi::campaign::budget_words(&s));
            say!("  {plans} fault plans within it (what random draws from and exhaustive tries in turn)");
            EXIT_OK
        }
        Err(code) => code,
    }
}

/// Prints a run's verdict in a few lines.
pub fn print_verdict(dir: &Path, verdict: &RunVerdict) {
    say!("{}: {} ({} inputs, {} acked, {} outputs read)", dir.display(), verdict.verdict, verdict.inputs, verdict.acked, verdict.outputs);
    for why in &verdict.unproven {
        say!("  no verdict: {why}");
    }
    for r in &verdict.results {
        say!("  {:<14} {:<7} {}", r.property.name(), r.verdict.to_string(), r.summary);
        let lost: Vec<String> = r.lost.iter().take(10).map(|l| format!("{} (p{} @{})", l.id, l.partition.unwrap_or(-1), l.offset.unwrap_or(-1))).collect();
        if !lost.is_empty() {
            say!("      lost: {}{}", lost.join(", "), if r.lost.len() > 10 { ", ..." } else { "" });
        }
        let dups: Vec<String> = r.duplicated.iter().take(10).map(|d| format!("{} x{}", d.id, d.outputs.len())).collect();
        if !dups.is_empty() {
            say!("      duplicated: {}", dups.join(", "));
        }
        for line in ldfi::report::content::mismatch_lines(r).iter().take(10) {
            say!("      {line}");
        }
        for o in r.reordered.iter().take(10) {
            say!("      key {}: {} came out after {}", o.key, o.earlier, o.later);
        }
    }
}

pub async fn run(path: &Path, faults: Option<&Path>, cluster_name: Option<&str>, traces: &Path) -> u8 {
    let scenario = match load(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let plan = match faults {
        None => FaultPlan::none(),
        Some(file) => match std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<FaultPlan>(&text).map_err(|e| e.to_string()))
        {
            Ok(plan) => plan,
            Err(e) => {
                return fail(EXIT_BAD_INPUT, format!("{}: not a fault plan: {e}\n  fix: a JSON object {{\"seed\": 0, \"faults\": [{{\"fault\": {{\"kind\": \"crash\", \"node\": \"pipeline-1\"}}, \"start\": 2, \"end\": 4}}]}}", file.display()))
            }
        },
    };
    if let Err(e) = plan.validate(scenario.budget.eff) {
        return fail(EXIT_BAD_INPUT, format!("{}: {e}", faults.map(|f| f.display().to_string()).unwrap_or_default()));
    }
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    if let Err((code, message)) = super::engines::check(&[(vec![Endpoint::Default], super::engines::pipeline_needs(&scenario))]).await {
        return fail(code, message);
    }
    let campaign = format!("{}-{}", scenario.name, ldfi::trace::now_ms() / 1000);
    let work = async {
        let term = Terminal::new(Mode::Normal, 0, 0);
        let cluster = super::cluster::for_scenario(&term, cluster_name, &scenario, "run", &Endpoint::Default).await?;
        note!("ldfi: run {campaign}/r0: {plan}");
        let outcome = run::execute(&cluster, &binaries, &scenario, &plan, traces, &campaign, "r0").await;
        if cluster_name.is_none() {
            let _ = cluster.down().await;
        }
        outcome
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        _ = super::terminal::interrupted() => {
            note!("ldfi: interrupted; healing and removing what this run created");
            return EXIT_INTERRUPTED;
        }
    };
    match outcome {
        Ok(outcome) => {
            print_verdict(&outcome.dir, &outcome.verdict);
            note!("ldfi: run took {:.1} s; check again offline: ldfi check {}", outcome.wall.as_secs_f64(), outcome.dir.display());
            exit_of(outcome.verdict.verdict)
        }
        Err(e @ RunError::BadPlan(_)) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_INFRA, e),
    }
}

pub fn check(dir: &Path) -> u8 {
    match run::check_dir(dir) {
        Ok((_, verdict)) => {
            print_verdict(dir, &verdict);
            exit_of(verdict.verdict)
        }
        Err(e) => fail(EXIT_BAD_INPUT, e),
    }
}
