//! The end of a run: wait until the pipeline has caught up with its input
//! (its group's committed offsets reach the input's high watermarks; in a
//! chain, every stage's group with the topic it reads; a Kafka Streams
//! app's group with its repartition topics too) and
//! its output has been quiet for a while (a pipeline may commit before it
//! writes: committed offsets alone can lie), or a bounded time passes,
//! which is itself recorded.
//!
//! The quiet wait is cut short when the output is complete: caught up,
//! and every acknowledged input already read back from the output
//! ([`Completeness`]). That holds only for properties judged record by
//! record on ids (a lost input can then only be one not read back, and no
//! later write can bring one back that the wait would have seen); a run
//! that lost inputs still waits the whole quiet time for them, as before.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cluster::Cluster;
use crate::model::Snapshot;
use crate::trace::{self, Event, TraceLine};
use crate::workload;

/// What lets the drain see that the output is complete before its quiet
/// wait ends: the workload's trace (which inputs were acknowledged, to
/// which topic) and how the checker reads the output.
#[derive(Debug, Clone)]
pub struct Completeness {
    pub workload_trace: PathBuf,
    /// The topics whose acknowledged records are inputs: the input, and a
    /// side topic the app merges into it.
    pub inputs: Vec<String>,
    pub read_committed: bool,
    /// Every output topic must hold every acknowledged input (a stream
    /// written whole to each), not their union.
    pub each: bool,
}

/// Whether every input acknowledged on one of `inputs` in the workload's `lines`
/// is among the ids `read` back from the output. No acknowledged input at
/// all is not complete: there is nothing to tell the wait from a stall.
pub fn every_acked_read(lines: &[TraceLine], inputs: &[&str], read: &HashSet<&str>) -> bool {
    let mut acked = lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::Produced { id, topic, error: None, .. } if inputs.contains(&topic.as_str()) => Some(id.as_str()),
            _ => None,
        })
        .peekable();
    acked.peek().is_some() && acked.all(|id| read.contains(id))
}

impl Completeness {
    /// Reads the workload's trace and the outputs as the checker will; an
    /// unreadable trace or output is not complete (the wait goes on).
    async fn holds(&self, bootstrap: &str, outputs: &[String]) -> bool {
        let Ok(lines) = trace::read_file(&self.workload_trace) else { return false };
        let mut all = Vec::new();
        for output in outputs {
            let Ok(records) = workload::read_all(bootstrap, output, self.read_committed, Duration::from_secs(10)).await else {
                return false;
            };
            all.push(records);
        }
        let inputs: Vec<&str> = self.inputs.iter().map(String::as_str).collect();
        let ids = |records: &[workload::ReadRecord]| -> HashSet<String> { records.iter().filter_map(|r| r.id.clone()).collect() };
        if self.each {
            all.iter().all(|records| every_acked_read(&lines, &inputs, &ids(records).iter().map(String::as_str).collect()))
        } else {
            let union: HashSet<String> = all.iter().flat_map(|records| ids(records)).collect();
            every_acked_read(&lines, &inputs, &union.iter().map(String::as_str).collect())
        }
    }
}

/// The internal topics a stage's group reads as it reads its input: a
/// Kafka Streams app's repartition topics (`<group>-<name>-repartition`),
/// each paired with its group. Its input can be all committed while a
/// sub-topology downstream of a repartition still has records to count: a
/// drain that waited on the input alone read the output of an app that
/// was still restarting and took the counts it had yet to write for lost.
/// Changelogs are left out: the group never commits on them.
pub fn read_internally(internal: &[String], stages: &[(String, String)]) -> Vec<(String, String)> {
    internal
        .iter()
        .filter(|t| t.ends_with("-repartition"))
        .filter_map(|t| stages.iter().find(|(_, g)| t.starts_with(&format!("{g}-"))).map(|(_, g)| (t.clone(), g.clone())))
        .collect()
}

/// How the drain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainOutcome {
    pub caught_up: bool,
    pub waited: Duration,
    /// Of `waited`, the time since the pipeline last caught up with the
    /// output unchanged: the quiet wait.
    pub quiet: Duration,
    pub detail: String,
    /// The first stage's committed offsets on its input, by partition, at
    /// the last snapshot that saw them.
    pub committed: Vec<(i32, i64)>,
}

