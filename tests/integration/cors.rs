//! SERVER-API.md "CORS": headers only under `CORS_ROUTES` prefixes, preflights answered 204 or
//! 403, actual requests (errors included) given `Access-Control-Allow-Origin`.

use http::Method;
use serde_json::json;

use crate::support::{Reply, TestServer, send};

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
    send(
        server
            .request(Method::GET, path)
            .bearer_auth(&server.admin_token)
            .header("origin", origin),
    )
    .await
}

/// Every `access-control-*` header of the reply.
fn cors_headers(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

/// Asserts that `reply` allows `origin` as an actual cross-origin response that varies by origin.
#[track_caller]
fn assert_allowed(reply: &Reply, origin: &str) {
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(origin),
        "{}",
        reply.text
    );
    assert_eq!(reply.header_all("vary"), ["origin"]);
    assert_eq!(cors_headers(reply), ["access-control-allow-origin"]);
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
        assert_eq!(reply.status, 204, "{path} {origin}: {}", reply.text);
        assert_eq!(reply.text, "");
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
        assert_eq!(
            reply.header("access-control-allow-methods"),
            Some("GET,HEAD,PUT,PATCH,POST,DELETE")
        );
        let allowed = reply
            .header("access-control-allow-headers")
            .unwrap()
            .to_ascii_lowercase();
        assert!(
            allowed.split(',').any(|h| h.trim() == "authorization"),
            "{allowed}"
        );
        assert!(
            allowed.split(',').any(|h| h.trim() == "content-type"),
            "{allowed}"
        );
        assert_eq!(reply.header("access-control-max-age"), Some("600"));
        assert_eq!(reply.header_all("vary"), [PREFLIGHT_VARY]);
    }
    // No requested headers is fine too.
    let reply = preflight(server, "/v1/subjects", APP, "GET", None).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
}

async fn other_preflights_are_403_without_cors_headers(server: &TestServer) {
    let cases = [
        // Origins not allowed, or not origins.
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
        // Routes not listed: elsewhere, a longer segment, another case, not in normal form.
        ("/v1/users", APP, "GET", None),
        ("/v1/tokens", APP, "GET", None),
        ("/v1/subjectsX", APP, "GET", None),
        ("/v1/subjects-old/x", APP, "GET", None),
        ("/V1/SUBJECTS", APP, "GET", None),
        ("/v1//subjects", APP, "GET", None),
        ("/v1/subjects/a%2Fb", APP, "GET", None),
        // Methods and headers not allowed.
        ("/v1/subjects", APP, "TRACE", None),
        ("/v1/subjects", APP, "OPTIONS", None),
        ("/v1/subjects", APP, "get", None),
        ("/v1/subjects", APP, "GET", Some("x-secret")),
        ("/v1/subjects", APP, "GET", Some("authorization, cookie")),
    ];
    for (path, origin, method, headers) in cases {
        let reply = preflight(server, path, origin, method, headers).await;
        let context = format!("{path} {origin} {method} {headers:?}: {}", reply.text);
        assert_eq!(reply.status, 403, "{context}");
        reply
            .refused(403, "cors_preflight_rejected")
            .challenged(None);
        assert_eq!(cors_headers(&reply), Vec::<String>::new(), "{context}");
    }
    // Absurd sizes are refused too: a 100 KB origin, a list of 5,000 requested headers.
    let huge_origin = format!("https://{}.example.com", "a".repeat(100 * 1024));
    let many_headers = vec!["x-a"; 5000].join(",");
    for (origin, headers) in [
        (huge_origin.as_str(), None),
        (APP, Some(many_headers.as_str())),
    ] {
        let reply = preflight(server, "/v1/subjects", origin, "GET", headers).await;
        reply.refused(403, "cors_preflight_rejected");
        assert_eq!(cors_headers(&reply), Vec::<String>::new());
    }
    let reply = get_from(server, "/v1/subjects", &huge_origin).await;
    assert_eq!((reply.status, cors_headers(&reply)), (200, Vec::new()));
    server.assert_serving().await;
}

async fn actual_requests_get_allow_origin_on_listed_routes_only(server: &TestServer) {
    server
        .record(&server.admin_token, "subjects", "host1")
        .await;
    for path in [
        "/v1/subjects",
        "/v1/subjects/host1",
        "/v1/subjects/host1/writers",
    ] {
        let reply = get_from(server, path, APP).await;
        assert_eq!(reply.status, 200);
        assert_allowed(&reply, APP);
    }
    let reply = get_from(server, "/v1/tokens/current", "https://x.example.org").await;
    assert_eq!(reply.status, 200);
    assert_allowed(&reply, "https://x.example.org");
    // A refused origin is still served (the browser withholds the answer) but not allowed;
    // the answer varies by origin all the same, as does one without Origin.
    let refused = get_from(server, "/v1/subjects", "https://evil.example.com").await;
    assert_eq!((refused.status, cors_headers(&refused)), (200, Vec::new()));
    assert_eq!(refused.header_all("vary"), ["origin"]);
    let same_origin = server.get(&server.admin_token, "/v1/subjects").await;
    assert_eq!(cors_headers(&same_origin), Vec::<String>::new());
    assert_eq!(same_origin.header_all("vary"), ["origin"]);
    // Routes not listed get nothing.
    for path in [
        "/v1/users",
        "/v1/aspects",
        "/api/tokens/current",
        "/v1/tokens",
    ] {
        let reply = get_from(server, path, APP).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(cors_headers(&reply), Vec::<String>::new(), "{path}");
        assert_eq!(reply.header_all("vary"), Vec::<&str>::new(), "{path}");
    }
    // OPTIONS without Access-Control-Request-Method is not a preflight: it is routed (no
    // route takes OPTIONS) and is an actual cross-origin request.
    let options = send(
        server
            .request(Method::OPTIONS, "/v1/subjects")
            .bearer_auth(&server.admin_token)
            .header("origin", APP),
    )
    .await;
    options.refused(405, "method_not_allowed");
    assert_allowed(&options, APP);
}

