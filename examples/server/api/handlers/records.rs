//! `/v1/subjects` and `/v1/aspects`: records and their writer lists.

use axum::Json;
use axum::response::IntoResponse;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate::http::{ApiError, Caller};
use tollgate::scope::Operation;
use tollgate::store::UserName;

use super::override_requested;
use crate::api::access::{Failure, Outcome, authorize, bad_request, may_write, not_found};
use crate::api::app::AppState;
use crate::api::records::{Edit, Kind, Record};

/// The longest description accepted, in characters.
const MAX_DESCRIPTION_CHARS: usize = 4096;

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

/// 1 to 60 of `[A-Za-z0-9_-]`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=60).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check_description(description: Option<&str>) -> Outcome<()> {
    match description {
        Some(text) if text.chars().count() > MAX_DESCRIPTION_CHARS => Err(bad_request(
            "invalid_description",
            format!("description is limited to {MAX_DESCRIPTION_CHARS} characters"),
        )),
        Some(text) if text.contains('\0') => Err(bad_request(
            "invalid_description",
            "description cannot contain the NUL character",
        )),
        _ => Ok(()),
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
pub(crate) async fn existing(state: &AppState, kind: Kind, name: &str) -> Outcome<Record> {
    let missing = || not_found(&kind.as_str()[..kind.as_str().len() - 1]);
    if !valid_name(name) {
        return Err(missing());
    }
    state.records.get(kind, name).await?.ok_or_else(missing)
}

pub(crate) async fn create(
    state: AppState,
    caller: Caller,
    kind: Kind,
    body: NewRecord,
) -> Outcome<impl IntoResponse> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    if !valid_name(&body.name) {
        return Err(bad_request(
            "invalid_name",
            "names are 1 to 60 of A-Z, a-z, 0-9, '_' and '-'",
        ));
    }
    check_description(body.description.as_deref())?;
    if !state
        .records
        .create(kind, &body.name, body.description.as_deref())
        .await?
    {
        return Err(Failure(ApiError::new(
            StatusCode::CONFLICT,
            "duplicate_name",
            "a record with this name, ignoring case, already exists",
        )));
    }
    let body = json!({ "name": body.name, "description": body.description, "writers": [] });
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn list(state: AppState, caller: Caller, kind: Kind) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::ReadData, &state.realm)?;
    let records = state.records.list(kind).await?;
    Ok(Json(Value::Array(records.iter().map(shown).collect())))
}

pub(crate) async fn get(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::ReadData, &state.realm)?;
    Ok(Json(shown(&existing(&state, kind, &name).await?)))
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
    mut plan: impl FnMut(&mut Record) -> Outcome<Edit>,
) -> Outcome<Record> {
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
pub(crate) fn concurrent_change() -> Failure {
    Failure(ApiError::new(
        StatusCode::CONFLICT,
        "concurrent_change",
        "the record's writers kept changing while this request ran; try again",
    ))
}

pub(crate) async fn patch(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
    query: Option<String>,
    body: RecordPatch,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    check_description(body.description.as_deref())?;
    let record = write_checked(&state, &caller, kind, &name, query.as_deref(), |record| {
        record.description.clone_from(&body.description);
        Ok(Edit::Description)
    })
    .await?;
    Ok(Json(shown(&record)))
}

pub(crate) async fn delete(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
    query: Option<String>,
) -> Outcome<StatusCode> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    write_checked(&state, &caller, kind, &name, query.as_deref(), |_| {
        Ok(Edit::Delete)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn writers(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::ReadData, &state.realm)?;
    let record = existing(&state, kind, &name).await?;
    Ok(Json(json!(writers_of(&record))))
}

/// Adds users to the writer list: all of them or, if any is not a user, none.
pub(crate) async fn add_writers(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
    query: Option<String>,
    names: Vec<String>,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    // The record must exist and the caller may write it before anything about users is said.
    let record = existing(&state, kind, &name).await?;
    may_write(
        &record.writers,
        &caller,
        override_requested(query.as_deref()),
        &state.realm,
    )?;
    let mut known = Vec::with_capacity(names.len());
    let mut unknown = Vec::new();
    for text in &names {
        match stored_user_name(&state, text).await? {
            Some(stored) => known.push(stored),
            None => unknown.push(text.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(bad_request(
            "unknown_user",
            format!("not users: {}; nothing was added", unknown.join(", ")),
        ));
    }
    let record = write_checked(&state, &caller, kind, &name, query.as_deref(), |record| {
        record.writers.add(known.iter().cloned());
        Ok(Edit::Writers)
    })
    .await?;
    Ok(Json(json!(writers_of(&record))))
}

/// The name of the user called `text` as it was created (writers are stored that way), if any.
async fn stored_user_name(state: &AppState, text: &str) -> Outcome<Option<String>> {
    let Ok(user_name) = UserName::new(text) else {
        return Ok(None);
    };
    let user = state.tokens.user(&user_name).await?;
    Ok(user.map(|user| user.name.as_str().to_owned()))
}

pub(crate) async fn remove_writer(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
    user: String,
    query: Option<String>,
) -> Outcome<StatusCode> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    let stored = stored_user_name(&state, &user).await?;
    write_checked(
        &state,
        &caller,
        kind,
        &name,
        query.as_deref(),
        |record| match stored
            .as_deref()
            .map(|stored| record.writers.remove(stored))
        {
            Some(Ok(_)) => Ok(Edit::Writers),
            _ => Err(Failure(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_a_writer",
                format!("{user} is not a writer of {name}"),
            ))),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn clear_writers(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
    query: Option<String>,
) -> Outcome<StatusCode> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    write_checked(&state, &caller, kind, &name, query.as_deref(), |record| {
        record.writers.clear();
        Ok(Edit::Writers)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
