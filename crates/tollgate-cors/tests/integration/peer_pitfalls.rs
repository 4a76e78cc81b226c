//! What peers get wrong (tower-http, rs/cors, actix-cors, rocket_cors),
//! each as a test that tollgate does not.

use tollgate_cors::error::{OriginError, PolicyError};
use tollgate_cors::{
    CorsCredentials, CorsDecision, CorsDenial, CorsHeader, CorsPolicy, CorsRequest,
};

fn policy() -> CorsPolicy {
    CorsPolicy::builder()
        .routes("/v1")
        .allowed_origins("https://app.example.com, https://*.example.org")
        .build()
        .unwrap()
}

#[test]
fn invalid_configuration_is_returned_not_panicked_or_logged() {
    let result = CorsPolicy::builder()
        .routes("/v1,/v2/*")
        .allowed_origins("https://app.example.com/,null")
        .allowed_methods(["GET", "TRACE"])
        .build();
    let errors = result.unwrap_err();
    assert_eq!(errors.as_slice().len(), 4, "{errors}");
}

#[test]
fn bare_options_is_not_a_preflight() {
    let options = CorsRequest::new("OPTIONS", "/v1/x").origin(b"https://app.example.com");
    assert!(matches!(
        policy().evaluate(&options),
        CorsDecision::ActualAllowed(_)
    ));
    let no_origin = CorsRequest::new("OPTIONS", "/v1/x").request_method(b"PUT");
    assert!(matches!(
        policy().evaluate(&no_origin),
        CorsDecision::NotCors { .. }
    ));
}

#[test]
fn a_one_megabyte_request_headers_value_is_refused_by_the_length_cap() {
    let huge = "a,".repeat(512 * 1024);
    assert!(huge.len() > CorsPolicy::MAX_REQUEST_HEADERS_LEN);
    let preflight = CorsRequest::new("OPTIONS", "/v1/x")
        .origin(b"https://app.example.com")
        .request_method(b"GET")
        .request_headers(huge.as_bytes());
    assert_eq!(
        policy().evaluate(&preflight),
        CorsDecision::PreflightDenied(CorsDenial::RequestHeadersTooLong)
    );
}

#[test]
fn wildcard_with_credentials_is_a_configuration_error() {
    let errors = CorsPolicy::builder()
        .allowed_origins("https://a.example.com,*")
        .credentials(CorsCredentials::Include)
        .build()
        .unwrap_err();
    assert_eq!(errors.into_vec(), [PolicyError::AnyOriginWithCredentials]);
}

#[test]
fn origin_patterns_are_anchored() {
    let policy = policy();
    for origin in [
        "https://app.example.com.evil.com",
        "https://evilapp.example.com",
        "https://app.example.community",
        "https://example.org",
        "https://example.org.evil.com",
        "http://app.example.com",
        "https://app.example.com:8443",
    ] {
        let request = CorsRequest::new("GET", "/v1/x").origin(origin.as_bytes());
        let decision = policy.evaluate(&request);
        assert!(
            matches!(
                decision,
                CorsDecision::ActualDenied {
                    reason: CorsDenial::OriginNotAllowed,
                    ..
                }
            ),
            "{origin}: {decision:?}"
        );
    }
}

#[test]
fn configured_origins_are_validated_and_request_origins_normalised() {
    let errors = CorsPolicy::builder()
        .allowed_origins("app.example.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(errors.as_slice(), [PolicyError::Origin(entry)] if entry.error == OriginError::MissingScheme)
    );
    let request = CorsRequest::new("GET", "/v1/x").origin(b"HTTPS://App.Example.com:443");
    let policy = policy();
    let headers = policy.evaluate(&request).response_headers();
    assert_eq!(
        headers.get(CorsHeader::AllowOrigin),
        Some("HTTPS://App.Example.com:443"),
        "echoed as sent"
    );
}

#[test]
fn null_origin_is_refused_in_configuration_and_requests() {
    let errors = CorsPolicy::builder()
        .allowed_origins("null")
        .build()
        .unwrap_err();
    assert!(
        matches!(errors.as_slice(), [PolicyError::Origin(entry)] if entry.error == OriginError::Null)
    );
    let any = CorsPolicy::builder()
        .routes("/v1")
        .allowed_origins("*")
        .build()
        .unwrap();
    let request = CorsRequest::new("GET", "/v1/x").origin(b"null");
    assert!(matches!(
        any.evaluate(&request),
        CorsDecision::ActualDenied {
            reason: CorsDenial::InvalidOrigin,
            ..
        }
    ));
}
