//! What every report says, as plain data, once: the verdict sentence, the
//! evidence rows, the search history and the replay commands. The markdown,
//! HTML and JUnit renderers only lay these out, so the three never disagree.

use std::collections::HashMap;

use super::evidence::Evidence;
use super::words;
use crate::summary::{CampaignSummary, Outcome, RunRecord};
use crate::checker::{PropertyResult, Verdict};
use crate::trace::Event;

/// The heading of the `i`th counterexample: "minimal" only where the
/// campaign minimized it (a plan never shrunk may hold faults it does not
/// need).
pub fn counterexample_heading(i: usize, c: &crate::summary::Counterexample) -> &'static str {
    match (i, c.minimal.is_some()) {
        (0, true) => "Minimal fault set",
        (0, false) => "Fault set that broke it, not minimized",
        (_, true) => "Another minimal fault set",
        (_, false) => "Another fault set that broke it, not minimized",
    }
}

/// The minimized plan of a counterexample in words, with how often it
/// reproduced, when the campaign minimized it.
pub fn minimal_sentence(c: &crate::summary::Counterexample) -> Option<String> {
    let m = c.minimal.as_ref()?;
    Some(format!(
        "{}; it broke a property in {} of {} runs{}",
        words::plan(&m.plan),
        m.reproduced,
        m.of,
        m.note.as_ref().map(|n| format!("; minimization stopped early: {n}")).unwrap_or_default()
    ))
}

/// Rows shown per table before "and N more".
pub const CAP: usize = 20;

/// The verdict in one sentence, for the top of every report.
pub fn verdict_sentence(summary: &CampaignSummary) -> String {
    let runs = summary.runs.len();
    match (&summary.outcome, summary.counterexamples.first()) {
        (Outcome::Violation, Some(c)) => {
            let broken: Vec<String> = c
                .results
                .iter()
                .map(|r| format!("{} ({})", r.summary.trim_end_matches('.'), r.property.name()))
                .collect();
            format!(
                "Violation: {} when ldfi did this: {}; found in run {} of {runs}{}.",
                if broken.is_empty() { "a property broke".to_string() } else { broken.join("; ") },
                words::plan(&c.plan),
                c.run,
                minimal_sentence(c).map(|m| format!("; minimized to: {m}")).unwrap_or_default()
            )
        }
        (Outcome::InProgress, _) => format!(
            "In progress or interrupted: {runs} runs finished, {} counterexample(s) so far{}; continue with `ldfi campaign {} --resume {}`.",
            summary.counterexamples.len(),
            summary.counterexamples.first().map(|c| format!(" (the first: {})", words::plan(&c.plan))).unwrap_or_default(),
            summary.scenario_path.display(),
            summary.campaign
        ),
        (Outcome::Violation, None) => format!("Violation found in {runs} runs (the counterexample was not recorded)."),
        (Outcome::Certified { statement }, _) => {
            format!("Certified: {statement}; {runs} runs covered every hypothesis within the budget (injected, or alike to one injected).")
        }
        (Outcome::Inconclusive { explored, runs: unsettled, reason }, _) => format!(
            "No violation found, but not certified ({explored} hypotheses explored): {}.",
            crate::summary::inconclusive_reason(unsettled, reason)
        ),
        (Outcome::BudgetSpent { explored, remaining }, _) => format!(
            "No violation found, but not certified: the budget ran out after {runs} runs ({explored} hypotheses explored, {} left).",
            remaining.map(|r| r.to_string()).unwrap_or_else(|| "an unknown number".into())
        ),
    }
}

/// Where each instance's lineage came from, for a verdict whose sentence
/// does not already say it (a certificate's statement does).
pub fn lineage_sentence(summary: &CampaignSummary) -> Option<String> {
    if summary.lineage_sources.is_empty() || matches!(summary.outcome, Outcome::Certified { .. }) {
        return None;
    }
    let mut words = crate::summary::lineage_words(&summary.lineage_sources);
    words[..1].make_ascii_uppercase();
    Some(format!("{words}."))
}

/// One record named as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// `lost`, `duplicated` or `reordered`.
    pub kind: &'static str,
    pub property: String,
    pub id: String,
    pub key: String,
    /// The input's value, from the failing run's workload trace.
    pub value: Option<String>,
    /// Where the input was acknowledged, or where its copies landed.
    pub at: String,
}

