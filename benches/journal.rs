//! What a campaign writes after each run, before and after the reports
//! waited for its end: summary.json alone (the journal, now) against
//! summary.json with report.md, report.html and junit.xml (every run,
//! before: the traces read back, lineage rebuilt, Graphviz run). Reads an
//! existing campaign's report directory as `ldfi report` does and writes
//! into a temporary one, so nothing of the campaign's is touched.
//!
//! Run from the folder that holds `reports/` and `traces/`:
//! `cargo bench --bench journal -- reports/<campaign> [ROUNDS]`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ldfi::report;

fn main() {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench journal -- reports/<campaign> [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: u32 = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(10);
    let (summary, _) = report::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let out = std::env::temp_dir().join(format!("ldfi-bench-journal-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();

    let time = |what: &dyn Fn()| -> Vec<Duration> {
        (0..rounds)
            .map(|_| {
                let started = Instant::now();
                what();
                started.elapsed()
            })
            .collect()
    };
    let journal = time(&|| summary.write(&out).unwrap());
    let everything = time(&|| report::write_all(&summary, &out).unwrap());
    std::fs::remove_dir_all(&out).unwrap();

    let median = |mut d: Vec<Duration>| {
        d.sort();
        d[d.len() / 2]
    };
    let size = serde_json::to_string_pretty(&summary).unwrap().len();
    println!(
        "{}: {} runs, {} counterexample(s), summary.json {} bytes; median of {rounds}",
        dir.display(),
        summary.runs.len(),
        summary.counterexamples.len(),
        size
    );
    let (journal, everything) = (median(journal), median(everything));
    println!("  summary.json alone:          {:>9.2} ms", journal.as_secs_f64() * 1000.0);
    println!("  summary.json and 3 reports:  {:>9.2} ms", everything.as_secs_f64() * 1000.0);
    println!("  ratio:                       {:>9.0}x", everything.as_secs_f64() / journal.as_secs_f64().max(1e-9));
}
