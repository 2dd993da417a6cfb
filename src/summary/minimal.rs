//! A counterexample minimized: the smallest plan found that still breaks a
//! property, how often it did, and every run it took
//! (the campaign's `minimize` does the search).

use serde::{Deserialize, Serialize};

use crate::checker::Verdict;
use crate::model::FaultPlan;

/// One run tried while minimizing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub run: String,
    pub plan: FaultPlan,
    pub verdict: Verdict,
    /// Whether a property the counterexample broke broke again.
    pub reproduced: bool,
    pub wall_ms: u64,
    /// A re-run of the final plan, for its reproduction rate (not a
    /// smaller candidate).
    #[serde(default)]
    pub confirmation: bool,
}

/// The smallest plan found that still breaks a property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinimalPlan {
    pub plan: FaultPlan,
    /// Runs of `plan` that broke a property again...
    pub reproduced: u32,
    /// ...out of this many runs of `plan` (the one that found it included).
    pub of: u32,
    /// Every run minimization made, in order.
    pub attempts: Vec<Attempt>,
    /// Why the search stopped early, if it did (an infrastructure error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
