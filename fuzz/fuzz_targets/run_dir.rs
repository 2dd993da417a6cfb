//! A whole run directory (files separated by a NUL byte): read, its
//! lineage built and drawn, its verdict checked.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static SCRATCH: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().expect("a scratch directory"));

fuzz_target!(|bytes: &[u8]| {
    let _ = ldfi::fuzzing::run_dir(bytes, SCRATCH.path());
});
