//! `ResponseFuture`: the response of a [`Cors`](crate::Cors) or [`Scoped`](crate::Scoped)
//! service.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use http::{HeaderName, HeaderValue, Response};
use pin_project_lite::pin_project;

use crate::cors_layer::merge;

/// Headers to add to the inner service's response (a CORS layer's for a request that is not
/// a preflight), owned so that they outlive the request they were computed from (the inner
/// service takes it).
pub(crate) type OwnedHeaders = Vec<(HeaderName, HeaderValue)>;

pin_project! {
    /// The future of [`Cors`](crate::Cors) and [`Scoped`](crate::Scoped): the layer's own
    /// answer (a preflight's, a refusal), ready at once, or the inner service's response, to
    /// which the layer's headers are added. Polled after it has completed, it stays pending.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F, B> {
        Answered { response: Option<Response<B>> },
        Inner { #[pin] future: F, headers: OwnedHeaders },
    }
}

impl<F, B> ResponseFuture<F, B> {
    /// A response made without the inner service (a preflight's, a refusal).
    pub(crate) fn answered(response: Response<B>) -> Self {
        Self {
            state: State::Answered {
                response: Some(response),
            },
        }
    }

    /// The inner service's response, with `headers` added.
    pub(crate) fn inner(future: F, headers: OwnedHeaders) -> Self {
        Self {
            state: State::Inner { future, headers },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Answered { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => Poll::Pending,
            },
            StateProjection::Inner { future, headers } => {
                let mut response = ready!(future.poll(cx))?;
                let headers = core::mem::take(headers);
                merge(response.headers_mut(), headers);
                Poll::Ready(Ok(response))
            }
        }
    }
}
