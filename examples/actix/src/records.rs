//! Subjects and their writer lists, in memory, with the axum server's routes and answers:
//! `POST /v1/subjects`, `GET` and `PATCH /v1/subjects/{name}`, and
//! `POST /v1/subjects/{name}/writers`.
//!
//! Each handler checks, in the axum server's order, the token's scope and grants for the
//! record (`tollgate-scope`), that the record exists, and its writer list (`tollgate-writers`)
//! before it reads a body; and the writer list again as it changes the record, under the lock
//! that keeps the change and the check together.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tollgate::refusal::{self, Refusal};
use tollgate::scope::{Access, Operation};
use tollgate::writers::{Actor, AdminOverride, Entitlement, WriteDecision, WriterEdit, WriterList};

use crate::State;
use crate::answer::{self, Refused};
use crate::gate::Caller;
use crate::record_rules::{
    MAX_WRITERS, admin_override, check_description, check_name, duplicate_name, known_users,
    refuse_lockout, too_many_writers,
};

/// The largest request body read: the axum server's.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest a request body may take to arrive: the axum server's request timeout.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The most subjects kept: they live in memory.
const MAX_RECORDS: usize = 10_000;

/// A subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its name, as created.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// Who may change it (empty: any authenticated user).
    pub writers: WriterList<String>,
}

/// The subjects, by name ignoring case.
#[derive(Debug, Default)]
pub struct Records(Mutex<BTreeMap<String, Record>>);

impl Records {
    /// The subject called `name`, ignoring case.
    fn get(&self, name: &str) -> Option<Record> {
        let records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        records.get(&name.to_ascii_lowercase()).cloned()
    }

    /// Adds a subject with an empty writer list: 409 when the name is taken, 507 when
    /// [`MAX_RECORDS`] are kept already.
    fn create(&self, name: &str, description: Option<String>) -> Result<(), Refusal> {
        let mut records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let key = name.to_ascii_lowercase();
        if records.contains_key(&key) {
            return Err(duplicate_name());
        }
        if records.len() >= MAX_RECORDS {
            return Err(Refusal::new(
                http::StatusCode::INSUFFICIENT_STORAGE,
                "too_many_records",
                format!("this example keeps at most {MAX_RECORDS} subjects, in memory"),
            ));
        }
        let record = Record {
            name: name.to_owned(),
            description,
            writers: WriterList::default(),
        };
        records.insert(key, record);
        Ok(())
    }

    /// Lets `change` check and change the subject `name` under the lock, and returns it as
    /// changed; 404 when there is none, or `change`'s refusal (nothing changed then).
    fn change(
        &self,
        name: &str,
        change: impl FnOnce(&mut Record) -> Result<(), Refusal>,
    ) -> Result<Record, Refusal> {
        let mut records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = records
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(no_such_subject)?;
        let mut changed = stored.clone();
        change(&mut changed)?;
        *stored = changed.clone();
        Ok(changed)
    }
}

