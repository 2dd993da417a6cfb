//! Container lifecycle on the engine: create, start, kill, stop, pause,
//! resume, remove, exec. Thin wrappers that name what failed.

use std::collections::HashMap;

use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, NetworkingConfig,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, KillContainerOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use futures_util::StreamExt;

use super::{Engine, EngineError, CLUSTER_LABEL};

/// Everything needed to create one container of a cluster.
#[derive(Debug, Clone)]
pub struct ContainerConfig {
    /// Container name, also its hostname.
    pub name: String,
    pub image: String,
    /// Cluster the container belongs to (label).
    pub cluster: String,
    /// Campaign that started the cluster for itself, if any (label).
    pub campaign: Option<String>,
    /// `broker` or `client` (label).
    pub role: String,
    pub network: String,
    /// Static IPv4 address on `network`, kept across restarts.
    pub ipv4: String,
    pub env: Vec<(String, String)>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// Bind mounts as `host:container[:ro]`.
    pub binds: Vec<String>,
    /// Memory limit in bytes, if any.
    pub memory: Option<i64>,
    /// Runs code ldfi does not trust (a pipeline under test, or a node
    /// beside one): every capability dropped and no privilege gained
    /// through a setuid binary. Such a node needs none: it talks to Kafka
    /// over TCP and writes its trace directory, which its root owns; the
    /// faults on it are applied from the host (`nsenter`, signals).
    pub confined: bool,
}

/// What a command run inside a container printed, and how it exited.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
}

