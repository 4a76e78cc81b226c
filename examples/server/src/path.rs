//! Path parameters whose problems are answered with the server's JSON errors.

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::de::DeserializeOwned;
use tollgate::http::Refusal;

use crate::client_errors::bad_request;

/// axum's `Path`, except that a parameter that does not decode (percent-encoded bytes that
/// are not UTF-8, such as `/v1/subjects/%ff`) is a JSON 400 `invalid_path` like every other
/// error, instead of axum's plain-text answer.
#[derive(Debug)]
pub(crate) struct Path<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(bad_request("invalid_path", rejection.body_text())),
        }
    }
}
