//! Every "no" of tollgate's crates as plain data, for any web framework.
//!
//! The leaf crates answer with typed errors and decisions; a server answers with a status, a
//! few headers and a body. This crate maps the one to the other, in one place, so that
//! servers built on different frameworks refuse alike: a [`Refusal`] is a status, a stable
//! snake_case error code, a message safe to show, and, where they apply, a
//! `WWW-Authenticate` challenge built from a validated [`Realm`], a `Retry-After` and the
//! `RateLimit` fields ([`RateLimitHeaders`]). Its body is
//! `{"error": {"code": "...", "message": "..."}}`.
//!
//! The types are `http`'s ([`http::StatusCode`], [`http::HeaderMap`]), which need no
//! framework: [`Refusal::to_response`] makes an `http::Response` (for tower servers such as
//! axum and tonic; tollgate-http's layers use it), and a framework with types of its own sends
//! [`Refusal::status`], [`Refusal::headers`] and [`Refusal::body`] as they are.
//!
//! | refusal | status | code |
//! |---|---|---|
//! | no credentials | 401 + challenge | `missing_token` |
//! | malformed header or token, unknown, revoked, expired; two `Authorization` fields | 401 + `invalid_token` | `invalid_token` |
//! | a token with a signing key, on a request it did not sign as required | 401 + the code as `error` | `signature_required`, `invalid_signature`, `signature_expired`, `replayed_request` |
//! | credentials from an address over its rate of failed authentications | 429 + `Retry-After` | `too_many_failures` |
//! | a token (or a token it derives from) over its rate limit | 429 + `Retry-After` + `RateLimit` fields | `rate_limited` |
//! | a token (or a token it derives from) that used its quota for the period | 429 + `Retry-After` + `RateLimit` fields | `quota_exceeded` |
//! | database unavailable | 503 + `Retry-After` | `unavailable` |
//! | malformed stored row, or a defect | 500 | `internal` |
//! | scope or role too low, a publishable token beyond reading, or never for tokens | 403 + `insufficient_scope` | `insufficient_scope` |
//! | outside the token's grants | 403 | `not_granted` |
//! | not a writer | 403 | `not_a_writer` |
//! | a writer list change that would lock its maker out, unconfirmed | 409 | `would_lock_out` |
//! | token's allowed origins do not match `Origin` | 403 | `origin_not_allowed` |
//! | a CORS preflight the policy denies | 403 | `cors_preflight_rejected` |
//! | a request body over the server's limit | 413 | `payload_too_large` |
//! | a request body that could not be read | 400 | `bad_request_body` |
//! | a request body that did not arrive in time | 408 | `request_timeout` |
//! | a new token above its owner's role | 422 | `scope_above_role` |
//! | a new token beyond its parent's expiry, origins, grants, rate limit or quota | 422 | `exceeds_parent` |
//! | a new token made by a token with the most ancestors allowed | 422 | `derivation_too_deep` |
//! | limits no token may have | 422 | `publishable_read_only`, `publishable_needs_origins`, `invalid_allowed_origin` |
//! | restoring a token whose parent is revoked or deleted, or creating one with a token revoked or deleted since it authenticated the request | 409 | `parent_not_active` |
//! | a new token for a user who holds the most live tokens allowed | 422 | `too_many_tokens` |
//! | rotating a token the credential does not derive it from, or with a replaced secret | 403 | `rotation_not_allowed` |
//! | a rotation's grace period over the longest allowed | 422 | `invalid_grace` |
//!
//! ```
//! use http::StatusCode;
//! use tollgate_refusal::{Realm, missing_token};
//!
//! let realm = Realm::new("tollgate")?;
//! let refusal = missing_token(&realm);
//! assert_eq!(refusal.status, StatusCode::UNAUTHORIZED);
//! assert_eq!(refusal.headers()["www-authenticate"], "Bearer realm=\"tollgate\"");
//! assert_eq!(refusal.body(), r#"{"error":{"code":"missing_token","message":"this request needs an access token: send `Authorization: Bearer <token>`"}}"#);
//! # Ok::<(), tollgate_refusal::RealmError>(())
//! ```
//!
//! Threat model: every refusal carries a message safe to show to the client (no presented
//! token text, no database details, and one message for unknown, revoked and expired tokens,
//! so a 401 does not say which tokens exist); an unavailable database is 503, never an allow.
//!
//! Logs, through [`tracing`] (the application installs the subscriber): every 500 and 503
//! made here (from a store failure, or [`internal`]) logs its cause, with the error's sources,
//! at `error` and `warn` (target `tollgate_refusal::cause`). Nothing logged holds a token's
//! secret.
//!
//! With the `axum` feature, `Refusal` is an axum response (`IntoResponse`), and `Realm` an
//! extractor of the realm an authentication layer put in the request's extensions.

#[cfg(feature = "axum")]
mod axum;
mod cause;
mod error;
mod mapping;
mod rate_limit_headers;
mod realm;
mod refusal;

pub use error::RealmError;
pub use mapping::{
    auth_error, authorize, cors_preflight_denied, derive_error, internal, lockout, meter_error,
    missing_token, origin_refusal, payload_too_large, repeated_authorization, request_timeout,
    scope_denial, signature_error, store_error, too_many_failures, unreadable_body, writer_denial,
};
pub use rate_limit_headers::{RATELIMIT, RATELIMIT_POLICY, RateLimitHeaders};
pub use realm::Realm;
pub use refusal::{Refusal, RefusalCode};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
