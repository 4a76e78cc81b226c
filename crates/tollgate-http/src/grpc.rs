//! Refusals to gRPC calls, as gRPC clients read them.
//!
//! A gRPC client reads a call's outcome from the `grpc-status` field, not from the HTTP
//! status, and reads a response's body as gRPC messages. Given the plain refusal
//! ([`Refusal::to_response`]: 401 and a JSON body, no `grpc-status`), tonic's client reads the
//! JSON's first byte `{` as a message's compression flag and fails the call with `INTERNAL`
//! ("protocol error: received message with invalid compression flag: 123"), whatever the
//! refusal was. So [`AuthLayer`](crate::AuthLayer) and [`ScopeLayer`](crate::ScopeLayer)
//! answer a gRPC call (a `POST` of `content-type: application/grpc`, with or without a suffix
//! such as `+proto` or parameters, or of gRPC-Web's `application/grpc-web` and
//! `application/grpc-web-text`) with
//! [`respond`]'s gRPC answer instead: a Trailers-Only response, as gRPC servers answer a call
//! they refuse before its handler runs.
//!
//! | refusal's HTTP status | `grpc-status` |
//! |---|---|
//! | 400, 422 | 3 `INVALID_ARGUMENT` |
//! | 401 | 16 `UNAUTHENTICATED` |
//! | 403 | 7 `PERMISSION_DENIED` |
//! | 404 | 5 `NOT_FOUND` |
//! | 409 | 9 `FAILED_PRECONDITION` |
//! | 413, 429 | 8 `RESOURCE_EXHAUSTED` |
//! | 500 | 13 `INTERNAL` |
//! | 503 | 14 `UNAVAILABLE` |
//! | any other | 2 `UNKNOWN` |
//!
//! The response is HTTP 200 with an empty body and, in its headers: `content-type` (the call's
//! base type, such as `application/grpc`), `grpc-status`, `grpc-message` (the refusal's message, percent-encoded as the
//! gRPC protocol requires), [`ERROR_CODE`] (the refusal's stable code, such as
//! `invalid_token`), and every header the plain refusal has besides its `content-type`:
//! `WWW-Authenticate`, `Retry-After`, the `RateLimit` fields. A gRPC client shows them as the
//! status's metadata (tonic: [`Status::metadata`]). The extensions hold the
//! [`RefusalCode`](crate::RefusalCode), as for any refusal.
//!
//! A page's gRPC-Web calls come through tonic-web's `GrpcWebLayer`, over HTTP/1.1 too. Put the
//! [`CorsLayer`](crate::CorsLayer) outside it (it answers every HTTP/1.1 request that is not a
//! gRPC-Web call, preflights included, with 400), and the layers outside it too, where they see
//! the call as gRPC-Web and answer in kind. For the page to send its calls and read why one
//! failed, the CORS policy allows the request headers `authorization`, `content-type`,
//! `x-grpc-web` and `x-user-agent` (and `grpc-timeout` when it sets deadlines), and exposes
//! `grpc-status`, `grpc-message`, `www-authenticate` and `tollgate-error-code`.
//!
//! [`Status::metadata`]: https://docs.rs/tonic/0.14/tonic/struct.Status.html#method.metadata
//!
//! ```
//! use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
//! use tollgate_http::{Realm, grpc, refusal};
//!
//! let mut call = HeaderMap::new();
//! call.insert("content-type", HeaderValue::from_static("application/grpc"));
//! let missing = refusal::missing_token(&Realm::new("notes")?);
//! let response: Response<String> = grpc::respond(&missing, &Method::POST, &call);
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.headers()["grpc-status"], "16");
//! assert_eq!(response.headers()["tollgate-error-code"], "missing_token");
//! assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"notes\"");
//! assert_eq!(response.body(), "");
//! # Ok::<(), tollgate_http::RealmError>(())
//! ```

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::Refusal;

/// The header naming a refusal's stable code (such as `invalid_token`) in a gRPC answer,
/// where there is no JSON body to carry it.
pub const ERROR_CODE: HeaderName = HeaderName::from_static("tollgate-error-code");

/// The gRPC status field.
const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
/// The gRPC status message field.
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");

