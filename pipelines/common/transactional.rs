//! The transactional loop: each polled batch is one Kafka transaction that
//! holds its outputs and its input offsets (sent with the consumer's group
//! metadata), so outputs and progress become visible together or not at all.
//!
//! Failures follow librdkafka's three kinds: retriable (call again),
//! abortable (abort, rewind the consumer to the committed offsets, drop the
//! staged state, carry on) and fatal (exit 3; the harness restarts the
//! instance, whose `init_transactions` fences the old one's leftovers).

use std::time::Duration;

use ldfi::scenario::Bug;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::producer::{BaseProducer, Producer};

use super::at_least_once::{fail, slow};
use super::kafka::{self, await_deliveries, input_consumer, next_offsets, output_producer, poll_batch, send_all};
use super::kafka::{Delivery, InputContext, OutputContext};
use super::record::{Input, Output};
use super::settings::{EXIT_BAD_INPUT, EXIT_KAFKA};
use super::shutdown::Shutdown;
use super::Instance;

const TIMEOUT: Duration = Duration::from_secs(30);
/// `init_transactions` is retried until it works: short tries keep a stop prompt.
const INIT_TIMEOUT: Duration = Duration::from_secs(5);
/// Retries of a transaction call that timed out or hit a retriable error.
const RETRIES: u32 = 10;

/// What a transactional pipeline computes. State changes are staged by
/// `process` and made real by `committed`, or dropped by `aborted`.
pub trait Processor {
    /// Partitions were (re)assigned: catch up before any of their inputs.
    fn assigned(&mut self, _instance: &Instance) -> Result<(), String> {
        Ok(())
    }
    /// The outputs of `batch`.
    fn process(&mut self, batch: &[Input]) -> Vec<Output>;
    /// The batch's transaction committed.
    fn committed(&mut self) {}
    /// The batch's transaction aborted.
    fn aborted(&mut self) {}
}

/// Why a transaction did not commit.
enum Failure {
    /// Abort it and carry on.
    Abort(String),
    /// The producer cannot go on.
    Fatal(String),
}

fn failure(context: &str, error: KafkaError) -> Failure {
    match &error {
        KafkaError::Transaction(e) if e.is_fatal() => Failure::Fatal(format!("{context}: {error}")),
        _ => Failure::Abort(format!("{context}: {error}")),
    }
}

/// Calls `op` again while it fails with a retriable transaction error, at
/// most `attempts` times more, and not once a stop was asked for.
fn retrying(shutdown: &Shutdown, attempts: u32, mut op: impl FnMut() -> KafkaResult<()>) -> KafkaResult<()> {
    let mut attempt = 0;
    loop {
        match op() {
            Err(KafkaError::Transaction(e)) if e.is_retriable() && attempt < attempts && !shutdown.requested() => {
                attempt += 1;
                kafka::say(format!("retrying: {e}"));
                std::thread::sleep(Duration::from_millis(200));
            }
            result => return result,
        }
    }
}

/// Runs until shutdown; returns the exit code.
pub fn run(instance: &Instance, processor: &mut impl Processor) -> u8 {
    let Instance { settings, tracer, shutdown } = instance;
    let producer = match output_producer(settings, true) {
        Ok(producer) => producer,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    // Fences an earlier incarnation with the same transactional id and
    // aborts whatever transaction it left open. Waits for the cluster as
    // long as it takes (until stopped).
    if let Err(e) = retrying(shutdown, u32::MAX, || producer.init_transactions(INIT_TIMEOUT)) {
        return if shutdown.requested() { 0 } else { fail(EXIT_KAFKA, format!("init_transactions failed: {e}")) };
    }
    let consumer = match input_consumer(settings, tracer.clone()) {
        Ok(consumer) => consumer,
        Err(e) => return fail(EXIT_KAFKA, format!("cannot create the input consumer: {e}")),
    };
    let early_commit = settings.has(Bug::CommitBeforeProduce);
    let mut caught_up = 0;
    while !shutdown.requested() {
        let batch = match poll_batch(&consumer, tracer) {
            Ok(batch) => batch,
            Err(e) => return fail(EXIT_KAFKA, format!("consumer failed: {e}")),
        };
        let generation = consumer.context().generation();
        if generation != caught_up {
            if consumer.assignment().map(|a| a.count() > 0).unwrap_or(false) {
                if let Err(e) = processor.assigned(instance) {
                    return fail(EXIT_KAFKA, e);
                }
            }
            caught_up = generation;
        }
        if batch.is_empty() {
            continue;
        }
        tracer.consumed(&batch);
        let offsets = next_offsets(&batch);
        if early_commit {
            // The bug: progress committed outside the transaction, first.
            if let Err(e) = kafka::commit(&consumer, tracer, &settings.input, &offsets) {
                tracer.note(format!("commit failed: {e}"));
            }
            slow(settings);
        }
        let outputs = processor.process(&batch);
        let sent_offsets = if early_commit { &[][..] } else { &offsets[..] };
        match transact(shutdown, &producer, &consumer, &settings.input, &settings.output, &outputs, sent_offsets) {
            Ok(()) => {
                // Committed, so every report is in or about to be served.
                let deliveries = await_deliveries(&producer, outputs.len(), None).unwrap_or_default();
                trace_outputs(instance, &outputs, &deliveries);
                tracer.committed(&settings.input, sent_offsets);
                processor.committed();
            }
            Err(Failure::Abort(reason)) => {
                tracer.note(format!("transaction aborted: {reason}"));
                if let Err(e) = retrying(shutdown, RETRIES, || producer.abort_transaction(TIMEOUT)) {
                    return fail(EXIT_KAFKA, format!("abort_transaction failed: {e}"));
                }
                processor.aborted();
                if let Err(e) = kafka::rewind(&consumer, tracer) {
                    return fail(EXIT_KAFKA, format!("cannot rewind: {e}"));
                }
            }
            Err(Failure::Fatal(reason)) => return fail(EXIT_KAFKA, format!("transaction failed for good: {reason}")),
        }
    }
    eprintln!("{}: stopped", settings.instance);
    0
}

/// One transaction: begin, produce `outputs`, send `offsets` (next offsets
/// of `input`) with the group metadata, commit.
fn transact(
    shutdown: &Shutdown,
    producer: &BaseProducer<OutputContext>,
    consumer: &BaseConsumer<InputContext>,
    input: &str,
    output: &str,
    outputs: &[Output],
    offsets: &[(i32, i64)],
) -> Result<(), Failure> {
    producer.begin_transaction().map_err(|e| failure("begin_transaction", e))?;
    send_all(producer, output, outputs).map_err(|e| failure("produce", e))?;
    if !offsets.is_empty() {
        let list = kafka::partition_list(input, offsets).map_err(|e| failure("offsets", e))?;
        let group = consumer.group_metadata().ok_or_else(|| Failure::Abort("no group metadata".into()))?;
        retrying(shutdown, RETRIES, || producer.send_offsets_to_transaction(&list, &group, TIMEOUT))
            .map_err(|e| failure("send_offsets_to_transaction", e))?;
    }
    retrying(shutdown, RETRIES, || producer.commit_transaction(TIMEOUT)).map_err(|e| failure("commit_transaction", e))
}

/// `output` lines for a committed transaction: its outputs are visible now.
fn trace_outputs(instance: &Instance, outputs: &[Output], deliveries: &[Delivery]) {
    for (output, delivery) in outputs.iter().zip(deliveries) {
        if let Ok((partition, offset)) = delivery {
            let topic = &instance.settings.output;
            instance.tracer.output(topic, *partition, *offset, output.id.as_deref(), output.key.as_deref());
        }
    }
}
