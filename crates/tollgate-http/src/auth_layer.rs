//! A tower layer that authenticates each request's token and hands the caller to the handler.

use core::task::{Context, Poll};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use http::header::{AUTHORIZATION, ORIGIN};
use http::{HeaderValue, Request, Response};
use tollgate_store::{Authenticated, Storage, TokenId, TokenService};
use tower_layer::Layer;
use tower_service::Service;

use crate::{Realm, refusal};

/// The future of [`Auth`]: boxed, as it awaits the store's lookup, whose type has no name.
type BoxFuture<T> = core::pin::Pin<Box<dyn core::future::Future<Output = T> + Send>>;

/// Who made a request, as the authentication layer found out. Stored in the request's
/// extensions for handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per request and kept in its extensions, which box it anyway"
)]
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
///
/// When the token authenticated, the response's extensions hold its [`TokenId`] (never its
/// secret), so that a request log wrapped around this layer can say whose request it was.
///
/// Expiry is judged by the layer's clock: [`Utc::now`] unless replaced with
/// [`with_clock`](Self::with_clock).
#[derive(Debug)]
pub struct AuthLayer<St> {
    tokens: Arc<TokenService<St>>,
    realm: Arc<Realm>,
    requirement: TokenRequirement,
    clock: fn() -> DateTime<Utc>,
}

impl<St> Clone for AuthLayer<St> {
    fn clone(&self) -> Self {
        Self {
            tokens: Arc::clone(&self.tokens),
            realm: Arc::clone(&self.realm),
            requirement: self.requirement,
            clock: self.clock,
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
            clock: Utc::now,
        }
    }

    /// This layer reading the time from `clock` (for tests, or a server with its own clock).
    #[must_use]
    pub fn with_clock(self, clock: fn() -> DateTime<Utc>) -> Self {
        Self { clock, ..self }
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
    let check = token
        .token
        .limits
        .check_origin(origin.map(HeaderValue::as_bytes));
    refusal::origin_refusal(check)
}

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
            // `Authorization` is a singleton field: with two, which one counts would depend on
            // who reads the request (this layer, a proxy, a log), so neither does.
            let mut presented = request.headers().get_all(AUTHORIZATION).iter();
            let header = presented.next();
            if presented.next().is_some() {
                return Ok(refusal::repeated_authorization(&layer.realm).to_response());
            }
            let caller = match header {
                None => match layer.requirement {
                    TokenRequirement::Required => {
                        return Ok(refusal::missing_token(&layer.realm).to_response());
                    }
                    TokenRequirement::Optional => Caller::Anonymous,
                },
                Some(value) => match layer
                    .tokens
                    .authenticate_header(value.as_bytes(), (layer.clock)())
                    .await
                {
                    Ok(found) => {
                        if let Some(refused) = origin_refusal(&found, request.headers().get(ORIGIN))
                        {
                            return Ok(with_token_id(refused.to_response(), found.token.id));
                        }
                        Caller::Token(found)
                    }
                    Err(error) => {
                        return Ok(refusal::auth_error(&error, &layer.realm).to_response());
                    }
                },
            };
            let token_id = match &caller {
                Caller::Token(found) => Some(found.token.id),
                Caller::Anonymous => None,
            };
            request.extensions_mut().insert(caller);
            let response = inner.call(request).await?;
            Ok(match token_id {
                Some(id) => with_token_id(response, id),
                None => response,
            })
        })
    }
}

/// `response`, its extensions naming the token that authenticated the request.
fn with_token_id<B>(mut response: Response<B>, id: TokenId) -> Response<B> {
    response.extensions_mut().insert(id);
    response
}

#[cfg(test)]
mod tests {
    use core::convert::Infallible;
    use core::future::{Ready, ready};

    use chrono::TimeZone;
    use http::StatusCode;
    use tollgate_scope::{Limits, Role, Scope};
    use tollgate_store::{MemoryStorage, TokenRequest, UserName};
    use tollgate_token::{TokenFormat, TokenName};

    use super::*;

    /// An inner service answering 200 with the caller's token name, or "anonymous".
    #[derive(Clone)]
    struct Echo;

