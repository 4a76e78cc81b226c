//! `/v1/subjects` and `/v1/aspects`: records and their writer lists.

use axum::Json;
use axum::extract::{Extension, FromRequestParts, MatchedPath, RawQuery, State};
use axum::response::IntoResponse;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate::http::{Caller, CallerToken, Refusal};
use tollgate::scope::Access;
use tollgate::store::{Authenticated, UserName};
use tollgate::writers::{AdminOverride, Entitlement, WriterEdit};

use super::{override_requested, query_has};
use crate::access::{actor, admin_override, authorize_record, may_write, resource_name};
use crate::app::AppState;
use crate::audit;
use crate::body::UnreadBody;
use crate::client_errors::not_found;
use crate::paging::{PageQuery, next_link};
use crate::path::Path;
use crate::record_rules::{
    self, MAX_WRITERS, check_description, check_name, duplicate_name, known_users,
    too_many_writers, valid_name,
};
use crate::records::{Edit, Kind, Record};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRecord {
    name: String,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordPatch {
    description: Option<String>,
}

/// The kind of record a route serves, read from the route it was registered under: the
/// routes of a kind all start `/v1/{kind}` (see `app::record_routes`), so the handlers below
/// serve both kinds. A route that names no kind is not a record route: 404 like any unknown
/// route, never a guess.
impl<S: Send + Sync> FromRequestParts<S> for Kind {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let first_segment = route
            .and_then(|route| route.strip_prefix("/v1/"))
            .and_then(|rest| rest.split('/').next());
        Kind::ALL
            .into_iter()
            .find(|kind| Some(kind.as_str()) == first_segment)
            .ok_or_else(|| not_found("route"))
    }
}

fn shown(record: &Record) -> Value {
    json!({ "name": record.name, "description": record.description, "writers": writers_of(record) })
}

fn writers_of(record: &Record) -> Vec<&str> {
    record.writers.iter().map(String::as_str).collect()
}

/// The record, or 404. A name no record can have is not looked up: PostgreSQL refuses some
/// text outright (a NUL byte), which would otherwise be a 503.
pub(crate) async fn existing(state: &AppState, kind: Kind, name: &str) -> Result<Record, Refusal> {
    let missing = || not_found(&kind.as_str()[..kind.as_str().len() - 1]);
    if !valid_name(name) {
        return Err(missing());
    }
    state.records.get(kind, name).await?.ok_or_else(missing)
}

/// Creating a record needs `write` access to it; its name is in the body, so the grants are
/// checked once the body is read (scope and role before, by the route's scope layer).
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    body: UnreadBody,
) -> Result<impl IntoResponse, Refusal> {
    let body: NewRecord = body.json().await?;
    authorize_record(&caller, kind, &body.name, Access::Write, &state.realm)?;
    check_name(&body.name)?;
    check_description(body.description.as_deref())?;
    if !state
        .records
        .create(kind, &body.name, body.description.as_deref())
        .await?
    {
        return Err(duplicate_name());
    }
    let body = json!({ "name": body.name, "description": body.description, "writers": [] });
    Ok((StatusCode::CREATED, Json(body)))
}

/// The records the caller may read, by name, a page at a time: with grants, only those the
/// grants name for `read`, filtered in the query so that every page but the last is full.
/// The route's scope layer has checked that the caller may read.
pub(crate) async fn list(
    State(state): State<AppState>,
    token: Option<CallerToken>,
    kind: Kind,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Value>), Refusal> {
    let paging = PageQuery::parse(query.as_deref())?;
    let after = paging.after(|key| valid_name(key).then_some(key))?;
    let readable = token
        .as_ref()
        .and_then(|CallerToken(found)| readable_names(found, kind));
    let page = state
        .records
        .page(kind, readable.as_deref(), after, paging.size)
        .await?;
    let path = format!("/v1/{}", kind.as_str());
    let link = next_link(&path, paging.size, &page, |record| record.name.clone());
    Ok((link, Json(page.items.iter().map(shown).collect())))
}

