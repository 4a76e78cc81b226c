//! docs/server-api.md "Users and roles": creating and listing users.

use serde_json::{Value, json};

use crate::support::{TestServer, keys};

on_every_backend![
    created_user_gets_a_full_scope_token,
    names_are_unique_ignoring_case,
    bad_names_and_roles_are_400,
    list_shows_every_user_with_their_role,
    concurrent_creations_of_one_name_make_one_user,
];

async fn created_user_gets_a_full_scope_token(server: &TestServer) {
    let created = server
        .post(
            &server.admin_token,
            "/v1/users",
            json!({"name": "Alice.Smith-2_x", "role": "editor"}),
        )
        .await
        .ok(201);
    assert_eq!(keys(&created), ["name", "role", "token", "token_id"]);
    assert_eq!(
        (&created["name"], &created["role"]),
        (&json!("Alice.Smith-2_x"), &json!("editor"))
    );
    let token = created["token"].as_str().unwrap();
    let current = server.get(token, "/v1/tokens/current").await.ok(200);
    assert_eq!(
        (&current["user"], &current["scope"], &current["name"]),
        (&json!("Alice.Smith-2_x"), &json!("full"), &json!("initial"))
    );
    assert_eq!(current["id"], created["token_id"]);
}

async fn names_are_unique_ignoring_case(server: &TestServer) {
    server.user("alice", "reader").await;
    for duplicate in ["alice", "ALICE", "Alice"] {
        server
            .post(
                &server.admin_token,
                "/v1/users",
                json!({"name": duplicate, "role": "admin"}),
            )
            .await
            .refused(409, "duplicate_name");
    }
    // The bootstrap user too.
    server
        .post(
            &server.admin_token,
            "/v1/users",
            json!({"name": "Admin", "role": "reader"}),
        )
        .await
        .refused(409, "duplicate_name");
}

async fn bad_names_and_roles_are_400(server: &TestServer) {
    let too_long = "u".repeat(61);
    for bad in [
        "",
        " alice",
        "a b",
        "a/b",
        "a@b",
        "é",
        "a\u{0}",
        too_long.as_str(),
    ] {
        server
            .post(
                &server.admin_token,
                "/v1/users",
                json!({"name": bad, "role": "reader"}),
            )
            .await
            .refused(400, "invalid_name");
    }
    for bad in ["", "root", "Admin ", "superuser"] {
        server
            .post(
                &server.admin_token,
                "/v1/users",
                json!({"name": "bob", "role": bad}),
            )
            .await
            .refused(400, "invalid_role");
    }
    // Nothing was created by the refused requests; the longest name is fine.
    server.user(&"u".repeat(60), "reader").await;
    server.user("bob", "reader").await;
}

async fn list_shows_every_user_with_their_role(server: &TestServer) {
    server.user("reader1", "reader").await;
    server.user("editor1", "editor").await;
    let listed = server.get(&server.admin_token, "/v1/users").await.ok(200);
    let mut users: Vec<Value> = listed.as_array().unwrap().clone();
    users.sort_by_key(|user| user["name"].as_str().unwrap().to_owned());
    assert_eq!(
        Value::Array(users),
        json!([
            {"name": "admin", "role": "admin"},
            {"name": "editor1", "role": "editor"},
            {"name": "reader1", "role": "reader"},
        ])
    );
}

async fn concurrent_creations_of_one_name_make_one_user(server: &TestServer) {
    let bodies = ["dave", "DAVE", "Dave", "dAVE", "daVe", "DaVe"]
        .map(|name| json!({"name": name, "role": "reader"}))
        .to_vec();
    server.assert_one_created("/v1/users", bodies).await;
    let listed = server.get(&server.admin_token, "/v1/users").await.ok(200);
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
}
