//! A tower layer that authenticates each request's token and hands the caller to the handler.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use chrono::Utc;
use http::header::{AUTHORIZATION, ORIGIN};
use http::{HeaderValue, Request, Response};
use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_store::{Authenticated, Storage, TokenService};
use tower_layer::Layer;
use tower_service::Service;

use crate::{Realm, refusal};

/// Who made a request, as the authentication layer found out. Stored in the request's
/// extensions for handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No token was presented, and tokens are optional.
    Anonymous,
    /// A valid token, with its owner's role.
    Token(Authenticated),
}

/// Whether a request without a token is refused (Refocus's `REQUIRE_ACCESS_TOKEN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenRequirement {
    /// A request without a token gets 401. The default.
    #[default]
    Required,
    /// A request without a token continues as [`Caller::Anonymous`]. A token that is
    /// presented is still verified: a bad one gets 401.
    Optional,
}

/// Authenticates the `Authorization` header through a [`TokenService`], checks the token's
/// allowed origins against `Origin` (failing closed when `Origin` is absent), and inserts the
/// [`Caller`] into the request's extensions. Refusals are answered here: 401 with a challenge,
/// 403 `origin_not_allowed`, or 503 when the database is unavailable.
#[derive(Debug)]
pub struct AuthLayer<St> {
    tokens: Arc<TokenService<St>>,
    realm: Arc<Realm>,
    requirement: TokenRequirement,
}

impl<St> Clone for AuthLayer<St> {
    fn clone(&self) -> Self {
        Self {
            tokens: Arc::clone(&self.tokens),
            realm: Arc::clone(&self.realm),
            requirement: self.requirement,
        }
    }
}

impl<St> AuthLayer<St> {
    /// A layer authenticating through `tokens`, naming `realm` in challenges.
    #[must_use]
    pub fn new(tokens: Arc<TokenService<St>>, realm: Realm, requirement: TokenRequirement) -> Self {
        Self {
            tokens,
            realm: Arc::new(realm),
            requirement,
        }
    }
}

impl<S, St> Layer<S> for AuthLayer<St> {
    type Service = Auth<S, St>;

    fn layer(&self, inner: S) -> Auth<S, St> {
        Auth {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around another.
#[derive(Debug)]
pub struct Auth<S, St> {
    inner: S,
    layer: AuthLayer<St>,
}

impl<S: Clone, St> Clone for Auth<S, St> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

/// Whether a token with these allowed origins may be used with this `Origin` header.
fn origin_refusal(token: &Authenticated, origin: Option<&HeaderValue>) -> Option<crate::ApiError> {
    let patterns = &token.token.allowed_origins;
    if patterns.is_empty() {
        return None;
    }
    // Stored patterns were validated at creation; one that no longer parses matches nothing.
    let allowed =
        AllowedOrigins::from_patterns(patterns.iter().filter_map(|p| OriginPattern::parse(p).ok()));
    refusal::origin_refusal(allowed.check(origin.map(HeaderValue::as_bytes)))
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, St, ReqBody, ResBody> Service<Request<ReqBody>> for Auth<S, St>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    St: Storage + 'static,
    ReqBody: Send + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The service that was polled ready handles this request; a fresh clone takes its place.
        let clone = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let caller = match request.headers().get(AUTHORIZATION) {
                None => match layer.requirement {
                    TokenRequirement::Required => {
                        return Ok(refusal::missing_token(&layer.realm).to_response());
                    }
                    TokenRequirement::Optional => Caller::Anonymous,
                },
                Some(value) => match layer
                    .tokens
                    .authenticate_header(value.as_bytes(), Utc::now())
                    .await
                {
                    Ok(found) => {
                        if let Some(refused) = origin_refusal(&found, request.headers().get(ORIGIN))
                        {
                            return Ok(refused.to_response());
                        }
                        Caller::Token(found)
                    }
                    Err(error) => {
                        return Ok(refusal::auth_error(&error, &layer.realm).to_response());
                    }
                },
            };
            request.extensions_mut().insert(caller);
            inner.call(request).await
        })
    }
}
