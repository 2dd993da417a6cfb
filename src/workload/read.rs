//! Reading a topic back from the beginning up to its high watermark.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};

use super::ID_HEADER;

/// A record as the harness read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadRecord {
    pub partition: i32,
    pub offset: i64,
    /// The key, when its bytes are UTF-8.
    pub key: Option<String>,
    /// The key's bytes in lowercase hex, when they are not UTF-8 (a
    /// windowed key ends in an 8-byte window start).
    pub key_hex: Option<String>,
    /// The value, when its bytes are UTF-8.
    pub value: Option<String>,
    /// The value's bytes in lowercase hex, when they are not UTF-8 (an
    /// 8-byte long often is not): kept raw so that the checker, not the
    /// reader, decides what they mean.
    pub value_hex: Option<String>,
    /// The `ldfi-id` header: the input this record derives from.
    pub id: Option<String>,
}

/// Reads every record of `topic` (all its partitions) from the beginning up
/// to the high watermark observed at the start, within `timeout`.
/// `read_committed` reads only committed transactional records.
pub async fn read_all(
    bootstrap: &str,
    topic: &str,
    read_committed: bool,
    timeout: Duration,
) -> Result<Vec<ReadRecord>, rdkafka::error::KafkaError> {
    let bootstrap = bootstrap.to_string();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || read_blocking(&bootstrap, &topic, read_committed, timeout))
        .await
        .expect("reader thread")
}

fn read_blocking(
    bootstrap: &str,
    topic: &str,
    read_committed: bool,
    timeout: Duration,
) -> Result<Vec<ReadRecord>, rdkafka::error::KafkaError> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "ldfi-checker")
        .set("enable.auto.commit", "false")
        .set("isolation.level", if read_committed { "read_committed" } else { "read_uncommitted" })
        .set_log_level(rdkafka::config::RDKafkaLogLevel::Critical)
        .create()?;
    let started = Instant::now();
    let deadline = started + timeout;
    let metadata = until(deadline, |left| consumer.fetch_metadata(Some(topic), left))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    let mut ends = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for p in &partitions {
        let (_, high) = until(deadline, |left| consumer.fetch_watermarks(topic, *p, left))?;
        ends.insert(*p, high);
        assignment.add_partition_offset(topic, *p, Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    let mut positions: HashMap<i32, i64> = partitions.iter().map(|p| (*p, 0)).collect();
    let mut records = Vec::new();
    while positions.iter().any(|(p, pos)| *pos < ends[p]) && started.elapsed() < timeout {
        let polled = consumer.poll(Duration::from_millis(200));
        // Transaction markers take offsets too: follow the consumer's
        // position, not the last record seen.
        for element in consumer.position()?.elements() {
            if let Offset::Offset(position) = element.offset() {
                positions.insert(element.partition(), position);
            }
        }
        let Some(message) = polled else { continue };
        // A broker restarting is a transient error: keep reading until the
        // time is up.
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                tracing::debug!("read {topic}: {e}");
                continue;
            }
        };
        let id = message.headers().and_then(|headers| {
            headers
                .iter()
                .find(|h| h.key == ID_HEADER)
                .and_then(|h| h.value.map(|v| String::from_utf8_lossy(v).to_string()))
        });
        let position = positions.entry(message.partition()).or_insert(0);
        *position = (*position).max(message.offset() + 1);
        let (value, value_hex) = raw_value(message.payload());
        let (key, key_hex) = raw_value(message.key());
        records.push(ReadRecord {
            partition: message.partition(),
            offset: message.offset(),
            key,
            key_hex,
            value,
            value_hex,
            id,
        });
    }
    Ok(records)
}

/// Asks `request` again until it answers or `deadline` passes. Right after
/// a broker restarts, the client drops its handle to the old one and a
/// request in flight fails ("broker handle destroyed") although the cluster
/// answers a moment later: one failed request is not a failed read.
/// The partitions of `topic` whose last stable offset is below their
/// high watermark, as `(partition, last stable, high)`: an open
/// transaction (a crashed producer's, until its timeout aborts it) hides
/// what was written after it from a `read_committed` reader, which ends at
/// the last stable offset.
pub async fn open_transactions(bootstrap: &str, topic: &str, timeout: Duration) -> Result<Vec<(i32, i64, i64)>, rdkafka::error::KafkaError> {
    let (bootstrap, topic) = (bootstrap.to_string(), topic.to_string());
    tokio::task::spawn_blocking(move || {
        let ends = |isolation: &str| -> Result<Vec<(i32, i64)>, rdkafka::error::KafkaError> {
            let consumer: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", &bootstrap)
                .set("group.id", "ldfi-checker")
                .set("enable.auto.commit", "false")
                .set("isolation.level", isolation)
                .set_log_level(rdkafka::config::RDKafkaLogLevel::Critical)
                .create()?;
            let deadline = Instant::now() + timeout;
            let metadata = until(deadline, |left| consumer.fetch_metadata(Some(&topic), left))?;
            let partitions: Vec<i32> = metadata.topics().iter().flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
            partitions.into_iter().map(|p| Ok((p, until(deadline, |left| consumer.fetch_watermarks(&topic, p, left))?.1))).collect()
        };
        let stable = ends("read_committed")?;
        let high: HashMap<i32, i64> = ends("read_uncommitted")?.into_iter().collect();
        Ok(stable.into_iter().filter_map(|(p, lso)| high.get(&p).filter(|hw| lso < **hw).map(|hw| (p, lso, *hw))).collect())
    })
    .await
    .expect("reader thread")
}

fn until<T>(
    deadline: Instant,
    mut request: impl FnMut(Duration) -> Result<T, rdkafka::error::KafkaError>,
) -> Result<T, rdkafka::error::KafkaError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(500));
        match request(left) {
            Ok(answer) => return Ok(answer),
            Err(e) if Instant::now() < deadline => {
                tracing::debug!("asked again after: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A value as the trace keeps it: UTF-8 as text, anything else as
/// lowercase hex, never lossily replaced (a count written as an 8-byte
/// long must survive to the checker byte for byte).
pub fn raw_value(bytes: Option<&[u8]>) -> (Option<String>, Option<String>) {
    match bytes {
        None => (None, None),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => (Some(text.to_string()), None),
            Err(_) => (None, Some(bytes.iter().map(|b| format!("{b:02x}")).collect())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::raw_value;

    #[test]
    fn a_utf8_value_is_kept_as_text() {
        assert_eq!(raw_value(Some(b"12")), (Some("12".to_string()), None));
        assert_eq!(raw_value(None), (None, None));
    }

    #[test]
    fn a_non_utf8_value_is_kept_as_hex_byte_for_byte() {
        let long_200 = 200i64.to_be_bytes();
        assert_eq!(raw_value(Some(&long_200)), (None, Some("00000000000000c8".to_string())));
    }
}
