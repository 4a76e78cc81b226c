//! The keyed limiter: many keys, each with its own allowance, in bounded memory.

use core::fmt;
use core::hash::Hash;
use core::num::NonZeroUsize;
use std::time::Instant;

use crate::gcra::Nanos;
use crate::shard::Shard;
use crate::shards::Shards;
use crate::{Allowed, Rate, Refused};

/// The most keys one shard holds: every scan to make room covers at most this many.
///
/// 112 is 7/16 of 256. std's `HashMap` fills a table to 7/8 of its slots, and when deletions
/// have clogged it, rebuilds it in place as long as at most half of that is live: so a shard
/// under any churn stays within 256 slots, where one of 128 keys grows to 512 (measured, with
/// 32-byte entries: 76 bytes per key instead of 133).
const MAX_KEYS_PER_SHARD: usize = 112;

/// The number of keys [`Limiter::new`] tracks at most: 65 536.
pub const DEFAULT_MAX_KEYS: NonZeroUsize = match NonZeroUsize::new(65_536) {
    Some(max) => max,
    None => NonZeroUsize::MIN,
};

/// A [`Rate`] per key, for keys of type `K` (client addresses, token ids), in at most
/// [`max_keys`](Self::max_keys) entries.
///
/// Two operations, both given the key's rate and the current time by the caller:
/// - [`peek`](Self::peek): would a spend be allowed now? Spends nothing.
/// - [`spend`](Self::spend): spend one if allowed (check and consume in one step).
///
/// A throttle on failures peeks before the work it protects and spends when the work fails; a
/// limit on uses spends on every use. Keys may have different rates (each token its own); a
/// key's state is only the instant its debt is repaid, so a key whose rate changes is judged
/// by the new rate from then on, its debt carried over.
///
/// # Memory
///
/// Keys are kept in shards of at most 112, each behind its own lock. When a shard is full, a
/// new key first gets every idle key there forgotten (they owe nothing, so forgetting them
/// changes no decision) and, if none is idle, the key with the least debt. Memory is therefore
/// bounded whatever the number of keys, and a new key costs at most two passes over one shard.
/// A tracked key costs at most about `2.3 * (size_of::<(K, u64)>() + 1)` bytes (the map's
/// slots: a key and its state in nanoseconds), about 58 bytes for a 9-byte key; the crate's
/// README has the measurements.
///
/// The price of the bound: a client holding more keys (addresses) than the limiter tracks
/// can get its keys forgotten while they are in debt, and escape the rate. No per-key limit
/// stops a client with that many keys.
pub struct Limiter<K> {
    shards: Shards<Shard<K>>,
    /// The instant counted as 2^62 ns on the limiter's scale (see `gcra::Nanos`): instants
    /// up to 146 years either side of it are counted exactly, farther ones saturate.
    epoch: Instant,
    max_keys: usize,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limiter tracking at most [`DEFAULT_MAX_KEYS`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_keys(DEFAULT_MAX_KEYS)
    }

    /// A limiter tracking at most `max_keys` keys.
    #[must_use]
    pub fn with_max_keys(max_keys: NonZeroUsize) -> Self {
        let max_keys = max_keys.get();
        let shard_count = max_keys.div_ceil(MAX_KEYS_PER_SHARD);
        // Shares `max_keys` out as evenly as it goes: each shard gets at least one key, as
        // there are no more shards than keys, and at most `MAX_KEYS_PER_SHARD`.
        let (share, remainder) = (max_keys / shard_count, max_keys % shard_count);
        let shards =
            (0..shard_count).map(|index| Shard::new(share + usize::from(index < remainder)));
        Self {
            shards: Shards::new(shards),
            epoch: Instant::now(),
            max_keys,
        }
    }

    /// The most keys this limiter tracks at once.
    #[must_use]
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// What a spend by `key` at `rate` would answer at `now`, without spending: what would be
    /// left, or the wait while the key is over its rate.
    ///
    /// # Errors
    ///
    /// [`Refused`] when a spend at `now` would be refused.
    pub fn peek(&self, key: &K, rate: &Rate, now: Instant) -> Result<Allowed, Refused> {
        let now = self.nanos(now);
        self.shards.of(key).peek(rate, key, now)
    }

