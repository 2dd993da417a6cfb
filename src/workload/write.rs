//! Producing records with unique ids and keeping every delivery report.

use std::time::Duration;

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::ClientConfig;
use serde::{Deserialize, Serialize};

use super::ID_HEADER;

/// The producer's `acks` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=all`, idempotent.
    All,
    /// `acks=1`: the leader alone.
    Leader,
}

/// What the cluster answered for one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub key: String,
    pub value: String,
    /// `(partition, offset)` when acknowledged.
    pub acked: Option<(i32, i64)>,
    /// The error when not acknowledged.
    pub error: Option<String>,
    /// The record's timestamp (ms since the epoch), set by the workload:
    /// the event time a windowed pipeline assigns it by.
    pub timestamp_ms: i64,
}

/// A record the workload writes: unique id (also in the `ldfi-id` header),
/// key, value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRecord {
    pub id: String,
    pub key: String,
    pub value: String,
}

/// Produces records to `topic` and waits for every delivery report
/// (acknowledged or failed within `timeout`).
pub async fn produce(
    bootstrap: &str,
    topic: &str,
    records: &[WorkloadRecord],
    acks: Acks,
    timeout: Duration,
) -> Result<Vec<Delivery>, rdkafka::error::KafkaError> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", timeout.as_millis().to_string())
        .set("linger.ms", "5");
    match acks {
        Acks::All => config.set("acks", "all").set("enable.idempotence", "true"),
        Acks::Leader => config.set("acks", "1").set("enable.idempotence", "false"),
    };
    let producer: FutureProducer = config.create()?;
    // One event time for the batch, set explicitly rather than left to the
    // client, so that the trace knows the window each input falls in.
    let timestamp_ms = i64::try_from(crate::trace::now_ms()).unwrap_or(i64::MAX);
    let sends = records.iter().map(|WorkloadRecord { id, key, value }| {
        let producer = &producer;
        async move {
            let headers = OwnedHeaders::new().insert(Header { key: ID_HEADER, value: Some(id.as_str()) });
            let record =
                FutureRecord::to(topic).key(key).payload(value).headers(headers).timestamp(timestamp_ms);
            let result = producer.send(record, Duration::from_secs(0)).await;
            match result {
                Ok(delivered) => Delivery {
                    id: id.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    acked: Some((delivered.partition, delivered.offset)),
                    error: None,
                    timestamp_ms,
                },
                Err((e, _)) => Delivery {
                    id: id.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    acked: None,
                    error: Some(e.to_string()),
                    timestamp_ms,
                },
            }
        }
    });
    let deliveries = futures_util::future::join_all(sends).await;
    let _ = producer.flush(Duration::from_secs(5));
    Ok(deliveries)
}
