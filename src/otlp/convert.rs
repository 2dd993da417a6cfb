//! OTLP spans to trace lines: the pure part of the receiver.
//!
//! Only messaging spans become lines; everything the lineage needs (topic,
//! partition, offset, group, key, trace context) is read from the
//! attribute names the OpenTelemetry messaging conventions used across
//! their versions, because agents in the field export all of them.
//! Input comes from outside the harness, so every string is truncated and
//! every list is bounded.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span as OtlpSpan;

use crate::trace::{Event, Span, SpanOperation, TraceLine};

/// Spans examined per request; the rest of a larger request is ignored.
pub const MAX_SPANS_PER_REQUEST: usize = 100_000;
/// Longest string kept (bytes, cut at a character boundary).
pub const MAX_TEXT: usize = 1024;
/// Links kept per span.
pub const MAX_LINKS: usize = 128;
/// Attributes looked at per span or resource.
pub const MAX_ATTRIBUTES: usize = 256;

/// The `source` of every line the receiver writes.
pub const SOURCE: &str = "otlp";

/// The service a resource describes (`service.name`), or OpenTelemetry's
/// own default when it has none.
pub fn service_name(resource: Option<&Resource>) -> String {
    resource
        .and_then(|r| attribute(&r.attributes, "service.name"))
        .and_then(text)
        .unwrap_or_else(|| "unknown_service".to_string())
}

/// Every messaging span of a request as a trace line, in request order.
pub fn convert(request: &ExportTraceServiceRequest) -> Vec<TraceLine> {
    let mut batch = Batch::default();
    'all: for resource_spans in &request.resource_spans {
        let service = service_name(resource_spans.resource.as_ref());
        for scope_spans in &resource_spans.scope_spans {
            for span in &scope_spans.spans {
                if !batch.push(&service, span) {
                    break 'all;
                }
            }
        }
    }
    batch.lines
}

/// Lines converted so far from one request, and how many spans were seen.
#[derive(Debug, Default)]
pub struct Batch {
    /// The messaging spans, as lines.
    pub lines: Vec<TraceLine>,
    /// Spans examined (messaging or not), at most [`MAX_SPANS_PER_REQUEST`].
    pub seen: usize,
    /// The request held more spans than are examined.
    pub truncated: bool,
}

impl Batch {
    /// Converts one span of `service`; false once the request's span
    /// budget is spent (the span was then not examined).
    pub fn push(&mut self, service: &str, span: &OtlpSpan) -> bool {
        if self.seen >= MAX_SPANS_PER_REQUEST {
            self.truncated = true;
            return false;
        }
        self.seen += 1;
        if let Some(line) = span_line(service, span) {
            self.lines.push(line);
        }
        true
    }
}

/// One span as a trace line, if it is a messaging span with valid ids.
pub fn span_line(service: &str, span: &OtlpSpan) -> Option<TraceLine> {
    let attributes = &span.attributes[..span.attributes.len().min(MAX_ATTRIBUTES)];
    let find = |key: &str| attribute(attributes, key);
    let messaging = ["messaging.system", "messaging.destination.name", "messaging.destination"]
        .iter()
        .any(|key| find(key).is_some());
    if !messaging || span.trace_id.len() != 16 || span.span_id.len() != 8 {
        return None;
    }
    let end_ms = span.end_time_unix_nano / 1_000_000;
    let event = Span {
        service: truncate(service),
        trace_id: hex(&span.trace_id),
        span_id: hex(&span.span_id),
        parent_span_id: valid_span_id(&span.parent_span_id),
        links: span.links.iter().filter_map(|l| valid_span_id(&l.span_id)).take(MAX_LINKS).collect(),
        name: truncate(&span.name),
        operation: operation(attributes, span.kind),
        topic: first_text(attributes, &["messaging.destination.name", "messaging.destination"]),
        partition: first_int(attributes, &["messaging.destination.partition.id", "messaging.kafka.destination.partition"])
            .and_then(|p| i32::try_from(p).ok()),
        offset: first_int(attributes, &["messaging.kafka.message.offset"]),
        group: first_text(attributes, &["messaging.kafka.consumer.group", "messaging.consumer.group.name"]),
        key: first_text(attributes, &["messaging.kafka.message.key"]),
        start_ms: span.start_time_unix_nano / 1_000_000,
        end_ms,
        error: span.status.as_ref().is_some_and(|s| s.code == StatusCode::Error as i32),
    };
    Some(TraceLine { time_ms: end_ms, source: SOURCE.to_string(), step: None, event: Event::Span(event) })
}

/// What the span did: the first operation attribute that names a known
/// operation, else what its kind implies.
fn operation(attributes: &[KeyValue], kind: i32) -> SpanOperation {
    let named = ["messaging.operation.type", "messaging.operation", "messaging.operation.name"]
        .iter()
        .filter_map(|key| attribute(attributes, key))
        .filter_map(|value| match value {
            Value::StringValue(s) => Some(operation_named(s)),
            _ => None,
        })
        .find(|op| *op != SpanOperation::Other);
    named.unwrap_or(if kind == SpanKind::Producer as i32 {
        SpanOperation::Publish
    } else if kind == SpanKind::Consumer as i32 {
        SpanOperation::Process
    } else {
        SpanOperation::Other
    })
}

fn operation_named(name: &str) -> SpanOperation {
    match name.to_ascii_lowercase().as_str() {
        "publish" | "send" | "create" => SpanOperation::Publish,
        "process" => SpanOperation::Process,
        "receive" | "poll" => SpanOperation::Receive,
        _ => SpanOperation::Other,
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes[..attributes.len().min(MAX_ATTRIBUTES)]
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn first_text(attributes: &[KeyValue], keys: &[&str]) -> Option<String> {
    keys.iter().filter_map(|key| attribute(attributes, key)).find_map(text)
}

fn first_int(attributes: &[KeyValue], keys: &[&str]) -> Option<i64> {
    keys.iter().filter_map(|key| attribute(attributes, key)).find_map(int)
}

/// A string attribute as text; numbers and booleans as they print.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::StringValue(s) => Some(truncate(s)),
        Value::IntValue(i) => Some(i.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer attribute, or a string that holds one (agent 2.x sends the
/// partition as a string).
fn int(value: &Value) -> Option<i64> {
    match value {
        Value::IntValue(i) => Some(*i),
        Value::StringValue(s) if s.len() <= 24 => s.trim().parse().ok(),
        _ => None,
    }
}

fn valid_span_id(bytes: &[u8]) -> Option<String> {
    (bytes.len() == 8 && bytes.iter().any(|b| *b != 0)).then(|| hex(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_TEXT {
        return s.to_string();
    }
    let mut end = MAX_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
