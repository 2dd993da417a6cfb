//! `ldfi probe`: tiny network probes run inside client nodes.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Subcommand;
use ldfi::probe::{self, Reach};

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Print `<source-ip> <payload>` for every UDP datagram received.
    UdpListen {
        #[arg(long, default_value_t = 7000)]
        port: u16,
    },
    /// Send tagged UDP datagrams.
    UdpSend {
        #[arg(long)]
        to: SocketAddr,
        #[arg(long, default_value_t = 10)]
        count: u32,
        #[arg(long)]
        tag: String,
    },
    /// Try a TCP connection; exit 0 when it connects, 1 otherwise.
    TcpConnect {
        #[arg(long)]
        to: SocketAddr,
        #[arg(long, default_value_t = 2000)]
        timeout_ms: u64,
    },
}

pub fn run(command: ProbeCommand) -> u8 {
    match command {
        ProbeCommand::UdpListen { port } => match probe::udp_listen(port) {
            Ok(()) => 0,
            Err(e) => super::fail(super::EXIT_INFRA, e),
        },
        ProbeCommand::UdpSend { to, count, tag } => match probe::udp_send(to, count, &tag) {
            Ok(()) => 0,
            Err(e) => super::fail(super::EXIT_INFRA, e),
        },
        ProbeCommand::TcpConnect { to, timeout_ms } => {
            let reach = probe::tcp_connect(to, Duration::from_millis(timeout_ms));
            println!("{reach}");
            u8::from(reach != Reach::Connected)
        }
    }
}
