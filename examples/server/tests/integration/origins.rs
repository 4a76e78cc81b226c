//! docs/server-api.md "Authentication": a token with allowed origins is refused (403
//! `origin_not_allowed`) unless the request's `Origin` matches one of them, whole.

use serde_json::json;

use crate::support::{Reply, TestServer, text};

const APP: &str = "https://app.example.com";

on_every_backend![
    restricted_token_needs_a_matching_origin,
    invalid_allowed_origins_are_422,
];

/// `GET /v1/tokens/current` with `token` and, when given, an `Origin` header.
async fn current_from(server: &TestServer, token: &str, origin: Option<&str>) -> Reply {
    let headers: Vec<(&str, &[u8])> = origin.iter().map(|o| ("origin", o.as_bytes())).collect();
    server
        .get_with(Some(token), "/v1/tokens/current", &headers)
        .await
}

async fn restricted_token_needs_a_matching_origin(server: &TestServer) {
    let patterns = json!([
        "https://app.example.com",
        "https://*.tools.example.org",
        "http://127.0.0.1:3000"
    ]);
    let created = server.token_with_origins("web", patterns.clone()).await;
    assert_eq!(created["allowed_origins"], patterns);
    let token = text(&created["token"]);
    for allowed in [
        "https://app.example.com",
        "https://a.tools.example.org",
        "https://a.b.tools.example.org",
        "http://127.0.0.1:3000",
    ] {
        let current = current_from(server, &token, Some(allowed)).await.ok(200);
        assert_eq!(current["name"], "web", "{allowed}");
    }
    let refused = [
        None,
        Some("https://evil.example.com"),
        Some("http://app.example.com"),
        Some("https://app.example.com:8443"),
        Some("https://app.example.com.evil.com"),
        Some("https://xapp.example.com"),
        Some("https://tools.example.org"),
        Some("http://127.0.0.1:3001"),
        Some("null"),
        Some("https://app.example.com/"),
        Some("not an origin"),
    ];
    for origin in refused {
        let reply = current_from(server, &token, origin).await;
        reply.refused(403, "origin_not_allowed").challenged(None);
    }
    // Patterns are stored in normal form.
    let normalised = server
        .token_with_origins("web2", json!(["HTTPS://App.Example.com:443"]))
        .await;
    assert_eq!(
        normalised["allowed_origins"],
        json!(["https://app.example.com"])
    );
    let token = text(&normalised["token"]);
    current_from(server, &token, Some(APP)).await.ok(200);
    // The same user's unrestricted token needs no Origin.
    current_from(server, &server.admin_token, None)
        .await
        .ok(200);
    current_from(
        server,
        &server.admin_token,
        Some("https://evil.example.com"),
    )
    .await
    .ok(200);
}

async fn invalid_allowed_origins_are_422(server: &TestServer) {
    for bad in [
        "",
        "null",
        "app.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "https://*.com",
        "https://app.*.com",
        "https://app.example.com:0",
        "https://user@app.example.com",
        " https://app.example.com",
    ] {
        let body = json!({"name": "web", "allowed_origins": ["https://ok.example.com", bad]});
        let reply = server.post(&server.admin_token, "/v1/tokens", body).await;
        reply.refused(422, "invalid_allowed_origin");
        assert!(reply.text.contains("allowed_origins[1]"), "{}", reply.text);
    }
    // At most 32 per token.
    let many: Vec<String> = (0..33)
        .map(|n| format!("https://app{n}.example.com"))
        .collect();
    server
        .post(
            &server.admin_token,
            "/v1/tokens",
            json!({"name": "web", "allowed_origins": many}),
        )
        .await
        .refused(422, "invalid_allowed_origin");
    // None of them created a token.
    server
        .post(&server.admin_token, "/v1/tokens", json!({"name": "web"}))
        .await
        .ok(201);
}
