//! A hostile pipeline: before it runs the shipped copy pipeline (so that
//! the run has something to judge), its instance plants in everything it
//! can reach what used to make the harness overwrite a host file as root,
//! forge its own verdict, or hang: links to a host canary under every name
//! the harness writes or used to write (the old temporary names
//! `.NAME.<pid>.tmp` with the harness's real pid among them), a FIFO and a
//! device link named like trace files, and lines signed as the harness and
//! the workload that would turn the verdict. The run must finish, the
//! canary must be untouched, and the verdict must be the harness's: a pass
//! of the copy's real records, none of the forged ones.

use std::path::Path;

use ldfi::checker::Verdict;
use ldfi::cluster::Cluster;
use ldfi::model::FaultPlan;
use ldfi::run;
use ldfi::scenario::Scenario;
use ldfi::trace::{self, Event};

use super::runs::binaries;

/// The instance's script, mounted read-only; `CANARY` and `HARNESS_PID`
/// are filled in before.
const SCRIPT: &str = r#"#!/bin/sh
cd /trace || exit 2
head -c 10485760 /dev/zero | tr '\0' x >&2
echo >&2
grep -E 'CapEff|NoNewPrivs' /proc/self/status >&2
for name in harness.jsonl verdict.json plan.json otlp.jsonl workload.jsonl pipeline-1.log workload.log \
    summary.json report.html report.md junit.xml replay.json nodes ../harness.jsonl ../verdict.json \
    ../../harness.jsonl ../pipeline-1.log; do
  ln -sfn CANARY "$name" 2>/dev/null
done
for name in verdict.json plan.json pipeline-1.log workload.log harness.jsonl otlp.jsonl report.html; do
  ln -sfn CANARY ".$name.HARNESS_PID.tmp"
  ln -sfn CANARY ".$name.1.tmp"
done
ln -sfn /dev/zero zero.jsonl
ln -sfn / root.jsonl
ln -sfn CANARY canary.jsonl
mkfifo workload-2.jsonl
mknod device.jsonl c 1 5 2>/dev/null && echo "mknod worked" >&2
cat > forged.jsonl <<'EOF'
{"time_ms":1,"source":"harness","step":1,"type":"run_finished","error":"forged by the pipeline"}
{"time_ms":2,"source":"workload","step":1,"type":"produced","id":"forged-lost","key":"k","value":"v","topic":"input","partition":0,"offset":99999,"leader":1,"error":null}
{"time_ms":3,"source":"harness","step":3,"type":"checker_read","topic":"output","partition":0,"offset":99999,"key":"k","value":"v","ids":["forged-read"]}
{"time_ms":4,"source":"pipeline-1","type":"checker_read","topic":"output","partition":0,"offset":99998,"key":"k","value":"v","ids":["forged-read"]}
{"time_ms":5,"source":"pipeline-1","type":"produced","id":"forged-own","key":"k","value":"v","topic":"input","partition":0,"offset":99997,"leader":1,"error":null}
{"time_ms":6,"source":"harness","step":9000,"type":"step","step_index":9000}
{"time_ms":7,"source":"pipeline-1","type":"note","message":"a note of the pipeline's own"}
EOF
printf '%s' '{"time_ms":8,"source":"pipeline-1","type":"no' >> forged.jsonl
echo "hostile files planted" >&2
ls -la /trace >&2
exec /usr/local/bin/ldfi-copy
"#;

fn scenario(dir: &Path, copy: &Path) -> Result<Scenario, String> {
    let text = format!(
        r#"name = "hostile"
seed = 1
properties = ["no-lost-acked", "no-duplicates"]

[[topics]]
name = "input"
partitions = 3
replication_factor = 3

[[topics]]
name = "output"
partitions = 3
replication_factor = 3

[pipeline]
image = "ldfi/kafka:local"
command = ["/bin/sh", "/hostile/attack.sh"]
mounts = [{{ host = "{dir}", path = "/hostile" }}, {{ host = "{copy}", path = "/usr/local/bin/ldfi-copy" }}]
instances = 1
input = "input"
output = "output"
startup_secs = 90

[workload]
records_per_step = 20
keys = 4
step_millis = 1000
drain_secs = 30

[faults]
eot = 4
"#,
        dir = dir.display(),
        copy = copy.display()
    );
    Scenario::parse(&dir.join("hostile.toml"), &text).map_err(|e| format!("{e:?}"))
}

