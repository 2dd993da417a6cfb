//! `window-counts` over sliding windows (`[checker] sliding_millis`, the
//! app's `SlidingWindows.ofTimeDifferenceAndGrace`): per-key counts over
//! every span of the time difference that the records themselves open.
//!
//! Kafka Streams does not align sliding windows to a grid: each record at
//! `t` opens its left window `[t - d, t]`, and, once a later record of
//! its key falls within `d` after it, its right window `[t + 1, t + 1 +
//! d]`, both ends inclusive. A window holds every record of its key
//! between its ends; that is what its count must say. A task's stream time
//! is the largest timestamp it has read from its partition, and its close
//! time that less the grace: a record is dropped as late when its left
//! window ends before the close time, and a window that ends before the
//! close time takes no more records (both read from the processor of
//! kafka-streams 4.4.0, `javap -c`).
//!
//! So, from the acknowledged inputs, each partition in the order its task
//! reads it: every window an output names must be one some input opens,
//! `d` long, its count (the last update, or the one emission when
//! suppressed) that of its inputs; every accepted input's left window must
//! be written, and the right window of a record followed, in order, by one
//! within `d` after it. Where the inputs of a key arrived out of order, the
//! right windows they open are allowed, not required. An unacknowledged
//! input may or may not have been written: the count it could add is
//! allowed, not required, and the windows it would open too.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::records::unknown;
use super::windows::emitted;
use super::{AggregateMismatch, History, PropertyResult, Verdict};

/// An accepted input of one key: its time and the close time when its task
/// read it.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    ts: i64,
    close: i64,
}

/// What a window must count: inputs sure to be in it, and those that may.
#[derive(Debug, Default, Clone, Copy)]
struct Bounds {
    low: u64,
    high: u64,
    /// Its partition's task has read past its close: a suppressed window
    /// must have been emitted.
    closed: bool,
}

