//! report.html: one self-contained file a person reads in a browser, offline.
//! No script, no fetch (a Content-Security-Policy forbids both), inline CSS,
//! inline SVG. Everything from traces goes through [`super::escape`]. Pure.

use std::fmt::Write;

use super::content::{self, CAP};
use super::escape::{attr, text};
use super::evidence::Evidence;
use super::timeline::{self, Marks};
use super::words;
use crate::summary::{CampaignSummary, Outcome};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#202124;line-height:1.45}
h1{font-size:1.3rem;color:#5f6368;font-weight:normal}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{font-size:1.25rem;font-weight:600;padding:.8rem 1rem;border-radius:6px}
.violation{background:#fce8e6;border-left:6px solid #d93025}.certified{background:#e6f4ea;border-left:6px solid #188038}
.budget{background:#fef7e0;border-left:6px solid #f9ab00}
.faults{font-size:1.1rem}code,pre{background:#f1f3f4;border-radius:4px;padding:.1rem .3rem}pre{padding:.6rem;overflow-x:auto}
table{border-collapse:collapse;font-size:.9rem;width:100%}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f8f9fa}.fail{color:#d93025;font-weight:600}.pass{color:#188038}.unknown{color:#b06000}
.note{background:#fef7e0;padding:.5rem .8rem;border-radius:4px}.scroll{overflow-x:auto}figure{margin:0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#5f6368}
";

/// The report as one HTML document. `report_dir` is how the replay command
/// names this report's directory.
pub fn render(summary: &CampaignSummary, evidence: &Evidence, report_dir: &str) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>ldfi report: {}</title><style>{STYLE}</style></head><body>\n",
        text(&summary.campaign)
    );
    let class = match summary.outcome {
        Outcome::Violation => "violation",
        Outcome::Certified { .. } => "certified",
        Outcome::BudgetSpent { .. } | Outcome::Inconclusive { .. } | Outcome::InProgress => "budget",
    };
    let _ = writeln!(h, "<h1>ldfi campaign {}</h1>", text(&summary.campaign));
    let _ = writeln!(h, "<p id=\"verdict\" class=\"verdict {class}\">{}</p>", text(&content::verdict_sentence(summary)));
    if let Some(lineage) = content::lineage_sentence(summary) {
        let _ = writeln!(h, "<p id=\"lineage-sources\">{}</p>", text(&lineage));
    }
    let _ = writeln!(
        h,
        "<p>Scenario <code>{}</code> ({}), strategy {}, seed {}: {} runs in {:.1} s, {} tried.</p>",
        text(&summary.scenario),
        text(&summary.scenario_path.display().to_string()),
        text(summary.strategy.name()),
        summary.seed,
        summary.runs.len(),
        summary.wall_ms as f64 / 1000.0,
        crate::report::words::counted_as(summary.hypotheses_tried, "hypothesis", "hypotheses")
    );
    faults(&mut h, summary);
    timeline_section(&mut h, summary, evidence);
    lineage_section(&mut h, evidence);
    records(&mut h, summary, evidence);
    search(&mut h, summary);
    replay(&mut h, summary, report_dir);
    for note in &evidence.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: {}</p>", text(note));
    }
    h.push_str("</body></html>\n");
    h
}

fn faults(h: &mut String, summary: &CampaignSummary) {
    for (i, c) in summary.counterexamples.iter().enumerate() {
        let plan = c.minimal.as_ref().map_or(&c.plan, |m| &m.plan);
        let lead = content::minimal_sentence(c).unwrap_or_else(|| words::plan(&c.plan));
        let _ = write!(
            h,
            "<section id=\"faults-{i}\"><h2>{} (run {})</h2><p class=\"faults\">{}</p>",
            &format!("What broke it: {}", content::counterexample_heading(i, c).to_lowercase()),
            text(&c.run),
            text(&lead)
        );
        if c.minimal.is_some() {
            let _ = write!(h, "<p>Minimized from the plan that first broke it: {}.</p>", text(&words::plan(&c.plan)));
        }
        let _ = write!(h, "<p>Exact plan: <code>{}</code>, seed {}.</p><ul>", text(&plan.to_string()), plan.seed);
        for r in &c.results {
            let _ = write!(h, "<li><b>{}</b>: {}", text(r.property.name()), text(&r.summary));
            let counts = content::mismatch_lines(r);
            if !counts.is_empty() {
                h.push_str("<ul>");
                for line in counts.iter().take(CAP) {
                    let _ = write!(h, "<li>{}</li>", text(line));
                }
                if counts.len() > CAP {
                    let _ = write!(h, "<li>and {} more</li>", counts.len() - CAP);
                }
                h.push_str("</ul>");
            }
            h.push_str("</li>");
        }
        h.push_str("</ul></section>\n");
    }
}

fn timeline_section(h: &mut String, summary: &CampaignSummary, evidence: &Evidence) {
    let (failing, heading) = match (&evidence.failing, &evidence.survived) {
        (Some(run), _) => (run, format!("What happened in run {}", run.run)),
        (None, Some(run)) => (run, format!("What happened in run {}, the last one that injected faults (it survived them)", run.run)),
        (None, None) => return,
    };
    let mut marks = Marks::default();
    if let Some(c) = summary.counterexamples.first() {
        for r in &c.results {
            marks.lost.extend(r.lost.iter().map(|l| l.id.clone()));
            marks.duplicated.extend(r.duplicated.iter().map(|d| d.id.clone()));
        }
    }
    let _ = write!(h, "<section id=\"timeline\"><h2>{}</h2>", text(&heading));
    match timeline::svg(&failing.run, &failing.lines, &marks) {
        Some(svg) => {
            let _ = write!(
                h,
                "<figure><div class=\"scroll\">{svg}</div><figcaption>Lanes are brokers, pipeline instances and the \
                 workload; shaded windows are faults as the harness applied and healed them; red marks are records \
                 that were acknowledged but lost (where they were produced and consumed), orange ones duplicated.\
                 </figcaption></figure>"
            );
        }
        None => h.push_str("<p class=\"note\">The run recorded no step boundary: no diagram.</p>"),
    }
    h.push_str("</section>\n");
}

fn lineage_section(h: &mut String, evidence: &Evidence) {
    let Some(l) = &evidence.lineage else { return };
    let _ = write!(
        h,
        "<section id=\"lineage\"><h2>Lineage of the broken outcome {}</h2><p>What input <code>{}</code> relied on \
         to reach the output when it last did (run {}): a fault set that cuts every such path breaks it.</p>",
        text(&l.record),
        text(&l.record),
        text(&l.from_run)
    );
    match &l.svg {
        Ok(svg) => {
            let _ = write!(h, "<figure class=\"lineage\"><div class=\"scroll\">{svg}</div></figure>");
        }
        Err(why) => {
            let _ = write!(
                h,
                "<p class=\"note\">No drawing: {}. The graph in Graphviz DOT:</p><pre>{}</pre>",
                text(why),
                text(&l.dot)
            );
        }
    }
    h.push_str("<ol>");
    for (event, step, facts) in &l.trail.events {
        let facts: Vec<String> = facts.iter().map(|f| f.to_string()).collect();
        let _ = write!(
            h,
            "<li>step {step}: {}{}</li>",
            text(event),
            if facts.is_empty() { String::new() } else { format!(" — relied on {}", text(&facts.join(", "))) }
        );
    }
    h.push_str("</ol></section>\n");
}

fn records(h: &mut String, summary: &CampaignSummary, evidence: &Evidence) {
    let (rows, more) = content::record_rows(summary, evidence);
    if rows.is_empty() {
        return;
    }
    h.push_str(
        "<section id=\"records\"><h2>The records</h2><table><thead><tr><th>what</th><th>property</th><th>id</th>\
         <th>key</th><th>value</th><th>where</th></tr></thead><tbody>",
    );
    for r in &rows {
        let _ = write!(
            h,
            "<tr class=\"{}\" data-id=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            r.kind,
            attr(&r.id),
            r.kind,
            text(&r.property),
            text(&r.id),
            text(&r.key),
            text(r.value.as_deref().unwrap_or("?")),
            text(&r.at)
        );
    }
    h.push_str("</tbody></table>");
    if more > 0 {
        let _ = write!(h, "<p>… and {more} more (all of them in summary.json).</p>");
    }
    h.push_str("</section>\n");
}

fn search(h: &mut String, summary: &CampaignSummary) {
    h.push_str(
        "<section id=\"search\"><h2>How the search went</h2><table><thead><tr><th>run</th><th>hypothesis</th>\
         <th>fault plan</th><th>verdict</th><th>seconds</th><th>what it taught</th></tr></thead><tbody>",
    );
    for r in content::search_rows(summary) {
        let verdict = r.verdict.to_string();
        let _ = write!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"{}\">{}</td><td>{:.1}</td><td>{}</td></tr>",
            text(&r.run),
            text(&r.hypothesis),
            text(&r.plan),
            verdict.to_lowercase(),
            text(&verdict),
            r.seconds,
            text(&r.taught)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn replay(h: &mut String, summary: &CampaignSummary, report_dir: &str) {
    let commands = content::replay_commands(summary, report_dir);
    if commands.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<section id=\"replay\"><h2>Replay it</h2><p>Re-run the fault plan on a fresh cluster and count how often \
         the violation reproduces (add <code>--times N</code> to repeat it N times):</p><pre>{}</pre>\
         <p>or run the plan once:</p><pre>{}</pre>",
        text(&commands[0]),
        text(&commands[1..].join("\n"))
    );
    if let Some(c) = summary.counterexamples.first() {
        let _ = write!(h, "<p>Traces of the failing run: <code>{}</code></p>", text(&c.traces.display().to_string()));
    }
    h.push_str("</section>\n");
}
