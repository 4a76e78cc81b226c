//! `/v1/tokens`: create, list, current, rotate, delete (own tokens); revoke and restore (admin).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tollgate::cors::OriginPattern;
use tollgate::http::{CallerToken, Refusal, refusal};
use tollgate::limit::{Period, Quota, Rate};
use tollgate::scope::{
    Access, Grants, Limits, LimitsRequest, Operation, ResourceName, Scope, SignatureKey,
};
use tollgate::sign::VerifyingKey;
use tollgate::store::{AuditAction, Authenticated, CreatedToken, TokenId, TokenRecord};
use tollgate::token::TokenName;

use super::{no_store, rfc3339};
use crate::access::refuse_publishable;
use crate::app::AppState;
use crate::audit;
use crate::body::UnreadBody;
use crate::client_errors::{bad_request, not_found};
use crate::paging::{PageQuery, next_link};
use crate::path::Path;
use crate::record_rules::valid_name;
use crate::records::Kind;

/// The most allowed origins one token may carry: each is checked on every request.
const MAX_ALLOWED_ORIGINS: usize = 32;
/// The most resources one token's grants may name.
const MAX_GRANTS: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    name: String,
    kind: Option<String>,
    scope: Option<String>,
    expires_at: Option<String>,
    allowed_origins: Option<Vec<String>>,
    grants: Option<BTreeMap<String, Vec<String>>>,
    rate_limit: Option<String>,
    quota: Option<NewQuota>,
    signing_key: Option<NewSigningKey>,
}

/// `"signing_key": {"alg": "ed25519", "public_key": "<32 bytes, standard base64>"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSigningKey {
    alg: String,
    public_key: String,
}

/// `"quota": {"limit": 10000, "period": "month"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewQuota {
    limit: u64,
    period: String,
}

fn optional_time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| Value::String(rfc3339(at)))
}

