//! Facts and fault variables written as text, for tests: `alive("pipeline-1",
//! 3)`, `link("leader(input/0)", "brokers", 2)`, `crash("broker-2", 1)`.

use super::{Fact, FaultVar, Peer};
use crate::model::NodeId;

pub fn node(name: &str) -> NodeId {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

pub fn peer(name: &str) -> Peer {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

pub fn alive(name: &str, step: u32) -> Fact {
    Fact::alive(node(name), step)
}

pub fn link(from: &str, to: &str, step: u32) -> Fact {
    Fact::link(peer(from), peer(to), step)
}

pub fn crash(name: &str, step: u32) -> FaultVar {
    FaultVar::crash(node(name), step)
}

pub fn omission(from: &str, to: &str, step: u32) -> FaultVar {
    FaultVar::omission(peer(from), peer(to), step)
}
