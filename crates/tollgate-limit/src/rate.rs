//! How many spends a key may make, and how fast its allowance comes back.

use core::fmt;
use core::str::FromStr;
use core::time::Duration;

/// `count` spends per `period`: a key may spend `count` at once, then one more every
/// `period / count` (rounded up to the nanosecond, so never faster than the rate).
///
/// Over any stretch of time `t`, a key spends at most `count + t / (period / count)`: a full
/// burst, then the steady rate.
///
/// As text (`FromStr`, `Display`): `{count}/{unit}`, the unit one of `s`, `min`, `h` and
/// `day`, such as `100/min` or `10/s`. A rate made with [`Rate::new`] from another period
/// prints its period in whole seconds (`5/90s`) or, below a second, nanoseconds (`5/250000000ns`),
/// and those forms parse too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    period: Duration,
    /// The time one spend costs: `period / count`, rounded up.
    interval: Duration,
    /// How far ahead of now a key's debt may reach: `interval * count`.
    burst: Duration,
    /// `interval` and `burst` in nanoseconds, as the limiter counts (see `gcra`), at most
    /// 2^62 each (146 years: longer is no different), so that adding them never overflows.
    interval_nanos: u64,
    burst_nanos: u64,
}

/// A rate that allows nothing, or text that is not a rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// The count is zero.
    #[error("a rate must allow at least one use per period")]
    ZeroCount,
    /// The period is zero.
    #[error("a rate's period must be longer than zero")]
    ZeroPeriod,
    /// The text is not `{count}/{unit}`.
    #[error(
        "a rate is written as {{count}}/{{unit}}, such as 100/min or 10/s, the unit one of s, min, h and day"
    )]
    Syntax,
    /// The count is not a whole number from 1 to 4 294 967 295.
    #[error("a rate's count must be a whole number from 1 to 4294967295")]
    Count,
}

/// The longest interval or burst the limiter counts, in nanoseconds: 2^62, 146 years.
const MAX_NANOS: u64 = 1 << 62;

const UNITS: [(&str, Duration); 4] = [
    ("day", Duration::from_secs(86_400)),
    ("h", Duration::from_secs(3_600)),
    ("min", Duration::from_secs(60)),
    ("s", Duration::from_secs(1)),
];

impl Rate {
    /// `count` spends per `period`.
    ///
    /// # Errors
    ///
    /// [`RateError::ZeroCount`] or [`RateError::ZeroPeriod`]: a rate must allow something.
    pub fn new(count: u32, period: Duration) -> Result<Self, RateError> {
        if count == 0 {
            return Err(RateError::ZeroCount);
        }
        if period.is_zero() {
            return Err(RateError::ZeroPeriod);
        }
        // At most `period`'s own nanoseconds (`count` is at least one), so it is a `Duration`.
        let interval = Duration::from_nanos_u128(period.as_nanos().div_ceil(u128::from(count)));
        // Saturates only for periods near `Duration::MAX` (about 585 billion years), where a
        // burst one spend short of `count` changes nothing that matters.
        let burst = interval.saturating_mul(count);
        let nanos = |duration: Duration| {
            u64::try_from(duration.as_nanos()).map_or(MAX_NANOS, |nanos| nanos.min(MAX_NANOS))
        };
        Ok(Self {
            count,
            period,
            interval,
            burst,
            interval_nanos: nanos(interval),
            burst_nanos: nanos(burst),
        })
    }

    /// How many spends a key may make at once.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The period the count is spread over.
    #[must_use]
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The time one spend costs, `period / count` rounded up to the nanosecond.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Whether this rate never allows more than `other` does: no larger burst and no faster
    /// steady rate, so that over every stretch of time it allows at most what `other` allows.
    #[must_use]
    pub fn is_within(&self, other: &Rate) -> bool {
        self.count <= other.count && self.interval >= other.interval
    }

    /// How far ahead of now a key's debt may reach: `interval * count`.
    #[cfg(test)]
    pub(crate) fn burst(&self) -> Duration {
        self.burst
    }

    /// [`interval`](Self::interval) in nanoseconds, at most 2^62.
    pub(crate) fn interval_nanos(&self) -> u64 {
        self.interval_nanos
    }

    /// The burst, `interval * count`, in nanoseconds, at most 2^62.
    pub(crate) fn burst_nanos(&self) -> u64 {
        self.burst_nanos
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.count;
        if let Some((unit, _)) = UNITS.iter().find(|(_, length)| *length == self.period) {
            write!(f, "{count}/{unit}")
        } else if self.period.subsec_nanos() == 0 {
            write!(f, "{count}/{}s", self.period.as_secs())
        } else {
            write!(f, "{count}/{}ns", self.period.as_nanos())
        }
    }
}

impl FromStr for Rate {
    type Err = RateError;

    /// `{count}/{unit}` as [`Rate`] describes: ASCII digits without a sign or leading zero, no
    /// white space, units in lowercase.
    fn from_str(text: &str) -> Result<Self, RateError> {
        let (count, period) = text.split_once('/').ok_or(RateError::Syntax)?;
        if !is_canonical_number(count) {
            return Err(RateError::Syntax);
        }
        let count: u32 = count.parse().map_err(|_| RateError::Count)?;
        Self::new(count, period_from(period)?)
    }
}

