//! `ObservedStorage`: a memory storage that counts what authentication asks of it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use tollgate_store::{
    AuditEntry, AuditEvent, AuditQuery, Authenticated, DayCount, MemoryStorage, NewToken, Rotation,
    Storage, StoreError, TokenId, TokenRecord, User, UserName,
};
use tollgate_token::TokenHash;

/// A [`MemoryStorage`] that counts lookups by hash and last-use writes, and whose lookups by
/// hash and reads and writes of use counts can fail as an unavailable database's do.
#[derive(Debug, Default)]
pub struct ObservedStorage {
    inner: MemoryStorage,
    lookups: AtomicUsize,
    uses: AtomicUsize,
    down: AtomicBool,
    stalled: AtomicBool,
}

impl ObservedStorage {
    /// How many lookups by hash were asked for, failed ones included.
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }

    /// How many last-use writes were asked for.
    pub fn uses(&self) -> usize {
        self.uses.load(Ordering::SeqCst)
    }

    /// Makes every later lookup by hash and read or write of use counts fail with
    /// [`StoreError::Unavailable`] (`true`), or answer again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

/// `Storage` methods that `ObservedStorage` hands to its memory storage unchanged.
macro_rules! forward {
    ($(fn $method:ident($($arg:ident: $type:ty),*) -> $output:ty;)*) => {$(
        async fn $method(&self, $($arg: $type),*) -> Result<$output, StoreError> {
            self.inner.$method($($arg),*).await
        }
    )*};
}

impl ObservedStorage {
    /// Makes every later write of use counts wait for ever (`true`), as a database that hangs
    /// mid-transaction does, or answer again (`false`).
    pub fn set_stalled(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }

    fn available(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down for the test".into()));
        }
        Ok(())
    }
}

impl Storage for ObservedStorage {
    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<Authenticated>, StoreError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.available()?;
        self.inner.token_by_hash(hash).await
    }

    async fn add_usage(&self, counts: &[DayCount]) -> Result<(), StoreError> {
        self.available()?;
        if self.stalled.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.inner.add_usage(counts).await
    }

    async fn usage_since(
        &self,
        ids: &[TokenId],
        since: NaiveDate,
    ) -> Result<Vec<DayCount>, StoreError> {
        self.available()?;
        self.inner.usage_since(ids, since).await
    }

    async fn record_use(
        &self,
        id: TokenId,
        at: DateTime<Utc>,
        stale_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.uses.fetch_add(1, Ordering::SeqCst);
        self.inner.record_use(id, at, stale_since).await
    }

    forward! {
        fn create_user(user: &User, at: DateTime<Utc>) -> ();
        fn user(name: &UserName) -> Option<User>;
        fn users_named(names: &[UserName]) -> Vec<User>;
        fn users(after: Option<&UserName>, limit: usize) -> Vec<User>;
        fn insert_token(token: NewToken<'_>) -> TokenRecord;
        fn create_user_with_token(user: &User, at: DateTime<Utc>, token: NewToken<'_>)
            -> TokenRecord;
        fn token_by_id(id: TokenId) -> Option<TokenRecord>;
        fn tokens_of(owner: &UserName, after: Option<TokenId>, limit: usize) -> Vec<TokenRecord>;
        fn revoke(id: TokenId, at: DateTime<Utc>) -> ();
        fn rotate(id: TokenId, rotation: &Rotation) -> TokenRecord;
        fn restore(id: TokenId) -> ();
        fn delete_token(id: TokenId, owner: &UserName, at: DateTime<Utc>) -> bool;
        fn purge_unused_since(cutoff: DateTime<Utc>) -> u64;
        fn delete_usage_before(day: NaiveDate) -> u64;
        fn append_audit(events: &[AuditEvent]) -> ();
        fn audit_entries(query: &AuditQuery, limit: usize) -> Vec<AuditEntry>;
        fn delete_audit_before(cutoff: DateTime<Utc>) -> u64;
    }
}
