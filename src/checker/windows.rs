//! `window-counts`: per-key counts in time windows of event time
//! (tumbling, or hopping with `[checker] advance_millis`), emitted once
//! each window has closed (`suppress(untilWindowCloses)`); session windows
//! are judged in [`super::sessions`], sliding ones in [`super::sliding`].
//!
//! Everything is computed from the acknowledged inputs and their
//! timestamps, as Kafka Streams assigns them: a window is `[start, start +
//! size)`, its start a multiple of the advance (the size, for tumbling
//! windows) from the epoch, so a record falls in size / advance windows
//! (rounded up); a task's stream time is the largest
//! timestamp it has read from its partition; a record whose window ended
//! `grace` or more before the stream time it arrives at is late and
//! dropped from that window (a hopping window's record may still count in
//! its later windows); a window closes when the stream time reaches its
//! end plus the grace. So a window whose partition has read past its close must have
//! been emitted, with the count of its inputs; none may be emitted twice,
//! or before any input could have closed it. Where an unacknowledged input
//! may or may not have been written, the count it could add is allowed,
//! not required; at the boundary itself (stream time exactly end + grace)
//! emission is allowed, not required.
//!
//! An app that does not suppress (`[checker] suppressed = false`, the Kafka
//! Streams docs' windowed count) writes a window's count again with each
//! update, before and after the window closes, as its record cache lets
//! them out: then every window an accepted input fell in must have been
//! written, and its last update must hold the count of its inputs, as
//! `key-sums` judges a key's last sum. The run's drain waits for the
//! group's last commit, which flushes the cache, so the last update read is
//! the app's final word.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::records::unknown;
use super::values;
use super::{AggregateMismatch, History, Input, PropertyResult, Verdict};
use crate::scenario::Property;

/// One window of one key, as its inputs make it.
#[derive(Default)]
struct Window {
    acked: u64,
    maybe: u64,
    /// The input partition its key lives in (from an acknowledged input).
    partition: Option<i32>,
}

