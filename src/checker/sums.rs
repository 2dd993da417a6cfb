//! `key-sums`: the final sum (and count, when the pipeline writes one) of
//! each key, computed from the acknowledged inputs' numbers alone.
//!
//! An input the cluster did not acknowledge may still have been written,
//! so it widens what a key may hold instead of deciding it. A key above
//! what its inputs allow counted something twice (a failure); below, it
//! missed something (a failure once the pipeline caught up). Each update
//! of a key carries the `ldfi-id` of the input that caused it (Kafka
//! Streams keeps the record's headers through a repartition and an
//! aggregation), so a wrong key names the inputs it took twice and the
//! acknowledged ones it never took, as far as its updates tell (`takes`:
//! a record cache folds several inputs into one update).

use std::collections::{BTreeMap, BTreeSet};

use super::takes::{self, Update};
use super::values::{self, Aggregate};
use super::{AggregateMismatch, History, Input, PropertyResult, Verdict};
use crate::scenario::Property;

/// What the inputs of one key allow.
#[derive(Default)]
struct Expected {
    sum: i128,
    count: u64,
    /// What unacknowledged inputs may add: their negative and positive
    /// numbers, and how many.
    maybe_low: i128,
    maybe_high: i128,
    maybe_count: u64,
}

pub fn check(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::KeySums);
    let mut expected: BTreeMap<&str, Expected> = BTreeMap::new();
    for input in &history.inputs {
        let Ok(n) = input.value.trim().parse::<i64>() else {
            r.verdict = Verdict::Unknown;
            r.summary = format!(
                "input {} has the value {:?}, not a whole number: key-sums adds numbers (set [workload] numbers = [min, max])",
                input.id, input.value
            );
            return r;
        };
        let e = expected.entry(input.key.as_str()).or_default();
        if input.acked {
            e.sum += i128::from(n);
            e.count += 1;
        } else {
            e.maybe_low += i128::from(n.min(0));
            e.maybe_high += i128::from(n.max(0));
            e.maybe_count += 1;
        }
    }
    if expected.values().all(|e| e.count == 0) {
        r.vacuous = true;
        r.summary = "no input was acknowledged: no sum to check".into();
        return r;
    }
    // Outputs are in (partition, offset) order and a key lives in one
    // partition: the last one read is the key's final aggregate.
    let format = history.run.value_format;
    let mut last: BTreeMap<&str, Aggregate> = BTreeMap::new();
    let mut updates: BTreeMap<&str, Vec<Update>> = BTreeMap::new();
    for o in &history.outputs {
        let Some(key) = o.key.as_deref() else { continue };
        match values::aggregate(format, o.value.as_deref(), o.value_hex.as_deref()) {
            Some(Ok(a)) => {
                updates.entry(key).or_default().push(Update { sum: a.sum, count: a.count, ids: &o.ids });
                last.insert(key, a);
            }
            Some(Err(e)) => {
                r.verdict = Verdict::Unknown;
                r.summary = format!("cannot read the aggregate of output {}@{} (key {key:?}): {e}", o.partition, o.offset);
                return r;
            }
            None => {
                last.remove(key);
            }
        }
    }
    let none = Expected::default();
    let keys: BTreeSet<&str> = expected.keys().chain(last.keys()).copied().collect();
    let mut over = false;
    for key in keys {
        let e = expected.get(key).unwrap_or(&none);
        let (low, high) = (e.sum + e.maybe_low, e.sum + e.maybe_high);
        let observed = last.get(key);
        let mut wrong = |what: &str, low: i128, high: i128, seen: Option<i128>| {
            over |= seen.is_some_and(|s| s > high);
            let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
            r.aggregates.push(AggregateMismatch {
                key: key.to_string(),
                what: what.to_string(),
                low: clamp(low),
                high: clamp(high),
                observed: seen.map(clamp),
                counted_twice: Vec::new(),
                missed: Vec::new(),
                unnamed: None,
            });
        };
        match observed {
            None if e.count > 0 => wrong("never written", low, high, None),
            None => {}
            Some(a) => {
                if !(low..=high).contains(&i128::from(a.sum)) {
                    wrong("sum", low, high, Some(i128::from(a.sum)));
                }
                if let Some(count) = a.count {
                    let (low, high) = (i128::from(e.count), i128::from(e.count + e.maybe_count));
                    if !(low..=high).contains(&i128::from(count)) {
                        wrong("count", low, high, Some(i128::from(count)));
                    }
                }
            }
        }
    }
    if r.aggregates.is_empty() {
        r.summary = format!("the final sums of all {} keys match their acknowledged inputs", expected.len());
        return r;
    }
    // The inputs each wrong key's updates show it took twice or never took,
    // said once per key (its sum's line when its count is wrong too).
    let mut named: BTreeSet<String> = BTreeSet::new();
    for m in &mut r.aggregates {
        if !named.insert(m.key.clone()) {
            continue;
        }
        let Some(key_updates) = updates.get(m.key.as_str()) else { continue };
        let inputs: Vec<&Input> = history.inputs.iter().filter(|i| i.key == m.key).collect();
        let t = takes::takes(&inputs, key_updates);
        (m.counted_twice, m.missed, m.unnamed) = (t.counted_twice, t.missed, t.unnamed);
    }
    r.verdict = if over { Verdict::Fail } else { history.missing_verdict() };
    let keys: BTreeSet<&str> = r.aggregates.iter().map(|m| m.key.as_str()).collect();
    r.summary = format!(
        "{} of {} keys have a wrong final aggregate ({})",
        keys.len(),
        expected.len(),
        if over { "some counted an input twice" } else { "some missed inputs" }
    );
    r
}

