//! The audit log: an append-only record of who changed which users, tokens and writer lists,
//! and of refusals, summarised.

use core::fmt;
use core::str::FromStr;

use chrono::{DateTime, Utc};

use crate::{TokenId, UserName};

/// What an [`AuditEvent`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AuditAction {
    /// A user was created (with their first token, recorded as its own event).
    UserCreated,
    /// A token was created; the target is the new token, the actor's token its parent.
    TokenCreated,
    /// A token was revoked (its descendants with it).
    TokenRevoked,
    /// A revoked token was restored.
    TokenRestored,
    /// A token was deleted (its descendants revoked).
    TokenDeleted,
    /// A token was given a new secret; the outcome says until when the old one works.
    TokenRotated,
    /// A secret-scanning service reported a token's secret as leaked; the outcome says whether
    /// that revoked it, and where the secret was found.
    TokenLeaked,
    /// Tokens unused for too long were deleted; the count says how many.
    TokensPurged,
    /// A record's writer list changed.
    WritersChanged,
    /// Requests with a token were refused; the outcome is the refusal's code and the count
    /// how many in the minute the event's time starts.
    Refused,
}

impl AuditAction {
    /// Every action, in declaration order.
    pub const ALL: [AuditAction; 10] = [
        AuditAction::UserCreated,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::TokenRestored,
        AuditAction::TokenDeleted,
        AuditAction::TokenRotated,
        AuditAction::TokenLeaked,
        AuditAction::TokensPurged,
        AuditAction::WritersChanged,
        AuditAction::Refused,
    ];

    /// The action's name, such as `token_created`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user_created",
            Self::TokenCreated => "token_created",
            Self::TokenRevoked => "token_revoked",
            Self::TokenRestored => "token_restored",
            Self::TokenDeleted => "token_deleted",
            Self::TokenRotated => "token_rotated",
            Self::TokenLeaked => "token_leaked",
            Self::TokensPurged => "tokens_purged",
            Self::WritersChanged => "writers_changed",
            Self::Refused => "refused",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action name that is not one of [`AuditAction::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown audit action: one of user_created, token_created, token_revoked, token_restored, \
     token_deleted, token_rotated, token_leaked, tokens_purged, writers_changed and refused"
)]
pub struct ParseAuditActionError;

impl FromStr for AuditAction {
    type Err = ParseAuditActionError;

    fn from_str(text: &str) -> Result<Self, ParseAuditActionError> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or(ParseAuditActionError)
    }
}

/// One event of the audit log: when, who (the user and the token that made the request; none
/// for the server's own work, such as a purge), what, on what, how it ended, and how many
/// times. Never a secret: targets and outcomes are ids, names and codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened (for [`AuditAction::Refused`], the start of its minute).
    pub at: DateTime<Utc>,
    /// The user who acted, if a user did.
    pub actor_user: Option<UserName>,
    /// The token they acted with.
    pub actor_token: Option<TokenId>,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to, such as `token:42`, `user:alice` or `aspects/cpu`.
    pub target: String,
    /// How it ended or what it changed, such as `ok`, `parent 7`, `+bob -carol`, or a
    /// refusal's code.
    pub outcome: String,
    /// How many times: 1, or the refusals or purged tokens it sums up.
    pub count: u64,
}

/// An event as stored, with the id that orders the log (later events have larger ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the log.
    pub id: i64,
    /// The event.
    pub event: AuditEvent,
}

/// Which events [`Storage::audit_entries`](crate::Storage::audit_entries) returns: each
/// condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Events by this user.
    pub actor_user: Option<UserName>,
    /// Events by this token, or on it (`token:{id}`).
    pub token: Option<TokenId>,
    /// Events of this action.
    pub action: Option<AuditAction>,
    /// Events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Events before this time.
    pub until: Option<DateTime<Utc>>,
    /// Events with an id below this one (the page before it: newest first).
    pub before_id: Option<i64>,
}

impl AuditQuery {
    /// Whether `entry` meets every condition.
    pub(crate) fn admits(&self, entry: &AuditEntry) -> bool {
        let event = &entry.event;
        self.actor_user.as_ref().is_none_or(|user| {
            event
                .actor_user
                .as_ref()
                .is_some_and(|by| by.key() == user.key())
        }) && self.token.is_none_or(|token| {
            event.actor_token == Some(token) || event.target == token_target(token)
        }) && self.action.is_none_or(|action| event.action == action)
            && self.since.is_none_or(|since| event.at >= since)
            && self.until.is_none_or(|until| event.at < until)
            && self.before_id.is_none_or(|before| entry.id < before)
    }
}

/// The target text of a token: `token:{id}`.
#[must_use]
pub fn token_target(id: TokenId) -> String {
    format!("token:{}", id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name_and_the_error_names_them_all() {
        let error = "nothing".parse::<AuditAction>().unwrap_err().to_string();
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse(), Ok(action));
            assert_eq!(action.to_string(), action.as_str());
            assert!(error.contains(action.as_str()), "{error} lacks {action}");
        }
        assert_eq!("Refused".parse::<AuditAction>(), Err(ParseAuditActionError));
    }
}
