//! [`Refusal`]: the one error type of every handler and extractor, `Result<T, Refusal>`.
//!
//! A refusal is an [`ApiError`] (status, `code`, `message`, and any headers such as
//! `WWW-Authenticate`), built by `tollgate::http::refusal` or by the helpers here. `Refusal`
//! only wraps it so that axum can send it: `IntoResponse` is axum's trait and `ApiError` is
//! tollgate-http's type, which does not depend on axum, so the example implements the trait
//! on its own newtype. `?` turns an `ApiError` or a `StoreError` into a `Refusal`.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use tollgate::http::{ApiError, refusal};
use tollgate::store::StoreError;

/// A refused request, answered with its JSON error body.
#[derive(Debug)]
pub(crate) struct Refusal(pub(crate) ApiError);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        self.0.to_response()
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Self(refusal::store_error(&error))
    }
}

impl Refusal {
    /// A refusal with `status`, `code` and `message` and no extra headers.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self(ApiError::new(status, code, message))
    }
}

/// 404 `not_found`: "no such {what}".
pub(crate) fn not_found(what: &str) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such {what}"),
    )
}

/// 400 with `code`.
pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, code, message)
}
