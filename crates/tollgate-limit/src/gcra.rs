//! The generic cell rate algorithm for one key, as pure arithmetic on instants.
//!
//! A key's whole state is its theoretical arrival time (TAT): the instant at which its debt
//! is repaid. A fresh key, or one whose TAT has passed, owes nothing. A spend costs one
//! [`Rate::interval`] and is allowed while the debt after it stays within the rate's burst
//! (`interval * count`); a refused spend costs nothing.
//!
//! Instants are [`Nanos`]: whole nanoseconds on the limiter's own scale, in a `u64`. Plain
//! integer arithmetic, where `Instant` and `Duration` would carry seconds and nanoseconds
//! apart: measured, this made a spend read right after the clock about a third cheaper.

use core::time::Duration;

use crate::Rate;

/// An instant as the limiter counts it: nanoseconds on a scale whose zero is far before any
/// instant it is given (see `Limiter`), so that it is never negative.
pub(crate) type Nanos = u64;

/// A spend was allowed; what the key has left after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Allowed {
    /// How many more spends the key may make at once, now.
    pub remaining: u32,
    /// How long until the key's whole allowance is back (it owes nothing): zero only when a
    /// spend costs nothing, which no rate does.
    pub reset: Duration,
}

/// A spend was refused: the key is over its rate.
///
/// The wait is never zero and never longer than one [`Rate::interval`] plus however far the
/// caller's clock went backwards between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("over the rate limit: retry in {retry_after:?}")]
pub struct Refused {
    /// How long until a spend would be allowed.
    pub retry_after: Duration,
    /// How long until the key's whole allowance is back.
    pub reset: Duration,
}

/// What a spend at `now` would do to a key whose TAT is `tat` (`None`: not tracked, so fresh):
/// the key's new TAT and what it has left, or the refusal.
pub(crate) fn spend(
    rate: &Rate,
    tat: Option<Nanos>,
    now: Nanos,
) -> Result<(Nanos, Allowed), Refused> {
    let (interval, burst) = (rate.interval_nanos(), rate.burst_nanos());
    let debt = tat.map_or(0, |tat| tat.saturating_sub(now));
    // At most twice 2^62 when debt is within the burst, less than `u64::MAX`.
    let debt_after = debt.saturating_add(interval);
    if debt_after > burst {
        return Err(Refused {
            retry_after: Duration::from_nanos(debt_after - burst),
            reset: Duration::from_nanos(debt),
        });
    }
    // At most `count`: the burst is `interval * count` and `debt_after` at least `interval`.
    let remaining = u32::try_from((burst - debt_after) / interval).unwrap_or(u32::MAX);
    Ok((
        now.saturating_add(debt_after),
        Allowed {
            remaining,
            reset: Duration::from_nanos(debt_after),
        },
    ))
}

/// Whether a key whose TAT is `tat` owes nothing at `now`, so that forgetting it changes no
/// decision.
pub(crate) fn is_idle(tat: Nanos, now: Nanos) -> bool {
    tat <= now
}

#[cfg(test)]
mod tests {
    use core::ops::{Add, Sub};

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// An instant on the limiter's scale, moved by `Duration`s, so the cases read as times.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Instant(Nanos);

    impl Instant {
        /// Some instant well inside the scale.
        fn now() -> Self {
            Self(1 << 62)
        }
    }

    impl Add<Duration> for Instant {
        type Output = Self;

        fn add(self, later: Duration) -> Self {
            Self(self.0 + u64::try_from(later.as_nanos()).unwrap())
        }
    }

    impl Sub<Duration> for Instant {
        type Output = Self;

        fn sub(self, earlier: Duration) -> Self {
            Self(self.0 - u64::try_from(earlier.as_nanos()).unwrap())
        }
    }

    fn spend_at(
        rate: &Rate,
        tat: Option<Instant>,
        now: Instant,
    ) -> Result<(Instant, Allowed), Refused> {
        spend(rate, tat.map(|tat| tat.0), now.0).map(|(tat, allowed)| (Instant(tat), allowed))
    }

    fn idle_at(tat: Instant, now: Instant) -> bool {
        is_idle(tat.0, now.0)
    }

    fn twenty_per_minute() -> Rate {
        Rate::new(20, Duration::from_secs(60)).unwrap()
    }

    fn refused(retry_after: Duration, reset: Duration) -> Refused {
        Refused { retry_after, reset }
    }

    /// Spends at `now` until one is refused; returns how many were allowed, the TAT, and the
    /// refusal.
    fn spend_until_refused(
        rate: &Rate,
        mut tat: Option<Instant>,
        now: Instant,
    ) -> (u32, Option<Instant>, Refused) {
        let mut allowed = 0;
        loop {
            match spend_at(rate, tat, now) {
                Ok((new, _)) => {
                    tat = Some(new);
                    allowed += 1;
                }
                Err(refusal) => return (allowed, tat, refusal),
            }
        }
    }

