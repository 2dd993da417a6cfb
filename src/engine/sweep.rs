//! Which clusters a clean removes, and why: the pure part of `ldfi clean`
//! and of `--resume`'s sweep of what a killed campaign left.
//!
//! A clean works cluster by cluster: a cluster is removed whole or left
//! whole, never half (half a cluster is a broken one for whoever uses it).
//! It is in use while any process that created a part of it still runs
//! (see [`super::owner`]): the campaign that started it, or a run that put
//! its client nodes on it. Such a cluster is left alone unless the caller
//! says `all`, and every decision carries its reason in words, for the
//! user to read.

use super::owner::{Liveness, Owner};

/// A container or network of ours, as its labels describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub network: bool,
    pub cluster: String,
    pub campaign: Option<String>,
    pub owner: Option<Owner>,
}

/// What a clean looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Everything,
    Cluster(String),
    /// The clusters a campaign started for itself.
    Campaign(String),
}

/// One cluster, and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub cluster: String,
    pub campaign: Option<String>,
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub remove: bool,
    /// Why, in words: "its creator (pid 12 on h) has exited".
    pub why: String,
}

/// Groups what was found by cluster, keeps the clusters in `scope`, and
/// judges each: removed when no creator of it runs, or when `all`.
pub fn judge(found: &[Found], scope: &Scope, all: bool, liveness: impl Fn(&Owner) -> Liveness) -> Vec<Judged> {
    let mut clusters: Vec<&str> = found.iter().map(|f| f.cluster.as_str()).collect();
    clusters.sort();
    clusters.dedup();
    let mut judged = Vec::new();
    for cluster in clusters {
        let parts: Vec<&Found> = found.iter().filter(|f| f.cluster == cluster).collect();
        let campaign = parts.iter().find_map(|f| f.campaign.clone());
        let in_scope = match scope {
            Scope::Everything => true,
            Scope::Cluster(name) => name == cluster,
            Scope::Campaign(name) => campaign.as_deref() == Some(name.as_str()),
        };
        if !in_scope {
            continue;
        }
        let mut owners: Vec<&Owner> = parts.iter().filter_map(|f| f.owner.as_ref()).collect();
        owners.sort_by_key(|o| (o.host.clone(), o.pid, o.start));
        owners.dedup();
        let running = owners.iter().find(|o| liveness(o) == Liveness::Running);
        let elsewhere = owners.iter().find(|o| liveness(o) == Liveness::Elsewhere);
        let of_campaign = campaign.as_ref().map(|c| format!(" (campaign {c})")).unwrap_or_default();
        let (remove, why) = match (running, elsewhere) {
            (Some(o), _) if all => (true, format!("{o}{of_campaign} still runs, removed anyway (--all)")),
            (None, Some(o)) if all => (true, format!("created from {}, removed anyway (--all)", o.host)),
            (Some(o), _) => (
                false,
                format!("{o}{of_campaign} still runs and uses it; `ldfi clean --cluster {cluster} --all` removes it anyway"),
            ),
            (None, Some(o)) => (
                false,
                format!(
                    "created from host {}, where ldfi cannot see whether {o} still runs; `ldfi clean --cluster {cluster} --all` removes it",
                    o.host
                ),
            ),
            (None, None) if owners.is_empty() => {
                (true, "no creating process recorded (an older release of ldfi made it)".to_string())
            }
            (None, None) => {
                let pids: Vec<String> = owners.iter().map(|o| o.pid.to_string()).collect();
                (true, format!("the process(es) that created it ({}{of_campaign}) have exited", pids.join(", ")))
            }
        };
        let names = |network: bool| parts.iter().filter(|f| f.network == network).map(|f| f.name.clone()).collect();
        judged.push(Judged { cluster: cluster.to_string(), campaign, containers: names(false), networks: names(true), remove, why });
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(pid: u32) -> Owner {
        Owner { pid, start: 1, boot: "b".into(), host: "h".into() }
    }

    fn part(name: &str, cluster: &str, campaign: Option<&str>, owner: Option<Owner>) -> Found {
        Found { name: name.into(), network: name.starts_with("net"), cluster: cluster.into(), campaign: campaign.map(Into::into), owner }
    }

    /// Three clusters: a running campaign's, a killed campaign's, one of an
    /// older release; and a borrowed one with a live run's client node.
    fn found() -> Vec<Found> {
        vec![
            part("live-broker-1", "live", Some("c-live"), Some(owner(10))),
            part("net-live", "live", Some("c-live"), Some(owner(10))),
            part("dead-broker-1", "dead", Some("c-dead"), Some(owner(11))),
            part("net-dead", "dead", Some("c-dead"), Some(owner(11))),
            part("old-broker-1", "old", None, None),
            part("shared-broker-1", "shared", None, Some(owner(12))),
            part("shared-pipeline-1", "shared", None, Some(owner(13))),
        ]
    }

    fn alive(o: &Owner) -> Liveness {
        if [10, 13].contains(&o.pid) {
            Liveness::Running
        } else {
            Liveness::Exited
        }
    }

    fn removed(judged: &[Judged]) -> Vec<&str> {
        judged.iter().filter(|j| j.remove).map(|j| j.cluster.as_str()).collect()
    }

    #[test]
    fn a_plain_clean_leaves_the_clusters_of_running_processes_and_says_why() {
        let judged = judge(&found(), &Scope::Everything, false, alive);
        assert_eq!(removed(&judged), ["dead", "old"]);
        let live = judged.iter().find(|j| j.cluster == "live").unwrap();
        assert_eq!(live.why, "pid 10 on h (campaign c-live) still runs and uses it; `ldfi clean --cluster live --all` removes it anyway");
        let dead = judged.iter().find(|j| j.cluster == "dead").unwrap();
        assert_eq!((dead.containers.clone(), dead.networks.clone()), (vec!["dead-broker-1".to_string()], vec!["net-dead".to_string()]));
        assert!(dead.why.contains("(11 (campaign c-dead)) have exited"), "{}", dead.why);
        // A borrowed cluster is in use while a live run's client node is on it.
        assert!(!judged.iter().find(|j| j.cluster == "shared").unwrap().remove);
    }

    #[test]
    fn all_removes_everything_and_scopes_narrow_to_one_cluster_or_campaign() {
        assert_eq!(removed(&judge(&found(), &Scope::Everything, true, alive)), ["dead", "live", "old", "shared"]);
        let one = judge(&found(), &Scope::Cluster("dead".into()), false, alive);
        assert_eq!(one.len(), 1);
        assert_eq!(removed(&one), ["dead"]);
        let campaign = judge(&found(), &Scope::Campaign("c-live".into()), false, alive);
        assert_eq!((campaign.len(), removed(&campaign).len()), (1, 0));
        assert_eq!(removed(&judge(&found(), &Scope::Campaign("c-live".into()), true, alive)), ["live"]);
        assert!(judge(&found(), &Scope::Campaign("nobody".into()), true, alive).is_empty());
    }

    #[test]
    fn a_cluster_made_from_another_host_is_left_unless_all() {
        let remote = vec![part("r-broker-1", "r", None, Some(Owner { host: "far".into(), ..owner(10) }))];
        let elsewhere = |_: &Owner| Liveness::Elsewhere;
        let judged = judge(&remote, &Scope::Everything, false, elsewhere);
        assert!(!judged[0].remove && judged[0].why.starts_with("created from host far"), "{}", judged[0].why);
        assert!(judge(&remote, &Scope::Everything, true, elsewhere)[0].remove);
    }
}
