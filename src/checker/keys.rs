//! Reading an output key in the format the pipeline writes it
//! (`[pipeline] key_format`).
//!
//! A windowed aggregate in Kafka Streams is keyed by `Windowed<K>`, and the
//! docs write it out with `WindowedSerdes.timeWindowedSerdeFrom(...)`: the
//! key's bytes, then the window's start as 8 big-endian bytes. An app
//! written that way should be checked as it is, not rewritten to print its
//! keys; so the harness records a key's bytes as it read them (text when
//! UTF-8, else hex) and the history reads them here, once, into the text
//! the properties and the lineage compare: `<key>@<window start ms>` for a
//! windowed key, `[<key>@<start>/<end>]` for a session (as
//! `Windowed.toString()` writes both), the key itself otherwise.
//!
//! A key the format does not read is kept as it was seen (its text, else
//! `0x` and its hex), never dropped: a property that needs it parsed says
//! the verdict is unknown and shows it.

use super::values::from_hex;
use crate::trace::KeyFormat;

/// The bytes of a window's start at the end of a windowed key.
const START_BYTES: usize = 8;

/// The key as the properties read it; `None` when the record had no key.
pub fn read(format: KeyFormat, key: Option<&str>, key_hex: Option<&str>) -> Option<String> {
    let as_seen = || key.map(str::to_string).or_else(|| key_hex.map(|hex| format!("0x{hex}")));
    let bytes = match (key, key_hex) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(hex)) => match from_hex(hex) {
            Some(bytes) => bytes,
            None => return as_seen(),
        },
        (None, None) => return None,
    };
    match format {
        KeyFormat::Text => as_seen(),
        KeyFormat::Windowed => windowed(&bytes).or_else(as_seen),
        KeyFormat::Session => session(&bytes).or_else(as_seen),
    }
}

/// `[<key>@<start>/<end>]` from a session-windowed key's bytes (the key,
/// the end, the start), if they are one.
fn session(bytes: &[u8]) -> Option<String> {
    let split = bytes.len().checked_sub(2 * START_BYTES)?;
    let (key, bounds) = bytes.split_at(split);
    let key = std::str::from_utf8(key).ok()?;
    let (end, start) = bounds.split_at(START_BYTES);
    let (start, end) = (i64::from_be_bytes(start.try_into().ok()?), i64::from_be_bytes(end.try_into().ok()?));
    (start <= end).then(|| format!("[{key}@{start}/{end}]"))
}

/// `<key>@<start>` from a time-windowed key's bytes, if they are one.
fn windowed(bytes: &[u8]) -> Option<String> {
    let split = bytes.len().checked_sub(START_BYTES)?;
    let (key, start) = bytes.split_at(split);
    let key = std::str::from_utf8(key).ok()?;
    let start = i64::from_be_bytes(start.try_into().ok()?);
    Some(format!("{key}@{start}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::raw_value;

    /// A key as the harness records it, from its bytes.
    fn recorded(bytes: &[u8]) -> (Option<String>, Option<String>) {
        raw_value(Some(bytes))
    }

    fn windowed_key(key: &str, start: i64) -> Vec<u8> {
        [key.as_bytes(), &start.to_be_bytes()].concat()
    }

    #[test]
    fn a_windowed_key_reads_as_key_at_start_whether_or_not_its_bytes_are_utf8() {
        for start in [1_796_000_000_000i64, 0x3030_3030_3030, 5000] {
            let (key, hex) = recorded(&windowed_key("cart", start));
            assert_eq!(read(KeyFormat::Windowed, key.as_deref(), hex.as_deref()), Some(format!("cart@{start}")), "start {start}");
        }
    }

    #[test]
    fn a_session_key_reads_as_its_key_start_and_end() {
        let bytes = [b"cart".as_slice(), &7000i64.to_be_bytes(), &5000i64.to_be_bytes()].concat();
        let (key, hex) = recorded(&bytes);
        assert_eq!(read(KeyFormat::Session, key.as_deref(), hex.as_deref()), Some("[cart@5000/7000]".into()));
        let reversed = [b"cart".as_slice(), &5000i64.to_be_bytes(), &7000i64.to_be_bytes()].concat();
        let (key, hex) = recorded(&reversed);
        assert!(read(KeyFormat::Session, key.as_deref(), hex.as_deref()).unwrap().starts_with("0x"), "an end before its start is no session");
    }

    #[test]
    fn a_key_the_format_does_not_read_is_kept_as_seen() {
        assert_eq!(read(KeyFormat::Windowed, Some("k1"), None), Some("k1".into()));
        let (key, hex) = recorded(&[0xff, 0x01]);
        assert_eq!(read(KeyFormat::Windowed, key.as_deref(), hex.as_deref()), Some("0xff01".into()));
        assert_eq!(read(KeyFormat::Text, key.as_deref(), hex.as_deref()), Some("0xff01".into()));
        let (key, hex) = recorded(&[0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(read(KeyFormat::Windowed, key.as_deref(), hex.as_deref()), Some("0xfffe0000000000000001".into()), "a key part that is not UTF-8");
        assert_eq!(read(KeyFormat::Windowed, None, Some("zz")), Some("0xzz".into()), "a trace's key_hex that is no hex");
    }

    #[test]
    fn a_text_key_is_the_key_and_no_key_is_none() {
        let (key, hex) = recorded(&windowed_key("cart", 5000));
        assert_eq!(read(KeyFormat::Text, key.as_deref(), hex.as_deref()), key.or(hex.map(|h| format!("0x{h}"))));
        assert_eq!(read(KeyFormat::Text, Some("home@4000"), None), Some("home@4000".into()));
        assert_eq!(read(KeyFormat::Windowed, None, None), None);
    }
}
