//! The server's one place for "may this caller do this?": each answer is a library call.

use tollgate::http::{Caller, Realm, Refusal, refusal};
use tollgate::scope::{Access, Denial, Operation, TokenKind};
use tollgate::store::Authenticated;
use tollgate::writers::{Actor, AdminOverride, Resolved, WriterList};

use crate::record_rules;
use crate::records::Kind;

/// A record as grants name it: `{kind}/{name}`. Samples are named by their aspect.
pub(crate) fn resource_name(kind: Kind, name: &str) -> String {
    format!("{}/{name}", kind.as_str())
}

/// `Ok` when the caller may have `access` to the record `name` of `kind`: reading is
/// [`Operation::ReadData`], writing and deleting [`Operation::WriteData`], each checked with
/// the token's grants. Checks that need no record are the routes' scope layers
/// (`app::router`).
pub(crate) fn authorize_record(
    caller: &Caller,
    kind: Kind,
    name: &str,
    access: Access,
    realm: &Realm,
) -> Result<(), Refusal> {
    let operation = match access {
        Access::Read => Operation::ReadData,
        Access::Write | Access::Delete => Operation::WriteData,
    };
    let resource = resource_name(kind, name);
    caller.authorize(operation, Some((&resource, access)), realm)
}

/// `Ok` unless `found` is publishable, for `/v1/tokens/current`, which any other token may
/// read whatever its scope. Publishable tokens are refused: they read records and nothing
/// else, and a page that embeds one has no use for the token's metadata (its ids, limits and
/// parentage).
pub(crate) fn refuse_publishable(found: &Authenticated, realm: &Realm) -> Result<(), Refusal> {
    if found.token.limits.kind != TokenKind::Publishable {
        return Ok(());
    }
    let denial: Denial<tollgate::scope::RoleShortfall> = Denial::PublishableToken {
        operation: Operation::ReadSensitive,
    };
    Err(refusal::scope_denial(&denial, realm))
}

/// Whether `?override=admin` was asked for, and whether this caller is entitled to it (see
/// [`record_rules::admin_override`]).
pub(crate) fn admin_override(caller: &Caller, requested: bool) -> AdminOverride {
    let token = match caller {
        Caller::Token(found) => Some(found),
        Caller::Anonymous => None,
    };
    record_rules::admin_override(token, requested)
}

/// Who the caller is, to a writer list.
pub(crate) fn actor(caller: &Caller) -> Actor<'_, str> {
    match caller {
        Caller::Anonymous => Actor::Anonymous,
        Caller::Token(found) => Actor::Authenticated(found.token.owner.as_str()),
    }
}

/// `Ok` when the caller may change a record protected by `writers`.
pub(crate) fn may_write(
    writers: &WriterList<String>,
    caller: &Caller,
    requested_override: bool,
    realm: &Realm,
) -> Result<(), Refusal> {
    writer_answer(
        writers.permits(actor(caller), admin_override(caller, requested_override)),
        realm,
    )
}

/// `Ok` when the caller may change a record whose protection was resolved through inheritance.
pub(crate) fn may_write_resolved(
    resolved: &Resolved<'_, str, String>,
    caller: &Caller,
    requested_override: bool,
    realm: &Realm,
) -> Result<(), Refusal> {
    let answer = resolved.permits(actor(caller), admin_override(caller, requested_override));
    writer_answer(answer.decision, realm)
}

fn writer_answer(decision: tollgate::writers::WriteDecision, realm: &Realm) -> Result<(), Refusal> {
    match decision {
        tollgate::writers::WriteDecision::Allow(_) => Ok(()),
        tollgate::writers::WriteDecision::Deny(reason) => {
            Err(refusal::writer_denial(reason, realm))
        }
    }
}
