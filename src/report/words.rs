//! Fault plans in plain words, for people who have never seen ldfi:
//! "crash broker 1 at step 3 after cutting broker 1 off brokers 2 and 3 at
//! step 2". The `Display` of a plan is exact but terse; this is the sentence
//! a report leads with. Pure.

use crate::model::{Delay, Fault, FaultPlan, Loss, NodeId, PlannedFault, Rate, Role};
pub use crate::model::words::{and_list, node, nodes};
use crate::solver::{FaultVar, Peer};

/// `n` things in words: `1 crash`, `2 crashes`, `3 brokers`.
pub fn counted(n: usize, one: &str) -> String {
    match (n, one.ends_with('h') || one.ends_with('s')) {
        (1, _) => format!("1 {one}"),
        (_, true) => format!("{n} {one}es"),
        _ => format!("{n} {one}s"),
    }
}

/// `n` of a thing whose plural is irregular: `1 hypothesis`, `2 hypotheses`.
pub fn counted_as(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// How a campaign's plans realize the solver's link variables: cut (the
/// link carries nothing), lossy (part of its packets dropped, TCP sends
/// them again), slow (a token bucket on the sender) or reset (its TCP
/// connections refused and broken at once). The words of a
/// hypothesis must say which: "cut off" over a lossy link claims a fault
/// that was never injected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Links {
    Cut,
    Lossy(Loss),
    Slow(Rate),
    Reset,
    Delayed(Delay),
}

impl Links {
    /// How `plan` realized its links: a lossy or slow link, or a reset, if
    /// it holds one (each is the only network kind of its campaign), else
    /// a cut.
    pub fn of(plan: &FaultPlan) -> Links {
        plan.faults
            .iter()
            .find_map(|f| match &f.fault {
                Fault::LossyLink { loss, .. } => Some(Links::Lossy(*loss)),
                Fault::SlowLink { rate, .. } => Some(Links::Slow(*rate)),
                Fault::Reset { .. } => Some(Links::Reset),
                Fault::DelayLink { delay, .. } => Some(Links::Delayed(*delay)),
                _ => None,
            })
            .unwrap_or(Links::Cut)
    }
}

/// One fault variable of the solver in words: what the hypothesis takes
/// away, at which step (`pipeline-1 down during step 2`, `the leader of
/// input/0 cut off from the other brokers during step 1`), its links
/// worded as cut. The plan that realizes it is said by [`plan`].
pub fn variable(var: &FaultVar) -> String {
    variable_over(var, Links::Cut)
}

/// One fault variable in words, its link as `links` realizes it.
pub fn variable_over(var: &FaultVar, links: Links) -> String {
    let (from, to, step) = match var {
        FaultVar::Crash { node: n, step } => return format!("{} down during step {step}", node(n)),
        FaultVar::Omission { from, to, step } => (from, to, step),
    };
    let (from_words, to_words) = match (from, to) {
        (Peer::Node(n @ NodeId::Role(Role::Leader { .. })), Peer::Brokers) => (node(n), "its followers".to_string()),
        (Peer::Node(n @ NodeId::Broker(_)), Peer::Brokers) => (node(n), "the other brokers".to_string()),
        _ => (end(from), end(to)),
    };
    let cut_off = matches!((from, to), (Peer::Node(NodeId::Role(Role::Leader { .. }) | NodeId::Broker(_)), Peer::Brokers));
    let owner = if *from == Peer::Brokers { "the brokers'".to_string() } else { format!("{from_words}'s") };
    match links {
        Links::Cut if cut_off => format!("{from_words} cut off from {to_words} during step {step}"),
        Links::Cut => format!("{owner} packets to {to_words} lost during step {step}"),
        Links::Slow(rate) => format!("{owner} packets to {to_words} slowed to {rate} during step {step}"),
        Links::Reset => format!("{owner} connections to {to_words} reset during step {step}"),
        Links::Delayed(delay) => {
            format!("the packets between {from_words} and {to_words} delayed by {delay} during step {step}")
        }
        Links::Lossy(loss) => {
            format!("{} of the packets between {from_words} and {to_words} dropped during step {step}", loss.percent())
        }
    }
}

/// One end of a link in a sentence: a node, or `the brokers`.
fn end(p: &Peer) -> String {
    match p {
        Peer::Brokers => "the brokers".to_string(),
        Peer::Node(n) => node(n),
    }
}

/// A hypothesis in words: its variables joined by "and", links worded as
/// cut.
pub fn hypothesis(h: &crate::solver::Hypothesis) -> String {
    hypothesis_over(h, Links::Cut)
}

