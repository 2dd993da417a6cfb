//! The space-time diagram of one run, as inline SVG: one lane per broker,
//! pipeline instance and the workload; x is logical time (each step gets
//! the same width, wall time is linear inside a step); faults are shaded
//! windows from the harness's `fault_applied` / `fault_healed` events; lost
//! and duplicated records are marked where they were produced, consumed
//! and written. Pure: trace lines in, SVG text out. Every label from a
//! trace is escaped.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use super::escape::{attr, text};
use super::words;
use crate::model::fault::Harm;
use crate::model::{Fault, NodeId};
use crate::trace::{Event, TraceLine};

const WIDTH: f64 = 960.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 34.0;
const LANE: f64 = 38.0;

/// What to mark on the diagram.
#[derive(Debug, Default, Clone)]
pub struct Marks {
    pub lost: BTreeSet<String>,
    pub duplicated: BTreeSet<String>,
}

/// Maps wall time to x: equal-width slots between step boundaries.
struct Axis {
    /// Slot edges in wall time: run start, each boundary, run end.
    edges: Vec<u64>,
}

impl Axis {
    fn x(&self, t: u64) -> f64 {
        let slots = (self.edges.len() - 1).max(1) as f64;
        let slot = (WIDTH - LEFT - RIGHT) / slots;
        let i = self.edges.partition_point(|e| *e <= t).saturating_sub(1).min(self.edges.len().saturating_sub(2));
        let (a, b) = (self.edges[i], self.edges.get(i + 1).copied().unwrap_or(self.edges[i]));
        let within = if b > a { (t.clamp(a, b) - a) as f64 / (b - a) as f64 } else { 0.0 };
        LEFT + slot * (i as f64 + within)
    }
}

