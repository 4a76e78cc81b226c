//! The example's own refusals for requests it cannot serve: an unknown record, a malformed
//! body or query. Every other refusal is built by `tollgate::http::refusal`.

use http::StatusCode;
use tollgate::http::Refusal;

/// 404 `not_found`: "no such {what}".
pub(crate) fn not_found(what: &str) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such {what}"),
    )
}

/// 400 with `code`.
pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, code, message)
}
