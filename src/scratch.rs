//! Scratch directories for unit tests: fresh and empty, under the system's
//! temporary directory, named by module, test and process, so that tests
//! running side by side, and test binaries running at once, never share
//! one.

use std::path::PathBuf;

/// `ldfi-<module>-<name>-<pid>`, emptied and created.
pub fn dir(module: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ldfi-{module}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
