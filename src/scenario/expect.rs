//! The workload's numbers, its side topic and the `[checker]` table,
//! checked against the properties that need them: a property that computes
//! sums, filters, windows or joins from the inputs cannot be exact without
//! numbers to sum, the window the app uses or the other side of the join,
//! so a scenario missing them is refused before a cluster starts, naming
//! the field to add.

use toml::Spanned;

use super::problems::Checker;
use super::raw::{RawChecker, RawSide, RawWorkload};
use super::{Property, SideSpec};
use crate::workload::Keys;
use crate::model::Expectations;

/// Longest window the checker accepts: a day.
const MAX_WINDOW_MILLIS: u64 = 86_400_000;

/// `[workload] numbers = [min, max]`, checked.
pub(super) fn numbers(c: &mut Checker, w: &RawWorkload) -> Option<(i64, i64)> {
    range(c, w.numbers.as_ref()?, w.words.is_some(), "workload.numbers")
}

fn range(c: &mut Checker, n: &Spanned<Vec<i64>>, words: bool, field: &str) -> Option<(i64, i64)> {
    match n.get_ref().as_slice() {
        [min, max] if min <= max => {
            if words {
                c.at(n, field, "numbers and words are both set", "keep one: numbers for sums and filters, words for counts");
            }
            Some((*min, *max))
        }
        [min, max] => {
            c.at(n, field, format!("[{min}, {max}]: the first is larger"), format!("write [{max}, {min}]"));
            None
        }
        other => {
            c.at(n, field, format!("{} numbers", other.len()), "write [min, max], e.g. [1, 100]");
            None
        }
    }
}

/// What the join properties need of the workload: a side topic, and for
/// a stream-stream join values that tell records apart (each output names
/// its pair by their values).
pub(super) fn joins(c: &mut Checker, properties: &[Property], side: bool, w: &RawWorkload) {
    for p in [Property::TableJoin, Property::StreamJoin, Property::TableTableJoin] {
        if properties.contains(&p) && !side {
            c.nowhere("workload.side", format!("property {} joins two topics, but the workload writes one", p.name()),
                "add [workload.side] with topic = <the join's other input topic>");
        }
    }
    let unique = w.numbers.is_none() && w.words.as_ref().is_some_and(Vec::is_empty);
    if properties.contains(&Property::StreamJoin) && !unique {
        c.nowhere("workload.words", "property stream-join tells each output's pair apart by their values, which words or numbers repeat",
            "set [workload] words = [] (each value then its own, v<n>)");
    }
}

/// What a merge (`[checker] merge`) needs: a side topic whose records
/// are inputs, numbers there too where a property computes with them, and
/// no join, which reads the side as what inputs meet.
pub(super) fn merge(c: &mut Checker, raw: Option<&RawChecker>, properties: &[Property], w: &RawWorkload) {
    let Some(m) = raw.and_then(|r| r.merge.as_ref()).filter(|m| *m.get_ref()) else { return };
    let Some(side) = &w.side else {
        c.at(m, "checker.merge", "the workload writes no side topic to merge", "add [workload.side] with topic = <the topic the app merges into its input>");
        return;
    };
    if let Some(p) = properties.iter().find(|p| matches!(p, Property::TableJoin | Property::StreamJoin | Property::TableTableJoin)) {
        c.at(m, "checker.merge", format!("beside property {}, which reads the side topic as what inputs meet", p.name()),
            "drop merge for a join, or the join property for a merge");
    }
    let sums = properties.iter().any(|p| matches!(p, Property::FilterMap | Property::KeySums));
    if sums && w.numbers.is_some() && side.numbers.is_none() {
        c.at(m, "workload.side.numbers", "the merged side's records carry their ids as values, which filter-map and key-sums cannot compute with",
            "set [workload.side] numbers = [min, max], as [workload] numbers");
    }
}

/// A value the workload can draw: 1 to 100 characters without commas (the
/// words travel to it comma-joined), spaces (a word count splits on them)
/// or control characters.
pub(super) fn one_word(word: &str) -> bool {
    !word.is_empty() && word.len() <= 100 && !word.chars().any(|ch| ch == ',' || ch.is_whitespace() || ch.is_control())
}

