//! Reading a count out of an output value, in the format the pipeline
//! writes it (`[pipeline] value_format`).
//!
//! A user's own pipeline picks its serializer: a Kafka Streams word count
//! writes `Serdes.Long()` (8 big-endian bytes), a plain client often
//! writes decimal text, a JSON service a JSON number. The harness records
//! the bytes as it read them (text when UTF-8, else hex) and the decision
//! of what they mean is made here, from the run's declared format.
//!
//! A value the format does not read is not evidence of a bug: it means the
//! scenario describes the pipeline wrongly. So it is an
//! [`UnreadableValue`], which the property turns into an unknown verdict,
//! and its message says what was seen and which format would read it.

use thiserror::Error;

use crate::trace::ValueFormat;

/// Why an output's value is not a count in the run's format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnreadableValue {
    /// The bytes are not a count (or a sum, `what`) as `format` reads them.
    #[error("{} {} not {what} as value_format \"{}\" reads it ({why}); {}",
        describe(seen), if plural(seen) { "are" } else { "is" }, format.name(), advice(*fix, what))]
    NotACount {
        /// `a count`, `a sum`.
        what: &'static str,
        format: ValueFormat,
        seen: Vec<u8>,
        why: &'static str,
        /// A format that reads these bytes as a count, if one does.
        fix: Option<ValueFormat>,
    },
    /// The trace's `value_hex` is not hex (a trace not written by ldfi).
    #[error("its value_hex {0:?} is not hexadecimal")]
    BadHex(String),
}

/// The count an output's recorded value holds, read as `format`; `None`
/// when the record has no value at all (a tombstone).
pub fn count(format: ValueFormat, value: Option<&str>, value_hex: Option<&str>) -> Option<Result<u64, UnreadableValue>> {
    let bytes = match bytes_of(value, value_hex)? {
        Ok(bytes) => bytes,
        Err(e) => return Some(Err(e)),
    };
    Some(decode(format, &bytes).map_err(|why| UnreadableValue::NotACount {
        what: "a count",
        format,
        fix: guess(format, &bytes, |f, b| decode(f, b).is_ok()),
        seen: bytes,
        why,
    }))
}

/// An aggregate as a pipeline writes it: a sum, and the count beside it
/// when the value carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aggregate {
    pub sum: i64,
    pub count: Option<u64>,
}

/// The aggregate an output's recorded value holds, read as `format`: a
/// whole number (the sum) in any format, or with `json` an object with a
/// `sum` and an optional `count` field. `None` for a tombstone.
pub fn aggregate(format: ValueFormat, value: Option<&str>, value_hex: Option<&str>) -> Option<Result<Aggregate, UnreadableValue>> {
    let bytes = match bytes_of(value, value_hex)? {
        Ok(bytes) => bytes,
        Err(e) => return Some(Err(e)),
    };
    Some(decode_aggregate(format, &bytes).map_err(|why| UnreadableValue::NotACount {
        what: "a sum",
        format,
        fix: guess(format, &bytes, |f, b| decode_aggregate(f, b).is_ok()),
        seen: bytes,
        why,
    }))
}

fn bytes_of(value: Option<&str>, value_hex: Option<&str>) -> Option<Result<Vec<u8>, UnreadableValue>> {
    match (value, value_hex) {
        (Some(text), _) => Some(Ok(text.as_bytes().to_vec())),
        (None, Some(hex)) => Some(from_hex(hex).ok_or_else(|| UnreadableValue::BadHex(hex.to_string()))),
        (None, None) => None,
    }
}

fn decode_aggregate(format: ValueFormat, bytes: &[u8]) -> Result<Aggregate, &'static str> {
    let sum = |sum| Ok(Aggregate { sum, count: None });
    match format {
        ValueFormat::Text => {
            let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text")?.trim();
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not a whole decimal number");
            }
            text.parse().map_or(Err("too large for a sum"), sum)
        }
        ValueFormat::Long => sum(long(bytes)?),
        ValueFormat::Double => sum(whole_double(bytes)?),
        ValueFormat::Int => {
            let bytes: [u8; 4] = bytes.try_into().map_err(|_| "not exactly 4 bytes")?;
            sum(i64::from(i32::from_be_bytes(bytes)))
        }
        ValueFormat::Json => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(serde_json::Value::Number(n)) => n.as_i64().map_or(Err("not a whole number"), sum),
            Ok(serde_json::Value::Object(fields)) => {
                let sum = fields.get("sum").ok_or("a JSON object without a \"sum\" field")?;
                let sum = sum.as_i64().ok_or("its \"sum\" is not a whole number")?;
                let count = match fields.get("count") {
                    None => None,
                    Some(c) => Some(c.as_u64().ok_or("its \"count\" is not a whole non-negative number")?),
                };
                Ok(Aggregate { sum, count })
            }
            Ok(_) => Err("JSON, but neither a number nor an object"),
            Err(_) => Err("not JSON"),
        },
    }
}

