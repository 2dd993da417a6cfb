//! The transactional loop: each polled batch is one Kafka transaction that
//! holds its outputs and its input offsets (sent with the consumer's group
//! metadata), so outputs and progress become visible together or not at all.
//!
//! Failures follow librdkafka's three kinds: retriable (call again),
//! abortable (abort, rewind the consumer to the committed offsets, drop the
//! staged state, carry on) and fatal (exit 3; the harness restarts the
//! instance, whose `init_transactions` fences the old one's leftovers).
//!
//! No call may block for long: every transaction call is tried in short
//! attempts within a deadline, serving the producer's event queue between
//! attempts (the producer takes delivery reports as events, so librdkafka's
//! own flush inside `abort_transaction` waits for us to serve them: calling
//! it without polling blocks until its timeout, every time). A retriable
//! error past its deadline aborts the transaction; an abort that does not
//! complete, or no committed transaction for [`STALL`] while inputs wait,
//! exits 3, and the restarted instance resumes from the committed offsets.
//! A call that overruns its own timeout (librdkafka has such bugs) also
//! exits 3, from the [`Watchdog`].

use std::time::{Duration, Instant};

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
use super::watchdog::{Watchdog, GRACE};
use super::Instance;

/// One try of a transaction call (commit, send offsets, init).
const ATTEMPT: Duration = Duration::from_secs(5);
/// One try of `abort_transaction`: short, since it returns (retriable) when
/// the purged messages' delivery reports wait in our event queue.
const ABORT_ATTEMPT: Duration = Duration::from_secs(1);
/// How long one transaction call is tried before it counts as failed.
const CALL_DEADLINE: Duration = Duration::from_secs(20);
/// How long `abort_transaction` is tried: in-flight messages are waited
/// for, up to their timeout (transaction.timeout.ms, 10 s).
const ABORT_DEADLINE: Duration = Duration::from_secs(30);
/// How long `init_transactions` is tried before exiting (and being restarted).
const INIT_DEADLINE: Duration = Duration::from_secs(120);
/// No transaction committed for this long since one aborted, while the
/// aborted inputs wait to be read again: exit 3.
const STALL: Duration = Duration::from_secs(20);
/// Backstop: one pass of the loop (transaction, abort, rewind) stuck in
/// librdkafka for this long exits 3 from the watchdog; each transaction
/// call has a tighter limit, its own timeout plus [`GRACE`].
const STUCK: Duration = Duration::from_secs(150);
/// How long closing the clients may take when giving up.
const CLOSING: Duration = Duration::from_secs(15);

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

/// Fatal errors (the producer is fenced or broken) end the instance; every
/// other error, abortable or retriable past its deadline, aborts.
fn failure(context: &str, error: KafkaError) -> Failure {
    match &error {
        KafkaError::Transaction(e) if e.is_fatal() => Failure::Fatal(format!("{context}: {error}")),
        KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::Fatal) => {
            Failure::Fatal(format!("{context}: {error}"))
        }
        _ => Failure::Abort(format!("{context}: {error}")),
    }
}

/// Whether calling again may help: a retriable transaction error, or the
/// flush before a commit timing out.
fn retriable(error: &KafkaError) -> bool {
    match error {
        KafkaError::Transaction(e) => e.is_retriable() && !e.is_fatal() && !e.txn_requires_abort(),
        KafkaError::Flush(code) => *code == rdkafka::types::RDKafkaErrorCode::OperationTimedOut,
        _ => false,
    }
}

