//! Reports from a recorded failing campaign (checked-in traces under
//! tests/fixtures, no cluster): report.md, summary.json and junit.xml pinned
//! by insta snapshots; report.html opened in headless Chromium to show that
//! it renders, that its SVGs are there and that record ids, keys and values
//! carrying markup stay text.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ldfi::report;

const CAMPAIGN: &str = "copy-commit-before-produce-ldfi-1795613541";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(CAMPAIGN)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ldfi-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load_fixture() -> (ldfi::campaign::CampaignSummary, report::Evidence) {
    let dir = fixture().join("reports").join(CAMPAIGN);
    let (summary, _) = report::load(&dir).expect("the fixture loads");
    let evidence = report::gather(&summary, report::root_of(&dir));
    (summary, evidence)
}

#[test]
fn report_md_of_a_recorded_failing_campaign() {
    let (summary, evidence) = load_fixture();
    assert!(evidence.notes.is_empty(), "{:?}", evidence.notes);
    let md = report::markdown::render(&summary, &evidence, &format!("reports/{CAMPAIGN}"));
    insta::assert_snapshot!("report_md", md);
}

#[test]
fn summary_json_of_a_recorded_failing_campaign() {
    let (summary, _) = load_fixture();
    insta::assert_snapshot!("summary_json", serde_json::to_string_pretty(&summary).unwrap());
}

#[test]
fn junit_has_one_case_per_property_and_fails_the_broken_one() {
    let (summary, evidence) = load_fixture();
    let xml = report::junit::render(&summary, &evidence, &format!("reports/{CAMPAIGN}")).unwrap();
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("a standard JUnit document");
    assert_eq!(parsed.test_suites.len(), 1);
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.name.as_str(), CAMPAIGN);
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["no-lost-acked", "per-key-order"]);
    assert_eq!(suite.failures, 1);
    insta::assert_snapshot!("junit_xml", xml);
}

#[test]
fn a_report_rebuilds_from_traces_alone() {
    let out = temp_dir("from-traces");
    let traces = fixture().join("traces").join(CAMPAIGN);
    let (summary, source) = report::load(&traces).unwrap();
    assert_eq!(source, report::load::Source::Traces);
    assert_eq!(summary.runs.len(), 3);
    assert_eq!(summary.counterexamples.len(), 1);
    assert_eq!(summary.counterexamples[0].run, "r2");
    assert_eq!(summary.scenario, "copy-commit-before-produce");
    report::write_all(&summary, &out).unwrap();
    for file in ["summary.json", "report.md", "report.html", "junit.xml"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("crash pipeline-1 at step 2"), "{md}");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn ldfi_report_on_bad_input_names_the_file_and_exits_2() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("summary.json"), "{\"schema_version\": 1").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(["report", dir.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("summary.json") && stderr.contains("fix:"), "{stderr}");
    let empty = temp_dir("empty");
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(["report", empty.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn a_summary_of_an_unknown_schema_is_refused_with_the_field_and_the_fix() {
    let work = temp_dir("schema-99");
    copy_edited(&fixture(), &work, &|text| text.replace("\"schema_version\": 1", "\"schema_version\": 99"));
    let dir = work.join("reports").join(CAMPAIGN);
    let e = report::load(&dir).unwrap_err().to_string();
    assert!(e.contains("summary.json") && e.contains("schema_version 99") && e.contains("fix:"), "{e}");
    let output = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(["report", dir.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("schema_version 99"), "{stderr}");
    std::fs::remove_dir_all(&work).unwrap();
}

#[test]
fn a_run_whose_traces_start_twice_is_refused() {
    let work = temp_dir("started-twice");
    let traces = work.join(CAMPAIGN);
    copy_edited(&fixture().join("traces").join(CAMPAIGN), &traces, &|text| text);
    let harness = traces.join("r1/harness.jsonl");
    let text = std::fs::read_to_string(&harness).unwrap();
    let started = text.lines().find(|l| l.contains("\"run_started\"")).unwrap().replace("\"run\":\"r1\"", "\"run\":\"r9\"");
    std::fs::write(&harness, format!("{text}{started}\n")).unwrap();
    let e = report::load(&traces).unwrap_err().to_string();
    assert!(e.contains("r1/harness.jsonl") && e.contains("run_started twice") && e.contains("fix:"), "{e}");
    let check = Command::new(env!("CARGO_BIN_EXE_ldfi")).args(["check", traces.join("r1").to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("run_started twice"), "{stderr}");
    std::fs::remove_dir_all(&work).unwrap();
}

/// Copies the fixture, rewriting every file with `edit`.
fn copy_edited(from: &Path, to: &Path, edit: &dyn Fn(String) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_edited(&path, &target, edit);
        } else {
            std::fs::write(&target, edit(std::fs::read_to_string(&path).unwrap())).unwrap();
        }
    }
}

/// A JSON string's inside (quotes escaped), for splicing into JSON text.
fn json_inside(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(path) = which(name) {
            return path;
        }
    }
    panic!("headless Chromium is needed for this test and was not found: run scripts/setup (Debian package chromium)");
}

fn which(name: &str) -> Result<PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()).ok_or(())
}

