//! Before step 0 and after the last read: the pipeline's topics, group and
//! internal topics.
//!
//! A run's steps mean something only once the pipeline consumes: a JVM app
//! takes seconds to start and join its group, and a batch written before
//! that is read in a rush at the join, not step by step. So step 0 waits
//! until the group is stable with every instance in it and every input
//! partition assigned, however long start-up takes (up to the scenario's
//! `startup_secs`; a pipeline that never gets there proves nothing, and the
//! run says so).
//!
//! Kafka Streams names its internal topics (repartition, changelog) after
//! the application.id, which is the scenario's group: they belong to the
//! run, are observed at every step, and go with it. An app with hard-coded
//! names (`run_suffix = false`) reuses the same topics and group in every
//! run, so they are deleted before and after each run, and the run waits
//! until Kafka has finished deleting them.

use std::time::{Duration, Instant};

use crate::cluster::{Cluster, ClusterError};
use crate::model::Snapshot;
use crate::scenario::Scenario;
use crate::trace::RunNames;

use super::RunError;

/// How long Kafka may take to forget a deleted topic.
const DELETION: Duration = Duration::from_secs(60);

/// The run's internal topics: the cluster's topics named after its group.
pub async fn internal_topics(cluster: &Cluster, names: &RunNames) -> Result<Vec<String>, ClusterError> {
    let mut found: Vec<String> = cluster.list_topics().await?.into_iter().filter(|t| names.is_internal(t)).collect();
    found.sort();
    Ok(found)
}

/// A run's topics as the cluster has them: the scenario's, named for the
/// run, and the internal topics its pipeline created (none if they cannot
/// be listed).
pub async fn run_topics(cluster: &Cluster, scenario: &Scenario, names: &RunNames) -> Vec<String> {
    let mut topics: Vec<String> = scenario.topics.iter().map(|t| names.topic(&t.name)).collect();
    match internal_topics(cluster, names).await {
        Ok(internal) => topics.extend(internal),
        Err(e) => tracing::warn!("cannot list the run's internal topics: {e}"),
    }
    topics
}

/// Removes what a run with unsuffixed names would meet from an earlier
/// one: the scenario's topics, the group and its internal topics.
pub async fn clean_slate(cluster: &Cluster, scenario: &Scenario, names: &RunNames) -> Result<(), ClusterError> {
    let topics = run_topics(cluster, scenario, names).await;
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    let groups = run_groups(scenario, names);
    cluster.delete_groups(&groups.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    cluster.delete_topics_and_wait(&refs, DELETION).await
}

/// Every stage's group, as the run names it.
fn run_groups(scenario: &Scenario, names: &RunNames) -> Vec<String> {
    scenario.chain().map(|s| names.group(&s.group)).collect()
}

/// After the run: its topics and internal topics, and with unsuffixed
/// names its group too, waiting for the deletion so the next run starts
/// clean. Errors are logged, not raised: the run's verdict is in its traces.
pub async fn tidy(cluster: &Cluster, scenario: &Scenario, names: &RunNames) {
    let topics = run_topics(cluster, scenario, names).await;
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    if names.suffix.is_some() {
        if let Err(e) = cluster.delete_topics(&refs).await {
            tracing::debug!("deleting the run's topics: {e}");
        }
        return;
    }
    let groups = run_groups(scenario, names);
    if let Err(e) = cluster.delete_groups(&groups.iter().map(String::as_str).collect::<Vec<_>>()).await {
        tracing::warn!("deleting groups {groups:?}: {e}");
    }
    if let Err(e) = cluster.delete_topics_and_wait(&refs, DELETION).await {
        tracing::warn!("deleting the run's topics: {e}");
    }
}

/// Whether a snapshot shows the pipeline ready: its group stable, at
/// least one member per instance, every input partition assigned.
pub fn ready(snapshot: &Snapshot, group: &str, input: &str, partitions: i32, instances: u8) -> Result<(), String> {
    let Some(state) = snapshot.group(group) else { return Err(format!("group {group} not seen yet")) };
    let status = state.state.as_deref().unwrap_or("unknown");
    if !status.eq_ignore_ascii_case("stable") {
        return Err(format!("group {group} is {status} with {} member(s)", state.members.len()));
    }
    if state.members.len() < usize::from(instances) {
        return Err(format!("group {group} has {} member(s) of {instances} instance(s)", state.members.len()));
    }
    let assigned = |p: i32| state.members.iter().any(|m| m.assignment.iter().any(|a| a.topic == input && a.partition == p));
    let missing: Vec<i32> = (0..partitions).filter(|p| !assigned(*p)).collect();
    if !missing.is_empty() {
        return Err(format!("partitions {missing:?} of {input} not assigned in group {group}"));
    }
    Ok(())
}

/// Waits until every stage is [`ready`], each up to its start-up time
/// (the stages start together, so a chain waits about as long as its
/// slowest stage).
pub async fn wait_ready(cluster: &Cluster, scenario: &Scenario, names: &RunNames) -> Result<Duration, RunError> {
    let started = Instant::now();
    for (index, stage) in scenario.chain().enumerate() {
        let limit = Duration::from_secs(stage.startup_secs);
        let input = names.topic(&stage.input);
        let group = names.group(&stage.group);
        let partitions = scenario.topics.iter().find(|t| t.name == stage.input).map_or(1, |t| t.partitions);
        let mut last: String;
        loop {
            match cluster.snapshot(std::slice::from_ref(&input), std::slice::from_ref(&group)).await {
                Ok(snapshot) => match ready(&snapshot, &group, &input, partitions, stage.instances) {
                    Ok(()) => break,
                    Err(why) => last = why,
                },
                Err(e) => last = e.to_string(),
            }
            if started.elapsed() >= limit {
                let table = if index == 0 { "[pipeline]".to_string() } else { format!("stages[{}]", index - 1) };
                return Err(RunError::PipelineNeverStarted(format!(
                    "after {} s: {last}\n  fix: the pipeline must consume {input} with group.id (or application.id) {group} — pass {{group}} and {{input}} to it; \
                     see pipeline-N.log in the run's traces for why it did not; raise {table} startup_secs if it only starts slowly",
                    limit.as_secs(),
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{GroupMember, GroupState, TopicPartition};

    fn member(partitions: &[i32]) -> GroupMember {
        GroupMember {
            assignment: partitions.iter().map(|p| TopicPartition { topic: "in".into(), partition: *p }).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn ready_means_stable_every_instance_in_and_every_partition_owned() {
        let snapshot = |state: &str, members: Vec<GroupMember>| Snapshot {
            groups: vec![GroupState { group: "g".into(), state: Some(state.into()), members, ..Default::default() }],
            ..Default::default()
        };
        assert!(ready(&snapshot("Stable", vec![member(&[0, 1]), member(&[2])]), "g", "in", 3, 2).is_ok());
        let rebalancing = ready(&snapshot("PreparingRebalance", vec![member(&[0, 1, 2])]), "g", "in", 3, 1).unwrap_err();
        assert!(rebalancing.contains("PreparingRebalance"), "{rebalancing}");
        assert!(ready(&snapshot("Stable", vec![member(&[0, 1, 2])]), "g", "in", 3, 2).unwrap_err().contains("1 member(s) of 2"));
        assert!(ready(&snapshot("Stable", vec![member(&[0])]), "g", "in", 3, 1).unwrap_err().contains("[1, 2]"));
        assert!(ready(&Snapshot::default(), "g", "in", 3, 1).is_err());
    }
}
