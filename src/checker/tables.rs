//! `table-table-join`: a KTable–KTable join checked from what the workload
//! wrote to both tables, never from the app.
//!
//! The output is a table too: a changelog of each key's joined value. How
//! many updates it carries, and which intermediate pairs, depend on the
//! order the app read the two topics in and on its record cache; what it
//! must hold at the end does not. Once the app has caught up, each key's
//! last output is the join of the two tables' last values for that key
//! (an inner join: both present; a left join: the left one, with the right
//! one or null; an outer join: either), and every output pairs values
//! written for its own key. A write that ended without an answer may or
//! may not have happened, so a table's last value is its last acknowledged
//! one or any unacknowledged one written after it.

use std::collections::{BTreeMap, BTreeSet};

use super::joins::{fields, Lonely};
use super::records::{self, unknown};
use super::{History, Input, Output, PropertyResult, RecordRef, Verdict, WrongOutput};
use crate::scenario::Property;

/// A joined value: the left table's and the right table's, either absent.
type Joined = (Option<String>, Option<String>);

/// One table's records by key.
fn by_key(side: &[Input]) -> BTreeMap<&str, Vec<&Input>> {
    let mut keys: BTreeMap<&str, Vec<&Input>> = BTreeMap::new();
    for i in side {
        keys.entry(i.key.as_str()).or_default().push(i);
    }
    keys
}

pub fn check(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::TableTableJoin);
    let kind = Lonely::of(history);
    let (lefts, rights) = (by_key(&history.inputs), by_key(&history.side_inputs));
    let written = |keys: &BTreeMap<&str, Vec<&Input>>, key: &str, v: &str| keys.get(key).is_some_and(|vs| vs.iter().any(|i| i.value == v));
    let known = |side: &str, v: &str| {
        let all = if side == "left" { &history.inputs } else { &history.side_inputs };
        all.iter().any(|i| i.value == v)
    };

    // Each key's outputs in the order they were written (one key, one
    // partition), the last its final word; a tombstone is no joined value.
    let mut last: BTreeMap<&str, (&Output, Option<Joined>)> = BTreeMap::new();
    // An output of a value no table held for its key: wrong whatever the
    // app writes later.
    let mut foreign = false;
    let mut outputs: Vec<&Output> = history.outputs.iter().collect();
    outputs.sort_by_key(|o| (o.partition, o.offset));
    for o in outputs {
        let Some(key) = o.key.as_deref() else {
            return unknown(r, format!("output {}@{} has no key: table-table-join reads each key's joined value by its key", o.partition, o.offset));
        };
        if o.value.is_none() && o.value_hex.is_none() {
            last.insert(key, (o, None));
            continue;
        }
        let (l, rv) = match fields(history, o, "left", "right", &known) {
            Ok(sides) => sides,
            Err(why) => return unknown(r, why),
        };
        if let Some(why) = kind.refuses(o, (&l, &rv)) {
            return unknown(r, why);
        }
        if l.is_none() && rv.is_none() {
            foreign = true;
            r.wrong.push(WrongOutput::at(o, "", "joins no value of either table".into()));
        }
        for (side, value, keys) in [("left", &l, &lefts), ("right", &rv, &rights)] {
            if let Some(v) = value.as_deref().filter(|v| !written(keys, key, v)) {
                foreign = true;
                r.wrong.push(WrongOutput::at(o, "", format!("joins {v:?}, which the workload never wrote to the {side} table for key {key:?}")));
            }
        }
        last.insert(key, (o, Some((l, rv))));
    }

    let keys: BTreeSet<&str> = lefts.keys().chain(rights.keys()).chain(last.keys()).copied().collect();
    let mut stale = 0;
    let mut joined = 0;
    for key in keys {
        let (ls, rs) = (finals(lefts.get(key)), finals(rights.get(key)));
        let expected: BTreeSet<Option<Joined>> = ls.iter().flat_map(|l| rs.iter().map(move |rv| join(kind, l, rv))).collect();
        let got = last.get(key);
        let observed = got.and_then(|(_, j)| j.clone());
        joined += usize::from(observed.is_some());
        if expected.contains(&observed) {
            continue;
        }
        stale += 1;
        let want = expected.iter().map(show).collect::<Vec<_>>().join(" or ");
        match got {
            Some((o, _)) => r.wrong.push(WrongOutput::at(o, "", format!("key {key:?} ends as {}, where its tables' last values make {want}", show(&observed)))),
            None => {
                let newest = lefts.get(key).and_then(|vs| vs.iter().rfind(|i| i.acked));
                let (partition, offset) = newest.map_or((None, None), |i| (i.partition, i.offset));
                r.lost.push(RecordRef { id: newest.map_or_else(|| key.to_string(), |i| i.id.clone()), key: key.to_string(), partition, offset, topic: None });
            }
        }
    }
    if history.inputs.iter().chain(&history.side_inputs).all(|i| !i.acked) {
        r.vacuous = true;
        r.summary = "no record of either table was acknowledged: nothing to join".into();
        return r;
    }
    // A key's final value wrong while the app had not caught up may still
    // be replaced; a value no table held never is.
    r.verdict = if foreign { Verdict::Fail } else { records::verdict(history, false, stale > 0) };
    r.summary = match r.verdict {
        Verdict::Pass => format!("every key ends joined as its tables' last values make it ({joined} keys joined)"),
        _ => format!("{stale} keys do not end as their tables' last values make them; {} outputs wrong", r.wrong.len()),
    };
    r
}

