//! Rendering a DOT graph to SVG with Graphviz's `dot` (Debian package
//! `graphviz`, installed by scripts/setup). The one place the report calls a
//! program: when `dot` is missing or fails, the report says so and carries
//! the DOT source instead; a campaign never fails for want of a drawing.

use std::io::Write;
use std::process::{Command, Stdio};

use super::escape;

/// The SVG element for `dot_source`, or a note saying why there is none.
/// `LDFI_DOT` names another Graphviz `dot` binary.
pub fn to_svg(dot_source: &str) -> Result<String, String> {
    let program = std::env::var("LDFI_DOT").unwrap_or_else(|_| "dot".to_string());
    to_svg_with(&program, dot_source)
}

fn to_svg_with(program: &str, dot_source: &str) -> Result<String, String> {
    let mut child = Command::new(program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("Graphviz `{program}` could not be started ({e}): install the Debian package graphviz (scripts/setup does) to draw the lineage graph")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(dot_source.as_bytes()).map_err(|e| format!("writing to `{program}`: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| format!("waiting for `{program}`: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{program} -Tsvg` failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let svg = String::from_utf8_lossy(&output.stdout);
    let start = svg.find("<svg").ok_or("`dot -Tsvg` printed no <svg> element")?;
    let svg = svg[start..].trim_end().to_string();
    if !escape::svg_is_inert(&svg) {
        return Err("the lineage drawing contained active content and was left out".to_string());
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_dot_is_a_note_naming_the_package() {
        let why = to_svg_with("/nonexistent/dot", "digraph { a -> b }").unwrap_err();
        assert!(why.contains("graphviz"), "{why}");
    }

    #[test]
    fn labels_with_markup_come_back_escaped() {
        // Skipped only where Graphviz is absent; tests/report.rs needs it.
        if Command::new("dot").arg("-V").output().is_err() {
            return;
        }
        let svg = to_svg("digraph { a [label=\"<script>x</script>\"]; }").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("&lt;script&gt;"), "{svg}");
    }
}
