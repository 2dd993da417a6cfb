//! `filter-map`: a stateless filter and map of numbers, checked record by
//! record. Each output names its input by the `ldfi-id` header the
//! pipeline copies (Kafka Streams forwards headers through stateless
//! operators), so every acknowledged input is accounted for: kept and
//! written once with its number times `multiply`, or dropped because it is
//! below `keep_at_least`. An output of a dropped input, a wrong value, a
//! second copy or an output of no input is a failure; a kept input never
//! written is lost (a failure once the pipeline caught up).

use std::collections::HashMap;

use super::records::{self, unknown};
use super::{Duplicate, History, PropertyResult, RecordRef, WrongOutput};
use crate::scenario::Property;

pub fn check(history: &History) -> PropertyResult {
    let mut r = PropertyResult::passing(Property::FilterMap);
    let expect = &history.run.checker;
    let factor = expect.multiply.unwrap_or(1);
    let keeps = |n: i64| expect.keep_at_least.is_none_or(|min| n >= min);
    let mut numbers = HashMap::new();
    for input in &history.inputs {
        match input.value.trim().parse::<i64>() {
            Ok(n) => numbers.insert(input.id.as_str(), n),
            Err(_) => {
                return unknown(r, format!(
                    "input {} has the value {:?}, not a whole number: filter-map filters numbers (set [workload] numbers = [min, max])",
                    input.id, input.value
                ))
            }
        };
    }
    let kept: Vec<_> = history.inputs.iter().filter(|i| i.acked && keeps(numbers[i.id.as_str()])).collect();
    if kept.is_empty() {
        r.vacuous = true;
        r.summary = "no acknowledged input passes the filter: nothing to find in the output".into();
        return r;
    }
    let copies = match records::by_id(history, "filter-map") {
        Ok(copies) => copies,
        Err(why) => return unknown(r, why),
    };
    for o in history.outputs.iter().filter(|o| o.ids.is_empty()) {
        r.wrong.push(WrongOutput::at(o, "", "carries no ldfi-id header".into()));
    }
    for (id, outputs) in &copies {
        let Some(&n) = numbers.get(id) else {
            r.wrong.extend(outputs.iter().map(|o| WrongOutput::at(o, id, "from no input the workload wrote".into())));
            continue;
        };
        if !keeps(n) {
            let min = expect.keep_at_least.unwrap_or(i64::MIN);
            r.wrong.extend(outputs.iter().map(|o| WrongOutput::at(o, id, format!("from {n}, below keep_at_least {min}: the filter drops it"))));
            continue;
        }
        let expected = i128::from(n) * i128::from(factor);
        for o in outputs {
            let observed = o.value.as_deref().and_then(|v| v.trim().parse::<i128>().ok());
            if observed != Some(expected) {
                r.wrong.push(WrongOutput::at(o, id, format!("expected {expected} ({n} × {factor})")));
            }
        }
        if outputs.len() > 1 {
            r.duplicated.extend(Duplicate::of(id, outputs, &history.run));
        }
    }
    r.lost = kept
        .iter()
        .filter(|i| !copies.contains_key(i.id.as_str()))
        .map(|i| RecordRef::of(i, &history.run))
        .collect();
    r.lost.sort_by_key(|l| (l.partition, l.offset));
    r.verdict = records::verdict(history, !r.wrong.is_empty() || !r.duplicated.is_empty(), !r.lost.is_empty());
    r.summary = if r.verdict == super::Verdict::Pass {
        format!("each of the {} acknowledged inputs the filter keeps was written once, mapped right", kept.len())
    } else {
        format!(
            "of {} acknowledged inputs the filter keeps, {} lost and {} written more than once; {} outputs wrong",
            kept.len(),
            r.lost.len(),
            r.duplicated.len(),
            r.wrong.len()
        )
    };
    r
}

#[cfg(test)]
mod tests {
    use super::super::{Input, Output, Verdict};
    use super::*;
    use crate::model::Expectations;

    fn input(id: &str, value: &str, offset: i64, acked: bool) -> Input {
        Input {
            topic: String::new(),
            id: id.into(),
            key: "k".into(),
            value: value.into(),
            partition: Some(0),
            offset: acked.then_some(offset),
            step: Some(0),
            acked,
            error: (!acked).then(|| "timed out".into()),
            timestamp_ms: None,
        }
    }

    fn output(offset: i64, value: &str, ids: &[&str]) -> Output {
        Output { topic: String::new(), partition: 0, offset, key: Some("k".into()), value: Some(value.into()), value_hex: None, ids: ids.iter().map(|s| s.to_string()).collect() }
    }

    fn history(outputs: Vec<Output>) -> History {
        let mut h = History {
            inputs: vec![input("a", "60", 0, true), input("b", "10", 1, true), input("c", "70", 2, false), input("d", "55", 3, true)],
            outputs,
            caught_up: Some(true),
            ..History::default()
        };
        h.run.checker = Expectations { keep_at_least: Some(50), multiply: Some(3), ..Expectations::default() };
        h
    }

    #[test]
    fn kept_inputs_once_with_their_mapped_value_pass_and_an_ambiguous_one_may_appear() {
        let h = history(vec![output(0, "180", &["a"]), output(1, "210", &["c"]), output(2, "165", &["d"])]);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(check(&history(vec![output(0, "180", &["a"]), output(2, "165", &["d"])])).verdict == Verdict::Pass);
    }

    #[test]
    fn a_dropped_input_written_a_wrong_value_and_a_second_copy_fail_with_their_reason() {
        let h = history(vec![output(0, "180", &["a"]), output(1, "30", &["b"]), output(2, "55", &["d"]), output(3, "180", &["a"])]);
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Fail);
        let why: Vec<(&str, &str)> = r.wrong.iter().map(|w| (w.id.as_str(), w.why.as_str())).collect();
        assert_eq!(why, [("b", "from 10, below keep_at_least 50: the filter drops it"), ("d", "expected 165 (55 × 3)")]);
        assert_eq!(r.duplicated, vec![Duplicate { id: "a".into(), outputs: vec![(0, 0), (0, 3)], topics: vec![] }]);
    }

    #[test]
    fn a_kept_input_missing_is_lost_and_only_unknown_before_the_pipeline_caught_up() {
        let mut h = history(vec![output(0, "180", &["a"])]);
        let r = check(&h);
        assert_eq!((r.verdict, r.lost.iter().map(|l| l.id.as_str()).collect::<Vec<_>>()), (Verdict::Fail, vec!["d"]));
        h.caught_up = Some(false);
        assert_eq!(check(&h).verdict, Verdict::Unknown);
    }

    #[test]
    fn outputs_without_ids_or_inputs_without_numbers_are_unknown_with_the_fix() {
        let r = check(&history(vec![output(0, "180", &[]), output(1, "165", &[])]));
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("copy record headers"), "{}", r.summary);
        let mut words = history(vec![]);
        words.inputs[0].value = "kafka".into();
        let r = check(&words);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(r.summary.contains("[workload] numbers"), "{}", r.summary);
    }
}