/// Reads `bytes` as a count in `format`, or says why it cannot.
pub fn decode(format: ValueFormat, bytes: &[u8]) -> Result<u64, &'static str> {
    match format {
        ValueFormat::Text => {
            let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text")?.trim();
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not decimal digits");
            }
            text.parse().map_err(|_| "too large for a count")
        }
        ValueFormat::Long => u64::try_from(long(bytes)?).map_err(|_| "a negative long"),
        ValueFormat::Double => u64::try_from(whole_double(bytes)?).map_err(|_| "a negative double"),
        ValueFormat::Int => {
            let bytes: [u8; 4] = bytes.try_into().map_err(|_| "not exactly 4 bytes")?;
            u64::try_from(i32::from_be_bytes(bytes)).map_err(|_| "a negative int")
        }
        ValueFormat::Json => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(serde_json::Value::Number(n)) => {
                if let Some(count) = n.as_u64() {
                    Ok(count)
                } else if n.as_i64().is_some() {
                    Err("a negative number")
                } else {
                    match n.as_f64() {
                        Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => Ok(f as u64),
                        _ => Err("not a whole non-negative number"),
                    }
                }
            }
            Ok(_) => Err("JSON, but not a number"),
            Err(_) => Err("not JSON"),
        },
    }
}

/// A long this large is no count or sum of a workload's inputs: past it,
/// 8 bytes that are also a whole double are read as the double they are.
const IMPLAUSIBLE_LONG: i64 = 1 << 60;

/// 8 big-endian bytes as a long, unless they are a whole double: any
/// double from 1.0 up reads as a long past [`IMPLAUSIBLE_LONG`], so a
/// `Serdes.Double()` sum declared a long is refused with the fix rather
/// than judged a sum of quintillions.
fn long(bytes: &[u8]) -> Result<i64, &'static str> {
    let bytes: [u8; 8] = bytes.try_into().map_err(|_| "not exactly 8 bytes")?;
    let n = i64::from_be_bytes(bytes);
    if n.unsigned_abs() >= IMPLAUSIBLE_LONG.unsigned_abs() && whole_double(&bytes).is_ok() {
        return Err("a whole double (Serdes.Double()), as a long far past any count or sum");
    }
    Ok(n)
}

/// 8 big-endian bytes as a double that is a whole number within a long.
fn whole_double(bytes: &[u8]) -> Result<i64, &'static str> {
    let bytes: [u8; 8] = bytes.try_into().map_err(|_| "not exactly 8 bytes")?;
    let d = f64::from_be_bytes(bytes);
    // 2^63 as a double: a whole double below it in magnitude is a long.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if d.is_finite() && d.fract() == 0.0 && d.abs() < LIMIT {
        Ok(d as i64)
    } else {
        Err("not a whole double")
    }
}

/// The other format that `reads` the bytes, if any: a long first (8 bytes
/// that are not digits are almost surely one), then a double, text, JSON,
/// and last an int (any 4 bytes read as one, "12.0" too).
fn guess(format: ValueFormat, bytes: &[u8], reads: fn(ValueFormat, &[u8]) -> bool) -> Option<ValueFormat> {
    [ValueFormat::Long, ValueFormat::Double, ValueFormat::Text, ValueFormat::Json, ValueFormat::Int]
        .into_iter()
        .filter(|f| *f != format)
        .find(|f| reads(*f, bytes))
}

fn advice(fix: Option<ValueFormat>, what: &str) -> String {
    match fix {
        Some(f) => format!("set [pipeline] value_format = \"{}\" in the scenario", f.name()),
        None => {
            let known: Vec<&str> = ValueFormat::ALL.iter().map(|f| f.name()).collect();
            format!(
                "no format ldfi knows ({}) reads it as {what}: is this the topic the pipeline writes its results to?",
                known.join(", ")
            )
        }
    }
}

