//! A tower layer that answers preflights and adds CORS headers to every other response.

use core::task::{Context, Poll};
use std::sync::Arc;

use http::header::{
    self, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderName, HeaderValue,
    ORIGIN,
};
use http::{HeaderMap, Request, Response, StatusCode};
use tollgate_cors::{CorsDecision, CorsPolicy, CorsRequest, PreflightDecision};
use tower_layer::Layer;
use tower_service::Service;

use crate::ApiError;
use crate::cors_future::{CorsFuture, OwnedHeaders};

/// Evaluates each request against a [`CorsPolicy`]: an allowed preflight is answered 204 with
/// its headers, a rejected one 403 (JSON, no CORS headers); every other response, errors
/// included, gets the headers the decision names.
///
/// The policy's fixed header values are converted to [`HeaderValue`]s once, here, so a
/// response copies no header text but an echoed `Origin` (shared with the request's value).
#[derive(Debug, Clone)]
pub struct CorsLayer {
    policy: Arc<PreparedPolicy>,
}

impl CorsLayer {
    /// A layer applying `policy`.
    #[must_use]
    pub fn new(policy: CorsPolicy) -> Self {
        Self {
            policy: Arc::new(PreparedPolicy::new(policy)),
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
    policy: Arc<PreparedPolicy>,
}

/// A policy and its fixed header values as `http` values.
#[derive(Debug)]
struct PreparedPolicy {
    policy: CorsPolicy,
    fixed: Vec<FixedValue>,
}

/// A fixed header value of the policy, with where its text lives.
#[derive(Debug)]
struct FixedValue {
    /// The address of the policy's own text (a heap buffer the policy owns, or a constant):
    /// decisions borrow their values from there, so most are found without reading text.
    address: usize,
    text: Box<str>,
    value: HeaderValue,
}

impl PreparedPolicy {
    fn new(policy: CorsPolicy) -> Self {
        let fixed = policy
            .fixed_header_values()
            .filter_map(|text| {
                Some(FixedValue {
                    address: text.as_ptr().addr(),
                    text: text.into(),
                    value: HeaderValue::from_str(text).ok()?,
                })
            })
            .collect();
        Self { policy, fixed }
    }

    /// The `http` value of header `name` holding `text`: the request's own `Origin` when an
    /// `Access-Control-Allow-Origin` echoes it, else a prepared value (found by address, else
    /// by text), else a copy.
    fn value(
        &self,
        name: &HeaderName,
        text: &str,
        origin: Option<&HeaderValue>,
    ) -> Option<HeaderValue> {
        if *name == header::ACCESS_CONTROL_ALLOW_ORIGIN
            && let Some(origin) = origin.filter(|origin| origin.as_bytes() == text.as_bytes())
        {
            return Some(origin.clone());
        }
        let address = text.as_ptr().addr();
        let prepared = self
            .fixed
            .iter()
            .find(|fixed| fixed.address == address && fixed.text.len() == text.len())
            .or_else(|| self.fixed.iter().find(|fixed| *fixed.text == *text));
        match prepared {
            Some(fixed) => Some(fixed.value.clone()),
            None => HeaderValue::from_str(text).ok(),
        }
    }
}

/// The request parts CORS looks at, borrowed from an `http` request.
#[must_use]
pub fn cors_request<B>(request: &Request<B>) -> CorsRequest<'_> {
    let headers = request.headers();
    CorsRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        origin: headers.get(ORIGIN).map(HeaderValue::as_bytes),
        access_control_request_method: headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .map(HeaderValue::as_bytes),
        access_control_request_headers: headers
            .get(ACCESS_CONTROL_REQUEST_HEADERS)
            .map(HeaderValue::as_bytes),
    }
}

/// Adds a decision's headers to `headers`. `Vary` is appended to, never replaced.
pub fn apply_headers(decision: &CorsDecision<'_>, headers: &mut HeaderMap) {
    let pairs = decision.response_headers();
    // Values were validated by the policy; one that is not a header value is skipped.
    let owned = pairs
        .iter()
        .filter_map(|(name, value)| Some((header_name(name), HeaderValue::from_str(value).ok()?)));
    merge(headers, owned);
}

/// The `http` name of a CORS response header, without parsing the common ones.
fn header_name(name: &'static str) -> HeaderName {
    match name {
        tollgate_cors::ACCESS_CONTROL_ALLOW_ORIGIN => header::ACCESS_CONTROL_ALLOW_ORIGIN,
        tollgate_cors::ACCESS_CONTROL_ALLOW_CREDENTIALS => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        tollgate_cors::ACCESS_CONTROL_ALLOW_METHODS => header::ACCESS_CONTROL_ALLOW_METHODS,
        tollgate_cors::ACCESS_CONTROL_ALLOW_HEADERS => header::ACCESS_CONTROL_ALLOW_HEADERS,
        tollgate_cors::ACCESS_CONTROL_MAX_AGE => header::ACCESS_CONTROL_MAX_AGE,
        tollgate_cors::ACCESS_CONTROL_EXPOSE_HEADERS => header::ACCESS_CONTROL_EXPOSE_HEADERS,
        tollgate_cors::VARY => header::VARY,
        other => HeaderName::from_static(other),
    }
}

pub(crate) fn merge(
    headers: &mut HeaderMap,
    pairs: impl IntoIterator<Item = (HeaderName, HeaderValue)>,
) {
    for (name, value) in pairs {
        if name == header::VARY {
            headers.append(name, value);
        } else {
            headers.insert(name, value);
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<String> + Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let prepared = &*self.policy;
        let decision = prepared.policy.evaluate(&cors_request(&request));
        let origin = request.headers().get(ORIGIN);
        let pairs = decision.response_headers();
        let owned = pairs.iter().filter_map(|(name, value)| {
            let name = header_name(name);
            let value = prepared.value(&name, value, origin)?;
            Some((name, value))
        });
        if let CorsDecision::Preflight(preflight) = decision {
            // Answered here: the headers go straight into the response.
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
            // Room for every header at once, rather than growing the map as they arrive.
            response.headers_mut().reserve(pairs.len());
            merge(response.headers_mut(), owned);
            return CorsFuture::answered(response);
        }
        // The inner service takes the request, so the headers are owned first.
        let headers: OwnedHeaders = owned.collect();
        CorsFuture::inner(self.inner.call(request), headers)
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
