//! Which containers and networks are ldfi's: the ones `ldfi clean` may
//! remove.
//!
//! Docker merges an image's labels into the labels of every container made
//! from it. Our Kafka image once carried `ldfi.project=ldfi`, so a user's
//! image built `FROM ldfi/kafka` (a Kafka Streams app, say) passed the label
//! on to its containers, and `ldfi clean` removed containers ldfi never
//! created. Ownership is therefore a label ldfi sets when it creates a
//! container or a network, [`CREATED_LABEL`]`=<unix ms>`, and no image
//! carries; and a label only counts when the container's value is not the
//! image's (an image `docker commit`ted from one of our brokers carries
//! ours, and its containers inherit it unchanged).
//!
//! Containers made by releases before [`CREATED_LABEL`] still count when
//! they carry [`PROJECT_LABEL`]`=ldfi` and a [`CLUSTER_LABEL`] set at
//! creation: no image of ours ever carried a cluster label.
//!
//! Two more labels say whose a cluster is, for a scoped clean: the process
//! that created it ([`OWNER_LABEL`], see [`super::owner`]) and the campaign
//! that started it for itself ([`CAMPAIGN_LABEL`]).

use std::collections::HashMap;

use super::owner::Owner;
use super::{CLUSTER_LABEL, PROJECT_LABEL, PROJECT_VALUE, ROLE_LABEL};

/// Label ldfi sets on every container and network it creates: the
/// creation time, milliseconds since the Unix epoch.
pub const CREATED_LABEL: &str = "ldfi.created";

/// Label naming the process that created a container or network
/// ([`Owner::to_label`]): while it runs, a plain `ldfi clean` leaves the
/// cluster alone.
pub const OWNER_LABEL: &str = "ldfi.owner";

/// Label naming the campaign that started a cluster for itself.
pub const CAMPAIGN_LABEL: &str = "ldfi.campaign";

/// Labels of a container, a network or an image.
pub type Labels = HashMap<String, String>;

/// Who creates a container or network: the cluster it is part of, the
/// campaign that started that cluster (if one did), the creating process.
#[derive(Debug, Clone, Copy)]
pub struct Creator<'a> {
    pub cluster: &'a str,
    pub campaign: Option<&'a str>,
    pub owner: Option<&'a Owner>,
}

impl<'a> Creator<'a> {
    /// This process, creating part of `cluster` (of `campaign`).
    pub fn this_process(cluster: &'a str, campaign: Option<&'a str>) -> Creator<'a> {
        Creator { cluster, campaign, owner: Owner::current() }
    }
}

/// The labels ldfi sets when `creator` creates a container (`role`:
/// `broker`, `client`) or a network (`role`: `None`), at `created_ms`.
pub fn creation_labels(creator: Creator<'_>, role: Option<&str>, created_ms: u64) -> Labels {
    let cluster = creator.cluster;
    let mut labels = Labels::from([
        (CREATED_LABEL.to_string(), created_ms.to_string()),
        (CLUSTER_LABEL.to_string(), cluster.to_string()),
        // Kept for tools and older releases that look for it; it proves
        // nothing by itself.
        (PROJECT_LABEL.to_string(), PROJECT_VALUE.to_string()),
    ]);
    if let Some(role) = role {
        labels.insert(ROLE_LABEL.to_string(), role.to_string());
    }
    if let Some(campaign) = creator.campaign {
        labels.insert(CAMPAIGN_LABEL.to_string(), campaign.to_string());
    }
    if let Some(owner) = creator.owner {
        labels.insert(OWNER_LABEL.to_string(), owner.to_label());
    }
    labels
}

/// [`creation_labels`] stamped now.
pub fn created_now(creator: Creator<'_>, role: Option<&str>) -> Labels {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    creation_labels(creator, role, now_ms)
}

/// Whether a container with labels `container`, made from an image with
/// labels `image`, is one ldfi created (of `cluster`, when given).
pub fn is_ours(container: &Labels, image: &Labels, cluster: Option<&str>) -> bool {
    // A label set when the container was created, not inherited.
    let set_at_creation = |key: &str| container.get(key).is_some_and(|value| image.get(key) != Some(value));
    let in_cluster = match cluster {
        Some(cluster) => container.get(CLUSTER_LABEL).is_some_and(|c| c == cluster),
        None => container.contains_key(CLUSTER_LABEL),
    };
    let created = set_at_creation(CREATED_LABEL);
    let made_by_older_release =
        container.get(PROJECT_LABEL).is_some_and(|p| p == PROJECT_VALUE) && set_at_creation(CLUSTER_LABEL);
    in_cluster && (created || made_by_older_release)
}

/// Whether a network with `labels` is one ldfi created (networks have no
/// image to inherit labels from).
pub fn is_our_network(labels: &Labels, cluster: Option<&str>) -> bool {
    is_ours(labels, &Labels::new(), cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creator(cluster: &str) -> Creator<'_> {
        Creator { cluster, campaign: None, owner: None }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The labels of ldfi/kafka:local as scripts/build-kafka-image.sh built
    /// it before ownership moved to a creation label.
    fn old_kafka_image() -> Labels {
        labels(&[("ldfi.project", "ldfi"), ("ldfi.kafka.version", "4.1.0"), ("ldfi.recipe", "abc")])
    }

    /// Docker's merge: the image's labels, overridden by those set at
    /// creation.
    fn merged(image: &Labels, set: &Labels) -> Labels {
        let mut all = image.clone();
        all.extend(set.clone());
        all
    }

    #[test]
    fn a_container_ldfi_created_is_ours_whatever_its_image_carries() {
        let set = creation_labels(creator("demo"), Some("broker"), 1_764_072_000_123);
        for image in [Labels::new(), old_kafka_image()] {
            let container = merged(&image, &set);
            assert!(is_ours(&container, &image, None));
            assert!(is_ours(&container, &image, Some("demo")));
            assert!(!is_ours(&container, &image, Some("other")));
        }
    }

    #[test]
    fn a_users_container_of_an_image_built_from_ldfi_kafka_is_not_ours() {
        // FROM ldfi/kafka:local, run with `docker run` by the user.
        let image = old_kafka_image();
        let container = merged(&image, &labels(&[("app", "word-count")]));
        assert!(!is_ours(&container, &image, None));
    }

    #[test]
    fn a_container_of_an_image_committed_from_one_of_ours_is_not_ours() {
        let image = merged(&old_kafka_image(), &creation_labels(creator("demo"), Some("broker"), 5));
        let container = image.clone();
        assert!(!is_ours(&container, &image, None));
        assert!(!is_ours(&container, &image, Some("demo")));
        // ... unless ldfi itself created it from that image.
        let ours = merged(&image, &creation_labels(creator("demo"), Some("client"), 6));
        assert!(is_ours(&ours, &image, Some("demo")));
    }

    #[test]
    fn a_container_an_older_release_created_is_still_ours() {
        let image = old_kafka_image();
        let set = labels(&[("ldfi.project", "ldfi"), ("ldfi.cluster", "demo"), ("ldfi.role", "broker")]);
        assert!(is_ours(&merged(&image, &set), &image, None));
        assert!(is_ours(&merged(&image, &set), &image, Some("demo")));
    }

    #[test]
    fn networks_are_ours_by_creation_label_or_the_older_pair() {
        assert!(is_our_network(&creation_labels(creator("demo"), None, 1), Some("demo")));
        assert!(is_our_network(&labels(&[("ldfi.project", "ldfi"), ("ldfi.cluster", "demo")]), None));
        assert!(!is_our_network(&labels(&[("ldfi.project", "ldfi")]), None));
    }
}
