//! docs/server-api.md "Limits": how many live tokens a user holds, and how many names a
//! writer list holds.

use serde_json::{Value, json};
use sqlx::{AnyConnection, Connection};

use crate::paging::follow;
use crate::support::{TestServer, text, unique_name};

on_every_backend![
    a_user_holds_at_most_100_live_tokens,
    a_writer_list_holds_at_most_1000_names,
];

async fn a_user_holds_at_most_100_live_tokens(server: &TestServer) {
    // Alice's initial token is her first live token; 99 more reach the cap.
    let alice = server.user("alice", "editor").await;
    let mut ids = Vec::new();
    for _ in 0..99 {
        let body = json!({"name": unique_name("t")});
        let created = server.post(&alice, "/v1/tokens", body).await.ok(201);
        ids.push(created["id"].to_string());
    }
    let one_more = || json!({"name": unique_name("t")});
    let refused = server.post(&alice, "/v1/tokens", one_more()).await;
    refused.refused(422, "too_many_tokens");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("100"), "{message}");
    // The cap is Alice's own: the administrator still creates tokens.
    server.token(&server.admin_token, "read-only").await;
    // A revoked token holds no place, and neither does a deleted one.
    let path = format!("/v1/tokens/{}/revoke", ids[0]);
    server
        .post(&server.admin_token, &path, json!(null))
        .await
        .ok(200);
    server.post(&alice, "/v1/tokens", one_more()).await.ok(201);
    let refused = server.post(&alice, "/v1/tokens", one_more()).await;
    refused.refused(422, "too_many_tokens");
    server
        .delete(&alice, &format!("/v1/tokens/{}", ids[1]))
        .await
        .ok(204);
    let created = server.post(&alice, "/v1/tokens", one_more()).await.ok(201);
    // The new token works, and the listing holds all 101 (100 live, 1 revoked), 100 a page.
    server
        .get(&text(&created["token"]), "/v1/subjects")
        .await
        .ok(200);
    let all = follow(server, Some(&alice), "/v1/tokens", 100).await;
    assert_eq!(all.len(), 101);
    let revoked = all.iter().filter(|token| token["revoked"] == true).count();
    assert_eq!(revoked, 1);
}

/// Users `w0000`, `w0001`, ... (`count` of them, role reader), written straight to the
/// database in one transaction: a thousand `POST /v1/users` would only be slower.
async fn users(server: &TestServer, count: usize) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|i| format!("w{i:04}")).collect();
    let mut connection = AnyConnection::connect(&server.database_url).await.unwrap();
    let mut tx = connection.begin().await.unwrap();
    for name in &names {
        sqlx::query(
            "INSERT INTO tollgate_users (name_key, name, role, created_at) VALUES ($1, $1, 'reader', 0)",
        )
        .bind(name)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    connection.close().await.unwrap();
    names
}

async fn a_writer_list_holds_at_most_1000_names(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let names = users(server, 1000).await;
    server.record(&alice, "subjects", "big").await;
    let writers = "/v1/subjects/big/writers";
    // Alice and 999 others: exactly the cap.
    let mut full: Vec<&str> = vec!["alice"];
    full.extend(names[..999].iter().map(String::as_str));
    let list = server.post(&alice, writers, json!(full)).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 1000);
    // One more is refused, and nothing changes.
    let refused = server.post(&alice, writers, json!(["w0999"])).await;
    refused.refused(422, "too_many_writers");
    let kept = server.writers("subjects", "big").await;
    assert_eq!(kept, list);
    // The cap is on the list that would result: names already on it add nothing.
    let again = server
        .post(&alice, writers, json!(["W0000", "alice"]))
        .await;
    assert_eq!(again.ok(200), list);
    // Room made, the name fits.
    server
        .delete(&alice, &format!("{writers}/w0000"))
        .await
        .ok(204);
    let list = server.post(&alice, writers, json!(["w0999"])).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 1000);
    assert!(list.as_array().unwrap().contains(&json!("w0999")));

    // More distinct names than a list holds are refused before they are looked up, whether
    // or not they are users; one name repeated is one name.
    server.record(&alice, "subjects", "wide").await;
    let wide = "/v1/subjects/wide/writers";
    let mut every: Vec<&str> = names.iter().map(String::as_str).collect();
    every.push("alice");
    let reply = server.post(&alice, wide, json!(every)).await;
    reply.refused(422, "too_many_writers");
    every.pop();
    every.push("nobody");
    let reply = server.post(&alice, wide, json!(every)).await;
    reply.refused(422, "too_many_writers");
    assert_eq!(server.writers("subjects", "wide").await, json!([]));
    let repeated: Vec<Value> = (0..2000)
        .map(|i| json!(if i % 2 == 0 { "alice" } else { "ALICE" }))
        .collect();
    let list = server.post(&alice, wide, json!(repeated)).await.ok(200);
    assert_eq!(list, json!(["alice"]));
    // Unknown names among many are named, as with few, and nothing is added.
    let mut mixed: Vec<&str> = names[..500].iter().map(String::as_str).collect();
    mixed.extend(["nobody", "a b"]);
    let reply = server.post(&alice, wide, json!(mixed)).await;
    reply.refused(400, "unknown_user");
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("not users: nobody, a b;"), "{message}");
    assert_eq!(server.writers("subjects", "wide").await, json!(["alice"]));
}
