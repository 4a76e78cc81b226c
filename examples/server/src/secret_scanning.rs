//! `POST /v1/secret-scanning/reports`: leaked tokens revoked on report. A secret-scanning
//! service (GitHub's partner program, or one that speaks it) that finds this server's tokens
//! in public code posts them here, signed with its ECDSA P-256 key; every decision is
//! tollgate-scanning's (keys, signature, report, answer) and tollgate-store's (whose secret,
//! revoke).
//!
//! The route is outside the authentication layer (a report carries no bearer token: its
//! signature is its credential) and exists only when the reporter's keys are configured.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tollgate::http::{Refusal, refusal};
use tollgate::scanning::{
    GITHUB_KEY_IDENTIFIER_HEADER, GITHUB_SIGNATURE_HEADER, Label, Report, ReportLimits,
    ReportedToken, ReporterKeys, answer,
};
use tollgate::store::{Reported, TokenService};
use tollgate::token::TokenHash;

use crate::app::Store;
use crate::audit;

/// What the route needs.
#[derive(Clone)]
pub(crate) struct Scanning {
    pub(crate) keys: Arc<ReporterKeys>,
    pub(crate) tokens: Arc<TokenService<Store>>,
}

/// The route, for a server whose reporter keys are configured.
pub(crate) fn routes(scanning: Scanning) -> Router {
    Router::new()
        .route("/v1/secret-scanning/reports", post(report))
        .with_state(scanning)
}

/// Verifies, reads and answers one report: 401 `invalid_report_signature` unless the body is
/// signed by one of the reporter's keys, 413 `payload_too_large` past the body's size or its
/// count of tokens, 400 `invalid_report` for a body that is no report; else 200 with each token labelled, every true positive revoked if
/// it still worked.
async fn report(State(scanning): State<Scanning>, request: Request) -> Response {
    match answered(&scanning, request).await {
        Ok(body) => {
            let json = HeaderValue::from_static("application/json");
            (StatusCode::OK, [(CONTENT_TYPE, json)], body).into_response()
        }
        Err(refused) => refused.into_response(),
    }
}

async fn answered(scanning: &Scanning, request: Request) -> Result<String, Refusal> {
    let (parts, body) = request.into_parts();
    // A request without the signature fields is refused before its body is read.
    let (key_id, signature) = signature_fields(&parts.headers)?;
    let limit = ReportLimits::DEFAULT.max_body_len;
    let body = read(body, limit).await?;
    // The signature is checked over the raw bytes before anything reads them.
    scanning
        .keys
        .verify(key_id, signature, &body)
        .map_err(|error| invalid_signature(&error))?;
    let report = Report::parse(&body).map_err(|error| {
        let (status, code) = match error.is_too_large() {
            true => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            false => (StatusCode::BAD_REQUEST, "invalid_report"),
        };
        Refusal::new(status, code, error.to_string())
    })?;
    // In a task of its own: a request timed out or dropped halfway does not stop the
    // revocations it began before they are audited.
    let tokens = Arc::clone(&scanning.tokens);
    tokio::spawn(async move { labelled(&tokens, &report).await })
        .await
        .map_err(|error| refusal::internal(&error))?
}

/// Each reported token revoked if it still works, audited, and labelled; a token reported
/// twice in one report is looked up once.
async fn labelled(tokens: &Arc<TokenService<Store>>, report: &Report) -> Result<String, Refusal> {
    let now = Utc::now();
    let mut labels: HashMap<TokenHash, Label> = HashMap::with_capacity(report.len());
    let mut labelled = Vec::with_capacity(report.len());
    for token in report.tokens() {
        let hash = token.hash();
        let label = match labels.get(&hash) {
            Some(label) => *label,
            None => {
                let reported = tokens.revoke_reported(token.expose_secret(), now).await?;
                if let Reported::Inactive(id) | Reported::Revoked(id) = reported {
                    let revoked = matches!(reported, Reported::Revoked(_));
                    audit::token_leaked(tokens, id, revoked, token).await;
                }
                let label = match reported {
                    Reported::NotOurs => Label::FalsePositive,
                    Reported::Inactive(_) | Reported::Revoked(_) => Label::TruePositive,
                };
                labels.insert(hash, label);
                label
            }
        };
        labelled.push((token, label));
    }
    Ok(answer(labelled))
}

/// The body, at most `limit` bytes: 413 past that.
async fn read(body: Body, limit: usize) -> Result<axum::body::Bytes, Refusal> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(refusal::payload_too_large(limit)),
        Err(error) => Err(refusal::unreadable_body(&error)),
    }
}

/// The key id and signature fields, each exactly once.
fn signature_fields(headers: &HeaderMap) -> Result<(&[u8], &[u8]), Refusal> {
    let field = |name: &'static str| {
        let mut values = headers.get_all(name).iter();
        match (values.next(), values.next()) {
            (Some(value), None) => Ok(value.as_bytes()),
            _ => Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "invalid_report_signature",
                format!("a report carries exactly one {name} field"),
            )),
        }
    };
    Ok((
        field(GITHUB_KEY_IDENTIFIER_HEADER)?,
        field(GITHUB_SIGNATURE_HEADER)?,
    ))
}

/// 401 for a report whose signature does not verify: the reason says which part failed and
/// holds nothing from the request.
fn invalid_signature(error: &dyn std::error::Error) -> Refusal {
    Refusal::new(
        StatusCode::UNAUTHORIZED,
        "invalid_report_signature",
        format!("the report's signature does not verify: {error}"),
    )
}

/// The longest URL or source an audit outcome keeps, in characters.
const MAX_SHOWN: usize = 512;

/// A leaked token's audit outcome: whether it was revoked, and where it was found (the
/// report's URL and kind of place, printable ASCII only, each cut at [`MAX_SHOWN`]: they are
/// the reporter's text, read by people and by other programs).
pub(crate) fn leak_outcome(revoked: bool, token: &ReportedToken) -> String {
    let done = if revoked {
        "revoked"
    } else {
        "already inactive"
    };
    let url = match token.url() {
        "" => "no URL given".to_owned(),
        url => shown(url),
    };
    format!("{done}; found in {} at {url}", shown(token.source()))
}

/// `text` with every character but printable ASCII as `?`, cut at [`MAX_SHOWN`] characters.
fn shown(text: &str) -> String {
    text.chars()
        .take(MAX_SHOWN)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn reporter_text_is_shown_as_printable_ascii_and_cut() {
        assert_eq!(shown("https://a.example/x?y=1"), "https://a.example/x?y=1");
        assert_eq!(shown("line\nbreak\u{202e}bidi"), "line?break?bidi");
        assert_eq!(shown(&"x".repeat(600)).len(), 512);
    }
}
