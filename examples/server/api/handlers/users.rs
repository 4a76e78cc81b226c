//! `/v1/users`: create (with an initial full-scope token) and list. Admin only.

use axum::Json;
use axum::extract::{Extension, State};
use axum::response::IntoResponse;
use chrono::Utc;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate::http::Caller;
use tollgate::scope::{Operation, Role, Scope};
use tollgate::store::{TokenRequest, UserName};
use tollgate::token::TokenName;

use crate::api::access::{Outcome, authorize, bad_request};
use crate::api::app::AppState;
use crate::api::body::JsonBody;

/// The name of the token every new user gets.
const INITIAL_TOKEN_NAME: &str = "initial";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    role: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<NewUser>,
) -> Outcome<impl IntoResponse> {
    authorize(&caller, Operation::WriteSensitive, &state.realm)?;
    let name = UserName::new(&body.name)
        .map_err(|error| bad_request("invalid_name", error.to_string()))?;
    let role: Role = body
        .role
        .parse()
        .map_err(|error: tollgate::scope::ParseRoleError| {
            bad_request("invalid_role", error.to_string())
        })?;
    let now = Utc::now();
    let user = state.tokens.create_user(name, role, now).await?;
    let created = create_initial_token(&state, &user.name).await?;
    let body = json!({ "name": user.name.as_str(), "role": user.role.as_str(), "token": created });
    Ok((StatusCode::CREATED, Json(body)))
}

/// Creates the user's initial full-scope token and returns its secret. Creating a user is an
/// administrator's act, so the minting rule (which caps self-service tokens) does not apply.
pub(crate) async fn create_initial_token(state: &AppState, owner: &UserName) -> Outcome<String> {
    let name = TokenName::new(INITIAL_TOKEN_NAME)
        .map_err(|error| bad_request("invalid_name", error.to_string()))?;
    let request = TokenRequest {
        owner: owner.clone(),
        name,
        scope: Scope::Full,
        expires_at: None,
        allowed_origins: Vec::new(),
    };
    let created = state.tokens.create_token(&request, Utc::now()).await?;
    Ok(created.secret.expose_secret().to_owned())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Outcome<Json<Value>> {
    authorize(&caller, Operation::ReadSensitive, &state.realm)?;
    let users = state.tokens.users().await?;
    let users: Vec<Value> = users
        .iter()
        .map(|u| json!({ "name": u.name.as_str(), "role": u.role.as_str() }))
        .collect();
    Ok(Json(Value::Array(users)))
}