#[cfg(test)]
mod tests {
    use super::super::{Input, Output};
    use super::*;

    fn input(id: &str, key: &str, value: i64, offset: i64, acked: bool) -> Input {
        Input {
            topic: String::new(),
            id: id.into(),
            key: key.into(),
            value: value.to_string(),
            partition: Some(0),
            offset: acked.then_some(offset),
            step: Some(0),
            acked,
            error: (!acked).then(|| "timed out".into()),
            timestamp_ms: None,
        }
    }

    fn update(offset: i64, key: &str, count: u64, sum: i64, id: &str) -> Output {
        Output {
            topic: String::new(),
            partition: 0,
            offset,
            key: Some(key.into()),
            value: Some(format!("{{\"count\":{count},\"sum\":{sum}}}")),
            value_hex: None,
            ids: vec![id.into()],
        }
    }

    fn history(outputs: Vec<Output>) -> History {
        let mut h = History {
            inputs: vec![input("1", "a", 10, 0, true), input("2", "a", 5, 1, true), input("3", "b", 7, 2, true), input("4", "b", -2, 3, false)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        };
        h.run.value_format = crate::trace::ValueFormat::Json;
        h
    }

    #[test]
    fn sums_and_counts_of_the_acknowledged_inputs_pass_with_an_ambiguous_one_either_way() {
        let taken = history(vec![update(0, "a", 1, 10, "1"), update(1, "a", 2, 15, "2"), update(2, "b", 1, 7, "3"), update(3, "b", 2, 5, "4")]);
        assert_eq!(check(&taken).verdict, Verdict::Pass, "{}", check(&taken).summary);
        let not_taken = history(vec![update(0, "a", 2, 15, "2"), update(1, "b", 1, 7, "3")]);
        assert_eq!(check(&not_taken).verdict, Verdict::Pass);
    }

    #[test]
    fn an_input_counted_twice_is_named_with_the_key() {
        let h = history(vec![
            update(0, "a", 1, 10, "1"),
            update(1, "a", 2, 15, "2"),
            update(2, "a", 3, 25, "1"),
            update(3, "b", 1, 7, "3"),
        ]);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Fail);
        let seen: Vec<(&str, &str, i64, i64, Option<i64>)> =
            r.aggregates.iter().map(|m| (m.key.as_str(), m.what.as_str(), m.low, m.high, m.observed)).collect();
        assert_eq!(seen, [("a", "sum", 15, 15, Some(25)), ("a", "count", 2, 2, Some(3))]);
        assert_eq!(r.aggregates[0].counted_twice, ["1"]);
        assert!(r.aggregates[0].missed.is_empty() && r.aggregates[1].counted_twice.is_empty());
    }

    #[test]
    fn a_missed_input_is_named_and_unknown_until_the_pipeline_caught_up() {
        let mut h = history(vec![update(0, "a", 1, 5, "2"), update(1, "b", 1, 7, "3")]);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!((r.aggregates[0].observed, r.aggregates[0].missed.clone()), (Some(5), vec!["1".to_string()]));
        h.caught_up = Some(false);
        assert_eq!(check(&h).verdict, Verdict::Unknown);
        let never = history(vec![update(0, "a", 2, 15, "2")]);
        assert_eq!(check(&never).aggregates[0].what, "never written");
    }

    #[test]
    fn a_plain_number_is_the_sum_and_an_unreadable_value_is_unknown() {
        let mut h = history(vec![]);
        h.run.value_format = crate::trace::ValueFormat::Text;
        let plain = |offset, key: &str, sum: i64| Output { value: Some(sum.to_string()), ..update(offset, key, 0, 0, "x") };
        h.outputs = vec![plain(0, "a", 15), plain(1, "b", 7)];
        assert_eq!(check(&h).verdict, Verdict::Pass, "{}", check(&h).summary);
        h.outputs = vec![update(0, "a", 2, 15, "2")];
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("value_format = \"json\""), "{}", r.summary);
    }
}