/// `[workload.side]`, checked: a declared topic other than the
/// workload's, keys counted (one record per key), steps within the run.
pub(super) fn side(
    c: &mut Checker,
    raw: Option<&RawSide>,
    keys: Keys,
    workload_topic: &str,
    eot: u32,
    declared: &dyn Fn(&str) -> bool,
) -> Option<SideSpec> {
    let raw = raw?;
    let topic = raw.topic.get_ref();
    if !declared(topic) {
        c.at(&raw.topic, "workload.side.topic", format!("topic {topic:?} is not declared"), "add it under [[topics]]");
    } else if topic == workload_topic {
        c.at(&raw.topic, "workload.side.topic", format!("{topic:?} is the workload's own topic"),
            "name the join's other input topic (its table, or its other stream)");
    }
    if keys == Keys::Word {
        c.nowhere("workload.keys", "keys = \"word\" with a [workload.side]: the side writes one record per key k0 .. k<N-1>",
            "set [workload] keys to a number of keys, shared by both sides of the join");
    }
    if let Some(steps) = &raw.busy_steps {
        if steps.get_ref().is_empty() {
            c.at(steps, "workload.side.busy_steps", "no step carries a record", "list at least one step, or drop the field (every step)");
        } else if let Some(late) = steps.get_ref().iter().find(|s| **s >= eot) {
            c.at(steps, "workload.side.busy_steps", format!("step {late} with eot = {eot}"), format!("list steps below {eot}"));
        }
    }
    for (i, word) in raw.words.iter().flatten().enumerate() {
        if !one_word(word) {
            let index = i.to_string();
            c.at_key(&["workload", "side", "words", &index], &format!("workload.side.words[{i}]"), format!("{word:?} is not one word"),
                "give 1 to 100 characters without spaces, commas or control characters");
        }
    }
    let numbers = raw.numbers.as_ref().and_then(|n| range(c, n, raw.words.is_some(), "workload.side.numbers"));
    let mut busy_steps = raw.busy_steps.as_ref().map(|s| s.get_ref().clone());
    if let Some(steps) = &mut busy_steps {
        steps.sort_unstable();
        steps.dedup();
    }
    Some(SideSpec { topic: topic.clone(), busy_steps, words: raw.words.clone().unwrap_or_default(), numbers })
}

