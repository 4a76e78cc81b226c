//! docs/server-api.md "Publishable tokens": `tgpk_` tokens for web pages, read-only, bound to
//! origins, never minting.

use http::Method;
use serde_json::json;

use crate::support::{TestServer, text};

on_every_backend![
    publishable_tokens_read_from_their_origins_only,
    publishable_tokens_need_origins_and_read_only_scope,
];

const SHOP: &str = "https://shop.example.com";

async fn publishable_tokens_read_from_their_origins_only(server: &TestServer) {
    server.subject_and_aspect(&server.admin_token).await;
    let body = json!({"name": "page", "kind": "publishable", "allowed_origins": [SHOP]});
    let created = server
        .post(&server.admin_token, "/v1/tokens", body)
        .await
        .ok(201);
    assert_eq!(
        (&created["kind"], &created["scope"]),
        (&json!("publishable"), &json!("read-only"))
    );
    let token = text(&created["token"]);
    assert!(token.starts_with("tgpk_"), "{token}");
    let listed = server.listed_token(&server.admin_token, "page").await;
    assert_eq!(listed["kind"], "publishable");
    assert!(text(&listed["hint"]).starts_with("tgpk_"));

    // Non-sensitive reads, from its origin.
    server
        .call_from(SHOP, Method::GET, &token, "/v1/subjects", None)
        .await
        .ok(200);
    server
        .call_from(SHOP, Method::GET, &token, "/v1/aspects/cpu/writers", None)
        .await
        .ok(200);
    // Not without it.
    server
        .get(&token, "/v1/subjects")
        .await
        .refused(403, "origin_not_allowed");
    // Nothing else.
    let refused = [
        (Method::POST, "/v1/subjects", Some(json!({"name": "x"}))),
        (Method::GET, "/v1/users", None),
        (Method::GET, "/v1/tokens", None),
        (Method::POST, "/v1/tokens", Some(json!({"name": "child"}))),
        (Method::GET, "/v1/tokens/current", None),
        (Method::DELETE, "/v1/aspects/cpu", None),
    ];
    for (method, path, body) in refused {
        server
            .call_from(SHOP, method, &token, path, body)
            .await
            .refused(403, "insufficient_scope");
    }
}

async fn publishable_tokens_need_origins_and_read_only_scope(server: &TestServer) {
    let admin = &server.admin_token;
    for (body, code) in [
        (
            json!({"name": "p", "kind": "publishable"}),
            "publishable_needs_origins",
        ),
        (
            json!({"name": "p", "kind": "publishable", "allowed_origins": ["*"]}),
            "publishable_needs_origins",
        ),
        (
            json!({"name": "p", "kind": "publishable", "allowed_origins": [SHOP], "scope": "edit"}),
            "publishable_read_only",
        ),
    ] {
        server
            .post(admin, "/v1/tokens", body)
            .await
            .refused(422, code);
    }
    server
        .post(admin, "/v1/tokens", json!({"name": "p", "kind": "public"}))
        .await
        .refused(400, "invalid_kind");
    // Origins inherited from the parent bind it too.
    let parent = server
        .post(
            admin,
            "/v1/tokens",
            json!({"name": "bound", "scope": "full", "allowed_origins": [SHOP]}),
        )
        .await
        .ok(201);
    let parent = text(&parent["token"]);
    let child = server
        .call_from(
            SHOP,
            Method::POST,
            &parent,
            "/v1/tokens",
            Some(json!({"name": "page", "kind": "publishable"})),
        )
        .await
        .ok(201);
    assert_eq!(
        (&child["kind"], &child["allowed_origins"]),
        (&json!("publishable"), &json!([SHOP]))
    );
}
