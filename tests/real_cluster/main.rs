//! Tests against a real 3-broker Kafka cluster in containers.
//!
//! One cluster is started for the whole suite (a cold start costs half a
//! minute on a 2-core machine) and every test uses topics and client nodes
//! of its own. The suite runs the tests one after another, then removes the
//! cluster and asserts through the Docker API that nothing of ours is left;
//! it also interrupts `ldfi cluster up` with SIGINT and with SIGTERM, and
//! itself (a second copy of this binary, mid-test) with SIGINT, and checks
//! the same. The `recovery_` tests kill campaigns that run their
//! own clusters, and start no suite cluster; so does the `engines_` test,
//! whose campaign spreads its clusters over two Docker engines (the
//! second started by `scripts/second-engine`).
//!
//! There is no silent skip: without Docker or the image, the suite fails
//! and says how to set up (`scripts/setup`). Run a subset with
//! `cargo test --test real_cluster -- <substring>`.

mod chains;
mod engines;
mod faults;
mod hostile;
mod lifecycle;
mod links;
mod operators;
mod partitions;
mod producer_ids;
mod python;
mod recovery;
mod runs;
mod sources;
mod support;

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ldfi::cluster::{Cluster, ClusterSpec};
use ldfi::engine::{self, Engine};

type TestFn = for<'a> fn(&'a Cluster) -> Pin<Box<dyn Future<Output = Result<(), String>> + 'a>>;