pub fn check(history: &History, mut r: PropertyResult, d: i64, grace: i64, suppressed: bool) -> PropertyResult {
    let mut acked: Vec<_> = history.inputs.iter().filter(|i| i.acked).collect();
    if acked.is_empty() {
        r.vacuous = true;
        r.summary = "no input was acknowledged: no window to check".into();
        return r;
    }
    if let Some(early) = history.inputs.iter().find(|i| i.timestamp_ms.unwrap_or_default() < d) {
        return unknown(r, format!(
            "input {} has the event time {} ms, within the first time difference after the epoch: Kafka Streams puts such records \
             in one combined window, which is not checked",
            early.id,
            early.timestamp_ms.unwrap_or_default()
        ));
    }
    acked.sort_by_key(|i| (i.partition, i.offset));
    let mut stream_time: HashMap<i32, i64> = HashMap::new();
    let mut arrivals: BTreeMap<&str, Vec<Arrival>> = BTreeMap::new();
    let mut partition_of: HashMap<&str, i32> = HashMap::new();
    let mut late = 0;
    for input in &acked {
        let (ts, partition) = (input.timestamp_ms.unwrap_or_default(), input.partition.unwrap_or(-1));
        let seen = stream_time.entry(partition).or_insert(i64::MIN);
        *seen = (*seen).max(ts);
        let close = seen.saturating_sub(grace);
        if ts.saturating_add(d) < close {
            late += 1;
            continue;
        }
        arrivals.entry(input.key.as_str()).or_default().push(Arrival { ts, close });
        partition_of.insert(input.key.as_str(), partition);
    }
    let mut unsure: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for input in history.inputs.iter().filter(|i| !i.acked) {
        unsure.entry(input.key.as_str()).or_default().push(input.timestamp_ms.unwrap_or_default());
    }

    // The windows the inputs open: required, or only allowed.
    let mut required: BTreeSet<(&str, i64)> = BTreeSet::new();
    let mut allowed: BTreeSet<(&str, i64)> = BTreeSet::new();
    for (key, seen) in &arrivals {
        let in_order = seen.windows(2).all(|p| p[0].ts <= p[1].ts);
        for (i, a) in seen.iter().enumerate() {
            allowed.extend([(*key, a.ts - d), (*key, a.ts + 1)]);
            if a.ts >= a.close {
                required.insert((*key, a.ts - d));
            }
            // In order, the next later record opens this one's right window.
            let next = seen[i + 1..].iter().find(|b| b.ts > a.ts);
            if in_order && next.is_some_and(|b| b.ts <= a.ts + d && a.ts + 1 + d >= b.close) {
                required.insert((*key, a.ts + 1));
            }
        }
    }
    for (key, times) in &unsure {
        for t in times {
            allowed.extend([(*key, t - d), (*key, t + 1)]);
        }
    }
    let none = Vec::new();
    let bounds = |key: &str, start: i64| -> Bounds {
        let end = start + d;
        let mut b = Bounds::default();
        for a in arrivals.get(key).unwrap_or(&none).iter().filter(|a| (start..=end).contains(&a.ts)) {
            if end >= a.close {
                b.low += 1;
                b.high += 1;
            }
        }
        b.high += unsure.get(key).map_or(0, |ts| ts.iter().filter(|t| (start..=end).contains(*t)).count() as u64);
        b.closed = partition_of.get(key).and_then(|p| stream_time.get(p)).is_some_and(|t| t.saturating_sub(grace) > end);
        b
    };

    let fix = "set sliding_millis to the app's SlidingWindows time difference";
    let emitted = match emitted(history, d, "sliding_millis", fix, |_, _| None) {
        Ok(emitted) => emitted,
        Err(why) => return unknown(r, why),
    };

    let latest = history.inputs.iter().filter_map(|i| i.timestamp_ms).max().unwrap_or(i64::MIN);
    let mut definite = false;
    let all: BTreeSet<(&str, i64)> = required.iter().chain(emitted.keys()).copied().collect();
    for (key, start) in all.iter().copied() {
        let b = bounds(key, start);
        let mut wrong = |what: String, observed: Option<u64>| {
            r.aggregates.push(AggregateMismatch::count(format!("[{key}@{start}/{}]", start + d), what, b.low, b.high, observed));
        };
        let counts = emitted.get(&(key, start)).map_or(&[][..], Vec::as_slice);
        if !counts.is_empty() && !allowed.contains(&(key, start)) {
            definite = true;
            wrong("written, but no input opens such a window".into(), counts.last().copied());
            continue;
        }
        match counts {
            [] if required.contains(&(key, start)) && (!suppressed || b.closed) => {
                wrong("never written, though its inputs open it".into(), None);
            }
            [] => {}
            [.., last] if !suppressed => {
                if !(b.low..=b.high).contains(last) {
                    definite |= *last > b.high;
                    wrong("last count".into(), Some(*last));
                }
            }
            [count] if latest < start + d + grace => {
                definite = true;
                wrong("emitted before its window could close".into(), Some(*count));
            }
            [count] => {
                if !(b.low..=b.high).contains(count) {
                    definite = true;
                    wrong("count".into(), Some(*count));
                }
            }
            _ => {
                definite = true;
                let all: Vec<String> = counts.iter().map(u64::to_string).collect();
                wrong(format!("emitted {} times (counts {})", counts.len(), all.join(", ")), counts.last().copied());
            }
        }
    }
    let late_note = if late > 0 { format!("; {late} acknowledged inputs arrived after their windows closed (dropped)") } else { String::new() };
    if r.aggregates.is_empty() {
        r.summary = format!("every one of {} sliding windows holds the count of its inputs{late_note}", all.len());
        return r;
    }
    r.verdict = if definite { Verdict::Fail } else { history.missing_verdict() };
    let wrong: BTreeSet<&str> = r.aggregates.iter().map(|m| m.key.as_str()).collect();
    r.summary = if r.verdict == Verdict::Unknown {
        format!(
            "{} of {} sliding windows not written or short, but the app had not caught up with its inputs when its output was read: \
             it may still write them{late_note}",
            wrong.len(),
            all.len()
        )
    } else {
        format!("{} of {} sliding windows are wrong{late_note}", wrong.len(), all.len())
    };
    r
}

#[cfg(test)]
mod tests {
    use super::super::windows::tests::input;
    use super::super::Output;
    use super::*;
    use crate::model::Expectations;

    fn window(offset: i64, key: &str, start: i64, count: i64) -> Output {
        let (value, value_hex) = crate::workload::raw_value(Some(&count.to_be_bytes()));
        Output { topic: String::new(), partition: 0, offset, key: Some(format!("[{key}@{start}/{}]", start + 1000)), value, value_hex, ids: Vec::new() }
    }

