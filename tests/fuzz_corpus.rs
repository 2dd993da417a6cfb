//! The fuzz targets' corpora and crash reproducers, replayed without a
//! fuzzer: every committed input goes through the same function its
//! target calls ([`ldfi::fuzzing`]) and must come back as `Ok` or as a
//! clean error, never a panic; each reproducer must come back as the
//! error that replaced its crash.
//!
//! The corpora (`fuzz/corpus/<target>/`) are minimized ones a fuzzer
//! grew from the repository's scenarios, traces and summary.json; the
//! reproducers (`fuzz/regressions/<target>/`) are named after the bug they
//! pin. Run the fuzzers themselves with `cargo +nightly fuzz run <target>`.

use std::path::{Path, PathBuf};

use ldfi::fuzzing;

/// One fuzz target as the regression test calls it.
type Target = fn(&[u8], &Path) -> Result<(), String>;

const TARGETS: [(&str, Target); 4] = [
    ("scenario", fuzzing::scenario),
    ("trace_line", |bytes, _| fuzzing::trace_lines(bytes)),
    ("run_dir", fuzzing::run_dir),
    ("summary", fuzzing::summary),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Feeds `file` to `target`, naming the file if it panics.
fn feed(name: &str, target: Target, file: &Path, scratch: &Path) -> Result<(), String> {
    let bytes = std::fs::read(file).unwrap();
    std::panic::catch_unwind(|| target(&bytes, scratch))
        .unwrap_or_else(|_| panic!("{name}: {} panicked (replay: cargo +nightly fuzz run {name} {})", file.display(), file.display()))
}

#[test]
fn every_corpus_input_is_accepted_or_refused_without_a_panic() {
    for (name, target) in TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} holds no input");
        let scratch = tempfile::tempdir().unwrap();
        let accepted = corpus.iter().filter(|file| feed(name, target, file, scratch.path()).is_ok()).count();
        // The seeds are real files ldfi accepts: a corpus refused whole
        // would test only the first refusal.
        assert!(accepted > 0, "{name}: no corpus input accepted");
    }
}

/// Each reproducer, and a piece of the clean error that replaced its
/// crash.
const REPRODUCERS: [(&str, &str, &str); 0] = [];

#[test]
fn every_crash_reproducer_is_now_a_clean_error() {
    for (name, target) in TARGETS {
        let scratch = tempfile::tempdir().unwrap();
        for file in files(&fuzz_dir().join("regressions").join(name)) {
            let base = file.file_name().unwrap().to_string_lossy().to_string();
            let (_, _, expected) = REPRODUCERS
                .iter()
                .find(|(t, f, _)| *t == name && *f == base)
                .unwrap_or_else(|| panic!("{}: no expected error listed in REPRODUCERS", file.display()));
            match feed(name, target, &file, scratch.path()) {
                Err(e) => assert!(e.contains(expected), "{}: refused, but not with {expected:?}:\n{e}", file.display()),
                Ok(()) => panic!("{}: accepted; expected the error {expected:?}", file.display()),
            }
        }
    }
}