fn tests() -> Vec<(&'static str, TestFn)> {
    vec![
        // First: it needs brokers no producer has asked yet.
        ("a_warmed_broker_hands_out_producer_ids_while_cut_off_from_the_controller", |c| {
            Box::pin(producer_ids::a_warmed_broker_hands_out_producer_ids_while_cut_off_from_the_controller(c))
        }),
        ("roundtrip_1000_records_acks_all_all_read_back", |c| Box::pin(faults::roundtrip_1000(c))),
        ("leader_crash_fails_over_within_isr_and_restart_rejoins", |c| Box::pin(faults::leader_crash(c))),
        ("isolated_follower_leaves_isr_and_rejoins_after_heal", |c| Box::pin(faults::isolate_follower(c))),
        ("pause_fences_a_broker_and_resume_brings_it_back", |c| Box::pin(faults::pause_resume(c))),
        ("replication_cut_shrinks_the_isr_to_a_leader_that_keeps_its_session", |c| Box::pin(faults::replication_cut(c))),
        ("disk_loss_empties_a_topic_held_alone_and_not_a_replicated_one", |c| Box::pin(faults::disk_loss(c))),
        ("disk_loss_of_a_client_is_refused", |c| Box::pin(faults::disk_loss_of_a_client_is_refused(c))),
        ("one_way_cut_drops_packets_in_one_direction_only", |c| Box::pin(partitions::one_way_cut(c))),
        ("group_cut_times_out_across_and_connects_within", |c| Box::pin(partitions::group_cut(c))),
        ("reset_refuses_tcp_across_at_once_and_leaves_udp", |c| Box::pin(partitions::reset(c))),
        ("lossy_link_drops_its_share_both_ways_and_heals_without_a_trace", |c| Box::pin(links::lossy_link(c))),
        ("slow_link_holds_what_a_node_sends_to_its_rate_and_heals_without_a_trace", |c| Box::pin(links::slow_link(c))),
        ("delayed_link_holds_each_packet_and_loses_none_and_heals_without_a_trace", |c| Box::pin(links::delayed_link(c))),
        ("degraded_links_come_back_after_a_restart_and_are_healed_on_drop", |c| Box::pin(links::restart_and_drop(c))),
        ("run_copy_passes_without_faults", |c| Box::pin(runs::copy_passes_without_faults(c))),
        ("run_commit_before_produce_with_instance_crash_loses_named_records", |c| {
            Box::pin(runs::commit_before_produce_with_instance_crash_loses_named_records(c))
        }),
        ("run_commit_first_at_once_loses_records_under_a_crash_in_flight", |c| {
            Box::pin(runs::commit_first_at_once_loses_records_under_a_crash_in_flight(c))
        }),
        ("run_acks_one_with_leader_cut_then_crashed_loses_acked_records", |c| {
            Box::pin(runs::acks_one_with_leader_cut_then_crashed_loses_acked_records(c))
        }),
        ("hostile_pipeline_cannot_reach_the_harness_files_nor_forge_its_verdict", |c| {
            Box::pin(hostile::a_hostile_pipeline_cannot_reach_the_harness_files(c))
        }),
        ("hostile_pipeline_filling_its_trace_directory_is_stopped_without_a_verdict", |c| {
            Box::pin(hostile::a_pipeline_that_fills_its_trace_directory_is_stopped_and_its_run_has_no_verdict(c))
        }),
        ("lineage_sources_events_and_kafka_alone_on_a_copy_run", |c| Box::pin(sources::events_and_kafka_alone_on_a_copy_run(c))),
        ("lineage_sources_opentelemetry_and_kafka_alone_on_a_streams_run", |c| {
            Box::pin(sources::opentelemetry_and_kafka_alone_on_a_streams_run(c))
        }),
        ("python_app_commit_first_loses_records_under_a_crash_commit_after_does_not", |c| {
            Box::pin(python::a_python_app_that_commits_first_loses_records_under_a_crash_and_one_that_commits_after_does_not(c))
        }),
        ("chain_loses_records_under_a_crash_of_its_buggy_second_stage_only", |c| {
            Box::pin(chains::a_chain_loses_records_under_a_crash_of_its_buggy_second_stage_only(c))
        }),
        ("streams_operators_sum_counts_twice_after_a_crash_and_a_join_meets_its_rows", |c| {
            Box::pin(operators::a_sum_counts_inputs_twice_after_a_crash_and_a_join_meets_its_rows(c))
        }),
        ("streams_split_writes_each_input_to_one_branch_and_a_fan_out_to_each", |c| {
            Box::pin(operators::a_split_writes_each_input_to_one_branch_and_a_fan_out_to_each(c))
        }),
        ("streams_merge_writes_the_records_of_both_streams", |c| Box::pin(operators::a_merge_writes_the_records_of_both_streams(c))),
        ("run_exactly_once_passes_a_broker_crash", |c| Box::pin(runs::exactly_once_passes_a_broker_crash(c))),
        ("replay_reproduces_a_real_counterexample", |c| Box::pin(lifecycle::replay_reproduces_a_real_counterexample(c))),
        ("campaign_killed_with_sigkill_resumes_without_losing_runs", |c| {
            Box::pin(lifecycle::campaign_killed_with_sigkill_resumes_without_losing_runs(c))
        }),
        ("run_stopped_with_sigterm_takes_its_nodes_off_a_kept_cluster", |c| {
            Box::pin(lifecycle::run_stopped_with_sigterm_takes_its_nodes_off_a_kept_cluster(c))
        }),
    ]
}

/// Tests that start and interrupt a cluster of their own.
const INTERRUPTIONS: [(&str, &str); 2] =
    [("ctrl_c_during_cluster_up_removes_everything", "INT"), ("sigterm_during_cluster_up_removes_everything", "TERM")];

/// The suite itself interrupted while a test runs on its cluster.
const SUITE_INTERRUPTED: &str = "ctrl_c_of_the_suite_while_a_test_runs_removes_its_cluster";

/// Which tests the arguments select, as libtest reads them: names to
/// include by substring, `--skip NAME` to leave out; other flags
/// (`--nocapture`, `--test-threads=1`) mean nothing here.
#[derive(Debug, PartialEq)]
struct Selection {
    include: Vec<String>,
    skip: Vec<String>,
}

