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
use crate::api::records::{Kind, Record};

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
        _ => Ok(()),
    }
}

fn shown(record: &Record) -> Value {
    json!({ "name": record.name, "description": record.description, "writers": writers_of(record) })
}

fn writers_of(record: &Record) -> Vec<&str> {
    record.writers.iter().map(String::as_str).collect()
}

/// The record, or 404.
pub(crate) async fn existing(state: &AppState, kind: Kind, name: &str) -> Outcome<Record> {
    state
        .records
        .get(kind, name)
        .await?
        .ok_or_else(|| not_found(&kind.as_str()[..kind.as_str().len() - 1]))
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
            "a record with this name already exists",
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

pub(crate) async fn patch(
    state: AppState,
    caller: Caller,
    kind: Kind,
    name: String,
    query: Option<String>,
    body: RecordPatch,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::WriteData, &state.realm)?;
    let mut record = existing(&state, kind, &name).await?;
    may_write(
        &record.writers,
        &caller,
        override_requested(query.as_deref()),
        &state.realm,
    )?;
    check_description(body.description.as_deref())?;
    state
        .records
        .set_description(kind, &name, body.description.as_deref())
        .await?;
    record.description = body.description;
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
    let record = existing(&state, kind, &name).await?;
    may_write(
        &record.writers,
        &caller,
        override_requested(query.as_deref()),
        &state.realm,
    )?;
    state.records.delete(kind, &name).await?;
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
    let mut record = existing(&state, kind, &name).await?;
    may_write(
        &record.writers,
        &caller,
        override_requested(query.as_deref()),
        &state.realm,
    )?;
    let mut known = Vec::with_capacity(names.len());
    let mut unknown = Vec::new();
    for text in &names {
        let user = match UserName::new(text) {
            Ok(user_name) => state.tokens.user(&user_name).await?,
            Err(_) => None,
        };
        match user {
            Some(user) => known.push(user.name.as_str().to_owned()),
            None => unknown.push(text.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(bad_request(
            "unknown_user",
            format!("not users: {}; nothing was added", unknown.join(", ")),
        ));
    }
    record.writers.add(known);
    state
        .records
        .set_writers(kind, &name, &record.writers)
        .await?;
    Ok(Json(json!(writers_of(&record))))
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
    let mut record = existing(&state, kind, &name).await?;
    may_write(
        &record.writers,
        &caller,
        override_requested(query.as_deref()),
        &state.realm,
    )?;
    // Writers are stored under the user's name as created; find it ignoring case.
    let stored = match UserName::new(&user) {
        Ok(user_name) => state
            .tokens
            .user(&user_name)
            .await?
            .map(|u| u.name.as_str().to_owned()),
        Err(_) => None,
    };
    let removed = stored.map(|stored| record.writers.remove(stored.as_str()));
    if !matches!(removed, Some(Ok(_))) {
        return Err(Failure(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_a_writer",
            format!("{user} is not a writer of {name}"),
        )));
    }
    state
        .records
        .set_writers(kind, &name, &record.writers)
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
    let mut record = existing(&state, kind, &name).await?;
    may_write(
        &record.writers,
        &caller,
        override_requested(query.as_deref()),
        &state.realm,
    )?;
    record.writers.clear();
    state
        .records
        .set_writers(kind, &name, &record.writers)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
