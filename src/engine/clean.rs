//! Removal of everything ldfi created: containers, then networks.
//!
//! Firewall rules live inside the network namespaces of our containers, so
//! removing the containers removes the rules with them; nothing of ours is
//! ever installed in the host's own tables.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListNetworksOptionsBuilder};

use super::{Engine, EngineError, CLUSTER_LABEL, PROJECT_LABEL, PROJECT_VALUE};

/// Containers and networks of ours that still exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.networks.is_empty()
    }
}

fn label_filter(cluster: Option<&str>) -> HashMap<String, Vec<String>> {
    let mut labels = vec![format!("{PROJECT_LABEL}={PROJECT_VALUE}")];
    if let Some(cluster) = cluster {
        labels.push(format!("{CLUSTER_LABEL}={cluster}"));
    }
    HashMap::from([("label".to_string(), labels)])
}

/// Lists what ldfi left behind: all of it, or that of one cluster.
pub async fn leftovers(engine: &Engine, cluster: Option<&str>) -> Result<Leftovers, EngineError> {
    let filters = label_filter(cluster);
    let containers = engine
        .docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .map_err(EngineError::api("list containers"))?
        .into_iter()
        .filter_map(|c| c.names.and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_string())))
        .collect();
    let networks = engine
        .docker
        .list_networks(Some(ListNetworksOptionsBuilder::new().filters(&filters).build()))
        .await
        .map_err(EngineError::api("list networks"))?
        .into_iter()
        .filter_map(|n| n.name)
        .collect();
    Ok(Leftovers { containers, networks })
}

/// Removes every container and network of ours (or of one cluster) and
/// returns what was removed.
pub async fn clean(engine: &Engine, cluster: Option<&str>) -> Result<Leftovers, EngineError> {
    let found = leftovers(engine, cluster).await?;
    let removals = found.containers.iter().map(|name| engine.remove(name));
    for result in futures_util::future::join_all(removals).await {
        result?;
    }
    for network in &found.networks {
        match engine.docker.remove_network(network).await {
            Ok(()) => {}
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(source) => {
                return Err(EngineError::Api { action: format!("remove network {network}"), source })
            }
        }
    }
    Ok(found)
}
