//! Which engine each of a campaign's clusters runs on, and what every
//! engine must hold before any of them starts.
//!
//! Clusters go round-robin over the engines in the order given: cluster k
//! (0-based) on engine k mod n. Before the first starts, every engine is
//! asked for every image the clusters need (brokers, client nodes, the
//! pipeline's own), so that an image missing on the third engine is said
//! in a second, with the command that copies it there, not after two
//! clusters' start-up. Pure: the engines' answers come in as a function.

use std::fmt;

use super::Endpoint;

/// The engine cluster `k` (0-based) runs on; the default engine when none
/// is given.
pub fn engine_of(engines: &[Endpoint], k: usize) -> Endpoint {
    if engines.is_empty() {
        return Endpoint::Default;
    }
    engines[k % engines.len()].clone()
}

/// `first`, then those of `then` it lacks; each once, in order.
pub fn merged(first: &[Endpoint], then: &[Endpoint]) -> Vec<Endpoint> {
    let mut all: Vec<Endpoint> = Vec::new();
    for endpoint in first.iter().chain(then) {
        if !all.contains(endpoint) {
            all.push(endpoint.clone());
        }
    }
    all
}

/// An image the clusters need, and who names it (for the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    /// E.g. "the brokers' image", "scenarios/x.toml: pipeline.image".
    pub what: String,
    pub image: String,
}

/// An image missing on an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingImage {
    pub engine: Endpoint,
    pub what: String,
    pub image: String,
}

impl fmt::Display for MissingImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let MissingImage { engine, what, image } = self;
        match engine {
            Endpoint::Default => write!(
                f,
                "{what}: {image:?} is not on the default Docker engine\n  fix: build or pull it there (`scripts/setup` builds \
                 ldfi/kafka:local; `docker build -t {image} .`, `docker pull {image}`), or correct the name"
            ),
            _ => write!(f, "{what}: {image:?} is not on engine {engine}\n  fix: `docker save {image} | docker -H {engine} load`"),
        }
    }
}

/// The images of `needed` that `present` says an engine of `engines` lacks:
/// engine by engine, each image once per engine (with the first `what`
/// that names it).
pub fn missing_images(engines: &[Endpoint], needed: &[Needed], present: impl Fn(&Endpoint, &str) -> bool) -> Vec<MissingImage> {
    let mut missing: Vec<MissingImage> = Vec::new();
    for engine in merged(engines, &[]) {
        for Needed { what, image } in needed {
            let named = missing.iter().any(|m| m.engine == engine && &m.image == image);
            if !named && !present(&engine, image) {
                missing.push(MissingImage { engine: engine.clone(), what: what.clone(), image: image.clone() });
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second() -> Endpoint {
        "unix:///e2/docker.sock".parse().unwrap()
    }

    #[test]
    fn clusters_go_round_robin_over_the_engines_in_order() {
        let engines = [Endpoint::Default, second()];
        let placed: Vec<Endpoint> = (0..5).map(|k| engine_of(&engines, k)).collect();
        assert_eq!(placed, [Endpoint::Default, second(), Endpoint::Default, second(), Endpoint::Default]);
        assert_eq!(engine_of(&[], 3), Endpoint::Default);
        assert_eq!(engine_of(&[second()], 3), second());
    }

    #[test]
    fn merged_keeps_the_first_list_s_order_and_adds_the_rest_once() {
        let third: Endpoint = "tcp://h:2375".parse().unwrap();
        assert_eq!(merged(&[second(), Endpoint::Default], &[third.clone(), second()]), [second(), Endpoint::Default, third]);
    }

    #[test]
    fn each_engine_is_told_the_images_it_lacks_with_the_command_that_copies_them() {
        let needed = [
            Needed { what: "the brokers' image".into(), image: "ldfi/kafka:local".into() },
            Needed { what: "the client nodes' image".into(), image: "ldfi/kafka:local".into() },
            Needed { what: "x.toml: pipeline.image".into(), image: "app:1".into() },
        ];
        let engines = [Endpoint::Default, second(), second()];
        // The default engine has everything; the second only the app.
        let present = |engine: &Endpoint, image: &str| engine.is_default() || image == "app:1";
        let missing = missing_images(&engines, &needed, present);
        assert_eq!(missing, [MissingImage { engine: second(), what: "the brokers' image".into(), image: "ldfi/kafka:local".into() }]);
        assert_eq!(
            missing[0].to_string(),
            "the brokers' image: \"ldfi/kafka:local\" is not on engine unix:///e2/docker.sock\n  \
             fix: `docker save ldfi/kafka:local | docker -H unix:///e2/docker.sock load`"
        );
        let nowhere = missing_images(&engines, &needed, |_, image| image != "app:1");
        assert_eq!(nowhere.len(), 2, "once per engine: {nowhere:?}");
        assert!(nowhere[0].to_string().contains("is not on the default Docker engine\n  fix: build or pull it there"));
        assert!(missing_images(&engines, &needed, |_, _| true).is_empty());
    }
}
