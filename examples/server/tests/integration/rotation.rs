//! docs/server-api.md "Rotation": `POST /v1/tokens/{id}/rotate` gives a token a new secret,
//! shown once, for the same token record; the old secret keeps working for the grace period
//! asked for and then fails; rotating again ends a grace period at once; a token may rotate only
//! itself and the tokens made from it, with its current secret; every rotation is audited. A
//! rotation made through one instance reaches the others (PostgreSQL).

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::binary::{Running, mint, server_binary};
use crate::support::{Reply, TestServer, postgres_database_url, send, text};

on_every_backend![
    the_new_secret_works_and_the_old_one_for_its_grace_period,
    rotating_again_ends_the_grace_period_at_once,
    only_the_token_and_the_tokens_made_from_it_may_rotate_it,
];

/// `POST /v1/tokens/{id}/rotate` as the holder of `by`, with `body`.
async fn rotate(server: &TestServer, by: &str, id: &Value, body: Value) -> Reply {
    server
        .post(by, &format!("/v1/tokens/{id}/rotate"), body)
        .await
}

/// A new full-scope token of the admin's named `name`: its secret and its id.
async fn admins_token(server: &TestServer, name: &str) -> (String, Value) {
    let body = json!({"name": name, "scope": "full"});
    let created = server
        .post(&server.admin_token, "/v1/tokens", body)
        .await
        .ok(201);
    (text(&created["token"]), created["id"].clone())
}

async fn the_new_secret_works_and_the_old_one_for_its_grace_period(server: &TestServer) {
    let (old, id) = admins_token(server, "deploy").await;
    let reply = rotate(server, &old, &id, json!({"grace_seconds": 2})).await;
    assert_eq!(reply.expect(201).header("cache-control"), Some("no-store"));
    let rotated = reply.body;
    let new = text(&rotated["token"]);
    assert_ne!(new, old);
    assert_eq!((&rotated["id"], &rotated["name"]), (&id, &json!("deploy")));
    assert!(rotated["rotated_at"].is_string(), "{rotated}");
    assert!(rotated["old_secret_expires_at"].is_string(), "{rotated}");

    // Both secrets work during the grace period, for the same token.
    for secret in [&old, &new] {
        let current = server.get(secret, "/v1/tokens/current").await.ok(200);
        assert_eq!(current["id"], id);
    }
    let listed = server.listed_token(&new, "deploy").await;
    assert_eq!(listed["rotated_at"], rotated["rotated_at"]);
    assert_eq!(
        listed["old_secret_expires_at"],
        rotated["old_secret_expires_at"]
    );

    // Then the old one fails like a revoked one; the new one goes on.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    server
        .get(&old, "/v1/tokens/current")
        .await
        .refused(401, "invalid_token");
    server.get(&new, "/v1/tokens/current").await.ok(200);
    let listed = server.listed_token(&new, "deploy").await;
    assert_eq!(listed["old_secret_expires_at"], Value::Null);

    // Without a grace period (`{}`), the old secret fails at once.
    rotate(server, &new, &id, json!({})).await.ok(201);
    server
        .get(&new, "/v1/tokens/current")
        .await
        .refused(401, "invalid_token");

    let audit = server
        .get(&server.admin_token, "/v1/audit?action=token_rotated")
        .await
        .ok(200);
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    assert_eq!(entries[0]["target"], format!("token:{id}"));
    assert_eq!(entries[0]["outcome"], "old secret ended");
    assert!(
        entries[1]["outcome"]
            .as_str()
            .unwrap()
            .starts_with("old secret until "),
        "{audit}"
    );
}

