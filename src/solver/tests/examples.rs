//! Hand-written examples with exact answers, each solved by both solvers.

use std::collections::BTreeSet;

use super::super::reduce::Reduced;
use super::super::{BruteForce, Hypothesis, HypothesisSpace, Model, ModelBuilder, Solver, SolverError, Z3Solver};
use super::*;

/// The answer of both solvers, which must agree.
fn solve(
    model: &Model,
    space: &HypothesisSpace,
    tried: &[Hypothesis],
    broken: &[Hypothesis],
    limit: usize,
) -> Vec<Hypothesis> {
    let z3 = Z3Solver.hypotheses(model, space, tried, broken, limit).expect("z3");
    let brute = BruteForce
        .hypotheses(model, space, tried, broken, limit)
        .expect("brute force");
    assert_eq!(z3, brute, "Z3Solver and BruteForce disagree");
    let count = Z3Solver.count(model, space, tried, broken, usize::MAX).expect("count");
    if limit >= count {
        assert_eq!(count, z3.len(), "count disagrees with the full list");
    }
    z3
}

const BROKERS: [&str; 3] = ["broker-1", "broker-2", "broker-3"];

/// A record written at `step` that survives on any of the three replicas.
fn replicated_record(step: u32) -> Model {
    model(vec![(
        "r:1",
        BROKERS.iter().map(|b| derivation([alive(b, step)])).collect(),
    )])
}

#[test]
fn a_record_on_three_replicas_needs_three_crashes() {
    let record = replicated_record(0);
    assert!(solve(&record, &space(&BROKERS, &[], 3, 2, 0), &[], &[], 100).is_empty());
    assert_eq!(
        solve(&record, &space(&BROKERS, &[], 3, 3, 0), &[], &[], 100),
        vec![hypothesis([
            crash("broker-1", 0),
            crash("broker-2", 0),
            crash("broker-3", 0)
        ])]
    );
}

#[test]
fn a_crash_cuts_its_node_at_its_own_step_only() {
    // Written at step 2 with faults in 0..3: only crashes at step 2 cut it.
    let found = solve(&replicated_record(2), &space(&BROKERS, &[], 3, 3, 0), &[], &[], 1000);
    assert_eq!(found, vec![hypothesis([crash("broker-1", 2), crash("broker-2", 2), crash("broker-3", 2)])]);
    // Relied on over two steps, a node is cut by a crash at either.
    assert_eq!(solve(&held(1), &space(&BROKERS, &[], 3, 3, 0), &[], &[], 1000).len(), 8);
    // At EFF every crashed node is back: a record at step 3 cannot be lost.
    assert!(solve(&replicated_record(3), &space(&BROKERS, &[], 3, 3, 0), &[], &[], 1000).is_empty());
}

/// A record written at `step` that survives on any of the three replicas
/// alive during `step` and the next.
fn held(step: u32) -> Model {
    model(vec![(
        "r:1",
        BROKERS.iter().map(|b| derivation([alive(b, step), alive(b, step + 1)])).collect(),
    )])
}

