//! Bad paths and request lines, each answered with a specific 4xx, after which the server
//! still serves normally: over-long names, names with characters names cannot have,
//! percent-encoded junk, routes and methods that do not exist, dot segments.

use http::Method;
use serde_json::json;

use crate::support::TestServer;

on_every_backend![bad_paths_are_4xx, bad_request_lines_are_4xx];

async fn bad_paths_are_4xx(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    let long = "n".repeat(61);
    let very_long = "n".repeat(20_000);
    // Names no record has, over-long or with characters names cannot have: 404.
    let not_found = [
        format!("/v1/subjects/{long}"),
        format!("/v1/subjects/{very_long}"),
        format!("/v1/subjects/{long}/writers"),
        format!("/v1/aspects/cpu/samples/{long}"),
        "/v1/subjects/a%20b".to_owned(),
        "/v1/subjects/a.b".to_owned(),
        "/v1/subjects/%00".to_owned(),
        "/v1/subjects/%zz".to_owned(),
        "/v1/subjects/host1%2Fwriters".to_owned(),
        "/v1/subjects/HOST1".to_owned(),
        "/v1/subjects/%68ost1x".to_owned(),
        "/v1/aspects/%E2%9C%93/samples/host1".to_owned(),
        // Routes that do not exist (`/` is the token page's redirect: see page.rs).
        "/v1".to_owned(),
        "/v1/".to_owned(),
        "/v2/subjects".to_owned(),
        "/v1/subjects/host1/writers/admin/x".to_owned(),
        "/v1/samples".to_owned(),
    ];
    for path in &not_found {
        server.get(admin, path).await.refused(404, "not_found");
    }
    // Percent-encoded bytes that are not UTF-8 name nothing either: a JSON 400.
    let body = json!({"value": "1"});
    for (method, path) in [
        (Method::GET, "/v1/subjects/%ff%fe"),
        (Method::GET, "/v1/subjects/%E2%82"),
        (Method::GET, "/v1/subjects/%C0%AF/writers"),
        (Method::GET, "/v1/aspects/%ff/samples/host1"),
        (Method::PUT, "/v1/aspects/cpu/samples/%ff"),
        (Method::DELETE, "/v1/subjects/host1/writers/%ff"),
        (Method::DELETE, "/v1/tokens/%ff"),
        (Method::POST, "/v1/tokens/%ff/revoke"),
    ] {
        let reply = server.call(method, admin, path, Some(&body)).await;
        reply.refused(400, "invalid_path");
    }
    // A caller who may not use a token route at all is refused before its path is read: the
    // routes' scope layers run before any extractor.
    let read_only = server.token(admin, "read-only").await;
    for (method, path) in [
        (Method::DELETE, "/v1/tokens/%ff"),
        (Method::POST, "/v1/tokens/%ff/revoke"),
        (Method::POST, "/v1/tokens/%ff/restore"),
    ] {
        server
            .call(method, &read_only, path, None)
            .await
            .insufficient_scope();
    }
    // Methods a route does not take.
    for (method, path) in [
        (Method::DELETE, "/v1/subjects"),
        (Method::PUT, "/v1/subjects/host1"),
        (Method::GET, "/v1/tokens/1"),
        (Method::GET, "/v1/tokens/1/revoke"),
        (Method::POST, "/v1/subjects/host1/writers/admin"),
    ] {
        let reply = server.call(method, admin, path, None).await;
        reply.refused(405, "method_not_allowed");
    }
    // A junk override parameter is no override.
    server
        .add_writers(admin, "subjects", "host1", &["admin"])
        .await;
    let alice = server.user("alice", "editor").await;
    for query in [
        "?override=%ff",
        "?override",
        "?override=admin%00",
        "?%ff=%fe",
    ] {
        let path = format!("/v1/subjects/host1{query}");
        let reply = server
            .patch(&alice, &path, json!({"description": "x"}))
            .await;
        reply.not_a_writer();
    }
    server.assert_serving().await;
}

async fn bad_request_lines_are_4xx(server: &TestServer) {
    let auth = format!("Authorization: Bearer {}", server.admin_token);
    let cases = [
        // Dot segments are not resolved: they name no route.
        ("GET /v1/../v1/subjects HTTP/1.1", auth.as_str(), 404),
        ("GET /v1/subjects/./host1 HTTP/1.1", &auth, 404),
        ("GET nothing HTTP/1.1", &auth, 404),
        ("GET /v1/subjects HTTP/9.9", &auth, 400),
        ("GET /v1/sub jects HTTP/1.1", &auth, 400),
        ("GET /v1/subjects HTTP/1.1", "Bad Header: x", 400),
        ("GARBAGE", "X-Filler: 1", 400),
    ];
    for (line, header, status) in cases {
        let request = format!("{line}\r\nHost: t\r\n{header}\r\nConnection: close\r\n\r\n");
        assert_eq!(server.raw(request.as_bytes()).await, status, "{request:?}");
    }
    server.assert_serving().await;
}
