//! The nonces of recently verified signatures, so that a replayed request is refused, in
//! bounded memory.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

/// Number of independently locked shards.
const SHARDS: usize = 16;

/// Remembers (key id, nonce) pairs until the time after which their signature would be
/// refused as too old anyway.
///
/// Each pair is kept as a 64-bit hash under a key chosen at random when the memory is made,
/// with the time it may be forgotten: about 20 bytes an entry. Two pairs with the same hash
/// make the second request look replayed; with a random key an outsider cannot cause that on
/// purpose, and at a million entries its chance is about one in thirty million per request.
///
/// Memory is bounded: a full shard first forgets what has expired, and when nothing has, the
/// request is refused ([`Remember::Full`]) rather than a nonce forgotten early, which would
/// let a replay through.
pub(crate) struct Nonces {
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
}

#[derive(Default)]
struct Shard {
    /// Hash of (key id, nonce) -> when it may be forgotten (Unix seconds).
    seen: HashMap<u64, u64>,
    /// No entry may be forgotten before this time.
    earliest_expiry: u64,
}

/// What [`Nonces::remember`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Remember {
    /// The pair was new and is now remembered.
    New,
    /// The pair was seen before and has not expired.
    Replayed,
    /// The memory is full of pairs that have not expired.
    Full,
}

impl Nonces {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// Remembers `(key_id, nonce)` until `expires_at`, unless it is remembered already.
    pub(crate) fn remember(
        &self,
        key_id: &str,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> Remember {
        let hash = self.hasher.hash_one((key_id, nonce));
        let index = usize::try_from(hash % SHARDS as u64).unwrap_or_default();
        let mut shard = self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if shard.seen.get(&hash).is_some_and(|&expiry| expiry > now) {
            return Remember::Replayed;
        }
        if shard.seen.len() >= self.per_shard && !shard.seen.contains_key(&hash) {
            if now < shard.earliest_expiry {
                return Remember::Full;
            }
            shard.seen.retain(|_, expiry| *expiry > now);
            shard.earliest_expiry = shard.seen.values().copied().min().unwrap_or(u64::MAX);
            if shard.seen.len() >= self.per_shard {
                return Remember::Full;
            }
        }
        shard.seen.insert(hash, expires_at);
        shard.earliest_expiry = shard.earliest_expiry.min(expires_at);
        Remember::New
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_refused_again_until_it_expires() {
        let nonces = Nonces::new(100);
        assert_eq!(nonces.remember("k", "n1", 100, 10), Remember::New);
        assert_eq!(nonces.remember("k", "n1", 100, 99), Remember::Replayed);
        // The same nonce under another key is another pair.
        assert_eq!(nonces.remember("other", "n1", 100, 11), Remember::New);
        // Once expired, it is forgotten (its signature would be refused as too old anyway).
        assert_eq!(nonces.remember("k", "n1", 200, 100), Remember::New);
        assert_eq!(nonces.remember("k", "n1", 200, 150), Remember::Replayed);
    }

    #[test]
    fn a_full_memory_refuses_until_something_expires_and_never_forgets_early() {
        let nonces = Nonces::new(SHARDS);
        // One entry per shard: fill until some shard refuses.
        let mut stored = Vec::new();
        let mut refused = None;
        for i in 0..1000 {
            let nonce = format!("n{i}");
            match nonces.remember("k", &nonce, 100, 10) {
                Remember::New => stored.push(nonce),
                Remember::Full => {
                    refused = Some(nonce);
                    break;
                }
                Remember::Replayed => unreachable!("every nonce is new"),
            }
        }
        let refused = refused.unwrap_or_default();
        assert!(!refused.is_empty(), "a one-entry shard filled up");
        // Everything stored is still refused as replayed, full or not.
        for nonce in &stored {
            assert_eq!(nonces.remember("k", nonce, 100, 50), Remember::Replayed);
        }
        assert_eq!(nonces.remember("k", &refused, 100, 99), Remember::Full);
        // After the stored entries expire, there is room again.
        assert_eq!(nonces.remember("k", &refused, 200, 100), Remember::New);
    }
}
