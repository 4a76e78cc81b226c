//! Thin handlers: parse, ask the libraries, answer. Each is an `async fn` whose parameters are
//! axum extractors and which returns `Result<_, Refusal>`; `app::router` names them.

pub(crate) mod audit_log;
pub(crate) mod records;
pub(crate) mod samples;
pub(crate) mod tokens;
pub(crate) mod users;

use chrono::{DateTime, SecondsFormat, Utc};

/// A time as RFC 3339 in UTC, for JSON.
pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `Cache-Control: no-store`, for every response that carries a token's secret: no cache
/// between the server and the client may keep a copy.
pub(crate) fn no_store() -> [(http::HeaderName, &'static str); 1] {
    [(http::header::CACHE_CONTROL, "no-store")]
}

/// Whether the query string asks for `name=value`.
pub(crate) fn query_has(query: Option<&str>, pair: &str) -> bool {
    query.is_some_and(|query| query.split('&').any(|given| given == pair))
}

/// Whether the query string asks for `override=admin`.
pub(crate) fn override_requested(query: Option<&str>) -> bool {
    query_has(query, "override=admin")
}
