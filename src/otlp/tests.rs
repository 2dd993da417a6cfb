use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::span::Link;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span as OtlpSpan, Status};
use prost::Message;

use super::convert::{convert, span_line, MAX_SPANS_PER_REQUEST, MAX_TEXT};
use super::decode;
use super::receiver::{OtlpReceiver, ReceiverStats};
use crate::trace::{Event, Span, SpanOperation, TraceLine};

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

fn fixture_json() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/otlp/wordcount-agent-2.31.1.json");
    std::fs::read(path).unwrap()
}

fn fixture() -> ExportTraceServiceRequest {
    serde_json::from_slice(&fixture_json()).unwrap()
}

fn spans(lines: &[TraceLine]) -> Vec<&Span> {
    lines
        .iter()
        .map(|l| match &l.event {
            Event::Span(span) => span,
            other => panic!("not a span: {other:?}"),
        })
        .collect()
}

fn by_name<'a>(spans: &[&'a Span], name: &str) -> &'a Span {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no span {name}"))
}

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::StringValue(value.into())) }), ..Default::default() }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::IntValue(value)) }), ..Default::default() }
}

fn bare_span(kind: i32, attributes: Vec<KeyValue>) -> OtlpSpan {
    OtlpSpan {
        trace_id: vec![0xab; 16],
        span_id: vec![0xcd; 8],
        name: "bare".into(),
        kind,
        start_time_unix_nano: 2_000_000,
        end_time_unix_nano: 5_999_999,
        attributes,
        ..Default::default()
    }
}

#[test]
fn the_agents_word_count_becomes_five_spans_of_one_trace() {
    let lines = convert(&fixture());
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|l| l.source == "otlp" && l.step.is_none()));
    let spans = spans(&lines);
    assert!(spans.iter().all(|s| s.service == "pipeline-1" && s.trace_id == TRACE && !s.error));

    let root = by_name(&spans, "words process");
    assert_eq!(
        *root,
        Span {
            service: "pipeline-1".into(),
            trace_id: TRACE.into(),
            span_id: "b7ad6b7169203331".into(),
            parent_span_id: None,
            links: vec![],
            name: "words process".into(),
            operation: SpanOperation::Process,
            topic: Some("words".into()),
            partition: Some(1),
            offset: Some(3),
            group: Some("wordcount".into()),
            key: Some("k3".into()),
            start_ms: 1_764_936_000_100,
            end_ms: 1_764_936_000_140,
            error: false,
        }
    );
    assert_eq!(lines.iter().find(|l| matches!(&l.event, Event::Span(s) if s.name == "words process")).unwrap().time_ms, root.end_ms);

    let repartition = "wordcount-counts-store-repartition";
    let publish = by_name(&spans, &format!("{repartition} publish"));
    assert_eq!(publish.operation, SpanOperation::Publish);
    assert_eq!(publish.parent_span_id.as_deref(), Some("b7ad6b7169203331"));
    assert_eq!((publish.topic.as_deref(), publish.partition, publish.offset), (Some(repartition), Some(0), Some(7)));
    assert_eq!((publish.group.as_deref(), publish.key.as_deref()), (None, None));

    let process = by_name(&spans, &format!("{repartition} process"));
    assert_eq!(process.operation, SpanOperation::Process);
    assert_eq!(process.parent_span_id.as_deref(), Some(publish.span_id.as_str()));
    assert_eq!((process.topic.as_deref(), process.partition, process.offset), (Some(repartition), Some(0), Some(7)));
    assert_eq!((process.group.as_deref(), process.key.as_deref()), (Some("wordcount"), Some("cat")));

    let changelog = by_name(&spans, "wordcount-counts-store-changelog publish");
    assert_eq!(changelog.operation, SpanOperation::Publish);
    assert_eq!(changelog.parent_span_id.as_deref(), Some(process.span_id.as_str()));
    assert_eq!((changelog.partition, changelog.offset), (Some(0), Some(4)));

    let output = by_name(&spans, "counts publish");
    assert_eq!(output.operation, SpanOperation::Publish);
    assert_eq!(output.parent_span_id.as_deref(), Some(process.span_id.as_str()));
    assert_eq!((output.topic.as_deref(), output.partition, output.offset), (Some("counts"), Some(0), Some(2)));
    assert_eq!((output.start_ms, output.end_ms), (1_764_936_000_172, 1_764_936_000_190));
}

#[test]
fn protobuf_and_json_bodies_convert_alike() {
    let request = fixture();
    let expected = convert(&request);
    let from_protobuf = decode::protobuf(request.encode_to_vec().into()).unwrap();
    let from_json = decode::json(&fixture_json()).unwrap();
    assert_eq!(from_protobuf.lines, expected);
    assert_eq!(from_json.lines, expected);
    assert_eq!((from_protobuf.seen, from_protobuf.truncated), (5, false));
}

