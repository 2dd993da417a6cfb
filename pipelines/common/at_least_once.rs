//! The at-least-once loop: poll a batch, produce one output per input,
//! wait until every output is acknowledged, then commit the inputs.
//!
//! The order is the whole guarantee: an input's offset is committed only
//! after its output is durable, so a crash anywhere re-reads it (a duplicate,
//! never a loss). `commit-before-produce` swaps the order, opening the window
//! (widened by `LDFI_SLOW_MS`) in which a crash loses the batch.

use std::time::Duration;

use ldfi::scenario::Bug;

use super::kafka::{self, await_deliveries, input_consumer, next_offsets, output_producer, poll_batch, send_all};
use super::record::{Input, Output};
use super::settings::{Settings, EXIT_BAD_INPUT, EXIT_KAFKA};
use super::Instance;

/// Runs until shutdown; returns the exit code.
pub fn run(instance: &Instance, transform: impl Fn(&Input) -> Output) -> u8 {
    let Instance { settings, tracer, shutdown } = instance;
    let producer = match output_producer(settings, false) {
        Ok(producer) => producer,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let consumer = match input_consumer(settings, tracer.clone()) {
        Ok(consumer) => consumer,
        Err(e) => return fail(EXIT_KAFKA, format!("cannot create the input consumer: {e}")),
    };
    let early_commit = settings.has(Bug::CommitBeforeProduce);
    while !shutdown.requested() {
        let batch = match poll_batch(&consumer, tracer) {
            Ok(batch) if batch.is_empty() => continue,
            Ok(batch) => batch,
            Err(e) => return fail(EXIT_KAFKA, format!("consumer failed: {e}")),
        };
        tracer.consumed(&batch);
        let offsets = next_offsets(&batch);
        if early_commit {
            // The bug: the inputs count as done before their outputs exist.
            if let Err(e) = kafka::commit(&consumer, tracer, &settings.input, &offsets) {
                tracer.note(format!("commit failed: {e}"));
            }
            slow(settings);
        }
        let outputs: Vec<Output> = batch.iter().map(&transform).collect();
        if let Err(e) = send_all(&producer, &settings.output, &outputs) {
            return fail(EXIT_KAFKA, format!("cannot produce: {e}"));
        }
        let Some(deliveries) = await_deliveries(&producer, outputs.len(), Some(shutdown)) else { break };
        let mut failed = 0;
        for (output, delivery) in outputs.iter().zip(&deliveries) {
            match delivery {
                Ok((partition, offset)) => {
                    tracer.output(&settings.output, *partition, *offset, output.id.as_deref(), output.key.as_deref())
                }
                Err(e) => {
                    failed += 1;
                    kafka::say(format!("delivery failed: {e}"));
                }
            }
        }
        if failed > 0 {
            // Not all outputs are durable: do not commit, read the batch again.
            tracer.note(format!("{failed} of {} outputs not acknowledged; not committing", outputs.len()));
            if let Err(e) = kafka::rewind(&consumer, tracer) {
                return fail(EXIT_KAFKA, format!("cannot rewind: {e}"));
            }
            continue;
        }
        if !early_commit {
            // Outputs exist, inputs not yet done: a crash here duplicates.
            slow(settings);
            if let Err(e) = kafka::commit(&consumer, tracer, &settings.input, &offsets) {
                // Lost the partitions meanwhile, or the cluster is unwell: the
                // next owner reads these inputs again (duplicates, no loss).
                tracer.note(format!("commit failed: {e}"));
            }
        }
    }
    eprintln!("{}: stopped", settings.instance);
    0
}

/// Sleeps `LDFI_SLOW_MS` inside a bug's window: between the commit and the
/// produce with commit-before-produce, else between the outputs' acks and
/// the commit (where a crash duplicates, as without transactions).
pub fn slow(settings: &Settings) {
    if settings.slow_ms > 0 {
        std::thread::sleep(Duration::from_millis(settings.slow_ms));
    }
}

/// Reports a failure on stderr and returns its exit code.
pub fn fail(code: u8, message: impl std::fmt::Display) -> u8 {
    eprintln!("{message}");
    code
}

