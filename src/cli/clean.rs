//! `ldfi clean [--cluster NAME | --campaign NAME] [--all] [--engines ...]`:
//! removes the clusters ldfi left behind, whole, and says for each cluster
//! it found what it removed or why it left it. It sweeps the engines given
//! (default: the default one) and, for a campaign, every engine its
//! journal names. A cluster whose creating process
//! still runs (a campaign, a run, the test suite) is left alone unless
//! `--all`: another shell's campaign must not lose its brokers to a clean.

use ldfi::engine::sweep::{self, Judged, Scope};
use std::path::{Path, PathBuf};

use ldfi::engine::{self, placement, Endpoint, Engine};

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
    /// Where a campaign's journal is looked for (<reports>/<campaign>/
    /// summary.json): the engines it names are swept too.
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
    #[command(flatten)]
    pub engines: super::engines::EnginesArgs,
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
    let given = match args.engines.given() {
        Ok(given) => given,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let journaled = match &args.campaign {
        Some(name) => journaled_engines(&args.reports.join(name)),
        None => Vec::new(),
    };
    let engines = match (given, journaled.is_empty()) {
        (Some(given), _) => placement::merged(&given, &journaled),
        (None, false) => journaled,
        (None, true) => vec![Endpoint::Default],
    };
    let mut code = EXIT_OK;
    for endpoint in &engines {
        if let Err(e) = sweep_one(endpoint, &scope, args.all).await {
            code = fail(EXIT_INFRA, e);
        }
    }
    code
}

/// The engines a campaign's journal names (none when it has no journal
/// there, or one of an older release: the default engine then).
fn journaled_engines(dir: &Path) -> Vec<Endpoint> {
    match ldfi::campaign::resume::read_journal(dir) {
        Ok(summary) => summary.cluster.map(|c| c.engines_to_sweep()).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Sweeps one engine and says what it did there.
async fn sweep_one(endpoint: &Endpoint, scope: &Scope, all: bool) -> Result<(), String> {
    let engine = Engine::connect_to(endpoint).await.map_err(|e| e.to_string())?;
    let found = engine::survey(&engine).await.map_err(|e| e.to_string())?;
    let judged = sweep::judge(&found, scope, all, |owner| owner.check());
    let on = super::engines::on(endpoint);
    let mut removed = Vec::new();
    for cluster in &judged {
        if !cluster.remove {
            eprintln!("ldfi: left cluster {}{on}: {}", shown(&cluster.cluster), cluster.why);
            continue;
        }
        engine::clean(&engine, Some(&cluster.cluster)).await.map_err(|e| format!("removing cluster {}{on}: {e}", shown(&cluster.cluster)))?;
        eprintln!("ldfi: removed cluster {}{on} ({}): {}", shown(&cluster.cluster), parts(cluster), cluster.why);
        removed.push(cluster);
    }
    eprintln!("ldfi: {}", total(scope, &judged, &removed, endpoint));
    Ok(())
}

/// The closing line: what was removed and left, or that nothing was found.
fn total(scope: &Scope, judged: &[Judged], removed: &[&Judged], endpoint: &Endpoint) -> String {
    let engine = if endpoint.is_default() { "this Docker engine".to_string() } else { format!("engine {endpoint}") };
    if judged.is_empty() {
        return match scope {
            Scope::Everything => format!("nothing of ldfi's on {engine}"),
            Scope::Cluster(name) => format!("no cluster named {name} on {engine}"),
            Scope::Campaign(name) => format!("no cluster of campaign {name} on {engine}"),
        };
    }
    let containers: usize = removed.iter().map(|c| c.containers.len()).sum();
    let networks: usize = removed.iter().map(|c| c.networks.len()).sum();
    let left = judged.len() - removed.len();
    format!(
        "removed {} cluster(s){}: {containers} container(s) and {networks} network(s){}; left {left} cluster(s) in use",
        removed.len(),
        super::engines::on(endpoint),
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
