//! docs/server-api.md "Tokens": create, list, current, delete (own tokens); revoke and restore
//! (admin); `last_used_at`.

use chrono::{DateTime, SecondsFormat, Utc};
use http::Method;
use serde_json::{Value, json};

use crate::support::{TestServer, keys, text};

on_every_backend![
    created_token_is_shown_once,
    names_are_unique_per_user_ignoring_case,
    bad_names_are_400,
    scope_defaults_to_read_only_and_is_capped_by_role,
    expiry_must_be_a_future_rfc3339_time,
    lists_hold_only_own_tokens,
    current_works_with_any_scope_and_has_an_alias,
    someone_elses_token_cannot_be_deleted,
    revoke_and_restore,
    last_used_at_is_null_until_first_use,
    concurrent_creations_of_one_name_make_one_token,
];

/// Asserts that `at` is an RFC 3339 time within a minute of now.
#[track_caller]
fn assert_recent(at: &Value) {
    let at = DateTime::parse_from_rfc3339(&text(at)).unwrap();
    let age = Utc::now().signed_duration_since(at);
    assert!(age.num_seconds().abs() <= 60, "{at} is not recent");
}

async fn created_token_is_shown_once(server: &TestServer) {
    let created = server
        .post(&server.admin_token, "/v1/tokens", json!({"name": "ci"}))
        .await
        .ok(201);
    assert_eq!(
        keys(&created),
        [
            "allowed_origins",
            "created_at",
            "expires_at",
            "grants",
            "id",
            "kind",
            "name",
            "old_secret_expires_at",
            "parent_id",
            "quota",
            "rate_limit",
            "rotated_at",
            "scope",
            "signing_key",
            "token"
        ]
    );
    assert_eq!(
        (&created["name"], &created["scope"], &created["expires_at"]),
        (&json!("ci"), &json!("read-only"), &Value::Null)
    );
    assert_eq!(
        (
            &created["allowed_origins"],
            &created["grants"],
            &created["kind"]
        ),
        (&Value::Null, &Value::Null, &json!("secret"))
    );
    assert_recent(&created["created_at"]);
    let secret = text(&created["token"]);
    assert!(secret.starts_with("tgsk_"), "{secret}");

    let listed = server.listed_token(&server.admin_token, "ci").await;
    assert_eq!(
        keys(&listed),
        [
            "allowed_origins",
            "created_at",
            "expires_at",
            "grants",
            "hint",
            "id",
            "kind",
            "last_used_at",
            "name",
            "old_secret_expires_at",
            "parent_id",
            "quota",
            "rate_limit",
            "revoked",
            "rotated_at",
            "scope",
            "signing_key"
        ]
    );
    // Made by the bootstrap token, which `server mint` made outside any token.
    let bootstrap = server
        .get(&server.admin_token, "/v1/tokens/current")
        .await
        .ok(200);
    assert_eq!(bootstrap["parent_id"], Value::Null);
    assert_eq!(created["parent_id"], bootstrap["id"]);
    assert_eq!(listed["parent_id"], bootstrap["id"]);
    assert_eq!(listed["id"], created["id"]);
    assert_eq!(listed["revoked"], false);
    assert_eq!(
        listed["hint"],
        format!("tgsk_...{}", &secret[secret.len() - 4..])
    );

    let current = server.get(&secret, "/v1/tokens/current").await.ok(200);
    assert_eq!(
        keys(&current),
        [
            "allowed_origins",
            "created_at",
            "expires_at",
            "grants",
            "id",
            "kind",
            "last_used_at",
            "name",
            "old_secret_expires_at",
            "parent_id",
            "quota",
            "rate_limit",
            "role",
            "rotated_at",
            "scope",
            "signing_key",
            "user"
        ]
    );
    assert_eq!(current["parent_id"], created["parent_id"]);
    assert_eq!(
        (&current["id"], &current["name"], &current["user"]),
        (&created["id"], &json!("ci"), &json!("admin"))
    );
    assert_eq!(current["created_at"], created["created_at"]);
}

async fn names_are_unique_per_user_ignoring_case(server: &TestServer) {
    let admin = &server.admin_token;
    server
        .post(admin, "/v1/tokens", json!({"name": "Deploy"}))
        .await
        .ok(201);
    for duplicate in ["Deploy", "deploy", "DEPLOY", "  deploy "] {
        server
            .post(admin, "/v1/tokens", json!({"name": duplicate}))
            .await
            .refused(409, "duplicate_name");
    }
    // Another user may use the name.
    let alice = server.user("alice", "reader").await;
    server
        .post(&alice, "/v1/tokens", json!({"name": "deploy"}))
        .await
        .ok(201);
}

