//! Fault plans: which faults, over which steps. The same value is produced
//! by the solver, executed by a run, shown in a report and read back by
//! `replay`.
//!
//! Here, below every stage that handles plans: the solver and the lineage
//! build and read them without a cluster; only the run executes them on
//! one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Fault;

/// A fault in force over the steps `start..end`: applied at the boundary
/// before step `start`, healed at the boundary before step `end`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlannedFault {
    pub fault: Fault,
    pub start: u32,
    pub end: u32,
}

/// A set of faults for one run, with the seed it was drawn with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FaultPlan {
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub faults: Vec<PlannedFault>,
}

impl FaultPlan {
    /// The fault-free plan.
    pub fn none() -> FaultPlan {
        FaultPlan::default()
    }

    /// Faults to apply at the boundary before `step`.
    pub fn starting(&self, step: u32) -> impl Iterator<Item = &Fault> {
        self.faults.iter().filter(move |f| f.start == step).map(|f| &f.fault)
    }

    /// Faults to heal at the boundary before `step`.
    pub fn ending(&self, step: u32) -> impl Iterator<Item = &Fault> {
        self.faults.iter().filter(move |f| f.end == step).map(|f| &f.fault)
    }

    /// Checks windows against the end of finite failures; every fault
    /// must be healed by `eff`.
    pub fn validate(&self, eff: u32) -> Result<(), String> {
        for f in &self.faults {
            if f.start >= f.end {
                return Err(format!("{}: window {}..{} is empty", f.fault, f.start, f.end));
            }
            if f.end > eff {
                return Err(format!("{}: healed at step {} but every fault must end by eff = {eff}", f.fault, f.end));
            }
        }
        let distinct: BTreeSet<String> = self.faults.iter().map(|f| serde_json::to_string(f).unwrap_or_default()).collect();
        if distinct.len() != self.faults.len() {
            return Err("the plan lists the same fault twice".to_string());
        }
        Ok(())
    }
}

impl std::fmt::Display for FaultPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.faults.is_empty() {
            return f.write_str("no faults");
        }
        let parts: Vec<String> =
            self.faults.iter().map(|p| format!("{} over steps {}..{}", p.fault, p.start, p.end)).collect();
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeId;

    #[test]
    fn windows_start_and_end_at_step_boundaries() {
        let plan = FaultPlan {
            seed: 3,
            faults: vec![PlannedFault { fault: Fault::Crash { node: NodeId::client("pipeline-1") }, start: 2, end: 4 }],
        };
        assert_eq!(plan.starting(2).count(), 1);
        assert_eq!(plan.ending(4).count(), 1);
        assert_eq!(plan.starting(3).count(), 0);
        assert!(plan.validate(4).is_ok());
        assert!(plan.validate(3).unwrap_err().contains("eff = 3"));
        assert_eq!(plan.to_string(), "crash pipeline-1 over steps 2..4");
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<FaultPlan>(&json).unwrap(), plan);
    }
}
