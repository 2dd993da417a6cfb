//! `table-join` and `stream-join`: joins checked from what the workload
//! wrote to both sides, never from the app.
//!
//! A stream–table join writes each stream record with the table row its
//! key had when the record was processed. Kafka Streams processes the two
//! topics in timestamp order as far as it can see them, but only as far as
//! it can (timestamp synchronization is best effort), so the row a record
//! meets is fixed above only: never a row written after the record (that
//! one comes from the future, as when a crash makes an old record be
//! processed again), and with an inner join, a record whose key had a row
//! written a whole [`SETTLED_MILLIS`] earlier must be written. A row older
//! than the newest one before the record is allowed and counted: an honest
//! "ambiguous", not a failure. A GlobalKTable is read by a thread of its
//! own, not synchronized with the stream by time at all, so there a row
//! written after the record is allowed too, and counted.
//!
//! A windowed stream–stream join writes every pair of one key whose
//! timestamps are within the window, once each, and no other pair; the
//! pair at exactly the window's edge may go either way. Both sides' values
//! must tell records apart, since an output names its pair by them.
//!
//! A left (outer) stream–stream join also writes a left (either side's)
//! record that met no partner, alone, once. Kafka Streams writes it only
//! after stream time has passed the record's window and grace, looking at
//! most once a second of wall-clock time and only as a later record
//! arrives, so at the end of a run the last ones may never come: a record
//! written alone must have had no partner, once; one not written is not
//! required, and is counted.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::join_output;
use super::records::{self, by_id, unknown};
use super::{Duplicate, History, Input, Output, PropertyResult, RecordRef, Verdict, WrongOutput};
use crate::scenario::Property;

/// How long before a stream record a table row must have been written for
/// an inner join to be sure to meet it: a step of the workload.
pub const SETTLED_MILLIS: i64 = 1000;

/// The sides `a` and `b` an output names (either may be null): as the
/// run's `join_output` template writes them, else the two string (or null)
/// fields of a JSON object. `known(side, value)` says whether the workload
/// wrote that value on that side.
pub(super) fn fields(history: &History, o: &Output, a: &str, b: &str, known: &dyn Fn(&str, &str) -> bool) -> Result<join_output::Sides, String> {
    if let Some(template) = history.run.checker.join_output.as_deref() {
        return o.value.as_deref().and_then(|v| join_output::read(template, a, b, v, known)).ok_or_else(|| {
            format!(
                "output {}@{} has the value {:?}, not the shape of [checker] join_output = {template:?}: is this the join's output?",
                o.partition, o.offset, o.value.as_deref().unwrap_or_default()
            )
        });
    }
    let parsed: Option<serde_json::Value> = o.value.as_deref().and_then(|v| serde_json::from_str(v).ok());
    let side = |v: &serde_json::Value, f: &str| match v.get(f)? {
        serde_json::Value::Null => Some(None),
        serde_json::Value::String(s) => Some(Some(s.clone())),
        _ => None,
    };
    match parsed.as_ref().and_then(|v| Some((side(v, a)?, side(v, b)?))) {
        Some(sides) => Ok(sides),
        None => Err(format!(
            "output {}@{} has the value {:?}, not a JSON object {{\"{a}\": \"...\", \"{b}\": \"...\"}}: is this the join's output? \
             If your joiner writes it otherwise, set [checker] join_output to its shape, e.g. \"{{{a}}} for {{{b}}}\"",
            o.partition, o.offset, o.value.as_deref().unwrap_or_default()
        )),
    }
}