    /// A time difference of 1000 ms, no grace: cat at 5000, 5400 and 7000.
    /// The windows they open: [4000/5000] (1), [4400/5400] (2), [5001/6001]
    /// (5400: 1), [5401/6401] (empty: never opened), [6000/7000] (1).
    fn history(outputs: Vec<Output>, suppressed: bool) -> History {
        let mut h = History {
            inputs: vec![input(0, "cat", 5000, true), input(1, "cat", 5400, true), input(2, "cat", 7000, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        };
        h.run.value_format = crate::trace::ValueFormat::Long;
        h.run.checker = Expectations { sliding_millis: Some(1000), suppressed: Some(suppressed), ..Expectations::default() };
        h
    }

    fn judged(h: &History) -> PropertyResult {
        let suppressed = h.run.checker.suppressed != Some(false);
        check(h, PropertyResult::passing(crate::scenario::Property::WindowCounts), 1000, 0, suppressed)
    }

    fn every_update() -> Vec<Output> {
        vec![window(0, "cat", 4000, 1), window(1, "cat", 4400, 2), window(2, "cat", 5001, 1), window(3, "cat", 6000, 1)]
    }

    #[test]
    fn the_windows_the_records_open_with_their_counts_pass() {
        let r = judged(&history(every_update(), false));
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.starts_with("every one of 4 sliding windows"), "{}", r.summary);
    }

    #[test]
    fn a_count_too_high_a_window_missing_or_one_no_input_opens_fails() {
        let mut outputs = every_update();
        outputs.push(window(4, "cat", 4400, 3));
        let r = judged(&history(outputs, false));
        assert_eq!((r.verdict, r.aggregates[0].key.as_str(), r.aggregates[0].observed), (Verdict::Fail, "[cat@4400/5400]", Some(3)));

        // 5400's arrival opens 5000's right window: it must be written.
        let mut outputs = every_update();
        outputs.remove(2);
        let r = judged(&history(outputs, false));
        assert_eq!((r.verdict, r.aggregates[0].what.as_str()), (Verdict::Fail, "never written, though its inputs open it"));
        assert_eq!(r.aggregates[0].key, "[cat@5001/6001]");

        let mut outputs = every_update();
        outputs.push(window(4, "cat", 4500, 2));
        let r = judged(&history(outputs, false));
        assert_eq!((r.verdict, r.aggregates[0].what.as_str()), (Verdict::Fail, "written, but no input opens such a window"));
    }

    #[test]
    fn suppressed_windows_are_emitted_once_when_closed() {
        // Stream time 7000: [6000/7000] has not closed; the others have.
        let closed = vec![window(0, "cat", 4000, 1), window(1, "cat", 4400, 2), window(2, "cat", 5001, 1)];
        assert_eq!(judged(&history(closed.clone(), true)).verdict, Verdict::Pass);
        let mut twice = closed.clone();
        twice.push(window(3, "cat", 4400, 2));
        let r = judged(&history(twice, true));
        assert_eq!((r.verdict, r.aggregates[0].what.as_str()), (Verdict::Fail, "emitted 2 times (counts 2, 2)"));
        let r = judged(&history(closed[1..].to_vec(), true));
        assert_eq!((r.verdict, r.aggregates[0].key.as_str()), (Verdict::Fail, "[cat@4000/5000]"));
        // With 500 ms of grace, [6000/7000] closes at 7500, after the last input.
        let mut early = closed;
        early.push(window(3, "cat", 6000, 1));
        let r = check(&history(early, true), PropertyResult::passing(crate::scenario::Property::WindowCounts), 1000, 500, true);
        assert_eq!((r.verdict, r.aggregates[0].what.as_str()), (Verdict::Fail, "emitted before its window could close"));
    }

    #[test]
    fn a_late_record_is_dropped_and_an_unacknowledged_one_may_count() {
        // cat at 3500 after stream time 7000: its left window ends at 4500,
        // before the close time: dropped, counted nowhere.
        let mut h = history(every_update(), false);
        h.inputs.push(input(3, "cat", 3500, true));
        let r = judged(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("1 acknowledged inputs arrived after their windows closed"), "{}", r.summary);

        // An unacknowledged cat at 4700 may be in [4000/5000] and [4400/5400].
        let mut h = history(vec![window(0, "cat", 4000, 2), window(1, "cat", 4400, 3), window(2, "cat", 5001, 1), window(3, "cat", 6000, 1)], false);
        h.inputs.push(input(4, "cat", 4700, false));
        assert_eq!(judged(&h).verdict, Verdict::Pass);
        // Without it, those counts are too high.
        h.inputs.pop();
        assert_eq!(judged(&h).verdict, Verdict::Fail);
    }

    #[test]
    fn a_short_count_while_the_app_was_behind_is_unknown() {
        let mut outputs = every_update();
        outputs.pop();
        let mut h = history(outputs, false);
        h.caught_up = Some(false);
        assert_eq!(judged(&h).verdict, Verdict::Unknown);
    }

    #[test]
    fn a_window_of_another_length_or_a_record_near_the_epoch_is_unknown() {
        let mut outputs = every_update();
        outputs[0].key = Some("[cat@4000/6000]".into());
        assert_eq!(judged(&history(outputs, false)).verdict, Verdict::Unknown);
        let mut h = history(every_update(), false);
        h.inputs.push(input(5, "dog", 10, true));
        assert_eq!(judged(&h).verdict, Verdict::Unknown);
    }
}
