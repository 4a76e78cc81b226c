//! `/v1/tokens`: create, list, current, delete (own tokens); revoke and restore (admin).

use axum::Json;
use axum::extract::{Extension, State};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate::cors::OriginPattern;
use tollgate::http::{ApiError, Caller, refusal};
use tollgate::scope::{Decision, MintDenial, Operation, Scope, check_mint};
use tollgate::store::{TokenId, TokenRecord, TokenRequest};
use tollgate::token::TokenName;

use super::rfc3339;
use crate::api::access::{Failure, Outcome, authorize, bad_request, not_found, token_of};
use crate::api::app::AppState;
use crate::api::body::JsonBody;
use crate::api::path::Path;

/// The most allowed origins one token may carry: each is checked on every request.
const MAX_ALLOWED_ORIGINS: usize = 32;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    name: String,
    scope: Option<String>,
    expires_at: Option<String>,
    allowed_origins: Option<Vec<String>>,
}

fn optional_time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| Value::String(rfc3339(at)))
}

/// A token as listed: metadata and hint, never the secret or hash.
fn listed(token: &TokenRecord) -> Value {
    json!({
        "id": token.id.0,
        "name": token.name.as_str(),
        "scope": token.scope.as_str(),
        "created_at": rfc3339(token.created_at),
        "expires_at": optional_time(token.expires_at),
        "last_used_at": optional_time(token.last_used_at),
        "revoked": token.revoked_at.is_some(),
        "hint": token.hint.as_str(),
    })
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<NewToken>,
) -> Outcome<impl IntoResponse> {
    let Some(found) = authorize(&caller, Operation::ManageAccount, &state.realm)? else {
        return Err(refusal::missing_token(&state.realm).into());
    };
    let name = TokenName::new(&body.name)
        .map_err(|error| bad_request("invalid_name", error.to_string()))?;
    let scope = match body.scope.as_deref() {
        None => Scope::ReadOnly,
        Some(text) => text
            .parse()
            .map_err(|error: tollgate::scope::ParseScopeError| {
                bad_request("invalid_scope", error.to_string())
            })?,
    };
    let expires_at = body
        .expires_at
        .as_deref()
        .map(|text| DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc)))
        .transpose()
        .map_err(|_| {
            bad_request(
                "invalid_expires_at",
                "expires_at must be an RFC 3339 time such as 2030-01-01T00:00:00Z",
            )
        })?;
    let allowed_origins = body.allowed_origins.unwrap_or_default();
    if allowed_origins.len() > MAX_ALLOWED_ORIGINS {
        return Err(bad_request(
            "invalid_allowed_origin",
            format!("a token may name at most {MAX_ALLOWED_ORIGINS} allowed origins"),
        ));
    }
    // Stored in normal form (`HTTPS://App.example.com:443` becomes `https://app.example.com`).
    let allowed_origins = allowed_origins
        .iter()
        .enumerate()
        .map(|(index, origin)| {
            OriginPattern::parse(origin)
                .map(|pattern| pattern.to_string())
                .map_err(|error| {
                    bad_request(
                        "invalid_allowed_origin",
                        format!("allowed_origins[{index}]: {error}"),
                    )
                })
        })
        .collect::<Outcome<Vec<_>>>()?;
    match check_mint(found.token.scope, &found.role, scope) {
        Decision::Allow => {}
        Decision::Deny(MintDenial::CannotManageTokens(denial)) => {
            return Err(refusal::scope_denial(&denial, &state.realm).into());
        }
        Decision::Deny(denial @ MintDenial::ScopeAboveUser { .. }) => {
            return Err(Failure(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "scope_above_role",
                denial.to_string(),
            )));
        }
    }
    let request = TokenRequest {
        owner: found.token.owner.clone(),
        name,
        scope,
        expires_at,
        allowed_origins,
    };
    let created = state.tokens.create_token(&request, Utc::now()).await?;
    let record = &created.record;
    let body = json!({
        "id": record.id.0,
        "name": record.name.as_str(),
        "scope": record.scope.as_str(),
        "created_at": rfc3339(record.created_at),
        "expires_at": optional_time(record.expires_at),
        "allowed_origins": record.allowed_origins,
        "token": created.secret.expose_secret(),
    });
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Outcome<Json<Value>> {
    let Some(found) = authorize(&caller, Operation::ManageAccount, &state.realm)? else {
        return Err(refusal::missing_token(&state.realm).into());
    };
    let tokens = state.tokens.list_tokens(&found.token.owner).await?;
    Ok(Json(Value::Array(tokens.iter().map(listed).collect())))
}

pub(crate) async fn current(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Outcome<Json<Value>> {
    let token = &token_of(&caller, &state.realm)?.token;
    Ok(Json(json!({
        "id": token.id.0,
        "name": token.name.as_str(),
        "user": token.owner.as_str(),
        "scope": token.scope.as_str(),
        "created_at": rfc3339(token.created_at),
        "expires_at": optional_time(token.expires_at),
        "last_used_at": optional_time(token.last_used_at),
    })))
}

/// A token id from the path; anything that is not one names no token.
fn token_id(text: &str) -> Outcome<TokenId> {
    text.parse().map_err(|_| not_found("token"))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Outcome<StatusCode> {
    let Some(found) = authorize(&caller, Operation::ManageAccount, &state.realm)? else {
        return Err(refusal::missing_token(&state.realm).into());
    };
    state
        .tokens
        .delete_token(token_id(&id)?, &found.token.owner)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke or restore, for administrators.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Revocation {
    Revoke,
    Restore,
}

pub(crate) async fn set_revocation(
    state: AppState,
    caller: Caller,
    id: String,
    change: Revocation,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::WriteSensitive, &state.realm)?;
    let id = token_id(&id)?;
    match change {
        Revocation::Revoke => state.tokens.revoke(id, Utc::now()).await?,
        Revocation::Restore => state.tokens.restore(id).await?,
    }
    let token = state
        .tokens
        .token(id)
        .await?
        .ok_or_else(|| not_found("token"))?;
    Ok(Json(listed(&token)))
}
