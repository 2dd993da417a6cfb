//! `ldfi-probe`: tiny network probes run inside client nodes, to show what
//! a partition does to real packets. A binary of its own: client containers
//! have none of the libraries the harness links (libz3).

use std::net::SocketAddr;
use std::time::Duration;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ldfi::probe::{self, Reach};

#[derive(Debug, Parser)]
#[command(name = "ldfi-probe", version)]
struct Args {
    #[command(subcommand)]
    command: ProbeCommand,
}

#[derive(Debug, Subcommand)]
enum ProbeCommand {
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

fn fail(error: impl std::fmt::Display) -> u8 {
    eprintln!("ldfi-probe: error: {error}");
    3
}

fn main() -> ExitCode {
    ExitCode::from(run(Args::parse().command))
}

fn run(command: ProbeCommand) -> u8 {
    match command {
        ProbeCommand::UdpListen { port } => match probe::udp_listen(port) {
            Ok(()) => 0,
            Err(e) => fail(e),
        },
        ProbeCommand::UdpSend { to, count, tag } => match probe::udp_send(to, count, &tag) {
            Ok(()) => 0,
            Err(e) => fail(e),
        },
        ProbeCommand::TcpConnect { to, timeout_ms } => {
            let reach = probe::tcp_connect(to, Duration::from_millis(timeout_ms));
            println!("{reach}");
            u8::from(reach != Reach::Connected)
        }
    }
}
