//! Request bodies: JSON only, unknown fields refused, 64 KiB at most, and read only once the
//! request is authorized.

use std::pin::Pin;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRequest, Request};
use http::StatusCode;
use serde::de::DeserializeOwned;
use tollgate::http::ApiError;

use crate::api::access::{Failure, bad_request};

/// The largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// After refusing a body as too large, up to this much more of it is read and discarded, for
/// at most [`DRAIN_TIME`], so that a client still sending it reads the 413 rather than a
/// connection reset (a server that closes a socket with unread data makes the kernel reset
/// it, and the reset can overtake the answer).
const DRAIN_BYTES: usize = 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// A request whose body is not read yet. Handlers decide whether the caller may do what the
/// request asks first, then call [`json`](Self::json): a caller without permission gets its
/// 403 without the body being read, and learns nothing from its errors.
#[derive(Debug)]
pub(crate) struct UnreadBody(Request);

impl<S: Send + Sync> FromRequest<S> for UnreadBody {
    type Rejection = Failure;

    async fn from_request(request: Request, _: &S) -> Result<Self, Failure> {
        Ok(Self(request))
    }
}

impl UnreadBody {
    /// Reads and parses the body: 413 when too large, 400 for anything else (syntax, wrong
    /// types, unknown fields, missing content type).
    pub(crate) async fn json<T: DeserializeOwned>(self) -> Result<T, Failure> {
        JsonBody::from_request(self.0, &())
            .await
            .map(|JsonBody(value)| value)
    }
}

/// A JSON body whose problems are answered with the server's JSON errors.
#[derive(Debug)]
struct JsonBody<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Failure> {
        let (parts, mut body) = request.into_parts();
        // A declared length over the limit is refused before anything is read.
        if body.size_hint().lower() > MAX_BODY_BYTES as u64 {
            return Err(too_large(&mut body).await);
        }
        let mut received = Vec::new();
        while let Some(data) = next_data(&mut body).await? {
            if received.len() + data.len() > MAX_BODY_BYTES {
                return Err(too_large(&mut body).await);
            }
            received.extend_from_slice(&data);
        }
        let request = Request::from_parts(parts, Body::from(received));
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(bad_request("bad_request_body", rejection.body_text())),
        }
    }
}

/// 413, after draining what is left of the body (within [`DRAIN_BYTES`] and [`DRAIN_TIME`]).
async fn too_large(body: &mut Body) -> Failure {
    let _ = tokio::time::timeout(DRAIN_TIME, drain(body)).await;
    Failure(ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
    ))
}

/// The next chunk of the body's data (trailers are skipped); `None` at its end.
async fn next_data(body: &mut Body) -> Result<Option<Bytes>, Failure> {
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await;
        match frame {
            None => return Ok(None),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
            Some(Err(error)) => return Err(bad_request("bad_request_body", error.to_string())),
        }
    }
}

/// Reads and discards up to [`DRAIN_BYTES`] of what is left of the body.
async fn drain(body: &mut Body) {
    let mut drained = 0;
    while drained < DRAIN_BYTES {
        match next_data(body).await {
            Ok(Some(data)) => drained += data.len(),
            Ok(None) | Err(_) => return,
        }
    }
}