/// Whether `text` is a whole number as rates and quotas write one: ASCII digits, no sign, and
/// no leading zero (which would give one value two spellings).
pub(crate) fn is_canonical_number(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// `day`, `h`, `min`, `s`, or a whole number of seconds (`90s`) or nanoseconds (`250ns`).
fn period_from(text: &str) -> Result<Duration, RateError> {
    if let Some((_, length)) = UNITS.iter().find(|(unit, _)| *unit == text) {
        return Ok(*length);
    }
    let (digits, seconds) = if let Some(digits) = text.strip_suffix("ns") {
        (digits, false)
    } else if let Some(digits) = text.strip_suffix('s') {
        (digits, true)
    } else {
        return Err(RateError::Syntax);
    };
    // A period of zero is refused here, as text: `0s` is no period.
    if !is_canonical_number(digits) || digits == "0" {
        return Err(RateError::Syntax);
    }
    let amount: u64 = digits.parse().map_err(|_| RateError::Syntax)?;
    Ok(if seconds {
        Duration::from_secs(amount)
    } else {
        Duration::from_nanos(amount)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_allowed_is_refused() {
        assert_eq!(
            Rate::new(0, Duration::from_secs(60)),
            Err(RateError::ZeroCount)
        );
        assert_eq!(Rate::new(20, Duration::ZERO), Err(RateError::ZeroPeriod));
    }

    #[test]
    fn the_interval_is_the_period_shared_out_rounded_up() {
        let rate = Rate::new(20, Duration::from_secs(60)).unwrap();
        assert_eq!(rate.interval(), Duration::from_secs(3));
        assert_eq!(rate.burst(), Duration::from_secs(60));

        let uneven = Rate::new(3, Duration::from_nanos(10)).unwrap();
        assert_eq!(uneven.interval(), Duration::from_nanos(4));
        assert_eq!(uneven.burst(), Duration::from_nanos(12));

        let more_than_nanos = Rate::new(u32::MAX, Duration::from_nanos(1)).unwrap();
        assert_eq!(more_than_nanos.interval(), Duration::from_nanos(1));
    }

    #[test]
    fn the_longest_period_does_not_overflow() {
        let rate = Rate::new(7, Duration::MAX).unwrap();
        assert_eq!(rate.burst(), Duration::MAX);
        assert!(rate.interval() <= Duration::MAX / 6);
        let one = Rate::new(1, Duration::MAX).unwrap();
        assert_eq!(
            (one.interval(), one.burst()),
            (Duration::MAX, Duration::MAX)
        );
    }

    #[test]
    fn rates_parse_from_count_and_unit() {
        for (text, count, seconds) in [
            ("100/min", 100, 60),
            ("10/s", 10, 1),
            ("5/h", 5, 3_600),
            ("10000/day", 10_000, 86_400),
            ("4294967295/s", u32::MAX, 1),
            ("7/90s", 7, 90),
        ] {
            let rate: Rate = text.parse().unwrap();
            assert_eq!(
                rate,
                Rate::new(count, Duration::from_secs(seconds)).unwrap(),
                "{text}"
            );
            assert_eq!(rate.to_string(), text);
        }
        let odd = Rate::new(5, Duration::from_millis(250)).unwrap();
        assert_eq!(odd.to_string(), "5/250000000ns");
        assert_eq!("5/250000000ns".parse(), Ok(odd));
        // A period equal to a unit prints as the unit.
        assert_eq!("3/60s".parse::<Rate>().unwrap().to_string(), "3/min");
    }

    #[test]
    fn bad_rates_are_refused_with_the_reason() {
        assert_eq!("0/min".parse::<Rate>(), Err(RateError::ZeroCount));
        assert_eq!("5/0s".parse::<Rate>(), Err(RateError::Syntax));
        assert_eq!("4294967296/s".parse::<Rate>(), Err(RateError::Count));
        for text in [
            "",
            "100",
            "/min",
            "100/",
            "100/minute",
            "100 /min",
            "100/ min",
            " 100/min",
            "100/MIN",
            "+100/min",
            "-1/min",
            "1.5/min",
            "100/min/s",
            "1/05s",
            "1/s5",
            "1/ns",
            "1/18446744073709551616s",
            "١/min",
        ] {
            assert_eq!(text.parse::<Rate>(), Err(RateError::Syntax), "{text:?}");
        }
    }

    #[test]
    fn within_means_no_larger_burst_and_no_faster_rate() {
        let rate = |text: &str| text.parse::<Rate>().unwrap();
        assert!(rate("100/min").is_within(&rate("100/min")));
        assert!(rate("50/min").is_within(&rate("100/min")));
        assert!(rate("100/h").is_within(&rate("100/min")));
        // Slower, but a larger burst: 6000 at once where the other allows 100.
        assert!(!rate("6000/h").is_within(&rate("100/min")));
        // The same burst, faster.
        assert!(!rate("100/s").is_within(&rate("100/min")));
        assert!(!rate("101/min").is_within(&rate("100/min")));
    }
}