/// The evidence records of the first counterexample, capped per kind and
/// property at [`CAP`], with the number left out.
pub fn record_rows(summary: &CampaignSummary, evidence: &Evidence) -> (Vec<RecordRow>, usize) {
    let Some(c) = summary.counterexamples.first() else { return (Vec::new(), 0) };
    let mut inputs: HashMap<&str, (&str, &str)> = HashMap::new();
    if let Some(f) = &evidence.failing {
        for line in &f.lines {
            if let Event::Produced { id, key, value, .. } = &line.event {
                inputs.insert(id, (key, value));
            }
        }
    }
    // A join names a pair by its two inputs' ids ("in-3+side-1") and a
    // record written without a partner as "in-3 alone": each part's value.
    let parts = |id: &str| -> Vec<(&str, &str)> {
        id.strip_suffix(" alone").unwrap_or(id).split('+').filter_map(|part| inputs.get(part).copied()).collect()
    };
    let value = |id: &str| {
        let found = parts(id);
        (!found.is_empty()).then(|| found.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(" + "))
    };
    let key = |id: &str| parts(id).first().map(|(k, _)| k.to_string()).unwrap_or_default();
    let place = |p: Option<i32>, o: Option<i64>| {
        format!("partition {}, offset {}", p.map_or("?".into(), |p| p.to_string()), o.map_or("?".into(), |o| o.to_string()))
    };
    let (mut rows, mut more) = (Vec::new(), 0);
    for r in &c.results {
        let name = r.property.name().to_string();
        let mut push = |all: Vec<RecordRow>| {
            more += all.len().saturating_sub(CAP);
            rows.extend(all.into_iter().take(CAP));
        };
        push(r.lost.iter().map(|l| RecordRow {
            kind: "lost",
            property: name.clone(),
            id: l.id.clone(),
            key: l.key.clone(),
            value: value(&l.id),
            at: match &l.topic {
                Some(topic) => format!("acknowledged to {topic} at {}", place(l.partition, l.offset)),
                None => format!("acknowledged at {}", place(l.partition, l.offset)),
            },
        }).collect());
        push(r.duplicated.iter().map(|d| RecordRow {
            kind: "duplicated",
            property: name.clone(),
            id: d.id.clone(),
            key: key(&d.id),
            value: value(&d.id),
            at: copies(d),
        }).collect());
        push(r.reordered.iter().map(|o| RecordRow {
            kind: "reordered",
            property: name.clone(),
            id: o.later.clone(),
            key: o.key.clone(),
            value: value(&o.later),
            at: format!("output before {}, its predecessor on key {:?}", o.earlier, o.key),
        }).collect());
    }
    (rows, more)
}

/// The wrong counts, aggregates and outputs of a result, as sentences.
/// Where a duplicated input's copies are: `partition@offset` each, with
/// its topic when the run read several.
fn copies(d: &crate::checker::Duplicate) -> String {
    let at: Vec<String> = d
        .outputs
        .iter()
        .enumerate()
        .map(|(i, (p, o))| match d.topics.get(i) {
            Some(topic) => format!("{topic}/{p}@{o}"),
            None => format!("{p}@{o}"),
        })
        .collect();
    format!("{} output copies at {}", at.len(), at.join(", "))
}

pub fn mismatch_lines(r: &PropertyResult) -> Vec<String> {
    let counts = r.counts.iter().map(|m| {
        format!("word {:?}: expected {} (+{} ambiguous), observed {}", m.word, m.expected, m.ambiguous, m.observed)
    });
    let aggregates = r.aggregates.iter().map(|m| {
        let expected = if m.low == m.high { m.low.to_string() } else { format!("{}..{} (unacknowledged inputs either way)", m.low, m.high) };
        let observed = m.observed.map_or("nothing".to_string(), |o| o.to_string());
        let ids = |what: &str, ids: &[String]| match ids.len() {
            0 => String::new(),
            n if n <= 10 => format!("; {what}: {}", ids.join(", ")),
            n => format!("; {what}: {} and {} more", ids[..10].join(", "), n - 10),
        };
        let unnamed = m.unnamed.as_ref().map_or(String::new(), |why| format!("; inputs not named: {why}"));
        format!(
            "{:?} {}: expected {expected}, observed {observed}{}{}{unnamed}",
            m.key,
            m.what,
            ids("counted twice", &m.counted_twice),
            ids("never counted", &m.missed)
        )
    });
    let wrong = r.wrong.iter().map(|w| {
        format!(
            "output {}@{} of {} (value {}): {}",
            w.partition,
            w.offset,
            if w.id.is_empty() { "no input" } else { &w.id },
            w.observed.as_deref().map_or("none".to_string(), |v| format!("{v:?}")),
            w.why
        )
    });
    counts.chain(aggregates).chain(wrong).collect()
}

