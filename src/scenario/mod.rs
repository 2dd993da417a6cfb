//! Scenarios: what to run, against what, under which fault budget.
//!
//! A scenario file (TOML, see `scenarios/`) is read into a raw struct by
//! serde, unknown fields refused, then validated into a [`Scenario`]; every
//! problem names the file, the line and column, the field and the fix, and
//! all problems are reported at once (a type error, which stops serde, is
//! reported alone). Everything a scenario sends to Kafka or Docker (topic
//! and group names, broker and topic configs, environment keys, images,
//! placeholders) is checked by their rules here ([`names`], [`image`]),
//! before a cluster starts.

mod error;
mod expect;
mod file;
mod kind;
pub mod image;
mod locate;
pub mod names;
mod name;
mod problems;
pub mod program;
mod raw;
mod syntax;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use error::{Problem, ScenarioError};
pub use file::{read_text, ReadError, MAX_SCENARIO_BYTES};
pub use kind::{is_broker, FaultKind, Realizes};
pub use name::{is_name, MAX_NAME_LEN, NAME_RULE};

use crate::cluster::TopicSpec;
use crate::model::{Delay, Expectations, Loss, NodeId, Rate};
use crate::trace::{KeyFormat, ValueFormat};
use crate::workload::{Acks, Keys};

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// File it was read from.
    pub path: PathBuf,
    pub seed: u64,
    pub cluster: ClusterSettings,
    pub topics: Vec<TopicSpec>,
    /// The pipeline, or the first stage of a chain.
    pub pipeline: PipelineSpec,
    /// A chain's later stages, in order: each reads the output of the one
    /// before it; the checker reads the last one's output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<PipelineSpec>,
    pub workload: WorkloadSpec,
    pub properties: Vec<Property>,
    /// What the properties must know of the pipeline's function.
    #[serde(default, skip_serializing_if = "Expectations::is_empty")]
    pub checker: Expectations,
    pub budget: FaultBudget,
    pub strategy: StrategySpec,
}

/// The cluster part of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSettings {
    pub brokers: u8,
    /// Broker image; `None` means the default (`LDFI_KAFKA_IMAGE` or ours).
    pub image: Option<String>,
    pub broker_configs: std::collections::BTreeMap<String, String>,
    /// Reuse a running cluster between runs.
    pub reuse: bool,
}

/// The pipeline under test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineSpec {
    pub program: Program,
    pub instances: u8,
    pub input: String,
    pub output: String,
    /// Topics written beside `output` (a `split`'s branches), read by the
    /// checker with it; only the chain's last stage has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_outputs: Vec<String>,
    pub group: String,
    pub bugs: Vec<Bug>,
    /// Environment of every instance; values may hold placeholders.
    pub env: std::collections::BTreeMap<String, String>,
    /// The user's image (`None`: the client image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Read-only bind mounts into every instance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// Files rendered from templates with the placeholders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileTemplate>,
    /// Topics and group carry the run's suffix (false: used as named, and
    /// deleted between runs).
    #[serde(default = "yes")]
    pub run_suffix: bool,
    /// The OpenTelemetry Java agent is attached (`JAVA_TOOL_OPTIONS`).
    #[serde(default)]
    pub otel_agent: bool,
    /// How the output values the checker reads as numbers are encoded.
    #[serde(default)]
    pub value_format: ValueFormat,
    /// How the output keys are encoded (text, or Kafka Streams' windowed
    /// serde).
    #[serde(default)]
    pub key_format: KeyFormat,
    /// Longest wait for every instance to join the group before step 0.
    #[serde(default = "startup_default")]
    pub startup_secs: u64,
}

fn yes() -> bool {
    true
}

fn startup_default() -> u64 {
    120
}

/// A host path mounted read-only into each instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// Absolute host path (resolved against the scenario's folder).
    pub host: PathBuf,
    /// Absolute path inside the instance.
    pub path: String,
}

/// A template (host file) rendered per instance into a read-only file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTemplate {
    /// Absolute path inside the instance.
    pub path: String,
    /// The template's text, as read when the scenario was loaded.
    pub template: String,
}

/// The placeholders a pipeline's command, args, env values and file
/// templates may hold, each filled per run and instance.
pub const PLACEHOLDERS: [&str; 8] = ["bootstrap", "input", "output", "outputs", "group", "instance", "otlp", "side"];

/// The placeholders of a stage with `more` topics in `more_outputs`:
/// [`PLACEHOLDERS`], and `{output2}` .. for each of them.
pub fn placeholders(more: usize) -> Vec<String> {
    PLACEHOLDERS.iter().map(|p| p.to_string()).chain((0..more).map(|n| format!("output{}", n + 2))).collect()
}

