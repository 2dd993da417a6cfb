//! Which inputs each update of a key's sum took, so that a wrong sum names
//! the inputs it added twice and the ones it never added. Pure.
//!
//! An update carries the `ldfi-id` of the input that caused it. When every
//! input makes its own update, the ids say it all. Kafka Streams' record
//! cache (on by default: `statestore.cache.max.bytes`) folds the inputs
//! of a key between two commits into one update, which carries the last
//! one's id only: an input missing from the ids was then most likely added
//! all the same. So the ids alone name only what they prove (an id on two
//! updates: the input was processed twice), and the rest comes from the
//! sums: an update took the run of the key's inputs, in their partition's
//! order, that ends at the input it names and adds up to how much it grew.
//! With positive numbers that run is unique, or does not exist; where it
//! does not (a state restored past the last update a crash let out, inputs
//! read twice before the first update, an input that may or may not have
//! been written), the inputs stay unnamed and the report says why. The
//! names rest on each update starting from the one before it: a state
//! restored ahead of the last update written moves that start, and a run
//! whose numbers happen to add up to the moved amount would name the wrong
//! inputs (the verdict, from the final sums, stands either way; a count in
//! the value makes such a match much rarer).

use std::collections::BTreeMap;

use super::Input;

/// One update of a key, in the order the output holds them.
pub(super) struct Update<'a> {
    pub sum: i64,
    pub count: Option<u64>,
    pub ids: &'a [String],
}

/// What a key's updates show it took.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Takes {
    pub counted_twice: Vec<String>,
    pub missed: Vec<String>,
    /// Why the inputs it missed (or some it took twice) cannot be named.
    pub unnamed: Option<String>,
}

/// What `updates` took of `inputs` (all of one key, in any order).
pub(super) fn takes(inputs: &[&Input], updates: &[Update]) -> Takes {
    let mut on_ids: BTreeMap<&str, u32> = BTreeMap::new();
    for id in updates.iter().flat_map(|u| u.ids) {
        *on_ids.entry(id.as_str()).or_default() += 1;
    }
    let twice_by_ids = || ordered(on_ids.iter().filter(|(_, n)| **n > 1).map(|(id, _)| id.to_string()));
    match runs(inputs, updates) {
        Ok(order) => {
            let mut times: BTreeMap<&str, u32> = BTreeMap::new();
            for id in order.iter().flatten() {
                *times.entry(id).or_default() += 1;
            }
            let twice_by_runs = times.iter().filter(|(_, n)| **n > 1).map(|(id, _)| id.to_string());
            let counted_twice = ordered(twice_by_ids().into_iter().chain(twice_by_runs));
            let missed =
                inputs.iter().filter(|i| i.acked && !times.contains_key(i.id.as_str())).map(|i| i.id.clone());
            Takes { counted_twice, missed: ordered(missed), unnamed: None }
        }
        Err(why) => Takes { counted_twice: twice_by_ids(), missed: Vec::new(), unnamed: Some(why) },
    }
}

/// Each id once, in-9 before in-10, as the workload wrote them.
fn ordered(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = ids.collect();
    v.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    v.dedup();
    v
}

