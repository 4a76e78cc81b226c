//! The token page at `/tokens` (and `/`, which redirects there): plain HTML, CSS and
//! JavaScript built into the binary, working against the JSON API of the same origin. Served
//! without authentication (the page holds no data; its script sends the token the person
//! pastes), with headers that allow nothing but the page's own files: no inline script or
//! style, no framing, no referrer, no content sniffing.

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use http::HeaderValue;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};

const HTML: &str = include_str!("page/tokens.html");
const CSS: &str = include_str!("page/tokens.css");
const SCRIPT: &str = include_str!("page/tokens.js");

/// Only the page's own script and style, requests to its own origin, no frames, no forms
/// sent anywhere, no `<base>`.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

/// The page's routes; the server merges them outside its authentication layer.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/tokens") }))
        .route(
            "/tokens",
            get(|| async { file(HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/tokens.css",
            get(|| async { file(CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/tokens.js",
            get(|| async { file(SCRIPT, "text/javascript; charset=utf-8") }),
        )
}

/// `body` as `content_type`, with the page's security headers.
fn file(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (CONTENT_TYPE, content_type),
        (CONTENT_SECURITY_POLICY, POLICY),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (REFERRER_POLICY, "no-referrer"),
        (X_FRAME_OPTIONS, "DENY"),
        // Revalidated on every load: a new server's page replaces an old one at once.
        (CACHE_CONTROL, "no-cache"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
