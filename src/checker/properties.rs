//! The built-in properties, each a pure function of a history.

use std::collections::{BTreeMap, HashMap};

use super::values::{self, UnreadableValue};
use super::{CountMismatch, Duplicate, History, PropertyResult, RecordRef, Reorder, Verdict};
use crate::scenario::Property;

/// Checks one property.
pub fn check(property: Property, history: &History) -> PropertyResult {
    match property {
        Property::NoLostAcked => no_lost_acked(history),
        Property::NoDuplicates => no_duplicates(history),
        Property::PerKeyOrder => per_key_order(history),
        Property::ExactlyOnce => exactly_once(history),
        Property::WordCounts => word_counts(history),
        Property::FilterMap => super::filter_map::check(history),
        Property::KeySums => super::sums::check(history),
        Property::WindowCounts => super::windows::check(history),
        Property::TableJoin => super::joins::table(history),
        Property::StreamJoin => super::joins::streams(history),
        Property::TableTableJoin => super::tables::check(history),
    }
}

fn no_lost_acked(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::NoLostAcked);
    let acked = history.acked();
    if acked.is_empty() {
        r.vacuous = true;
        r.summary = "no input was acknowledged: nothing to lose".into();
        return r;
    }
    let seen: std::collections::HashSet<&str> =
        history.outputs.iter().flat_map(|o| o.ids.iter().map(String::as_str)).collect();
    r.lost = acked
        .values()
        .filter(|i| !seen.contains(i.id.as_str()))
        .map(|i| RecordRef::of(i, &history.run))
        .collect();
    r.lost.sort_by_key(|l| (l.partition, l.offset));
    if r.lost.is_empty() {
        r.summary = format!("all {} acknowledged inputs reached the output", acked.len());
    } else {
        r.verdict = history.missing_verdict();
        r.summary = format!(
            "{} of {} acknowledged inputs never reached the output{}{}",
            r.lost.len(),
            acked.len(),
            committed_past(history, &r.lost),
            if r.verdict == Verdict::Unknown { " (the pipeline had not caught up: unknown)" } else { "" }
        );
    }
    r
}

/// How many of the lost inputs the pipeline's group had committed past,
/// in words: the clue that separates "committed before its output was
/// written" (or an output lost after it was acknowledged) from "never read".
fn committed_past(history: &History, lost: &[RecordRef]) -> String {
    if history.committed.is_empty() {
        return String::new();
    }
    let past = lost
        .iter()
        .filter(|l| matches!((l.partition, l.offset), (Some(p), Some(o)) if history.committed.get(&p).is_some_and(|c| o < *c)))
        .count();
    match past {
        0 => format!("; the group {} had committed none of them", history.run.group),
        n if n == lost.len() => format!(
            "; the group {} had committed past every one of them on the input, so no restart reads them again (their \
             offsets were committed before their outputs were written, or the outputs were lost after)",
            history.run.group
        ),
        n => format!(
            "; the group {} had committed past {n} of them on the input, so no restart reads those again",
            history.run.group
        ),
    }
}

fn duplicates(history: &History) -> Vec<Duplicate> {
    let mut copies: BTreeMap<&str, Vec<&super::Output>> = BTreeMap::new();
    for o in &history.outputs {
        for id in &o.ids {
            copies.entry(id.as_str()).or_default().push(o);
        }
    }
    copies.into_iter().filter_map(|(id, outputs)| Duplicate::of(id, &outputs, &history.run)).collect()
}

fn no_duplicates(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::NoDuplicates);
    if history.outputs.is_empty() {
        r.vacuous = true;
        r.summary = "no output was read: nothing duplicated".into();
        return r;
    }
    r.duplicated = duplicates(history);
    if r.duplicated.is_empty() {
        r.summary = format!("each of {} outputs derives from a distinct input", history.outputs.len());
    } else {
        r.verdict = Verdict::Fail;
        r.summary = format!("{} inputs reached the output more than once", r.duplicated.len());
    }
    r
}