/// Calls `op` (given the timeout of one try) again while it fails with a
/// retriable error, until `deadline` has passed or a stop was asked for.
/// Between tries it serves the producer's event queue: the delivery reports
/// librdkafka waits for in `abort_transaction` (and `commit_transaction`).
/// A try that overruns its timeout by [`GRACE`] ends the instance (the
/// watchdog): librdkafka cannot be asked to give the call up.
fn retrying(
    calls: &Calls,
    what: &'static str,
    attempt: Duration,
    deadline: Duration,
    mut op: impl FnMut(Duration) -> KafkaResult<()>,
) -> KafkaResult<()> {
    let deadline = Instant::now() + deadline;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let timeout = attempt.min(left).max(Duration::from_millis(100));
        match calls.watchdog.within(what, timeout + GRACE, || op(timeout)) {
            Err(e) if retriable(&e) && Instant::now() < deadline && !calls.shutdown.requested() => {
                kafka::say(format!("retrying {what}: {e}"));
                calls.producer.poll(Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

/// What every transaction call needs: the producer, the stop flag, and the
/// watchdog that ends the instance when a call overruns its timeout.
struct Calls<'a> {
    producer: &'a BaseProducer<OutputContext>,
    shutdown: &'a Shutdown,
    watchdog: &'a Watchdog,
}

/// Aborts the open transaction, serving delivery reports as it goes.
fn abort(calls: &Calls) -> KafkaResult<()> {
    calls.producer.poll(Duration::ZERO);
    retrying(calls, "abort_transaction", ABORT_ATTEMPT, ABORT_DEADLINE, |t| calls.producer.abort_transaction(t))
}

/// Exits 3 with `message`: noted in the trace, and closing the clients
/// (leaving the group) may take at most [`CLOSING`].
fn give_up(tracer: &super::trace::Tracer, watchdog: &Watchdog, message: String) -> u8 {
    tracer.note(format!("{message}; exiting"));
    watchdog.busy("closing the clients", CLOSING);
    fail(EXIT_KAFKA, message)
}

/// Runs until shutdown; returns the exit code.
pub fn run(instance: &Instance, processor: &mut impl Processor) -> u8 {
    let Instance { settings, tracer, shutdown } = instance;
    let producer = match output_producer(settings, true) {
        Ok(producer) => producer,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let watchdog = Watchdog::start(tracer.clone());
    let calls = Calls { producer: &producer, shutdown, watchdog: &watchdog };
    // Fences an earlier incarnation with the same transactional id and
    // aborts whatever transaction it left open. Waits for the cluster as
    // long as it takes (until stopped, or INIT_DEADLINE: then a restart).
    let init = |t| producer.init_transactions(t);
    if let Err(e) = retrying(&calls, "init_transactions", ATTEMPT, INIT_DEADLINE, init) {
        return if shutdown.requested() { 0 } else { fail(EXIT_KAFKA, format!("init_transactions failed: {e}")) };
    }
    let consumer = match input_consumer(settings, tracer.clone()) {
        Ok(consumer) => consumer,
        Err(e) => return fail(EXIT_KAFKA, format!("cannot create the input consumer: {e}")),
    };
    let early_commit = settings.has(Bug::CommitBeforeProduce);
    let mut caught_up = 0;
    // Since when inputs of an aborted transaction wait to be committed.
    let mut stalled_since: Option<Instant> = None;
    while !shutdown.requested() {
        if let Some(since) = stalled_since {
            if since.elapsed() > STALL {
                let message = format!("no transaction committed for {} s since an abort", STALL.as_secs());
                return give_up(tracer, &watchdog, message);
            }
        }
        let batch = match poll_batch(&consumer, tracer) {
            Ok(batch) => batch,
            Err(e) => return give_up(tracer, &watchdog, format!("consumer failed: {e}")),
        };
        let generation = consumer.context().generation();
        if generation != caught_up {
            if consumer.assignment().map(|a| a.count() > 0).unwrap_or(false) {
                if let Err(e) = processor.assigned(instance) {
                    return give_up(tracer, &watchdog, e);
                }
            }
            caught_up = generation;
            // Positions went back to the committed offsets (or the
            // partitions went elsewhere): what waits is counted anew.
            stalled_since = stalled_since.map(|_| Instant::now());
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
        watchdog.busy("a transaction", STUCK);
        let result = transact(&calls, &consumer, &settings.input, &settings.output, &outputs, sent_offsets);
        match result {
            Ok(()) => {
                watchdog.idle();
                stalled_since = None;
                // Committed, so every report is in or about to be served.
                let deliveries = await_deliveries(&producer, outputs.len(), None).unwrap_or_default();
                trace_outputs(instance, &outputs, &deliveries);
                tracer.committed(&settings.input, sent_offsets);
                processor.committed();
            }
            Err(Failure::Abort(reason)) => {
                tracer.note(format!("transaction aborted: {reason}"));
                stalled_since.get_or_insert_with(Instant::now);
                if let Err(e) = abort(&calls) {
                    return give_up(tracer, &watchdog, format!("abort_transaction failed: {e}"));
                }
                processor.aborted();
                if let Err(e) = kafka::rewind(&consumer, tracer) {
                    return give_up(tracer, &watchdog, format!("cannot rewind: {e}"));
                }
                watchdog.idle();
            }
            Err(Failure::Fatal(reason)) => {
                return give_up(tracer, &watchdog, format!("transaction failed for good: {reason}"));
            }
        }
    }
    eprintln!("{}: stopped", settings.instance);
    0
}

/// One transaction: begin, produce `outputs`, send `offsets` (next offsets
/// of `input`) with the group metadata, commit.
fn transact(
    calls: &Calls,
    consumer: &BaseConsumer<InputContext>,
    input: &str,
    output: &str,
    outputs: &[Output],
    offsets: &[(i32, i64)],
) -> Result<(), Failure> {
    let producer = calls.producer;
    producer.begin_transaction().map_err(|e| failure("begin_transaction", e))?;
    send_all(producer, output, outputs).map_err(|e| failure("produce", e))?;
    if !offsets.is_empty() {
        let list = kafka::partition_list(input, offsets).map_err(|e| failure("offsets", e))?;
        let group = consumer.group_metadata().ok_or_else(|| Failure::Abort("no group metadata".into()))?;
        let send = |t| producer.send_offsets_to_transaction(&list, &group, t);
        retrying(calls, "send_offsets_to_transaction", ATTEMPT, CALL_DEADLINE, send)
            .map_err(|e| failure("send_offsets_to_transaction", e))?;
    }
    retrying(calls, "commit_transaction", ATTEMPT, CALL_DEADLINE, |t| producer.commit_transaction(t))
        .map_err(|e| failure("commit_transaction", e))
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