/// acks=1, Molly's Kafka example: the leader acknowledges before the
/// follower has the record. The record is produced and replicated during
/// step 0 and read during step 1. The fault-free run shows one derivation;
/// each injected fault that the system survives adds the path it took
/// instead, until only "cut the replication, then crash the leader" is left.
#[test]
fn acks_1_loses_a_record_to_the_cut_plus_the_crash() {
    let (leader, follower) = ("broker-1", "broker-2");
    let space = space(&[leader], &[(leader, follower)], 2, 1, 1);
    let observed = derivation([link(leader, follower, 0), alive(leader, 1)]);
    let (crash_late, cut) = (crash(leader, 1), omission(leader, follower, 0));

    let run0 = model(vec![("r:1", vec![observed.clone()])]);
    assert_eq!(
        solve(&run0, &space, &[], &[], 10),
        vec![hypothesis([crash_late.clone()]), hypothesis([cut.clone()])]
    );

    // A crash at step 1: it is read from the follower.
    let mut tried = vec![hypothesis([crash_late.clone()])];
    let on_follower = derivation([link(leader, follower, 0), alive(follower, 1)]);
    let run1 = model(vec![("r:1", vec![observed.clone(), on_follower.clone()])]);
    assert_eq!(solve(&run1, &space, &tried, &[], 10), vec![hypothesis([cut.clone()])]);

    // Cutting the replication: it is read from the leader.
    tried.push(hypothesis([cut.clone()]));
    let on_leader = derivation([alive(leader, 1)]);
    let run2 = model(vec![("r:1", vec![observed, on_follower, on_leader])]);
    assert_eq!(
        solve(&run2, &space, &tried, &[], 10),
        vec![hypothesis([crash_late.clone(), cut.clone()])]
    );

    // Without the omission in the budget nothing is left: certified.
    let mut crashes_only = space.clone();
    crashes_only.max_omissions = 0;
    assert!(solve(&run2, &crashes_only, &tried, &[], 10).is_empty());
}

#[test]
fn tried_sets_are_skipped_and_their_supersets_are_not_minimal() {
    let record = replicated_record(0);
    let space = space(&BROKERS, &[], 1, 3, 0);
    let all = hypothesis([crash("broker-1", 0), crash("broker-2", 0), crash("broker-3", 0)]);
    assert!(solve(&record, &space, std::slice::from_ref(&all), &[], 10).is_empty());

    // Two single points of failure: trying the first leaves the second, and
    // never a superset of the first.
    let two = model(vec![(
        "r:1",
        vec![derivation([alive("broker-1", 0), alive("broker-2", 0)])],
    )]);
    let found = solve(&two, &space, &[hypothesis([crash("broker-1", 0)])], &[], 10);
    assert_eq!(found, vec![hypothesis([crash("broker-2", 0)])]);
}

#[test]
fn supersets_of_broken_sets_are_excluded() {
    // r:1 fails with broker-1 alone; r:2 needs broker-2 and broker-3.
    let m = model(vec![
        ("r:1", vec![derivation([alive("broker-1", 0)])]),
        (
            "r:2",
            vec![derivation([alive("broker-2", 0)]), derivation([alive("broker-3", 0)])],
        ),
    ]);
    let space = space(&BROKERS, &[], 1, 2, 0);
    let found = solve(&m, &space, &[], &[], 10);
    assert_eq!(
        found,
        vec![
            hypothesis([crash("broker-1", 0)]),
            hypothesis([crash("broker-2", 0), crash("broker-3", 0)])
        ]
    );
    let broken = vec![hypothesis([crash("broker-2", 0)])];
    assert_eq!(
        solve(&m, &space, &[], &broken, 10),
        vec![hypothesis([crash("broker-1", 0)])]
    );
    // A set exactly equal to a broken one is excluded too.
    assert!(solve(&m, &space, &[], &[found[1].clone(), found[0].clone()], 10).is_empty());
    // The empty set is contained in everything.
    assert!(solve(&m, &space, &[], &[Hypothesis::new()], 10).is_empty());
    // A broken set that mentions a variable outside the space excludes nothing.
    let elsewhere = vec![hypothesis([crash("broker-1", 0), crash("broker-9", 0)])];
    assert_eq!(solve(&m, &space, &[], &elsewhere, 10), found);
}

