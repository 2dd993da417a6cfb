//! Cleanup that must finish from a `Drop`: a cluster dropped by an error
//! or a panic, faults still in force, a run's nodes on a borrowed cluster.
//! A drop may run inside an async runtime, where blocking is not allowed,
//! so the work runs to completion on a thread with a runtime of its own.
//! And the signal that asks for cleanup: every command that creates
//! something, and the real-cluster test suite, wait on the same one.

use std::future::Future;

/// Runs `work` to completion on a fresh thread and runtime, and waits for
/// it. If no runtime can be built, says so with `what` and the way out.
pub fn finish_on_own_runtime<F>(what: &str, work: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let what = what.to_string();
    let worker = std::thread::spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(work),
        Err(e) => { use std::io::Write as _; let _ = writeln!(std::io::stderr(), "ldfi: could not {what}: {e}; run `ldfi clean`"); },
    });
    let _ = worker.join();
}

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT), or SIGTERM,
/// which `kill`, `timeout` and CI runners send when a job is cancelled.
/// Whoever waits on it heals and removes what it created, then exits 130.
pub async fn interrupted() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
