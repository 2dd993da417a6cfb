//! The steps of a run, 0..EOT: each step's faults applied as it begins
//! (roles bound to brokers the first time a run names them), its batches
//! written, its crashes in flight aimed and landed while the batch is
//! handled ([`super::in_flight`]), and a snapshot after it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{in_flight, quota, RunError};
use crate::cluster::Cluster;
use crate::model::{role, Fault, FaultPlan, NodeId, Role, Snapshot};
use crate::nemesis::Nemesis;
use crate::scenario::Scenario;
use crate::trace::{Event, RunNames, TraceWriter};
use crate::workload::Acks;

/// What the snapshot after each step covers.
pub(super) struct Observed {
    pub(super) topics: Vec<String>,
    pub(super) groups: Vec<String>,
}

/// The steps 0..EOT: faults at boundaries, one batch per busy step, a snapshot
/// after each.
#[allow(clippy::too_many_arguments)]
pub(super) async fn steps(
    cluster: &Cluster,
    scenario: &Scenario,
    plan: &FaultPlan,
    nemesis: &mut Nemesis,
    harness: &TraceWriter,
    names: &RunNames,
    input: &str,
    observe: &Observed,
    watch: &quota::Watch,
) -> Result<(), RunError> {
    let w = &scenario.workload;
    let note = |step: u32, event: Event| {
        harness.write(Some(step), event).map_err(|source| RunError::Io { path: "harness.jsonl".into(), source })
    };
    let mut next_id: u64 = 0;
    let mut next_side_id: u64 = 0;
    // Faults as applied, roles resolved, by their index in the plan.
    let mut applied: HashMap<usize, Fault> = HashMap::new();
    let mut bound: HashMap<Role, Vec<NodeId>> = HashMap::new();
    let step_time = Duration::from_millis(w.step_millis);
    let mut boundary = tokio::time::Instant::now();
    for step in 0..scenario.budget.eot {
        // A node killed for writing too much: the run stops here.
        if let Some(breach) = watch.breached() {
            return Err(RunError::NodeDirFull(breach));
        }
        // A step lasts `step_millis` from its start, the batch's write and
        // the faults' application included: waiting a whole step after
        // them made each step of 1 s last 1.7 s (a `docker exec` of the
        // workload costs about 0.65 s), and a run a third longer. The
        // snapshot between two steps is part of the next one's time too.
        let started = step_start(boundary, tokio::time::Instant::now(), step_time);
        for (index, planned) in plan.faults.iter().enumerate().filter(|(_, f)| f.end == step) {
            let Some(fault) = applied.remove(&index) else { continue };
            match nemesis.heal(&fault).await {
                Ok(()) => note(step, Event::FaultHealed { fault })?,
                Err(e) => note(step, Event::FaultFailed { fault: planned.fault.clone(), error: e.to_string() })?,
            }
        }
        // Crashes in flight are aimed now and land while the batch is
        // handled; every other fault starts here.
        let mut landings: Vec<(usize, Fault, in_flight::Landing)> = Vec::new();
        for (index, planned) in plan.faults.iter().enumerate().filter(|(_, f)| f.start == step) {
            let fault = match resolve_roles(cluster, &planned.fault, names, &mut bound).await {
                Ok(fault) => fault,
                Err(error) => {
                    note(step, Event::FaultFailed { fault: planned.fault.clone(), error })?;
                    continue;
                }
            };
            if let Fault::CrashInFlight { node, delay } = &fault {
                match aim_in_flight(cluster, scenario, names, &observe.topics, nemesis, node, *delay).await {
                    Ok(Some(landing)) => {
                        landings.push((index, fault.clone(), landing));
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => note(step, Event::Note { message: format!("{fault}: no aim ({e}); killed as its step starts") })?,
                }
            }
            match nemesis.apply(&fault).await {
                Ok(()) => {
                    note(step, Event::FaultApplied { fault: fault.clone() })?;
                    applied.insert(index, fault);
                }
                Err(e) => note(step, Event::FaultFailed { fault, error: e.to_string() })?,
            }
        }
        note(step, Event::Step { step_index: step })?;
        // The side topic's records first: a join's table row written in a
        // step is older than the stream records of that step.
        let side = match (&w.side, w.keys) {
            (Some(side), crate::workload::Keys::Count(keys)) if side.busy(step) => {
                next_side_id += u64::from(keys);
                Some(Batch::Side { topic: names.topic(&side.topic), first_id: next_side_id - u64::from(keys) })
            }
            _ => None,
        };
        let main = w.busy(step).then(|| {
            next_id += u64::from(w.records_per_step);
            Batch::Main { topic: input.to_string(), first_id: next_id - u64::from(w.records_per_step) }
        });
        let deadline = started + step_time;
        let (batched, landed) = batches_and_landings(cluster, scenario, plan, step, side.into_iter().chain(main), &landings, deadline, &note).await;
        for ((index, fault, landing), landed) in landings.into_iter().zip(landed) {
            if let Err(e) = nemesis.heal(&landing.held).await {
                note(step, Event::Note { message: format!("{fault}: its held links not released: {e}") })?;
            }
            match landed? {
                Ok(_) => {
                    nemesis.adopt(fault.clone());
                    applied.insert(index, fault);
                }
                Err(error) => note(step, Event::FaultFailed { fault, error })?,
            }
        }
        batched?;
        tokio::time::sleep_until(deadline).await;
        boundary = tokio::time::Instant::now();
        let asked = Instant::now();
        match cluster.snapshot(&observe.topics, &observe.groups).await {
            Ok(snapshot) => note(step, Event::Snapshot { snapshot, took_ms: Some(asked.elapsed().as_millis() as u64) })?,
            Err(e) => note(step, Event::Note { message: format!("no snapshot at step {step}: {e}") })?,
        }
    }
    Ok(())
}

/// When a step's time starts: at the boundary where the step before ended
/// (its batch written, its time up), so the snapshot taken there does not
/// stretch every step (30 to 40 ms of each 0.5 s step, about 0.8 s of a
/// 22-step run). A snapshot slowed by a fault (seconds, with a broker
/// down) takes at most a quarter of the step: the workload's next batch
/// still comes about a step after the last.
fn step_start(boundary: tokio::time::Instant, now: tokio::time::Instant, step: Duration) -> tokio::time::Instant {
    now.checked_sub(step / 4).map_or(boundary, |latest| boundary.max(latest))
}

/// Which of the workload's batches a step writes.
enum Batch {
    /// `records_per_step` inputs to the workload's topic.
    Main { topic: String, first_id: u64 },
    /// One record per key to the side topic.
    Side { topic: String, first_id: u64 },
}

/// A step's batches written while its crashes in flight are watched for
/// and land (each at the first sign of its instance's work, or at
/// `deadline` and some delays past it), each crash's `fault_applied`
/// written as it lands.
#[allow(clippy::too_many_arguments)]
async fn batches_and_landings(
    cluster: &Cluster,
    scenario: &Scenario,
    plan: &FaultPlan,
    step: u32,
    batches: impl Iterator<Item = Batch>,
    landings: &[(usize, Fault, in_flight::Landing)],
    deadline: tokio::time::Instant,
    note: &impl Fn(u32, Event) -> Result<(), RunError>,
) -> (Result<(), RunError>, Vec<Result<Result<in_flight::Landed, String>, RunError>>) {
    let (acked, batch) = tokio::sync::watch::channel(None);
    let batches = async {
        for batch in batches {
            if let Some(message) = produce_batch(cluster, scenario, plan, batch, step).await? {
                note(step, Event::Note { message })?;
            }
        }
        let _ = acked.send(Some(tokio::time::Instant::now()));
        Ok::<(), RunError>(())
    };
    let landed = futures_util::future::join_all(landings.iter().map(|(_, fault, landing)| {
        let batch = batch.clone();
        async move {
            let landed = landing.land(cluster, deadline + in_flight::PATIENCE * landing.delay(), batch).await;
            if let Ok(landed) = &landed {
                note(step, Event::FaultApplied { fault: fault.clone() })?;
                let (sign, after_ms) = (landed.sign.as_ref().map(|s| s.to_string()), landed.after.as_millis() as u64);
                note(step, Event::Landed { fault: fault.clone(), sign, after_ms })?;
            }
            Ok::<_, RunError>(landed)
        }
    }));
    tokio::join!(batches, landed)
}

/// Holds the links of instance `node` and takes what it has done so far,
/// for a crash in flight; `None` when it is down already (the crash is
/// then a plain kill).
#[allow(clippy::too_many_arguments)]
async fn aim_in_flight(
    cluster: &Cluster,
    scenario: &Scenario,
    names: &RunNames,
    observed: &[String],
    nemesis: &mut Nemesis,
    node: &NodeId,
    delay: crate::model::Delay,
) -> Result<Option<in_flight::Landing>, String> {
    if !cluster.state(node).await.map_err(|e| e.to_string())?.running {
        return Ok(None);
    }
    let host = cluster.address(node).map_err(|e| e.to_string())?.to_string();
    let aim = in_flight::Aim::at(scenario, names, observed, node, host).ok_or_else(|| format!("{node} is no pipeline instance"))?;
    let held = in_flight::Landing::held_link(cluster, node, delay);
    nemesis.apply(&held).await.map_err(|e| e.to_string())?;
    match in_flight::Landing::begin(cluster, node.clone(), held.clone(), aim, delay).await {
        Ok(landing) => Ok(Some(landing)),
        Err(e) => {
            let _ = nemesis.heal(&held).await;
            Err(e)
        }
    }
}

/// Runs one step's batch in the workload's node; what went wrong, if
/// anything, as a note for the harness trace.
async fn produce_batch(
    cluster: &Cluster,
    scenario: &Scenario,
    plan: &FaultPlan,
    batch: Batch,
    step: u32,
) -> Result<Option<String>, RunError> {
    let w = &scenario.workload;
    let (input, first_id, side) = match batch {
        Batch::Main { topic, first_id } => (topic, first_id, None),
        Batch::Side { topic, first_id } => (topic, first_id, w.side.as_ref()),
    };
    let input = input.as_str();
    let workload = cluster.container(&NodeId::client("workload"))?;
    let acks = match w.acks {
        Acks::All => "all",
        Acks::Leader => "1",
    };
    let (step_text, first, count, keys, seed) = (
        step.to_string(),
        first_id.to_string(),
        w.records_per_step.to_string(),
        w.keys.to_string(),
        (scenario.seed ^ plan.seed).to_string(),
    );
    let (numbers, words) = match side {
        Some(side) => (side.numbers, side.words.join(",")),
        None => (w.numbers, w.words.join(",")),
    };
    let (values_flag, values) = match numbers {
        Some((min, max)) => ("--numbers", format!("{min},{max}")),
        None => ("--words", words),
    };
    let bootstrap = cluster.bootstrap_servers();
    let mut command = vec![
        "/usr/local/bin/ldfi-workload", "--bootstrap", &bootstrap, "--topic", input, "--step",
        &step_text, "--first-id", &first, "--count", &count, "--keys", &keys, values_flag, &values, "--seed", &seed,
        "--acks", acks, "--trace", "/trace/workload.jsonl",
    ];
    if side.is_some() {
        command.push("--side");
    }
    Ok(match cluster.engine().exec(&workload, &command).await {
        Ok(out) if out.exit_code == 0 => None,
        Ok(out) => Some(format!("workload step {step} exited {}: {}", out.exit_code, out.stderr.trim())),
        Err(e) => Some(format!("workload step {step} not run: {e}")),
    })
}

/// Replaces the roles a fault names by the nodes they stand for. A role is
/// bound the first time a run uses it and keeps that binding for the rest
/// of the run: in "cut the leader of input/0 off, then crash it", both
/// faults name the same broker even after a new leader was elected.
async fn resolve_roles(
    cluster: &Cluster,
    fault: &Fault,
    names: &RunNames,
    bound: &mut HashMap<Role, Vec<NodeId>>,
) -> Result<Fault, String> {
    let roles: Vec<Role> = role::roles(fault).into_iter().filter(|r| !bound.contains_key(*r)).cloned().collect();
    let mut snapshot = Snapshot::default();
    if !roles.is_empty() {
        snapshot = fresh_snapshot(cluster, &roles, names).await?;
    }
    for r in &roles {
        let nodes = role::resolve_role(r, &snapshot, &|t| names.topic(t), &|g| names.group(g))?;
        bound.insert(r.clone(), nodes);
    }
    role::resolve_bound(fault, bound)
}

async fn fresh_snapshot(cluster: &Cluster, roles: &[Role], names: &RunNames) -> Result<Snapshot, String> {
    let mut topics = Vec::new();
    let mut groups = Vec::new();
    for r in roles {
        match r {
            Role::Leader { topic, .. } | Role::Followers { topic, .. } => topics.push(names.topic(topic)),
            Role::Coordinator { group } | Role::TransactionCoordinator { group } => groups.push(names.group(group)),
        }
    }
    cluster.snapshot(&topics, &groups).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_starts_at_the_last_boundary_unless_the_snapshot_took_more_than_a_quarter_step() {
        let step = Duration::from_millis(500);
        let now = tokio::time::Instant::now() + Duration::from_secs(10);
        let quick = now - Duration::from_millis(40);
        assert_eq!(step_start(quick, now, step), quick);
        let slow = now - Duration::from_millis(5000);
        assert_eq!(step_start(slow, now, step), now - Duration::from_millis(125));
    }
}
