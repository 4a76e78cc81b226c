//! `CorsFuture`: the response of a [`Cors`](crate::Cors) service, without a heap allocation.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use http::{HeaderName, HeaderValue, Response, header};
use pin_project_lite::pin_project;

use crate::cors_layer::merge;

/// How many headers a decision on a request that is not a preflight can carry.
const ACTUAL_HEADERS: usize = 4;

/// The headers a decision on a request that is not a preflight can carry, in the order they
/// are added to the response.
const ACTUAL_HEADER_NAMES: [HeaderName; ACTUAL_HEADERS] = [
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    header::ACCESS_CONTROL_EXPOSE_HEADERS,
    header::VARY,
];

/// The header values of a decision on a request that is not a preflight, owned so that they
/// outlive the request they were computed from: one slot per name of [`ACTUAL_HEADER_NAMES`],
/// so the future carries values only.
#[derive(Default)]
pub(crate) struct OwnedHeaders([Option<HeaderValue>; ACTUAL_HEADERS]);

impl OwnedHeaders {
    /// The headers, names restored.
    fn into_pairs(self) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
        ACTUAL_HEADER_NAMES
            .into_iter()
            .zip(self.0)
            .filter_map(|(name, value)| Some((name, value?)))
    }
}

impl FromIterator<(HeaderName, HeaderValue)> for OwnedHeaders {
    /// Keeps each value in its name's slot. Decisions on requests that are not preflights
    /// name no other header (a test in `cors_layer` holds this for every kind of decision).
    fn from_iter<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(pairs: I) -> Self {
        let mut owned = Self::default();
        for (name, value) in pairs {
            if let Some(slot) = ACTUAL_HEADER_NAMES
                .iter()
                .position(|known| *known == name)
                .and_then(|index| owned.0.get_mut(index))
            {
                *slot = Some(value);
            }
        }
        owned
    }
}

pin_project! {
    /// The future of [`Cors`](crate::Cors): a preflight's answer, ready at once, or the inner
    /// service's response, to which the CORS headers are added. Polled after it has
    /// completed, it stays pending.
    pub struct CorsFuture<F, B> {
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

impl<F, B> CorsFuture<F, B> {
    /// A response made without the inner service (a preflight's).
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

impl<F, B, E> Future for CorsFuture<F, B>
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
                merge(response.headers_mut(), headers.into_pairs());
                Poll::Ready(Ok(response))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tollgate_cors::{CorsPolicy, CorsRequest, Credentials};

    use super::*;

    /// Every header a decision on a request that is not a preflight names has a slot, so
    /// `OwnedHeaders` drops none.
    #[test]
    fn every_header_of_a_decision_on_a_request_that_is_not_a_preflight_has_a_slot() {
        let policy = CorsPolicy::builder()
            .routes("/v1")
            .allowed_origins("https://app.example.com")
            .exposed_headers(["x-total"])
            .credentials(Credentials::Include)
            .build()
            .unwrap();
        let requests = [
            CorsRequest::new("GET", "/v1/x").origin(b"https://app.example.com"),
            CorsRequest::new("GET", "/v1/x").origin(b"https://other.example.com"),
            CorsRequest::new("GET", "/v2/x").origin(b"https://app.example.com"),
            CorsRequest::new("GET", "/v1/x"),
            CorsRequest::new("OPTIONS", "/v1/x").origin(b"https://app.example.com"),
        ];
        let mut seen = Vec::new();
        for request in requests {
            for (name, _) in &policy.evaluate(&request).response_headers() {
                assert!(
                    ACTUAL_HEADER_NAMES.iter().any(|known| known == name),
                    "{name}"
                );
                seen.push(name);
            }
        }
        // The allowed request names all four.
        for name in &ACTUAL_HEADER_NAMES {
            assert!(seen.contains(&name.as_str()), "{name}");
        }
    }

    #[test]
    fn owned_headers_keep_values_in_order_of_their_names() {
        let owned: OwnedHeaders = [
            (header::VARY, HeaderValue::from_static("origin")),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("https://app.example.com"),
            ),
        ]
        .into_iter()
        .collect();
        let pairs: Vec<(HeaderName, HeaderValue)> = owned.into_pairs().collect();
        assert_eq!(
            pairs,
            [
                (
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("https://app.example.com")
                ),
                (header::VARY, HeaderValue::from_static("origin")),
            ]
        );
    }
}
