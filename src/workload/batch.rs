//! What the workload writes at each step: deterministic for a seed, so a
//! replayed run writes the same records.

use super::WorkloadRecord;

/// A small deterministic generator (splitmix64), enough to pick keys and
/// words reproducibly without a dependency.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// How inputs are keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Keys {
    /// `k<j>` with `j < n`.
    Count(u32),
    /// The record's own value (its word).
    Word,
}

impl std::str::FromStr for Keys {
    type Err = String;
    fn from_str(text: &str) -> Result<Keys, String> {
        match text {
            "word" => Ok(Keys::Word),
            n => n.parse().map(Keys::Count).map_err(|_| format!("{text:?}: use a number of keys or \"word\"")),
        }
    }
}

impl std::fmt::Display for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keys::Count(n) => write!(f, "{n}"),
            Keys::Word => f.write_str("word"),
        }
    }
}

/// What the values of the inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values<'a> {
    /// Words drawn from a list (`v<n>` when it is empty): what a word
    /// count or a copy reads.
    Words(&'a [String]),
    /// Whole numbers drawn from `min..=max`, as decimal text: what a sum, a
    /// filter on a threshold or a join on amounts reads.
    Numbers { min: i64, max: i64 },
    /// Each record's own id: values that tell records apart (the two
    /// sides of a join, each output naming both).
    Ids,
}

/// The records of one step: ids `in-<n>` from `first_id`, keyed by
/// `keys`, values drawn from `values`.
pub fn batch(seed: u64, first_id: u64, count: u32, keys: Keys, values: Values) -> Vec<WorkloadRecord> {
    (first_id..first_id + u64::from(count))
        .map(|n| {
            let r = mix(mix(seed).wrapping_add(n));
            let value = draw(values, n, r);
            let key = match keys {
                Keys::Count(keys) => format!("k{}", r % u64::from(keys.max(1))),
                Keys::Word => value.clone(),
            };
            WorkloadRecord { id: format!("in-{n}"), key, value }
        })
        .collect()
}

/// A side topic's records at one step: one per key `k0 .. k<keys-1>`, in
/// order, ids `side-<n>` from `first_id` (so that a join's every key has a
/// table row, or an other-stream record, at that step).
pub fn side_batch(seed: u64, first_id: u64, keys: u32, values: Values) -> Vec<WorkloadRecord> {
    (0..u64::from(keys))
        .map(|k| {
            let n = first_id + k;
            // Its own stream of draws, apart from the main batch's.
            let r = mix(mix(seed ^ 0x5151_5151).wrapping_add(n));
            let id = format!("side-{n}");
            let value = if values == Values::Ids { id.clone() } else { draw(values, n, r) };
            WorkloadRecord { id, key: format!("k{k}"), value }
        })
        .collect()
}

/// Record `n`'s value, from its draw `r`.
fn draw(values: Values, n: u64, r: u64) -> String {
    match values {
        Values::Words([]) | Values::Ids => format!("v{n}"),
        Values::Words(words) => words[(mix(r) % words.len() as u64) as usize].clone(),
        Values::Numbers { min, max } => {
            let span = max.abs_diff(min).saturating_add(1);
            let offset = if span == 0 { mix(r) } else { mix(r) % span };
            min.wrapping_add(offset as i64).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_deterministic_and_ids_unique_across_steps() {
        let words: Vec<String> = vec!["a".into(), "b".into()];
        let words = Values::Words(&words);
        let first = batch(7, 0, 10, Keys::Count(3), words);
        assert_eq!(first, batch(7, 0, 10, Keys::Count(3), words));
        assert_ne!(first, batch(8, 0, 10, Keys::Count(3), words));
        let second = batch(7, 10, 10, Keys::Count(3), words);
        assert_eq!(first[9].id, "in-9");
        assert_eq!(second[0].id, "in-10");
        assert!(first.iter().all(|r| ["k0", "k1", "k2"].contains(&r.key.as_str())));
        assert!(first.iter().any(|r| r.value == "a") && first.iter().any(|r| r.value == "b"));
    }

    #[test]
    fn keyed_by_word_each_key_is_its_value() {
        let words: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let by_word = batch(7, 0, 20, Keys::Word, Values::Words(&words));
        assert!(by_word.iter().all(|r| r.key == r.value));
        let values = |b: &[WorkloadRecord]| b.iter().map(|r| r.value.clone()).collect::<Vec<_>>();
        assert_eq!(values(&by_word), values(&batch(7, 0, 20, Keys::Count(3), Values::Words(&words))));
        assert_eq!("word".parse::<Keys>(), Ok(Keys::Word));
        assert_eq!("8".parse::<Keys>(), Ok(Keys::Count(8)));
        assert!("many".parse::<Keys>().is_err());
    }

    #[test]
    fn numbers_are_whole_and_within_their_range_and_cover_it() {
        let numbers = batch(3, 0, 400, Keys::Count(4), Values::Numbers { min: -2, max: 5 });
        let seen: std::collections::BTreeSet<i64> = numbers.iter().map(|r| r.value.parse::<i64>().unwrap()).collect();
        assert_eq!(seen, (-2..=5).collect());
        let one = batch(3, 0, 5, Keys::Count(4), Values::Numbers { min: 7, max: 7 });
        assert!(one.iter().all(|r| r.value == "7"));
        let wide = batch(3, 0, 50, Keys::Count(4), Values::Numbers { min: i64::MIN, max: i64::MAX });
        assert!(wide.iter().all(|r| r.value.parse::<i64>().is_ok()));
    }

    #[test]
    fn a_side_batch_has_one_record_per_key_with_ids_of_its_own() {
        let side = side_batch(3, 16, 4, Values::Ids);
        assert_eq!(side.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["k0", "k1", "k2", "k3"]);
        assert_eq!(side[0].id, "side-16");
        assert!(side.iter().all(|r| r.value == r.id));
        let words = vec!["alice".to_string(), "bob".to_string()];
        assert_eq!(side_batch(3, 0, 4, Values::Words(&words)), side_batch(3, 0, 4, Values::Words(&words)));
    }
}
