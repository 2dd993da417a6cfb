//! Properties checked over a run's recorded history, never over the live
//! cluster: the verdict of a run can be recomputed offline from its traces
//! (`ldfi check`).
//!
//! Each property is pre ⇒ post: an outcome whose precondition never held
//! (an input that was never acknowledged) is vacuous, not a failure. A
//! verdict is pass, fail or unknown (for example, the pipeline had not
//! caught up when the outputs were read); verdicts compose as in Jepsen:
//! fail beats unknown beats pass. Evidence is always concrete record ids.

mod filter_map;
mod history;
mod join_output;
mod joins;
mod keys;
mod properties;
mod records;
mod sessions;
mod sliding;
mod sums;
mod tables;
mod takes;
mod values;
mod windows;

use serde::{Deserialize, Serialize};

pub use history::{run_started_once, History, Input, Output, RunInfo};
pub use join_output::check_template as check_join_output;
pub use values::UnreadableValue;
pub use windows::CountedIn;

use crate::scenario::Property;

/// Pass, fail or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Unknown,
    Fail,
}

impl Verdict {
    /// Fail beats unknown beats pass.
    pub fn and(self, other: Verdict) -> Verdict {
        self.max(other)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Unknown => "unknown",
            Verdict::Fail => "FAIL",
        })
    }
}

/// A record named as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRef {
    pub id: String,
    pub key: String,
    /// Where the input was acknowledged.
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    /// Its topic, as the scenario names it, when the run has several
    /// input topics (a merge); absent for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

impl RecordRef {
    /// Input `i` of `run` as evidence.
    pub(crate) fn of(i: &Input, run: &RunInfo) -> RecordRef {
        let merged = run.input_topics().nth(1).is_some();
        RecordRef {
            id: i.id.clone(),
            key: i.key.clone(),
            partition: i.partition,
            offset: i.offset,
            topic: merged.then(|| crate::trace::RunNames::of_run(&run.campaign, &run.run, &run.group).scenario_topic(run.input_topic_of(i))),
        }
    }
}

/// An input that reached the output more than once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    pub id: String,
    /// `(partition, offset)` of each output copy.
    pub outputs: Vec<(i32, i64)>,
    /// The topic of each copy, as the scenario names it, when the run
    /// reads several; empty for one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
}

impl Duplicate {
    /// The copies of input `id` among `outputs` (each read from its
    /// topic), when there are two or more.
    pub(crate) fn of(id: &str, outputs: &[&Output], run: &RunInfo) -> Option<Duplicate> {
        (outputs.len() > 1).then(|| Duplicate {
            id: id.to_string(),
            outputs: outputs.iter().map(|o| (o.partition, o.offset)).collect(),
            topics: match run.more_outputs.is_empty() {
                true => Vec::new(),
                false => outputs.iter().map(|o| run.scenario_topic_of(o)).collect(),
            },
        })
    }
}

/// Two inputs of one key whose outputs came in the opposite order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reorder {
    pub key: String,
    pub earlier: String,
    pub later: String,
}

/// A word whose final count is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountMismatch {
    pub word: String,
    /// Acknowledged inputs with this word.
    pub expected: u64,
    /// Inputs that failed to be acknowledged but may have been written.
    pub ambiguous: u64,
    pub observed: u64,
}

/// An aggregate (a key's sum or count, a window's count) that is wrong,
/// with the inputs the updates show it took twice or never took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateMismatch {
    /// The key; a window is `<key>@<start ms>`.
    pub key: String,
    /// What is wrong: `sum`, `count`, `never emitted`, `emitted 2 times`,
    /// `emitted before its window closed`.
    pub what: String,
    /// What the acknowledged inputs allow: `low..=high` (wider than one
    /// value where unacknowledged inputs may have been written).
    pub low: i64,
    pub high: i64,
    /// What the pipeline wrote last; `None` when it wrote nothing.
    pub observed: Option<i64>,
    /// Inputs two or more of the key's updates took.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counted_twice: Vec<String>,
    /// Acknowledged inputs of the key that none of its updates took.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missed: Vec<String>,
    /// Why the updates cannot say which inputs were missed (or all that
    /// were taken twice): a record cache folded several into one update
    /// and no run of inputs explains it, a restored state, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unnamed: Option<String>,
}