/// The routes; every other method on them is 405.
pub fn routes(config: &mut web::ServiceConfig) {
    let resource = |path| web::resource(path).default_service(web::to(method_not_allowed));
    config
        .service(resource("/v1/subjects").route(web::post().to(create)))
        .service(
            resource("/v1/subjects/{name}")
                .route(web::get().to(get))
                .route(web::patch().to(patch)),
        )
        .service(resource("/v1/subjects/{name}/writers").route(web::post().to(add_writers)));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRecord {
    name: String,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordPatch {
    description: Option<String>,
}

/// `POST /v1/subjects`: writing, so the token's scope is checked before the body is read;
/// its grants once the body has named the record.
async fn create(
    state: web::Data<State>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, Refused> {
    refusal::authorize(Some(&caller.0), Operation::WriteData, None, &state.realm)?;
    let body: NewRecord = json(payload).await?;
    authorize_record(&state, &caller, &body.name, Access::Write)?;
    check_name(&body.name)?;
    check_description(body.description.as_deref())?;
    state.records.create(&body.name, body.description.clone())?;
    let shown = json!({ "name": body.name, "description": body.description, "writers": [] });
    Ok(HttpResponse::Created().json(shown))
}

/// `GET /v1/subjects/{name}`.
async fn get(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, Refused> {
    authorize_record(&state, &caller, &name, Access::Read)?;
    let record = state.records.get(&name).ok_or_else(no_such_subject)?;
    Ok(HttpResponse::Ok().json(shown(&record)))
}

/// `PATCH /v1/subjects/{name}`: a new description, by a writer.
async fn patch(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Refused> {
    let overriding = query_has(&request, "override=admin");
    check_writable(&state, &caller, &name, overriding)?;
    let body: RecordPatch = json(payload).await?;
    check_description(body.description.as_deref())?;
    let record = state.records.change(&name, |record| {
        may_write(&record.writers, &caller, overriding, &state)?;
        record.description = body.description;
        Ok(())
    })?;
    Ok(HttpResponse::Ok().json(shown(&record)))
}

/// `POST /v1/subjects/{name}/writers`: adds users to the writer list, all of them or, if any
/// is not a user, none.
async fn add_writers(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Refused> {
    let overriding = query_has(&request, "override=admin");
    check_writable(&state, &caller, &name, overriding)?;
    let names: Vec<String> = json(payload).await?;
    let known = known_users(&state.tokens, &names).await?;
    // Not asked by a caller whose honoured override keeps their access, or who confirmed.
    let unasked = admin_override(Some(&caller.0), overriding)
        == AdminOverride::Requested(Entitlement::Entitled)
        || query_has(&request, "confirm=lockout");
    let record = state.records.change(&name, |record| {
        may_write(&record.writers, &caller, overriding, &state)?;
        refuse_lockout(
            &record.writers,
            WriterEdit::Add(&known),
            actor(&caller),
            unasked,
        )?;
        record.writers.add(known.iter().cloned());
        if record.writers.len() > MAX_WRITERS {
            return Err(too_many_writers());
        }
        Ok(())
    })?;
    Ok(HttpResponse::Ok().json(writers_of(&record)))
}

/// The refusals a write gets before its body is read: the token's access to the record, the
/// record's existence, its writer list.
fn check_writable(
    state: &State,
    caller: &Caller,
    name: &str,
    overriding: bool,
) -> Result<(), Refusal> {
    authorize_record(state, caller, name, Access::Write)?;
    let record = state.records.get(name).ok_or_else(no_such_subject)?;
    may_write(&record.writers, caller, overriding, state)
}

/// `Ok` when the caller's token may have `access` to the subject `name`: its scope, capped by
/// its owner's role, and its grants, which name the subject `subjects/{name}`.
fn authorize_record(
    state: &State,
    caller: &Caller,
    name: &str,
    access: Access,
) -> Result<(), Refusal> {
    let operation = match access {
        Access::Read => Operation::ReadData,
        Access::Write | Access::Delete => Operation::WriteData,
    };
    let resource = format!("subjects/{name}");
    refusal::authorize(
        Some(&caller.0),
        operation,
        Some((&resource, access)),
        &state.realm,
    )
}

/// `Ok` when the caller may change a record protected by `writers`; with `overriding`, an
/// admin user presenting a token of at least admin scope may change any record.
fn may_write(
    writers: &WriterList<String>,
    caller: &Caller,
    overriding: bool,
    state: &State,
) -> Result<(), Refusal> {
    match writers.permits(actor(caller), admin_override(Some(&caller.0), overriding)) {
        WriteDecision::Allow(_) => Ok(()),
        WriteDecision::Deny(denial) => Err(refusal::writer_denial(denial, &state.realm)),
    }
}

/// The caller, to a writer list: the token's owner.
fn actor(caller: &Caller) -> Actor<'_, str> {
    Actor::Authenticated(caller.0.token.owner.as_str())
}

/// Whether the query string holds `pair` (such as `override=admin`).
fn query_has(request: &HttpRequest, pair: &str) -> bool {
    request.query_string().split('&').any(|given| given == pair)
}

fn shown(record: &Record) -> Value {
    json!({ "name": record.name, "description": record.description, "writers": writers_of(record) })
}

fn writers_of(record: &Record) -> Vec<&str> {
    record.writers.iter().map(String::as_str).collect()
}

/// The body, at most [`MAX_BODY_BYTES`] (413 past that), read no further than that and for at
/// most [`BODY_TIMEOUT`] (408 past that: a slow client holds a connection no longer).
///
/// # Errors
/// 413 `payload_too_large`, 408 `request_timeout`, or 400 `bad_request_body` when the body
/// could not be read.
pub async fn read_body(payload: web::Payload) -> Result<Bytes, Refusal> {
    let read = payload.to_bytes_limited(MAX_BODY_BYTES);
    match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(Ok(Ok(body))) => Ok(body),
        Ok(Ok(Err(error))) => Err(refusal::unreadable_body(&error)),
        Ok(Err(_)) => Err(refusal::payload_too_large(MAX_BODY_BYTES)),
        Err(_) => Err(refusal::request_timeout(BODY_TIMEOUT)),
    }
}

/// The body as JSON of type `T`; 400 `bad_request_body` when it is not.
async fn json<T: DeserializeOwned>(payload: web::Payload) -> Result<T, Refusal> {
    let body = read_body(payload).await?;
    serde_json::from_slice(&body).map_err(|error| {
        bad_request(
            "bad_request_body",
            format!("the body is not the JSON this route takes: {error}"),
        )
    })
}

/// 400 with `code`.
fn bad_request(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(http::StatusCode::BAD_REQUEST, code, message)
}

fn no_such_subject() -> Refusal {
    not_found("subject")
}

/// 404 `not_found`: "no such {what}".
fn not_found(what: &str) -> Refusal {
    Refusal::new(
        http::StatusCode::NOT_FOUND,
        "not_found",
        format!("no such {what}"),
    )
}

/// 404 for a path no route matches (after authentication, as in the axum server).
pub async fn no_such_route() -> HttpResponse {
    answer::response(&not_found("route"))
}

/// 405 for a route that does not take the request's method.
async fn method_not_allowed() -> HttpResponse {
    answer::response(&Refusal::new(
        http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method",
    ))
}
