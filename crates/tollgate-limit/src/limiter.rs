//! The keyed limiter: many keys, each with its own allowance, in bounded memory.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::num::NonZeroUsize;
use std::collections::hash_map::RandomState;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::shard::Shard;
use crate::{Quota, RetryAfter};

/// The most keys one shard holds: every scan to make room covers at most this many.
///
/// 112 is 7/16 of 256. std's `HashMap` fills a table to 7/8 of its slots, and when deletions
/// have clogged it, rebuilds it in place as long as at most half of that is live: so a shard
/// under any churn stays within 256 slots, where one of 128 keys grows to 512 (measured:
/// 76 bytes per `(9-byte key, Instant)` entry instead of 133).
const MAX_KEYS_PER_SHARD: usize = 112;

/// The number of keys [`Limiter::new`] tracks at most: 65 536.
pub const DEFAULT_MAX_KEYS: NonZeroUsize = match NonZeroUsize::new(65_536) {
    Some(max) => max,
    None => NonZeroUsize::MIN,
};

/// A [`Quota`] per key, for keys of type `K` (client addresses, token ids), in at most
/// [`max_keys`](Self::max_keys) entries.
///
/// Two operations, both given the current time by the caller:
/// - [`peek`](Self::peek): would a spend be allowed now? Spends nothing.
/// - [`spend`](Self::spend): spend one if allowed (check and consume in one step).
///
/// A throttle on failures peeks before the work it protects and spends when the work fails; a
/// limit on uses spends on every use.
///
/// # Memory
///
/// Keys are kept in shards of at most 112, each behind its own lock. When a shard is full, a
/// new key first gets every idle key there forgotten (they owe nothing, so forgetting them
/// changes no decision) and, if none is idle, the key with the least debt. Memory is therefore
/// bounded whatever the number of keys, and a new key costs at most two passes over one shard.
/// A tracked key costs at most about `2.3 * (size_of::<(K, Instant)>() + 1)` bytes (the map's
/// slots), 76 bytes for a 9-byte key; the crate's README has the measurements.
///
/// The price of the bound: a client holding more keys (addresses) than the limiter tracks
/// can get its keys forgotten while they are in debt, and escape the quota. No per-key limit
/// stops a client with that many keys.
pub struct Limiter<K> {
    quota: Quota,
    shards: Box<[Mutex<Shard<K>>]>,
    max_keys: usize,
    /// Picks a key's shard; keyed at random like the shards' own maps, so clients cannot aim
    /// their keys at one shard.
    shard_hasher: RandomState,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limiter granting `quota` to each key, tracking at most [`DEFAULT_MAX_KEYS`].
    #[must_use]
    pub fn new(quota: Quota) -> Self {
        Self::with_max_keys(quota, DEFAULT_MAX_KEYS)
    }

    /// A limiter granting `quota` to each key, tracking at most `max_keys` keys.
    #[must_use]
    pub fn with_max_keys(quota: Quota, max_keys: NonZeroUsize) -> Self {
        let max_keys = max_keys.get();
        let shard_count = max_keys.div_ceil(MAX_KEYS_PER_SHARD);
        // Shares `max_keys` out as evenly as it goes: each shard gets at least one key, as
        // there are no more shards than keys, and at most `MAX_KEYS_PER_SHARD`.
        let (share, remainder) = (max_keys / shard_count, max_keys % shard_count);
        let shards = (0..shard_count)
            .map(|index| Mutex::new(Shard::new(share + usize::from(index < remainder))))
            .collect();
        Self {
            quota,
            shards,
            max_keys,
            shard_hasher: RandomState::new(),
        }
    }

    /// The most keys this limiter tracks at once.
    #[must_use]
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// Whether `key` may spend at `now`, without spending: `Err` with the wait while it is over
    /// its quota.
    ///
    /// # Errors
    ///
    /// [`RetryAfter`] when a spend at `now` would be refused.
    pub fn peek(&self, key: &K, now: Instant) -> Result<(), RetryAfter> {
        self.shard(key).peek(&self.quota, key, now)
    }

    /// Spends one of `key`'s allowance at `now`, if its quota allows; a refused spend records
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`RetryAfter`] when the key is over its quota.
    pub fn spend(&self, key: &K, now: Instant) -> Result<(), RetryAfter> {
        self.shard(key).spend(&self.quota, key, now)
    }

    /// How many keys are tracked now, idle ones included (for metrics and tests). Locks each
    /// shard in turn, so the total may mix moments.
    #[must_use]
    pub fn tracked_keys(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).len()).sum()
    }

    fn shard(&self, key: &K) -> MutexGuard<'_, Shard<K>> {
        // Truncating the hash on 32-bit targets keeps it uniform. `shards` is never empty and
        // the index is a remainder of its length, so indexing cannot fail.
        let index = self.shard_hasher.hash_one(key) as usize % self.shards.len();
        lock(&self.shards[index])
    }
}

