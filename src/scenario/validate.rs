//! From the raw file to a [`Scenario`]: defaults filled in, every rule
//! checked, every problem collected with its position.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;

use super::error::{position, Problem};
use super::raw::{RawKeys, RawScenario};
use super::*;

pub(super) struct Checker<'a> {
    source: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn at<T>(&mut self, spanned: &Spanned<T>, field: &str, message: impl Into<String>, fix: impl Into<String>) {
        let position = Some(position(self.source, spanned.span().start));
        self.problems.push(Problem { field: field.into(), position, message: message.into(), fix: fix.into() });
    }

    pub(super) fn nowhere(&mut self, field: &str, message: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem { field: field.into(), position: None, message: message.into(), fix: fix.into() });
    }
}

fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn names<T: Copy>(all: &[T], name: fn(&T) -> &'static str) -> String {
    all.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// Parses and validates; all problems or a scenario.
pub fn parse(path: &Path, source: &str) -> Result<Scenario, Vec<Problem>> {
    let raw: RawScenario = toml::from_str(source).map_err(|e| {
        let position = e.span().map(|span| position(source, span.start));
        vec![Problem {
            field: e.message().split('`').nth(1).unwrap_or("(file)").to_string(),
            position,
            message: e.message().trim().to_string(),
            fix: "see scenarios/README.md for every field and its allowed values".to_string(),
        }]
    })?;
    let mut c = Checker { source, problems: Vec::new() };

    let name = raw.name.get_ref().clone();
    if !super::is_name(&name) {
        c.at(&raw.name, "name", format!("{name:?} is not a valid name"), "use letters, digits and '-'");
    }

    // Cluster.
    let brokers = raw.cluster.brokers.as_ref().map(|b| *b.get_ref()).unwrap_or(3);
    if let Some(b) = &raw.cluster.brokers {
        if !(1..=9).contains(b.get_ref()) {
            c.at(b, "cluster.brokers", format!("{} brokers", b.get_ref()), "use 1 to 9 brokers (3 is usual)");
        }
    }
    let broker_configs: BTreeMap<String, String> =
        raw.cluster.broker_configs.iter().map(|(k, v)| (k.clone(), value_text(v))).collect();

    // Topics.
    let mut topics = Vec::new();
    for (i, t) in raw.topics.iter().enumerate() {
        let field = |f: &str| format!("topics[{i}].{f}");
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
    let declared = |topic: &str| topics.iter().any(|t| t.name == topic);

    // Pipeline.
    let p = &raw.pipeline;
    // Docker binds need absolute host paths, whatever folder ldfi runs in.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let fields = super::program::program(&mut c, p, &dir);
    let program = fields.program.clone();
    for key in p.env.keys() {
        if key.is_empty() || key.contains('=') || key.chars().any(char::is_control) {
            c.nowhere(&format!("pipeline.env.{key:?}"), "not an environment variable name", "use a name without '=' or control characters");
        }
    }
    let instances = p.instances.as_ref().map(|i| *i.get_ref()).unwrap_or(1);
    if let Some(i) = &p.instances {
        if !(1..=8).contains(i.get_ref()) {
            c.at(i, "pipeline.instances", format!("{} instances", i.get_ref()), "use 1 to 8");
        }
    }
    for (topic, field) in [(&p.input, "pipeline.input"), (&p.output, "pipeline.output")] {
        if !declared(topic.get_ref()) {
            c.at(topic, field, format!("topic {:?} is not declared", topic.get_ref()), "add it under [[topics]]");
        }
    }
    let mut bugs = Vec::new();
    let empty = Spanned::new(0..0, Vec::new());
    let bug_list = p.bugs.as_ref().unwrap_or(&empty);
    for text in bug_list.get_ref() {
        match Bug::ALL.iter().find(|b| b.name() == text) {
            Some(bug) => bugs.push(*bug),
            None => c.at(bug_list, "pipeline.bugs", format!("unknown bug {text:?}"), format!("use some of: {}", names(&Bug::ALL, Bug::name))),
        }
    }
    if let Some(Program::Shipped(kind)) = &program {
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
                c.at(bug_list, "pipeline.bugs", format!("{} does not apply to the {kind:?} pipeline", bug.name()),
                    "remove it, or pick the pipeline it belongs to");
            }
        }
    }

    // Workload.
    let w = &raw.workload;
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
    let wordcount = matches!(program, Some(Program::Shipped(PipelineKind::Wordcount)));
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
            RawKeys::Count(n) if wordcount && instances > 1 => {
                c.at(v, "workload.keys", format!("keys = {n} with {instances} wordcount instances: a word would \
                     reach several instances, each counting it from its own state"),
                    "use keys = \"word\" (inputs keyed by their word), or one instance");
                Keys::Count(*n)
            }
            RawKeys::Count(n) => Keys::Count(*n),
        },
    };

    // Properties.
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
        properties = match &program {
            Some(Program::Shipped(PipelineKind::Wordcount)) => vec![Property::WordCounts],
            Some(Program::Shipped(PipelineKind::ExactlyOnce)) => vec![Property::ExactlyOnce],
            _ => vec![Property::NoLostAcked],
        };
    }

    // Fault budget.
    let f = &raw.faults;
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
    if f.kinds.is_none() {
        // By default, what the counts allow: crashes, and isolations.
        kinds = [(max_crashes, FaultKind::Crash), (max_partitions, FaultKind::Isolate)]
            .into_iter()
            .filter_map(|(count, kind)| (count > 0).then_some(kind))
            .collect();
    }
    if max_crashes == 0 && max_partitions == 0 {
        c.nowhere("faults", "max_crashes = 0 and max_partitions = 0: the budget allows no fault",
            "set faults.max_crashes or faults.max_partitions to 1 or more");
    }
    unreachable_kinds(&mut c, kind_list, &kinds, max_crashes, max_partitions);
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

    // Strategy.
    let strategy = match raw.strategy.name.as_ref().map(|n| n.get_ref().as_str()) {
        None | Some("ldfi") => Strategy::Ldfi,
        Some("random") => Strategy::Random,
        Some("exhaustive") => Strategy::Exhaustive,
        Some(other) => {
            let n = raw.strategy.name.as_ref().expect("name present");
            c.at(n, "strategy.name", format!("unknown strategy {other:?}"), "use ldfi, random or exhaustive");
            Strategy::Ldfi
        }
    };

    let busy_steps = w.busy_steps.as_ref().map(|v| {
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
    });

    let tries = match &raw.strategy.tries {
        None => 1,
        Some(t) if (1..=10).contains(t.get_ref()) => *t.get_ref(),
        Some(t) => {
            c.at(t, "strategy.tries", format!("tries = {}", t.get_ref()), "use 1 to 10 injections per plan");
            1
        }
    };

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let shipped = matches!(program, Some(Program::Shipped(_)));
    Ok(Scenario {
        name: name.clone(),
        description: raw.description.clone().unwrap_or_default(),
        path: path.to_path_buf(),
        seed: raw.seed.unwrap_or(1),
        cluster: ClusterSettings { brokers, image: raw.cluster.image.clone(), broker_configs, reuse: raw.cluster.reuse.unwrap_or(true) },
        topics,
        pipeline: PipelineSpec {
            program: program.expect("checked above"),
            instances,
            input: p.input.get_ref().clone(),
            output: p.output.get_ref().clone(),
            group: p.group.clone().unwrap_or_else(|| format!("{name}-group")),
            bugs,
            env: p.env.clone(),
            image: fields.image,
            mounts: fields.mounts,
            files: fields.files,
            run_suffix: p.run_suffix.unwrap_or(true),
            otel_agent: fields.otel_agent,
            value_format: fields.value_format,
            startup_secs: fields.startup_secs,
        },
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
            busy_steps,
        },
        properties,
        budget: FaultBudget {
            eot,
            eff,
            max_crashes,
            max_partitions,
            kinds,
            targets,
        },
        strategy: StrategySpec { name: strategy, max_runs: raw.strategy.max_runs.unwrap_or(50), tries },
    })
}