/// The DOM after loading `file` in headless Chromium (scripts allowed time
/// to run, had any been able to).
fn dump_dom(file: &Path) -> String {
    let profile = temp_dir("chromium-profile");
    // The DOM goes to a file: a pipe would fill up and stall Chromium.
    let dom_file = profile.with_extension("dom.html");
    let mut child = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", file.display()))
        .stdout(std::fs::File::create(&dom_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(status.success(), "chromium failed: {status:?}");
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    let _ = std::fs::remove_file(&dom_file);
    dom
}

#[test]
fn report_html_renders_in_chromium_and_injected_markup_stays_text() {
    assert!(
        which("dot").is_ok(),
        "Graphviz `dot` is needed to draw the lineage SVG and was not found: run scripts/setup (Debian package graphviz)"
    );
    let script = "<script>document.title='pwned'</script>";
    let img = "\"><img src=x id=pwned onerror=\"document.title='pwned'\">";
    let bad_id = format!("in-5{img}{script}");
    let work = temp_dir("html");
    copy_edited(&fixture(), &work, &|text| {
        text.replace("\"in-5\"", &format!("\"{}\"", json_inside(&bad_id)))
            .replace("\"key\":\"k0\"", &format!("\"key\":\"{}\"", json_inside(&format!("k0{img}"))))
            .replace("\"key\": \"k0\"", &format!("\"key\": \"{}\"", json_inside(&format!("k0{img}"))))
            .replace("\"value\":\"w9\"", &format!("\"value\":\"{}\"", json_inside(&format!("w9{script}"))))
    });
    let dir = work.join("reports").join(CAMPAIGN);
    let (summary, _) = report::load(&dir).unwrap();
    assert_eq!(summary.counterexamples[0].results[0].lost[0].id, bad_id, "the payload is in the evidence");
    report::write_all(&summary, &dir).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains(script) && !html.contains("<img"), "markup from traces reached the HTML source");

    let dom = dump_dom(&dir.join("report.html"));
    assert!(dom.contains("id=\"verdict\""), "no verdict in the DOM:\n{dom}");
    assert!(dom.contains("Violation: 34 of 400 acknowledged inputs never reached the output"), "{dom}");
    assert!(dom.contains("crash pipeline-1 at step 2"), "no fault set in words");
    assert!(dom.contains("<svg") && dom.contains("class=\"timeline\""), "no timeline SVG");
    assert!(dom.contains("class=\"lineage\"") && dom.matches("<svg").count() >= 2, "no lineage SVG:\n{dom}");
    assert!(dom.contains("<title>ldfi report: "), "the title changed");
    assert!(!dom.contains("pwned</title>"), "the injected script ran");
    assert!(!dom.contains("<img") && !dom.contains("id=\"pwned\""), "the injected element was created");
    assert!(!dom.to_lowercase().contains("<script"), "a script element is in the DOM");
    // The payload is shown, as text.
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "the payload is not shown as text");
    std::fs::remove_dir_all(&work).unwrap();
}