#[test]
fn json_fields_may_come_in_any_order_and_unknown_ones_are_ignored() {
    let text = r#"{"extra":{"a":[1,2]},"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","kind":4,"name":"p",
         "attributes":[{"key":"messaging.system","value":{"stringValue":"kafka"}}],"novel":true}],
        "scope":{"name":"s"}}],
      "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"pipeline-2"}}]}},
      {"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203332",
        "attributes":[{"key":"messaging.system","value":{"stringValue":"kafka"}}]}]}]}]}"#;
    let batch = decode::json(text.as_bytes()).unwrap();
    let spans = spans(&batch.lines);
    assert_eq!(spans.len(), 2);
    assert_eq!((spans[0].service.as_str(), spans[0].operation), ("pipeline-2", SpanOperation::Publish));
    assert_eq!(spans[1].service, "unknown_service");
}

#[test]
fn ids_are_lowercase_hex_whatever_case_json_used() {
    let text = String::from_utf8(fixture_json()).unwrap().replace(TRACE, &TRACE.to_uppercase()).replace("b7ad6b7169203331", "B7AD6B7169203331");
    let batch = decode::json(text.as_bytes()).unwrap();
    let spans = spans(&batch.lines);
    assert!(spans.iter().all(|s| s.trace_id == TRACE));
    assert_eq!(by_name(&spans, "words process").span_id, "b7ad6b7169203331");
    assert_eq!(by_name(&spans, "wordcount-counts-store-repartition publish").parent_span_id.as_deref(), Some("b7ad6b7169203331"));
}

#[test]
fn a_span_missing_attributes_keeps_what_it_has() {
    let line = span_line("svc", &bare_span(4, vec![string("messaging.system", "kafka")])).unwrap();
    let Event::Span(span) = line.event else { panic!() };
    assert_eq!(span.operation, SpanOperation::Publish);
    assert_eq!((span.topic, span.partition, span.offset, span.group, span.key), (None, None, None, None, None));
    assert_eq!((span.trace_id.as_str(), span.span_id.as_str()), ("ab".repeat(16).as_str(), "cdcdcdcdcdcdcdcd"));
    assert_eq!((span.start_ms, span.end_ms, line.time_ms), (2, 5, 5));

    let consumer = span_line("svc", &bare_span(5, vec![string("messaging.destination.name", "t")])).unwrap();
    assert!(matches!(consumer.event, Event::Span(Span { operation: SpanOperation::Process, .. })));
    let internal = span_line("svc", &bare_span(1, vec![string("messaging.system", "kafka")])).unwrap();
    assert!(matches!(internal.event, Event::Span(Span { operation: SpanOperation::Other, .. })));
}

#[test]
fn spans_that_are_not_messaging_or_have_bad_ids_are_skipped() {
    assert!(span_line("svc", &bare_span(2, vec![string("http.request.method", "GET")])).is_none());
    let mut short_trace = bare_span(4, vec![string("messaging.system", "kafka")]);
    short_trace.trace_id = vec![1; 3];
    assert!(span_line("svc", &short_trace).is_none());
    let mut no_span_id = bare_span(4, vec![string("messaging.system", "kafka")]);
    no_span_id.span_id.clear();
    assert!(span_line("svc", &no_span_id).is_none());
}

#[test]
fn older_and_newer_attribute_names_are_read() {
    let older = bare_span(
        0,
        vec![
            string("messaging.system", "kafka"),
            string("messaging.destination", "old-topic"),
            int("messaging.kafka.destination.partition", 2),
            string("messaging.kafka.message.offset", "41"),
            string("messaging.operation", "receive"),
        ],
    );
    let Event::Span(span) = span_line("svc", &older).unwrap().event else { panic!() };
    assert_eq!((span.topic.as_deref(), span.partition, span.offset, span.operation), (Some("old-topic"), Some(2), Some(41), SpanOperation::Receive));

    let mut newer = bare_span(
        4,
        vec![
            string("messaging.system", "kafka"),
            string("messaging.operation.type", "send"),
            string("messaging.operation.name", "poll"),
            string("messaging.consumer.group.name", "g"),
            string("messaging.destination.partition.id", "not a number"),
        ],
    );
    newer.links = vec![
        Link { span_id: vec![0x11; 8], ..Default::default() },
        Link { span_id: vec![0; 8], ..Default::default() },
        Link { span_id: vec![0x22; 3], ..Default::default() },
    ];
    newer.parent_span_id = vec![0; 8];
    newer.status = Some(Status { code: StatusCode::Error as i32, message: "boom".into() });
    let Event::Span(span) = span_line("svc", &newer).unwrap().event else { panic!() };
    assert_eq!(span.operation, SpanOperation::Publish);
    assert_eq!((span.group.as_deref(), span.partition, span.parent_span_id), (Some("g"), None, None));
    assert_eq!(span.links, vec!["1111111111111111".to_string()]);
    assert!(span.error);

    for (name, operation) in [("create", SpanOperation::Publish), ("poll", SpanOperation::Receive), ("PROCESS", SpanOperation::Process), ("settle", SpanOperation::Process)] {
        let span = bare_span(5, vec![string("messaging.system", "kafka"), string("messaging.operation", name)]);
        let Event::Span(span) = span_line("svc", &span).unwrap().event else { panic!() };
        assert_eq!(span.operation, operation, "{name}");
    }
}

