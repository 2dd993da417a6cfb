//! `ldfi cluster up | down | status | roundtrip`, and the cluster a
//! scenario command runs on.

use std::time::{Duration, Instant};

use clap::Subcommand;
use ldfi::cluster::{Cluster, ClusterError, ClusterSpec, TopicSpec};
use ldfi::engine::{self, Endpoint, Engine};
use ldfi::workload::{self, Acks};

use super::terminal::{Mode, Terminal};
use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_INTERRUPTED, EXIT_OK};

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Start a cluster and leave it running (stop it with `ldfi cluster down`).
    Up {
        #[arg(long, default_value = "demo")]
        name: String,
        #[arg(long, default_value_t = 3)]
        brokers: u8,
        /// Broker image (default: LDFI_KAFKA_IMAGE or ldfi/kafka:local).
        #[arg(long)]
        image: Option<String>,
        /// Start the cluster a scenario asks for (its brokers, image and
        /// broker settings), to reuse with `--cluster` across campaigns.
        #[arg(long, conflicts_with_all = ["brokers", "image"])]
        scenario: Option<std::path::PathBuf>,
    },
    /// Remove a cluster's containers and network.
    Down {
        #[arg(long, default_value = "demo")]
        name: String,
    },
    /// Print a snapshot of a running cluster as JSON.
    Status {
        #[arg(long, default_value = "demo")]
        name: String,
        /// Topics to include.
        #[arg(long = "topic")]
        topics: Vec<String>,
        /// Consumer groups to include.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Produce records with acks=all to a fresh topic and read every one back.
    Roundtrip {
        #[arg(long, default_value = "demo")]
        name: String,
        #[arg(long, default_value_t = 1000)]
        records: usize,
    },
}

pub async fn run(command: ClusterCommand) -> u8 {
    match command {
        ClusterCommand::Up { name, brokers, image, scenario } => up(name, brokers, image, scenario).await,
        ClusterCommand::Down { name } => down(&name).await,
        ClusterCommand::Status { name, topics, groups } => status(&name, &topics, &groups).await,
        ClusterCommand::Roundtrip { name, records } => roundtrip(&name, records).await,
    }
}

fn code_of(error: &ClusterError) -> u8 {
    match error {
        ClusterError::Spec(_) | ClusterError::UnknownNode(_) | ClusterError::NotFound { .. } => EXIT_BAD_INPUT,
        _ => EXIT_INFRA,
    }
}