/// Which program a pipeline instance runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Program {
    /// One of the pipelines shipped with ldfi.
    Shipped(PipelineKind),
    /// Any command, run in the instance's client node.
    Command(Vec<String>),
    /// The image's own entrypoint and command.
    Entrypoint,
    /// A JVM app's jar run with Kafka's client and Streams jars.
    Jar { jar: PathBuf, main_class: String, args: Vec<String> },
}

impl std::fmt::Display for Program {
    /// `copy` for a shipped pipeline, the command line for any other.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Program::Shipped(PipelineKind::Copy) => f.write_str("copy"),
            Program::Shipped(PipelineKind::Wordcount) => f.write_str("wordcount"),
            Program::Shipped(PipelineKind::ExactlyOnce) => f.write_str("exactly-once"),
            Program::Command(argv) => write!(f, "`{}`", argv.join(" ")),
            Program::Entrypoint => f.write_str("the image's entrypoint"),
            Program::Jar { jar, main_class, .. } => write!(f, "{main_class} from {}", jar.display()),
        }
    }
}

/// The pipelines shipped with ldfi (`pipelines/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PipelineKind {
    /// Copy/transform, at least once: commit after the output is acked.
    Copy,
    /// Word count with state restored from a compacted changelog.
    Wordcount,
    /// Read-process-write in transactions.
    ExactlyOnce,
}

impl PipelineKind {
    /// Name of the shipped binary.
    pub fn binary(&self) -> &'static str {
        match self {
            PipelineKind::Copy => "ldfi-copy",
            PipelineKind::Wordcount => "ldfi-wordcount",
            PipelineKind::ExactlyOnce => "ldfi-exactly-once",
        }
    }
}

/// The classic bugs the shipped pipelines can be switched into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bug {
    /// Commit the input offset before the output is acknowledged.
    CommitBeforeProduce,
    /// Output producer with `acks=1`.
    AcksOne,
    /// Output producer without idempotence, with retries.
    NoIdempotence,
    /// Exactly-once pipeline without transactions.
    NoTransactions,
    /// Word count does not restore its state after a restart.
    NoStateRestore,
}

impl Bug {
    pub const ALL: [Bug; 5] =
        [Bug::CommitBeforeProduce, Bug::AcksOne, Bug::NoIdempotence, Bug::NoTransactions, Bug::NoStateRestore];

    /// The name used in scenario files and in `LDFI_BUGS`.
    pub fn name(&self) -> &'static str {
        match self {
            Bug::CommitBeforeProduce => "commit-before-produce",
            Bug::AcksOne => "acks-one",
            Bug::NoIdempotence => "no-idempotence",
            Bug::NoTransactions => "no-transactions",
            Bug::NoStateRestore => "no-state-restore",
        }
    }
}

/// The workload driven by the harness, step by step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSpec {
    pub topic: String,
    pub records_per_step: u32,
    /// `k0 ..` up to a count, or each input's word (`keys = "word"`): one
    /// word in one partition, as after a word count's repartition by word.
    pub keys: Keys,
    pub value_bytes: u32,
    pub acks: Acks,
    pub step_millis: u64,
    pub drain_secs: u64,
    /// How long the output must stay unchanged, once the input is caught
    /// up, before the checker reads it.
    pub quiet_millis: u64,
    pub words: Vec<String>,
    /// Whole numbers drawn from `min..=max` as the values, instead of
    /// words (`numbers = [1, 100]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<(i64, i64)>,
    /// A second topic the workload writes, one record per key at each of
    /// its busy steps, before the step's batch: a join's table, or the
    /// other stream of a stream-stream join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<SideSpec>,
    /// The steps at which the workload writes its batch, ascending; `None`:
    /// every step. Traffic in bursts, as in production: between them nothing
    /// is in flight, and the lineage shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_steps: Option<Vec<u32>>,
}

/// The workload's second topic (`[workload.side]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideSpec {
    pub topic: String,
    /// The steps that carry a record per key; `None`: every step.
    pub busy_steps: Option<Vec<u32>>,
    /// Values drawn from these words; empty: each record's value is its id.
    pub words: Vec<String>,
    pub numbers: Option<(i64, i64)>,
}

impl SideSpec {
    pub fn busy(&self, step: u32) -> bool {
        self.busy_steps.as_ref().is_none_or(|steps| steps.contains(&step))
    }

    pub fn values(&self) -> crate::workload::Values<'_> {
        match self.numbers {
            Some((min, max)) => crate::workload::Values::Numbers { min, max },
            None if self.words.is_empty() => crate::workload::Values::Ids,
            None => crate::workload::Values::Words(&self.words),
        }
    }
}

