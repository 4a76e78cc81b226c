//! How many spends a key may make, and how fast its allowance comes back.

use core::time::Duration;

/// `count` spends per `period`: a key may spend `count` at once, then one more every
/// `period / count` (rounded up to the nanosecond, so never faster than the quota).
///
/// Over any stretch of time `t`, a key spends at most `count + t / (period / count)`: a full
/// burst, then the steady rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    count: u32,
    period: Duration,
    /// The time one spend costs: `period / count`, rounded up.
    interval: Duration,
    /// How far ahead of now a key's debt may reach: `interval * count`.
    burst: Duration,
}

/// A quota that allows nothing, refused by [`Quota::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuotaError {
    /// The count is zero.
    #[error("a quota must allow at least one use per period")]
    ZeroCount,
    /// The period is zero.
    #[error("a quota's period must be longer than zero")]
    ZeroPeriod,
}

impl Quota {
    /// `count` spends per `period`.
    ///
    /// # Errors
    ///
    /// [`QuotaError::ZeroCount`] or [`QuotaError::ZeroPeriod`]: a quota must allow something.
    pub fn new(count: u32, period: Duration) -> Result<Self, QuotaError> {
        if count == 0 {
            return Err(QuotaError::ZeroCount);
        }
        if period.is_zero() {
            return Err(QuotaError::ZeroPeriod);
        }
        // At most `period`'s own nanoseconds (`count` is at least one), so it is a `Duration`.
        let interval = Duration::from_nanos_u128(period.as_nanos().div_ceil(u128::from(count)));
        // Saturates only for periods near `Duration::MAX` (about 585 billion years), where a
        // burst one spend short of `count` changes nothing that matters.
        let burst = interval.saturating_mul(count);
        Ok(Self {
            count,
            period,
            interval,
            burst,
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

    /// How far ahead of now a key's debt may reach: `interval * count`.
    pub(crate) fn burst(&self) -> Duration {
        self.burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_allowed_is_refused() {
        assert_eq!(
            Quota::new(0, Duration::from_secs(60)),
            Err(QuotaError::ZeroCount)
        );
        assert_eq!(Quota::new(20, Duration::ZERO), Err(QuotaError::ZeroPeriod));
    }

    #[test]
    fn the_interval_is_the_period_shared_out_rounded_up() {
        let quota = Quota::new(20, Duration::from_secs(60)).unwrap();
        assert_eq!(quota.interval(), Duration::from_secs(3));
        assert_eq!(quota.burst(), Duration::from_secs(60));

        let uneven = Quota::new(3, Duration::from_nanos(10)).unwrap();
        assert_eq!(uneven.interval(), Duration::from_nanos(4));
        assert_eq!(uneven.burst(), Duration::from_nanos(12));

        let more_than_nanos = Quota::new(u32::MAX, Duration::from_nanos(1)).unwrap();
        assert_eq!(more_than_nanos.interval(), Duration::from_nanos(1));
    }

    #[test]
    fn the_longest_period_does_not_overflow() {
        let quota = Quota::new(7, Duration::MAX).unwrap();
        assert_eq!(quota.burst(), Duration::MAX);
        assert!(quota.interval() <= Duration::MAX / 6);
        let one = Quota::new(1, Duration::MAX).unwrap();
        assert_eq!(
            (one.interval(), one.burst()),
            (Duration::MAX, Duration::MAX)
        );
    }
}
