//! `ldfi-workload`: one step's batch, run inside the workload's client node
//! by the harness; every delivery report goes to the trace.
//!
//! A binary of its own, not a subcommand of `ldfi`: it runs inside client
//! containers, which have neither the solver's libz3 nor anything else the
//! harness links.

use std::path::PathBuf;
use std::time::Duration;

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use ldfi::trace::{Event, TraceWriter};
use ldfi::workload::{self, Acks};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AcksArg {
    All,
    #[value(name = "1")]
    One,
}

/// Produce one step's records and trace every delivery report.
#[derive(Debug, Parser)]
#[command(name = "ldfi-workload", version)]
pub struct Produce {
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
    /// How many keys (k0 ..), or `word`: each input keyed by its word.
    #[arg(long, default_value = "8")]
    keys: workload::Keys,
        /// Comma-separated words drawn for values.
    #[arg(long, default_value = "", conflicts_with = "numbers")]
    words: String,
    /// `MIN,MAX`: whole numbers drawn for values instead of words.
    #[arg(long, value_parser = parse_range)]
    numbers: Option<(i64, i64)>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A side topic's batch: one record per key (`--keys N`), ids
    /// `side-<n>`, values the ids unless words or numbers are given.
    #[arg(long)]
    side: bool,
    #[arg(long, value_enum, default_value = "all")]
    acks: AcksArg,
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    #[arg(long)]
    trace: PathBuf,
}

fn parse_range(text: &str) -> Result<(i64, i64), String> {
    let bad = || format!("{text:?}: write MIN,MAX with MIN <= MAX, e.g. 1,100");
    let (min, max) = text.split_once(',').ok_or_else(bad)?;
    let (min, max): (i64, i64) = (min.trim().parse().map_err(|_| bad())?, max.trim().parse().map_err(|_| bad())?);
    if min > max {
        return Err(bad());
    }
    Ok((min, max))
}

const EXIT_OK: u8 = 0;
const EXIT_INFRA: u8 = 3;

fn fail(code: u8, error: impl std::fmt::Display) -> u8 {
    eprintln!("ldfi-workload: error: {error}");
    code
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    ExitCode::from(run(Produce::parse()).await)
}

async fn run(command: Produce) -> u8 {
    let Produce { bootstrap, topic, step, first_id, count, keys, words, numbers, seed, side, acks, timeout_ms, trace } = command;
    let words: Vec<String> = words.split(',').filter(|w| !w.is_empty()).map(str::to_string).collect();
    let values = match numbers {
        Some((min, max)) => workload::Values::Numbers { min, max },
        None if side && words.is_empty() => workload::Values::Ids,
        None => workload::Values::Words(&words),
    };
    let records = match (side, keys) {
        (false, _) => workload::batch(seed, first_id, count, keys, values),
        (true, workload::Keys::Count(n)) => workload::side_batch(seed, first_id, n, values),
        (true, workload::Keys::Word) => return fail(EXIT_INFRA, "--side needs --keys N: one record per key k0 .. k<N-1>"),
    };
    let acks = match acks {
        AcksArg::All => Acks::All,
        AcksArg::One => Acks::Leader,
    };
    let writer = match TraceWriter::open(&trace, "workload") {
        Ok(writer) => writer,
        Err(e) => return fail(EXIT_INFRA, format!("{}: {e}", trace.display())),
    };
    let deliveries =
        match workload::produce(&bootstrap, &topic, &records, acks, Duration::from_millis(timeout_ms)).await {
            Ok(deliveries) => deliveries,
            Err(e) => return fail(EXIT_INFRA, e),
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
            timestamp_ms: Some(d.timestamp_ms),
        };
        if let Err(e) = writer.write(Some(step), event) {
            return fail(EXIT_INFRA, format!("{}: {e}", trace.display()));
        }
    }
    EXIT_OK
}
