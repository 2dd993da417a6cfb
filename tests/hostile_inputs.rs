//! The `ldfi` binary against hostile input: scenarios, journals, traces and
//! flags that are wrong in every way a user or a pipeline can make them.
//! Every refusal exits 2, names the field (or the file's problem) and a
//! fix, within a few seconds, without a panic. No Docker needed: every
//! case is refused, or answered, before a cluster would start.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a case may take: refusals are immediate.
const LIMIT: Duration = Duration::from_secs(5);

const BASE: &str = r#"name = "hostile"

[cluster]
brokers = 3

[[topics]]
name = "input"

[[topics]]
name = "output"

[pipeline]
kind = "copy"
input = "input"
output = "output"

[workload]
records_per_step = 5

[faults]
eot = 4
"#;

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs ldfi, killing it past [`LIMIT`] (a hang is a failure, not a stuck
/// suite).
fn ldfi(args: &[&str]) -> Ran {
    let started = Instant::now();
    let dir = temp_dir("out");
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("ldfi runs");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > LIMIT * 2 {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let ran = Ran {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
        took: started.elapsed(),
    };
    let _ = std::fs::remove_dir_all(dir);
    ran
}

fn temp_dir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ldfi-hostile-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The base scenario with `from` replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} is not in the base scenario");
    BASE.replacen(from, to, 1)
}

/// A scenario file that `validate` must refuse, naming `field`.
struct Refused {
    what: &'static str,
    text: String,
    field: &'static str,
}

fn refused(what: &'static str, text: String, field: &'static str) -> Refused {
    Refused { what, text, field }
}

fn assert_refused(ran: &Ran, what: &str, field: &str) {
    assert_eq!(ran.code, Some(2), "{what}: exit {:?}\n{}", ran.code, ran.stderr);
    assert!(ran.stderr.contains(field), "{what}: {field:?} not named in:\n{}", ran.stderr);
    assert!(ran.stderr.contains("fix:"), "{what}: no fix in:\n{}", ran.stderr);
    assert!(!ran.stderr.contains("panicked"), "{what}: {}", ran.stderr);
    assert!(ran.took < LIMIT, "{what}: took {:?}", ran.took);
}