/// The content type to answer a gRPC or gRPC-Web call with, when `method` and `headers` are a
/// call's: a `POST` whose `content-type` is `application/grpc`, `application/grpc-web` or
/// `application/grpc-web-text`, with or without a `+` suffix (such as `+proto`) and
/// parameters. The answer names the base type, never the request's own text.
pub(crate) fn call_content_type(method: &Method, headers: &HeaderMap) -> Option<&'static str> {
    if method != Method::POST {
        return None;
    }
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let media_type = value.split(';').next().unwrap_or_default().trim();
    let base = media_type.split('+').next().unwrap_or_default();
    [
        "application/grpc",
        "application/grpc-web",
        "application/grpc-web-text",
    ]
    .into_iter()
    .find(|call| base.eq_ignore_ascii_case(call))
}

/// The gRPC status code that stands for a refusal's HTTP `status` (see the module's table),
/// as tonic's `Code::from_i32` takes it.
#[must_use]
pub fn code(status: StatusCode) -> i32 {
    match status.as_u16() {
        400 | 422 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 9,
        413 | 429 => 8,
        500 => 13,
        503 => 14,
        _ => 2,
    }
}

/// `refusal` as the request with this `method` and these `headers` expects it: to a gRPC call
/// (a `POST` of a gRPC or gRPC-Web content type), a Trailers-Only gRPC response (see the
/// module's documentation); to anything else, [`Refusal::to_response`].
#[must_use]
pub fn respond<B: From<String>>(
    refusal: &Refusal,
    method: &Method,
    headers: &HeaderMap,
) -> Response<B> {
    answer(refusal, call_content_type(method, headers))
}

/// `refusal` to a gRPC call answered with the content type `call`, or, without one, to a
/// request that is no gRPC call.
pub(crate) fn answer<B: From<String>>(
    refusal: &Refusal,
    call: Option<&'static str>,
) -> Response<B> {
    let mut response = refusal.to_response();
    if let Some(content_type) = call {
        *response.status_mut() = StatusCode::OK;
        *response.body_mut() = B::from(String::new());
        let fields = response.headers_mut();
        fields.remove(CONTENT_LENGTH);
        fields.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        fields.insert(GRPC_STATUS, HeaderValue::from(code(refusal.status)));
        if let Ok(message) = HeaderValue::from_str(&percent_encoded(&refusal.message)) {
            fields.insert(GRPC_MESSAGE, message);
        }
        if let Ok(code) = HeaderValue::from_str(refusal.code) {
            fields.insert(ERROR_CODE, code);
        }
    }
    response
}

