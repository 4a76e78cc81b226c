//! A verified-token cache in front of any [`Storage`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use quick_cache::UnitWeighter;
use quick_cache::sync::DefaultLifecycle;
use tollgate_token::TokenHash;

use crate::{
    AuditEntry, AuditEvent, AuditQuery, Authenticated, DayCount, NewToken, Rotation, Storage,
    StoreError, TokenId, TokenRecord, User, UserName,
};

/// The default longest time an answer stays cached: 30 seconds.
pub const DEFAULT_CACHE_TIME_TO_LIVE: Duration = Duration::from_secs(30);

/// The default most tokens cached, and the default most unknown hashes cached: 100 000 each.
pub const DEFAULT_CACHE_CAPACITY: u64 = 100_000;

/// A [`Storage`] that answers [`token_by_hash`](Storage::token_by_hash) from memory, in front
/// of another storage: `TokenService<CachedStorage<SqlStorage>>` authenticates a token seen
/// recently with no database query.
///
/// - **What is cached**: the answer to `token_by_hash`, keyed by the token's hash: the record
///   and its owner's role when found, the absence when not (an *unknown* hash, so that a flood
///   of forged tokens costs no query per request). Errors are never cached. Every other
///   method goes to the storage underneath. [`TokenService`](crate::TokenService) still checks
///   the kind, expiry and revocation of the record on every authentication, so a token that
///   expires is refused at once.
/// - **Invalidation**: every method that changes a token ([`revoke`](Storage::revoke),
///   [`rotate`](Storage::rotate), [`restore`](Storage::restore), [`delete_token`](Storage::delete_token),
///   [`purge_unused_since`](Storage::purge_unused_since)) forgets every cached token before it
///   returns, whether it succeeded or failed, and when its future is dropped (a change the
///   database still commits after that is seen within the time to live, as below). A
///   revocation also revokes descendants, whose hashes no argument names, so the whole cache
///   is cleared: such changes are rare next to authentications. Every method that creates a
///   token ([`insert_token`](Storage::insert_token),
///   [`create_user_with_token`](Storage::create_user_with_token)) forgets every cached unknown
///   hash the same way, so a token created in this process authenticates at once. An answer
///   read from the storage while such a change ran is never cached as current. Noting a use
///   ([`record_use`](Storage::record_use)) invalidates nothing: when it writes, the cached
///   record's `last_used_at` moves forward to the written time (never backwards).
/// - **Other processes**: on PostgreSQL, [`listen_for_changes`](Self::listen_for_changes)
///   makes every change made elsewhere (another server on the same database, plain SQL) heard
///   within a notification's round trip, and stops the cache trusting itself while it cannot
///   hear. Without it (and on SQLite, or for a change made on [`inner`](Self::inner)
///   directly), a change made elsewhere is seen once the cached answer expires: at most the
///   time to live ([`DEFAULT_CACHE_TIME_TO_LIVE`] unless set) after the change, an answer's
///   time counting from before the query that read it. Until then a token revoked or deleted
///   elsewhere still authenticates here, but it makes no more tokens: the store checks a new
///   token's parent in the transaction that inserts it. A token created elsewhere is never
///   stale here: its secret is new, so no one presented its hash before.
/// - **Memory**: at most [`DEFAULT_CACHE_CAPACITY`] tokens and as many unknown hashes (each
///   configurable); beyond that, entries are evicted (by quick_cache's S3-FIFO policy,
///   which keeps entries used more than once over entries seen once). Entries past their
///   time to live are never answered; they leave when evicted or replaced.
#[derive(Debug)]
pub struct CachedStorage<S> {
    inner: S,
    time_to_live: Duration,
    tokens: Cache<TokenHash, Arc<Found>>,
    /// The hash of each cached token, so that a written last use reaches its entry.
    hashes: Cache<TokenId, TokenHash>,
    /// Unknown hashes.
    unknown: Cache<TokenHash, Unknown>,
    /// What decides whether a cached answer is current; shared with the change listener.
    validity: Arc<Validity>,
    /// The task that hears of changes made by other processes, when one listens.
    #[cfg(feature = "postgres")]
    listener: Option<AbortOnDrop>,
}

