//! `ldfi lineage RUN_DIR`: the lineage of a run's good outcomes, from its
//! traces alone; `--dot ID` prints one outcome's lineage as Graphviz DOT.

use std::path::Path;

use ldfi::lineage;
use ldfi::trace;

use super::{fail, EXIT_BAD_INPUT, EXIT_OK};

pub fn run(dir: &Path, dot: Option<&str>) -> u8 {
    let lines = match trace::read_dir(dir) {
        Ok(lines) => lines,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let model = match lineage::build(&lines) {
        Ok(model) => model,
        Err(e) => return fail(EXIT_BAD_INPUT, format!("{}: {e}", dir.display())),
    };
    if let Some(id) = dot {
        let Some(trail) = model.trails.get(id) else {
            return fail(EXIT_BAD_INPUT, format!("no good outcome {id:?} in {}; ids look like r:in-12", dir.display()));
        };
        print!("{}", lineage::to_dot(id, trail));
        return EXIT_OK;
    }
    let distinct: std::collections::BTreeSet<_> = model.outcomes.values().collect();
    say!(
        "{}: {} good outcomes, {} derivations, {} distinct supports",
        dir.display(),
        model.outcomes.len(),
        model.derivation_count(),
        distinct.len()
    );
    if let Some((id, derivations)) = model.outcomes.iter().next() {
        say!("e.g. {id}:");
        for d in derivations {
            let facts: Vec<String> = d.iter().map(|f| f.to_string()).collect();
            say!("  {{{}}}", facts.join(", "));
        }
    }
    EXIT_OK
}
