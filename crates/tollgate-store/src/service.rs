//! The token lifecycle: the rules, over any [`Storage`].

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use tollgate_limit::Rate;
use tollgate_scope::{
    Decision, DeriveDenial, Exceeded, LimitsRequest, Operation, Role, TokenKind, derive,
};
use tollgate_token::{
    AcceptedSchemes, Token, TokenFormat, TokenName, TokenParseError, parse_authorization,
};

use crate::last_use::LastUse;
use crate::metering::Metering;
use crate::{
    Ancestor, AuditEntry, AuditQuery, AuthError, Authenticated, CreatedToken, DeriveError,
    MAX_ANCESTORS, MeterError, Metered, NewToken, Page, PageSize, Reported, Rotation, SecretMatch,
    Storage, StoreError, TokenId, TokenRecord, TokenRequest, TokenUsage, User, UserName,
};

/// The default interval between two last-use writes for one token: 60 seconds.
pub const DEFAULT_LAST_USE_INTERVAL: TimeDelta = TimeDelta::seconds(60);

/// The default number of live (neither revoked nor expired) tokens one user may hold: 100.
pub const DEFAULT_MAX_LIVE_TOKENS: u32 = 100;

/// The longest grace period of a rotation ([`TokenService::rotate_token`]): 7 days.
pub const MAX_ROTATION_GRACE: core::time::Duration =
    core::time::Duration::from_secs(7 * 24 * 60 * 60);

/// Creates, lists, authenticates, revokes and deletes tokens; creates and lists users.
///
/// Every method that depends on the time takes it as `now`, so callers (and tests) own the
/// clock. Call [`flush_last_use`](Self::flush_last_use) on shutdown.
///
/// Tokens made by a token ([`derive_token`](Self::derive_token),
/// [`create_user_with_token`](Self::create_user_with_token)) go through
/// [`tollgate_scope::derive()`]: they never exceed the token that made them.
///
/// A user holds at most [`DEFAULT_MAX_LIVE_TOKENS`] live tokens (see
/// [`with_max_live_tokens`](Self::with_max_live_tokens)), so that no one, a leaked token's
/// holder included, can mint tokens without end.
#[derive(Debug)]
pub struct TokenService<S> {
    storage: S,
    format: TokenFormat,
    publishable_format: Option<TokenFormat>,
    schemes: AcceptedSchemes,
    last_use: LastUse,
    metering: Metering,
    max_live_tokens: u32,
}

impl<S: Storage> TokenService<S> {
    /// A service minting and accepting secret tokens of `format` (and no publishable tokens),
    /// accepting only `Bearer` headers, writing last use at most every
    /// [`DEFAULT_LAST_USE_INTERVAL`], and letting each user hold at most
    /// [`DEFAULT_MAX_LIVE_TOKENS`] live tokens.
    #[must_use]
    pub fn new(storage: S, format: TokenFormat) -> Self {
        Self {
            storage,
            format,
            publishable_format: None,
            schemes: AcceptedSchemes::BEARER,
            last_use: LastUse::new(DEFAULT_LAST_USE_INTERVAL),
            metering: Metering::new(),
            max_live_tokens: DEFAULT_MAX_LIVE_TOKENS,
        }
    }

    /// This service also minting and accepting publishable tokens, of `format`.
    ///
    /// # Errors
    /// [`StoreError::SamePrefix`] when `format` has the secret tokens' prefix.
    pub fn with_publishable_format(self, format: TokenFormat) -> Result<Self, StoreError> {
        if format.prefix() == self.format.prefix() {
            return Err(StoreError::SamePrefix);
        }
        Ok(Self {
            publishable_format: Some(format),
            ..self
        })
    }

    /// This service accepting `schemes` in `Authorization` headers.
    #[must_use]
    pub fn with_schemes(self, schemes: AcceptedSchemes) -> Self {
        Self { schemes, ..self }
    }

    /// This service writing a token's last use at most once per `interval`.
    #[must_use]
    pub fn with_last_use_interval(self, interval: TimeDelta) -> Self {
        Self {
            last_use: LastUse::new(interval),
            ..self
        }
    }

    /// How long this service waits between two last-use writes for one token: the interval
    /// given to [`with_last_use_interval`](Self::with_last_use_interval), else
    /// [`DEFAULT_LAST_USE_INTERVAL`]. A server that flushes pending uses on a timer
    /// ([`flush_last_use`](Self::flush_last_use)) flushes on this period.
    #[must_use]
    pub fn last_use_interval(&self) -> TimeDelta {
        self.last_use.interval()
    }