/// Whether cached answers may be used: shared by the cache and the task that hears of changes
/// made elsewhere ([`CachedStorage::listen_for_changes`]).
#[derive(Debug)]
pub(crate) struct Validity {
    /// Bumped after every change to tokens: a cached token of an older generation is dead.
    generation: AtomicU64,
    /// Bumped after every token creation: a cached unknown hash of an older one is dead.
    unknown_generation: AtomicU64,
    /// False while changes made elsewhere could go unheard (a listener that lost its
    /// connection): then every answer comes from the storage and none is cached.
    trusted: AtomicBool,
}

impl Validity {
    /// Every cached token is dead from now on.
    #[cfg(feature = "postgres")]
    pub(crate) fn forget_tokens(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Answers are read from the storage, and none is cached, until [`trust`](Self::trust).
    #[cfg(feature = "postgres")]
    pub(crate) fn distrust(&self) {
        self.trusted.store(false, Ordering::SeqCst);
        self.forget_everything();
    }

    /// Answers may be cached again: every change from now on is heard. What was cached
    /// before is dead, since changes made until now may have gone unheard.
    #[cfg(feature = "postgres")]
    pub(crate) fn trust(&self) {
        self.forget_everything();
        self.trusted.store(true, Ordering::SeqCst);
    }

    fn forget_everything(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.unknown_generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// Aborts a task when dropped: the listener lives as long as its cache.
#[cfg(feature = "postgres")]
#[derive(Debug)]
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

#[cfg(feature = "postgres")]
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A bounded concurrent map; TTL is the entries' own business.
type Cache<K, V> = quick_cache::sync::Cache<
    K,
    V,
    UnitWeighter,
    foldhash::fast::RandomState,
    DefaultLifecycle<K, V>,
>;

/// A cached token.
#[derive(Debug)]
struct Found {
    /// The answer, as read; its `last_used_at` is in `last_used`.
    found: Authenticated,
    /// The generation the answer was read in.
    generation: u64,
    /// When the answer was stored: it is answered until the time to live has passed.
    stored_at: Instant,
    /// The latest last use known, as read or written since through this storage (see
    /// [`micros_of`]).
    last_used: AtomicI64,
}

/// `at` in microseconds since the epoch; a token never used below every time, so that any
/// use written moves it forward.
fn micros_of(at: Option<DateTime<Utc>>) -> i64 {
    at.map_or(i64::MIN, |at| at.timestamp_micros())
}

/// A cached unknown hash.
#[derive(Debug, Clone, Copy)]
struct Unknown {
    /// The unknown-hash generation it was read in.
    generation: u64,
    /// When it was stored, as [`Found::stored_at`].
    stored_at: Instant,
}

impl Found {
    fn last_used(&self) -> Option<DateTime<Utc>> {
        let read = self.found.token.last_used_at;
        match self.last_used.load(Ordering::Relaxed) {
            micros if micros == micros_of(read) => read,
            // Only times that came from a `DateTime` are stored.
            micros => DateTime::from_timestamp_micros(micros),
        }
    }

    /// Moves the last use forward to `at`, never backwards.
    fn used_at(&self, at: DateTime<Utc>) {
        self.last_used
            .fetch_max(at.timestamp_micros(), Ordering::Relaxed);
    }
}

impl<S: Storage> CachedStorage<S> {
    /// A cache in front of `inner`, keeping answers at most [`DEFAULT_CACHE_TIME_TO_LIVE`] and
    /// at most [`DEFAULT_CACHE_CAPACITY`] tokens and as many unknown hashes.
    #[must_use]
    pub fn new(inner: S) -> Self {
        Self::build(
            inner,
            DEFAULT_CACHE_TIME_TO_LIVE,
            (DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_CAPACITY),
            None,
        )
    }

    /// This cache answering from each entry at most `time_to_live` after the query that read
    /// it began: the longest a change made by another process goes unseen when no listener
    /// hears it.
    /// Empties the cache.
    #[must_use]
    pub fn with_time_to_live(self, time_to_live: Duration) -> Self {
        let capacity = (self.tokens.capacity(), self.unknown.capacity());
        self.rebuilt(time_to_live, capacity)
    }

    /// This cache keeping at most `tokens` tokens and `unknown` unknown hashes, evicting
    /// beyond. Empties the cache.
    #[must_use]
    pub fn with_capacity(self, tokens: u64, unknown: u64) -> Self {
        let time_to_live = self.time_to_live;
        self.rebuilt(time_to_live, (tokens, unknown))
    }

    /// This cache, emptied, with other limits; a change listener keeps listening.
    fn rebuilt(self, time_to_live: Duration, capacity: (u64, u64)) -> Self {
        let rebuilt = Self::build(self.inner, time_to_live, capacity, Some(self.validity));
        #[cfg(feature = "postgres")]
        let rebuilt = Self {
            listener: self.listener,
            ..rebuilt
        };
        rebuilt
    }

    /// A cache with these limits, keeping `validity` when given (a cache being rebuilt).
    fn build(
        inner: S,
        time_to_live: Duration,
        capacity: (u64, u64),
        validity: Option<Arc<Validity>>,
    ) -> Self {
        let validity = validity.unwrap_or_else(|| {
            Arc::new(Validity {
                generation: AtomicU64::new(0),
                unknown_generation: AtomicU64::new(0),
                trusted: AtomicBool::new(true),
            })
        });
        // Whatever the old caches held is dropped with them; bumping makes sure of it.
        validity.forget_everything();
        Self {
            inner,
            time_to_live,
            tokens: bounded(capacity.0),
            hashes: bounded(capacity.0),
            unknown: bounded(capacity.1),
            validity,
            #[cfg(feature = "postgres")]
            listener: None,
        }
    }

    /// The storage underneath. A change made on it directly is not seen by this cache until
    /// the cached answers expire.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// What decides whether a cached answer is current, for the change listener.
    #[cfg(feature = "postgres")]
    pub(crate) fn validity(&self) -> &Arc<Validity> {
        &self.validity
    }

    /// This cache with `task` hearing of changes made elsewhere: aborted when the cache is
    /// dropped.
    #[cfg(feature = "postgres")]
    pub(crate) fn with_listener(self, task: tokio::task::JoinHandle<()>) -> Self {
        Self {
            listener: Some(AbortOnDrop(task)),
            ..self
        }
    }

    /// Forgets every cached token when dropped: after the change it guards, or when the
    /// change's future is dropped (the change may have been made).
    fn tokens_change(&self) -> Forget<'_, Arc<Found>> {
        Forget {
            generation: &self.validity.generation,
            cache: &self.tokens,
        }
    }

    /// Forgets every cached unknown hash when dropped, as [`tokens_change`](Self::tokens_change).
    fn token_creation(&self) -> Forget<'_, Unknown> {
        Forget {
            generation: &self.validity.unknown_generation,
            cache: &self.unknown,
        }
    }
}

/// A cache of at most `capacity` entries.
fn bounded<K: Eq + core::hash::Hash, V: Clone>(capacity: u64) -> Cache<K, V> {
    // The estimate only sizes the shards; storage grows with use.
    let estimate = usize::try_from(capacity).unwrap_or(usize::MAX);
    Cache::with(
        estimate,
        capacity,
        UnitWeighter,
        foldhash::fast::RandomState::default(),
        DefaultLifecycle::default(),
    )
}

/// Bumps a generation and empties its cache when dropped.
struct Forget<'a, V: Clone> {
    generation: &'a AtomicU64,
    cache: &'a Cache<TokenHash, V>,
}

