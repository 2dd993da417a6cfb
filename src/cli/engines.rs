//! `--engines ENDPOINT,...` (or `LDFI_ENGINES`): the Docker engines a
//! command spreads its clusters over, round-robin in order
//! ([`ldfi::engine::placement`]), and the check, before any cluster
//! starts, that every engine answers and holds the images its clusters
//! need: a missing image is bad input (exit 2), said with the command that
//! copies it there.

use ldfi::engine::placement::{self, Needed};
use ldfi::engine::{endpoint, Endpoint, Engine};
use ldfi::scenario::Scenario;

use super::{EXIT_BAD_INPUT, EXIT_INFRA};

/// The variable read when `--engines` is not given.
pub const ENV: &str = "LDFI_ENGINES";

/// `--engines`, flattened into the commands that start clusters.
#[derive(Debug, Clone, clap::Args)]
pub struct EnginesArgs {
    /// Docker engines to spread the clusters over, round-robin in order
    /// (cluster k on engine k mod n): `default` (DOCKER_HOST, else the
    /// local socket), `unix:///path/docker.sock`, `tcp://host:port`.
    /// Default: LDFI_ENGINES, else the default engine alone.
    #[arg(long, value_name = "ENDPOINT,...", value_delimiter = ',')]
    pub engines: Vec<Endpoint>,
}

impl EnginesArgs {
    /// The engines given: `--engines`, else `LDFI_ENGINES`, else none
    /// (`Ok(None)`). A bad `LDFI_ENGINES` is an error naming it.
    pub fn given(&self) -> Result<Option<Vec<Endpoint>>, String> {
        if !self.engines.is_empty() {
            return Ok(Some(self.engines.clone()));
        }
        match std::env::var(ENV) {
            Ok(text) if !text.trim().is_empty() => endpoint::parse_list(&text).map(Some).map_err(|e| format!("{ENV}: {e}")),
            _ => Ok(None),
        }
    }

    /// The engines given, else the default engine alone.
    pub fn or_default(&self) -> Result<Vec<Endpoint>, String> {
        Ok(self.given()?.unwrap_or_else(|| vec![Endpoint::Default]))
    }
}

/// The engines `count` clusters go to, cluster by cluster.
pub fn placed(engines: &[Endpoint], count: usize) -> Vec<Endpoint> {
    (0..count).map(|k| placement::engine_of(engines, k)).collect()
}

/// The images a scenario's clusters need: brokers', client nodes', and
/// the pipeline's own (each stage's), named by where they come from.
pub fn scenario_needs(scenario: &Scenario) -> Vec<Needed> {
    let spec = ldfi::run::cluster_spec(scenario, "check");
    let mut needed = vec![
        Needed { what: "the brokers' image".to_string(), image: spec.image },
        Needed { what: "the client nodes' image".to_string(), image: spec.client_image },
    ];
    needed.extend(pipeline_needs(scenario));
    needed
}

/// The scenario's own pipeline images alone, named by file and table.
pub fn pipeline_needs(scenario: &Scenario) -> Vec<Needed> {
    let tables = std::iter::once("pipeline".to_string()).chain((0..scenario.stages.len()).map(|i| format!("stages[{i}]")));
    tables
        .zip(scenario.chain())
        .filter_map(|(table, stage)| {
            let image = stage.image.clone()?;
            Some(Needed { what: format!("{}: {table}.image", scenario.path.display()), image })
        })
        .collect()
}

/// Connects to every engine once (side by side); one that does not answer
/// is an infrastructure failure (exit 3), each named.
pub async fn connect_all(engines: &[Endpoint]) -> Result<Vec<Engine>, (u8, String)> {
    let distinct = placement::merged(engines, &[]);
    let answers = futures_util::future::join_all(distinct.iter().map(Engine::connect_to)).await;
    let mut connected = Vec::new();
    let mut failed = Vec::new();
    for answer in answers {
        match answer {
            Ok(engine) => connected.push(engine),
            Err(e) => failed.push(e.to_string()),
        }
    }
    if failed.is_empty() {
        Ok(connected)
    } else {
        Err((EXIT_INFRA, failed.join("\n")))
    }
}

/// Checks, before anything starts, that every engine answers and holds
/// what `needs` asks of it (pairs of engines and the images each needs).
pub async fn check(needs: &[(Vec<Endpoint>, Vec<Needed>)]) -> Result<(), (u8, String)> {
    let all: Vec<Endpoint> = needs.iter().flat_map(|(engines, _)| engines.iter().cloned()).collect();
    let engines = connect_all(&all).await?;
    let mut missing = Vec::new();
    for (endpoints, needed) in needs {
        let mut present = std::collections::BTreeMap::new();
        for engine in engines.iter().filter(|e| endpoints.contains(e.endpoint())) {
            for Needed { image, .. } in needed {
                let has = engine.has_image(image).await.map_err(|e| (EXIT_INFRA, e.to_string()))?;
                present.insert((engine.endpoint().clone(), image.clone()), has);
            }
        }
        let lacks = placement::missing_images(endpoints, needed, |e, image| present.get(&(e.clone(), image.to_string())).copied().unwrap_or(false));
        for m in lacks {
            if !missing.contains(&m) {
                missing.push(m);
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err((EXIT_BAD_INPUT, missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
}

/// ` on engine X`, or nothing for the default engine: for messages.
pub fn on(endpoint: &Endpoint) -> String {
    if endpoint.is_default() {
        String::new()
    } else {
        format!(" on engine {endpoint}")
    }
}