async fn bad_names_are_400(server: &TestServer) {
    let admin = &server.admin_token;
    let too_long = "n".repeat(61);
    for bad in [
        "",
        "   ",
        too_long.as_str(),
        "a\u{1}b",
        "tab\there",
        "line\nbreak",
    ] {
        server
            .post(admin, "/v1/tokens", json!({"name": bad}))
            .await
            .refused(400, "invalid_name");
    }
    let longest = "é".repeat(60);
    let created = server
        .post(admin, "/v1/tokens", json!({"name": longest}))
        .await
        .ok(201);
    assert_eq!(created["name"], longest);
    let trimmed = server
        .post(admin, "/v1/tokens", json!({"name": "  spaced out \t"}))
        .await
        .ok(201);
    assert_eq!(trimmed["name"], "spaced out");
}

async fn scope_defaults_to_read_only_and_is_capped_by_role(server: &TestServer) {
    let reader = server.user("reader", "reader").await;
    let editor = server.user("editor", "editor").await;
    let cases = [
        (&reader, "read-only", 201),
        (&reader, "edit", 422),
        (&reader, "full", 422),
        (&editor, "edit", 201),
        (&editor, "admin", 422),
        (&editor, "full", 422),
        (&server.admin_token, "admin", 201),
        (&server.admin_token, "full", 201),
    ];
    for (index, (token, scope, status)) in cases.into_iter().enumerate() {
        let body = json!({"name": format!("t{index}"), "scope": scope});
        let reply = server.post(token, "/v1/tokens", body).await;
        if status == 201 {
            assert_eq!(reply.ok(201)["scope"], scope);
        } else {
            reply.refused(422, "scope_above_role").challenged(None);
        }
    }
    server
        .post(
            &editor,
            "/v1/tokens",
            json!({"name": "x", "scope": "superuser"}),
        )
        .await
        .refused(400, "invalid_scope");
    // Creating and listing tokens needs a full-scope token, whatever the role.
    for scope in ["read-only", "edit", "admin"] {
        let token = server.token(&server.admin_token, scope).await;
        server
            .post(
                &token,
                "/v1/tokens",
                json!({"name": "y", "scope": "read-only"}),
            )
            .await
            .insufficient_scope();
        server.get(&token, "/v1/tokens").await.insufficient_scope();
    }
}

async fn expiry_must_be_a_future_rfc3339_time(server: &TestServer) {
    let admin = &server.admin_token;
    let past = (Utc::now() - chrono::TimeDelta::seconds(5)).to_rfc3339();
    for (name, at) in [("past", past.as_str()), ("epoch", "1970-01-01T00:00:00Z")] {
        server
            .post(admin, "/v1/tokens", json!({"name": name, "expires_at": at}))
            .await
            .refused(422, "expiry_not_in_future");
    }
    for bad in ["tomorrow", "2030-01-01", "2030-01-01 00:00:00", ""] {
        server
            .post(
                admin,
                "/v1/tokens",
                json!({"name": "bad", "expires_at": bad}),
            )
            .await
            .refused(400, "invalid_expires_at");
    }
    let created = server
        .post(
            admin,
            "/v1/tokens",
            json!({"name": "later", "expires_at": "2999-01-01T02:00:00+02:00"}),
        )
        .await
        .ok(201);
    assert_eq!(created["expires_at"], "2999-01-01T00:00:00Z");
    let listed = server.listed_token(admin, "later").await;
    assert_eq!(listed["expires_at"], "2999-01-01T00:00:00Z");
    let current = server
        .get(&text(&created["token"]), "/v1/tokens/current")
        .await
        .ok(200);
    assert_eq!(current["expires_at"], "2999-01-01T00:00:00Z");
    assert_eq!(
        DateTime::parse_from_rfc3339(&text(&current["created_at"]))
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        text(&current["created_at"])
    );
}

async fn lists_hold_only_own_tokens(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    server
        .post(&alice, "/v1/tokens", json!({"name": "mine"}))
        .await
        .ok(201);
    let names = |list: Value| -> Vec<String> {
        let mut names: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|t| text(&t["name"]))
            .collect();
        names.sort();
        names
    };
    let listed = server.get(&alice, "/v1/tokens").await.ok(200);
    assert_eq!(names(listed), ["initial", "mine"]);
    let listed = server.get(&server.admin_token, "/v1/tokens").await.ok(200);
    assert!(!names(listed).contains(&"mine".to_owned()));
}

