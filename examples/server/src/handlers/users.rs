//! `/v1/users`: create (with an initial full-scope token) and list. Admin only.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use chrono::Utc;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate::http::{CallerToken, Refusal, refusal};
use tollgate::scope::{LimitsRequest, Role, Scope};
use tollgate::store::{User, UserName};
use tollgate::token::TokenName;

use super::no_store;
use super::tokens::{NewSigningKey, parse_signing_key};
use crate::app::AppState;
use crate::audit;
use crate::body::UnreadBody;
use crate::client_errors::bad_request;
use crate::paging::{PageQuery, next_link};

/// The name of the token every new user gets.
const INITIAL_TOKEN_NAME: &str = "initial";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    role: String,
    /// The key the initial token's requests must be signed with, as on `POST /v1/tokens`.
    signing_key: Option<NewSigningKey>,
}

/// Creates a user and their initial full-scope token, so that they can make their own tokens.
/// Issuing a credential is an account act: the caller needs a full-scope token and the admin
/// role, and the new token never exceeds the caller's (its expiry, origins and grants are the
/// caller's; so is its signing key, unless the request gives one). The user and the token are
/// stored together or not at all. The route's scope
/// layers have checked the role and the scope (`app::router`).
pub(crate) async fn create(
    State(state): State<AppState>,
    CallerToken(parent): CallerToken,
    body: UnreadBody,
) -> Result<impl IntoResponse, Refusal> {
    let body: NewUser = body.json().await?;
    let name = UserName::new(&body.name)
        .map_err(|error| bad_request("invalid_name", error.to_string()))?;
    let role: Role = body
        .role
        .parse()
        .map_err(|error: tollgate::scope::ParseRoleError| {
            bad_request("invalid_role", error.to_string())
        })?;
    let token_name = TokenName::new(INITIAL_TOKEN_NAME)
        .map_err(|error| bad_request("invalid_name", error.to_string()))?;
    let signing_key = body.signing_key.map(parse_signing_key).transpose()?;
    let user = User { name, role };
    let created = state
        .tokens
        .create_user_with_token(
            &parent,
            user.clone(),
            token_name,
            LimitsRequest {
                signing_key,
                ..LimitsRequest::new(Scope::Full)
            },
            Utc::now(),
        )
        .await
        .map_err(|error| refusal::derive_error(&error, &state.realm))?;
    audit::user_created(&state.tokens, &parent, &user).await;
    audit::token_created(&state.tokens, &parent, &created.record).await;
    let body = json!({
        "name": user.name.as_str(),
        "role": user.role.as_str(),
        "token": created.secret.expose_secret(),
        "token_id": created.record.id.0,
    });
    Ok((StatusCode::CREATED, no_store(), Json(body)))
}

/// Every user, by name ignoring case, a page at a time; the route's scope layer has checked
/// that the caller may read users (`app::router`).
pub(crate) async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Value>), Refusal> {
    let paging = PageQuery::parse(query.as_deref())?;
    // Cursors hold name keys, which are lowercase: each position has one cursor.
    let after = paging.after(|key| UserName::new(key).ok().filter(|name| name.key() == key))?;
    let page = state.tokens.users(after.as_ref(), paging.size).await?;
    let link = next_link("/v1/users", paging.size, &page, |user| user.name.key());
    let users = page
        .items
        .iter()
        .map(|u| json!({ "name": u.name.as_str(), "role": u.role.as_str() }))
        .collect();
    Ok((link, Json(Value::Array(users))))
}