/// One run of the search, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRow {
    pub run: String,
    pub hypothesis: String,
    pub plan: String,
    pub verdict: Verdict,
    pub seconds: f64,
    pub taught: String,
}

/// What a run taught, in words.
pub fn taught(index: usize, run: &RunRecord) -> String {
    match run.verdict {
        Verdict::Fail => format!("broke {}: a counterexample", run.failed.join(", ")),
        Verdict::Unknown => "unknown verdict: the run proves nothing either way".to_string(),
        Verdict::Pass => match run.learned {
            Some(l) if index == 0 || run.plan.faults.is_empty() => format!(
                "baseline: {} good outcomes, {} derivations",
                l.outcomes, l.derivations
            ),
            Some(l) if l.new_derivations == 0 => format!(
                "survived the same way as before: no new derivation ({} in all)",
                l.derivations
            ),
            Some(l) => format!(
                "survived another way: {} new derivations{} ({} in all)",
                l.new_derivations,
                if l.new_outcomes > 0 { format!(", {} new outcomes", l.new_outcomes) } else { String::new() },
                l.derivations
            ),
            None => "passed (what it taught was not recorded)".to_string(),
        },
    }
}

/// The search, run by run.
pub fn search_rows(summary: &CampaignSummary) -> Vec<SearchRow> {
    summary
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| SearchRow {
            run: r.run.clone(),
            hypothesis: match (r.hypothesis.is_empty(), r.plan.faults.is_empty()) {
                (true, true) => "none (fault-free)".into(),
                (true, false) => "not recorded".into(),
                _ => words::hypothesis_over(&r.hypothesis, words::Links::of(&r.plan)),
            },
            plan: words::plan(&r.plan),
            verdict: r.verdict,
            seconds: r.wall_ms as f64 / 1000.0,
            taught: taught(i, r),
        })
        .collect()
}

/// The commands that replay the first counterexample: `ldfi replay` on the
/// report directory, and `ldfi run` with the recorded plan.
pub fn replay_commands(summary: &CampaignSummary, report_dir: &str) -> Vec<String> {
    let Some(c) = summary.counterexamples.first() else { return Vec::new() };
    vec![
        format!("ldfi replay {}", shell_word(report_dir)),
        format!(
            "ldfi run {} --faults {}",
            shell_word(&summary.scenario_path.display().to_string()),
            shell_word(&c.traces.join("plan.json").display().to_string())
        ),
    ]
}

/// A word as a POSIX shell reads it: as is when plain, else single-quoted.
pub fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::AggregateMismatch;
    use crate::scenario::Property;

    fn wrong_sum(counted_twice: &[&str], unnamed: Option<&str>) -> PropertyResult {
        let mut r = PropertyResult::passing(Property::KeySums);
        r.aggregates.push(AggregateMismatch {
            key: "k3".into(),
            what: "sum".into(),
            low: 5921,
            high: 5921,
            observed: Some(11024),
            counted_twice: counted_twice.iter().map(|s| s.to_string()).collect(),
            missed: Vec::new(),
            unnamed: unnamed.map(String::from),
        });
        r
    }

    #[test]
    fn a_duplicates_copies_name_their_topics_when_the_run_read_several() {
        let mut d = crate::checker::Duplicate { id: "in-0".into(), outputs: vec![(1, 0), (2, 303)], topics: vec![] };
        assert_eq!(copies(&d), "2 output copies at 1@0, 2@303");
        d.topics = vec!["large".into(), "small".into()];
        assert_eq!(copies(&d), "2 output copies at large/1@0, small/2@303");
    }

    #[test]
    fn a_wrong_aggregate_says_which_inputs_or_why_its_updates_cannot_name_them() {
        assert_eq!(mismatch_lines(&wrong_sum(&["in-1", "in-4"], None)), ["\"k3\" sum: expected 5921, observed 11024; counted twice: in-1, in-4"]);
        let unnamed = mismatch_lines(&wrong_sum(&[], Some("a record cache folds them")));
        assert_eq!(unnamed, ["\"k3\" sum: expected 5921, observed 11024; inputs not named: a record cache folds them"]);
    }
}