async fn current_works_with_any_scope_and_has_an_alias(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    for scope in ["read-only", "edit"] {
        let token = server.token(&alice, scope).await;
        let current = server.get(&token, "/v1/tokens/current").await.ok(200);
        assert_eq!(
            (&current["user"], &current["scope"]),
            (&json!("alice"), &json!(scope))
        );
        let alias = server.get(&token, "/api/tokens/current").await.ok(200);
        assert_eq!(alias["id"], current["id"]);
        assert_eq!(alias["user"], "alice");
    }
}

async fn someone_elses_token_cannot_be_deleted(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "editor").await;
    let current = server.get(&bob, "/v1/tokens/current").await.ok(200);
    let bobs = format!("/v1/tokens/{}", current["id"]);
    server
        .delete(&alice, &bobs)
        .await
        .refused(404, "unknown_token");
    // Not even an administrator deletes someone else's token (revoking is the admin's tool).
    server
        .delete(&server.admin_token, &bobs)
        .await
        .refused(404, "unknown_token");
    for (missing, code) in [
        ("/v1/tokens/999999", "unknown_token"),
        ("/v1/tokens/-1", "unknown_token"),
        ("/v1/tokens/not-an-id", "not_found"),
        ("/v1/tokens/99999999999999999999", "not_found"),
    ] {
        server.delete(&alice, missing).await.refused(404, code);
    }
    server.get(&bob, "/v1/tokens/current").await.ok(200);
    // Deleting needs a full-scope token.
    let edit = server.token(&bob, "edit").await;
    server.delete(&edit, &bobs).await.insufficient_scope();
    server.delete(&bob, &bobs).await.ok(204);
}

async fn revoke_and_restore(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let current = server.get(&alice, "/v1/tokens/current").await.ok(200);
    let id = &current["id"];
    let admin = &server.admin_token;
    let change = async |token: &str, action: &str| {
        let path = format!("/v1/tokens/{id}/{action}");
        server.call(Method::POST, token, &path, None).await
    };
    let revoked = change(admin, "revoke").await.ok(200);
    assert_eq!((&revoked["id"], &revoked["revoked"]), (id, &json!(true)));
    server.get(&alice, "/v1/subjects").await.invalid_token();
    change(admin, "revoke")
        .await
        .refused(400, "already_revoked");
    let restored = change(admin, "restore").await.ok(200);
    assert_eq!(restored["revoked"], false);
    server.get(&alice, "/v1/subjects").await.ok(200);
    change(admin, "restore").await.refused(400, "not_revoked");
    for action in ["revoke", "restore"] {
        let path = format!("/v1/tokens/999999/{action}");
        server
            .call(Method::POST, admin, &path, None)
            .await
            .refused(404, "unknown_token");
    }
    // Only an administrator, with an admin-scope token at least, revokes or restores.
    change(&alice, "revoke").await.insufficient_scope();
    let admin_edit = server.token(admin, "edit").await;
    change(&admin_edit, "revoke").await.insufficient_scope();
    let admin_admin = server.token(admin, "admin").await;
    change(&admin_admin, "revoke").await.ok(200);
}

async fn last_used_at_is_null_until_first_use(server: &TestServer) {
    let admin = &server.admin_token;
    let created = server
        .post(admin, "/v1/tokens", json!({"name": "probe"}))
        .await
        .ok(201);
    assert_eq!(
        server.listed_token(admin, "probe").await["last_used_at"],
        Value::Null
    );
    let probe = text(&created["token"]);
    server.get(&probe, "/v1/subjects").await.ok(200);
    assert_recent(&server.listed_token(admin, "probe").await["last_used_at"]);
    let current = server.get(&probe, "/v1/tokens/current").await.ok(200);
    assert_recent(&current["last_used_at"]);
}

async fn concurrent_creations_of_one_name_make_one_token(server: &TestServer) {
    let bodies = ["deploy", "DEPLOY", "Deploy", " deploy", "dePloy", "deploy "]
        .map(|name| json!({"name": name}))
        .to_vec();
    server.assert_one_created("/v1/tokens", bodies).await;
    let listed = server.get(&server.admin_token, "/v1/tokens").await.ok(200);
    let deploys = listed.as_array().unwrap().iter();
    let deploys = deploys.filter(|token| text(&token["name"]).eq_ignore_ascii_case("deploy"));
    assert_eq!(deploys.count(), 1);
}
