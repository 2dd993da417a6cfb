//! `window-counts` over session windows (`[checker] session_gap_millis`):
//! per-key counts of sessions of activity, as an app without `suppress`
//! writes them (every update, and a tombstone for each session merged into
//! a larger one).
//!
//! Sessions are computed from the acknowledged inputs as Kafka Streams
//! builds them, each partition in the order its task reads it: a record
//! joins every session of its key that ends no more than the gap before it
//! or starts no more than the gap after it, all merged into one; it is
//! dropped as late when that merged session ends before the stream time
//! less the grace and the gap. What the output says last of each session
//! (its count, or a tombstone) is the app's final word, read after the
//! drain: every session must be there with its count and no other session
//! may be. An unacknowledged input may or may not have been written, and
//! may bridge two sessions: a key with one is judged by what holds either
//! way (each session's count between its acknowledged inputs and all of
//! them, every acknowledged input in a session, no two sessions within the
//! gap of each other).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::records::unknown;
use super::values;
use super::windows::window_of;
use super::{AggregateMismatch, History, PropertyResult, Verdict};

/// A session of one key: `[start, end]`, both inclusive, and its count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Session {
    start: i64,
    end: i64,
    count: u64,
}

impl Session {
    fn covers(&self, ts: i64) -> bool {
        (self.start..=self.end).contains(&ts)
    }
}

