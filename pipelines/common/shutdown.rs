//! Stopping on request: SIGTERM (`docker stop`) and Ctrl-C set a flag the
//! loops check between batches, so an instance stops after a commit, never
//! in the middle of one. SIGKILL is the crash fault and is not ours to see.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set once a stop was asked for.
#[derive(Clone)]
pub struct Shutdown(Arc<AtomicBool>);

impl Shutdown {
    /// Starts listening for SIGTERM and SIGINT on a thread of its own.
    pub fn listen() -> Shutdown {
        let flag = Arc::new(AtomicBool::new(false));
        let set = flag.clone();
        std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => return eprintln!("cannot listen for SIGTERM: {e}"),
            };
            let signalled = runtime.block_on(async {
                use tokio::signal::unix::{signal, SignalKind};
                let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
                else {
                    eprintln!("cannot listen for SIGTERM");
                    return false;
                };
                tokio::select! {
                    _ = term.recv() => eprintln!("SIGTERM: stopping after the current batch"),
                    _ = int.recv() => eprintln!("SIGINT: stopping after the current batch"),
                }
                true
            });
            set.store(signalled, Ordering::SeqCst);
        });
        Shutdown(flag)
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