/// What a table may hold last for one key: its last acknowledged value
/// (none, if none was) and any unacknowledged one written after it.
fn finals(written: Option<&Vec<&Input>>) -> BTreeSet<Option<String>> {
    let written = written.map(Vec::as_slice).unwrap_or_default();
    let ts = |i: &Input| i.timestamp_ms.unwrap_or_default();
    let newest = written.iter().filter(|i| i.acked).max_by_key(|i| (i.partition, i.offset));
    let mut values: BTreeSet<Option<String>> = BTreeSet::from([newest.map(|i| i.value.clone())]);
    values.extend(written.iter().filter(|i| !i.acked && newest.is_none_or(|n| ts(i) >= ts(n))).map(|i| Some(i.value.clone())));
    values
}

/// The joined value an app of `kind` holds for the tables' values `l` and
/// `r`; `None`: no joined value (nothing written, or a tombstone).
fn join(kind: Lonely, l: &Option<String>, r: &Option<String>) -> Option<Joined> {
    match (kind, l, r) {
        (_, Some(_), Some(_)) | (Lonely::Left | Lonely::Both, Some(_), None) | (Lonely::Both, None, Some(_)) => Some((l.clone(), r.clone())),
        _ => None,
    }
}

fn show(j: &Option<Joined>) -> String {
    match j {
        None => "no joined value".into(),
        Some((l, r)) => format!("{} with {}", l.as_deref().unwrap_or("null"), r.as_deref().unwrap_or("null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, key: &str, offset: i64, acked: bool) -> Input {
        Input {
            topic: String::new(),
            id: id.into(),
            key: key.into(),
            value: id.into(),
            partition: Some(0),
            offset: acked.then_some(offset),
            step: Some(0),
            acked,
            error: (!acked).then(|| "timed out".into()),
            timestamp_ms: Some(offset * 1000),
        }
    }

    fn out(offset: i64, key: &str, left: Option<&str>, right: Option<&str>) -> Output {
        let side = |v: Option<&str>| v.map_or("null".to_string(), |v| format!("\"{v}\""));
        let value = format!("{{\"left\":{},\"right\":{}}}", side(left), side(right));
        Output { topic: String::new(), partition: 0, offset, key: Some(key.into()), value: Some(value), value_hex: None, ids: Vec::new() }
    }

    /// k1: left in-1 then in-2, right side-1; k2: left in-3 only.
    fn tables(outputs: Vec<Output>) -> History {
        History {
            inputs: vec![input("in-1", "k1", 0, true), input("in-2", "k1", 2, true), input("in-3", "k2", 3, true)],
            side_inputs: vec![input("side-1", "k1", 1, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        }
    }

    #[test]
    fn each_key_ends_as_the_join_of_its_tables_last_values() {
        let good = tables(vec![out(0, "k1", Some("in-1"), Some("side-1")), out(1, "k1", Some("in-2"), Some("side-1"))]);
        let r = check(&good);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        let stale = tables(vec![out(0, "k1", Some("in-2"), Some("side-1")), out(1, "k1", Some("in-1"), Some("side-1"))]);
        let r = check(&stale);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.wrong[0].why.contains("ends as in-1 with side-1, where its tables' last values make in-2 with side-1"), "{:?}", r.wrong);
        let r = check(&tables(vec![]));
        assert_eq!((r.verdict, r.lost[0].id.as_str()), (Verdict::Fail, "in-2"));
        let mut late = tables(vec![]);
        late.caught_up = Some(false);
        assert_eq!(check(&late).verdict, Verdict::Unknown, "the app may still write it");
    }

    #[test]
    fn an_output_of_a_value_never_written_for_its_key_fails_and_a_tombstone_is_no_value() {
        let r = check(&tables(vec![out(0, "k1", Some("in-3"), Some("side-1")), out(1, "k1", Some("in-2"), Some("side-1"))]));
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.wrong[0].why.contains("never wrote to the left table for key \"k1\""), "{:?}", r.wrong);
        let mut gone = out(2, "k1", None, None);
        gone.value = None;
        let r = check(&tables(vec![out(1, "k1", Some("in-2"), Some("side-1")), gone]));
        assert!(r.wrong[0].why.contains("ends as no joined value"), "{:?}", r.wrong);
    }

    #[test]
    fn left_and_outer_joins_end_with_a_null_side_where_a_table_has_no_value() {
        let mut h = tables(vec![out(1, "k1", Some("in-2"), Some("side-1")), out(2, "k2", Some("in-3"), None)]);
        assert_eq!(check(&h).verdict, Verdict::Unknown, "a null side read as an inner join");
        h.run.checker.left_join = Some(true);
        assert_eq!(check(&h).verdict, Verdict::Pass, "{}", check(&h).summary);
        h.outputs.pop();
        assert_eq!(check(&h).lost[0].id, "in-3");
        h.run.checker = crate::model::Expectations { outer_join: Some(true), ..Default::default() };
        h.side_inputs.push(input("side-2", "k3", 4, true));
        h.outputs.extend([out(2, "k2", Some("in-3"), None), out(3, "k3", None, Some("side-2"))]);
        assert_eq!(check(&h).verdict, Verdict::Pass, "{}", check(&h).summary);
    }

    #[test]
    fn an_unacknowledged_last_write_may_or_may_not_be_the_final_value() {
        let mut h = tables(vec![out(1, "k1", Some("in-2"), Some("side-1"))]);
        h.inputs.push(input("in-4", "k1", 5, false));
        assert_eq!(check(&h).verdict, Verdict::Pass, "{}", check(&h).summary);
        h.outputs.push(out(2, "k1", Some("in-4"), Some("side-1")));
        assert_eq!(check(&h).verdict, Verdict::Pass, "{}", check(&h).summary);
    }
}
