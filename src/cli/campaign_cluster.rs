//! The cluster a campaign runs on, and what a killed campaign left.
//!
//! A campaign names its cluster in its journal before the cluster starts
//! (`cluster` in summary.json), and everything it starts for itself carries
//! the campaign's name (label `ldfi.campaign`) and its process
//! (`ldfi.owner`). After `kill -9` at any moment (the cluster starting,
//! a run with brokers crashed, paused or cut off, a minimization), one
//! command finds all of it: `ldfi campaign ... --resume` or
//! `ldfi clean --campaign NAME`.
//!
//! On `--resume`, a cluster the campaign started for itself is removed and
//! a fresh one started, not reattached and healed:
//! - a cluster killed while starting may never become ready, and one
//!   killed mid-run had its brokers crashed, paused or cut off at an
//!   arbitrary moment; a fresh cluster is the state every campaign starts
//!   from, the one its fault-free run was judged on;
//! - labels are fixed when a container is created: a reattached cluster
//!   would go on naming the dead process as its owner, and a plain
//!   `ldfi clean` in another shell would take it from under the resumed
//!   campaign;
//! - the price is one cluster start (about half a minute), paid only after
//!   a kill.
//!
//! A cluster the campaign borrowed (`--cluster NAME`) is someone else's to
//! keep: it is reattached and healed as [`ldfi::run::recover`] does
//! (brokers started and unpaused, packet filters removed, the killed run's
//! client nodes and topics removed), unless it is gone or is another
//! campaign's own, and never while a client node on it belongs to a
//! process that still runs. Nothing of a campaign whose process still runs
//! is removed, and resuming a campaign twice at once is refused before
//! anything is moved aside ([`still_running`]: the journal names the
//! process running the campaign, the clusters it starts carry it too).

use ldfi::campaign::{CampaignSummary, ClusterUse};
use ldfi::cluster::{Cluster, ClusterError};
use ldfi::engine::sweep::{self, Found, Judged, Scope};
use ldfi::engine::{self, placement, Endpoint, Engine, Liveness, Owner};
use ldfi::scenario::Scenario;

use super::engines;
use super::terminal::Terminal;
use super::{EXIT_BAD_INPUT, EXIT_INFRA};

/// Chooses the cluster for `summary`'s campaign (`requested`: the user's
/// `--cluster`, on the first of `engines`) after removing what earlier
/// processes of the campaign left on every engine it may have used (the
/// journal's and `engines`). The caller journals the choice before [`open`]
/// starts it. `Err` holds the exit code and the message.
pub async fn choose(
    term: &Terminal,
    requested: Option<&str>,
    summary: &CampaignSummary,
    engines: &[Endpoint],
) -> Result<ClusterUse, (u8, String)> {
    let campaign = &summary.campaign;
    let journaled = summary.cluster.as_ref().map(ClusterUse::engines_to_sweep).unwrap_or_default();
    let mut surveyed = Vec::new();
    let mut unswept = Vec::new();
    for endpoint in placement::merged(engines, &journaled) {
        match survey(&endpoint).await {
            Ok(found) => surveyed.push(found),
            Err(e) if engines.contains(&endpoint) => return Err((EXIT_INFRA, e.to_string())),
            Err(e) => {
                term.line(&format!(
                    "cannot sweep engine {endpoint}, which an earlier process of campaign {campaign} used: {e}\n  \
                     the journal keeps it: `ldfi clean --campaign {campaign}` sweeps it once it answers"
                ));
                unswept.push(endpoint);
            }
        }
    }
    let owner = Owner::current().cloned();
    let used = placement::merged(engines, &unswept);
    let own = || ClusterUse { name: format!("campaign-{}", std::process::id()), started: true, owner: owner.clone(), engines: used.clone() };
    let borrow = |name: &str| ClusterUse { name: name.to_string(), started: false, owner: owner.clone(), engines: used.clone() };
    // A borrowed cluster is on the first engine.
    let first = surveyed.iter().find(|(engine, _)| engine.endpoint() == &engines[0]).map(|(_, found)| found.as_slice()).unwrap_or(&[]);
    let target = match (requested, &summary.cluster) {
        (Some(name), _) => borrow(name),
        (None, Some(ClusterUse { name, started: false, .. })) => match borrowable(first, name, campaign) {
            Ok(()) => {
                term.line(&format!("reattaching to cluster {name}, which the campaign borrowed"));
                borrow(name)
            }
            Err(why) => {
                term.line(&format!("not reattaching to cluster {name}, which the campaign borrowed: {why}; starting one of its own"));
                own()
            }
        },
        _ => own(),
    };
    // Judged on every engine before anything is removed from any.
    let mut doomed = Vec::new();
    for (engine, found) in &surveyed {
        let judged = sweep::judge(found, &Scope::Campaign(campaign.clone()), false, |owner| owner.check());
        let is_target = |c: &Judged| c.cluster == target.name && engine.endpoint() == &engines[0];
        for cluster in judged.into_iter().filter(|c| !is_target(c)) {
            if !cluster.remove {
                return Err((
                    EXIT_BAD_INPUT,
                    format!(
                        "campaign {campaign} is still running: its cluster {}{}: {}\n  fix: let it end, or stop it; then resume it",
                        cluster.cluster,
                        engines::on(engine.endpoint()),
                        cluster.why
                    ),
                ));
            }
            doomed.push((engine, cluster));
        }
    }
    for (engine, cluster) in doomed {
        remove(term, engine, &cluster, campaign).await.map_err(|e| (EXIT_INFRA, e.to_string()))?;
    }
    Ok(target)
}

