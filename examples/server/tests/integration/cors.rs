//! docs/server-api.md "CORS": headers only under `CORS_ROUTES` prefixes, preflights answered 204 or
//! 403, actual requests (errors included) given `Access-Control-Allow-Origin`.

use http::Method;
use serde_json::{Value, json};

use crate::support::{Reply, TestServer, send, text};

const LISTED: &[(&str, &str)] = &[
    (
        "CORS_ROUTES",
        " /v1/subjects , /v1/tokens/current/,/v1/subjects",
    ),
    (
        "CORS_ALLOWED_ORIGINS",
        "https://app.example.com, https://*.example.org",
    ),
];
const ANY_ORIGIN: &[(&str, &str)] = &[("CORS_ROUTES", "/v1/subjects")];
const EVERY_ROUTE: &[(&str, &str)] = &[("CORS_ROUTES", "*")];

const APP: &str = "https://app.example.com";
const PREFLIGHT_VARY: &str =
    "origin, access-control-request-method, access-control-request-headers";

on_every_backend![
    allowed_preflight_is_204_with_every_header with LISTED,
    other_preflights_are_403_without_cors_headers with LISTED,
    actual_requests_get_allow_origin_on_listed_routes_only with LISTED,
    errors_carry_cors_headers with LISTED,
    any_origin_is_answered_with_a_star with ANY_ORIGIN,
    no_route_is_open_by_default,
    star_opens_every_route with EVERY_ROUTE,
];

