//! From a position in a scenario file to the field a person would name
//! (`topics[1].partitions`, `cluster.broker_configs."log.dir"`).
//!
//! toml's errors (syntax, duplicate keys, and serde's type errors) carry a
//! byte span but name at most the last key, or nothing: `[cluster]` given
//! twice is just "duplicate key". The document parsed without types (toml's
//! `DeTable`, best effort even when it has errors) keeps the span of every
//! key and value, so the field is the key or value the span falls in, or
//! else the key written at the span under the table header above it.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One key or array item of the document: its dotted path and spans.
struct Node {
    path: String,
    key: Option<Range<usize>>,
    value: Range<usize>,
    /// A `[table]` or `[[array]]` header: its value span is the header.
    header: bool,
}

/// A key as written in a field path: bare when TOML allows it, else quoted.
pub fn key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

fn collect(table: &DeTable, parent: &str, source: &str, out: &mut Vec<Node>) {
    for (k, v) in table.iter() {
        let path = join(parent, &key(k.get_ref()));
        let header = source.get(v.span()).is_some_and(|s| s.starts_with('[')) && v.get_ref().is_table();
        out.push(Node { path: path.clone(), key: Some(k.span()), value: v.span(), header });
        descend(v, &path, source, out);
    }
}

fn descend(value: &Spanned<DeValue>, path: &str, source: &str, out: &mut Vec<Node>) {
    match value.get_ref() {
        DeValue::Table(t) => collect(t, path, source, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{path}[{i}]");
                let header = source.get(item.span()).is_some_and(|s| s.starts_with("[["));
                out.push(Node { path: path.clone(), key: None, value: item.span(), header });
                descend(item, &path, source, out);
            }
        }
        _ => {}
    }
}

fn contains(range: &Range<usize>, offset: usize) -> bool {
    range.start <= offset && offset < range.end.max(range.start + 1)
}

