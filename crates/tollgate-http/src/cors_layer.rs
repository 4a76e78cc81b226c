//! A tower layer that answers preflights and adds CORS headers to every other response.

use core::task::{Context, Poll};
use std::sync::{Arc, OnceLock};

use http::header::{
    self, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderName, HeaderValue,
    ORIGIN,
};
use http::{HeaderMap, Request, Response, StatusCode};
use tollgate_cors::{CorsDecision, CorsHeader, CorsPolicy, CorsRequest, ResponseHeaders};
use tower_layer::Layer;
use tower_service::Service;

use crate::refusal;
use crate::response_future::ResponseFuture;

/// Evaluates each request against a [`CorsPolicy`]: an allowed preflight is answered 204 with
/// its headers, a denied one 403 (JSON, no CORS headers); every other response, errors
/// included, gets the headers the decision names (`Vary` is appended to, never replaced).
///
/// Each header value that is fixed for the policy is converted to a [`HeaderValue`] once and
/// shared by every response; an echoed `Origin` reuses the request's own value.
///
/// ```
/// use core::convert::Infallible;
/// use core::future::{Ready, ready};
/// use core::task::{Context, Poll};
///
/// use http::{Request, Response, StatusCode};
/// use tollgate_cors::CorsPolicy;
/// use tollgate_http::CorsLayer;
/// use tower_layer::Layer;
/// use tower_service::Service;
///
/// /// The application: `200 OK` to everything.
/// struct App;
///
/// impl Service<Request<()>> for App {
///     type Response = Response<String>;
///     type Error = Infallible;
///     type Future = Ready<Result<Response<String>, Infallible>>;
///
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
///         Poll::Ready(Ok(()))
///     }
///
///     fn call(&mut self, _: Request<()>) -> Self::Future {
///         ready(Ok(Response::new("ok".to_owned())))
///     }
/// }
///
/// let policy = CorsPolicy::builder()
///     .routes("/v1/bots")
///     .allowed_origins("https://app.example.com")
///     .build()?;
/// let mut service = CorsLayer::new(policy).layer(App);
///
/// let preflight = Request::builder()
///     .method("OPTIONS")
///     .uri("/v1/bots/7")
///     .header("origin", "https://app.example.com")
///     .header("access-control-request-method", "PUT")
///     .body(())?;
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let response = runtime.block_on(service.call(preflight))?;
/// assert_eq!(response.status(), StatusCode::NO_CONTENT);
/// assert_eq!(
///     response.headers()["access-control-allow-origin"],
///     "https://app.example.com"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CorsLayer {
    policy: Arc<PreparedPolicy>,
}

impl CorsLayer {
    /// A layer applying `policy`.
    #[must_use]
    pub fn new(policy: CorsPolicy) -> Self {
        Self {
            policy: Arc::new(PreparedPolicy {
                policy,
                fixed: Default::default(),
            }),
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

/// How many kinds of CORS header there are.
const KINDS: usize = 7;

/// A policy, and the `http` value of each header kind whose value is fixed for the policy
/// (every kind but `AllowOrigin` and `Vary`; see [`CorsHeader`]), converted on first use.
#[derive(Debug)]
struct PreparedPolicy {
    policy: CorsPolicy,
    fixed: [OnceLock<Option<HeaderValue>>; KINDS],
}

impl PreparedPolicy {
    /// The decision's headers as `http` names and values.
    fn http_headers<'a>(
        &'a self,
        headers: &'a ResponseHeaders<'a>,
        origin: Option<&'a HeaderValue>,
    ) -> impl Iterator<Item = (HeaderName, HeaderValue)> + 'a {
        headers.iter().filter_map(move |(kind, text)| {
            let value = match kind {
                CorsHeader::AllowOrigin => allow_origin(text, origin),
                CorsHeader::Vary => headers.vary().header_value().map(HeaderValue::from_static),
                _ => self
                    .fixed
                    .get(kind as usize)?
                    .get_or_init(|| HeaderValue::from_str(text).ok())
                    .clone(),
            };
            Some((header_name(kind), value?))
        })
    }
}

/// The `Access-Control-Allow-Origin` value: the request's own `Origin` value when the
/// decision echoes it (it always does, but for `*`), else the text converted.
fn allow_origin(text: &str, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    match origin {
        Some(origin) if origin.as_bytes() == text.as_bytes() => Some(origin.clone()),
        _ if text == "*" => Some(HeaderValue::from_static("*")),
        _ => HeaderValue::from_str(text).ok(),
    }
}

/// The `http` name of a CORS response header.
fn header_name(kind: CorsHeader) -> HeaderName {
    match kind {
        CorsHeader::AllowOrigin => header::ACCESS_CONTROL_ALLOW_ORIGIN,
        CorsHeader::AllowCredentials => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        CorsHeader::AllowMethods => header::ACCESS_CONTROL_ALLOW_METHODS,
        CorsHeader::AllowHeaders => header::ACCESS_CONTROL_ALLOW_HEADERS,
        CorsHeader::MaxAge => header::ACCESS_CONTROL_MAX_AGE,
        CorsHeader::ExposeHeaders => header::ACCESS_CONTROL_EXPOSE_HEADERS,
        CorsHeader::Vary => header::VARY,
    }
}

/// The request parts CORS looks at, borrowed from an `http` request.
fn cors_request<B>(request: &Request<B>) -> CorsRequest<'_> {
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

/// Adds `pairs` to `headers`: `Vary` is appended to, every other header replaced.
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
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let prepared = &*self.policy;
        let decision = prepared.policy.evaluate(&cors_request(&request));
        let headers = decision.response_headers();
        let pairs = prepared.http_headers(&headers, request.headers().get(ORIGIN));
        let mut response = match decision {
            CorsDecision::PreflightAllowed(_) => {
                let mut response = Response::new(ResBody::default());
                *response.status_mut() = StatusCode::NO_CONTENT;
                response
            }
            CorsDecision::PreflightDenied(reason) => {
                refusal::cors_preflight_denied(reason).to_response()
            }
            CorsDecision::NotCors { .. }
            | CorsDecision::ActualAllowed(_)
            | CorsDecision::ActualDenied { .. } => {
                // The inner service takes the request, so the headers are owned first.
                let pairs = pairs.collect();
                return ResponseFuture::inner(self.inner.call(request), pairs);
            }
        };
        // A preflight is answered here: the headers go straight into the response.
        response.headers_mut().reserve(headers.len());
        merge(response.headers_mut(), pairs);
        ResponseFuture::answered(response)
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
        assert_eq!(
            response.headers()["vary"],
            "origin, access-control-request-method, access-control-request-headers"
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
