//! The client nodes of a run: the workload agent and the pipeline
//! instances, each in a container of its own with a trace directory of its
//! own mounted at `/trace` (`nodes/<node>/` in the run's directory, see
//! [`crate::trace::node_dir`]): the only place of the host it can write,
//! and one the harness never writes into.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cluster::ClientSpec;
pub use crate::trace::RunNames;
use crate::scenario::program::fill;
use crate::scenario::{Bug, PipelineSpec, Program};

/// Where the binaries a run mounts into client nodes are.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The workload agent, `ldfi-workload`.
    pub workload: PathBuf,
    /// Directory holding the shipped pipelines (`ldfi-copy`, ...).
    pub pipelines: PathBuf,
    /// The Java kit (`pipelines/java/target`, built by `scripts/setup`):
    /// `lib/` with Kafka's client and Streams jars, the OpenTelemetry Java
    /// agent, and the shipped Kafka Streams apps.
    pub java: PathBuf,
}

impl Binaries {
    /// The workload agent and the pipelines next to the running binary
    /// (pipelines from `LDFI_PIPELINE_DIR` if set; the Java kit from
    /// `LDFI_JAVA_DIR`, else the source tree's).
    pub fn beside_current_exe() -> std::io::Result<Binaries> {
        let ldfi = std::env::current_exe()?;
        let dir = ldfi.parent().map(Path::to_path_buf).unwrap_or_default();
        let workload = dir.join("ldfi-workload");
        // Docker would bind a missing file as an empty directory it creates,
        // and every step's workload would fail to start: refuse here instead.
        if !workload.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "the workload agent {} is missing: ldfi-workload must sit beside ldfi\n  fix: `cargo build --release` builds both; copy both when you move ldfi",
                    workload.display()
                ),
            ));
        }
        let pipelines = std::env::var_os("LDFI_PIPELINE_DIR").map(PathBuf::from).unwrap_or(dir);
        Ok(Binaries { workload, pipelines, java: java_dir() })
    }

    /// The OpenTelemetry Java agent of the kit.
    pub fn otel_agent(&self) -> PathBuf {
        self.java.join(OTEL_AGENT)
    }
}

/// The Java kit's folder: `LDFI_JAVA_DIR`, else `pipelines/java/target` in
/// the source tree.
pub fn java_dir() -> PathBuf {
    std::env::var_os("LDFI_JAVA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pipelines/java/target"))
}

/// The agent's file name in the kit.
const OTEL_AGENT: &str = "opentelemetry-javaagent.jar";
/// Where the kit appears inside an instance.
const KIT_LIB: &str = "/opt/ldfi/lib";
const KIT_AGENT: &str = "/opt/ldfi/otel/opentelemetry-javaagent.jar";
const KIT_APP: &str = "/opt/ldfi/app";

/// The workload node: idles until the harness executes a step in it.
/// `trace_dir` is its own trace directory.
pub fn workload_node(binaries: &Binaries, trace_dir: &Path) -> ClientSpec {
    ClientSpec {
        name: "workload".to_string(),
        command: vec!["sleep".into(), "infinity".into()],
        image: None,
        env: Vec::new(),
        binds: vec![
            format!("{}:/usr/local/bin/ldfi-workload:ro", binaries.workload.display()),
            format!("{}:/trace", trace_dir.display()),
        ],
    }
}

/// What a pipeline instance needs to know of its run: the values of the
/// placeholders.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    pub names: &'a RunNames,
    pub bootstrap: &'a str,
    /// The harness's OTLP/HTTP endpoint (`http://10.213.0.1:4318`), if it
    /// runs one.
    pub otlp: Option<&'a str>,
    /// The run's directory: each instance writes in its own
    /// `nodes/<instance>/` there.
    pub run_dir: &'a Path,
    /// A harness-owned folder for the instance's rendered files (never the
    /// trace folder, which the instance can write).
    pub files_dir: &'a Path,
    /// The workload's side topic as the run names it (`{side}`: a join's
    /// table or other stream), empty without one.
    pub side: &'a str,
}

