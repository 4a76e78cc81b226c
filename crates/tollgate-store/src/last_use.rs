//! Coalesced last-use writes: at most one per token per interval, nothing lost on flush.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use foldhash::fast::RandomState;

use crate::{Storage, StoreError, TokenId};

/// Tracks uses that were not yet written, and writes when the stored value is stale.
#[derive(Debug)]
pub(crate) struct LastUse {
    interval: TimeDelta,
    /// Uses newer than what is stored, not yet written because the stored value is recent.
    pending: Mutex<PendingUses>,
    writes: AtomicU64,
}

impl LastUse {
    pub(crate) fn new(interval: TimeDelta) -> Self {
        Self {
            interval,
            pending: Mutex::default(),
            writes: AtomicU64::new(0),
        }
    }

    pub(crate) fn interval(&self) -> TimeDelta {
        self.interval
    }

    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// Notes that `id` was used at `now`, given the stored last use.
    ///
    /// Writes when the stored value is unset or at least one interval old (total elapsed time,
    /// not a per-process timer); otherwise remembers the use for [`flush`](Self::flush). A
    /// write that fails (the database busy or down) is remembered too, logged, and retried by
    /// the next flush: bookkeeping never fails the authentication it records.
    pub(crate) async fn note<S: Storage>(
        &self,
        storage: &S,
        id: TokenId,
        stored: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) {
        // A use no newer than the stored one changes nothing, now or at flush (which never
        // moves last use backwards): leave the map, its lock and the database alone.
        if stored.is_some_and(|last| last >= now) {
            return;
        }
        // An interval too large to subtract means no stored use is ever stale.
        let stale_since = now
            .checked_sub_signed(self.interval)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        if stored.is_some_and(|last| last > stale_since) {
            self.remember(id, now);
            return;
        }
        match storage.record_use(id, now, stale_since).await {
            Ok(true) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
                let mut pending = self.lock();
                if pending.get(&id).is_some_and(|&at| at <= now) {
                    pending.remove(&id);
                }
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(token_id = id.0, %error, "last use not written; the next flush retries it");
                self.remember(id, now);
            }
        }
    }

    /// Keeps `at` as `id`'s pending use unless a later one is kept already.
    fn remember(&self, id: TokenId, at: DateTime<Utc>) {
        let mut pending = self.lock();
        let latest = pending.entry(id).or_insert(at);
        *latest = (*latest).max(at);
    }

    /// Writes every remembered use. On a database failure the unwritten uses are kept, so a
    /// later flush can retry. Returns how many were written.
    pub(crate) async fn flush<S: Storage>(&self, storage: &S) -> Result<usize, StoreError> {
        let mut pending: Vec<(TokenId, DateTime<Utc>)> = self.lock().drain().collect();
        let mut written = 0;
        while let Some((id, at)) = pending.pop() {
            // Write unless the stored value is already as new: never move last use backwards.
            let outcome = storage
                .record_use(id, at, at - TimeDelta::microseconds(1))
                .await;
            match outcome {
                Ok(wrote) => {
                    if wrote {
                        self.writes.fetch_add(1, Ordering::Relaxed);
                        written += 1;
                    }
                }
                Err(error) => {
                    pending.push((id, at));
                    let mut kept = self.lock();
                    for (id, at) in pending {
                        let latest = kept.entry(id).or_insert(at);
                        *latest = (*latest).max(at);
                    }
                    return Err(error);
                }
            }
        }
        Ok(written)
    }

    fn lock(&self) -> MutexGuard<'_, PendingUses> {
        // The map is valid after any panic: every update is a single insert or remove.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Uses not yet written, by token.
type PendingUses = HashMap<TokenId, DateTime<Utc>, RandomState>;