/// Kinds listed that no plan could ever inject: a node-down kind (crash,
/// stop, pause) with `max_crashes = 0`, a network kind with
/// `max_partitions = 0`, or a second node-down kind. A node down is
/// realized one way per campaign (the first of crash, stop, pause): the
/// lineage sees a node that did not work at a step, not how it stopped.
fn unreachable_kinds(c: &mut Checker, list: &Spanned<Vec<String>>, kinds: &[FaultKind], crashes: u32, partitions: u32) {
    let names = |partition: bool| -> Vec<&str> {
        let mut listed: Vec<FaultKind> = kinds.iter().filter(|k| k.is_partition() == partition).copied().collect();
        listed.sort();
        listed.dedup();
        listed.iter().map(|k| k.name()).collect()
    };
    let (down, network) = (names(false), names(true));
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

    #[test]
    fn a_good_scenario_gets_its_defaults() {
        let s = parse(Path::new("s.toml"), GOOD).unwrap();
        assert_eq!(s.topics[1].replication_factor, 3);
        assert_eq!(s.topics[0].configs["min.insync.replicas"], "2");
        assert_eq!(s.pipeline.program, Program::Shipped(PipelineKind::Copy));
        assert_eq!(s.pipeline.group, "copy-alo-group");
        assert_eq!(s.workload.topic, "input");
        assert_eq!(s.properties, vec![Property::NoLostAcked]);
        assert_eq!(s.budget.targets, vec![NodeId::broker(1), NodeId::client("pipeline-2")]);
        assert_eq!(s.strategy.name, Strategy::Ldfi);
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
    fn without_kinds_the_budget_counts_choose_them() {
        let no_kinds = GOOD.replace("kinds = [\"crash\", \"isolate\"]\n", "");
        let crashes = parse(Path::new("s.toml"), &no_kinds.replace("eff = 5", "eff = 5\nmax_partitions = 0")).unwrap();
        assert_eq!(crashes.budget.kinds, vec![FaultKind::Crash]);
        let both = parse(Path::new("s.toml"), &no_kinds).unwrap();
        assert_eq!(both.budget.kinds, vec![FaultKind::Crash, FaultKind::Isolate]);
        let nothing = problems(&no_kinds.replace("eff = 5", "eff = 5\nmax_crashes = 0\nmax_partitions = 0"));
        assert_eq!(fields(&nothing), ["faults"]);
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
    fn strategy_tries_defaults_to_one_and_is_bounded() {
        assert_eq!(parse(Path::new("s.toml"), GOOD).unwrap().strategy.tries, 1);
        let with = |n: u32| format!("{GOOD}\n[strategy]\ntries = {n}\n");
        assert_eq!(parse(Path::new("s.toml"), &with(3)).unwrap().strategy.tries, 3);
        let zero = problems(&with(0));
        assert_eq!(fields(&zero), ["strategy.tries"]);
        assert!(zero[0].fix.contains("1 to 10"), "{}", zero[0].fix);
        assert_eq!(fields(&problems(&with(11))), ["strategy.tries"]);
    }
}
