//! docs/server-api.md "The one rule: a token never exceeds the token that made it": tokens made
//! by `POST /v1/tokens` and `POST /v1/users` inherit and may only narrow their parent's limits,
//! and record it as their `parent_id`. The two escalations of issue 14 are regression tests here.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use http::Method;
use serde_json::{Value, json};
use tollgate::scope::{Role, Scope};

use crate::support::{TestServer, text};

on_every_backend![
    an_admin_scope_token_cannot_create_users,
    a_child_inherits_its_parents_expiry_and_origins,
    a_child_may_narrow_but_never_widen,
    a_new_users_first_token_is_capped_by_the_creator,
    responses_with_secrets_are_not_stored,
    revoking_a_token_revokes_what_it_made,
];

/// The origin the bound tokens of these tests are bound to.
const APP: &str = "https://app.example.com";

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A full-scope token of `admin` that expires in an hour and works only from [`APP`]: the
/// leaked token of the issue. Returns its secret and its expiry as the server shows it.
async fn bound_full_token(server: &TestServer) -> (String, Value) {
    let expires_at = rfc3339(Utc::now() + TimeDelta::hours(1));
    let body = json!({
        "name": "leaked",
        "scope": "full",
        "expires_at": expires_at,
        "allowed_origins": [APP],
    });
    let created = server
        .post(&server.admin_token, "/v1/tokens", body)
        .await
        .ok(201);
    assert_eq!(created["expires_at"], json!(expires_at));
    (text(&created["token"]), created["expires_at"].clone())
}

/// The id of `token`, which works only from [`APP`].
async fn id_from_app(server: &TestServer, token: &str) -> Value {
    let current = server.call_from(APP, Method::GET, token, "/v1/tokens/current", None);
    current.await.ok(200)["id"].clone()
}

/// Regression: an admin-scope token (deliberately unable to manage tokens) could create a user
/// and so hold a full-scope token. Creating a user issues a credential: it needs full scope.
async fn an_admin_scope_token_cannot_create_users(server: &TestServer) {
    let admin_scope = server.mint("admin", Role::Admin, Scope::Admin).await;
    let body = json!({"name": "mallory", "role": "admin"});
    let reply = server.post(&admin_scope, "/v1/users", body).await;
    reply.refused(403, "insufficient_scope");
    reply.insufficient_scope();
    // Nobody was created.
    let users = server.get(&admin_scope, "/v1/users").await.ok(200);
    assert!(
        !users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "mallory"),
        "{users}"
    );
}

/// Regression: a leaked one-hour, origin-bound full token minted a child that never expired
/// and worked from anywhere. Omitted limits are now inherited.
async fn a_child_inherits_its_parents_expiry_and_origins(server: &TestServer) {
    let (leaked, expires_at) = bound_full_token(server).await;
    let parent_id = id_from_app(server, &leaked).await;
    let body = json!({"name": "child", "scope": "edit"});
    let child = server
        .call_from(APP, Method::POST, &leaked, "/v1/tokens", Some(body))
        .await
        .ok(201);
    assert_eq!(child["expires_at"], expires_at);
    assert_eq!(child["allowed_origins"], json!([APP]));
    assert_eq!(child["parent_id"], parent_id);
    // It does not work from anywhere else.
    let secret = text(&child["token"]);
    server
        .get(&secret, "/v1/subjects")
        .await
        .refused(403, "origin_not_allowed");
    server
        .call_from(APP, Method::GET, &secret, "/v1/subjects", None)
        .await
        .ok(200);
}

async fn a_child_may_narrow_but_never_widen(server: &TestServer) {
    let (leaked, expires_at) = bound_full_token(server).await;
    let parent_expiry = DateTime::parse_from_rfc3339(&text(&expires_at)).unwrap();
    let later = rfc3339(parent_expiry.to_utc() + TimeDelta::seconds(1));
    let sooner = rfc3339(Utc::now() + TimeDelta::minutes(5));
    let refused = [
        (json!({"name": "c", "expires_at": later}), "expiry"),
        (
            json!({"name": "c", "allowed_origins": []}),
            "allowed_origins",
        ),
        (
            json!({"name": "c", "allowed_origins": ["https://evil.example.com"]}),
            "allowed_origins",
        ),
        (
            json!({"name": "c", "allowed_origins": [APP, "*"]}),
            "allowed_origins",
        ),
        (
            json!({"name": "c", "allowed_origins": ["https://*.example.com"]}),
            "allowed_origins",
        ),
    ];
    for (body, dimension) in refused {
        let reply = server
            .call_from(APP, Method::POST, &leaked, "/v1/tokens", Some(body))
            .await;
        reply.refused(422, "exceeds_parent");
        assert!(reply.text.contains(dimension), "{}", reply.text);
    }
    // Narrower is fine, in every dimension at once.
    let body = json!({
        "name": "narrow",
        "scope": "read-only",
        "expires_at": sooner,
        "allowed_origins": ["HTTPS://App.Example.com:443"],
        "grants": {"subjects/host1": ["read"]},
    });
    let narrow = server
        .call_from(APP, Method::POST, &leaked, "/v1/tokens", Some(body))
        .await
        .ok(201);
    assert_eq!(
        (&narrow["expires_at"], &narrow["allowed_origins"]),
        (&json!(sooner), &json!([APP]))
    );
    // A read-only child cannot mint at all.
    let grandchild = json!({"name": "g"});
    let secret = text(&narrow["token"]);
    server
        .call_from(APP, Method::POST, &secret, "/v1/tokens", Some(grandchild))
        .await
        .refused(403, "insufficient_scope");
    // Nothing refused was created.
    let names: Vec<Value> = server
        .get(&server.admin_token, "/v1/tokens")
        .await
        .ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token["name"].clone())
        .collect();
    assert!(!names.contains(&json!("c")), "{names:?}");
}