impl<V: Clone> Drop for Forget<'_, V> {
    fn drop(&mut self) {
        // The bump makes every entry read before it dead, including one a lookup that raced
        // with the change stores after this point; emptying only frees the memory.
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.clear();
    }
}

impl<S: Storage> Storage for CachedStorage<S> {
    async fn create_user(&self, user: &User, at: DateTime<Utc>) -> Result<(), StoreError> {
        // A new user has no token yet: no cached answer changes.
        self.inner.create_user(user, at).await
    }

    async fn user(&self, name: &UserName) -> Result<Option<User>, StoreError> {
        self.inner.user(name).await
    }

    async fn users_named(&self, names: &[UserName]) -> Result<Vec<User>, StoreError> {
        self.inner.users_named(names).await
    }

    async fn users(&self, after: Option<&UserName>, limit: usize) -> Result<Vec<User>, StoreError> {
        self.inner.users(after, limit).await
    }

    async fn insert_token(&self, token: NewToken<'_>) -> Result<TokenRecord, StoreError> {
        let _forget = self.token_creation();
        self.inner.insert_token(token).await
    }

    async fn create_user_with_token(
        &self,
        user: &User,
        at: DateTime<Utc>,
        token: NewToken<'_>,
    ) -> Result<TokenRecord, StoreError> {
        let _forget = self.token_creation();
        self.inner.create_user_with_token(user, at, token).await
    }

    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<Authenticated>, StoreError> {
        // Trust and both generations are read before the storage is asked: an answer read
        // while a change ran is stored with a generation that change has made dead, and one
        // read while changes could go unheard is not stored at all.
        let validity = &*self.validity;
        if !validity.trusted.load(Ordering::SeqCst) {
            return self.inner.token_by_hash(hash).await;
        }
        let generation = validity.generation.load(Ordering::SeqCst);
        if let Some(cached) = self.tokens.get(hash)
            && cached.generation == generation
            && cached.stored_at.elapsed() < self.time_to_live
        {
            let mut found = cached.found.clone();
            found.token.last_used_at = cached.last_used();
            return Ok(Some(found));
        }
        let unknown_generation = validity.unknown_generation.load(Ordering::SeqCst);
        if let Some(unknown) = self.unknown.get(hash)
            && unknown.generation == unknown_generation
            && unknown.stored_at.elapsed() < self.time_to_live
        {
            return Ok(None);
        }
        // Read before the storage is asked: the answer is no fresher than this.
        let stored_at = Instant::now();
        let answer = self.inner.token_by_hash(hash).await?;
        match &answer {
            Some(found) => {
                self.hashes.insert(found.token.id, *hash);
                let cached = Found {
                    found: found.clone(),
                    generation,
                    stored_at,
                    last_used: AtomicI64::new(micros_of(found.token.last_used_at)),
                };
                self.tokens.insert(*hash, Arc::new(cached));
            }
            None => {
                let unknown = Unknown {
                    generation: unknown_generation,
                    stored_at,
                };
                self.unknown.insert(*hash, unknown);
            }
        }
        Ok(answer)
    }

