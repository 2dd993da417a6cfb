//! Reports: what a person reads after a campaign, and what CI consumes.
//!
//! `reports/<campaign>/` holds, each written atomically (a crash never
//! leaves half a file):
//! - `summary.json`: the campaign as data (schema: docs/summary-schema.md),
//!   its journal, rewritten after every run so that a counterexample once
//!   found is never lost;
//! - `report.md`: the report in plain text, for a terminal or a CI log;
//! - `report.html`: one self-contained page (verdict in a sentence, the
//!   minimal fault set in words, a space-time diagram of the failing run,
//!   the lineage of a broken outcome, the records, the search, the replay
//!   command);
//! - `junit.xml`: one test case per property, failing with the counterexample.
//!
//! The last three are rendered when the campaign ends (or is interrupted),
//! and by `ldfi report`: rendering reads the traces back, rebuilds lineage
//! and runs Graphviz, which is too much to repeat after every run for files
//! nobody reads until the end (see the campaign's subscribers). This module
//! reads the campaign's record ([`crate::summary`]) and knows nothing of
//! the loop that wrote it.
//!
//! Pure cores, thin shell: [`evidence`] reads the traces (and calls
//! Graphviz) once; [`content`], [`markdown`], [`html`], [`junit`],
//! [`timeline`] and [`words`] are pure functions from the summary and that
//! evidence to strings; [`write_reports`] writes the renders, [`write_all`]
//! the record and the renders; [`load()`] rebuilds a
//! summary from a report or a traces directory (`ldfi report`).

pub mod content;
pub mod escape;
pub mod evidence;
mod graphviz;
pub mod html;
pub mod junit;
pub mod load;
pub mod markdown;
pub mod timeline;
pub mod words;

use std::path::Path;

pub use evidence::{gather, Evidence};
pub use load::{load, LoadError};

use crate::summary::CampaignSummary;
use crate::trace::write_atomic;

/// The folder that holds `reports/` and `traces/`, for a report directory
/// `reports/<campaign>`: relative run directories in the summary resolve
/// against it when they do not resolve against the current directory.
pub fn root_of(report_dir: &Path) -> &Path {
    report_dir.parent().and_then(Path::parent).unwrap_or(Path::new("."))
}

/// Writes summary.json, report.md, report.html and junit.xml into `dir`,
/// each atomically. Traces that cannot be read make notes in the reports,
/// never an error: only writing can fail.
pub fn write_all(summary: &CampaignSummary, dir: &Path) -> std::io::Result<()> {
    summary.write(dir)?;
    write_reports(summary, dir)
}

/// Writes report.md, report.html and junit.xml into `dir`, each
/// atomically: the renders that read the traces, rebuild the lineage of a
/// broken outcome and run Graphviz ([`gather`]).
pub fn write_reports(summary: &CampaignSummary, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let evidence = gather(summary, root_of(dir));
    let shown = dir.display().to_string();
    write_atomic(&dir.join("report.md"), markdown::render(summary, &evidence, &shown).as_bytes())?;
    write_atomic(&dir.join("report.html"), html::render(summary, &evidence, &shown).as_bytes())?;
    let xml = junit::render(summary, &evidence, &shown).map_err(std::io::Error::other)?;
    write_atomic(&dir.join("junit.xml"), xml.as_bytes())
}