pub fn check(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::WindowCounts);
    let expect = &history.run.checker;
    if let Some(i) = history.inputs.iter().find(|i| i.timestamp_ms.is_none()) {
        return unknown(r, format!("input {} has no event time in the trace (written by an older ldfi): windows cannot be computed", i.id));
    }
    let grace = expect.grace_millis.and_then(|g| i64::try_from(g).ok()).unwrap_or(0);
    if let Some(gap) = expect.session_gap_millis.and_then(|g| i64::try_from(g).ok()) {
        return super::sessions::check(history, r, gap, grace);
    }
    if let Some(d) = expect.sliding_millis.and_then(|d| i64::try_from(d).ok()) {
        return super::sliding::check(history, r, d, grace, expect.suppressed != Some(false));
    }
    let Some((size, advance)) = grid(expect) else {
        return unknown(r, "the run names no window: set [checker] window_millis to the pipeline's window size".into());
    };
    let suppressed = expect.suppressed != Some(false);
    let mut windows: BTreeMap<(&str, i64), Window> = BTreeMap::new();
    let mut stream_time: HashMap<i32, i64> = HashMap::new();
    let mut late = 0;
    let mut acked: Vec<&Input> = history.inputs.iter().filter(|i| i.acked).collect();
    if acked.is_empty() {
        r.vacuous = true;
        r.summary = "no input was acknowledged: no window to check".into();
        return r;
    }
    // Each partition in the order its task reads it.
    acked.sort_by_key(|i| (i.partition, i.offset));
    for input in acked {
        let (ts, partition) = (input.timestamp_ms.unwrap_or_default(), input.partition.unwrap_or(-1));
        let seen = stream_time.entry(partition).or_insert(i64::MIN);
        let mut counted = false;
        for start in window_starts(ts, size, advance) {
            if start.saturating_add(size).saturating_add(grace) <= *seen {
                continue;
            }
            counted = true;
            let w = windows.entry((input.key.as_str(), start)).or_default();
            w.acked += 1;
            w.partition = Some(partition);
        }
        if !counted {
            late += 1;
        }
        *seen = (*seen).max(ts);
    }
    for input in history.inputs.iter().filter(|i| !i.acked) {
        for start in window_starts(input.timestamp_ms.unwrap_or_default(), size, advance) {
            windows.entry((input.key.as_str(), start)).or_default().maybe += 1;
        }
    }
    let latest = history.inputs.iter().filter_map(|i| i.timestamp_ms).max().unwrap_or(i64::MIN);

    // A start off the grid is another kind of window (sliding, session),
    // another size or another advance: none is checked.
    let off_grid = |key: &str, start: i64| -> Option<String> {
        if start.rem_euclid(advance) == 0 {
            return None;
        }
        let grid = if advance == size { format!("[checker] window_millis = {size}") } else { format!("[checker] advance_millis = {advance}") };
        Some(format!(
            "is the window of {key:?} starting at {start}, not a multiple of {grid}: window-counts checks time windows of that \
             size and advance only (set window_millis to the app's window size and, for hopping windows, advance_millis to its \
             advanceBy; sliding windows take [checker] sliding_millis, session windows session_gap_millis)"
        ))
    };
    let emitted = match emitted(history, size, "window_millis", "window-counts checks time windows of that size only", off_grid) {
        Ok(emitted) => emitted,
        Err(why) => return unknown(r, why),
    };

    let none = Window::default();
    let all: BTreeSet<(&str, i64)> = windows.keys().chain(emitted.keys()).copied().collect();
    // A window written wrong is a failure whatever the drain saw; one not
    // written yet, or whose last update is short, is one only if the app
    // had caught up with its inputs (else it may still come).
    let mut definite = false;
    for (key, start) in all {
        let w = windows.get(&(key, start)).unwrap_or(&none);
        let close = start.saturating_add(size).saturating_add(grace);
        let closed = w.partition.and_then(|p| stream_time.get(&p)).is_some_and(|t| *t > close);
        let (low, high) = (w.acked, w.acked + w.maybe);
        let mut wrong = |what: String, observed: Option<u64>| {
            r.aggregates.push(AggregateMismatch::count(format!("{key}@{start}"), what, low, high, observed));
        };
        match emitted.get(&(key, start)).map(Vec::as_slice) {
            None | Some([]) if !suppressed => {
                if low > 0 {
                    wrong("never written, though inputs fell in it".into(), None);
                }
            }
            None | Some([]) => {
                if closed && low > 0 {
                    wrong("never emitted, though its window closed".into(), None);
                }
            }
            Some(counts) if !suppressed => {
                let last = counts.last().copied().unwrap_or_default();
                if !(low..=high).contains(&last) {
                    definite |= last > high;
                    wrong("last count".into(), Some(last));
                }
            }
            Some(counts) => {
                // Suppressed: what is emitted is final.
                if latest < close {
                    definite = true;
                    wrong("emitted before its window could close".into(), counts.first().copied());
                }
                if let [count] = counts {
                    if !(low..=high).contains(count) {
                        definite = true;
                        wrong("count".into(), Some(*count));
                    }
                } else {
                    definite = true;
                    let all: Vec<String> = counts.iter().map(u64::to_string).collect();
                    wrong(format!("emitted {} times (counts {})", counts.len(), all.join(", ")), counts.last().copied());
                }
            }
        }
    }
    let late_note = if late > 0 { format!("; {late} acknowledged inputs arrived after their window closed (dropped)") } else { String::new() };
    if r.aggregates.is_empty() {
        r.summary = if suppressed {
            format!("every closed window of {} was emitted once with its count{late_note}", windows.len())
        } else {
            format!("the last update of every one of {} windows holds its count{late_note}", windows.len())
        };
        return r;
    }
    r.verdict = if definite { Verdict::Fail } else { history.missing_verdict() };
    let wrong: BTreeSet<&str> = r.aggregates.iter().map(|m| m.key.as_str()).collect();
    // What a suppressed app never does and one without `suppress` always
    // does: say which setting judges the latter.
    let early = r.aggregates.iter().any(|m| m.what.starts_with("emitted "));
    let hint = if suppressed && early {
        "; if the app does not suppress its windows (no suppress(untilWindowCloses)), it writes them early and more than once: \
         set [checker] suppressed = false to judge each window's last update"
    } else {
        ""
    };
    r.summary = if r.verdict == Verdict::Unknown {
        format!(
            "{} of {} windows not written or short, but the app had not caught up with its inputs when its output was read: it may still write them{late_note}",
            wrong.len(),
            windows.len()
        )
    } else {
        format!("{} of {} windows are wrong{late_note}{hint}", wrong.len(), windows.len())
    };
    r
}

