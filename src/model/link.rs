//! How a degraded link is degraded: the share of packets a lossy link
//! drops ([`Loss`]), the bandwidth a slow link keeps ([`Rate`]) and the
//! time a delayed link holds each packet ([`Delay`]).
//!
//! Integers inside, so that a [`crate::model::Fault`] holding one stays
//! `Eq` and `Hash` (plans are compared and deduplicated); written as the
//! numbers people read (`0.3`, `"64kbit"`) in scenario files, plan.json,
//! summary.json and the traces.

use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

/// Parts per million in one.
const MILLION: u32 = 1_000_000;

/// The probability that a packet is dropped, above 0 and below 1, to a
/// millionth: a probability of 1 is a cut, and 0 no fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Loss(u32);

impl Loss {
    /// The loss `p` (0 < p < 1), or why not.
    pub fn new(p: f64) -> Result<Loss, String> {
        if !p.is_finite() || p <= 0.0 || p >= 1.0 {
            return Err(format!("loss = {p} is not a probability above 0 and below 1"));
        }
        let ppm = (p * f64::from(MILLION)).round() as u32;
        if ppm == 0 || ppm == MILLION {
            return Err(format!("loss = {p} rounds to {}: keep it between 0.000001 and 0.999999", ppm / (MILLION - 1)));
        }
        Ok(Loss(ppm))
    }

    /// As a probability.
    pub fn probability(self) -> f64 {
        f64::from(self.0) / f64::from(MILLION)
    }

    /// As a whole percentage, for words: `30%`.
    pub fn percent(self) -> String {
        let percent = self.probability() * 100.0;
        if (percent - percent.round()).abs() < 1e-9 {
            format!("{percent:.0}%")
        } else {
            format!("{percent}%")
        }
    }

    /// As `iptables -m statistic --probability` takes it.
    pub fn iptables(self) -> String {
        format!("{:.6}", self.probability())
    }
}

impl TryFrom<f64> for Loss {
    type Error = String;
    fn try_from(p: f64) -> Result<Loss, String> {
        Loss::new(p)
    }
}

impl From<Loss> for f64 {
    fn from(loss: Loss) -> f64 {
        loss.probability()
    }
}

/// A bandwidth in bits per second, written as `tc` writes it: a whole
/// number and one of `bit`, `kbit`, `mbit`, `gbit` (powers of 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, SerializeDisplay, DeserializeFromStr)]
pub struct Rate {
    bits_per_second: u64,
}

impl Rate {
    /// The slowest rate accepted: below it `tbf` queues a single
    /// full-size packet for over a second.
    pub const MIN_BITS_PER_SECOND: u64 = 8_000;

    /// Bits per second.
    pub fn bits_per_second(self) -> u64 {
        self.bits_per_second
    }

    /// Bytes per second, rounded up.
    pub fn bytes_per_second(self) -> u64 {
        self.bits_per_second.div_ceil(8)
    }
}

impl std::str::FromStr for Rate {
    type Err = String;
    fn from_str(text: &str) -> Result<Rate, String> {
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let scale: u64 = match unit {
            "bit" => 1,
            "kbit" => 1_000,
            "mbit" => 1_000_000,
            "gbit" => 1_000_000_000,
            _ => return Err(format!("{text:?} is not a rate: write a whole number and bit, kbit, mbit or gbit, as tc does (\"64kbit\")")),
        };
        let bits_per_second = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| format!("{text:?} is not a rate: write a whole number before the unit (\"64kbit\")"))?;
        if bits_per_second < Rate::MIN_BITS_PER_SECOND {
            return Err(format!("{text:?} is below the slowest rate a slow link keeps, 8kbit"));
        }
        Ok(Rate { bits_per_second })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.bits_per_second;
        for (scale, unit) in [(1_000_000_000, "gbit"), (1_000_000, "mbit"), (1_000, "kbit")] {
            if b.is_multiple_of(scale) {
                return write!(f, "{}{unit}", b / scale);
            }
        }
        write!(f, "{b}bit")
    }
}



/// How long a delayed link holds each packet, in whole milliseconds,
/// written `"500ms"` or `"2s"`: from 1 ms to 60 s (past a minute, every
/// Kafka timeout has fired and the link is a cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, SerializeDisplay, DeserializeFromStr)]
pub struct Delay {
    millis: u32,
}

impl Delay {
    pub const MAX_MILLIS: u32 = 60_000;

    pub fn millis(self) -> u32 {
        self.millis
    }

    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::from(self.millis))
    }
}

impl std::str::FromStr for Delay {
    type Err = String;
    fn from_str(text: &str) -> Result<Delay, String> {
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let scale: u32 = match unit {
            "ms" => 1,
            "s" => 1_000,
            _ => return Err(format!("{text:?} is not a delay: write a whole number and ms or s (\"500ms\")")),
        };
        let millis = number
            .parse::<u32>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| format!("{text:?} is not a delay: write a whole number before the unit (\"500ms\")"))?;
        if millis == 0 || millis > Delay::MAX_MILLIS {
            return Err(format!("{text:?} is not a delay from 1ms to 60s"));
        }
        Ok(Delay { millis })
    }
}

impl std::fmt::Display for Delay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.millis.is_multiple_of(1_000) {
            write!(f, "{}s", self.millis / 1_000)
        } else {
            write!(f, "{}ms", self.millis)
        }
    }
}



#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loss_is_a_probability_strictly_between_0_and_1() {
        let loss = Loss::new(0.3).unwrap();
        assert_eq!(loss.iptables(), "0.300000");
        assert_eq!(loss.percent(), "30%");
        assert_eq!(Loss::new(0.125).unwrap().percent(), "12.5%");
        assert_eq!(serde_json::to_string(&loss).unwrap(), "0.3");
        assert_eq!(serde_json::from_str::<Loss>("0.3").unwrap(), loss);
        for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN, 0.0000001] {
            assert!(Loss::new(bad).is_err(), "{bad} accepted");
        }
        assert!(serde_json::from_str::<Loss>("1.0").is_err());
    }

    #[test]
    fn a_rate_reads_and_writes_tc_units() {
        let rate: Rate = "64kbit".parse().unwrap();
        assert_eq!(rate.bits_per_second(), 64_000);
        assert_eq!(rate.bytes_per_second(), 8_000);
        assert_eq!(rate.to_string(), "64kbit");
        assert_eq!("1500000bit".parse::<Rate>().unwrap().to_string(), "1500kbit");
        assert_eq!("2mbit".parse::<Rate>().unwrap().to_string(), "2mbit");
        assert_eq!(serde_json::to_string(&rate).unwrap(), "\"64kbit\"");
        assert_eq!(serde_json::from_str::<Rate>("\"64kbit\"").unwrap(), rate);
        for bad in ["64", "64kb", "kbit", "1.5mbit", "64 kbit", "7kbit", "99999999999999999999gbit"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn a_delay_reads_and_writes_milliseconds_and_seconds() {
        let delay: Delay = "500ms".parse().unwrap();
        assert_eq!(delay.millis(), 500);
        assert_eq!(delay.to_string(), "500ms");
        assert_eq!("2000ms".parse::<Delay>().unwrap().to_string(), "2s");
        assert_eq!(serde_json::to_string(&delay).unwrap(), "\"500ms\"");
        assert_eq!(serde_json::from_str::<Delay>("\"2s\"").unwrap().millis(), 2_000);
        for bad in ["500", "0ms", "61s", "1.5s", "500 ms", "ms", "99999999999s"] {
            assert!(bad.parse::<Delay>().is_err(), "{bad} accepted");
        }
    }
}
