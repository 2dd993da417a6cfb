//! What an instance is told by the harness: the `LDFI_*` environment,
//! validated before anything touches Kafka.
//!
//! A missing or malformed variable is the harness's mistake, not Kafka's,
//! so it ends the instance with exit code 2 (bad input) and a message that
//! names the variable.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ldfi::scenario::Bug;

/// Exit code for bad input (a missing or malformed variable).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a Kafka failure the instance cannot recover from.
pub const EXIT_KAFKA: u8 = 3;

/// One pipeline instance's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `LDFI_BOOTSTRAP`: bootstrap servers.
    pub bootstrap: String,
    /// `LDFI_INPUT`: the topic consumed.
    pub input: String,
    /// `LDFI_OUTPUT`: the topic produced to.
    pub output: String,
    /// `LDFI_GROUP`: the consumer group shared by all instances.
    pub group: String,
    /// `LDFI_INSTANCE`: this instance, e.g. `pipeline-1` (also the trace source).
    pub instance: String,
    /// `LDFI_TRACE`: the JSON-lines trace file, if any.
    pub trace: Option<PathBuf>,
    /// `LDFI_BUGS`: the classic bugs switched on.
    pub bugs: BTreeSet<Bug>,
    /// `LDFI_SLOW_MS`: a pause inside the bug's window (before the produce with
    /// commit-before-produce, before the commit otherwise), default 0.
    pub slow_ms: u64,
    /// `LDFI_PRODUCER_CONFIG`: extra librdkafka settings of the output
    /// producer, `name=value` pairs separated by commas (e.g. a short
    /// `request.timeout.ms`, as aggressive production configs have).
    pub producer_config: Vec<(String, String)>,
}

impl Settings {
    /// Reads the environment.
    pub fn from_env() -> Result<Settings, String> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let required = |name: &str| match lookup(name) {
            Some(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
            _ => Err(format!(
                "{name} is not set\n  fix: the harness sets LDFI_BOOTSTRAP, LDFI_INPUT, LDFI_OUTPUT, \
                 LDFI_GROUP and LDFI_INSTANCE for each instance"
            )),
        };
        let optional = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut bugs = BTreeSet::new();
        for name in optional("LDFI_BUGS").unwrap_or_default().split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match Bug::ALL.iter().find(|b| b.name() == name) {
                Some(bug) => bugs.insert(*bug),
                None => {
                    let known: Vec<_> = Bug::ALL.iter().map(Bug::name).collect();
                    return Err(format!("LDFI_BUGS: unknown bug {name:?}\n  fix: use some of: {}", known.join(", ")));
                }
            };
        }
        let slow_ms = match optional("LDFI_SLOW_MS") {
            None => 0,
            Some(text) => text.parse().map_err(|_| format!("LDFI_SLOW_MS: {text:?} is not a number of milliseconds"))?,
        };
        let mut producer_config = Vec::new();
        for pair in optional("LDFI_PRODUCER_CONFIG").unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').ok_or_else(|| {
                format!("LDFI_PRODUCER_CONFIG: {pair:?} is not name=value\n  fix: e.g. LDFI_PRODUCER_CONFIG=\"request.timeout.ms=1000\"")
            })?;
            producer_config.push((name.trim().to_string(), value.trim().to_string()));
        }
        Ok(Settings {
            bootstrap: required("LDFI_BOOTSTRAP")?,
            input: required("LDFI_INPUT")?,
            output: required("LDFI_OUTPUT")?,
            group: required("LDFI_GROUP")?,
            instance: required("LDFI_INSTANCE")?,
            trace: optional("LDFI_TRACE").map(PathBuf::from),
            bugs,
            slow_ms,
            producer_config,
        })
    }

    /// Whether `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The transactional id: stable across restarts of one instance, so that
    /// a restarted instance fences its own zombie.
    pub fn transactional_id(&self) -> String {
        format!("{}-{}", self.group, self.instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    const BASE: [(&str, &str); 5] = [
        ("LDFI_BOOTSTRAP", "10.0.0.1:9092"),
        ("LDFI_INPUT", "in"),
        ("LDFI_OUTPUT", "out"),
        ("LDFI_GROUP", "g"),
        ("LDFI_INSTANCE", "pipeline-1"),
    ];

    #[test]
    fn bugs_parse_by_name_and_default_to_none() {
        let settings = Settings::from_lookup(lookup(&BASE)).unwrap();
        assert!(settings.bugs.is_empty());
        assert_eq!(settings.transactional_id(), "g-pipeline-1");
        let mut pairs = BASE.to_vec();
        pairs.push(("LDFI_BUGS", "acks-one, commit-before-produce"));
        let settings = Settings::from_lookup(lookup(&pairs)).unwrap();
        assert!(settings.has(Bug::AcksOne) && settings.has(Bug::CommitBeforeProduce));
    }

    #[test]
    fn a_missing_variable_or_an_unknown_bug_is_named() {
        let error = Settings::from_lookup(lookup(&BASE[..4])).unwrap_err();
        assert!(error.starts_with("LDFI_INSTANCE is not set"), "{error}");
        let mut pairs = BASE.to_vec();
        pairs.push(("LDFI_BUGS", "acks-zero"));
        let error = Settings::from_lookup(lookup(&pairs)).unwrap_err();
        assert!(error.contains("unknown bug \"acks-zero\""), "{error}");
    }
}
