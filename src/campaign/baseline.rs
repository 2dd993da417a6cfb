//! Whether the fault-free run is a baseline to reason from.
//!
//! Every hypothesis is a cut of the fault-free run's lineage: a run in
//! which nothing was acknowledged, or nothing was read back, has no good
//! outcome, so its lineage is empty, the solver has nothing to cut, and a
//! certificate after it would be vacuous. A fault-free run without a
//! verdict proves nothing either. None of these is a violation (no
//! property failed) nor a certificate: the campaign ends inconclusive and
//! says what to check.

use crate::checker::{RunVerdict, Verdict};

/// Why the fault-free run `run` is no baseline, with what to check, or
/// `None` when it is one. A failed fault-free run is a violation, not a
/// missing baseline.
pub fn missing(verdict: &RunVerdict, run: &str) -> Option<String> {
    if verdict.verdict == Verdict::Fail {
        return None;
    }
    if verdict.verdict == Verdict::Unknown {
        let why: Vec<&str> =
            verdict.results.iter().filter(|r| r.verdict == Verdict::Unknown).map(|r| r.summary.trim_end_matches('.')).collect();
        return Some(format!(
            "no baseline: the fault-free run {run} gave no verdict{}, so no lineage could be learned from it; \
             check {run}'s harness.jsonl (run_finished error, drained) and the pipeline's log beside it: \
             did the run fail, or did the output not settle before it was read?",
            if why.is_empty() { String::new() } else { format!(" ({})", why.join("; ")) }
        ));
    }
    if verdict.acked == 0 {
        return Some(format!(
            "no baseline: in the fault-free run {run} no input was acknowledged ({} written), so no outcome had a lineage to cut; \
             check {run}'s nodes/workload/workload.jsonl for the produce errors: does the input topic exist, do the brokers accept the \
             workload's acks (min.insync.replicas)?",
            verdict.inputs
        ));
    }
    if verdict.outputs == 0 {
        return Some(format!(
            "no baseline: in the fault-free run {run} nothing was read back from the output ({} inputs acknowledged), \
             so no outcome had a lineage to cut; check that the pipeline started (its log in {run}), reads the scenario's \
             input topic and writes its output topic (the {{input}} and {{output}} placeholders), and had time to catch up \
             (pipeline.startup_secs)",
            verdict.acked
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(verdict: Verdict, inputs: usize, acked: usize, outputs: usize) -> RunVerdict {
        RunVerdict { verdict, results: Vec::new(), inputs, acked, outputs, unproven: Vec::new() }
    }

    #[test]
    fn a_fault_free_run_with_outcomes_is_a_baseline_and_a_failed_one_a_violation() {
        assert_eq!(missing(&verdict(Verdict::Pass, 3, 3, 3), "r0"), None);
        assert_eq!(missing(&verdict(Verdict::Fail, 3, 3, 0), "r0"), None);
    }

    #[test]
    fn nothing_acknowledged_nothing_read_back_or_no_verdict_is_no_baseline() {
        let unacked = missing(&verdict(Verdict::Pass, 3, 0, 0), "r0").unwrap();
        assert!(unacked.contains("no input was acknowledged (3 written)") && unacked.contains("workload.jsonl"), "{unacked}");
        let unread = missing(&verdict(Verdict::Pass, 3, 3, 0), "r0").unwrap();
        assert!(unread.contains("nothing was read back") && unread.contains("{output}"), "{unread}");
        let unknown = missing(&verdict(Verdict::Unknown, 3, 3, 3), "r0").unwrap();
        assert!(unknown.contains("gave no verdict") && unknown.contains("harness.jsonl"), "{unknown}");
    }
}
