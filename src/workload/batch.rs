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

/// The records of one step: ids `in-<n>` from `first_id`, keys `k<j>` with
/// `j < keys`, values drawn from `words`.
pub fn batch(seed: u64, first_id: u64, count: u32, keys: u32, words: &[String]) -> Vec<WorkloadRecord> {
    (first_id..first_id + u64::from(count))
        .map(|n| {
            let r = mix(mix(seed).wrapping_add(n));
            let key = format!("k{}", r % u64::from(keys.max(1)));
            let value = if words.is_empty() {
                format!("v{n}")
            } else {
                words[(mix(r) % words.len() as u64) as usize].clone()
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
        let first = batch(7, 0, 10, 3, &words);
        assert_eq!(first, batch(7, 0, 10, 3, &words));
        assert_ne!(first, batch(8, 0, 10, 3, &words));
        let second = batch(7, 10, 10, 3, &words);
        assert_eq!(first[9].id, "in-9");
        assert_eq!(second[0].id, "in-10");
        assert!(first.iter().all(|r| ["k0", "k1", "k2"].contains(&r.key.as_str())));
        assert!(first.iter().any(|r| r.value == "a") && first.iter().any(|r| r.value == "b"));
    }
}