pub fn table(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::TableJoin);
    let left = history.run.checker.left_join == Some(true);
    let global = history.run.checker.global_table == Some(true);
    if let Some(i) = history.inputs.iter().chain(&history.side_inputs).find(|i| i.timestamp_ms.is_none()) {
        return unknown(r, format!("input {} has no event time in the trace (written by an older ldfi): the rows it met cannot be told", i.id));
    }
    if !history.inputs.iter().any(|i| i.acked) {
        r.vacuous = true;
        r.summary = "no stream record was acknowledged: nothing to join".into();
        return r;
    }
    let copies = match by_id(history, "table-join") {
        Ok(copies) => copies,
        Err(why) => return unknown(r, why),
    };
    let ts = |i: &Input| i.timestamp_ms.unwrap_or_default();
    let mut rows: HashMap<&str, Vec<&Input>> = HashMap::new();
    for row in &history.side_inputs {
        rows.entry(row.key.as_str()).or_default().push(row);
    }
    for versions in rows.values_mut() {
        versions.sort_by_key(|v| (ts(v), v.offset));
    }
    let values: HashSet<&str> = history.inputs.iter().map(|i| i.value.as_str()).collect();
    let row_values: HashSet<&str> = history.side_inputs.iter().map(|i| i.value.as_str()).collect();
    let known = |side: &str, v: &str| if side == "value" { values.contains(v) } else { row_values.contains(v) };
    let mut stale = 0;
    let mut later = 0;
    let mut joined = 0;
    for s in history.inputs.iter().filter(|i| i.acked) {
        let versions = rows.get(s.key.as_str()).map(Vec::as_slice).unwrap_or_default();
        let older: Vec<&Input> = versions.iter().copied().filter(|v| ts(v) < ts(s)).collect();
        let newest = older.iter().rposition(|v| v.acked);
        // The newest acknowledged row before the record, and any row after
        // it that may have been written: what the record may meet.
        let allowed: Vec<&str> = older[newest.unwrap_or(0)..].iter().map(|v| v.value.as_str()).collect();
        let superseded: Vec<&str> = older[..newest.unwrap_or(0)].iter().map(|v| v.value.as_str()).collect();
        let settled = newest.is_some_and(|n| ts(older[n]) <= ts(s) - SETTLED_MILLIS);
        let outs = copies.get(s.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        if outs.len() > 1 {
            r.duplicated.push(Duplicate { id: s.id.clone(), outputs: outs.iter().map(|o| (o.partition, o.offset)).collect(), topics: Vec::new() });
        }
        if outs.is_empty() && (left || settled) {
            r.lost.push(RecordRef { id: s.id.clone(), key: s.key.clone(), partition: s.partition, offset: s.offset, topic: None });
        }
        for o in outs {
            let (value, table) = match fields(history, o, "value", "table", &known) {
                Ok(f) => f,
                Err(why) => return unknown(r, why),
            };
            joined += 1;
            if value.as_deref() != Some(s.value.as_str()) {
                let value = value.as_deref().unwrap_or("null");
                r.wrong.push(WrongOutput::at(o, &s.id, format!("carries the value {value:?}, its stream record's is {:?}", s.value)));
            }
            match table.as_deref() {
                None if !left => r.wrong.push(WrongOutput::at(o, &s.id, "a null table row in an inner join".into())),
                None if newest.is_some() => stale += 1,
                None => {}
                Some(t) if allowed.contains(&t) => {}
                Some(t) if superseded.contains(&t) => stale += 1,
                Some(t) if global && versions.iter().any(|v| v.value == t) => later += 1,
                Some(t) if versions.iter().any(|v| v.value == t && ts(v) >= ts(s)) => r.wrong.push(WrongOutput::at(
                    o,
                    &s.id,
                    format!("met the row {t:?} of key {:?}, written after the record (from the future)", s.key),
                )),
                Some(t) => r.wrong.push(WrongOutput::at(o, &s.id, format!("met {t:?}, which is no row of key {:?}", s.key))),
            }
        }
    }
    r.lost.sort_by_key(|l| (l.partition, l.offset));
    r.verdict = records::verdict(history, !r.wrong.is_empty() || !r.duplicated.is_empty(), !r.lost.is_empty());
    let mut stale_note = match stale {
        0 => String::new(),
        n => format!("; {n} met a row older than the newest before them (allowed: Streams synchronizes the two sides by timestamp only as far as it has fetched them)"),
    };
    if global {
        stale_note += &format!("; {later} met a row written after them (allowed: a global table is read by its own thread, not in step with the stream)");
    }
    r.summary = if r.verdict == Verdict::Pass {
        format!("{joined} joined outputs, each from one stream record with a row it could meet{stale_note}")
    } else {
        format!(
            "{} stream records missing, {} written more than once, {} outputs wrong{stale_note}",
            r.lost.len(),
            r.duplicated.len(),
            r.wrong.len()
        )
    };
    r
}

