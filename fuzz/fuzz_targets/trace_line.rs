//! One trace line (or a few): parsed as a run's traces are, written back,
//! and judged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = ldfi::fuzzing::trace_lines(bytes);
});