impl WorkloadSpec {
    /// What the inputs' values are drawn from.
    pub fn values(&self) -> crate::workload::Values<'_> {
        match self.numbers {
            Some((min, max)) => crate::workload::Values::Numbers { min, max },
            None => crate::workload::Values::Words(&self.words),
        }
    }

    /// Whether the workload writes its batch at `step`.
    pub fn busy(&self, step: u32) -> bool {
        self.busy_steps.as_ref().is_none_or(|steps| steps.contains(&step))
    }
}

/// A property checked after every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Property {
    /// Every acknowledged input reaches the output.
    NoLostAcked,
    /// No input reaches the output twice.
    NoDuplicates,
    /// Outputs of one key keep the order of their inputs.
    PerKeyOrder,
    /// Every acknowledged input appears exactly once among committed outputs.
    ExactlyOnce,
    /// Final word counts equal the counts of the acknowledged inputs.
    WordCounts,
    /// A stateless filter and map of numbers: each acknowledged input the
    /// filter keeps (`[checker] keep_at_least`) reaches the output once,
    /// with its number times `[checker] multiply`; no other does.
    FilterMap,
    /// The final sum and count of each key equal those of its acknowledged
    /// inputs' numbers.
    KeySums,
    /// Each time window of each key (`[checker] window_millis`,
    /// `advance_millis` when they hop, `grace_millis`) is emitted once it
    /// has closed, once, with the count of its acknowledged inputs.
    WindowCounts,
    /// A stream–table join: each acknowledged stream record written once
    /// with its own value and a table row of its key no newer than itself.
    TableJoin,
    /// A windowed stream–stream join: every pair of acknowledged records of
    /// one key within `[checker] join_window_millis` written once, no
    /// other pair.
    StreamJoin,
    /// A KTable–KTable join: each key's last output joins its two
    /// tables' last values; every output joins values of its own key.
    TableTableJoin,
}

impl Property {
    pub const ALL: [Property; 11] = [
        Property::NoLostAcked,
        Property::NoDuplicates,
        Property::PerKeyOrder,
        Property::ExactlyOnce,
        Property::WordCounts,
        Property::FilterMap,
        Property::KeySums,
        Property::WindowCounts,
        Property::TableJoin,
        Property::StreamJoin,
        Property::TableTableJoin,
    ];

    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Property::NoLostAcked => "no-lost-acked",
            Property::NoDuplicates => "no-duplicates",
            Property::PerKeyOrder => "per-key-order",
            Property::ExactlyOnce => "exactly-once",
            Property::WordCounts => "word-counts",
            Property::FilterMap => "filter-map",
            Property::KeySums => "key-sums",
            Property::WindowCounts => "window-counts",
            Property::TableJoin => "table-join",
            Property::StreamJoin => "stream-join",
            Property::TableTableJoin => "table-table-join",
        }
    }
}

/// What faults a campaign may inject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultBudget {
    /// End of time: steps 0..eot.
    pub eot: u32,
    /// End of finite failures: every fault healed by this step.
    pub eff: u32,
    pub max_crashes: u32,
    pub max_partitions: u32,
    /// At most this many faults in one plan, of any kind, when fewer than
    /// `max_crashes + max_partitions`: `max_faults = 1` with a crash and a
    /// partition allowed asks for every single fault, never a pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_faults: Option<u32>,
    pub kinds: Vec<FaultKind>,
    /// Nodes faults may target; empty means every broker and instance.
    pub targets: Vec<NodeId>,
    /// The share of packets a `lossy-link` drops.
    #[serde(default = "FaultBudget::default_loss")]
    pub loss: Loss,
    /// The bandwidth a `slow-link` leaves to what its node sends.
    #[serde(default = "FaultBudget::default_rate")]
    pub rate: Rate,
    /// How long a `delay-link` holds each packet.
    #[serde(default = "FaultBudget::default_delay")]
    pub delay: Delay,
}

impl FaultBudget {
    /// `loss` when the scenario does not say: enough that TCP retransmits
    /// often, not so much that nothing gets through.
    pub fn default_loss() -> Loss {
        Loss::new(0.3).expect("a probability")
    }

    /// `rate` when the scenario does not say: a few kilobytes a second, so
    /// that a batch of records takes longer to send than a request's
    /// timeout of seconds.
    pub fn default_rate() -> Rate {
        "64kbit".parse().expect("a rate")
    }

    /// `delay` when the scenario does not say: a round trip two delays
    /// longer, a second, past a short request timeout and well within
    /// Kafka's defaults.
    pub fn default_delay() -> Delay {
        "500ms".parse().expect("a delay")
    }
}

