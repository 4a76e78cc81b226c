//! `/v1/aspects/{aspect}/samples/{subject}`: samples use their aspect's writer list.

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use axum::response::IntoResponse;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use tollgate::http::{Caller, Refusal, refusal};
use tollgate::scope::Access;
use tollgate::writers::{DepthLimit, Protection, ProtectionLookup, resolve};

use super::override_requested;
use super::records::{WRITE_ATTEMPTS, concurrent_change, existing};
use crate::access::{authorize_record, may_write_resolved};
use crate::app::AppState;
use crate::body::UnreadBody;
use crate::client_errors::{bad_request, not_found};
use crate::path::Path;
use crate::record_rules::valid_name;
use crate::records::{Kind, Record, SampleChange};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SampleValue {
    value: String,
}

/// A sample has no writer list: it inherits its aspect's.
struct SampleProtection<'a> {
    sample: &'a str,
    aspect: &'a Record,
}

impl ProtectionLookup<str> for SampleProtection<'_> {
    type Principal = String;

    fn protection(&self, record: &str) -> Option<Protection<'_, str, String>> {
        if record == self.sample {
            Some(Protection::InheritsFrom(self.aspect.name.as_str()))
        } else if record == self.aspect.name {
            Some(Protection::Own(&self.aspect.writers))
        } else {
            None
        }
    }
}

/// `Ok` when the caller may write samples of `aspect`.
fn may_write_sample(
    state: &AppState,
    caller: &Caller,
    aspect: &Record,
    subject: &str,
    query: Option<&str>,
) -> Result<(), Refusal> {
    let sample = format!("{}/{subject}", aspect.name);
    let lookup = SampleProtection {
        sample: &sample,
        aspect,
    };
    // A sample inherits from its aspect, which has its own list: only a defect fails here.
    let resolved = resolve(&lookup, sample.as_str(), DepthLimit::DEFAULT)
        .map_err(|error| refusal::internal(&error))?;
    may_write_resolved(&resolved, caller, override_requested(query), &state.realm)
}

/// Reads the aspect and the subject (404 when either is missing), checks that the caller may
/// write the aspect's samples, and applies `change` while the aspect's writer list is still
/// the one checked; otherwise reads and checks again. Whether the sample was new (put) or was
/// there (delete).
async fn write_sample(
    state: &AppState,
    caller: &Caller,
    aspect: &str,
    subject: &str,
    query: Option<&str>,
    change: SampleChange<'_>,
) -> Result<bool, Refusal> {
    for _ in 0..WRITE_ATTEMPTS {
        let aspect_record = existing(state, Kind::Aspects, aspect).await?;
        existing(state, Kind::Subjects, subject).await?;
        may_write_sample(state, caller, &aspect_record, subject, query)?;
        let checked = &aspect_record.writers;
        if let Some(answer) = state
            .records
            .change_sample(aspect, subject, checked, change)
            .await?
        {
            return Ok(answer);
        }
    }
    Err(concurrent_change())
}

/// Checks that the caller may have `access` to samples of `aspect`: for grants, a sample
/// counts as its aspect.
fn authorize_sample(
    state: &AppState,
    caller: &Caller,
    aspect: &str,
    access: Access,
) -> Result<(), Refusal> {
    authorize_record(caller, Kind::Aspects, aspect, access, &state.realm)
}

pub(crate) async fn put(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((aspect, subject)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: UnreadBody,
) -> Result<impl IntoResponse, Refusal> {
    authorize_sample(&state, &caller, &aspect, Access::Write)?;
    // Every 403 comes before the body is read: the aspect's writers are checked here and,
    // against the list the change is made on, again in `write_sample` (which also answers 404
    // for a missing subject).
    let aspect_record = existing(&state, Kind::Aspects, &aspect).await?;
    may_write_sample(&state, &caller, &aspect_record, &subject, query.as_deref())?;
    let body: SampleValue = body.json().await?;
    if body.value.contains('\0') {
        return Err(bad_request(
            "invalid_value",
            "a sample value cannot contain the NUL character",
        ));
    }
    let change = SampleChange::Put(&body.value);
    let created =
        write_sample(&state, &caller, &aspect, &subject, query.as_deref(), change).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({ "aspect": aspect, "subject": subject, "value": body.value })),
    ))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((aspect, subject)): Path<(String, String)>,
) -> Result<impl IntoResponse, Refusal> {
    authorize_sample(&state, &caller, &aspect, Access::Read)?;
    if !(valid_name(&aspect) && valid_name(&subject)) {
        return Err(not_found("sample"));
    }
    let value = state
        .records
        .sample(&aspect, &subject)
        .await?
        .ok_or_else(|| not_found("sample"))?;
    Ok(Json(
        json!({ "aspect": aspect, "subject": subject, "value": value }),
    ))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((aspect, subject)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Refusal> {
    authorize_sample(&state, &caller, &aspect, Access::Delete)?;
    if !valid_name(&subject) {
        // No subject can have this name, so no sample has it; the aspect must still exist.
        existing(&state, Kind::Aspects, &aspect).await?;
        return Err(not_found("sample"));
    }
    let change = SampleChange::Delete;
    if !write_sample(&state, &caller, &aspect, &subject, query.as_deref(), change).await? {
        return Err(not_found("sample"));
    }
    Ok(StatusCode::NO_CONTENT)
}