/// Which records of a join's sides may be written without the other
/// side: none (inner), the left one's (left), either (outer).
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Lonely {
    Never,
    Left,
    Both,
}

impl Lonely {
    /// As the run's `[checker] left_join` and `outer_join` say.
    pub(super) fn of(history: &History) -> Lonely {
        match (history.run.checker.outer_join, history.run.checker.left_join) {
            (Some(true), _) => Lonely::Both,
            (_, Some(true)) => Lonely::Left,
            _ => Lonely::Never,
        }
    }

    /// Why output `o`, with the sides `(left, right)` present or not,
    /// cannot come from a join of this kind, naming the field to set;
    /// `None` when it can (or names neither side, which no join writes).
    pub(super) fn refuses<L, R>(self, o: &Output, sides: (&Option<L>, &Option<R>)) -> Option<String> {
        let at = format!("output {}@{}", o.partition, o.offset);
        match sides {
            (Some(_), None) if self == Lonely::Never => Some(format!(
                "{at} has a null right side, which an inner join never writes: for an app's leftJoin set [checker] left_join = true, for its outerJoin outer_join = true"
            )),
            (None, Some(_)) if self != Lonely::Both => Some(format!(
                "{at} has a null left side, which only an outer join writes: for an app's outerJoin set [checker] outer_join = true"
            )),
            _ => None,
        }
    }
}

