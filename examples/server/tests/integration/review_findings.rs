//! The smaller holes issue 14's security review found, one case each: invisible characters in
//! names, origin patterns that are too broad or can never match, what a 401 reveals, bodies read
//! before authorization, and writer-list changes that lock their author out.

use chrono::{SecondsFormat, TimeDelta, Utc};
use http::Method;
use serde_json::json;
use tollgate::scope::{Role, Scope};

use crate::support::{TestServer, UNKNOWN_TOKEN, text};

on_every_backend![
    names_with_format_characters_are_400,
    token_origin_patterns_must_be_usable,
    unknown_revoked_and_expired_tokens_read_alike,
    refusals_come_before_the_body_is_read,
    writer_changes_that_lock_the_caller_out_need_confirmation,
];

async fn names_with_format_characters_are_400(server: &TestServer) {
    for name in [
        "ci\u{202E}txt.exe",
        "\u{200B}ci",
        "c\u{200D}i",
        "ci\u{FEFF}",
        "ci\u{2066}x\u{2069}",
        "soft\u{00AD}hyphen",
    ] {
        let reply = server
            .post(&server.admin_token, "/v1/tokens", json!({"name": name}))
            .await;
        reply.refused(400, "invalid_name");
        assert!(reply.text.contains("format character"), "{}", reply.text);
        server
            .post(
                &server.admin_token,
                "/v1/users",
                json!({"name": name, "role": "reader"}),
            )
            .await
            .refused(400, "invalid_name");
    }
    // Letters of any script are fine.
    server
        .post(
            &server.admin_token,
            "/v1/tokens",
            json!({"name": "Überwachung 監視"}),
        )
        .await
        .ok(201);
}

async fn token_origin_patterns_must_be_usable(server: &TestServer) {
    for pattern in [
        "https://*.co.uk",
        "https://*.github.io",
        "http://127.1",
        "http://[0:0:0:0:0:0:0:1]",
        "http://xn--f",
        "file://host",
    ] {
        let body = json!({"name": "web", "allowed_origins": [pattern]});
        server
            .post(&server.admin_token, "/v1/tokens", body)
            .await
            .refused(422, "invalid_allowed_origin");
    }
    // A port wildcard for development, and a wildcard under a public suffix.
    let created = server
        .token_with_origins(
            "dev",
            json!(["http://localhost:*", "https://*.example.co.uk"]),
        )
        .await;
    assert_eq!(
        created["allowed_origins"],
        json!(["http://localhost:*", "https://*.example.co.uk"])
    );
    let token = text(&created["token"]);
    for origin in [
        "http://localhost:3000",
        "http://localhost",
        "https://app.example.co.uk",
    ] {
        server
            .get_with(
                Some(&token),
                "/v1/subjects",
                &[("origin", origin.as_bytes())],
            )
            .await
            .ok(200);
    }
    for origin in ["https://localhost:3000", "https://example.co.uk"] {
        server
            .get_with(
                Some(&token),
                "/v1/subjects",
                &[("origin", origin.as_bytes())],
            )
            .await
            .refused(403, "origin_not_allowed");
    }
}

