//! `ldfi report DIR [--out DIR]`: rebuilds a campaign's report (summary.json,
//! report.md, report.html, junit.xml) from a report directory or from a
//! campaign's traces alone. Bad input exits 2 with the file and the fix.

use std::path::{Path, PathBuf};

use ldfi::report::{self, load::Source};

use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_OK};

pub fn run(dir: &Path, out: Option<&Path>, traces: Option<&Path>) -> u8 {
    let (summary, source) = match report::load::load_from(dir, traces) {
        Ok(loaded) => loaded,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let out: PathBuf = match (out, source) {
        (Some(out), _) => out.to_path_buf(),
        (None, Source::Report) => dir.to_path_buf(),
        (None, Source::Traces) => {
            let out = Path::new("reports").join(&summary.campaign);
            if out.join("summary.json").exists() {
                return fail(
                    EXIT_BAD_INPUT,
                    format!(
                        "{} already holds this campaign's report, richer than traces alone\n  fix: rebuild it with `ldfi report {}`, or write elsewhere with --out DIR",
                        out.display(),
                        out.display()
                    ),
                );
            }
            out
        }
    };
    if let Err(e) = report::write_all(&summary, &out) {
        return fail(EXIT_INFRA, format!("{}: cannot write the report: {e}", out.display()));
    }
    say!("{}", report::content::verdict_sentence(&summary));
    say!("report: {}", out.join("report.html").display());
    EXIT_OK
}
