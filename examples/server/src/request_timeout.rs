//! The whole-request timer: a request not answered in time gets a JSON error, and gives back
//! the connection and any database connection it held.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::CONNECTION;
use http::{HeaderValue, StatusCode};
use http_body::Frame;
use tollgate::http::{Refusal, refusal};

/// Middleware: answers a request still unanswered after `limit` with 408 `request_timeout`
/// when its body had not all arrived (the client was slow; the connection is closed, as the
/// rest of the body cannot be told from a next request), or 503 `timeout` with `Retry-After`
/// when it had (the server was slow).
pub(crate) async fn limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    // A request without a body (most GETs) has received all of it already.
    let received = Arc::new(AtomicBool::new(request.body().is_end_stream()));
    let request = request.map(|body| {
        Body::new(Watched {
            received: Arc::clone(&received),
            body,
        })
    });
    if let Ok(response) = tokio::time::timeout(limit, next.run(request)).await {
        return response;
    }
    let seconds = limit.as_secs_f64();
    if received.load(Ordering::Acquire) {
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the server could not answer within {seconds} s; try again later"),
        )
        .with_retry_after(Duration::from_secs(1))
        .to_response()
    } else {
        let mut response = refusal::request_timeout(limit).to_response::<Body>();
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        response
    }
}

/// A request body that notes when its last frame has been read.
struct Watched {
    received: Arc<AtomicBool>,
    body: Body,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(frame, Poll::Ready(None)) || self.body.is_end_stream() {
            self.received.store(true, Ordering::Release);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        let ended = self.body.is_end_stream();
        if ended {
            self.received.store(true, Ordering::Release);
        }
        ended
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
