//! Reading older journals. Schema 1 stored a run's hypothesis as the Debug
//! strings of its fault variables (`Crash { node: "pipeline-1@2", step: 0 }`);
//! schema 2 stored the variables themselves, a crash's node and step
//! encoded in one name (`{"kind": "crash", "node": "pipeline-1@2", "step":
//! 0}`); schema 3 stores them typed (`{"kind": "crash", "node":
//! "pipeline-1", "step": 2}`). All three are read, so that a campaign
//! journaled by an older ldfi can still be resumed. A version this ldfi
//! does not know is refused: a newer ldfi changes the version only when a
//! field changes meaning, and reading on would misread it.

use serde::{Deserialize, Deserializer};

use crate::model::NodeId;
use crate::solver::{FaultVar, Hypothesis, Peer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Var(FaultVar),
    Encoded(Encoded),
    Legacy(String),
}

/// A schema-2 crash: its node is `node@step`, its own step 0.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Encoded {
    Crash { node: String, step: u32 },
}

impl Encoded {
    fn var(&self) -> Option<FaultVar> {
        let Encoded::Crash { node, step: 0 } = self else { return None };
        crash(node)
    }
}

/// A crash written `node@step` (schemas 1 and 2).
fn crash(encoded: &str) -> Option<FaultVar> {
    let (node, step) = encoded.rsplit_once('@')?;
    Some(FaultVar::crash(node.parse::<NodeId>().ok()?, step.parse().ok()?))
}

/// A summary's `schema_version`, when this ldfi reads it (1 to
/// [`super::SCHEMA_VERSION`]). Read, an older summary is in the current
/// shape (its old fields are read as the new ones), so it carries the
/// current version: written again, it must not claim the old one.
pub fn schema_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version = u32::deserialize(deserializer)?;
    if (1..=super::SCHEMA_VERSION).contains(&version) {
        return Ok(super::SCHEMA_VERSION);
    }
    Err(serde::de::Error::custom(format!(
        "schema_version {version} is not one this ldfi reads (1 to {}): the file was written by another version of ldfi \
         (read it with that version, or rebuild the report from the traces: ldfi report traces/<campaign> --out DIR)",
        super::SCHEMA_VERSION
    )))
}

/// A hypothesis as schema 3 writes it, or as schema 2 or 1 did.
pub fn hypothesis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Hypothesis, D::Error> {
    let stored = Vec::<Stored>::deserialize(deserializer)?;
    stored
        .into_iter()
        .map(|s| match s {
            Stored::Var(var) => Ok(var),
            Stored::Encoded(encoded) => encoded.var().ok_or_else(|| {
                serde::de::Error::custom("a schema-2 crash variable names its node as node@step, with step 0")
            }),
            Stored::Legacy(text) => parse_debug(&text)
                .ok_or_else(|| serde::de::Error::custom(format!("hypothesis variable {text:?} is neither a fault variable nor its schema-1 Debug form"))),
        })
        .collect()
}

/// Parses the Debug form of a schema-1 fault variable.
pub fn parse_debug(text: &str) -> Option<FaultVar> {
    let (kind, rest) = text.trim().split_once(" {")?;
    let body = rest.trim().strip_suffix('}')?.trim();
    let mut fields = std::collections::BTreeMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (name, after) = rest.split_once(':')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        fields.insert(name.trim().to_string(), value);
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    let step = fields.get("step")?.parse().ok()?;
    match kind.trim() {
        "Crash" if step == 0 => crash(fields.get("node")?),
        "Omission" => {
            let end = |name: &str| fields.get(name)?.parse::<Peer>().ok();
            Some(FaultVar::omission(end("from")?, end("to")?, step))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::testing;

    #[test]
    fn only_the_schema_versions_this_ldfi_knows_are_read() {
        #[derive(Debug, Deserialize)]
        struct Versioned {
            #[serde(deserialize_with = "schema_version")]
            schema_version: u32,
        }
        for known in [1, 2, 3] {
            let read = serde_json::from_str::<Versioned>(&format!("{{\"schema_version\": {known}}}")).unwrap();
            assert_eq!(read.schema_version, super::super::SCHEMA_VERSION, "read, it is in the current shape");
        }
        for unknown in ["0", "4", "99", "4294967295"] {
            let e = serde_json::from_str::<Versioned>(&format!("{{\"schema_version\": {unknown}}}")).unwrap_err().to_string();
            assert!(e.contains(&format!("schema_version {unknown} is not one this ldfi reads")), "{e}");
        }
    }

    #[test]
    fn schema_1_debug_strings_and_schema_2_and_3_values_all_read() {
        assert_eq!(parse_debug(r#"Crash { node: "leader(input/0)@3", step: 0 }"#), Some(testing::crash("leader(input/0)", 3)));
        assert_eq!(
            parse_debug(r#"Omission { from: "pipeline-1", to: "brokers", step: 2 }"#),
            Some(testing::omission("pipeline-1", "brokers", 2))
        );
        #[derive(Deserialize)]
        struct Record {
            #[serde(deserialize_with = "hypothesis")]
            h: Hypothesis,
        }
        let first = r#"{"h": ["Crash { node: \"pipeline-1@2\", step: 0 }"]}"#;
        let second = r#"{"h": [{"kind": "crash", "node": "pipeline-1@2", "step": 0}]}"#;
        let third = r#"{"h": [{"kind": "crash", "node": "pipeline-1", "step": 2}]}"#;
        let expected: Hypothesis = [testing::crash("pipeline-1", 2)].into_iter().collect();
        for text in [first, second, third] {
            assert_eq!(serde_json::from_str::<Record>(text).unwrap().h, expected, "{text}");
        }
        assert_eq!(serde_json::to_string(&expected).unwrap(), r#"[{"kind":"crash","node":"pipeline-1","step":2}]"#);
        for bad in [r#"["garbage"]"#, r#"[{"kind": "crash", "node": "pipeline-1@2", "step": 1}]"#, r#"[{"kind": "crash", "node": "a b@2", "step": 0}]"#] {
            assert!(serde_json::from_str::<Record>(&format!(r#"{{"h": {bad}}}"#)).is_err(), "{bad}");
        }
    }
}