/// The engine at `endpoint` and everything of ours on it.
async fn survey(endpoint: &Endpoint) -> Result<(Engine, Vec<Found>), engine::EngineError> {
    let engine = Engine::connect_to(endpoint).await?;
    let found = engine::survey(&engine).await?;
    Ok((engine, found))
}

/// Why the campaign of `summary` is still running in another process, if
/// it is: the process its journal names runs, or a cluster labelled with
/// it, on an engine the journal names, belongs to a process that runs.
/// Asked before a resume moves anything aside. Without a Docker engine,
/// only the journal is asked.
pub async fn still_running(summary: &CampaignSummary) -> Option<String> {
    if let Some(owner) = journaled_owner(summary, |owner| owner.check()) {
        return Some(format!("its journal names {owner} as running it"));
    }
    let engines = summary.cluster.as_ref().map(ClusterUse::engines_to_sweep).unwrap_or_else(|| vec![Endpoint::Default]);
    for endpoint in engines {
        let Ok((_, found)) = survey(&endpoint).await else { continue };
        let judged = sweep::judge(&found, &Scope::Campaign(summary.campaign.clone()), false, |owner| owner.check());
        if let Some(c) = judged.into_iter().find(|c| !c.remove) {
            return Some(format!("its cluster {}{}: {}", c.cluster, engines::on(&endpoint), c.why));
        }
    }
    None
}

/// The process the journal names as running the campaign, when it runs
/// (or may: on another host) and is not this one.
fn journaled_owner(summary: &CampaignSummary, liveness: impl Fn(&Owner) -> Liveness) -> Option<&Owner> {
    let owner = summary.cluster.as_ref()?.owner.as_ref()?;
    (Some(owner) != Owner::current() && liveness(owner) != Liveness::Exited).then_some(owner)
}

/// Starts the chosen cluster (labelled with `campaign`), or attaches to a
/// borrowed one and heals what killed runs (`stale`) left on it; with
/// `parallel` above 1, starts that many clusters in all, the others
/// always the campaign's own (`<name>-2`, `<name>-3`, ...: its label and
/// process on them, so that `--resume` and `ldfi clean --campaign` find
/// them as they find the first). Cluster k goes to engine k mod n of
/// `engines` (a borrowed first one is on the first engine). They start
/// side by side; one that fails to start takes the others down with it
/// as their handles drop.
pub async fn open(
    term: &Terminal,
    target: &ClusterUse,
    scenario: &Scenario,
    campaign: &str,
    stale: &[String],
    parallel: u32,
    engines: &[Endpoint],
) -> Result<Vec<Cluster>, ClusterError> {
    let own = |k: usize, name: String| {
        let mut spec = ldfi::run::cluster_spec(scenario, &name).on_engine(placement::engine_of(engines, k));
        spec.campaign = Some(campaign.to_string());
        super::cluster::start(term, spec)
    };
    let first = async {
        if target.started {
            return own(0, target.name.clone()).await;
        }
        let engine = placement::engine_of(engines, 0);
        let cluster = super::cluster::for_scenario(term, Some(&target.name), scenario, "campaign", &engine).await?;
        super::cluster::heal_left_behind(term, &cluster, scenario, campaign, stale).await?;
        Ok(cluster)
    };
    let own_name = format!("campaign-{}", std::process::id());
    let others = futures_util::future::try_join_all((2..=parallel as usize).map(|k| own(k - 1, format!("{own_name}-{k}"))));
    let (first, others) = futures_util::future::try_join(first, others).await?;
    Ok(std::iter::once(first).chain(others).collect())
}

