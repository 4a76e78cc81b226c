//! A tower layer that answers preflights and adds CORS headers to every other response.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue, ORIGIN};
use http::{HeaderMap, Request, Response, StatusCode};
use tollgate_cors::{CorsDecision, CorsPolicy, CorsRequest, PreflightDecision};
use tower_layer::Layer;
use tower_service::Service;

use crate::ApiError;

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

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

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
