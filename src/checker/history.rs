//! The history of one run, as the checker sees it: built from the trace
//! alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::trace::{Event, KeyFormat, TraceLine, ValueFormat};

/// What the run was (from its `run_started` line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub scenario: String,
    pub campaign: String,
    pub run: String,
    pub seed: u64,
    pub plan: serde_json::Value,
    pub input_topic: String,
    pub output_topic: String,
    /// The other output topics the checker read (run names); empty for
    /// one output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_outputs: Vec<String>,
    pub group: String,
    /// A chain's later stages (run names); empty for one pipeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<crate::trace::StageNames>,
    pub properties: Vec<String>,
    pub read_committed: bool,
    /// How the pipeline encodes the values the checker reads as numbers
    /// (text when the trace does not say).
    #[serde(default)]
    pub value_format: ValueFormat,
    /// How the pipeline encodes its output keys (text when the trace does
    /// not say); the outputs' keys are read with it.
    #[serde(default)]
    pub key_format: KeyFormat,
    /// What the properties must know of the pipeline's function.
    #[serde(default)]
    pub checker: crate::model::Expectations,
    /// The workload's second topic, if it wrote one.
    #[serde(default)]
    pub side_topic: Option<String>,
}

impl RunInfo {
    /// The topic `o` was read from: its own, or `output_topic` for an
    /// output that names none.
    pub fn topic_of<'a>(&'a self, o: &'a Output) -> &'a str {
        if o.topic.is_empty() {
            &self.output_topic
        } else {
            &o.topic
        }
    }

    /// The topic `o` was read from, as the scenario names it (without
    /// the run's suffix).
    pub fn scenario_topic_of(&self, o: &Output) -> String {
        crate::trace::RunNames::of_run(&self.campaign, &self.run, &self.group).scenario_topic(self.topic_of(o))
    }

    /// The topics inputs are written to: the input, and the side topic
    /// when the app merges it into its stream.
    pub fn input_topics(&self) -> impl Iterator<Item = &str> {
        let merged = self.side_topic.as_deref().filter(|_| self.checker.merge == Some(true));
        std::iter::once(self.input_topic.as_str()).chain(merged)
    }

    /// The topic `i` was written to: its own, or `input_topic` for an
    /// input that names none.
    pub fn input_topic_of<'a>(&'a self, i: &'a Input) -> &'a str {
        if i.topic.is_empty() {
            &self.input_topic
        } else {
            &i.topic
        }
    }

    /// Every topic the checker reads, `output_topic` first.
    pub fn output_topics(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.output_topic.as_str()).chain(self.more_outputs.iter().map(String::as_str))
    }
}

/// An input record the workload wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub id: String,
    /// The topic it was written to (run name): the input, or the side
    /// topic an app merges into it (empty in tests and older histories:
    /// the input).
    #[serde(default)]
    pub topic: String,
    pub key: String,
    pub value: String,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub step: Option<u32>,
    /// Acknowledged by the cluster.
    pub acked: bool,
    pub error: Option<String>,
    /// Its event time, ms since the epoch (absent in older traces).
    #[serde(default)]
    pub timestamp_ms: Option<i64>,
}

/// An output record the checker read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The topic it was read from (run name): one of the run's outputs.
    #[serde(default)]
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    /// The value, when its bytes are UTF-8.
    pub value: Option<String>,
    /// The value's bytes in lowercase hex, when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_hex: Option<String>,
    pub ids: Vec<String>,
}

/// Everything the properties are checked against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub run: RunInfo,
    pub inputs: Vec<Input>,
    /// What the workload wrote to its side topic (a join's other input):
    /// not inputs that must reach the output, but what they meet there.
    #[serde(default)]
    pub side_inputs: Vec<Input>,
    pub outputs: Vec<Output>,
    /// `Some(true)` when the pipeline caught up before the outputs were read.
    pub caught_up: Option<bool>,
    pub drain_detail: String,
    /// Set when the run itself failed.
    pub run_error: Option<String>,
    /// Planned faults that could not be applied, each with why: the run
    /// did not test its plan, so it proves nothing about it.
    pub not_injected: Vec<String>,
    /// The offsets the pipeline's group had committed on the input topic,
    /// by partition, when the drain ended: an input below its partition's
    /// committed offset is one the group moved past, which no restart
    /// reads again. Empty in older traces (the step snapshots end before
    /// the drain and would say less).
    #[serde(default)]
    pub committed: BTreeMap<i32, i64>,
}