#[test]
fn hostile_scenarios_are_refused_naming_the_field() {
    let long_name = "n".repeat(65);
    let cases = vec![
        refused("topic with a path", edited("name = \"output\"", "name = \"../etc/passwd\""), "topics[1].name"),
        refused("topic with a space", edited("name = \"output\"", "name = \"out put\""), "topics[1].name"),
        refused("topic of 300 characters", edited("name = \"output\"", &format!("name = \"{}\"", "o".repeat(300))), "topics[1].name"),
        refused("empty topic", edited("name = \"output\"", "name = \"\""), "topics[1].name"),
        refused("topic '..'", edited("name = \"output\"", "name = \"..\""), "topics[1].name"),
        refused("topic too long for the run suffix", edited("name = \"output\"", &format!("name = \"{}\"", "o".repeat(200))), "run suffix"),
        refused("env key with '='", edited("output = \"output\"", "output = \"output\"\nenv = { \"A=B\" = \"1\" }"), "pipeline.env.\"A=B\""),
        refused("env key starting with a digit", edited("output = \"output\"", "output = \"output\"\nenv = { \"1X\" = \"1\" }"), "pipeline.env.1X"),
        refused("env value with NUL", edited("output = \"output\"", "output = \"output\"\nenv = { X = \"a\\u0000b\" }"), "pipeline.env.X"),
        refused(
            "broker config value with a newline",
            edited("brokers = 3", "brokers = 3\nbroker_configs = { \"log.retention.ms\" = \"1\\nprocess.roles=broker\" }"),
            "cluster.broker_configs.\"log.retention.ms\"",
        ),
        refused("broker config ldfi sets", edited("brokers = 3", "brokers = 3\nbroker_configs = { \"node.id\" = 9 }"), "cluster.broker_configs.\"node.id\""),
        refused("broker config name with '='", edited("brokers = 3", "brokers = 3\nbroker_configs = { \"a=b\" = 1 }"), "cluster.broker_configs.\"a=b\""),
        refused("broker config value a table", edited("brokers = 3", "brokers = 3\nbroker_configs = { x = { y = 1 } }"), "cluster.broker_configs.x"),
        refused(
            "topic config with a control character",
            edited("name = \"input\"", "name = \"input\"\nconfigs = { \"cleanup.policy\" = \"compact\\u001b[2J\" }"),
            "topics[0].configs.\"cleanup.policy\"",
        ),
        refused("broker image with upper case", edited("brokers = 3", "brokers = 3\nimage = \"Apache/Kafka:4\""), "cluster.image"),
        refused("broker image with a space", edited("brokers = 3", "brokers = 3\nimage = \"kafka 4\""), "cluster.image"),
        refused("pipeline image with an empty tag", edited("kind = \"copy\"", "command = [\"app\"]\nimage = \"app:\""), "pipeline.image"),
        refused("unknown placeholder in command", edited("kind = \"copy\"", "command = [\"app\", \"{inptu}\"]"), "pipeline.command[1]"),
        refused("unknown placeholder in env", edited("output = \"output\"", "output = \"output\"\nenv = { X = \"{bootstap}\" }"), "pipeline.env.X"),
        refused("table given twice", edited("[pipeline]", "[cluster]\nbrokers = 1\n\n[pipeline]"), "cluster: given twice"),
        refused("key given twice", edited("records_per_step = 5", "records_per_step = 5\nrecords_per_step = 6"), "workload.records_per_step: given twice"),
        refused("brokers as a string", edited("brokers = 3", "brokers = \"three\""), "cluster.brokers"),
        refused("eot negative", edited("eot = 4", "eot = -1"), "faults.eot"),
        refused("eot past u32", edited("eot = 4", "eot = 99999999999"), "faults.eot"),
        refused("eot past the documented range", edited("eot = 4", "eot = 4000000000"), "faults.eot"),
        refused("max_crashes negative", edited("eot = 4", "eot = 4\nmax_crashes = -1"), "faults.max_crashes"),
        refused("unknown field in an array of tables", edited("name = \"input\"", "name = \"input\"\nsize = 3"), "topics[0].size"),
        refused("unclosed table header", edited("[workload]", "[workload"), "workload"),
        refused("missing eot", edited("eot = 4", "eff = 2"), "faults.eot"),
        refused("scenario name too long", edited("name = \"hostile\"", &format!("name = \"{long_name}\"")), "name"),
        refused("group with a space", edited("output = \"output\"", "output = \"output\"\ngroup = \"my group\""), "pipeline.group"),
        refused("step_millis of centuries", edited("records_per_step = 5", "records_per_step = 5\nstep_millis = 18446744073709551615"), "workload.step_millis"),
        refused("value_bytes of 4 GiB", edited("records_per_step = 5", "records_per_step = 5\nvalue_bytes = 4294967295"), "workload.value_bytes"),
        refused("records_per_step of 4 billion", edited("records_per_step = 5", "records_per_step = 4000000000"), "workload.records_per_step"),
        refused("a word with a comma", edited("records_per_step = 5", "records_per_step = 5\nwords = [\"a,b\"]"), "workload.words[0]"),
        refused("busy step past eot", edited("records_per_step = 5", "records_per_step = 5\nbusy_steps = [4294967295]"), "workload.busy_steps"),
        refused("empty file", String::new(), "name"),
        refused("NUL in the file", "\u{0}".to_string(), "invalid unquoted key"),
    ];
    let dir = temp_dir("scenarios");
    for (i, case) in cases.iter().enumerate() {
        let file = dir.join(format!("case-{i}.toml"));
        std::fs::write(&file, &case.text).unwrap();
        let ran = ldfi(&["validate", file.to_str().unwrap()]);
        assert_refused(&ran, case.what, case.field);
        assert!(ran.stderr.contains(&format!("case-{i}.toml")), "{}: the file is not named:\n{}", case.what, ran.stderr);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn scenario_paths_that_are_not_small_text_files_are_refused_at_once() {
    let dir = temp_dir("files");
    let fifo = dir.join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let big = dir.join("big.toml");
    std::fs::write(&big, format!("{BASE}# {}\n", "x".repeat(2 << 20))).unwrap();
    let binary = dir.join("binary.toml");
    std::fs::write(&binary, b"name = \"\xff\xfe\"\n").unwrap();
    let cases: [(&str, &Path, &str); 5] = [
        ("a FIFO", &fifo, "FIFO"),
        ("a directory", &dir, "a directory"),
        ("a device", Path::new("/dev/zero"), "a character device"),
        ("over 1 MiB", &big, "larger than 1 MiB"),
        ("not UTF-8", &binary, "not UTF-8"),
    ];
    for (what, path, says) in cases {
        for command in ["validate", "campaign", "run", "solve"] {
            let mut args = vec![command, path.to_str().unwrap()];
            if command == "solve" {
                args.push("nowhere");
            }
            let ran = ldfi(&args);
            assert_refused(&ran, &format!("{command} {what}"), says);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn budgets_the_docs_allow_are_counted_at_once() {
    let dir = temp_dir("budgets");
    for (faults, says) in [
        ("eot = 100\nmax_crashes = 3", "4109024238 fault plans"),
        ("eot = 100\nmax_crashes = 4294967295\nmax_partitions = 4294967295", "more than 10^18 fault plans"),
    ] {
        let file = dir.join("budget.toml");
        std::fs::write(&file, edited("eot = 4", faults)).unwrap();
        let ran = ldfi(&["validate", file.to_str().unwrap()]);
        assert_eq!(ran.code, Some(0), "{faults}: {}", ran.stderr);
        assert!(ran.stdout.contains(says), "{faults}: {}", ran.stdout);
        assert!(ran.took < LIMIT, "{faults}: took {:?}", ran.took);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn hostile_flags_are_refused_naming_the_flag() {
    let dir = temp_dir("flags");
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, BASE).unwrap();
    let s = scenario.to_str().unwrap();
    for (args, flag) in [
        (vec!["campaign", s, "--max-wall-time", "18446744073709551616"], "--max-wall-time"),
        (vec!["campaign", s, "--max-wall-time", "-1"], "'-1'"),
        (vec!["campaign", s, "--tries", "0"], "--tries"),
        (vec!["campaign", s, "--max-runs", "4294967296"], "--max-runs"),
        (vec!["campaign", s, "--minimize-runs", "100000"], "--minimize-runs"),
        (vec!["solve", s, "r0", "--limit", "99999999999999999999999"], "--limit"),
    ] {
        let ran = ldfi(&args);
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(flag) && !ran.stderr.contains("panicked"), "{args:?}: {}", ran.stderr);
        assert!(ran.took < LIMIT, "{args:?}: took {:?}", ran.took);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A journal as a campaign writes it, with `schema_version` as given.
fn journal(dir: &Path, scenario: &Path, schema_version: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("summary.json"),
        format!(
            r#"{{"schema_version":{schema_version},"campaign":"c1","scenario":"hostile","scenario_path":"{}","seed":1,
               "strategy":"ldfi","outcome":{{"kind":"in_progress"}},"runs":[],"counterexamples":[],"hypotheses_tried":0,"wall_ms":0}}"#,
            scenario.display()
        ),
    )
    .unwrap();
}

#[test]
fn hostile_journals_and_traces_are_refused_naming_what_is_wrong() {
    let dir = temp_dir("journals");
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, BASE).unwrap();
    let s = scenario.to_str().unwrap();
    let future = dir.join("future");
    journal(&future, &scenario, "99");
    let huge = dir.join("huge");
    journal(&huge, &scenario, "1e30");
    let torn = dir.join("torn");
    std::fs::create_dir_all(&torn).unwrap();
    std::fs::write(torn.join("summary.json"), "{\"schema_version\": 2, \"campaign\": ").unwrap();
    let run = dir.join("r0");
    std::fs::create_dir_all(&run).unwrap();
    let started = |run: &str, time: u64| {
        format!(
            "{{\"time_ms\":{time},\"source\":\"harness\",\"step\":0,\"type\":\"run_started\",\"scenario\":\"hostile\",\"campaign\":\"c\",\
             \"run\":\"{run}\",\"seed\":0,\"plan\":{{\"seed\":0,\"faults\":[]}},\"input_topic\":\"input.c-{run}\",\"output_topic\":\"output.c-{run}\",\
             \"group\":\"g.c-{run}\",\"properties\":[\"no-lost-acked\"],\"read_committed\":false}}\n"
        )
    };
    std::fs::write(run.join("harness.jsonl"), started("r0", 1) + &started("r5", 2)).unwrap();
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("report of a future schema", vec!["report", future.to_str().unwrap()], "schema_version 99"),
        ("resume of a future schema", vec!["campaign", s, "--resume", future.to_str().unwrap()], "schema_version 99"),
        ("replay of a future schema", vec!["replay", future.to_str().unwrap()], "schema_version 99"),
        ("report of a schema past u32", vec!["report", huge.to_str().unwrap()], "summary.json"),
        ("report of a torn summary", vec!["report", torn.to_str().unwrap()], "summary.json"),
        ("resume of a torn summary", vec!["campaign", s, "--resume", torn.to_str().unwrap()], "summary.json"),
        ("check of a run started twice", vec!["check", run.to_str().unwrap()], "run_started twice"),
        ("lineage of a run started twice", vec!["lineage", run.to_str().unwrap()], "run_started twice"),
        ("solve over a run started twice", vec!["solve", s, run.to_str().unwrap()], "run_started twice"),
    ];
    for (what, args, says) in cases {
        let ran = ldfi(&args);
        assert_eq!(ran.code, Some(2), "{what}: exit {:?}\n{}", ran.code, ran.stderr);
        assert!(ran.stderr.contains(says), "{what}: {says:?} not in:\n{}", ran.stderr);
        assert!(!ran.stderr.contains("panicked"), "{what}: {}", ran.stderr);
        assert!(ran.took < LIMIT, "{what}: took {:?}", ran.took);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn control_characters_from_traces_never_reach_the_terminal() {
    let dir = temp_dir("escape");
    let produced = "{\"time_ms\":2,\"source\":\"workload\",\"step\":0,\"type\":\"produced\",\"id\":\"in-0\\u001b]0;owned\\u0007\\u001b[2J\",\
                    \"key\":\"k\",\"value\":\"v\",\"topic\":\"input.c-r0\",\"partition\":0,\"offset\":0,\"error\":null}\n";
    let started = "{\"time_ms\":1,\"source\":\"harness\",\"step\":0,\"type\":\"run_started\",\"scenario\":\"hostile\",\"campaign\":\"c\",\
                   \"run\":\"r0\",\"seed\":0,\"plan\":{\"seed\":0,\"faults\":[]},\"input_topic\":\"input.c-r0\",\"output_topic\":\"output.c-r0\",\
                   \"group\":\"g.c-r0\",\"properties\":[\"no-lost-acked\"],\"read_committed\":false}\n";
    let kept = produced.replace("in-0\\u001b]0;owned\\u0007\\u001b[2J", "in-1").replace("\"offset\":0", "\"offset\":1");
    let drained = "{\"time_ms\":3,\"source\":\"harness\",\"step\":1,\"type\":\"drained\",\"caught_up\":true,\"waited_ms\":1,\"detail\":\"\"}\n";
    let read = "{\"time_ms\":4,\"source\":\"harness\",\"step\":1,\"type\":\"checker_read\",\"topic\":\"output.c-r0\",\"partition\":0,\
                \"offset\":0,\"key\":\"k\",\"value\":\"v\",\"ids\":[\"in-1\"]}\n";
    std::fs::write(dir.join("harness.jsonl"), format!("{started}{drained}{read}")).unwrap();
    std::fs::write(dir.join("workload.jsonl"), format!("{produced}{kept}")).unwrap();
    let ran = ldfi(&["check", dir.to_str().unwrap()]);
    assert_eq!(ran.code, Some(1), "the acked input is lost: {}", ran.stderr);
    assert!(!ran.stdout.contains('\u{1b}') && !ran.stdout.contains('\u{7}'), "{:?}", ran.stdout);
    assert!(ran.stdout.contains("in-0\\u{1b}]0;owned\\u{7}\\u{1b}[2J"), "{}", ran.stdout);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Runs ldfi with stdout (and, with `both`, stderr) a pipe closed at once.
fn into_closed_pipe(args: &[&str], both: bool) -> (Option<i32>, Option<i32>) {
    use std::os::unix::process::ExitStatusExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(if both { Stdio::piped() } else { Stdio::null() })
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    (status.code(), status.signal())
}

#[test]
fn a_closed_pipe_ends_a_command_quietly_or_not_at_all() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/copy-commit-before-produce-ldfi-1795613541");
    let campaign = "copy-commit-before-produce-ldfi-1795613541";
    let out = temp_dir("pipe");
    let traces = fixture.join("traces").join(campaign);
    let out_arg = out.join("report");
    // A command that only reads and writes files dies of SIGPIPE, as `head`
    // expects, or ends normally: never a panic (exit 101).
    let (code, signal) = into_closed_pipe(&["report", traces.to_str().unwrap(), "--out", out_arg.to_str().unwrap()], false);
    assert!(code == Some(0) || signal == Some(libc::SIGPIPE), "report: exit {code:?}, signal {signal:?}");
    assert!(out_arg.join("report.md").is_file(), "the report was written before anything was printed");
    // A command that talks to Docker keeps SIGPIPE ignored and drops what it
    // cannot print: a refusal still exits 2, with both pipes closed.
    let bad = out.join("bad.toml");
    std::fs::write(&bad, edited("eot = 4", "eot = 0")).unwrap();
    for command in ["campaign", "run"] {
        let (code, signal) = into_closed_pipe(&[command, bad.to_str().unwrap()], true);
        assert_eq!((code, signal), (Some(2), None), "{command}");
    }
    std::fs::remove_dir_all(out).unwrap();
}

const FIXTURE: &str = "copy-commit-before-produce-ldfi-1795613541";

/// Copies a directory tree (no links in it).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().map(|e| e.unwrap()) {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The recorded failing campaign under `root` (reports/ and traces/), with
/// its summary.json changed by `edit`; returns the report directory.
fn campaign_copy(root: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let _ = std::fs::remove_dir_all(root);
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(FIXTURE), root);
    let report = root.join("reports").join(FIXTURE);
    let file = report.join("summary.json");
    let mut summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    edit(&mut summary);
    std::fs::write(&file, serde_json::to_string_pretty(&summary).unwrap()).unwrap();
    report
}

#[test]
fn a_report_reads_no_directory_summary_json_points_elsewhere() {
    let dir = temp_dir("report-dirs");
    // Another campaign's traces, with the same names, outside the report's
    // traces root: what a hostile summary would have the report read.
    let victim = dir.join("victim");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(FIXTURE).join("traces"), &victim);
    let victim_run = |run: &str| victim.join(FIXTURE).join(run).display().to_string();
    let own = |run: &str| format!("traces/{FIXTURE}/{run}");
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let set = |field: &'static str, index: usize, value: String| -> Edit {
        let list = if field == "dir" { "runs" } else { "counterexamples" };
        Box::new(move |s| s[list][index][field] = value.into())
    };
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        ("/etc", set("dir", 1, "/etc".into()), "runs[1].dir", "is not the run's directory"),
        ("climbing", set("dir", 0, format!("traces/{FIXTURE}/../../victim/{FIXTURE}/r0")), "runs[0].dir", "'..'"),
        ("another run's", set("dir", 0, own("r1")), "runs[0].dir", "is not the run's directory"),
        ("empty", set("dir", 2, String::new()), "runs[2].dir", "is not the run's directory"),
        ("another root", set("dir", 0, victim_run("r0")), "runs[0].dir", "--traces"),
        ("counterexample elsewhere", set("traces", 0, victim_run("r2")), "counterexamples[0].traces", "--traces"),
        ("counterexample at /", set("traces", 0, "/".into()), "counterexamples[0].traces", "is not the run's directory"),
        ("campaign a path", Box::new(|s| s["campaign"] = "../victim".into()), "campaign", "is not a campaign name"),
        ("run a path", Box::new(|s| s["runs"][0]["run"] = "../r0".into()), "runs[0].run", "is not a run name"),
    ];
    for (i, (what, edit, field, says)) in cases.into_iter().enumerate() {
        let report = campaign_copy(&dir.join(format!("case-{i}")), edit);
        let ran = ldfi(&["report", report.to_str().unwrap()]);
        assert_refused(&ran, what, &format!("summary.json: {field}: "));
        assert!(ran.stderr.contains(says), "{what}: {says:?} not in:\n{}", ran.stderr);
        assert!(!report.join("report.md").exists(), "{what}: a refused summary gives no report");
    }

    // A link at the run's own place is refused, whatever it points to.
    let report = campaign_copy(&dir.join("link"), |_| {});
    let r0 = dir.join("link/traces").join(FIXTURE).join("r0");
    std::fs::remove_dir_all(&r0).unwrap();
    std::os::unix::fs::symlink(victim.join(FIXTURE).join("r0"), &r0).unwrap();
    let ran = ldfi(&["report", report.to_str().unwrap()]);
    assert_refused(&ran, "a linked run directory", "summary.json: runs[0].dir: ");
    assert!(ran.stderr.contains("symbolic link"), "{}", ran.stderr);

    // The summary as the campaign wrote it reports; so does one whose runs
    // are under the --traces the campaign ran with, when it is given.
    let report = campaign_copy(&dir.join("good"), |_| {});
    let ran = ldfi(&["report", report.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(report.join("report.md").is_file());
    let report = campaign_copy(&dir.join("moved"), |s| {
        for run in s["runs"].as_array_mut().unwrap() {
            let name = run["run"].as_str().unwrap().to_string();
            run["dir"] = victim_run(&name).into();
        }
        s["counterexamples"][0]["traces"] = victim_run("r2").into();
    });
    let ran = ldfi(&["report", report.to_str().unwrap()]);
    assert_refused(&ran, "runs under another root", "summary.json: runs[0].dir: ");
    let ran = ldfi(&["report", report.to_str().unwrap(), "--traces", victim.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("crash pipeline-1 at step 2") && !md.contains("could not be read"), "{md}");
    std::fs::remove_dir_all(dir).unwrap();
}
