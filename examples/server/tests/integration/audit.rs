//! docs/server-api.md "Audit log": who created users and tokens, who revoked, restored and
//! deleted them, who changed writer lists, refusals summarised per token, code and minute, the
//! server's own purges; read by administrators with filters and pages; old entries deleted.

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use tollgate::store::{AuditAction, AuditEvent, SqlStorage, Storage};

use crate::support::{TestServer, postgres_database_url, sqlite_url, text};

on_every_backend![
    changes_are_recorded_with_who_made_them,
    the_log_is_for_administrators_filtered_and_paged,
];

/// `GET /v1/audit{query}` as the admin; the entries.
async fn audit(server: &TestServer, query: &str) -> Vec<Value> {
    let reply = server
        .get(&server.admin_token, &format!("/v1/audit{query}"))
        .await;
    let Value::Array(entries) = reply.ok(200) else {
        panic!("not a list");
    };
    entries
}

/// The (action, user, target, outcome) of each entry, oldest first.
fn summary(entries: &[Value]) -> Vec<(String, Value, String, String)> {
    entries
        .iter()
        .rev()
        .map(|entry| {
            (
                text(&entry["action"]),
                entry["user"].clone(),
                text(&entry["target"]),
                text(&entry["outcome"]),
            )
        })
        .collect()
}

async fn changes_are_recorded_with_who_made_them(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let created = server
        .post(
            &alice,
            "/v1/tokens",
            json!({"name": "script", "scope": "edit"}),
        )
        .await
        .ok(201);
    let id = created["id"].as_i64().unwrap();
    let admin_id = server
        .get(&server.admin_token, "/v1/tokens/current")
        .await
        .ok(200)["id"]
        .clone();
    let alice_id = server.get(&alice, "/v1/tokens/current").await.ok(200)["id"].clone();
    server
        .post(
            &server.admin_token,
            &format!("/v1/tokens/{id}/revoke"),
            json!({}),
        )
        .await
        .ok(200);
    server
        .post(
            &server.admin_token,
            &format!("/v1/tokens/{id}/restore"),
            json!({}),
        )
        .await
        .ok(200);
    server
        .delete(&alice, &format!("/v1/tokens/{id}"))
        .await
        .expect(204);
    server.record(&server.admin_token, "aspects", "cpu").await;
    server
        .add_writers(&server.admin_token, "aspects", "cpu", &["admin", "alice"])
        .await;

    let entries = audit(server, "").await;
    let admin = json!("admin");
    let target = format!("token:{id}");
    assert_eq!(
        summary(&entries),
        [
            // `mint`, which made the admin and their token before the server started.
            (
                "user_created".into(),
                Value::Null,
                "user:admin".into(),
                "role admin, by mint".into()
            ),
            (
                "token_created".into(),
                Value::Null,
                format!("token:{admin_id}"),
                "owner admin, by mint".into()
            ),
            (
                "user_created".into(),
                admin.clone(),
                "user:alice".into(),
                "role editor".into()
            ),
            (
                "token_created".into(),
                admin.clone(),
                format!("token:{alice_id}"),
                format!("owner alice, parent {admin_id}")
            ),
            (
                "token_created".into(),
                json!("alice"),
                target.clone(),
                format!("owner alice, parent {alice_id}")
            ),
            (
                "token_revoked".into(),
                admin.clone(),
                target.clone(),
                "ok".into()
            ),
            (
                "token_restored".into(),
                admin.clone(),
                target.clone(),
                "ok".into()
            ),
            ("token_deleted".into(), json!("alice"), target, "ok".into()),
            (
                "writers_changed".into(),
                admin,
                "aspects/cpu".into(),
                "+admin +alice".into()
            ),
        ]
    );
    for entry in &entries {
        let at = chrono::DateTime::parse_from_rfc3339(&text(&entry["at"])).unwrap();
        assert!(
            (Utc::now() - at.to_utc()).num_seconds().abs() < 60,
            "{entry}"
        );
        assert_eq!(entry["count"], 1);
        // Never a secret: no entry holds a token's text.
        assert!(!entry.to_string().contains("tgsk_"), "{entry}");
    }
    assert_eq!(entries[0]["token_id"], admin_id);
}