/// `message` percent-encoded as gRPC's `grpc-message` is: every byte outside printable ASCII
/// (space to `~`), and `%`, as `%` and two upper-case hexadecimal digits.
fn percent_encoded(message: &str) -> String {
    /// Control characters (with DEL) and `%`; `percent-encoding` encodes non-ASCII bytes always.
    const GRPC_MESSAGE_SET: &AsciiSet = &CONTROLS.add(b'%');
    utf8_percent_encode(message, GRPC_MESSAGE_SET).to_string()
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use http::header::{RETRY_AFTER, WWW_AUTHENTICATE};

    use super::*;
    use crate::{Realm, RefusalCode, refusal};

    fn headers(content_type: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn grpc_and_grpc_web_calls_are_recognised_by_their_content_type() {
        for (call, answered) in [
            ("application/grpc", "application/grpc"),
            ("application/grpc+proto", "application/grpc"),
            ("application/grpc+json", "application/grpc"),
            ("application/grpc; charset=utf-8", "application/grpc"),
            ("Application/GRPC", "application/grpc"),
            ("application/grpc-web", "application/grpc-web"),
            ("application/grpc-web+proto", "application/grpc-web"),
            ("application/grpc-web-text", "application/grpc-web-text"),
            (
                "application/grpc-web-text+proto",
                "application/grpc-web-text",
            ),
        ] {
            let found = call_content_type(&Method::POST, &headers(Some(call)));
            assert_eq!(found, Some(answered), "{call}");
        }
        // Other types, and types that only start like gRPC's, are no calls; nor is any request
        // but a POST, whatever its type (regression: a GET was answered 200).
        for other in [
            None,
            Some("application/json"),
            Some("application/grpcx"),
            Some("application/grpc-other"),
            Some("application/grpc-webx"),
            Some("application/grpc-website; text/html"),
            Some("application/gr"),
            Some("text/plain"),
        ] {
            let found = call_content_type(&Method::POST, &headers(other));
            assert_eq!(found, None, "{other:?}");
        }
        for method in [Method::GET, Method::PUT, Method::OPTIONS] {
            let found = call_content_type(&method, &headers(Some("application/grpc")));
            assert_eq!(found, None, "{method}");
        }
    }

    #[test]
    fn each_refusal_status_has_its_grpc_code() {
        for (status, grpc) in [
            (StatusCode::BAD_REQUEST, 3),
            (StatusCode::UNAUTHORIZED, 16),
            (StatusCode::FORBIDDEN, 7),
            (StatusCode::NOT_FOUND, 5),
            (StatusCode::CONFLICT, 9),
            (StatusCode::PAYLOAD_TOO_LARGE, 8),
            (StatusCode::UNPROCESSABLE_ENTITY, 3),
            (StatusCode::TOO_MANY_REQUESTS, 8),
            (StatusCode::INTERNAL_SERVER_ERROR, 13),
            (StatusCode::SERVICE_UNAVAILABLE, 14),
            (StatusCode::IM_A_TEAPOT, 2),
            (StatusCode::BAD_GATEWAY, 2),
        ] {
            assert_eq!(code(status), grpc, "{status}");
        }
    }

    /// A gRPC call gets the Trailers-Only answer, its challenge kept; anything else the JSON.
    #[test]
    fn a_grpc_call_is_refused_trailers_only_and_others_with_json() {
        let realm = Realm::new("notes").unwrap();
        let refused = refusal::missing_token(&realm);
        let call = headers(Some("application/grpc+proto"));
        let grpc: Response<String> = respond(&refused, &Method::POST, &call);
        assert_eq!(grpc.status(), StatusCode::OK);
        assert_eq!(grpc.body(), "");
        let fields = grpc.headers();
        assert_eq!(fields[CONTENT_TYPE], "application/grpc");
        assert_eq!(fields["grpc-status"], "16");
        assert_eq!(
            fields["grpc-message"],
            "this request needs an access token: send `Authorization: Bearer <token>`"
        );
        assert_eq!(fields[ERROR_CODE], "missing_token");
        assert_eq!(fields[WWW_AUTHENTICATE], "Bearer realm=\"notes\"");
        let code = grpc.extensions().get::<RefusalCode>().copied();
        assert_eq!(code.map(RefusalCode::as_str), Some("missing_token"));

        let json: Response<String> =
            respond(&refused, &Method::POST, &headers(Some("application/json")));
        let plain: Response<String> = refused.to_response();
        assert_eq!(
            (json.status(), json.headers(), json.body()),
            (plain.status(), plain.headers(), plain.body())
        );
        let none: Response<String> = respond(&refused, &Method::POST, &headers(None));
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
        assert!(none.body().contains("missing_token"), "{}", none.body());
    }

    /// `Retry-After` and the other fields of the plain refusal stay.
    #[test]
    fn a_grpc_refusal_keeps_retry_after() {
        let busy = Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "later")
            .with_retry_after(Duration::from_secs(3));
        let response: Response<String> =
            respond(&busy, &Method::POST, &headers(Some("application/grpc-web")));
        assert_eq!(response.headers()["grpc-status"], "14");
        assert_eq!(response.headers()[RETRY_AFTER], "3");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/grpc-web");
    }

    #[test]
    fn grpc_messages_are_percent_encoded() {
        assert_eq!(percent_encoded("plain `text` ~ ok"), "plain `text` ~ ok");
        assert_eq!(percent_encoded("100% sure"), "100%25 sure");
        assert_eq!(percent_encoded("line\nbreak\t"), "line%0Abreak%09");
        assert_eq!(
            percent_encoded("caf\u{e9} \u{1f600}"),
            "caf%C3%A9 %F0%9F%98%80"
        );
        let refusal = Refusal::new(StatusCode::FORBIDDEN, "not_granted", "50% of caf\u{e9}");
        let response: Response<String> =
            respond(&refusal, &Method::POST, &headers(Some("application/grpc")));
        assert_eq!(response.headers()["grpc-message"], "50%25 of caf%C3%A9");
    }
}