/// How a campaign searches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySpec {
    pub name: StrategyName,
    pub max_runs: u32,
    /// Each fault plan is injected up to this many times before it counts
    /// as survived (`--tries` overrides): for a bug whose window timing
    /// hits only some of the time, where one passing run would let a
    /// certificate cover it.
    #[serde(default = "one")]
    pub tries: u32,
}

fn one() -> u32 {
    1
}

/// A search strategy, by the name scenario files (`[strategy] name`), the
/// command line (`--strategy`) and summary.json give it. Which names
/// exist, and what each one does, is the campaign's registry
/// (`search::strategy::REGISTRY`): a strategy is added there, not here.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StrategyName(std::borrow::Cow<'static, str>);

impl StrategyName {
    /// The default, and the point of the tool: lineage-driven.
    pub const LDFI: StrategyName = StrategyName(std::borrow::Cow::Borrowed("ldfi"));

    /// The name used in files and on the command line.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl From<&str> for StrategyName {
    fn from(name: &str) -> StrategyName {
        StrategyName(std::borrow::Cow::Owned(name.to_string()))
    }
}

/// A name read from a file (summary.json is read as hostile input) is a
/// strategy's name or refused: 1 to 10 lowercase letters
/// ([`names::strategy`]).
impl TryFrom<String> for StrategyName {
    type Error = String;

    fn try_from(name: String) -> Result<StrategyName, String> {
        names::strategy(&name)?;
        Ok(StrategyName(std::borrow::Cow::Owned(name)))
    }
}

impl From<StrategyName> for String {
    fn from(name: StrategyName) -> String {
        name.0.into_owned()
    }
}

/// The name capitalized (`Ldfi`), as report.md and messages have shown a
/// strategy since it was an enum.
impl std::fmt::Debug for StrategyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut chars = self.0.chars();
        if let Some(first) = chars.next() {
            write!(f, "{}{}", first.to_ascii_uppercase(), chars.as_str())?;
        }
        Ok(())
    }
}

impl std::fmt::Display for StrategyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Scenario {
    /// Reads and validates a scenario file: a regular file of at most
    /// [`MAX_SCENARIO_BYTES`] (a FIFO or a device is refused before it is
    /// read).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let source = read_text(path, MAX_SCENARIO_BYTES)
            .map_err(|source| ScenarioError::Read { file: path.to_path_buf(), source })?;
        Scenario::parse(path, &source)
    }

    /// Validates scenario text; `path` names it in errors.
    pub fn parse(path: &Path, source: &str) -> Result<Scenario, ScenarioError> {
        validate::parse(path, source)
            .map_err(|problems| ScenarioError::Invalid { file: path.to_path_buf(), problems })
    }

    /// The client node name of pipeline instance `i` (1-based).
    pub fn instance_name(i: u8) -> String {
        format!("pipeline-{i}")
    }

    /// The pipeline's stages in order: the first, then a chain's later ones.
    pub fn chain(&self) -> impl Iterator<Item = &PipelineSpec> {
        std::iter::once(&self.pipeline).chain(&self.stages)
    }

    /// Every instance of every stage, with its stage's index in the chain
    /// (0: `[pipeline]`): instances are numbered along the chain (a first
    /// stage of 2 runs pipeline-1 and pipeline-2, the next stage's first
    /// instance is pipeline-3), so that a node's name says what it is
    /// wherever a fault, a fact or a report names it.
    pub fn instances(&self) -> Vec<(String, usize, &PipelineSpec)> {
        let mut all = Vec::new();
        for (index, stage) in self.chain().enumerate() {
            for _ in 0..stage.instances {
                all.push((Scenario::instance_name(all.len() as u8 + 1), index, stage));
            }
        }
        all
    }

    /// Which stage of the chain (0: `[pipeline]`) runs instance `name`.
    pub fn stage_of(&self, name: &str) -> Option<usize> {
        self.instances().into_iter().find(|(n, _, _)| n == name).map(|(_, index, _)| index)
    }

    /// The names of every instance of every stage.
    pub fn instance_names(&self) -> Vec<String> {
        self.instances().into_iter().map(|(name, _, _)| name).collect()
    }

    /// The topic the checker reads: the last stage's output.
    pub fn output(&self) -> &str {
        &self.stages.last().unwrap_or(&self.pipeline).output
    }

    /// Every topic the checker reads: the last stage's output, then the
    /// others it writes.
    pub fn outputs(&self) -> impl Iterator<Item = &str> {
        let last = self.stages.last().unwrap_or(&self.pipeline);
        std::iter::once(last.output.as_str()).chain(last.more_outputs.iter().map(String::as_str))
    }
}
