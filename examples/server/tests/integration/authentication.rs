//! docs/server-api.md "Authentication": how a token is presented, the ways a request can fail to
//! authenticate, and a token's life: expiry, deletion, revocation, another server.

use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};
use http::Method;
use serde_json::json;

use crate::support::{TestServer, UNKNOWN_TOKEN, text};

on_every_backend![
    missing_token_is_challenged,
    invalid_token_names_the_error,
    bearer_scheme_ignores_case_and_raw_token_is_accepted,
    expired_token_fails,
    deleted_token_fails_on_the_very_next_request,
    another_server_on_the_same_database_sees_tokens_and_revocations,
];

async fn missing_token_is_challenged(server: &TestServer) {
    // Before routing: even a path with no route asks for a token.
    for path in [
        "/v1/subjects",
        "/v1/users",
        "/v1/tokens/current",
        "/nowhere",
    ] {
        server
            .anonymous(Method::GET, path, None)
            .await
            .missing_token();
    }
}

async fn invalid_token_names_the_error(server: &TestServer) {
    server
        .get(UNKNOWN_TOKEN, "/v1/subjects")
        .await
        .invalid_token();
}

async fn bearer_scheme_ignores_case_and_raw_token_is_accepted(server: &TestServer) {
    let token = &server.admin_token;
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER {token}"),
        token.clone(),
    ] {
        let headers = [("authorization", value.as_bytes())];
        let current = server.get_with(None, "/v1/tokens/current", &headers).await;
        assert_eq!(current.ok(200)["user"], "admin");
    }
    // Only Bearer and the raw token: Part-DB's `Token` scheme is not enabled on this server.
    let value = format!("Token {token}");
    let headers = [("authorization", value.as_bytes())];
    server
        .get_with(None, "/v1/subjects", &headers)
        .await
        .invalid_token();
}

/// A token whose expiry time passes stops working on the next request, although the server
/// has it cached.
async fn expired_token_fails(server: &TestServer) {
    let expires_at = Utc::now() + TimeDelta::seconds(2);
    let body = json!({
        "name": "short-lived",
        "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    let created = server
        .post(&server.admin_token, "/v1/tokens", body)
        .await
        .ok(201);
    let token = text(&created["token"]);
    server.get(&token, "/v1/subjects").await.ok(200);

    let left = (expires_at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left + Duration::from_millis(10)).await;
    server.get(&token, "/v1/subjects").await.invalid_token();
    server
        .get(&token, "/v1/tokens/current")
        .await
        .invalid_token();
}

async fn deleted_token_fails_on_the_very_next_request(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let token = server.token(&alice, "read-only").await;
    let path = format!("/v1/tokens/{}", server.id_of(&token).await);
    server.delete(&alice, &path).await.ok(204);
    server.get(&token, "/v1/subjects").await.invalid_token();
    // Deleting it again: it is gone.
    server
        .delete(&alice, &path)
        .await
        .refused(404, "unknown_token");
    // A token can delete itself; its very next request fails.
    let own = format!("/v1/tokens/{}", server.id_of(&alice).await);
    server.delete(&alice, &own).await.ok(204);
    server.get(&alice, "/v1/subjects").await.invalid_token();
}

async fn another_server_on_the_same_database_sees_tokens_and_revocations(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "reader").await;
    server
        .revocation(&server.admin_token, &bob, "revoke")
        .await
        .ok(200);
    let again = TestServer::start_on(&server.database_url, &[]).await;
    let current = again.get(&alice, "/v1/tokens/current").await.ok(200);
    assert_eq!(
        (&current["user"], &current["scope"]),
        (&json!("alice"), &json!("full"))
    );
    again.get(&bob, "/v1/subjects").await.invalid_token();
    again.stop().await;
}
