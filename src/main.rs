//! The `ldfi` command line. Arguments are parsed here, validated into
//! settings, and handed to the library; exit codes are public API:
//!
//! | code | meaning                                   |
//! |------|-------------------------------------------|
//! | 0    | no violation / the command did its job    |
//! | 1    | a violation was found (replay: reproduced)|
//! | 2    | bad input (arguments, scenario, traces)   |
//! | 3    | infrastructure failure (Docker, Kafka)    |
//! | 130  | interrupted (Ctrl-C), after cleaning up   |

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    if args.offline() {
        // Rust ignores SIGPIPE, so `ldfi report ... | head -c0` would panic
        // in println!. Commands that only read and write files get the
        // default back and end quietly, as Unix tools do. Commands that talk
        // to Docker and Kafka keep it ignored: a peer closing a socket must
        // be an error, not a death, and a campaign must live to remove its
        // cluster; they print through cli::terminal::{say, note}, which
        // drop what a closed pipe cannot take.
        // SAFETY: called before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ldfi=info,librdkafka=off,rdkafka=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ldfi: cannot start the async runtime: {e}");
            return ExitCode::from(cli::EXIT_INFRA);
        }
    };
    let code = runtime.block_on(cli::run(args));
    ExitCode::from(code)
}
