//! Delayed links without `netem`: packets handed to user space through
//! NFQUEUE and let go after the link's delay.
//!
//! Kernels without `CONFIG_NET_SCH_NETEM` have no qdisc that holds a packet
//! for a fixed time, but they have NFQUEUE: an iptables rule (`-j NFQUEUE
//! --queue-num 7 --queue-bypass`, planned in [`super::firewall`]) queues
//! the link's packets to whoever is bound to queue 7 in that network
//! namespace, and each waits there until its verdict. A [`Delayer`] is that
//! listener: a thread of the harness that enters the node's namespace
//! (`setns`, for itself only), binds the queue, and accepts each packet
//! once it has waited the delay, in the order they came.
//!
//! A thread, not a process: it dies with the harness, so a killed harness
//! leaves no delayer behind, and its rules (tagged `ldfi` like every other)
//! are flushed by the recovery that removes cuts; with no listener bound,
//! `--queue-bypass` lets the packets through at once. One delayer per
//! node: its rules name the peers. The queue is bound fail-open: past its
//! length, a packet passes undelayed rather than being dropped, so the
//! fault stays a delay and never turns into loss.

use std::collections::VecDeque;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::model::Delay;

/// The NFQUEUE number every delayed link's rules use in a node's
/// namespace.
pub const QUEUE: u16 = 7;

/// Packets held at once, at most: a link carries a few thousand packets a
/// second, and a delay is at most a minute.
const MAX_HELD: u32 = 65_536;

/// The listener that delays a node's queued packets.
pub struct Delayer {
    stop: Arc<AtomicBool>,
    delayed: Arc<AtomicU64>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Delayer {
    /// Binds the queue in the network namespace of process `pid` and starts
    /// delaying by `delay`; returns once the queue is bound, so that rules
    /// installed after it meet a listener.
    pub fn start(pid: i64, delay: Delay) -> std::io::Result<Delayer> {
        let stop = Arc::new(AtomicBool::new(false));
        let delayed = Arc::new(AtomicU64::new(0));
        let (ready, bound) = mpsc::channel();
        let thread = {
            let (stop, delayed) = (stop.clone(), delayed.clone());
            std::thread::Builder::new()
                .name(format!("ldfi-delay-{pid}"))
                .spawn(move || hold(pid, delay.duration(), &stop, &delayed, ready))?
        };
        match bound.recv() {
            Ok(Ok(())) => Ok(Delayer { stop, delayed, thread: Some(thread) }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(std::io::Error::other("the delayer thread ended before binding its queue")),
        }
    }

    /// Lets every packet still held go at once, unbinds the queue, and says
    /// how many packets were delayed.
    pub fn stop(mut self) -> std::io::Result<u64> {
        self.stop.store(true, Ordering::SeqCst);
        let result = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the delayer thread panicked")),
            None => Ok(()),
        };
        result.map(|()| self.delayed.load(Ordering::SeqCst))
    }
}

impl Drop for Delayer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The delayer's thread: enter the namespace, bind, then hold each packet
/// until its time and accept it.
fn hold(
    pid: i64,
    delay: Duration,
    stop: &AtomicBool,
    delayed: &AtomicU64,
    ready: mpsc::Sender<std::io::Result<()>>,
) -> std::io::Result<()> {
    let mut queue = match bind(pid) {
        Ok(queue) => queue,
        Err(e) => {
            let _ = ready.send(Err(std::io::Error::new(e.kind(), format!("NFQUEUE {QUEUE} in the namespace of {pid}: {e}"))));
            return Ok(());
        }
    };
    let _ = ready.send(Ok(()));
    let mut held: VecDeque<(Instant, nfq::Message)> = VecDeque::new();
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        loop {
            match queue.recv() {
                Ok(message) => held.push_back((Instant::now() + delay, message)),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        while held.front().is_some_and(|(due, _)| stopping || *due <= now) {
            let (_, mut message) = held.pop_front().expect("a held packet");
            message.set_verdict(nfq::Verdict::Accept);
            queue.verdict(message)?;
            delayed.fetch_add(1, Ordering::Relaxed);
        }
        if stopping {
            return Ok(());
        }
        let next = held.front().map_or(Duration::from_millis(1), |(due, _)| due.saturating_duration_since(now));
        std::thread::sleep(next.min(Duration::from_millis(1)));
    }
}

/// The queue, bound in the namespace of `pid`: this thread enters that
/// namespace first (the netlink socket belongs to the namespace it was
/// made in), and stays there until it ends.
fn bind(pid: i64) -> std::io::Result<nfq::Queue> {
    let namespace = File::open(format!("/proc/{pid}/ns/net"))?;
    // SAFETY: setns on a descriptor we own; it changes this thread's
    // network namespace only.
    if unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut queue = nfq::Queue::open()?;
    queue.bind(QUEUE)?;
    // The verdict needs the packet's id only, not its bytes.
    queue.set_copy_range(QUEUE, 0)?;
    queue.set_fail_open(QUEUE, true)?;
    queue.set_queue_max_len(QUEUE, MAX_HELD)?;
    queue.set_nonblocking(true);
    Ok(queue)
}
