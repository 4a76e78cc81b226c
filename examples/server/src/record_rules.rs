//! What a record (subject or aspect) and its writer list may be, and the refusals of changes
//! that break the rules: one file for both example servers (the actix-web example includes it
//! by path), so that their answers cannot drift.

use std::collections::{BTreeMap, HashMap};

use http::StatusCode;
use tollgate::refusal::{self, Refusal};
use tollgate::scope::{Role, Scope};
use tollgate::store::{Authenticated, Storage, TokenService, UserName};
use tollgate::writers::{Actor, AdminOverride, Entitlement, WriteDecision, WriterEdit, WriterList};

/// The longest description accepted, in characters.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 4096;

/// The most names one writer list holds: each write compares and stores the whole list.
pub(crate) const MAX_WRITERS: usize = 1000;

/// 1 to 60 of `[A-Za-z0-9_-]`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=60).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// 400 `invalid_name` unless `name` is [`valid_name`].
pub(crate) fn check_name(name: &str) -> Result<(), Refusal> {
    if valid_name(name) {
        return Ok(());
    }
    Err(Refusal::new(
        StatusCode::BAD_REQUEST,
        "invalid_name",
        "names are 1 to 60 of A-Z, a-z, 0-9, '_' and '-'",
    ))
}

/// 400 `invalid_description` for a description too long or holding NUL.
pub(crate) fn check_description(description: Option<&str>) -> Result<(), Refusal> {
    let problem = match description {
        Some(text) if text.chars().count() > MAX_DESCRIPTION_CHARS => {
            format!("description is limited to {MAX_DESCRIPTION_CHARS} characters")
        }
        Some(text) if text.contains('\0') => {
            "description cannot contain the NUL character".to_owned()
        }
        _ => return Ok(()),
    };
    Err(Refusal::new(
        StatusCode::BAD_REQUEST,
        "invalid_description",
        problem,
    ))
}

/// 409: a record of this kind has this name already, ignoring case.
pub(crate) fn duplicate_name() -> Refusal {
    Refusal::new(
        StatusCode::CONFLICT,
        "duplicate_name",
        "a record with this name, ignoring case, already exists",
    )
}

/// 422: the writer list would hold more than [`MAX_WRITERS`] names.
pub(crate) fn too_many_writers() -> Refusal {
    Refusal::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_writers",
        format!("a writer list holds at most {MAX_WRITERS} names; nothing was added"),
    )
}

/// Whether an override was `requested` (`?override=admin`), and whether `token` is entitled to
/// it: an admin user presenting a token of at least admin scope (an anonymous caller never is).
pub(crate) fn admin_override(token: Option<&Authenticated>, requested: bool) -> AdminOverride {
    if !requested {
        return AdminOverride::NotRequested;
    }
    let entitled = token
        .is_some_and(|found| found.role == Role::Admin && found.token.limits.scope >= Scope::Admin);
    AdminOverride::Requested(if entitled {
        Entitlement::Entitled
    } else {
        Entitlement::NotEntitled
    })
}

/// 409 `would_lock_out` when `edit` of `writers` would take away `actor`'s own write access,
/// unless `unasked` (the caller confirmed it with `?confirm=lockout`, or writes through an
/// honoured override). An actor with no access of their own to lose is not asked.
pub(crate) fn refuse_lockout(
    writers: &WriterList<String>,
    edit: WriterEdit<'_, String>,
    actor: Actor<'_, str>,
    unasked: bool,
) -> Result<(), Refusal> {
    let writes_now = matches!(
        writers.permits(actor, AdminOverride::NotRequested),
        WriteDecision::Allow(_)
    );
    if !writes_now || unasked {
        return Ok(());
    }
    refusal::lockout(writers.lockout(edit, actor), "?confirm=lockout")
}

/// The users `names` name, as their names were created (writer lists hold them that way), all
/// looked up in one query: 400 `unknown_user` naming every text that names no user (nothing
/// is added then), 422 when they are more distinct users than a list holds (refused before the
/// lookup).
pub(crate) async fn known_users<S: Storage>(
    tokens: &TokenService<S>,
    names: &[String],
) -> Result<Vec<String>, Refusal> {
    // The distinct names, ignoring case. Text that is no user name names no user, and is not
    // looked up.
    let asked: BTreeMap<String, UserName> = names
        .iter()
        .filter_map(|text| UserName::new(text).ok())
        .map(|name| (name.key(), name))
        .collect();
    if asked.len() > MAX_WRITERS {
        return Err(too_many_writers());
    }
    let asked: Vec<UserName> = asked.into_values().collect();
    let stored: HashMap<String, String> = tokens
        .users_named(&asked)
        .await?
        .into_iter()
        .map(|user| (user.name.key(), user.name.as_str().to_owned()))
        .collect();
    let (mut known, mut unknown) = (Vec::with_capacity(names.len()), Vec::new());
    for text in names {
        match UserName::new(text)
            .ok()
            .and_then(|name| stored.get(&name.key()))
        {
            Some(stored) => known.push(stored.clone()),
            None => unknown.push(text.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "unknown_user",
            format!("not users: {}; nothing was added", unknown.join(", ")),
        ));
    }
    Ok(known)
}
