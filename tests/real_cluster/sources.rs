//! The three sources of lineage on the same real runs: a run's traces
//! taken whole, then with a source left out, as an unmodified pipeline
//! would leave them. The events of a shipped pipeline, the spans of the
//! OpenTelemetry Java agent in an unmodified Kafka Streams app, and Kafka
//! alone each give every good outcome a path; Kafka alone assumes the
//! instance at every step from the input's ack to its output.

use ldfi::cluster::Cluster;
use ldfi::lineage::{self, Fact, Model};
use ldfi::model::FaultPlan;
use ldfi::trace::{self, Event, TraceLine};

use crate::runs::{run_once, scenario};

/// How many outcomes' trails mention `word`.
fn trails_saying(model: &Model, word: &str) -> usize {
    model.trails.values().filter(|t| t.events.iter().any(|(text, _, _)| text.contains(word))).count()
}

/// Every outcome relies on `node` alive at some step, in every derivation.
fn relies_on(model: &Model, node: &str) -> bool {
    model.outcomes.values().all(|ds| ds.iter().all(|d| d.iter().any(|f| matches!(f, Fact::Alive { node: n, .. } if n.to_string() == node))))
}

fn kafka_only(lines: &[TraceLine]) -> Vec<TraceLine> {
    lines.iter().filter(|l| !l.source.starts_with("pipeline-") && !matches!(l.event, Event::Span(_))).cloned().collect()
}

fn check_kafka_alone(lines: &[TraceLine], seen: &Model) -> Result<(), String> {
    let alone = lineage::build(&kafka_only(lines)).map_err(|e| e.to_string())?;
    if alone.outcomes.len() != seen.outcomes.len() {
        return Err(format!("Kafka alone gave {} outcomes, the full trace {}", alone.outcomes.len(), seen.outcomes.len()));
    }
    if trails_saying(&alone, "assumed") != alone.outcomes.len() || !relies_on(&alone, "pipeline-1") {
        return Err("Kafka alone must assume pipeline-1 in every outcome".into());
    }
    println!("    Kafka alone: {} outcomes, each assuming pipeline-1", alone.outcomes.len());
    Ok(())
}

pub async fn events_and_kafka_alone_on_a_copy_run(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("copy-at-least-once")?;
    let outcome = run_once(cluster, &s, &FaultPlan::none(), "sources-copy").await?;
    let lines = trace::read_dir(&outcome.dir).map_err(|e| e.to_string())?;
    let seen = lineage::build(&lines).map_err(|e| e.to_string())?;
    if seen.outcomes.is_empty() || trails_saying(&seen, "assumed") != 0 || !relies_on(&seen, "pipeline-1") {
        return Err(format!("the copy pipeline's events must show every path ({} outcomes)", seen.outcomes.len()));
    }
    println!("    events: {} outcomes, none assumed", seen.outcomes.len());
    check_kafka_alone(&lines, &seen)
}

pub async fn opentelemetry_and_kafka_alone_on_a_streams_run(cluster: &Cluster) -> Result<(), String> {
    let s = scenario("streams-wordcount-exactly-once")?;
    let outcome = run_once(cluster, &s, &FaultPlan::none(), "sources-streams").await?;
    let lines = trace::read_dir(&outcome.dir).map_err(|e| e.to_string())?;
    let spans = lines.iter().filter(|l| matches!(l.event, Event::Span(_))).count();
    if spans == 0 {
        return Err(format!("no spans in {}/otlp.jsonl: the agent exported nothing to the harness", outcome.dir.display()));
    }
    let seen = lineage::build(&lines).map_err(|e| e.to_string())?;
    let traced = trails_saying(&seen, "OpenTelemetry");
    // Spans still in the agent's last batch may miss a few inputs; those
    // fall back to Kafka alone.
    if seen.outcomes.is_empty() || traced * 10 < seen.outcomes.len() * 9 {
        return Err(format!("{traced} of {} outcomes traced from {spans} spans", seen.outcomes.len()));
    }
    let internal = seen.outcomes.values().flatten().flatten().any(|f| matches!(f, Fact::Link { from, .. } if from.to_string().contains("-counts-store-")));
    if !internal {
        return Err("no internal topic (repartition, changelog) in the spans' lineage".into());
    }
    println!("    OpenTelemetry: {traced} of {} outcomes from {spans} spans, internal topics included", seen.outcomes.len());
    check_kafka_alone(&lines, &seen)
}
