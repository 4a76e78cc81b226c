//! What the store keeps about a token, and what it hands back.

use core::fmt;
use core::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use tollgate_limit::{Quota, Rate};
use tollgate_scope::{Limits, Role};
use tollgate_token::{TokenHash, TokenHint, TokenName, TokenSecret, Validity};

use crate::UserName;

/// A token's id: assigned by the store, stable, safe to show and to put in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(pub i64);

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for TokenId {
    type Err = core::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

/// A stored token's metadata: never its hash, never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's id.
    pub id: TokenId,
    /// The user who owns it.
    pub owner: UserName,
    /// Its name, unique for its owner ignoring case.
    pub name: TokenName,
    /// Its kind, scope, expiry, allowed origins and grants: what it may do, before its
    /// owner's role caps it.
    pub limits: Limits,
    /// The token that created it; `None` for tokens created outside any token (bootstrap,
    /// administration). Kept after the parent is deleted, as history.
    pub parent_id: Option<TokenId>,
    /// The tokens it derives from, the first made outside any token first and its parent
    /// last (empty when it has no parent), with their rate limits and quotas as they were
    /// when it was made (they never change): every use of this token also counts as a use of
    /// each of them. Kept after they are deleted.
    pub ancestors: Vec<Ancestor>,
    /// Prefix and last 4 characters, for listings.
    pub hint: TokenHint,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used, to within the store's last-use interval; `None` never used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; `None` if active.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When its secret was last replaced ([`TokenService::rotate_token`]); `None` never.
    ///
    /// [`TokenService::rotate_token`]: crate::TokenService::rotate_token
    pub rotated_at: Option<DateTime<Utc>>,
    /// Until when the secret that the last rotation replaced still authenticates; `None` when
    /// no earlier secret does (never rotated, or rotated without a grace period). A time in
    /// the past means the grace period is over.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl TokenRecord {
    /// Its expiry and revocation, to check against a time.
    #[must_use]
    pub fn validity(&self) -> Validity {
        Validity {
            expires_at: self.limits.expires_at,
            revoked_at: self.revoked_at,
        }
    }

    /// When the secret that the last rotation replaced stops authenticating, if it still does
    /// at `now`: during a grace period.
    #[must_use]
    pub fn grace_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.previous_secret_until.filter(|until| *until > now)
    }
}

/// A token another one derives from, as that one keeps it: its id and its limits on use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ancestor {
    /// The ancestor's id.
    pub id: TokenId,
    /// Its rate limit, which its descendants' uses count against too.
    pub rate_limit: Option<Rate>,
    /// Its quota, which its descendants' uses count against too.
    pub quota: Option<Quota>,
}

/// The most ancestors a token may have: a token with this many may not create tokens.
/// Every use of a token counts against each ancestor's limits, so the chain is kept short.
pub const MAX_ANCESTORS: usize = 8;

/// How many times a token, or a token derived from it, was used on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayCount {
    /// The token.
    pub token: TokenId,
    /// The day, in UTC.
    pub day: NaiveDate,
    /// How many uses (for [`Storage::add_usage`](crate::Storage::add_usage), how many to add).
    pub uses: u64,
}

/// A token found by its hash, with its owner's role: everything a request check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The token.
    pub token: TokenRecord,
    /// The owner's role, which caps the token's scope.
    pub role: Role,
    /// Which of the token's secrets the hash was: its current one, or the one its last
    /// rotation replaced (which authenticates only until
    /// [`TokenRecord::previous_secret_until`]).
    pub secret: SecretMatch,
    /// The digest of the secret presented: what a change made on this credential's behalf
    /// checks, when it is stored, is still the token's (see [`NewToken::parent`]).
    pub hash: TokenHash,
}

/// Which of a token's secrets a presented one was (see [`Authenticated::secret`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMatch {
    /// The secret the token has now.
    Current,
    /// The secret its last rotation replaced.
    Previous,
}

