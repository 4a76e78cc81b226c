//! The nonces of recently verified signatures, so that a replayed request is refused, in
//! bounded memory that no one key can take for itself.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

/// Number of independently locked shards. All of a key's nonces live in one shard.
const SHARDS: usize = 16;

/// The share of a shard one key may hold: a quarter, so a key that signs faster than the
/// rest cannot crowd out the other keys of its shard.
const KEY_SHARE_OF_SHARD: usize = 4;

/// Remembers (key id, nonce) pairs until the time after which their signature would be
/// refused as too old anyway.
///
/// Each pair is kept as a 64-bit hash under a key chosen at random when the memory is made,
/// with the time it may be forgotten: at most about 36 bytes an entry, hash table included.
/// Two pairs with the same hash make the second request look replayed; with a random key an
/// outsider cannot cause that on purpose, and at a million entries its chance is about one in
/// thirty million per request.
///
/// Memory is bounded: a shard, or a key's share of it, that is full first forgets what has
/// expired, and when nothing has, the request is refused ([`Remember::Full`]) rather than a
/// nonce forgotten early, which would let a replay through.
pub(crate) struct Nonces {
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
}

#[derive(Default)]
struct Shard {
    /// Hash of (key id, nonce) -> (hash of the key id, when it may be forgotten).
    seen: HashMap<u64, (u64, u64)>,
    /// Hash of a key id -> how many of its pairs `seen` holds.
    per_key: HashMap<u64, usize>,
    /// No entry may be forgotten before this time (Unix seconds).
    earliest_expiry: u64,
}

/// What [`Nonces::remember`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Remember {
    /// The pair was new and is now remembered.
    New,
    /// The pair was seen before and has not expired.
    Replayed,
    /// The shard, or the key's share of it, is full of pairs that have not expired; the first
    /// expires at this time (Unix seconds).
    Full { until: u64 },
}

/// A (key id, nonce) pair, hashed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair {
    key: u64,
    pair: u64,
}

impl Nonces {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    pub(crate) fn pair(&self, key_id: &str, nonce: &str) -> Pair {
        Pair {
            key: self.hasher.hash_one(key_id),
            pair: self.hasher.hash_one((key_id, nonce)),
        }
    }

    fn shard(&self, pair: Pair) -> std::sync::MutexGuard<'_, Shard> {
        let index = usize::try_from(pair.key % SHARDS as u64).unwrap_or_default();
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers `pair` until `expires_at`, unless it is remembered already.
    pub(crate) fn remember(&self, pair: Pair, expires_at: u64, now: u64) -> Remember {
        let mut shard = self.shard(pair);
        match shard.seen.get(&pair.pair) {
            Some(&(_, expiry)) if expiry > now => return Remember::Replayed,
            Some(_) => {
                shard.seen.insert(pair.pair, (pair.key, expires_at));
                return Remember::New;
            }
            None => {}
        }
        let per_key = (self.per_shard / KEY_SHARE_OF_SHARD).max(1);
        let full = |shard: &Shard| {
            shard.seen.len() >= self.per_shard
                || shard.per_key.get(&pair.key).copied().unwrap_or_default() >= per_key
        };
        if full(&shard) {
            if now >= shard.earliest_expiry {
                shard.forget_expired(now);
            }
            if full(&shard) {
                return Remember::Full {
                    until: shard.earliest_expiry,
                };
            }
        }
        shard.seen.insert(pair.pair, (pair.key, expires_at));
        *shard.per_key.entry(pair.key).or_default() += 1;
        shard.earliest_expiry = shard.earliest_expiry.min(expires_at);
        Remember::New
    }
}

impl Shard {
    fn forget_expired(&mut self, now: u64) {
        self.seen.retain(|_, &mut (_, expiry)| expiry > now);
        self.per_key.clear();
        self.earliest_expiry = u64::MAX;
        for &(key, expiry) in self.seen.values() {
            *self.per_key.entry(key).or_default() += 1;
            self.earliest_expiry = self.earliest_expiry.min(expiry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_refused_again_until_it_expires() {
        let nonces = Nonces::new(100);
        let pair = nonces.pair("k", "n1");
        assert_eq!(nonces.remember(pair, 100, 10), Remember::New);
        assert_eq!(nonces.remember(pair, 100, 99), Remember::Replayed);
        // The same nonce under another key is another pair.
        assert_eq!(
            nonces.remember(nonces.pair("other", "n1"), 100, 11),
            Remember::New
        );
        // Once expired, it is forgotten (its signature would be refused as too old anyway).
        assert_eq!(nonces.remember(pair, 200, 100), Remember::New);
        assert_eq!(nonces.remember(pair, 200, 150), Remember::Replayed);
    }

    #[test]
    fn one_key_takes_at_most_its_share_and_nothing_is_forgotten_early() {
        // Shards of 8 pairs: a key may hold 2.
        let nonces = Nonces::new(8 * SHARDS);
        let pair = |nonce: &str| nonces.pair("k", nonce);
        assert_eq!(nonces.remember(pair("a"), 100, 10), Remember::New);
        assert_eq!(nonces.remember(pair("b"), 50, 10), Remember::New);
        assert_eq!(
            nonces.remember(pair("c"), 100, 10),
            Remember::Full { until: 50 }
        );
        // Both are still refused as replays, and the key's share stays full until one expires.
        assert_eq!(nonces.remember(pair("a"), 100, 20), Remember::Replayed);
        assert_eq!(nonces.remember(pair("b"), 50, 20), Remember::Replayed);
        assert_eq!(
            nonces.remember(pair("c"), 100, 49),
            Remember::Full { until: 50 }
        );
        // Another key is not crowded out, even in the same shard: it has a share of its own.
        for nonce in ["a", "b"] {
            let other = nonces.pair("other", nonce);
            assert_eq!(nonces.remember(other, 100, 20), Remember::New);
        }
        // Once "b" has expired, there is room for "c".
        assert_eq!(nonces.remember(pair("c"), 100, 50), Remember::New);
        assert_eq!(nonces.remember(pair("a"), 100, 50), Remember::Replayed);
    }
}
