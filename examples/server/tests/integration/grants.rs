//! docs/server-api.md "Grants": a token limited to named records, checked with its scope and
//! role, and listings filtered to what it may read.

use serde_json::{Value, json};

use crate::support::{TestServer, text, unique_name};

on_every_backend![
    grants_limit_each_record_and_access,
    listings_show_only_readable_records,
    grants_are_stored_and_only_narrow,
    malformed_grants_are_400,
];

/// Records `cpu`, `mem` (aspects) and `host1`, `host2` (subjects), and a sample of each
/// aspect on `host1`, made by the admin.
async fn records(server: &TestServer) {
    let admin = &server.admin_token;
    for (kind, name) in [
        ("aspects", "cpu"),
        ("aspects", "mem"),
        ("subjects", "host1"),
        ("subjects", "host2"),
    ] {
        server.record(admin, kind, name).await;
    }
    for aspect in ["cpu", "mem"] {
        let path = format!("/v1/aspects/{aspect}/samples/host1");
        server
            .put(admin, &path, json!({"value": "1"}))
            .await
            .ok(201);
    }
}

/// An edit token of the admin with these grants.
async fn granted(server: &TestServer, grants: Value) -> String {
    let body = json!({"name": unique_name("granted"), "scope": "edit", "grants": grants});
    let created = server
        .post(&server.admin_token, "/v1/tokens", body)
        .await
        .ok(201);
    text(&created["token"])
}

async fn grants_limit_each_record_and_access(server: &TestServer) {
    records(server).await;
    let token = granted(
        server,
        json!({"aspects/cpu": ["read", "write"], "subjects/host1": ["read", "delete"]}),
    )
    .await;
    // Granted.
    server.get(&token, "/v1/aspects/cpu").await.ok(200);
    server.get(&token, "/v1/aspects/cpu/writers").await.ok(200);
    let patch = json!({"description": "granted"});
    server
        .patch(&token, "/v1/aspects/cpu", patch.clone())
        .await
        .ok(200);
    server
        .get(&token, "/v1/aspects/cpu/samples/host1")
        .await
        .ok(200);
    // Samples count as their aspect: write on the aspect puts them.
    server
        .put(
            &token,
            "/v1/aspects/cpu/samples/host1",
            json!({"value": "2"}),
        )
        .await
        .ok(200);
    server.get(&token, "/v1/subjects/host1").await.ok(200);
    // Not granted: another record, or another access to a granted one.
    for path in [
        "/v1/aspects/mem",
        "/v1/aspects/mem/samples/host1",
        "/v1/subjects/host2",
        "/v1/subjects/host2/writers",
    ] {
        server
            .get(&token, path)
            .await
            .refused(403, "not_granted")
            .challenged(None);
    }
    server
        .patch(&token, "/v1/subjects/host1", patch)
        .await
        .refused(403, "not_granted");
    server
        .delete(&token, "/v1/aspects/cpu/samples/host1")
        .await
        .refused(403, "not_granted");
    server
        .delete(&token, "/v1/aspects/cpu")
        .await
        .refused(403, "not_granted");
    server
        .post(&token, "/v1/aspects/cpu/writers", json!(["admin"]))
        .await
        .ok(200);
    server
        .post(&token, "/v1/subjects/host1/writers", json!(["admin"]))
        .await
        .refused(403, "not_granted");
    // Creating a record needs write access to its name.
    server
        .post(&token, "/v1/aspects", json!({"name": "disk"}))
        .await
        .refused(403, "not_granted");
    // Delete is granted on host1: the record goes.
    server
        .delete(&token, "/v1/subjects/host1")
        .await
        .expect(204);
    // Scope still applies on top: an edit token does not read users.
    server
        .get(&token, "/v1/users")
        .await
        .refused(403, "insufficient_scope");
}

async fn listings_show_only_readable_records(server: &TestServer) {
    records(server).await;
    let token = granted(
        server,
        json!({"aspects/mem": ["read"], "aspects/cpu": ["write"], "subjects/host2": ["read"]}),
    )
    .await;
    let names = |listed: Value| -> Vec<Value> {
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["name"].clone())
            .collect()
    };
    let aspects = server.get(&token, "/v1/aspects").await.ok(200);
    assert_eq!(names(aspects), [json!("mem")]);
    let subjects = server.get(&token, "/v1/subjects").await.ok(200);
    assert_eq!(names(subjects), [json!("host2")]);
    // Without grants, everything.
    let all = server.get(&server.admin_token, "/v1/aspects").await.ok(200);
    assert_eq!(names(all), [json!("cpu"), json!("mem")]);
    // `{}` grants nothing.
    let nothing = granted(server, json!({})).await;
    let listed = server.get(&nothing, "/v1/subjects").await.ok(200);
    assert_eq!(listed, json!([]));
}

async fn grants_are_stored_and_only_narrow(server: &TestServer) {
    let grants = json!({"aspects/cpu": ["read", "write"], "subjects/host1": ["read"]});
    let body = json!({"name": "parent", "scope": "full", "grants": grants});
    let parent = server
        .post(&server.admin_token, "/v1/tokens", body)
        .await
        .ok(201);
    assert_eq!(parent["grants"], grants);
    let listed = server.listed_token(&server.admin_token, "parent").await;
    assert_eq!(listed["grants"], grants);
    let parent = text(&parent["token"]);
    let current = server.get(&parent, "/v1/tokens/current").await.ok(200);
    assert_eq!(current["grants"], grants);
    // Omitted: inherited.
    let child = server
        .post(&parent, "/v1/tokens", json!({"name": "same"}))
        .await
        .ok(201);
    assert_eq!(child["grants"], grants);
    // Within: kept as asked.
    let within = json!({"aspects/cpu": ["read"]});
    let child = server
        .post(
            &parent,
            "/v1/tokens",
            json!({"name": "less", "grants": within}),
        )
        .await
        .ok(201);
    assert_eq!(child["grants"], within);
    // Beyond, in resource or access: refused, naming the grant.
    for (beyond, named) in [
        (json!({"aspects/mem": ["read"]}), "aspects/mem"),
        (json!({"aspects/cpu": ["delete"]}), "delete"),
    ] {
        let reply = server
            .post(
                &parent,
                "/v1/tokens",
                json!({"name": "more", "grants": beyond}),
            )
            .await;
        reply.refused(422, "exceeds_parent");
        assert!(reply.text.contains(named), "{}", reply.text);
    }
}

async fn malformed_grants_are_400(server: &TestServer) {
    let too_many: serde_json::Map<String, Value> = (0..65)
        .map(|n| (format!("aspects/a{n}"), json!(["read"])))
        .collect();
    for grants in [
        json!({"aspects": ["read"]}),
        json!({"users/alice": ["read"]}),
        json!({"aspects/cpu!": ["read"]}),
        json!({"aspects/cpu": ["execute"]}),
        json!({"aspects/cpu": "read"}),
        json!(["aspects/cpu"]),
        Value::Object(too_many),
    ] {
        let body = json!({"name": "bad", "grants": grants});
        let reply = server.post(&server.admin_token, "/v1/tokens", body).await;
        assert_eq!(reply.status, 400, "{grants}: {}", reply.text);
        assert!(
            matches!(
                reply.body["error"]["code"].as_str(),
                Some("invalid_grants" | "bad_request_body")
            ),
            "{}",
            reply.text
        );
    }
}
