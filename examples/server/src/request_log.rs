//! One log line per request, at `info` with target `request`, once its response is ready.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tollgate::http::RefusalCode;
use tollgate::store::TokenId;
use tracing::Instrument;
use tracing::field::display;

/// The methods logged by name; any other is logged as `other`.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// Middleware, the outermost layer: logs the request's method and route, the response's
/// status, the time until the response's head was ready (`latency_us`), the id of the token
/// that authenticated the request (`token_id`, from [`AuthLayer`]) and, for an error, its
/// code (`code`, from [`RefusalCode`]). Everything logged while the request is handled (audit
/// events, the cause of a 500 or 503) is inside a `request` span with the method and route.
///
/// Nothing the client chose is logged: the route is the router's pattern
/// (`/v1/tokens/{id}`), absent when no route matched, never the path, whose segments and
/// query could hold anything, a token sent to the wrong place included; and a method that is
/// not a standard one, which could be any word, is logged as `other`.
///
/// The route is known because axum runs a `Router::layer` after routing; wrapped around the
/// router from outside instead, this middleware would log no route.
///
/// [`AuthLayer`]: tollgate::http::AuthLayer
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = METHODS
        .into_iter()
        .find(|name| request.method().as_str() == *name)
        .unwrap_or("other");
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map(|route| display(route.as_str()));
    let span = tracing::info_span!("request", method = %method, route);
    let response = next.run(request).instrument(span).await;
    let token_id = response.extensions().get::<TokenId>().map(|id| id.0);
    let code = response.extensions().get::<RefusalCode>();
    tracing::info!(
        target: "request",
        method = %method,
        route,
        status = response.status().as_u16(),
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        token_id,
        code = code.map(|code| display(code.as_str())),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, PoisonError};

    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use chrono::Utc;
    use http::header::AUTHORIZATION;
    use tollgate::http::{AuthLayer, Realm, TokenRequirement};
    use tollgate::scope::{Limits, Role, Scope};
    use tollgate::store::{MemoryStorage, TokenRequest, TokenService, UserName};
    use tollgate::token::{TokenFormat, TokenName};
    use tower::ServiceExt;

    use super::*;

    /// Everything logged on this thread while the guard lives, as the server writes it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            held.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn start() -> (Self, tracing::subscriber::DefaultGuard) {
            let captured = Self::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            (captured, tracing::subscriber::set_default(subscriber))
        }

        fn text(&self) -> String {
            let held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8_lossy(&held).into_owned()
        }
    }

    /// An app with one route behind authentication and the request log, and a token for it.
    async fn app() -> (Router, String, TokenId) {
        let tokens = TokenService::new(MemoryStorage::new(), TokenFormat::new("tgsk").unwrap());
        let owner = UserName::new("alice").unwrap();
        tokens
            .create_user(owner.clone(), Role::Reader, Utc::now())
            .await
            .unwrap();
        let request = TokenRequest::new(
            owner,
            TokenName::new("ci").unwrap(),
            Limits::new(Scope::ReadOnly),
        );
        let created = tokens.create_token(&request, Utc::now()).await.unwrap();
        let realm = Realm::new("tollgate").unwrap();
        let app = Router::new()
            .route("/v1/subjects/{name}", get(|| async { "ok" }))
            .layer(AuthLayer::new(
                Arc::new(tokens),
                realm,
                TokenRequirement::Required,
            ))
            .layer(axum::middleware::from_fn(log_request));
        let secret = created.secret.expose_secret().to_owned();
        (app, secret, created.record.id)
    }

    async fn send(app: &Router, method: &str, uri: &str, authorization: Option<&str>) -> u16 {
        let mut request = http::Request::builder().method(method).uri(uri);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        let request = request.body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        response.status().as_u16()
    }

    /// The one line logged for a request, without its time.
    fn request_line(log: &str, index: usize) -> String {
        let line = log
            .lines()
            .filter(|line| line.contains(" INFO request: "))
            .nth(index)
            .unwrap_or_else(|| panic!("no request line {index} in:\n{log}"));
        let (_, fields) = line.split_once(" INFO ").unwrap();
        // The latency varies; the test checks that it is there and leaves it out.
        let (before, rest) = fields.split_once(" latency_us=").unwrap();
        let after = rest.split_once(' ').map_or("", |(_, after)| after);
        format!("{before} {after}").trim_end().to_owned()
    }

    #[tokio::test]
    async fn a_request_line_names_status_route_token_and_refusal_code() {
        let (app, secret, id) = app().await;
        let (captured, _guard) = Captured::start();
        let bearer = format!("Bearer {secret}");

        assert_eq!(
            send(&app, "GET", "/v1/subjects/cpu", Some(&bearer)).await,
            200
        );
        let uri = format!("/v1/subjects/{secret}?access_token={secret}");
        assert_eq!(send(&app, "GET", &uri, Some("Bearer junk")).await, 401);
        assert_eq!(send(&app, &secret, "/v1/subjects/cpu", None).await, 401);

        let log = captured.text();
        assert_eq!(
            request_line(&log, 0),
            format!("request: method=GET route=/v1/subjects/{{name}} status=200 token_id={id}")
        );
        assert_eq!(
            request_line(&log, 1),
            "request: method=GET route=/v1/subjects/{name} status=401 code=invalid_token"
        );
        assert_eq!(
            request_line(&log, 2),
            "request: method=other route=/v1/subjects/{name} status=401 code=missing_token"
        );
        // The token was in the path, the query and the method: none of them is logged.
        assert!(!log.contains(&secret), "{log}");
        assert!(!log.contains("/v1/subjects/cpu"), "{log}");
    }
}
