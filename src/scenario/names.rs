//! The rules for names and settings a scenario hands to Kafka and Docker,
//! checked before anything runs, because each one breaks something later
//! and far from the scenario: a topic name Kafka refuses fails a run after
//! the cluster started; an environment key with `=` changes another
//! variable; a broker config value with a newline adds lines to
//! server.properties (the broker image writes each `KAFKA_*` variable as a
//! line). Other code that takes a name from a file (a journal, a trace)
//! checks it with the same rules.
//!
//! The run suffix. With `run_suffix` on (the default), every run names the
//! scenario's topics and group `<name>.<campaign>-<run>` (see
//! [`crate::trace::RunNames`]), and Kafka Streams names its internal topics
//! `<group>.<campaign>-<run>-<store>-changelog`. The suffix is longest for
//! a replay of a bench's campaign:
//!
//! - `.` (1);
//! - the campaign, `bench-<stamp>-<scenario>-<strategy>-<repeat>` (the
//!   scenario's name plus 40: a 13-digit millisecond stamp, `exhaustive`,
//!   a repeat below 10^6), longer than a campaign's
//!   `<scenario>-<strategy>-<seconds>` (plus 22) or a run's
//!   `<scenario>-<seconds>` (plus 11);
//! - `-` (1);
//! - the run, `replay-<counterexample>-<seconds>-<i>` with a counterexample
//!   `r<index>` or `r<index>-min<k>` (index and i below 10^9, k below 100,
//!   seconds of 10 digits, until the year 2286): at most 46.
//!
//! So a topic or group name must leave [`RUN_SUFFIX_EXTRA`] characters,
//! plus the scenario's name, below Kafka's 249.

/// Kafka's longest topic name.
pub const MAX_TOPIC: usize = 249;

/// The run suffix's longest length, beyond the scenario's name (see the
/// module doc).
pub const RUN_SUFFIX_EXTRA: usize = 88;

/// The longest scenario name: it is part of every campaign's name, and of
/// the run suffix.
pub const MAX_SCENARIO_NAME: usize = 64;

/// The longest run suffix for scenario `name`.
pub fn longest_run_suffix(name: &str) -> usize {
    name.len() + RUN_SUFFIX_EXTRA
}

/// The longest strategy name (`exhaustive`): it is part of every
/// campaign's name, and the run suffix reserves room for it.
pub const MAX_STRATEGY_NAME: usize = 10;

/// A strategy's name: 1 to [`MAX_STRATEGY_NAME`] lowercase ASCII letters,
/// so that a campaign's name `<scenario>-<strategy>-<seconds>` reads back
/// (`report::load` splits it on `-`) and its run suffix fits.
pub fn strategy(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_STRATEGY_NAME || !name.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(format!("{name:?} is not a strategy name: 1 to {MAX_STRATEGY_NAME} lowercase letters"));
    }
    Ok(())
}

/// A Kafka topic name: 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
/// With a run suffix of `suffix` characters, the suffixed name must fit.
pub fn topic(name: &str, suffix: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".to_string());
    }
    if name == "." || name == ".." {
        return Err(format!("{name:?} is not a topic name Kafka accepts"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(format!("{name:?} has {c:?}; Kafka names hold only letters, digits, '.', '_' and '-'"));
    }
    if name.len() + suffix > MAX_TOPIC {
        return Err(if suffix == 0 {
            format!("{} characters; Kafka allows {MAX_TOPIC}", name.len())
        } else {
            format!(
                "{} characters; with the run suffix (up to {suffix} for this scenario's name) Kafka's limit of {MAX_TOPIC} leaves {}",
                name.len(),
                MAX_TOPIC.saturating_sub(suffix)
            )
        });
    }
    Ok(())
}

/// An environment variable name as POSIX defines it:
/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn env_key(key: &str) -> Result<(), String> {
    let mut chars = key.chars();
    let first = chars.next().ok_or("is empty")?;
    if !(first.is_ascii_alphabetic() || first == '_') || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{key:?} is not an environment variable name"));
    }
    Ok(())
}

/// A Kafka config name: `[a-zA-Z0-9._-]+` (`min.insync.replicas`).
pub fn config_key(key: &str) -> Result<(), String> {
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(format!("{key:?} is not a Kafka config name"));
    }
    Ok(())
}

/// A config value or environment value: one line, no control character.
pub fn one_line(value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!("{value:?} holds the control character {c:?}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafka() {
        for good in ["input", "a.b_c-D9", &"x".repeat(249)] {
            assert_eq!(topic(good, 0), Ok(()), "{good}");
        }
        for bad in ["", ".", "..", "../etc/passwd", "with space", "é", &"x".repeat(250)] {
            assert!(topic(bad, 0).is_err(), "{bad:?}");
        }
        let suffix = longest_run_suffix("copy-alo");
        assert_eq!(suffix, 96);
        assert!(topic(&"x".repeat(153), suffix).is_ok());
        let long = topic(&"x".repeat(154), suffix).unwrap_err();
        assert!(long.contains("run suffix") && long.contains("leaves 153"), "{long}");
    }

    #[test]
    fn the_reserve_covers_the_longest_suffix_ldfi_writes() {
        let scenario = "s".repeat(MAX_SCENARIO_NAME);
        let campaign = format!("bench-{}-{scenario}-exhaustive-{}", 9_999_999_999_999u64, 999_999);
        let run = format!("replay-r{}-min99-{}-{}", 999_999_999, 9_999_999_999u64, 999_999_999);
        assert!(1 + campaign.len() + 1 + run.len() <= longest_run_suffix(&scenario));
    }

    #[test]
    fn env_keys_and_config_values() {
        assert!(env_key("JAVA_TOOL_OPTIONS").is_ok() && env_key("_x1").is_ok());
        for bad in ["", "1A", "A=B", "A B", "A\n"] {
            assert!(env_key(bad).is_err(), "{bad:?}");
        }
        assert!(config_key("log.retention.ms").is_ok());
        assert!(config_key("a=b").is_err() && config_key("").is_err());
        assert!(one_line("1000").is_ok());
        assert!(one_line("1\nprocess.roles=broker").is_err() && one_line("a\u{0}").is_err());
    }
}
