//! Slow links as a token bucket (`tbf` qdisc) on a node's own interface,
//! inside its network namespace: `nsenter -t <pid> -n tc qdisc replace dev
//! eth0 root tbf rate R burst B latency L`, entered from the host as the
//! firewall's rules are. Like them it lives in the container's namespace
//! and vanishes with it; nothing is ever set on the host.
//!
//! Why `tbf` and no delay: the kernels this runs on may lack `netem`
//! (`CONFIG_NET_SCH_NETEM` off), the only qdisc that adds a fixed delay or
//! reorders; `tbf` is built in wherever traffic control is. A rate limit
//! makes what the node sends late by queueing, which is the fault that
//! matters to Kafka (a produce answer, a fetch, a heartbeat later than its
//! timeout). A fixed delay is another kind, held in user space
//! ([`super::delay`]).
//!
//! What a bucket limits: everything the node sends on that interface, to
//! every peer, the host included (the harness's snapshot requests to a
//! slowed broker are answered slowly too). What it receives is not
//! limited. The queue holds up to [`LATENCY_MS`] of traffic at the rate
//! (TCP backs off before that, so the link is slow rather than lossy); the
//! bucket holds [`burst`] bytes. One bucket per interface: a second slow
//! link on the same node replaces the first, and healing either lifts it.
//!
//! The pure part ([`tbf_args`], [`devices`]) says what to run; the shell
//! part ([`install`], [`remove`], [`list`], [`flush`]) runs `tc` and `ip`.


use super::netns;
use crate::engine::EngineError;
use crate::model::Rate;

/// How long a packet may wait in the bucket's queue before it is dropped.
pub const LATENCY_MS: u64 = 5_000;

/// The bucket's size in bytes: a full Ethernet frame at least (else
/// nothing larger ever leaves), and 20 ms of traffic at the rate, which is
/// above the rate over the kernel's timer tick (`tc` refuses a bucket
/// smaller than that).
pub fn burst(rate: Rate) -> u64 {
    (rate.bytes_per_second() / 50).max(1_600)
}

/// `tc` arguments that set (`replace`) a token bucket at `rate` as the root
/// qdisc of `device`.
pub fn tbf_args(device: &str, rate: Rate) -> Vec<String> {
    let burst = burst(rate).to_string();
    let latency = format!("{LATENCY_MS}ms");
    ["qdisc", "replace", "dev", device, "root", "tbf", "rate", &rate.to_string(), "burst", &burst, "latency", &latency]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The interfaces a node reaches its peers through, from `ip -o -4 route
/// show` in its namespace: every device a route names but the loopback.
pub fn devices(routes: &str) -> Vec<String> {
    let mut found: Vec<String> = routes
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.windows(2).find(|w| w[0] == "dev").map(|w| w[1].to_string())
        })
        .filter(|d| d != "lo")
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The interfaces of the namespace of process `pid`, but the loopback.
async fn interfaces(pid: i64) -> Result<Vec<String>, EngineError> {
    let args: Vec<String> = ["-o", "-4", "route", "show"].iter().map(|s| s.to_string()).collect();
    let output = netns::checked(pid, "ip", &args).await?;
    Ok(devices(&String::from_utf8_lossy(&output.stdout)))
}

/// Limits what the namespace of process `pid` sends to `rate`, on every
/// interface but the loopback.
pub async fn install(pid: i64, rate: Rate) -> Result<(), EngineError> {
    for device in interfaces(pid).await? {
        let args = tbf_args(&device, rate);
        netns::checked(pid, "tc", &args).await?;
    }
    Ok(())
}

/// Lifts the limit: deletes the root token bucket of every interface that
/// has one. A bucket already gone is not an error.
pub async fn remove(pid: i64) -> Result<(), EngineError> {
    flush(pid).await.map(|_| ())
}

/// The token buckets in the namespace of process `pid`, as `tc qdisc show`
/// prints them.
pub async fn list(pid: i64) -> Result<Vec<String>, EngineError> {
    let args: Vec<String> = ["qdisc", "show"].iter().map(|s| s.to_string()).collect();
    let output = netns::checked(pid, "tc", &args).await?;
    Ok(String::from_utf8_lossy(&output.stdout).lines().filter(|l| l.starts_with("qdisc tbf ")).map(str::to_string).collect())
}

/// Deletes every root token bucket in the namespace of process `pid` (after
/// a heal, or after a harness was killed with a slow link in force).
/// Returns how many were removed.
pub async fn flush(pid: i64) -> Result<usize, EngineError> {
    let buckets = list(pid).await?;
    let mut removed = 0;
    for device in interfaces(pid).await? {
        if !buckets.iter().any(|b| b.split_whitespace().skip_while(|w| *w != "dev").nth(1) == Some(device.as_str())) {
            continue;
        }
        let args: Vec<String> = ["qdisc", "del", "dev", &device, "root"].iter().map(|s| s.to_string()).collect();
        netns::checked(pid, "tc", &args).await?;
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_a_full_frame_and_20_ms_of_traffic() {
        let rate: Rate = "64kbit".parse().unwrap();
        assert_eq!(burst(rate), 1_600);
        assert_eq!(burst("100mbit".parse().unwrap()), 250_000);
        assert_eq!(
            tbf_args("eth0", rate),
            ["qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", "64kbit", "burst", "1600", "latency", "5000ms"]
        );
    }

    #[test]
    fn the_devices_are_those_the_routes_name_but_the_loopback() {
        let routes = "default via 172.18.0.1 dev eth0 \n\
                      172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.5 \n\
                      10.9.0.0/24 dev eth1 proto kernel scope link src 10.9.0.2\n\
                      127.0.0.0/8 dev lo scope host\n";
        assert_eq!(devices(routes), ["eth0", "eth1"]);
        assert!(devices("").is_empty());
    }
}