async fn rotating_again_ends_the_grace_period_at_once(server: &TestServer) {
    let (first, id) = admins_token(server, "deploy").await;
    let hour = json!({"grace_seconds": 3600});
    let second = text(&rotate(server, &first, &id, hour.clone()).await.ok(201)["token"]);
    server.get(&first, "/v1/tokens/current").await.ok(200);
    let third = text(&rotate(server, &second, &id, hour).await.ok(201)["token"]);
    server
        .get(&first, "/v1/tokens/current")
        .await
        .refused(401, "invalid_token");
    for secret in [&second, &third] {
        server.get(secret, "/v1/tokens/current").await.ok(200);
    }
    // The longest grace period is 7 days.
    rotate(server, &third, &id, json!({"grace_seconds": 604_801}))
        .await
        .refused(422, "invalid_grace");
    rotate(server, &third, &id, json!({"grace_seconds": -1}))
        .await
        .refused(400, "bad_request_body");
}

async fn only_the_token_and_the_tokens_made_from_it_may_rotate_it(server: &TestServer) {
    let (parent, parent_id) = admins_token(server, "parent").await;
    let body = json!({"name": "child", "scope": "full"});
    let child = server.post(&parent, "/v1/tokens", body).await.ok(201);
    let (child_id, child) = (child["id"].clone(), text(&child["token"]));

    // A child may not take its parent's secret; a parent may rotate its child.
    rotate(server, &child, &parent_id, json!({}))
        .await
        .refused(403, "rotation_not_allowed");
    let rotated = rotate(server, &parent, &child_id, json!({})).await.ok(201);
    server
        .get(&child, "/v1/tokens/current")
        .await
        .refused(401, "invalid_token");
    server
        .get(&text(&rotated["token"]), "/v1/tokens/current")
        .await
        .ok(200);

    // Someone else's token is not found; a token that cannot manage the account is refused
    // before anything is looked up.
    let bob = server.user("bob", "editor").await;
    let bobs_id = server.id_of(&bob).await;
    rotate(server, &parent, &bobs_id, json!({}))
        .await
        .refused(404, "unknown_token");
    let reader = server.token(&parent, "read-only").await;
    let reader_id = server.id_of(&reader).await;
    rotate(server, &reader, &reader_id, json!({}))
        .await
        .refused(403, "insufficient_scope");

    // The old secret, during its grace period, rotates nothing.
    let (old, id) = admins_token(server, "graced").await;
    rotate(server, &old, &id, json!({"grace_seconds": 60}))
        .await
        .ok(201);
    rotate(server, &old, &id, json!({}))
        .await
        .refused(403, "rotation_not_allowed");
}

/// Two server processes on one PostgreSQL database, caches warm: a secret rotated away through
/// one is refused by the other as soon as the change notification arrives, and the new secret
/// works there at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn a_rotation_through_one_instance_reaches_the_other() {
    let binary = server_binary();
    let url = postgres_database_url().await;
    let admin = mint(&binary, &url, "admin");
    let vars = [
        ("TOLLGATE_TOKEN_CACHE_TTL", "3600s"),
        ("TOLLGATE_AUTH_FAILURES_PER_MINUTE", "1000000"),
        ("DATABASE_URL", url.as_str()),
    ];
    let a = Running::start(&binary, &vars).await;
    let b = Running::start(&binary, &vars).await;
    let client = reqwest::Client::new();
    let current = |server: &Running, token: &str| {
        let request = client
            .get(format!("{}/v1/tokens/current", server.base))
            .bearer_auth(token);
        async move { send(request).await.status }
    };
    // Warm: b answers the admin's token from its cache from now on.
    assert_eq!(current(&b, &admin).await, 200);
    let id = send(
        client
            .get(format!("{}/v1/tokens/current", a.base))
            .bearer_auth(&admin),
    )
    .await
    .ok(200)["id"]
        .clone();
    let rotated = send(
        client
            .post(format!("{}/v1/tokens/{id}/rotate", a.base))
            .bearer_auth(&admin)
            .json(&json!({})),
    )
    .await
    .ok(201);
    let new = text(&rotated["token"]);
    assert_eq!(current(&b, &new).await, 200);
    let start = tokio::time::Instant::now();
    while current(&b, &admin).await != 401 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the old secret still works on the other instance"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
