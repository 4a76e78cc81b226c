//! docs/server-api.md "Limits": how many live tokens a user holds.

use serde_json::json;

use crate::paging::follow;
use crate::support::{TestServer, text, unique_name};

on_every_backend![a_user_holds_at_most_100_live_tokens];

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
