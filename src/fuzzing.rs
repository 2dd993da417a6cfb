//! Hostile bytes through the entry points the `ldfi` commands use, for the
//! fuzz targets (`fuzz/`) and for the regression test that replays their
//! corpus without a fuzzer (`tests/fuzz_corpus.rs`), so that both run the
//! same code.
//!
//! A scenario file, a run's traces and a campaign's summary.json may come
//! from anywhere: each function here takes one such input as raw bytes and
//! returns `Ok` when ldfi accepts it, or the error a user would see. A
//! panic, an abort, a hang or an allocation without bound is a bug; a
//! refusal never is.
//!
//! Functions that need files write them under `scratch`, a directory the
//! caller owns (a fuzz target reuses one for every input); they replace
//! what the previous input left there.

use std::path::Path;

use crate::campaign::resume;
use crate::checker::{self, History};
use crate::lineage;
use crate::report::{self, Evidence};
use crate::scenario::{Property, Scenario};
use crate::trace;

/// What separates the files of a run directory in [`run_dir`]'s input: a
/// byte no trace line may hold, so a seed's lines never split.
pub const FILE_SEPARATOR: u8 = 0;

/// Where each part of [`run_dir`]'s input goes in the run directory, in
/// order: the harness's traces, then each client node's in its own
/// directory. A part past the last goes to the last.
pub const RUN_FILES: [&str; 5] = [
    "harness.jsonl",
    "nodes/workload/workload.jsonl",
    "nodes/pipeline-1/pipeline-1.jsonl",
    "otlp.jsonl",
    "nodes/pipeline-2/pipeline-2.jsonl",
];

/// A scenario file's bytes, as `ldfi run`/`ldfi campaign` take a scenario:
/// read as text, validated into a [`Scenario`], then the cluster and the
/// run names derived from it. `scratch` holds the (empty) folder the
/// scenario is named in, against which its relative paths resolve.
pub fn scenario(bytes: &[u8], scratch: &Path) -> Result<(), String> {
    let source = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let scenario = Scenario::parse(&scratch.join("scenario.toml"), source).map_err(|e| e.to_string())?;
    let _ = crate::run::cluster_spec(&scenario, "fuzzed");
    let names = crate::run::run_names(&scenario, "fuzzed", "r0");
    let _ = names.topic(&scenario.pipeline.input);
    let _ = crate::run::input_min_isr(&scenario);
    Ok(())
}

/// The bytes of one trace file (usually one line), parsed as a run's
/// traces are read; every line read must write back as itself, and the
/// lines go on to the lineage builder and the checker.
pub fn trace_lines(bytes: &[u8]) -> Result<(), String> {
    let file = Path::new("fuzzed.jsonl");
    let lines = trace::parse_lines(file, bytes).map_err(|e| e.to_string())?;
    for line in &lines {
        let written = serde_json::to_string(line).map_err(|e| format!("a line read does not write back: {e}"))?;
        let again = trace::parse_lines(file, written.as_bytes()).map_err(|e| format!("a line written does not read back: {e}"))?;
        assert_eq!(again.as_slice(), std::slice::from_ref(line), "a trace line changed on its way out and back: {written}");
    }
    judge(&lines)
}

/// A whole run directory: the input split at [`FILE_SEPARATOR`] into the
/// files of [`RUN_FILES`], written into `scratch/run`, then read as
/// `ldfi lineage` and `ldfi check` read a run (lineage, its drawing, the
/// verdict) and drawn as the report draws a run's timeline.
pub fn run_dir(bytes: &[u8], scratch: &Path) -> Result<(), String> {
    let dir = scratch.join("run");
    write_run(bytes, &dir).map_err(|e| format!("cannot set up the run directory: {e}"))?;
    let lines = trace::read_dir(&dir).map_err(|e| e.to_string())?;
    let mut errors = Vec::new();
    match lineage::build(&lines) {
        Ok(model) => {
            let _ = model.derivation_count();
            if let Some((id, trail)) = model.trails.iter().next() {
                let _ = lineage::to_dot(id, trail);
            }
        }
        Err(e) => errors.push(e),
    }
    let marks = report::timeline::Marks::default();
    let _ = report::timeline::svg("r0", &lines, &marks);
    let _ = report::timeline::steps(&lines, &marks);
    if let Err(e) = crate::run::check_dir(&dir) {
        errors.push(e.to_string());
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.join("\n")) }
}

/// A campaign's summary.json, written into `scratch/reports/fuzzed`, read
/// back as `ldfi report` reads it (and its four files rendered, with no
/// traces behind it) and as `ldfi campaign --resume` reads a journal
/// (checked, then restored). `Ok` when either takes it: the journal's runs
/// are not under `scratch`, so a resume refuses nearly every summary.
pub fn summary(bytes: &[u8], scratch: &Path) -> Result<(), String> {
    let dir = scratch.join("reports").join("fuzzed");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot set up the report directory: {e}"))?;
    std::fs::write(dir.join("summary.json"), bytes).map_err(|e| format!("cannot write summary.json: {e}"))?;
    let mut errors = Vec::new();
    let mut taken = false;
    match report::load(&dir) {
        Ok((summary, _)) => {
            let evidence = Evidence::default();
            let shown = dir.display().to_string();
            let _ = report::content::verdict_sentence(&summary);
            let _ = report::markdown::render(&summary, &evidence, &shown);
            let _ = report::html::render(&summary, &evidence, &shown);
            match report::junit::render(&summary, &evidence, &shown) {
                Ok(_) => taken = true,
                Err(e) => errors.push(e.to_string()),
            }
        }
        Err(e) => errors.push(e.to_string()),
    }
    let resumed = resume::read_journal(&dir)
        .and_then(|summary| resume::check_journal(&summary, &dir, &scratch.join("traces")).map(|()| summary))
        .and_then(resume::restore);
    match resumed {
        Ok(restored) => {
            let _ = restored.ended();
            taken = true;
        }
        Err(e) => errors.push(e.to_string()),
    }
    if taken { Ok(()) } else { Err(errors.join("\n")) }
}

/// The lineage and the verdict of a run's lines.
fn judge(lines: &[trace::TraceLine]) -> Result<(), String> {
    let mut errors = Vec::new();
    if let Err(e) = lineage::build(lines) {
        errors.push(e);
    }
    match History::from_trace(lines) {
        Ok(history) => {
            let _ = checker::check(&history, &Property::ALL);
        }
        Err(e) => errors.push(e),
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.join("\n")) }
}

/// Writes the parts of `bytes` into a fresh run directory `dir`.
fn write_run(bytes: &[u8], dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let mut parts = bytes.splitn(RUN_FILES.len(), |b| *b == FILE_SEPARATOR);
    for name in RUN_FILES {
        let Some(part) = parts.next() else { break };
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, part)?;
    }
    Ok(())
}
