//! The history of one run, as the checker sees it: built from the trace
//! alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::trace::{Event, TraceLine, ValueFormat};

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
    pub group: String,
    pub properties: Vec<String>,
    pub read_committed: bool,
    /// How the pipeline encodes the values the checker reads as numbers
    /// (text when the trace does not say).
    #[serde(default)]
    pub value_format: ValueFormat,
}

/// An input record the workload wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub id: String,
    pub key: String,
    pub value: String,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub step: Option<u32>,
    /// Acknowledged by the cluster.
    pub acked: bool,
    pub error: Option<String>,
}

/// An output record the checker read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
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
    pub outputs: Vec<Output>,
    /// `Some(true)` when the pipeline caught up before the outputs were read.
    pub caught_up: Option<bool>,
    pub drain_detail: String,
    /// Set when the run itself failed.
    pub run_error: Option<String>,
}

impl History {
    /// Builds the history from a run's trace lines.
    pub fn from_trace(lines: &[TraceLine]) -> Result<History, String> {
        let mut history = History::default();
        let mut started = false;
        for line in lines {
            match &line.event {
                Event::RunStarted {
                    scenario, campaign, run, seed, plan, input_topic, output_topic, group, properties, read_committed,
                    value_format, ..
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
                        group: group.clone(),
                        properties: properties.clone(),
                        read_committed: *read_committed,
                        value_format: value_format.unwrap_or_default(),
                    };
                }
                Event::Produced { id, key, value, partition, offset, error, .. } => history.inputs.push(Input {
                    id: id.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    partition: *partition,
                    offset: *offset,
                    step: line.step,
                    acked: error.is_none() && offset.is_some(),
                    error: error.clone(),
                }),
                Event::CheckerRead { partition, offset, key, value, value_hex, ids, .. } => history.outputs.push(Output {
                    partition: *partition,
                    offset: *offset,
                    key: key.clone(),
                    value: value.clone(),
                    value_hex: value_hex.clone(),
                    ids: ids.clone(),
                }),
                Event::Drained { caught_up, detail, .. } => {
                    history.caught_up = Some(*caught_up);
                    history.drain_detail = detail.clone();
                }
                Event::RunFinished { error } => history.run_error = error.clone(),
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
