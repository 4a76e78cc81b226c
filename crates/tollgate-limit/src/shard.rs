//! One lock's share of a limiter's keys, with room made by eviction.

use crate::Rate;
use crate::gcra::{self, Allowed, Nanos, Refused};
use core::hash::Hash;
use std::collections::HashMap;

/// Keys and their TATs (see `gcra`), at most `max_keys` of them.
///
/// The map's hasher is aHash, keyed at random in each process: keys are chosen by clients
/// (their addresses), who must not be able to make them collide. (Were they to, a shard
/// holds at most 112 keys in at most 256 slots: a lookup would scan those, never more.)
#[derive(Debug)]
pub(crate) struct Shard<K> {
    tats: HashMap<K, Nanos, ahash::RandomState>,
    max_keys: usize,
}

impl<K: Hash + Eq + Clone> Shard<K> {
    /// An empty shard that will hold at most `max_keys` keys (at least one).
    pub(crate) fn new(max_keys: usize) -> Self {
        Self {
            tats: HashMap::default(),
            max_keys: max_keys.max(1),
        }
    }

    #[cfg(test)]
    pub(crate) fn max_keys(&self) -> usize {
        self.max_keys
    }

    #[cfg(test)]
    pub(crate) fn tracks(&self, key: &K) -> bool {
        self.tats.contains_key(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.tats.len()
    }

    /// What a spend by `key` at `now` would do, without doing it.
    pub(crate) fn peek(&self, rate: &Rate, key: &K, now: Nanos) -> Result<Allowed, Refused> {
        gcra::spend(rate, self.tats.get(key).copied(), now).map(|(_, allowed)| allowed)
    }

    /// Spends one for `key` at `now` if `rate` allows; a refusal records nothing. A key seen
    /// for the first time is tracked, making room first if the shard is full.
    pub(crate) fn spend(&mut self, rate: &Rate, key: &K, now: Nanos) -> Result<Allowed, Refused> {
        if let Some(tat) = self.tats.get_mut(key) {
            let (new_tat, allowed) = gcra::spend(rate, Some(*tat), now)?;
            *tat = new_tat;
            return Ok(allowed);
        }
        let (tat, allowed) = gcra::spend(rate, None, now)?;
        if self.tats.len() >= self.max_keys {
            self.make_room(now);
        }
        self.tats.insert(key.clone(), tat);
        Ok(allowed)
    }

    /// Frees at least one place: forgets every idle key (they owe nothing, so
    /// forgetting them changes no decision); if none was idle, forgets the key closest to idle
    /// (the least debt), so that the keys deepest in debt, the ones being throttled, are
    /// forgotten last.
    ///
    /// At most two passes over the shard, which `Limiter` keeps small.
    fn make_room(&mut self, now: Nanos) {
        self.tats.retain(|_, tat| !gcra::is_idle(*tat, now));
        if self.tats.len() < self.max_keys {
            return;
        }
        let least_debt = self
            .tats
            .iter()
            .min_by_key(|(_, tat)| **tat)
            .map(|(key, _)| key.clone());
        if let Some(key) = least_debt {
            self.tats.remove(&key);
        }
    }
}
