//! The harness's observer: a small Java process on Kafka's own client
//! library.
//!
//! librdkafka cannot tell the active KRaft controller, the log of each
//! replica, or a group's coordinator and assignment; Kafka's Java client
//! classes can. So the harness keeps one observer process (`observer/`,
//! built by `scripts/setup`) and asks it over stdin/stdout, one JSON line
//! per request and per answer. The observer talks to every broker directly
//! and takes the majority's answer, so a snapshot stays complete while a
//! broker is paused, killed or cut off (an Admin client kept choosing the
//! frozen broker). It runs on the host, so its traffic comes from the
//! network's gateway address, which faults never target: observing never
//! disturbs the experiment and is never disturbed by it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;

use crate::model::Snapshot;
use super::ClusterError;

/// A running observer process.
pub struct Observer {
    io: Mutex<ObserverIo>,
}

struct ObserverIo {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

/// One broker's view of the cluster, for readiness.
#[derive(Debug, Clone, Deserialize)]
pub struct BrokerView {
    #[serde(default)]
    pub cluster_id: Option<String>,
    #[serde(default)]
    pub controller: Option<i32>,
    #[serde(default)]
    pub brokers: Vec<BrokerNode>,
}

/// A broker as listed by `describeCluster`.
#[derive(Debug, Clone, Deserialize)]
pub struct BrokerNode {
    pub id: i32,
}

/// Where the observer's jar lives: `LDFI_OBSERVER_DIR`, else `observer/target`
/// in the source tree.
pub fn observer_dir() -> PathBuf {
    std::env::var_os("LDFI_OBSERVER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("observer/target"))
}

impl Observer {
    /// Starts an observer bootstrapped at `bootstrap_servers`.
    pub async fn spawn(bootstrap_servers: &str) -> Result<Observer, ClusterError> {
        let dir = observer_dir();
        let jar = dir.join("ldfi-observer.jar");
        if !jar.exists() {
            return Err(ClusterError::ObserverMissing { path: jar });
        }
        let classpath = format!("{}:{}/lib/*", jar.display(), dir.display());
        let mut child = Command::new("java")
            .args(["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp"])
            .arg(classpath)
            .arg("ldfi.observer.Observer")
            .arg(bootstrap_servers)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ClusterError::Observer(format!("cannot start java: {e}; is Java 17 installed?")))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let observer = Observer { io: Mutex::new(ObserverIo { child, stdin, stdout, next_id: 1 }) };
        observer.request(json!({"op": "ping"}), Duration::from_secs(60)).await?;
        Ok(observer)
    }

    async fn request(&self, mut request: Value, timeout: Duration) -> Result<Value, ClusterError> {
        let mut io = self.io.lock().await;
        let id = io.next_id;
        io.next_id += 1;
        request["id"] = json!(id);
        let line = format!("{request}\n");
        let exchange = async {
            io.stdin.write_all(line.as_bytes()).await?;
            io.stdin.flush().await?;
            loop {
                let Some(answer) = io.stdout.next_line().await? else {
                    return Err(std::io::Error::other("observer exited"));
                };
                let answer: Value = serde_json::from_str(&answer)
                    .map_err(|e| std::io::Error::other(format!("bad observer line {answer:?}: {e}")))?;
                if answer["id"] == json!(id) {
                    return Ok(answer);
                }
            }
        };
        let answer = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ClusterError::Observer(format!("no answer to {request} within {timeout:?}")))?
            .map_err(|e| ClusterError::Observer(e.to_string()))?;
        if answer["ok"] == json!(true) {
            Ok(answer["result"].clone())
        } else {
            Err(ClusterError::Observer(answer["error"].as_str().unwrap_or("unknown error").to_string()))
        }
    }

    /// The cluster as one broker, reached at `bootstrap`, sees it.
    pub async fn broker_view(&self, bootstrap: &str) -> Result<BrokerView, ClusterError> {
        let result = self
            .request(json!({"op": "brokers", "bootstrap": bootstrap}), Duration::from_secs(15))
            .await?;
        serde_json::from_value(result).map_err(|e| ClusterError::Observer(e.to_string()))
    }

    /// An idempotent producer id answered by the broker at `bootstrap`
    /// itself (asked again while it fetches a block of ids from the
    /// controller), within `timeout`.
    pub async fn producer_id(&self, bootstrap: &str, timeout: Duration) -> Result<i64, ClusterError> {
        let millis = timeout.as_millis() as u64;
        let result = self
            .request(json!({"op": "producer_id", "bootstrap": bootstrap, "timeout_ms": millis}), timeout + Duration::from_secs(5))
            .await?;
        result["producer_id"].as_i64().ok_or_else(|| ClusterError::Observer(format!("producer_id: no id in {result}")))
    }

    /// A snapshot of the given topics and consumer groups.
    pub async fn snapshot(&self, topics: &[String], groups: &[String]) -> Result<Snapshot, ClusterError> {
        let result = self
            .request(json!({"op": "snapshot", "topics": topics, "groups": groups}), Duration::from_secs(30))
            .await?;
        serde_json::from_value(result).map_err(|e| ClusterError::Observer(e.to_string()))
    }

    /// Asks the observer to exit, and waits for it.
    pub async fn shutdown(self) {
        let _ = self.request(json!({"op": "shutdown"}), Duration::from_secs(5)).await;
        let mut io = self.io.lock().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), io.child.wait()).await;
        let _ = io.child.kill().await;
    }
}
