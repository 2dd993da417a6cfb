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
    /// Print `<source-ip> <payload>` for every UDP datagram received, and
    /// read to its end every TCP connection to the same port number.
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
    /// Send bytes to a listener's TCP port; print the microseconds until it
    /// had read them all.
    TcpSend {
        #[arg(long)]
        to: SocketAddr,
        #[arg(long)]
        bytes: usize,
        #[arg(long, default_value_t = 60_000)]
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
        ProbeCommand::UdpListen { port } => {
            std::thread::spawn(move || probe::tcp_sink(port));
            match probe::udp_listen(port) {
                Ok(()) => 0,
                Err(e) => fail(e),
            }
        }
        ProbeCommand::UdpSend { to, count, tag } => match probe::udp_send(to, count, &tag) {
            Ok(()) => 0,
            Err(e) => fail(e),
        },
        ProbeCommand::TcpConnect { to, timeout_ms } => {
            let reach = probe::tcp_connect(to, Duration::from_millis(timeout_ms));
            println!("{reach}");
            u8::from(reach != Reach::Connected)
        }
        ProbeCommand::TcpSend { to, bytes, timeout_ms } => match probe::tcp_send(to, bytes, Duration::from_millis(timeout_ms)) {
            Ok(elapsed) => {
                println!("{}", elapsed.as_micros());
                0
            }
            Err(e) => fail(e),
        },
    }
}