    /// This service letting each user hold at most `max` live tokens: tokens neither revoked
    /// nor expired. Every way of creating a token ([`create_token`](Self::create_token),
    /// [`derive_token`](Self::derive_token),
    /// [`create_user_with_token`](Self::create_user_with_token)) is refused with
    /// [`StoreError::TooManyTokens`] while the owner holds `max`; revoking, deleting or the
    /// expiry of one frees its place. The count and the insert are one atomic step, so
    /// concurrent creations never pass the cap together. `0` lets no one create a token.
    ///
    /// Restoring a revoked token ([`restore`](Self::restore)) is an administrator's act and
    /// is not counted.
    #[must_use]
    pub fn with_max_live_tokens(self, max: u32) -> Self {
        Self {
            max_live_tokens: max,
            ..self
        }
    }

    /// This service applying `rate` to every token whose chain (its first ancestor, or itself
    /// without ancestors) starts without a rate limit, per owner: all of a user's such tokens
    /// share one allowance, so making tokens adds nothing under it. A token derived under it
    /// may ask for a rate limit within `rate` only. `None`, the default: such tokens are not
    /// rate limited. See [`meter`](Self::meter).
    #[must_use]
    pub fn with_default_rate_limit(self, rate: Option<Rate>) -> Self {
        Self {
            metering: self.metering.with_default_rate(rate),
            ..self
        }
    }

    /// The storage underneath.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The format of this service's tokens of `kind`, if it issues them.
    pub fn format(&self, kind: TokenKind) -> Option<&TokenFormat> {
        match kind {
            TokenKind::Secret => Some(&self.format),
            TokenKind::Publishable => self.publishable_format.as_ref(),
        }
    }

