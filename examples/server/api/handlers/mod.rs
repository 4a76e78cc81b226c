//! Thin handlers: parse, ask the libraries, answer.

pub(crate) mod records;
pub(crate) mod samples;
pub(crate) mod tokens;
pub(crate) mod users;

use chrono::{DateTime, SecondsFormat, Utc};

/// A time as RFC 3339 in UTC, for JSON.
pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether the query string asks for `override=admin`.
pub(crate) fn override_requested(query: Option<&str>) -> bool {
    query.is_some_and(|query| query.split('&').any(|pair| pair == "override=admin"))
}
