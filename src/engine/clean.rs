//! Removal of everything ldfi created, and of nothing else: containers,
//! then networks. Docker's label filter only narrows the candidates; each
//! is judged by [`ownership::is_ours`] against its image's labels.
//!
//! Firewall rules live inside the network namespaces of our containers, so
//! removing the containers removes the rules with them; nothing of ours is
//! ever installed in the host's own tables.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListNetworksOptionsBuilder};

use super::owner::Owner;
use super::ownership::{self, Labels, CAMPAIGN_LABEL, OWNER_LABEL};
use super::sweep::Found;
use super::{Engine, EngineError, CLUSTER_LABEL};

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

/// Candidates: whatever carries a cluster label (of `cluster`, if given).
/// Whether each is ours is decided by [`ownership`], not by the filter.
fn label_filter(cluster: Option<&str>) -> HashMap<String, Vec<String>> {
    let label = match cluster {
        Some(cluster) => format!("{CLUSTER_LABEL}={cluster}"),
        None => CLUSTER_LABEL.to_string(),
    };
    HashMap::from([("label".to_string(), vec![label])])
}

/// Containers and networks of ours (of `cluster`, if given), each with its
/// labels.
async fn ours(engine: &Engine, cluster: Option<&str>) -> Result<(Vec<(String, Labels)>, Vec<(String, Labels)>), EngineError> {
    let filters = label_filter(cluster);
    let candidates = engine
        .docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .map_err(EngineError::api("list containers"))?;
    let mut image_labels: HashMap<String, Labels> = HashMap::new();
    let mut containers = Vec::new();
    for c in candidates {
        let image_id = c.image_id.clone().unwrap_or_default();
        if !image_labels.contains_key(&image_id) {
            let labels = labels_of_image(engine, &image_id).await?;
            image_labels.insert(image_id.clone(), labels);
        }
        let labels = c.labels.clone().unwrap_or_default();
        if !ownership::is_ours(&labels, &image_labels[&image_id], cluster) {
            continue;
        }
        if let Some(name) = c.names.and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_string())) {
            containers.push((name, labels));
        }
    }
    let networks = engine
        .docker
        .list_networks(Some(ListNetworksOptionsBuilder::new().filters(&filters).build()))
        .await
        .map_err(EngineError::api("list networks"))?
        .into_iter()
        .filter_map(|n| {
            let labels = n.labels.unwrap_or_default();
            ownership::is_our_network(&labels, cluster).then_some((n.name?, labels))
        })
        .collect();
    Ok((containers, networks))
}

/// Lists what ldfi left behind: all of it, or that of one cluster.
pub async fn leftovers(engine: &Engine, cluster: Option<&str>) -> Result<Leftovers, EngineError> {
    let (containers, networks) = ours(engine, cluster).await?;
    let names = |all: Vec<(String, Labels)>| all.into_iter().map(|(name, _)| name).collect();
    Ok(Leftovers { containers: names(containers), networks: names(networks) })
}

/// Everything of ours, with the cluster, campaign and creating process
/// its labels name, for [`sweep::judge`].
pub async fn survey(engine: &Engine) -> Result<Vec<Found>, EngineError> {
    let (containers, networks) = ours(engine, None).await?;
    let found = |network: bool| {
        move |(name, labels): (String, Labels)| Found {
            name,
            network,
            cluster: labels.get(CLUSTER_LABEL).cloned().unwrap_or_default(),
            campaign: labels.get(CAMPAIGN_LABEL).cloned(),
            owner: labels.get(OWNER_LABEL).and_then(|o| Owner::from_label(o)),
        }
    };
    Ok(containers.into_iter().map(found(false)).chain(networks.into_iter().map(found(true))).collect())
}

/// The labels an image carries; none when it is gone (a container may
/// outlive its image's tag, not its image, but be safe).
async fn labels_of_image(engine: &Engine, image_id: &str) -> Result<Labels, EngineError> {
    if image_id.is_empty() {
        return Ok(Labels::new());
    }
    match engine.docker.inspect_image(image_id).await {
        Ok(image) => Ok(image.config.and_then(|c| c.labels).unwrap_or_default()),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(Labels::new()),
        Err(source) => Err(EngineError::Api { action: format!("inspect image {image_id}"), source }),
    }
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
