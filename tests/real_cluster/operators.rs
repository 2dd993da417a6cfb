//! Kafka Streams operators on a real cluster, each judged by its own
//! property from the acknowledged inputs alone: the sum under
//! at_least_once adds inputs twice after a crash of its instance (and the
//! property names them), and a stream-table join passes a fault-free run
//! with every order joined to a row its customer had, the table written by
//! the workload's side topic. A suppressed window count of hopping windows
//! written with Kafka Streams' windowed serde, as its docs write it, is
//! read with `key_format = "windowed"` and `advance_millis` and judged
//! window by window; so is the same count in sliding windows, with
//! `sliding_millis`, which judged as another time difference fails. A
//! stream–stream outer join over sparse sides writes records of both
//! sides alone, which `outer_join` allows and an inner or left join's
//! reading does not. A KTable–KTable join ends with each key joining its
//! two tables' last values, and fails once a key's last update is taken
//! away. A `split` into two topics passes with each input in one of them,
//! and fails read as a stream written whole to each; written whole to
//! each (fan-out), it passes topic by topic. A `merge` of two streams
//! passes with the side topic's records among its inputs, each with a
//! lineage through its own topic's leader; read as if nothing were merged,
//! those records are outputs from unknown inputs.

use ldfi::checker::Verdict;
use ldfi::cluster::Cluster;
use ldfi::model::FaultPlan;
use ldfi::scenario::Property;
use ldfi::trace::KeyFormat;

use crate::runs::{run_once, scenario};