/// The run's `run_started` line, if any; a second one is refused. A run
/// directory holds one run: a second start (two runs' files mixed, or a
/// line written by another source) would silently change what the run
/// was, its topics and its plan, and so the verdict and the lineage.
pub fn run_started_once(lines: &[TraceLine]) -> Result<Option<&TraceLine>, String> {
    let mut starts = lines.iter().filter(|l| matches!(l.event, Event::RunStarted { .. }));
    let first = starts.next();
    if let (Some(first), Some(second)) = (first, starts.next()) {
        let run = |l: &TraceLine| match &l.event {
            Event::RunStarted { campaign, run, .. } => format!("run {run:?} of campaign {campaign:?}"),
            _ => String::new(),
        };
        return Err(format!(
            "run_started twice: {} (source {:?}, time_ms {}) and {} (source {:?}, time_ms {}); a run directory holds one run\n  \
             fix: keep one run's trace files in each run directory (traces/<campaign>/<run>); only the harness writes run_started",
            run(first),
            first.source,
            first.time_ms,
            run(second),
            second.source,
            second.time_ms
        ));
    }
    Ok(first)
}

impl History {
    /// The verdict of an output found missing: unless the pipeline caught
    /// up, it may still be on its way.
    pub fn missing_verdict(&self) -> super::Verdict {
        if self.caught_up == Some(true) {
            super::Verdict::Fail
        } else {
            super::Verdict::Unknown
        }
    }

    /// Builds the history from a run's trace lines.
    pub fn from_trace(lines: &[TraceLine]) -> Result<History, String> {
        // Known before any record is sorted: the trace's files are not
        // read in time order.
        // A side topic the app merges into its input holds inputs like
        // the input's; a join's holds what they meet.
        let (side_topic, key_format) = match run_started_once(lines)? {
            Some(TraceLine { event: Event::RunStarted { side_topic, key_format, checker, .. }, .. }) => {
                (side_topic.clone().filter(|_| checker.merge != Some(true)), key_format.unwrap_or_default())
            }
            _ => (None, KeyFormat::default()),
        };
        let mut history = History::default();
        let mut started = false;
        let mut applied = Vec::new();
        for line in lines {
            match &line.event {
                Event::RunStarted {
                    scenario, campaign, run, seed, plan, input_topic, output_topic, more_outputs, group, stages, properties,
                    read_committed, value_format, key_format, checker, side_topic, ..
                } => {
                    started = true;
                    history.run = RunInfo {
                        scenario: scenario.clone(),
                        campaign: campaign.clone(),
                        run: run.clone(),
                        seed: *seed,
                        plan: plan.clone(),
                        input_topic: input_topic.clone(),
                        output_topic: output_topic.clone(),
                        more_outputs: more_outputs.clone(),
                        group: group.clone(),
                        stages: stages.clone(),
                        properties: properties.clone(),
                        read_committed: *read_committed,
                        value_format: value_format.unwrap_or_default(),
                        key_format: key_format.unwrap_or_default(),
                        checker: (**checker).clone(),
                        side_topic: side_topic.clone(),
                    };
                }
                Event::Produced { id, key, value, topic, partition, offset, error, timestamp_ms, .. } => {
                    let input = Input {
                        id: id.clone(),
                        topic: topic.clone(),
                        key: key.clone(),
                        value: value.clone(),
                        partition: *partition,
                        offset: *offset,
                        step: line.step,
                        acked: error.is_none() && offset.is_some(),
                        error: error.clone(),
                        timestamp_ms: *timestamp_ms,
                    };
                    if side_topic.as_deref() == Some(topic.as_str()) {
                        history.side_inputs.push(input);
                    } else {
                        history.inputs.push(input);
                    }
                }
                Event::CheckerRead { topic, partition, offset, key, value, value_hex, key_hex, ids } => history.outputs.push(Output {
                    topic: topic.clone(),
                    partition: *partition,
                    offset: *offset,
                    key: super::keys::read(key_format, key.as_deref(), key_hex.as_deref()),
                    value: value.clone(),
                    value_hex: value_hex.clone(),
                    ids: ids.clone(),
                }),
                Event::Drained { caught_up, detail, committed, .. } => {
                    history.caught_up = Some(*caught_up);
                    history.drain_detail = detail.clone();
                    history.committed = committed.iter().copied().collect();
                }
                Event::RunFinished { error } => history.run_error = error.clone(),
                Event::FaultApplied { fault } => applied.push(fault.clone()),
                // A failure after the fault was applied is its heal's: the
                // fault was injected, and held longer.
                Event::FaultFailed { fault, error } if !applied.contains(fault) => {
                    history.not_injected.push(format!("{fault}: {error}"));
                }
                _ => {}
            }
        }
        if !started {
            return Err("the trace has no run_started line: not a run directory of ldfi".to_string());
        }
        history.outputs.sort_by_key(|o| (o.partition, o.offset));
        Ok(history)
    }

