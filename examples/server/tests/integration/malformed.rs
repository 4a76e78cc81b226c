//! Bad input, each answered with a specific 4xx, after which the server still serves
//! normally: malformed `Authorization` headers and tokens, malformed JSON bodies, NUL
//! characters. Bad paths and request lines are in `paths.rs`.

use http::Method;
use serde_json::{Value, json};

use crate::support::TestServer;

/// These cases send more bad credentials from one address than the failed-authentication
/// throttle allows by default; the throttle's own tests are in `throttle.rs`.
const MANY_FAILURES: &[(&str, &str)] = &[("TOLLGATE_AUTH_FAILURES_PER_MINUTE", "1000")];

on_every_backend![
    malformed_authorization_headers_are_401 with MANY_FAILURES,
    control_bytes_in_headers_are_400,
    malformed_tokens_are_401 with MANY_FAILURES,
    malformed_json_bodies_are_400,
    nul_characters_are_refused,
];

async fn malformed_authorization_headers_are_401(server: &TestServer) {
    let token = &server.admin_token;
    let values: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"   ".to_vec(),
        b"Bearer".to_vec(),
        b"Bearer    ".to_vec(),
        b"Basic YWRtaW46YWRtaW4=".to_vec(),
        b"Digest username=\"admin\"".to_vec(),
        format!("Basic {token}").into_bytes(),
        format!("Bearer {token} {token}").into_bytes(),
        format!("Bearer {token},{token}").into_bytes(),
        format!("Bearer {token}, Bearer {token}").into_bytes(),
        format!("Bearer Bearer {token}").into_bytes(),
        format!("Bearer \"{token}\"").into_bytes(),
        format!("Bearer {token};").into_bytes(),
        format!("Bearer{token}").into_bytes(),
        format!("Bearer {}\t{}", &token[..10], &token[10..]).into_bytes(),
        format!("Bearer {token}é").into_bytes(),
        format!("Bearer é{token}").into_bytes(),
        b"Bearer \xff\xfe\xfd".to_vec(),
        format!("Bearer {token}=x").into_bytes(),
    ];
    for value in values {
        let headers = [("authorization", value.as_slice())];
        server
            .get_with(None, "/v1/subjects", &headers)
            .await
            .invalid_token();
    }
    // Two Authorization fields, even if one or both hold a good token: which one would count
    // depends on who reads the request, so neither does.
    let valid = format!("Bearer {token}");
    for (first, second) in [
        (valid.as_str(), "junk"),
        ("junk", valid.as_str()),
        (&valid, &valid),
    ] {
        let headers = [
            ("authorization", first.as_bytes()),
            ("authorization", second.as_bytes()),
        ];
        server
            .get_with(None, "/v1/subjects", &headers)
            .await
            .invalid_token();
    }
    server.assert_serving().await;
}

async fn control_bytes_in_headers_are_400(server: &TestServer) {
    let (start, end) = server.admin_token.split_at(10);
    for control in ["\u{0}", "\u{1}", "\u{7f}", "\r", "\u{1b}[2J"] {
        let request = format!(
            "GET /v1/subjects HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {start}{control}{end}\r\n\
             Connection: close\r\n\r\n"
        );
        assert_eq!(server.raw(request.as_bytes()).await, 400, "{control:?}");
    }
    server.assert_serving().await;
}

async fn malformed_tokens_are_401(server: &TestServer) {
    let token = server.admin_token.as_str();
    let body = &token["tgsk_".len()..];
    let (most, last) = token.split_at(token.len() - 1);
    let flipped = if last == "A" { "B" } else { "A" };
    let candidates = [
        String::new(),
        "tgsk_".to_owned(),
        "tgsk".to_owned(),
        "tgsk_a".to_owned(),
        body.to_owned(),
        format!("tgpk_{body}"),
        format!("TGSK_{body}"),
        format!("tgsk-{body}"),
        format!("tgsk__{body}"),
        format!("{most}{flipped}"),
        token.to_uppercase(),
        token.to_lowercase(),
        format!("{token}A"),
        most.to_owned(),
        format!("{token}=="),
        token.replacen('_', "~", 1),
        format!("tg_{}", "0".repeat(200)),
    ];
    for presented in candidates.iter().filter(|presented| *presented != token) {
        server.get(presented, "/v1/subjects").await.invalid_token();
    }
    server.assert_serving().await;
}

