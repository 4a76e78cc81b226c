//! The seam between the token service and a database.

use core::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use tollgate_token::TokenHash;

use crate::{
    AuditEntry, AuditEvent, AuditQuery, Authenticated, DayCount, NewToken, Rotation, StoreError,
    TokenId, TokenRecord, User, UserName,
};

/// A place to keep users and tokens. Implemented by [`MemoryStorage`](crate::MemoryStorage)
/// and [`SqlStorage`](crate::SqlStorage), and by [`CachedStorage`](crate::CachedStorage) in
/// front of either; [`TokenService`](crate::TokenService) adds the rules on top.
///
/// Every method reports an unreachable or failing database as
/// [`StoreError::Unavailable`] and an unreadable row as [`StoreError::Corrupt`].
pub trait Storage: Send + Sync {
    /// Adds a user.
    ///
    /// # Errors
    /// [`StoreError::DuplicateUser`] when the name, ignoring case, is taken.
    fn create_user(
        &self,
        user: &User,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user with this name, ignoring case.
    ///
    /// # Errors
    /// Database failures only.
    fn user(
        &self,
        name: &UserName,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// The users among `names` (each ignoring case), each once, in no particular order:
    /// names of no user are left out. For checking many names at once: the SQL backends ask
    /// in one query per [`USERS_PER_QUERY`](crate::SqlStorage::USERS_PER_QUERY) distinct names.
    ///
    /// # Errors
    /// Database failures only.
    fn users_named(
        &self,
        names: &[UserName],
    ) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// At most `limit` users, by name key (the name in ASCII lowercase), starting after
    /// `after`'s key (at the first user when `None`). Keyset order: the cost of a call
    /// depends on `limit`, not on how many users come before `after`.
    ///
    /// # Errors
    /// Database failures only.
    fn users(
        &self,
        after: Option<&UserName>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Stores a token and returns its record.
    ///
    /// # Errors
    /// [`StoreError::DuplicateTokenName`] when the owner has a token of that name ignoring
    /// case (enforced atomically: of concurrent inserts, exactly one succeeds);
    /// [`StoreError::TooManyTokens`] when the owner already holds
    /// [`NewToken::max_live_tokens`] live tokens (enforced atomically: concurrent inserts for
    /// one owner are counted one after the other, so they never pass the cap together);
    /// [`StoreError::UnknownUser`] when the owner does not exist;
    /// [`StoreError::ParentNotActive`] when [`NewToken::parent`] is revoked or gone, or no
    /// longer has the secret it presented in the role it had (checked atomically with the
    /// insert: a revocation or rotation of the parent either refuses this insert or comes
    /// after it, and a revocation then reaches the new token).
    fn insert_token(
        &self,
        token: NewToken<'_>,
    ) -> impl Future<Output = Result<TokenRecord, StoreError>> + Send;

    /// Adds a user and their first token, atomically: on any error, neither is stored.
    ///
    /// # Errors
    /// [`StoreError::DuplicateUser`], or as [`insert_token`](Self::insert_token).
    fn create_user_with_token(
        &self,
        user: &User,
        at: DateTime<Utc>,
        token: NewToken<'_>,
    ) -> impl Future<Output = Result<TokenRecord, StoreError>> + Send;

    /// The token with this hash and its owner's role.
    ///
    /// # Errors
    /// Database failures only.
    fn token_by_hash(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<Authenticated>, StoreError>> + Send;

    /// The token with this id.
    ///
    /// # Errors
    /// Database failures only.
    fn token_by_id(
        &self,
        id: TokenId,
    ) -> impl Future<Output = Result<Option<TokenRecord>, StoreError>> + Send;

    /// At most `limit` of the owner's tokens, by id (oldest first), starting after the id
    /// `after` (at the first token when `None`). Keyset order, as [`users`](Self::users).
    ///
    /// # Errors
    /// Database failures only.
    fn tokens_of(
        &self,
        owner: &UserName,
        after: Option<TokenId>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TokenRecord>, StoreError>> + Send;

    /// Marks the token revoked at `at`, and with it every token descending from it (made by
    /// it, or by one of those, ...) that is not revoked yet: a token never outlives the
    /// revocation of the token that made it. Atomic.
    ///
    /// # Errors
    /// [`StoreError::UnknownToken`], or [`StoreError::AlreadyRevoked`].
    fn revoke(
        &self,
        id: TokenId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives the token a new secret ([`Rotation`]): `rotation.hash` authenticates it from now
    /// on; the secret it replaces authenticates until `rotation.previous_until` (not at all when
    /// `None`), and any secret an earlier rotation replaced, not at all. A token has at most
    /// these two secrets. Returns the record as changed. Atomic: of concurrent rotations, each
    /// replaces the secret the one before it set.
    ///
    /// # Errors
    /// [`StoreError::UnknownToken`], or [`StoreError::AlreadyRevoked`] for a revoked token.
    fn rotate(
        &self,
        id: TokenId,
        rotation: &Rotation,
    ) -> impl Future<Output = Result<TokenRecord, StoreError>> + Send;

    /// Clears the token's revocation (not its descendants'), if the token that made it, when
    /// there is one, still exists and is not revoked. Atomic with respect to a concurrent
    /// revocation of that token.
    ///
    /// # Errors
    /// [`StoreError::UnknownToken`], [`StoreError::NotRevoked`], or
    /// [`StoreError::ParentNotActive`].
    fn restore(&self, id: TokenId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the owner's token and revokes, at `at`, every token descending from it that is
    /// not revoked yet. Returns whether one was deleted. Atomic.
    ///
    /// # Errors
    /// Database failures only.
    fn delete_token(
        &self,
        id: TokenId,
        owner: &UserName,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Sets the token's last use to `at` when the stored value is unset or at or before
    /// `stale_since`. Returns whether it wrote. Atomic: of concurrent calls with one
    /// `stale_since`, at most one writes.
    ///
    /// # Errors
    /// Database failures only.
    fn record_use(
        &self,
        id: TokenId,
        at: DateTime<Utc>,
        stale_since: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes tokens whose last use (or, never used, creation) is before `cutoff`.
    /// Returns how many were deleted.
    ///
    /// # Errors
    /// Database failures only.
    fn purge_unused_since(
        &self,
        cutoff: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Adds each count's uses to the stored count of its token and day, creating it when
    /// missing, in one transaction: all are added or none. Counts of tokens that no longer
    /// exist are kept (a deleted ancestor's descendants still count against it).
    ///
    /// # Errors
    /// Database failures only.
    fn add_usage(&self, counts: &[DayCount])
    -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The stored counts of the tokens `ids` on `since` and the days after it, in no
    /// particular order; days without uses are left out.
    ///
    /// # Errors
    /// Database failures only.
    fn usage_since(
        &self,
        ids: &[TokenId],
        since: NaiveDate,
    ) -> impl Future<Output = Result<Vec<DayCount>, StoreError>> + Send;

    /// Deletes the stored counts of every token for the days before `day`. Returns how many
    /// (token, day) counts were deleted.
    ///
    /// # Errors
    /// Database failures only.
    fn delete_usage_before(
        &self,
        day: NaiveDate,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Appends `events` to the audit log, in order, in one transaction: all are stored or
    /// none. The log is append-only: nothing changes an entry; only
    /// [`delete_audit_before`](Self::delete_audit_before) removes old ones.
    ///
    /// # Errors
    /// Database failures only.
    fn append_audit(
        &self,
        events: &[AuditEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// At most `limit` entries of the audit log that `query` admits, newest first.
    ///
    /// # Errors
    /// Database failures only.
    fn audit_entries(
        &self,
        query: &AuditQuery,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send;

    /// Deletes the audit log's entries from before `cutoff`. Returns how many.
    ///
    /// # Errors
    /// Database failures only.
    fn delete_audit_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