    #[test]
    fn a_fresh_key_may_spend_its_whole_count_at_once_then_waits_one_interval() {
        let rate = twenty_per_minute();
        let now = Instant::now();
        let (allowed, tat, refusal) = spend_until_refused(&rate, None, now);
        assert_eq!(allowed, 20);
        assert_eq!(tat, Some(now + 60 * SECOND));
        assert_eq!(refusal, refused(3 * SECOND, 60 * SECOND));
        // The refusal cost nothing: the same answer again.
        assert_eq!(spend_at(&rate, tat, now), Err(refusal));
    }

    #[test]
    fn an_allowed_spend_says_what_is_left_and_when_all_of_it_is_back() {
        let rate = twenty_per_minute();
        let now = Instant::now();
        let (tat, first) = spend_at(&rate, None, now).unwrap();
        assert_eq!(
            first,
            Allowed {
                remaining: 19,
                reset: 3 * SECOND
            }
        );
        let (tat, second) = spend_at(&rate, Some(tat), now + SECOND).unwrap();
        assert_eq!(
            second,
            Allowed {
                remaining: 18,
                reset: 5 * SECOND
            }
        );
        // 4.5 s later the debt is 0.5 s: one interval and a half short of the burst is 18
        // whole spends after this one.
        let (_, third) = spend_at(&rate, Some(tat), now + Duration::from_millis(5_500)).unwrap();
        assert_eq!(
            third,
            Allowed {
                remaining: 18,
                reset: Duration::from_millis(3_500)
            }
        );
        let (_, exhausted, _) = spend_until_refused(&rate, None, now);
        let (_, last) = spend_at(&rate, exhausted, now + 3 * SECOND).unwrap();
        assert_eq!(
            last,
            Allowed {
                remaining: 0,
                reset: 60 * SECOND
            }
        );
    }

    #[test]
    fn the_allowance_comes_back_one_per_interval() {
        let rate = twenty_per_minute();
        let start = Instant::now();
        let (_, tat, _) = spend_until_refused(&rate, None, start);
        let almost = start + 3 * SECOND - Duration::from_nanos(1);
        assert_eq!(
            spend_at(&rate, tat, almost),
            Err(refused(
                Duration::from_nanos(1),
                57 * SECOND + Duration::from_nanos(1)
            ))
        );
        // After one interval, exactly one more.
        let later = start + 3 * SECOND;
        let (allowed, _, refusal) = spend_until_refused(&rate, tat, later);
        assert_eq!((allowed, refusal), (1, refused(3 * SECOND, 60 * SECOND)));
        // After seven and a half intervals, seven more, and the next one half an interval on.
        let later = start + Duration::from_millis(22_500);
        let (allowed, _, refusal) = spend_until_refused(&rate, tat, later);
        assert_eq!(allowed, 7);
        assert_eq!(refusal.retry_after, Duration::from_millis(1_500));
        // After a whole period the key owes nothing: a full burst again.
        let (allowed, _, _) = spend_until_refused(&rate, tat, start + 60 * SECOND);
        assert_eq!(allowed, 20);
    }

    /// Rates longer than the scale counts (2^62 ns, 146 years) still refuse the second spend.
    #[test]
    fn the_longest_rates_still_refuse() {
        for rate in [
            Rate::new(1, Duration::MAX).unwrap(),
            Rate::new(7, Duration::MAX).unwrap(),
            Rate::new(u32::MAX, Duration::from_secs(u64::MAX / 2)).unwrap(),
        ] {
            let now = Instant::now();
            let (allowed, tat, _) = spend_until_refused(&rate, None, now);
            assert!(allowed >= 1, "{rate}");
            assert!(spend_at(&rate, tat, now).is_err(), "{rate}");
        }
    }

    #[test]
    fn idle_means_the_debt_is_repaid() {
        let rate = twenty_per_minute();
        let now = Instant::now();
        let (tat, _) = spend_at(&rate, None, now).unwrap();
        assert!(!idle_at(tat, now));
        assert!(!idle_at(tat, now + 3 * SECOND - Duration::from_nanos(1)));
        assert!(idle_at(tat, now + 3 * SECOND));
    }

    #[test]
    fn a_clock_that_goes_backwards_only_makes_the_wait_longer() {
        let rate = twenty_per_minute();
        let now = Instant::now() + 60 * SECOND;
        let (_, tat, _) = spend_until_refused(&rate, None, now);
        let earlier = now - 10 * SECOND;
        assert_eq!(
            spend_at(&rate, tat, earlier),
            Err(refused(13 * SECOND, 70 * SECOND))
        );
    }

    #[test]
    fn a_rate_of_one_allows_one_per_period() {
        let rate = Rate::new(1, Duration::from_secs(60)).unwrap();
        let now = Instant::now();
        let (allowed, tat, refusal) = spend_until_refused(&rate, None, now);
        assert_eq!((allowed, refusal), (1, refused(60 * SECOND, 60 * SECOND)));
        assert_eq!(
            spend_at(&rate, tat, now + 30 * SECOND),
            Err(refused(30 * SECOND, 30 * SECOND))
        );
        assert!(spend_at(&rate, tat, now + 60 * SECOND).is_ok());
    }
}