/// Each window's counts as the output wrote them, in order, keyed by its
/// key and start: every output must name a window `length` long (`field`
/// of `[checker]`, `fix` saying what else is checked) that `odd` finds
/// nothing wrong with, and hold a count; else why not, for an unknown.
pub(super) fn emitted<'a>(
    history: &'a History,
    length: i64,
    field: &str,
    fix: &str,
    odd: impl Fn(&str, i64) -> Option<String>,
) -> Result<BTreeMap<(&'a str, i64), Vec<u64>>, String> {
    let format = history.run.value_format;
    let mut emitted: BTreeMap<(&str, i64), Vec<u64>> = BTreeMap::new();
    for o in &history.outputs {
        let at = format!("output {}@{}", o.partition, o.offset);
        let Some((key, start, end)) = o.key.as_deref().and_then(window_of) else {
            return Err(format!(
                "{at} has the key {:?}, not <key>@<window start ms> nor [<key>@<start>/<end>] (Windowed.toString()): \
                 window-counts reads windows keyed that way, or written with Kafka Streams' \
                 WindowedSerdes.timeWindowedSerdeFrom(String.class, {length}) when [pipeline] key_format = \"windowed\"",
                o.key.as_deref().unwrap_or_default()
            ));
        };
        if let Some(end) = end.filter(|end| end.checked_sub(start) != Some(length)) {
            return Err(format!("{at} is the window of {key:?} from {start} to {end}, not [checker] {field} = {length} long: {fix}"));
        }
        if let Some(why) = odd(key, start) {
            return Err(format!("{at} {why}"));
        }
        match values::count(format, o.value.as_deref(), o.value_hex.as_deref()) {
            Some(Ok(count)) => emitted.entry((key, start)).or_default().push(count),
            Some(Err(e)) => return Err(format!("cannot read the count of {at}: {e}")),
            None => {}
        }
    }
    Ok(emitted)
}

/// The windows' size and how far apart they start: the scenario's advance
/// when it is one (1 ms to the size), else the size (tumbling windows).
/// `None` without a window size.
fn grid(expect: &crate::model::Expectations) -> Option<(i64, i64)> {
    let size = expect.window_millis.and_then(|w| i64::try_from(w).ok()).filter(|w| *w > 0)?;
    let advance = expect.advance_millis.and_then(|a| i64::try_from(a).ok()).filter(|a| (1..=size).contains(a)).unwrap_or(size);
    Some((size, advance))
}

/// The starts of the windows a record at `ts` falls in, earliest first, as
/// Kafka Streams' `TimeWindows.windowsFor` lists them: every multiple of
/// `advance` from the epoch within `size` before `ts`, none before 0.
fn window_starts(ts: i64, size: i64, advance: i64) -> impl Iterator<Item = i64> {
    let advance = advance.clamp(1, size.max(1));
    let first = ts.saturating_sub(size).saturating_add(advance).max(0);
    let first = first - first.rem_euclid(advance);
    (0..).map(move |k| first + k * advance).take_while(move |s| *s <= ts)
}

/// The window of its key whose count an input is read in last: for time
/// windows, the last one it falls in; for sliding windows, the left window
/// it opens; for a session, the one that covers it, whatever its bounds.
/// One answer for every kind of window the checker knows, so that the
/// lineage never tells them apart itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedIn {
    /// The window that starts at this time.
    Start(i64),
    /// The session that covers this time.
    Covering(i64),
}

