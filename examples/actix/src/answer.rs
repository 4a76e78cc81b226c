//! A refusal as an actix response. tollgate-refusal describes it with `http` 1 types, and
//! actix-web has types of its own (`http` 0.2's), so each part is carried over as bytes.

use core::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use tollgate::refusal::Refusal;

/// A refusal, as a handler's error: `?` on a `Result<_, Refusal>` answers with it.
#[derive(Debug)]
pub struct Refused(pub Refusal);

impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Self {
        Self(refusal)
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status, self.0.code)
    }
}

impl ResponseError for Refused {
    fn status_code(&self) -> StatusCode {
        status(&self.0)
    }

    fn error_response(&self) -> HttpResponse {
        response(&self.0)
    }
}

/// The refusal's status, headers and JSON body.
#[must_use]
pub fn response(refusal: &Refusal) -> HttpResponse {
    let mut response = HttpResponse::build(status(refusal));
    for (name, value) in headers(&refusal.headers()) {
        response.append_header((name, value));
    }
    response.body(refusal.body())
}

/// The refusal's status: every status `http` 1 has, `http` 0.2 has.
fn status(refusal: &Refusal) -> StatusCode {
    StatusCode::from_u16(refusal.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `http` 1 headers as actix's. Names and values valid in one are valid in the other.
pub fn headers(headers: &http::HeaderMap) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
    headers.iter().filter_map(|(name, value)| {
        let name = HeaderName::from_bytes(name.as_str().as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(value.as_bytes()).ok()?;
        Some((name, value))
    })
}

/// actix's headers as `http` 1's, for a crate that reads them (the signature verifier).
#[must_use]
pub fn http_headers(headers: &actix_web::http::header::HeaderMap) -> http::HeaderMap {
    let mut converted = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            converted.append(name, value);
        }
    }
    converted
}