/// A preflight for `method` on `path` from `origin`, asking for `headers` when given.
async fn preflight(
    server: &TestServer,
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> Reply {
    let mut request = server
        .request(Method::OPTIONS, path)
        .header("origin", origin)
        .header("access-control-request-method", method);
    if let Some(headers) = headers {
        request = request.header("access-control-request-headers", headers);
    }
    send(request).await
}

/// `GET path` with the admin's token and this `Origin`.
async fn get_from(server: &TestServer, path: &str, origin: &str) -> Reply {
    let headers = [("origin", origin.as_bytes())];
    server
        .get_with(Some(&server.admin_token), path, &headers)
        .await
}

/// Every `access-control-*` header of the reply.
fn cors_headers(reply: &Reply) -> Vec<&str> {
    let names = reply.headers.keys().map(http::HeaderName::as_str);
    names
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

/// Asserts the status and that no `access-control-*` header was sent.
#[track_caller]
fn assert_not_cors(reply: &Reply, status: u16) {
    reply.expect(status);
    assert_eq!(cors_headers(reply), Vec::<&str>::new(), "{}", reply.request);
}

/// Asserts that `reply` allows `origin` as an actual cross-origin response that varies by origin.
#[track_caller]
fn assert_allowed(reply: &Reply, origin: &str) {
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(origin),
        "{}",
        reply.request
    );
    assert_eq!(reply.header_all("vary"), ["origin"], "{}", reply.request);
    assert_eq!(
        cors_headers(reply),
        ["access-control-allow-origin"],
        "{}",
        reply.request
    );
}

async fn allowed_preflight_is_204_with_every_header(server: &TestServer) {
    for (path, origin) in [
        ("/v1/subjects", APP),
        ("/v1/subjects/", APP),
        ("/v1/subjects/host1/writers/alice", APP),
        ("/v1/tokens/current", "https://a.example.org"),
        (
            "/v1/subjects?override=admin",
            "https://deep.sub.example.org",
        ),
    ] {
        let reply = preflight(
            server,
            path,
            origin,
            "PATCH",
            Some("Authorization, Content-Type"),
        )
        .await;
        assert_eq!(reply.expect(204).text, "");
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
        assert_eq!(
            reply.header("access-control-allow-methods"),
            Some("GET,HEAD,PUT,PATCH,POST,DELETE")
        );
        let allowed = reply
            .header("access-control-allow-headers")
            .unwrap()
            .to_ascii_lowercase();
        let allowed: Vec<&str> = allowed.split(',').map(str::trim).collect();
        assert!(
            allowed.contains(&"authorization") && allowed.contains(&"content-type"),
            "{allowed:?}"
        );
        assert_eq!(reply.header("access-control-max-age"), Some("600"));
        assert_eq!(reply.header_all("vary"), [PREFLIGHT_VARY]);
    }
    // No requested headers is fine too.
    let reply = preflight(server, "/v1/subjects", APP, "GET", None).await;
    assert_eq!(
        reply.expect(204).header("access-control-allow-origin"),
        Some(APP)
    );
}

async fn other_preflights_are_403_without_cors_headers(server: &TestServer) {
    let huge_origin = format!("https://{}.example.com", "a".repeat(100 * 1024));
    let many_headers = vec!["x-a"; 5000].join(",");
    let cases = [
        // Origins not allowed, or not origins (a 100 KB one among them).
        ("/v1/subjects", "https://evil.example.com", "GET", None),
        ("/v1/subjects", "https://example.org", "GET", None),
        ("/v1/subjects", "http://app.example.com", "GET", None),
        (
            "/v1/subjects",
            "https://app.example.com.evil.com",
            "GET",
            None,
        ),
        ("/v1/subjects", "null", "GET", None),
        ("/v1/subjects", huge_origin.as_str(), "GET", None),
        // Routes not listed: elsewhere, a longer segment, another case, not in normal form.
        ("/v1/users", APP, "GET", None),
        ("/v1/tokens", APP, "GET", None),
        ("/v1/subjectsX", APP, "GET", None),
        ("/v1/subjects-old/x", APP, "GET", None),
        ("/V1/SUBJECTS", APP, "GET", None),
        ("/v1//subjects", APP, "GET", None),
        ("/v1/subjects/a%2Fb", APP, "GET", None),
        // Methods and headers not allowed, and 5,000 requested headers.
        ("/v1/subjects", APP, "TRACE", None),
        ("/v1/subjects", APP, "OPTIONS", None),
        ("/v1/subjects", APP, "get", None),
        ("/v1/subjects", APP, "GET", Some("x-secret")),
        ("/v1/subjects", APP, "GET", Some("authorization, cookie")),
        ("/v1/subjects", APP, "GET", Some(many_headers.as_str())),
    ];
    for (path, origin, method, headers) in cases {
        let reply = preflight(server, path, origin, method, headers).await;
        reply
            .refused(403, "cors_preflight_rejected")
            .challenged(None);
        assert_not_cors(&reply, 403);
    }
    assert_not_cors(&get_from(server, "/v1/subjects", &huge_origin).await, 200);
    server.assert_serving().await;
}

async fn actual_requests_get_allow_origin_on_listed_routes_only(server: &TestServer) {
    server
        .record(&server.admin_token, "subjects", "host1")
        .await;
    for (path, origin) in [
        ("/v1/subjects", APP),
        ("/v1/subjects/host1", APP),
        ("/v1/subjects/host1/writers", APP),
        ("/v1/tokens/current", "https://x.example.org"),
    ] {
        assert_allowed(get_from(server, path, origin).await.expect(200), origin);
    }
    // A refused origin is still served (the browser withholds the answer) but not allowed;
    // the answer varies by origin all the same, as does one without Origin.
    let refused = get_from(server, "/v1/subjects", "https://evil.example.com").await;
    assert_not_cors(&refused, 200);
    assert_eq!(refused.header_all("vary"), ["origin"]);
    let same_origin = server.get(&server.admin_token, "/v1/subjects").await;
    assert_not_cors(&same_origin, 200);
    assert_eq!(same_origin.header_all("vary"), ["origin"]);
    // Routes not listed get nothing.
    for path in [
        "/v1/users",
        "/v1/aspects",
        "/api/tokens/current",
        "/v1/tokens",
    ] {
        let reply = get_from(server, path, APP).await;
        assert_not_cors(&reply, 200);
        assert_eq!(reply.header_all("vary"), Vec::<&str>::new(), "{path}");
    }
    // OPTIONS without Access-Control-Request-Method is not a preflight: it is routed (no
    // route takes OPTIONS) and is an actual cross-origin request.
    let options = server
        .request(Method::OPTIONS, "/v1/subjects")
        .bearer_auth(&server.admin_token)
        .header("origin", APP);
    let options = send(options).await;
    options.refused(405, "method_not_allowed");
    assert_allowed(&options, APP);
}

/// A request (method, path, token, JSON body) and the status and code it is refused with.
type ErrorCase<'a> = (
    Method,
    &'a str,
    Option<&'a str>,
    Option<Value>,
    u16,
    &'a str,
);

