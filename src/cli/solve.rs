//! `ldfi solve SCENARIO TRACES...`: the next hypotheses from saved traces,
//! without a cluster: lineage merged over the given runs as a campaign
//! merges it (see `campaign::learn`), the scenario's
//! fault budget, the solver. With `--journal reports/<campaign>`, the
//! campaign's own state instead: its runs taken in as it took them, the
//! hypotheses it injected (and those it judged alike) set aside, and what
//! is left before a certificate listed.

use std::path::PathBuf;

use ldfi::campaign::{self, resume};
use ldfi::search::{self, Windows};
use ldfi::solver::Hypothesis;
use ldfi::lineage;
use ldfi::scenario::{Scenario, StrategyName};
use ldfi::trace;

use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_OK};

pub fn run(scenario: &std::path::Path, runs: &[PathBuf], limit: usize) -> u8 {
    let scenario = match Scenario::load(scenario) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    // Every run given is taken in, whatever its verdict: the traces are
    // the user's choice of what the lineage has seen.
    let mut knowledge = lineage::Knowledge::default();
    for dir in runs {
        let lines = match trace::read_dir(dir) {
            Ok(lines) => lines,
            Err(e) => return fail(EXIT_BAD_INPUT, e),
        };
        let plan = trace::started_plan(&lines).unwrap_or_default();
        if let Err(e) = knowledge.absorb(&lines, &plan) {
            return fail(EXIT_BAD_INPUT, format!("{}: {e}", dir.display()));
        }
    }
    let lineage::Knowledge { model, conditional, .. } = knowledge;
    let space = search::space(&scenario, &model);
    say!(
        "{} good outcomes, {} derivations; space: {} crash variables, {} links x {} steps; budget {} crash(es), {} omission(s){}",
        model.outcomes.len(),
        model.derivation_count(),
        space.crash_count(),
        space.links.len(),
        space.eff,
        space.max_crashes,
        space.max_omissions,
        space.max_faults.map_or(String::new(), |cap| format!(", {cap} in all"))
    );
    let symmetries = search::alike::automorphisms(&model, &scenario);
    say!("{} renaming(s) of brokers and partitions leave the lineage unchanged (symmetric hypotheses are tried once)", symmetries.len());
    // As many as a campaign weighs at once, in the order it would inject
    // them (each counted as injected and survived before the next).
    let found = match search::hypotheses(&scenario, &space, &model, &conditional, &[], &[], Windows::default(), limit.max(search::RANKED)) {
        Ok(found) => {
            let base = conditional.base(&model);
            let mut damage = search::damage(&scenario, &conditional, &base, Windows::default(), space.eff);
            let mut pictures = search::alike::Pictures::new(base.clone(), &scenario, Windows::default());
            search::order(found, &mut |v| pictures.of(v), &mut damage)
        }
        Err(e) => return fail(EXIT_INFRA, format!("solver: {e}")),
    };
    if found.is_empty() {
        say!("no hypothesis: {}", campaign::budget_statement(&scenario));
    } else {
        say!("next hypotheses, in the order a campaign would inject them if each survived:");
    }
    list(&found, &scenario, limit);
    EXIT_OK
}

/// `ldfi solve SCENARIO --journal reports/<campaign>`: what the campaign
/// has left to try, in the order it would try it.
pub fn left(scenario_path: &std::path::Path, journal: &std::path::Path, traces: &std::path::Path, limit: usize) -> u8 {
    let scenario = match Scenario::load(scenario_path) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let summary = match resume::read_journal(journal) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    if let Err(e) = resume::check_journal(&summary, journal, traces) {
        return fail(EXIT_BAD_INPUT, e);
    }
    let restored = match resume::restore(summary) {
        Ok(r) => r,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let known = campaign::known_from(&scenario, &restored, Windows::default());
    // What ldfi's strategy judges alike, whichever strategy ran: the
    // list below is what ldfi's would still try.
    let search::strategy::Uninjected { alike, landed } =
        search::strategy::start(&StrategyName::LDFI).map_or_else(|_| Default::default(), |s| s.judged_alike(&known));
    say!(
        "{}: {} runs taken in; {} hypotheses injected without breaking anything ({} survived), {} broke something; {landed} injected under another role's name; {alike} judged alike to one that survived",
        journal.display(),
        restored.summary.runs.len(),
        known.tried.len(),
        known.survived.len(),
        known.broken.len(),
    );
    let found = match search::strategy::left(&known) {
        Ok(found) => found,
        Err(e) => return fail(EXIT_INFRA, format!("solver: {e}")),
    };
    if found.is_empty() {
        say!("nothing left: {}", campaign::budget_statement(&scenario));
    } else {
        say!("{} hypotheses left, in the order the campaign would inject them if each survived:", found.len());
    }
    list(&found, &scenario, limit);
    EXIT_OK
}

/// The first `limit` hypotheses, each in words, as a plan and as JSON.
fn list(found: &[Hypothesis], scenario: &Scenario, limit: usize) {
    for (i, h) in found.iter().take(limit).enumerate() {
        match search::realize(h, scenario, Windows::default(), scenario.seed) {
            Ok(plan) => say!(
                "{:>3}. {}\n     plan: {plan}\n     {}",
                i + 1,
                ldfi::report::words::hypothesis_over(h, ldfi::report::words::Links::of(&plan)),
                serde_json::to_string(&plan).expect("plan serializes")
            ),
            Err(e) => say!("{:>3}. {h:?} (cannot realize: {e})", i + 1),
        }
    }
}
