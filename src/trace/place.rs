//! Where a run's traces may be: `<traces root>/<campaign>/<run>`, and
//! nowhere else, when a file names it.
//!
//! A summary.json names each run's directory (`runs[].dir`,
//! `counterexamples[].traces`). It is data: a hostile or careless one could
//! name `/etc`, `../../x` or a link to anywhere, and whatever reads the
//! directory (resuming a campaign, rebuilding its report) would read there.
//! So a named directory is held to the run's own place under a root the
//! user gave, never one the file suggests. The check is lexical (no `..`;
//! an absolute path only as that very place) plus a look at the two
//! directories below the root without following links
//! ([`std::fs::symlink_metadata`]): a link there could point anywhere.
//! The names themselves are checked before (`crate::scenario::is_name`).

use std::path::{Component, Path, PathBuf};

/// The traces root as the user gave it, made absolute, and as the file
/// system resolves it: the harness records run directories resolved, the
/// user may name the root through a link.
pub fn roots(traces: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(lexical) = absolute(traces) {
        roots.push(lexical);
    }
    if let Ok(resolved) = std::fs::canonicalize(traces) {
        roots.push(resolved);
    }
    roots
}

/// `path` made absolute against the current directory, `.` dropped;
/// `None` when it climbs with `..` (which only a link-following resolution
/// could place).
fn absolute(path: &Path) -> Option<PathBuf> {
    if path.components().any(|c| c == Component::ParentDir) {
        return None;
    }
    let joined = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    Some(joined.components().filter(|c| *c != Component::CurDir).collect())
}

/// Whether `dir` is `<root>/<campaign>/<run>` for one of `roots`, with
/// neither `<root>/<campaign>` nor the run's directory a link. `Err` says
/// why not, in words.
pub fn inside(dir: &Path, roots: &[PathBuf], campaign: &str, run: &str) -> Result<(), String> {
    if dir.components().any(|c| c == Component::ParentDir) {
        return Err("climbs out of its directory with '..'".to_string());
    }
    let dir = absolute(dir).ok_or("is not a path from here")?;
    let Some(root) = roots.iter().find(|root| root.join(campaign).join(run) == dir) else {
        let shown = roots.first().map(|r| r.join(campaign).join(run).display().to_string()).unwrap_or_default();
        return Err(format!("is not the run's directory under the traces root ({shown:?})"));
    };
    for below in [root.join(campaign), root.join(campaign).join(run)] {
        if std::fs::symlink_metadata(&below).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!("passes through a symbolic link ({:?}), which could point anywhere", below.display().to_string()));
        }
    }
    Ok(())
}

/// The traces root a run's directory names, when it has the campaign's
/// layout (only a hint for a fix, or a root the user chose not to give:
/// never checked against one).
pub fn guessed_root(dir: &Path, campaign: &str, run: &str) -> Option<PathBuf> {
    let run_dir = dir.file_name()?.to_str()?;
    let parent = dir.parent()?;
    (run_dir == run && parent.file_name()?.to_str()? == campaign).then(|| parent.parent().map(Path::to_path_buf)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_dir_is_the_run_s_place_under_the_root_and_nowhere_else() {
        let root = PathBuf::from("/data/traces");
        let roots = [root.clone()];
        assert_eq!(inside(Path::new("/data/traces/c/r1"), &roots, "c", "r1"), Ok(()));
        assert_eq!(inside(Path::new("/data/traces/./c/r1"), &roots, "c", "r1"), Ok(()));
        for bad in ["/data/traces/c/r2", "/data/traces/d/r1", "/etc/c/r1", "/data/traces/c/r1/x", "/data/traces/c", "/"] {
            assert!(inside(Path::new(bad), &roots, "c", "r1").is_err(), "{bad}");
        }
        let climbs = inside(Path::new("/data/traces/c/../c/r1"), &roots, "c", "r1").unwrap_err();
        assert!(climbs.contains("'..'"), "{climbs}");
        assert_eq!(guessed_root(Path::new("/elsewhere/c/r1"), "c", "r1"), Some(PathBuf::from("/elsewhere")));
        assert_eq!(guessed_root(Path::new("/elsewhere/x/r1"), "c", "r1"), None);
    }

    #[test]
    fn a_relative_run_dir_resolves_against_the_current_directory() {
        let here = std::env::current_dir().unwrap();
        assert_eq!(inside(Path::new("traces/c/r1"), &[here.join("traces")], "c", "r1"), Ok(()));
        assert!(inside(Path::new("traces/c/r1"), &[PathBuf::from("/data/traces")], "c", "r1").is_err());
    }
}
