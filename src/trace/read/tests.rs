use super::*;
use crate::trace::TraceWriter;

fn scratch(name: &str) -> PathBuf {
    crate::scratch::dir("read", name)
}

fn line(time: u64, source: &str, rest: &str) -> String {
    format!(r#"{{"time_ms":{time},"source":"{source}",{rest}}}"#)
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

const STEP: &str = r#""step":1,"type":"step","step_index":1"#;
const PRODUCED: &str = r#""step":1,"type":"produced","id":"in-0","key":"k","value":"v","topic":"t","partition":0,"offset":0,"error":null"#;
const CONSUMED: &str = r#""type":"consumed","topic":"t","partition":0,"offset":0,"ids":["in-0"]"#;
const READ: &str = r#""type":"checker_read","topic":"o","partition":0,"offset":9,"key":"k","value":"v","ids":["in-9"]"#;

#[test]
fn an_old_run_directory_reads_and_a_bad_line_names_file_and_line() {
    let dir = scratch("old");
    let writer = TraceWriter::open(&dir.join("harness.jsonl"), "harness").unwrap();
    writer.write(Some(1), Event::Step { step_index: 1 }).unwrap();
    writer.write(None, Event::Note { message: "hello".into() }).unwrap();
    std::fs::write(dir.join("workload.jsonl"), line(u64::MAX, "workload", PRODUCED) + "\n").unwrap();
    let lines = read_dir(&dir).unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].event, Event::Step { step_index: 1 });
    assert_eq!(lines[0].step, Some(1));
    assert_eq!(lines[2].source, "workload");

    std::fs::write(dir.join("pipeline-1.jsonl"), "{\"time_ms\":1,\"source\":\"p\",\"type\":\"consumed\"}\n").unwrap();
    let error = read_dir(&dir).unwrap_err().to_string();
    assert!(error.contains("pipeline-1.jsonl:1:"), "{error}");
    assert!(error.contains("fix:"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pipeline_lines_parse_without_a_step() {
    let text = r#"{"time_ms":5,"source":"pipeline-2","type":"output","topic":"out","partition":0,"offset":3,"ids":["in-1","in-2"]}"#;
    let parsed: TraceLine = serde_json::from_str(text).unwrap();
    assert_eq!(parsed.step, None);
    assert!(matches!(parsed.event, Event::Output { offset: 3, ref ids, .. } if ids.len() == 2));
}

/// A node's directory holds only what that node could truthfully say: its
/// own client events. A forged harness step, a checker read, a line signed
/// as another node, and a harness.jsonl planted there are dropped; the
/// harness's own trace comes from the run directory alone.
#[test]
fn a_node_directory_gives_only_the_nodes_own_client_events() {
    let dir = scratch("nodes");
    std::fs::write(dir.join("harness.jsonl"), line(1, "harness", STEP) + "\n").unwrap();
    let pipeline = node_dir(&dir, "pipeline-1");
    let workload = node_dir(&dir, "workload");
    std::fs::create_dir_all(&pipeline).unwrap();
    std::fs::create_dir_all(&workload).unwrap();
    let forged = [
        line(2, "pipeline-1", CONSUMED),
        line(3, "harness", STEP),
        line(4, "pipeline-1", READ),
        line(5, "workload", PRODUCED),
        line(6, "pipeline-2", CONSUMED),
        line(7, "pipeline-1", PRODUCED),
        line(8, "pipeline-1", r#""type":"note","message":"mine""#),
        line(9, "pipeline-1", r#""type":"run_finished","error":"forged""#),
    ];
    std::fs::write(pipeline.join("pipeline-1.jsonl"), forged.join("\n") + "\n").unwrap();
    std::fs::write(pipeline.join("harness.jsonl"), line(10, "harness", READ) + "\n").unwrap();
    std::fs::write(workload.join("workload.jsonl"), [line(11, "workload", PRODUCED), line(12, "workload", CONSUMED)].join("\n") + "\n").unwrap();
    let lines = read_dir(&dir).unwrap();
    let seen: Vec<(u64, &str)> = lines.iter().map(|l| (l.time_ms, l.source.as_str())).collect();
    assert_eq!(seen, vec![(1, "harness"), (2, "pipeline-1"), (8, "pipeline-1"), (11, "workload")]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn links_fifos_and_strange_names_in_a_run_are_skipped_never_followed() {
    let dir = scratch("planted");
    let canary = dir.join("canary.txt");
    std::fs::write(&canary, line(1, "harness", READ) + "\n").unwrap();
    std::fs::write(dir.join("harness.jsonl"), line(1, "harness", STEP) + "\n").unwrap();
    std::os::unix::fs::symlink(&canary, dir.join("otlp.jsonl")).unwrap();
    let pipeline = node_dir(&dir, "pipeline-1");
    std::fs::create_dir_all(&pipeline).unwrap();
    std::os::unix::fs::symlink(&canary, pipeline.join("pipeline-1.jsonl")).unwrap();
    std::os::unix::fs::symlink("/", pipeline.join("root.jsonl")).unwrap();
    mkfifo(&pipeline.join("fifo.jsonl"));
    std::os::unix::fs::symlink(&dir, dir.join(NODES).join("pipeline-2")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", pipeline.join("zero.jsonl")).unwrap();
    let started = std::time::Instant::now();
    let lines = read_dir(&dir).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(matches!(read_file(&dir.join("otlp.jsonl")).unwrap_err(), TraceError::NotRegular { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_torn_last_line_is_skipped_and_a_bad_line_elsewhere_is_an_error() {
    let dir = scratch("torn");
    let file = dir.join("harness.jsonl");
    let whole = line(1, "harness", STEP);
    std::fs::write(&file, format!("{whole}\n{}", &whole[..20])).unwrap();
    assert_eq!(read_file(&file).unwrap().len(), 1);
    // A last line that is whole but lacks its newline is kept.
    std::fs::write(&file, format!("{whole}\n{whole}")).unwrap();
    assert_eq!(read_file(&file).unwrap().len(), 2);
    std::fs::write(&file, format!("{}\n{whole}\n", &whole[..20])).unwrap();
    let error = read_file(&file).unwrap_err().to_string();
    assert!(error.contains("harness.jsonl:1:"), "{error}");
    std::fs::write(&file, [whole.as_bytes(), b"\n\xff\xfe\n"].concat()).unwrap();
    let error = read_file(&file).unwrap_err().to_string();
    assert!(error.contains("harness.jsonl:2:"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The exploit: a pipeline line at step 4,000,000,000 made lineage,
/// solve, report and --resume allocate by that number and abort.
#[test]
fn a_step_beyond_the_bound_is_a_data_error_naming_file_and_line() {
    let dir = scratch("steps");
    let file = dir.join("pipeline-1.jsonl");
    let far = format!(r#""step":4000000000,{CONSUMED}"#);
    std::fs::write(&file, [line(1, "pipeline-1", CONSUMED), line(2, "pipeline-1", &far)].join("\n") + "\n").unwrap();
    let error = read_file(&file).unwrap_err();
    assert!(matches!(error, TraceError::StepOutOfRange { line: 2, step: 4_000_000_000, .. }), "{error}");
    assert!(error.to_string().contains("pipeline-1.jsonl:2:"), "{error}");
    let boundary = format!(r#""type":"step","step_index":{}"#, MAX_STEP + 1);
    std::fs::write(&file, line(1, "harness", &boundary) + "\n").unwrap();
    assert!(matches!(read_file(&file).unwrap_err(), TraceError::StepOutOfRange { line: 1, .. }));
    let last = format!(r#""step":{MAX_STEP},"type":"step","step_index":{MAX_STEP}"#);
    std::fs::write(&file, line(1, "harness", &last) + "\n").unwrap();
    assert_eq!(read_file(&file).unwrap().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_nodes_files_together_stay_under_the_limit() {
    let dir = scratch("budget");
    let text = line(1, "pipeline-1", CONSUMED) + "\n";
    std::fs::write(dir.join("a.jsonl"), &text).unwrap();
    std::fs::write(dir.join("b.jsonl"), &text).unwrap();
    let limit = text.len() as u64 * 2;
    assert_eq!(read_node(&dir, "pipeline-1", limit).unwrap().0.len(), 2);
    let error = read_node(&dir, "pipeline-1", limit - 1).unwrap_err();
    assert!(matches!(error, TraceError::TooLarge { ref file, .. } if file.ends_with("b.jsonl")), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_starts_once() {
    let dir = scratch("starts");
    let start = line(1, "harness", r#""type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":{},"input_topic":"i","output_topic":"o","group":"g","properties":[],"read_committed":false"#);
    std::fs::write(dir.join("harness.jsonl"), format!("{start}\n{}\n", line(2, "harness", STEP))).unwrap();
    assert_eq!(read_dir(&dir).unwrap().len(), 2);
    std::fs::write(dir.join("pipeline-1.jsonl"), format!("{start}\n")).unwrap();
    let error = read_dir(&dir).unwrap_err().to_string();
    assert!(error.contains("pipeline-1.jsonl:1:") && error.contains("harness.jsonl:1"), "{error}");
    std::fs::remove_file(dir.join("pipeline-1.jsonl")).unwrap();
    std::fs::write(dir.join("harness.jsonl"), format!("{start}\n{start}\n")).unwrap();
    assert!(read_file(&dir.join("harness.jsonl")).unwrap_err().to_string().contains("harness.jsonl:2:"));
    std::fs::remove_dir_all(&dir).unwrap();
}