    /// Spends one of `key`'s allowance at `rate` at `now`, if the rate allows, and says what
    /// is left; a refused spend records nothing.
    ///
    /// # Errors
    ///
    /// [`Refused`] when the key is over its rate.
    pub fn spend(&self, key: &K, rate: &Rate, now: Instant) -> Result<Allowed, Refused> {
        let now = self.nanos(now);
        self.shards.of(key).spend(rate, key, now)
    }

    /// `now` on the limiter's scale: 2^62 ns at its epoch, so that instants from before it
    /// (a caller's clock read earlier) count too.
    fn nanos(&self, now: Instant) -> Nanos {
        const MIDDLE: Nanos = 1 << 62;
        let since = |later: Instant, earlier: Instant| {
            u64::try_from(later.duration_since(earlier).as_nanos()).unwrap_or(u64::MAX)
        };
        if now >= self.epoch {
            MIDDLE.saturating_add(since(now, self.epoch))
        } else {
            MIDDLE.saturating_sub(since(self.epoch, now))
        }
    }

    /// How many keys are tracked now, idle ones included (for metrics and tests). Locks each
    /// shard in turn, so the total may mix moments.
    #[must_use]
    pub fn tracked_keys(&self) -> usize {
        self.shards.each().map(|shard| shard.len()).sum()
    }
}

impl<K: Hash + Eq + Clone> Default for Limiter<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Limiter<K> {
    /// The configuration only: the keys are clients' addresses or tokens' ids, which do not
    /// belong in logs, and there may be thousands.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;
    use crate::gcra;

    const SECOND: Duration = Duration::from_secs(1);

    fn twenty_per_minute() -> Rate {
        Rate::new(20, Duration::from_secs(60)).unwrap()
    }

    fn refused(retry_after: Duration, reset: Duration) -> Refused {
        Refused { retry_after, reset }
    }

    fn max(keys: usize) -> NonZeroUsize {
        NonZeroUsize::new(keys).unwrap()
    }

    /// Spends for `key` at `now` until refused; returns how many spends were allowed.
    fn exhaust(limiter: &Limiter<u64>, key: u64, now: Instant) -> u32 {
        let mut allowed = 0;
        while limiter.spend(&key, &twenty_per_minute(), now).is_ok() {
            allowed += 1;
        }
        allowed
    }

    #[test]
    fn peek_answers_what_a_spend_would_without_spending() {
        let limiter = Limiter::new();
        let now = Instant::now();
        let rate = twenty_per_minute();
        let fresh = Allowed {
            remaining: 19,
            reset: 3 * SECOND,
        };
        for _ in 0..1_000 {
            assert_eq!(limiter.peek(&7, &rate, now), Ok(fresh));
        }
        assert_eq!(limiter.tracked_keys(), 0, "a peek tracks nothing");
        assert_eq!(exhaust(&limiter, 7, now), 20);
        let over = refused(3 * SECOND, 60 * SECOND);
        assert_eq!(limiter.peek(&7, &rate, now), Err(over));
        let later = now + 3 * SECOND;
        let last = Allowed {
            remaining: 0,
            reset: 60 * SECOND,
        };
        assert_eq!(limiter.peek(&7, &rate, later), Ok(last));
        assert_eq!(limiter.spend(&7, &rate, later), Ok(last));
        assert_eq!(limiter.peek(&7, &rate, later), Err(over));
    }

    #[test]
    fn keys_are_independent() {
        let limiter = Limiter::new();
        let now = Instant::now();
        assert_eq!(exhaust(&limiter, 1, now), 20);
        assert!(limiter.peek(&1, &twenty_per_minute(), now).is_err());
        for other in 2..100 {
            assert!(limiter.peek(&other, &twenty_per_minute(), now).is_ok());
            assert!(limiter.spend(&other, &twenty_per_minute(), now).is_ok());
        }
        assert_eq!(exhaust(&limiter, 2, now), 19);
    }

    #[test]
    fn each_key_is_judged_by_the_rate_it_is_given() {
        let limiter = Limiter::new();
        let now = Instant::now();
        let two_per_second = Rate::new(2, SECOND).unwrap();
        assert!(limiter.spend(&1, &two_per_second, now).is_ok());
        assert!(limiter.spend(&1, &two_per_second, now).is_ok());
        assert_eq!(
            limiter.spend(&1, &two_per_second, now),
            Err(refused(SECOND / 2, SECOND))
        );
        assert_eq!(exhaust(&limiter, 2, now), 20);
        // The debt carries over to a new rate: a second owed is within 20 per minute.
        assert_eq!(
            limiter.spend(&1, &twenty_per_minute(), now),
            Ok(Allowed {
                remaining: 18,
                reset: 4 * SECOND,
            })
        );
    }

