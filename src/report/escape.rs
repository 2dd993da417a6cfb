//! Escaping of untrusted text. Record ids, keys and values come from traces
//! (written by the pipeline under test), names from journals: everything
//! that reaches report.html goes through [`text`] or [`attr`], report.md
//! and junit.xml through [`plain`] and [`lines`], and the terminal through
//! [`lines`]. A control character is shown, never sent: `\x1b` becomes the
//! six characters `\u{1b}`, so that record data can neither drive a
//! terminal (colours, cursor moves, a title) nor break a line of a table
//! or an XML document. Characters that reorder or hide text (bidi
//! overrides, zero-width spaces) are shown the same way.

/// Whether `c` must be shown escaped: a control character, or one that
/// changes how the text around it reads without being seen.
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn escaped(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// One value on one line: every hidden character escaped, newlines too.
pub fn plain(s: &str) -> String {
    if !s.chars().any(hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

/// A text of several lines: hidden characters escaped except newline and
/// tab, which keep their meaning.
pub fn lines(s: &str) -> String {
    if !s.chars().any(|c| hidden(c) && c != '\n' && c != '\t') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) && c != '\n' && c != '\t' {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text content of an HTML or SVG element.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Other control characters are not valid in XML (inline SVG).
            c if hidden(c) && c != '\n' && c != '\t' => escaped(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// A double-quoted attribute value (`attr="..."`).
pub fn attr(s: &str) -> String {
    text(s).replace('\n', "&#10;").replace('\t', "&#9;")
}

/// Graphviz's SVG is trusted only as far as it looks like plain drawing:
/// anything that could run or fetch (script, event handlers, links, foreign
/// content) rejects it. Labels are escaped by Graphviz itself; this is the
/// second lock.
pub fn svg_is_inert(svg: &str) -> bool {
    let lower = svg.to_ascii_lowercase();
    let forbidden = ["<script", "<foreignobject", "javascript:", "<iframe", "<image", "href=", "<use", "<!entity"];
    if forbidden.iter().any(|f| lower.contains(f)) {
        return false;
    }
    // Event handlers: an attribute name starting with "on" after whitespace.
    let bytes = lower.as_bytes();
    let mut in_tag = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            b'o' if in_tag && i > 0 && bytes[i - 1].is_ascii_whitespace() && bytes.get(i + 1) == Some(&b'n') => {
                let name: String =
                    lower[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
                if lower[i + name.len()..].trim_start().starts_with('=') {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_and_attributes_is_neutralised() {
        assert_eq!(text("<script>x='1'</script>"), "&lt;script&gt;x=&#39;1&#39;&lt;/script&gt;");
        assert_eq!(attr("\"><img src=x onerror=alert(1)>"), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(text("a\u{0}b\u{1b}[31m"), "a\\u{0}b\\u{1b}[31m");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(plain("in-1\u{1b}]0;owned\u{7}"), "in-1\\u{1b}]0;owned\\u{7}");
        assert_eq!(plain("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(plain("abc\u{202E}fed"), "abc\\u{202e}fed");
        assert_eq!(plain("plain text, é"), "plain text, é");
        assert_eq!(lines("line 1\n\tline 2\u{1b}[2J\r"), "line 1\n\tline 2\\u{1b}[2J\\r");
    }

    #[test]
    fn only_inert_svg_passes() {
        assert!(svg_is_inert("<svg><g class=\"node\"><text>&lt;script&gt; online</text></g></svg>"));
        assert!(!svg_is_inert("<svg><script>alert(1)</script></svg>"));
        assert!(!svg_is_inert("<svg><g onload=\"x\"></g></svg>"));
        assert!(!svg_is_inert("<svg><a xlink:href=\"javascript:x\"></a></svg>"));
    }
}
