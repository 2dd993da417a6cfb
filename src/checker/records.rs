//! What the properties that match outputs to inputs record by record share:
//! the outputs by the `ldfi-id` they carry, an output named as wrong, the
//! verdict such evidence gives, and an unknown verdict with its reason.

use std::collections::BTreeMap;

use super::{History, Output, PropertyResult, Verdict, WrongOutput};

/// The outputs by the input id they carry; `Err` (the reason, with the
/// fix) when outputs were read and none carries one.
pub(super) fn by_id<'a>(history: &'a History, matched: &str) -> Result<BTreeMap<&'a str, Vec<&'a Output>>, String> {
    if !history.outputs.is_empty() && history.outputs.iter().all(|o| o.ids.is_empty()) {
        return Err(format!(
            "none of the {} outputs carries an ldfi-id header, which {matched} matches outputs to inputs by: \
             make the pipeline copy record headers to its outputs",
            history.outputs.len()
        ));
    }
    let mut copies: BTreeMap<&str, Vec<&Output>> = BTreeMap::new();
    for o in &history.outputs {
        for id in &o.ids {
            copies.entry(id.as_str()).or_default().push(o);
        }
    }
    Ok(copies)
}

impl WrongOutput {
    /// Output `o`, from input `id`, is wrong for `why`.
    pub(super) fn at(o: &Output, id: &str, why: String) -> WrongOutput {
        WrongOutput { id: id.to_string(), partition: o.partition, offset: o.offset, observed: o.value.clone(), why }
    }
}

/// A wrong or duplicated output fails; a missing one fails once the
/// pipeline caught up (before, it may still be on its way).
pub(super) fn verdict(history: &History, wrong: bool, missing: bool) -> Verdict {
    if wrong {
        Verdict::Fail
    } else if missing {
        history.missing_verdict()
    } else {
        Verdict::Pass
    }
}

/// `r` as an unknown verdict, for `why`.
pub(super) fn unknown(mut r: PropertyResult, why: String) -> PropertyResult {
    r.verdict = Verdict::Unknown;
    r.summary = why;
    r
}
