//! Exact decisions and headers (expected values from docs/server-api.md "CORS" and the Fetch
//! standard's CORS protocol).

use tollgate_cors::{
    CorsCredentials, CorsDecision, CorsDenial, CorsHeader, CorsPolicy, CorsRequest,
    ResponseHeaders, Vary,
};

const APP: &[u8] = b"https://app.example.com";

fn policy(origins: &str) -> CorsPolicy {
    CorsPolicy::builder()
        .routes("/v1/bots, /v1/rooms")
        .allowed_origins(origins)
        .allowed_methods(["GET", "POST", "PUT"])
        .exposed_headers(["X-Request-Id"])
        .build()
        .unwrap()
}

fn preflight(path: &str) -> CorsRequest<'_> {
    CorsRequest::new("OPTIONS", path)
        .origin(APP)
        .request_method(b"PUT")
}

/// The headers as (name, value) pairs, in order.
fn named<'a>(headers: &ResponseHeaders<'a>) -> Vec<(&'static str, &'a str)> {
    headers
        .iter()
        .map(|(header, value)| (header.name(), value))
        .collect()
}

fn rejected(policy: &CorsPolicy, request: &CorsRequest<'_>) -> Option<CorsDenial> {
    match policy.evaluate(request) {
        CorsDecision::PreflightDenied(reason) => Some(reason),
        _ => None,
    }
}

#[test]
fn allowed_preflight_has_exactly_these_headers() {
    let policy = policy("https://app.example.com");
    let request = preflight("/v1/bots/7").request_headers(b"authorization,content-type");
    let decision = policy.evaluate(&request);
    let CorsDecision::PreflightAllowed(headers) = decision else {
        panic!("{decision:?}");
    };
    assert_eq!(
        named(&headers),
        [
            ("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-methods", "GET,POST,PUT"),
            ("access-control-allow-headers", "authorization,content-type"),
            ("access-control-max-age", "600"),
            (
                "vary",
                "origin, access-control-request-method, access-control-request-headers"
            ),
        ]
    );
    assert_eq!(decision.response_headers(), headers);
}

#[test]
fn allowed_actual_request_echoes_the_origin_with_vary() {
    let policy = policy("https://app.example.com");
    let request = CorsRequest::new("DELETE", "/v1/rooms?x=1").origin(APP);
    let CorsDecision::ActualAllowed(headers) = policy.evaluate(&request) else {
        panic!("should be allowed");
    };
    assert_eq!(
        named(&headers),
        [
            ("access-control-allow-origin", "https://app.example.com"),
            ("access-control-expose-headers", "x-request-id"),
            ("vary", "origin"),
        ]
    );
}

#[test]
fn any_origin_sends_star_without_vary() {
    let policy = policy("*");
    let request = CorsRequest::new("GET", "/v1/bots").origin(b"https://elsewhere.example");
    let headers = policy.evaluate(&request).response_headers();
    assert_eq!(headers.get(CorsHeader::AllowOrigin), Some("*"));
    assert_eq!(headers.get(CorsHeader::Vary), None);
    assert_eq!(
        policy.evaluate(&CorsRequest::new("GET", "/v1/bots")),
        CorsDecision::NotCors {
            vary: Vary::NotNeeded
        }
    );
}

#[test]
fn credentials_add_their_header() {
    let policy = CorsPolicy::builder()
        .routes("/v1")
        .allowed_origins("https://app.example.com")
        .credentials(CorsCredentials::Include)
        .build()
        .unwrap();
    let headers = policy
        .evaluate(&CorsRequest::new("GET", "/v1").origin(APP))
        .response_headers();
    assert_eq!(headers.get(CorsHeader::AllowCredentials), Some("true"));
    let headers = policy.evaluate(&preflight("/v1")).response_headers();
    assert_eq!(headers.get(CorsHeader::AllowCredentials), Some("true"));
}

#[test]
fn requests_without_origin_are_not_cors_but_may_need_vary() {
    let policy = policy("https://app.example.com");
    assert_eq!(
        policy.evaluate(&CorsRequest::new("GET", "/v1/bots")),
        CorsDecision::NotCors { vary: Vary::Origin }
    );
    assert_eq!(
        policy.evaluate(&CorsRequest::new("GET", "/admin")),
        CorsDecision::NotCors {
            vary: Vary::NotNeeded
        }
    );
}

#[test]
fn actual_requests_that_are_not_allowed_say_why() {
    let policy = policy("https://app.example.com");
    let cases = [
        ("/admin", APP, CorsDenial::RouteNotListed, Vary::NotNeeded),
        (
            "/v1/bots/../admin",
            APP,
            CorsDenial::PathNotInNormalForm,
            Vary::NotNeeded,
        ),
        (
            "/v1/bots",
            b"https://evil.example".as_slice(),
            CorsDenial::OriginNotAllowed,
            Vary::Origin,
        ),
        (
            "/v1/bots",
            b"not an origin".as_slice(),
            CorsDenial::InvalidOrigin,
            Vary::Origin,
        ),
    ];
    for (path, origin, reason, vary) in cases {
        let request = CorsRequest::new("POST", path).origin(origin);
        assert_eq!(
            policy.evaluate(&request),
            CorsDecision::ActualDenied { reason, vary },
            "{path}"
        );
    }
}

#[test]
fn rejected_preflights_say_why() {
    let policy = policy("https://app.example.com");
    let many_commas = ",".repeat(100);
    let cases = [
        (preflight("/admin"), CorsDenial::RouteNotListed),
        (preflight("/v1//bots"), CorsDenial::PathNotInNormalForm),
        (
            preflight("/v1/bots").origin(b"https://evil.example"),
            CorsDenial::OriginNotAllowed,
        ),
        (
            preflight("/v1/bots").origin(b"null"),
            CorsDenial::InvalidOrigin,
        ),
        (
            preflight("/v1/bots").request_method(b"DELETE"),
            CorsDenial::MethodNotAllowed,
        ),
        (
            preflight("/v1/bots").request_method(b"put"),
            CorsDenial::MethodNotAllowed,
        ),
        (
            preflight("/v1/bots").request_method(b"P UT"),
            CorsDenial::InvalidRequestMethod,
        ),
        (
            preflight("/v1/bots").request_headers(b"x-secret"),
            CorsDenial::RequestHeaderNotAllowed,
        ),
        (
            preflight("/v1/bots").request_headers(b"a b"),
            CorsDenial::InvalidRequestHeaderName,
        ),
        (
            preflight("/v1/bots").request_headers(many_commas.as_bytes()),
            CorsDenial::TooManyRequestHeaders,
        ),
    ];
    for (request, reason) in cases {
        assert_eq!(rejected(&policy, &request), Some(reason), "{request:?}");
        assert!(
            policy.evaluate(&request).response_headers().is_empty(),
            "403 without CORS headers"
        );
    }
}

#[test]
fn every_route_with_star_still_requires_normal_form() {
    let policy = CorsPolicy::builder()
        .routes("*")
        .allowed_origins("*")
        .build()
        .unwrap();
    assert!(matches!(
        policy.evaluate(&preflight("/anything")),
        CorsDecision::PreflightAllowed(_)
    ));
    assert_eq!(
        rejected(&policy, &preflight("/a/%2e%2e/b")),
        Some(CorsDenial::PathNotInNormalForm)
    );
}
