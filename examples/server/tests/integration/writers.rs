//! docs/server-api.md "Records and writer lists": who may change a record, the writer list
//! endpoints, and `?override=admin`.

use serde_json::json;
use tollgate::scope::{Role, Scope};

use crate::support::{KINDS, Reply, TestServer};

on_every_backend![
    open_records_take_any_editor_and_listed_ones_only_writers,
    writer_lists_are_read_added_removed_and_cleared,
    unknown_users_are_named_and_nothing_is_added,
    override_is_honoured_for_admins_with_admin_scope_only,
];

/// Three writes on `record` with `query` appended, each answered as when allowed or refused:
/// `PATCH` (200), removing `writer` from the list (204), adding `writer` back (200).
async fn every_write(
    server: &TestServer,
    token: &str,
    record: &str,
    writer: &str,
    query: &str,
) -> [Reply; 3] {
    let body = json!({"description": "changed"});
    let patched = server.patch(token, &format!("{record}{query}"), body).await;
    let removed = server
        .delete(token, &format!("{record}/writers/{writer}{query}"))
        .await;
    let added = server
        .post(token, &format!("{record}/writers{query}"), json!([writer]))
        .await;
    [patched, removed, added]
}

/// Asserts that all three of [`every_write`] went through.
#[track_caller]
fn assert_all_allowed([patched, removed, added]: [Reply; 3]) {
    patched.expect(200);
    removed.expect(204);
    added.expect(200);
}

async fn open_records_take_any_editor_and_listed_ones_only_writers(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "editor").await;
    for kind in KINDS {
        server.record(&alice, kind, "open").await;
        let open = format!("/v1/{kind}/open");
        // An empty writer list: any editor writes.
        let patched = server
            .patch(&bob, &open, json!({"description": "bob was here"}))
            .await;
        assert_eq!(patched.ok(200)["description"], "bob was here");
        // Alice protects it: she may write, Bob and even the administrator (no override) may not.
        assert_eq!(
            server.add_writers(&alice, kind, "open", &["alice"]).await,
            json!(["alice"])
        );
        for token in [&bob, &server.admin_token] {
            for refused in every_write(server, token, &open, "alice", "").await {
                refused.not_a_writer();
            }
            server.delete(token, &open).await.not_a_writer();
            server
                .delete(token, &format!("{open}/writers"))
                .await
                .not_a_writer();
        }
        let kept = server.get(&bob, &open).await.ok(200);
        assert_eq!(kept["description"], "bob was here");
        assert_all_allowed(every_write(server, &alice, &open, "alice", "").await);
        let changed = server.get(&bob, &open).await.ok(200);
        assert_eq!(
            (&changed["description"], &changed["writers"]),
            (&json!("changed"), &json!(["alice"]))
        );
        server.delete(&alice, &open).await.ok(204);
    }
}

async fn writer_lists_are_read_added_removed_and_cleared(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "editor").await;
    let reader = server.user("reader", "reader").await;
    for kind in KINDS {
        server.record(&alice, kind, "cpu").await;
        let writers = format!("/v1/{kind}/cpu/writers");
        assert_eq!(server.get(&reader, &writers).await.ok(200), json!([]));
        let added = server
            .add_writers(&alice, kind, "cpu", &["bob", "alice"])
            .await;
        assert_eq!(added, json!(["alice", "bob"]));
        // Names match users ignoring case and are stored as the user wrote them; adding a
        // writer twice keeps one.
        let again = server
            .add_writers(&bob, kind, "cpu", &["ALICE", "Bob", "admin"])
            .await;
        assert_eq!(again, json!(["admin", "alice", "bob"]));
        assert_eq!(
            server.get(&reader, &writers).await.ok(200),
            json!(["admin", "alice", "bob"])
        );
        // Readers read the list but do not change it.
        server
            .post(&reader, &writers, json!(["reader"]))
            .await
            .insufficient_scope();

        server
            .delete(&bob, &format!("{writers}/admin"))
            .await
            .ok(204);
        server
            .delete(&bob, &format!("{writers}/ALICE"))
            .await
            .ok(204);
        for not_listed in ["alice", "admin", "reader", "nobody", "not%20a%20name"] {
            let reply = server
                .delete(&bob, &format!("{writers}/{not_listed}"))
                .await;
            reply.refused(404, "not_a_writer");
        }
        assert_eq!(server.writers(kind, "cpu").await, json!(["bob"]));
        // Alice is no longer a writer; clearing needs Bob. Then the record is open again.
        server.delete(&alice, &writers).await.not_a_writer();
        server.delete(&bob, &writers).await.ok(204);
        assert_eq!(server.writers(kind, "cpu").await, json!([]));
        let reopened = server
            .patch(
                &alice,
                &format!("/v1/{kind}/cpu"),
                json!({"description": "open"}),
            )
            .await;
        reopened.expect(200);
    }
}

