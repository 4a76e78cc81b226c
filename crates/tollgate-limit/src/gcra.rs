//! The generic cell rate algorithm for one key, as pure arithmetic on instants.
//!
//! A key's whole state is its theoretical arrival time (TAT): the instant at which its debt
//! is repaid. A fresh key, or one whose TAT has passed, owes nothing. A spend costs one
//! [`Quota::interval`] and is allowed while the debt after it stays within the quota's burst
//! (`interval * count`); a refused spend costs nothing.

use core::time::Duration;
use std::time::Instant;

use crate::Quota;

/// Refused: the key is over its quota, and may spend again after this long.
///
/// The wait is never zero and never longer than one [`Quota::interval`] plus however far the
/// caller's clock went backwards between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
#[error("over quota: retry in {0:?}")]
pub struct RetryAfter(pub Duration);

/// What a spend at `now` would do to a key whose TAT is `tat` (`None`: not tracked, so fresh):
/// `Ok` with the key's new TAT, or the wait until a spend would be allowed.
pub(crate) fn spend(
    quota: &Quota,
    tat: Option<Instant>,
    now: Instant,
) -> Result<Instant, RetryAfter> {
    let debt = tat.map_or(Duration::ZERO, |tat| tat.saturating_duration_since(now));
    let debt_after = debt.saturating_add(quota.interval());
    if debt_after > quota.burst() {
        return Err(RetryAfter(debt_after - quota.burst()));
    }
    // Only an instant beyond the platform's clock range fails here; refusing keeps it closed.
    now.checked_add(debt_after)
        .ok_or(RetryAfter(quota.interval()))
}

/// Whether a key whose TAT is `tat` owes nothing at `now`, so that forgetting it changes no
/// decision.
pub(crate) fn is_idle(tat: Instant, now: Instant) -> bool {
    tat <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn twenty_per_minute() -> Quota {
        Quota::new(20, Duration::from_secs(60)).unwrap()
    }

    /// Spends at `now` until one is refused; returns how many were allowed, the TAT, and the
    /// refusal.
    fn spend_until_refused(
        quota: &Quota,
        mut tat: Option<Instant>,
        now: Instant,
    ) -> (u32, Option<Instant>, RetryAfter) {
        let mut allowed = 0;
        loop {
            match spend(quota, tat, now) {
                Ok(new) => {
                    tat = Some(new);
                    allowed += 1;
                }
                Err(refused) => return (allowed, tat, refused),
            }
        }
    }

    #[test]
    fn a_fresh_key_may_spend_its_whole_count_at_once_then_waits_one_interval() {
        let quota = twenty_per_minute();
        let now = Instant::now();
        let (allowed, tat, refused) = spend_until_refused(&quota, None, now);
        assert_eq!(allowed, 20);
        assert_eq!(tat, Some(now + 60 * SECOND));
        assert_eq!(refused, RetryAfter(3 * SECOND));
        // The refusal cost nothing: the same answer again.
        assert_eq!(spend(&quota, tat, now), Err(RetryAfter(3 * SECOND)));
    }

    #[test]
    fn the_allowance_comes_back_one_per_interval() {
        let quota = twenty_per_minute();
        let start = Instant::now();
        let (_, tat, _) = spend_until_refused(&quota, None, start);
        let almost = start + 3 * SECOND - Duration::from_nanos(1);
        assert_eq!(
            spend(&quota, tat, almost),
            Err(RetryAfter(Duration::from_nanos(1)))
        );
        // After one interval, exactly one more.
        let later = start + 3 * SECOND;
        let (allowed, _, refused) = spend_until_refused(&quota, tat, later);
        assert_eq!((allowed, refused), (1, RetryAfter(3 * SECOND)));
        // After seven and a half intervals, seven more, and the next one half an interval on.
        let later = start + Duration::from_millis(22_500);
        let (allowed, _, refused) = spend_until_refused(&quota, tat, later);
        assert_eq!(allowed, 7);
        assert_eq!(refused, RetryAfter(Duration::from_millis(1_500)));
        // After a whole period the key owes nothing: a full burst again.
        let (allowed, _, _) = spend_until_refused(&quota, tat, start + 60 * SECOND);
        assert_eq!(allowed, 20);
    }

    #[test]
    fn idle_means_the_debt_is_repaid() {
        let quota = twenty_per_minute();
        let now = Instant::now();
        let tat = spend(&quota, None, now).unwrap();
        assert!(!is_idle(tat, now));
        assert!(!is_idle(tat, now + 3 * SECOND - Duration::from_nanos(1)));
        assert!(is_idle(tat, now + 3 * SECOND));
    }

    #[test]
    fn a_clock_that_goes_backwards_only_makes_the_wait_longer() {
        let quota = twenty_per_minute();
        let now = Instant::now() + 60 * SECOND;
        let (_, tat, _) = spend_until_refused(&quota, None, now);
        let earlier = now - 10 * SECOND;
        assert_eq!(spend(&quota, tat, earlier), Err(RetryAfter(13 * SECOND)));
    }

    #[test]
    fn a_quota_of_one_allows_one_per_period() {
        let quota = Quota::new(1, Duration::from_secs(60)).unwrap();
        let now = Instant::now();
        let (allowed, tat, refused) = spend_until_refused(&quota, None, now);
        assert_eq!((allowed, refused), (1, RetryAfter(60 * SECOND)));
        assert_eq!(
            spend(&quota, tat, now + 30 * SECOND),
            Err(RetryAfter(30 * SECOND))
        );
        assert!(spend(&quota, tat, now + 60 * SECOND).is_ok());
    }
}