/// A hypothesis in words, its links as `links` realizes them.
pub fn hypothesis_over(h: &crate::solver::Hypothesis, links: Links) -> String {
    and_list(&h.iter().map(|v| variable_over(v, links)).collect::<Vec<_>>())
}

/// The fault as an order: `crash broker 1`.
pub fn verb(fault: &Fault) -> String {
    let (verb, _, object) = fault.order();
    format!("{verb} {object}")
}

/// The fault as a gerund: `crashing broker 1`.
fn gerund(fault: &Fault) -> String {
    let (_, gerund, object) = fault.order();
    format!("{gerund} {object}")
}

/// How the fault ends: `broker 1 restarted at step 4`.
fn healed(p: &PlannedFault) -> String {
    p.fault.healed(p.end)
}

/// The whole plan in one sentence. The last fault to start is the main
/// clause; earlier ones are what came before it ("after cutting ...").
pub fn plan(plan: &FaultPlan) -> String {
    if plan.faults.is_empty() {
        return "no faults (the fault-free run)".to_string();
    }
    let mut faults: Vec<&PlannedFault> = plan.faults.iter().collect();
    faults.sort_by_key(|p| (p.start, p.end));
    // Group faults that start at the same step.
    let mut groups: Vec<(u32, Vec<&PlannedFault>)> = Vec::new();
    for p in &faults {
        match groups.last_mut() {
            Some((start, group)) if *start == p.start => group.push(p),
            _ => groups.push((p.start, vec![p])),
        }
    }
    let (last_start, last) = groups.pop().expect("at least one fault");
    let main: Vec<String> = last.iter().map(|p| verb(&p.fault)).collect();
    let mut sentence = format!("{} at step {last_start}", and_list(&main));
    if !groups.is_empty() {
        let before: Vec<String> = groups
            .iter()
            .rev()
            .map(|(start, group)| {
                let g: Vec<String> = group.iter().map(|p| gerund(&p.fault)).collect();
                format!("{} at step {start}", and_list(&g))
            })
            .collect();
        sentence.push_str(&format!(" after {}", and_list(&before)));
    }
    let heals: Vec<String> = faults.iter().map(|p| healed(p)).collect();
    let mut heals_unique = Vec::new();
    for h in heals {
        if !heals_unique.contains(&h) {
            heals_unique.push(h);
        }
    }
    sentence.push_str(&format!(" ({})", and_list(&heals_unique)));
    sentence
}

#[cfg(test)]
mod tests {
    #[test]
    fn hypotheses_in_words() {
        use crate::solver::testing::{crash, omission};
        use crate::solver::Hypothesis;
        let h: Hypothesis = [
            crash("leader(input/0)", 2),
            omission("leader(input/0)", "brokers", 1),
            omission("brokers", "pipeline-1", 3),
            omission("pipeline-1", "brokers", 4),
            omission("broker-2", "brokers", 0),
        ]
        .into_iter()
        .collect();
        let words: Vec<String> = h.iter().map(super::variable).collect();
        assert_eq!(
            words,
            [
                "the leader of input/0 down during step 2",
                "broker 2 cut off from the other brokers during step 0",
                "the brokers' packets to pipeline-1 lost during step 3",
                "the leader of input/0 cut off from its followers during step 1",
                "pipeline-1's packets to the brokers lost during step 4",
            ]
        );
    }

    /// A lossy or slow campaign's variables say what its plans did to the
    /// link, never "cut off"; crashes read the same whatever the links.
    #[test]
    fn link_variables_in_words_follow_how_the_plan_realized_them() {
        use crate::solver::testing::{crash, omission};
        let vars = [omission("leader(input/0)", "brokers", 1), omission("pipeline-1", "brokers", 4), crash("pipeline-1", 2)];
        let said = |links| vars.iter().map(|v| super::variable_over(v, links)).collect::<Vec<_>>();
        assert_eq!(
            said(super::Links::Lossy(Loss::new(0.3).unwrap())),
            [
                "30% of the packets between the leader of input/0 and its followers dropped during step 1",
                "30% of the packets between pipeline-1 and the brokers dropped during step 4",
                "pipeline-1 down during step 2",
            ]
        );
        let rate: crate::model::Rate = serde_json::from_str("\"64kbit\"").unwrap();
        assert_eq!(
            said(super::Links::Slow(rate))[..2],
            [
                "the leader of input/0's packets to its followers slowed to 64kbit during step 1",
                "pipeline-1's packets to the brokers slowed to 64kbit during step 4",
            ]
        );
        let lossy: FaultPlan = serde_json::from_str(
            r#"{"seed":1,"faults":[{"fault":{"kind":"lossy_link","left":["pipeline-1"],"right":["broker-1"],"loss":0.25},"start":1,"end":3}]}"#,
        )
        .unwrap();
        assert_eq!(super::Links::of(&lossy), super::Links::Lossy(Loss::new(0.25).unwrap()));
        assert_eq!(super::Links::of(&FaultPlan::default()), super::Links::Cut);
    }

