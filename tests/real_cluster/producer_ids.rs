//! Producer ids from a broker cut off from the controller: why a run asks
//! every broker for one first (`Cluster::warm_producer_ids`).
//!
//! This test must be the suite's first: it needs brokers that no producer
//! has asked yet, as on a fresh cluster.

use std::time::Duration;

use ldfi::cluster::Cluster;
use ldfi::model::{Fault, NodeId};
use ldfi::nemesis::Nemesis;

const ASK: Duration = Duration::from_secs(3);

pub async fn a_warmed_broker_hands_out_producer_ids_while_cut_off_from_the_controller(
    cluster: &Cluster,
) -> Result<(), String> {
    let snapshot = cluster.snapshot(&[], &[]).await.map_err(|e| e.to_string())?;
    let controller = snapshot.controller.ok_or("no active controller in the snapshot")?.leader_id;
    let broker = cluster.broker_ids().into_iter().find(|&b| i32::from(b) != controller).ok_or("one broker only")?;
    let others: Vec<NodeId> =
        cluster.broker_ids().into_iter().filter(|&b| b != broker).map(NodeId::Broker).collect();
    let cut = Fault::OneWayCut { from: vec![NodeId::Broker(broker)], to: others };
    let observer = cluster.observer().await.map_err(|e| e.to_string())?;
    let server = cluster.broker_server(broker);
    let mut nemesis = Nemesis::new(cluster);

    nemesis.apply(&cut).await.map_err(|e| e.to_string())?;
    let cold = observer.producer_id(&server, ASK).await;
    nemesis.heal(&cut).await.map_err(|e| e.to_string())?;
    println!("    broker-{broker} cut off from controller {controller}, never asked before: {cold:?}");
    if cold.is_ok() {
        return Err(format!(
            "broker-{broker} handed out a producer id while cut off from the controller before anyone asked it; \
             either this test did not run first on a fresh cluster, or Kafka no longer takes id blocks on demand"
        ));
    }

    cluster.warm_producer_ids(Duration::from_secs(15)).await.map_err(|e| e.to_string())?;
    nemesis.apply(&cut).await.map_err(|e| e.to_string())?;
    let warm = observer.producer_id(&server, ASK).await;
    nemesis.heal(&cut).await.map_err(|e| e.to_string())?;
    println!("    broker-{broker} cut off again after the warm-up: {warm:?}");
    warm.map(|_| ()).map_err(|e| format!("after the warm-up, broker-{broker} cut off from the controller: {e}"))
}
