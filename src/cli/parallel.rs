//! `--parallel N|auto`: how many clusters a campaign or a replay runs side
//! by side. By default what the machine holds: one cluster per core, as
//! many as its free memory allows at about 3 GiB each (three broker JVMs
//! of 512 MiB heap, their page cache, a pipeline and the workload). On a
//! 2-core machine that is two; `ldfi bench --parallel 1,2,3` measured
//! the knee there (docs/measurements.md): three clusters still ran
//! independent plans faster, but a campaign's chain of picks gained less
//! from the third than it spent in runs its verdicts would have spared.
//! With `--cluster NAME` and no `--parallel`, one: the named cluster.

/// Memory one cluster is counted to need, in KiB.
const CLUSTER_KIB: u64 = 3 * 1024 * 1024;

/// The most clusters ldfi starts side by side.
pub const MAX: u32 = 8;

/// A `--parallel` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallel {
    Auto,
    Clusters(u32),
}

/// Parses `auto` or a count of 1 to [`MAX`].
pub fn parse(value: &str) -> Result<Parallel, String> {
    if value == "auto" {
        return Ok(Parallel::Auto);
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX).contains(&n) => Ok(Parallel::Clusters(n)),
        _ => Err(format!("{value:?} is not a number of clusters: use auto, or 1 to {MAX}")),
    }
}

/// How many clusters: the one asked for, else one with a named cluster,
/// else what this machine holds.
pub fn resolve(asked: Option<Parallel>, named_cluster: bool) -> u32 {
    match asked {
        Some(Parallel::Clusters(n)) => n,
        Some(Parallel::Auto) => this_machine(),
        None if named_cluster => 1,
        None => this_machine(),
    }
}

/// What this machine holds ([`held`]), from its cores and its available
/// memory (`/proc/meminfo`, read bounded; unknown: the cores alone).
fn this_machine() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    held(cores, available_kib())
}

/// One cluster per core, at most as many as `available_kib` of memory
/// holds at [`CLUSTER_KIB`] each (unknown memory: no limit), between 1 and
/// [`MAX`].
pub fn held(cores: u32, available_kib: Option<u64>) -> u32 {
    let by_memory = available_kib.map_or(u32::MAX, |kib| u32::try_from(kib / CLUSTER_KIB).unwrap_or(u32::MAX));
    cores.min(by_memory).clamp(1, MAX)
}

/// `MemAvailable` of /proc/meminfo, in KiB.
fn available_kib() -> Option<u64> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open("/proc/meminfo").ok()?.take(64 * 1024).read_to_string(&mut text).ok()?;
    meminfo_available(&text)
}

fn meminfo_available(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_holds_a_cluster_per_core_as_far_as_its_memory_goes() {
        let gib = |n: u64| Some(n * 1024 * 1024);
        assert_eq!(held(2, gib(24)), 2);
        assert_eq!(held(16, gib(24)), 8, "at most eight");
        assert_eq!(held(16, gib(7)), 2, "two clusters' worth of memory");
        assert_eq!(held(4, gib(1)), 1, "always one");
        assert_eq!(held(4, None), 4);
        assert_eq!(held(0, None), 1);
    }

    #[test]
    fn parallel_is_auto_or_a_count_and_a_named_cluster_alone_means_one() {
        assert_eq!(parse("auto"), Ok(Parallel::Auto));
        assert_eq!(parse("3"), Ok(Parallel::Clusters(3)));
        for bad in ["0", "9", "two", ""] {
            assert!(parse(bad).unwrap_err().contains("use auto, or 1 to 8"), "{bad}");
        }
        assert_eq!(resolve(Some(Parallel::Clusters(3)), true), 3);
        assert_eq!(resolve(None, true), 1);
        assert!(resolve(None, false) >= 1);
    }

    #[test]
    fn available_memory_is_read_from_meminfo() {
        let text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(meminfo_available(text), Some(20_000_000));
        assert_eq!(meminfo_available("MemTotal: 1 kB\n"), None);
    }
}