/// Locks a shard. A panic while it was held cannot leave it inconsistent (every change is one
/// insert, update or removal of a map entry), so a poisoned lock is used as is.
fn lock<K>(shard: &Mutex<Shard<K>>) -> MutexGuard<'_, Shard<K>> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K> fmt::Debug for Limiter<K> {
    /// The configuration only: the keys are clients' addresses or tokens' ids, which do not
    /// belong in logs, and there may be thousands.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("quota", &self.quota)
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

    fn twenty_per_minute() -> Quota {
        Quota::new(20, Duration::from_secs(60)).unwrap()
    }

    fn max(keys: usize) -> NonZeroUsize {
        NonZeroUsize::new(keys).unwrap()
    }

    /// Spends for `key` at `now` until refused; returns how many spends were allowed.
    fn exhaust(limiter: &Limiter<u64>, key: u64, now: Instant) -> u32 {
        let mut allowed = 0;
        while limiter.spend(&key, now).is_ok() {
            allowed += 1;
        }
        allowed
    }

    #[test]
    fn peek_answers_what_a_spend_would_without_spending() {
        let limiter = Limiter::new(twenty_per_minute());
        let now = Instant::now();
        for _ in 0..1_000 {
            assert_eq!(limiter.peek(&7, now), Ok(()));
        }
        assert_eq!(limiter.tracked_keys(), 0, "a peek tracks nothing");
        assert_eq!(exhaust(&limiter, 7, now), 20);
        assert_eq!(limiter.peek(&7, now), Err(RetryAfter(3 * SECOND)));
        assert_eq!(limiter.peek(&7, now + 3 * SECOND), Ok(()));
        assert_eq!(limiter.spend(&7, now + 3 * SECOND), Ok(()));
        assert_eq!(
            limiter.peek(&7, now + 3 * SECOND),
            Err(RetryAfter(3 * SECOND))
        );
    }

    #[test]
    fn keys_are_independent() {
        let limiter = Limiter::new(twenty_per_minute());
        let now = Instant::now();
        assert_eq!(exhaust(&limiter, 1, now), 20);
        assert!(limiter.peek(&1, now).is_err());
        for other in 2..100 {
            assert_eq!(limiter.peek(&other, now), Ok(()));
            assert_eq!(limiter.spend(&other, now), Ok(()));
        }
        assert_eq!(exhaust(&limiter, 2, now), 19);
    }

    #[test]
    fn max_keys_is_shared_out_among_shards_of_at_most_112() {
        let quota = twenty_per_minute();
        for asked in [1, 2, 111, 112, 113, 1_000, 65_536, 1_000_003] {
            let limiter: Limiter<u64> = Limiter::with_max_keys(quota, max(asked));
            assert_eq!(limiter.max_keys(), asked);
            let shares: Vec<usize> = limiter.shards.iter().map(|s| lock(s).max_keys()).collect();
            assert_eq!(shares.iter().sum::<usize>(), asked);
            assert!(
                shares
                    .iter()
                    .all(|&share| (1..=MAX_KEYS_PER_SHARD).contains(&share)),
                "{asked}"
            );
        }
        assert_eq!(Limiter::<u64>::new(quota).max_keys(), 65_536);
    }

    /// A million distinct keys, each spending once, never make the limiter track more than
    /// its cap; with time passing, the keys that went idle are the ones forgotten.
    #[test]
    fn the_cap_holds_with_a_million_distinct_keys() {
        let limiter = Limiter::with_max_keys(twenty_per_minute(), max(1_024));
        let start = Instant::now();
        let at = |key: u64| start + Duration::from_millis(10 * key);
        for key in 0..1_000_000_u64 {
            // A new key every 10 ms; each is idle three seconds after its spend, so about 300
            // are in debt at any time.
            assert_eq!(limiter.spend(&key, at(key)), Ok(()), "{key}");
            if key % 4_096 == 0 {
                assert!(limiter.tracked_keys() <= 1_024, "{key}");
            }
        }
        assert!(limiter.tracked_keys() <= 1_024);
        // Every key still in debt is still tracked: only idle ones were forgotten.
        let end = at(999_999);
        for key in 999_700..1_000_000 {
            assert!(limiter.shard(&key).tracks(&key), "{key}");
        }
        assert!(!gcra::is_idle(at(999_700) + 3 * SECOND, end));
    }

    /// Keys deep in debt outlive any number of newcomers: idle keys go first, then the
    /// newcomers with the least debt.
    #[test]
    fn eviction_forgets_idle_keys_first_and_indebted_keys_last() {
        let limiter = Limiter::with_max_keys(twenty_per_minute(), max(100));
        let start = Instant::now();
        // 60 keys that spend once, so are idle three seconds later...
        for key in 40..100 {
            assert_eq!(limiter.spend(&key, start), Ok(()));
        }
        // ... and 40 keys throttled a second before 100 000 newcomers arrive at once.
        let throttled_at = start + 9 * SECOND;
        for key in 0..40 {
            assert_eq!(exhaust(&limiter, key, throttled_at), 20);
        }
        assert_eq!(limiter.tracked_keys(), 100);
        let later = start + 10 * SECOND;
        for (arrived, key) in (1_000..101_000).enumerate() {
            assert_eq!(limiter.spend(&key, later), Ok(()));
            assert_eq!(limiter.tracked_keys(), 100.min(41 + arrived), "{key}");
        }
        for key in 0..40 {
            assert!(limiter.peek(&key, later).is_err(), "{key} forgotten");
        }
    }

    #[test]
    fn a_limiter_of_one_key_forgets_it_for_a_newcomer() {
        let limiter = Limiter::with_max_keys(twenty_per_minute(), max(1));
        let now = Instant::now();
        assert_eq!(exhaust(&limiter, 1, now), 20);
        // A newcomer takes the only place: the least-indebted key is the only one.
        assert_eq!(limiter.spend(&2, now), Ok(()));
        assert_eq!(limiter.tracked_keys(), 1);
        assert_eq!(
            limiter.peek(&1, now),
            Ok(()),
            "forgotten: the price of the cap"
        );
    }

    #[test]
    fn debug_shows_the_configuration_not_the_keys() {
        let limiter = Limiter::with_max_keys(twenty_per_minute(), max(10));
        limiter.spend(&"198.51.100.23", Instant::now()).unwrap();
        let shown = format!("{limiter:?}");
        assert!(shown.contains("max_keys: 10"), "{shown}");
        assert!(!shown.contains("198.51.100.23"), "{shown}");
    }
}
