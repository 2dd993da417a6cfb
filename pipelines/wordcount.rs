//! `ldfi-wordcount`: counts words, exactly once, with its state in Kafka.
//!
//! Each input value is one word; each input yields one output (key = the
//! word, value = its new count as decimal text, `ldfi-id` = the input's id),
//! produced in the same transaction as the input offsets. The output topic
//! is the state's changelog: whenever partitions are assigned (start and
//! every rebalance), the counts are restored by reading it read_committed
//! from the beginning to its end, latest count per word winning, before any
//! input is counted. `no-state-restore` skips that, so counts restart at
//! zero after a restart.
//!
//! With several instances the counts stay right only while one word lives
//! in one input partition: two owners of one word would each count from
//! their own state. The workload keys inputs by word for this pipeline
//! (`keys = "word"`), as a word count's repartition by word would.

#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::record::{Input, Output};
use common::settings::Settings;
use common::transactional::Processor;
use common::Instance;
use ldfi::scenario::Bug;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// How long a restore may wait for the changelog (open transactions of a
/// crashed instance hold read_committed readers up to their timeout).
const RESTORE_TIMEOUT: Duration = Duration::from_secs(120);

/// Counts per word: committed, and staged by the open transaction.
#[derive(Debug, Default)]
struct WordCount {
    counts: HashMap<String, u64>,
    staged: HashMap<String, u64>,
    restore: bool,
}

impl Processor for WordCount {
    fn assigned(&mut self, instance: &Instance) -> Result<(), String> {
        if !self.restore {
            instance.tracer.note("no-state-restore: keeping the counts in memory");
            return Ok(());
        }
        let started = Instant::now();
        self.counts = restore(&instance.settings).map_err(|e| format!("restore failed: {e}"))?;
        instance.tracer.restored(self.counts.len() as u64);
        eprintln!(
            "{}: restored {} words in {} ms",
            instance.settings.instance,
            self.counts.len(),
            started.elapsed().as_millis()
        );
        Ok(())
    }

    fn process(&mut self, batch: &[Input]) -> Vec<Output> {
        batch
            .iter()
            .map(|input| {
                let word = input.value.trim().to_string();
                let count = self.staged.get(&word).or(self.counts.get(&word)).copied().unwrap_or(0) + 1;
                self.staged.insert(word.clone(), count);
                Output { key: Some(word), value: count.to_string(), id: input.id.clone() }
            })
            .collect()
    }

    fn committed(&mut self) {
        self.counts.extend(self.staged.drain());
    }

    fn aborted(&mut self) {
        self.staged.clear();
    }
}

/// Reads the output topic, read_committed, from the beginning to the end
/// it had when the restore began: the latest count of each word.
fn restore(settings: &Settings) -> Result<HashMap<String, u64>, KafkaError> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &settings.bootstrap)
        .set("group.id", format!("{}-restore", settings.transactional_id()))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()?;
    let timeout = Duration::from_secs(10);
    let metadata = consumer.fetch_metadata(Some(&settings.output), timeout)?;
    let mut ends = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
        let (_, high) = consumer.fetch_watermarks(&settings.output, partition.id(), timeout)?;
        ends.insert(partition.id(), high);
        assignment.add_partition_offset(&settings.output, partition.id(), Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    let mut positions: HashMap<i32, i64> = ends.keys().map(|p| (*p, 0)).collect();
    let mut counts = HashMap::new();
    let started = Instant::now();
    while positions.iter().any(|(p, position)| *position < ends[p]) {
        if started.elapsed() > RESTORE_TIMEOUT {
            return Err(KafkaError::MessageConsumption(RDKafkaErrorCode::OperationTimedOut));
        }
        let polled = consumer.poll(Duration::from_millis(100));
        // Transaction markers and aborted records take offsets too: follow
        // the consumer's position, not the last record seen.
        for element in consumer.position()?.elements() {
            if let Offset::Offset(position) = element.offset() {
                positions.insert(element.partition(), position);
            }
        }
        let Some(message) = polled else { continue };
        let message = message?;
        let position = positions.entry(message.partition()).or_insert(0);
        *position = (*position).max(message.offset() + 1);
        let word = message.key().map(|k| String::from_utf8_lossy(k).into_owned());
        let count = message.payload().and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
        match (word, count) {
            (Some(word), Some(count)) => {
                counts.insert(word, count);
            }
            _ => eprintln!("restore: skipping a record that is not (word, count) at offset {}", message.offset()),
        }
    }
    Ok(counts)
}

fn main() -> ExitCode {
    let instance = match Instance::start("ldfi-wordcount") {
        Ok(instance) => instance,
        Err(code) => return code,
    };
    if instance.settings.has(Bug::NoTransactions) {
        eprintln!("ldfi-wordcount: no-transactions applies to the exactly-once pipeline only");
        return ExitCode::from(common::settings::EXIT_BAD_INPUT);
    }
    let mut wordcount = WordCount { restore: !instance.settings.has(Bug::NoStateRestore), ..WordCount::default() };
    ExitCode::from(common::transactional::run(&instance, &mut wordcount))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(word: &str, id: &str) -> Input {
        Input { topic: "in".into(), partition: 0, offset: 0, key: None, value: word.into(), id: Some(id.into()) }
    }

    #[test]
    fn counts_are_staged_until_the_transaction_commits() {
        let mut wordcount = WordCount::default();
        let outputs = wordcount.process(&[input("w1", "a"), input("w2", "b"), input("w1", "c")]);
        let values: Vec<_> = outputs.iter().map(|o| (o.key.clone().unwrap(), o.value.clone())).collect();
        assert_eq!(values, [("w1".into(), "1".into()), ("w2".into(), "1".into()), ("w1".into(), "2".into())]);
        assert_eq!(outputs[2].id.as_deref(), Some("c"));
        wordcount.aborted();
        assert_eq!(wordcount.process(&[input("w1", "a")])[0].value, "1");
        wordcount.committed();
        assert_eq!(wordcount.process(&[input("w1", "d")])[0].value, "2");
    }
}