/// The names of the records of `kind` that `found` may read, when its grants limit them
/// (`None`: every record). A record is readable exactly when
/// `limits.may_access("{kind}/{name}", Access::Read)`: grants name resources exactly, so these
/// are the names after `{kind}/` of the resources granted `read`.
fn readable_names(found: &Authenticated, kind: Kind) -> Option<Vec<&str>> {
    let grants = found.token.limits.grants.as_ref()?;
    let prefix = resource_name(kind, "");
    let names = grants
        .iter()
        .filter(|&(_, access)| access == Access::Read)
        .filter_map(|(resource, _)| resource.as_str().strip_prefix(prefix.as_str()));
    Some(names.collect())
}

/// The record, once the caller is known to be allowed to read it.
async fn readable(
    state: &AppState,
    caller: &Caller,
    kind: Kind,
    name: &str,
) -> Result<Record, Refusal> {
    authorize_record(caller, kind, name, Access::Read, &state.realm)?;
    existing(state, kind, name).await
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path(name): Path<String>,
) -> Result<Json<Value>, Refusal> {
    Ok(Json(shown(&readable(&state, &caller, kind, &name).await?)))
}

/// How often a write reads and checks a record again after its writer list changed under it.
pub(crate) const WRITE_ATTEMPTS: usize = 8;

/// Reads the record, checks that the caller may write it, lets `plan` change it, and stores the
/// change only if the writer list is still the one checked; otherwise reads and checks again.
async fn write_checked(
    state: &AppState,
    caller: &Caller,
    kind: Kind,
    name: &str,
    query: Option<&str>,
    mut plan: impl FnMut(&mut Record) -> Result<Edit, Refusal>,
) -> Result<Record, Refusal> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut record = existing(state, kind, name).await?;
        may_write(
            &record.writers,
            caller,
            override_requested(query),
            &state.realm,
        )?;
        let checked = record.writers.clone();
        let edit = plan(&mut record)?;
        if state.records.apply(kind, &checked, &record, edit).await? {
            return Ok(record);
        }
    }
    Err(concurrent_change())
}

/// 409: the writer list kept changing under a write for [`WRITE_ATTEMPTS`] attempts.
pub(crate) fn concurrent_change() -> Refusal {
    Refusal::new(
        StatusCode::CONFLICT,
        "concurrent_change",
        "the record's writers kept changing while this request ran; try again",
    )
}

/// Every refusal a write can get before its body is read: `access` to the record, its
/// existence, its writer list. The write itself checks the list again as it changes it.
async fn check_writable(
    state: &AppState,
    caller: &Caller,
    kind: Kind,
    name: &str,
    query: Option<&str>,
    access: Access,
) -> Result<(), Refusal> {
    authorize_record(caller, kind, name, access, &state.realm)?;
    let record = existing(state, kind, name).await?;
    may_write(
        &record.writers,
        caller,
        override_requested(query),
        &state.realm,
    )
}