    impl Service<Request<()>> for Echo {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<()>) -> Self::Future {
            let body = match request.extensions().get::<Caller>() {
                Some(Caller::Token(found)) => found.token.name.as_str().to_owned(),
                Some(Caller::Anonymous) => "anonymous".to_owned(),
                None => "no caller".to_owned(),
            };
            ready(Ok(Response::new(body)))
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    /// A service holding one token, named "ci", that expires at `at(60)`.
    async fn service_with_token() -> (Arc<TokenService<MemoryStorage>>, String) {
        let service = TokenService::new(MemoryStorage::new(), TokenFormat::new("tg").unwrap());
        let alice = UserName::new("alice").unwrap();
        service
            .create_user(alice.clone(), Role::Reader, at(0))
            .await
            .unwrap();
        let request = TokenRequest {
            owner: alice,
            name: TokenName::new("ci").unwrap(),
            limits: Limits {
                expires_at: Some(at(60)),
                ..Limits::new(Scope::ReadOnly)
            },
        };
        let created = service.create_token(&request, at(0)).await.unwrap();
        let secret = created.secret.expose_secret().to_owned();
        (Arc::new(service), secret)
    }

    async fn send(layer: &AuthLayer<MemoryStorage>, token: &str) -> Response<String> {
        let request = Request::builder()
            .uri("/v1/subjects")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(())
            .unwrap();
        layer.layer(Echo).call(request).await.unwrap()
    }

    #[tokio::test]
    async fn two_authorization_headers_are_refused_whatever_they_hold() {
        let (tokens, token) = service_with_token().await;
        let realm = Realm::new("tollgate").unwrap();
        let layer = AuthLayer::new(tokens, realm, TokenRequirement::Optional).with_clock(|| at(1));
        let valid = format!("Bearer {token}");
        for pair in [[valid.as_str(), "junk"], ["junk", &valid], [&valid, &valid]] {
            let request = Request::builder()
                .uri("/v1/subjects")
                .header(AUTHORIZATION, pair[0])
                .header(AUTHORIZATION, pair[1])
                .body(())
                .unwrap();
            let response = layer.layer(Echo).call(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{pair:?}");
            assert!(
                response.body().contains("invalid_token"),
                "{}",
                response.body()
            );
        }
        // One is fine.
        assert_eq!(send(&layer, &token).await.body(), "ci");
    }

    /// A request log outside the layer learns whose request it was, and nothing when nobody's.
    #[tokio::test]
    async fn responses_name_the_token_that_authenticated() {
        let (tokens, token) = service_with_token().await;
        let realm = Realm::new("tollgate").unwrap();
        let header = format!("Bearer {token}");
        let found = tokens
            .authenticate_header(header.as_bytes(), at(1))
            .await
            .unwrap();
        let layer = AuthLayer::new(tokens, realm, TokenRequirement::Optional).with_clock(|| at(1));

        let answered = send(&layer, &token).await;
        assert_eq!(answered.status(), StatusCode::OK);
        assert_eq!(
            answered.extensions().get::<TokenId>(),
            Some(&found.token.id)
        );

        let refused = send(&layer, "junk").await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refused.extensions().get::<TokenId>(), None);
        let code = refused.extensions().get::<crate::RefusalCode>().copied();
        assert_eq!(code.map(crate::RefusalCode::as_str), Some("invalid_token"));

        let anonymous = Request::builder().uri("/v1/subjects").body(()).unwrap();
        let anonymous = layer.layer(Echo).call(anonymous).await.unwrap();
        assert_eq!(anonymous.body(), "anonymous");
        assert_eq!(anonymous.extensions().get::<TokenId>(), None);
    }

    #[tokio::test]
    async fn expiry_is_judged_by_the_layers_clock() {
        let (tokens, token) = service_with_token().await;
        let realm = Realm::new("tollgate").unwrap();
        let layer = AuthLayer::new(tokens, realm, TokenRequirement::Required);

        let before = send(&layer.clone().with_clock(|| at(59)), &token).await;
        assert_eq!(before.status(), StatusCode::OK);
        assert_eq!(before.body(), "ci");

        let after = send(&layer.with_clock(|| at(60)), &token).await;
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
        assert!(after.body().contains("invalid_token"), "{}", after.body());
    }
}
