//! Audit events: every change to users, tokens and writer lists, once it has landed, logged at
//! `info` with target `audit`.
//!
//! Each event is named by its message (`token_created`, ...) and says who acted: the token
//! that made the request (`by_token_id`) and its owner (`by_user`). Events hold ids, names,
//! kinds, scopes and roles: never a token's secret, hash or hint. Names are logged quoted, so
//! whatever a token name holds stays inside its field.

use tollgate::http::Caller;
use tollgate::store::{Authenticated, TokenId, TokenRecord, User};
use tollgate::writers::{AllowReason, WriteDecision, WriterList};

use crate::access::{actor, admin_override};
use crate::handlers::override_requested;
use crate::records::Kind;

/// The acting token's id and its owner, when the caller presented a token.
fn by(caller: &Caller) -> (Option<i64>, Option<&str>) {
    match caller {
        Caller::Token(found) => (Some(found.token.id.0), Some(found.token.owner.as_str())),
        Caller::Anonymous => (None, None),
    }
}

/// A user was created by `by`.
pub(crate) fn user_created(by: &Authenticated, user: &User) {
    tracing::info!(
        target: "audit",
        name = user.name.as_str(),
        role = %user.role.as_str(),
        by_token_id = by.token.id.0,
        by_user = by.token.owner.as_str(),
        "user_created"
    );
}

/// A token was created by `by` (whose token is its parent, or was when `by` made it).
pub(crate) fn token_created(by: &Authenticated, token: &TokenRecord) {
    tracing::info!(
        target: "audit",
        id = token.id.0,
        owner = token.owner.as_str(),
        name = token.name.as_str(),
        kind = %token.limits.kind.as_str(),
        scope = %token.limits.scope.as_str(),
        parent_id = token.parent_id.map(|parent| parent.0),
        by_token_id = by.token.id.0,
        by_user = by.token.owner.as_str(),
        "token_created"
    );
}

/// What happened to an existing token.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TokenChange {
    Revoked,
    Restored,
    Deleted,
}

/// The token `id` was revoked, restored or deleted by `by`.
pub(crate) fn token_changed(by: &Authenticated, id: TokenId, change: TokenChange) {
    let event = match change {
        TokenChange::Revoked => "token_revoked",
        TokenChange::Restored => "token_restored",
        TokenChange::Deleted => "token_deleted",
    };
    tracing::info!(
        target: "audit",
        id = id.0,
        by_token_id = by.token.id.0,
        by_user = by.token.owner.as_str(),
        "{event}"
    );
}

/// Whether the admin override, not the list itself, is what lets the caller change a record
/// protected by `writers` (the answer [`crate::access::may_write`] gave).
pub(crate) fn overrides_list(
    writers: &WriterList<String>,
    caller: &Caller,
    query: Option<&str>,
) -> bool {
    let decision = writers.permits(
        actor(caller),
        admin_override(caller, override_requested(query)),
    );
    decision == WriteDecision::Allow(AllowReason::AdminOverride)
}

/// The writer list of the record `name` of `kind` changed: `added` and `removed` are the
/// users it gained and lost. `admin_override` says whether the admin override, rather than
/// the list, let the caller change it.
pub(crate) fn writers_changed(
    caller: &Caller,
    kind: Kind,
    name: &str,
    added: &[String],
    removed: &[String],
    admin_override: bool,
) {
    let (by_token_id, by_user) = by(caller);
    tracing::info!(
        target: "audit",
        kind = %kind.as_str(),
        record = name,
        ?added,
        ?removed,
        admin_override,
        by_token_id,
        by_user,
        "writers_changed"
    );
}
