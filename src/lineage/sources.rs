//! Which source each pipeline instance's lineage came from.
//!
//! A certificate is only as good as what the lineage saw. An instance that
//! wrote its own consumed/output events is seen step by step; one whose
//! OpenTelemetry agent exported spans is seen through them; one that gave
//! neither is seen by Kafka alone, and what it did is over-approximated
//! (assumed needed, alive and connected, from each input's arrival to its
//! output and commit). The campaign names the source per instance in its
//! certificate, so the reader knows what was observed and what assumed.

use std::collections::BTreeMap;

use super::Source;
use crate::trace::{Event, SpanOperation, TraceLine};

/// The best source of each of `instances` (`pipeline-N`) in one run's
/// traces: [`Source::Events`] if it wrote consumed or output events, else
/// [`Source::OpenTelemetry`] if a process or publish span placing a record
/// names the instance as its service, else
/// [`Source::Kafka`].
pub fn sources(lines: &[TraceLine], instances: &[String]) -> BTreeMap<String, Source> {
    let mut best: BTreeMap<String, Source> = instances.iter().map(|i| (i.clone(), Source::Kafka)).collect();
    // Spans show a path only from where the input is processed: a chain
    // whose first stage exports none is followed by Kafka alone through
    // every stage, whatever the later ones export.
    let chain_input = lines.iter().find_map(|l| match &l.event {
        Event::RunStarted { input_topic, stages, .. } if !stages.is_empty() => Some(input_topic.as_str()),
        _ => None,
    });
    let rooted = chain_input.is_none_or(|input| {
        lines.iter().any(|l| matches!(&l.event, Event::Span(s) if s.operation == SpanOperation::Process && s.topic.as_deref() == Some(input)))
    });
    for line in lines {
        let (instance, source) = match &line.event {
            Event::Consumed { .. } | Event::Output { .. } => (&line.source, Source::Events),
            // Only a span that places a record (a process or publish with
            // its partition and offset) shows a path; a poll shows none.
            Event::Span(span)
                if rooted
                    && matches!(span.operation, SpanOperation::Process | SpanOperation::Publish)
                    && span.partition.is_some()
                    && span.offset.is_some() =>
            {
                (&span.service, Source::OpenTelemetry)
            }
            _ => continue,
        };
        if let Some(known) = best.get_mut(instance) {
            *known = (*known).min(source);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(source: &str, json: &str) -> TraceLine {
        serde_json::from_str(&format!(r#"{{"time_ms":1,"source":"{source}",{json}}}"#)).unwrap()
    }

    fn span(service: &str) -> TraceLine {
        line(
            "otlp",
            &format!(
                r#""type":"span","service":"{service}","trace_id":"01","span_id":"02","name":"in process","operation":"process","topic":"in","partition":0,"offset":0,"start_ms":1,"end_ms":2"#
            ),
        )
    }

    #[test]
    fn events_beat_spans_and_spans_beat_kafka_alone() {
        let lines = vec![
            line("pipeline-1", r#""type":"consumed","topic":"in","partition":0,"offset":0,"ids":["in-0"]"#),
            span("pipeline-1"),
            span("pipeline-2"),
            line("pipeline-3", r#""type":"note","message":"started""#),
            span("some-other-service"),
        ];
        let instances: Vec<String> = (1..=3).map(|i| format!("pipeline-{i}")).collect();
        let found = sources(&lines, &instances);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec![
                ("pipeline-1".to_string(), Source::Events),
                ("pipeline-2".to_string(), Source::OpenTelemetry),
                ("pipeline-3".to_string(), Source::Kafka),
            ]
        );
    }

    #[test]
    fn a_chains_spans_count_only_when_its_first_stage_processed_the_input() {
        let started = line(
            "harness",
            r#""type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":null,"input_topic":"first","output_topic":"out","group":"g","stages":[{"input_topic":"in","output_topic":"out","group":"h"}],"properties":[],"read_committed":false"#,
        );
        let instances = ["pipeline-1".to_string(), "pipeline-2".to_string()];
        // pipeline-2 processes the second stage's input (`in`); nothing
        // processed the chain's input (`first`).
        let later_only = vec![started.clone(), span("pipeline-2")];
        assert_eq!(sources(&later_only, &instances)["pipeline-2"], Source::Kafka);
        let mut rooted = later_only.clone();
        let mut first = span("pipeline-1");
        if let Event::Span(s) = &mut first.event {
            s.topic = Some("first".into());
        }
        rooted.push(first);
        let found = sources(&rooted, &instances);
        assert_eq!((found["pipeline-1"], found["pipeline-2"]), (Source::OpenTelemetry, Source::OpenTelemetry));
    }

    #[test]
    fn a_commit_alone_is_not_an_instances_own_lineage() {
        let lines = vec![line("pipeline-1", r#""type":"committed","topic":"in","partition":0,"offset":1"#)];
        assert_eq!(sources(&lines, &["pipeline-1".to_string()])["pipeline-1"], Source::Kafka);
    }
}
