//! One outcome's lineage as a graph (petgraph), exported as Graphviz DOT:
//! the record, the events that moved it, the facts each relied on.

use petgraph::graph::DiGraph;

use super::Trail;

/// The lineage of outcome `id` in DOT. Labels are escaped: record keys and
/// ids come from untrusted traces.
pub fn to_dot(id: &str, trail: &Trail) -> String {
    let mut graph: DiGraph<(String, &str), ()> = DiGraph::new();
    let record = graph.add_node((id.to_string(), "record"));
    let mut previous = record;
    for (event, step, facts) in &trail.events {
        let node = graph.add_node((format!("{event}\\nstep {step}"), "event"));
        graph.add_edge(previous, node, ());
        previous = node;
        for fact in facts {
            let fact = graph.add_node((fact.to_string(), "fact"));
            graph.add_edge(node, fact, ());
        }
    }
    let mut dot = String::from("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
    for index in graph.node_indices() {
        let (label, kind) = &graph[index];
        let shape = match *kind {
            "record" => "shape=box, style=filled, fillcolor=\"#dbe9ff\"",
            "event" => "shape=box, style=rounded",
            _ => "shape=ellipse, style=filled, fillcolor=\"#f2f2f2\"",
        };
        dot.push_str(&format!("  n{} [label=\"{}\", {shape}];\n", index.index(), escape(label)));
    }
    for edge in graph.edge_indices() {
        let (a, b) = graph.edge_endpoints(edge).expect("edge has ends");
        dot.push_str(&format!("  n{} -> n{};\n", a.index(), b.index()));
    }
    dot.push_str("}\n");
    dot
}

fn escape(label: &str) -> String {
    label
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' => vec!['\\', 'n'],
            '<' | '>' | '{' | '}' | '|' => vec!['\\', c],
            // Shown, not sent: `\u{1b}` (a DOT `\\` is one backslash).
            c if c.is_control() => format!("\\\\u{{{:x}}}", c as u32).chars().collect(),
            c => vec![c],
        })
        .collect::<String>()
        .replace("\\\\n", "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::testing::alive;

    #[test]
    fn dot_has_the_record_events_and_facts_and_escapes_quotes() {
        let trail = Trail {
            events: vec![(
                "consumed by \"p1\"".to_string(),
                2,
                vec![alive("pipeline-1", 2)],
            )],
        };
        let dot = to_dot("r:in-1", &trail);
        assert!(dot.starts_with("digraph lineage {"));
        assert!(dot.contains("r:in-1"));
        assert!(dot.contains("pipeline-1 alive @2"));
        assert!(dot.contains("consumed by \\\"p1\\\""));
        assert_eq!(dot.matches("->").count(), 2);
        let dot = to_dot("r:in-1\u{1b}[31m", &trail);
        assert!(!dot.contains('\u{1b}') && dot.contains("r:in-1\\\\u{1b}[31m"), "{dot}");
    }
}