pub async fn a_sum_counts_inputs_twice_after_a_crash_and_a_join_meets_its_rows(cluster: &Cluster) -> Result<(), String> {
    let sum = scenario("streams-sum-at-least-once")?;
    let crash: FaultPlan = serde_json::from_str(r#"{"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":14,"end":16}]}"#)
        .map_err(|e| e.to_string())?;
    let broke = run_once(cluster, &sum, &crash, "sum-crash").await?;
    let sums = broke.verdict.results.iter().find(|r| r.property == Property::KeySums).ok_or("key-sums not checked")?;
    let twice: usize = sums.aggregates.iter().map(|m| m.counted_twice.len()).sum();
    if sums.verdict != Verdict::Fail || twice == 0 || sums.aggregates.iter().any(|m| m.observed <= Some(m.high)) {
        return Err(format!("sum under a crash: expected sums too high, with inputs named as counted twice: {}: {:?}", sums.summary, sums.aggregates));
    }
    let enrich = scenario("streams-enrich-at-least-once")?;
    let joined = run_once(cluster, &enrich, &FaultPlan::default(), "enrich-clean").await?;
    let join = joined.verdict.results.iter().find(|r| r.property == Property::TableJoin).ok_or("table-join not checked")?;
    if join.verdict != Verdict::Pass || joined.verdict.outputs == 0 || joined.verdict.outputs < joined.verdict.acked / 2 {
        return Err(format!("enrich without faults: expected a pass with joined outputs: {} ({:?})", join.summary, joined.verdict));
    }
    let windows = windowed_keys_are_read_as_windows(cluster).await?;
    let sliding = sliding_windows_are_judged_by_the_windows_the_records_open(cluster).await?;
    let outer = an_outer_join_writes_records_without_partners_alone(cluster).await?;
    let tables = a_table_table_join_ends_with_the_tables_last_values(cluster).await?;
    println!(
        "    table-table join: {tables}; outer join: {outer}; hopping windows, windowed serde: {windows}; sliding windows: {sliding}; sum under a crash: {} aggregates (a key's sum or count) too high, {twice} inputs named as counted twice; enrich: {} ({} outputs)",
        sums.aggregates.len(),
        join.summary,
        joined.verdict.outputs
    );
    Ok(())
}

/// A fault-free run of the shipped windowed count in hopping windows (4 s
/// every 2 s) with its keys written by
/// `WindowedSerdes.timeWindowedSerdeFrom(String.class, size)`: binary keys
/// in the trace, read as windows, and a pass.
async fn windowed_keys_are_read_as_windows(cluster: &Cluster) -> Result<String, String> {
    let mut windowed = scenario("streams-windowed-count-at-least-once")?;
    windowed.pipeline.env.insert("OUTPUT_KEY".into(), "windowed".into());
    windowed.pipeline.key_format = KeyFormat::Windowed;
    windowed.pipeline.env.insert("WINDOW_ADVANCE_MS".into(), "2000".into());
    windowed.checker.advance_millis = Some(2000);
    let ran = run_once(cluster, &windowed, &FaultPlan::default(), "windowed-serde").await?;
    let harness = std::fs::read_to_string(ran.dir.join("harness.jsonl")).map_err(|e| e.to_string())?;
    let binary = harness.lines().filter(|l| l.contains("\"checker_read\"") && l.contains("\"key_hex\"")).count();
    let counts = ran.verdict.results.iter().find(|r| r.property == Property::WindowCounts).ok_or("window-counts not checked")?;
    if binary == 0 || counts.verdict != Verdict::Pass || ran.verdict.outputs == 0 {
        return Err(format!(
            "hopping windows and the windowed serde without faults: expected binary keys read as windows and a pass: {binary} binary keys, {} ({} outputs)",
            counts.summary, ran.verdict.outputs
        ));
    }
    Ok(format!("{binary} binary keys, {}", counts.summary))
}

/// A fault-free run of the shipped windowed count in sliding windows (a
/// time difference of 2 s, 1 s of grace, suppressed until closed): a pass,
/// window by window; the same trace judged as a time difference of 3 s
/// fails, so the check reads the windows, not only their number.
async fn sliding_windows_are_judged_by_the_windows_the_records_open(cluster: &Cluster) -> Result<String, String> {
    let mut sliding = scenario("streams-windowed-count-at-least-once")?;
    sliding.pipeline.env.insert("WINDOW_SLIDING_MS".into(), "2000".into());
    sliding.checker.window_millis = None;
    sliding.checker.sliding_millis = Some(2000);
    let ran = run_once(cluster, &sliding, &FaultPlan::default(), "sliding").await?;
    let counts = ran.verdict.results.iter().find(|r| r.property == Property::WindowCounts).ok_or("window-counts not checked")?;
    if counts.verdict != Verdict::Pass || ran.verdict.outputs == 0 || !counts.summary.contains("sliding windows") {
        return Err(format!("sliding windows without faults: expected a pass over sliding windows: {} ({} outputs)", counts.summary, ran.verdict.outputs));
    }
    let lines = ldfi::trace::read_dir(&ran.dir).map_err(|e| e.to_string())?;
    let mut history = ldfi::checker::History::from_trace(&lines)?;
    history.run.checker.sliding_millis = Some(3000);
    let misjudged = ldfi::checker::check(&history, &[Property::WindowCounts]);
    if misjudged.verdict == Verdict::Pass {
        return Err(format!("the sliding trace judged with a 3 s time difference passed: {:?}", misjudged.results));
    }
    Ok(format!("{} ({} outputs); judged as 3 s: {}", counts.summary, ran.verdict.outputs, misjudged.verdict))
}

/// A fault-free run of the shipped stream–stream join as an outer join
/// over sparse sides: a pass with records of both sides written alone; the
/// same trace read as an inner or a left join gives no verdict (outputs
/// with a null side), so the pass rests on the lonely records it read.
async fn an_outer_join_writes_records_without_partners_alone(cluster: &Cluster) -> Result<String, String> {
    let outer = scenario("streams-stream-join-outer-at-least-once")?;
    let ran = run_once(cluster, &outer, &FaultPlan::default(), "outer-join").await?;
    let join = ran.verdict.results.iter().find(|r| r.property == Property::StreamJoin).ok_or("stream-join not checked")?;
    let lines = ldfi::trace::read_dir(&ran.dir).map_err(|e| e.to_string())?;
    let mut history = ldfi::checker::History::from_trace(&lines)?;
    let alone = |side: &str| history.outputs.iter().filter(|o| o.value.as_deref().is_some_and(|v| v.contains(&format!("\"{side}\":null")))).count();
    let (left_alone, right_alone) = (alone("right"), alone("left"));
    if join.verdict != Verdict::Pass || left_alone == 0 || right_alone == 0 {
        return Err(format!(
            "outer join without faults: expected a pass with records of both sides written alone: {} ({} outputs, {left_alone} left and {right_alone} right alone)",
            join.summary, ran.verdict.outputs
        ));
    }
    for (left, outer) in [(None, None), (Some(true), None)] {
        history.run.checker.left_join = left;
        history.run.checker.outer_join = outer;
        let misread = ldfi::checker::check(&history, &[Property::StreamJoin]);
        if misread.verdict != Verdict::Unknown {
            return Err(format!("the outer join's trace read with left_join = {left:?}: expected no verdict, got {:?}", misread.results));
        }
    }
    Ok(format!("{} ({} outputs, {left_alone} left and {right_alone} right records alone); read as inner or left: unknown", join.summary, ran.verdict.outputs))
}

/// A fault-free run of the shipped KTable–KTable join: a pass, every key
/// ending as its tables' last values make it; the same trace without the
/// last output of one key fails, so the pass rests on the final values.
async fn a_table_table_join_ends_with_the_tables_last_values(cluster: &Cluster) -> Result<String, String> {
    let tables = scenario("streams-table-table-join-exactly-once")?;
    let ran = run_once(cluster, &tables, &FaultPlan::default(), "table-table-join").await?;
    let join = ran.verdict.results.iter().find(|r| r.property == Property::TableTableJoin).ok_or("table-table-join not checked")?;
    if join.verdict != Verdict::Pass || ran.verdict.outputs == 0 {
        return Err(format!("table-table join without faults: expected a pass: {} ({} outputs)", join.summary, ran.verdict.outputs));
    }
    let lines = ldfi::trace::read_dir(&ran.dir).map_err(|e| e.to_string())?;
    let mut history = ldfi::checker::History::from_trace(&lines)?;
    let last = history.outputs.iter().enumerate().max_by_key(|(_, o)| (o.partition, o.offset)).map(|(n, _)| n).ok_or("no output")?;
    let key = history.outputs.remove(last).key;
    let cut = ldfi::checker::check(&history, &[Property::TableTableJoin]);
    if cut.verdict != Verdict::Fail {
        return Err(format!("the table-table join's trace without the last output of key {key:?} did not fail: {:?}", cut.results));
    }
    Ok(format!("{} ({} outputs); without its last update of {key:?}: FAIL", join.summary, ran.verdict.outputs))
}

/// A fault-free run of the shipped split (`KStream#split` into two topics,
/// `more_outputs`): a pass with outputs read from both, each input in one;
/// the same trace judged with `each_output` (every topic must hold every
/// input) fails on both. Then the app writing its whole stream to each
/// topic, judged with `each_output`: a pass on each.
pub async fn a_split_writes_each_input_to_one_branch_and_a_fan_out_to_each(cluster: &Cluster) -> Result<(), String> {
    let mut split = scenario("streams-split-at-least-once")?;
    let ran = run_once(cluster, &split, &FaultPlan::default(), "split").await?;
    let lines = ldfi::trace::read_dir(&ran.dir).map_err(|e| e.to_string())?;
    let mut history = ldfi::checker::History::from_trace(&lines)?;
    let from = |topic: &str| history.outputs.iter().filter(|o| o.topic.starts_with(&format!("{topic}."))).count();
    let (large, small) = (from("large"), from("small"));
    if ran.verdict.verdict != Verdict::Pass || large == 0 || small == 0 || large + small != ran.verdict.acked {
        return Err(format!("split without faults: expected a pass with each input in one branch: {large} large, {small} small, {:?}", ran.verdict));
    }
    history.run.checker.each_output = Some(true);
    let whole = ldfi::checker::check(&history, &[Property::NoLostAcked]);
    if whole.verdict != Verdict::Fail || whole.results.len() != 2 || whole.results.iter().any(|r| r.lost.is_empty()) {
        return Err(format!("the split's trace judged topic by topic should lose inputs on both: {:?}", whole.results));
    }
    split.pipeline.env.insert("FAN_OUT".into(), "true".into());
    split.checker.each_output = Some(true);
    let fanned = run_once(cluster, &split, &FaultPlan::default(), "fan-out").await?;
    let each: Vec<&str> = fanned.verdict.results.iter().map(|r| r.summary.as_str()).collect();
    if fanned.verdict.verdict != Verdict::Pass || fanned.verdict.results.len() != 4 || fanned.verdict.outputs != 2 * fanned.verdict.acked {
        return Err(format!("fan-out without faults: expected a pass on each topic with every input twice in all: {:?}", fanned.verdict));
    }
    println!("    split: {large} large + {small} small; judged whole on each: {}; fan-out: {}", whole.verdict, each.join(" / "));
    Ok(())
}

/// A fault-free run of the shipped merge (`KStream#merge` of the input and
/// the side topic, `[checker] merge = true`): a pass where every record
/// of both topics was written once; each merged record's lineage names
/// its own topic's leader (`leader(us/..)`, which holds it until its
/// followers have it); the same trace read without
/// `merge` fails (the side's records are outputs of unknown inputs).
pub async fn a_merge_writes_the_records_of_both_streams(cluster: &Cluster) -> Result<(), String> {
    let merge = scenario("streams-merge-at-least-once")?;
    let ran = run_once(cluster, &merge, &FaultPlan::default(), "merge").await?;
    let lines = ldfi::trace::read_dir(&ran.dir).map_err(|e| e.to_string())?;
    let history = ldfi::checker::History::from_trace(&lines)?;
    let side: Vec<&str> = history.inputs.iter().filter(|i| i.id.starts_with("side-")).map(|i| i.id.as_str()).collect();
    if ran.verdict.verdict != Verdict::Pass || side.is_empty() || ran.verdict.outputs != ran.verdict.acked {
        return Err(format!("merge without faults: expected a pass with the side's records among the inputs: {} side inputs, {:?}", side.len(), ran.verdict));
    }
    let model = ldfi::lineage::build(&lines)?;
    let through_us = side
        .iter()
        .filter(|id| {
            model.outcomes.get(&format!("r:{id}")).is_some_and(|ds| {
                ds.iter().any(|d| d.iter().any(|f| f.to_string().contains("leader(us/")))
            })
        })
        .count();
    if through_us != side.len() {
        return Err(format!("{through_us} of {} merged records have a lineage through leader(us/..)", side.len()));
    }
    let unmerged = ldfi::checker::check(&ldfi::checker::History::from_trace(&unmerged_lines(&lines))?, &[Property::ExactlyOnce]);
    if unmerged.verdict != Verdict::Fail {
        return Err(format!("the merge's trace read without merge should fail: {:?}", unmerged.results));
    }
    println!(
        "    merge: {} inputs ({} from the side topic) written once, each side record's lineage through leader(us/..); read without merge: {}",
        ran.verdict.acked,
        side.len(),
        unmerged.verdict
    );
    Ok(())
}

/// `lines` with the run's `[checker] merge` taken away.
fn unmerged_lines(lines: &[ldfi::trace::TraceLine]) -> Vec<ldfi::trace::TraceLine> {
    let mut lines = lines.to_vec();
    for line in &mut lines {
        if let ldfi::trace::Event::RunStarted { checker, .. } = &mut line.event {
            checker.merge = None;
        }
    }
    lines
}