impl AggregateMismatch {
    /// A window's or session's count that is wrong: counts carry no
    /// inputs by name.
    pub fn count(key: String, what: String, low: u64, high: u64, observed: Option<u64>) -> Self {
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        AggregateMismatch {
            key,
            what,
            low: clamp(low),
            high: clamp(high),
            observed: observed.map(clamp),
            counted_twice: Vec::new(),
            missed: Vec::new(),
            unnamed: None,
        }
    }
}

/// An output that should not be there, or not with that value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrongOutput {
    /// The input it derives from (its `ldfi-id`).
    pub id: String,
    pub partition: i32,
    pub offset: i64,
    pub observed: Option<String>,
    /// Why it is wrong, in a few words.
    pub why: String,
}

/// The result of one property on one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyResult {
    pub property: Property,
    pub verdict: Verdict,
    /// One sentence for people.
    pub summary: String,
    /// The precondition never held: nothing to check.
    pub vacuous: bool,
    pub lost: Vec<RecordRef>,
    pub duplicated: Vec<Duplicate>,
    pub reordered: Vec<Reorder>,
    pub counts: Vec<CountMismatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregates: Vec<AggregateMismatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrong: Vec<WrongOutput>,
}

impl PropertyResult {
    /// A pass with nothing found yet: each check starts from it.
    pub(crate) fn passing(property: Property) -> PropertyResult {
        PropertyResult {
            property,
            verdict: Verdict::Pass,
            summary: String::new(),
            vacuous: false,
            lost: Vec::new(),
            duplicated: Vec::new(),
            reordered: Vec::new(),
            counts: Vec::new(),
            aggregates: Vec::new(),
            wrong: Vec::new(),
        }
    }
}

/// The verdict of one run over all its properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunVerdict {
    pub verdict: Verdict,
    pub results: Vec<PropertyResult>,
    pub inputs: usize,
    pub acked: usize,
    pub outputs: usize,
    /// Why the run proves nothing whatever its properties say (it failed
    /// itself, its workload wrote nothing, a fault of its plan could not
    /// be applied); empty when its verdict is its properties'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unproven: Vec<String>,
}

/// Checks properties over a history: over all its outputs at once, or,
/// for a pipeline that writes its stream whole to each of several topics
/// (`each_output`), over each topic's by itself, each result saying
/// which.
pub fn check(history: &History, checked: &[Property]) -> RunVerdict {
    let run = &history.run;
    let results: Vec<PropertyResult> = if run.checker.each_output == Some(true) && !run.more_outputs.is_empty() {
        let names = crate::trace::RunNames::of_run(&run.campaign, &run.run, &run.group);
        run.output_topics()
            .flat_map(|topic| {
                let mut one = history.clone();
                one.outputs.retain(|o| run.topic_of(o) == topic);
                let name = names.scenario_topic(topic);
                checked.iter().map(move |p| {
                    let mut r = properties::check(*p, &one);
                    r.summary = format!("{name}: {}", r.summary);
                    r
                }).collect::<Vec<_>>()
            })
            .collect()
    } else {
        checked.iter().map(|p| properties::check(*p, history)).collect()
    };
    let mut verdict = results.iter().fold(Verdict::Pass, |v, r| v.and(r.verdict));
    // A run whose workload wrote nothing, that failed itself, or that
    // could not inject a fault of its plan proves nothing: unknown, never
    // a pass.
    let mut unproven: Vec<String> = history.run_error.iter().map(|e| format!("the run failed: {e}")).collect();
    if history.inputs.is_empty() {
        unproven.push("the workload wrote nothing".to_string());
    }
    unproven.extend(history.not_injected.iter().map(|f| format!("a fault of its plan was not injected: {f}")));
    if !unproven.is_empty() {
        verdict = verdict.and(Verdict::Unknown);
    }
    RunVerdict {
        verdict,
        results,
        inputs: history.inputs.len(),
        acked: history.inputs.iter().filter(|i| i.acked).count(),
        outputs: history.outputs.len(),
        unproven,
    }
}