fn per_key_order(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::PerKeyOrder);
    let acked = history.acked();
    // Order holds within one topic: the branches of a split are ordered
    // each on its own, and a key's records in two of them are not; nor
    // are two topics merged into one stream, whose records of a key
    // interleave as the app reads them.
    let mut position: HashMap<&str, (&str, i32, i64)> = HashMap::new();
    for o in &history.outputs {
        for id in &o.ids {
            position.entry(id.as_str()).or_insert((history.run.topic_of(o), o.partition, o.offset));
        }
    }
    let mut by_key: BTreeMap<(&str, &str, &str), Vec<&super::Input>> = BTreeMap::new();
    for input in acked.values() {
        if let Some((topic, _, _)) = position.get(input.id.as_str()) {
            by_key.entry((input.key.as_str(), history.run.input_topic_of(input), topic)).or_default().push(input);
        }
    }
    let mut pairs = 0;
    for ((key, _, _), mut inputs) in by_key {
        inputs.sort_by_key(|i| (i.partition, i.offset));
        for w in inputs.windows(2) {
            pairs += 1;
            if position[w[0].id.as_str()] > position[w[1].id.as_str()] {
                r.reordered.push(Reorder { key: key.to_string(), earlier: w[0].id.clone(), later: w[1].id.clone() });
            }
        }
    }
    if pairs == 0 {
        r.vacuous = true;
        r.summary = "no key had two inputs in the output: nothing to order".into();
    } else if r.reordered.is_empty() {
        r.summary = format!("all {pairs} consecutive pairs of one key kept their order");
    } else {
        r.verdict = Verdict::Fail;
        r.summary = format!("{} pairs of one key came out in the opposite order", r.reordered.len());
    }
    r
}

fn exactly_once(history: &History) -> PropertyResult {
    let lost = no_lost_acked(history);
    let mut r = PropertyResult::passing(Property::ExactlyOnce);
    r.vacuous = lost.vacuous;
    r.lost = lost.lost;
    r.duplicated = duplicates(history);
    let known: std::collections::HashSet<&str> = history.inputs.iter().map(|i| i.id.as_str()).collect();
    let phantoms: Vec<&str> =
        history.outputs.iter().flat_map(|o| o.ids.iter()).map(String::as_str).filter(|id| !known.contains(id)).collect();
    r.verdict = super::records::verdict(history, !r.duplicated.is_empty() || !phantoms.is_empty(), !r.lost.is_empty());
    r.summary = if r.verdict == Verdict::Pass {
        format!("every acknowledged input appears exactly once among {} committed outputs", history.outputs.len())
    } else {
        format!(
            "{} acknowledged inputs lost, {} duplicated, {} outputs from unknown inputs",
            r.lost.len(),
            r.duplicated.len(),
            phantoms.len()
        )
    };
    r
}