/// The ids of the inputs each update took, or why they cannot be told.
fn runs<'a>(inputs: &[&'a Input], updates: &[Update]) -> Result<Vec<Vec<&'a str>>, String> {
    if inputs.iter().any(|i| !i.acked) {
        return Err("an input of the key may or may not have been written".into());
    }
    let mut order: Vec<(i32, i64, &Input, i64)> = Vec::with_capacity(inputs.len());
    for i in inputs {
        let (Some(p), Some(o)) = (i.partition, i.offset) else {
            return Err("an input of the key has no offset".into());
        };
        match i.value.trim().parse::<i64>() {
            Ok(n) if n > 0 => order.push((p, o, i, n)),
            _ => return Err("an input of the key is not a positive number".into()),
        }
    }
    order.sort_by_key(|(p, o, ..)| (*p, *o));
    if order.windows(2).any(|w| w[0].0 != w[1].0) {
        return Err("the key's inputs are in several partitions".into());
    }
    let (mut sum, mut count) = (0i64, 0u64);
    let mut out = Vec::with_capacity(updates.len());
    for u in updates {
        let [id] = u.ids else {
            return Err("an update carries no single input id".into());
        };
        let Some(end) = order.iter().position(|(_, _, i, _)| i.id == *id) else {
            return Err(format!("an update names {id}, not an input of the key"));
        };
        let grew = u.sum - sum;
        let mut start = end + 1;
        let mut added = 0i64;
        while added < grew && start > 0 {
            start -= 1;
            added += order[start].3;
        }
        let took = end + 1 - start;
        let count_fits = u.count.is_none_or(|c| c.checked_sub(count) == Some(took as u64));
        if added < grew && start == 0 {
            return Err(format!(
                "its update naming {id} grew by {grew}, more than all its inputs up to {id} add up to ({added}): \
                 it took some twice (read again after a restart, or held by a restored state), and the sums do not say which"
            ));
        }
        if added != grew || took == 0 || !count_fits {
            return Err("its updates each took several inputs (a record cache folds them), and their sums match no run of its inputs".into());
        }
        out.push(order[start..=end].iter().map(|(_, _, i, _)| i.id.as_str()).collect());
        (sum, count) = (u.sum, u.count.unwrap_or(0));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, value: i64, offset: i64) -> Input {
        Input {
            topic: String::new(),
            id: id.into(),
            key: "k".into(),
            value: value.to_string(),
            partition: Some(0),
            offset: Some(offset),
            step: Some(0),
            acked: true,
            error: None,
            timestamp_ms: None,
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_update_per_input_names_the_input_taken_again_and_the_one_never_taken() {
        let inputs = [input("in-1", 10, 0), input("in-2", 5, 1), input("in-3", 7, 2)];
        let refs: Vec<&Input> = inputs.iter().collect();
        let (a, b) = (ids(&["in-1"]), ids(&["in-2"]));
        // in-1, in-2, then in-2 again after a restart; in-3 never.
        let updates = [
            Update { sum: 10, count: None, ids: &a },
            Update { sum: 15, count: None, ids: &b },
            Update { sum: 20, count: None, ids: &b },
        ];
        let t = takes(&refs, &updates);
        assert_eq!(t, Takes { counted_twice: ids(&["in-2"]), missed: ids(&["in-3"]), unnamed: None });
    }

    #[test]
    fn folded_updates_name_what_a_restart_read_again_not_what_the_cache_folded() {
        // A cache flush took in-1..in-3 (sum 22), the app crashed before
        // committing, restored 22 and read everything again: 22 + 22 + 4.
        let inputs = [input("in-1", 10, 0), input("in-2", 5, 1), input("in-3", 7, 2), input("in-4", 4, 3)];
        let refs: Vec<&Input> = inputs.iter().collect();
        let (third, fourth) = (ids(&["in-3"]), ids(&["in-4"]));
        let updates = [Update { sum: 22, count: None, ids: &third }, Update { sum: 48, count: None, ids: &fourth }];
        let t = takes(&refs, &updates);
        assert_eq!(t, Takes { counted_twice: ids(&["in-1", "in-2", "in-3"]), missed: vec![], unnamed: None });
        // Without the restart, the folded inputs are taken once: nothing named.
        let once = [Update { sum: 22, count: None, ids: &third }, Update { sum: 26, count: None, ids: &fourth }];
        assert_eq!(takes(&refs, &once), Takes::default());
    }

    #[test]
    fn sums_that_no_run_of_inputs_explains_leave_the_inputs_unnamed_but_for_an_id_seen_twice() {
        let inputs = [input("in-1", 10, 0), input("in-2", 5, 1)];
        let refs: Vec<&Input> = inputs.iter().collect();
        let (a, b) = (ids(&["in-1"]), ids(&["in-2"]));
        // 13 is no run ending at in-2 (5, or 15).
        let updates =
            [Update { sum: 10, count: None, ids: &a }, Update { sum: 13, count: None, ids: &b }, Update { sum: 18, count: None, ids: &b }];
        let t = takes(&refs, &updates);
        assert_eq!((t.counted_twice, t.missed), (ids(&["in-2"]), vec![]));
        assert!(t.unnamed.is_some_and(|why| why.contains("record cache")));
        // More than every input up to the one it names: a restored state.
        let restored = [Update { sum: 30, count: None, ids: &b }];
        let why = takes(&refs, &restored).unnamed.unwrap_or_default();
        assert!(why.starts_with("its update naming in-2 grew by 30, more than all its inputs up to in-2 add up to (15)"), "{why}");
        // A count that disagrees with the run's length is no explanation either.
        let counted = [Update { sum: 15, count: Some(1), ids: &b }];
        assert!(takes(&refs, &counted).unnamed.is_some());
        let unacked = Input { acked: false, offset: None, ..input("in-3", 1, 2) };
        let with: Vec<&Input> = inputs.iter().chain([&unacked]).collect();
        assert!(takes(&with, &[Update { sum: 15, count: None, ids: &b }]).unnamed.is_some_and(|w| w.contains("may or may not")));
    }
}