async fn errors_carry_cors_headers(server: &TestServer) {
    let reader = server.user("reader", "reader").await;
    let alice = server.user("alice", "editor").await;
    server.record(&alice, "subjects", "locked").await;
    server
        .post(&alice, "/v1/subjects/locked/writers", json!(["alice"]))
        .await
        .ok(200);
    let from_app = |request: reqwest::RequestBuilder| request.header("origin", APP);
    let cases = [
        (
            from_app(server.request(Method::GET, "/v1/subjects")),
            401,
            "missing_token",
        ),
        (
            from_app(
                server
                    .request(Method::GET, "/v1/subjects")
                    .bearer_auth("tg_nope"),
            ),
            401,
            "invalid_token",
        ),
        (
            from_app(
                server
                    .request(Method::POST, "/v1/subjects")
                    .bearer_auth(&reader)
                    .json(&json!({"name": "x"})),
            ),
            403,
            "insufficient_scope",
        ),
        (
            from_app(
                server
                    .request(Method::DELETE, "/v1/subjects/locked")
                    .bearer_auth(&server.admin_token),
            ),
            403,
            "not_a_writer",
        ),
        (
            from_app(
                server
                    .request(Method::GET, "/v1/subjects/ghost")
                    .bearer_auth(&reader),
            ),
            404,
            "not_found",
        ),
        (
            from_app(
                server
                    .request(Method::POST, "/v1/subjects")
                    .bearer_auth(&server.admin_token)
                    .json(&json!({"nme": "x"})),
            ),
            400,
            "bad_request_body",
        ),
        (
            from_app(
                server
                    .request(Method::POST, "/v1/subjects")
                    .bearer_auth(&server.admin_token)
                    .header("content-type", "application/json")
                    .body(" ".repeat(70_000)),
            ),
            413,
            "payload_too_large",
        ),
        (
            from_app(
                server
                    .request(Method::PUT, "/v1/subjects")
                    .bearer_auth(&server.admin_token),
            ),
            405,
            "method_not_allowed",
        ),
    ];
    for (request, status, code) in cases {
        let reply = send(request).await;
        assert_eq!(reply.status, status, "{code}: {}", reply.text);
        reply.refused(status, code);
        assert_allowed(&reply, APP);
    }
    // A token refused for its origin: the CORS headers still let the page read why.
    let created = server
        .post(
            &server.admin_token,
            "/v1/tokens",
            json!({"name": "web", "allowed_origins": ["https://other.example.org"]}),
        )
        .await
        .ok(201);
    let restricted = send(from_app(
        server
            .request(Method::GET, "/v1/subjects")
            .bearer_auth(created["token"].as_str().unwrap()),
    ))
    .await;
    restricted.refused(403, "origin_not_allowed");
    assert_allowed(&restricted, APP);
}

async fn any_origin_is_answered_with_a_star(server: &TestServer) {
    for origin in [APP, "http://localhost:8080", "https://evil.example.com"] {
        let reply = get_from(server, "/v1/subjects", origin).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
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
        assert_eq!(reply.status, 204);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
    // `*` allows any origin, never an invalid one, nor an unlisted route.
    let reply = preflight(server, "/v1/subjects", "null", "GET", None).await;
    assert_eq!((reply.status, cors_headers(&reply)), (403, Vec::new()));
    let reply = preflight(server, "/v1/aspects", APP, "GET", None).await;
    assert_eq!((reply.status, cors_headers(&reply)), (403, Vec::new()));
    let reply = get_from(server, "/v1/aspects", APP).await;
    assert_eq!((reply.status, cors_headers(&reply)), (200, Vec::new()));
}

async fn no_route_is_open_by_default(server: &TestServer) {
    for path in ["/v1/subjects", "/v1/tokens/current", "/v1/users"] {
        let reply = get_from(server, path, APP).await;
        assert_eq!(
            (reply.status, cors_headers(&reply)),
            (200, Vec::new()),
            "{path}"
        );
        let reply = preflight(server, path, APP, "GET", None).await;
        assert_eq!(
            (reply.status, cors_headers(&reply)),
            (403, Vec::new()),
            "{path}"
        );
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
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        let reply = preflight(server, path, APP, "POST", Some("content-type")).await;
        assert_eq!(reply.status, 204, "{path}");
    }
    // Not even `*` opens a path that is not in normal form.
    let reply = get_from(server, "/v1//users", APP).await;
    assert_eq!(cors_headers(&reply), Vec::<String>::new());
}
