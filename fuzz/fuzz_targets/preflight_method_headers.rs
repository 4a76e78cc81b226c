//! `Access-Control-Request-Method` and `Access-Control-Request-Headers`, evaluated by a
//! fixed policy in a preflight that passes the route and origin checks. Input: the method
//! bytes, then (after the first newline, if any) the request-headers bytes. Guarantees the
//! exact decision a plain reading of the documentation gives: the method must equal an
//! allowed one byte for byte (else `MethodNotAllowed` for an RFC 9110 token,
//! `InvalidRequestMethod` otherwise); the headers value is refused over
//! `MAX_REQUEST_HEADERS_LEN` bytes, or at its element number `MAX_REQUEST_HEADERS_COUNT + 1`,
//! and each element, trimmed of white space and skipped when empty, must name an allowed
//! header ignoring case (else `RequestHeaderNotAllowed` for a token,
//! `InvalidRequestHeaderName` otherwise), the first offending element deciding.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{CorsDecision, CorsDenial, CorsHeader, CorsPolicy, CorsRequest};
use tollgate_fuzz::{authorization::trim_ows, is_field_value, is_token};

const METHODS: [&str; 3] = ["GET", "POST", "X-Custom"];
const HEADERS: [&str; 3] = ["authorization", "content-type", "x-request-id"];
const ORIGIN: &[u8] = b"https://app.example.com";

static POLICY: LazyLock<CorsPolicy> = LazyLock::new(|| {
    CorsPolicy::builder()
        .routes("/v1")
        .allowed_origins("https://app.example.com")
        .allowed_methods(METHODS)
        .allowed_headers(HEADERS)
        .build()
        .expect("a valid policy")
});

fn expected(method: &[u8], headers: Option<&[u8]>) -> Result<(), CorsDenial> {
    if !METHODS.iter().any(|m| m.as_bytes() == method) {
        return Err(if is_token(method) {
            CorsDenial::MethodNotAllowed
        } else {
            CorsDenial::InvalidRequestMethod
        });
    }
    let Some(headers) = headers else {
        return Ok(());
    };
    if headers.len() > CorsPolicy::MAX_REQUEST_HEADERS_LEN {
        return Err(CorsDenial::RequestHeadersTooLong);
    }
    for (index, element) in headers.split(|&b| b == b',').enumerate() {
        if index >= CorsPolicy::MAX_REQUEST_HEADERS_COUNT {
            return Err(CorsDenial::TooManyRequestHeaders);
        }
        let name = trim_ows(element);
        if name.is_empty()
            || HEADERS
                .iter()
                .any(|h| h.as_bytes().eq_ignore_ascii_case(name))
        {
            continue;
        }
        return Err(if is_token(name) {
            CorsDenial::RequestHeaderNotAllowed
        } else {
            CorsDenial::InvalidRequestHeaderName
        });
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let (method, headers) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    if !is_field_value(method) || !headers.is_none_or(is_field_value) {
        return;
    }
    let mut request = CorsRequest::new("OPTIONS", "/v1/bots")
        .origin(ORIGIN)
        .request_method(method);
    request.access_control_request_headers = headers;
    match (POLICY.evaluate(&request), expected(method, headers)) {
        (CorsDecision::PreflightAllowed(found), Ok(())) => {
            assert_eq!(
                found.get(CorsHeader::AllowOrigin),
                Some("https://app.example.com")
            );
            assert_eq!(
                found.get(CorsHeader::AllowMethods),
                Some("GET,POST,X-Custom")
            );
        }
        (CorsDecision::PreflightDenied(found), Err(wanted)) => assert_eq!(found, wanted),
        (found, wanted) => panic!("tollgate {found:?}, reference {wanted:?}"),
    }
});
