//! Helpers of the real-cluster suite: polling, client nodes, leftovers.

use std::future::Future;
use std::time::{Duration, Instant};

use ldfi::cluster::{ClientNode, ClientSpec, Cluster};
use ldfi::engine::{self, sweep, Engine};
use ldfi::model::Snapshot;

/// Polls `probe` every 200 ms until it returns `Some`, or fails after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> Result<(T, Duration), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return Ok((value, started.elapsed()));
        }
        if started.elapsed() > limit {
            return Err(format!("{what}: not within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends `signal` (`INT`, `TERM`) to `child` and waits up to `limit` for
/// it to exit: its exit status, or what went wrong as text.
pub async fn signal_and_wait(child: &mut tokio::process::Child, signal: &str, limit: Duration) -> Result<std::process::ExitStatus, String> {
    let pid = child.id().ok_or("the child has no pid")?;
    std::process::Command::new("kill").args([format!("-{signal}"), pid.to_string()]).status().map_err(|e| e.to_string())?;
    tokio::time::timeout(limit, child.wait())
        .await
        .map_err(|_| format!("it did not exit within {limit:?} of SIG{signal}"))?
        .map_err(|e| e.to_string())
}

/// A snapshot of one topic, or the error as text.
pub async fn snapshot(cluster: &Cluster, topic: &str) -> Result<Snapshot, String> {
    cluster.snapshot(&[topic.to_string()], &[]).await.map_err(|e| e.to_string())
}

/// Starts a probe node running `ldfi-probe udp-listen`, with the probe
/// binary mounted in.
pub async fn probe_node(cluster: &Cluster, name: &str) -> Result<ClientNode, String> {
    let binary = env!("CARGO_BIN_EXE_ldfi-probe");
    cluster
        .spawn_client(ClientSpec {
            name: name.to_string(),
            image: None,
            command: vec!["/usr/local/bin/ldfi-probe".into(), "udp-listen".into(), "--port".into(), "7000".into()],
            env: Vec::new(),
            binds: vec![format!("{binary}:/usr/local/bin/ldfi-probe:ro")],
        })
        .await
        .map_err(|e| e.to_string())
}

/// Runs `ldfi-probe ...` inside a node and returns (exit code, stdout).
pub async fn probe(cluster: &Cluster, node: &ClientNode, args: &[&str]) -> Result<(i64, String), String> {
    let mut cmd = vec!["/usr/local/bin/ldfi-probe"];
    cmd.extend_from_slice(args);
    let output = cluster.engine().exec(&node.container, &cmd).await.map_err(|e| e.to_string())?;
    Ok((output.exit_code, output.stdout.trim().to_string()))
}

/// Datagrams with `tag` that `node` received, as its listener printed them.
pub async fn received(cluster: &Cluster, node: &ClientNode, tag: &str) -> Result<usize, String> {
    let logs = cluster.engine().logs(&node.container, 100_000).await.map_err(|e| e.to_string())?;
    Ok(logs.lines().filter(|l| l.contains(&format!(" {tag}-"))).count())
}

/// Asserts through the Docker API that no container or network of the
/// cluster remains (firewall rules live in those containers' namespaces).
pub async fn assert_nothing_left(cluster: &str) -> Result<(), String> {
    let engine = Engine::connect().await.map_err(|e| e.to_string())?;
    let left = engine::leftovers(&engine, Some(cluster)).await.map_err(|e| e.to_string())?;
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!("left behind: {left:?}"))
    }
}

/// `ldfi cluster up` interrupted by `signal` (INT: Ctrl-C; TERM: `kill`,
/// `timeout`, a cancelled CI job) while brokers start: exits 130 and
/// leaves nothing behind.
pub async fn interrupted_during_up(signal: &str) -> Result<(), String> {
    let name = format!("test-sig{}-{}", signal.to_lowercase(), std::process::id());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["cluster", "up", "--name", &name])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let engine = Engine::connect().await.map_err(|e| e.to_string())?;
    eventually("a broker container of the interrupted cluster exists", Duration::from_secs(60), || async {
        let left = engine::leftovers(&engine, Some(&name)).await.ok()?;
        (!left.containers.is_empty()).then_some(())
    })
    .await?;
    let status = signal_and_wait(&mut child, signal, Duration::from_secs(60)).await.map_err(|e| format!("ldfi cluster up: {e}"))?;
    if status.code() != Some(130) {
        return Err(format!("exit status {status:?}, expected 130"));
    }
    assert_nothing_left(&name).await
}

