//! Running a program in a container's network namespace from the host
//! (`nsenter -t PID -n`): how both the firewall's rules and the links'
//! buckets are set, so that what the pipeline runs in its image never
//! matters.

use std::process::Output;

use tokio::process::Command;

use crate::engine::EngineError;

/// Runs `program args` in the network namespace of process `pid`; its
/// exit status is the caller's to judge.
pub(super) async fn run(pid: i64, program: &str, args: &[String]) -> Result<Output, EngineError> {
    Command::new("nsenter").args(["-t", &pid.to_string(), "-n", program]).args(args).output().await.map_err(|e| {
        EngineError::Command {
            command: "nsenter".to_string(),
            detail: format!("{e}; nsenter (util-linux) and {program} must be installed (scripts/setup does), and ldfi run as root"),
        }
    })
}

/// Runs `program args` there and fails with its stderr unless it succeeds.
pub(super) async fn checked(pid: i64, program: &str, args: &[String]) -> Result<Output, EngineError> {
    let output = run(pid, program, args).await?;
    if !output.status.success() {
        return Err(EngineError::Command {
            command: format!("nsenter -t {pid} -n {program} {}", args.join(" ")),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(output)
}
