//! Every error this crate returns.

use thiserror::Error;
use tollgate_scope::{DeriveDenial, InvalidLimits, RoleShortfall, TokenKind};
use tollgate_token::{HeaderError, InactiveToken, TokenParseError};

/// A boxed error from the database driver, kept as the source of [`StoreError::Unavailable`].
/// A box rather than the driver's own type, so this crate's API is the same whichever
/// backends are built (and a memory-only build, which has no driver, still has it).
pub type DriverError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be reached or failed to answer. Servers answer 503; never allow.
    #[error("the token database is unavailable: {0}")]
    Unavailable(#[source] DriverError),
    /// A stored row could not be read back (a column out of range or unparsable).
    #[error("the token database holds a malformed row: {0}")]
    Corrupt(String),
    /// A user with this name, ignoring case, already exists.
    #[error("a user with this name already exists")]
    DuplicateUser,
    /// The user already has a token with this name, ignoring case.
    #[error("this user already has a token with this name")]
    DuplicateTokenName,
    /// No user has this name.
    #[error("no such user")]
    UnknownUser,
    /// The owner already holds the most live (neither revoked nor expired) tokens allowed
    /// (see [`TokenService::with_max_live_tokens`](crate::TokenService::with_max_live_tokens)).
    #[error(
        "this user already has {max} live tokens, the most allowed; revoke or delete one first"
    )]
    TooManyTokens {
        /// The most live tokens one user may hold.
        max: u32,
    },
    /// No token has this id (or, for owner-scoped calls, this owner has no such token).
    #[error("no such token")]
    UnknownToken,
    /// Revoking a token that is already revoked.
    #[error("the token is already revoked")]
    AlreadyRevoked,
    /// Restoring a token that is not revoked.
    #[error("the token is not revoked")]
    NotRevoked,
    /// Rotating a token that the presenting credential may not rotate: one it does not derive
    /// from (its parent, a sibling, another token of its owner's made outside it); or any token
    /// when the credential may not manage its owner's account (read-only, publishable), or is
    /// a secret that a rotation replaced (which ends with its grace period, and must not make a
    /// secret that outlives it) or has replaced since it was checked.
    #[error(
        "a token may rotate only itself and the tokens made from it, presenting its current secret, with a scope that may manage the account"
    )]
    RotationNotAllowed,
    /// A rotation's grace period is longer than the longest allowed.
    #[error("the grace period is limited to {} seconds", max.as_secs())]
    GraceTooLong {
        /// The longest grace period allowed.
        max: core::time::Duration,
    },
    /// The token that made this token (its parent) is revoked or deleted: when restoring the
    /// token, or when creating it (the parent was revoked after it authenticated the request).
    #[error(
        "the token that made this token is revoked or deleted: restore that one first, or create tokens with an active one"
    )]
    ParentNotActive,
    /// A new token's expiry time is not after its creation time.
    #[error("the expiry time must be in the future")]
    ExpiryNotInFuture,
    /// The token's limits break a rule every token follows ([`Limits::validate`]).
    ///
    /// [`Limits::validate`]: tollgate_scope::Limits::validate
    #[error(transparent)]
    InvalidLimits(#[from] InvalidLimits),
    /// A token of a kind this service has no format for (see
    /// [`TokenService::with_publishable_format`](crate::TokenService::with_publishable_format)).
    #[error("this service does not issue {0} tokens")]
    KindNotEnabled(TokenKind),
    /// Two token kinds were given the same prefix: people and scanners could not tell them apart.
    #[error("secret and publishable tokens need different prefixes")]
    SamePrefix,
    /// The database URL is neither `sqlite://...` nor `postgres://...`. Holds only the URL's
    /// scheme: the rest may carry a password.
    #[error("unsupported database URL scheme {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// The database URL names a backend this build leaves out: tollgate-store was compiled
    /// without that backend's feature. Holds the feature's name, `"sqlite"` or `"postgres"`.
    #[error("this build has no {0} backend: enable tollgate-store's `{0}` feature")]
    BackendNotBuilt(&'static str),
    /// The database URL names an in-memory SQLite database (`sqlite::memory:`,
    /// `sqlite://:memory:`, `mode=memory`): each of the store's connections would open a
    /// database of its own, empty.
    #[error("in-memory SQLite databases are not supported: use sqlite://PATH")]
    InMemorySqlite,
    /// The database was migrated by a newer version of this crate.
    #[error(
        "the database schema is at version {found}, newer than the {supported} this build knows; upgrade the server"
    )]
    SchemaTooNew {
        /// The version found in the database.
        found: i64,
        /// The newest version this build can apply.
        supported: i64,
    },
    /// The operating system's random number generator failed while minting.
    #[error(transparent)]
    Mint(#[from] tollgate_token::MintError),
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_) => Self::Corrupt(error.to_string()),
            other => Self::Unavailable(Box::new(other)),
        }
    }
}

/// Why a token could not be derived from another.
#[derive(Debug, Error)]
pub enum DeriveError {
    /// The rule refused it: the parent may not mint, or the request exceeds the parent or the
    /// owner's role.
    #[error("{0}")]
    Denied(DeriveDenial<RoleShortfall>),
    /// The parent already has [`MAX_ANCESTORS`](crate::MAX_ANCESTORS) ancestors: every use
    /// of a token counts against each ancestor's limits, so chains stay short.
    #[error(
        "this token is {max} derivations away from a token made outside any token, the most allowed; create the new token with a token higher up the chain"
    )]
    TooDeep {
        /// The most ancestors a token may have.
        max: usize,
    },
    /// Storing it failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a presented token did not authenticate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The `Authorization` header is malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The token is not of this server's format (checked before any lookup).
    #[error(transparent)]
    Malformed(#[from] TokenParseError),
    /// The token is well formed but no stored token has its hash.
    #[error("unknown token")]
    Unknown,
    /// The token is revoked or expired.
    #[error(transparent)]
    Inactive(#[from] InactiveToken),
    /// The database failed: the request must be refused with 503, never allowed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user name was refused by [`UserName::new`](crate::UserName::new).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum UserNameError {
    /// The name is empty.
    #[error("user name is empty")]
    Empty,
    /// The name is longer than [`UserName::MAX_LEN`](crate::UserName::MAX_LEN).
    #[error("user name has {actual} characters; at most {max} are allowed")]
    TooLong {
        /// Length of the refused name, in bytes.
        actual: usize,
        /// The largest length accepted.
        max: usize,
    },
    /// The name holds a character outside `[A-Za-z0-9_.-]`.
    #[error(
        "user name may hold only A-Z, a-z, 0-9, '_', '.' and '-' (bad character at byte {position})"
    )]
    BadCharacter {
        /// Byte offset of the first refused character.
        position: usize,
    },
}
