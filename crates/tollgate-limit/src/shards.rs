//! Keys spread over locks: what `Limiter` and `UsageMeter` share.

use core::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Values behind their own locks, a key's value picked by a keyed hash.
///
/// The hash is aHash, keyed at random in each process, so clients cannot aim their keys (their
/// addresses) at one shard. (aHash rather than std's SipHash: keyed too and made to resist
/// chosen colliding keys, and measured, a tenth of a rate-limit check's time cheaper.)
#[derive(Debug)]
pub(crate) struct Shards<T> {
    shards: Box<[Mutex<T>]>,
    hasher: ahash::RandomState,
}

impl<T> Shards<T> {
    /// These values, which callers give at least one of (`Limiter` one per 112 keys of at
    /// least one, `UsageMeter` a fixed number).
    pub(crate) fn new(shards: impl IntoIterator<Item = T>) -> Self {
        Self {
            shards: shards.into_iter().map(Mutex::new).collect(),
            hasher: ahash::RandomState::new(),
        }
    }

    /// The value of `key`'s shard, locked.
    pub(crate) fn of<K: Hash>(&self, key: &K) -> MutexGuard<'_, T> {
        // Truncating the hash on 32-bit targets keeps it uniform. There is at least one shard
        // and the index is a remainder of their number, so indexing cannot fail.
        let index = self.hasher.hash_one(key) as usize % self.shards.len();
        lock(&self.shards[index])
    }

    /// Every shard in turn, each locked while it is looked at.
    pub(crate) fn each(&self) -> impl Iterator<Item = MutexGuard<'_, T>> {
        self.shards.iter().map(lock)
    }
}

/// A panic while a shard was held cannot leave it inconsistent (each change is one insert,
/// update or removal of a map entry), so a poisoned lock is used as is.
fn lock<T>(shard: &Mutex<T>) -> MutexGuard<'_, T> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}