impl CountedIn {
    /// Where an input of event time `ts` is counted last, under a run's
    /// expectations; `None` when they name no window.
    pub fn of(ts: i64, expect: &crate::model::Expectations) -> Option<CountedIn> {
        if expect.session_gap_millis.is_some() {
            return Some(CountedIn::Covering(ts));
        }
        if let Some(d) = expect.sliding_millis.and_then(|d| i64::try_from(d).ok()) {
            return Some(CountedIn::Start(ts - d));
        }
        let (size, advance) = grid(expect)?;
        window_starts(ts, size, advance).last().map(CountedIn::Start)
    }

    /// Whether an output key names this window of `key`.
    pub fn is_named_by(&self, output_key: &str, key: &str) -> bool {
        match (self, window_of(output_key)) {
            (CountedIn::Start(start), Some((k, s, _))) => k == key && s == *start,
            (CountedIn::Covering(ts), Some((k, start, Some(end)))) => k == key && (start..=end).contains(ts),
            _ => false,
        }
    }
}

/// The key, start and (if the key says) end of the window an output key
/// names: `<key>@<start>`, or `[<key>@<start>/<end>]` as Kafka Streams'
/// `Windowed.toString()` writes it.
pub(super) fn window_of(key: &str) -> Option<(&str, i64, Option<i64>)> {
    if let Some(inner) = key.strip_prefix('[').and_then(|k| k.strip_suffix(']')) {
        let (key, span) = inner.rsplit_once('@')?;
        let (start, end) = span.split_once('/')?;
        return Some((key, start.parse().ok()?, Some(end.parse().ok()?)));
    }
    let (key, start) = key.rsplit_once('@')?;
    Some((key, start.parse().ok()?, None))
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{Input, Output};
    use super::*;
    use crate::model::Expectations;

    /// An input of `word` at `ts` in partition 0.
    pub(in crate::checker) fn input(id: u32, word: &str, ts: i64, acked: bool) -> Input {
        Input {
            topic: String::new(),
            id: format!("in-{id}"),
            key: word.into(),
            value: word.into(),
            partition: acked.then_some(0),
            offset: acked.then_some(i64::from(id)),
            step: Some(0),
            acked,
            error: (!acked).then(|| "timed out".into()),
            timestamp_ms: Some(ts),
        }
    }

    fn window(offset: i64, key: &str, count: i64) -> Output {
        let (value, value_hex) = crate::workload::raw_value(Some(&count.to_be_bytes()));
        Output { topic: String::new(), partition: 0, offset, key: Some(key.into()), value, value_hex, ids: Vec::new() }
    }

    /// Windows of 1000 ms with 100 ms grace: cat twice in [0, 1000), dog
    /// once in [1000, 2000), then cat at 2500 closes [0, 1000) only.
    fn history(outputs: Vec<Output>) -> History {
        let mut h = History {
            inputs: vec![input(0, "cat", 100, true), input(1, "cat", 900, true), input(2, "dog", 1500, true), input(3, "cat", 2500, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        };
        h.run.value_format = crate::trace::ValueFormat::Long;
        h.run.checker = Expectations { window_millis: Some(1000), grace_millis: Some(100), ..Expectations::default() };
        h
    }

    #[test]
    fn an_input_is_counted_last_in_one_window_of_each_kind() {
        let expect = |e: Expectations| move |ts| CountedIn::of(ts, &e);
        let tumbling = expect(Expectations { window_millis: Some(1000), ..Expectations::default() });
        let hopping = expect(Expectations { window_millis: Some(1000), advance_millis: Some(500), ..Expectations::default() });
        let sliding = expect(Expectations { sliding_millis: Some(1000), ..Expectations::default() });
        let sessions = expect(Expectations { session_gap_millis: Some(1000), ..Expectations::default() });
        assert_eq!(tumbling(5200), Some(CountedIn::Start(5000)));
        assert_eq!(hopping(5700), Some(CountedIn::Start(5500)));
        assert_eq!(sliding(5200), Some(CountedIn::Start(4200)));
        assert_eq!(sessions(5200), Some(CountedIn::Covering(5200)));
        assert_eq!(CountedIn::of(5200, &Expectations::default()), None);
        assert!(CountedIn::Start(4200).is_named_by("cat@4200", "cat") && CountedIn::Start(4200).is_named_by("[cat@4200/5200]", "cat"));
        assert!(!CountedIn::Start(4200).is_named_by("cat@4201", "cat") && !CountedIn::Start(4200).is_named_by("dog@4200", "cat"));
        assert!(!CountedIn::Covering(4200).is_named_by("cat@4000", "cat"), "a session is named with its end");
    }

    #[test]
    fn closed_windows_emitted_once_with_their_counts_pass_and_open_ones_need_not_be() {
        // cat's [2000, 3000) closes at 3100, after the last input: open.
        let r = check(&history(vec![window(0, "cat@0", 2), window(1, "dog@1000", 1)]));
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        // dog's [1000, 2000) closed at 2100 < 2500: it must be there.
        let r = check(&history(vec![window(0, "cat@0", 2)]));
        assert_eq!((r.verdict, r.aggregates[0].key.as_str()), (Verdict::Fail, "dog@1000"));
    }

    #[test]
    fn a_window_emitted_twice_or_with_a_wrong_count_fails() {
        let r = check(&history(vec![window(0, "cat@0", 2), window(1, "cat@0", 2), window(2, "dog@1000", 1)]));
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!((r.aggregates.len(), r.aggregates[0].what.as_str()), (1, "emitted 2 times (counts 2, 2)"));
        assert!(r.summary.starts_with("1 of 3 windows are wrong"), "{}", r.summary);
        let r = check(&history(vec![window(0, "cat@0", 3)]));
        assert_eq!((r.verdict, r.aggregates[0].what.as_str(), r.aggregates[0].observed), (Verdict::Fail, "count", Some(3)));
    }

    #[test]
    fn a_closed_window_never_emitted_is_missing_and_an_early_one_fails() {
        let r = check(&history(vec![]));
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.aggregates[0].key, "cat@0");
        let mut h = history(vec![]);
        h.caught_up = Some(false);
        assert_eq!(check(&h).verdict, Verdict::Unknown);
        let r = check(&history(vec![window(0, "cat@0", 2), window(1, "cat@2000", 1)]));
        assert_eq!((r.verdict, r.aggregates[0].what.as_str()), (Verdict::Fail, "emitted before its window could close"));
        assert!(r.summary.contains("set [checker] suppressed = false"), "{}", r.summary);
    }

    #[test]
    fn a_late_input_is_dropped_and_an_unacknowledged_one_is_allowed_either_way() {
        let mut h = history(vec![window(0, "cat@0", 2), window(1, "dog@1000", 1)]);
        h.inputs.push(input(4, "cat", 500, true));
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("1 acknowledged inputs arrived after their window closed"), "{}", r.summary);
        h.inputs.pop();
        h.inputs.insert(2, input(9, "cat", 950, false));
        assert_eq!(check(&h).verdict, Verdict::Pass);
        h.outputs[0] = window(0, "cat@0", 3);
        assert_eq!(check(&h).verdict, Verdict::Pass);
    }

    #[test]
    fn keys_not_naming_a_window_and_runs_without_a_window_are_unknown() {
        let r = check(&history(vec![window(0, "cat", 2)]));
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("<key>@<window start ms>"));
        let mut h = history(vec![]);
        h.run.checker = Expectations::default();
        assert!(check(&h).summary.contains("window_millis"));
        // A hopping window's start (or another size's) is off the grid.
        let r = check(&history(vec![window(0, "cat@0", 2), window(1, "cat@500", 2)]));
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("not a multiple of [checker] window_millis = 1000"), "{}", r.summary);
        let r = check(&history(vec![window(0, "[cat@0/2000]", 2)]));
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("from 0 to 2000, not [checker] window_millis = 1000 long"), "{}", r.summary);
        let r = check(&history(vec![window(0, "0xff01", 2)]));
        assert!(r.summary.contains("key_format = \"windowed\""), "{}", r.summary);
    }

    #[test]
    fn unsuppressed_windows_are_judged_by_their_last_update() {
        let mut h = history(vec![window(0, "cat@0", 1), window(1, "cat@0", 2), window(2, "dog@1000", 1), window(3, "cat@2000", 1)]);
        h.run.checker.suppressed = Some(false);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.starts_with("the last update of every one of 3 windows holds its count"), "{}", r.summary);
        // A crash that counted an input again leaves the last update high.
        h.outputs.push(window(4, "cat@0", 3));
        let r = check(&h);
        assert_eq!((r.verdict, r.aggregates[0].what.as_str(), r.aggregates[0].observed), (Verdict::Fail, "last count", Some(3)));
        // A window with inputs never written, open or not, is missing.
        h.outputs.retain(|o| o.key.as_deref() != Some("cat@2000") && o.offset != 4);
        let r = check(&h);
        assert_eq!((r.verdict, r.aggregates[0].key.as_str()), (Verdict::Fail, "cat@2000"));
        assert_eq!(r.aggregates[0].what, "never written, though inputs fell in it");
        // ... unless the app had not caught up with its inputs when the
        // output was read: it may still write it, or raise a short count.
        h.caught_up = Some(false);
        assert_eq!(check(&h).verdict, Verdict::Unknown);
        h.outputs.push(window(5, "cat@2000", 0));
        assert_eq!(check(&h).verdict, Verdict::Unknown, "a short last count, the app behind");
        h.outputs.push(window(6, "dog@1000", 2));
        assert_eq!(check(&h).verdict, Verdict::Fail, "a count past its inputs is wrong whatever comes later");
    }

    #[test]
    fn a_closed_window_missing_beside_emitted_ones_is_unknown_while_the_app_is_behind() {
        let mut h = history(vec![window(0, "cat@0", 2)]);
        assert_eq!(check(&h).verdict, Verdict::Fail, "dog@1000 closed and never emitted");
        h.caught_up = Some(false);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("had not caught up"), "{}", r.summary);
        h.outputs.push(window(1, "cat@0", 2));
        assert_eq!(check(&h).verdict, Verdict::Fail, "emitted twice: final whatever comes later");
    }

    #[test]
    fn a_record_falls_in_every_hopping_window_that_covers_it_as_kafka_streams_lists_them() {
        assert_eq!(window_starts(2500, 1000, 1000).collect::<Vec<_>>(), [2000]);
        assert_eq!(window_starts(2500, 1000, 250).collect::<Vec<_>>(), [1750, 2000, 2250, 2500]);
        assert_eq!(window_starts(2000, 1000, 300).collect::<Vec<_>>(), [1200, 1500, 1800]);
        assert_eq!(window_starts(100, 1000, 500).collect::<Vec<_>>(), [0], "none before the epoch");
    }

    #[test]
    fn hopping_windows_count_each_input_in_each_of_its_windows() {
        // Windows of 1000 ms every 500 ms: cat at 100 and 900 in [-, 0),
        // [0, 1000) and 900 also in [500, 1500); dog at 1500 in [1000,
        // 2000) and [1500, 2500); cat at 2500 closes up to [1000, 2000).
        let mut h = history(vec![
            window(0, "cat@0", 2),
            window(1, "cat@500", 1),
            window(2, "dog@1000", 1),
        ]);
        h.run.checker.advance_millis = Some(500);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("of 6 was emitted once"), "{}", r.summary);
        // cat@500 counted the input at 100 too: past its inputs.
        h.outputs[1] = window(1, "cat@500", 2);
        let r = check(&h);
        assert_eq!((r.verdict, r.aggregates[0].key.as_str(), r.aggregates[0].what.as_str()), (Verdict::Fail, "cat@500", "count"));
        // The hopping grid is the advance: a start at 500 is on it, 250 not.
        h.outputs[1] = window(1, "cat@250", 1);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("not a multiple of [checker] advance_millis = 500"), "{}", r.summary);
        // Read as tumbling windows, the hopping app's outputs are off the grid.
        h.outputs[1] = window(1, "cat@500", 1);
        h.run.checker.advance_millis = None;
        assert_eq!(check(&h).verdict, Verdict::Unknown);
    }

    #[test]
    fn a_late_record_is_dropped_only_from_its_closed_hopping_windows() {
        // Stream time 2050 (cat) then cat at 1450: [500, 1500) closed at
        // 1600 (grace 100), [1000, 2000) closes at 2100: it counts there,
        // and dog at 2200 closes that window.
        let mut h = History {
            inputs: vec![input(0, "cat", 2050, true), input(1, "cat", 1450, true), input(2, "dog", 2200, true)],
            caught_up: Some(true),
            ..History::default()
        };
        h.run.value_format = crate::trace::ValueFormat::Long;
        h.run.checker = Expectations { window_millis: Some(1000), grace_millis: Some(100), advance_millis: Some(500), ..Expectations::default() };
        h.outputs = vec![window(0, "cat@1000", 1)];
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(!r.summary.contains("arrived after"), "{}", r.summary);
        h.outputs.push(window(1, "cat@500", 1));
        assert_eq!(check(&h).verdict, Verdict::Fail, "the record was dropped from [500, 1500)");
    }

    #[test]
    fn windows_keyed_as_windowed_to_string_are_read_as_their_start() {
        let r = check(&history(vec![window(0, "[cat@0/1000]", 2), window(1, "[dog@1000/2000]", 1)]));
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        let r = check(&history(vec![window(0, "[cat@0/1000]", 2), window(1, "[cat@0/1000]", 2), window(2, "dog@1000", 1)]));
        assert_eq!((r.verdict, r.aggregates[0].key.as_str()), (Verdict::Fail, "cat@0"));
    }

    /// An app writing `Windowed<String>` keys with Kafka Streams' windowed
    /// serde, as its docs do, checked from the trace the harness records.
    #[test]
    fn windows_written_with_the_windowed_serde_are_checked_from_the_trace() {
        use crate::trace::{Event, KeyFormat, TraceLine};
        let line = |event| TraceLine { time_ms: 0, source: "harness".into(), step: Some(0), event };
        let h = history(Vec::new());
        let mut lines = vec![line(Event::RunStarted {
            scenario: "s".into(),
            campaign: "c".into(),
            run: "r".into(),
            seed: 0,
            plan: serde_json::Value::Null,
            input_topic: "clicks".into(),
            output_topic: "windows".into(),
            more_outputs: vec![],
            group: "g".into(),
            stages: Vec::new(),
            properties: vec!["window-counts".into()],
            read_committed: false,
            acks: None,
            input_min_isr: None,
            value_format: Some(crate::trace::ValueFormat::Long),
            key_format: Some(KeyFormat::Windowed),
            checker: Box::new(h.run.checker),
            side_topic: None,
            setup_ms: None,
        })];
        for i in &h.inputs {
            lines.push(line(Event::Produced {
                id: i.id.clone(),
                key: i.key.clone(),
                value: i.value.clone(),
                topic: "clicks".into(),
                partition: i.partition,
                offset: i.offset,
                leader: Some(1),
                error: None,
                timestamp_ms: i.timestamp_ms,
            }));
        }
        lines.push(line(Event::Drained { caught_up: true, waited_ms: 10, detail: String::new(), quiet_ms: None, committed: Vec::new() }));
        for (offset, (word, start, count)) in [("cat", 0i64, 2i64), ("dog", 1000, 1)].into_iter().enumerate() {
            let (key, key_hex) = crate::workload::raw_value(Some(&[word.as_bytes(), &start.to_be_bytes()].concat()));
            let (value, value_hex) = crate::workload::raw_value(Some(&count.to_be_bytes()));
            lines.push(line(Event::CheckerRead { topic: "windows".into(), partition: 0, offset: offset as i64, key, value, ids: vec![], value_hex, key_hex }));
        }
        let read = History::from_trace(&lines).unwrap();
        assert_eq!(read.outputs.iter().map(|o| o.key.clone().unwrap()).collect::<Vec<_>>(), ["cat@0", "dog@1000"]);
        assert_eq!(check(&read).verdict, Verdict::Pass, "{}", check(&read).summary);
        if let Event::RunStarted { key_format, .. } = &mut lines[0].event {
            *key_format = None;
        }
        assert_eq!(check(&History::from_trace(&lines).unwrap()).verdict, Verdict::Unknown, "read as text, the keys name no window");
    }
}
