//! A watchdog thread for the transactional loop: librdkafka calls take a
//! timeout, but some ignore it. `send_offsets_to_transaction` waits for the
//! group coordinator forever when the broker it had cached as coordinator
//! crashed and left the metadata (librdkafka issues 5456 and 5511, open
//! in 2.12). Seen here as an instance that consumed one batch after a
//! coordinator crash and then wrote nothing until the run's drain ended.
//!
//! Each call is given a limit (its own timeout plus [`GRACE`]); a call
//! still running past it is stuck. The instance cannot cancel it, so it
//! notes which call it was and exits 3: the node's supervisor restarts it,
//! and the new incarnation's `init_transactions` fences the stuck one and
//! aborts its open transaction.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::settings::EXIT_KAFKA;
use super::trace::Tracer;

/// How long past its own timeout a call may run before it counts as stuck.
pub const GRACE: Duration = Duration::from_secs(5);

/// When the loop must be back, and from what.
#[derive(Clone, Copy)]
struct Deadline {
    at: Instant,
    what: &'static str,
}

pub struct Watchdog {
    deadline: Arc<Mutex<Option<Deadline>>>,
}

impl Watchdog {
    /// Starts the thread; it checks once a second.
    pub fn start(tracer: Arc<Tracer>) -> Watchdog {
        let deadline: Arc<Mutex<Option<Deadline>>> = Arc::default();
        let watched = deadline.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let due = *watched.lock().expect("watchdog lock");
            if let Some(Deadline { at, what }) = due {
                if Instant::now() > at {
                    tracer.note(format!("watchdog: stuck in {what} past its deadline; exiting"));
                    std::process::exit(EXIT_KAFKA as i32);
                }
            }
        });
        Watchdog { deadline }
    }

    /// The loop must be back from `what` within `limit`.
    pub fn busy(&self, what: &'static str, limit: Duration) {
        *self.lock() = Some(Deadline { at: Instant::now() + limit, what });
    }

    /// No deadline: the loop waits for inputs.
    pub fn idle(&self) {
        *self.lock() = None;
    }

    /// Runs `call` (`what`) with `limit`, within whatever deadline is set
    /// already (the earlier of the two holds); the outer one is back after.
    pub fn within<T>(&self, what: &'static str, limit: Duration, call: impl FnOnce() -> T) -> T {
        let outer = *self.lock();
        let inner = Deadline { at: Instant::now() + limit, what };
        *self.lock() = Some(match outer {
            Some(outer) if outer.at < inner.at => outer,
            _ => inner,
        });
        let result = call();
        *self.lock() = outer;
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Deadline>> {
        self.deadline.lock().expect("watchdog lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watchdog() -> Watchdog {
        Watchdog { deadline: Arc::default() }
    }

    #[test]
    fn a_call_gets_its_own_limit_and_the_outer_deadline_comes_back() {
        let dog = watchdog();
        dog.busy("transaction", Duration::from_secs(150));
        let inside = dog.within("commit_transaction", Duration::from_secs(10), || *dog.lock());
        let inside = inside.expect("a deadline during the call");
        assert_eq!(inside.what, "commit_transaction");
        assert!(inside.at < Instant::now() + Duration::from_secs(11));
        assert_eq!(dog.lock().expect("outer deadline back").what, "transaction");
    }

    #[test]
    fn an_earlier_outer_deadline_still_holds_during_a_call() {
        let dog = watchdog();
        dog.busy("closing", Duration::from_secs(1));
        let inside = dog.within("abort_transaction", Duration::from_secs(30), || *dog.lock());
        assert_eq!(inside.expect("a deadline").what, "closing");
        dog.idle();
        assert!(dog.within("x", Duration::from_secs(1), || dog.lock().is_some()));
        assert!(dog.lock().is_none());
    }
}