/// The `[checker]` table, checked against the properties that read it.
pub(super) fn expectations(
    c: &mut Checker,
    raw: Option<&RawChecker>,
    properties: &[Property],
    numbers_given: bool,
) -> Expectations {
    let wants = |p: Property| properties.contains(&p);
    for p in [Property::FilterMap, Property::KeySums] {
        if wants(p) && !numbers_given {
            c.nowhere("workload.numbers", format!("property {} sums or filters numbers, but the inputs are words", p.name()),
                "set [workload] numbers = [1, 100] (or the range the pipeline expects)");
        }
    }
    let Some(raw) = raw else {
        if wants(Property::WindowCounts) {
            c.nowhere("checker.window_millis", "property window-counts needs the pipeline's window",
                "add [checker] window_millis = <the app's window size in ms> and grace_millis = <its grace in ms>");
        }
        if wants(Property::StreamJoin) {
            c.nowhere("checker.join_window_millis", "property stream-join needs the pipeline's join window",
                "add [checker] join_window_millis = <the app's JoinWindows time difference in ms>");
        }
        return Expectations::default();
    };
    match (&raw.join_window_millis, wants(Property::StreamJoin)) {
        (None, true) => c.nowhere("checker.join_window_millis", "property stream-join needs the pipeline's join window",
            "add join_window_millis = <the app's JoinWindows time difference in ms> to [checker]"),
        (Some(w), _) if *w.get_ref() > MAX_WINDOW_MILLIS => c.at(w, "checker.join_window_millis",
            format!("{} ms", w.get_ref()), format!("use 0 to {MAX_WINDOW_MILLIS} ms")),
        _ => {}
    }
    let window_millis = raw.window_millis.as_ref().map(Spanned::get_ref).copied();
    let off_grid = raw.session_gap_millis.is_some() || raw.sliding_millis.is_some();
    match (&raw.window_millis, wants(Property::WindowCounts) && !off_grid) {
        (None, true) => c.nowhere("checker.window_millis", "property window-counts needs the pipeline's window",
            "add window_millis = <the app's window size in ms> to [checker] (for session windows session_gap_millis, for sliding ones sliding_millis)"),
        (Some(w), _) if *w.get_ref() == 0 || *w.get_ref() > MAX_WINDOW_MILLIS => c.at(w, "checker.window_millis",
            format!("{} ms", w.get_ref()), format!("use 1 to {MAX_WINDOW_MILLIS} ms, the app's window size")),
        _ => {}
    }
    if let Some(t) = &raw.join_output {
        let sides = [(Property::TableJoin, "value", "table"), (Property::StreamJoin, "left", "right"), (Property::TableTableJoin, "left", "right")];
        let wanted: Vec<_> = sides.iter().filter(|(p, ..)| wants(*p)).collect();
        if wanted.is_empty() {
            c.at(t, "checker.join_output", "no join property reads it", "drop it, or add table-join, stream-join or table-table-join to properties");
        }
        for (p, a, b) in wanted {
            if let Err(why) = crate::checker::check_join_output(t.get_ref(), a, b) {
                c.at(t, "checker.join_output", why, format!("write how {} reads an output, e.g. \"{{{a}}} for {{{b}}}\"", p.name()));
            }
        }
    }
    let joins_two_streams_or_tables = wants(Property::StreamJoin) || wants(Property::TableTableJoin);
    if let Some(l) = raw.left_join.as_ref().filter(|_| !wants(Property::TableJoin) && !joins_two_streams_or_tables) {
        c.at(l, "checker.left_join", "no property reads it", "drop it, or add table-join, stream-join or table-table-join to properties");
    }
    if let Some(g) = raw.global_table.as_ref().filter(|_| !wants(Property::TableJoin)) {
        c.at(g, "checker.global_table", "only table-join reads it", "drop it, or add table-join to properties");
    }
    if let Some(o) = &raw.outer_join {
        if !joins_two_streams_or_tables {
            c.at(o, "checker.outer_join", "only stream-join and table-table-join read it (Kafka Streams has no outer stream-table join)",
                "drop it, or add stream-join or table-table-join to properties");
        } else if *o.get_ref() && raw.left_join.as_ref().is_some_and(|l| *l.get_ref()) && !wants(Property::TableJoin) {
            c.at(o, "checker.outer_join", "beside left_join = true: the app's join is one or the other",
                "keep outer_join for KStream#outerJoin, left_join for KStream#leftJoin");
        }
    }
    if let Some(s) = raw.suppressed.as_ref().filter(|_| !wants(Property::WindowCounts)) {
        c.at(s, "checker.suppressed", "no property reads it", "drop it, or add window-counts to properties");
    }
    if let Some(a) = &raw.advance_millis {
        let size = window_millis.unwrap_or(0);
        if !wants(Property::WindowCounts) {
            c.at(a, "checker.advance_millis", "no property reads it", "drop it, or add window-counts to properties");
        } else if !off_grid && (*a.get_ref() == 0 || *a.get_ref() > size) {
            c.at(a, "checker.advance_millis", format!("{} ms", a.get_ref()),
                format!("use 1 to window_millis ({size} ms): the app's hopping windows' advanceBy (leave it out for tumbling windows)"));
        }
    }
    if let Some(gap) = &raw.session_gap_millis {
        let field = "checker.session_gap_millis";
        if !wants(Property::WindowCounts) {
            c.at(gap, field, "no property reads it", "drop it, or add window-counts to properties");
        } else if *gap.get_ref() == 0 || *gap.get_ref() > MAX_WINDOW_MILLIS {
            c.at(gap, field, format!("{} ms", gap.get_ref()), format!("use 1 to {MAX_WINDOW_MILLIS} ms, the app's inactivity gap"));
        } else if raw.window_millis.is_some() || raw.advance_millis.is_some() {
            c.at(gap, field, "beside window_millis or advance_millis", "a session has no fixed size: drop window_millis and advance_millis");
        }
    }
    if let Some(d) = &raw.sliding_millis {
        let field = "checker.sliding_millis";
        if !wants(Property::WindowCounts) {
            c.at(d, field, "no property reads it", "drop it, or add window-counts to properties");
        } else if *d.get_ref() == 0 || *d.get_ref() > MAX_WINDOW_MILLIS {
            c.at(d, field, format!("{} ms", d.get_ref()), format!("use 1 to {MAX_WINDOW_MILLIS} ms, the app's SlidingWindows time difference"));
        } else if raw.window_millis.is_some() || raw.advance_millis.is_some() || raw.session_gap_millis.is_some() {
            c.at(d, field, "beside window_millis, advance_millis or session_gap_millis",
                "sliding windows are opened by the records: drop window_millis, advance_millis and session_gap_millis");
        }
    }
    if let Some(g) = &raw.grace_millis {
        if *g.get_ref() > MAX_WINDOW_MILLIS {
            c.at(g, "checker.grace_millis", format!("{} ms", g.get_ref()), format!("use 0 to {MAX_WINDOW_MILLIS} ms, the app's grace period"));
        }
    }
    Expectations {
        keep_at_least: raw.keep_at_least,
        multiply: raw.multiply,
        window_millis,
        grace_millis: raw.grace_millis.as_ref().map(Spanned::get_ref).copied(),
        advance_millis: raw.advance_millis.as_ref().map(Spanned::get_ref).copied(),
        session_gap_millis: raw.session_gap_millis.as_ref().map(Spanned::get_ref).copied(),
        sliding_millis: raw.sliding_millis.as_ref().map(Spanned::get_ref).copied(),
        left_join: raw.left_join.as_ref().map(|l| *l.get_ref()),
        outer_join: raw.outer_join.as_ref().map(|o| *o.get_ref()),
        global_table: raw.global_table.as_ref().map(|g| *g.get_ref()),
        join_window_millis: raw.join_window_millis.as_ref().map(Spanned::get_ref).copied(),
        join_output: raw.join_output.as_ref().map(|t| t.get_ref().clone()),
        suppressed: raw.suppressed.as_ref().map(|s| *s.get_ref()),
        each_output: raw.each_output.as_ref().map(|e| *e.get_ref()),
        merge: raw.merge.as_ref().map(|m| *m.get_ref()),
    }
}
