//! Request bodies to converted batches, without holding a whole request's
//! spans in memory at once.
//!
//! A protobuf request is read in layers: the resource/scope envelope is
//! decoded with byte slices (zero-copy views into the body) standing for
//! the spans, and each span is decoded, converted and dropped in turn.
//! A fully decoded span takes about a hundred times its smallest encoding,
//! so decoding a hostile body at the size limit in one go could take a hundred times its size.
//! JSON bodies are streamed the same way (see `json`).

use bytes::Bytes;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span as OtlpSpan;
use prost::Message;
use thiserror::Error;

use super::convert::{service_name, Batch};

/// A body that is not an OTLP trace export request.
#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("not an OTLP protobuf trace request: {0}")]
    Protobuf(#[from] prost::DecodeError),
    #[error("not an OTLP JSON trace request: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Clone, PartialEq, Message)]
struct RequestEnvelope {
    #[prost(bytes = "bytes", repeated, tag = "1")]
    resource_spans: Vec<Bytes>,
}

#[derive(Clone, PartialEq, Message)]
struct ResourceSpansEnvelope {
    #[prost(message, optional, tag = "1")]
    resource: Option<Resource>,
    #[prost(bytes = "bytes", repeated, tag = "2")]
    scope_spans: Vec<Bytes>,
}

#[derive(Clone, PartialEq, Message)]
struct ScopeSpansEnvelope {
    #[prost(bytes = "bytes", repeated, tag = "2")]
    spans: Vec<Bytes>,
}

/// Converts an `application/x-protobuf` body.
pub fn protobuf(body: Bytes) -> Result<Batch, DecodeError> {
    let mut batch = Batch::default();
    let request = RequestEnvelope::decode(body)?;
    for resource_spans in request.resource_spans {
        let envelope = ResourceSpansEnvelope::decode(resource_spans)?;
        let service = service_name(envelope.resource.as_ref());
        for scope_spans in envelope.scope_spans {
            for span in ScopeSpansEnvelope::decode(scope_spans)?.spans {
                let span = OtlpSpan::decode(span)?;
                if !batch.push(&service, &span) {
                    return Ok(batch);
                }
            }
        }
    }
    Ok(batch)
}

/// Converts an `application/json` body (OTLP JSON: ids as hex strings).
pub fn json(body: &[u8]) -> Result<Batch, DecodeError> {
    Ok(super::json::convert(body)?)
}
