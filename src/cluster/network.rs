//! The cluster's own Docker network, on a /24 subnet that clashes with
//! nothing else on the host.
//!
//! The network carries the cluster's spec and addressing in a label, so that
//! a later command (`ldfi cluster down`, a test, a campaign) can attach to a
//! cluster that another process started.

use std::net::Ipv4Addr;

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use serde::{Deserialize, Serialize};

use super::spec::{Addressing, ClusterSpec};
use super::ClusterError;
use crate::engine::{ownership, Engine, EngineError};

/// Label on the network holding [`NetworkRecord`] as JSON.
pub const SPEC_LABEL: &str = "ldfi.spec";

/// What the network remembers about its cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkRecord {
    pub spec: ClusterSpec,
    pub addressing: Addressing,
    pub cluster_id: String,
}

/// Candidate subnets: 10.213.k.0/24, starting from a spot derived from the
/// cluster name so that clusters started side by side rarely probe the same.
fn candidates(name: &str) -> impl Iterator<Item = Ipv4Addr> {
    let start = name.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 250;
    (0..250u32).map(move |k| Ipv4Addr::new(10, 213, ((start + k) % 250) as u8, 0))
}

/// Creates the network, trying subnets until one is free.
pub async fn create(
    engine: &Engine,
    spec: &ClusterSpec,
    cluster_id: &str,
) -> Result<Addressing, ClusterError> {
    let name = spec.network_name();
    for subnet in candidates(&spec.name) {
        let addressing = Addressing { subnet };
        let record = NetworkRecord { spec: spec.clone(), addressing, cluster_id: cluster_id.to_string() };
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".to_string()),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(addressing.cidr()),
                    gateway: Some(addressing.gateway().to_string()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            labels: Some({
                let creator = ownership::Creator::this_process(&spec.name, spec.campaign.as_deref());
                let mut labels = ownership::created_now(creator, None);
                labels.insert(SPEC_LABEL.to_string(), serde_json::to_string(&record).expect("record serializes"));
                labels
            }),
            ..Default::default()
        };
        match engine.docker().create_network(request).await {
            Ok(_) => return Ok(addressing),
            Err(bollard::errors::Error::DockerResponseServerError { status_code, message })
                if message.contains("overlap") || (status_code == 403 && message.contains("Pool")) =>
            {
                continue
            }
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => {
                return Err(EngineError::Clash {
                    what: format!("network {name}"),
                    fix: format!(
                        "a cluster named {:?} exists: `ldfi cluster down --name {}` or `ldfi clean --cluster {}`",
                        spec.name, spec.name, spec.name
                    ),
                }
                .into())
            }
            Err(source) => {
                return Err(EngineError::Api { action: format!("create network {name}"), source }.into())
            }
        }
    }
    Err(EngineError::Clash {
        what: "every subnet 10.213.0.0/24 .. 10.213.249.0/24".to_string(),
        fix: "remove unused Docker networks (`docker network prune`) or run `ldfi clean`".to_string(),
    }
    .into())
}

/// Reads back the record of an existing cluster's network.
pub async fn read(engine: &Engine, cluster: &str) -> Result<NetworkRecord, ClusterError> {
    let name = format!("ldfi-{cluster}");
    let network = engine
        .docker()
        .inspect_network(&name, None::<bollard::query_parameters::InspectNetworkOptions>)
        .await
        .map_err(|_| ClusterError::NotFound { name: cluster.to_string() })?;
    let label = network
        .labels
        .and_then(|labels| labels.get(SPEC_LABEL).cloned())
        .ok_or_else(|| ClusterError::NotFound { name: cluster.to_string() })?;
    serde_json::from_str(&label)
        .map_err(|e| ClusterError::Observer(format!("network {name} has an unreadable {SPEC_LABEL} label: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_cover_distinct_private_subnets() {
        let all: std::collections::HashSet<_> = candidates("demo").collect();
        assert_eq!(all.len(), 250);
        assert!(all.iter().all(|s| s.octets()[0] == 10 && s.octets()[3] == 0));
    }
}