pub(crate) async fn patch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    body: UnreadBody,
) -> Result<Json<Value>, Refusal> {
    check_writable(
        &state,
        &caller,
        kind,
        &name,
        query.as_deref(),
        Access::Write,
    )
    .await?;
    let body: RecordPatch = body.json().await?;
    check_description(body.description.as_deref())?;
    let record = write_checked(&state, &caller, kind, &name, query.as_deref(), |record| {
        record.description.clone_from(&body.description);
        Ok(Edit::Description)
    })
    .await?;
    Ok(Json(shown(&record)))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Refusal> {
    authorize_record(&caller, kind, &name, Access::Delete, &state.realm)?;
    write_checked(&state, &caller, kind, &name, query.as_deref(), |_| {
        Ok(Edit::Delete)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn writers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path(name): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let record = readable(&state, &caller, kind, &name).await?;
    Ok(Json(json!(writers_of(&record))))
}

/// 409 `would_lock_out` when `edit` of `record`'s writers would take away the caller's own
/// write access, unless the query says `confirm=lockout`. A caller with no access of their own
/// to lose (writing through `?override=admin`), or whose honoured override keeps it, is not
/// asked.
fn refuse_lockout(
    record: &Record,
    edit: WriterEdit<'_, String>,
    caller: &Caller,
    query: Option<&str>,
) -> Result<(), Refusal> {
    let unasked = admin_override(caller, override_requested(query))
        == AdminOverride::Requested(Entitlement::Entitled)
        || query_has(query, "confirm=lockout");
    record_rules::refuse_lockout(&record.writers, edit, actor(caller), unasked)
}

/// Adds users to the writer list: all of them or, if any is not a user, none. Every name is
/// looked up in one query; a list that would hold more than [`MAX_WRITERS`] names is refused.
pub(crate) async fn add_writers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    body: UnreadBody,
) -> Result<Json<Value>, Refusal> {
    let query = query.as_deref();
    // The record must exist and the caller may write it before the body is read.
    check_writable(&state, &caller, kind, &name, query, Access::Write).await?;
    let names: Vec<String> = body.json().await?;
    let known = known_users(&state.tokens, &names).await?;
    let (mut added, mut overridden) = (Vec::new(), false);
    let record = write_checked(&state, &caller, kind, &name, query, |record| {
        refuse_lockout(record, WriterEdit::Add(&known), &caller, query)?;
        overridden = audit::overrides_list(&record.writers, &caller, query);
        added = record.writers.add(known.iter().cloned());
        if record.writers.len() > MAX_WRITERS {
            return Err(too_many_writers());
        }
        Ok(Edit::Writers)
    })
    .await?;
    audit::writers_changed(&state.tokens, &caller, kind, &name, &added, &[], overridden).await;
    Ok(Json(json!(writers_of(&record))))
}

/// The name of the user called `text` as it was created (writers are stored that way), if any.
async fn stored_user_name(state: &AppState, text: &str) -> Result<Option<String>, Refusal> {
    let Ok(user_name) = UserName::new(text) else {
        return Ok(None);
    };
    let user = state.tokens.user(&user_name).await?;
    Ok(user.map(|user| user.name.as_str().to_owned()))
}

pub(crate) async fn remove_writer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path((name, user)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Refusal> {
    let query = query.as_deref();
    authorize_record(&caller, kind, &name, Access::Write, &state.realm)?;
    let stored = stored_user_name(&state, &user).await?;
    let (mut removed, mut overridden) = (Vec::new(), false);
    write_checked(&state, &caller, kind, &name, query, |record| {
        let not_listed = || {
            Refusal::new(
                StatusCode::NOT_FOUND,
                "not_a_writer",
                format!("{user} is not a writer of {name}"),
            )
        };
        let stored = stored.as_ref().ok_or_else(not_listed)?;
        if !record.writers.contains(stored.as_str()) {
            return Err(not_listed());
        }
        refuse_lockout(record, WriterEdit::Remove(stored), &caller, query)?;
        overridden = audit::overrides_list(&record.writers, &caller, query);
        removed = vec![
            record
                .writers
                .remove(stored.as_str())
                .map_err(|_| not_listed())?,
        ];
        Ok(Edit::Writers)
    })
    .await?;
    audit::writers_changed(
        &state.tokens,
        &caller,
        kind,
        &name,
        &[],
        &removed,
        overridden,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn clear_writers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    kind: Kind,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Refusal> {
    // Clearing opens the record to every writer: it never locks the caller out.
    authorize_record(&caller, kind, &name, Access::Write, &state.realm)?;
    let query = query.as_deref();
    let (mut removed, mut overridden) = (Vec::new(), false);
    write_checked(&state, &caller, kind, &name, query, |record| {
        overridden = audit::overrides_list(&record.writers, &caller, query);
        removed = record.writers.clear().into_iter().collect();
        Ok(Edit::Writers)
    })
    .await?;
    audit::writers_changed(
        &state.tokens,
        &caller,
        kind,
        &name,
        &[],
        &removed,
        overridden,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
