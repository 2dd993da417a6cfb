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
//!
//! Suppressed until they close (`suppress(untilWindowCloses(...))`, the
//! default `suppressed`), sessions are emitted by the suppression buffer
//! of kafka-streams-4.4.0 (`KTableSuppressProcessor`, read with `javap`):
//! a session is held until stream time less the grace and the gap reaches
//! its end, then written once; tombstones of merged sessions are dropped.
//! So every session the inputs make that stream time closed must be
//! written, its last copy with its count, and none that had not closed.
//! A closed session can still grow: a record within the gap of its end,
//! not yet late, merges into it after it was written. So a session written
//! that the inputs' final sessions do not name is allowed when it could
//! have closed and lies inside a final session, with at most the inputs it
//! spans.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::records::unknown;
use super::values;
use super::windows::window_of;
use super::{AggregateMismatch, History, Output, PropertyResult, Verdict};

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

/// The sessions the acknowledged inputs make, and what judging them needs.
struct Made<'h> {
    /// Each key's sessions at the end.
    expected: BTreeMap<&'h str, Vec<Session>>,
    /// Each key's accepted inputs' event times.
    accepted: BTreeMap<&'h str, Vec<i64>>,
    /// Each key's unacknowledged inputs' event times.
    maybe: BTreeMap<&'h str, Vec<i64>>,
    /// The stream time each partition's inputs reached, and the partition
    /// of each key.
    stream_time: HashMap<i32, i64>,
    partition: HashMap<&'h str, i32>,
    late: usize,
}

fn made(history: &History, gap: i64, grace: i64) -> Made<'_> {
    let mut acked: Vec<_> = history.inputs.iter().filter(|i| i.acked).collect();
    acked.sort_by_key(|i| (i.partition, i.offset));
    let mut m = Made {
        expected: BTreeMap::new(),
        accepted: BTreeMap::new(),
        maybe: BTreeMap::new(),
        stream_time: HashMap::new(),
        partition: HashMap::new(),
        late: 0,
    };
    for input in acked {
        let ts = input.timestamp_ms.unwrap_or_default();
        let partition = input.partition.unwrap_or(-1);
        m.partition.insert(input.key.as_str(), partition);
        let seen = m.stream_time.entry(partition).or_insert(i64::MIN);
        *seen = (*seen).max(ts);
        let close = seen.saturating_sub(grace).saturating_sub(gap);
        let sessions = m.expected.entry(input.key.as_str()).or_default();
        let near = |s: &Session| s.end >= ts.saturating_sub(gap) && s.start <= ts.saturating_add(gap);
        let merged = sessions.iter().filter(|s| near(s)).fold(Session { start: ts, end: ts, count: 1 }, |m, s| Session {
            start: m.start.min(s.start),
            end: m.end.max(s.end),
            count: m.count + s.count,
        });
        if merged.end < close {
            m.late += 1;
            continue;
        }
        sessions.retain(|s| !near(s));
        sessions.push(merged);
        m.accepted.entry(input.key.as_str()).or_default().push(ts);
    }
    for input in history.inputs.iter().filter(|i| !i.acked) {
        m.maybe.entry(input.key.as_str()).or_default().push(input.timestamp_ms.unwrap_or_default());
    }
    m
}

pub fn check(history: &History, mut r: PropertyResult, gap: i64, grace: i64) -> PropertyResult {
    if !history.inputs.iter().any(|i| i.acked) {
        r.vacuous = true;
        r.summary = "no input was acknowledged: no session to check".into();
        return r;
    }
    if history.run.checker.suppressed != Some(false) {
        return final_sessions(history, r, gap, grace);
    }
    let Made { expected, accepted, maybe, late, .. } = made(history, gap, grace);

    // What the output says last of each session: a count, or None for a
    // tombstone.
    let emitted = match emissions(history) {
        Ok(e) => e,
        Err(why) => return unknown(r, why),
    };
    let last: BTreeMap<(&str, i64, i64), Option<u64>> = emitted.into_iter().map(|(k, s, e, count, _)| ((k, s, e), count)).collect();
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

/// One output read as a session: key, start, end, count (`None`: a
/// tombstone), and the output; in the order they were written.
type Emission<'h> = (&'h str, i64, i64, Option<u64>, &'h Output);

fn emissions(history: &History) -> Result<Vec<Emission<'_>>, String> {
    let format = history.run.value_format;
    let mut outputs: Vec<&Output> = history.outputs.iter().collect();
    outputs.sort_by_key(|o| (o.partition, o.offset));
    outputs
        .into_iter()
        .map(|o| {
            let Some((key, start, Some(end))) = o.key.as_deref().and_then(window_of) else {
                return Err(format!(
                    "output {}@{} has the key {:?}, not a session [<key>@<start>/<end>] (Windowed.toString()): window-counts reads \
                     sessions keyed that way, or written with Kafka Streams' WindowedSerdes.sessionWindowedSerdeFrom(String.class) \
                     when [pipeline] key_format = \"session\"",
                    o.partition, o.offset, o.key.as_deref().unwrap_or_default()
                ));
            };
            let count = match values::count(format, o.value.as_deref(), o.value_hex.as_deref()) {
                Some(Ok(count)) => Some(count),
                Some(Err(e)) => return Err(format!("cannot read the count of output {}@{}: {e}", o.partition, o.offset)),
                None => None,
            };
            Ok((key, start, end, count, o))
        })
        .collect()
}