/// Per partition: (committed, high watermark); `None` if not yet observable.
pub fn lag(snapshot: &Snapshot, topic: &str, group: &str) -> Option<Vec<(i32, i64, i64)>> {
    let group = snapshot.group(group)?;
    let partitions: Vec<_> = snapshot.partitions.iter().filter(|p| p.topic == topic).collect();
    if partitions.is_empty() {
        return None;
    }
    partitions
        .iter()
        .map(|p| {
            let hw = p.high_watermark?;
            let committed = group
                .committed
                .iter()
                .find(|c| c.topic == topic && c.partition == p.partition)
                .map(|c| c.offset)
                .unwrap_or(0);
            Some((p.partition, committed, hw))
        })
        .collect()
}

/// The output partitions an open transaction holds below their high
/// watermark; any that cannot be asked count as held (the wait goes on).
async fn open_transactions(bootstrap: &str, outputs: &[String]) -> Vec<(String, i32, i64, i64)> {
    let mut open = Vec::new();
    for topic in outputs {
        match workload::open_transactions(bootstrap, topic, Duration::from_secs(5)).await {
            Ok(held) => open.extend(held.into_iter().map(|(p, lso, hw)| (topic.clone(), p, lso, hw))),
            Err(e) => open.push((format!("{topic} (not answered: {e})"), -1, 0, 0)),
        }
    }
    open
}

/// The sum of the output topics' high watermarks.
fn output_end(snapshot: &Snapshot, outputs: &[String]) -> i64 {
    snapshot.partitions.iter().filter(|p| outputs.contains(&p.topic)).filter_map(|p| p.high_watermark).sum()
}