pub fn check(history: &History, mut r: PropertyResult, gap: i64, grace: i64) -> PropertyResult {
    let acked: Vec<_> = {
        let mut acked: Vec<_> = history.inputs.iter().filter(|i| i.acked).collect();
        acked.sort_by_key(|i| (i.partition, i.offset));
        acked
    };
    if acked.is_empty() {
        r.vacuous = true;
        r.summary = "no input was acknowledged: no session to check".into();
        return r;
    }
    let mut expected: BTreeMap<&str, Vec<Session>> = BTreeMap::new();
    let mut accepted: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut stream_time: HashMap<i32, i64> = HashMap::new();
    let mut late = 0;
    for input in acked {
        let ts = input.timestamp_ms.unwrap_or_default();
        let seen = stream_time.entry(input.partition.unwrap_or(-1)).or_insert(i64::MIN);
        *seen = (*seen).max(ts);
        let close = seen.saturating_sub(grace).saturating_sub(gap);
        let sessions = expected.entry(input.key.as_str()).or_default();
        let near = |s: &Session| s.end >= ts.saturating_sub(gap) && s.start <= ts.saturating_add(gap);
        let merged = sessions.iter().filter(|s| near(s)).fold(Session { start: ts, end: ts, count: 1 }, |m, s| Session {
            start: m.start.min(s.start),
            end: m.end.max(s.end),
            count: m.count + s.count,
        });
        if merged.end < close {
            late += 1;
            continue;
        }
        sessions.retain(|s| !near(s));
        sessions.push(merged);
        accepted.entry(input.key.as_str()).or_default().push(ts);
    }
    let mut maybe: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for input in history.inputs.iter().filter(|i| !i.acked) {
        maybe.entry(input.key.as_str()).or_default().push(input.timestamp_ms.unwrap_or_default());
    }

    // What the output says last of each session: a count, or None for a
    // tombstone.
    let format = history.run.value_format;
    let mut last: BTreeMap<(&str, i64, i64), Option<u64>> = BTreeMap::new();
    for o in &history.outputs {
        let Some((key, start, Some(end))) = o.key.as_deref().and_then(window_of) else {
            return unknown(r, format!(
                "output {}@{} has the key {:?}, not a session [<key>@<start>/<end>] (Windowed.toString()): window-counts reads \
                 sessions keyed that way, or written with Kafka Streams' WindowedSerdes.sessionWindowedSerdeFrom(String.class) \
                 when [pipeline] key_format = \"session\"",
                o.partition, o.offset, o.key.as_deref().unwrap_or_default()
            ));
        };
        let count = match values::count(format, o.value.as_deref(), o.value_hex.as_deref()) {
            Some(Ok(count)) => Some(count),
            Some(Err(e)) => return unknown(r, format!("cannot read the count of output {}@{}: {e}", o.partition, o.offset)),
            None => None,
        };
        last.insert((key, start, end), count);
    }
    let mut written: BTreeMap<&str, Vec<Session>> = BTreeMap::new();
    for ((key, start, end), count) in last {
        if let Some(count) = count {
            written.entry(key).or_default().push(Session { start, end, count });
        }
    }

    let keys: BTreeSet<&str> = expected.keys().chain(written.keys()).chain(maybe.keys()).copied().collect();
    let none = Vec::new();
    let mut sessions = 0;
    for key in keys {
        let (want, got) = (expected.get(key).unwrap_or(&none), written.get(key).unwrap_or(&none));
        sessions += want.len();
        let mut wrong = |s: &Session, what: String, low: u64, high: u64, observed: Option<u64>| {
            r.aggregates.push(AggregateMismatch::count(format!("[{key}@{}/{}]", s.start, s.end), what, low, high, observed));
        };
        match maybe.get(key) {
            None => {
                for s in want {
                    match got.iter().find(|g| (g.start, g.end) == (s.start, s.end)) {
                        Some(g) if g.count == s.count => {}
                        Some(g) => wrong(s, "last count".into(), s.count, s.count, Some(g.count)),
                        None => wrong(s, "never written, though its inputs make it".into(), s.count, s.count, None),
                    }
                }
                for g in got.iter().filter(|g| !want.iter().any(|s| (s.start, s.end) == (g.start, g.end))) {
                    let inside = accepted.get(key).map_or(0, |ts| ts.iter().filter(|t| g.covers(**t)).count() as u64);
                    wrong(g, "written, but the inputs make no such session".into(), inside, inside, Some(g.count));
                }
            }
            Some(unsure) => {
                let ts = accepted.get(key).map_or(&[][..], Vec::as_slice);
                for g in got {
                    let low = ts.iter().filter(|t| g.covers(**t)).count() as u64;
                    let high = low + unsure.iter().filter(|t| g.covers(**t)).count() as u64;
                    if !(low..=high).contains(&g.count) {
                        wrong(g, "last count".into(), low, high, Some(g.count));
                    }
                }
                for pair in got.windows(2) {
                    if pair[1].start.saturating_sub(pair[0].end) <= gap {
                        wrong(&pair[1], format!("within the gap of the session ending at {}: they should be one", pair[0].end), 0, 0, Some(pair[1].count));
                    }
                }
                for s in want.iter().filter(|s| !got.iter().any(|g| g.start <= s.start && s.end <= g.end)) {
                    wrong(s, "never written, though its inputs make it".into(), s.count, s.count, None);
                }
            }
        }
    }
    let late_note = if late > 0 { format!("; {late} acknowledged inputs arrived after their session closed (dropped)") } else { String::new() };
    if r.aggregates.is_empty() {
        r.summary = format!("the last update of every one of {sessions} sessions holds its count{late_note}");
        return r;
    }
    // A later update may still replace any session the app wrote (a merge
    // writes a tombstone for it): nothing is final until the app caught up.
    r.verdict = history.missing_verdict();
    let wrong: BTreeSet<&str> = r.aggregates.iter().map(|m| m.key.as_str()).collect();
    r.summary = if r.verdict == Verdict::Unknown {
        format!(
            "{} of {sessions} sessions not written as their inputs make them, but the app had not caught up with its inputs when \
             its output was read: it may still write them{late_note}",
            wrong.len()
        )
    } else {
        format!("{} sessions are wrong ({sessions} made by the inputs){late_note}", wrong.len())
    };
    r
}

#[cfg(test)]
mod tests {
    use super::super::windows::tests::input;
    use super::super::Output;
    use super::*;
    use crate::model::Expectations;

    fn session(offset: i64, key: &str, start: i64, end: i64, count: Option<i64>) -> Output {
        let (value, value_hex) = match count {
            Some(c) => crate::workload::raw_value(Some(&c.to_be_bytes())),
            None => (None, None),
        };
        Output { partition: 0, offset, key: Some(format!("[{key}@{start}/{end}]")), value, value_hex, ids: Vec::new() }
    }

