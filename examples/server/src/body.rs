//! Request bodies: JSON only, unknown fields refused, 64 KiB at most, and read only once the
//! request is authorized.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRequest, Request};
use axum::middleware::Next;
use axum::response::Response;
use http::header::EXPECT;
use http_body::Frame;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tollgate::http::{Refusal, refusal};

use crate::client_errors::bad_request;

/// The largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// After answering a request whose body was not read to its end (refused before it was read,
/// or too large), up to this much more of it is read and discarded, for at most
/// [`DRAIN_TIME`], so that a client still sending it reads the answer rather than a
/// connection reset (a server that closes a socket with unread data makes the kernel reset
/// it, and the reset can overtake the answer). Discarded bytes are never parsed.
const DRAIN_BYTES: usize = 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// A request whose body is not read yet. Handlers decide whether the caller may do what the
/// request asks first, then call [`json`](Self::json): a caller without permission gets its
/// 403 without the body being read, and learns nothing from its errors.
pub(crate) struct UnreadBody(Request);

/// Says nothing of the request: its headers hold the caller's token.
impl std::fmt::Debug for UnreadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnreadBody")
    }
}

impl<S: Send + Sync> FromRequest<S> for UnreadBody {
    type Rejection = Refusal;

    async fn from_request(request: Request, _: &S) -> Result<Self, Refusal> {
        Ok(Self(request))
    }
}

impl UnreadBody {
    /// Reads and parses the body as JSON, answering its problems with the server's JSON
    /// errors: 413 when too large, 400 for anything else (syntax, wrong types, unknown fields,
    /// missing content type).
    pub(crate) async fn json<T: DeserializeOwned>(self) -> Result<T, Refusal> {
        let (parts, mut body) = self.0.into_parts();
        // A declared length over the limit is refused before anything is read.
        if body.size_hint().lower() > MAX_BODY_BYTES as u64 {
            return Err(too_large());
        }
        let mut received = Vec::new();
        while let Some(data) = next_data(&mut body).await? {
            if received.len() + data.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            received.extend_from_slice(&data);
        }
        let request = Request::from_parts(parts, Body::from(received));
        match Json::<T>::from_request(request, &()).await {
            Ok(Json(value)) => Ok(value),
            Err(rejection) => Err(bad_request("bad_request_body", rejection.body_text())),
        }
    }
}

/// 413; [`drain_unread`] discards the rest of the body.
fn too_large() -> Refusal {
    refusal::payload_too_large(MAX_BODY_BYTES)
}

/// The next chunk of the body's data (trailers are skipped); `None` at its end.
async fn next_data(body: &mut Body) -> Result<Option<Bytes>, Refusal> {
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await;
        match frame {
            None => return Ok(None),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
            Some(Err(error)) => return Err(refusal::unreadable_body(&error)),
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

/// Drains running at once, at most: past that, an unread body is dropped and the connection
/// closed as hyper does by default.
const MAX_DRAINS: usize = 64;
static DRAINS: Semaphore = Semaphore::const_new(MAX_DRAINS);

/// Middleware: gives the handler the request's body through a shared slot and, once the
/// answer is on its way, drains in the background what the handler left unread (see
/// [`DRAIN_BYTES`]). A request that waits for `100 Continue` is not drained: it has sent
/// nothing yet, and draining would ask it for the body.
pub(crate) async fn drain_unread(request: Request, next: Next) -> Response {
    let waits_for_continue = request
        .headers()
        .get(EXPECT)
        .is_some_and(|expect| expect.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let (parts, body) = request.into_parts();
    let slot = Arc::new(Mutex::new(body));
    let shared = Body::new(SharedBody(Arc::clone(&slot)));
    let response = next.run(Request::from_parts(parts, shared)).await;
    let mut rest = std::mem::take(&mut *slot.lock().unwrap_or_else(PoisonError::into_inner));
    if !waits_for_continue
        && !rest.is_end_stream()
        && let Ok(permit) = DRAINS.try_acquire()
    {
        tokio::spawn(async move {
            let _ = tokio::time::timeout(DRAIN_TIME, drain(&mut rest)).await;
            drop(permit);
        });
    }
    response
}

/// A request body read through a slot that [`drain_unread`] keeps a handle to.
struct SharedBody(Arc<Mutex<Body>>);

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Pin::new(&mut *body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .size_hint()
    }
}
