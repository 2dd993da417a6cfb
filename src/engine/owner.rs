//! The process that owns a container or network, and whether it still runs.
//!
//! `ldfi clean` must not take a cluster from under a campaign that is still
//! running, and `--resume` must not remove the cluster of a campaign that
//! another shell is still running. Both ask the same question of a label
//! set at creation ([`super::ownership::OWNER_LABEL`]): does the process
//! that created this still run?
//!
//! A pid alone does not answer it: pids are reused, and a campaign killed
//! yesterday may share its pid with today's shell. The label therefore
//! holds the pid with the process's start time (field 22 of
//! `/proc/<pid>/stat`, clock ticks since boot), the boot id and the host
//! name. The owner runs when a process with that pid exists with that
//! start time, on this host, in this boot. Another boot of the same host
//! means the owner is gone (a reboot ends every process); another host
//! cannot be asked, so its owners count as running: leaving a cluster
//! alone is the safe mistake.
//!
//! [`Owner::liveness`] is pure (the process table comes in as a function);
//! [`Owner::check`] asks `/proc`.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A process, identified across pid reuse and reboots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    /// Start time of the process, clock ticks after boot.
    pub start: u64,
    /// `/proc/sys/kernel/random/boot_id`.
    pub boot: String,
    pub host: String,
}

/// Whether an owner still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Running,
    Exited,
    /// Created from another host: its process table cannot be read here.
    Elsewhere,
}

/// This host and boot, to compare an owner's with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub boot: String,
    pub host: String,
}

impl Owner {
    /// The current process, or `None` where `/proc` does not say (not
    /// Linux): its containers then carry no owner, as before owners were
    /// recorded.
    pub fn current() -> Option<&'static Owner> {
        static CURRENT: OnceLock<Option<Owner>> = OnceLock::new();
        CURRENT
            .get_or_init(|| {
                let pid = std::process::id();
                let machine = Machine::current()?;
                Some(Owner { pid, start: start_of(pid)?, boot: machine.boot, host: machine.host })
            })
            .as_ref()
    }

    /// The label's value.
    pub fn to_label(&self) -> String {
        serde_json::to_string(self).expect("owner serializes")
    }

    /// Reads a label's value; `None` when it is not one of ours.
    pub fn from_label(value: &str) -> Option<Owner> {
        serde_json::from_str(value).ok()
    }

    /// Whether the owner runs, given this machine and the start time of
    /// each live pid.
    pub fn liveness(&self, here: &Machine, start_of: impl Fn(u32) -> Option<u64>) -> Liveness {
        if self.host != here.host {
            return Liveness::Elsewhere;
        }
        if self.boot != here.boot {
            return Liveness::Exited;
        }
        match start_of(self.pid) {
            Some(start) if start == self.start => Liveness::Running,
            _ => Liveness::Exited,
        }
    }

    /// Whether the owner runs, asked of this machine's `/proc`. Without
    /// `/proc`, nothing can be told: [`Liveness::Elsewhere`].
    pub fn check(&self) -> Liveness {
        match Machine::current() {
            Some(here) => self.liveness(&here, start_of),
            None => Liveness::Elsewhere,
        }
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} on {}", self.pid, self.host)
    }
}

impl Machine {
    /// This machine, from `/proc`.
    pub fn current() -> Option<Machine> {
        let read = |path: &str| std::fs::read_to_string(path).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Some(Machine { boot: read("/proc/sys/kernel/random/boot_id")?, host: read("/proc/sys/kernel/hostname")? })
    }
}

/// Start time of a running process, from `/proc/<pid>/stat`.
fn start_of(pid: u32) -> Option<u64> {
    start_in_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Field 22 (`starttime`) of a `/proc/<pid>/stat` line. The second field,
/// the command in parentheses, may itself hold spaces and parentheses, so
/// fields are counted from the last `)`.
fn start_in_stat(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // `rest` starts at field 3 (state): field 22 is the 20th after it.
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(pid: u32, start: u64) -> Owner {
        Owner { pid, start, boot: "b1".into(), host: "h".into() }
    }

    #[test]
    fn the_start_time_is_field_22_even_when_the_command_holds_parentheses() {
        let stat = "4242 (ldfi (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 9 0 987654 12345 67 ...";
        assert_eq!(start_in_stat(stat), Some(987654));
        assert_eq!(start_in_stat("4242 (short"), None);
        assert_eq!(start_in_stat(""), None);
    }

    #[test]
    fn an_owner_runs_only_with_its_pid_and_start_time_in_this_boot() {
        let here = Machine { boot: "b1".into(), host: "h".into() };
        let table = |pid: u32| (pid == 10).then_some(500);
        assert_eq!(owner(10, 500).liveness(&here, table), Liveness::Running);
        // The pid was reused by a later process.
        assert_eq!(owner(10, 499).liveness(&here, table), Liveness::Exited);
        assert_eq!(owner(11, 500).liveness(&here, table), Liveness::Exited);
        // Before a reboot: whatever the table says now.
        let before = Owner { boot: "b0".into(), ..owner(10, 500) };
        assert_eq!(before.liveness(&here, table), Liveness::Exited);
        // Another machine's process table is not ours to read.
        let remote = Owner { host: "other".into(), ..owner(10, 500) };
        assert_eq!(remote.liveness(&here, table), Liveness::Elsewhere);
    }

    #[test]
    fn the_label_round_trips_and_this_process_runs() {
        let o = owner(7, 8);
        assert_eq!(Owner::from_label(&o.to_label()), Some(o));
        assert_eq!(Owner::from_label("ldfi"), None);
        let me = Owner::current().expect("Linux has /proc");
        assert_eq!(me.pid, std::process::id());
        assert_eq!(me.check(), Liveness::Running);
    }
}
