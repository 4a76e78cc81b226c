//! docs/server-api.md "Limits": bodies over 64 KiB are 413, unknown JSON fields are 400, absurdly
//! long credentials are 401, and the server keeps serving.

use http::Method;
use serde_json::json;

use crate::support::{Reply, TestServer};

on_every_backend![
    bodies_up_to_64_kib_are_accepted_and_larger_ones_are_413,
    chunked_bodies_over_the_limit_are_413,
    unknown_json_fields_are_400,
    absurdly_long_credentials_are_401,
];

/// The largest body accepted.
const LIMIT: usize = 64 * 1024;

/// `PUT` of a sample whose JSON body is exactly `size` bytes.
async fn put_sample_of(server: &TestServer, size: usize) -> Reply {
    // `{"value":"` and `"}` take 12 bytes.
    let body = format!(r#"{{"value":"{}"}}"#, "v".repeat(size - 12));
    assert_eq!(body.len(), size);
    let path = "/v1/aspects/cpu/samples/host1";
    server
        .call_raw(Method::PUT, &server.admin_token, path, body)
        .await
}

async fn bodies_up_to_64_kib_are_accepted_and_larger_ones_are_413(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    put_sample_of(server, LIMIT).await.ok(201);
    for size in [LIMIT + 1, 10 * LIMIT] {
        put_sample_of(server, size)
            .await
            .refused(413, "payload_too_large");
    }
    // The sample kept the last accepted value.
    let sample = server
        .get(admin, "/v1/aspects/cpu/samples/host1")
        .await
        .ok(200);
    assert_eq!(sample["value"].as_str().map(str::len), Some(LIMIT - 12));
    // Every body-taking route has the limit.
    for (method, path) in [
        (Method::POST, "/v1/users"),
        (Method::POST, "/v1/tokens"),
        (Method::POST, "/v1/subjects"),
        (Method::PATCH, "/v1/subjects/host1"),
        (Method::POST, "/v1/aspects/cpu/writers"),
    ] {
        let reply = server
            .call_raw(method, admin, path, " ".repeat(LIMIT + 1))
            .await;
        reply.refused(413, "payload_too_large");
    }
    server.assert_serving().await;
}

async fn chunked_bodies_over_the_limit_are_413(server: &TestServer) {
    let chunk = " ".repeat(LIMIT + 100);
    let request = format!(
        "POST /v1/subjects HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{chunk}\r\n0\r\n\r\n",
        server.admin_token,
        chunk.len()
    );
    assert_eq!(server.raw(request.as_bytes()).await, 413);
    server.assert_serving().await;
}

async fn unknown_json_fields_are_400(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    let cases = [
        (
            Method::POST,
            "/v1/users",
            json!({"name": "eve", "role": "reader", "admin": true}),
        ),
        (
            Method::POST,
            "/v1/tokens",
            json!({"name": "t", "scopes": "full"}),
        ),
        (
            Method::POST,
            "/v1/tokens",
            json!({"name": "t", "expires": "2999-01-01T00:00:00Z"}),
        ),
        (
            Method::POST,
            "/v1/subjects",
            json!({"name": "x", "descripton": "typo"}),
        ),
        (
            Method::POST,
            "/v1/aspects",
            json!({"name": "x", "writers": ["admin"]}),
        ),
        (
            Method::PATCH,
            "/v1/subjects/host1",
            json!({"description": "d", "name": "renamed"}),
        ),
        (
            Method::PUT,
            "/v1/aspects/cpu/samples/host1",
            json!({"value": "1", "unit": "%"}),
        ),
    ];
    for (method, path, body) in cases {
        let reply = server.call(method, admin, path, Some(&body)).await;
        reply.refused(400, "bad_request_body");
    }
    // Nothing was created or changed.
    let users = server.get(admin, "/v1/users").await.ok(200);
    assert_eq!(users.as_array().map(Vec::len), Some(1));
    let subjects = server.get(admin, "/v1/subjects").await.ok(200);
    assert_eq!(
        subjects,
        json!([{"name": "host1", "description": null, "writers": []}])
    );
    let sample = server.get(admin, "/v1/aspects/cpu/samples/host1").await;
    sample.refused(404, "not_found");
}

async fn absurdly_long_credentials_are_401(server: &TestServer) {
    let long = "A".repeat(100 * 1024);
    for value in [
        format!("Bearer tgsk_{long}"),
        format!("tgsk_{long}"),
        format!("Bearer {long}"),
        long.clone(),
        format!("Bearer {}", "tgsk_ab ".repeat(10_000)),
    ] {
        let headers = [("authorization", value.as_bytes())];
        server
            .get_with(None, "/v1/subjects", &headers)
            .await
            .invalid_token();
    }
    // Past what the HTTP layer buffers (about 400 KB of header, 100 header fields), hyper
    // answers 431 before the server sees the request, and keeps serving.
    let value = format!("Bearer tg_{}", "A".repeat(1024 * 1024));
    let headers = [("authorization", value.as_bytes())];
    server
        .get_with(None, "/v1/subjects", &headers)
        .await
        .expect(431);
    let names: Vec<String> = (0..200).map(|index| format!("x-header-{index}")).collect();
    let many: Vec<(&str, &[u8])> = names
        .iter()
        .map(|name| (name.as_str(), &b"v"[..]))
        .collect();
    let token = Some(server.admin_token.as_str());
    server
        .get_with(token, "/v1/subjects", &many)
        .await
        .expect(431);
    server.assert_serving().await;
}
