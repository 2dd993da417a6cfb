//! The cluster's own Docker network, on a /24 subnet that clashes with
//! nothing else on the host, whichever engine holds the rest
//! ([`super::subnet`] chooses it).
//!
//! The network carries the cluster's spec and addressing in a label, so that
//! a later command (`ldfi cluster down`, a test, a campaign) can attach to a
//! cluster that another process started.

use std::collections::{BTreeSet, HashMap};

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use serde::{Deserialize, Serialize};

use super::spec::{Addressing, ClusterSpec};
use super::subnet;
use super::ClusterError;
use crate::engine::{ownership, Engine, EngineError};

/// The bridge driver's option naming the host's bridge interface.
const BRIDGE_NAME_OPTION: &str = "com.docker.network.bridge.name";

/// Label on the network holding [`NetworkRecord`] as JSON.
pub const SPEC_LABEL: &str = "ldfi.spec";

/// What the network remembers about its cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkRecord {
    pub spec: ClusterSpec,
    pub addressing: Addressing,
    pub cluster_id: String,
}

/// The name of the bridge interface on the host: `ldfi-<k>-<tag>` for
/// 10.213.k.0/24, so that `ip route` tells which cluster a route is for,
/// and so that what is bridged within ldfi's bridges can be told apart
/// from other bridges' traffic (`scripts/second-engine` accepts it for an
/// engine that keeps no iptables rules of its own). The tag, from the
/// cluster's id, keeps two engines from sharing one bridge device (an
/// engine reuses a bridge of the given name that exists).
fn bridge_name(addressing: &Addressing, cluster_id: &str) -> String {
    let tag = cluster_id.bytes().fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) & 0xffff;
    format!("ldfi-{}-{tag:04x}", addressing.subnet.octets()[2])
}

/// Creates the network on a /24 that is free on the engine and on the host
/// ([`subnet`]), trying subnets until one is.
pub async fn create(
    engine: &Engine,
    spec: &ClusterSpec,
    cluster_id: &str,
) -> Result<Addressing, ClusterError> {
    let name = spec.network_name();
    let mut refused = BTreeSet::new();
    while let Some(claim) = subnet::Claim::first_free(&spec.name, &subnet::host_routes(), &refused) {
        let addressing = Addressing { subnet: claim.subnet() };
        match create_on(engine, spec, cluster_id, addressing).await? {
            Created::Yes if subnet::routed(&subnet::host_routes(), addressing.subnet) > 1 => {
                // Another process took the same /24 on another engine at the
                // same moment: back off (both may; each tries its next).
                remove(engine, &name).await?;
                refused.insert(addressing.subnet);
            }
            Created::Yes => return Ok(addressing),
            Created::Overlaps => {
                refused.insert(addressing.subnet);
            }
        }
    }
    Err(EngineError::Clash {
        what: format!("every subnet 10.213.0.0/24 .. 10.213.249.0/24 (on engine {} or routed on this host)", engine.endpoint()),
        fix: "remove unused Docker networks (`docker network prune`) or run `ldfi clean`".to_string(),
    }
    .into())
}

/// Whether the engine created the network, or refused its subnet.
enum Created {
    Yes,
    Overlaps,
}

async fn create_on(engine: &Engine, spec: &ClusterSpec, cluster_id: &str, addressing: Addressing) -> Result<Created, ClusterError> {
    let name = spec.network_name();
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
        options: Some(HashMap::from([(BRIDGE_NAME_OPTION.to_string(), bridge_name(&addressing, cluster_id))])),
        labels: Some({
            let creator = ownership::Creator::this_process(&spec.name, spec.campaign.as_deref());
            let mut labels = ownership::created_now(creator, None);
            labels.insert(SPEC_LABEL.to_string(), serde_json::to_string(&record).expect("record serializes"));
            labels
        }),
        ..Default::default()
    };
    match engine.docker().create_network(request).await {
        Ok(_) => Ok(Created::Yes),
        Err(bollard::errors::Error::DockerResponseServerError { status_code, message })
            if message.contains("overlap") || (status_code == 403 && message.contains("Pool")) =>
        {
            Ok(Created::Overlaps)
        }
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => Err(EngineError::Clash {
            what: format!("network {name}"),
            fix: format!(
                "a cluster named {:?} exists: `ldfi cluster down --name {}` or `ldfi clean --cluster {}`",
                spec.name, spec.name, spec.name
            ),
        }
        .into()),
        Err(source) => Err(EngineError::Api { action: format!("create network {name}"), source }.into()),
    }
}

async fn remove(engine: &Engine, name: &str) -> Result<(), ClusterError> {
    engine.docker().remove_network(name).await.map_err(EngineError::api(format!("remove network {name}")))?;
    Ok(())
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
    fn a_bridge_is_named_after_its_subnet_and_fits_an_interface_name() {
        let addressing = Addressing { subnet: std::net::Ipv4Addr::new(10, 213, 249, 0) };
        let name = bridge_name(&addressing, "MkU3OEVBNTcwNTJENDM2Qk");
        assert!(name.starts_with("ldfi-249-") && name.len() <= 15, "{name}");
        assert_ne!(name, bridge_name(&addressing, "another-cluster-id"));
    }
}
