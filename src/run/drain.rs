//! The end of a run: wait until the pipeline has caught up with its input
//! (its group's committed offsets reach the input's high watermarks; in a
//! chain, every stage's group with the topic it reads) and
//! its output has been quiet for a while (a pipeline may commit before it
//! writes: committed offsets alone can lie), or a bounded time passes,
//! which is itself recorded.

use std::time::{Duration, Instant};

use crate::cluster::Cluster;
use crate::model::Snapshot;

/// How the drain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainOutcome {
    pub caught_up: bool,
    pub waited: Duration,
    pub detail: String,
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

/// The sum of an output topic's high watermarks.
fn output_end(snapshot: &Snapshot, output: &str) -> i64 {
    snapshot.partitions.iter().filter(|p| p.topic == output).filter_map(|p| p.high_watermark).sum()
}

/// Waits until every stage's input partitions have committed offsets at
/// their high watermarks and the output has not grown for `quiet`. Offsets
/// of transaction markers count: a transactional pipeline's committed
/// offset passes the marker after its last record. `stages` are (input,
/// group) pairs, the first stage's first.
pub async fn drain(
    cluster: &Cluster,
    stages: &[(String, String)],
    output: &str,
    quiet: Duration,
    limit: Duration,
) -> DrainOutcome {
    let started = Instant::now();
    let mut detail = String::from("no snapshot answered");
    let mut quiet_since: Option<(Instant, i64)> = None;
    let mut topics: Vec<String> = stages.iter().map(|(t, _)| t.clone()).collect();
    topics.push(output.to_string());
    let groups: Vec<String> = stages.iter().map(|(_, g)| g.clone()).collect();
    loop {
        if let Ok(snapshot) = cluster.snapshot(&topics, &groups).await {
            let lags: Option<Vec<Vec<(i32, i64, i64)>>> = stages.iter().map(|(t, g)| lag(&snapshot, t, g)).collect();
            if let Some(lag) = lags.map(|l| l.concat()) {
                let behind: Vec<_> = lag.iter().filter(|(_, c, hw)| c < hw).collect();
                let end = output_end(&snapshot, output);
                detail = if behind.is_empty() {
                    format!("committed offsets reached the high watermark on {} partitions; output at {end}", lag.len())
                } else {
                    format!("behind (partition, committed, high watermark): {behind:?}")
                };
                if behind.is_empty() {
                    match quiet_since {
                        Some((since, seen)) if seen == end => {
                            if since.elapsed() >= quiet {
                                return DrainOutcome { caught_up: true, waited: started.elapsed(), detail };
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
            return DrainOutcome { caught_up: false, waited: started.elapsed(), detail };
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{CommittedOffset, GroupState, PartitionState};

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