    #[test]
    fn max_keys_is_shared_out_among_shards_of_at_most_112() {
        for asked in [1, 2, 111, 112, 113, 1_000, 65_536, 1_000_003] {
            let limiter: Limiter<u64> = Limiter::with_max_keys(max(asked));
            assert_eq!(limiter.max_keys(), asked);
            let shares: Vec<usize> = limiter.shards.each().map(|s| s.max_keys()).collect();
            assert_eq!(shares.iter().sum::<usize>(), asked);
            assert!(
                shares
                    .iter()
                    .all(|&share| (1..=MAX_KEYS_PER_SHARD).contains(&share)),
                "{asked}"
            );
        }
        assert_eq!(Limiter::<u64>::new().max_keys(), 65_536);
    }

    /// A million distinct keys, each spending once, never make the limiter track more than
    /// its cap; with time passing, the keys that went idle are the ones forgotten.
    #[test]
    fn the_cap_holds_with_a_million_distinct_keys() {
        let limiter = Limiter::with_max_keys(max(1_024));
        let start = Instant::now();
        let at = |key: u64| start + Duration::from_millis(10 * key);
        for key in 0..1_000_000_u64 {
            // A new key every 10 ms; each is idle three seconds after its spend, so about 300
            // are in debt at any time.
            assert!(
                limiter.spend(&key, &twenty_per_minute(), at(key)).is_ok(),
                "{key}"
            );
            if key % 4_096 == 0 {
                assert!(limiter.tracked_keys() <= 1_024, "{key}");
            }
        }
        assert!(limiter.tracked_keys() <= 1_024);
        // Every key still in debt is still tracked: only idle ones were forgotten.
        let end = at(999_999);
        for key in 999_700..1_000_000 {
            assert!(limiter.shards.of(&key).tracks(&key), "{key}");
        }
        let tat = limiter.nanos(at(999_700) + 3 * SECOND);
        assert!(!gcra::is_idle(tat, limiter.nanos(end)));
    }

    /// Keys deep in debt outlive any number of newcomers: idle keys go first, then the
    /// newcomers with the least debt.
    #[test]
    fn eviction_forgets_idle_keys_first_and_indebted_keys_last() {
        let limiter = Limiter::with_max_keys(max(100));
        let start = Instant::now();
        // 60 keys that spend once, so are idle three seconds later...
        for key in 40..100 {
            assert!(limiter.spend(&key, &twenty_per_minute(), start).is_ok());
        }
        // ... and 40 keys throttled a second before 100 000 newcomers arrive at once.
        let throttled_at = start + 9 * SECOND;
        for key in 0..40 {
            assert_eq!(exhaust(&limiter, key, throttled_at), 20);
        }
        assert_eq!(limiter.tracked_keys(), 100);
        let later = start + 10 * SECOND;
        for (arrived, key) in (1_000..101_000).enumerate() {
            assert!(limiter.spend(&key, &twenty_per_minute(), later).is_ok());
            assert_eq!(limiter.tracked_keys(), 100.min(41 + arrived), "{key}");
        }
        for key in 0..40 {
            assert!(
                limiter.peek(&key, &twenty_per_minute(), later).is_err(),
                "{key} forgotten"
            );
        }
    }

    #[test]
    fn a_limiter_of_one_key_forgets_it_for_a_newcomer() {
        let limiter = Limiter::with_max_keys(max(1));
        let now = Instant::now();
        assert_eq!(exhaust(&limiter, 1, now), 20);
        // A newcomer takes the only place: the least-indebted key is the only one.
        assert!(limiter.spend(&2, &twenty_per_minute(), now).is_ok());
        assert_eq!(limiter.tracked_keys(), 1);
        assert!(
            limiter.peek(&1, &twenty_per_minute(), now).is_ok(),
            "forgotten: the price of the cap"
        );
    }

    #[test]
    fn debug_shows_the_configuration_not_the_keys() {
        let limiter = Limiter::with_max_keys(max(10));
        limiter
            .spend(&"198.51.100.23", &twenty_per_minute(), Instant::now())
            .unwrap();
        let shown = format!("{limiter:?}");
        assert!(shown.contains("max_keys: 10"), "{shown}");
        assert!(!shown.contains("198.51.100.23"), "{shown}");
    }
}
