//! Records as a pipeline sees them: an owned input with its workload id,
//! and the output it derives.
//!
//! The `ldfi-id` header is the thread lineage is pulled by: every output
//! carries the id of the input it derives from, so the checker can match
//! outputs to acknowledged inputs without trusting the pipeline's trace.

use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};

pub use ldfi::workload::ID_HEADER;

/// An input record, copied out of the consumer's buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub value: String,
    /// The `ldfi-id` header, if the record has one.
    pub id: Option<String>,
}

impl Input {
    /// Copies a consumed message.
    pub fn from_message(message: &BorrowedMessage<'_>) -> Input {
        Input {
            topic: message.topic().to_string(),
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            value: message.payload().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default(),
            id: message.headers().and_then(id_of),
        }
    }

    /// The ids this input contributes to lineage: its own, if it has one.
    pub fn ids(&self) -> Vec<String> {
        self.id.iter().cloned().collect()
    }
}

/// An output record to produce, derived from one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub key: Option<String>,
    pub value: String,
    /// The id of the input it derives from.
    pub id: Option<String>,
}

impl Output {
    /// The headers to send: `ldfi-id` when the input had one.
    pub fn headers(&self) -> Option<OwnedHeaders> {
        self.id.as_deref().map(id_headers)
    }
}

/// The `ldfi-id` header's value among `headers`.
pub fn id_of<H: Headers>(headers: &H) -> Option<String> {
    headers
        .iter()
        .find(|h| h.key == ID_HEADER)
        .and_then(|h| h.value.map(|v| String::from_utf8_lossy(v).into_owned()))
}

/// Headers carrying `id` as `ldfi-id`.
pub fn id_headers(id: &str) -> OwnedHeaders {
    OwnedHeaders::new().insert(Header { key: ID_HEADER, value: Some(id) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_header_round_trips() {
        let headers = id_headers("in-41").insert(Header { key: "other", value: Some("x") });
        assert_eq!(id_of(&headers), Some("in-41".to_string()));
        assert_eq!(id_of(&OwnedHeaders::new()), None);
    }
}