async fn up(name: String, brokers: u8, image: Option<String>, scenario: Option<std::path::PathBuf>) -> u8 {
    let mut spec = ClusterSpec::new(name.clone()).with_brokers(brokers);
    if let Some(image) = image {
        spec.client_image = image.clone();
        spec.image = image;
    }
    if let Some(path) = scenario {
        match ldfi::scenario::Scenario::load(&path) {
            Ok(scenario) => spec = ldfi::run::cluster_spec(&scenario, &name),
            Err(e) => return fail(EXIT_BAD_INPUT, e),
        }
    }
    let brokers = spec.brokers;
    if let Err(e) = spec.validate() {
        return fail(EXIT_BAD_INPUT, e);
    }
    let started = Instant::now();
    let term = Terminal::new(Mode::Normal, 0, 0);
    let waiting = term.wait(&format!("starting cluster {name}: {brokers} brokers of {}", spec.image));
    tokio::select! {
        result = Cluster::start(spec) => match result {
            Ok(cluster) => {
                drop(waiting);
                cluster.detach();
                note!("ldfi: cluster {name} ready in {:.1} s", started.elapsed().as_secs_f64());
                say!("{}", cluster.bootstrap_servers());
                EXIT_OK
            }
            Err(e) => fail(code_of(&e), e),
        },
        _ = super::terminal::interrupted() => {
            drop(waiting);
            // The start future is dropped: its guard removed what it had
            // created. A request in flight may still land, so clean again.
            note!("ldfi: interrupted; removing cluster {name}");
            if let Ok(engine) = Engine::connect().await {
                for _ in 0..2 {
                    let _ = engine::clean(&engine, Some(&name)).await;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
            EXIT_INTERRUPTED
        }
    }
}

async fn down(name: &str) -> u8 {
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    match engine::clean(&engine, Some(name)).await {
        Ok(removed) if removed.is_empty() => {
            note!("ldfi: no cluster named {name:?} was running");
            EXIT_OK
        }
        Ok(removed) => {
            note!(
                "ldfi: removed cluster {name}: {} containers, {} networks",
                removed.containers.len(),
                removed.networks.len()
            );
            EXIT_OK
        }
        Err(e) => fail(EXIT_INFRA, e),
    }
}

async fn status(name: &str, topics: &[String], groups: &[String]) -> u8 {
    let cluster = match Cluster::attach(name).await {
        Ok(cluster) => cluster,
        Err(e) => return fail(code_of(&e), e),
    };
    match cluster.snapshot(topics, groups).await {
        Ok(snapshot) => {
            say!("{}", serde_json::to_string_pretty(&snapshot).expect("snapshot serializes"));
            EXIT_OK
        }
        Err(e) => fail(code_of(&e), e),
    }
}

async fn roundtrip(name: &str, records: usize) -> u8 {
    let cluster = match Cluster::attach(name).await {
        Ok(cluster) => cluster,
        Err(e) => return fail(code_of(&e), e),
    };
    let brokers = i32::from(cluster.spec().brokers);
    let topic = format!("ldfi-roundtrip-{}", std::process::id());
    let spec = TopicSpec::new(&topic, 3, brokers.min(3)).min_insync_replicas((brokers.min(3) - 1).max(1));
    if let Err(e) = cluster.create_topics(&[spec]).await {
        return fail(code_of(&e), e);
    }
    let bootstrap = cluster.bootstrap_servers();
    let batch = workload::batch(1, 0, records as u32, workload::Keys::Count(17), workload::Values::Words(&[]));
    let started = Instant::now();
    let deliveries = match workload::produce(&bootstrap, &topic, &batch, Acks::All, Duration::from_secs(30)).await {
        Ok(deliveries) => deliveries,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let acked: Vec<&str> = deliveries.iter().filter(|d| d.acked.is_some()).map(|d| d.id.as_str()).collect();
    let read = match workload::read_all(&bootstrap, &topic, false, Duration::from_secs(30)).await {
        Ok(read) => read,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let seen: std::collections::HashSet<&str> = read.iter().filter_map(|r| r.id.as_deref()).collect();
    let missing: Vec<&str> = acked.iter().copied().filter(|id| !seen.contains(id)).collect();
    let _ = cluster.delete_topics(&[&topic]).await;
    say!(
        "produced {records}, acked {}, read back {}, missing {} ({:.1} s)",
        acked.len(),
        read.len(),
        missing.len(),
        started.elapsed().as_secs_f64()
    );
    if acked.len() == records && missing.is_empty() {
        EXIT_OK
    } else {
        note!("ldfi: acknowledged records not read back: {:?}", &missing[..missing.len().min(20)]);
        1
    }
}

/// The cluster a scenario command works on: the running one named by
/// `--cluster`, else a fresh one for the scenario, `<purpose>-<pid>`, with a
/// spinner while it starts; on `engine` either way. The caller takes a
/// fresh one down when done.
pub async fn for_scenario(
    term: &Terminal,
    name: Option<&str>,
    scenario: &ldfi::scenario::Scenario,
    purpose: &str,
    engine: &Endpoint,
) -> Result<Cluster, ClusterError> {
    for_scenario_with(term, name, scenario, None, purpose, engine).await
}

/// [`for_scenario`], with the brokers' and client nodes' images given
/// (`Some((broker, client))`, what a campaign ran) instead of taken from
/// the scenario and the environment; an attached cluster must have them.
pub async fn for_scenario_with(
    term: &Terminal,
    name: Option<&str>,
    scenario: &ldfi::scenario::Scenario,
    images: Option<(&str, &str)>,
    purpose: &str,
    engine: &Endpoint,
) -> Result<Cluster, ClusterError> {
    let wanted = |name: &str| {
        let mut spec = ldfi::run::cluster_spec(scenario, name).on_engine(engine.clone());
        if let Some((broker, client)) = images {
            spec.image = broker.to_string();
            spec.client_image = client.to_string();
        }
        spec
    };
    if let Some(name) = name {
        let cluster = Cluster::attach_on(engine, name).await?;
        let wanted = wanted(name);
        let images_differ = images.is_some()
            && (wanted.image != cluster.spec().image || wanted.client_image != cluster.spec().client_image);
        let problem = mismatch(&wanted, cluster.spec()).or_else(|| {
            images_differ.then(|| {
                format!(
                    "it runs images {} (brokers) and {} (clients), the campaign ran {} and {}",
                    cluster.spec().image,
                    cluster.spec().client_image,
                    wanted.image,
                    wanted.client_image
                )
            })
        });
        if let Some(problem) = problem {
            return Err(ClusterError::Spec(format!(
                "cluster {name} is not the cluster scenario {} asks for: {problem}\n  fix: `ldfi cluster down --name {name}` and \
                 `ldfi cluster up --name {name} --scenario <its file>`, or drop --cluster",
                scenario.name
            )));
        }
        return Ok(cluster);
    }
    start(term, wanted(&format!("{purpose}-{}", std::process::id()))).await
}

/// Starts a fresh cluster, with a spinner while it starts.
pub async fn start(term: &Terminal, spec: ClusterSpec) -> Result<Cluster, ClusterError> {
    let started = Instant::now();
    let on = super::engines::on(&spec.engine);
    let waiting = term.wait(&format!("starting a {}-broker cluster{on}", spec.brokers));
    let cluster = Cluster::start(spec).await?;
    drop(waiting);
    term.line(&format!("cluster {} ready{on} in {:.1} s", cluster.spec().name, started.elapsed().as_secs_f64()));
    Ok(cluster)
}

/// How a running cluster differs from the one a scenario asks for: fewer
/// or more brokers, or broker settings the scenario's bug or timing relies
/// on (a failure-detection timeout, unclean election) missing or different.
/// `None` when it is the same cluster.
fn mismatch(wanted: &ClusterSpec, have: &ClusterSpec) -> Option<String> {
    if wanted.brokers != have.brokers {
        return Some(format!("it has {} brokers, the scenario {}", have.brokers, wanted.brokers));
    }
    let effective = |spec: &ClusterSpec| {
        let mut configs = spec.default_broker_configs();
        configs.extend(spec.broker_configs.clone());
        configs
    };
    let (wanted_configs, have_configs) = (effective(wanted), effective(have));
    let differing: Vec<String> = wanted_configs
        .iter()
        .filter(|(key, value)| have_configs.get(*key) != Some(*value))
        .map(|(key, value)| format!("{key}={value} (cluster: {})", have_configs.get(key).map_or("unset", String::as_str)))
        .collect();
    (!differing.is_empty()).then(|| format!("broker settings differ: {}", differing.join(", ")))
}


/// On a reused cluster, heals what a killed or interrupted harness left
/// (it healed nothing): brokers started, unpaused and unfiltered, client
/// nodes removed, the topics of `stale` runs of `campaign` deleted.
pub async fn heal_left_behind(
    term: &Terminal,
    cluster: &Cluster,
    scenario: &ldfi::scenario::Scenario,
    campaign: &str,
    stale: &[String],
) -> Result<(), ClusterError> {
    let waiting = term.wait("checking the cluster for faults and client nodes left behind");
    let recovered = ldfi::run::recover(cluster, scenario, campaign, stale).await?;
    drop(waiting);
    if recovered != ldfi::run::Recovered::default() {
        term.line(&format!("left behind by an interrupted harness, healed: {recovered}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_without_the_scenario_s_broker_settings_is_not_the_one_it_asks_for() {
        let plain = ClusterSpec::new("c");
        assert_eq!(mismatch(&plain, &plain), None);
        let tuned = ClusterSpec::new("c").with_config("replica.lag.time.max.ms", "1500");
        let problem = mismatch(&tuned, &plain).expect("a mismatch");
        assert!(problem.contains("replica.lag.time.max.ms=1500 (cluster: 10000)"), "{problem}");
        let five = ClusterSpec::new("c").with_brokers(5);
        assert_eq!(mismatch(&five, &plain).as_deref(), Some("it has 3 brokers, the scenario 5"));
        // A tuned cluster is not the plain one either: it detects failures sooner.
        assert!(mismatch(&plain, &tuned).is_some());
    }
}