    async fn token_by_id(&self, id: TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.inner.token_by_id(id).await
    }

    async fn tokens_of(
        &self,
        owner: &UserName,
        after: Option<TokenId>,
        limit: usize,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        self.inner.tokens_of(owner, after, limit).await
    }

    async fn revoke(&self, id: TokenId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let _forget = self.tokens_change();
        self.inner.revoke(id, at).await
    }

    async fn rotate(&self, id: TokenId, rotation: &Rotation) -> Result<TokenRecord, StoreError> {
        let _forget = self.tokens_change();
        self.inner.rotate(id, rotation).await
    }

    async fn restore(&self, id: TokenId) -> Result<(), StoreError> {
        let _forget = self.tokens_change();
        self.inner.restore(id).await
    }

    async fn delete_token(
        &self,
        id: TokenId,
        owner: &UserName,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _forget = self.tokens_change();
        self.inner.delete_token(id, owner, at).await
    }

    async fn record_use(
        &self,
        id: TokenId,
        at: DateTime<Utc>,
        stale_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let wrote = self.inner.record_use(id, at, stale_since).await?;
        if wrote
            && let Some(hash) = self.hashes.get(&id)
            && let Some(cached) = self.tokens.get(&hash)
            && cached.found.token.id == id
        {
            cached.used_at(at);
        }
        Ok(wrote)
    }

    async fn purge_unused_since(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let _forget = self.tokens_change();
        self.inner.purge_unused_since(cutoff).await
    }

    async fn add_usage(&self, counts: &[DayCount]) -> Result<(), StoreError> {
        self.inner.add_usage(counts).await
    }

    async fn usage_since(
        &self,
        ids: &[TokenId],
        since: NaiveDate,
    ) -> Result<Vec<DayCount>, StoreError> {
        self.inner.usage_since(ids, since).await
    }

    async fn delete_usage_before(&self, day: NaiveDate) -> Result<u64, StoreError> {
        self.inner.delete_usage_before(day).await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        self.inner.append_audit(events).await
    }

    async fn audit_entries(
        &self,
        query: &AuditQuery,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner.audit_entries(query, limit).await
    }

    async fn delete_audit_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.delete_audit_before(cutoff).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStorage;

    #[test]
    fn each_limit_keeps_the_other() {
        let ttl = Duration::from_secs(5);
        let limits = |cache: &CachedStorage<MemoryStorage>| {
            (
                cache.tokens.capacity(),
                cache.unknown.capacity(),
                cache.time_to_live,
            )
        };
        let capacity_first = CachedStorage::new(MemoryStorage::new())
            .with_capacity(2, 3)
            .with_time_to_live(ttl);
        let ttl_first = CachedStorage::new(MemoryStorage::new())
            .with_time_to_live(ttl)
            .with_capacity(2, 3);
        for cache in [capacity_first, ttl_first] {
            assert_eq!(limits(&cache), (2, 3, ttl));
        }
    }
}
