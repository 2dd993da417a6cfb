//! The `ldfi` binary on bad input: a clear error naming the file, the place
//! and the fix, and exit code 2. No Docker needed.

use std::process::Command;

fn ldfi(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(args).output().expect("ldfi runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).to_string())
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ldfi-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_shipped_scenario_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let (code, stderr) = ldfi(&["validate", path.to_str().unwrap()]);
            assert_eq!(code, 0, "{}: {stderr}", path.display());
            count += 1;
        }
    }
    assert!(count >= 7, "only {count} scenarios shipped");
}

#[test]
fn a_malformed_scenario_names_file_line_field_and_fix() {
    let dir = temp_dir("scenario");
    let file = dir.join("bad.toml");
    let good = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-at-least-once.toml")).unwrap();
    std::fs::write(&file, good.replace("replication_factor = 3", "replication_factor = 5")).unwrap();
    let (code, stderr) = ldfi(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bad.toml:") && stderr.contains("topics[0].replication_factor"), "{stderr}");
    assert!(stderr.contains("fix: use 1 to 3"), "{stderr}");

    std::fs::write(&file, good.replace("kind = \"copy\"", "kind = \"copy\"\nkinds = 3")).unwrap();
    let (code, stderr) = ldfi(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown field `kinds`"), "{stderr}");
}

#[test]
fn a_malformed_trace_line_names_file_and_line() {
    let dir = temp_dir("trace");
    std::fs::write(dir.join("harness.jsonl"), "{\"time_ms\":1,\"source\":\"harness\",\"type\":\"step\",\"step_index\":0}\nnot json\n").unwrap();
    let (code, stderr) = ldfi(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("harness.jsonl:2:"), "{stderr}");
}

/// A run directory a hostile pipeline shaped: a step of 4,000,000,000
/// (which made lineage, solve and report allocate by it and abort), a FIFO
/// and a link to a host file named like traces. Every command that reads
/// it answers at once: exit 2 naming file and line, nothing followed.
#[test]
fn hostile_traces_are_refused_at_once_naming_file_and_line() {
    let root = temp_dir("hostile");
    let dir = root.join("c").join("r0");
    let node = dir.join("nodes").join("pipeline-1");
    std::fs::create_dir_all(&node).unwrap();
    let started = r#"{"time_ms":1,"source":"harness","step":0,"type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":{"seed":1,"faults":[]},"input_topic":"in","output_topic":"out","group":"g","properties":["no-lost-acked"],"read_committed":false}"#;
    std::fs::write(dir.join("harness.jsonl"), format!("{started}\n")).unwrap();
    let far = r#"{"time_ms":5,"source":"pipeline-1","step":4000000000,"type":"output","topic":"out","partition":0,"offset":0,"ids":["in-0"],"key":"w"}"#;
    std::fs::write(node.join("pipeline-1.jsonl"), format!("{far}\n")).unwrap();
    let fifo = std::ffi::CString::new(node.join("workload.jsonl").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    std::os::unix::fs::symlink("/etc/passwd", dir.join("otlp.jsonl")).unwrap();
    let run = dir.to_str().unwrap();
    let campaign = root.join("c");
    for args in [vec!["check", run], vec!["lineage", run], vec!["report", campaign.to_str().unwrap(), "--out", root.join("out").to_str().unwrap()]] {
        let started = std::time::Instant::now();
        let (code, stderr) = ldfi(&args);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{args:?}");
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("pipeline-1.jsonl:1:") && stderr.contains("4000000000"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_scenario_and_a_bad_argument_exit_2() {
    let (code, stderr) = ldfi(&["validate", "/nonexistent.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent.toml"), "{stderr}");
    let (code, _) = ldfi(&["cluster", "up", "--brokers", "many"]);
    assert_eq!(code, 2);
}

#[test]
fn version_is_printed() {
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).arg("--version").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("ldfi "));
}

/// A journal of a campaign that ended in a violation, with one run.
fn ended_journal(dir: &std::path::Path, outcome: &str, counterexamples: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
    std::fs::write(
        dir.join("summary.json"),
        format!(
            r#"{{"schema_version":2,"campaign":"c1","scenario":"copy-commit-before-produce","scenario_path":"{scenario}","seed":1,
               "strategy":"ldfi","outcome":{outcome},"runs":[],"counterexamples":{counterexamples},"hypotheses_tried":0,"wall_ms":5}}"#
        ),
    )
    .unwrap();
}

#[test]
fn replay_with_bad_arguments_exits_2_with_a_clear_message() {
    let dir = temp_dir("replay");
    let (code, stderr) = ldfi(&["replay", dir.join("missing").to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no campaign journal here") && stderr.contains("fix:"), "{stderr}");

    std::fs::create_dir_all(dir.join("garbage")).unwrap();
    std::fs::write(dir.join("garbage").join("summary.json"), "{not json").unwrap();
    let (code, stderr) = ldfi(&["replay", dir.join("garbage").to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a campaign summary"), "{stderr}");

    let none = dir.join("none");
    ended_journal(&none, r#"{"kind":"certified","statement":"x"}"#, "[]");
    let (code, stderr) = ldfi(&["replay", none.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("found no counterexample: nothing to replay"), "{stderr}");

    let one = dir.join("one");
    let plan = r#"{"seed":0,"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":2,"end":4}]}"#;
    ended_journal(&one, r#"{"kind":"violation"}"#, &format!(r#"[{{"run":"r1","plan":{plan},"results":[],"traces":"/nonexistent/c1/r1"}}]"#));
    let (code, stderr) = ldfi(&["replay", one.to_str().unwrap(), "--counterexample", "r7"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no counterexample \"r7\" (it has: r1)"), "{stderr}");
    let (code, stderr) = ldfi(&["replay", one.to_str().unwrap(), "--minimal"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("was not minimized"), "{stderr}");
    let (code, stderr) = ldfi(&["replay", one.to_str().unwrap(), "--times", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--times"), "{stderr}");
    let (code, stderr) = ldfi(&["replay", one.to_str().unwrap(), "--scenario", "/nonexistent.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent.toml"), "{stderr}");
}

#[test]
fn resume_with_bad_arguments_exits_2_and_an_ended_campaign_says_so() {
    let dir = temp_dir("resume");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
    let (code, stderr) = ldfi(&["campaign", scenario, "--resume", dir.join("missing").to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no campaign journal here"), "{stderr}");

    // The journal of another scenario.
    let other = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-at-least-once.toml");
    let ended = dir.join("c1");
    let plan = r#"{"seed":0,"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":2,"end":4}]}"#;
    let lost = r#"{"property":"no-lost-acked","verdict":"fail","summary":"3 acknowledged inputs lost","vacuous":false,"lost":[],"duplicated":[],"reordered":[],"counts":[]}"#;
    ended_journal(&ended, r#"{"kind":"violation"}"#, &format!(r#"[{{"run":"r1","plan":{plan},"results":[{lost}],"traces":"/t/c1/r1"}}]"#));
    let (code, stderr) = ldfi(&["campaign", other, "--resume", ended.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the journal is of scenario \"copy-commit-before-produce\""), "{stderr}");

    // A campaign that already ended: said plainly, with its exit code, by
    // directory or by name under --reports. No cluster is touched.
    let junit = dir.join("junit.xml");
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["campaign", scenario, "--resume", "c1", "--reports", dir.to_str().unwrap(), "--junit", junit.to_str().unwrap()])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("campaign c1 already ended"), "{stderr}");
    assert!(stdout.starts_with("VIOLATION") && stdout.contains("crash pipeline-1 over steps 2..4"), "{stdout}");
    // JUnit: one test case per property of the scenario, the broken one failing with the plan.
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
    assert!(xml.contains("no-lost-acked: 3 acknowledged inputs lost when ldfi did this: crash pipeline-1 at step 2"), "{xml}");
    assert!(xml.contains("fault plan: crash pipeline-1 over steps 2..4") && xml.contains("run: r1"), "{xml}");
    ended_journal(&ended, r#"{"kind":"certified","statement":"no violation for any fault set"}"#, "[]");
    let (code, stderr) = ldfi(&["campaign", scenario, "--resume", ended.to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
}

/// Every path under `root` (directories marked): what a refused journal
/// must leave as it was.
fn tree_of(root: &std::path::Path) -> Vec<(std::path::PathBuf, bool)> {
    let mut all = Vec::new();
    let mut queue = vec![root.to_path_buf()];
    while let Some(dir) = queue.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap()) {
            let is_dir = entry.file_type().unwrap().is_dir();
            if is_dir {
                queue.push(entry.path());
            }
            all.push((entry.path(), is_dir));
        }
    }
    all.sort();
    all
}

/// A journal whose campaign was `""` once renamed every other campaign's
/// traces, and `"../victim"` a sibling's `.git`: names and paths from a
/// journal are checked before anything touches the file system.
#[test]
fn resume_refuses_a_hostile_journal_with_exit_2_and_renames_nothing() {
    let root = temp_dir("hostile-journal");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
    let traces = root.join("traces");
    for dir in ["traces/other-campaign/r0", "traces/other-campaign/r1", "traces/c1/r0", "victim/.git/objects", "victim/src"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("traces/c1/r0/verdict.json"), r#"{"verdict":"pass"}"#).unwrap();
    let journal = |campaign: &str, runs: &str, extra: &str| {
        let dir = root.join("reports").join("c1");
        std::fs::create_dir_all(&dir).unwrap();
        let text = format!(
            r#"{{"schema_version":2,"campaign":{campaign},"scenario":"copy-commit-before-produce","scenario_path":"{scenario}","seed":1,
               "strategy":"ldfi","outcome":{{"kind":"in_progress"}},"runs":{runs},"counterexamples":[],"hypotheses_tried":0,"wall_ms":5{extra}}}"#
        );
        std::fs::write(dir.join("summary.json"), text).unwrap();
        dir
    };
    let run = |dir: &str| format!(r#"[{{"run":"r0","plan":{{"seed":0,"faults":[]}},"verdict":"pass","wall_ms":1,"dir":{dir:?},"failed":[]}}]"#);
    let victim = root.join("victim").join("r0").display().to_string();
    let escaped = format!("{}/c1/../../victim", traces.display());
    let cases: [(&str, &str, String, &str); 11] = [
        ("campaign", r#""""#, "[]".into(), ""),
        ("campaign", r#""../victim""#, "[]".into(), ""),
        ("campaign", r#""/etc""#, "[]".into(), ""),
        ("campaign", r#""a/b""#, "[]".into(), ""),
        ("campaign", r#""c1\u0000""#, "[]".into(), ""),
        ("campaign", r#""c1\nc2""#, "[]".into(), ""),
        ("campaign", r#""other-campaign""#, "[]".into(), ""),
        ("runs[0].dir", r#""c1""#, run(&victim), ""),
        ("runs[0].dir", r#""c1""#, run("/etc"), ""),
        ("runs[0].dir", r#""c1""#, run(&escaped), ""),
        ("cluster.name", r#""c1""#, "[]".into(), r#","cluster":{"name":"../x","started":true}"#),
    ];
    journal(r#""c1""#, "[]", "");
    let before = tree_of(&root);
    for (field, campaign, runs, extra) in cases {
        let dir = journal(campaign, &runs, extra);
        let (code, stderr) = ldfi(&["campaign", scenario, "--resume", dir.to_str().unwrap(), "--traces", traces.to_str().unwrap()]);
        assert_eq!(code, 2, "{field}: {stderr}");
        assert!(stderr.contains(&format!("summary.json: {field}: ")) && stderr.contains("fix:"), "{field}: {stderr}");
        // summary.json itself is rewritten by each case; nothing else moves.
        assert_eq!(tree_of(&root), before, "{field}: {stderr}");
    }
    // The fix for run dirs elsewhere names where they are.
    let moved = journal(r#""c1""#, &run(&root.join("old").join("c1").join("r0").display().to_string()), "");
    let (code, stderr) = ldfi(&["campaign", scenario, "--resume", moved.to_str().unwrap(), "--traces", traces.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("fix: resume with the --traces the campaign ran with") && stderr.contains(&root.join("old").display().to_string()), "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}

/// A campaign still running (its journal names a live process: here, this
/// test) is not resumed a second time: nothing of it is moved aside.
#[test]
fn resume_refuses_a_campaign_whose_process_still_runs() {
    let root = temp_dir("still-running");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
    let traces = root.join("traces");
    std::fs::create_dir_all(traces.join("c1").join("r0")).unwrap();
    let report = root.join("reports").join("c1");
    std::fs::create_dir_all(&report).unwrap();
    let owner = serde_json::to_string(ldfi::engine::Owner::current().expect("Linux has /proc")).unwrap();
    std::fs::write(
        report.join("summary.json"),
        format!(
            r#"{{"schema_version":2,"campaign":"c1","scenario":"copy-commit-before-produce","scenario_path":"{scenario}","seed":1,
               "strategy":"ldfi","outcome":{{"kind":"in_progress"}},"runs":[],"counterexamples":[],"hypotheses_tried":0,"wall_ms":5,
               "cluster":{{"name":"campaign-1","started":true,"owner":{owner}}}}}"#
        ),
    )
    .unwrap();
    let (code, stderr) = ldfi(&["campaign", scenario, "--resume", report.to_str().unwrap(), "--traces", traces.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("campaign c1 is still running: its journal names pid") && stderr.contains("fix:"), "{stderr}");
    assert!(traces.join("c1").join("r0").is_dir(), "the running campaign's run was moved aside");
    let _ = std::fs::remove_dir_all(&root);
}

/// A replay writes its runs beside the campaign's: names and the
/// counterexample's traces from the journal are checked first.
#[test]
fn replay_refuses_a_hostile_journal_with_exit_2() {
    let dir = temp_dir("hostile-replay");
    let plan = r#"{"seed":0,"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":2,"end":4}]}"#;
    let cases = [
        ("campaign", "../victim", "r1", "/t/c1/r1"),
        ("counterexamples[0].run", "c1", "../r1", "/t/c1/r1"),
        ("counterexamples[0].traces", "c1", "r1", "/t/c1/../../etc/r1"),
        ("counterexamples[0].traces", "c1", "r1", "/etc/passwd"),
    ];
    for (field, campaign, run, traces) in cases {
        let report = dir.join("c1");
        std::fs::create_dir_all(&report).unwrap();
        let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-commit-before-produce.toml");
        std::fs::write(
            report.join("summary.json"),
            format!(
                r#"{{"schema_version":2,"campaign":{campaign:?},"scenario":"copy-commit-before-produce","scenario_path":"{scenario}","seed":1,
                   "strategy":"ldfi","outcome":{{"kind":"violation"}},"runs":[],"hypotheses_tried":0,"wall_ms":5,
                   "counterexamples":[{{"run":{run:?},"plan":{plan},"results":[],"traces":{traces:?}}}]}}"#
            ),
        )
        .unwrap();
        let (code, stderr) = ldfi(&["replay", report.to_str().unwrap()]);
        assert_eq!(code, 2, "{field}: {stderr}");
        assert!(stderr.contains(&format!("summary.json: {field}: ")) && stderr.contains("fix:"), "{field}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn offline_output_into_a_closed_pipe_does_not_panic() {
    use std::process::Stdio;
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-at-least-once.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["validate", scenario])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A Kafka Streams word count writes its counts with `Serdes.Long()`: 8
/// big-endian bytes. Checked as text, `ldfi check` says it cannot read
/// them and which `value_format` would.
#[test]
fn check_names_the_unreadable_count_and_the_value_format_that_reads_it() {
    let dir = temp_dir("long-counts");
    let started = |format: &str| {
        format!(
            "{{\"time_ms\":1,\"source\":\"harness\",\"step\":0,\"type\":\"run_started\",\"scenario\":\"streams\",\"campaign\":\"c\",\
             \"run\":\"r0\",\"seed\":0,\"plan\":{{\"seed\":0,\"faults\":[]}},\"input_topic\":\"words\",\"output_topic\":\"counts\",\
             \"group\":\"wordcount\",\"properties\":[\"word-counts\"],\"read_committed\":false{format}}}\n"
        )
    };
    let rest = "{\"time_ms\":2,\"source\":\"workload\",\"step\":0,\"type\":\"produced\",\"id\":\"in-0\",\"key\":\"k\",\"value\":\"cat\",\"topic\":\"words\",\"partition\":0,\"offset\":0,\"error\":null}\n\
        {\"time_ms\":3,\"source\":\"harness\",\"step\":1,\"type\":\"drained\",\"caught_up\":true,\"waited_ms\":1,\"detail\":\"\"}\n\
        {\"time_ms\":4,\"source\":\"harness\",\"step\":1,\"type\":\"checker_read\",\"topic\":\"counts\",\"partition\":0,\"offset\":7,\"key\":\"cat\",\"value\":null,\"ids\":[],\"value_hex\":\"00000000000000c8\"}\n\
        {\"time_ms\":5,\"source\":\"harness\",\"type\":\"run_finished\",\"error\":null}\n";
    std::fs::write(dir.join("harness.jsonl"), started("") + rest).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(["check", dir.to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("word-counts    unknown"), "{stdout}");
    assert!(
        stdout.contains("cannot read the count of output 0@7 (key \"cat\"): 8 bytes 00 00 00 00 00 00 00 c8 are not a count"),
        "{stdout}"
    );
    assert!(stdout.contains("set [pipeline] value_format = \"long\""), "{stdout}");

    // 0xc8 = 200 counts, one input: with the right format it is a count
    // (and a wrong one: the checker reads it).
    std::fs::write(dir.join("harness.jsonl"), started(",\"value_format\":\"long\"") + rest).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(["check", dir.to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("word \"cat\": expected 1 (+0 ambiguous), observed 200"), "{stdout}");
}

/// `ldfi solve --journal`: a campaign's runs taken in as the campaign took
/// them. The recorded campaign survived the crash of pipeline-1 at step 0
/// and broke under it at step 2: neither is left to try alone, nor is any
/// pair holding the broken one, while the same runs given as plain traces
/// (no journal, nothing injected) list both.
#[test]
fn solve_from_a_journal_leaves_out_what_the_campaign_injected() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/copy-commit-before-produce-ldfi-1795613541");
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/copy-commit-before-produce.toml");
    let solve = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_ldfi"))
            .current_dir(&fixture)
            .args(["solve", scenario.to_str().unwrap(), "--limit", "1000"])
            .args(args)
            .output()
            .expect("ldfi runs");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let alone = |out: &str, step: u32| out.lines().filter(|l| l.ends_with(&format!(". pipeline-1 down during step {step}"))).count();
    let crashes = |out: &str, step: u32| out.lines().filter(|l| l.contains(&format!("pipeline-1 down during step {step}"))).count();
    let runs: Vec<String> = ["r0", "r1", "r2"].iter().map(|r| format!("traces/copy-commit-before-produce-ldfi-1795613541/{r}")).collect();
    let plain = solve(&runs.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(alone(&plain, 2) > 0 && crashes(&plain, 0) > 0, "{plain}");
    let left = solve(&["--journal", "reports/copy-commit-before-produce-ldfi-1795613541"]);
    assert!(left.contains("3 runs taken in; 1 hypotheses injected without breaking anything (1 survived), 1 broke something"), "{left}");
    assert!(left.contains("hypotheses left"), "{left}");
    assert_eq!((alone(&left, 0), crashes(&left, 2)), (0, 0), "{left}");
}

/// A journal that is not there is refused with the path and exit 2.
#[test]
fn solve_from_a_missing_journal_is_refused() {
    let dir = temp_dir("solve-journal");
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/copy-commit-before-produce.toml");
    let (code, stderr) = ldfi(&["solve", scenario.to_str().unwrap(), "--journal", dir.join("nowhere").to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nowhere") && stderr.contains("no campaign journal"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `ldfi` copied somewhere without `ldfi-workload` beside it: refused
/// before anything starts, naming the missing file and the fix, and no
/// directory made in its place (Docker binds a missing file as one).
#[test]
fn ldfi_without_its_workload_agent_beside_it_is_refused_with_the_fix() {
    let dir = temp_dir("alone");
    let alone = dir.join("ldfi");
    std::fs::copy(env!("CARGO_BIN_EXE_ldfi"), &alone).unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/copy-at-least-once.toml");
    for command in ["run", "campaign", "bench"] {
        let output = Command::new(&alone).args([command, scenario]).output().expect("ldfi runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{command}: {stderr}");
        assert!(stderr.contains(&format!("{} is missing", dir.join("ldfi-workload").display())), "{command}: {stderr}");
        assert!(stderr.contains("copy both"), "{command}: {stderr}");
        assert!(!dir.join("ldfi-workload").exists(), "{command}");
    }
}