fn plural(seen: &[u8]) -> bool {
    !printable(seen)
}

/// What was seen, for people: printable text quoted, anything else as its
/// bytes in hex.
fn describe(seen: &[u8]) -> String {
    const MAX_CHARS: usize = 40;
    const MAX_BYTES: usize = 16;
    if seen.is_empty() {
        return "0 bytes (an empty value)".to_string();
    }
    if printable(seen) {
        let text = std::str::from_utf8(seen).expect("printable is UTF-8");
        let short: String = text.chars().take(MAX_CHARS).collect();
        let more = if short.len() < text.len() { "…" } else { "" };
        return format!("the text {:?}", format!("{short}{more}"));
    }
    let hex: Vec<String> = seen.iter().take(MAX_BYTES).map(|b| format!("{b:02x}")).collect();
    let more = if seen.len() > MAX_BYTES { " …" } else { "" };
    format!("{} byte{} {}{more}", seen.len(), if seen.len() == 1 { "" } else { "s" }, hex.join(" "))
}

fn printable(seen: &[u8]) -> bool {
    std::str::from_utf8(seen).is_ok_and(|text| !text.is_empty() && !text.chars().any(char::is_control))
}

pub(super) fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(n: i64) -> Vec<u8> {
        n.to_be_bytes().to_vec()
    }

    #[test]
    fn text_reads_trimmed_decimal_digits_only() {
        assert_eq!(decode(ValueFormat::Text, b" 12\n"), Ok(12));
        assert!(decode(ValueFormat::Text, b"+12").is_err());
        assert!(decode(ValueFormat::Text, b"12.0").is_err());
        assert!(decode(ValueFormat::Text, b"").is_err());
    }

    #[test]
    fn long_reads_exactly_eight_big_endian_bytes() {
        assert_eq!(decode(ValueFormat::Long, &long(3)), Ok(3));
        assert_eq!(decode(ValueFormat::Long, &long(1 << 40)), Ok(1 << 40));
        assert_eq!(decode(ValueFormat::Long, b"3"), Err("not exactly 8 bytes"));
        assert_eq!(decode(ValueFormat::Long, &long(-1)), Err("a negative long"));
    }

    #[test]
    fn double_reads_whole_values_and_a_double_declared_long_says_so() {
        let double = |d: f64| d.to_be_bytes().to_vec();
        assert_eq!(decode(ValueFormat::Double, &double(5026.0)), Ok(5026));
        assert_eq!(decode(ValueFormat::Double, &double(0.0)), Ok(0));
        assert_eq!(decode(ValueFormat::Double, &double(2.5)), Err("not a whole double"));
        assert_eq!(decode(ValueFormat::Double, &double(-3.0)), Err("a negative double"));
        assert_eq!(aggregate(ValueFormat::Double, None, Some("c0a7700000000000")), Some(Ok(Aggregate { sum: -3000, count: None })));
        // Serdes.Double() bytes under value_format = "long": refused, with
        // the format that reads them, never a sum of quintillions.
        let e = count(ValueFormat::Long, None, Some("40b3a20000000000")).unwrap().unwrap_err();
        assert!(e.to_string().contains("set [pipeline] value_format = \"double\""), "{e}");
        let e = aggregate(ValueFormat::Long, None, Some("40b3a20000000000")).unwrap().unwrap_err();
        assert!(e.to_string().contains("value_format = \"double\""), "{e}");
        // A long read as a double: 3 is a subnormal, not whole.
        let e = count(ValueFormat::Double, None, Some("0000000000000003")).unwrap().unwrap_err();
        assert!(e.to_string().contains("value_format = \"long\""), "{e}");
    }

    #[test]
    fn json_reads_integer_valued_numbers() {
        assert_eq!(decode(ValueFormat::Json, b"12"), Ok(12));
        assert_eq!(decode(ValueFormat::Json, b"12.0"), Ok(12));
        assert_eq!(decode(ValueFormat::Json, b"1e2"), Ok(100));
        assert!(decode(ValueFormat::Json, b"12.5").is_err());
        assert!(decode(ValueFormat::Json, b"-1").is_err());
        assert!(decode(ValueFormat::Json, b"\"12\"").is_err());
        assert!(decode(ValueFormat::Json, b"{\"count\":12}").is_err());
    }

    #[test]
    fn a_long_is_read_from_the_utf8_text_or_the_hex_the_trace_kept() {
        // 00..03 is valid UTF-8, so the harness kept it as text; 00..c8 is
        // not, so it kept it as hex.
        let three = String::from_utf8(long(3)).unwrap();
        assert_eq!(count(ValueFormat::Long, Some(&three), None), Some(Ok(3)));
        assert_eq!(count(ValueFormat::Long, None, Some("00000000000000c8")), Some(Ok(200)));
        assert_eq!(count(ValueFormat::Long, None, None), None);
        assert_eq!(count(ValueFormat::Long, None, Some("0x")), Some(Err(UnreadableValue::BadHex("0x".into()))));
    }

    #[test]
    fn eight_non_text_bytes_read_as_text_suggest_long() {
        let three = String::from_utf8(long(3)).unwrap();
        let e = count(ValueFormat::Text, Some(&three), None).unwrap().unwrap_err();
        assert_eq!(
            e.to_string(),
            "8 bytes 00 00 00 00 00 00 00 03 are not a count as value_format \"text\" reads it (not decimal digits); \
             set [pipeline] value_format = \"long\" in the scenario"
        );
        let e = count(ValueFormat::Text, None, Some("00000000000000c8")).unwrap().unwrap_err();
        assert!(matches!(e, UnreadableValue::NotACount { fix: Some(ValueFormat::Long), why: "not UTF-8 text", .. }));
    }

    #[test]
    fn text_read_as_long_suggests_text_and_a_fraction_suggests_json() {
        let e = count(ValueFormat::Long, Some("12"), None).unwrap().unwrap_err();
        assert_eq!(
            e.to_string(),
            "the text \"12\" is not a count as value_format \"long\" reads it (not exactly 8 bytes); \
             set [pipeline] value_format = \"text\" in the scenario"
        );
        let e = count(ValueFormat::Text, Some("12.0"), None).unwrap().unwrap_err();
        assert!(e.to_string().ends_with("set [pipeline] value_format = \"json\" in the scenario"), "{e}");
    }

    #[test]
    fn a_value_no_format_reads_says_so() {
        let e = count(ValueFormat::Text, Some("cat"), None).unwrap().unwrap_err();
        assert!(matches!(e, UnreadableValue::NotACount { fix: None, .. }));
        assert!(e.to_string().contains("no format ldfi knows (text, long, int, json, double) reads it"), "{e}");
    }

    #[test]
    fn int_reads_exactly_four_big_endian_bytes_and_a_long_read_as_one_says_so() {
        assert_eq!(count(ValueFormat::Int, None, Some("0000002a")).unwrap(), Ok(42));
        assert_eq!(aggregate(ValueFormat::Int, None, Some("fffffffe")).unwrap(), Ok(Aggregate { sum: -2, count: None }));
        let e = count(ValueFormat::Int, None, Some("000000000000002a")).unwrap().unwrap_err();
        assert!(e.to_string().contains("value_format = \"long\""), "{e}");
        let e = count(ValueFormat::Long, None, Some("0000002a")).unwrap().unwrap_err();
        assert!(e.to_string().contains("value_format = \"int\""), "{e}");
    }

    #[test]
    fn aggregates_are_a_whole_number_or_a_json_object_with_sum_and_count() {
        let read = |format, text: &str| aggregate(format, Some(text), None).unwrap();
        assert_eq!(read(ValueFormat::Text, "-12"), Ok(Aggregate { sum: -12, count: None }));
        assert_eq!(read(ValueFormat::Json, "{\"count\":3,\"sum\":120}"), Ok(Aggregate { sum: 120, count: Some(3) }));
        assert_eq!(read(ValueFormat::Json, "7"), Ok(Aggregate { sum: 7, count: None }));
        assert_eq!(aggregate(ValueFormat::Long, None, Some("fffffffffffffffe")).unwrap(), Ok(Aggregate { sum: -2, count: None }));
        let e = read(ValueFormat::Text, "{\"count\":3,\"sum\":120}").unwrap_err();
        assert!(e.to_string().contains("is not a sum") && e.to_string().ends_with("value_format = \"json\" in the scenario"), "{e}");
        assert!(read(ValueFormat::Json, "{\"count\":3}").unwrap_err().to_string().contains("without a \"sum\" field"));
        assert!(read(ValueFormat::Json, "{\"sum\":1,\"count\":-1}").is_err());
    }
}