/// The initial token of a user created by a bound token carries that token's expiry and
/// origins (it is full-scope, as every initial token, and capped by the new user's role).
async fn a_new_users_first_token_is_capped_by_the_creator(server: &TestServer) {
    let (leaked, expires_at) = bound_full_token(server).await;
    let body = json!({"name": "carol", "role": "editor"});
    let created = server
        .call_from(APP, Method::POST, &leaked, "/v1/users", Some(body))
        .await
        .ok(201);
    let carol = text(&created["token"]);
    server
        .get(&carol, "/v1/tokens/current")
        .await
        .refused(403, "origin_not_allowed");
    let current = server
        .call_from(APP, Method::GET, &carol, "/v1/tokens/current", None)
        .await
        .ok(200);
    let leaked_id = id_from_app(server, &leaked).await;
    assert_eq!(
        (
            &current["user"],
            &current["scope"],
            &current["expires_at"],
            &current["allowed_origins"],
            &current["parent_id"]
        ),
        (
            &json!("carol"),
            &json!("full"),
            &expires_at,
            &json!([APP]),
            &leaked_id
        )
    );
    // Carol is an editor: her full token does not let her read users.
    server
        .call_from(APP, Method::GET, &carol, "/v1/users", None)
        .await
        .refused(403, "insufficient_scope");
    // A duplicate name is refused before any token is made.
    let again = json!({"name": "Carol", "role": "reader"});
    server
        .call_from(APP, Method::POST, &leaked, "/v1/users", Some(again))
        .await
        .refused(409, "duplicate_name");
}

async fn responses_with_secrets_are_not_stored(server: &TestServer) {
    let token = server
        .post(&server.admin_token, "/v1/tokens", json!({"name": "ci"}))
        .await;
    let user = server
        .post(
            &server.admin_token,
            "/v1/users",
            json!({"name": "dave", "role": "reader"}),
        )
        .await;
    for reply in [token, user] {
        reply.expect(201);
        assert_eq!(
            reply.header("cache-control"),
            Some("no-store"),
            "{}",
            reply.request
        );
    }
}

/// Regression (found in review): a child outlived its parent's revocation, and, being an admin
/// token, could restore the parent. Revoking or deleting a token now revokes its descendants.
async fn revoking_a_token_revokes_what_it_made(server: &TestServer) {
    let admin = &server.admin_token;
    let full = |name: &str| json!({"name": name, "scope": "full"});
    let leaked = text(
        &server
            .post(admin, "/v1/tokens", full("leaked"))
            .await
            .ok(201)["token"],
    );
    let child = text(
        &server
            .post(&leaked, "/v1/tokens", full("child"))
            .await
            .ok(201)["token"],
    );
    let grandchild = text(
        &server
            .post(&child, "/v1/tokens", full("grandchild"))
            .await
            .ok(201)["token"],
    );
    let child_id = server.id_of(&child).await;
    let leaked_id = server.id_of(&leaked).await;
    server.revocation(admin, &leaked, "revoke").await.ok(200);
    for token in [&leaked, &child, &grandchild] {
        server.get(token, "/v1/subjects").await.invalid_token();
    }
    // The child cannot be brought back while its parent is revoked.
    server
        .call(
            Method::POST,
            admin,
            &format!("/v1/tokens/{child_id}/restore"),
            None,
        )
        .await
        .refused(409, "parent_not_active");
    server
        .call(
            Method::POST,
            admin,
            &format!("/v1/tokens/{leaked_id}/restore"),
            None,
        )
        .await
        .ok(200);
    server.get(&leaked, "/v1/subjects").await.ok(200);
    server.get(&child, "/v1/subjects").await.invalid_token();
    // Deleting works the same way.
    let other = text(
        &server
            .post(admin, "/v1/tokens", full("other"))
            .await
            .ok(201)["token"],
    );
    let other_child = text(
        &server
            .post(&other, "/v1/tokens", full("other-child"))
            .await
            .ok(201)["token"],
    );
    let other_id = server.id_of(&other).await;
    server
        .delete(admin, &format!("/v1/tokens/{other_id}"))
        .await
        .expect(204);
    server
        .get(&other_child, "/v1/subjects")
        .await
        .invalid_token();
}
