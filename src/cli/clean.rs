//! `ldfi clean [--cluster NAME | --campaign NAME] [--all]`: removes the
//! clusters ldfi left behind, whole, and says for each cluster it found
//! what it removed or why it left it. A cluster whose creating process
//! still runs (a campaign, a run, the test suite) is left alone unless
//! `--all`: another shell's campaign must not lose its brokers to a clean.

use ldfi::engine::sweep::{self, Judged, Scope};
use ldfi::engine::{self, Engine};

use super::{fail, EXIT_BAD_INPUT, EXIT_INFRA, EXIT_OK};

/// Options of `ldfi clean`.
#[derive(Debug, clap::Args)]
pub struct CleanArgs {
    /// Only this cluster.
    #[arg(long, conflicts_with = "campaign")]
    pub cluster: Option<String>,
    /// Only the clusters this campaign started for itself (the `campaign`
    /// of its summary.json).
    #[arg(long)]
    pub campaign: Option<String>,
    /// Also clusters whose creating process still runs.
    #[arg(long)]
    pub all: bool,
}

pub async fn run(args: CleanArgs) -> u8 {
    let scope = match (&args.cluster, &args.campaign) {
        (Some(name), _) => match ldfi::cluster::spec::check_name(name) {
            Ok(()) => Scope::Cluster(name.clone()),
            Err(e) => return fail(EXIT_BAD_INPUT, format!("--cluster: {e}")),
        },
        (None, Some(name)) if !ldfi::scenario::is_name(name) => {
            return fail(EXIT_BAD_INPUT, format!("--campaign: {name:?} is not a campaign name ({})", ldfi::scenario::NAME_RULE))
        }
        (None, Some(name)) => Scope::Campaign(name.clone()),
        (None, None) => Scope::Everything,
    };
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let judged = match engine::survey(&engine).await {
        Ok(found) => sweep::judge(&found, &scope, args.all, |owner| owner.check()),
        Err(e) => return fail(EXIT_INFRA, e),
    };
    let mut removed = Vec::new();
    for cluster in &judged {
        if !cluster.remove {
            eprintln!("ldfi: left cluster {}: {}", shown(&cluster.cluster), cluster.why);
            continue;
        }
        match engine::clean(&engine, Some(&cluster.cluster)).await {
            Ok(_) => {
                eprintln!("ldfi: removed cluster {} ({}): {}", shown(&cluster.cluster), parts(cluster), cluster.why);
                removed.push(cluster);
            }
            Err(e) => return fail(EXIT_INFRA, format!("removing cluster {}: {e}", shown(&cluster.cluster))),
        }
    }
    eprintln!("ldfi: {}", total(&scope, &judged, &removed));
    EXIT_OK
}

/// The closing line: what was removed and left, or that nothing was found.
fn total(scope: &Scope, judged: &[Judged], removed: &[&Judged]) -> String {
    if judged.is_empty() {
        return match scope {
            Scope::Everything => "nothing of ldfi's on this Docker engine".to_string(),
            Scope::Cluster(name) => format!("no cluster named {name} on this Docker engine"),
            Scope::Campaign(name) => format!("no cluster of campaign {name} on this Docker engine"),
        };
    }
    let containers: usize = removed.iter().map(|c| c.containers.len()).sum();
    let networks: usize = removed.iter().map(|c| c.networks.len()).sum();
    let left = judged.len() - removed.len();
    format!(
        "removed {} cluster(s): {containers} container(s) and {networks} network(s){}; left {left} cluster(s) in use",
        removed.len(),
        if containers > 0 { " (the packet filters inside them went with them)" } else { "" }
    )
}

fn parts(cluster: &Judged) -> String {
    let campaign = cluster.campaign.as_ref().map(|c| format!("campaign {}, ", shown(c))).unwrap_or_default();
    format!("{campaign}{} container(s), {} network(s)", cluster.containers.len(), cluster.networks.len())
}

/// A name from a label, as the terminal may show it: anyone can label a
/// container, so control characters are escaped.
fn shown(name: &str) -> String {
    if name.chars().any(char::is_control) {
        name.escape_debug().to_string()
    } else {
        name.to_string()
    }
}
