//! The client nodes of a run: the workload agent and the pipeline
//! instances, each in a container of its own with the run's trace
//! directory mounted at `/trace`.

use std::path::{Path, PathBuf};

use crate::cluster::ClientSpec;
use crate::scenario::{Bug, Program, Scenario};

/// Where the binaries a run mounts into client nodes are.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The workload agent, `ldfi-workload`.
    pub workload: PathBuf,
    /// Directory holding the shipped pipelines (`ldfi-copy`, ...).
    pub pipelines: PathBuf,
}

impl Binaries {
    /// The workload agent and the pipelines next to the running binary
    /// (pipelines from `LDFI_PIPELINE_DIR` if set).
    pub fn beside_current_exe() -> std::io::Result<Binaries> {
        let ldfi = std::env::current_exe()?;
        let dir = ldfi.parent().map(Path::to_path_buf).unwrap_or_default();
        let workload = dir.join("ldfi-workload");
        let pipelines = std::env::var_os("LDFI_PIPELINE_DIR").map(PathBuf::from).unwrap_or(dir);
        Ok(Binaries { workload, pipelines })
    }
}

/// Names of the run's topics and group: suffixed with the run id, so that
/// runs on a reused cluster never see each other's records or offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNames {
    pub suffix: String,
}

impl RunNames {
    pub fn topic(&self, name: &str) -> String {
        format!("{name}.{}", self.suffix)
    }
    pub fn group(&self, group: &str) -> String {
        format!("{group}.{}", self.suffix)
    }
}

/// The workload node: idles until the harness executes a step in it.
pub fn workload_node(binaries: &Binaries, trace_dir: &Path) -> ClientSpec {
    ClientSpec {
        name: "workload".to_string(),
        command: vec!["sleep".into(), "infinity".into()],
        env: Vec::new(),
        binds: vec![
            format!("{}:/usr/local/bin/ldfi-workload:ro", binaries.workload.display()),
            format!("{}:/trace", trace_dir.display()),
        ],
    }
}

/// Pipeline instance `i` (1-based).
pub fn pipeline_node(
    scenario: &Scenario,
    names: &RunNames,
    bootstrap: &str,
    binaries: &Binaries,
    trace_dir: &Path,
    i: u8,
) -> Result<ClientSpec, String> {
    let name = Scenario::instance_name(i);
    let p = &scenario.pipeline;
    let mut binds = vec![format!("{}:/trace", trace_dir.display())];
    let program = match &p.program {
        Program::Shipped(kind) => {
            let binary = binaries.pipelines.join(kind.binary());
            if !binary.exists() {
                return Err(format!(
                    "pipeline binary {} not found\n  fix: `cargo build --release` (builds the shipped pipelines) or set LDFI_PIPELINE_DIR",
                    binary.display()
                ));
            }
            binds.push(format!("{}:/usr/local/bin/{}:ro", binary.display(), kind.binary()));
            vec![format!("/usr/local/bin/{}", kind.binary())]
        }
        Program::Command(command) => command.clone(),
    };
    // An instance that exits on its own (a transactional producer fenced
    // after a long outage exits 3) is restarted, as a supervisor would; a
    // clean exit (0) or a configuration error (2) ends it. A crash fault
    // kills the whole container, supervisor included.
    let mut command = vec![
        "/bin/sh".to_string(),
        "-c".to_string(),
        concat!(
            "trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT; ",
            "while :; do \"$@\" & pid=$!; wait $pid; code=$?; ",
            "case $code in 0|2) exit $code;; esac; ",
            "echo \"instance exited $code; restarting\" >&2; sleep 1; done"
        )
        .to_string(),
        "instance".to_string(),
    ];
    command.extend(program);
    let bugs: Vec<&str> = p.bugs.iter().map(Bug::name).collect();
    let mut env = vec![
        ("LDFI_BOOTSTRAP".to_string(), bootstrap.to_string()),
        ("LDFI_INPUT".to_string(), names.topic(&p.input)),
        ("LDFI_OUTPUT".to_string(), names.topic(&p.output)),
        ("LDFI_GROUP".to_string(), names.group(&p.group)),
        ("LDFI_INSTANCE".to_string(), name.clone()),
        ("LDFI_TRACE".to_string(), format!("/trace/{name}.jsonl")),
        ("LDFI_BUGS".to_string(), bugs.join(",")),
        ("RUST_LOG".to_string(), "info".to_string()),
    ];
    env.extend(p.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(ClientSpec { name, command, env, binds })
}
