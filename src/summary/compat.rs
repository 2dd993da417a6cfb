//! Reading older journals. Schema 1 stored a run's hypothesis as the Debug
//! strings of its fault variables (`Crash { node: "pipeline-1@2", step: 0 }`);
//! schema 2 stores the variables themselves. Both are read, so that a
//! campaign journaled by an older ldfi can still be resumed. A version this
//! ldfi does not know is refused: a newer ldfi changes the version only
//! when a field changes meaning, and reading on would misread it.

use serde::{Deserialize, Deserializer};

use crate::solver::{FaultVar, Hypothesis};

#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Var(FaultVar),
    Legacy(String),
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

/// A hypothesis as schema 2 writes it, or as schema 1 did.
pub fn hypothesis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Hypothesis, D::Error> {
    let stored = Vec::<Stored>::deserialize(deserializer)?;
    stored
        .into_iter()
        .map(|s| match s {
            Stored::Var(var) => Ok(var),
            Stored::Legacy(text) => parse_debug(&text)
                .ok_or_else(|| serde::de::Error::custom(format!("hypothesis variable {text:?} is neither a fault variable nor its schema-1 Debug form"))),
        })
        .collect()
}

/// Parses the Debug form of a [`FaultVar`].
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
        "Crash" => Some(FaultVar::crash(fields.get("node")?.clone(), step)),
        "Omission" => Some(FaultVar::omission(fields.get("from")?.clone(), fields.get("to")?.clone(), step)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_schema_versions_this_ldfi_knows_are_read() {
        #[derive(Debug, Deserialize)]
        struct Versioned {
            #[serde(deserialize_with = "schema_version")]
            schema_version: u32,
        }
        for known in [1, 2] {
            let read = serde_json::from_str::<Versioned>(&format!("{{\"schema_version\": {known}}}")).unwrap();
            assert_eq!(read.schema_version, super::super::SCHEMA_VERSION, "read, it is in the current shape");
        }
        for unknown in ["0", "3", "99", "4294967295"] {
            let e = serde_json::from_str::<Versioned>(&format!("{{\"schema_version\": {unknown}}}")).unwrap_err().to_string();
            assert!(e.contains(&format!("schema_version {unknown} is not one this ldfi reads")), "{e}");
        }
    }

    #[test]
    fn schema_1_debug_strings_and_schema_2_values_both_read() {
        for var in [FaultVar::crash("leader(input/0)@3", 0), FaultVar::omission("pipeline-1", "brokers", 2)] {
            assert_eq!(parse_debug(&format!("{var:?}")), Some(var.clone()));
        }
        #[derive(Deserialize)]
        struct Record {
            #[serde(deserialize_with = "hypothesis")]
            h: Hypothesis,
        }
        let old = r#"{"h": ["Crash { node: \"pipeline-1@2\", step: 0 }"]}"#;
        let new = r#"{"h": [{"kind": "crash", "node": "pipeline-1@2", "step": 0}]}"#;
        let expected: Hypothesis = [FaultVar::crash("pipeline-1@2", 0)].into_iter().collect();
        assert_eq!(serde_json::from_str::<Record>(old).unwrap().h, expected);
        assert_eq!(serde_json::from_str::<Record>(new).unwrap().h, expected);
        assert!(serde_json::from_str::<Record>(r#"{"h": ["garbage"]}"#).is_err());
    }
}
