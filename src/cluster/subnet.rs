//! Which /24 a cluster's network takes: one that no other network of this
//! host routes, whichever engine made it.
//!
//! An engine refuses a subnet that overlaps one of its own networks, and
//! knows nothing of another engine's: two engines on one host would both
//! hand out 10.213.5.0/24, and the host would route it to one bridge only,
//! cutting the other cluster off from the harness. So the choice also
//! skips
//! - what the host already routes (`/proc/net/route`): another engine's
//!   bridge, a VPN's route to a /24 or a host in it;
//! - what this process is creating at the same moment ([`Claim`]): a
//!   campaign starts its clusters side by side, on several engines, and a
//!   network's route appears only once it is created.
//!
//! A route broader than a /24 (the default route, a VPN's 10.0.0.0/8) does
//! not take one: the bridge's route is more specific and wins on this host,
//! as it does for the networks Docker creates itself.
//!
//! Two processes can still pick one /24 at the same moment on two engines;
//! the network's creator checks the routes again once its network exists
//! and backs off when the /24 is routed twice ([`routed`]).

use std::collections::BTreeSet;
use std::io::Read;
use std::net::Ipv4Addr;
use std::sync::Mutex;

/// How much of `/proc/net/route` is read: a line is 128 bytes, so a few
/// hundred routes; a host with more is not one a campaign shares.
const ROUTES_READ_LIMIT: u64 = 64 * 1024;

/// A route of the host: a destination and its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub destination: Ipv4Addr,
    pub prefix: u8,
}

/// Candidate subnets: 10.213.k.0/24, starting from a spot derived from the
/// cluster name so that clusters started side by side rarely probe the same.
pub fn candidates(name: &str) -> impl Iterator<Item = Ipv4Addr> {
    let start = name.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 250;
    (0..250u32).map(move |k| Ipv4Addr::new(10, 213, ((start + k) % 250) as u8, 0))
}

/// Reads the routes of `/proc/net/route`'s text (destination and mask as
/// the kernel prints them: the address's bytes as a native-endian number).
/// Lines that do not read are skipped.
pub fn parse_routes(text: &str) -> Vec<Route> {
    let address = |hex: &str| u32::from_str_radix(hex, 16).ok().map(|n| Ipv4Addr::from(n.to_ne_bytes()));
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (destination, mask) = (address(fields.get(1)?)?, address(fields.get(7)?)?);
            Some(Route { destination, prefix: u32::from(mask).count_ones() as u8 })
        })
        .collect()
}

/// How many routes take the /24 at `subnet`: routes to it or into it.
pub fn routed(routes: &[Route], subnet: Ipv4Addr) -> usize {
    let network = u32::from(subnet) & 0xffff_ff00;
    routes.iter().filter(|r| r.prefix >= 24 && u32::from(r.destination) & 0xffff_ff00 == network).count()
}

/// The candidates of cluster `name`, in order, without those the host
/// routes and those `claimed` by this process.
pub fn free<'a>(name: &str, routes: &'a [Route], claimed: &'a BTreeSet<Ipv4Addr>) -> impl Iterator<Item = Ipv4Addr> + 'a {
    candidates(name).filter(move |s| routed(routes, *s) == 0 && !claimed.contains(s))
}

/// The host's routes, read from `/proc/net/route` (bounded); none when it
/// cannot be read (not Linux): then the engine's refusals alone decide.
pub fn host_routes() -> Vec<Route> {
    let mut text = String::new();
    match std::fs::File::open("/proc/net/route") {
        Ok(file) => match file.take(ROUTES_READ_LIMIT).read_to_string(&mut text) {
            Ok(_) => parse_routes(&text),
            Err(_) => Vec::new(),
        },
        Err(_) => Vec::new(),
    }
}

/// Subnets this process is creating a network on, on any engine.
static CLAIMED: Mutex<BTreeSet<Ipv4Addr>> = Mutex::new(BTreeSet::new());

/// A subnet this process is creating a network on: no other cluster of
/// the process takes it until the claim is dropped (by then the network
/// exists and the host routes it, or it was not created).
#[derive(Debug)]
pub struct Claim(Ipv4Addr);

impl Claim {
    /// Claims the first free candidate of cluster `name`, given the host's
    /// routes and the subnets `refused` so far.
    pub fn first_free(name: &str, routes: &[Route], refused: &BTreeSet<Ipv4Addr>) -> Option<Claim> {
        let mut claimed = CLAIMED.lock().expect("claimed subnets lock");
        let subnet = free(name, routes, &claimed).find(|s| !refused.contains(s))?;
        claimed.insert(subnet);
        Some(Claim(subnet))
    }

    /// The claimed /24's network address.
    pub fn subnet(&self) -> Ipv4Addr {
        self.0
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut claimed) = CLAIMED.lock() {
            claimed.remove(&self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(a: [u8; 4], prefix: u8) -> Route {
        Route { destination: Ipv4Addr::from(a), prefix }
    }

    #[test]
    fn candidates_cover_distinct_private_subnets() {
        let all: BTreeSet<_> = candidates("demo").collect();
        assert_eq!(all.len(), 250);
        assert!(all.iter().all(|s| s.octets()[0] == 10 && s.octets()[1] == 213 && s.octets()[3] == 0));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn the_kernel_s_route_table_reads_as_destinations_and_prefixes() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
            br-45f49609c998\t0033D50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
            docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
            garbage\n";
        assert_eq!(parse_routes(text), [route([0, 0, 0, 0], 0), route([10, 213, 51, 0], 24), route([172, 17, 0, 0], 16)]);
    }

    #[test]
    fn a_subnet_another_engine_routes_is_skipped_a_broader_route_is_not() {
        let claimed = BTreeSet::new();
        let first = candidates("c").next().unwrap();
        let second = candidates("c").nth(1).unwrap();
        // Another engine's bridge on the first candidate, a VPN's host route
        // into the second: both taken.
        let [a, b, c, _] = second.octets();
        let routes = [route(first.octets(), 24), route([a, b, c, 7], 32)];
        let chosen: Vec<Ipv4Addr> = free("c", &routes, &claimed).take(2).collect();
        assert_eq!(chosen, candidates("c").skip(2).take(2).collect::<Vec<_>>());
        // The default route and a /8 take nothing.
        let broad = [route([0, 0, 0, 0], 0), route([10, 0, 0, 0], 8), route([10, 213, 0, 0], 16)];
        assert_eq!(free("c", &broad, &claimed).next(), Some(first));
        assert_eq!(routed(&routes, first), 1);
    }

    #[test]
    fn clusters_of_one_process_claim_distinct_subnets_until_their_networks_exist() {
        // Two names that start at the same candidate.
        let (one, other) = ("x", "x");
        let none = BTreeSet::new();
        let a = Claim::first_free(one, &[], &none).unwrap();
        let b = Claim::first_free(other, &[], &none).unwrap();
        assert_ne!(a.subnet(), b.subnet());
        let taken = a.subnet();
        drop(a);
        // Released: a later cluster may take it (then the host's route
        // keeps others off it).
        let c = Claim::first_free(one, &[], &none).unwrap();
        assert_eq!(c.subnet(), taken);
        // A subnet the engine refused is not claimed again.
        let refused = BTreeSet::from([taken]);
        let d = Claim::first_free(one, &[], &refused).unwrap();
        assert!(d.subnet() != taken && d.subnet() != b.subnet());
    }
}
