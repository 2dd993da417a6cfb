//! A scenario file: parsed and validated as `ldfi run` takes one.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static SCRATCH: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().expect("a scratch directory"));

fuzz_target!(|bytes: &[u8]| {
    let _ = ldfi::fuzzing::scenario(bytes, SCRATCH.path());
});