#[test]
fn long_strings_are_cut_at_a_character_boundary() {
    let long = "é".repeat(MAX_TEXT);
    let Event::Span(span) = span_line(&long, &bare_span(4, vec![string("messaging.destination.name", &long)])).unwrap().event else { panic!() };
    let topic = span.topic.unwrap();
    assert!(topic.len() <= MAX_TEXT && topic.len() >= MAX_TEXT - 1 && topic.chars().all(|c| c == 'é'));
    assert!(span.service.len() <= MAX_TEXT);
}

#[test]
fn a_request_is_read_up_to_the_span_limit() {
    let span = bare_span(4, vec![string("messaging.system", "kafka")]);
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans { spans: vec![span; MAX_SPANS_PER_REQUEST + 3], ..Default::default() }],
            ..Default::default()
        }],
    };
    let batch = decode::protobuf(request.encode_to_vec().into()).unwrap();
    assert_eq!((batch.lines.len(), batch.seen, batch.truncated), (MAX_SPANS_PER_REQUEST, MAX_SPANS_PER_REQUEST, true));
    assert_eq!(convert(&request).len(), MAX_SPANS_PER_REQUEST);
    let batch = decode::json(&serde_json::to_vec(&request).unwrap()).unwrap();
    assert_eq!((batch.lines.len(), batch.truncated), (MAX_SPANS_PER_REQUEST, true));
    assert!(spans(&batch.lines).iter().all(|s| s.service == "unknown_service"));
}

