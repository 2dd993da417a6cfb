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

/// The records of one step: ids `in-<n>` from `first_id`, keyed by
/// `keys`, values drawn from `words`.
pub fn batch(seed: u64, first_id: u64, count: u32, keys: Keys, words: &[String]) -> Vec<WorkloadRecord> {
    (first_id..first_id + u64::from(count))
        .map(|n| {
            let r = mix(mix(seed).wrapping_add(n));
            let value = if words.is_empty() {
                format!("v{n}")
            } else {
                words[(mix(r) % words.len() as u64) as usize].clone()
            };
            let key = match keys {
                Keys::Count(keys) => format!("k{}", r % u64::from(keys.max(1))),
                Keys::Word => value.clone(),
            };
            WorkloadRecord { id: format!("in-{n}"), key, value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_deterministic_and_ids_unique_across_steps() {
        let words: Vec<String> = vec!["a".into(), "b".into()];
        let first = batch(7, 0, 10, Keys::Count(3), &words);
        assert_eq!(first, batch(7, 0, 10, Keys::Count(3), &words));
        assert_ne!(first, batch(8, 0, 10, Keys::Count(3), &words));
        let second = batch(7, 10, 10, Keys::Count(3), &words);
        assert_eq!(first[9].id, "in-9");
        assert_eq!(second[0].id, "in-10");
        assert!(first.iter().all(|r| ["k0", "k1", "k2"].contains(&r.key.as_str())));
        assert!(first.iter().any(|r| r.value == "a") && first.iter().any(|r| r.value == "b"));
    }

    #[test]
    fn keyed_by_word_each_key_is_its_value() {
        let words: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let by_word = batch(7, 0, 20, Keys::Word, &words);
        assert!(by_word.iter().all(|r| r.key == r.value));
        let values = |b: &[WorkloadRecord]| b.iter().map(|r| r.value.clone()).collect::<Vec<_>>();
        assert_eq!(values(&by_word), values(&batch(7, 0, 20, Keys::Count(3), &words)));
        assert_eq!("word".parse::<Keys>(), Ok(Keys::Word));
        assert_eq!("8".parse::<Keys>(), Ok(Keys::Count(8)));
        assert!("many".parse::<Keys>().is_err());
    }
}