fn word_counts(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::WordCounts);
    let mut expected: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for input in &history.inputs {
        let entry = expected.entry(input.value.as_str()).or_default();
        if input.acked {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    // The latest count of each word: outputs are sorted by (partition,
    // offset) and a word always lands on the same partition.
    let format = history.run.value_format;
    let mut observed: BTreeMap<&str, u64> = BTreeMap::new();
    let mut unreadable: Vec<(&super::Output, UnreadableValue)> = Vec::new();
    for o in &history.outputs {
        let Some(word) = o.key.as_deref() else { continue };
        match values::count(format, o.value.as_deref(), o.value_hex.as_deref()) {
            Some(Ok(count)) => {
                observed.insert(word, count);
            }
            Some(Err(e)) => unreadable.push((o, e)),
            None => {}
        }
    }
    if expected.values().all(|(acked, _)| *acked == 0) {
        r.vacuous = true;
        r.summary = "no input was acknowledged: no count to check".into();
        return r;
    }
    // A count the checker cannot read says the scenario describes the
    // pipeline's values wrongly, not that the pipeline is wrong.
    if let Some((o, e)) = unreadable.first() {
        r.verdict = Verdict::Unknown;
        let others = match unreadable.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more output)".to_string(),
            n => format!(" (and {n} more outputs)"),
        };
        r.summary = format!(
            "cannot read the count of output {}@{} (key {:?}): {e}{others}",
            o.partition,
            o.offset,
            o.key.as_deref().unwrap_or_default()
        );
        return r;
    }
    let words: std::collections::BTreeSet<&str> = expected.keys().chain(observed.keys()).copied().collect();
    for word in words {
        let (acked, ambiguous) = expected.get(word).copied().unwrap_or((0, 0));
        let seen = observed.get(word).copied().unwrap_or(0);
        if seen < acked || seen > acked + ambiguous {
            r.counts.push(CountMismatch { word: word.to_string(), expected: acked, ambiguous, observed: seen });
        }
    }
    if r.counts.is_empty() {
        r.summary = format!("the final counts of all {} words match the acknowledged inputs", expected.len());
    } else {
        let short = r.counts.iter().any(|c| c.observed < c.expected);
        r.verdict = if short && r.counts.iter().all(|c| c.observed <= c.expected) {
            history.missing_verdict()
        } else {
            Verdict::Fail
        };
        let over = r.counts.iter().filter(|c| c.observed > c.expected + c.ambiguous).count();
        let under = r.counts.len() - over;
        let mut why = Vec::new();
        if over > 0 {
            why.push(format!("{over} counted past their acknowledged inputs (some input counted twice)"));
        }
        if under > 0 {
            why.push(format!("{under} short of them (some acknowledged input not counted)"));
        }
        r.summary = format!("{} words have a wrong final count: {}", r.counts.len(), why.join(", "));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::super::{check as check_all, History, Input, Output};
    use super::*;

    fn input(id: &str, key: &str, value: &str, offset: i64, acked: bool) -> Input {
        Input {
            topic: String::new(),
            id: id.into(),
            key: key.into(),
            value: value.into(),
            partition: Some(0),
            offset: acked.then_some(offset),
            step: Some(0),
            acked,
            error: (!acked).then(|| "timed out".into()),
            timestamp_ms: None,
        }
    }

    fn output(offset: i64, key: &str, value: &str, ids: &[&str]) -> Output {
        Output {
            topic: String::new(),
            partition: 0,
            offset,
            key: Some(key.into()),
            value: Some(value.into()),
            value_hex: None,
            ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn history(inputs: Vec<Input>, outputs: Vec<Output>) -> History {
        History { inputs, outputs, caught_up: Some(true), ..History::default() }
    }

    /// `o` read from topic `topic` of a run whose outputs are `out` and
    /// `low`.
    fn on(topic: &str, mut o: Output) -> Output {
        o.topic = topic.into();
        o
    }

    fn split(inputs: Vec<Input>, outputs: Vec<Output>, each: Option<bool>) -> History {
        let mut h = history(inputs, outputs);
        h.run.output_topic = "out".into();
        h.run.more_outputs = vec!["low".into()];
        h.run.checker.each_output = each;
        h
    }

    #[test]
    fn merged_inputs_must_each_reach_the_output_and_keep_order_within_their_own_topic() {
        let from = |topic: &str, mut i: Input| {
            i.topic = topic.into();
            i
        };
        let inputs = vec![from("in", input("a", "k", "1", 0, true)), from("side", input("s", "k", "2", 0, true)), from("in", input("b", "k", "3", 1, true))];
        // The side's record came out first, between none of its own topic.
        let outputs = vec![output(0, "k", "2", &["s"]), output(1, "k", "1", &["a"]), output(2, "k", "3", &["b"])];
        let mut h = history(inputs.clone(), outputs.clone());
        h.run.input_topic = "in".into();
        let v = check_all(&h, &[Property::ExactlyOnce, Property::PerKeyOrder]);
        assert_eq!(v.verdict, Verdict::Pass, "{:?}", v.results);
        assert!(v.results[1].summary.contains("all 1 consecutive pairs"), "{}", v.results[1].summary);
        h.outputs.remove(0);
        let lost = check(Property::ExactlyOnce, &h);
        assert_eq!(lost.lost.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["s"]);
        assert_eq!(lost.lost[0].topic, None, "a run without a merged side names no topic");
        h.run.side_topic = Some("side".into());
        h.run.checker.merge = Some(true);
        assert_eq!(check(Property::ExactlyOnce, &h).lost[0].topic.as_deref(), Some("side"));
    }

    #[test]
    fn a_split_is_judged_over_its_branches_together_and_ordered_within_each() {
        let inputs = vec![input("a", "k", "1", 0, true), input("b", "k", "2", 1, true), input("c", "k", "3", 2, true)];
        // b went to the other branch, written there before a: no order
        // across topics; a and c keep theirs.
        let outputs = vec![on("low", output(0, "k", "2", &["b"])), on("out", output(5, "k", "1", &["a"])), on("out", output(6, "k", "3", &["c"]))];
        let v = check_all(&split(inputs.clone(), outputs.clone(), None), &[Property::ExactlyOnce, Property::PerKeyOrder]);
        assert_eq!(v.verdict, Verdict::Pass, "{:?}", v.results);
        assert!(v.results[1].summary.contains("all 1 consecutive pairs"), "{}", v.results[1].summary);
        // c before a in one branch is a reorder.
        let swapped = vec![outputs[0].clone(), on("out", output(5, "k", "3", &["c"])), on("out", output(6, "k", "1", &["a"]))];
        assert_eq!(check_all(&split(inputs.clone(), swapped, None), &[Property::PerKeyOrder]).verdict, Verdict::Fail);
        // A copy in each branch is a duplicate, each copy named by its topic.
        let twice = vec![outputs[0].clone(), on("out", output(5, "k", "1", &["a"])), on("out", output(6, "k", "3", &["c"])), on("low", output(1, "k", "1", &["a"]))];
        let r = check(Property::ExactlyOnce, &split(inputs.clone(), twice, None));
        assert_eq!((r.verdict, r.duplicated[0].topics.clone()), (Verdict::Fail, vec!["out".to_string(), "low".to_string()]));
        // The same outputs, read as a stream written whole to each topic,
        // lose inputs on both, each result naming its topic.
        let each = check_all(&split(inputs, outputs, Some(true)), &[Property::NoLostAcked]);
        assert_eq!(each.verdict, Verdict::Fail);
        let lost: Vec<(String, Vec<&str>)> =
            each.results.iter().map(|r| (r.summary.split(':').next().unwrap_or("").to_string(), r.lost.iter().map(|l| l.id.as_str()).collect())).collect();
        assert_eq!(lost, [("out".to_string(), vec!["b"]), ("low".to_string(), vec!["a", "c"])]);
    }

    #[test]
    fn a_lost_acked_input_is_named_and_an_unacked_one_is_vacuous() {
        let h = history(
            vec![input("a", "k", "x", 0, true), input("b", "k", "x", 1, true), input("c", "k", "x", 2, false)],
            vec![output(0, "k", "X", &["a"])],
        );
        let r = check(Property::NoLostAcked, &h);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.lost.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(r.lost[0].offset, Some(1));
    }

    #[test]
    fn lost_inputs_the_group_committed_past_are_said_so() {
        let inputs = vec![input("a", "k", "x", 0, true), input("b", "k", "x", 1, true), input("c", "k", "x", 2, true)];
        let mut h = history(inputs, vec![output(0, "k", "X", &["a"])]);
        h.run.group = "g".into();
        let said = |h: &History| check(Property::NoLostAcked, h).summary;
        assert_eq!(said(&h), "2 of 3 acknowledged inputs never reached the output", "no snapshot saw the group: nothing said");
        h.committed.insert(0, 3);
        assert!(said(&h).contains("the group g had committed past every one of them"), "{}", said(&h));
        h.committed.insert(0, 2);
        assert!(said(&h).ends_with("the group g had committed past 1 of them on the input, so no restart reads those again"), "{}", said(&h));
        h.committed.insert(0, 1);
        assert!(said(&h).ends_with("the group g had committed none of them"), "{}", said(&h));
    }

    #[test]
    fn missing_outputs_before_the_pipeline_caught_up_are_unknown_not_fail() {
        let mut h = history(vec![input("a", "k", "x", 0, true)], vec![]);
        h.caught_up = Some(false);
        assert_eq!(check(Property::NoLostAcked, &h).verdict, Verdict::Unknown);
    }

    #[test]
    fn nothing_acked_is_vacuous() {
        let h = history(vec![input("a", "k", "x", 0, false)], vec![]);
        let r = check(Property::NoLostAcked, &h);
        assert!(r.vacuous);
        assert_eq!(r.verdict, Verdict::Pass);
    }

    #[test]
    fn duplicates_name_every_copy() {
        let h = history(
            vec![input("a", "k", "x", 0, true)],
            vec![output(0, "k", "X", &["a"]), output(1, "k", "X", &["a"])],
        );
        let r = check(Property::NoDuplicates, &h);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.duplicated, vec![Duplicate { id: "a".into(), outputs: vec![(0, 0), (0, 1)], topics: vec![] }]);
        assert_eq!(check(Property::ExactlyOnce, &h).verdict, Verdict::Fail);
    }

    #[test]
    fn reordering_within_a_key_is_found() {
        let h = history(
            vec![input("a", "k", "x", 0, true), input("b", "k", "x", 1, true), input("c", "j", "x", 2, true)],
            vec![output(0, "k", "X", &["b"]), output(1, "j", "X", &["c"]), output(2, "k", "X", &["a"])],
        );
        let r = check(Property::PerKeyOrder, &h);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.reordered, vec![Reorder { key: "k".into(), earlier: "a".into(), later: "b".into() }]);
    }

    #[test]
    fn word_counts_allow_ambiguous_writes_but_not_loss_or_double_counting() {
        let inputs = vec![
            input("1", "k", "cat", 0, true),
            input("2", "k", "cat", 1, true),
            input("3", "k", "dog", 2, true),
            input("4", "k", "dog", 3, false),
        ];
        let good = history(inputs.clone(), vec![output(0, "cat", "2", &["2"]), output(1, "dog", "2", &["4"])]);
        assert_eq!(check(Property::WordCounts, &good).verdict, Verdict::Pass);
        let doubled = history(inputs.clone(), vec![output(0, "cat", "3", &["2"]), output(1, "dog", "1", &["3"])]);
        let r = check(Property::WordCounts, &doubled);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.counts[0], CountMismatch { word: "cat".into(), expected: 2, ambiguous: 0, observed: 3 });
        let restarted = history(inputs, vec![output(0, "cat", "2", &["2"]), output(1, "dog", "0", &["3"])]);
        assert_eq!(check(Property::WordCounts, &restarted).counts[0].word, "dog");
    }

    /// The trace of a fault-free run of the textbook Kafka Streams word
    /// count (`groupBy(word).count()`, values written with `Serdes.Long()`)
    /// as the harness records it: `cat` three times, `dog` 200 times.
    fn streams_word_count_trace(format: Option<crate::trace::ValueFormat>) -> Vec<crate::trace::TraceLine> {
        use crate::trace::{Event, TraceLine};
        let line = |event| TraceLine { time_ms: 0, source: "harness".into(), step: Some(0), event };
        let mut lines = vec![line(Event::RunStarted {
            scenario: "streams-word-count".into(),
            campaign: "c".into(),
            run: "r".into(),
            seed: 0,
            plan: serde_json::Value::Null,
            input_topic: "words".into(),
            output_topic: "counts".into(),
            more_outputs: vec![],
            group: "wordcount".into(),
            stages: Vec::new(),
            properties: vec!["word_counts".into()],
            read_committed: false,
            acks: Some("all".into()),
            input_min_isr: None,
            value_format: format,
            key_format: None,
            checker: Default::default(),
            side_topic: None,
            setup_ms: None,
        })];
        let words = std::iter::repeat_n("cat", 3).chain(std::iter::repeat_n("dog", 200));
        for (i, word) in words.enumerate() {
            lines.push(line(Event::Produced {
                id: format!("in-{i}"),
                key: format!("k{i}"),
                value: word.into(),
                topic: "words".into(),
                partition: Some(0),
                offset: Some(i as i64),
                leader: Some(1),
                error: None,
                timestamp_ms: None,
            }));
        }
        lines.push(line(Event::Drained { caught_up: true, waited_ms: 10, detail: String::new(), quiet_ms: None, committed: Vec::new() }));
        for (offset, (word, count)) in [("cat", 3i64), ("dog", 200)].into_iter().enumerate() {
            let bytes = count.to_be_bytes();
            let (value, value_hex) = crate::workload::raw_value(Some(&bytes));
            lines.push(line(Event::CheckerRead {
                topic: "counts".into(),
                partition: 0,
                offset: offset as i64,
                key: Some(word.into()),
                value,
                ids: vec![],
                value_hex,
                key_hex: None,
            }));
        }
        lines
    }

    #[test]
    fn a_streams_word_count_writing_longs_passes_with_value_format_long() {
        let h = History::from_trace(&streams_word_count_trace(Some(crate::trace::ValueFormat::Long))).unwrap();
        let r = check(Property::WordCounts, &h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    }

    /// A fault of the plan that could not be applied leaves the run
    /// without a verdict, whatever its properties say; one whose heal
    /// failed was injected (held longer), and the run keeps its verdict.
    #[test]
    fn a_run_that_could_not_inject_a_fault_has_no_verdict() {
        use crate::trace::{Event, TraceLine};
        let fault: crate::model::Fault = serde_json::from_str(r#"{"kind":"crash","node":"broker-2"}"#).unwrap();
        let line = |event| TraceLine { time_ms: 0, source: "harness".into(), step: Some(3), event };
        let failed = line(Event::FaultFailed { fault: fault.clone(), error: "the container is not running".into() });
        let checked = |extra: Vec<TraceLine>| {
            let mut lines = streams_word_count_trace(Some(crate::trace::ValueFormat::Long));
            lines.extend(extra);
            let h = History::from_trace(&lines).unwrap();
            super::super::check(&h, &[Property::WordCounts])
        };
        assert_eq!(checked(vec![]).verdict, Verdict::Pass);
        let unapplied = checked(vec![failed.clone()]);
        assert_eq!(unapplied.verdict, Verdict::Unknown);
        assert_eq!(unapplied.unproven, ["a fault of its plan was not injected: crash broker-2: the container is not running"]);
        let healed_late = checked(vec![line(Event::FaultApplied { fault }), failed]);
        assert_eq!((healed_late.verdict, healed_late.unproven.len()), (Verdict::Pass, 0));
    }

    #[test]
    fn a_streams_word_count_writing_longs_read_as_text_is_unknown_with_the_fix() {
        for format in [None, Some(crate::trace::ValueFormat::Text)] {
            let h = History::from_trace(&streams_word_count_trace(format)).unwrap();
            let r = check(Property::WordCounts, &h);
            assert_eq!(r.verdict, Verdict::Unknown);
            assert!(r.counts.is_empty());
            assert_eq!(
                r.summary,
                "cannot read the count of output 0@0 (key \"cat\"): 8 bytes 00 00 00 00 00 00 00 03 are not a count \
                 as value_format \"text\" reads it (not decimal digits); set [pipeline] value_format = \"long\" in the \
                 scenario (and 1 more output)"
            );
        }
    }

    #[test]
    fn json_counts_are_read_with_value_format_json() {
        let mut h = history(
            vec![input("1", "k", "cat", 0, true), input("2", "k", "cat", 1, true)],
            vec![output(0, "cat", "2.0", &["2"])],
        );
        assert_eq!(check(Property::WordCounts, &h).verdict, Verdict::Unknown);
        h.run.value_format = crate::trace::ValueFormat::Json;
        assert_eq!(check(Property::WordCounts, &h).verdict, Verdict::Pass);
    }

    #[test]
    fn verdicts_compose_fail_over_unknown_over_pass() {
        let mut h = history(vec![input("a", "k", "x", 0, true)], vec![output(0, "k", "X", &["a"]), output(1, "k", "X", &["a"])]);
        h.caught_up = Some(false);
        let v = check_all(&h, &[Property::NoLostAcked, Property::NoDuplicates]);
        assert_eq!(v.verdict, Verdict::Fail);
        assert_eq!(Verdict::Pass.and(Verdict::Unknown), Verdict::Unknown);
        assert_eq!(Verdict::Unknown.and(Verdict::Fail), Verdict::Fail);
    }
}
