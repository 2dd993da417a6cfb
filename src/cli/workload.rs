//! `ldfi workload produce`: one step's batch, run inside the workload's
//! client node by the harness; every delivery report goes to the trace.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use ldfi::trace::{Event, TraceWriter};
use ldfi::workload::{self, Acks};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AcksArg {
    All,
    #[value(name = "1")]
    One,
}

#[derive(Debug, Subcommand)]
pub enum WorkloadCommand {
    /// Produce one step's records and trace every delivery report.
    Produce {
        #[arg(long)]
        bootstrap: String,
        #[arg(long)]
        topic: String,
        #[arg(long)]
        step: u32,
        #[arg(long)]
        first_id: u64,
        #[arg(long)]
        count: u32,
        #[arg(long, default_value_t = 8)]
        keys: u32,
        /// Comma-separated words drawn for values.
        #[arg(long, default_value = "")]
        words: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value = "all")]
        acks: AcksArg,
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
        #[arg(long)]
        trace: PathBuf,
    },
}

pub async fn run(command: WorkloadCommand) -> u8 {
    let WorkloadCommand::Produce { bootstrap, topic, step, first_id, count, keys, words, seed, acks, timeout_ms, trace } =
        command;
    let words: Vec<String> = words.split(',').filter(|w| !w.is_empty()).map(str::to_string).collect();
    let records = workload::batch(seed, first_id, count, keys, &words);
    let acks = match acks {
        AcksArg::All => Acks::All,
        AcksArg::One => Acks::Leader,
    };
    let writer = match TraceWriter::open(&trace, "workload") {
        Ok(writer) => writer,
        Err(e) => return super::fail(super::EXIT_INFRA, format!("{}: {e}", trace.display())),
    };
    let deliveries =
        match workload::produce(&bootstrap, &topic, &records, acks, Duration::from_millis(timeout_ms)).await {
            Ok(deliveries) => deliveries,
            Err(e) => return super::fail(super::EXIT_INFRA, e),
        };
    for d in deliveries {
        let event = Event::Produced {
            id: d.id,
            key: d.key,
            value: d.value,
            topic: topic.clone(),
            partition: d.acked.map(|(p, _)| p),
            offset: d.acked.map(|(_, o)| o),
            leader: None,
            error: d.error,
        };
        if let Err(e) = writer.write(Some(step), event) {
            return super::fail(super::EXIT_INFRA, format!("{}: {e}", trace.display()));
        }
    }
    super::EXIT_OK
}