impl Selection {
    fn from_args(args: impl IntoIterator<Item = String>) -> Selection {
        let (mut include, mut skip) = (Vec::new(), Vec::new());
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--skip" {
                skip.extend(args.next());
            } else if let Some(name) = arg.strip_prefix("--skip=") {
                skip.push(name.to_string());
            } else if !arg.starts_with('-') {
                include.push(arg);
            }
        }
        Selection { include, skip }
    }
}

type OwnClusterTestFn = fn() -> Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// Tests that need no suite cluster: each campaign starts its own.
fn own_cluster_tests() -> Vec<(&'static str, OwnClusterTestFn)> {
    vec![
        ("recovery_kill9_while_the_cluster_starts_then_resume_leaves_nothing", || {
            Box::pin(recovery::killed_while_its_cluster_starts_resume_leaves_nothing())
        }),
        ("recovery_kill9_while_the_cluster_starts_then_resume_interrupted_leaves_nothing", || {
            Box::pin(recovery::killed_while_its_cluster_starts_resume_interrupted_leaves_nothing())
        }),
        ("recovery_kill9_mid_run_with_a_fault_then_clean_campaign_leaves_nothing", || {
            Box::pin(recovery::killed_mid_run_with_a_fault_in_force_clean_campaign_leaves_nothing())
        }),
        ("recovery_kill9_while_minimizing_then_resume_leaves_nothing", || {
            Box::pin(recovery::killed_while_minimizing_resume_finishes_and_leaves_nothing())
        }),
        ("recovery_ctrl_c_of_a_campaign_on_two_clusters_mid_run_and_at_its_end_leaves_nothing", || {
            Box::pin(recovery::interrupted_on_two_clusters_leaves_nothing())
        }),
        ("replay_parallel_on_two_clusters_side_by_side_leaves_nothing", || {
            Box::pin(lifecycle::replay_on_two_clusters_side_by_side_leaves_nothing())
        }),
        ("engines_a_campaign_on_two_docker_engines_leaves_nothing_on_either", || {
            Box::pin(engines::a_campaign_spreads_its_clusters_over_two_engines_and_leaves_nothing_on_either())
        }),
    ]
}

