//! Authentication as a middleware, in the order the axum server's `AuthLayer` takes its steps:
//! exactly one `Authorization` field; the token, through `tollgate-store`'s `TokenService`;
//! its allowed origins; its signature, when it has a signing key; its rate limits and quota.
//! Each "no" is a crate's decision, refused as `tollgate-refusal` says. Every request needs a
//! token.
//!
//! What the axum server has and this example leaves out: the throttle on addresses that fail
//! to authenticate too often, and anonymous reading.

use core::future::{Ready, ready};
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, HOST, HeaderValue, ORIGIN};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};
use chrono::{DateTime, Utc};
use tollgate::refusal::{self, RateLimitHeaders, Refusal};
use tollgate::scope::SignatureKey;
use tollgate::sign::{VerifyError, VerifyingKey};
use tollgate::store::Authenticated;

use crate::answer::{self, Refused};
use crate::{State, records};

/// The token that authenticated the request, and its owner's role. A handler takes it as an
/// argument; a request that did not pass [`authenticate`] is refused 500 (the service is
/// misconfigured, and serving it would skip authentication).
#[derive(Debug, Clone)]
pub struct Caller(pub Authenticated);

/// The middleware (`actix_web::middleware::from_fn(gate::authenticate)`).
///
/// # Errors
/// Only the inner service's.
pub async fn authenticate(
    state: web::Data<State>,
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match admit(&state, &mut request).await {
        Ok((found, rate_limit)) => {
            request.extensions_mut().insert(Caller(found));
            let mut response = next.call(request).await?.map_into_boxed_body();
            if let Some(rate_limit) = rate_limit {
                let mut fields = http::HeaderMap::new();
                rate_limit.apply(&mut fields);
                for (name, value) in answer::headers(&fields) {
                    response.headers_mut().insert(name, value);
                }
            }
            Ok(response)
        }
        Err(refused) => Ok(request.into_response(answer::response(&refused))),
    }
}

/// The request's valid token and the `RateLimit` fields to answer with, or the refusal.
async fn admit(
    state: &State,
    request: &mut ServiceRequest,
) -> Result<(Authenticated, Option<RateLimitHeaders>), Refusal> {
    let realm = &state.realm;
    // `Authorization` is a singleton field: with two, which one counts would depend on who
    // reads the request, so neither does.
    let mut presented = request.headers().get_all(AUTHORIZATION);
    let header = presented.next().cloned();
    if presented.next().is_some() {
        return Err(refusal::repeated_authorization(realm));
    }
    let header = header.ok_or_else(|| refusal::missing_token(realm))?;
    let now = Utc::now();
    let found = state
        .tokens
        .authenticate_header(header.as_bytes(), now)
        .await
        .map_err(|error| refusal::auth_error(&error, realm))?;
    let origin = request.headers().get(ORIGIN).map(HeaderValue::as_bytes);
    if let Some(refused) = refusal::origin_refusal(found.token.limits.check_origin(origin)) {
        return Err(refused);
    }
    // Before metering, so that a copied token without its key uses up nothing.
    if let Some(key) = &found.token.limits.signing_key {
        check_signature(state, request, key, &found.token.id.0.to_string(), now).await?;
    }
    match state.tokens.meter(&found, now, Instant::now()).await {
        Ok(metered) => {
            let rate_limit = RateLimitHeaders::allowed(&metered, now);
            Ok((found, rate_limit))
        }
        Err(error) => Err(refusal::meter_error(&error, now)),
    }
}

/// `Ok` when the request is signed by `key` as the verifier requires (RFC 9421), `keyid` the
/// token's id. Its body is read, within the handlers' limit, to check its `Content-Digest`,
/// and put back for the handler.
async fn check_signature(
    state: &State,
    request: &mut ServiceRequest,
    key: &SignatureKey,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let realm = &state.realm;
    // Without any signature there is nothing to check the body against: refused unread.
    if !request.headers().contains_key("signature-input") {
        return Err(refusal::signature_error(&VerifyError::Missing, realm));
    }
    let payload = request
        .extract::<web::Payload>()
        .await
        .map_err(|error| refusal::unreadable_body(&error))?;
    let body = records::read_body(payload).await?;
    // The server checked the key when the token was made: one that is not a curve point is a
    // corrupt row.
    let verifying_key =
        VerifyingKey::ed25519(key.public_key()).map_err(|error| refusal::internal(&error))?;
    let authority = request
        .headers()
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let signed = tollgate::sign::Request {
        method: request.method().as_str(),
        scheme: "http",
        authority,
        path_and_query,
    };
    let headers = answer::http_headers(request.headers());
    let seconds = u64::try_from(now.timestamp()).unwrap_or_default();
    state
        .verifier
        .verify(&signed, &headers, &body, key_id, &verifying_key, seconds)
        .map_err(|error| refusal::signature_error(&error, realm))?;
    request.set_payload(Payload::from(body));
    Ok(())
}

impl FromRequest for Caller {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = request.extensions().get::<Caller>().cloned();
        ready(caller.ok_or_else(|| Refused(refusal::internal(&NoGate))))
    }
}

/// Why a handler found no [`Caller`]: logged as the cause of a 500, never shown.
#[derive(Debug)]
struct NoGate;

impl core::fmt::Display for NoGate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the request has no Caller: it did not pass gate::authenticate")
    }
}

impl std::error::Error for NoGate {}