pub fn streams(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::StreamJoin);
    let Some(window) = history.run.checker.join_window_millis.and_then(|w| i64::try_from(w).ok()) else {
        return unknown(r, "the run names no join window: set [checker] join_window_millis".into());
    };
    if let Some(i) = history.inputs.iter().chain(&history.side_inputs).find(|i| i.timestamp_ms.is_none()) {
        return unknown(r, format!("input {} has no event time in the trace (written by an older ldfi): pairs cannot be told", i.id));
    }
    let lonely_kind = Lonely::of(history);
    let index = |side: &'_ [Input]| -> Result<HashMap<String, usize>, String> {
        let mut at = HashMap::new();
        for (n, i) in side.iter().enumerate() {
            if at.insert(i.value.clone(), n).is_some() {
                return Err(format!("two inputs have the value {:?}: stream-join names each output's pair by their values (set [workload] words = [])", i.value));
            }
        }
        Ok(at)
    };
    let (lefts, rights) = match (index(&history.inputs), index(&history.side_inputs)) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(why), _) | (_, Err(why)) => return unknown(r, why),
    };
    let ts = |i: &Input| i.timestamp_ms.unwrap_or_default();
    let known = |side: &str, v: &str| if side == "left" { lefts.contains_key(v) } else { rights.contains_key(v) };
    let mut written: BTreeMap<(usize, usize), Vec<&Output>> = BTreeMap::new();
    // Outputs of one record alone, by side (false: left) and index.
    let mut alone: BTreeMap<(bool, usize), Vec<&Output>> = BTreeMap::new();
    for o in &history.outputs {
        let sides = match fields(history, o, "left", "right", &known) {
            Ok(sides) => sides,
            Err(why) => return unknown(r, why),
        };
        if let Some(why) = lonely_kind.refuses(o, (&sides.0, &sides.1)) {
            return unknown(r, why);
        }
        let (l, rv) = match sides {
            (Some(l), Some(rv)) => (l, rv),
            (None, None) => {
                r.wrong.push(WrongOutput::at(o, "", "names neither side of a pair".into()));
                continue;
            }
            (one, other) => {
                let right = one.is_none();
                let value = one.or(other).unwrap_or_default();
                match (if right { &rights } else { &lefts }).get(&value) {
                    Some(&n) => alone.entry((right, n)).or_default().push(o),
                    None => r.wrong.push(WrongOutput::at(o, "", format!("names {value:?} alone, not written by the workload on that side"))),
                }
                continue;
            }
        };
        let (Some(&li), Some(&ri)) = (lefts.get(&l), rights.get(&rv)) else {
            r.wrong.push(WrongOutput::at(o, "", format!("pairs {l:?} and {rv:?}, not both written by the workload")));
            continue;
        };
        let (a, b) = (&history.inputs[li], &history.side_inputs[ri]);
        if a.key != b.key || (ts(a) - ts(b)).abs() > window {
            r.wrong.push(WrongOutput::at(o, &a.id, format!("pairs {} (key {:?}) with {} (key {:?}), {} ms apart: not a pair of the join",
                a.id, a.key, b.id, b.key, (ts(a) - ts(b)).abs())));
            continue;
        }
        written.entry((li, ri)).or_default().push(o);
    }
    let mut pairs = 0;
    for (li, a) in history.inputs.iter().enumerate().filter(|(_, i)| i.acked) {
        for (ri, b) in history.side_inputs.iter().enumerate().filter(|(_, i)| i.acked && i.key == a.key) {
            if (ts(a) - ts(b)).abs() >= window {
                continue;
            }
            pairs += 1;
            if !written.contains_key(&(li, ri)) {
                r.lost.push(RecordRef { id: format!("{}+{}", a.id, b.id), key: a.key.clone(), partition: a.partition, offset: a.offset, topic: None });
            }
        }
    }
    for ((li, ri), outs) in &written {
        if outs.len() > 1 {
            let id = format!("{}+{}", history.inputs[*li].id, history.side_inputs[*ri].id);
            r.duplicated.push(Duplicate { id, outputs: outs.iter().map(|o| (o.partition, o.offset)).collect(), topics: Vec::new() });
        }
    }
    let (written_alone, not_written) = lonely(history, &mut r, &alone, lonely_kind, window);
    if pairs == 0 && written.is_empty() && alone.is_empty() && r.wrong.is_empty() {
        r.vacuous = true;
        r.summary = "no two acknowledged records of one key fell within the window: nothing to join".into();
        return r;
    }
    r.verdict = records::verdict(history, !r.wrong.is_empty() || !r.duplicated.is_empty(), !r.lost.is_empty());
    let alone_note = match lonely_kind {
        Lonely::Never => String::new(),
        _ => format!(
            "; {written_alone} records without a partner written alone, {not_written} not (not required: Streams writes one only once \
             later records pass its window and grace, at most once a second)"
        ),
    };
    r.summary = if r.verdict == Verdict::Pass {
        format!("every one of {pairs} pairs within {window} ms was written once, and no other{alone_note}")
    } else {
        format!(
            "of {pairs} pairs, {} missing and {} written more than once; {} outputs wrong{alone_note}",
            r.lost.len(),
            r.duplicated.len(),
            r.wrong.len()
        )
    };
    r
}