/// Regression: the 401 said "unknown token", "token was revoked at ..." or "token expired at
/// ...", telling anyone holding a token which tokens exist and what became of them.
async fn unknown_revoked_and_expired_tokens_read_alike(server: &TestServer) {
    let revoked = server.token(&server.admin_token, "read-only").await;
    server
        .revocation(&server.admin_token, &revoked, "revoke")
        .await
        .ok(200);
    // Expired: made to expire in a second, then waited for on the server's own clock.
    let soon = (Utc::now() + TimeDelta::seconds(1)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let expiring = server
        .post(
            &server.admin_token,
            "/v1/tokens",
            json!({"name": "brief", "expires_at": soon}),
        )
        .await
        .ok(201);
    let expiring = text(&expiring["token"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut answers = Vec::new();
    for token in [UNKNOWN_TOKEN, revoked.as_str(), expiring.as_str()] {
        let reply = server.get(token, "/v1/subjects").await;
        reply.invalid_token();
        answers.push(reply.text);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    assert!(
        answers[0].contains("unknown, revoked or expired"),
        "{}",
        answers[0]
    );
}

/// Regression: a caller without permission got the body's errors (400, 413) instead of its 403.
async fn refusals_come_before_the_body_is_read(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    server
        .add_writers(admin, "aspects", "cpu", &["admin"])
        .await;
    let reader = server.mint("reader1", Role::Reader, Scope::ReadOnly).await;
    let editor = server.mint("editor1", Role::Editor, Scope::Full).await;
    let not_json = "{not json".to_owned();
    let too_large = format!("[\"{}\"]", "a".repeat(70 * 1024));
    for body in [&not_json, &too_large] {
        for (token, method, path, code) in [
            (&reader, Method::POST, "/v1/subjects", "insufficient_scope"),
            (
                &reader,
                Method::PATCH,
                "/v1/subjects/host1",
                "insufficient_scope",
            ),
            (&reader, Method::POST, "/v1/tokens", "insufficient_scope"),
            (&editor, Method::POST, "/v1/users", "insufficient_scope"),
            (&editor, Method::PATCH, "/v1/aspects/cpu", "not_a_writer"),
            (
                &editor,
                Method::POST,
                "/v1/aspects/cpu/writers",
                "not_a_writer",
            ),
            (
                &editor,
                Method::PUT,
                "/v1/aspects/cpu/samples/host1",
                "not_a_writer",
            ),
        ] {
            server
                .call_raw(method, token, path, body.clone())
                .await
                .refused(403, code);
        }
    }
    // A client that waits for `100 Continue` before sending its body is refused without ever
    // being asked for it.
    let waiting = format!(
        "PATCH /v1/subjects/host1 HTTP/1.1\r\nHost: tollgate\r\nAuthorization: Bearer {reader}\r\n\
         Content-Type: application/json\r\nContent-Length: 900000\r\nExpect: 100-continue\r\n\r\n"
    );
    assert_eq!(server.raw(waiting.as_bytes()).await, 403);
    // Allowed callers still get the body's errors.
    server
        .call_raw(Method::PATCH, admin, "/v1/subjects/host1", not_json)
        .await
        .refused(400, "bad_request_body");
    server
        .call_raw(Method::POST, admin, "/v1/subjects/host1/writers", too_large)
        .await
        .refused(413, "payload_too_large");
}

async fn writer_changes_that_lock_the_caller_out_need_confirmation(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    server.user("bob", "editor").await;
    for kind in ["subjects", "aspects"] {
        server.record(&alice, kind, "open").await;
        let writers = format!("/v1/{kind}/open/writers");
        // Adding only bob to an open record would shut alice out.
        let reply = server.post(&alice, &writers, json!(["bob"])).await;
        reply.refused(409, "would_lock_out");
        assert_eq!(server.writers(kind, "open").await, json!([]));
        server
            .post(
                &alice,
                &format!("{writers}?confirm=lockout"),
                json!(["bob"]),
            )
            .await
            .ok(200);
        // Bob adds alice back; alice removing herself would shut her out again.
        let bob_token = server.mint("bob", Role::Editor, Scope::Edit).await;
        server
            .post(&bob_token, &writers, json!(["alice"]))
            .await
            .ok(200);
        server
            .delete(&alice, &format!("{writers}/alice"))
            .await
            .refused(409, "would_lock_out");
        // Removing someone else, or emptying the list, never does.
        server
            .delete(&alice, &format!("{writers}/bob"))
            .await
            .expect(204);
        server
            .delete(&alice, &format!("{writers}/alice?confirm=lockout"))
            .await
            .expect(204);
        assert_eq!(server.writers(kind, "open").await, json!([]));
        server
            .post(&alice, &writers, json!(["alice"]))
            .await
            .ok(200);
        server.delete(&alice, &writers).await.expect(204);
    }
}
