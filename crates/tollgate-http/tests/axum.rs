//! The layers and extractors in an axum application: the scope is checked before any body is
//! read, and handlers receive the authenticated token without matching on `Caller`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use http::{Request, StatusCode};
use serde_json::Value;
use tollgate_http::{AuthLayer, Caller, CallerToken, Realm, ScopeLayer, TokenRequirement};
use tollgate_scope::{Limits, Operation, Role, Scope};
use tollgate_store::{MemoryStorage, TokenRequest, TokenService, UserName};
use tollgate_token::{TokenFormat, TokenName};
use tower::ServiceExt;

/// The application: notes that only tokens allowed to write data may post, and two ways of
/// naming the caller. Tokens are optional, so anonymous requests reach the extractors.
async fn app() -> (Router, String, String) {
    let tokens = Arc::new(TokenService::new(
        MemoryStorage::new(),
        TokenFormat::new("tg").unwrap(),
    ));
    let now = Utc::now();
    let alice = UserName::new("alice").unwrap();
    tokens
        .create_user(alice.clone(), Role::Editor, now)
        .await
        .unwrap();
    let mut secrets = Vec::new();
    for (name, scope) in [("reader", Scope::ReadOnly), ("writer", Scope::Edit)] {
        let request = TokenRequest::new(
            alice.clone(),
            TokenName::new(name).unwrap(),
            Limits::new(scope),
        );
        let created = tokens.create_token(&request, now).await.unwrap();
        secrets.push(created.secret.expose_secret().to_owned());
    }
    let auth = AuthLayer::new(
        tokens,
        Realm::new("notes").unwrap(),
        TokenRequirement::Optional,
    );
    let router = Router::new()
        .route(
            "/notes",
            post(|Json(note): Json<Value>| async move { Json(note) })
                .route_layer(ScopeLayer::new(Operation::WriteData)),
        )
        .route(
            "/me",
            get(|CallerToken(found): CallerToken| async move { found.token.owner.to_string() }),
        )
        .route(
            "/caller",
            get(|caller: Caller| async move {
                match caller {
                    Caller::Token(found) => found.token.name.as_str().to_owned(),
                    Caller::Anonymous => "anonymous".to_owned(),
                }
            }),
        )
        .route(
            "/maybe",
            get(|token: Option<CallerToken>| async move {
                token.map_or("anonymous".to_owned(), |CallerToken(found)| {
                    found.token.name.as_str().to_owned()
                })
            }),
        )
        .layer(auth);
    let writer = secrets.pop().unwrap();
    let reader = secrets.pop().unwrap();
    (router, reader, writer)
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn a_read_only_token_is_refused_a_write_before_its_body_is_read() {
    let (app, reader, writer) = app().await;
    // The body is not JSON: had it been read first, the answer would be 400.
    let (status, body) = send(&app, "POST", "/notes", Some(&reader), "{not json").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("insufficient_scope"), "{body}");
    // A token that may write reaches the handler, whose extractor refuses the body.
    let (status, _) = send(&app, "POST", "/notes", Some(&writer), "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = send(&app, "POST", "/notes", Some(&writer), "{\"text\":\"hi\"}").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "{\"text\":\"hi\"}")
    );
    // Anonymous callers never write.
    let (status, body) = send(&app, "POST", "/notes", None, "{}").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn handlers_receive_the_token_or_refuse_anonymous_callers() {
    let (app, reader, _) = app().await;
    assert_eq!(
        send(&app, "GET", "/me", Some(&reader), "").await,
        (StatusCode::OK, "alice".to_owned())
    );
    let (status, body) = send(&app, "GET", "/me", None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("missing_token"), "{body}");
}

#[tokio::test]
async fn an_optional_token_and_the_caller_show_anonymous_callers() {
    let (app, reader, _) = app().await;
    for path in ["/maybe", "/caller"] {
        assert_eq!(
            send(&app, "GET", path, Some(&reader), "").await,
            (StatusCode::OK, "reader".to_owned())
        );
        assert_eq!(
            send(&app, "GET", path, None, "").await,
            (StatusCode::OK, "anonymous".to_owned())
        );
    }
}

#[tokio::test]
async fn extractors_outside_an_auth_layer_fail_closed() {
    let app = Router::new().route(
        "/me",
        get(|CallerToken(found): CallerToken| async move { found.token.owner.to_string() }),
    );
    let (status, body) = send(&app, "GET", "/me", None, "").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("internal"), "{body}");
}