async fn unknown_users_are_named_and_nothing_is_added(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    server.user("carol", "reader").await;
    for kind in KINDS {
        server.record(&alice, kind, "disk").await;
        let writers = format!("/v1/{kind}/disk/writers");
        server.add_writers(&alice, kind, "disk", &["alice"]).await;
        let reply = server
            .post(&alice, &writers, json!(["carol", "nobody", "a b"]))
            .await;
        reply.refused(400, "unknown_user");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("nobody") && message.contains("a b"),
            "{message}"
        );
        assert!(!message.contains("carol"), "{message}");
        assert_eq!(server.writers(kind, "disk").await, json!(["alice"]));
        // A body that is not an array of strings.
        for bad in [
            json!({"names": ["carol"]}),
            json!([1, 2]),
            json!("carol"),
            json!([["carol"]]),
            json!(null),
        ] {
            server
                .post(&alice, &writers, bad)
                .await
                .refused(400, "bad_request_body");
        }
        assert_eq!(server.writers(kind, "disk").await, json!(["alice"]));
    }
}

async fn override_is_honoured_for_admins_with_admin_scope_only(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "editor").await;
    let admin_scope = server.mint("admin", Role::Admin, Scope::Admin).await;
    let admin_edit = server.mint("admin", Role::Admin, Scope::Edit).await;
    let admin_read = server.mint("admin", Role::Admin, Scope::ReadOnly).await;
    let admin_full = &server.admin_token;
    for kind in KINDS {
        server.record(&alice, kind, "locked").await;
        let locked = format!("/v1/{kind}/locked");
        server.add_writers(&alice, kind, "locked", &["alice"]).await;
        // Honoured: admin role with an admin or full token, on every write, wherever the
        // parameter is in the query.
        for (token, query) in [
            (admin_full, "?override=admin"),
            (&admin_scope, "?override=admin"),
            (&admin_scope, "?x=1&override=admin"),
        ] {
            assert_all_allowed(every_write(server, token, &locked, "alice", query).await);
        }
        // Ignored: an edit token, another role, another value of the parameter.
        for (token, query) in [
            (&admin_edit, "?override=admin"),
            (&bob, "?override=admin"),
            (admin_full, "?override=yes"),
            (admin_full, "?override=admin2"),
        ] {
            for refused in every_write(server, token, &locked, "alice", query).await {
                refused.not_a_writer();
            }
        }
        // The scope check comes first: a read-only token never writes.
        let overridden = format!("{locked}?override=admin");
        server
            .patch(&admin_read, &overridden, json!({"description": "x"}))
            .await
            .insufficient_scope();
        // Clearing the list and deleting the record, overridden.
        server
            .delete(&admin_scope, &format!("{locked}/writers?override=admin"))
            .await
            .ok(204);
        server.add_writers(&alice, kind, "locked", &["alice"]).await;
        server.delete(&bob, &overridden).await.not_a_writer();
        server.delete(admin_full, &overridden).await.ok(204);
        server
            .get(admin_full, &locked)
            .await
            .refused(404, "not_found");
    }
}