/// Waits until every stage's input partitions have committed offsets at
/// their high watermarks and the output has not grown for `quiet`, or the
/// output is complete (`complete`, checked once per output size). Offsets
/// of transaction markers count: a transactional pipeline's committed
/// offset passes the marker after its last record. `stages` are (input,
/// group) pairs, the first stage's first.
pub async fn drain(
    cluster: &Cluster,
    stages: &[(String, String)],
    outputs: &[String],
    quiet: Duration,
    limit: Duration,
    complete: Option<&Completeness>,
    read_committed: bool,
) -> DrainOutcome {
    let started = Instant::now();
    let mut detail = String::from("no snapshot answered");
    let mut quiet_since: Option<(Instant, i64)> = None;
    // The output size last found incomplete: the same size is not read again.
    let mut incomplete_at: Option<i64> = None;
    let mut topics: Vec<String> = stages.iter().map(|(t, _)| t.clone()).collect();
    topics.extend(outputs.iter().cloned());
    let groups: Vec<String> = stages.iter().map(|(_, g)| g.clone()).collect();
    let mut committed = Vec::new();
    loop {
        if let Ok(snapshot) = cluster.snapshot(&topics, &groups).await {
            let lags: Option<Vec<Vec<(i32, i64, i64)>>> = stages.iter().map(|(t, g)| lag(&snapshot, t, g)).collect();
            if let Some(first) = lags.as_ref().and_then(|l| l.first()) {
                committed = first.iter().map(|(p, c, _)| (*p, *c)).collect();
            }
            if let Some(lag) = lags.map(|l| l.concat()) {
                let behind: Vec<_> = lag.iter().filter(|(_, c, hw)| c < hw).collect();
                let end = output_end(&snapshot, outputs);
                detail = if behind.is_empty() {
                    format!("committed offsets reached the high watermark on {} partitions; output at {end}", lag.len())
                } else {
                    format!("behind (partition, committed, high watermark): {behind:?}")
                };
                // A read_committed reader ends at the last stable offset:
                // an output held below its high watermark by an open
                // transaction (a crashed instance's, until it times out)
                // is not yet what the checker would read.
                let open = match read_committed && behind.is_empty() {
                    true => open_transactions(&cluster.bootstrap_servers(), outputs).await,
                    false => Vec::new(),
                };
                if !open.is_empty() {
                    detail = format!("open transactions hold the output below its high watermark (topic, partition, last stable, high): {open:?}");
                    quiet_since = None;
                } else if behind.is_empty() {
                    match quiet_since {
                        Some((since, seen)) if seen == end => {
                            if since.elapsed() >= quiet {
                                return DrainOutcome { caught_up: true, waited: started.elapsed(), quiet: since.elapsed(), detail, committed };
                            }
                            if let Some(complete) = complete.filter(|_| incomplete_at != Some(end)) {
                                if complete.holds(&cluster.bootstrap_servers(), outputs).await {
                                    detail.push_str("; every acknowledged input read back");
                                    return DrainOutcome { caught_up: true, waited: started.elapsed(), quiet: since.elapsed(), detail, committed };
                                }
                                incomplete_at = Some(end);
                            }
                        }
                        _ => quiet_since = Some((Instant::now(), end)),
                    }
                } else {
                    quiet_since = None;
                }
            }
        }
        if started.elapsed() > limit {
            let quiet = quiet_since.map_or(Duration::ZERO, |(since, _)| since.elapsed());
            return DrainOutcome { caught_up: false, waited: started.elapsed(), quiet, detail, committed };
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{CommittedOffset, GroupState, PartitionState};

    fn produced(id: &str, topic: &str, error: Option<&str>) -> TraceLine {
        TraceLine {
            time_ms: 0,
            source: "workload".into(),
            step: Some(0),
            event: Event::Produced {
                id: id.into(),
                key: "k".into(),
                value: "v".into(),
                topic: topic.into(),
                partition: Some(0),
                offset: error.is_none().then_some(0),
                leader: None,
                error: error.map(str::to_string),
                timestamp_ms: None,
            },
        }
    }

    #[test]
    fn a_stage_waits_for_its_repartition_topics_and_not_its_changelogs() {
        let stages = vec![("words.c-r1".to_string(), "wc.c-r1".to_string()), ("counts.c-r1".to_string(), "top.c-r1".to_string())];
        let internal: Vec<String> = ["wc.c-r1-store-repartition", "wc.c-r1-store-changelog", "top.c-r1-by-word-repartition", "other-x-repartition"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            read_internally(&internal, &stages),
            vec![
                ("wc.c-r1-store-repartition".to_string(), "wc.c-r1".to_string()),
                ("top.c-r1-by-word-repartition".to_string(), "top.c-r1".to_string())
            ]
        );
    }

    #[test]
    fn the_output_is_complete_once_every_acknowledged_input_is_read_back() {
        let lines = vec![produced("in-0", "in", None), produced("in-1", "in", None), produced("in-2", "in", Some("timed out")), produced("side-0", "side", None)];
        let read = |ids: &[&'static str]| ids.iter().copied().collect::<HashSet<&str>>();
        assert!(every_acked_read(&lines, &["in"], &read(&["in-0", "in-1"])), "an unacknowledged input and another topic's records are not waited for");
        assert!(!every_acked_read(&lines, &["in"], &read(&["in-0"])), "in-1 was acknowledged and is not read back");
        assert!(!every_acked_read(&[], &["in"], &read(&[])), "nothing acknowledged proves nothing");
        assert!(!every_acked_read(&lines[2..3], &["in"], &read(&[])), "nothing acknowledged proves nothing");
    }

    #[test]
    fn lag_pairs_committed_offsets_with_high_watermarks() {
        let snapshot = Snapshot {
            partitions: vec![
                PartitionState { topic: "in".into(), partition: 0, high_watermark: Some(10), ..Default::default() },
                PartitionState { topic: "in".into(), partition: 1, high_watermark: Some(4), ..Default::default() },
            ],
            groups: vec![GroupState {
                group: "g".into(),
                committed: vec![CommittedOffset { topic: "in".into(), partition: 0, offset: 10 }],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(lag(&snapshot, "in", "g"), Some(vec![(0, 10, 10), (1, 0, 4)]));
        assert_eq!(lag(&snapshot, "in", "h"), None);
    }
}
