//! The workload's numbers and the `[checker]` table, checked against the
//! properties that need them: a property that computes sums, filters or
//! windows from the inputs cannot be exact without numbers to sum and the
//! window the app uses, so a scenario missing them is refused before a
//! cluster starts, naming the field to add.

use toml::Spanned;

use super::problems::Checker;
use super::raw::{RawChecker, RawWorkload};
use super::Property;
use crate::model::Expectations;

/// Longest window the checker accepts: a day.
const MAX_WINDOW_MILLIS: u64 = 86_400_000;

/// `[workload] numbers = [min, max]`, checked.
pub(super) fn numbers(c: &mut Checker, w: &RawWorkload) -> Option<(i64, i64)> {
    let n = w.numbers.as_ref()?;
    match n.get_ref().as_slice() {
        [min, max] if min <= max => {
            if w.words.is_some() {
                c.at(n, "workload.numbers", "numbers and words are both set", "keep one: numbers for sums and filters, words for counts");
            }
            Some((*min, *max))
        }
        [min, max] => {
            c.at(n, "workload.numbers", format!("[{min}, {max}]: the first is larger"), format!("write [{max}, {min}]"));
            None
        }
        other => {
            c.at(n, "workload.numbers", format!("{} numbers", other.len()), "write [min, max], e.g. [1, 100]");
            None
        }
    }
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
        return Expectations::default();
    };
    let window_millis = raw.window_millis.as_ref().map(Spanned::get_ref).copied();
    match (&raw.window_millis, wants(Property::WindowCounts)) {
        (None, true) => c.nowhere("checker.window_millis", "property window-counts needs the pipeline's window",
            "add window_millis = <the app's window size in ms> to [checker]"),
        (Some(w), _) if *w.get_ref() == 0 || *w.get_ref() > MAX_WINDOW_MILLIS => c.at(w, "checker.window_millis",
            format!("{} ms", w.get_ref()), format!("use 1 to {MAX_WINDOW_MILLIS} ms, the app's window size")),
        _ => {}
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
    }
}