impl Engine {
    /// Creates (does not start) a container, labelled as ldfi's.
    pub async fn create(&self, config: &ContainerConfig) -> Result<(), EngineError> {
        let body = create_body(config);
        let options = CreateContainerOptionsBuilder::new().name(&config.name).build();
        match self.docker.create_container(Some(options), body).await {
            Ok(_) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                Err(EngineError::ImageMissing { image: config.image.clone() })
            }
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, message }) => {
                Err(EngineError::Clash {
                    what: format!("container name {} ({message})", config.name),
                    fix: format!("`ldfi clean --cluster {}`, or pick another cluster name", config.cluster),
                })
            }
            Err(source) => Err(EngineError::Api { action: format!("create container {}", config.name), source }),
        }
    }

    /// Starts a created or exited container.
    pub async fn start(&self, name: &str) -> Result<(), EngineError> {
        self.docker
            .start_container(name, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(EngineError::api(format!("start {name}")))
    }

    /// Sends a signal (e.g. `SIGKILL`) to the container's main process.
    pub async fn kill(&self, name: &str, signal: &str) -> Result<(), EngineError> {
        let options = KillContainerOptionsBuilder::new().signal(signal).build();
        self.docker
            .kill_container(name, Some(options))
            .await
            .map_err(EngineError::api(format!("kill -{signal} {name}")))
    }

    /// Stops cleanly: SIGTERM, then SIGKILL after `grace_secs`.
    pub async fn stop(&self, name: &str, grace_secs: i32) -> Result<(), EngineError> {
        let options = StopContainerOptionsBuilder::new().t(grace_secs).build();
        self.docker
            .stop_container(name, Some(options))
            .await
            .map_err(EngineError::api(format!("stop {name}")))
    }

    /// Freezes every process of the container (cgroup freezer).
    pub async fn pause(&self, name: &str) -> Result<(), EngineError> {
        self.docker.pause_container(name).await.map_err(EngineError::api(format!("pause {name}")))
    }

    /// Thaws a paused container.
    pub async fn resume(&self, name: &str) -> Result<(), EngineError> {
        self.docker.unpause_container(name).await.map_err(EngineError::api(format!("unpause {name}")))
    }

    /// Removes a container whatever its state (a paused one is thawed first).
    pub async fn remove(&self, name: &str) -> Result<(), EngineError> {
        if let Ok(state) = self.state(name).await {
            if state.paused {
                let _ = self.resume(name).await;
            }
        }
        let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
        match self.docker.remove_container(name, Some(options)).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            // Another removal of it runs (one cut short by Ctrl-C, whose
            // drop now cleans up): it is ours once that one ends.
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, message }) if message.contains("already in progress") => {
                self.gone(name, REMOVAL_WAIT).await
            }
            Err(source) => Err(EngineError::Api { action: format!("remove {name}"), source }),
        }
    }

    /// Waits until the engine no longer knows the container.
    async fn gone(&self, name: &str, limit: std::time::Duration) -> Result<(), EngineError> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match self.docker.inspect_container(name, None::<bollard::query_parameters::InspectContainerOptions>).await {
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(()),
                Err(source) => return Err(EngineError::Api { action: format!("remove {name}"), source }),
                Ok(_) if tokio::time::Instant::now() >= deadline => {
                    return Err(EngineError::Slow { action: format!("another removal of {name}"), secs: limit.as_secs() })
                }
                Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            }
        }
    }

    /// Running / paused flags and the PID of the main process (0 when not running).
    pub async fn state(&self, name: &str) -> Result<ContainerState, EngineError> {
        let info = self
            .docker
            .inspect_container(name, None::<bollard::query_parameters::InspectContainerOptions>)
            .await
            .map_err(EngineError::api(format!("inspect {name}")))?;
        let state = info.state.unwrap_or_default();
        Ok(ContainerState {
            running: state.running.unwrap_or(false),
            paused: state.paused.unwrap_or(false),
            pid: state.pid.unwrap_or(0),
            exit_code: state.exit_code,
        })
    }

    /// The process that created a container, as its label names it
    /// (`None`: a release that recorded none, or a label not ours).
    pub async fn owner(&self, name: &str) -> Result<Option<super::Owner>, EngineError> {
        let info = self
            .docker
            .inspect_container(name, None::<bollard::query_parameters::InspectContainerOptions>)
            .await
            .map_err(EngineError::api(format!("inspect {name}")))?;
        let labels = info.config.and_then(|c| c.labels).unwrap_or_default();
        Ok(labels.get(super::OWNER_LABEL).and_then(|value| super::Owner::from_label(value)))
    }

    /// The IPv4 addresses that containers of `cluster` hold on `network`,
    /// whichever process created them (e.g. client nodes of another harness
    /// on a shared cluster).
    pub async fn addresses(&self, cluster: &str, network: &str) -> Result<Vec<std::net::Ipv4Addr>, EngineError> {
        // Every container labelled with the cluster, ours or not: an
        // address taken is taken.
        let filters = HashMap::from([("label".to_string(), vec![format!("{CLUSTER_LABEL}={cluster}")])]);
        let options = bollard::query_parameters::ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
        let containers = self.docker.list_containers(Some(options)).await.map_err(EngineError::api("list containers"))?;
        Ok(containers
            .into_iter()
            .filter_map(|c| c.network_settings?.networks?.remove(network)?.ip_address)
            .filter_map(|ip| ip.parse().ok())
            .collect())
    }

    /// Runs a command inside a running container and collects its output.
    pub async fn exec(&self, name: &str, cmd: &[&str]) -> Result<ExecOutput, EngineError> {
        let action = || format!("exec {:?} in {name}", cmd);
        let exec = self
            .docker
            .create_exec(
                name,
                CreateExecOptions {
                    cmd: Some(cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .map_err(EngineError::api(action()))?;
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let StartExecResults::Attached { mut output, .. } =
            self.docker.start_exec(&exec.id, None).await.map_err(EngineError::api(action()))?
        {
            while let Some(chunk) = output.next().await {
                match chunk.map_err(EngineError::api(action()))? {
                    bollard::container::LogOutput::StdOut { message } => {
                        stdout.push_str(&String::from_utf8_lossy(&message))
                    }
                    bollard::container::LogOutput::StdErr { message } => {
                        stderr.push_str(&String::from_utf8_lossy(&message))
                    }
                    _ => {}
                }
            }
        }
        let inspect = self.docker.inspect_exec(&exec.id).await.map_err(EngineError::api(action()))?;
        Ok(ExecOutput { exit_code: inspect.exit_code.unwrap_or(-1), stdout, stderr })
    }

    /// The last `tail` lines the container printed (stdout and stderr).
    pub async fn logs(&self, name: &str, tail: usize) -> Result<String, EngineError> {
        let options = LogsOptionsBuilder::new()
            .stdout(true)
            .stderr(true)
            .tail(&tail.to_string())
            .build();
        let mut stream = self.docker.logs(name, Some(options));
        let mut text = String::new();
        let mut cut = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(EngineError::api(format!("logs of {name}")))?;
            text.push_str(&chunk.to_string());
            // A node's output is hostile input: lines of any length. Only
            // the last MAX_LOG_BYTES are kept, whatever it printed.
            if text.len() > 2 * MAX_LOG_BYTES {
                text = last_bytes(&text, MAX_LOG_BYTES).to_string();
                cut = true;
            }
        }
        if text.len() > MAX_LOG_BYTES || cut {
            text = format!("[... earlier output cut: only the last {MAX_LOG_BYTES} bytes are kept]\n{}", last_bytes(&text, MAX_LOG_BYTES));
        }
        Ok(text)
    }
}

/// How long a removal started elsewhere may take before ours gives up.
const REMOVAL_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The most of a container's log [`Engine::logs`] keeps, its end.
pub const MAX_LOG_BYTES: usize = 4 << 20;

/// The last `n` bytes of `text` or fewer, starting on a character.
fn last_bytes(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// What the engine says about a container's process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerState {
    pub running: bool,
    pub paused: bool,
    pub pid: i64,
    pub exit_code: Option<i64>,
}

/// What the engine is asked to create for `config`.
fn create_body(config: &ContainerConfig) -> ContainerCreateBody {
    let creator = super::ownership::Creator::this_process(&config.cluster, config.campaign.as_deref());
    let labels = super::ownership::created_now(creator, Some(&config.role));
    let endpoint = EndpointSettings {
        ipam_config: Some(EndpointIpamConfig {
            ipv4_address: Some(config.ipv4.clone()),
            ..Default::default()
        }),
        aliases: Some(vec![config.name.clone()]),
        ..Default::default()
    };
    ContainerCreateBody {
        hostname: Some(config.name.clone()),
        image: Some(config.image.clone()),
        env: Some(config.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        entrypoint: config.entrypoint.clone(),
        cmd: config.cmd.clone(),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some(config.network.clone()),
            binds: Some(config.binds.clone()),
            memory: config.memory,
            cap_drop: config.confined.then(|| vec!["ALL".to_string()]),
            security_opt: config.confined.then(|| vec!["no-new-privileges:true".to_string()]),
            // Keep the container after it exits: a crashed broker is
            // restarted from the same container, data and address.
            auto_remove: Some(false),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(config.network.clone(), endpoint)])),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_long_log_is_kept_on_a_character_boundary() {
        let text = format!("{}é{}", "a".repeat(10), "b".repeat(5));
        assert_eq!(last_bytes(&text, 6), "bbbbb", "the cut falls inside é: it moves past it");
        assert_eq!(last_bytes(&text, 7), "ébbbbb");
        assert_eq!(last_bytes("short", 100), "short");
    }

    fn config(confined: bool) -> ContainerConfig {
        ContainerConfig {
            name: "ldfi-c-pipeline-1".into(),
            image: "ldfi/kafka:local".into(),
            cluster: "c".into(),
            campaign: None,
            role: "client".into(),
            network: "ldfi-c".into(),
            ipv4: "10.213.0.100".into(),
            env: Vec::new(),
            entrypoint: None,
            cmd: None,
            binds: vec!["/traces/c/r0/nodes/pipeline-1:/trace".into()],
            memory: None,
            confined,
        }
    }

    #[test]
    fn a_confined_node_drops_every_capability_and_gains_no_privilege() {
        let host = create_body(&config(true)).host_config.unwrap();
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(host.cap_add, None);
        assert_eq!(host.security_opt, Some(vec!["no-new-privileges:true".to_string()]));
        assert_eq!(host.privileged, None);
        let broker = create_body(&config(false)).host_config.unwrap();
        assert_eq!((broker.cap_drop, broker.security_opt), (None, None));
    }
}
