//! Escaping for HTML and inline SVG. Record ids, keys and values come from
//! traces and are untrusted: everything that reaches report.html goes
//! through here, as text or as a quoted attribute value.

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
            // Control characters other than tab and newline are not valid in
            // XML (inline SVG): drop them.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
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
        assert_eq!(text("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn only_inert_svg_passes() {
        assert!(svg_is_inert("<svg><g class=\"node\"><text>&lt;script&gt; online</text></g></svg>"));
        assert!(!svg_is_inert("<svg><script>alert(1)</script></svg>"));
        assert!(!svg_is_inert("<svg><g onload=\"x\"></g></svg>"));
        assert!(!svg_is_inert("<svg><a xlink:href=\"javascript:x\"></a></svg>"));
    }
}