/// 422 with a JSON body.
fn unprocessable(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// A token's limits and parentage, as every answer about a token shows them.
fn limits_fields(token: &TokenRecord) -> Map<String, Value> {
    let limits: &Limits = &token.limits;
    let origins: Option<Vec<String>> = limits
        .allowed_origins
        .as_ref()
        .map(|allowed| allowed.patterns().iter().map(ToString::to_string).collect());
    let grants = limits.grants.as_ref().map(|grants| {
        let mut shown: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (resource, access) in grants.iter() {
            shown
                .entry(resource.as_str())
                .or_default()
                .push(access.as_str());
        }
        shown
    });
    let mut fields = serde_json::Map::new();
    fields.insert("kind".into(), json!(limits.kind.as_str()));
    fields.insert("scope".into(), json!(limits.scope.as_str()));
    fields.insert("expires_at".into(), optional_time(limits.expires_at));
    fields.insert("allowed_origins".into(), json!(origins));
    fields.insert("grants".into(), json!(grants));
    fields.insert(
        "rate_limit".into(),
        json!(limits.rate_limit.map(|rate| rate.to_string())),
    );
    fields.insert("quota".into(), quota_json(limits.quota));
    fields.insert(
        "signing_key".into(),
        limits.signing_key.map_or(
            Value::Null,
            |key| json!({"alg": key.algorithm(), "public_key": STANDARD.encode(key.public_key())}),
        ),
    );
    fields.insert("parent_id".into(), json!(token.parent_id.map(|id| id.0)));
    fields
}

/// `{"limit": 10000, "period": "month"}`, or `null`.
fn quota_json(quota: Option<Quota>) -> Value {
    quota.map_or(
        Value::Null,
        |quota| json!({"limit": quota.limit(), "period": quota.period().as_str()}),
    )
}

/// When the token's secret was last replaced, and, during a grace period, when the secret
/// replaced stops working (`null` otherwise).
fn rotation_fields(fields: &mut Map<String, Value>, token: &TokenRecord) {
    fields.insert("rotated_at".into(), optional_time(token.rotated_at));
    let grace = token.grace_until(Utc::now());
    fields.insert("old_secret_expires_at".into(), optional_time(grace));
}

/// A token as listed: metadata and hint, never the secret or hash.
fn listed(token: &TokenRecord) -> Value {
    let mut fields = limits_fields(token);
    rotation_fields(&mut fields, token);
    fields.insert("id".into(), json!(token.id.0));
    fields.insert("name".into(), json!(token.name.as_str()));
    fields.insert("created_at".into(), json!(rfc3339(token.created_at)));
    fields.insert("last_used_at".into(), optional_time(token.last_used_at));
    fields.insert("revoked".into(), json!(token.revoked_at.is_some()));
    fields.insert("hint".into(), json!(token.hint.as_str()));
    Value::Object(fields)
}

/// A token just created, with its secret: shown once.
pub(crate) fn created(created: &CreatedToken) -> Value {
    let record = &created.record;
    let mut fields = limits_fields(record);
    rotation_fields(&mut fields, record);
    fields.insert("id".into(), json!(record.id.0));
    fields.insert("name".into(), json!(record.name.as_str()));
    fields.insert("created_at".into(), json!(rfc3339(record.created_at)));
    fields.insert("token".into(), json!(created.secret.expose_secret()));
    Value::Object(fields)
}

/// Grants as the request gives them: `{"aspects/cpu": ["read", "write"]}`. Resources are
/// `{kind}/{name}` of a record kind and a valid record name; samples count as their aspect.
fn parse_grants(given: BTreeMap<String, Vec<String>>) -> Result<Grants, Refusal> {
    if given.len() > MAX_GRANTS {
        return Err(bad_request(
            "invalid_grants",
            format!("grants may name at most {MAX_GRANTS} resources"),
        ));
    }
    let mut grants = Grants::new();
    for (resource, accesses) in given {
        let names_a_record = resource.split_once('/').is_some_and(|(kind, name)| {
            Kind::ALL.iter().any(|k| k.as_str() == kind) && valid_name(name)
        });
        let name = ResourceName::new(&resource).ok().filter(|_| names_a_record);
        let Some(name) = name else {
            return Err(bad_request(
                "invalid_grants",
                "grant resources are `subjects/NAME` or `aspects/NAME`",
            ));
        };
        for access in accesses {
            let access: Access = access.parse().map_err(|_| {
                bad_request(
                    "invalid_grants",
                    "grant accesses are `read`, `write` and `delete`",
                )
            })?;
            grants.insert(name.clone(), access);
        }
    }
    Ok(grants)
}

/// The new token's limits as the body asks, before the parent's limits are applied.
fn limits_request(body: NewToken) -> Result<(TokenName, LimitsRequest), Refusal> {
    let name = TokenName::new(&body.name)
        .map_err(|error| bad_request("invalid_name", error.to_string()))?;
    let kind = match body.kind.as_deref() {
        None => Default::default(),
        Some(text) => text
            .parse()
            .map_err(|error: tollgate::scope::ParseKindError| {
                bad_request("invalid_kind", error.to_string())
            })?,
    };
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
    let allowed_origins = body
        .allowed_origins
        .map(|origins| {
            if origins.len() > MAX_ALLOWED_ORIGINS {
                return Err(unprocessable(
                    "invalid_allowed_origin",
                    format!("a token may name at most {MAX_ALLOWED_ORIGINS} allowed origins"),
                ));
            }
            // Kept in normal form (`HTTPS://App.example.com:443` is `https://app.example.com`).
            origins
                .iter()
                .enumerate()
                .map(|(index, origin)| {
                    OriginPattern::parse(origin).map_err(|error| {
                        unprocessable(
                            "invalid_allowed_origin",
                            format!("allowed_origins[{index}]: {error}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, Refusal>>()
        })
        .transpose()?;
    let grants = body.grants.map(parse_grants).transpose()?;
    let rate_limit = body
        .rate_limit
        .map(|text| text.parse::<Rate>())
        .transpose()
        .map_err(|error| bad_request("invalid_rate_limit", error.to_string()))?;
    let quota = body
        .quota
        .map(|quota| {
            let period = quota.period.parse::<Period>()?;
            Quota::new(quota.limit, period)
        })
        .transpose()
        .map_err(|error| bad_request("invalid_quota", error.to_string()))?;
    let signing_key = body.signing_key.map(parse_signing_key).transpose()?;
    let request = LimitsRequest {
        kind,
        scope,
        expires_at,
        allowed_origins,
        grants,
        rate_limit,
        quota,
        signing_key,
    };
    Ok((name, request))
}

/// An Ed25519 public key that is a point of the curve: 400 `invalid_signing_key` otherwise.
pub(crate) fn parse_signing_key(given: NewSigningKey) -> Result<SignatureKey, Refusal> {
    let invalid = |message: String| bad_request("invalid_signing_key", message);
    let key = SignatureKey::from_parts(&given.alg, &given.public_key)
        .map_err(|error| invalid(error.to_string()))?;
    VerifyingKey::ed25519(key.public_key()).map_err(|error| invalid(error.to_string()))?;
    Ok(key)
}

/// A token derived from the caller's; the route's scope layer has checked that the caller may
/// manage their account, as it has for every handler below but `current` (`app::router`).
pub(crate) async fn create(
    State(state): State<AppState>,
    CallerToken(parent): CallerToken,
    body: UnreadBody,
) -> Result<impl IntoResponse, Refusal> {
    let (name, request) = limits_request(body.json().await?)?;
    let created_token = state
        .tokens
        .derive_token(&parent, name, request, Utc::now())
        .await
        .map_err(|error| refusal::derive_error(&error, &state.realm))?;
    audit::token_created(&state.tokens, &parent, &created_token.record).await;
    Ok((
        StatusCode::CREATED,
        no_store(),
        Json(created(&created_token)),
    ))
}

/// The caller's own tokens, oldest first, a page at a time.
pub(crate) async fn list(
    State(state): State<AppState>,
    CallerToken(found): CallerToken,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Value>), Refusal> {
    let paging = PageQuery::parse(query.as_deref())?;
    // Only the canonical spelling of an id the store could have given (ids start at 1): each
    // position has one cursor.
    let after = paging.after(|key| {
        let id: TokenId = key.parse().ok()?;
        (id.0 > 0 && id.to_string() == key).then_some(id)
    })?;
    let page = state
        .tokens
        .list_tokens(&found.token.owner, after, paging.size)
        .await?;
    let link = next_link("/v1/tokens", paging.size, &page, |token| {
        token.id.to_string()
    });
    Ok((link, Json(page.items.iter().map(listed).collect())))
}

/// The caller's token, whatever its scope; anonymous callers get 401 (the extractor) and
/// publishable tokens 403.
pub(crate) async fn current(
    State(state): State<AppState>,
    CallerToken(found): CallerToken,
) -> Result<Json<Value>, Refusal> {
    refuse_publishable(&found, &state.realm)?;
    let token = &found.token;
    let mut fields = limits_fields(token);
    fields.insert("id".into(), json!(token.id.0));
    fields.insert("name".into(), json!(token.name.as_str()));
    fields.insert("user".into(), json!(token.owner.as_str()));
    fields.insert("role".into(), json!(found.role.as_str()));
    fields.insert("created_at".into(), json!(rfc3339(token.created_at)));
    fields.insert("last_used_at".into(), optional_time(token.last_used_at));
    rotation_fields(&mut fields, token);
    Ok(Json(Value::Object(fields)))
}

/// `{"grace_seconds"?}`: how long the replaced secret keeps working (none by default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rotate {
    grace_seconds: Option<u64>,
}

/// `POST /v1/tokens/{id}/rotate`: a new secret for one of the caller's tokens (itself or one
/// made from it; the route's scope layer asks for a token that may manage the account), shown
/// once; the old secret keeps working for the grace period asked for, at most 7 days.
pub(crate) async fn rotate(
    State(state): State<AppState>,
    CallerToken(found): CallerToken,
    Path(id): Path<String>,
    body: UnreadBody,
) -> Result<impl IntoResponse, Refusal> {
    let id = token_id(&id)?;
    let Rotate { grace_seconds } = body.json().await?;
    let grace = core::time::Duration::from_secs(grace_seconds.unwrap_or(0));
    let rotated = state
        .tokens
        .rotate_token(&found, id, grace, Utc::now())
        .await?;
    audit::token_rotated(&state.tokens, &found, &rotated.record).await;
    Ok((StatusCode::CREATED, no_store(), Json(created(&rotated))))
}

/// `GET /v1/tokens/{id}/usage`: the uses of the token and the tokens derived from it in the
/// current period of its quota (a calendar month without one), for its owner (the route's
/// scope layer asks for a token that may manage the account) or an administrator (a token
/// that may read sensitive data). Anyone else learns nothing: 404, as for no token.
pub(crate) async fn usage(
    State(state): State<AppState>,
    CallerToken(found): CallerToken,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let id = token_id(&id)?;
    let token = state
        .tokens
        .token(id)
        .await?
        .ok_or_else(|| not_found("token"))?;
    let owns = token.owner.key() == found.token.owner.key();
    let administers = found
        .token
        .limits
        .check_operation(&found.role, Operation::ReadSensitive, None)
        .is_allowed();
    if !owns && !administers {
        return Err(not_found("token"));
    }
    let usage = state.tokens.usage(&token, Utc::now()).await?;
    let days: Vec<Value> = usage
        .days
        .iter()
        .map(|(day, uses)| json!({"day": day.to_string(), "uses": uses}))
        .collect();
    Ok(Json(json!({
        "period": usage.period.as_str(),
        "period_start": usage.period_start.to_string(),
        "used": usage.used,
        "limit": usage.quota.map(|quota| quota.limit()),
        "days": days,
    })))
}

/// A token id from the path; anything that is not one names no token.
fn token_id(text: &str) -> Result<TokenId, Refusal> {
    text.parse().map_err(|_| not_found("token"))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    CallerToken(found): CallerToken,
    Path(id): Path<String>,
) -> Result<StatusCode, Refusal> {
    let id = token_id(&id)?;
    state
        .tokens
        .delete_token(id, &found.token.owner, Utc::now())
        .await?;
    audit::token_changed(&state.tokens, &found, id, AuditAction::TokenDeleted).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/tokens/{id}/revoke`, for administrators (the route's scope layer).
pub(crate) async fn revoke(
    State(state): State<AppState>,
    CallerToken(by): CallerToken,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    set_revocation(&state, &by, &id, Revocation::Revoke).await
}

/// `POST /v1/tokens/{id}/restore`, for administrators (the route's scope layer).
pub(crate) async fn restore(
    State(state): State<AppState>,
    CallerToken(by): CallerToken,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    set_revocation(&state, &by, &id, Revocation::Restore).await
}

#[derive(Debug, Clone, Copy)]
enum Revocation {
    Revoke,
    Restore,
}

async fn set_revocation(
    state: &AppState,
    by: &Authenticated,
    id: &str,
    change: Revocation,
) -> Result<Json<Value>, Refusal> {
    let id = token_id(id)?;
    let done = match change {
        Revocation::Revoke => {
            state.tokens.revoke(id, Utc::now()).await?;
            AuditAction::TokenRevoked
        }
        Revocation::Restore => {
            state.tokens.restore(id).await?;
            AuditAction::TokenRestored
        }
    };
    audit::token_changed(&state.tokens, by, id, done).await;
    let token = state
        .tokens
        .token(id)
        .await?
        .ok_or_else(|| not_found("token"))?;
    Ok(Json(listed(&token)))
}