/// Lane order: brokers, pipeline instances (and other clients), workload.
fn lanes(lines: &[TraceLine]) -> Vec<String> {
    let mut brokers: BTreeSet<i32> = BTreeSet::new();
    let mut clients: BTreeSet<String> = BTreeSet::new();
    for line in lines {
        match &line.event {
            Event::Snapshot { snapshot, .. } => {
                brokers.extend(snapshot.brokers.iter().copied());
                for p in &snapshot.partitions {
                    brokers.extend(p.replicas.iter().copied());
                }
            }
            Event::FaultApplied { fault } | Event::FaultHealed { fault } | Event::FaultFailed { fault, .. } => {
                for node in fault.nodes() {
                    match node {
                        NodeId::Broker(id) => {
                            brokers.insert(i32::from(*id));
                        }
                        NodeId::Client(name) if name != "workload" => {
                            clients.insert(name.clone());
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if line.source != "harness" && line.source != "workload" {
            clients.insert(line.source.clone());
        }
    }
    let mut lanes: Vec<String> = brokers.into_iter().map(|b| format!("broker-{b}")).collect();
    lanes.extend(clients);
    lanes.push("workload".to_string());
    lanes
}

/// A fault's window on the diagram.
struct Window {
    fault: Fault,
    from: u64,
    to: Option<u64>,
}

fn windows(lines: &[TraceLine]) -> Vec<Window> {
    let mut out: Vec<Window> = Vec::new();
    for line in lines {
        match &line.event {
            Event::FaultApplied { fault } => out.push(Window { fault: fault.clone(), from: line.time_ms, to: None }),
            Event::FaultHealed { fault } => {
                if let Some(w) = out.iter_mut().find(|w| w.to.is_none() && w.fault == *fault) {
                    w.to = Some(line.time_ms);
                }
            }
            _ => {}
        }
    }
    out
}

/// Width of a fault label's character at font size 10, wide enough for
/// the widest sans-serif letters that labels use (an estimate: the SVG is
/// drawn without measuring text).
const LABEL_CHAR: f64 = 6.0;

/// Where a fault's label goes and what of it is shown: from its window's
/// start when it fits before the right edge; else ending at the right
/// edge; else cut with an ellipsis to the drawing's width (the whole label
/// stays in the window's tooltip).
fn fault_label(x0: f64, label: &str) -> (f64, &'static str, String) {
    let chars = label.chars().count();
    let width = chars as f64 * LABEL_CHAR;
    let right = WIDTH - RIGHT;
    if x0 + 3.0 + width <= right {
        return (x0 + 3.0, "start", label.to_string());
    }
    let room = right - LEFT;
    if width <= room {
        return (right, "end", label.to_string());
    }
    let keep = ((room / LABEL_CHAR) as usize).saturating_sub(1);
    let cut: String = label.chars().take(keep).collect();
    (right, "end", format!("{cut}…"))
}

fn fill(fault: &Fault) -> &'static str {
    match fault.harm() {
        Harm::Down => "#f6c5c0",
        Harm::Frozen => "#fbe3a8",
        Harm::Cut => "#c9dcf7",
        // A degraded link still carries packets: lighter than a cut's blue.
        Harm::Degraded => "#e1ecfb",
    }
}

/// The diagram, or `None` when the run recorded no step boundary.
pub fn svg(run: &str, lines: &[TraceLine], marks: &Marks) -> Option<String> {
    let boundaries: Vec<(u64, u32)> = lines
        .iter()
        .filter_map(|l| if let Event::Step { step_index } = l.event { Some((l.time_ms, step_index)) } else { None })
        .collect();
    if boundaries.is_empty() {
        return None;
    }
    let start = lines.first().map(|l| l.time_ms).unwrap_or(0).min(boundaries[0].0);
    let end = lines.last().map(|l| l.time_ms).unwrap_or(start).max(boundaries[boundaries.len() - 1].0 + 1);
    let mut edges = vec![start];
    edges.extend(boundaries.iter().map(|(t, _)| *t).filter(|t| *t > start));
    edges.push(end);
    let lanes = lanes(lines);
    let d = Diagram { axis: Axis { edges }, row: lanes.iter().enumerate().map(|(i, l)| (l.clone(), i)).collect(), lanes: lanes.clone(), end };
    let height = TOP + LANE * lanes.len() as f64 + 60.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11"><title>Space-time diagram of run {}</title>"#,
        text(run)
    );
    d.lanes(&mut s);
    d.fault_windows(&mut s, lines);
    d.failed_faults(&mut s, lines);
    d.step_boundaries(&mut s, &boundaries);
    let row: HashMap<&str, usize> = d.row.iter().map(|(l, i)| (l.as_str(), *i)).collect();
    leadership(&mut s, lines, &d.axis, &row, &|i| d.lane_y(i));
    d.records(&mut s, lines, marks);
    d.legend(&mut s, marks);
    s.push_str("</svg>");
    Some(s)
}

/// A run's diagram being drawn: its time axis and its lanes, one per node.
struct Diagram {
    axis: Axis,
    lanes: Vec<String>,
    row: HashMap<String, usize>,
    /// The trace's last instant: a fault never healed is drawn to it.
    end: u64,
}

impl Diagram {
    fn lane_y(&self, i: usize) -> f64 {
        TOP + LANE * i as f64
    }

    fn lane(&self, name: &str) -> Option<usize> {
        self.row.get(name).copied()
    }

    /// The lanes, striped, each with its node's name.
    fn lanes(&self, s: &mut String) {
    // Lanes.
    for (i, lane) in self.lanes.iter().enumerate() {
        let y = self.lane_y(i);
        let _ = write!(
            s,
            r##"<rect x="{LEFT}" y="{y}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
            WIDTH - LEFT - RIGHT,
            LANE - 4.0,
            if i % 2 == 0 { "#fafafa" } else { "#f3f3f3" },
            LEFT - 8.0,
            y + LANE / 2.0 + 2.0,
            text(lane)
        );
    }
    }

    /// Each fault's window over the lanes of the nodes it names.
    fn fault_windows(&self, s: &mut String, lines: &[TraceLine]) {
        let end = self.end;
    // Fault windows.
    for w in windows(lines) {
        let (x0, x1) = (self.axis.x(w.from), self.axis.x(w.to.unwrap_or(end)));
        let label = format!(
            "{}{}",
            words::verb(&w.fault),
            if w.to.is_none() { " (never healed in this trace)" } else { "" }
        );
        let targets: Vec<usize> = w.fault.nodes().iter().filter_map(|n| self.row.get(n.to_string().as_str()).copied()).collect();
        for (k, i) in targets.iter().enumerate() {
            let y = self.lane_y(*i);
            let _ = write!(
                s,
                r##"<g class="fault"><title>{}</title><rect x="{x0:.1}" y="{y}" width="{:.1}" height="{}" fill="{}" stroke="#b03a2e" stroke-dasharray="3 2"/>"##,
                text(&label),
                (x1 - x0).max(2.0),
                LANE - 4.0,
                fill(&w.fault)
            );
            if k == 0 {
                let (x, anchor, shown) = fault_label(x0, &label);
                let _ = write!(s, r##"<text x="{x:.1}" y="{}" font-size="10" fill="#7a1f16" text-anchor="{anchor}">{}</text>"##, y + 11.0, text(&shown));
            }
            s.push_str("</g>");
        }
    }
    }

    /// A fault that could not be applied or healed: a mark where it failed.
    fn failed_faults(&self, s: &mut String, lines: &[TraceLine]) {
    for line in lines {
        if let Event::FaultFailed { fault, error } = &line.event {
            let x = self.axis.x(line.time_ms);
            for n in fault.nodes() {
                if let Some(i) = self.row.get(n.to_string().as_str()) {
                    let _ = write!(
                        s,
                        r##"<text x="{x:.1}" y="{}" fill="#b03a2e" font-weight="bold"><title>{}</title>✗</text>"##,
                        self.lane_y(*i) + LANE / 2.0,
                        text(&format!("{fault} failed: {error}"))
                    );
                }
            }
        }
    }
    }

    fn step_boundaries(&self, s: &mut String, boundaries: &[(u64, u32)]) {
    // Step boundaries.
    for (t, step) in boundaries {
        let x = self.axis.x(*t);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#888" stroke-dasharray="2 3"/><text x="{:.1}" y="{}" font-size="10" fill="#555">step {step}</text>"##,
            TOP - 14.0,
            self.lane_y(self.lanes.len()) - 4.0,
            x + 2.0,
            TOP - 4.0
        );
    }
    }

    /// The workload's records, and the pipelines' reads, writes, commits
    /// and notes, with what was lost or duplicated marked.
    fn records(&self, s: &mut String, lines: &[TraceLine], marks: &Marks) {
    // Records.
    let workload = self.lane("workload").unwrap_or(self.lanes.len() - 1);
    for line in lines {
        let lane = |name: &str| self.lane(name);
        match &line.event {
            Event::Produced { id, key, value, partition, offset, error, .. } => {
                let x = self.axis.x(line.time_ms);
                let y = self.lane_y(workload);
                let lost = marks.lost.contains(id);
                let dup = marks.duplicated.contains(id);
                let (colour, top, h, what) = if lost {
                    ("#d93025", y, LANE - 4.0, "LOST")
                } else if dup {
                    ("#e37400", y, LANE - 4.0, "DUPLICATED")
                } else if error.is_some() {
                    ("#bbbbbb", y + LANE / 2.0, 6.0, "not acknowledged")
                } else {
                    ("#9aa0a6", y + LANE / 2.0 - 4.0, 10.0, "produced")
                };
                let title = format!(
                    "{what}: {id} key {key:?} value {value:?} at partition {} offset {}",
                    partition.map(|p| p.to_string()).unwrap_or("?".into()),
                    offset.map(|o| o.to_string()).unwrap_or("?".into())
                );
                let class = if lost { "lost" } else if dup { "duplicated" } else { "produced" };
                let _ = write!(
                    s,
                    r#"<rect class="{class}" data-id="{}" x="{x:.1}" y="{top:.1}" width="{}" height="{h:.1}" fill="{colour}"><title>{}</title></rect>"#,
                    attr(id),
                    if lost || dup { 2.0 } else { 1.0 },
                    text(&title)
                );
            }
            Event::Consumed { ids, .. } | Event::Output { ids, .. } => {
                let Some(i) = lane(&line.source) else { continue };
                let consumed = matches!(line.event, Event::Consumed { .. });
                let marked: Vec<&String> = ids.iter().filter(|id| marks.lost.contains(*id) || marks.duplicated.contains(*id)).collect();
                let x = self.axis.x(line.time_ms);
                let y = self.lane_y(i);
                if marked.is_empty() {
                    if !consumed {
                        let _ = write!(s, r##"<rect x="{x:.1}" y="{:.1}" width="1" height="8" fill="#b0b7bf"/>"##, y + 4.0);
                    }
                    continue;
                }
                let lost = marked.iter().any(|id| marks.lost.contains(*id));
                let names: Vec<&str> = marked.iter().map(|s| s.as_str()).collect();
                let _ = write!(
                    s,
                    r#"<rect class="{}" x="{x:.1}" y="{:.1}" width="2" height="14" fill="{}"><title>{}</title></rect>"#,
                    if lost { "lost" } else { "duplicated" },
                    if consumed { y + 4.0 } else { y + LANE - 22.0 },
                    if lost { "#d93025" } else { "#e37400" },
                    text(&format!("{} {} by {}", if consumed { "consumed" } else { "written" }, names.join(", "), line.source))
                );
            }
            Event::Committed { partition, offset, .. } => {
                let Some(i) = lane(&line.source) else { continue };
                let x = self.axis.x(line.time_ms);
                let _ = write!(
                    s,
                    r##"<rect class="commit" x="{x:.1}" y="{:.1}" width="1.5" height="8" fill="#1a73e8"><title>{}</title></rect>"##,
                    self.lane_y(i) + LANE - 14.0,
                    text(&format!("{} committed partition {partition} up to offset {offset}", line.source))
                );
            }
            Event::Note { message } => {
                let Some(i) = lane(&line.source) else { continue };
                let x = self.axis.x(line.time_ms);
                let _ = write!(
                    s,
                    r##"<circle cx="{x:.1}" cy="{:.1}" r="3" fill="#3c4043"><title>{}</title></circle>"##,
                    self.lane_y(i) + LANE / 2.0 - 2.0,
                    text(message)
                );
            }
            _ => {}
        }
    }
    }

    fn legend(&self, s: &mut String, marks: &Marks) {
    // Legend.
    let y = self.lane_y(self.lanes.len()) + 16.0;
    let _ = write!(
        s,
        r##"<g font-size="10"><rect x="{LEFT}" y="{}" width="12" height="10" fill="#f6c5c0" stroke="#b03a2e" stroke-dasharray="3 2"/><text x="{}" y="{y}">crash / stop</text><rect x="{}" y="{}" width="12" height="10" fill="#c9dcf7" stroke="#b03a2e" stroke-dasharray="3 2"/><text x="{}" y="{y}">network fault</text><rect x="{}" y="{}" width="2" height="10" fill="#d93025"/><text x="{}" y="{y}">lost record ({} in all)</text><rect x="{}" y="{}" width="2" height="10" fill="#e37400"/><text x="{}" y="{y}">duplicated record ({})</text><rect x="{}" y="{}" width="2" height="10" fill="#1a73e8"/><text x="{}" y="{y}">offset commit</text><circle cx="{}" cy="{}" r="3" fill="#3c4043"/><text x="{}" y="{y}">note (start, rebalance)</text></g>"##,
        y - 9.0,
        LEFT + 16.0,
        LEFT + 100.0,
        y - 9.0,
        LEFT + 116.0,
        LEFT + 210.0,
        y - 9.0,
        LEFT + 216.0,
        marks.lost.len(),
        LEFT + 350.0,
        y - 9.0,
        LEFT + 356.0,
        marks.duplicated.len(),
        LEFT + 480.0,
        y - 9.0,
        LEFT + 486.0,
        LEFT + 580.0,
        y - 4.0,
        LEFT + 588.0,
    );
    let _ = write!(
        s,
        r##"<text x="{LEFT}" y="{}" font-size="10" fill="#555">x: logical time, one equal slot per step (wall time is linear inside a step; the last slot includes the drain).</text><text x="{LEFT}" y="{}" font-size="10" fill="#555">Broker lanes: the input (in) and output (out) partitions each broker leads, where it changes. Hover a mark for details.</text>"##,
        y + 18.0,
        y + 31.0
    );
    }
}

/// On each broker lane, at each snapshot: the partitions of the run's input
/// and output topics it leads, in red when it has fallen out of an ISR.
fn leadership(s: &mut String, lines: &[TraceLine], axis: &Axis, row: &HashMap<&str, usize>, lane_y: &dyn Fn(usize) -> f64) {
    let Some((input, output)) = lines.iter().find_map(|l| match &l.event {
        Event::RunStarted { input_topic, output_topic, .. } => Some((input_topic.as_str(), output_topic.as_str())),
        _ => None,
    }) else {
        return;
    };
    // Drawn where it changes, so that the lanes stay readable.
    let mut shown: HashMap<&str, String> = HashMap::new();
    for line in lines {
        let Event::Snapshot { snapshot, .. } = &line.event else { continue };
        let x = axis.x(line.time_ms) + 2.0;
        // In lane order: the same report every time it is rendered.
        let mut lanes: Vec<(&&str, &usize)> = row.iter().collect();
        lanes.sort_by_key(|(_, i)| **i);
        for (name, i) in lanes {
            let Ok(NodeId::Broker(broker)) = name.parse::<NodeId>() else { continue };
            let broker = i32::from(broker);
            let led = |topic: &str| -> Vec<String> {
                snapshot
                    .partitions
                    .iter()
                    .filter(|p| p.topic == topic && p.leader == Some(broker))
                    .map(|p| p.partition.to_string())
                    .collect()
            };
            let behind: Vec<String> = snapshot
                .partitions
                .iter()
                .filter(|p| (p.topic == input || p.topic == output) && p.replicas.contains(&broker) && !p.isr.contains(&broker))
                .map(|p| format!("{}/{}", if p.topic == input { "input" } else { "output" }, p.partition))
                .collect();
            let (ins, outs) = (led(input), led(output));
            if ins.is_empty() && outs.is_empty() && behind.is_empty() {
                continue;
            }
            let mut label = Vec::new();
            if !ins.is_empty() {
                label.push(format!("in {}", ins.join(",")));
            }
            if !outs.is_empty() {
                label.push(format!("out {}", outs.join(",")));
            }
            if !behind.is_empty() {
                label.push("¬ISR".to_string());
            }
            if shown.get(*name) == Some(&label.join(" · ")) {
                continue;
            }
            shown.insert(name, label.join(" · "));
            let title = format!(
                "{name} at this step boundary: leader of input partitions [{}] and output partitions [{}]{}",
                ins.join(", "),
                outs.join(", "),
                if behind.is_empty() { String::new() } else { format!("; out of the ISR of {}", behind.join(", ")) }
            );
            let _ = write!(
                s,
                r##"<text class="leader" x="{x:.1}" y="{:.1}" font-size="8" fill="{}"><title>{}</title>{}</text>"##,
                lane_y(*i) + LANE - 8.0,
                if behind.is_empty() { "#5f6368" } else { "#d93025" },
                text(&title),
                text(&label.join(" · "))
            );
        }
    }
}

/// The first group's commits on its input as its committed offsets show
/// them, for a pipeline that writes no events of its own: each partition
/// whose offset moved since the last snapshot counts one commit of the
/// member that holds it (by its host, the instance's address), or of the
/// group when no member does.
struct GroupCommits {
    group: String,
    input: String,
    hosts: std::collections::HashMap<String, String>,
    last: std::collections::HashMap<i32, i64>,
}

impl GroupCommits {
    fn new(lines: &[TraceLine]) -> GroupCommits {
        let (group, input) = lines
            .iter()
            .find_map(|l| match &l.event {
                Event::RunStarted { group, input_topic, .. } => Some((group.clone(), input_topic.clone())),
                _ => None,
            })
            .unwrap_or_default();
        GroupCommits { group, input, hosts: crate::trace::node_addresses(lines), last: std::collections::HashMap::new() }
    }

    /// The instance (or `group`) of each input partition whose committed
    /// offset moved since the last snapshot.
    fn moved(&mut self, snapshot: &crate::model::Snapshot) -> Vec<String> {
        let Some(group) = snapshot.group(&self.group) else { return Vec::new() };
        let mut out = Vec::new();
        for c in group.committed.iter().filter(|c| c.topic == self.input) {
            let before = self.last.insert(c.partition, c.offset);
            if before.is_some_and(|b| c.offset <= b) || (before.is_none() && c.offset <= 0) {
                continue;
            }
            let instance = group.holder(&c.topic, c.partition).and_then(|m| self.hosts.get(m.address()));
            out.push(instance.cloned().unwrap_or_else(|| self.group.clone()));
        }
        out
    }
}

/// One step of a run, counted: the text form of the diagram (report.md).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepRow {
    pub step: u32,
    /// Faults applied or healed at this step's boundary, in words.
    pub faults: Vec<String>,
    pub produced: usize,
    pub lost_produced: usize,
    pub duplicated_produced: usize,
    /// Per pipeline instance: outputs written, commits, lost records consumed.
    pub pipelines: Vec<(String, usize, usize, usize)>,
    /// Notes written during the step (first 80 characters each).
    pub notes: Vec<String>,
}

/// The run step by step, from its trace lines.
pub fn steps(lines: &[TraceLine], marks: &Marks) -> Vec<StepRow> {
    let clock = crate::lineage::StepClock::from_trace(lines);
    let mut rows: Vec<StepRow> = Vec::new();
    let mut row = |step: u32| -> usize {
        match rows.iter().position(|r| r.step == step) {
            Some(i) => i,
            None => {
                rows.push(StepRow { step, ..Default::default() });
                rows.len() - 1
            }
        }
    };
    let mut all: Vec<(usize, &TraceLine)> = Vec::new();
    for line in lines {
        all.push((row(clock.step_of(line)), line));
    }
    let output = lines.iter().find_map(|l| match &l.event {
        Event::RunStarted { output_topic, .. } => Some(output_topic.as_str()),
        _ => None,
    });
    // A pipeline that writes no `committed` events of its own: its
    // commits are what the group's committed offsets show, step by step.
    let mut commits = (!lines.iter().any(|l| matches!(l.event, Event::Committed { .. }))).then(|| GroupCommits::new(lines));
    let mut rows_out = rows;
    for (i, line) in all {
        let r = &mut rows_out[i];
        // An instrumented instance's writes come as spans named by its
        // service, which ldfi sets to the instance's name.
        let source = match &line.event {
            Event::Span(span) => span.service.as_str(),
            _ => line.source.as_str(),
        };
        let pipeline = |r: &mut StepRow| -> usize {
            match r.pipelines.iter().position(|p| p.0 == source) {
                Some(k) => k,
                None => {
                    r.pipelines.push((source.to_string(), 0, 0, 0));
                    r.pipelines.len() - 1
                }
            }
        };
        match &line.event {
            Event::FaultApplied { fault } => r.faults.push(format!("{} (applied)", words::verb(fault))),
            Event::FaultHealed { fault } => r.faults.push(format!("{} (healed)", words::verb(fault))),
            Event::FaultFailed { fault, error } => r.faults.push(format!("{} FAILED: {error}", words::verb(fault))),
            Event::Landed { sign, after_ms, .. } => r.faults.push(match sign {
                Some(sign) => format!("it landed {after_ms} ms into the step, as {sign}"),
                None => format!("it landed {after_ms} ms into the step with no work of its instance seen: between batches"),
            }),
            Event::Produced { id, .. } => {
                r.produced += 1;
                r.lost_produced += usize::from(marks.lost.contains(id));
                r.duplicated_produced += usize::from(marks.duplicated.contains(id));
            }
            Event::Output { .. } => {
                let k = pipeline(r);
                r.pipelines[k].1 += 1;
            }
            Event::Span(span)
                if span.operation == crate::trace::SpanOperation::Publish && !span.error && span.topic.as_deref() == output =>
            {
                let k = pipeline(r);
                r.pipelines[k].1 += 1;
            }
            Event::Committed { .. } => {
                let k = pipeline(r);
                r.pipelines[k].2 += 1;
            }
            Event::Snapshot { snapshot, .. } => {
                for instance in commits.as_mut().map(|c| c.moved(snapshot)).unwrap_or_default() {
                    match r.pipelines.iter().position(|p| p.0 == instance) {
                        Some(k) => r.pipelines[k].2 += 1,
                        None => r.pipelines.push((instance, 0, 1, 0)),
                    }
                }
            }
            Event::Consumed { ids, .. } => {
                let lost = ids.iter().filter(|id| marks.lost.contains(*id)).count();
                if lost > 0 {
                    let k = pipeline(r);
                    r.pipelines[k].3 += lost;
                }
            }
            Event::Note { message } => {
                let short: String = message.chars().take(80).collect();
                r.notes.push(format!("{}: {short}{}", line.source, if message.chars().count() > 80 { "…" } else { "" }));
            }
            _ => {}
        }
    }
    rows_out.sort_by_key(|r| r.step);
    for r in &mut rows_out {
        r.pipelines.sort();
    }
    rows_out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: u64, source: &str, event: Event) -> TraceLine {
        TraceLine { time_ms: t, source: source.into(), step: None, event }
    }

    #[test]
    fn without_commit_events_the_group_s_committed_offsets_count_each_holder_s_commits() {
        let started: Event = serde_json::from_value(serde_json::json!({
            "type": "run_started", "scenario": "s", "campaign": "c", "run": "r1", "seed": 1, "plan": {"faults": []},
            "input_topic": "in", "output_topic": "out", "group": "g", "properties": [], "read_committed": false
        }))
        .unwrap();
        let snapshot = |offsets: [i64; 2]| -> Event {
            serde_json::from_value(serde_json::json!({"type": "snapshot", "snapshot": {"groups": [{
                "group": "g", "coordinator": 1,
                "members": [{"member_id": "m1", "host": "/10.0.0.5", "assignment": [{"topic": "in", "partition": 0}]}],
                "committed": [{"topic": "in", "partition": 0, "offset": offsets[0]}, {"topic": "in", "partition": 1, "offset": offsets[1]}]
            }]}}))
            .unwrap()
        };
        let lines = vec![
            line(0, "harness", started),
            line(1, "harness", Event::NodeAddress { node: "pipeline-1".into(), address: "10.0.0.5".into() }),
            line(2, "harness", Event::Step { step_index: 0 }),
            line(3, "harness", snapshot([5, 0])),
            line(4, "harness", Event::Step { step_index: 1 }),
            line(5, "harness", snapshot([5, 7])),
            line(6, "harness", Event::Step { step_index: 2 }),
            line(7, "harness", snapshot([9, 8])),
        ];
        let rows = steps(&lines, &Marks::default());
        let commits = |step: u32| -> Vec<(String, usize)> {
            rows.iter().find(|r| r.step == step).unwrap().pipelines.iter().map(|p| (p.0.clone(), p.2)).collect()
        };
        assert_eq!(commits(0), [("pipeline-1".to_string(), 1)], "its first commit on the partition it holds");
        assert_eq!(commits(1), [("g".to_string(), 1)], "a partition no member holds: the group's");
        assert_eq!(commits(2), [("g".to_string(), 1), ("pipeline-1".to_string(), 1)]);
    }

    #[test]
    fn a_fault_label_stays_inside_the_drawing() {
        let right = WIDTH - RIGHT;
        let within = |(x, anchor, shown): (f64, &str, String)| {
            let w = shown.chars().count() as f64 * LABEL_CHAR;
            let (from, to) = if anchor == "end" { (x - w, x) } else { (x, x + w) };
            assert!(from >= LEFT - 0.1 && to <= right + 0.1, "{from}..{to}: {shown}");
            shown
        };
        assert_eq!(within(fault_label(LEFT, "crash pipeline-1")), "crash pipeline-1");
        let long = "cut {leader(streams-wordcount-group-counts-store-changelog/2)} from {followers(streams-wordcount-group-counts-store-changelog/2)} (never healed in this trace)";
        let late = within(fault_label(right - 40.0, "crash in flight pipeline-1 (landed on its commit)"));
        assert_eq!(late, "crash in flight pipeline-1 (landed on its commit)", "moved left, not cut");
        let cut = within(fault_label(LEFT + 10.0, long));
        assert!(cut.ends_with('…') && long.starts_with(cut.trim_end_matches('…')), "{cut}");
    }

    #[test]
    fn lanes_faults_steps_and_escaped_lost_records() {
        let crash: Fault = serde_json::from_str(r#"{"kind":"crash","node":"pipeline-1"}"#).unwrap();
        let lines = vec![
            line(0, "harness", Event::Step { step_index: 0 }),
            line(5, "workload", Event::Produced {
                id: "<b>in-1".into(), key: "k\"".into(), value: "<script>x</script>".into(), topic: "t".into(),
                partition: Some(0), offset: Some(3), leader: Some(1), error: None, timestamp_ms: None,
            }),
            line(10, "harness", Event::FaultApplied { fault: crash.clone() }),
            line(10, "harness", Event::Step { step_index: 1 }),
            line(12, "pipeline-1", Event::Consumed { topic: "t".into(), partition: 0, offset: 3, ids: vec!["<b>in-1".into()] }),
            line(20, "harness", Event::FaultHealed { fault: crash }),
            line(30, "harness", Event::RunFinished { error: None }),
        ];
        let marks = Marks { lost: BTreeSet::from(["<b>in-1".to_string()]), ..Default::default() };
        let svg = svg("r2", &lines, &marks).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(">pipeline-1</text>") && svg.contains(">workload</text>"));
        assert!(svg.contains("step 1"));
        assert!(svg.contains("crash pipeline-1"));
        assert_eq!(svg.matches("class=\"lost\"").count(), 2);
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn an_instrumented_instances_writes_count_as_its_outputs() {
        let started = r#"{"time_ms":1000,"source":"harness","step":0,"type":"run_started","scenario":"s","campaign":"c","run":"r0","seed":1,"plan":{"seed":1,"faults":[]},"input_topic":"in.c-r0","output_topic":"out.c-r0","group":"g.c-r0","properties":[],"read_committed":false}"#;
        let step = r#"{"time_ms":1001,"source":"harness","step":0,"type":"step","step_index":0}"#;
        let span = |topic: &str| {
            format!(
                r#"{{"time_ms":1500,"source":"otlp","type":"span","service":"pipeline-2","trace_id":"aa","span_id":"bb","name":"{topic} publish","operation":"publish","topic":"{topic}","partition":0,"offset":4,"start_ms":1490,"end_ms":1500}}"#
            )
        };
        let lines: Vec<TraceLine> = [started.to_string(), step.to_string(), span("out.c-r0"), span("g.c-r0-store-changelog")]
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let rows = steps(&lines, &Marks::default());
        assert_eq!(rows[0].pipelines, vec![("pipeline-2".to_string(), 1, 0, 0)]);
    }
}