/// The field at byte `span` of `source`, whose untyped document is `doc`;
/// empty for the top level.
pub fn field_at(doc: &DeTable, source: &str, span: Range<usize>) -> String {
    let mut nodes = Vec::new();
    collect(doc, "", source, &mut nodes);
    let at = span.start;
    let smallest = |ranges: Vec<(&Range<usize>, &str)>| {
        ranges.into_iter().min_by_key(|(r, _)| r.end.saturating_sub(r.start)).map(|(_, path)| path.to_string())
    };
    let keys = nodes.iter().filter_map(|n| n.key.as_ref().filter(|k| contains(k, at)).map(|k| (k, n.path.as_str())));
    if let Some(path) = smallest(keys.collect()) {
        return path;
    }
    // A table header names itself: a broken one (`[workload`) gives the
    // recovered document spans that run past it. An array's header is
    // left to the values below, which know its index.
    let line_start = source[..at.min(source.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = source[line_start..].lines().next().unwrap_or("").trim();
    let header = line.strip_prefix('[').map(|h| {
        let name = h.trim_start_matches('[').split(']').next().unwrap_or("");
        name.split('.').map(|part| key(part.trim().trim_matches('"'))).collect::<Vec<_>>().join(".")
    });
    if let (Some(header), false) = (&header, line.starts_with("[[")) {
        return header.clone();
    }
    let values = nodes.iter().filter(|n| contains(&n.value, at)).map(|n| (&n.value, n.path.as_str()));
    if let Some(path) = smallest(values.collect()) {
        return path;
    }
    if let Some(header) = header {
        return header;
    }
    // Not in the document: a duplicate, or a syntax error: the key written
    // on the line, under the last header above it.
    let table = nodes.iter().filter(|n| n.header && n.value.start <= at).max_by_key(|n| n.value.start).map_or("", |n| n.path.as_str());
    let written = line.split('=').next().unwrap_or("").trim();
    if !written.is_empty() && written.len() <= 200 {
        let dotted = written.split('.').map(|part| key(part.trim().trim_matches('"'))).collect::<Vec<_>>().join(".");
        return join(table, &dotted);
    }
    table.to_string()
}

/// The span of the key at `path` (an index for an array's item), if
/// written.
pub fn key_span(doc: &DeTable, path: &[&str]) -> Option<Range<usize>> {
    let (last, parents) = path.split_last()?;
    let mut value: Option<&DeValue> = None;
    let mut table = doc;
    for name in parents {
        let next = match value {
            Some(DeValue::Array(items)) => items.get(name.parse::<usize>().ok()?)?,
            _ => table.get(*name)?,
        };
        value = Some(next.get_ref());
        if let DeValue::Table(t) = next.get_ref() {
            table = t;
        }
    }
    if let Some(DeValue::Array(items)) = value {
        return items.get(last.parse::<usize>().ok()?).map(|item| item.span());
    }
    table.get_key_value(*last).map(|(k, _)| k.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(source: &str, needle: &str, nth: usize) -> String {
        let (doc, _) = DeTable::parse_recoverable(source);
        let at = source.match_indices(needle).nth(nth).expect("needle").0;
        field_at(doc.get_ref(), source, at..at + needle.len())
    }

    #[test]
    fn spans_name_their_field() {
        let s = "name = \"a\"\n[cluster]\nbrokers = 3\n[[topics]]\nname = \"x\"\n[[topics]]\nname = \"y\"\npartitions = \"p\"\n\
                 [pipeline]\nenv = { \"A=B\" = \"1\" }\nbugs = [\n  \"x\",\n  4,\n]\n";
        assert_eq!(field(s, "3", 0), "cluster.brokers");
        assert_eq!(field(s, "\"p\"", 0), "topics[1].partitions");
        assert_eq!(field(s, "partitions", 0), "topics[1].partitions");
        assert_eq!(field(s, "\"1\"", 0), "pipeline.env.\"A=B\"");
        assert_eq!(field(s, "4", 0), "pipeline.bugs[1]");
        assert_eq!(field(s, "[pipeline]", 0), "pipeline");
    }

    #[test]
    fn duplicates_and_syntax_errors_name_the_line_they_are_on() {
        let s = "name = \"a\"\n[cluster]\nbrokers = 3\n[cluster]\nbrokers = 4\n";
        let (doc, errors) = DeTable::parse_recoverable(s);
        let fields: Vec<String> = errors.iter().map(|e| field_at(doc.get_ref(), s, e.span().unwrap())).collect();
        assert_eq!(fields, ["cluster", "cluster.brokers"]);
        let s = "name = \"a\"\nname = \"b\"\n[faults]\neot = 3\n[cluster\n";
        let (doc, errors) = DeTable::parse_recoverable(s);
        let fields: Vec<String> = errors.iter().map(|e| field_at(doc.get_ref(), s, e.span().unwrap())).collect();
        assert!(fields.contains(&"name".to_string()) && fields.contains(&"cluster".to_string()), "{fields:?}");
    }

    #[test]
    fn a_broken_header_names_itself() {
        let s = "name = \"a\"\n[workload\nrecords_per_step = 5\n\n[faults]\neot = 4\n";
        let (doc, errors) = DeTable::parse_recoverable(s);
        assert_eq!(field_at(doc.get_ref(), s, errors[0].span().unwrap()), "workload");
    }

    #[test]
    fn keys_are_found_by_path() {
        let s = "[cluster.broker_configs]\n\"log.dir\" = \"x\"\n";
        let (doc, _) = DeTable::parse_recoverable(s);
        assert_eq!(key_span(doc.get_ref(), &["cluster", "broker_configs", "log.dir"]), Some(25..34));
        assert_eq!(key_span(doc.get_ref(), &["cluster", "nothing"]), None);
        let s = "[[topics]]\nname = \"a\"\n[[topics]]\nname = \"b\"\nconfigs = { x = 1 }\n";
        let (doc, _) = DeTable::parse_recoverable(s);
        assert_eq!(key_span(doc.get_ref(), &["topics", "1", "configs", "x"]).map(|r| &s[r]), Some("x"));
    }
}
