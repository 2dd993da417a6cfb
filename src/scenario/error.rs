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
    #[error("{file}: cannot read: {source}")]
    Read { file: PathBuf, #[source] source: std::io::Error },

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

/// 1-based line and column of a byte offset.
pub fn position(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, column)
}