/// Pipeline instance `name` of stage `p` (the placeholders name the
/// stage's own topics and group).
pub fn pipeline_node(p: &PipelineSpec, name: &str, at: &Placement, binaries: &Binaries) -> Result<ClientSpec, String> {
    let name = name.to_string();
    let names = at.names;
    let (input, output, group) = (names.topic(&p.input), names.topic(&p.output), names.group(&p.group));
    let more: Vec<(String, String)> =
        p.more_outputs.iter().enumerate().map(|(n, t)| (format!("output{}", n + 2), names.topic(t))).collect();
    let outputs: Vec<&str> = std::iter::once(output.as_str()).chain(more.iter().map(|(_, t)| t.as_str())).collect();
    let outputs = outputs.join(",");
    let mut values = vec![
        ("bootstrap", at.bootstrap),
        ("input", input.as_str()),
        ("output", output.as_str()),
        ("outputs", outputs.as_str()),
        ("group", group.as_str()),
        ("instance", name.as_str()),
        ("otlp", at.otlp.unwrap_or("")),
        ("side", at.side),
    ];
    values.extend(more.iter().map(|(k, t)| (k.as_str(), t.as_str())));
    let filled = |v: &[String]| -> Vec<String> { v.iter().map(|a| fill(a, &values)).collect() };
    let mut binds = vec![format!("{}:/trace", crate::trace::node_dir(at.run_dir, &name).display())];
    let kit = |what: &Path| -> Result<(), String> {
        if what.exists() {
            Ok(())
        } else {
            Err(format!("{} not found\n  fix: run scripts/setup (it builds the Java kit), or set LDFI_JAVA_DIR", what.display()))
        }
    };
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
        Program::Command(command) => filled(command),
        Program::Entrypoint => Vec::new(),
        Program::Jar { jar, main_class, args } => {
            let lib = binaries.java.join("lib");
            kit(&lib)?;
            let file = jar.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "app.jar".into());
            binds.push(format!("{}:{KIT_LIB}:ro", lib.display()));
            binds.push(format!("{}:{KIT_APP}/{file}:ro", jar.display()));
            let mut argv = vec!["java".to_string(), "-cp".into(), format!("{KIT_APP}/{file}:{KIT_LIB}/*"), main_class.clone()];
            argv.extend(filled(args));
            argv
        }
    };
    for m in &p.mounts {
        binds.push(format!("{}:{}:ro", m.host.display(), m.path));
    }
    let files = at.files_dir.join(&name);
    for (n, f) in p.files.iter().enumerate() {
        std::fs::create_dir_all(&files).map_err(|e| format!("{}: {e}", files.display()))?;
        let host = files.join(format!("file-{n}"));
        crate::trace::write_atomic(&host, fill(&f.template, &values).as_bytes()).map_err(|e| format!("{}: {e}", host.display()))?;
        binds.push(format!("{}:{}:ro", host.display(), f.path));
    }
    // An instance that exits on its own (a transactional producer fenced
    // after a long outage exits 3) is restarted, as a supervisor would; a
    // clean exit (0) or a configuration error (2) ends it. A crash fault
    // kills the whole container, supervisor included. An image run with
    // its own entrypoint has no supervisor: ldfi cannot wrap what it does
    // not know.
    let command = if program.is_empty() {
        Vec::new()
    } else {
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
        command
    };
    let bugs: Vec<&str> = p.bugs.iter().map(Bug::name).collect();
    let mut env: BTreeMap<String, String> = [
        ("LDFI_BOOTSTRAP", at.bootstrap.to_string()),
        ("LDFI_INPUT", input.clone()),
        ("LDFI_OUTPUT", output.clone()),
        ("LDFI_OUTPUTS", outputs.clone()),
        ("LDFI_GROUP", group.clone()),
        ("LDFI_INSTANCE", name.clone()),
        ("LDFI_TRACE", format!("/trace/{name}.jsonl")),
        ("LDFI_BUGS", bugs.join(",")),
        ("RUST_LOG", "info".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    // Any OpenTelemetry SDK reads these; the Java agent too. Spans leave
    // every 200 ms, so a crash loses little; the Kafka instrumentation's
    // partition, offset and group attributes are what the lineage reads.
    if let Some(endpoint) = at.otlp {
        for (k, v) in [
            ("OTEL_SERVICE_NAME", name.as_str()),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_BSP_SCHEDULE_DELAY", "200"),
            ("OTEL_INSTRUMENTATION_KAFKA_EXPERIMENTAL_SPAN_ATTRIBUTES", "true"),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
    }
    for (k, v) in &p.env {
        env.insert(k.clone(), fill(v, &values));
    }
    if p.otel_agent {
        let agent = binaries.otel_agent();
        kit(&agent)?;
        binds.push(format!("{}:{KIT_AGENT}:ro", agent.display()));
        let own = env.remove("JAVA_TOOL_OPTIONS").unwrap_or_default();
        env.insert("JAVA_TOOL_OPTIONS".into(), format!("-javaagent:{KIT_AGENT} {own}").trim().to_string());
    }
    Ok(ClientSpec { name, command, image: p.image.clone(), env: env.into_iter().collect(), binds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn scenario() -> Scenario {
        let text = r#"name = "s"
[[topics]]
name = "input"
[[topics]]
name = "output"
[pipeline]
command = ["/bin/sh", "-c", "exec my-app"]
image = "my/app:1"
input = "input"
output = "output"
instances = 2
[workload]
records_per_step = 1
[faults]
eot = 3
"#;
        Scenario::parse(Path::new("test.toml"), text).expect("valid scenario")
    }

    /// Each node sees only its own directory at /trace: never the run's,
    /// where the harness writes harness.jsonl, verdict.json and the logs.
    #[test]
    fn each_node_mounts_only_its_own_trace_directory() {
        let run_dir = Path::new("/traces/c/r0");
        let binaries = Binaries { workload: "/bin/ldfi-workload".into(), pipelines: "/bin".into(), java: "/java".into() };
        let names = RunNames::suffixed("c", "r0", "g");
        let at = Placement { names: &names, bootstrap: "b:9092", otlp: None, run_dir, files_dir: Path::new("/traces/c/.r0-files"), side: "" };
        let pipeline = pipeline_node(&scenario().pipeline, "pipeline-2", &at, &binaries).unwrap();
        let workload = workload_node(&binaries, &crate::trace::node_dir(run_dir, "workload"));
        for (node, own) in [(&pipeline, "/traces/c/r0/nodes/pipeline-2:/trace"), (&workload, "/traces/c/r0/nodes/workload:/trace")] {
            let writable: Vec<&String> = node.binds.iter().filter(|b| !b.ends_with(":ro")).collect();
            assert_eq!(writable, vec![own], "{}: {:?}", node.name, node.binds);
        }
        let env: BTreeMap<_, _> = pipeline.env.iter().cloned().collect();
        assert_eq!(env["LDFI_TRACE"], "/trace/pipeline-2.jsonl");
    }
}
