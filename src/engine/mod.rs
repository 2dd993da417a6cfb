//! The container engine every real part of ldfi runs on.
//!
//! ldfi talks to Docker through bollard, the client testcontainers is built
//! on. We use it directly rather than through testcontainers because a fault
//! campaign needs what a test fixture library hides: containers that outlive
//! the process that made them (`ldfi cluster up` / `down`), a SIGKILL and a
//! restart that keep a broker's name, address and data, `docker pause`, the
//! PID of a container (to enter its network namespace), and static addresses
//! on a network of our own.
//!
//! Debian's dockerd 20.10 speaks API 1.41, older than bollard's default, so
//! the client negotiates the version on connect.
//!
//! An [`Engine`] is reached by an [`Endpoint`]: the default one (what
//! `docker` talks to) or one a campaign was given (`--engines`), and
//! remembers which, so that a cluster started on it is found, healed and
//! removed there again.
//!
//! Everything ldfi creates carries the label [`CREATED_LABEL`]`=<unix ms>`
//! and the label [`CLUSTER_LABEL`]`=<cluster name>`, set at creation;
//! [`clean`] removes what carries them and did not inherit them from its
//! image ([`ownership`] says why). Each also names the process that created
//! it ([`owner`]) and, for a cluster a campaign started for itself, the
//! campaign: [`sweep`] decides from them which clusters a clean may take.

mod clean;
mod cleanup;
mod container;
pub mod endpoint;
mod error;
pub mod owner;
pub mod ownership;
pub mod placement;
pub mod sweep;

pub use clean::{clean, leftovers, survey, Leftovers};
pub use cleanup::{finish_on_own_runtime, interrupted};
pub use container::{ContainerConfig, ContainerState, ExecOutput, MAX_LOG_BYTES};
pub use endpoint::Endpoint;
pub use error::EngineError;
pub use owner::{Liveness, Owner};
pub use ownership::{is_ours, CAMPAIGN_LABEL, CREATED_LABEL, OWNER_LABEL};

use std::time::Duration;

use bollard::Docker;

/// Seconds any one request to an engine may take (bollard's default): a
/// container's stop waits for its grace period.
const CLIENT_TIMEOUT_SECS: u64 = 120;

/// Label put on every container and network ldfi creates; images built by
/// older releases of scripts/build-kafka-image.sh carry it too, so it does
/// not prove ownership alone.
pub const PROJECT_LABEL: &str = "ldfi.project";
/// Value of [`PROJECT_LABEL`].
pub const PROJECT_VALUE: &str = "ldfi";
/// Label naming the cluster a container or network belongs to.
pub const CLUSTER_LABEL: &str = "ldfi.cluster";
/// Label naming the role of a container: `broker` or `client`.
pub const ROLE_LABEL: &str = "ldfi.role";

/// A connection to a Docker engine.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    endpoint: Endpoint,
}

/// How long an engine named by an endpoint has to answer its first
/// request: a host that drops packets would otherwise hold the campaign
/// for the client's two minutes.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

impl Engine {
    /// Connects to the local Docker engine (`DOCKER_HOST` or the Unix socket)
    /// and negotiates the API version.
    pub async fn connect() -> Result<Engine, EngineError> {
        let socket = std::env::var("DOCKER_HOST")
            .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string());
        let docker = Docker::connect_with_local_defaults()
            .map_err(|source| EngineError::NotRunning { socket: socket.clone(), source })?;
        let docker = docker
            .negotiate_version()
            .await
            .map_err(|source| EngineError::NotRunning { socket: socket.clone(), source })?;
        docker
            .ping()
            .await
            .map_err(|source| EngineError::NotRunning { socket, source })?;
        Ok(Engine { docker, endpoint: Endpoint::Default })
    }

    /// Connects to the engine at `endpoint` (the default one as
    /// [`Engine::connect`] does) and negotiates the API version; an engine
    /// that does not answer within 10 s is an error naming the endpoint.
    pub async fn connect_to(endpoint: &Endpoint) -> Result<Engine, EngineError> {
        let unreachable = |why: String| EngineError::Unreachable { endpoint: endpoint.clone(), why };
        let docker = match endpoint {
            Endpoint::Default => return Engine::connect().await,
            Endpoint::Unix(path) => {
                Docker::connect_with_unix(&format!("unix://{}", path.display()), CLIENT_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
            Endpoint::Tcp { host, port } => {
                Docker::connect_with_http(&format!("tcp://{host}:{port}"), CLIENT_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
        }
        .map_err(|e| unreachable(e.to_string()))?;
        let answered = tokio::time::timeout(ANSWER_TIMEOUT, async {
            let docker = docker.negotiate_version().await?;
            docker.ping().await?;
            Ok::<_, bollard::errors::Error>(docker)
        })
        .await;
        match answered {
            Ok(Ok(docker)) => Ok(Engine { docker, endpoint: endpoint.clone() }),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Err(_) => Err(unreachable(format!("no answer within {} s", ANSWER_TIMEOUT.as_secs()))),
        }
    }

    /// The endpoint this engine was reached by.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The raw bollard client, for the few calls not wrapped here.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// Whether an image is present locally.
    pub async fn has_image(&self, image: &str) -> Result<bool, EngineError> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                Ok(false)
            }
            Err(source) => Err(EngineError::Api { action: format!("inspect image {image}"), source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_engine_that_does_not_answer_is_named_with_the_fix() {
        let endpoint: Endpoint = "unix:///nonexistent/ldfi-test/docker.sock".parse().unwrap();
        let error = Engine::connect_to(&endpoint).await.err().expect("nothing listens there");
        let message = error.to_string();
        assert!(message.starts_with("no Docker engine answers at unix:///nonexistent/ldfi-test/docker.sock: "), "{message}");
        assert!(message.contains("fix: start the engine there"), "{message}");
    }
}