    /// A gap of 1000 ms: cat at 0, 500, 1500 (one session, 0..1500), then
    /// at 4000 (another); dog at 800.
    fn history(outputs: Vec<Output>) -> History {
        let mut h = History {
            inputs: vec![input(0, "cat", 0, true), input(1, "cat", 500, true), input(2, "dog", 800, true), input(3, "cat", 1500, true), input(4, "cat", 4000, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        };
        h.run.value_format = crate::trace::ValueFormat::Long;
        h.run.checker = Expectations { session_gap_millis: Some(1000), suppressed: Some(false), ..Expectations::default() };
        h
    }

    fn judged(h: &History) -> PropertyResult {
        super::super::windows::check(h)
    }

    #[test]
    fn the_last_word_on_each_session_is_its_count_and_merged_ones_are_tombstoned() {
        let h = history(vec![
            session(0, "cat", 0, 0, Some(1)),
            session(1, "cat", 0, 0, None),
            session(2, "cat", 0, 500, Some(2)),
            session(3, "dog", 800, 800, Some(1)),
            session(4, "cat", 0, 500, None),
            session(5, "cat", 0, 1500, Some(3)),
            session(6, "cat", 4000, 4000, Some(1)),
        ]);
        let r = judged(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("every one of 3 sessions"), "{}", r.summary);
    }

    #[test]
    fn a_session_counted_twice_missing_or_never_merged_fails() {
        let mut h = history(vec![session(0, "cat", 0, 1500, Some(4)), session(1, "dog", 800, 800, Some(1)), session(2, "cat", 4000, 4000, Some(1))]);
        let r = judged(&h);
        assert_eq!((r.verdict, r.aggregates[0].key.as_str(), r.aggregates[0].observed), (Verdict::Fail, "[cat@0/1500]", Some(4)));
        h.outputs.remove(0);
        let r = judged(&h);
        assert_eq!(r.aggregates[0].what, "never written, though its inputs make it");
        // The part before a merge left standing: no tombstone came.
        h.outputs.push(session(3, "cat", 0, 500, Some(2)));
        h.outputs.push(session(4, "cat", 0, 1500, Some(3)));
        let r = judged(&h);
        assert_eq!((r.verdict, r.aggregates.len(), r.aggregates[0].key.as_str()), (Verdict::Fail, 1, "[cat@0/500]"));
        assert_eq!(r.aggregates[0].what, "written, but the inputs make no such session");
        h.caught_up = Some(false);
        assert_eq!(judged(&h).verdict, Verdict::Unknown, "the app behind may still tombstone it");
    }

    #[test]
    fn an_unacknowledged_input_may_bridge_two_sessions_or_not() {
        let bridged = vec![session(0, "cat", 0, 4000, Some(5)), session(1, "dog", 800, 800, Some(1))];
        let mut h = history(bridged.clone());
        h.inputs.push(input(9, "cat", 2800, false));
        assert_eq!(judged(&h).verdict, Verdict::Pass, "{}", judged(&h).summary);
        let apart = vec![session(0, "cat", 0, 1500, Some(3)), session(1, "dog", 800, 800, Some(1)), session(2, "cat", 4000, 4000, Some(1))];
        h.outputs = apart;
        assert_eq!(judged(&h).verdict, Verdict::Pass);
        // Counted past every input in its span, written or not.
        h.outputs = vec![session(0, "cat", 0, 4000, Some(7)), session(1, "dog", 800, 800, Some(1))];
        assert_eq!(judged(&h).verdict, Verdict::Fail);
        // Two sessions within the gap of each other should have merged.
        h.outputs = vec![session(0, "cat", 0, 1500, Some(3)), session(1, "cat", 2000, 4000, Some(2)), session(2, "dog", 800, 800, Some(1))];
        let r = judged(&h);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.aggregates[0].what.starts_with("within the gap"), "{:?}", r.aggregates);
        let _ = bridged;
    }

    #[test]
    fn a_record_whose_session_closed_is_dropped() {
        // Grace 0: stream time 4000 closes sessions ending before 3000.
        let mut h = history(vec![session(0, "cat", 0, 1500, Some(3)), session(1, "dog", 800, 800, Some(1)), session(2, "cat", 4000, 4000, Some(1))]);
        h.run.checker.grace_millis = Some(0);
        h.inputs.push(input(5, "dog", 1200, true));
        let r = judged(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("1 acknowledged inputs arrived after their session closed"), "{}", r.summary);
    }

    #[test]
    fn keys_that_name_no_session_are_unknown() {
        let r = judged(&history(vec![Output { partition: 0, offset: 0, key: Some("cat@0".into()), value: None, value_hex: None, ids: Vec::new() }]));
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("key_format = \"session\""), "{}", r.summary);
        let covers = |output_key: &str, key: &str, ts: i64| super::super::CountedIn::Covering(ts).is_named_by(output_key, key);
        assert!(covers("[cat@0/1500]", "cat", 1500) && !covers("[cat@0/1500]", "cat", 1501) && !covers("[cat@0/1500]", "dog", 10));
    }
}
