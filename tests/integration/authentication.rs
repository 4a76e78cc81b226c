//! SERVER-API.md "Authentication": how a token is presented, the ways a request can fail to
//! authenticate, and a token's life: expiry, deletion, revocation, a restart.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::json;

use crate::support::{TestServer, text};

on_every_backend![
    missing_token_is_challenged,
    invalid_token_names_the_error,
    bearer_scheme_ignores_case_and_raw_token_is_accepted,
    expired_token_fails,
    deleted_token_fails_on_the_very_next_request,
    tokens_and_revocations_survive_a_restart,
];

async fn missing_token_is_challenged(server: &TestServer) {
    for path in [
        "/v1/subjects",
        "/v1/users",
        "/v1/tokens/current",
        "/nowhere",
    ] {
        let reply = crate::support::send(server.request(http::Method::GET, path)).await;
        reply.missing_token();
    }
}

async fn invalid_token_names_the_error(server: &TestServer) {
    let unknown = "tg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1qHCnl";
    server.get(unknown, "/v1/subjects").await.invalid_token();
}

async fn bearer_scheme_ignores_case_and_raw_token_is_accepted(server: &TestServer) {
    let token = &server.admin_token;
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER {token}"),
        token.clone(),
    ] {
        let request = server
            .request(http::Method::GET, "/v1/tokens/current")
            .header("authorization", value);
        let current = crate::support::send(request).await.ok(200);
        assert_eq!(current["user"], "admin");
    }
    // Only Bearer and the raw token: Part-DB's `Token` scheme is not enabled on this server.
    let request = server
        .request(http::Method::GET, "/v1/subjects")
        .header("authorization", format!("Token {token}"));
    crate::support::send(request).await.invalid_token();
}

async fn expired_token_fails(server: &TestServer) {
    let expires_at = Utc::now() + chrono::TimeDelta::milliseconds(1500);
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
    tokio::time::sleep(Duration::from_millis(1600)).await;
    server.get(&token, "/v1/subjects").await.invalid_token();
    server
        .get(&token, "/v1/tokens/current")
        .await
        .invalid_token();
}

async fn deleted_token_fails_on_the_very_next_request(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let token = server.token(&alice, "read-only").await;
    let current = server.get(&token, "/v1/tokens/current").await.ok(200);
    let path = format!("/v1/tokens/{}", current["id"]);
    server.delete(&alice, &path).await.ok(204);
    server.get(&token, "/v1/subjects").await.invalid_token();
    // Deleting it again: it is gone.
    server
        .delete(&alice, &path)
        .await
        .refused(404, "unknown_token");
    // A token can delete itself; its very next request fails.
    let current = server.get(&alice, "/v1/tokens/current").await.ok(200);
    let own = format!("/v1/tokens/{}", current["id"]);
    server.delete(&alice, &own).await.ok(204);
    server.get(&alice, "/v1/subjects").await.invalid_token();
}

async fn tokens_and_revocations_survive_a_restart(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "reader").await;
    let current = server.get(&bob, "/v1/tokens/current").await.ok(200);
    let revoke = format!("/v1/tokens/{}/revoke", current["id"]);
    server
        .call(http::Method::POST, &server.admin_token, &revoke, None)
        .await
        .ok(200);
    // A second server on the same database sees the same tokens and the same revocation.
    let again = TestServer::start_on(&server.database_url, &[]).await;
    let current = again.get(&alice, "/v1/tokens/current").await.ok(200);
    assert_eq!(
        (&current["user"], &current["scope"]),
        (&json!("alice"), &json!("full"))
    );
    again.get(&bob, "/v1/subjects").await.invalid_token();
    again.stop().await;
}
