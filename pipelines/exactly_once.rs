//! `ldfi-exactly-once`: copy/transform in Kafka transactions.
//!
//! Each polled batch is one transaction holding its outputs (same key,
//! value uppercased, `ldfi-id` copied) and its input offsets, so a
//! read_committed reader sees every input exactly once across crashes.
//! `no-transactions` runs the plain at-least-once copy instead (duplicates
//! after a crash); `commit-before-produce` commits the offsets outside the
//! transaction, before it (losses after a crash).

#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::process::ExitCode;

use common::record::{Input, Output};
use common::transactional::Processor;
use common::Instance;
use ldfi::scenario::Bug;

/// The transform: same key, value uppercased, same id.
fn uppercase(input: &Input) -> Output {
    Output { key: input.key.clone(), value: input.value.to_uppercase(), id: input.id.clone() }
}

/// Stateless: one output per input.
struct Copy;

impl Processor for Copy {
    fn process(&mut self, batch: &[Input]) -> Vec<Output> {
        batch.iter().map(uppercase).collect()
    }
}

fn main() -> ExitCode {
    let instance = match Instance::start("ldfi-exactly-once") {
        Ok(instance) => instance,
        Err(code) => return code,
    };
    let code = if instance.settings.has(Bug::NoTransactions) {
        common::at_least_once::run(&instance, uppercase)
    } else {
        common::transactional::run(&instance, &mut Copy)
    };
    ExitCode::from(code)
}