/// For a campaign that already ended: removes what a process of it left
/// (killed while taking its cluster down), on every engine its journal
/// names. Best effort: an engine that does not answer holds nothing to
/// remove now.
pub async fn sweep_ended(term: &Terminal, summary: &CampaignSummary) {
    let engines = summary.cluster.as_ref().map(ClusterUse::engines_to_sweep).unwrap_or_else(|| vec![Endpoint::Default]);
    sweep_dead(term, &summary.campaign, engines).await;
}

/// Removes, once the campaign's own clusters are down, what its earlier
/// processes left after [`choose`] swept: a request in flight when such a
/// process was killed (a network or container being created) is carried
/// out by the engine all the same, possibly after that sweep listed what
/// there was.
pub async fn sweep_late(term: &Terminal, target: &ClusterUse, campaign: &str) {
    sweep_dead(term, campaign, target.engines_to_sweep()).await;
}

/// Removes every cluster of `campaign` on `engines` that no running
/// process owns.
async fn sweep_dead(term: &Terminal, campaign: &str, engines: Vec<Endpoint>) {
    for endpoint in engines {
        let Ok((engine, found)) = survey(&endpoint).await else { continue };
        for cluster in sweep::judge(&found, &Scope::Campaign(campaign.to_string()), false, |owner| owner.check()) {
            if cluster.remove {
                if let Err(e) = remove(term, &engine, &cluster, campaign).await {
                    term.line(&format!("could not remove cluster {}: {e}; run `ldfi clean --campaign {campaign}`", cluster.cluster));
                }
            }
        }
    }
}

async fn remove(term: &Terminal, engine: &Engine, cluster: &Judged, campaign: &str) -> Result<(), engine::EngineError> {
    engine::clean(engine, Some(&cluster.cluster)).await?;
    term.line(&format!(
        "removed cluster {}{} that an earlier process of campaign {campaign} left: {} container(s), {} network(s), and the packet filters inside them",
        cluster.cluster,
        engines::on(engine.endpoint()),
        cluster.containers.len(),
        cluster.networks.len()
    ));
    Ok(())
}

/// Whether the journal's borrowed cluster `name` may be reattached: it
/// exists and is no other campaign's own. `Err` says why not.
fn borrowable(found: &[Found], name: &str, campaign: &str) -> Result<(), String> {
    let parts: Vec<&Found> = found.iter().filter(|f| f.cluster == name).collect();
    if parts.is_empty() {
        return Err("it is gone".to_string());
    }
    match parts.iter().find_map(|f| f.campaign.as_deref()) {
        Some(other) if other != campaign => Err(format!("it is campaign {other}'s own")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campaign_whose_journaled_process_runs_is_running() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
        let scenario = Scenario::load(std::path::Path::new(path)).unwrap();
        let settings = ldfi::campaign::CampaignSettings {
            strategy: ldfi::scenario::StrategyName::LDFI,
            max_runs: 1,
            all: false,
            traces_root: "traces".into(),
            reports_root: "reports".into(),
            name: "c".into(),
            windows: Default::default(),
            max_wall: None,
            minimize: None,
            tries: 1,
        };
        let mut summary = CampaignSummary::new(&scenario, &settings.name, settings.strategy.clone());
        let other = Owner { pid: 1, start: 2, boot: "b".into(), host: "h".into() };
        let with = |owner: Option<Owner>| ClusterUse { name: "campaign-1".into(), started: true, owner, engines: Vec::new() };
        assert_eq!(journaled_owner(&summary, |_| Liveness::Running), None, "an older journal names no process");
        summary.cluster = Some(with(Some(other.clone())));
        assert_eq!(journaled_owner(&summary, |_| Liveness::Running), Some(&other));
        assert_eq!(journaled_owner(&summary, |_| Liveness::Elsewhere), Some(&other));
        assert_eq!(journaled_owner(&summary, |_| Liveness::Exited), None);
        // This process resuming its own journal is not another one.
        summary.cluster = Some(with(Owner::current().cloned()));
        assert_eq!(journaled_owner(&summary, |_| Liveness::Running), None);
    }

    #[test]
    fn a_borrowed_cluster_is_reattached_only_if_it_exists_and_is_no_other_campaign_s() {
        let part = |cluster: &str, campaign: Option<&str>| Found {
            name: format!("ldfi-{cluster}-broker-1"),
            network: false,
            cluster: cluster.into(),
            campaign: campaign.map(Into::into),
            owner: None,
        };
        let found = [part("shared", None), part("theirs", Some("other")), part("mine", Some("c"))];
        assert_eq!(borrowable(&found, "shared", "c"), Ok(()));
        assert_eq!(borrowable(&found, "mine", "c"), Ok(()));
        assert_eq!(borrowable(&found, "gone", "c"), Err("it is gone".to_string()));
        assert_eq!(borrowable(&found, "theirs", "c"), Err("it is campaign other's own".to_string()));
    }
}
