//! Hostile journals: every name and path a summary.json gives is refused
//! before it touches the file system, with a message naming summary.json,
//! the field and the fix; and moving aside what a killed run left renames
//! only the campaign's own run directories.

use std::path::{Path, PathBuf};

use super::*;

/// A change that makes a journal hostile.
type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

struct Tree {
    root: PathBuf,
    traces: PathBuf,
    journal_dir: PathBuf,
}

/// traces/c (the campaign's r0, finished), traces/other (another campaign),
/// victim/.git (a sibling project), reports/c (the journal's folder).
fn tree(name: &str) -> Tree {
    let root = std::env::temp_dir().join(format!("ldfi-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let traces = root.join("traces");
    for dir in ["traces/c/r0", "traces/other/r0", "traces/other/r1", "victim/.git", "reports/c"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("traces/c/r0/verdict.json"), r#"{"verdict":"pass"}"#).unwrap();
    let journal_dir = root.join("reports/c");
    Tree { root, traces, journal_dir }
}

/// Every path under `root`, with whether it is a directory: what must not
/// change.
fn listing(root: &Path) -> Vec<(PathBuf, bool)> {
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

/// A journal of campaign `c` with one run, as text; `edit` changes it.
fn journal(tree: &Tree, edit: impl FnOnce(&mut serde_json::Value)) -> CampaignSummary {
    let mut value = serde_json::json!({
        "schema_version": 2, "campaign": "c", "scenario": "s", "scenario_path": "s.toml", "seed": 1,
        "strategy": "ldfi", "outcome": {"kind": "in_progress"}, "hypotheses_tried": 0, "wall_ms": 1,
        "runs": [{"run": "r0", "plan": {"seed": 0, "faults": []}, "verdict": "pass", "wall_ms": 1,
                  "dir": tree.traces.join("c/r0"), "failed": []}],
        "counterexamples": [],
        "cluster": {"name": "campaign-1", "started": true}
    });
    edit(&mut value);
    serde_json::from_value(value).unwrap()
}

#[test]
fn a_well_formed_journal_passes() {
    let tree = tree("good");
    check_journal(&journal(&tree, |_| {}), &tree.journal_dir, &tree.traces).unwrap();
    // An older journal, without the cluster it ran on, too.
    check_journal(&journal(&tree, |j| drop(j.as_object_mut().unwrap().remove("cluster"))), &tree.journal_dir, &tree.traces).unwrap();
    std::fs::remove_dir_all(&tree.root).unwrap();
}

#[test]
fn hostile_names_and_paths_are_refused_naming_summary_json_the_field_and_the_fix() {
    let tree = tree("refused");
    let before = listing(&tree.root);
    let traces = tree.traces.clone();
    let victim_run = tree.root.join("victim/r0");
    let cases: Vec<(&str, Edit)> = vec![
        ("campaign", Box::new(|j| j["campaign"] = "".into())),
        ("campaign", Box::new(|j| j["campaign"] = "../victim".into())),
        ("campaign", Box::new(|j| j["campaign"] = "/etc".into())),
        ("campaign", Box::new(|j| j["campaign"] = "a/b".into())),
        ("campaign", Box::new(|j| j["campaign"] = "c\0".into())),
        ("campaign", Box::new(|j| j["campaign"] = "c\nx".into())),
        ("campaign", Box::new(|j| j["campaign"] = "other".into())),
        ("runs[0].run", Box::new(|j| j["runs"][0]["run"] = "../../victim".into())),
        ("runs[0].run", Box::new(|j| j["runs"][0]["run"] = "r0\n".into())),
        ("runs[0].dir", Box::new(|j| j["runs"][0]["dir"] = "/etc".into())),
        ("runs[0].dir", Box::new(move |j| j["runs"][0]["dir"] = victim_run.display().to_string().into())),
        ("runs[0].dir", Box::new(move |j| j["runs"][0]["dir"] = traces.join("other/r0").display().to_string().into())),
        ("runs[0].dir", Box::new(|j| j["runs"][0]["dir"] = "traces/c/../../victim/.git".into())),
        ("runs[0].dir", Box::new(|j| j["runs"][0]["dir"] = "".into())),
        (
            "counterexamples[0].run",
            Box::new(|j| {
                j["counterexamples"] = serde_json::json!([{"run": "../x", "plan": {"seed": 0, "faults": []}, "results": [], "traces": "t"}])
            }),
        ),
        ("cluster.name", Box::new(|j| j["cluster"]["name"] = "a/b".into())),
    ];
    for (field, edit) in cases {
        let summary = journal(&tree, edit);
        let error = check_journal(&summary, &tree.journal_dir, &tree.traces).expect_err(field).to_string();
        let place = format!("{}: {field}: ", tree.journal_dir.join("summary.json").display());
        assert!(error.starts_with(&place) && error.contains("\n  fix: "), "{field}: {error}");
        assert!(!error.contains('\0') && error.lines().count() == 2, "values are quoted and escaped: {error:?}");
    }
    assert_eq!(listing(&tree.root), before, "a refused journal renamed nothing");
    std::fs::remove_dir_all(&tree.root).unwrap();
}

#[test]
fn a_run_dir_reached_through_a_link_is_refused() {
    let tree = tree("link");
    std::fs::remove_dir_all(tree.traces.join("c/r0")).unwrap();
    std::os::unix::fs::symlink(tree.root.join("victim"), tree.traces.join("c/r0")).unwrap();
    let error = check_journal(&journal(&tree, |_| {}), &tree.journal_dir, &tree.traces).unwrap_err().to_string();
    assert!(error.contains("runs[0].dir") && error.contains("symbolic link"), "{error}");
    // So is a campaign directory that is a link.
    std::fs::remove_file(tree.traces.join("c/r0")).unwrap();
    std::fs::rename(tree.traces.join("c"), tree.root.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(tree.root.join("elsewhere"), tree.traces.join("c")).unwrap();
    let error = check_journal(&journal(&tree, |_| {}), &tree.journal_dir, &tree.traces).unwrap_err().to_string();
    assert!(error.contains("symbolic link"), "{error}");
    assert!(set_aside(&tree.traces.join("c"), &["r5".to_string()]).is_err(), "no rename through a linked campaign directory");
    std::fs::remove_dir_all(&tree.root).unwrap();
}

#[test]
fn only_the_campaign_s_own_run_directories_are_moved_aside() {
    let tree = tree("aside");
    let dir = tree.traces.join("c");
    for entry in ["r1", ".r1-files", "r2-min0", "r2.interrupted-5", "replay-r2-1-1", ".git", "notes", "r", "r1x", "rr1"] {
        std::fs::create_dir_all(dir.join(entry)).unwrap();
    }
    std::fs::write(dir.join("r4"), "a file, not a run").unwrap();
    std::os::unix::fs::symlink(tree.root.join("victim"), dir.join("r9")).unwrap();
    let summary = journal(&tree, |_| {});
    let stale = unaccounted(&summary, &dir);
    assert_eq!(stale, [".r1-files", "r1", "r2-min0"]);
    assert_eq!(set_aside(&dir, &stale).unwrap(), ["r1", "r2-min0"]);
    let mut left: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    let kept = [".git", "notes", "r", "r0", "r1x", "r2.interrupted-5", "r4", "r9", "replay-r2-1-1", "rr1"];
    assert!(kept.iter().all(|k| left.contains(&k.to_string())), "{left:?}");
    assert_eq!(left.iter().filter(|l| l.contains(".interrupted-") && !l.starts_with("r2.")).count(), 3, "{left:?}");
    assert!(tree.root.join("victim/.git").is_dir());
    std::fs::remove_dir_all(&tree.root).unwrap();
}

#[test]
fn a_replay_without_traces_root_writes_only_beside_the_campaign_s_runs() {
    let tree = tree("replay");
    let with_traces = |traces: String| {
        journal(&tree, |j| {
            j["counterexamples"] = serde_json::json!([{"run": "r1", "plan": {"seed": 0, "faults": []}, "results": [], "traces": traces}])
        })
    };
    let ok = with_traces(tree.traces.join("c/r1").display().to_string());
    assert_eq!(traces_root_of(&ok, 0, &tree.journal_dir).unwrap(), tree.traces);
    let relative = with_traces("c/r1".to_string());
    assert_eq!(traces_root_of(&relative, 0, &tree.journal_dir).unwrap(), PathBuf::from("."));
    for (bad, why) in [
        (format!("{}/c/../../victim/r1", tree.traces.display()), "'..'"),
        ("/etc/passwd".to_string(), "is not <traces>/c/r1"),
        (tree.traces.join("other/r1").display().to_string(), "is not <traces>/c/r1"),
    ] {
        let error = traces_root_of(&with_traces(bad.clone()), 0, &tree.journal_dir).unwrap_err().to_string();
        assert!(error.contains("counterexamples[0].traces") && error.contains(why) && error.contains("fix: give the replay's traces root with --traces"), "{bad}: {error}");
    }
    std::fs::remove_dir_all(tree.traces.join("c")).unwrap();
    std::os::unix::fs::symlink(tree.root.join("victim"), tree.traces.join("c")).unwrap();
    let error = traces_root_of(&ok, 0, &tree.journal_dir).unwrap_err().to_string();
    assert!(error.contains("symbolic link"), "{error}");
    std::fs::remove_dir_all(&tree.root).unwrap();
}