async fn malformed_json_bodies_are_400(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: [(Method, &str, &[u8]); 26] = [
        (Method::POST, "/v1/subjects", b"not json"),
        (Method::POST, "/v1/subjects", b""),
        (Method::POST, "/v1/subjects", b"null"),
        (Method::POST, "/v1/subjects", br#"{"name": 5}"#),
        (Method::POST, "/v1/subjects", br#"{"name": null}"#),
        (Method::POST, "/v1/subjects", br#"{"name": ["x"]}"#),
        (
            Method::POST,
            "/v1/subjects",
            br#"{"description": "no name"}"#,
        ),
        (Method::POST, "/v1/subjects", br#"[]"#),
        (Method::POST, "/v1/subjects", br#"["x"]"#),
        (Method::POST, "/v1/subjects", br#"{"name": "x""#),
        (
            Method::POST,
            "/v1/subjects",
            br#"{"name": "x"}{"name": "y"}"#,
        ),
        (
            Method::POST,
            "/v1/subjects",
            br#"{"name": "x", "name": "y"}"#,
        ),
        (Method::POST, "/v1/subjects", b"{\"name\": \"\xff\xfe\"}"),
        (Method::POST, "/v1/subjects", br#"{'name': 'x'}"#),
        (Method::POST, "/v1/subjects", nested.as_bytes()),
        (
            Method::PATCH,
            "/v1/subjects/host1",
            br#"{"description": 7}"#,
        ),
        (
            Method::PATCH,
            "/v1/subjects/host1",
            br#"[{"description": "x"}]"#,
        ),
        (
            Method::PUT,
            "/v1/aspects/cpu/samples/host1",
            br#"{"value": 5}"#,
        ),
        (Method::PUT, "/v1/aspects/cpu/samples/host1", br#"{}"#),
        (Method::POST, "/v1/aspects/cpu/writers", br#"{}"#),
        (Method::POST, "/v1/aspects/cpu/writers", br#"["admin""#),
        (Method::POST, "/v1/users", br#"{"name": "eve"}"#),
        (Method::POST, "/v1/users", br#"{"name": "eve", "role": 3}"#),
        (Method::POST, "/v1/tokens", br#"{"name": "t", "scope": 4}"#),
        (
            Method::POST,
            "/v1/tokens",
            br#"{"name": "t", "allowed_origins": "https://a.example.com"}"#,
        ),
        (
            Method::POST,
            "/v1/tokens",
            br#"{"name": "t", "expires_at": 1893456000}"#,
        ),
    ];
    for (method, path, body) in cases {
        let reply = server.call_raw(method, admin, path, body).await;
        reply.refused(400, "bad_request_body");
    }
    // JSON only: a body without the JSON content type is refused, even if it is JSON.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = server
            .request(Method::POST, "/v1/subjects")
            .bearer_auth(admin)
            .body(json!({"name": "x"}).to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        crate::support::send(request)
            .await
            .refused(400, "bad_request_body");
    }
    // Nothing was created.
    let subjects = server.get(admin, "/v1/subjects").await.ok(200);
    assert_eq!(subjects.as_array().map(Vec::len), Some(1));
    server.assert_serving().await;
}

/// PostgreSQL cannot store a NUL character in text: wherever one can arrive, it is refused
/// before the database sees it, the same on every backend (never a 503).
async fn nul_characters_are_refused(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    let origins = json!({"name": "t", "allowed_origins": ["https://a\u{0}.example.com"]});
    let cases = [
        (
            Method::POST,
            "/v1/subjects",
            json!({"name": "x", "description": "a\u{0}b"}),
            "invalid_description",
        ),
        (
            Method::PATCH,
            "/v1/subjects/host1",
            json!({"description": "\u{0}"}),
            "invalid_description",
        ),
        (
            Method::PUT,
            "/v1/aspects/cpu/samples/host1",
            json!({"value": "1\u{0}"}),
            "invalid_value",
        ),
        (
            Method::POST,
            "/v1/subjects",
            json!({"name": "x\u{0}"}),
            "invalid_name",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"name": "eve\u{0}", "role": "reader"}),
            "invalid_name",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"name": "eve", "role": "reader\u{0}"}),
            "invalid_role",
        ),
        (
            Method::POST,
            "/v1/tokens",
            json!({"name": "t\u{0}"}),
            "invalid_name",
        ),
        (
            Method::POST,
            "/v1/tokens",
            json!({"name": "t", "scope": "full\u{0}"}),
            "invalid_scope",
        ),
        (
            Method::POST,
            "/v1/subjects/host1/writers",
            json!(["admin\u{0}"]),
            "unknown_user",
        ),
    ];
    for (method, path, body, code) in cases {
        server
            .call(method, admin, path, Some(&body))
            .await
            .refused(400, code);
    }
    // Well-formed JSON, but no origin pattern.
    server
        .call(Method::POST, admin, "/v1/tokens", Some(&origins))
        .await
        .refused(422, "invalid_allowed_origin");
    let body = json!({"description": "x"});
    for (method, path, code) in [
        (Method::GET, "/v1/aspects/cpu/samples/host1%00", "not_found"),
        (Method::GET, "/v1/aspects/cpu%00/samples/host1", "not_found"),
        (Method::DELETE, "/v1/aspects/cpu/samples/%00", "not_found"),
        (
            Method::DELETE,
            "/v1/subjects/host1/writers/admin%00",
            "not_a_writer",
        ),
        (Method::PATCH, "/v1/subjects/host1%00", "not_found"),
    ] {
        server
            .call(method, admin, path, Some(&body))
            .await
            .refused(404, code);
    }
    let subject = server.get(admin, "/v1/subjects/host1").await.ok(200);
    assert_eq!(subject["description"], Value::Null);
    server.assert_serving().await;
}
