//! report.md: the report in plain text, for a terminal or a CI log. Same
//! content as report.html, from [`super::content`]; the lineage is the
//! outcome's trail as a list instead of a drawing. Pure. Record data is
//! escaped ([`super::escape`]): a cell or a value on one line, and no
//! control character anywhere in the document.

use std::fmt::Write;

use super::content::{self, CAP};
use super::escape::{lines, plain};
use super::evidence::Evidence;
use super::{timeline, words};
use crate::summary::CampaignSummary;

/// Markdown cells: no pipes, newlines or control characters from
/// untrusted text.
fn cell(s: &str) -> String {
    plain(s).replace('|', "\\|")
}

/// The report as markdown. `report_dir` is how the replay command names
/// this report's directory.
pub fn render(summary: &CampaignSummary, evidence: &Evidence, report_dir: &str) -> String {
    lines(&document(summary, evidence, report_dir))
}

fn document(summary: &CampaignSummary, evidence: &Evidence, report_dir: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# ldfi campaign {}\n", summary.campaign);
    let _ = writeln!(md, "**{}**\n", content::verdict_sentence(summary));
    if let Some(lineage) = content::lineage_sentence(summary) {
        let _ = writeln!(md, "{lineage}\n");
    }
    let _ = writeln!(
        md,
        "Scenario `{}` ({}), strategy {:?}, seed {}, {} runs in {:.1} s, {} tried.\n",
        summary.scenario,
        summary.scenario_path.display(),
        summary.strategy,
        summary.seed,
        summary.runs.len(),
        summary.wall_ms as f64 / 1000.0,
        crate::report::words::counted_as(summary.hypotheses_tried, "hypothesis", "hypotheses")
    );
    for (i, c) in summary.counterexamples.iter().enumerate() {
        let _ = writeln!(md, "## {} (run {})\n", content::counterexample_heading(i, c), c.run);
        match content::minimal_sentence(c) {
            Some(minimal) => {
                let _ = writeln!(md, "{minimal}\n");
                let _ = writeln!(md, "Minimized from the plan that first broke it: {}\n", words::plan(&c.plan));
            }
            None => {
                let _ = writeln!(md, "{}\n", words::plan(&c.plan));
            }
        }
        let plan = c.minimal.as_ref().map_or(&c.plan, |m| &m.plan);
        let _ = writeln!(md, "Exact plan: `{}` (seed {})\n", plan, plan.seed);
        for r in &c.results {
            let _ = writeln!(md, "- **{}**: {}", r.property.name(), plain(&r.summary));
            for line in content::mismatch_lines(r).iter().take(CAP) {
                let _ = writeln!(md, "  - {}", cell(line));
            }
        }
        md.push('\n');
    }
    if let Some(f) = evidence.failing.as_ref().or(evidence.survived.as_ref()) {
        let survived = evidence.failing.is_none();
        let mut marks = timeline::Marks::default();
        for r in summary.counterexamples.iter().take(1).flat_map(|c| &c.results) {
            marks.lost.extend(r.lost.iter().map(|l| l.id.clone()));
            marks.duplicated.extend(r.duplicated.iter().map(|d| d.id.clone()));
        }
        if survived {
            let _ = writeln!(md, "## What happened in run {}, the last one that injected faults (it survived them), step by step\n", f.run);
        } else {
            let _ = writeln!(md, "## What happened in run {}, step by step\n", f.run);
        }
        md.push_str("| step | faults | inputs produced (lost, duplicated) | pipelines: outputs, commits, lost inputs consumed | notes |\n|---|---|---|---|---|\n");
        for r in timeline::steps(&f.lines, &marks) {
            let pipelines: Vec<String> = r
                .pipelines
                .iter()
                .map(|(name, outputs, commits, lost)| format!("{name}: {outputs}, {commits}, {lost}"))
                .collect();
            let _ = writeln!(
                md,
                "| {} | {} | {} ({}, {}) | {} | {} |",
                r.step,
                cell(&r.faults.join("; ")),
                r.produced,
                r.lost_produced,
                r.duplicated_produced,
                cell(&pipelines.join("; ")),
                cell(&r.notes.join("; "))
            );
        }
        md.push('\n');
    }
    if let Some(l) = &evidence.lineage {
        let _ = writeln!(md, "## Lineage of the broken outcome {}\n", plain(&l.record));
        let _ = writeln!(md, "What {} relied on when it last held (run {}):\n", plain(&l.record), plain(&l.from_run));
        for (event, step, facts) in &l.trail.events {
            let facts: Vec<String> = facts.iter().map(|f| f.to_string()).collect();
            let _ = writeln!(
                md,
                "1. step {step}: {}{}",
                cell(event),
                if facts.is_empty() { String::new() } else { format!(" — relied on {}", cell(&facts.join(", "))) }
            );
        }
        md.push('\n');
    }
    let (rows, more) = content::record_rows(summary, evidence);
    if !rows.is_empty() {
        md.push_str("## Records\n\n| what | property | id | key | value | where |\n|---|---|---|---|---|---|\n");
        for r in &rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                r.kind,
                r.property,
                cell(&r.id),
                cell(&r.key),
                cell(r.value.as_deref().unwrap_or("?")),
                cell(&r.at)
            );
        }
        if more > 0 {
            let _ = writeln!(md, "\n… and {more} more (all of them in summary.json).");
        }
        md.push('\n');
    }
    md.push_str("## How the search went\n\n| run | hypothesis | fault plan | verdict | seconds | what it taught |\n|---|---|---|---|---|---|\n");
    for r in content::search_rows(summary) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} | {} |",
            r.run,
            cell(&r.hypothesis),
            cell(&r.plan),
            r.verdict,
            r.seconds,
            cell(&r.taught)
        );
    }
    md.push('\n');
    let commands = content::replay_commands(summary, report_dir);
    if !commands.is_empty() {
        md.push_str("## Replay\n\n```sh\n");
        for c in &commands {
            let _ = writeln!(md, "{c}");
        }
        md.push_str("```\n\n");
    }
    if let Some(c) = summary.counterexamples.first() {
        let _ = writeln!(md, "Traces of the failing run: `{}`\n", c.traces.display());
    }
    for note in &evidence.notes {
        let _ = writeln!(md, "> Note: {}\n", cell(note));
    }
    md
}