#[test]
fn without_graphviz_the_report_says_so_and_carries_the_dot_text() {
    let (summary, mut evidence) = load_fixture();
    let lineage = evidence.lineage.as_mut().expect("the fixture has a broken outcome with a lineage");
    assert_eq!(lineage.record, "in-5");
    assert_eq!(lineage.from_run, "r1", "the lineage comes from the last passing run");
    lineage.svg = Err("Graphviz `dot` could not be started: install the Debian package graphviz".into());
    let html = report::html::render(&summary, &evidence, "reports/x");
    assert!(html.contains("No drawing: Graphviz `dot` could not be started"), "no note");
    assert!(html.contains("digraph lineage {"), "no DOT text");
    assert!(html.contains("class=\"timeline\""), "the rest of the report is still there");
}

#[test]
fn a_certified_campaign_passes_every_junit_case_and_says_certified() {
    let (mut summary, _) = load_fixture();
    summary.runs.truncate(2);
    summary.counterexamples.clear();
    summary.outcome = ldfi::campaign::Outcome::Certified { statement: "no violation for any fault set of at most 1 crash".into() };
    let out = temp_dir("certified");
    report::write_all(&summary, &out).unwrap();
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(parsed.test_suites[0].failures, 0);
    assert_eq!(parsed.test_suites[0].test_cases.len(), 2);
    assert!(xml.contains("Certified: no violation for any fault set of at most 1 crash"), "{xml}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.starts_with(&format!("# ldfi campaign {CAMPAIGN}\n\n**Certified:")), "{md}");
    assert!(!md.contains("## Replay"), "nothing to replay");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("class=\"verdict certified\""));
    std::fs::remove_dir_all(&out).unwrap();
    // With its traces at hand, the report shows the last run that injected
    // faults, step by step and as a diagram: what the certificate stands on.
    let dir = fixture().join("reports").join(CAMPAIGN);
    let evidence = report::gather(&summary, report::root_of(&dir));
    assert!(evidence.notes.is_empty(), "{:?}", evidence.notes);
    let md = report::markdown::render(&summary, &evidence, &format!("reports/{CAMPAIGN}"));
    assert!(md.contains("## What happened in run r1, the last one that injected faults (it survived them), step by step"), "{md}");
    assert!(md.contains("| 0 | crash pipeline-1 (applied) |"), "{md}");
    let html = report::html::render(&summary, &evidence, &format!("reports/{CAMPAIGN}"));
    assert!(html.contains("<section id=\"timeline\"><h2>What happened in run r1, the last one") && html.contains("<svg"), "no diagram");
}

#[test]
fn an_interrupted_run_without_verdict_or_plan_is_judged_from_its_traces() {
    let work = temp_dir("interrupted");
    let traces = work.join(CAMPAIGN);
    copy_edited(&fixture().join("traces").join(CAMPAIGN), &traces, &|text| text);
    std::fs::remove_file(traces.join("r1/verdict.json")).unwrap();
    std::fs::remove_file(traces.join("r2/plan.json")).unwrap();
    let (summary, _) = report::load(&traces).unwrap();
    assert_eq!(summary.runs[1].verdict, ldfi::checker::Verdict::Pass);
    assert_eq!(summary.runs[2].plan.faults.len(), 1, "the plan comes from run_started");
    assert_eq!(summary.counterexamples[0].run, "r2");
    std::fs::remove_dir_all(&work).unwrap();
}

#[test]
fn a_minimized_counterexample_leads_with_its_minimal_plan() {
    let (mut summary, evidence) = load_fixture();
    summary.counterexamples[0].minimal = Some(
        serde_json::from_str(
            r#"{"plan":{"seed":3,"faults":[{"fault":{"kind":"crash","node":"pipeline-1"},"start":2,"end":3}]},"reproduced":2,"of":3,"attempts":[]}"#,
        )
        .unwrap(),
    );
    let md = report::markdown::render(&summary, &evidence, "reports/x");
    assert!(md.contains("minimized to: crash pipeline-1 at step 2 (pipeline-1 restarted at step 3); it broke a property in 2 of 3 runs"), "{md}");
    assert!(md.contains("Minimized from the plan that first broke it: crash pipeline-1 at step 2 (pipeline-1 restarted at step 4)"), "{md}");
    assert!(md.contains("Exact plan: `crash pipeline-1 over steps 2..3`"), "{md}");
    let xml = report::junit::render(&summary, &evidence, "reports/x").unwrap();
    assert!(xml.contains("minimal fault set: crash pipeline-1 at step 2 (pipeline-1 restarted at step 3)"), "{xml}");
}