    use super::*;

    fn planned(fault: &str, start: u32, end: u32) -> PlannedFault {
        PlannedFault { fault: serde_json::from_str(fault).unwrap(), start, end }
    }

    #[test]
    fn a_crash_after_a_cut_reads_as_one_sentence() {
        let plan = FaultPlan {
            seed: 1,
            faults: vec![
                planned(r#"{"kind":"crash","node":"broker-1"}"#, 3, 5),
                planned(r#"{"kind":"cut","left":["broker-1"],"right":["broker-2","broker-3"]}"#, 2, 5),
            ],
        };
        assert_eq!(
            super::plan(&plan),
            "crash broker 1 at step 3 after cutting broker 1 off brokers 2 and 3 at step 2 \
             (the network healed at step 5 and broker 1 restarted at step 5)"
        );
    }

    #[test]
    fn degraded_links_read_as_what_still_flows() {
        let lossy = FaultPlan {
            seed: 0,
            faults: vec![planned(
                r#"{"kind":"lossy_link","left":["leader(output/0)"],"right":["followers(output/0)"],"loss":0.3}"#,
                13,
                15,
            )],
        };
        assert_eq!(
            super::plan(&lossy),
            "drop at random 30% of the packets between the leader of output/0 and the followers of output/0 at step 13 \
             (the link stopped dropping packets at step 15)"
        );
        let slow = FaultPlan { seed: 0, faults: vec![planned(r#"{"kind":"slow_link","node":"pipeline-1","rate":"64kbit"}"#, 2, 4)] };
        assert_eq!(super::plan(&slow), "slow what pipeline-1 sends to 64kbit at step 2 (pipeline-1 sent at full speed again from step 4)");
        assert_eq!(gerund(&slow.faults[0].fault), "slowing what pipeline-1 sends to 64kbit");
    }

    #[test]
    fn a_reset_reads_as_connections_refused_not_as_packets_lost() {
        let reset = FaultPlan {
            seed: 0,
            faults: vec![
                planned(r#"{"kind":"reset","left":["pipeline-1"],"right":["broker-1","broker-2"]}"#, 2, 4),
                planned(r#"{"kind":"crash","node":"broker-3"}"#, 3, 5),
            ],
        };
        assert_eq!(
            super::plan(&reset),
            "crash broker 3 at step 3 after resetting every connection between pipeline-1 and brokers 1 and 2 at step 2 \
             (connections were accepted again at step 4 and broker 3 restarted at step 5)"
        );
        assert_eq!(super::Links::of(&reset), super::Links::Reset);
        let var = crate::solver::testing::omission("pipeline-1", "brokers", 2);
        assert_eq!(super::variable_over(&var, super::Links::Reset), "pipeline-1's connections to the brokers reset during step 2");
        let delay = "300ms".parse().unwrap();
        assert_eq!(
            super::variable_over(&var, super::Links::Delayed(delay)),
            "the packets between pipeline-1 and the brokers delayed by 300ms during step 2"
        );
    }

    #[test]
    fn single_faults_roles_and_the_empty_plan() {
        assert_eq!(super::plan(&FaultPlan::none()), "no faults (the fault-free run)");
        let one = FaultPlan { seed: 0, faults: vec![planned(r#"{"kind":"crash","node":"pipeline-1"}"#, 2, 4)] };
        assert_eq!(super::plan(&one), "crash pipeline-1 at step 2 (pipeline-1 restarted at step 4)");
        let two = FaultPlan {
            seed: 0,
            faults: vec![
                planned(r#"{"kind":"pause","node":"leader(input/0)"}"#, 1, 2),
                planned(r#"{"kind":"isolate","node":"coordinator(g)"}"#, 1, 3),
            ],
        };
        assert_eq!(
            super::plan(&two),
            "pause the leader of input/0 and isolate the coordinator of group g from every other node at step 1 \
             (the leader of input/0 resumed at step 2 and the coordinator of group g reconnected at step 3)"
        );
    }
}