    /// A presented token parsed by the format its prefix names, with that format's kind.
    fn parse<'t>(&self, presented: &'t str) -> Result<(TokenKind, Token<'t>), TokenParseError> {
        match (self.format.parse(presented), &self.publishable_format) {
            (Err(TokenParseError::WrongPrefix), Some(publishable)) => publishable
                .parse(presented)
                .map(|token| (TokenKind::Publishable, token)),
            (parsed, _) => parsed.map(|token| (TokenKind::Secret, token)),
        }
    }

    /// Adds a user.
    ///
    /// # Errors
    /// [`StoreError::DuplicateUser`], or a database failure.
    pub async fn create_user(
        &self,
        name: UserName,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let user = User { name, role };
        self.storage.create_user(&user, now).await?;
        Ok(user)
    }

    /// The user with this name, ignoring case.
    ///
    /// # Errors
    /// A database failure.
    pub async fn user(&self, name: &UserName) -> Result<Option<User>, StoreError> {
        self.storage.user(name).await
    }

    /// The users among `names` (each ignoring case), each once, in no particular order: to
    /// check many names in one round trip (as many as
    /// [`SqlStorage::USERS_PER_QUERY`](crate::SqlStorage::USERS_PER_QUERY) per query on SQL).
    ///
    /// # Errors
    /// A database failure.
    pub async fn users_named(&self, names: &[UserName]) -> Result<Vec<User>, StoreError> {
        self.storage.users_named(names).await
    }

    /// One page of users, by name ignoring case, starting after `after` (at the first user
    /// when `None`): pass the last user of a page to read the next.
    ///
    /// # Errors
    /// A database failure.
    pub async fn users(
        &self,
        after: Option<&UserName>,
        size: PageSize,
    ) -> Result<Page<User>, StoreError> {
        let fetched = self.storage.users(after, size.fetched()).await?;
        Ok(Page::cut(fetched, size))
    }

    /// A page of the audit log: the entries `query` admits, newest first (the next page is the
    /// same query with `before_id` the last entry's id).
    ///
    /// # Errors
    /// Database failures only.
    pub async fn audit(
        &self,
        query: &AuditQuery,
        size: PageSize,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let fetched = self.storage.audit_entries(query, size.fetched()).await?;
        Ok(Page::cut(fetched, size))
    }

    /// Mints and stores a token with the limits the request gives, made by no other token:
    /// for bootstrap and administration. Tokens made *by* a token go through
    /// [`derive_token`](Self::derive_token). The secret is in the result and nowhere else.
    ///
    /// # Errors
    /// [`StoreError::ExpiryNotInFuture`], [`StoreError::InvalidLimits`],
    /// [`StoreError::KindNotEnabled`], [`StoreError::UnknownUser`],
    /// [`StoreError::DuplicateTokenName`], [`StoreError::TooManyTokens`], a random-number
    /// failure, or a database failure.
    pub async fn create_token(
        &self,
        request: &TokenRequest,
        now: DateTime<Utc>,
    ) -> Result<CreatedToken, StoreError> {
        self.store(request, Vec::new(), None, now, |token| {
            self.storage.insert_token(token)
        })
        .await
    }

    /// Mints and stores a token for `parent`'s owner, with the limits
    /// [`tollgate_scope::derive()`] gives `request` from `parent`'s limits and its owner's role.
    /// The new token records `parent`'s id, and its ancestors: `parent`'s, then `parent`.
    ///
    /// # Errors
    /// [`DeriveError::Denied`] when the rule refuses; [`DeriveError::TooDeep`] when `parent`
    /// has [`MAX_ANCESTORS`](crate::MAX_ANCESTORS) ancestors; [`StoreError::ParentNotActive`] when
    /// `parent` was revoked or deleted since it was read (a cached answer); otherwise as
    /// [`create_token`](Self::create_token).
    pub async fn derive_token(
        &self,
        parent: &Authenticated,
        name: TokenName,
        request: LimitsRequest,
        now: DateTime<Utc>,
    ) -> Result<CreatedToken, DeriveError> {
        let request = self.derived(parent, parent.token.owner.clone(), name, request)?;
        let ancestors = ancestors_of_child(parent)?;
        Ok(self
            .store(&request, ancestors, Some(parent), now, |token| {
                self.storage.insert_token(token)
            })
            .await?)
    }

    /// Adds `user` and a first token for them named `name`, made by `parent`: its limits are
    /// derived as in [`derive_token`](Self::derive_token), against `parent`'s limits and role
    /// (the creator's, not the new user's: the new user's role caps the token at each use).
    /// The token records `parent` as its parent (so revoking `parent` revokes it) but has no
    /// ancestors: its uses count against its own rate limit and quota, not the creator's.
    /// Atomic: when anything fails, no user is left behind.
    ///
    /// # Errors
    /// [`DeriveError::Denied`], [`StoreError::DuplicateUser`],
    /// [`StoreError::ParentNotActive`] as in [`derive_token`](Self::derive_token), or as
    /// [`create_token`](Self::create_token).
    pub async fn create_user_with_token(
        &self,
        parent: &Authenticated,
        user: User,
        name: TokenName,
        request: LimitsRequest,
        now: DateTime<Utc>,
    ) -> Result<CreatedToken, DeriveError> {
        let request = self.derived(parent, user.name.clone(), name, request)?;
        // A new user's uses are theirs: their first token starts a chain of its own (its
        // limits within `parent`'s all the same).
        Ok(self
            .store(&request, Vec::new(), Some(parent), now, |token| {
                self.storage.create_user_with_token(&user, now, token)
            })
            .await?)
    }

    /// The token `parent` may make for `owner` as `request` asks: its limits from
    /// [`tollgate_scope::derive()`] against `parent`'s limits and role. A parent under the
    /// [default rate](Self::with_default_rate_limit) (no rate limit in its chain) counts as
    /// limited by it: a rate limit asked for must be within it. One omitted stays omitted,
    /// and the default keeps applying.
    fn derived(
        &self,
        parent: &Authenticated,
        owner: UserName,
        name: TokenName,
        request: LimitsRequest,
    ) -> Result<TokenRequest, DeriveError> {
        if let (None, Some(default), Some(asked)) = (
            parent.token.limits.rate_limit,
            self.metering.default_rate(),
            request.rate_limit,
        ) && !asked.is_within(&default)
        {
            let exceeded = Exceeded::RateLimit { parent: default };
            return Err(DeriveError::Denied(DeriveDenial::ExceedsParent(exceeded)));
        }
        let limits =
            derive(&parent.token.limits, &parent.role, request).map_err(DeriveError::Denied)?;
        Ok(TokenRequest::new(owner, name, limits))
    }

    /// Checks `request` against the clock and this service's formats, mints its secret, and
    /// stores it with `insert`.
    async fn store<'r, F>(
        &self,
        request: &'r TokenRequest,
        ancestors: Vec<Ancestor>,
        parent: Option<&'r Authenticated>,
        now: DateTime<Utc>,
        insert: impl FnOnce(NewToken<'r>) -> F,
    ) -> Result<CreatedToken, StoreError>
    where
        F: Future<Output = Result<TokenRecord, StoreError>>,
    {
        let limits = &request.limits;
        // A token already expired on creation could never be used.
        if !limits.is_live_at(now) {
            return Err(StoreError::ExpiryNotInFuture);
        }
        limits.validate()?;
        let format = self
            .format(limits.kind)
            .ok_or(StoreError::KindNotEnabled(limits.kind))?;
        let minted = format.mint()?;
        let record = insert(NewToken {
            request,
            parent,
            ancestors,
            hash: minted.hash,
            hint: minted.secret.hint(),
            created_at: now,
            max_live_tokens: self.max_live_tokens,
        })
        .await?;
        Ok(CreatedToken {
            record,
            secret: minted.secret,
        })
    }

    /// One page of the owner's tokens, oldest first (by id), starting after the token
    /// `after` (at the first when `None`): metadata and hints only. Pass the last token's id
    /// of a page to read the next.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_tokens(
        &self,
        owner: &UserName,
        after: Option<TokenId>,
        size: PageSize,
    ) -> Result<Page<TokenRecord>, StoreError> {
        let fetched = self.storage.tokens_of(owner, after, size.fetched()).await?;
        Ok(Page::cut(fetched, size))
    }

    /// The token with this id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn token(&self, id: TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.storage.token_by_id(id).await
    }

    /// Authenticates an `Authorization` header value (see [`authenticate`](Self::authenticate)).
    ///
    /// # Errors
    /// [`AuthError::Header`] for a malformed header, then as [`authenticate`](Self::authenticate).
    pub async fn authenticate_header(
        &self,
        value: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Authenticated, AuthError> {
        let credentials = parse_authorization(value, self.schemes)?;
        self.authenticate(credentials.token, now).await
    }

    /// Authenticates a presented token at `now`: parse (no I/O), hash, look up by hash, refuse
    /// revoked or expired, note the use. The returned record's `last_used_at` is `now`.
    ///
    /// Noting the use never fails authentication: a last-use write the database refuses is
    /// logged and kept for the next [`flush_last_use`](Self::flush_last_use).
    ///
    /// # Errors
    /// [`AuthError::Malformed`], [`AuthError::Unknown`], [`AuthError::Inactive`], or
    /// [`AuthError::Store`] when the database fails: never an allow.
    pub async fn authenticate(
        &self,
        presented: &str,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, AuthError> {
        let mut found = self.look_up(presented).await?;
        found.token.validity().check(now)?;
        let stored = found.token.last_used_at.replace(now);
        self.last_use
            .note(&self.storage, found.token.id, stored, now)
            .await;
        Ok(found)
    }

    /// The token whose secret `presented` is, as that secret makes it: parsed (no I/O), looked
    /// up by its hash, of the kind its prefix says. A secret that a rotation replaced is a
    /// credential that ends with its grace period: its `expires_at` is capped there, so that it
    /// expires then, and so does every token it makes.
    async fn look_up(&self, presented: &str) -> Result<Authenticated, AuthError> {
        let (kind, token) = self.parse(presented)?;
        let Some(mut found) = self.storage.token_by_hash(&token.hash()).await? else {
            return Err(AuthError::Unknown);
        };
        // The prefix is hashed with the body, so a stored token always carries its own
        // kind's prefix; a row saying otherwise is not trusted.
        if found.token.limits.kind != kind {
            return Err(AuthError::Unknown);
        }
        if found.secret == SecretMatch::Previous {
            let until = found
                .token
                .previous_secret_until
                .ok_or(AuthError::Unknown)?;
            let expires_at = found
                .token
                .limits
                .expires_at
                .map_or(until, |at| at.min(until));
            found.token.limits.expires_at = Some(expires_at);
        }
        Ok(found)
    }

    /// Revokes a token, and every token descending from it: they fail at once, until restored
    /// (each on its own, parents first).
    ///
    /// # Errors
    /// [`StoreError::UnknownToken`], [`StoreError::AlreadyRevoked`], or a database failure.
    pub async fn revoke(&self, id: TokenId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.storage.revoke(id, now).await
    }

    /// Gives the token `id` a new secret, at the request of `caller`, and returns the token with
    /// it (shown once, as when it was created): the same id, name, limits and parent, so the
    /// tokens made from it and its use counts stay its own. The secret it replaces still
    /// authenticates for `grace` (none when zero, at most [`MAX_ROTATION_GRACE`]), so that a
    /// service can take up the new one without downtime, and then fails like a revoked one; a
    /// token has at most these two secrets, so rotating again during a grace period ends it at
    /// once. A token made with the replaced secret during its grace expires when it ends (see
    /// [`authenticate`](Self::authenticate)).
    ///
    /// `caller` may rotate itself and the tokens made from it (directly or not), all of the
    /// same owner: a rotation hands out a secret, which must not exceed the credential that
    /// asked for it. It must be a token that may manage its owner's account (as one that makes
    /// tokens), and present its current secret, which the store checks again with the change:
    /// a credential read before another rotation (a cached one) rotates nothing.
    ///
    /// # Errors
    /// [`StoreError::GraceTooLong`]; [`StoreError::UnknownToken`] when `caller`'s owner has no
    /// token with this id; [`StoreError::RotationNotAllowed`]; [`StoreError::AlreadyRevoked`]
    /// for a revoked token; [`StoreError::KindNotEnabled`], or a database failure.
    pub async fn rotate_token(
        &self,
        caller: &Authenticated,
        id: TokenId,
        grace: core::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<CreatedToken, StoreError> {
        if grace > MAX_ROTATION_GRACE {
            return Err(StoreError::GraceTooLong {
                max: MAX_ROTATION_GRACE,
            });
        }
        let token = self
            .storage
            .token_by_id(id)
            .await?
            .filter(|token| token.owner == caller.token.owner)
            .ok_or(StoreError::UnknownToken)?;
        let made_from_caller = token.id == caller.token.id
            || token
                .ancestors
                .iter()
                .any(|ancestor| ancestor.id == caller.token.id);
        // As a token that makes tokens: one that may manage its owner's account (never a
        // publishable one), with its current secret.
        let may_manage = matches!(
            caller
                .token
                .limits
                .check_operation(&caller.role, Operation::ManageAccount, None),
            Decision::Allow
        );
        if !made_from_caller || !may_manage || caller.secret != SecretMatch::Current {
            return Err(StoreError::RotationNotAllowed);
        }
        let format = self
            .format(token.limits.kind)
            .ok_or(StoreError::KindNotEnabled(token.limits.kind))?;
        let minted = format.mint()?;
        let previous_until = match grace.is_zero() {
            true => None,
            false => Some(
                TimeDelta::from_std(grace)
                    .ok()
                    .and_then(|grace| now.checked_add_signed(grace))
                    .ok_or(StoreError::GraceTooLong {
                        max: MAX_ROTATION_GRACE,
                    })?,
            ),
        };
        let rotation = Rotation {
            hash: minted.hash,
            hint: minted.secret.hint(),
            at: now,
            previous_until,
            by: (caller.token.id, caller.hash),
        };
        let record = self.storage.rotate(id, &rotation).await?;
        Ok(CreatedToken {
            record,
            secret: minted.secret,
        })
    }

    /// Revokes the token whose secret `presented` is, reported as leaked (by a secret-scanning
    /// service, say), and says what it was: not a secret of this service's (malformed, a
    /// checksum that does not match, or unknown: nothing is looked up for a string that does
    /// not parse), a token that no longer works, or a working token, now revoked with every
    /// token descending from it. A secret a rotation replaced counts as its token's: a leaked
    /// old secret revokes the token while the old secret still works.
    ///
    /// # Errors
    /// A database failure.
    pub async fn revoke_reported(
        &self,
        presented: &str,
        now: DateTime<Utc>,
    ) -> Result<Reported, StoreError> {
        let found = match self.look_up(presented).await {
            Ok(found) => found,
            Err(AuthError::Store(error)) => return Err(error),
            Err(_) => return Ok(Reported::NotOurs),
        };
        let id = found.token.id;
        if found.token.validity().check(now).is_err() {
            return Ok(Reported::Inactive(id));
        }
        match self.storage.revoke(id, now).await {
            Ok(()) => Ok(Reported::Revoked(id)),
            // Revoked meanwhile (by another report, say): no longer working, as above.
            Err(StoreError::AlreadyRevoked) => Ok(Reported::Inactive(id)),
            Err(error) => Err(error),
        }
    }

    /// Restores a revoked token, unless the token that made it is revoked or deleted.
    ///
    /// # Errors
    /// [`StoreError::UnknownToken`], [`StoreError::NotRevoked`],
    /// [`StoreError::ParentNotActive`], or a database failure.
    pub async fn restore(&self, id: TokenId) -> Result<(), StoreError> {
        self.storage.restore(id).await
    }

    /// Deletes one of the owner's tokens: it fails at once, and every token descending from it
    /// is revoked at `now`.
    ///
    /// # Errors
    /// [`StoreError::UnknownToken`] when the owner has no token with this id (someone else's
    /// token included), or a database failure.
    pub async fn delete_token(
        &self,
        id: TokenId,
        owner: &UserName,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match self.storage.delete_token(id, owner, now).await? {
            true => Ok(()),
            false => Err(StoreError::UnknownToken),
        }
    }

    /// Deletes tokens not used since `cutoff` (never-used tokens count from their creation),
    /// as Refocus's `DELETE_UNUSED_TOKENS_SINCE`. Flushes pending last uses first so that no
    /// recently used token is purged. Returns how many were deleted.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_unused_since(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        self.flush_last_use().await?;
        self.storage.purge_unused_since(cutoff).await
    }

    /// Writes every use not yet written. Call on shutdown. Returns how many were written.
    ///
    /// # Errors
    /// A database failure; the unwritten uses are kept for the next flush.
    pub async fn flush_last_use(&self) -> Result<usize, StoreError> {
        self.last_use.flush(&self.storage).await
    }

    /// Counts one use of the token `found` (just authenticated) at `at`, or refuses it for its
    /// rate limit or quota. Call it once per request, after authentication.
    ///
    /// A use counts against the token's own rate limit and quota and against those of every
    /// token it derives from (its [ancestors](crate::TokenRecord::ancestors)), so that a
    /// token and the tokens it made together stay within its limits; when the chain starts
    /// without a rate limit, the [default rate](Self::with_default_rate_limit) applies too,
    /// per owner. Rates are checked first, without spending; then quotas are checked
    /// and the use counted, for the token and each ancestor (the counts
    /// [`usage`](Self::usage) reports); then the rates are spent. A refused use counts
    /// nowhere.
    ///
    /// Rates live in this process's memory (at most 65 536 tokens' states; past that, the
    /// tokens whose debt is repaid are forgotten first). Counts are kept in memory and added
    /// to the store by [`flush_usage`](Self::flush_usage); the first check of a quota in a
    /// month reads the token's stored counts. `at` gives the UTC day counted; `now` the
    /// monotonic time rates are measured in.
    ///
    /// # Errors
    /// [`MeterError::RateLimited`], [`MeterError::QuotaExceeded`], or
    /// [`MeterError::Store`] when the counts a quota needs cannot be read (never an allow).
    pub async fn meter(
        &self,
        found: &Authenticated,
        at: DateTime<Utc>,
        now: Instant,
    ) -> Result<Metered, MeterError> {
        self.metering.meter(&self.storage, found, at, now).await
    }

    /// Adds the uses counted by [`meter`](Self::meter) and not saved yet to the store, then
    /// reads the saved tokens' counts back, so quotas also see other instances' uses. Call it
    /// regularly (every [`last_use_interval`](Self::last_use_interval), say) and on shutdown:
    /// a restart loses only the uses counted since the last flush. Instances sharing a store
    /// may overshoot a quota by the uses the others have not flushed: at most what they
    /// counted in their last two flush intervals. Returns how many (token, day) counts were
    /// saved; `at` is the time now, for the month read back.
    ///
    /// # Errors
    /// A database failure; the counts are kept for the next flush.
    pub async fn flush_usage(&self, at: DateTime<Utc>) -> Result<usize, StoreError> {
        self.metering.flush(&self.storage, at).await
    }

    /// The uses of token `record` and the tokens derived from it in the current period of its
    /// quota (a calendar month without one), at `at`: saved and not yet saved.
    ///
    /// # Errors
    /// A database failure.
    pub async fn usage(
        &self,
        record: &TokenRecord,
        at: DateTime<Utc>,
    ) -> Result<TokenUsage, StoreError> {
        self.metering
            .usage(&self.storage, record.id, record.limits.quota, at)
            .await
    }

    /// How many last-use writes this service has made: for monitoring and tests.
    #[must_use]
    pub fn last_use_writes(&self) -> u64 {
        self.last_use.writes()
    }
}

/// The ancestors of a token `parent` makes: `parent`'s, then `parent` itself.
fn ancestors_of_child(parent: &Authenticated) -> Result<Vec<Ancestor>, DeriveError> {
    let token = &parent.token;
    if token.ancestors.len() >= MAX_ANCESTORS {
        return Err(DeriveError::TooDeep { max: MAX_ANCESTORS });
    }
    let mut ancestors = token.ancestors.clone();
    ancestors.push(Ancestor {
        id: token.id,
        rate_limit: token.limits.rate_limit,
        quota: token.limits.quota,
    });
    Ok(ancestors)
}