    /// Acknowledged inputs by id.
    pub fn acked(&self) -> BTreeMap<&str, &Input> {
        self.inputs.iter().filter(|i| i.acked).map(|i| (i.id.as_str(), i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(source: &str, run: &str, time_ms: u64) -> TraceLine {
        TraceLine {
            time_ms,
            source: source.into(),
            step: Some(0),
            event: Event::RunStarted {
                scenario: "s".into(),
                campaign: "c".into(),
                run: run.into(),
                seed: 1,
                plan: serde_json::Value::Null,
                input_topic: format!("in.c-{run}"),
                output_topic: format!("out.c-{run}"),
                more_outputs: vec![],
                group: format!("g.c-{run}"),
                stages: Vec::new(),
                properties: vec!["no-lost-acked".into()],
                read_committed: false,
                acks: None,
                input_min_isr: None,
                value_format: None,
                key_format: None,
                checker: Default::default(),
                side_topic: None,
                setup_ms: None,
            },
        }
    }

    #[test]
    fn a_second_run_started_is_refused_not_taken_as_the_run() {
        let one = [started("harness", "r0", 1)];
        assert_eq!(History::from_trace(&one).unwrap().run.run, "r0");
        let two = [started("harness", "r0", 1), started("pipeline-1", "r7", 2)];
        let e = History::from_trace(&two).unwrap_err();
        assert!(e.contains("run_started twice") && e.contains("\"r7\"") && e.contains("\"pipeline-1\""), "{e}");
        assert!(e.contains("fix:"), "{e}");
        assert!(History::from_trace(&[]).unwrap_err().contains("no run_started"));
    }

    #[test]
    fn a_merged_side_topic_holds_inputs_and_a_joined_one_what_they_meet() {
        let produced = |id: &str, topic: &str| TraceLine {
            time_ms: 5,
            source: "workload".into(),
            step: Some(0),
            event: Event::Produced {
                id: id.into(),
                key: "k0".into(),
                value: "v".into(),
                topic: topic.into(),
                partition: Some(0),
                offset: Some(0),
                leader: None,
                error: None,
                timestamp_ms: None,
            },
        };
        let mut start = started("harness", "r0", 1);
        if let Event::RunStarted { side_topic, checker, .. } = &mut start.event {
            *side_topic = Some("side.c-r0".into());
            checker.merge = Some(true);
        }
        let lines = [start.clone(), produced("in-0", "in.c-r0"), produced("side-0", "side.c-r0")];
        let merged = History::from_trace(&lines).unwrap();
        let topics: Vec<&str> = merged.inputs.iter().map(|i| merged.run.input_topic_of(i)).collect();
        assert_eq!((topics, merged.side_inputs.len()), (vec!["in.c-r0", "side.c-r0"], 0));
        assert_eq!(merged.run.input_topics().collect::<Vec<_>>(), ["in.c-r0", "side.c-r0"]);
        if let Event::RunStarted { checker, .. } = &mut start.event {
            checker.merge = None;
        }
        let joined = History::from_trace(&[start, lines[1].clone(), lines[2].clone()]).unwrap();
        assert_eq!((joined.inputs.len(), joined.side_inputs.len()), (1, 1));
        assert_eq!(joined.run.input_topics().count(), 1);
    }
}
