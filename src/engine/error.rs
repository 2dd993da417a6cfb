//! Errors of the container engine, each with what to do about it.

use thiserror::Error;

/// An engine failure, phrased for the person who has to fix it.
#[derive(Debug, Error)]
pub enum EngineError {
    /// No Docker engine answers.
    #[error(
        "no Docker engine answers at {socket}: {source}\n  fix: start it (`dockerd &` as root, or `scripts/setup`), or set DOCKER_HOST"
    )]
    NotRunning { socket: String, #[source] source: bollard::errors::Error },

    /// An engine named by its endpoint does not answer.
    #[error(
        "no Docker engine answers at {endpoint}: {why}\n  fix: start the engine there (for a second engine on this machine: \
         `scripts/second-engine up`), or correct the endpoint (--engines, LDFI_ENGINES)"
    )]
    Unreachable { endpoint: super::Endpoint, why: String },

    /// The image is not present locally.
    #[error(
        "image {image} is not present\n  fix: run `scripts/setup` (builds ldfi/kafka:local from Maven Central jars), `docker pull {image}`, or set LDFI_KAFKA_IMAGE"
    )]
    ImageMissing { image: String },

    /// A name or address is already taken by something that is not ours.
    #[error("{what} is already in use\n  fix: {fix}")]
    Clash { what: String, fix: String },

    /// An engine call failed.
    #[error("docker: {action} failed: {source}")]
    Api { action: String, #[source] source: bollard::errors::Error },

    /// A command run on the host (nsenter, iptables) failed.
    #[error("{command} failed: {detail}")]
    Command { command: String, detail: String },

    /// Something the engine was asked to do did not end in time.
    #[error("docker: {action} did not end within {secs} s\n  fix: look at the engine (`docker ps -a`), then run `ldfi clean`")]
    Slow { action: String, secs: u64 },
}

impl EngineError {
    pub(crate) fn api(action: impl Into<String>) -> impl FnOnce(bollard::errors::Error) -> EngineError {
        let action = action.into();
        move |source| EngineError::Api { action, source }
    }
}
