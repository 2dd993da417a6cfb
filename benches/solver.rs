//! Solver figures on synthetic lineage: time to the first hypothesis and
//! peak memory at 10,000 / 100,000 / 1,000,000 outcomes.
//!
//! `cargo bench --bench solver` prints a one-shot table first (each size in
//! a fresh child process, so that its peak RSS, VmHWM, is its own), then runs
//! the criterion benchmarks. `-- --one-shot N` runs only the child for N.
//!
//! The lineage has the shape a real campaign produces: 3 brokers, 2
//! pipeline instances, 10 steps before EFF, 6 input partitions on all three
//! brokers (leader by partition), each partition processed by one instance.
//! A record written at step t to partition p reaches the output through any
//! of its replicas r: `{alive(r,t), link(r,inst,t), alive(inst,t)}`.
//! Records of one partition and step share their derivations, as the
//! lineage builder shares them, so the model is 20 distinct supports however
//! many records there are. The first hypothesis is then a crash of an
//! instance (size 1); "deep" marks the harder question asked once those 20
//! have been tried, whose answer has three faults. Target: first hypothesis
//! in <= 1 s and < 1 GiB at 1,000,000 outcomes.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use std::collections::BTreeSet;

use ldfi::model::NodeId;
use ldfi::solver::{Derivation, Fact, HypothesisSpace, Model, ModelBuilder, Peer, Solver, Z3Solver};

const BROKERS: [u8; 3] = [1, 2, 3];
const INSTANCES: [&str; 2] = ["pipeline-1", "pipeline-2"];

fn nodes() -> impl Iterator<Item = NodeId> {
    BROKERS.into_iter().map(NodeId::Broker).chain(INSTANCES.into_iter().map(NodeId::client))
}
const PARTITIONS: usize = 6;
const STEPS: u32 = 10;
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn space() -> HypothesisSpace {
    let mut links = Vec::new();
    for from in BROKERS.map(NodeId::Broker) {
        for to in nodes().filter(|to| *to != from) {
            links.push((Peer::Node(from.clone()), Peer::Node(to)));
        }
    }
    HypothesisSpace {
        crashable: nodes().collect(),
        links,
        eff: STEPS,
        max_crashes: 3,
        max_omissions: 2,
        max_faults: None,
    }
}

/// The derivations of a record of `partition` written at `step`: one
/// through each replica, read by the partition's instance.
fn derivations(partition: usize, step: u32) -> Vec<Vec<Fact>> {
    let instance = NodeId::client(INSTANCES[partition % INSTANCES.len()]);
    BROKERS
        .map(NodeId::Broker)
        .into_iter()
        .map(|replica| {
            vec![
                Fact::alive(replica.clone(), step),
                Fact::link(replica, instance.clone(), step),
                Fact::alive(instance.clone(), step),
            ]
        })
        .collect()
}

/// `outcomes` records spread over partitions and steps; derivations shared.
fn lineage(outcomes: usize) -> Model {
    let mut builder = ModelBuilder::new();
    let supports: Vec<BTreeSet<Derivation>> = (0..STEPS)
        .flat_map(|step| (0..PARTITIONS).map(move |p| (p, step)))
        .map(|(p, step)| {
            derivations(p, step)
                .into_iter()
                .map(|facts| builder.derivation(facts.into_iter().collect::<Derivation>()))
                .collect()
        })
        .collect();
    let per_step = outcomes.div_ceil(STEPS as usize);
    for i in 0..outcomes {
        let (step, partition) = (i / per_step, i % PARTITIONS);
        builder.outcome_shared(format!("r:{i}"), supports[step * PARTITIONS + partition].clone());
    }
    builder.build()
}

