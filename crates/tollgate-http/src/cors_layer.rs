//! A tower layer that answers preflights and adds CORS headers to every other response.

use core::task::{Context, Poll};
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue, ORIGIN};
use http::{HeaderMap, Request, Response, StatusCode};
use tollgate_cors::{CorsDecision, CorsPolicy, CorsRequest, PreflightDecision};
use tower_layer::Layer;
use tower_service::Service;

use crate::{ApiError, BoxFuture};

/// Evaluates each request against a [`CorsPolicy`]: an allowed preflight is answered 204 with
/// its headers, a rejected one 403 (JSON, no CORS headers); every other response, errors
/// included, gets the headers the decision names.
#[derive(Debug, Clone)]
pub struct CorsLayer {
    policy: Arc<CorsPolicy>,
}

impl CorsLayer {
    /// A layer applying `policy`.
    #[must_use]
    pub fn new(policy: CorsPolicy) -> Self {
        Self {
            policy: Arc::new(policy),
        }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            policy: Arc::clone(&self.policy),
        }
    }
}

/// The service [`CorsLayer`] wraps around another.
#[derive(Debug, Clone)]
pub struct Cors<S> {
    inner: S,
    policy: Arc<CorsPolicy>,
}

/// The request parts CORS looks at, borrowed from an `http` request.
#[must_use]
pub fn cors_request<B>(request: &Request<B>) -> CorsRequest<'_> {
    let headers = request.headers();
    let value = |name: &str| headers.get(name).map(HeaderValue::as_bytes);
    CorsRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        origin: headers.get(ORIGIN).map(HeaderValue::as_bytes),
        access_control_request_method: value("access-control-request-method"),
        access_control_request_headers: value("access-control-request-headers"),
    }
}

/// Adds a decision's headers to `headers`. `Vary` is appended to, never replaced.
pub fn apply_headers(decision: &CorsDecision<'_>, headers: &mut HeaderMap) {
    merge(headers, owned_headers(decision));
}

/// The decision's headers, owned, so they outlive the request they were computed from.
fn owned_headers(decision: &CorsDecision<'_>) -> Vec<(HeaderName, HeaderValue)> {
    let pairs = decision.response_headers();
    let owned = pairs.iter().filter_map(|(name, value)| {
        // Values were validated by the policy; one that is not a header value is skipped.
        Some((
            HeaderName::from_static(name),
            HeaderValue::from_str(value).ok()?,
        ))
    });
    owned.collect()
}

fn merge(headers: &mut HeaderMap, pairs: Vec<(HeaderName, HeaderValue)>) {
    for (name, value) in pairs {
        if name == http::header::VARY {
            headers.append(name, value);
        } else {
            headers.insert(name, value);
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: From<String> + Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let decision = self.policy.evaluate(&cors_request(&request));
        let headers = owned_headers(&decision);
        if let CorsDecision::Preflight(preflight) = decision {
            let mut response = match preflight {
                PreflightDecision::Allowed(_) => {
                    let mut response = Response::new(ResBody::default());
                    *response.status_mut() = StatusCode::NO_CONTENT;
                    response
                }
                PreflightDecision::Rejected(reason) => ApiError::new(
                    StatusCode::FORBIDDEN,
                    "cors_preflight_rejected",
                    reason.to_string(),
                )
                .to_response(),
            };
            merge(response.headers_mut(), headers);
            return Box::pin(async move { Ok(response) });
        }
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            merge(response.headers_mut(), headers);
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use core::convert::Infallible;
    use core::future::{Ready, ready};

    use super::*;

    /// An inner service answering every request 401, like an authentication refusal.
    #[derive(Clone)]
    struct Refuse;

    impl Service<Request<()>> for Refuse {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<()>) -> Self::Future {
            let mut response = Response::new("{}".to_owned());
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                http::header::VARY,
                HeaderValue::from_static("accept-encoding"),
            );
            ready(Ok(response))
        }
    }

    fn service() -> Cors<Refuse> {
        let policy = CorsPolicy::builder()
            .routes("/v1/bots")
            .allowed_origins("https://app.example.com")
            .build()
            .unwrap();
        CorsLayer::new(policy).layer(Refuse)
    }

    async fn send(request: Request<()>) -> Response<String> {
        service().call(request).await.unwrap()
    }

    fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut builder = Request::builder().method(method).uri(path);
        for &(name, value) in headers {
            builder = builder.header(name, value);
        }
        builder.body(()).unwrap()
    }

    #[tokio::test]
    async fn allowed_preflight_is_answered_without_the_inner_service() {
        let response = send(request(
            "OPTIONS",
            "/v1/bots",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "GET"),
            ],
        ))
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "https://app.example.com"
        );
        assert!(
            response
                .headers()
                .contains_key("access-control-allow-methods")
        );
    }

    #[tokio::test]
    async fn rejected_preflight_is_403_without_cors_headers() {
        let response = send(request(
            "OPTIONS",
            "/v1/other",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "GET"),
            ],
        ))
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin")
        );
    }

    #[tokio::test]
    async fn errors_from_the_inner_service_get_cors_headers_and_vary_is_appended() {
        let response = send(request(
            "GET",
            "/v1/bots/7",
            &[("origin", "https://app.example.com")],
        ))
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "https://app.example.com"
        );
        let vary: Vec<_> = response
            .headers()
            .get_all(http::header::VARY)
            .iter()
            .collect();
        assert_eq!(vary, ["accept-encoding", "origin"]);
    }

    #[tokio::test]
    async fn plain_options_is_not_a_preflight() {
        let response = send(request(
            "OPTIONS",
            "/v1/bots",
            &[("origin", "https://app.example.com")],
        ))
        .await;
        // Passed to the inner service, as an actual cross-origin request.
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}
