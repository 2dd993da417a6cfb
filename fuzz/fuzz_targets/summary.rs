//! A campaign's summary.json: loaded as `ldfi report` loads it, and as
//! `ldfi campaign --resume` reads its journal.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static SCRATCH: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().expect("a scratch directory"));

fuzz_target!(|bytes: &[u8]| {
    let _ = ldfi::fuzzing::summary(bytes, SCRATCH.path());
});