/// Judges the records a left or outer join wrote alone: each at most
/// once, and only a record with no acknowledged partner strictly within
/// the window (one at its edge, or one whose write ended without an
/// answer, may or may not have met it). Returns how many acknowledged
/// records without a partner were written alone and how many were not.
fn lonely(history: &History, r: &mut PropertyResult, alone: &BTreeMap<(bool, usize), Vec<&Output>>, kind: Lonely, window: i64) -> (usize, usize) {
    let ts = |i: &Input| i.timestamp_ms.unwrap_or_default();
    let sides: &[(bool, &[Input], &[Input])] = match kind {
        Lonely::Never => &[],
        Lonely::Left => &[(false, &history.inputs, &history.side_inputs)],
        Lonely::Both => &[(false, &history.inputs, &history.side_inputs), (true, &history.side_inputs, &history.inputs)],
    };
    let (mut written, mut not_written) = (0, 0);
    for &(right, these, others) in sides {
        for (n, record) in these.iter().enumerate() {
            let outs = alone.get(&(right, n)).map(Vec::as_slice).unwrap_or_default();
            let near = |o: &&Input| o.key == record.key && (ts(o) - ts(record)).abs() <= window;
            let partner = others.iter().filter(near).find(|o| o.acked && (ts(o) - ts(record)).abs() < window);
            if outs.len() > 1 {
                r.duplicated.push(Duplicate { id: format!("{} alone", record.id), outputs: outs.iter().map(|o| (o.partition, o.offset)).collect(), topics: Vec::new() });
            }
            match (outs.first(), partner) {
                (Some(o), Some(p)) => r.wrong.push(WrongOutput::at(o, &record.id, format!(
                    "written alone, though {} (key {:?}, {} ms apart) is its partner within the window",
                    p.id, p.key, (ts(p) - ts(record)).abs()
                ))),
                (Some(_), None) => written += usize::from(record.acked),
                (None, None) if record.acked && !others.iter().any(|o| near(&o)) => not_written += 1,
                (None, _) => {}
            }
        }
    }
    (written, not_written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Expectations;

    fn input(id: &str, key: &str, value: &str, ts: i64, acked: bool) -> Input {
        Input {
            topic: String::new(),
            id: id.into(),
            key: key.into(),
            value: value.into(),
            partition: acked.then_some(0),
            offset: acked.then_some(ts),
            step: Some(0),
            acked,
            error: (!acked).then(|| "timed out".into()),
            timestamp_ms: Some(ts),
        }
    }

    fn out(offset: i64, value: &str, id: &str) -> Output {
        Output { topic: String::new(), partition: 0, offset, key: None, value: Some(value.into()), value_hex: None, ids: vec![id.into()] }
    }

    fn joined(offset: i64, value: &str, table: &str, id: &str) -> Output {
        out(offset, &format!("{{\"value\":\"{value}\",\"table\":\"{table}\"}}"), id)
    }

    /// Rows of k1: alice at 0, bob at 5000; stream records of k1 at 3000
    /// and 6000 (in-2 only 1000 ms after bob), and k2 with no row.
    fn enrich(outputs: Vec<Output>) -> History {
        History {
            inputs: vec![input("in-1", "k1", "10", 3000, true), input("in-2", "k1", "20", 6000, true), input("in-3", "k2", "30", 3000, true)],
            side_inputs: vec![input("side-0", "k1", "alice", 0, true), input("side-1", "k1", "bob", 5000, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        }
    }

    #[test]
    fn a_stream_record_meets_the_newest_row_before_it_or_an_older_one_never_a_later_one() {
        let good = enrich(vec![joined(0, "10", "alice", "in-1"), joined(1, "20", "bob", "in-2")]);
        assert_eq!(table(&good).verdict, Verdict::Pass, "{}", table(&good).summary);
        let stale = enrich(vec![joined(0, "10", "alice", "in-1"), joined(1, "20", "alice", "in-2")]);
        let r = table(&stale);
        assert_eq!(r.verdict, Verdict::Pass);
        assert!(r.summary.contains("1 met a row older"), "{}", r.summary);
        let future = enrich(vec![joined(0, "10", "bob", "in-1"), joined(1, "20", "bob", "in-2")]);
        let r = table(&future);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.wrong[0].why.contains("from the future"), "{:?}", r.wrong);
    }

    #[test]
    fn a_global_table_may_give_a_record_a_row_written_after_it_but_only_a_row_of_its_key() {
        let mut h = enrich(vec![joined(0, "10", "bob", "in-1"), joined(1, "20", "bob", "in-2")]);
        h.run.checker.global_table = Some(true);
        let r = table(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("1 met a row written after them"), "{}", r.summary);
        h.outputs[0] = joined(0, "10", "carol", "in-1");
        assert!(table(&h).wrong[0].why.contains("no row of key"), "{:?}", table(&h).wrong);
        // Still an inner join: a record whose row had settled is written.
        h.outputs.remove(0);
        assert_eq!(table(&h).lost[0].id, "in-1");
    }

    #[test]
    fn a_record_whose_row_had_settled_must_be_joined_once_with_its_own_value() {
        let r = table(&enrich(vec![joined(1, "20", "bob", "in-2")]));
        assert_eq!((r.verdict, r.lost.iter().map(|l| l.id.as_str()).collect::<Vec<_>>()), (Verdict::Fail, vec!["in-1"]));
        let twice = table(&enrich(vec![joined(0, "10", "alice", "in-1"), joined(1, "10", "alice", "in-1"), joined(2, "20", "bob", "in-2")]));
        assert_eq!(twice.duplicated[0].id, "in-1");
        let r = table(&enrich(vec![joined(0, "11", "alice", "in-1"), joined(1, "20", "bob", "in-2")]));
        assert!(r.wrong[0].why.contains("its stream record's is \"10\""), "{:?}", r.wrong);
    }

    #[test]
    fn a_left_join_writes_every_record_with_a_null_row_where_none_was_written() {
        let mut h = enrich(vec![joined(0, "10", "alice", "in-1"), joined(1, "20", "bob", "in-2")]);
        h.run.checker = Expectations { left_join: Some(true), ..Expectations::default() };
        assert_eq!(table(&h).lost.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["in-3"]);
        h.outputs.push(out(2, "{\"value\":\"30\",\"table\":null}", "in-3"));
        assert_eq!(table(&h).verdict, Verdict::Pass, "{}", table(&h).summary);
        h.run.checker.left_join = None;
        assert!(table(&h).wrong[0].why.contains("null table row in an inner join"));
    }

    fn pair(offset: i64, left: &str, right: &str) -> Output {
        out(offset, &format!("{{\"left\":\"{left}\",\"right\":\"{right}\"}}"), "in-0")
    }

    /// Window 2000 ms: v0 (k1, 1000) pairs with side-0 (k1, 0), not with
    /// side-1 (k1, 5000); v1 (k2, 1000) has no partner.
    fn stream_join(outputs: Vec<Output>) -> History {
        let mut h = History {
            inputs: vec![input("in-0", "k1", "v0", 1000, true), input("in-1", "k2", "v1", 1000, true)],
            side_inputs: vec![input("side-0", "k1", "side-0", 0, true), input("side-1", "k1", "side-1", 5000, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        };
        h.run.checker = Expectations { join_window_millis: Some(2000), ..Expectations::default() };
        h
    }

    #[test]
    fn every_pair_within_the_window_once_and_no_other() {
        assert_eq!(streams(&stream_join(vec![pair(0, "v0", "side-0")])).verdict, Verdict::Pass);
        let r = streams(&stream_join(vec![]));
        assert_eq!((r.verdict, r.lost[0].id.as_str()), (Verdict::Fail, "in-0+side-0"));
        let r = streams(&stream_join(vec![pair(0, "v0", "side-0"), pair(1, "v0", "side-0")]));
        assert_eq!(r.duplicated[0].id, "in-0+side-0");
        let r = streams(&stream_join(vec![pair(0, "v0", "side-0"), pair(1, "v0", "side-1")]));
        assert!(r.wrong[0].why.contains("4000 ms apart"), "{:?}", r.wrong);
    }

    fn pair_json(offset: i64, left: Option<&str>, right: Option<&str>) -> Output {
        let side = |v: Option<&str>| v.map_or("null".to_string(), |v| format!("\"{v}\""));
        out(offset, &format!("{{\"left\":{},\"right\":{}}}", side(left), side(right)), "in-0")
    }

    #[test]
    fn a_left_join_writes_a_record_without_a_partner_alone_at_most_once_and_never_one_with_a_partner() {
        let mut h = stream_join(vec![pair(0, "v0", "side-0"), pair_json(1, Some("v1"), None)]);
        let r = streams(&h);
        assert_eq!(r.verdict, Verdict::Unknown, "an inner join never writes a null side");
        assert!(r.summary.contains("left_join = true"), "{}", r.summary);
        h.run.checker.left_join = Some(true);
        let r = streams(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("1 records without a partner written alone, 0 not"), "{}", r.summary);
        // Not written: allowed, counted.
        h.outputs.pop();
        assert!(streams(&h).summary.contains("0 records without a partner written alone, 1 not"), "{}", streams(&h).summary);
        h.outputs.extend([pair_json(1, Some("v1"), None), pair_json(2, Some("v1"), None)]);
        assert_eq!(streams(&h).duplicated[0].id, "in-1 alone");
        h.outputs = vec![pair(0, "v0", "side-0"), pair_json(1, Some("v0"), None)];
        let r = streams(&h);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.wrong[0].why.contains("side-0 (key \"k1\", 1000 ms apart) is its partner"), "{:?}", r.wrong);
        // A right record alone is an outer join's.
        h.outputs = vec![pair(0, "v0", "side-0"), pair_json(1, None, Some("side-1"))];
        assert!(streams(&h).summary.contains("outer_join = true"), "{}", streams(&h).summary);
    }

    #[test]
    fn an_outer_join_writes_either_side_alone_where_it_has_no_partner() {
        let mut h = stream_join(vec![pair(0, "v0", "side-0"), pair_json(1, Some("v1"), None), pair_json(2, None, Some("side-1"))]);
        h.run.checker.outer_join = Some(true);
        let r = streams(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("2 records without a partner written alone"), "{}", r.summary);
        h.outputs[2] = pair_json(2, None, Some("side-0"));
        let r = streams(&h);
        assert!(r.wrong[0].why.contains("in-0 (key \"k1\", 1000 ms apart) is its partner"), "{:?}", r.wrong);
        // A partner whose write ended without an answer may not exist.
        h.inputs[0].acked = false;
        h.outputs = vec![pair_json(2, None, Some("side-0")), pair_json(1, Some("v1"), None), pair_json(3, None, Some("side-1"))];
        assert_eq!(streams(&h).verdict, Verdict::Pass, "{}", streams(&h).summary);
    }

    #[test]
    fn values_that_do_not_tell_records_apart_are_unknown_with_the_fix() {
        let mut h = stream_join(vec![]);
        h.inputs[1].value = "v0".into();
        let r = streams(&h);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("words = []"), "{}", r.summary);
    }

    /// Joiners as users write them, `order + "-" + customer`: read by the
    /// scenario's template, the verdicts those of the JSON outputs.
    #[test]
    fn outputs_written_as_the_join_output_template_says_are_judged_alike() {
        let mut h = enrich(vec![out(0, "10-alice", "in-1"), out(1, "20-alice", "in-2")]);
        h.run.checker.join_output = Some("{value}-{table}".into());
        let r = table(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.summary.contains("1 met a row older"), "{}", r.summary);
        h.outputs[0] = out(0, "10-bob", "in-1");
        assert!(table(&h).wrong[0].why.contains("from the future"));
        h.outputs[0] = out(0, "10 with alice", "in-1");
        let r = table(&h);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("not the shape of [checker] join_output = \"{value}-{table}\""), "{}", r.summary);
        h.run.checker.left_join = Some(true);
        h.outputs = vec![out(0, "10-alice", "in-1"), out(1, "20-bob", "in-2"), out(2, "30-null", "in-3")];
        assert_eq!(table(&h).verdict, Verdict::Pass, "{}", table(&h).summary);

        let mut h = stream_join(vec![out(0, "side-0 & v0", "in-0")]);
        h.run.checker.join_output = Some("{right} & {left}".into());
        assert_eq!(streams(&h).verdict, Verdict::Pass, "{}", streams(&h).summary);
    }
}