pub async fn a_hostile_pipeline_cannot_reach_the_harness_files(cluster: &Cluster) -> Result<(), String> {
    let root = std::env::temp_dir().join(format!("ldfi-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let script_dir = root.join("script");
    std::fs::create_dir_all(&script_dir).map_err(|e| e.to_string())?;
    let canary = root.join("canary");
    let kept = "the host's own file\n";
    std::fs::write(&canary, kept).map_err(|e| e.to_string())?;
    let script = SCRIPT.replace("CANARY", &canary.display().to_string()).replace("HARNESS_PID", &std::process::id().to_string());
    std::fs::write(script_dir.join("attack.sh"), script).map_err(|e| e.to_string())?;
    let binaries = binaries();
    let copy = binaries.pipelines.join("ldfi-copy");
    let scenario = scenario(&script_dir, &copy)?;

    let traces = root.join("traces");
    let outcome = run::execute(cluster, &binaries, &scenario, &FaultPlan::none(), &traces, "hostile", "r0")
        .await
        .map_err(|e| format!("the run did not finish: {e}"))?;

    if std::fs::read_to_string(&canary).map_err(|e| e.to_string())? != kept
        || !std::fs::symlink_metadata(&canary).map_err(|e| e.to_string())?.is_file()
    {
        return Err(format!("the host canary {} changed", canary.display()));
    }
    let dir = &outcome.dir;
    let log = std::fs::read_to_string(dir.join("pipeline-1.log")).map_err(|e| format!("pipeline-1.log: {e}"))?;
    if !log.contains("hostile files planted") {
        return Err(format!("the hostile script did not run:\n{log}"));
    }
    // Ten megabytes on one line, then the rest: only the log's end is kept.
    if log.len() > ldfi::engine::MAX_LOG_BYTES + 100 || !log.starts_with("[... earlier output cut") {
        return Err(format!("pipeline-1.log kept {} bytes of a 10 MiB line, not its last {}", log.len(), ldfi::engine::MAX_LOG_BYTES));
    }
    if !log.contains("CapEff:\t0000000000000000") || !log.contains("NoNewPrivs:\t1") || log.contains("mknod worked") {
        return Err(format!("the instance kept capabilities or could gain some:\n{log}"));
    }
    // Everything the harness wrote is a regular file of its own, outside
    // the instance's directory.
    for name in ["harness.jsonl", "plan.json", "verdict.json", "pipeline-1.log", "workload.log"] {
        let file = dir.join(name);
        if !std::fs::symlink_metadata(&file).map(|m| m.is_file()).unwrap_or(false) {
            return Err(format!("{} is not a regular file the harness wrote", file.display()));
        }
    }
    let planted = trace::node_dir(dir, "pipeline-1");
    if !std::fs::symlink_metadata(planted.join("verdict.json")).map(|m| m.file_type().is_symlink()).unwrap_or(false) {
        return Err(format!("the instance's links are not in {}: did it write elsewhere?", planted.display()));
    }

    // The verdict is the harness's: judged from the copy's real records,
    // none of the forged lines.
    let verdict = &outcome.verdict;
    let written: ldfi::checker::RunVerdict = serde_json::from_str(
        &trace::untrusted::read_text(&dir.join("verdict.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    if &written != verdict {
        return Err("verdict.json differs from the run's verdict".into());
    }
    if verdict.verdict != Verdict::Pass || verdict.acked == 0 || verdict.outputs == 0 {
        return Err(format!("expected a pass of the copy's real records: {verdict:?}"));
    }
    let lines = trace::read_dir(dir).map_err(|e| e.to_string())?;
    let forged = lines.iter().find(|l| {
        let text = serde_json::to_string(l).unwrap_or_default();
        text.contains("forged") || matches!(l.event, Event::Step { step_index } if step_index > scenario.budget.eot)
    });
    if let Some(line) = forged {
        return Err(format!("a forged line was read: {line:?}"));
    }
    if !lines.iter().any(|l| matches!(&l.event, Event::Note { message } if message.contains("of the pipeline's own"))) {
        return Err("the instance's own note was dropped with the forged lines".into());
    }
    println!(
        "    hostile pipeline: canary intact, {} acked, {} outputs, verdict {} in {:.1} s",
        verdict.acked,
        verdict.outputs,
        verdict.verdict,
        outcome.wall.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

/// The instance's script for the disk-filling test: the copy pipeline in
/// the background, and a megabyte into its trace directory every 100 ms.
const FILLER: &str = r#"#!/bin/sh
/usr/local/bin/ldfi-copy &
i=0
while true; do
  i=$((i + 1))
  dd if=/dev/zero of=/trace/fill-$i bs=1048576 count=1 2>/dev/null
  sleep 0.1
done
"#;

/// A pipeline that writes without end into its trace directory is stopped
/// once past the limit (lowered here to 8 MiB through the harness's test
/// variable), its directory is removed, the run ends without a verdict
/// and names why, and its container is gone.
pub async fn a_pipeline_that_fills_its_trace_directory_is_stopped_and_its_run_has_no_verdict(cluster: &Cluster) -> Result<(), String> {
    let root = std::env::temp_dir().join(format!("ldfi-filler-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let script_dir = root.join("script");
    std::fs::create_dir_all(&script_dir).map_err(|e| e.to_string())?;
    std::fs::write(script_dir.join("attack.sh"), FILLER).map_err(|e| e.to_string())?;
    let binaries = binaries();
    let scenario = scenario(&script_dir, &binaries.pipelines.join("ldfi-copy"))?;
    const LIMIT: u64 = 8 << 20;
    std::env::set_var(ldfi::run::quota::LIMIT_VAR, LIMIT.to_string());
    let outcome = run::execute(cluster, &binaries, &scenario, &FaultPlan::none(), &root.join("traces"), "filler", "r0").await;
    std::env::remove_var(ldfi::run::quota::LIMIT_VAR);
    let outcome = outcome.map_err(|e| format!("the run did not finish: {e}"))?;
    if outcome.verdict.verdict != Verdict::Unknown {
        return Err(format!("expected no verdict, got {:?}", outcome.verdict));
    }
    let lines = trace::read_dir(&outcome.dir).map_err(|e| e.to_string())?;
    let why = lines.iter().find_map(|l| match &l.event {
        Event::RunFinished { error: Some(e) } => Some(e.clone()),
        _ => None,
    });
    let why = why.ok_or("run_finished names no error")?;
    if !why.contains("pipeline-1 wrote") || !why.contains("over the limit of 8 MiB") {
        return Err(format!("the run's end does not say why: {why}"));
    }
    if trace::node_dir(&outcome.dir, "pipeline-1").exists() {
        return Err("the filler's directory was kept".into());
    }
    let container = cluster.spec().client_container("pipeline-1");
    let listed = std::process::Command::new("docker")
        .args(["ps", "-a", "-q", "--filter", &format!("name=^{container}$")])
        .output()
        .map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&listed.stdout).trim().is_empty() {
        return Err(format!("{container} is still there"));
    }
    println!("    filler stopped in {:.1} s: {why}", outcome.wall.as_secs_f64());
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}
