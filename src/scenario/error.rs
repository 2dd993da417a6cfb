//! Scenario errors: the file, where in it, which field, and the fix.

use std::path::PathBuf;

use thiserror::Error;

/// One thing wrong with a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the field, e.g. `topics[1].replication_factor`.
    pub field: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
    pub fix: String,
}

/// A scenario that cannot be used.
#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("{file}: cannot read: {source}\n  fix: give a scenario file: TOML text of at most {}, e.g. scenarios/copy-at-least-once.toml", super::file::size(super::file::MAX_SCENARIO_BYTES))]
    Read { file: PathBuf, #[source] source: super::file::ReadError },

    #[error("{file}:{}", render(.problems))]
    Invalid { file: PathBuf, problems: Vec<Problem> },
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| {
            let at = p.position.map(|(l, c)| format!("{l}:{c}: ")).unwrap_or_default();
            format!("{at}{}: {}\n  fix: {}", p.field, p.message, p.fix)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// 1-based line and column (in characters) of a byte offset.
pub fn position(source: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let before = &source[..end];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
    (line, column)
}
