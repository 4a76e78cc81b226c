//! Request bodies: JSON only, unknown fields refused, 64 KiB at most.

use axum::Json;
use axum::extract::{FromRequest, Request};
use http::StatusCode;
use serde::de::DeserializeOwned;
use tollgate::http::ApiError;

use crate::api::access::{Failure, bad_request};

/// The largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON body whose problems are answered with the server's JSON errors: 413 when too
/// large, 400 for anything else (syntax, wrong types, unknown fields, missing content type).
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Failure> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Failure(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
                )))
            }
            Err(rejection) => Err(bad_request("bad_request_body", rejection.body_text())),
        }
    }
}