/// Sessions suppressed until they close: each closed one written, its
/// last copy with its count; none before it closed; a part of a final
/// session only where it could have closed before it grew.
fn final_sessions(history: &History, mut r: PropertyResult, gap: i64, grace: i64) -> PropertyResult {
    let m = made(history, gap, grace);
    let emitted = match emissions(history) {
        Ok(e) => e,
        Err(why) => return unknown(r, why),
    };
    // Stream time as the acknowledged inputs take it (what must have
    // closed), and as far as an unacknowledged one may (what may have).
    let maybe_latest = m.maybe.values().flatten().copied().max().unwrap_or(i64::MIN);
    let closing = |key: &str, unsure: bool| {
        let st = m.partition.get(key).and_then(|p| m.stream_time.get(p)).copied().unwrap_or(i64::MIN);
        let st = if unsure { st.max(maybe_latest) } else { st };
        st.saturating_sub(grace).saturating_sub(gap)
    };
    let mut by_session: BTreeMap<(&str, i64, i64), Vec<Option<u64>>> = BTreeMap::new();
    for (key, start, end, count, _) in &emitted {
        by_session.entry((*key, *start, *end)).or_default().push(*count);
    }
    let none = Vec::new();
    let (mut closed, mut open) = (0, 0);
    let mut wrong = |key: &str, start: i64, end: i64, what: String, low: u64, high: u64, observed: Option<u64>| {
        r.aggregates.push(AggregateMismatch::count(format!("[{key}@{start}/{end}]"), what, low, high, observed));
    };
    for (key, sessions) in &m.expected {
        let unsure = m.maybe.contains_key(key);
        let (must, may) = (closing(key, false), closing(key, true));
        for s in sessions {
            let copies = by_session.get(&(*key, s.start, s.end)).unwrap_or(&none);
            let inside = m.maybe.get(key).map_or(0, |ts| ts.iter().filter(|t| s.covers(**t)).count() as u64);
            let (low, high) = (s.count, s.count + inside);
            match copies.last() {
                _ if s.end > may && !copies.is_empty() => {
                    wrong(key, s.start, s.end, format!("written before it closed (stream time less grace and gap reached {may})"), low, high, copies[0])
                }
                None if s.end <= must && !unsure => wrong(key, s.start, s.end, "closed, never written".into(), low, high, None),
                Some(None) => wrong(key, s.start, s.end, "written as a tombstone, which a suppression drops".into(), low, high, None),
                Some(Some(c)) if !(low..=high).contains(c) => wrong(key, s.start, s.end, "count when it closed".into(), low, high, Some(*c)),
                Some(_) if copies.windows(2).any(|w| w[0] >= w[1]) => {
                    wrong(key, s.start, s.end, format!("written {} times", copies.len()), low, high, copies.last().copied().flatten())
                }
                _ => {}
            }
            if s.end <= must { closed += 1 } else { open += 1 }
        }
    }
    // Sessions written that the inputs' final sessions do not name.
    for (&(key, start, end), copies) in &by_session {
        let finals = m.expected.get(key).map(Vec::as_slice).unwrap_or_default();
        if finals.iter().any(|s| (s.start, s.end) == (start, end)) {
            continue;
        }
        let part = Session { start, end, count: 0 };
        let spans = |ts: &[i64]| ts.iter().filter(|t| part.covers(**t)).count() as u64;
        let high = m.accepted.get(key).map_or(0, |ts| spans(ts)) + m.maybe.get(key).map_or(0, |ts| spans(ts));
        let within = finals.iter().any(|s| s.start <= start && end <= s.end);
        let observed = copies.last().copied().flatten();
        if !within || end > closing(key, true) || copies.len() > 1 || !observed.is_some_and(|c| (1..=high).contains(&c)) {
            wrong(key, start, end, "written, but the inputs make no such closed session, nor a part of one that closed before it grew".into(), 1, high, observed);
        }
    }
    let late_note = if m.late > 0 { format!("; {} acknowledged inputs arrived after their session closed (dropped)", m.late) } else { String::new() };
    if r.aggregates.is_empty() {
        r.summary = format!("every one of {closed} closed sessions was written once, when it closed, with its count; {open} still open{late_note}");
        return r;
    }
    r.verdict = if r.aggregates.iter().all(|a| a.what == "closed, never written") { history.missing_verdict() } else { Verdict::Fail };
    r.summary = format!("{} sessions written wrong or missing ({closed} closed, {open} open){late_note}", r.aggregates.len());
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
        Output { topic: String::new(), partition: 0, offset, key: Some(format!("[{key}@{start}/{end}]")), value, value_hex, ids: Vec::new() }
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

    /// Stream time 4000, gap 1000, no grace: cat's 0..1500 and dog's
    /// 800 have closed, cat's 4000 has not.
    fn suppressed(outputs: Vec<Output>) -> History {
        let mut h = history(outputs);
        h.run.checker.suppressed = None;
        h
    }

    #[test]
    fn a_suppressed_session_is_written_once_when_it_closes_and_never_before() {
        let good = vec![session(0, "cat", 0, 1500, Some(3)), session(1, "dog", 800, 800, Some(1))];
        let r = judged(&suppressed(good.clone()));
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("every one of 2 closed sessions was written once") && r.summary.contains("1 still open"), "{}", r.summary);
        let what = |outputs: Vec<Output>| judged(&suppressed(outputs)).aggregates.iter().map(|a| (a.key.clone(), a.what.clone())).collect::<Vec<_>>();
        let early = what([good.clone(), vec![session(2, "cat", 4000, 4000, Some(1))]].concat());
        assert!(early[0].1.starts_with("written before it closed"), "{early:?}");
        assert_eq!(what(good[..1].to_vec()), [("[dog@800/800]".to_string(), "closed, never written".to_string())]);
        assert_eq!(what([good.clone(), vec![session(2, "dog", 800, 800, Some(1))]].concat())[0].1, "written 2 times");
        assert_eq!(what(vec![session(0, "cat", 0, 1500, None), good[1].clone()])[0].1, "written as a tombstone, which a suppression drops");
        let mut behind = suppressed(good[..1].to_vec());
        behind.caught_up = Some(false);
        assert_eq!(judged(&behind).verdict, Verdict::Unknown, "not written yet, and the app behind");
    }

    #[test]
    fn a_suppressed_session_that_closed_and_then_grew_may_stand_beside_the_larger_one() {
        // cat 0..500 could have closed (500 <= 3000) before 1500 joined it.
        let grown = vec![session(0, "cat", 0, 500, Some(2)), session(1, "cat", 0, 1500, Some(3)), session(2, "dog", 800, 800, Some(1))];
        assert_eq!(judged(&suppressed(grown.clone())).verdict, Verdict::Pass, "{}", judged(&suppressed(grown)).summary);
        let counted_past = vec![session(0, "cat", 0, 500, Some(3)), session(1, "cat", 0, 1500, Some(3)), session(2, "dog", 800, 800, Some(1))];
        assert_eq!(judged(&suppressed(counted_past)).verdict, Verdict::Fail);
        let nowhere = vec![session(0, "cat", 2000, 2500, Some(1)), session(1, "cat", 0, 1500, Some(3)), session(2, "dog", 800, 800, Some(1))];
        assert_eq!(judged(&suppressed(nowhere)).verdict, Verdict::Fail);
    }

    #[test]
    fn keys_that_name_no_session_are_unknown() {
        let r = judged(&history(vec![Output { topic: String::new(), partition: 0, offset: 0, key: Some("cat@0".into()), value: None, value_hex: None, ids: Vec::new() }]));
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("key_format = \"session\""), "{}", r.summary);
        let covers = |output_key: &str, key: &str, ts: i64| super::super::CountedIn::Covering(ts).is_named_by(output_key, key);
        assert!(covers("[cat@0/1500]", "cat", 1500) && !covers("[cat@0/1500]", "cat", 1501) && !covers("[cat@0/1500]", "dog", 10));
    }
}
