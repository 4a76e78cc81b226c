//! SERVER-API.md "Authentication": the three ways a request can fail to authenticate.

use http::header::WWW_AUTHENTICATE;
use serde_json::Value;

use crate::support::{Backend, TestServer};

on_every_backend![missing_token_is_challenged, invalid_token_names_the_error];

async fn missing_token_is_challenged(backend: Backend) {
    let Some(server) = TestServer::start(backend, &[]).await else {
        return;
    };
    let response = server
        .client
        .get(server.url("/v1/subjects"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()[WWW_AUTHENTICATE],
        r#"Bearer realm="tollgate""#
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "missing_token");
    server.stop().await;
}

async fn invalid_token_names_the_error(backend: Backend) {
    let Some(server) = TestServer::start(backend, &[]).await else {
        return;
    };
    let response = server
        .client
        .get(server.url("/v1/subjects"))
        .bearer_auth("tg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1qHCnl")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()[WWW_AUTHENTICATE],
        r#"Bearer realm="tollgate", error="invalid_token""#
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_token");
    server.stop().await;
}
