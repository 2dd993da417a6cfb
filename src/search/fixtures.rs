//! Test fixtures shared by the search's modules and the campaign's tests: a small copy
//! scenario with the fault budget each test needs, and lineage facts and
//! fault variables written as text.

use crate::scenario::Scenario;

pub use crate::solver::testing::{alive, crash, link, node, omission, peer};

/// A copy pipeline from `input` to `output` with `faults` as its
/// `[faults]` table body (TOML lines).
pub fn copy_scenario(faults: &str) -> Scenario {
    copy_scenario_with(1, faults)
}

/// [`copy_scenario`] with `instances` pipeline instances.
pub fn copy_scenario_with(instances: u8, faults: &str) -> Scenario {
    let text = format!(
        "name = \"s\"\n[[topics]]\nname = \"input\"\n[[topics]]\nname = \"output\"\n[pipeline]\nkind = \"copy\"\n\
         input = \"input\"\noutput = \"output\"\ninstances = {instances}\n[workload]\nrecords_per_step = 1\n[faults]\n{faults}"
    );
    Scenario::parse(std::path::Path::new("test.toml"), &text).unwrap()
}

/// A chain of two copies (`input` → `middle` → `output`), one instance
/// each: `pipeline-1` in the first stage, `pipeline-2` in the second.
pub fn chain_scenario(faults: &str) -> Scenario {
    let text = format!(
        "name = \"s\"\n[[topics]]\nname = \"input\"\n[[topics]]\nname = \"middle\"\n[[topics]]\nname = \"output\"\n\
         [pipeline]\nkind = \"copy\"\ninput = \"input\"\noutput = \"middle\"\n\
         [[stages]]\nkind = \"copy\"\ninput = \"middle\"\noutput = \"output\"\n\
         [workload]\nrecords_per_step = 1\n[faults]\n{faults}"
    );
    Scenario::parse(std::path::Path::new("test.toml"), &text).unwrap()
}

