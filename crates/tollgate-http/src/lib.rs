//! Glue between tollgate's crates and `http`/tower servers.
//!
//! The leaf crates know nothing about HTTP; this crate maps their inputs from `http` types
//! and their decisions to responses, in one place:
//!
//! - [`refusal`] (the crate `tollgate-refusal`, re-exported): every "no" to a status, a
//!   stable error code, a JSON body (`{"error": {"code", "message"}}`) and, for credentials,
//!   a `WWW-Authenticate` challenge built from a validated [`Realm`]. A [`Refusal`] is the one
//!   error type: a handler may return `Result<_, Refusal>` (with the `axum` feature it is an
//!   axum response, and `?` turns a store error into one). A server on a framework that is not
//!   built on tower uses that crate alone, and refuses exactly as these layers do.
//! - [`CorsLayer`]: answers preflights (204 or 403) and adds CORS headers to every other
//!   response, errors included.
//! - [`AuthLayer`]: authenticates `Authorization` through a `tollgate-store` service, checks
//!   the token's allowed origins, and hands the handler a [`Caller`]. With a
//!   [`FailureThrottle`], it answers 429 to credentials from a [`ClientAddr`] that failed to
//!   authenticate too often, before any hashing or database work.
//! - [`ScopeLayer`]: inside the [`AuthLayer`], refuses a caller whose scope (capped by the
//!   owner's role) does not allow the request's operation, before the handler runs or any body
//!   is read.
//! - [`grpc`]: the same refusals to gRPC and gRPC-Web calls, in gRPC's terms (`grpc-status`),
//!   which the layers answer with when the request is a call.
//!
//! For logs, through `tracing` (the application installs the subscriber): every 500 and
//! 503 that [`refusal`] makes (from a store failure, or [`refusal::internal`]) logs its cause,
//! with the error's sources, at `error` and `warn` (target `tollgate_refusal::cause`); a
//! response made by [`Refusal::to_response`] carries its [`RefusalCode`], and one that passed
//! [`AuthLayer`] with a valid token carries the token's `TokenId`, in its extensions, so that
//! a request log wrapped around both can say why a request was refused and whose it was.
//! Nothing logged holds a token's secret.
//!
//! The layers work in any tower-based server (axum, tonic, hyper with tower; for tonic, see
//! [gRPC](#grpc-tonic) below). From the outside in: CORS, then authentication, then the scope check. CORS outside authentication, so
//! preflights (which carry no token) are answered before authentication and 401 responses
//! still carry CORS headers.
//!
//! ```
//! use http::StatusCode;
//! use tollgate_http::{Realm, refusal};
//!
//! let realm = Realm::new("tollgate")?;
//! let response: http::Response<String> = refusal::missing_token(&realm).to_response();
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"tollgate\"");
//! # Ok::<(), tollgate_http::RealmError>(())
//! ```
//!
//! Threat model: every refusal carries a message safe to show to the client (no presented
//! token text, no database details, and one message for unknown, revoked and expired tokens,
//! so a 401 does not say which tokens exist); 503 for an unavailable database is never turned
//! into an allow; a token restricted to origins is refused when `Origin` is absent.
//!
//! A token's allowed origins protect a token used from browsers, which always send the true
//! `Origin` of the page making the request, so a page on another site cannot use a copied
//! token. They do not stop a client that is not a browser (curl, a script, a server), which
//! can send any `Origin` it likes: such a token must still be kept secret, unless it is a
//! publishable token, whose read-only scope is what limits a copy.
//!
//! # gRPC (tonic)
//!
//! A gRPC client reads a call's outcome from `grpc-status`, not from the HTTP status: tonic's
//! client fails a call answered with the plain refusal (401 and a JSON body) as `INTERNAL`, as
//! it reads the JSON as a message. So [`AuthLayer`] and [`ScopeLayer`] answer a gRPC or gRPC-Web
//! call (`content-type: application/grpc...`) as gRPC servers refuse a call, with a
//! Trailers-Only response ([`grpc`]): `grpc-status` 16 `UNAUTHENTICATED` for a 401, 7
//! `PERMISSION_DENIED` for a 403, 8 `RESOURCE_EXHAUSTED` for a 429, 14 `UNAVAILABLE` for a 503,
//! the message in `grpc-message`, the refusal's code in `tollgate-error-code`, and the
//! `WWW-Authenticate` challenge, `Retry-After` and `RateLimit` fields kept: a tonic client finds
//! them in `Status::metadata()`.
//!
//! tonic's server hands requests over with `tonic::body::Body`, which [`AuthLayer`] cannot
//! rebuild from bytes, and its services answer with it, which the layers cannot make a refusal
//! of: the layers run on axum's body (tonic's router is axum's), converted on the way in and
//! out. Every gRPC call is a `POST`, so [`ScopeLayer::by_method`] would take every call for a
//! write: name a call's operation from its method, in the path (`/package.Service/Method`).
//!
//! ```
//! use std::sync::Arc;
//!
//! use http::{Request, Response};
//! use tollgate_http::{AuthLayer, Realm, ScopeLayer, TokenRequirement};
//! use tollgate_scope::Operation;
//! use tollgate_store::{MemoryStorage, TokenService};
//! use tollgate_token::TokenFormat;
//! use tower::ServiceBuilder;
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let tokens = Arc::new(TokenService::new(MemoryStorage::new(), TokenFormat::new("tg")?));
//! let auth = AuthLayer::new(tokens, Realm::new("health")?, TokenRequirement::Required);
//! let scope = ScopeLayer::classify(|_, uri| match uri.path() {
//!     "/grpc.health.v1.Health/Check" | "/grpc.health.v1.Health/Watch" => Operation::ReadData,
//!     _ => Operation::WriteData,
//! });
//! let layers = ServiceBuilder::new()
//!     .map_request(|request: Request<tonic::body::Body>| request.map(axum::body::Body::new))
//!     .layer(auth)
//!     .layer(scope)
//!     .map_response(|response: Response<tonic::body::Body>| response.map(axum::body::Body::new));
//! let (_, health) = tonic_health::server::health_reporter();
//! tonic::transport::Server::builder()
//!     .layer(layers)
//!     .add_service(health)
//!     .serve("127.0.0.1:50051".parse()?)
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Quickstart (axum)
//!
//! A notes service with tokens, scopes, CORS for one web page and a writer list per note: the
//! whole of `examples/quickstart.rs` (with the `axum` feature, `cargo run -p tollgate-http
//! --features axum --example quickstart`). A new service is this file plus its own handlers.
#![cfg_attr(
    feature = "axum",
    doc = concat!("```rust,no_run\n", include_str!("../examples/quickstart.rs"), "\n```")
)]

mod auth_layer;
mod client_addr;
mod cors_layer;
#[cfg(feature = "axum")]
mod extract;
mod failure_throttle;
pub mod grpc;
mod response_future;
mod scope_layer;
mod signed_requests;

pub use auth_layer::{Auth, AuthLayer, Caller, TokenRequirement};
pub use client_addr::ClientAddr;
pub use cors_layer::{Cors, CorsLayer};
#[cfg(feature = "axum")]
pub use extract::CallerToken;
pub use failure_throttle::FailureThrottle;
pub use response_future::ResponseFuture;
pub use scope_layer::{ScopeLayer, Scoped};
pub use signed_requests::{DEFAULT_MAX_SIGNED_BODY, SignedRequests};
pub use tollgate_refusal as refusal;
pub use tollgate_refusal::{
    RATELIMIT, RATELIMIT_POLICY, RateLimitHeaders, Realm, RealmError, Refusal, RefusalCode,
};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
