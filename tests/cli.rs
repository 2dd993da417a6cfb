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