/// What an interrupted suite removes: its own cluster, then the clusters
/// of the campaigns it started (processes younger than the suite, killed
/// with it) that no running process still uses. Twice, as `ldfi cluster
/// up` does: a request in flight when the suite was dropped may still land.
pub async fn remove_what_the_suite_started(cluster: &str) -> Result<(), String> {
    let engine = Engine::connect().await.map_err(|e| e.to_string())?;
    let me = engine::Owner::current().cloned();
    let younger = |owner: &Option<engine::Owner>| match (owner, &me) {
        (Some(o), Some(me)) => o.boot == me.boot && o.host == me.host && o.start >= me.start && o.pid != me.pid,
        _ => false,
    };
    for _ in 0..2 {
        engine::clean(&engine, Some(cluster)).await.map_err(|e| e.to_string())?;
        let found: Vec<_> = engine::survey(&engine).await.map_err(|e| e.to_string())?.into_iter().filter(|f| younger(&f.owner)).collect();
        for judged in sweep::judge(&found, &sweep::Scope::Everything, false, |o| o.check()) {
            if judged.remove {
                engine::clean(&engine, Some(&judged.cluster)).await.map_err(|e| e.to_string())?;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// The suite itself (a second copy of this binary, one test selected)
/// interrupted by `signal` once its cluster is up and its test runs, a
/// follower cut off: exits 130 and leaves nothing of its cluster behind.
pub async fn suite_interrupted(signal: &str) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(me)
        .arg("isolated_follower_leaves_isr_and_rejoins_after_heal")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let name = format!("test-{}", child.id().ok_or("the child has no pid")?);
    let outcome = interrupt_the_suite(&mut child, &name, signal).await;
    if outcome.is_err() {
        // Whatever went wrong, the copy's cluster goes with it.
        let _ = child.kill().await;
        if let Ok(engine) = Engine::connect().await {
            let _ = engine::clean(&engine, Some(&name)).await;
        }
    }
    outcome
}

async fn interrupt_the_suite(child: &mut tokio::process::Child, name: &str, signal: &str) -> Result<(), String> {
    use tokio::io::AsyncBufReadExt as _;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let ready = format!("cluster {name} ready");
    let said_ready = async {
        while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
            if line.starts_with(&ready) {
                return Ok(());
            }
        }
        Err(format!("the suite exited before it said {ready:?}"))
    };
    tokio::time::timeout(Duration::from_secs(180), said_ready).await.map_err(|_| format!("no {ready:?} within 180 s"))??;
    // Into its test (half a minute long): a follower cut off, clients on
    // the cluster.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let status = match signal_and_wait(child, signal, Duration::from_secs(60)).await {
        Ok(status) => status,
        Err(e) => {
            // What the copy said after the signal, to see where it stood.
            let mut said = Vec::new();
            while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(2), lines.next_line()).await {
                said.push(line);
            }
            return Err(format!("the suite: {e}; it printed after {ready:?}: {said:?}"));
        }
    };
    if status.code() != Some(130) {
        return Err(format!("exit status {status:?}, expected 130"));
    }
    assert_nothing_left(name).await
}

/// Every broker started and unpaused, every ldfi packet filter removed, the
/// shipped scenarios' client nodes removed, and the cluster whole again.
pub async fn heal(cluster: &Cluster) -> Result<ldfi::run::Recovered, String> {
    let scenario = crate::runs::scenario("copy-at-least-once")?;
    ldfi::run::recover(cluster, &scenario, "heal", &[]).await.map_err(|e| e.to_string())
}
