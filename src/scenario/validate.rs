//! From the raw file to a [`Scenario`]: defaults filled in, every rule
//! checked, every problem collected with its position.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;

use super::error::Problem;
use super::locate::key;
use super::problems::Checker;
use super::program::Table;
use super::raw::{self, RawKeys};
use super::{image, names, syntax};
use super::*;

fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Kafka configs (a broker's or a topic's), each with its field prefix and
/// key path: names by Kafka's rules, values one-line scalars, and none of
/// the broker settings ldfi sets itself.
fn check_configs(c: &mut Checker, configs: &BTreeMap<String, toml::Value>, field: &str, path: &[&str], broker: bool) {
    // What every broker gets from ldfi, whatever the scenario says (see
    // `cluster::spec::broker_env`).
    const OWN: [&str; 8] = [
        "node.id",
        "process.roles",
        "listeners",
        "advertised.listeners",
        "controller.listener.names",
        "listener.security.protocol.map",
        "inter.broker.listener.name",
        "controller.quorum.voters",
    ];
    for (k, v) in configs {
        let name = format!("{field}.{}", key(k));
        let at: Vec<&str> = path.iter().copied().chain([k.as_str()]).collect();
        if let Err(why) = names::config_key(k) {
            c.at_key(&at, &name, why, "use the config's name as Kafka documents it, e.g. \"log.retention.ms\"");
            continue;
        }
        if broker && OWN.contains(&k.as_str()) {
            c.at_key(&at, &name, format!("{k} is set by ldfi for every broker (addresses, KRaft roles)"), "drop it");
        }
        let text = match v {
            toml::Value::String(_) | toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => value_text(v),
            other => {
                let what = match other {
                    toml::Value::Array(_) => "an array",
                    toml::Value::Table(_) => "a table",
                    _ => "a date or time",
                };
                c.at_key(&at, &name, format!("{what} is not a config value"),
                    "give a string, a number or a boolean (a list as one string, comma-separated)");
                continue;
            }
        };
        if let Err(why) = names::one_line(&text) {
            c.at_key(&at, &name, why, "give the value on one line, without control characters");
        }
    }
}