async fn the_log_is_for_administrators_filtered_and_paged(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    for name in ["a", "b", "c"] {
        server
            .post(&alice, "/v1/tokens", json!({"name": name}))
            .await
            .ok(201);
    }
    // Administrators only: an editor's full-scope token is refused.
    server.get(&alice, "/v1/audit").await.insufficient_scope();
    // By user, action, token (acting or acted on) and time.
    let by_alice = audit(server, "?user=ALICE").await;
    assert_eq!(by_alice.len(), 3);
    assert!(by_alice.iter().all(|entry| entry["user"] == "alice"));
    // The admin, by `mint`, and alice.
    assert_eq!(audit(server, "?action=user_created").await.len(), 2);
    let alice_id = server.get(&alice, "/v1/tokens/current").await.ok(200)["id"].clone();
    let with_token = audit(server, &format!("?token={alice_id}")).await;
    assert_eq!(with_token.len(), 4, "made by the admin, then making three");
    let future = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
    let since = format!("?since={}", urlencode(&future));
    assert!(audit(server, &since).await.is_empty());
    let until = format!("?until={}&action=token_created", urlencode(&future));
    assert_eq!(
        audit(server, &until).await.len(),
        5,
        "mint's, the admin's, alice's three"
    );
    // Pages keep their filters.
    let first = server
        .get(&server.admin_token, "/v1/audit?user=alice&limit=2")
        .await;
    let link = first.header("link").unwrap().to_owned();
    assert!(
        link.starts_with("</v1/audit?user=alice&limit=2&cursor="),
        "{link}"
    );
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let second = audit(server, next.trim_start_matches("/v1/audit")).await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["user"], "alice");
    // Bad filters are 400.
    for query in [
        "?action=nothing",
        "?token=x",
        "?since=yesterday",
        "?user=a b",
        "?user=a&user=b",
    ] {
        server
            .get(&server.admin_token, &format!("/v1/audit{query}"))
            .await
            .refused(400, "invalid_audit_filter");
    }
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// Refusals are summed per token, code and minute, and written at the latest when the server
/// stops; the unused-token purge runs at start and is recorded; entries past the retention are
/// deleted at start.
async fn refusals_purges_and_retention(database_url: &str) {
    // An entry from long ago, written before the server starts.
    let storage = SqlStorage::open(database_url).await.unwrap();
    let old = AuditEvent {
        at: Utc::now() - TimeDelta::days(40),
        actor_user: None,
        actor_token: None,
        action: AuditAction::TokensPurged,
        target: "tokens".to_owned(),
        outcome: "an old purge".to_owned(),
        count: 0,
    };
    storage.append_audit(&[old]).await.unwrap();
    storage.close().await;
    let vars = [
        ("TOLLGATE_AUDIT_RETENTION", "30d"),
        ("TOLLGATE_PURGE_UNUSED_AFTER", "90d"),
    ];
    let server = TestServer::start_on(database_url, &vars).await;
    let reader = server.token(&server.admin_token, "read-only").await;
    for _ in 0..3 {
        server
            .post(&reader, "/v1/tokens", json!({"name": "nope"}))
            .await
            .insufficient_scope();
    }
    let reader_id = server.get(&reader, "/v1/tokens/current").await.ok(200)["id"].clone();
    server.stop().await;

    let restarted = TestServer::start_on(database_url, &[]).await;
    let refused = audit(&restarted, "?action=refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        (
            &refused[0]["target"],
            &refused[0]["outcome"],
            &refused[0]["count"]
        ),
        (
            &json!(format!("token:{reader_id}")),
            &json!("insufficient_scope"),
            &json!(3)
        )
    );
    let purges = audit(&restarted, "?action=tokens_purged").await;
    assert_eq!(
        purges.len(),
        1,
        "the old entry is gone, the purge at start is there: {purges:?}"
    );
    assert_eq!(
        (&purges[0]["count"], &purges[0]["user"]),
        (&json!(0), &Value::Null)
    );
    assert!(text(&purges[0]["outcome"]).starts_with("unused since "));
    restarted.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_purges_and_retention_sqlite() {
    refusals_purges_and_retention(&sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn refusals_purges_and_retention_postgres() {
    refusals_purges_and_retention(&postgres_database_url().await).await;
}