#[test]
fn garbage_bodies_are_rejected() {
    let mut truncated = fixture().encode_to_vec();
    truncated.truncate(truncated.len() / 2);
    for body in [&b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"[..], b"\x0a\x05ab", &truncated, b"{\"resourceSpans\":[]}"] {
        assert!(decode::protobuf(bytes::Bytes::copy_from_slice(body)).is_err(), "{body:?}");
    }
    for body in [&b"\x0a\x00"[..], b"{\"resourceSpans\":", b"[1,2]", b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}"] {
        assert!(decode::json(body).is_err(), "{body:?}");
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ldfi-otlp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// One HTTP/1.1 request on a fresh connection: (status, body).
pub(crate) fn post(address: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    let status = std::str::from_utf8(&response[9..12]).unwrap().parse().unwrap();
    (status, response[split + 4..].to_vec())
}

const PROTOBUF: (&str, &str) = ("Content-Type", "application/x-protobuf");
const JSON: (&str, &str) = ("Content-Type", "application/json");

#[test]
fn the_receiver_records_protobuf_json_and_gzip_and_survives_bad_requests() {
    let dir = temp_dir("receiver");
    let receiver = OtlpReceiver::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = receiver.local_addr();
    assert_eq!(receiver.endpoint(), format!("http://{address}"));
    let protobuf = fixture().encode_to_vec();

    assert_eq!(post(address, "/v1/traces", &[PROTOBUF], &protobuf).0, 200);
    let stats = receiver.stop_recording();
    assert_eq!(stats, ReceiverStats { spans: 0, requests: 1, rejected: 0, dropped: 5 });

    let path = dir.join("run-1").join("otlp.jsonl");
    receiver.record_to(&path).unwrap();
    assert!(receiver.record_to(&dir.join("other.jsonl")).is_err());
    assert_eq!(post(address, "/v1/traces", &[PROTOBUF], &protobuf), (200, vec![]));
    assert_eq!(post(address, "/v1/traces", &[("Content-Type", "application/json; charset=utf-8")], &fixture_json()), (200, b"{}".to_vec()));
    let (status, message) = post(address, "/v1/traces", &[PROTOBUF], b"\xff\xff\xff garbage");
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&message).contains("protobuf"));
    assert_eq!(post(address, "/v1/traces", &[JSON], b"{not json").0, 400);
    assert_eq!(post(address, "/v1/traces", &[("Content-Type", "text/plain")], b"hi").0, 415);
    assert_eq!(post(address, "/v1/traces", &[PROTOBUF, ("Content-Encoding", "gzip")], b"not gzip").0, 400);
    assert_eq!(post(address, "/v1/metrics", &[PROTOBUF], &protobuf).0, 404);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&fixture_json()).unwrap();
    assert_eq!(post(address, "/v1/traces", &[JSON, ("Content-Encoding", "gzip")], &gzip.finish().unwrap()).0, 200);

    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 999999999\r\n\r\n").unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");

    let stats = receiver.stop_recording();
    assert_eq!(stats, ReceiverStats { spans: 15, requests: 8, rejected: 5, dropped: 0 });
    let lines = crate::trace::read_file(&path).unwrap();
    assert_eq!(lines.len(), 15);
    let expected = convert(&fixture());
    assert_eq!(lines[..5], expected[..]);
    assert_eq!(lines[5..10], expected[..]);
    assert_eq!(lines[10..], expected[..]);

    assert_eq!(post(address, "/v1/traces", &[PROTOBUF], &protobuf).0, 200);
    assert_eq!(crate::trace::read_file(&path).unwrap().len(), 15, "nothing written after the stop");
    drop(receiver);
    assert!(TcpStream::connect(address).is_err(), "the server stops on drop");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn recording_refuses_a_symlink_or_an_existing_file() {
    let dir = temp_dir("symlink");
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("elsewhere");
    std::fs::write(&target, "keep me\n").unwrap();
    let link = dir.join("otlp.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = dir.join("dangling.jsonl");
    std::os::unix::fs::symlink(dir.join("nothing"), &dangling).unwrap();

    let receiver = OtlpReceiver::start("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(receiver.record_to(&link).is_err());
    assert!(receiver.record_to(&dangling).is_err());
    assert!(!dir.join("nothing").exists());
    assert!(receiver.record_to(&target).is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    receiver.record_to(&dir.join("fresh.jsonl")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_receiver_starts_and_stops_inside_an_async_runtime() {
    let receiver = OtlpReceiver::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = receiver.local_addr();
    let body = fixture().encode_to_vec();
    let status = tokio::task::spawn_blocking(move || post(address, "/v1/traces", &[PROTOBUF], &body).0).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(receiver.stop_recording().dropped, 5);
    drop(receiver);
}

/// One export line the Java agent 2.31.1 printed for the shipped Kafka
/// Streams word count (tests/fixtures/otlp/agent-wordcount.md): one
/// resource's spans, wrapped as the request an OTLP exporter sends.
fn recorded_agent_export() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/otlp/agent-wordcount.json");
    let line = std::fs::read_to_string(path).unwrap();
    format!("{{\"resourceSpans\":[{}]}}", line.trim()).into_bytes()
}

#[test]
fn a_recorded_agent_export_gives_the_whole_path_of_a_record_through_internal_topics() {
    let request: ExportTraceServiceRequest = serde_json::from_slice(&recorded_agent_export()).unwrap();
    let lines = convert(&request);
    assert_eq!(lines.len(), 32, "every Kafka span of the export");
    let spans = spans(&lines);
    assert!(spans.iter().all(|s| s.service == "pipeline-1" && s.partition.is_some() && s.offset.is_some()), "{spans:?}");
    let trace: Vec<&&Span> = spans.iter().filter(|s| s.trace_id == "7b5a2247106a90cddd277ed6913c3456").collect();
    let count = |op: SpanOperation, suffix: &str| {
        trace.iter().filter(|s| s.operation == op && s.topic.as_deref().is_some_and(|t| t.ends_with(suffix))).count()
    };
    assert_eq!(count(SpanOperation::Process, "words"), 1);
    assert_eq!(count(SpanOperation::Publish, "-counts-store-repartition"), 4);
    assert_eq!(count(SpanOperation::Process, "-counts-store-repartition"), 4);
    assert_eq!(count(SpanOperation::Publish, "-counts-store-changelog"), 4);
    assert_eq!(count(SpanOperation::Publish, "counts"), 4);
    let root = trace.iter().find(|s| s.operation == SpanOperation::Process && s.topic.as_deref() == Some("words")).unwrap();
    assert_eq!((root.partition, root.offset, root.parent_span_id.as_deref()), (Some(1), Some(1), None));
    // Every other span of the trace hangs under the root, through the
    // context the records' headers carried.
    let ids: Vec<&str> = trace.iter().map(|s| s.span_id.as_str()).collect();
    assert!(trace.iter().filter(|s| s.span_id != root.span_id).all(|s| s.parent_span_id.as_deref().is_some_and(|p| ids.contains(&p))));
    // The receiver's JSON path reads it alike.
    let streamed = decode::json(&recorded_agent_export()).unwrap();
    assert_eq!(streamed.lines.len(), 32);
}
