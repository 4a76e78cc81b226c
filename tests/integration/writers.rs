//! SERVER-API.md "Records and writer lists": who may change a record, the writer list
//! endpoints, and `?override=admin`.

use http::Method;
use serde_json::json;
use tollgate::scope::{Role, Scope};

use crate::support::{KINDS, TestServer};

on_every_backend![
    open_records_take_any_editor_and_listed_ones_only_writers,
    writer_lists_are_read_added_removed_and_cleared,
    unknown_users_are_named_and_nothing_is_added,
    override_is_honoured_for_admins_with_admin_scope_only,
];

/// Every write on a record (its own and its writer list), with `query` appended: each with
/// the status it answers when allowed. `writer` names a writer to remove and add back.
async fn every_write(
    server: &TestServer,
    token: &str,
    record: &str,
    writer: &str,
    query: &str,
) -> Vec<crate::support::Reply> {
    vec![
        server
            .patch(
                token,
                &format!("{record}{query}"),
                json!({"description": "changed"}),
            )
            .await,
        server
            .delete(token, &format!("{record}/writers/{writer}{query}"))
            .await,
        server
            .post(token, &format!("{record}/writers{query}"), json!([writer]))
            .await,
    ]
}

async fn open_records_take_any_editor_and_listed_ones_only_writers(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "editor").await;
    for kind in KINDS {
        server.record(&alice, kind, "open").await;
        let open = format!("/v1/{kind}/open");
        // An empty writer list: any editor writes.
        server
            .patch(&bob, &open, json!({"description": "bob was here"}))
            .await
            .ok(200);
        // Alice protects it: she may write, Bob and even the administrator (no override) may not.
        let listed = server
            .post(&alice, &format!("{open}/writers"), json!(["alice"]))
            .await
            .ok(200);
        assert_eq!(listed, json!(["alice"]));
        for refused in every_write(server, &bob, &open, "alice", "").await {
            refused.not_a_writer();
        }
        for refused in every_write(server, &server.admin_token, &open, "alice", "").await {
            refused.not_a_writer();
        }
        server.delete(&bob, &open).await.not_a_writer();
        server
            .delete(&bob, &format!("{open}/writers"))
            .await
            .not_a_writer();
        let [patched, removed, added] = every_write(server, &alice, &open, "alice", "")
            .await
            .try_into()
            .unwrap();
        assert_eq!(patched.ok(200)["description"], "changed");
        removed.ok(204);
        assert_eq!(added.ok(200), json!(["alice"]));
        assert_eq!(server.writers(kind, "open").await, json!(["alice"]));
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
            .post(&alice, &writers, json!(["bob", "alice"]))
            .await
            .ok(200);
        assert_eq!(added, json!(["alice", "bob"]));
        // Names match users ignoring case and are stored as the user wrote them; adding a
        // writer twice keeps one.
        let again = server
            .post(&bob, &writers, json!(["ALICE", "Bob", "admin"]))
            .await
            .ok(200);
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
            server
                .delete(&bob, &format!("{writers}/{not_listed}"))
                .await
                .refused(404, "not_a_writer");
        }
        assert_eq!(server.writers(kind, "cpu").await, json!(["bob"]));
        // Alice is no longer a writer; clearing needs Bob. Then the record is open again.
        server.delete(&alice, &writers).await.not_a_writer();
        server.delete(&bob, &writers).await.ok(204);
        assert_eq!(server.writers(kind, "cpu").await, json!([]));
        server
            .patch(
                &alice,
                &format!("/v1/{kind}/cpu"),
                json!({"description": "open"}),
            )
            .await
            .ok(200);
    }
}

async fn unknown_users_are_named_and_nothing_is_added(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    server.user("carol", "reader").await;
    for kind in KINDS {
        server.record(&alice, kind, "disk").await;
        let writers = format!("/v1/{kind}/disk/writers");
        server
            .post(&alice, &writers, json!(["alice"]))
            .await
            .ok(200);
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
    for kind in KINDS {
        server.record(&alice, kind, "locked").await;
        let locked = format!("/v1/{kind}/locked");
        server
            .post(&alice, &format!("{locked}/writers"), json!(["alice"]))
            .await
            .ok(200);
        // Honoured: admin role with an admin or full token, on every write, wherever the
        // parameter is in the query.
        for (token, query) in [
            (&server.admin_token, "?override=admin"),
            (&admin_scope, "?override=admin"),
            (&admin_scope, "?x=1&override=admin"),
        ] {
            let [patched, removed, added] = every_write(server, token, &locked, "alice", query)
                .await
                .try_into()
                .unwrap();
            patched.ok(200);
            removed.ok(204);
            added.ok(200);
        }
        // Ignored: an edit token, another role, another value of the parameter.
        for (token, query) in [
            (&admin_edit, "?override=admin"),
            (&bob, "?override=admin"),
            (&server.admin_token, "?override=yes"),
            (&server.admin_token, "?override=admin2"),
        ] {
            for refused in every_write(server, token, &locked, "alice", query).await {
                refused.not_a_writer();
            }
        }
        // The scope check comes first: a read-only token never writes.
        server
            .patch(
                &admin_read,
                &format!("{locked}?override=admin"),
                json!({"description": "x"}),
            )
            .await
            .insufficient_scope();
        // Deleting the record and clearing its list, overridden.
        server
            .call(
                Method::DELETE,
                &admin_scope,
                &format!("{locked}/writers?override=admin"),
                None,
            )
            .await
            .ok(204);
        server
            .post(&alice, &format!("{locked}/writers"), json!(["alice"]))
            .await
            .ok(200);
        server
            .delete(&bob, &format!("{locked}?override=admin"))
            .await
            .not_a_writer();
        server
            .delete(&server.admin_token, &format!("{locked}?override=admin"))
            .await
            .ok(204);
        server
            .get(&server.admin_token, &locked)
            .await
            .refused(404, "not_found");
    }
}
