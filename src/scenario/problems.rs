//! Where a scenario's problems are collected, each with the file position
//! of the field it names. Validation of the whole file and of each
//! pipeline's program both write here, so neither imports the other.

use toml::de::DeTable;
use toml::Spanned;

use super::error::{position, Problem};
use super::locate::key_span;

/// Collects every problem of one scenario file, with positions.
pub(super) struct Checker<'a> {
    pub source: &'a str,
    /// The document without types: where keys that carry no span of their
    /// own in the raw structs were written.
    pub doc: &'a DeTable<'a>,
    pub problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn at<T>(&mut self, spanned: &Spanned<T>, field: &str, message: impl Into<String>, fix: impl Into<String>) {
        let position = Some(position(self.source, spanned.span().start));
        self.problems.push(Problem { field: field.into(), position, message: message.into(), fix: fix.into() });
    }

    /// A problem with the key at `path` (`["cluster", "broker_configs",
    /// "x"]`, an index for an array's item), named as `field`.
    pub(super) fn at_key(&mut self, path: &[&str], field: &str, message: impl Into<String>, fix: impl Into<String>) {
        let position = key_span(self.doc, path).map(|span| position(self.source, span.start));
        self.problems.push(Problem { field: field.into(), position, message: message.into(), fix: fix.into() });
    }

    pub(super) fn nowhere(&mut self, field: &str, message: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem { field: field.into(), position: None, message: message.into(), fix: fix.into() });
    }
}