/// What a secret reported as leaked was ([`TokenService::revoke_reported`]).
///
/// [`TokenService::revoke_reported`]: crate::TokenService::revoke_reported
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Not a secret of this service's: malformed, or no token has it.
    NotOurs,
    /// A secret of this token's that no longer worked (revoked, expired, or replaced by a
    /// rotation and past its grace period): nothing to do.
    Inactive(TokenId),
    /// A secret of this token's that worked: the token is now revoked, with its descendants.
    Revoked(TokenId),
}

/// A new secret for a stored token, as a [`Storage`](crate::Storage) receives it
/// ([`Storage::rotate`](crate::Storage::rotate)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// SHA-256 of the new secret.
    pub hash: TokenHash,
    /// Prefix and last 4 characters of the new secret.
    pub hint: TokenHint,
    /// When the secret is replaced.
    pub at: DateTime<Utc>,
    /// Until when the replaced secret still authenticates; `None`: not at all. Any secret an
    /// earlier rotation replaced stops at once, whatever its grace period was.
    pub previous_until: Option<DateTime<Utc>>,
    /// The token that asks, and the digest of the secret it presented: the rotation is
    /// refused ([`StoreError::RotationNotAllowed`]) unless that is still its current secret
    /// and it is not revoked, checked with the change.
    ///
    /// [`StoreError::RotationNotAllowed`]: crate::StoreError::RotationNotAllowed
    pub by: (TokenId, TokenHash),
}

/// A token just created: its metadata and its secret, to show once.
#[derive(Debug)]
pub struct CreatedToken {
    /// What is stored.
    pub record: TokenRecord,
    /// The plaintext, never stored.
    pub secret: TokenSecret,
}

/// A token to create outside any other token (see
/// [`TokenService::create_token`](crate::TokenService::create_token)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The owner.
    pub owner: UserName,
    /// The token's name.
    pub name: TokenName,
    /// Its limits, as given: nothing caps them but the owner's role at each use.
    pub limits: Limits,
}

impl TokenRequest {
    /// A request for a token of `owner`'s named `name` with `limits`, taken as given.
    #[must_use]
    pub fn new(owner: UserName, name: TokenName, limits: Limits) -> Self {
        Self {
            owner,
            name,
            limits,
        }
    }
}

/// A row to insert, as a [`Storage`](crate::Storage) receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken<'a> {
    /// Owner, name and limits.
    pub request: &'a TokenRequest,
    /// The token that creates it, as it authenticated, if any. The insert is refused
    /// ([`StoreError::ParentNotActive`]) unless the parent still exists, is not revoked, and
    /// still has the secret it presented in the role it had ([`Authenticated::secret`]), so
    /// that a credential read before a revocation or a rotation (a cached one) makes nothing.
    ///
    /// [`StoreError::ParentNotActive`]: crate::StoreError::ParentNotActive
    pub parent: Option<&'a Authenticated>,
    /// The tokens it derives from, first made first (see [`TokenRecord::ancestors`]): the
    /// parent's ancestors, then the parent.
    pub ancestors: Vec<Ancestor>,
    /// SHA-256 of the secret.
    pub hash: TokenHash,
    /// Prefix and last 4 characters of the secret.
    pub hint: TokenHint,
    /// The creation time.
    pub created_at: DateTime<Utc>,
    /// The most live tokens (neither revoked nor expired at `created_at`) the owner may hold,
    /// this one included: the insert is refused when the owner already holds this many.
    pub max_live_tokens: u32,
}

#[cfg(test)]
mod tests {
    use tollgate_scope::Scope;

    use super::*;

    #[test]
    fn token_request_new_keeps_each_part_as_given() {
        let owner = UserName::new("alice").unwrap();
        let name = TokenName::new("laptop").unwrap();
        let limits = Limits::new(Scope::Edit);
        let request = TokenRequest::new(owner.clone(), name.clone(), limits.clone());
        assert_eq!(
            request,
            TokenRequest {
                owner,
                name,
                limits,
            }
        );
        assert_eq!(request.owner.as_str(), "alice");
        assert_eq!(request.name.as_str(), "laptop");
        assert_eq!(request.limits.scope, Scope::Edit);
    }
}
