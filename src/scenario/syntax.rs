//! The first gate: TOML syntax, duplicate keys and types, each refused as a
//! [`Problem`] with its position, the field it concerns and a fix.
//!
//! Syntax errors and duplicates are all reported at once (toml's parser
//! recovers and goes on); a type error stops serde, so it is reported
//! alone, as the first problem a second `ldfi validate` would show anyway.

use toml::de::DeTable;
use toml::Spanned;

use super::error::{position, Problem};
use super::locate;
use super::raw::RawScenario;

/// Where every field's fix points to.
const README: &str = "scenarios/README.md lists every field and its allowed values";

/// The raw scenario and its untyped document (for the positions of keys
/// that validation judges), or every syntax problem, or the type problem.
pub fn parse(source: &str) -> Result<(RawScenario, Spanned<DeTable<'_>>), Vec<Problem>> {
    let (doc, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        return Err(errors.iter().map(|e| problem(&doc, source, e)).collect());
    }
    match toml::from_str::<RawScenario>(source) {
        Ok(raw) => Ok((raw, doc)),
        Err(e) => Err(vec![problem(&doc, source, &e)]),
    }
}

/// One toml or serde error as a problem.
fn problem(doc: &Spanned<DeTable>, source: &str, e: &toml::de::Error) -> Problem {
    let span = e.span().unwrap_or(0..0);
    let text = e.message().trim();
    let quoted = text.split('`').nth(1).unwrap_or("");
    let located = if span.is_empty() && span.start == 0 { String::new() } else { locate::field_at(doc.get_ref(), source, span.clone()) };
    let (field, message, fix) = if text == "duplicate key" {
        let field = if located.is_empty() { "(file)".to_string() } else { located };
        (field, "given twice".to_string(),
            "keep one: a key, or a [table] header, appears once in a TOML file (merge the two)".to_string())
    } else if let Some(rest) = text.strip_prefix("missing field ") {
        let name = rest.trim_matches('`');
        let field = if located.is_empty() { name.to_string() } else { format!("{located}.{name}") };
        (field, "is required".to_string(), format!("add {name} = ...; {README}"))
    } else if text.starts_with("unknown field ") {
        (nonempty(located, quoted), text.to_string(), format!("remove it, or correct its spelling; {README}"))
    } else if text.starts_with("invalid type") || text.starts_with("invalid value") || text.starts_with("data did not match") {
        let expected = text.rsplit_once(", expected ").map(|(_, e)| expected_words(e)).unwrap_or("a value of the documented type");
        (nonempty(located, quoted), text.to_string(), format!("give {expected}; {README}"))
    } else if text.starts_with("unknown variant") {
        (nonempty(located, quoted), text.to_string(), format!("use one of the values named; {README}"))
    } else {
        (nonempty(located, ""), text.to_string(), "correct the TOML syntax at this position (https://toml.io)".to_string())
    };
    Problem { field, position: Some(position(source, span.start)), message, fix }
}

fn nonempty(field: String, or: &str) -> String {
    match (field.is_empty(), or.is_empty()) {
        (false, _) => field,
        (true, false) => or.to_string(),
        (true, true) => "(file)".to_string(),
    }
}

/// serde's name of an expected type, in words.
fn expected_words(expected: &str) -> &'static str {
    match expected {
        "u8" => "a whole number from 0 to 255",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" => "a whole number from 0 to 18446744073709551615",
        "i32" => "a whole number from -2147483648 to 2147483647",
        "a string" => "a string in double quotes",
        "a boolean" => "true or false",
        "a sequence" => "an array, e.g. [\"a\", \"b\"]",
        "a map" => "a table, e.g. { key = \"value\" }",
        e if e.starts_with("struct") => "a table",
        _ => "a value of the documented type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(source: &str) -> Vec<Problem> {
        match parse(source) {
            Ok(_) => panic!("accepted: {source}"),
            Err(problems) => problems,
        }
    }

    #[test]
    fn a_table_given_twice_names_the_table_and_its_line() {
        let p = problems("name = \"a\"\n[cluster]\nbrokers = 3\n[cluster]\nbrokers = 4\n");
        assert_eq!(p[0].field, "cluster");
        assert_eq!(p[0].position, Some((4, 2)));
        assert_eq!(p[0].message, "given twice");
        assert!(p[0].fix.contains("keep one"), "{}", p[0].fix);
    }

    #[test]
    fn type_errors_name_the_field_and_the_type_wanted() {
        let p = problems("name = \"a\"\n[cluster]\nbrokers = \"three\"\n");
        assert_eq!((p[0].field.as_str(), p[0].position), ("cluster.brokers", Some((3, 11))));
        assert!(p[0].fix.contains("a whole number from 0 to 255"), "{}", p[0].fix);
        let p = problems("name = \"a\"\n[[topics]]\nname = \"x\"\n[[topics]]\nname = \"y\"\npartitions = 1.5\n");
        assert_eq!(p[0].field, "topics[1].partitions");
        let p = problems("name = \"a\"\n[[topics]]\nname = \"x\"\nsize = 1\n");
        assert_eq!(p[0].field, "topics[0].size");
        assert!(p[0].message.contains("unknown field"), "{}", p[0].message);
    }

    #[test]
    fn missing_fields_are_named_under_their_table() {
        let p = problems("name = \"a\"\n[pipeline]\nkind = \"copy\"\ninput = \"i\"\noutput = \"o\"\n[workload]\n[faults]\nkinds = []\n");
        assert_eq!(p[0].field, "faults.eot");
        let p = problems("[faults]\neot = 3\n");
        assert_eq!(p[0].field, "name");
    }

    #[test]
    fn every_syntax_error_is_reported() {
        let p = problems("name = \"a\"\nname = \"b\"\n[faults\neot = 3\n");
        assert!(p.len() >= 2, "{p:?}");
        assert!(p.iter().all(|p| p.position.is_some() && !p.fix.is_empty()), "{p:?}");
    }
}