fn names<T: Copy>(all: &[T], name: fn(&T) -> &'static str) -> String {
    all.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// Parses and validates; all problems or a scenario.
pub fn parse(path: &Path, source: &str) -> Result<Scenario, Vec<Problem>> {
    let (raw, doc) = syntax::parse(source)?;
    let mut c = Checker { source, doc: doc.get_ref(), problems: Vec::new() };
    // Each part checks its tables and says what it found; the order of the
    // calls is the order of problems that name no place in the file.
    let (name, suffix) = scenario_name(&mut c, &raw);
    let (brokers, broker_configs) = cluster(&mut c, &raw);
    let topics = topics(&mut c, &raw, brokers, suffix);
    let declared = |topic: &str| topics.iter().any(|t| t.name == topic);
    let Chain { first, stages, instances } = chain(&mut c, &raw, path, &name, suffix, &declared);
    let last_program = stages.last().or(first.as_ref()).map(|s| s.program.clone());
    let w = &raw.workload;
    let Workload { topic, acks, numbers, keys } = workload(&mut c, &raw, &declared, first.as_ref(), &stages);
    let properties = properties(&mut c, &raw, last_program.as_ref());
    let checker = super::expect::expectations(&mut c, raw.checker.as_ref(), &properties, w.numbers.is_some());
    outputs_judged_together(&mut c, &raw, &properties, checker.each_output == Some(true));
    let budget = budget(&mut c, &raw.faults, brokers, instances);
    let strategy = strategy_name(&mut c, &raw);
    let busy_steps = busy_steps(&mut c, w, budget.eot);
    let side = super::expect::side(&mut c, w.side.as_ref(), keys, &topic, budget.eot, &declared);
    super::expect::joins(&mut c, &properties, side.is_some(), w);
    super::expect::merge(&mut c, raw.checker.as_ref(), &properties, w);
    let tries = tries(&mut c, &raw);

    if !c.problems.is_empty() {
        // In the order of the file; problems of no one place last.
        c.problems.sort_by_key(|p| p.position.unwrap_or((usize::MAX, 0)));
        return Err(c.problems);
    }
    let shipped = first.iter().chain(&stages).all(|s| matches!(s.program, Program::Shipped(_)));
    Ok(Scenario {
        name: name.clone(),
        description: raw.description.clone().unwrap_or_default(),
        path: path.to_path_buf(),
        seed: raw.seed.unwrap_or(1),
        cluster: ClusterSettings { brokers, image: raw.cluster.image.clone(), broker_configs, reuse: raw.cluster.reuse.unwrap_or(true) },
        topics,
        pipeline: first.expect("checked above"),
        stages,
        workload: WorkloadSpec {
            topic,
            records_per_step: w.records_per_step.as_ref().map(|v| *v.get_ref()).unwrap_or(20),
            keys,
            value_bytes: w.value_bytes.unwrap_or(16),
            acks,
            step_millis: w.step_millis.unwrap_or(1000),
            // A user's pipeline keeps its clients' defaults: a crashed
            // instance's partitions wait out its session timeout (45 s)
            // before the restarted one gets them, so the drain must outlast
            // it. The shipped pipelines use a 6 s session.
            drain_secs: w.drain_secs.unwrap_or(if shipped { 30 } else { 75 }),
            quiet_millis: w.quiet_millis.unwrap_or(2000),
            words: w.words.clone().unwrap_or_else(|| (0..10).map(|i| format!("w{i}")).collect()),
            numbers,
            side,
            busy_steps,
        },
        properties,
        checker,
        budget,
        strategy: StrategySpec { name: strategy, max_runs: raw.strategy.max_runs.unwrap_or(50), tries },
    })
}

/// The scenario's name, and the room its topic and group names must leave
/// for the run suffix.
fn scenario_name(c: &mut Checker, raw: &raw::RawScenario) -> (String, usize) {
    let name = raw.name.get_ref().clone();
    if !super::is_name(&name) {
        c.at(&raw.name, "name", format!("{name:?} is not a valid name"), "use letters, digits and '-'");
    } else if name.len() > names::MAX_SCENARIO_NAME {
        c.at(&raw.name, "name", format!("{} characters", name.len()),
            format!("use at most {}: the name is part of every campaign's name and of its topics'", names::MAX_SCENARIO_NAME));
    }
    // Topic and group names must leave room for the run suffix.
    let suffix = if raw.pipeline.run_suffix.unwrap_or(true) { names::longest_run_suffix(&name) } else { 0 };
    (name, suffix)
}

/// `[cluster]`: how many brokers, and their settings.
fn cluster(c: &mut Checker, raw: &raw::RawScenario) -> (u8, BTreeMap<String, String>) {
    let brokers = raw.cluster.brokers.as_ref().map(|b| *b.get_ref()).unwrap_or(3);
    if let Some(b) = &raw.cluster.brokers {
        if !(1..=9).contains(b.get_ref()) {
            c.at(b, "cluster.brokers", format!("{} brokers", b.get_ref()), "use 1 to 9 brokers (3 is usual)");
        }
    }
    if let Some(i) = &raw.cluster.image {
        if let Err(why) = image::reference(i) {
            c.at_key(&["cluster", "image"], "cluster.image", format!("{i:?}: {why}"), "name an image as Docker does, e.g. \"apache/kafka:4.1.0\"");
        }
    }
    check_configs(c, &raw.cluster.broker_configs, "cluster.broker_configs", &["cluster", "broker_configs"], true);
    let broker_configs: BTreeMap<String, String> =
        raw.cluster.broker_configs.iter().map(|(k, v)| (k.clone(), value_text(v))).collect();
    (brokers, broker_configs)
}

/// `[[topics]]`, each checked against the cluster.
fn topics(c: &mut Checker, raw: &raw::RawScenario, brokers: u8, suffix: usize) -> Vec<TopicSpec> {
    let mut topics = Vec::new();
    for (i, t) in raw.topics.iter().enumerate() {
        let field = |f: &str| format!("topics[{i}].{f}");
        if let Err(why) = names::topic(t.name.get_ref(), suffix) {
            c.at(&t.name, &field("name"), why, "use 1 to 249 letters, digits, '.', '_' or '-' (shorter with the run suffix; run_suffix = false uses names as written)");
        }
        let index = i.to_string();
        check_configs(c, &t.configs, &field("configs"), &["topics", &index, "configs"], false);
        let partitions = t.partitions.as_ref().map(|p| *p.get_ref()).unwrap_or(3);
        if let Some(p) = &t.partitions {
            if *p.get_ref() < 1 {
                c.at(p, &field("partitions"), "must be at least 1", "set partitions = 1 or more");
            }
        }
        let rf = t.replication_factor.as_ref().map(|r| *r.get_ref()).unwrap_or(i32::from(brokers.min(3)));
        if let Some(r) = &t.replication_factor {
            if *r.get_ref() < 1 || *r.get_ref() > i32::from(brokers) {
                c.at(r, &field("replication_factor"), format!("{} with {brokers} brokers", r.get_ref()),
                    format!("use 1 to {brokers}, or add brokers in [cluster]"));
            }
        }
        let mut spec = TopicSpec::new(t.name.get_ref(), partitions, rf);
        if let Some(m) = &t.min_insync_replicas {
            if *m.get_ref() < 1 || *m.get_ref() > rf {
                c.at(m, &field("min_insync_replicas"), format!("{} with replication factor {rf}", m.get_ref()),
                    format!("use 1 to {rf}"));
            }
            spec = spec.min_insync_replicas(*m.get_ref());
        }
        for (k, v) in &t.configs {
            spec = spec.config(k, value_text(v));
        }
        if topics.iter().any(|x: &TopicSpec| x.name == spec.name) {
            c.at(&t.name, &field("name"), format!("topic {} declared twice", spec.name), "keep one [[topics]] entry per topic");
        }
        topics.push(spec);
    }
    topics
}

/// A chain's stages: the first (`[pipeline]`), the later ones
/// (`[[stages]]`), and the instances of them all, counted from the file.
struct Chain {
    first: Option<PipelineSpec>,
    stages: Vec<PipelineSpec>,
    instances: u8,
}

/// Several output topics judged as one (a `split`'s branches) suit the
/// properties judged record by record; a property that reads a key's last
/// output (an aggregate, a join's table) has no last output across
/// topics, so it is refused unless each topic is judged by itself.
fn outputs_judged_together(c: &mut Checker, raw: &raw::RawScenario, properties: &[Property], each: bool) {
    let last = raw.stages.last().unwrap_or(&raw.pipeline);
    if each || last.more_outputs.as_ref().is_none_or(|m| m.get_ref().is_empty()) {
        return;
    }
    let by_record = [Property::NoLostAcked, Property::NoDuplicates, Property::PerKeyOrder, Property::ExactlyOnce, Property::FilterMap];
    for p in properties.iter().filter(|p| !by_record.contains(p)) {
        c.nowhere("properties", format!("property {} reads one last output per key, and the outputs are judged together (more_outputs)", p.name()),
            "set [checker] each_output = true if the app writes its whole stream to each topic, or judge a split with no-lost-acked, no-duplicates, per-key-order, exactly-once or filter-map");
    }
}

/// `more_outputs` of a stage: declared topics, each once, beside its
/// `output` and not its input; only the chain's last stage, whose output
/// the checker reads, may have them.
fn more_outputs(c: &mut Checker, s: &raw::RawPipeline, more: &Spanned<Vec<String>>, t: &Table, last: bool, declared: &dyn Fn(&str) -> bool) {
    let field = t.field("more_outputs");
    if !last {
        c.at(more, &field, "a stage before the last writes them, but the checker reads the last stage's outputs",
            "list them on the chain's last stage, or chain a stage after each");
        return;
    }
    let mut seen = vec![s.output.get_ref().as_str(), s.input.get_ref().as_str()];
    for topic in more.get_ref() {
        if !declared(topic) {
            c.at(more, &field, format!("topic {topic:?} is not declared"), "add it under [[topics]]");
        } else if seen.contains(&topic.as_str()) {
            c.at(more, &field, format!("topic {topic:?} is listed twice (with output and input)"), "list each other output topic once");
        }
        seen.push(topic);
    }
    if more.get_ref().len() > 7 {
        c.at(more, &field, format!("{} topics", more.get_ref().len()), "list at most 7 beside output");
    }
}

/// Pipeline: the first stage, then any later stages of a chain, each
/// reading what the one before it wrote.
fn chain(c: &mut Checker, raw: &raw::RawScenario, path: &Path, name: &str, suffix: usize, declared: &dyn Fn(&str) -> bool) -> Chain {
    let p = &raw.pipeline;
    // Docker binds need absolute host paths, whatever folder ldfi runs in.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let first_group = p.group.clone().unwrap_or_else(|| format!("{name}-group"));
    let first = pipeline_table(c, p, &Table::pipeline(), &dir, suffix, &declared, first_group.clone());
    let mut stages = Vec::new();
    let mut before: (&str, String) = ("pipeline.output", p.output.get_ref().clone());
    let mut groups = vec![(first_group, "pipeline.group".to_string())];
    for (i, s) in raw.stages.iter().enumerate() {
        let t = Table::stage(i);
        if s.run_suffix.is_some() {
            c.at_key(&t.key(&["run_suffix"]), &t.field("run_suffix"), "run_suffix is set for the whole chain",
                "set it in [pipeline] only");
        }
        if s.input.get_ref() != &before.1 {
            c.at(&s.input, &t.field("input"), format!("reads {:?}, but the stage before writes {:?} ({})", s.input.get_ref(), before.1, before.0),
                format!("set input = {:?}: a stage reads the output of the one before it", before.1));
        }
        let group = s.group.clone().unwrap_or_else(|| format!("{name}-stage{}-group", i + 2));
        if let Some((_, other)) = groups.iter().find(|(g, _)| *g == group) {
            c.at_key(&t.key(&["group"]), &t.field("group"), format!("group {group:?} is also {other}'s"),
                "give each stage its own group (application.id): two stages in one group would share its partitions");
        }
        groups.push((group.clone(), t.field("group")));
        stages.extend(pipeline_table(c, s, &t, &dir, suffix, &declared, group));
        before = ("the stage before", s.output.get_ref().clone());
    }
    for stage in &mut stages {
        stage.run_suffix = p.run_suffix.unwrap_or(true);
    }
    let tables: Vec<(&raw::RawPipeline, Table)> =
        std::iter::once((p, Table::pipeline())).chain(raw.stages.iter().enumerate().map(|(i, s)| (s, Table::stage(i)))).collect();
    for (n, (s, t)) in tables.iter().enumerate() {
        if let Some(more) = &s.more_outputs {
            more_outputs(c, s, more, t, n + 1 == tables.len(), declared);
        }
    }
    if let Some(e) = raw.checker.as_ref().and_then(|k| k.each_output.as_ref()) {
        if tables.last().is_none_or(|(s, _)| s.more_outputs.as_ref().is_none_or(|m| m.get_ref().is_empty())) {
            c.at(e, "checker.each_output", "the pipeline writes one output topic", "drop it, or list the others in more_outputs");
        }
    }
    // Counted from the file, so that a stage refused for its program does
    // not also make every target of a later stage unknown.
    let instances: u8 = std::iter::once(p).chain(&raw.stages).map(|s| s.instances.as_ref().map_or(1, |i| *i.get_ref())).fold(0u8, u8::saturating_add);
    if instances > 16 {
        c.nowhere("stages", format!("{instances} instances in all"), "use at most 16 instances over the whole chain");
    }
    Chain { first, stages, instances }
}

/// What the workload writes and how, as far as the rest of the file needs
/// it before the scenario is assembled.
struct Workload {
    topic: String,
    acks: Acks,
    numbers: Option<(i64, i64)>,
    keys: Keys,
}

/// `[workload]`: its topic, acks, sizes, words or numbers, and keys.
fn workload(c: &mut Checker, raw: &raw::RawScenario, declared: &dyn Fn(&str) -> bool, first: Option<&PipelineSpec>, stages: &[PipelineSpec]) -> Workload {
    let (w, p) = (&raw.workload, &raw.pipeline);
    let topic = w.topic.as_ref().map(|t| t.get_ref().clone()).unwrap_or_else(|| p.input.get_ref().clone());
    if let Some(t) = &w.topic {
        if !declared(t.get_ref()) {
            c.at(t, "workload.topic", format!("topic {:?} is not declared", t.get_ref()), "add it under [[topics]]");
        }
    }
    let acks = match w.acks.as_ref().map(|a| a.get_ref().as_str()) {
        None | Some("all") | Some("-1") => Acks::All,
        Some("1") => Acks::Leader,
        Some(other) => {
            let a = w.acks.as_ref().expect("acks present");
            c.at(a, "workload.acks", format!("unknown acks {other:?}"), "use \"all\" or \"1\"");
            Acks::All
        }
    };
    if let Some(v) = &w.records_per_step {
        if *v.get_ref() == 0 {
            c.at(v, "workload.records_per_step", "must be at least 1", "use 1 or more");
        }
    }
    bounded(c, "records_per_step", w.records_per_step.as_ref().map(|v| u64::from(*v.get_ref())), MAX_RECORDS_PER_STEP, "records");
    bounded(c, "value_bytes", w.value_bytes.map(u64::from), MAX_VALUE_BYTES, "bytes");
    bounded(c, "step_millis", w.step_millis, MAX_STEP_MILLIS, "ms");
    bounded(c, "drain_secs", w.drain_secs, MAX_DRAIN_SECS, "s");
    bounded(c, "quiet_millis", w.quiet_millis, MAX_QUIET_MILLIS, "ms");
    for (i, word) in w.words.iter().flatten().enumerate() {
        if !super::expect::one_word(word) {
            let index = i.to_string();
            c.at_key(&["workload", "words", &index], &format!("workload.words[{i}]"), format!("{word:?} is not one word"),
                "give 1 to 100 characters without spaces, commas or control characters (a word count splits values on spaces)");
        }
    }
    let numbers = super::expect::numbers(c, w);
    // The instances of the chain's word count, if it has one.
    let counting = first.into_iter().chain(stages).filter(|s| s.program == Program::Shipped(PipelineKind::Wordcount)).map(|s| s.instances).max();
    let wordcount = counting.is_some();
    let keys = match w.keys.as_ref() {
        // A word count is right with any number of instances only when one
        // word lives in one partition.
        None if wordcount => Keys::Word,
        None => Keys::Count(8),
        Some(v) => match v.get_ref() {
            RawKeys::Name(name) if name == "word" => Keys::Word,
            RawKeys::Name(name) => {
                c.at(v, "workload.keys", format!("keys = {name:?}"), "use a number of keys (8) or \"word\"");
                Keys::Count(8)
            }
            RawKeys::Count(0) => {
                c.at(v, "workload.keys", "must be at least 1", "use 1 or more, or \"word\"");
                Keys::Count(8)
            }
            RawKeys::Count(n) if counting.is_some_and(|i| i > 1) => {
                let instances = counting.unwrap_or_default();
                c.at(v, "workload.keys", format!("keys = {n} with {instances} wordcount instances: a word would \
                     reach several instances, each counting it from its own state"),
                    "use keys = \"word\" (inputs keyed by their word), or one instance");
                Keys::Count(*n)
            }
            RawKeys::Count(n) => Keys::Count(*n),
        },
    };
    Workload { topic, acks, numbers, keys }
}

/// `properties`, by default the last stage's program's own.
fn properties(c: &mut Checker, raw: &raw::RawScenario, last_program: Option<&Program>) -> Vec<Property> {
    let empty = Spanned::new(0..0, Vec::new());
    let mut properties = Vec::new();
    let property_list = raw.properties.as_ref().unwrap_or(&empty);
    for text in property_list.get_ref() {
        match Property::ALL.iter().find(|p| p.name() == text) {
            Some(property) => properties.push(*property),
            None => c.at(property_list, "properties", format!("unknown property {text:?}"),
                format!("use some of: {}", names(&Property::ALL, Property::name))),
        }
    }
    if properties.is_empty() {
        properties = match &last_program {
            Some(Program::Shipped(PipelineKind::Wordcount)) => vec![Property::WordCounts],
            Some(Program::Shipped(PipelineKind::ExactlyOnce)) => vec![Property::ExactlyOnce],
            _ => vec![Property::NoLostAcked],
        };
    }
    properties
}

/// `[faults]`: the fault budget, its kinds checked against its counts and
/// targets.
fn budget(c: &mut Checker, f: &raw::RawFaults, brokers: u8, instances: u8) -> FaultBudget {
    let empty = Spanned::new(0..0, Vec::new());
    let eot = *f.eot.get_ref();
    if !(1..=100).contains(&eot) {
        c.at(&f.eot, "faults.eot", format!("{eot} steps"), "use 1 to 100 steps");
    }
    let eff = f.eff.as_ref().map(|e| *e.get_ref()).unwrap_or(eot.saturating_sub(1).max(1));
    if let Some(e) = &f.eff {
        if *e.get_ref() > eot || *e.get_ref() == 0 {
            c.at(e, "faults.eff", format!("eff = {} with eot = {eot}", e.get_ref()),
                "faults must end by eff, and 1 <= eff <= eot");
        }
    }
    let mut kinds = Vec::new();
    let kind_list = f.kinds.as_ref().unwrap_or(&empty);
    for text in kind_list.get_ref() {
        match FaultKind::ALL.iter().find(|k| k.name() == text) {
            Some(kind) => kinds.push(*kind),
            None => c.at(kind_list, "faults.kinds", format!("unknown fault kind {text:?}"),
                format!("use some of: {}", names(&FaultKind::ALL, FaultKind::name))),
        }
    }
    let max_crashes = f.max_crashes.unwrap_or(1);
    let max_partitions = f.max_partitions.unwrap_or(1);
    let mut targets = Vec::new();
    let target_list = f.targets.as_ref().unwrap_or(&empty);
    for text in target_list.get_ref() {
        match text.parse::<NodeId>() {
            Ok(NodeId::Broker(b)) if b > brokers => c.at(target_list, "faults.targets",
                format!("{text} but the cluster has {brokers} brokers"), format!("use broker-1 .. broker-{brokers}")),
            Ok(NodeId::Client(name))
                if name != "workload"
                    && !(1..=instances).any(|i| Scenario::instance_name(i) == name) =>
            {
                c.at(target_list, "faults.targets", format!("unknown node {text:?}"),
                    format!("use broker-N, pipeline-1 .. pipeline-{instances}, or workload"))
            }
            Ok(node) => targets.push(node),
            Err(e) => c.at(target_list, "faults.targets", e, "use broker-N, pipeline-N or workload"),
        }
    }
    if f.kinds.is_none() {
        // By default, what the counts allow: crashes (an instance's in the
        // middle of its batch, where a commit and a write a moment apart
        // can be torn), and isolations; each crash kind only where a
        // target is one it takes down.
        let (any, instance) = (targets.is_empty(), |t: &NodeId| FaultKind::CrashInFlight.acts_on(t));
        let crash = any || targets.iter().any(|t| !instance(t));
        let in_flight = any || targets.iter().any(instance);
        kinds = [
            (max_crashes > 0 && crash, FaultKind::Crash),
            (max_crashes > 0 && in_flight, FaultKind::CrashInFlight),
            (max_partitions > 0, FaultKind::Isolate),
        ]
        .into_iter()
        .filter_map(|(listed, kind)| listed.then_some(kind))
        .collect();
    }

    if max_crashes == 0 && max_partitions == 0 {
        c.nowhere("faults", "max_crashes = 0 and max_partitions = 0: the budget allows no fault",
            "set faults.max_crashes or faults.max_partitions to 1 or more");
    }
    unreachable_kinds(c, kind_list, &kinds, max_crashes, max_partitions);
    let (loss, rate, delay) = degradation(c, f, &kinds);
    let max_faults = f.max_faults.as_ref().and_then(|m| {
        let (cap, sum) = (*m.get_ref(), max_crashes.saturating_add(max_partitions));
        if cap == 0 {
            c.at(m, "faults.max_faults", "max_faults = 0: the budget allows no fault", "use 1 or more, or drop the field");
        } else if cap > sum {
            c.at(m, "faults.max_faults", format!("max_faults = {cap} but max_crashes + max_partitions = {sum}"),
                format!("a plan holds at most {sum} faults: use 1 to {sum}, or drop the field"));
        }
        (cap < sum).then_some(cap)
    });
    refining_kind_targets(c, kind_list, &kinds, &targets, target_list);
    FaultBudget { eot, eff, max_crashes, max_partitions, max_faults, kinds, targets, loss, rate, delay }
}

/// `[strategy] name`. Which names exist is the campaign's registry,
/// checked where a campaign starts; here, only that a name can be one.
fn strategy_name(c: &mut Checker, raw: &raw::RawScenario) -> StrategyName {
    match &raw.strategy.name {
        None => StrategyName::LDFI,
        Some(n) => match names::strategy(n.get_ref()) {
            Ok(()) => StrategyName::from(n.get_ref().as_str()),
            Err(e) => {
                c.at(n, "strategy.name", e, "use a strategy's name, as `ldfi campaign --help` lists them");
                StrategyName::LDFI
            }
        },
    }
}

/// `[workload] busy_steps`: the steps that carry a batch, within the run.
fn busy_steps(c: &mut Checker, w: &raw::RawWorkload, eot: u32) -> Option<Vec<u32>> {
    w.busy_steps.as_ref().map(|v| {
        let mut steps = v.get_ref().clone();
        steps.sort_unstable();
        steps.dedup();
        if steps.is_empty() {
            c.at(v, "workload.busy_steps", "no step carries a batch", "list at least one step, or drop the field (every step)");
        }
        if let Some(late) = steps.iter().find(|s| **s >= eot) {
            c.at(v, "workload.busy_steps", format!("step {late} with eot = {eot}"),
                format!("the workload runs over steps 0..{eot}: list steps below {eot}"));
        }
        steps
    })
}

/// `[strategy] tries`: injections of each plan before it counts as
/// survived.
fn tries(c: &mut Checker, raw: &raw::RawScenario) -> u32 {
    match &raw.strategy.tries {
        None => 1,
        Some(t) if (1..=10).contains(t.get_ref()) => *t.get_ref(),
        Some(t) => {
            c.at(t, "strategy.tries", format!("tries = {}", t.get_ref()), "use 1 to 10 injections per plan");
            1
        }
    }
}


/// One stage's table (`[pipeline]` or a `[[stages]]` item), checked:
/// its program, environment, group, instances, topics and bugs. `None`
/// when it names no runnable program (a problem says why).
#[allow(clippy::too_many_arguments)]
fn pipeline_table(
    c: &mut Checker,
    p: &raw::RawPipeline,
    t: &Table,
    dir: &Path,
    suffix: usize,
    declared: &dyn Fn(&str) -> bool,
    group: String,
) -> Option<PipelineSpec> {
    let fields = super::program::program(c, p, t, dir);
    for (k, v) in &p.env {
        let field = t.field(&format!("env.{}", key(k)));
        if let Err(why) = names::env_key(k) {
            c.at_key(&t.key(&["env", k]), &field, why, "use letters, digits and '_', not starting with a digit (POSIX)");
        }
        if v.contains('\0') {
            c.at_key(&t.key(&["env", k]), &field, "the value holds a NUL character", "remove it: an environment value is a C string");
        }
    }
    if let Some(group) = &p.group {
        if let Err(why) = names::topic(group, suffix) {
            c.at_key(&t.key(&["group"]), &t.field("group"), why,
                "use letters, digits, '.', '_' or '-': Kafka Streams names its internal topics after the group");
        }
    }
    let instances = p.instances.as_ref().map(|i| *i.get_ref()).unwrap_or(1);
    if let Some(i) = &p.instances {
        if !(1..=8).contains(i.get_ref()) {
            c.at(i, &t.field("instances"), format!("{} instances", i.get_ref()), "use 1 to 8");
        }
    }
    for (topic, field) in [(&p.input, "input"), (&p.output, "output")] {
        if !declared(topic.get_ref()) {
            c.at(topic, &t.field(field), format!("topic {:?} is not declared", topic.get_ref()), "add it under [[topics]]");
        }
    }
    let mut bugs = Vec::new();
    let empty = Spanned::new(0..0, Vec::new());
    let bug_list = p.bugs.as_ref().unwrap_or(&empty);
    for text in bug_list.get_ref() {
        match Bug::ALL.iter().find(|b| b.name() == text) {
            Some(bug) => bugs.push(*bug),
            None => c.at(bug_list, &t.field("bugs"), format!("unknown bug {text:?}"), format!("use some of: {}", names(&Bug::ALL, Bug::name))),
        }
    }
    if let Some(Program::Shipped(kind)) = &fields.program {
        for bug in &bugs {
            let transactional = *kind == PipelineKind::Wordcount
                || (*kind == PipelineKind::ExactlyOnce && !bugs.contains(&Bug::NoTransactions));
            let fits = match bug {
                Bug::NoTransactions => *kind == PipelineKind::ExactlyOnce,
                Bug::NoStateRestore => *kind == PipelineKind::Wordcount,
                // A transactional producer needs acks=all and idempotence.
                Bug::AcksOne | Bug::NoIdempotence => !transactional,
                Bug::CommitBeforeProduce => true,
            };
            if !fits {
                c.at(bug_list, &t.field("bugs"), format!("{} does not apply to the {kind:?} pipeline", bug.name()),
                    "remove it, or pick the pipeline it belongs to");
            }
        }
    }
    Some(PipelineSpec {
        program: fields.program?,
        instances,
        input: p.input.get_ref().clone(),
        output: p.output.get_ref().clone(),
        more_outputs: p.more_outputs.as_ref().map(|m| m.get_ref().clone()).unwrap_or_default(),
        group,
        bugs,
        env: p.env.clone(),
        image: fields.image,
        mounts: fields.mounts,
        files: fields.files,
        run_suffix: p.run_suffix.unwrap_or(true),
        otel_agent: fields.otel_agent,
        value_format: fields.value_format,
        key_format: fields.key_format,
        startup_secs: fields.startup_secs,
    })
}

/// Upper bounds of the workload's numbers: a run holds every record and
/// waits every wait, so a number in the file must stay within what a run
/// on one machine can hold and finish.
const MAX_RECORDS_PER_STEP: u64 = 100_000;
/// Kafka's default largest message (`message.max.bytes`, about 1 MB).
const MAX_VALUE_BYTES: u64 = 1_000_000;
const MAX_STEP_MILLIS: u64 = 600_000;
const MAX_DRAIN_SECS: u64 = 3_600;
const MAX_QUIET_MILLIS: u64 = 600_000;

/// `workload.<name>`, if given, at most `max`.
fn bounded(c: &mut Checker, name: &str, value: Option<u64>, max: u64, unit: &str) {
    if let Some(v) = value.filter(|v| *v > max) {
        c.at_key(&["workload", name], &format!("workload.{name}"), format!("{v} {unit}, above the limit of {max}"), format!("use at most {max} {unit}"));
    }
}

/// Kinds listed that no plan could ever inject: a node-down kind (crash,
/// stop, pause) with `max_crashes = 0`, a network kind with
/// `max_partitions = 0`, a second node-down kind, or a degraded link or a
/// reset beside another network kind. A node down is realized one way per campaign (the
/// first of crash, stop, pause): the lineage sees a node that did not work
/// at a step, not how it stopped; so is a dropped link.
fn unreachable_kinds(c: &mut Checker, list: &Spanned<Vec<String>>, kinds: &[FaultKind], crashes: u32, partitions: u32) {
    let names = |partition: bool| -> Vec<&str> {
        let mut listed: Vec<FaultKind> = kinds.iter().filter(|k| k.is_partition() == partition).copied().collect();
        listed.sort();
        listed.dedup();
        listed.iter().map(|k| k.name()).collect()
    };
    let (mut down, network) = (names(false), names(true));
    // A kind that takes down brokers only (disk loss) or instances only (a
    // crash in flight) goes beside the general one (checked against the
    // targets in [`refining_kind_targets`]).
    down.retain(|name| !FaultKind::ALL.iter().any(|k| k.name() == *name && k.refines()));
    if crashes == 0 && partitions > 0 && !down.is_empty() {
        c.at(list, "faults.kinds", format!("{} listed, but max_crashes = 0 allows none", down.join(", ")),
            format!("set faults.max_crashes = 1, or drop {} from faults.kinds", down.join(", ")));
    }
    if partitions == 0 && crashes > 0 && !network.is_empty() {
        c.at(list, "faults.kinds", format!("{} listed, but max_partitions = 0 allows none", network.join(", ")),
            format!("set faults.max_partitions = 1, or drop {} from faults.kinds", network.join(", ")));
    }
    if down.len() > 1 {
        c.at(list, "faults.kinds",
            format!("{} listed together: a node down is injected one way in a campaign ({} here, the first of \
                     crash, stop, pause), so {} would never be",
                down.join(" and "), down[0], down[1..].join(" and ")),
            "keep one of them, and run a second campaign (a copy of the scenario) for the other");
    }
    // A degraded link or a reset realizes the same solver variable as a
    // cut ("link dropped during step s"), one way per campaign: listed
    // beside a cut or another such kind, one of them would never be
    // injected, and a certificate would name a kind it never tried.
    let mut alone: Vec<FaultKind> = kinds.iter().filter(|k| k.is_partition() && k.alone()).copied().collect();
    alone.sort();
    alone.dedup();
    if let Some(first) = alone.first() {
        let others: Vec<&str> = network.iter().copied().filter(|n| *n != first.name()).collect();
        if !others.is_empty() {
            c.at(list, "faults.kinds",
                format!("{} listed with {}: a dropped link is injected one way in a campaign, so one of them \
                         would never be", first.name(), others.join(" and ")),
                format!("keep {} alone among the network kinds, and run a second campaign (a copy of the \
                         scenario) for {}", first.name(), others.join(" and ")));
        }
    }
}

/// A node-down kind that acts on brokers only (`disk-loss`) realizes a
/// broker's crash, one that acts on instances only (`crash-in-flight`) an
/// instance's, the general kind the others': each needs a target of its
/// own, or it would never be injected and a certificate would name it.
fn refining_kind_targets(c: &mut Checker, list: &Spanned<Vec<String>>, kinds: &[FaultKind], targets: &[NodeId], target_list: &Spanned<Vec<String>>) {
    if targets.is_empty() {
        return;
    }
    let down: Vec<FaultKind> = kinds.iter().filter(|k| k.realizes() == Realizes::Down).copied().collect();
    let general = down.iter().find(|k| !k.refines());
    for refining in down.iter().filter(|k| k.refines()) {
        let (name, nodes, add) = if refining.brokers_only() {
            (refining.name(), "a broker", "a broker (broker-N)")
        } else {
            (refining.name(), "a pipeline instance", "a pipeline instance (pipeline-N)")
        };
        if !targets.iter().any(|t| refining.acts_on(t)) {
            c.at(target_list, "faults.targets", format!("{name} is listed, but no target is {nodes}: it acts on them only"),
                format!("add {add} to faults.targets, or drop {name} from faults.kinds"));
        }
    }
    if let Some(general) = general {
        let refined = |t: &NodeId| down.iter().any(|k| k.refines() && k.acts_on(t));
        if !down.iter().all(|k| !k.refines()) && targets.iter().all(refined) {
            let name = general.name();
            c.at(list, "faults.kinds",
                format!("{name} listed with {}, which takes down every target here: {name} would never be injected",
                    down.iter().filter(|k| k.refines()).map(|k| k.name()).collect::<Vec<_>>().join(" and ")),
                format!("drop {name} from faults.kinds, or add a target it would take down to faults.targets"));
        }
    }
}

/// `[faults] loss`, `rate` and `delay`: how a lossy, a slow and a delayed
/// link degrade the link they realize; each only with its kind listed,
/// where it means something.
fn degradation(c: &mut Checker, f: &raw::RawFaults, kinds: &[FaultKind]) -> (Loss, Rate, Delay) {
    let mut loss = FaultBudget::default_loss();
    if let Some(spanned) = &f.loss {
        match Loss::new(*spanned.get_ref()) {
            Ok(l) => loss = l,
            Err(e) => c.at(spanned, "faults.loss", e,
                "use the share of packets a lossy link drops, above 0 and below 1, e.g. 0.3 (every packet is \
                 kinds = [\"cut\"])"),
        }
        if !kinds.contains(&FaultKind::LossyLink) {
            c.at(spanned, "faults.loss", "loss is set, but faults.kinds lists no lossy-link",
                "add \"lossy-link\" to faults.kinds, or drop faults.loss");
        }
    }
    let mut rate = FaultBudget::default_rate();
    if let Some(spanned) = &f.rate {
        match spanned.get_ref().parse::<Rate>() {
            Ok(r) => rate = r,
            Err(e) => c.at(spanned, "faults.rate", e,
                "use the bandwidth a slow link leaves, a whole number and bit, kbit, mbit or gbit, at least \
                 8kbit, e.g. \"64kbit\""),
        }
        if !kinds.contains(&FaultKind::SlowLink) {
            c.at(spanned, "faults.rate", "rate is set, but faults.kinds lists no slow-link",
                "add \"slow-link\" to faults.kinds, or drop faults.rate");
        }
    }
    let mut delay = FaultBudget::default_delay();
    if let Some(spanned) = &f.delay {
        match spanned.get_ref().parse::<Delay>() {
            Ok(d) => delay = d,
            Err(e) => c.at(spanned, "faults.delay", e,
                "use how long a delayed link holds each packet, a whole number and ms or s, from 1ms to 60s, \
                 e.g. \"500ms\""),
        }
        if !kinds.contains(&FaultKind::DelayLink) && !kinds.contains(&FaultKind::CrashInFlight) {
            c.at(spanned, "faults.delay", "delay is set, but faults.kinds lists no delay-link nor crash-in-flight",
                "add \"delay-link\" or \"crash-in-flight\" to faults.kinds, or drop faults.delay");
        }
    }
    (loss, rate, delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "copy-alo"
seed = 7

[cluster]
brokers = 3

[[topics]]
name = "input"
partitions = 2
replication_factor = 3
min_insync_replicas = 2

[[topics]]
name = "output"

[pipeline]
kind = "copy"
instances = 2
input = "input"
output = "output"
bugs = ["commit-before-produce"]

[workload]
records_per_step = 10

[faults]
eot = 6
eff = 5
kinds = ["crash", "isolate"]
targets = ["broker-1", "pipeline-2"]
"#;

    fn problems(text: &str) -> Vec<Problem> {
        parse(Path::new("s.toml"), text).expect_err("should be refused")
    }

    /// GOOD with `workload` lines added to its [workload], `properties`
    /// before [cluster] and `checker` as a table of its own.
    fn checked(workload: &str, properties: &str, checker: &str) -> String {
        GOOD.replace("records_per_step = 10", &format!("records_per_step = 10\n{workload}"))
            .replace("[cluster]", &format!("properties = {properties}\n\n[cluster]"))
            .replace("[faults]", &format!("{checker}\n[faults]"))
    }

    #[test]
    fn sums_filters_and_windows_get_what_they_need_or_say_which_field_to_add() {
        let s = parse(Path::new("s.toml"), &checked("numbers = [1, 100]", r#"["key-sums", "filter-map"]"#,
            "[checker]\nkeep_at_least = 50\nmultiply = 3")).unwrap();
        assert_eq!(s.workload.numbers, Some((1, 100)));
        assert_eq!((s.checker.keep_at_least, s.checker.multiply), (Some(50), Some(3)));
        assert_eq!(fields(&problems(&checked("", r#"["key-sums"]"#, ""))), ["workload.numbers"]);
        assert_eq!(fields(&problems(&checked("numbers = [9, 1]", r#"["filter-map"]"#, ""))), ["workload.numbers"]);
        assert_eq!(fields(&problems(&checked("numbers = [1, 2]\nwords = [\"a\"]", "[]", ""))), ["workload.numbers"]);
        assert_eq!(fields(&problems(&checked("", r#"["window-counts"]"#, ""))), ["checker.window_millis"]);
        assert_eq!(fields(&problems(&checked("", r#"["window-counts"]"#, "[checker]\ngrace_millis = 10"))), ["checker.window_millis"]);
        assert_eq!(fields(&problems(&checked("", r#"["window-counts"]"#, "[checker]\nwindow_millis = 0"))), ["checker.window_millis"]);
        let s = parse(Path::new("s.toml"), &checked("", r#"["window-counts"]"#, "[checker]\nwindow_millis = 4000\ngrace_millis = 1000")).unwrap();
        assert_eq!((s.checker.window_millis, s.checker.grace_millis, s.checker.suppressed), (Some(4000), Some(1000), None));
        let s = parse(Path::new("s.toml"), &checked("", r#"["window-counts"]"#, "[checker]\nwindow_millis = 4000\nsuppressed = false")).unwrap();
        assert_eq!(s.checker.suppressed, Some(false));
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\nsuppressed = false"))), ["checker.suppressed"]);
        let hop = |checker: &str| checked("", r#"["window-counts"]"#, &format!("[checker]\nwindow_millis = 4000\n{checker}"));
        assert_eq!(parse(Path::new("s.toml"), &hop("advance_millis = 1000")).unwrap().checker.advance_millis, Some(1000));
        assert_eq!(fields(&problems(&hop("advance_millis = 0"))), ["checker.advance_millis"]);
        assert_eq!(fields(&problems(&hop("advance_millis = 5000"))), ["checker.advance_millis"]);
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\nadvance_millis = 1000"))), ["checker.advance_millis"]);
        let session = |checker: &str| checked("", r#"["window-counts"]"#, &format!("[checker]\n{checker}"));
        let s = parse(Path::new("s.toml"), &session("session_gap_millis = 3000\nsuppressed = false")).unwrap();
        assert_eq!((s.checker.session_gap_millis, s.checker.window_millis), (Some(3000), None));
        assert_eq!(parse(Path::new("s.toml"), &session("session_gap_millis = 3000")).unwrap().checker.suppressed, None);
        assert_eq!(fields(&problems(&session("session_gap_millis = 3000\nsuppressed = false\nwindow_millis = 4000"))), ["checker.session_gap_millis"]);
        assert_eq!(fields(&problems(&session("session_gap_millis = 3000\nsuppressed = false\nadvance_millis = 1000"))), ["checker.session_gap_millis"]);
        assert_eq!(fields(&problems(&session("session_gap_millis = 0\nsuppressed = false"))), ["checker.session_gap_millis"]);
        let s = parse(Path::new("s.toml"), &session("sliding_millis = 5000\ngrace_millis = 1000")).unwrap();
        assert_eq!((s.checker.sliding_millis, s.checker.window_millis, s.checker.grace_millis), (Some(5000), None, Some(1000)));
        assert_eq!(fields(&problems(&session("sliding_millis = 5000\nwindow_millis = 4000"))), ["checker.sliding_millis"]);
        assert_eq!(fields(&problems(&session("sliding_millis = 5000\nsession_gap_millis = 3000\nsuppressed = false"))), ["checker.sliding_millis"]);
        assert_eq!(fields(&problems(&session("sliding_millis = 0"))), ["checker.sliding_millis"]);
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\nsliding_millis = 1000"))), ["checker.sliding_millis"]);
        let side = |lines: &str| checked("", r#"["table-join"]"#, &format!("[workload.side]\n{lines}\n"));
        let s = parse(Path::new("s.toml"), &side("topic = \"output\"\nbusy_steps = [3, 0]")).unwrap();
        assert_eq!(s.workload.side.as_ref().map(|x| (x.topic.as_str(), x.busy_steps.clone())), Some(("output", Some(vec![0, 3]))));
        assert_eq!(fields(&problems(&side("topic = \"nowhere\""))), ["workload.side.topic"]);
        assert_eq!(fields(&problems(&side("topic = \"input\""))), ["workload.side.topic"]);
        assert_eq!(fields(&problems(&side("topic = \"output\"\nbusy_steps = [6]"))), ["workload.side.busy_steps"]);
        assert_eq!(fields(&problems(&side("topic = \"output\"\nwords = [\"a,b\"]"))), ["workload.side.words[0]"]);
        assert_eq!(fields(&problems(&checked("", r#"["table-join"]"#, ""))), ["workload.side"]);
        let joined = |template: &str| side(&format!("topic = \"output\"\n[checker]\njoin_output = \"{template}\""));
        let s = parse(Path::new("s.toml"), &joined("{value} for {table}")).unwrap();
        assert_eq!(s.checker.join_output.as_deref(), Some("{value} for {table}"));
        assert_eq!(fields(&problems(&joined("{left}+{right}"))), ["checker.join_output"]);
        assert_eq!(fields(&problems(&joined("{value}{table}"))), ["checker.join_output"]);
        let e = problems(&checked("", "[]", "[checker]\njoin_output = \"{value}/{table}\""));
        assert!(e[0].message.contains("no join property reads it"), "{e:?}");
        assert_eq!(fields(&problems(&side("topic = \"output\"\n[checker]\nouter_join = true"))), ["checker.outer_join"]);
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\nleft_join = true"))), ["checker.left_join"]);
        assert_eq!(parse(Path::new("s.toml"), &side("topic = \"output\"\n[checker]\nglobal_table = true")).unwrap().checker.global_table, Some(true));
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\nglobal_table = true"))), ["checker.global_table"]);
        let pairs = |checker: &str| checked("words = []", r#"["stream-join"]"#,
            &format!("[workload.side]\ntopic = \"output\"\n[checker]\njoin_window_millis = 2000\n{checker}"));
        let s = parse(Path::new("s.toml"), &pairs("outer_join = true")).unwrap();
        assert_eq!((s.checker.outer_join, s.checker.left_join), (Some(true), None));
        assert_eq!(parse(Path::new("s.toml"), &pairs("left_join = true")).unwrap().checker.left_join, Some(true));
        assert_eq!(fields(&problems(&pairs("outer_join = true\nleft_join = true"))), ["checker.outer_join"]);
        assert_eq!(fields(&problems(&checked("", r#"["table-table-join"]"#, ""))), ["workload.side"]);
        let tables = checked("", r#"["table-table-join"]"#, "[workload.side]\ntopic = \"output\"\n[checker]\nouter_join = true\njoin_output = \"{left}/{right}\"");
        assert_eq!(parse(Path::new("s.toml"), &tables).unwrap().checker.outer_join, Some(true));
        let e = problems(&checked("", "[]", "[checker]\nwindow = 4000"));
        assert!(e[0].message.contains("window"), "{e:?}");
    }

    #[test]
    fn a_good_scenario_gets_its_defaults() {
        let s = parse(Path::new("s.toml"), GOOD).unwrap();
        assert_eq!(s.topics[1].replication_factor, 3);
        assert_eq!(s.topics[0].configs["min.insync.replicas"], "2");
        assert_eq!(s.pipeline.program, Program::Shipped(PipelineKind::Copy));
        assert_eq!(s.pipeline.group, "copy-alo-group");
        // A group the file names is the one used (a Streams app's
        // application.id, a fixed group of an app with hard-coded names).
        let named = parse(Path::new("s.toml"), &GOOD.replace("bugs = [", "group = \"orders-app\"\nbugs = [")).unwrap();
        assert_eq!(named.pipeline.group, "orders-app");
        assert_eq!(s.workload.topic, "input");
        assert_eq!(s.properties, vec![Property::NoLostAcked]);
        assert_eq!(s.budget.targets, vec![NodeId::broker(1), NodeId::client("pipeline-2")]);
        assert_eq!(s.strategy.name, StrategyName::LDFI);
    }

    #[test]
    fn unknown_fields_are_refused_with_their_position() {
        let text = GOOD.replace("seed = 7", "seed = 7\nsede = 8");
        let p = problems(&text);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].position.map(|(l, _)| l), Some(4), "{p:?}");
        assert!(p[0].message.contains("sede"), "{p:?}");
    }

    #[test]
    fn every_semantic_problem_is_reported_with_field_and_fix() {
        let text = GOOD
            .replace("replication_factor = 3", "replication_factor = 4")
            .replace("output = \"output\"", "output = \"nowhere\"")
            .replace("eff = 5", "eff = 9")
            .replace("\"pipeline-2\"", "\"pipeline-3\"");
        let p = problems(&text);
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["topics[0].replication_factor", "pipeline.output", "faults.eff", "faults.targets"]);
        assert_eq!(p[0].position, Some((11, 22)));
        assert!(p.iter().all(|p| !p.fix.is_empty()));
    }

    #[test]
    fn a_users_own_program_is_checked_field_by_field() {
        let dir = std::env::temp_dir().join(format!("ldfi-byo-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app.jar"), b"jar").unwrap();
        std::fs::write(dir.join("streams.properties"), "bootstrap.servers={bootstrap}\n").unwrap();
        let own = |program: &str| GOOD.replace("kind = \"copy\"", program).replace("bugs = [\"commit-before-produce\"]", "");
        let at = dir.join("s.toml");
        let jar = own("jar = \"app.jar\"\nmain_class = \"org.example.App\"\nargs = [\"{bootstrap}\"]\nvalue_format = \"long\"\n\
                       mounts = [{ host = \"app\", path = \"/app\" }]\nfiles = [{ path = \"/etc/s.properties\", template = \"streams.properties\" }]");
        let s = parse(&at, &jar).unwrap_or_else(|p| panic!("{p:?}"));
        assert!(matches!(&s.pipeline.program, Program::Jar { jar, main_class, .. } if jar.is_absolute() && main_class == "org.example.App"));
        assert!(s.pipeline.otel_agent, "a jar gets the agent by default");
        assert_eq!(s.pipeline.value_format, crate::trace::ValueFormat::Long);
        assert!(s.pipeline.mounts[0].host.is_absolute());
        assert_eq!(s.pipeline.files[0].template, "bootstrap.servers={bootstrap}\n");
        let image = parse(&at, &own("image = \"my-app:1\"")).unwrap();
        assert_eq!((image.pipeline.program, image.pipeline.image.as_deref()), (Program::Entrypoint, Some("my-app:1")));

        let fields = |text: &str| -> Vec<String> { parse(&at, text).expect_err("refused").into_iter().map(|p| p.field).collect() };
        assert_eq!(fields(&own("jar = \"missing.jar\"\nmain_class = \"A\"")), ["pipeline.jar"]);
        assert_eq!(fields(&own("jar = \"app.jar\"")), ["pipeline.main_class"]);
        assert_eq!(fields(&GOOD.replace("kind = \"copy\"", "kind = \"copy\"\nimage = \"x:1\"")), ["pipeline.image"]);
        assert_eq!(fields(&own("command = [\"app\"]\nvalue_format = \"xml\"")), ["pipeline.value_format"]);
        assert_eq!(fields(&own("command = [\"app\"]\nkey_format = \"hopping\"")), ["pipeline.key_format"]);
        let windowed = parse(&at, &own("command = [\"app\"]\nkey_format = \"windowed\"")).unwrap();
        assert_eq!((windowed.pipeline.key_format, s.pipeline.key_format), (crate::trace::KeyFormat::Windowed, crate::trace::KeyFormat::Text));
        assert_eq!(fields(&own("command = [\"app\"]\nmounts = [{ host = \"nowhere\", path = \"/trace\" }]")),
            ["pipeline.mounts[0].host", "pipeline.mounts[0].path"]);
        assert_eq!(fields(&own("command = [\"app\"]\nargs = [\"x\"]")), ["pipeline.args"]);
        assert_eq!(fields(&own("command = [\"app\"]\nenv = { \"A=B\" = \"1\" }")).len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_bug_must_belong_to_its_pipeline() {
        let text = GOOD.replace("commit-before-produce", "no-transactions");
        assert_eq!(problems(&text)[0].field, "pipeline.bugs");
        let text = GOOD.replace("kind = \"copy\"", "kind = \"wordcount\"").replace("commit-before-produce", "acks-one");
        assert!(problems(&text)[0].message.contains("acks-one"));
    }

    #[test]
    fn errors_render_file_line_field_and_fix() {
        let e = Scenario::parse(Path::new("x.toml"), &GOOD.replace("eot = 6", "eot = 0")).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("x.toml:"), "{text}");
        assert!(text.contains("faults.eot") && text.contains("fix:"), "{text}");
    }

    fn fields(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn disk_loss_goes_beside_a_crash_only_with_targets_for_both() {
        let with = |kinds: &str, targets: &str| {
            GOOD.replace(r#"kinds = ["crash", "isolate"]"#, &format!("kinds = {kinds}"))
                .replace(r#"targets = ["broker-1", "pipeline-2"]"#, &format!("targets = {targets}"))
        };
        let both = parse(Path::new("s.toml"), &with(r#"["crash", "disk-loss", "isolate"]"#, r#"["broker-1", "pipeline-2"]"#));
        assert!(both.is_ok(), "{both:?}");
        let p = problems(&with(r#"["crash", "disk-loss", "isolate"]"#, r#"["broker-1", "broker-2"]"#));
        assert_eq!(fields(&p), ["faults.kinds"]);
        assert!(p[0].message.contains("crash would never be injected"), "{}", p[0].message);
        let p = problems(&with(r#"["disk-loss", "isolate"]"#, r#"["pipeline-2"]"#));
        assert_eq!(fields(&p), ["faults.targets"]);
        assert!(p[0].fix.contains("add a broker"), "{}", p[0].fix);
        let p = problems(&with(r#"["crash", "stop", "disk-loss", "isolate"]"#, r#"["broker-1", "pipeline-2"]"#));
        assert_eq!(fields(&p), ["faults.kinds"], "two kinds for instances are still one too many");
        let in_flight = parse(Path::new("s.toml"), &with(r#"["crash-in-flight", "disk-loss"]"#, r#"["broker-1", "pipeline-2"]"#));
        assert!(in_flight.is_ok(), "{in_flight:?}");
        let p = problems(&with(r#"["crash", "crash-in-flight", "isolate"]"#, r#"["pipeline-1", "pipeline-2"]"#));
        assert_eq!(fields(&p), ["faults.kinds"]);
        assert!(p[0].message.contains("crash listed with crash-in-flight"), "{}", p[0].message);
        let p = problems(&with(r#"["crash-in-flight", "isolate"]"#, r#"["broker-1"]"#));
        assert_eq!(fields(&p), ["faults.targets"]);
        assert!(p[0].fix.contains("add a pipeline instance"), "{}", p[0].fix);
    }

    #[test]
    fn kinds_no_plan_could_inject_are_refused() {
        let paused = GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["pause", "isolate"]"#);
        let none = problems(&paused.replace("eff = 5", "eff = 5\nmax_crashes = 0"));
        assert_eq!(fields(&none), ["faults.kinds"]);
        assert!(none[0].message.contains("pause listed, but max_crashes = 0"), "{}", none[0].message);
        let cut = problems(&GOOD.replace("eff = 5", "eff = 5\nmax_partitions = 0"));
        assert!(cut[0].message.contains("isolate listed, but max_partitions = 0"), "{}", cut[0].message);
        let both = GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["pause", "isolate", "crash"]"#);
        let shadowed = problems(&both);
        assert!(shadowed[0].message.contains("crash and pause listed together"), "{}", shadowed[0].message);
        assert!(shadowed[0].message.contains("so pause would never be"), "{}", shadowed[0].message);
    }

    #[test]
    fn a_degraded_link_takes_its_loss_and_rate_from_the_faults_table() {
        let lossy = GOOD.replace(r#"kinds = ["crash", "isolate"]"#, "kinds = [\"crash\", \"lossy-link\"]\nloss = 0.5");
        let budget = parse(Path::new("s.toml"), &lossy).unwrap().budget;
        assert_eq!(budget.kinds, [FaultKind::Crash, FaultKind::LossyLink]);
        assert_eq!(budget.loss, Loss::new(0.5).unwrap());
        assert_eq!(budget.rate, FaultBudget::default_rate(), "no slow link: the default, unused");
        let slow = GOOD.replace(r#"kinds = ["crash", "isolate"]"#, "kinds = [\"slow-link\"]\nrate = \"2mbit\"");
        let budget = parse(Path::new("s.toml"), &slow).unwrap().budget;
        assert_eq!(budget.rate.bits_per_second(), 2_000_000);
        assert_eq!(budget.loss, FaultBudget::default_loss());
        let defaults = GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["lossy-link", "crash"]"#);
        assert_eq!(parse(Path::new("s.toml"), &defaults).unwrap().budget.loss.probability(), 0.3);
    }

    #[test]
    fn a_loss_or_rate_out_of_range_or_without_its_kind_is_refused_by_name() {
        let with = |kinds: &str, extra: &str| {
            GOOD.replace(r#"kinds = ["crash", "isolate"]"#, &format!("kinds = {kinds}\n{extra}"))
        };
        for bad in ["loss = 1", "loss = 0.0", "loss = -0.2", "loss = 30"] {
            let p = problems(&with(r#"["lossy-link"]"#, bad));
            assert_eq!(fields(&p), ["faults.loss"], "{bad}");
            assert!(p[0].message.contains("not a probability above 0 and below 1"), "{}", p[0].message);
            assert!(p[0].fix.contains("e.g. 0.3"), "{}", p[0].fix);
        }
        for bad in [r#"rate = "64kb""#, r#"rate = "fast""#, r#"rate = "4kbit""#, r#"rate = "1.5mbit""#] {
            let p = problems(&with(r#"["slow-link"]"#, bad));
            assert_eq!(fields(&p), ["faults.rate"], "{bad}");
            assert!(p[0].fix.contains("kbit"), "{}", p[0].fix);
        }
        let orphan = problems(&with(r#"["crash", "isolate"]"#, "loss = 0.3\nrate = \"64kbit\""));
        assert_eq!(fields(&orphan), ["faults.loss", "faults.rate"]);
        assert!(orphan[0].message.contains("lists no lossy-link") && orphan[0].fix.contains("add \"lossy-link\""));
        assert!(orphan[1].message.contains("lists no slow-link") && orphan[1].fix.contains("drop faults.rate"));
        assert!(orphan[0].position.is_some(), "the problem points at the field");
    }

    #[test]
    fn a_degraded_link_is_the_only_network_kind_of_its_campaign() {
        let mixed = problems(&GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["crash", "cut", "lossy-link"]"#));
        assert_eq!(fields(&mixed), ["faults.kinds"]);
        assert!(mixed[0].message.contains("lossy-link listed with cut"), "{}", mixed[0].message);
        assert!(mixed[0].fix.contains("second campaign"), "{}", mixed[0].fix);
        let both = problems(&GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["slow-link", "lossy-link"]"#));
        assert!(both[0].message.contains("lossy-link listed with slow-link"), "{}", both[0].message);
        let counted = problems(&GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["crash", "slow-link"]"#)
            .replace("eff = 5", "eff = 5\nmax_partitions = 0"));
        assert!(counted[0].message.contains("slow-link listed, but max_partitions = 0"), "{}", counted[0].message);
        let reset = problems(&GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["crash", "isolate", "reset"]"#));
        assert!(reset[0].message.contains("reset listed with isolate"), "{}", reset[0].message);
        let alone = parse(Path::new("s.toml"), &GOOD.replace(r#"kinds = ["crash", "isolate"]"#, r#"kinds = ["crash", "reset"]"#));
        assert_eq!(alone.unwrap().budget.kinds, [FaultKind::Crash, FaultKind::Reset]);
    }

    #[test]
    fn without_kinds_the_budget_counts_choose_them() {
        let no_kinds = GOOD.replace("kinds = [\"crash\", \"isolate\"]\n", "");
        let crashes = parse(Path::new("s.toml"), &no_kinds.replace("eff = 5", "eff = 5\nmax_partitions = 0")).unwrap();
        assert_eq!(crashes.budget.kinds, vec![FaultKind::Crash, FaultKind::CrashInFlight]);
        let both = parse(Path::new("s.toml"), &no_kinds).unwrap();
        assert_eq!(both.budget.kinds, vec![FaultKind::Crash, FaultKind::CrashInFlight, FaultKind::Isolate]);
        let brokers = parse(Path::new("s.toml"), &no_kinds.replace(r#"targets = ["broker-1", "pipeline-2"]"#, r#"targets = ["broker-1"]"#)).unwrap();
        assert_eq!(brokers.budget.kinds, vec![FaultKind::Crash, FaultKind::Isolate]);
        let instance = parse(Path::new("s.toml"), &no_kinds.replace(r#"targets = ["broker-1", "pipeline-2"]"#, r#"targets = ["pipeline-1"]"#)).unwrap();
        assert_eq!(instance.budget.kinds, vec![FaultKind::CrashInFlight, FaultKind::Isolate]);
        let nothing = problems(&no_kinds.replace("eff = 5", "eff = 5\nmax_crashes = 0\nmax_partitions = 0"));
        assert_eq!(fields(&nothing), ["faults"]);
    }

    #[test]
    fn a_total_fault_cap_below_the_kinds_counts_is_kept_and_others_are_refused() {
        let single = parse(Path::new("s.toml"), &GOOD.replace("eff = 5", "eff = 5\nmax_faults = 1")).unwrap();
        assert_eq!(single.budget.max_faults, Some(1));
        // Equal to the sum: no cap beyond the counts.
        let both = parse(Path::new("s.toml"), &GOOD.replace("eff = 5", "eff = 5\nmax_faults = 2")).unwrap();
        assert_eq!(both.budget.max_faults, None);
        let above = problems(&GOOD.replace("eff = 5", "eff = 5\nmax_faults = 3"));
        assert_eq!(fields(&above), ["faults.max_faults"]);
        assert!(above[0].message.contains("max_faults = 3 but max_crashes + max_partitions = 2"), "{}", above[0].message);
        assert_eq!(above[0].position.map(|p| p.0), Some(GOOD.lines().position(|l| l == "eff = 5").unwrap() + 2));
        let zero = problems(&GOOD.replace("eff = 5", "eff = 5\nmax_faults = 0"));
        assert_eq!(fields(&zero), ["faults.max_faults"]);
    }

    #[test]
    fn a_word_count_with_several_instances_keys_its_inputs_by_word() {
        let two = GOOD.replace("kind = \"copy\"", "kind = \"wordcount\"").replace("bugs = [\"commit-before-produce\"]\n", "");
        let by_default = parse(Path::new("s.toml"), &two).unwrap();
        assert_eq!(by_default.workload.keys, Keys::Word);
        let numbered = problems(&two.replace("records_per_step = 10", "records_per_step = 10\nkeys = 8"));
        assert_eq!(fields(&numbered), ["workload.keys"]);
        assert!(numbered[0].fix.contains("keys = \"word\""), "{}", numbered[0].fix);
        let one = two.replace("instances = 2", "instances = 1").replace("pipeline-2", "pipeline-1");
        let kept = parse(Path::new("s.toml"), &one.replace("records_per_step = 10", "records_per_step = 10\nkeys = 8")).unwrap();
        assert_eq!(kept.workload.keys, Keys::Count(8));
        let copy = parse(Path::new("s.toml"), &GOOD.replace("records_per_step = 10", "records_per_step = 10\nkeys = \"word\"")).unwrap();
        assert_eq!(copy.workload.keys, Keys::Word);
        assert_eq!(fields(&problems(&GOOD.replace("records_per_step = 10", "records_per_step = 10\nkeys = \"all\""))), ["workload.keys"]);
    }

    #[test]
    fn busy_steps_name_the_steps_that_carry_a_batch() {
        let every = parse(Path::new("s.toml"), GOOD).unwrap();
        assert!((0..6).all(|step| every.workload.busy(step)));
        let with = |steps: &str| GOOD.replace("records_per_step = 10", &format!("records_per_step = 10\nbusy_steps = {steps}"));
        let bursts = parse(Path::new("s.toml"), &with("[4, 1, 4]")).unwrap();
        assert_eq!(bursts.workload.busy_steps, Some(vec![1, 4]));
        assert_eq!((0..6).filter(|s| bursts.workload.busy(*s)).collect::<Vec<_>>(), [1, 4]);
        let late = problems(&with("[2, 6]"));
        assert_eq!(fields(&late), ["workload.busy_steps"]);
        assert!(late[0].message.contains("step 6 with eot = 6"), "{}", late[0].message);
        assert_eq!(fields(&problems(&with("[]"))), ["workload.busy_steps"]);
    }

    #[test]
    fn names_sent_to_kafka_follow_kafkas_rules_with_room_for_the_run_suffix() {
        let named = |topic: &str| GOOD.replace("name = \"output\"", &format!("name = {topic:?}")).replace("output = \"output\"", &format!("output = {topic:?}"));
        for bad in ["../etc/passwd", "with space", "", ".."] {
            let p = problems(&named(bad));
            assert_eq!(fields(&p), ["topics[1].name"], "{bad:?}: {p:?}");
            assert_eq!(p[0].position, Some((15, 8)));
        }
        // 249 - (8 + 88) = 153 characters with the suffix; 249 without it.
        assert!(parse(Path::new("s.toml"), &named(&"o".repeat(153))).is_ok());
        let long = problems(&named(&"o".repeat(154)));
        assert!(long[0].message.contains("run suffix"), "{}", long[0].message);
        let unsuffixed = named(&"o".repeat(249)).replace("bugs = [", "run_suffix = false\nbugs = [");
        assert!(parse(Path::new("s.toml"), &unsuffixed).is_ok());
        assert_eq!(fields(&problems(&unsuffixed.replace(&"o".repeat(249), &"o".repeat(250)))), ["topics[1].name"]);
        let grouped = problems(&GOOD.replace("bugs = [", "group = \"my group\"\nbugs = ["));
        assert_eq!(fields(&grouped), ["pipeline.group"]);
        assert_eq!(grouped[0].position, Some((22, 1)));
        assert_eq!(fields(&problems(&GOOD.replace("copy-alo", &"n".repeat(65)))), ["name"]);
    }

    #[test]
    fn configs_env_and_images_are_checked_where_they_are_written() {
        let with = |cluster: &str| GOOD.replace("[cluster]\nbrokers = 3", &format!("[cluster]\nbrokers = 3\n{cluster}"));
        let p = problems(&with("broker_configs = { \"log.retention.ms\" = \"1\\nprocess.roles=broker\", \"a=b\" = 1, \"node.id\" = 7, \"x\" = [1] }"));
        assert_eq!(fields(&p), [
            "cluster.broker_configs.\"log.retention.ms\"",
            "cluster.broker_configs.\"a=b\"",
            "cluster.broker_configs.\"node.id\"",
            "cluster.broker_configs.x",
        ]);
        assert!(p.iter().all(|p| p.position.map(|(line, _)| line) == Some(7)), "{p:?}");
        assert!(p[0].message.contains("control character"), "{}", p[0].message);
        let topic = problems(&GOOD.replace("min_insync_replicas = 2", "min_insync_replicas = 2\nconfigs = { \"cleanup.policy\" = \"compact\\r\" }"));
        assert_eq!(fields(&topic), ["topics[0].configs.\"cleanup.policy\""]);
        for bad in ["My-Kafka:1", "kafka:", "a b", "kafka@sha256:12"] {
            let p = problems(&with(&format!("image = {bad:?}")));
            assert_eq!((fields(&p), p[0].position), (vec!["cluster.image"], Some((7, 1))), "{bad}");
        }
        assert!(parse(Path::new("s.toml"), &with("image = \"localhost:5000/apache/kafka:4.1.0\"")).is_ok());
        let env = |pairs: &str| GOOD.replace("bugs = [", &format!("env = {{ {pairs} }}\nbugs = ["));
        let p = problems(&env("\"A=B\" = \"1\", \"1X\" = \"2\", OK_1 = \"{bootstap}\", NUL = \"a\\u0000\""));
        assert_eq!(fields(&p), ["pipeline.env.\"A=B\"", "pipeline.env.1X", "pipeline.env.OK_1", "pipeline.env.NUL"]);
        assert!(p[2].message.contains("{bootstap}") && p[2].fix.contains("{bootstrap}"), "{:?}", p[2]);
        assert!(parse(Path::new("s.toml"), &env("JAVA_OPTS = \"${HOME} {bootstrap}\"")).is_ok());
    }

    #[test]
    fn a_users_command_holds_only_known_placeholders() {
        let own = GOOD.replace("kind = \"copy\"", "command = [\"app\", \"--in={input}\", \"--out={outptu}\"]").replace("bugs = [\"commit-before-produce\"]", "");
        let p = problems(&own);
        assert_eq!(fields(&p), ["pipeline.command[2]"]);
        assert!(p[0].message.contains("{outptu}") && p[0].fix.contains("{output}"), "{:?}", p[0]);
    }

    #[test]
    fn the_workloads_numbers_are_bounded() {
        let with = |line: &str| GOOD.replace("records_per_step = 10", &format!("records_per_step = 10\n{line}"));
        for (line, field) in [
            ("step_millis = 18446744073709551615", "workload.step_millis"),
            ("drain_secs = 1000000", "workload.drain_secs"),
            ("quiet_millis = 999999999", "workload.quiet_millis"),
            ("value_bytes = 4294967295", "workload.value_bytes"),
            ("words = [\"a\", \"two words\", \"\", \"x,y\"]", "workload.words[1]"),
        ] {
            let p = problems(&with(line));
            assert_eq!(p[0].field, field, "{line}: {p:?}");
            assert!(p[0].position.is_some(), "{p:?}");
        }
        assert_eq!(problems(&with("words = [\"a\", \"two words\", \"\", \"x,y\"]")).len(), 3);
        assert_eq!(fields(&problems(&GOOD.replace("records_per_step = 10", "records_per_step = 4000000000"))), ["workload.records_per_step"]);
    }

    #[test]
    fn strategy_tries_defaults_to_one_and_is_bounded() {
        assert_eq!(parse(Path::new("s.toml"), GOOD).unwrap().strategy.tries, 1);
        let with = |n: u32| format!("{GOOD}\n[strategy]\ntries = {n}\n");
        assert_eq!(parse(Path::new("s.toml"), &with(3)).unwrap().strategy.tries, 3);
        let zero = problems(&with(0));
        assert_eq!(fields(&zero), ["strategy.tries"]);
        assert!(zero[0].fix.contains("1 to 10"), "{}", zero[0].fix);
        assert_eq!(fields(&problems(&with(11))), ["strategy.tries"]);
    }

    #[test]
    fn a_strategy_name_is_a_word_whose_strategy_the_campaign_looks_up() {
        let with = |name: &str| format!("{GOOD}\n[strategy]\nname = \"{name}\"\n");
        assert_eq!(parse(Path::new("s.toml"), &with("random")).unwrap().strategy.name, StrategyName::from("random"));
        // Which names exist is the campaign's registry; a name that cannot
        // be one (it would not read back from a campaign's name) is refused here.
        assert_eq!(parse(Path::new("s.toml"), &with("smart")).unwrap().strategy.name, StrategyName::from("smart"));
        for bad in ["", "Ldfi", "no-such", "exhaustively"] {
            assert_eq!(fields(&problems(&with(bad))), ["strategy.name"], "{bad:?}");
        }
        // summary.json holds the name as a string, and refuses one that
        // cannot be a strategy's; messages and report.md capitalize it.
        assert_eq!(serde_json::to_string(&StrategyName::LDFI).unwrap(), "\"ldfi\"");
        assert_eq!(serde_json::from_str::<StrategyName>("\"random\"").unwrap(), StrategyName::from("random"));
        assert!(serde_json::from_str::<StrategyName>("\"<b>x</b>\"").is_err());
        assert_eq!(format!("{:?} {}", StrategyName::LDFI, StrategyName::LDFI), "Ldfi ldfi");
    }

    /// GOOD with a middle topic and a second stage reading it.
    fn chain(stage: &str) -> String {
        GOOD.replace("[[topics]]\nname = \"output\"", "[[topics]]\nname = \"middle\"\n\n[[topics]]\nname = \"output\"")
            .replace("output = \"output\"\nbugs", "output = \"middle\"\nbugs")
            .replace("[workload]", &format!("[[stages]]\n{stage}\n\n[workload]"))
    }

    #[test]
    fn a_chain_numbers_its_instances_along_its_stages_and_reads_the_last_output() {
        let text = chain("kind = \"copy\"\ninput = \"middle\"\noutput = \"output\"\n").replace("\"pipeline-2\"]", "\"pipeline-3\"]");
        let s = parse(Path::new("s.toml"), &text).expect("valid chain");
        assert_eq!(s.instance_names(), ["pipeline-1", "pipeline-2", "pipeline-3"]);
        assert_eq!(s.output(), "output");
        assert_eq!(s.stages[0].group, "copy-alo-stage2-group");
        assert!(s.budget.targets.contains(&NodeId::client("pipeline-3")));
        let one = parse(Path::new("s.toml"), GOOD).expect("valid");
        assert_eq!((one.output(), one.instance_names().len()), ("output", 2));
    }

    #[test]
    fn a_stage_must_read_what_the_stage_before_wrote_in_a_group_of_its_own() {
        let wrong = chain("kind = \"copy\"\ninput = \"input\"\noutput = \"output\"\ngroup = \"copy-alo-group\"\nrun_suffix = false\n");
        let found = problems(&wrong);
        assert_eq!(fields(&found), ["stages[0].input", "stages[0].group", "stages[0].run_suffix"]);
        assert!(found[0].message.contains("\"middle\"") && found[0].fix.contains("input = \"middle\""), "{:?}", found[0]);
        assert!(found[1].message.contains("pipeline.group"), "{:?}", found[1]);
        let unknown = chain("kind = \"copy\"\ninput = \"middle\"\noutput = \"nowhere\"\nbugs = [\"x\"]\n");
        assert_eq!(fields(&problems(&unknown)), ["stages[0].output", "stages[0].bugs"]);
        let targets = chain("kind = \"copy\"\ninput = \"middle\"\noutput = \"output\"\n").replace("\"pipeline-2\"]", "\"pipeline-4\"]");
        let found = problems(&targets);
        assert_eq!(fields(&found), ["faults.targets"]);
        assert!(found[0].fix.contains("pipeline-3"), "{:?}", found[0]);
    }

    /// GOOD with a second output topic `other` written by the pipeline.
    fn split(more: &str, properties: &str, checker: &str) -> String {
        checked("", properties, checker)
            .replace("[[topics]]\nname = \"output\"", "[[topics]]\nname = \"output\"\n\n[[topics]]\nname = \"other\"")
            .replace("output = \"output\"\nbugs", &format!("output = \"output\"\nmore_outputs = {more}\nbugs"))
    }

    #[test]
    fn more_outputs_are_declared_topics_of_the_last_stage_judged_together_record_by_record() {
        let s = parse(Path::new("s.toml"), &split(r#"["other"]"#, r#"["exactly-once", "per-key-order"]"#, "")).expect("valid split");
        assert_eq!(s.outputs().collect::<Vec<_>>(), ["output", "other"]);
        assert_eq!(s.checker.each_output, None);
        let each = parse(Path::new("s.toml"), &split(r#"["other"]"#, r#"["key-sums"]"#, "[checker]\neach_output = true"));
        assert!(each.is_err_and(|p| fields(&p) == ["workload.numbers"]), "only the numbers key-sums needs are missing");
        assert_eq!(fields(&problems(&split(r#"["nowhere", "output"]"#, "[]", ""))), ["pipeline.more_outputs", "pipeline.more_outputs"]);
        let found = problems(&split(r#"["other"]"#, r#"["word-counts"]"#, ""));
        assert_eq!(fields(&found), ["properties"]);
        assert!(found[0].fix.contains("each_output = true"), "{:?}", found[0]);
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\neach_output = true"))), ["checker.each_output"]);
        let early = chain("kind = \"copy\"\ninput = \"middle\"\noutput = \"output\"\n")
            .replace("output = \"middle\"\nbugs", "output = \"middle\"\nmore_outputs = [\"output\"]\nbugs");
        assert_eq!(fields(&problems(&early)), ["pipeline.more_outputs"]);
    }

    #[test]
    fn each_more_output_has_a_placeholder_and_no_more() {
        let env = |v: &str| split(r#"["other"]"#, "[]", "").replace("[workload]", &format!("[pipeline.env]\nLOW = \"{v}\"\n\n[workload]"));
        assert!(parse(Path::new("s.toml"), &env("{output2} {outputs}")).is_ok());
        let found = problems(&env("{output3}"));
        assert_eq!(fields(&found), ["pipeline.env.LOW"]);
        assert!(found[0].fix.contains("{output2}") && !found[0].fix.contains("{output3}"), "{:?}", found[0]);
    }

    #[test]
    fn a_merge_needs_a_side_topic_numbers_where_they_are_summed_and_no_join() {
        let side = "[workload.side]\ntopic = \"output\"\n";
        let merged = |workload: &str, properties: &str| checked(workload, properties, "[checker]\nmerge = true").replace("[faults]", &format!("{side}\n[faults]"));
        let s = parse(Path::new("s.toml"), &merged("", r#"["exactly-once"]"#)).expect("a merge");
        assert_eq!(s.checker.merge, Some(true));
        assert_eq!(fields(&problems(&checked("", "[]", "[checker]\nmerge = true"))), ["checker.merge"]);
        assert_eq!(fields(&problems(&merged("numbers = [1, 100]", r#"["filter-map"]"#))), ["workload.side.numbers"]);
        let joined = problems(&merged("words = []", r#"["stream-join"]"#).replace("merge = true", "merge = true\njoin_window_millis = 1000"));
        assert!(fields(&joined).contains(&"checker.merge"), "{joined:?}");
    }
}
