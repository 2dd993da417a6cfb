//! The scenario file as written: TOML read by serde, unknown fields refused,
//! positions kept for the fields that validation judges.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default)]
    pub topics: Vec<RawTopic>,
    pub pipeline: RawPipeline,
    /// Later stages of a chain, each reading the output of the one before.
    #[serde(default)]
    pub stages: Vec<RawPipeline>,
    pub workload: RawWorkload,
    pub properties: Option<Spanned<Vec<String>>>,
    pub checker: Option<RawChecker>,
    pub faults: RawFaults,
    #[serde(default)]
    pub strategy: RawStrategy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub brokers: Option<Spanned<u8>>,
    pub image: Option<String>,
    #[serde(default)]
    pub broker_configs: BTreeMap<String, toml::Value>,
    /// Reuse a running cluster between runs (topics and groups are reset).
    pub reuse: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub name: Spanned<String>,
    pub partitions: Option<Spanned<i32>>,
    pub replication_factor: Option<Spanned<i32>>,
    pub min_insync_replicas: Option<Spanned<i32>>,
    #[serde(default)]
    pub configs: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    /// A shipped pipeline: `copy`, `wordcount` or `exactly-once`.
    pub kind: Option<Spanned<String>>,
    /// Or any command, run in each instance's client node.
    pub command: Option<Spanned<Vec<String>>>,
    /// The user's image; its own entrypoint runs unless `command` is set.
    pub image: Option<Spanned<String>>,
    /// A JVM app: its jar (relative to the scenario file), run with Kafka's
    /// client and Streams jars on the classpath.
    pub jar: Option<Spanned<String>>,
    pub main_class: Option<Spanned<String>>,
    /// The JVM app's arguments (placeholders filled in).
    pub args: Option<Spanned<Vec<String>>>,
    /// Host directories or files mounted read-only into every instance.
    #[serde(default)]
    pub mounts: Vec<RawMount>,
    /// Templates rendered with the placeholders into read-only files.
    #[serde(default)]
    pub files: Vec<RawFile>,
    /// Suffix topics and group with the run (default true); false runs an
    /// app with hard-coded names, and ldfi deletes them between runs.
    pub run_suffix: Option<bool>,
    /// Attach the OpenTelemetry Java agent (default: true for `jar`).
    pub otel_agent: Option<bool>,
    /// How output values are encoded: `text`, `long`, `json`.
    pub value_format: Option<Spanned<String>>,
    /// How output keys are encoded: `text`, `windowed`.
    pub key_format: Option<Spanned<String>>,
    /// Longest wait for every instance to join the group before step 0.
    pub startup_secs: Option<Spanned<u64>>,
    pub instances: Option<Spanned<u8>>,
    pub input: Spanned<String>,
    pub output: Spanned<String>,
    /// Topics the stage writes beside `output` (a `split`'s branches, a
    /// stream written to several topics): the checker reads them all.
    pub more_outputs: Option<Spanned<Vec<String>>>,
    pub group: Option<String>,
    pub bugs: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub topic: Option<Spanned<String>>,
    pub records_per_step: Option<Spanned<u32>>,
    pub keys: Option<Spanned<RawKeys>>,
    pub value_bytes: Option<u32>,
    pub acks: Option<Spanned<String>>,
    /// Wall time given to the pipeline after each step's batch.
    pub step_millis: Option<u64>,
    /// Longest wait for the pipeline to catch up at the end.
    pub drain_secs: Option<u64>,
    /// How long the output must stay unchanged before it is read.
    pub quiet_millis: Option<u64>,
    /// Words drawn for record values (word count); default: w0..w9.
    pub words: Option<Vec<String>>,
    /// `[min, max]`: whole numbers as values instead of words.
    pub numbers: Option<Spanned<Vec<i64>>>,
    /// `[workload.side]`: a second topic the workload writes (a join's
    /// table or other stream).
    pub side: Option<RawSide>,
    /// The steps that carry a batch; the others are quiet.
    pub busy_steps: Option<Spanned<Vec<u32>>>,
}

/// `[workload.side]`: one record per key at each of its busy steps.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSide {
    pub topic: Spanned<String>,
    pub busy_steps: Option<Spanned<Vec<u32>>>,
    pub words: Option<Vec<String>>,
    pub numbers: Option<Spanned<Vec<i64>>>,
}

/// `[checker]`: what the properties must know of the pipeline's function.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecker {
    pub keep_at_least: Option<i64>,
    pub multiply: Option<i64>,
    pub window_millis: Option<Spanned<u64>>,
    pub grace_millis: Option<Spanned<u64>>,
    pub advance_millis: Option<Spanned<u64>>,
    pub session_gap_millis: Option<Spanned<u64>>,
    pub sliding_millis: Option<Spanned<u64>>,
    pub left_join: Option<Spanned<bool>>,
    pub outer_join: Option<Spanned<bool>>,
    pub global_table: Option<Spanned<bool>>,
    pub join_window_millis: Option<Spanned<u64>>,
    pub join_output: Option<Spanned<String>>,
    pub suppressed: Option<Spanned<bool>>,
    pub each_output: Option<Spanned<bool>>,
    pub merge: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaults {
    pub eot: Spanned<u32>,
    pub eff: Option<Spanned<u32>>,
    pub max_crashes: Option<u32>,
    pub max_partitions: Option<u32>,
    pub max_faults: Option<Spanned<u32>>,
    pub kinds: Option<Spanned<Vec<String>>>,
    pub targets: Option<Spanned<Vec<String>>>,
    /// A lossy link's share of dropped packets (0 < loss < 1).
    pub loss: Option<Spanned<f64>>,
    /// A slow link's bandwidth, as `tc` writes it (`"64kbit"`).
    pub rate: Option<Spanned<String>>,
    /// A delayed link's hold on each packet (`"500ms"`).
    pub delay: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrategy {
    pub name: Option<Spanned<String>>,
    pub max_runs: Option<u32>,
    /// Injections of each plan before it counts as survived.
    pub tries: Option<Spanned<u32>>,
}

/// `keys = 8` (inputs keyed k0..k7) or `keys = "word"` (keyed by their word).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawKeys {
    Count(u32),
    Name(String),
}

/// `{ host = "app/", path = "/app" }`: a read-only bind mount.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMount {
    pub host: Spanned<String>,
    pub path: Spanned<String>,
}

/// `{ path = "/etc/app.properties", template = "app.properties" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub path: Spanned<String>,
    pub template: Spanned<String>,
}