#[test]
fn hypotheses_come_smallest_first_then_in_canonical_order() {
    // Sizes 1, 2 and 3 mixed across outcomes, listed largest first.
    let m = model(vec![
        ("r:3", BROKERS.iter().map(|b| derivation([alive(b, 0)])).collect()),
        (
            "r:2",
            vec![
                derivation([link("broker-1", "broker-2", 0)]),
                derivation([link("broker-2", "broker-3", 0)]),
            ],
        ),
        ("r:1", vec![derivation([alive("pipeline-1", 0)])]),
    ]);
    let space = space(
        &["pipeline-1", "broker-3", "broker-2", "broker-1"],
        &[("broker-2", "broker-3"), ("broker-1", "broker-2")],
        1,
        3,
        2,
    );
    let found = solve(&m, &space, &[], &[], 100);
    let sizes: Vec<usize> = found.iter().map(BTreeSet::len).collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "sizes {sizes:?}");
    assert_eq!(
        found,
        [
            hypothesis([crash("pipeline-1", 0)]),
            hypothesis([omission("broker-1", "broker-2", 0), omission("broker-2", "broker-3", 0)]),
            hypothesis([crash("broker-1", 0), crash("broker-2", 0), crash("broker-3", 0)]),
        ]
    );
    // A limit takes a prefix of the same order.
    for limit in 0..found.len() {
        assert_eq!(solve(&m, &space, &[], &[], limit), found[..limit]);
    }
}

#[test]
fn facts_outside_the_space_are_never_cut() {
    let space = space(&["broker-1"], &[("broker-1", "broker-2")], 2, 2, 2);
    // Not crashable, at or after EFF, link not in the space (nor its reverse).
    for fact in [
        alive("broker-2", 0),
        alive("broker-1", 2),
        link("broker-2", "broker-3", 0),
        link("broker-1", "broker-2", 5),
    ] {
        let m = model(vec![("r:1", vec![derivation([fact.clone()])])]);
        assert!(solve(&m, &space, &[], &[], 10).is_empty(), "{fact:?} was cut");
    }
    // A derivation with an unreachable fact is still cut through its
    // others; a crash of a link's end does not cut the link.
    let m = model(vec![(
        "r:1",
        vec![derivation([alive("broker-2", 0), link("broker-1", "broker-2", 1)])],
    )]);
    assert_eq!(solve(&m, &space, &[], &[], 10), vec![hypothesis([omission("broker-1", "broker-2", 1)])]);
    // No crash allowed: crash variables leave the space.
    let mut no_crash = space.clone();
    no_crash.max_crashes = 0;
    assert_eq!(
        solve(&m, &no_crash, &[], &[], 10),
        vec![hypothesis([omission("broker-1", "broker-2", 1)])]
    );
}

#[test]
fn an_outcome_without_derivations_is_ignored() {
    let m = model(vec![("r:0", vec![]), ("r:1", vec![derivation([alive("broker-1", 0)])])]);
    let space = space(&["broker-1"], &[], 1, 1, 0);
    assert_eq!(
        solve(&m, &space, &[], &[], 10),
        vec![hypothesis([crash("broker-1", 0)])]
    );
}

#[test]
fn identical_supports_are_merged_before_encoding() {
    let mut builder = ModelBuilder::new();
    for i in 0..100_000 {
        let derivations = BROKERS
            .iter()
            .map(|b| derivation([alive(b, 1), alive("pipeline-1", 1)]));
        builder.outcome(format!("r:{i}"), derivations);
    }
    assert_eq!(builder.distinct_derivations(), 3);
    let m = builder.build();
    let first = |id: &str| m.outcomes[id].first().expect("a derivation").shared_ptr();
    assert!(first("r:0") == first("r:99999"));
    let space = space(&["broker-1", "broker-2", "broker-3", "pipeline-1"], &[], 2, 3, 0);
    let reduced = Reduced::new(&m, &space).unwrap();
    assert_eq!((reduced.supports.len(), reduced.cuts.len()), (1, 3));
    let one = model(vec![("r:0", m.outcomes["r:0"].iter().cloned().collect())]);
    let found = Z3Solver.hypotheses(&m, &space, &[], &[], 1000).unwrap();
    assert_eq!(found, Z3Solver.hypotheses(&one, &space, &[], &[], 1000).unwrap());
    assert_eq!(
        found,
        [
            hypothesis([crash("pipeline-1", 1)]),
            hypothesis([crash("broker-1", 1), crash("broker-2", 1), crash("broker-3", 1)])
        ]
    );
    // Same facts in separately built derivations merge too.
    let mut unshared = one.clone();
    let copies = one.outcomes["r:0"].iter().map(|d| (**d).clone().into()).collect();
    unshared.outcomes.insert("r:1".into(), copies);
    assert_eq!(Reduced::new(&unshared, &space).unwrap().supports.len(), 1);
}

