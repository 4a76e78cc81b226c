//! docs/server-api.md `REQUIRE_ACCESS_TOKEN=false`: requests without a token read non-sensitive
//! data only; a token that is presented is still verified.

use http::Method;
use serde_json::json;

use crate::support::TestServer;

const OPTIONAL: &[(&str, &str)] = &[("REQUIRE_ACCESS_TOKEN", "false")];

on_every_backend![
    anonymous_reads_work with OPTIONAL,
    anonymous_writes_and_sensitive_reads_are_refused with OPTIONAL,
    presented_tokens_are_still_verified with OPTIONAL,
];

async fn anonymous_reads_work(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    server
        .add_writers(admin, "aspects", "cpu", &["admin"])
        .await;
    let sample = "/v1/aspects/cpu/samples/host1";
    server
        .put(admin, sample, json!({"value": "7"}))
        .await
        .ok(201);
    let read = async |path: &str| server.anonymous(Method::GET, path, None).await.ok(200);
    assert_eq!(read("/v1/subjects").await[0]["name"], "host1");
    assert_eq!(read("/v1/aspects/cpu").await["writers"], json!(["admin"]));
    assert_eq!(read("/v1/aspects/cpu/writers").await, json!(["admin"]));
    assert_eq!(read(sample).await["value"], "7");
    let missing = server
        .anonymous(Method::GET, "/v1/subjects/ghost", None)
        .await;
    missing.refused(404, "not_found");
}

async fn anonymous_writes_and_sensitive_reads_are_refused(server: &TestServer) {
    server.subject_and_aspect(&server.admin_token).await;
    let refused = [
        (Method::POST, "/v1/subjects", Some(json!({"name": "new"}))),
        (
            Method::PATCH,
            "/v1/subjects/host1",
            Some(json!({"description": "x"})),
        ),
        (Method::DELETE, "/v1/subjects/host1", None),
        (
            Method::POST,
            "/v1/subjects/host1/writers",
            Some(json!(["admin"])),
        ),
        (Method::DELETE, "/v1/subjects/host1/writers", None),
        (
            Method::PUT,
            "/v1/aspects/cpu/samples/host1",
            Some(json!({"value": "1"})),
        ),
        (Method::DELETE, "/v1/aspects/cpu/samples/host1", None),
        (Method::GET, "/v1/users", None),
        (
            Method::POST,
            "/v1/users",
            Some(json!({"name": "eve", "role": "admin"})),
        ),
        (Method::GET, "/v1/tokens", None),
        (Method::POST, "/v1/tokens", Some(json!({"name": "mine"}))),
        (Method::GET, "/v1/tokens/current", None),
        (Method::GET, "/api/tokens/current", None),
        (Method::POST, "/v1/tokens/1/revoke", None),
        (Method::DELETE, "/v1/tokens/1", None),
    ];
    for (method, path, body) in refused {
        server
            .anonymous(method, path, body.as_ref())
            .await
            .missing_token();
    }
    // Nothing changed.
    let subject = server
        .get(&server.admin_token, "/v1/subjects/host1")
        .await
        .ok(200);
    assert_eq!(
        subject,
        json!({"name": "host1", "description": null, "writers": []})
    );
    let users = server.get(&server.admin_token, "/v1/users").await.ok(200);
    assert_eq!(users.as_array().map(Vec::len), Some(1));
}

async fn presented_tokens_are_still_verified(server: &TestServer) {
    let unknown = "tgsk_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg48XjfY";
    for token in [unknown, "not-a-token", ""] {
        server.get(token, "/v1/subjects").await.invalid_token();
    }
    // A revoked token does not fall back to anonymous either.
    let alice = server.user("alice", "reader").await;
    let admin = &server.admin_token;
    server.revocation(admin, &alice, "revoke").await.ok(200);
    server.get(&alice, "/v1/subjects").await.invalid_token();
    // And a good token acts as its user.
    let current = server.get(admin, "/v1/tokens/current").await.ok(200);
    assert_eq!(current["user"], "admin");
}
