//! What the checker must know of the pipeline's function to compute, from
//! the acknowledged inputs alone, the outputs it should have written: the
//! `[checker]` table of a scenario.
//!
//! A property of a stateless filter, of a sum or of a window is exact only
//! with these numbers, and the app cannot be asked for them (its answer is
//! what is under test). They travel in the run's `run_started` line, so
//! that `ldfi check` recomputes a verdict from the trace alone.

use serde::{Deserialize, Serialize};

/// The `[checker]` settings of a scenario; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectations {
    /// `filter-map`: an input whose number is below this is expected to be
    /// dropped; `None` keeps every input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_at_least: Option<i64>,
    /// `filter-map`: a kept input's output value is its number times this
    /// (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiply: Option<i64>,
    /// `window-counts`: the window's size, aligned to the epoch as Kafka
    /// Streams aligns `TimeWindows`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_millis: Option<u64>,
    /// `window-counts`: how far apart windows start (`advanceBy`) when
    /// they hop; `None`: tumbling windows, one size apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_millis: Option<u64>,
    /// `window-counts` over session windows: the inactivity gap that ends
    /// a session (`SessionWindows.ofInactivityGap...`); `None`: time
    /// windows of `window_millis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_gap_millis: Option<u64>,
    /// `window-counts` over sliding windows: the largest time difference
    /// between two records of one window (`SlidingWindows.ofTimeDifference...`);
    /// `None`: time windows of `window_millis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sliding_millis: Option<u64>,
    /// `window-counts`: how long after its end a window still takes late
    /// records, and so when a suppressed window is emitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_millis: Option<u64>,
    /// `window-counts`: `false` for an app that does not suppress its
    /// windows (each update of a window's count is written, the last one
    /// judged); `None`: suppressed until the window closes, emitted once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<bool>,
    /// `table-join`, `stream-join`: a left join (a stream record without a
    /// table row, or a left record without a partner, is written with a
    /// null other side) rather than an inner one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_join: Option<bool>,
    /// `table-join`: the table is a GlobalKTable, read by a thread of its
    /// own that is not synchronized with the stream by time: a record may
    /// meet a row written after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_table: Option<bool>,
    /// `stream-join`: an outer join (a record of either side without a
    /// partner is written with the other side null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outer_join: Option<bool>,
    /// `stream-join`: the largest time difference between two records
    /// that join (`JoinWindows.ofTimeDifference...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_window_millis: Option<u64>,
    /// `table-join`, `stream-join`: how an output names its two sides, a
    /// template such as `"{value} for {table}"` or `"{left}+{right}"`;
    /// `None`: a JSON object with those fields, as the shipped apps write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_output: Option<String>,
    /// With several output topics: `true` judges every property on each
    /// topic by itself (a stream written whole to each); `None`: the
    /// topics are judged as one output (the branches of a `split`, each
    /// record in one of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each_output: Option<bool>,
    /// The app merges the workload's side topic into its input stream
    /// (`KStream#merge`): the side's records are inputs like the input's,
    /// each to reach the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<bool>,
}

impl Expectations {
    /// Nothing set: what older traces carry.
    pub fn is_empty(&self) -> bool {
        *self == Expectations::default()
    }
}