fn main() -> ExitCode {
    let Selection { include, skip } = Selection::from_args(std::env::args().skip(1));
    let selected = |name: &str| {
        (include.is_empty() || include.iter().any(|f| name.contains(f.as_str()))) && !skip.iter().any(|f| name.contains(f.as_str()))
    };
    let all_names: Vec<&str> = tests()
        .iter()
        .map(|(n, _)| *n)
        .chain(INTERRUPTIONS.iter().map(|(n, _)| *n))
        .chain([SUITE_INTERRUPTED])
        .chain(own_cluster_tests().iter().map(|(n, _)| *n))
        .collect();
    if !all_names.iter().any(|n| selected(n)) {
        // A filter that selects nothing is a mistake, never a pass.
        println!("real cluster suite: no test matches {include:?} (skipping {skip:?}); the tests are:\n  {}", all_names.join("\n  "));
        return ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let name = format!("test-{}", std::process::id());
    // Ctrl-C or SIGTERM (a cancelled CI job) drops the suite where it is,
    // its campaigns' processes with it (killed on drop), and removes the
    // clusters it and they started: the suite leaves nothing, like the CLI.
    let failures = runtime.block_on(async {
        tokio::select! {
            failures = suite(&selected, &name) => Some(failures),
            () = engine::interrupted() => {
                println!("real cluster suite: interrupted; removing the clusters it started");
                if let Err(e) = support::remove_what_the_suite_started(&name).await {
                    println!("    could not: {e}; run `ldfi clean`");
                }
                None
            }
        }
    });
    let Some(failures) = failures else {
        // Dropping the runtime would wait for the blocking tasks of the
        // tests it dropped (a client's poll): leave them to the exit.
        runtime.shutdown_background();
        return ExitCode::from(130);
    };
    if failures.is_empty() {
        println!("real cluster suite: all passed");
        ExitCode::SUCCESS
    } else {
        println!("real cluster suite: {} failed: {failures:?}", failures.len());
        ExitCode::FAILURE
    }
}

/// The selected tests, one after another: the names of those that failed.
async fn suite(selected: &impl Fn(&str) -> bool, name: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let cases: Vec<_> = tests().into_iter().filter(|(n, _)| selected(n)).collect();
    if !cases.is_empty() {
        let started = Instant::now();
        let cluster = match Cluster::start(ClusterSpec::new(name)).await {
            Ok(cluster) => cluster,
            Err(e) => {
                eprintln!("cannot start the test cluster: {e}\n  (run scripts/setup first)");
                return vec!["cluster start".to_string()];
            }
        };
        println!("cluster {name} ready in {:.1} s", started.elapsed().as_secs_f64());
        for (test, run) in cases {
            let started = Instant::now();
            let outcome = tokio::time::timeout(Duration::from_secs(420), run(&cluster)).await;
            let outcome = outcome.unwrap_or_else(|_| Err("timed out after 420 s".to_string()));
            match outcome {
                Ok(()) => println!("test {test} ... ok ({:.1} s)", started.elapsed().as_secs_f64()),
                Err(e) => {
                    println!("test {test} ... FAILED ({:.1} s)\n    {e}", started.elapsed().as_secs_f64());
                    failures.push(test.to_string());
                    // A case that failed (or timed out) may have left a
                    // broker down or a cut in place: the next case gets
                    // a whole cluster, or the suite says why not.
                    match support::heal(&cluster).await {
                        Ok(healed) => println!("    cluster healed after it: {healed}"),
                        Err(e) => {
                            println!("    cannot heal the cluster after it: {e}");
                            failures.push("heal".to_string());
                            break;
                        }
                    }
                }
            }
        }
        if let Err(e) = cluster.down().await {
            println!("cluster down failed: {e}");
            failures.push("cluster down".to_string());
        }
        if let Err(e) = support::assert_nothing_left(name).await {
            println!("test nothing_of_ours_remains_after_the_suite ... FAILED\n    {e}");
            failures.push("leftovers".to_string());
        } else {
            println!("test nothing_of_ours_remains_after_the_suite ... ok");
        }
    }
    for (test, signal) in INTERRUPTIONS {
        if selected(test) {
            match support::interrupted_during_up(signal).await {
                Ok(()) => println!("test {test} ... ok"),
                Err(e) => {
                    println!("test {test} ... FAILED\n    {e}");
                    failures.push(test.to_string());
                }
            }
        }
    }
    if selected(SUITE_INTERRUPTED) {
        match support::suite_interrupted("INT").await {
            Ok(()) => println!("test {SUITE_INTERRUPTED} ... ok"),
            Err(e) => {
                println!("test {SUITE_INTERRUPTED} ... FAILED\n    {e}");
                failures.push(SUITE_INTERRUPTED.to_string());
            }
        }
    }
    // Tests that start their own clusters (a campaign's): one at a time,
    // each with the time a few cluster starts and runs take.
    for (test, run) in own_cluster_tests().into_iter().filter(|(n, _)| selected(n)) {
        let started = Instant::now();
        let outcome = tokio::time::timeout(Duration::from_secs(1200), run()).await;
        match outcome.unwrap_or_else(|_| Err("timed out after 1200 s".to_string())) {
            Ok(()) => println!("test {test} ... ok ({:.1} s)", started.elapsed().as_secs_f64()),
            Err(e) => {
                println!("test {test} ... FAILED ({:.1} s)\n    {e}", started.elapsed().as_secs_f64());
                failures.push(test.to_string());
            }
        }
    }
    if let Ok(engine) = Engine::connect().await {
        let _ = engine::clean(&engine, Some(name)).await;
    }
    failures
}