async fn errors_carry_cors_headers(server: &TestServer) {
    let reader = server.user("reader", "reader").await;
    let alice = server.user("alice", "editor").await;
    server.record(&alice, "subjects", "locked").await;
    server
        .add_writers(&alice, "subjects", "locked", &["alice"])
        .await;
    let created = server
        .token_with_origins("web", json!(["https://other.example.org"]))
        .await;
    let restricted = text(&created["token"]);
    let admin = Some(server.admin_token.as_str());
    let cases: [ErrorCase<'_>; 9] = [
        (
            Method::GET,
            "/v1/subjects",
            None,
            None,
            401,
            "missing_token",
        ),
        (
            Method::GET,
            "/v1/subjects",
            Some("tgsk_nope"),
            None,
            401,
            "invalid_token",
        ),
        (
            Method::GET,
            "/v1/subjects",
            Some(&restricted),
            None,
            403,
            "origin_not_allowed",
        ),
        (
            Method::POST,
            "/v1/subjects",
            Some(&reader),
            Some(json!({"name": "x"})),
            403,
            "insufficient_scope",
        ),
        (
            Method::DELETE,
            "/v1/subjects/locked",
            admin,
            None,
            403,
            "not_a_writer",
        ),
        (
            Method::GET,
            "/v1/subjects/ghost",
            Some(&reader),
            None,
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/v1/subjects",
            admin,
            Some(json!({"nme": "x"})),
            400,
            "bad_request_body",
        ),
        (
            Method::POST,
            "/v1/subjects",
            admin,
            Some(json!("x".repeat(70_000))),
            413,
            "payload_too_large",
        ),
        (
            Method::PUT,
            "/v1/subjects",
            admin,
            None,
            405,
            "method_not_allowed",
        ),
    ];
    for (method, path, token, body, status, code) in cases {
        let mut request = server.request(method, path).header("origin", APP);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let reply = send(request).await;
        reply.refused(status, code);
        assert_allowed(&reply, APP);
    }
}

async fn any_origin_is_answered_with_a_star(server: &TestServer) {
    for origin in [APP, "http://localhost:8080", "https://evil.example.com"] {
        let reply = get_from(server, "/v1/subjects", origin).await;
        assert_eq!(
            reply.expect(200).header("access-control-allow-origin"),
            Some("*")
        );
        // The answer does not depend on the origin.
        assert_eq!(reply.header_all("vary"), Vec::<&str>::new());
        let reply = preflight(
            server,
            "/v1/subjects/x",
            origin,
            "DELETE",
            Some("authorization"),
        )
        .await;
        assert_eq!(
            reply.expect(204).header("access-control-allow-origin"),
            Some("*")
        );
    }
    // `*` allows any origin, never an invalid one, nor an unlisted route.
    assert_not_cors(
        &preflight(server, "/v1/subjects", "null", "GET", None).await,
        403,
    );
    assert_not_cors(
        &preflight(server, "/v1/aspects", APP, "GET", None).await,
        403,
    );
    assert_not_cors(&get_from(server, "/v1/aspects", APP).await, 200);
}

async fn no_route_is_open_by_default(server: &TestServer) {
    for path in ["/v1/subjects", "/v1/tokens/current", "/v1/users"] {
        assert_not_cors(&get_from(server, path, APP).await, 200);
        assert_not_cors(&preflight(server, path, APP, "GET", None).await, 403);
    }
}

async fn star_opens_every_route(server: &TestServer) {
    for path in [
        "/v1/subjects",
        "/v1/tokens/current",
        "/v1/users",
        "/api/tokens/current",
    ] {
        let reply = get_from(server, path, APP).await;
        assert_eq!(
            reply.expect(200).header("access-control-allow-origin"),
            Some("*")
        );
        preflight(server, path, APP, "POST", Some("content-type"))
            .await
            .expect(204);
    }
    // Not even `*` opens a path that is not in normal form.
    assert_not_cors(&get_from(server, "/v1//users", APP).await, 404);
}
