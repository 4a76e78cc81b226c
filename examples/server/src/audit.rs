//! Audit events: every change to users, tokens and writer lists, once it has landed, logged at
//! `info` with target `audit` and appended to the database's audit log (`GET /v1/audit`).
//!
//! Each event is named by its message (`token_created`, ...) and says who acted: the token
//! that made the request (`by_token_id`) and its owner (`by_user`). Events hold ids, names,
//! kinds, scopes and roles: never a token's secret, hash or hint. Names are logged quoted, so
//! whatever a token name holds stays inside its field.

use std::sync::Arc;

use chrono::Utc;
use tollgate::http::Caller;
use tollgate::scanning::ReportedToken;
use tollgate::store::{
    AuditAction, AuditEvent, Authenticated, Storage, TokenId, TokenRecord, TokenService, User,
    token_target,
};
use tollgate::writers::{AllowReason, WriteDecision, WriterList};

use crate::access::{actor, admin_override};
use crate::handlers::{override_requested, rfc3339};
use crate::records::Kind;
use crate::secret_scanning::leak_outcome;

/// An event done now by `by` (none for the server's own work), once.
fn event(
    by: Option<&Authenticated>,
    action: AuditAction,
    target: String,
    outcome: String,
) -> AuditEvent {
    AuditEvent {
        at: Utc::now(),
        actor_user: by.map(|found| found.token.owner.clone()),
        actor_token: by.map(|found| found.token.id),
        action,
        target,
        outcome,
        count: 1,
    }
}

/// Appends `event` to the audit log. The change it records has landed already: should the
/// database refuse the event, that is logged at `error`, and the change stands. The write is
/// a task of its own, so that a request dropped meanwhile (its client gone, its time up) does
/// not drop the event with it.
async fn append<S: Storage + 'static>(tokens: &Arc<TokenService<S>>, event: AuditEvent) {
    let action = event.action;
    let tokens = Arc::clone(tokens);
    let write = tokio::spawn(async move { tokens.storage().append_audit(&[event]).await });
    let error = match write.await {
        Ok(Ok(())) => return,
        Ok(Err(error)) => error.to_string(),
        Err(join) => join.to_string(),
    };
    tracing::error!(target: "audit", error, action = %action, "audit_event_not_stored");
}

/// The target naming a user: `user:{name}`.
fn user_target(user: &User) -> String {
    format!("user:{}", user.name.as_str())
}

/// A user was created by `by`.
pub(crate) async fn user_created<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    by: &Authenticated,
    user: &User,
) {
    tracing::info!(
        target: "audit",
        name = user.name.as_str(),
        role = %user.role.as_str(),
        by_token_id = by.token.id.0,
        by_user = by.token.owner.as_str(),
        "user_created"
    );
    let outcome = format!("role {}", user.role.as_str());
    append(
        tokens,
        event(
            Some(by),
            AuditAction::UserCreated,
            user_target(user),
            outcome,
        ),
    )
    .await;
}

/// A token was created by `by` (whose token is its parent, or was when `by` made it).
pub(crate) async fn token_created<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    by: &Authenticated,
    token: &TokenRecord,
) {
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
    let outcome = match token.parent_id {
        Some(parent) => format!("owner {}, parent {}", token.owner.as_str(), parent.0),
        None => format!("owner {}", token.owner.as_str()),
    };
    let target = token_target(token.id);
    append(
        tokens,
        event(Some(by), AuditAction::TokenCreated, target, outcome),
    )
    .await;
}

/// `by` gave the token `token` a new secret; the outcome says until when the old one works.
pub(crate) async fn token_rotated<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    by: &Authenticated,
    token: &TokenRecord,
) {
    let outcome = match token.previous_secret_until {
        Some(until) => format!("old secret until {}", rfc3339(until)),
        None => "old secret ended".to_owned(),
    };
    tracing::info!(
        target: "audit",
        id = token.id.0,
        by_token_id = by.token.id.0,
        by_user = by.token.owner.as_str(),
        outcome,
        "token_rotated"
    );
    let target = token_target(token.id);
    append(
        tokens,
        event(Some(by), AuditAction::TokenRotated, target, outcome),
    )
    .await;
}

/// A secret-scanning service reported a secret of token `id` as leaked, which `revoked` it
/// (else it no longer worked): an event with no actor, the outcome saying where it was found.
pub(crate) async fn token_leaked<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    id: TokenId,
    revoked: bool,
    token: &ReportedToken,
) {
    let outcome = leak_outcome(revoked, token);
    tracing::warn!(target: "audit", id = id.0, outcome, "token_leaked");
    let event = event(None, AuditAction::TokenLeaked, token_target(id), outcome);
    append(tokens, event).await;
}

/// `mint` (the command line, not a request) created the token `token` and, when `new_user`,
/// its owner: events with no actor.
pub(crate) async fn minted<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    new_user: Option<&User>,
    token: &TokenRecord,
) {
    if let Some(user) = new_user {
        let outcome = format!("role {}, by mint", user.role.as_str());
        append(
            tokens,
            event(None, AuditAction::UserCreated, user_target(user), outcome),
        )
        .await;
    }
    let outcome = format!("owner {}, by mint", token.owner.as_str());
    let target = token_target(token.id);
    append(
        tokens,
        event(None, AuditAction::TokenCreated, target, outcome),
    )
    .await;
}

/// The server deleted `purged` tokens neither used nor made since `cutoff`.
pub(crate) async fn tokens_purged<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    cutoff: chrono::DateTime<Utc>,
    purged: u64,
) {
    let since = cutoff.date_naive();
    tracing::info!(target: "audit", purged, %since, "tokens_purged");
    let outcome = format!("unused since {since}");
    let purge = event(
        None,
        AuditAction::TokensPurged,
        "tokens".to_owned(),
        outcome,
    );
    append(
        tokens,
        AuditEvent {
            count: purged,
            ..purge
        },
    )
    .await;
}

/// The token `id` was revoked, restored or deleted by `by` (`action`).
pub(crate) async fn token_changed<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    by: &Authenticated,
    id: TokenId,
    action: AuditAction,
) {
    tracing::info!(
        target: "audit",
        id = id.0,
        by_token_id = by.token.id.0,
        by_user = by.token.owner.as_str(),
        "{action}"
    );
    append(
        tokens,
        event(Some(by), action, token_target(id), "ok".to_owned()),
    )
    .await;
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
pub(crate) async fn writers_changed<S: Storage + 'static>(
    tokens: &Arc<TokenService<S>>,
    caller: &Caller,
    kind: Kind,
    name: &str,
    added: &[String],
    removed: &[String],
    admin_override: bool,
) {
    let by = match caller {
        Caller::Token(found) => Some(found),
        Caller::Anonymous => None,
    };
    let by_token_id = by.map(|found| found.token.id.0);
    let by_user = by.map(|found| found.token.owner.as_str());
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
    let mut outcome: Vec<String> = added.iter().map(|name| format!("+{name}")).collect();
    outcome.extend(removed.iter().map(|name| format!("-{name}")));
    if admin_override {
        outcome.push("(admin override)".to_owned());
    }
    let target = format!("{}/{name}", kind.as_str());
    let outcome = outcome.join(" ");
    append(
        tokens,
        event(by, AuditAction::WritersChanged, target, outcome),
    )
    .await;
}