/// The same lineage with every derivation a private copy, as it would be
/// after reading the model back from JSON: merging then has to hash facts.
fn lineage_unshared(outcomes: usize) -> Model {
    let mut model = lineage(outcomes);
    for derivations in model.outcomes.values_mut() {
        *derivations = derivations.iter().map(|d| (**d).clone().into()).collect();
    }
    model
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One size in this process: model build, first hypothesis, peak memory.
fn one_shot(outcomes: usize, unshared: bool) {
    let space = space();
    let started = Instant::now();
    let model = if unshared {
        lineage_unshared(outcomes)
    } else {
        lineage(outcomes)
    };
    let built = started.elapsed();
    let started = Instant::now();
    let first = Z3Solver.hypotheses(&model, &space, &[], &[], 1).expect("solver");
    let solved = started.elapsed();
    let started = Instant::now();
    let ten = Z3Solver.hypotheses(&model, &space, &[], &[], 10).expect("solver");
    let solved_ten = started.elapsed();
    let tried = singles(&model, &space);
    let started = Instant::now();
    let deep = Z3Solver.hypotheses(&model, &space, &tried, &[], 1).expect("solver");
    let solved_deep = started.elapsed();
    let started = Instant::now();
    let count = Z3Solver.count(&model, &space, &[], &[], 10_000).expect("count");
    let counted = started.elapsed();
    let show = |h: &ldfi::solver::Hypothesis| h.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    println!(
        "{outcomes:>9} {:<8} | build {:>6.0} ms | first {:>5.0} ms | first 10 {:>5.0} ms | deep first {:>5.0} ms | count {:>5} in {:>5.0} ms | peak RSS {:>5.0} MiB",
        if unshared { "unshared" } else { "shared" },
        ms(built),
        ms(solved),
        ms(solved_ten),
        ms(solved_deep),
        count,
        ms(counted),
        peak_rss_kib() as f64 / 1024.0,
    );
    println!(
        "{:>19}first = {{{}}}, deep first = {{{}}}",
        "",
        show(&first[0]),
        show(&deep[0])
    );
    assert_eq!(ten.len(), 10);
}

/// The hypotheses of size 1 (crashes of an instance), as if all tried.
fn singles(model: &Model, space: &HypothesisSpace) -> Vec<ldfi::solver::Hypothesis> {
    let found = Z3Solver.hypotheses(model, space, &[], &[], 100).expect("solver");
    found.into_iter().filter(|h| h.len() == 1).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Every size in its own child process, so each peak RSS is its own.
fn one_shot_table() {
    let me = std::env::current_exe().expect("current exe");
    println!("one-shot, each in a fresh process (target: first <= 1000 ms, peak < 1024 MiB at 1,000,000):");
    let runs = SIZES
        .iter()
        .map(|&n| (n, false))
        .chain([(10_000, true), (100_000, true)]);
    for (n, unshared) in runs {
        let mut cmd = Command::new(&me);
        cmd.arg("--one-shot").arg(n.to_string());
        if unshared {
            cmd.arg("--unshared");
        }
        let out = cmd.output().expect("run child");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

fn criterion_benches(c: &mut Criterion) {
    let space = space();
    let mut group = c.benchmark_group("solver");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for n in SIZES {
        let model = lineage(n);
        group.bench_with_input(BenchmarkId::new("first_hypothesis", n), &model, |b, model| {
            b.iter(|| Z3Solver.hypotheses(black_box(model), &space, &[], &[], 1).unwrap())
        });
        let tried = singles(&model, &space);
        group.bench_with_input(BenchmarkId::new("first_hypothesis_deep", n), &model, |b, model| {
            b.iter(|| Z3Solver.hypotheses(black_box(model), &space, &tried, &[], 1).unwrap())
        });
        drop(model);
        group.bench_with_input(BenchmarkId::new("build_lineage", n), &n, |b, &n| {
            b.iter(|| lineage(black_box(n)))
        });
    }
    let model = lineage(SIZES[0]);
    group.bench_function("first_10_hypotheses/10000", |b| {
        b.iter(|| Z3Solver.hypotheses(black_box(&model), &space, &[], &[], 10).unwrap())
    });
    group.bench_function("count_cap_10000/10000", |b| {
        b.iter(|| Z3Solver.count(black_box(&model), &space, &[], &[], 10_000).unwrap())
    });
    group.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--one-shot") {
        let n = args.get(i + 1).and_then(|n| n.parse().ok()).expect("--one-shot N");
        one_shot(n, args.iter().any(|a| a == "--unshared"));
        return;
    }
    // `cargo test --benches` runs this binary in test mode: keep it quick.
    if args.iter().any(|a| a == "--test") {
        one_shot(1_000, false);
        return;
    }
    one_shot_table();
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
}
