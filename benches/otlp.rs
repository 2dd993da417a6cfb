//! How fast the OTLP receiver ingests Kafka spans over HTTP, and what it
//! costs in memory: 100 protobuf requests of 1000 messaging spans each,
//! posted on one keep-alive connection to a receiver in this process,
//! recorded to a temporary `otlp.jsonl`. Prints spans/s and the growth of
//! the process's peak RSS. Run: `cargo bench --bench otlp`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use ldfi::otlp::OtlpReceiver;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

const REQUESTS: usize = 100;
const SPANS_PER_REQUEST: usize = 1000;

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::StringValue(value.into())) }), ..Default::default() }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::IntValue(value)) }), ..Default::default() }
}

/// A process span and a publish span per record, as the Java agent
/// exports a Kafka Streams app.
fn request(index: usize) -> Vec<u8> {
    let spans = (0..SPANS_PER_REQUEST)
        .map(|n| {
            let record = (index * SPANS_PER_REQUEST + n) as u64;
            let publish = n % 2 == 1;
            let mut attributes = vec![
                string("messaging.system", "kafka"),
                string("messaging.destination.name", if publish { "counts" } else { "words" }),
                string("messaging.destination.partition.id", &(record % 6).to_string()),
                int("messaging.kafka.message.offset", record as i64),
                string("messaging.operation", if publish { "publish" } else { "process" }),
                string("messaging.client_id", "wordcount-5f0c-StreamThread-1-consumer"),
                string("thread.name", "wordcount-5f0c-StreamThread-1"),
                int("thread.id", 31),
            ];
            if !publish {
                attributes.push(string("messaging.kafka.consumer.group", "wordcount"));
                attributes.push(string("messaging.kafka.message.key", &format!("k{}", record % 100)));
                attributes.push(int("kafka.record.queue_time_ms", 12));
            }
            let start = 1_764_936_000_000_000_000 + record * 1_000_000;
            Span {
                trace_id: [record.to_be_bytes(), (record / 2).to_be_bytes()].concat(),
                span_id: (record + 1).to_be_bytes().to_vec(),
                parent_span_id: if publish { record.to_be_bytes().to_vec() } else { vec![] },
                flags: 257,
                name: if publish { "counts publish".into() } else { "words process".into() },
                kind: if publish { 4 } else { 5 },
                start_time_unix_nano: start,
                end_time_unix_nano: start + 400_000,
                attributes,
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![string("service.name", "pipeline-1"), string("telemetry.sdk.language", "java")], ..Default::default() }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope { name: "io.opentelemetry.kafka-streams-0.11".into(), version: "2.31.1-alpha".into(), ..Default::default() }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Posts one body on a keep-alive connection and returns the status.
fn post(stream: &mut BufReader<TcpStream>, address: SocketAddr, body: &[u8]) -> u16 {
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-protobuf\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.get_mut().write_all(head.as_bytes()).unwrap();
    stream.get_mut().write_all(body).unwrap();
    let mut line = String::new();
    stream.read_line(&mut line).unwrap();
    let status = line[9..12].parse().unwrap();
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
    }
    let mut rest = vec![0; length];
    stream.read_exact(&mut rest).unwrap();
    status
}

/// A `/proc/self/status` figure in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let bodies: Vec<Vec<u8>> = (0..REQUESTS).map(request).collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let dir = std::env::temp_dir().join(format!("ldfi-otlp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("otlp.jsonl");

    let receiver = OtlpReceiver::start("127.0.0.1:0".parse().unwrap()).unwrap();
    receiver.record_to(&path).unwrap();
    let rss_before = status_kib("VmRSS:");
    let hwm_before = status_kib("VmHWM:");

    let address = receiver.local_addr();
    let mut stream = BufReader::new(TcpStream::connect(address).unwrap());
    let started = Instant::now();
    for body in &bodies {
        assert_eq!(post(&mut stream, address, body), 200);
    }
    let elapsed = started.elapsed();
    let stats = receiver.stop_recording();

    let rss_after = status_kib("VmRSS:");
    let hwm_after = status_kib("VmHWM:");
    let file_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert_eq!(stats.spans as usize, REQUESTS * SPANS_PER_REQUEST);
    assert_eq!(stats.rejected, 0);

    let spans_per_s = stats.spans as f64 / elapsed.as_secs_f64();
    println!("otlp ingest: {REQUESTS} requests x {SPANS_PER_REQUEST} spans, protobuf, one keep-alive connection");
    println!("  request bodies: {:.1} MiB ({} B/span)", bytes as f64 / 1048576.0, bytes / (REQUESTS * SPANS_PER_REQUEST));
    println!("  elapsed: {:.3} s, {:.0} spans/s, {:.1} requests/s", elapsed.as_secs_f64(), spans_per_s, REQUESTS as f64 / elapsed.as_secs_f64());
    println!("  recorded: {} spans, {} requests, {} rejected; otlp.jsonl {:.1} MiB", stats.spans, stats.requests, stats.rejected, file_bytes as f64 / 1048576.0);
    println!(
        "  memory: VmRSS {:.1} -> {:.1} MiB, VmHWM {:.1} -> {:.1} MiB, peak growth {:.1} MiB (VmHWM after - VmRSS before)",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        hwm_before as f64 / 1024.0,
        hwm_after as f64 / 1024.0,
        hwm_after.saturating_sub(rss_before) as f64 / 1024.0
    );

    let hostile = hostile_body();
    let hwm_before = status_kib("VmHWM:");
    let rss_before = status_kib("VmRSS:");
    let started = Instant::now();
    let status = post(&mut stream, address, &hostile);
    println!(
        "hostile body: {:.1} MiB of empty spans -> {status} in {:.3} s; VmHWM {:.1} -> {:.1} MiB, peak growth {:.1} MiB",
        hostile.len() as f64 / 1048576.0,
        started.elapsed().as_secs_f64(),
        hwm_before as f64 / 1024.0,
        status_kib("VmHWM:") as f64 / 1024.0,
        status_kib("VmHWM:").saturating_sub(rss_before) as f64 / 1024.0
    );
    drop(receiver);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Just under the body limit, of the smallest span encoding there is (an
/// empty span, two bytes): what a decoder holds per byte at worst. Framed
/// by hand so that building it costs no memory worth measuring.
fn hostile_body() -> Vec<u8> {
    fn framed(tag: u8, inner: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let mut length = inner.len() as u64;
        while length >= 0x80 {
            out.push((length as u8) | 0x80);
            length >>= 7;
        }
        out.push(length as u8);
        out.extend_from_slice(inner);
        out
    }
    let spans = [0x12u8, 0x00].repeat((ldfi::otlp::receiver::MAX_BODY - 64) / 2);
    framed(0x0a, &framed(0x12, &spans))
}