#[test]
fn count_tells_how_many_remain_and_stops_at_the_cap() {
    let record = held(1);
    let space = space(&BROKERS, &[], 3, 3, 0);
    assert_eq!(Z3Solver.count(&record, &space, &[], &[], usize::MAX), Ok(8));
    assert_eq!(Z3Solver.count(&record, &space, &[], &[], 5), Ok(5));
    let tried = Z3Solver.hypotheses(&record, &space, &[], &[], 3).unwrap();
    assert_eq!(Z3Solver.count(&record, &space, &tried, &[], usize::MAX), Ok(5));
    assert_eq!(BruteForce.count(&record, &space, &tried, &[], usize::MAX), Ok(5));
}

#[test]
fn solvers_are_send_and_sync_and_run_on_any_thread() {
    let solvers: Vec<Box<dyn Solver>> = vec![Box::new(Z3Solver), Box::new(BruteForce)];
    let record = replicated_record(0);
    let space = space(&BROKERS, &[], 1, 3, 0);
    std::thread::scope(|scope| {
        let handles: Vec<_> = solvers
            .iter()
            .map(|solver| scope.spawn(|| solver.hypotheses(&record, &space, &[], &[], 10).unwrap()))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap().len(), 1);
        }
    });
}

#[test]
fn brute_force_refuses_large_spaces() {
    let nodes: Vec<String> = (0..40).map(|i| format!("n{i}")).collect();
    let names: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let err = BruteForce.hypotheses(&replicated_record(0), &space(&names, &[], 10, 8, 0), &[], &[], 1);
    assert!(matches!(err, Err(SolverError::TooLargeForBruteForce { .. })));
}

#[test]
fn models_and_hypotheses_are_plain_json() {
    let m = model(vec![(
        "r:1",
        vec![derivation([alive("broker-1", 0), link("broker-1", "broker-2", 0)])],
    )]);
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"outcomes": {"r:1": [[
            {"kind": "alive", "node": "broker-1", "step": 0},
            {"kind": "link", "from": "broker-1", "to": "broker-2", "step": 0}
        ]]}, "trails": {}})
    );
    assert_eq!(serde_json::from_value::<Model>(json).unwrap(), m);
    let h = hypothesis([crash("broker-1", 2), omission("broker-1", "brokers", 3)]);
    let text = serde_json::to_string(&h).unwrap();
    assert_eq!(
        text,
        r#"[{"kind":"crash","node":"broker-1","step":2},{"kind":"omission","from":"broker-1","to":"brokers","step":3}]"#
    );
    assert_eq!(serde_json::from_str::<Hypothesis>(&text).unwrap(), h);
    let shown: Vec<String> = h.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["crash broker-1 @2", "drop broker-1->brokers @3"]);
    assert!(serde_json::from_str::<Hypothesis>(r#"[{"kind":"crash","node":"pipeline-1@2","step":0}]"#).is_err());
}

#[test]
fn hypotheses_of_equal_size_come_in_the_order_of_their_names_as_text() {
    let mut vars = vec![crash("pipeline-1", 3), omission("brokers", "pipeline-1", 0), crash("pipeline-1", 12), crash("leader(input/0)", 1), crash("broker-2", 7)];
    vars.sort();
    assert_eq!(
        vars,
        [crash("broker-2", 7), crash("leader(input/0)", 1), crash("pipeline-1", 12), crash("pipeline-1", 3), omission("brokers", "pipeline-1", 0)]
    );
}
