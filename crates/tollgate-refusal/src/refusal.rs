//! One refusal, as an HTTP response: status, optional challenge, JSON body.

use core::time::Duration;

use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::RateLimitHeaders;

/// A refusal: the status, a stable snake_case code, a message for people, for 401 and some
/// 403 responses a `WWW-Authenticate` challenge, and for 429 a `Retry-After` (and, for a
/// token's rate limit or quota, the `RateLimit` fields).
///
/// The body is `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The response status.
    pub status: StatusCode,
    /// A stable, machine-readable snake_case code, such as `invalid_token`.
    pub code: &'static str,
    /// A sentence a person can act on. Never holds a secret.
    pub message: String,
    /// The `WWW-Authenticate` value, when the refusal is about credentials.
    pub challenge: Option<HeaderValue>,
    /// The whole seconds to wait before trying again, sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// The `RateLimit-Policy` and `RateLimit` fields, for a refusal by a rate limit or quota
    /// (boxed: most refusals have none, and a refusal is returned by value everywhere).
    pub rate_limit: Option<Box<RateLimitHeaders>>,
}

impl Refusal {
    /// A refusal without a challenge.
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            challenge: None,
            retry_after: None,
            rate_limit: None,
        }
    }

    /// This refusal with a `WWW-Authenticate` challenge.
    #[must_use]
    pub fn with_challenge(self, challenge: HeaderValue) -> Self {
        Self {
            challenge: Some(challenge),
            ..self
        }
    }

    /// This refusal asking the client to wait `wait` before trying again: `Retry-After` in
    /// whole seconds, rounded up, and at least 1 (0 would invite an immediate retry).
    #[must_use]
    pub fn with_retry_after(self, wait: Duration) -> Self {
        Self {
            retry_after: Some(whole_seconds(wait).max(1)),
            ..self
        }
    }

    /// This refusal with the `RateLimit` fields of the limit that refused.
    #[must_use]
    pub fn with_rate_limit(self, headers: Option<RateLimitHeaders>) -> Self {
        Self {
            rate_limit: headers.map(Box::new),
            ..self
        }
    }

    /// The JSON body text.
    #[must_use]
    pub fn body(&self) -> String {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } }).to_string()
    }

    /// The response's headers: `Content-Type: application/json`, and the challenge,
    /// `Retry-After` and `RateLimit` fields this refusal has.
    #[must_use]
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(5);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(challenge) = &self.challenge {
            headers.insert(WWW_AUTHENTICATE, challenge.clone());
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(rate_limit) = &self.rate_limit {
            rate_limit.apply(&mut headers);
        }
        headers
    }

    /// The whole response, with any body type that can be made from a `String`: the status,
    /// [`headers`](Self::headers) and [`body`](Self::body). Its extensions hold the
    /// [`RefusalCode`].
    #[must_use]
    pub fn to_response<B: From<String>>(&self) -> Response<B> {
        let mut response = Response::new(B::from(self.body()));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers();
        response.extensions_mut().insert(RefusalCode(self.code));
        response
    }
}

/// `duration` in whole seconds, rounded up: what `Retry-After` and the `RateLimit` fields carry.
pub(crate) fn whole_seconds(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

/// The code of the refusal a response answers with, which [`Refusal::to_response`] puts in
/// the response's extensions: a request log wrapped around the handlers reads it there
/// rather than parsing the body. A code is a `&'static str` written in the program, never
/// text from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalCode(&'static str);

impl RefusalCode {
    /// The code, such as `invalid_token`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_has_status_json_and_challenge() {
        let error = Refusal::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the \"token\" is bad",
        )
        .with_challenge(HeaderValue::from_static("Bearer realm=\"x\""));
        let response: Response<String> = error.to_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer realm=\"x\"");
        let body: serde_json::Value = serde_json::from_str(response.body()).unwrap();
        assert_eq!(body["error"]["code"], "invalid_token");
        assert_eq!(body["error"]["message"], "the \"token\" is bad");
        let code = response.extensions().get::<RefusalCode>().copied();
        assert_eq!(code.map(RefusalCode::as_str), Some("invalid_token"));
    }

    #[test]
    fn no_challenge_no_header() {
        let response: Response<String> =
            Refusal::new(StatusCode::NOT_FOUND, "not_found", "no").to_response();
        assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
        assert!(!response.headers().contains_key(RETRY_AFTER));
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_at_least_one() {
        for (wait, header) in [
            (Duration::ZERO, "1"),
            (Duration::from_nanos(1), "1"),
            (Duration::from_secs(3), "3"),
            (Duration::from_millis(3_001), "4"),
            (Duration::MAX, "18446744073709551615"),
        ] {
            let error = Refusal::new(StatusCode::TOO_MANY_REQUESTS, "too_many_failures", "wait")
                .with_retry_after(wait);
            let response: Response<String> = error.to_response();
            assert_eq!(response.headers()[RETRY_AFTER], header, "{wait:?}");
        }
    }
}
