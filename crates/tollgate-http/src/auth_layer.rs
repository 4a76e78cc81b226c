//! A tower layer that authenticates each request's token and hands the caller to the handler.

use core::task::{Context, Poll};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{AUTHORIZATION, ORIGIN};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use tollgate_scope::{Access, Operation};
use tollgate_store::{AuthError, Authenticated, Storage, TokenId, TokenService};
use tower_layer::Layer;
use tower_service::Service;

use crate::{
    ClientAddr, FailureThrottle, RateLimitHeaders, Realm, Refusal, SignedRequests, grpc, refusal,
};

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

impl Caller {
    /// `Ok` when this caller may perform `operation` (on `resource`, with that access, when
    /// the operation touches a record that grants can name): a token as its limits decide
    /// ([`Limits::check_operation`](tollgate_scope::Limits::check_operation): its scope capped
    /// by its owner's role, a publishable token only reading, and its grants), an anonymous
    /// caller only for [`Operation::ReadData`]. The refusal is 401 `missing_token` or the
    /// token's 403, with `realm`'s challenges. [`ScopeLayer`](crate::ScopeLayer) asks this
    /// without a resource; a handler that knows the record asks it with one.
    ///
    /// # Errors
    /// The refusal to answer with.
    pub fn authorize(
        &self,
        operation: Operation,
        resource: Option<(&str, Access)>,
        realm: &Realm,
    ) -> Result<(), Refusal> {
        let token = match self {
            Self::Anonymous => None,
            Self::Token(found) => Some(found),
        };
        refusal::authorize(token, operation, resource, realm)
    }
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
/// [`Caller`] and the layer's [`Realm`] into the request's extensions (so that a
/// [`ScopeLayer`](crate::ScopeLayer) or a handler can refuse with the same challenges). Refusals are answered here: 401 with a challenge,
/// 403 `origin_not_allowed`, or 503 when the database is unavailable; with a
/// [`FailureThrottle`], 429 `too_many_failures` first for credentials from an address that
/// failed too often. A gRPC or gRPC-Web call gets each refusal in gRPC's terms
/// ([`grpc`](crate::grpc)).
///
/// Each request with a valid token is metered ([`TokenService::meter`]): counted for the
/// token's use counts, and refused with 429 `rate_limited` or `quota_exceeded` when the
/// token, or a token it derives from, is over its rate limit or quota (or, without any rate
/// limit, over the service's default rate). Responses to metered requests carry the
/// `RateLimit-Policy` and `RateLimit` fields ([`RateLimitHeaders`]) whenever a limit applied,
/// allowed ones included.
///
/// When the token authenticated, the response's extensions hold its [`TokenId`] (never its
/// secret), so that a request log wrapped around this layer can say whose request it was.
///
/// Expiry is judged by the layer's clock: [`Utc::now`] unless replaced with
/// [`with_clock`](Self::with_clock).
///
/// ```
/// use std::convert::Infallible;
/// use std::sync::Arc;
///
/// use bytes::Bytes;
/// use http::{Request, Response, StatusCode};
/// use http_body_util::Full;
/// use tollgate_http::{AuthLayer, Caller, Realm, TokenRequirement};
/// use tollgate_store::{MemoryStorage, TokenService};
/// use tollgate_token::TokenFormat;
/// use tower::{Layer, ServiceExt, service_fn};
///
/// let tokens = Arc::new(TokenService::new(MemoryStorage::new(), TokenFormat::new("tg")?));
/// let layer = AuthLayer::new(tokens, Realm::new("example")?, TokenRequirement::Required);
/// // The handler finds the authenticated caller in the request's extensions.
/// // The body type is one the layer can rebuild from bytes (for signed requests).
/// let app = layer.layer(service_fn(|request: Request<Full<Bytes>>| async move {
///     let known = matches!(request.extensions().get::<Caller>(), Some(Caller::Token(_)));
///     Ok::<_, Infallible>(Response::new(format!("known: {known}")))
/// }));
///
/// let request = Request::get("/v1/subjects").body(Full::default())?;
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let response = runtime.block_on(app.oneshot(request))?;
/// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"example\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AuthLayer<St> {
    /// Cloned into every request's future: one reference count, however many settings.
    shared: Arc<Shared<St>>,
}

/// An [`AuthLayer`]'s settings.
#[derive(Debug)]
struct Shared<St> {
    tokens: Arc<TokenService<St>>,
    realm: Realm,
    requirement: TokenRequirement,
    clock: fn() -> DateTime<Utc>,
    throttle: Option<Arc<FailureThrottle>>,
    signed: Arc<SignedRequests>,
}

impl<St> Clone for AuthLayer<St> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<St> Clone for Shared<St> {
    fn clone(&self) -> Self {
        Self {
            tokens: Arc::clone(&self.tokens),
            realm: self.realm.clone(),
            requirement: self.requirement,
            clock: self.clock,
            throttle: self.throttle.clone(),
            signed: Arc::clone(&self.signed),
        }
    }
}

impl<St> AuthLayer<St> {
    /// A layer authenticating through `tokens`, naming `realm` in challenges.
    #[must_use]
    pub fn new(tokens: Arc<TokenService<St>>, realm: Realm, requirement: TokenRequirement) -> Self {
        let shared = Shared {
            tokens,
            realm,
            requirement,
            clock: Utc::now,
            throttle: None,
            signed: Arc::new(SignedRequests::new()),
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    /// This layer with one setting changed (the others shared with its clones are kept).
    fn changed(self, change: impl FnOnce(&mut Shared<St>)) -> Self {
        let mut shared = Arc::unwrap_or_clone(self.shared);
        change(&mut shared);
        Self {
            shared: Arc::new(shared),
        }
    }

    /// This layer reading the time from `clock` (for tests, or a server with its own clock).
    #[must_use]
    pub fn with_clock(self, clock: fn() -> DateTime<Utc>) -> Self {
        self.changed(|shared| shared.clock = clock)
    }

    /// This layer refusing credentials from addresses over `throttle`'s rate of failed
    /// authentications, and counting each failure that is the client's doing (see
    /// [`FailureThrottle`]). Addresses come from the [`ClientAddr`] request extension, which
    /// the server must insert.
    #[must_use]
    pub fn with_failure_throttle(self, throttle: FailureThrottle) -> Self {
        self.changed(|shared| shared.throttle = Some(Arc::new(throttle)))
    }

    /// This layer checking the requests of tokens with a signing key as `signed` says, rather
    /// than with [`SignedRequests::new`]'s defaults.
    #[must_use]
    pub fn with_signed_requests(self, signed: SignedRequests) -> Self {
        self.changed(|shared| shared.signed = Arc::new(signed))
    }
}

impl<St> Shared<St> {
    /// 429 when `client` is over its rate of failed authentications.
    fn throttled(&self, client: Option<ClientAddr>) -> Option<Refusal> {
        let throttle = self.throttle.as_ref()?;
        let wait = throttle.check(client, Instant::now()).err()?;
        Some(refusal::too_many_failures(wait))
    }

    /// Counts a failed authentication by `client` against its rate.
    fn count_failure(&self, client: Option<ClientAddr>) {
        if let Some(throttle) = &self.throttle {
            throttle.record_failure(client, Instant::now());
        }
    }
}

impl<St: Storage> Shared<St> {
    /// The steps the request of a valid token (`found`) passes before the handler, in order:
    /// its allowed origins; its signature, when the token has a signing key; its rate limits
    /// and quota. The request (its body read into memory when the signature covered it) and the
    /// `RateLimit` fields to answer with; or the refusal.
    async fn admit<B>(
        &self,
        found: &Authenticated,
        request: Request<B>,
        now: DateTime<Utc>,
        client: Option<ClientAddr>,
    ) -> Result<(Request<B>, Option<RateLimitHeaders>), Refusal>
    where
        B: Body + From<Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        // A valid token guessed nothing: an origin refusal is not counted.
        if let Some(refused) = origin_refusal(found, request.headers().get(ORIGIN)) {
            return Err(refused);
        }
        // Before metering, so that a copied token without its key uses up nothing. A bad
        // signature (401, not a 413 or a 503) counts as a failure from the client's address.
        let request = match &found.token.limits.signing_key {
            None => request,
            Some(key) => {
                let key_id = found.token.id.0.to_string();
                let checked = self.signed.check(request, key, &key_id, now, &self.realm);
                checked.await.inspect_err(|refused| {
                    if refused.status == StatusCode::UNAUTHORIZED {
                        self.count_failure(client);
                    }
                })?
            }
        };
        match self.tokens.meter(found, now, Instant::now()).await {
            Ok(metered) => Ok((request, RateLimitHeaders::allowed(&metered, now))),
            Err(error) => Err(refusal::meter_error(&error, now)),
        }
    }
}

/// Whether a failed authentication is the client's doing, so counts against its address: every
/// failure but the database's.
fn is_clients_failure(error: &AuthError) -> bool {
    !matches!(error, AuthError::Store(_))
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
fn origin_refusal(token: &Authenticated, origin: Option<&HeaderValue>) -> Option<Refusal> {
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
    ReqBody: Body + From<Bytes> + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
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
        let layer = Arc::clone(&self.layer.shared);
        // A refusal answers in the caller's protocol: gRPC's to a gRPC call, JSON otherwise.
        let call = grpc::call_content_type(request.method(), request.headers());
        let respond = move |refused: &Refusal| grpc::answer(refused, call);
        Box::pin(async move {
            let client = request.extensions().get::<ClientAddr>().copied();
            let mut presented = request.headers().get_all(AUTHORIZATION).iter();
            let header = presented.next();
            // An address that failed too often is refused before its credentials are read,
            // hashed or looked up: that work is what a guesser wants repeated.
            if header.is_some()
                && let Some(throttled) = layer.throttled(client)
            {
                return Ok(respond(&throttled));
            }
            // `Authorization` is a singleton field: with two, which one counts would depend on
            // who reads the request (this layer, a proxy, a log), so neither does.
            if presented.next().is_some() {
                layer.count_failure(client);
                return Ok(respond(&refusal::repeated_authorization(&layer.realm)));
            }
            let now = (layer.clock)();
            let mut rate_limit = None;
            let caller = match header {
                None => match layer.requirement {
                    TokenRequirement::Required => {
                        return Ok(respond(&refusal::missing_token(&layer.realm)));
                    }
                    TokenRequirement::Optional => Caller::Anonymous,
                },
                Some(value) => match layer
                    .tokens
                    .authenticate_header(value.as_bytes(), now)
                    .await
                {
                    Ok(found) => match layer.admit(&found, request, now, client).await {
                        Ok((admitted, limits)) => {
                            (request, rate_limit) = (admitted, limits);
                            Caller::Token(found)
                        }
                        Err(refused) => {
                            return Ok(with_token_id(respond(&refused), found.token.id));
                        }
                    },
                    Err(error) => {
                        if is_clients_failure(&error) {
                            layer.count_failure(client);
                        }
                        return Ok(respond(&refusal::auth_error(&error, &layer.realm)));
                    }
                },
            };
            let token_id = match &caller {
                Caller::Token(found) => Some(found.token.id),
                Caller::Anonymous => None,
            };
            request.extensions_mut().insert(caller);
            request.extensions_mut().insert(layer.realm.clone());
            let mut response = inner.call(request).await?;
            if let Some(rate_limit) = rate_limit {
                rate_limit.apply(response.headers_mut());
            }
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

/// Why a request that should have passed an [`AuthLayer`] carries no [`Caller`] or [`Realm`]:
/// the server put a [`ScopeLayer`](crate::ScopeLayer) or an extractor outside of one. Logged
/// as the cause of a 500, never shown.
#[derive(Debug)]
struct NoAuthLayer;

impl core::fmt::Display for NoAuthLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the request has no Caller: it did not pass an AuthLayer")
    }
}

impl std::error::Error for NoAuthLayer {}

/// What an [`AuthLayer`] put in a request's `extensions` (its [`Caller`] or its [`Realm`]);
/// 500 `internal`, logged as [`NoAuthLayer`], for a request that passed none.
pub(crate) fn left_by_auth_layer<T: Send + Sync + 'static>(
    extensions: &http::Extensions,
) -> Result<&T, Refusal> {
    extensions
        .get::<T>()
        .ok_or_else(|| refusal::internal(&NoAuthLayer))
}

#[cfg(test)]
mod tests {
    use core::convert::Infallible;
    use core::future::{Ready, ready};

    use chrono::TimeZone;
    use http::StatusCode;
    use tollgate_cors::{AllowedOrigins, OriginPattern};
    use tollgate_limit::Rate;
    use tollgate_scope::{Limits, Role, Scope};
    use tollgate_store::{MemoryStorage, TokenId, TokenRequest, UserName};
    use tollgate_test_support::ObservedStorage;
    use tollgate_token::{TokenFormat, TokenName};

    use super::*;

    /// A body the layer can read and rebuild, as servers' bodies are.
    type TestBody = http_body_util::Full<Bytes>;

    /// An inner service answering 200 with the caller's token name, or "anonymous".
    #[derive(Clone)]
    struct Echo;

    impl Service<Request<TestBody>> for Echo {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<TestBody>) -> Self::Future {
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

    /// A service holding one token of alice's (a reader), named "ci", with `limits`.
    async fn service_holding(limits: Limits) -> (Arc<TokenService<MemoryStorage>>, String) {
        let service = TokenService::new(MemoryStorage::new(), TokenFormat::new("tg").unwrap());
        let alice = UserName::new("alice").unwrap();
        service
            .create_user(alice.clone(), Role::Reader, at(0))
            .await
            .unwrap();
        let request = TokenRequest {
            owner: alice,
            name: TokenName::new("ci").unwrap(),
            limits,
        };
        let created = service.create_token(&request, at(0)).await.unwrap();
        (Arc::new(service), created.secret.expose_secret().to_owned())
    }

    /// A service holding one token, named "ci", that expires at `at(60)`.
    async fn service_with_token() -> (Arc<TokenService<MemoryStorage>>, String) {
        service_holding(Limits {
            expires_at: Some(at(60)),
            ..Limits::new(Scope::ReadOnly)
        })
        .await
    }

    async fn send(layer: &AuthLayer<MemoryStorage>, token: &str) -> Response<String> {
        let request = Request::builder()
            .uri("/v1/subjects")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(TestBody::default())
            .unwrap();
        layer.layer(Echo).call(request).await.unwrap()
    }

    const ATTACKER: [u8; 4] = [192, 0, 2, 66];
    const NEIGHBOUR: [u8; 4] = [192, 0, 2, 67];

    /// An observed service holding "ci" (valid until `at(60)`) and "web" (bound to
    /// `https://app.example.com`); their secrets, and a well-formed token it never issued.
    async fn observed_service() -> (Arc<TokenService<ObservedStorage>>, [String; 3]) {
        let format = TokenFormat::new("tg").unwrap();
        let unknown = format.mint().unwrap().secret.expose_secret().to_owned();
        let service = TokenService::new(ObservedStorage::default(), format);
        let alice = UserName::new("alice").unwrap();
        service
            .create_user(alice.clone(), Role::Reader, at(0))
            .await
            .unwrap();
        let mut secrets = Vec::new();
        for (name, origins) in [("ci", None), ("web", Some("https://app.example.com"))] {
            let request = TokenRequest {
                owner: alice.clone(),
                name: TokenName::new(name).unwrap(),
                limits: Limits {
                    expires_at: Some(at(60)),
                    allowed_origins: origins.map(|pattern| {
                        AllowedOrigins::from(vec![OriginPattern::parse(pattern).unwrap()])
                    }),
                    ..Limits::new(Scope::ReadOnly)
                },
            };
            let created = service.create_token(&request, at(0)).await.unwrap();
            secrets.push(created.secret.expose_secret().to_owned());
        }
        let [ci, web] = <[String; 2]>::try_from(secrets).unwrap();
        (Arc::new(service), [ci, web, unknown])
    }

    /// A layer allowing three failures per minute per address.
    fn throttled_layer(
        tokens: Arc<TokenService<ObservedStorage>>,
        requirement: TokenRequirement,
    ) -> AuthLayer<ObservedStorage> {
        let rate = Rate::new(3, core::time::Duration::from_secs(60)).unwrap();
        AuthLayer::new(tokens, Realm::new("tollgate").unwrap(), requirement)
            .with_clock(|| at(1))
            .with_failure_throttle(FailureThrottle::new(rate))
    }

    /// `GET /v1/subjects` from `client` (none: no `ClientAddr`) with these `Authorization`
    /// values.
    async fn send_from(
        layer: &AuthLayer<ObservedStorage>,
        client: Option<[u8; 4]>,
        authorization: &[&str],
    ) -> Response<String> {
        let mut request = Request::builder().uri("/v1/subjects");
        for value in authorization {
            request = request.header(AUTHORIZATION, *value);
        }
        let mut request = request.body(TestBody::default()).unwrap();
        if let Some(octets) = client {
            request.extensions_mut().insert(ClientAddr(octets.into()));
        }
        layer.layer(Echo).call(request).await.unwrap()
    }

    fn code(response: &Response<String>) -> (StatusCode, String) {
        let body: serde_json::Value = serde_json::from_str(response.body())
            .unwrap_or_else(|error| panic!("{error}: {}", response.body()));
        let Some(code) = body["error"]["code"].as_str() else {
            panic!("no error code in {body}");
        };
        (response.status(), code.to_owned())
    }

    #[tokio::test]
    async fn an_address_that_failed_too_often_gets_429_before_any_lookup() {
        let (tokens, [ci, _, unknown]) = observed_service().await;
        let layer = throttled_layer(Arc::clone(&tokens), TokenRequirement::Optional);
        let unknown = format!("Bearer {unknown}");
        for _ in 0..3 {
            let response = send_from(&layer, Some(ATTACKER), &[&unknown]).await;
            assert_eq!(
                code(&response),
                (StatusCode::UNAUTHORIZED, "invalid_token".into())
            );
        }
        assert_eq!(tokens.storage().lookups(), 3);

        // Over the rate: refused without a lookup, whatever the credentials, valid ones too.
        for token in [unknown.clone(), format!("Bearer {ci}"), "junk".to_owned()] {
            let response = send_from(&layer, Some(ATTACKER), &[&token]).await;
            assert_eq!(
                code(&response),
                (StatusCode::TOO_MANY_REQUESTS, "too_many_failures".into())
            );
            // Three failures a minute: one more every 20 s.
            let retry_after = response.headers()[http::header::RETRY_AFTER]
                .to_str()
                .unwrap();
            assert!(["19", "20"].contains(&retry_after), "{retry_after}");
            assert!(
                !response
                    .headers()
                    .contains_key(http::header::WWW_AUTHENTICATE)
            );
        }
        assert_eq!(tokens.storage().lookups(), 3);

        // Another address is not affected; the throttled one may still read anonymously.
        let neighbour = send_from(&layer, Some(NEIGHBOUR), &[&format!("Bearer {ci}")]).await;
        assert_eq!(
            (neighbour.status(), neighbour.body().as_str()),
            (StatusCode::OK, "ci")
        );
        let anonymous = send_from(&layer, Some(ATTACKER), &[]).await;
        assert_eq!(
            (anonymous.status(), anonymous.body().as_str()),
            (StatusCode::OK, "anonymous")
        );
    }

    #[tokio::test]
    async fn a_missing_token_is_still_401_from_a_throttled_address() {
        let (tokens, _) = observed_service().await;
        let layer = throttled_layer(tokens, TokenRequirement::Required);
        for _ in 0..3 {
            send_from(&layer, Some(ATTACKER), &["junk"]).await;
        }
        let throttled = send_from(&layer, Some(ATTACKER), &["junk"]).await;
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        let missing = send_from(&layer, Some(ATTACKER), &[]).await;
        assert_eq!(
            code(&missing),
            (StatusCode::UNAUTHORIZED, "missing_token".into())
        );
    }

    /// Malformed headers and two `Authorization` fields count; database failures and origin
    /// refusals of a valid token do not.
    #[tokio::test]
    async fn only_the_clients_own_failures_count() {
        let (tokens, [ci, web, _]) = observed_service().await;
        let layer = throttled_layer(Arc::clone(&tokens), TokenRequirement::Optional);
        let web = format!("Bearer {web}");
        for _ in 0..10 {
            let refused = send_from(&layer, Some(ATTACKER), &[&web]).await;
            assert_eq!(
                code(&refused),
                (StatusCode::FORBIDDEN, "origin_not_allowed".into())
            );
        }
        tokens.storage().set_down(true);
        for _ in 0..10 {
            let unavailable = send_from(&layer, Some(ATTACKER), &[&web]).await;
            assert_eq!(
                code(&unavailable),
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable".into())
            );
        }
        tokens.storage().set_down(false);

        let ci = format!("Bearer {ci}");
        for failure in [&["Basic x"][..], &["tg_short"], &[&ci, &ci]] {
            let response = send_from(&layer, Some(ATTACKER), failure).await;
            assert_eq!(
                code(&response),
                (StatusCode::UNAUTHORIZED, "invalid_token".into())
            );
        }
        let throttled = send_from(&layer, Some(ATTACKER), &[&ci]).await;
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    /// Without a `ClientAddr`, every request shares one key: the throttle fails closed.
    #[tokio::test]
    async fn requests_without_an_address_are_throttled_together() {
        let (tokens, [ci, _, unknown]) = observed_service().await;
        let layer = throttled_layer(tokens, TokenRequirement::Optional);
        let unknown = format!("Bearer {unknown}");
        for _ in 0..3 {
            send_from(&layer, None, &[&unknown]).await;
        }
        let ci = format!("Bearer {ci}");
        let throttled = send_from(&layer, None, &[&ci]).await;
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        let addressed = send_from(&layer, Some(NEIGHBOUR), &[&ci]).await;
        assert_eq!(addressed.status(), StatusCode::OK);
    }

    /// Without a throttle, failures are never answered 429.
    #[tokio::test]
    async fn no_throttle_no_429() {
        let (tokens, [_, _, unknown]) = observed_service().await;
        let layer = AuthLayer::new(
            tokens,
            Realm::new("tollgate").unwrap(),
            TokenRequirement::Optional,
        );
        let unknown = format!("Bearer {unknown}");
        for _ in 0..50 {
            let response = send_from(&layer, Some(ATTACKER), &[&unknown]).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
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
                .body(TestBody::default())
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

        let anonymous = Request::builder()
            .uri("/v1/subjects")
            .body(TestBody::default())
            .unwrap();
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

    /// A service holding "ci", limited by `rate_limit` and `quota`.
    async fn limited_service(
        rate_limit: Option<&str>,
        quota: Option<&str>,
    ) -> (Arc<TokenService<MemoryStorage>>, String) {
        service_holding(Limits {
            rate_limit: rate_limit.map(|text| text.parse().unwrap()),
            quota: quota.map(|text| text.parse().unwrap()),
            ..Limits::new(Scope::ReadOnly)
        })
        .await
    }

    fn header<'r>(response: &'r Response<String>, name: &str) -> Option<&'r str> {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap())
    }

    /// Allowed requests carry both policies; the third in a minute is refused with 429
    /// `rate_limited`, `Retry-After` and the rate's fields; the handler never sees it.
    #[tokio::test]
    async fn a_token_over_its_rate_limit_gets_429_with_the_ratelimit_fields() {
        let (tokens, token) = limited_service(Some("2/min"), Some("3/day")).await;
        let realm = Realm::new("tollgate").unwrap();
        // 1 800 000 000 s is 2027-01-15T08:00:00Z: sixteen hours left in the day.
        let layer = AuthLayer::new(tokens, realm, TokenRequirement::Required).with_clock(|| at(0));
        let first = send(&layer, &token).await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(
            header(&first, "ratelimit-policy"),
            Some("\"rate\";q=2;w=60, \"quota\";q=3;w=86400")
        );
        assert_eq!(
            header(&first, "ratelimit"),
            Some("\"rate\";r=1;t=30, \"quota\";r=2;t=57600")
        );
        assert_eq!(send(&layer, &token).await.status(), StatusCode::OK);
        let refused = send(&layer, &token).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            refused.body().contains("\"rate_limited\""),
            "{}",
            refused.body()
        );
        assert_eq!(header(&refused, "retry-after"), Some("30"));
        assert_eq!(
            header(&refused, "ratelimit-policy"),
            Some("\"rate\";q=2;w=60")
        );
        assert_eq!(header(&refused, "ratelimit"), Some("\"rate\";r=0;t=60"));
        assert!(refused.extensions().get::<TokenId>().is_some());
    }

    /// Once the day's quota is used, 429 `quota_exceeded` until midnight UTC.
    #[tokio::test]
    async fn a_token_over_its_quota_gets_429_until_the_period_ends() {
        let (tokens, token) = limited_service(None, Some("3/day")).await;
        let realm = Realm::new("tollgate").unwrap();
        let layer = AuthLayer::new(tokens, realm, TokenRequirement::Required).with_clock(|| at(0));
        for _ in 0..3 {
            assert_eq!(send(&layer, &token).await.status(), StatusCode::OK);
        }
        let refused = send(&layer, &token).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            refused.body().contains("\"quota_exceeded\""),
            "{}",
            refused.body()
        );
        assert_eq!(header(&refused, "retry-after"), Some("57600"));
        assert_eq!(header(&refused, "ratelimit"), Some("\"quota\";r=0;t=57600"));
        // The next day, the quota is whole again.
        let tomorrow = layer.with_clock(|| at(57_600));
        assert_eq!(send(&tomorrow, &token).await.status(), StatusCode::OK);
    }

    /// An inner service answering 200 with the body it was handed.
    #[derive(Clone)]
    struct EchoBody;

    impl Service<Request<TestBody>> for EchoBody {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = BoxFuture<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<TestBody>) -> Self::Future {
            Box::pin(async move {
                let body = http_body_util::BodyExt::collect(request.into_body()).await;
                let bytes = body
                    .map(|collected| collected.to_bytes())
                    .unwrap_or_default();
                Ok(Response::new(String::from_utf8_lossy(&bytes).into_owned()))
            })
        }
    }

    #[tokio::test]
    async fn a_token_with_a_key_is_accepted_only_signed_and_refusals_use_up_nothing() {
        let key = tollgate_sign::SigningKey::ed25519(&[5; 32]);
        let signing_key = tollgate_scope::SignatureKey::Ed25519(key.public_key().unwrap());
        let (tokens, token) = service_holding(Limits {
            rate_limit: Some(Rate::new(1, core::time::Duration::from_secs(60)).unwrap()),
            signing_key: Some(signing_key),
            ..Limits::new(Scope::ReadOnly)
        })
        .await;
        let id = tokens.authenticate(&token, at(0)).await.unwrap().token.id.0;
        let layer = AuthLayer::new(
            tokens,
            Realm::new("tollgate").unwrap(),
            TokenRequirement::Required,
        )
        .with_clock(|| at(1))
        .with_signed_requests(SignedRequests::new().with_max_body(32));
        let signer = tollgate_sign::Signer::new(&id.to_string(), key).unwrap();
        let request = |body: &'static [u8], signed: bool| {
            let mut headers = http::HeaderMap::new();
            if signed {
                let target = tollgate_sign::Request {
                    method: "POST",
                    scheme: "http",
                    authority: "api.example",
                    path_and_query: "/v1/notes",
                };
                let created = u64::try_from(at(1).timestamp()).unwrap();
                signer.sign(&target, &mut headers, body, created).unwrap();
            }
            let mut request = Request::post("http://api.example/v1/notes")
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .body(TestBody::from(body))
                .unwrap();
            request.headers_mut().extend(headers);
            request
        };

        // Unsigned, as a copy of the token alone: refused, and not counted against the rate
        // of one a minute (the second refusal is 401 again, not 429).
        for _ in 0..2 {
            let refused = layer
                .layer(EchoBody)
                .call(request(b"{}", false))
                .await
                .unwrap();
            assert_eq!(
                code(&refused),
                (StatusCode::UNAUTHORIZED, "signature_required".into())
            );
            assert_eq!(
                refused.headers()[http::header::WWW_AUTHENTICATE],
                r#"Bearer realm="tollgate", error="signature_required""#
            );
        }
        // A body over the limit is refused before any signature is checked.
        let too_large = layer
            .layer(EchoBody)
            .call(request(
                b"{\"note\": \"longer than thirty-two bytes\"}",
                true,
            ))
            .await
            .unwrap();
        assert_eq!(
            code(&too_large),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
        );
        // Signed: the handler gets the body the signature check read.
        let accepted = layer
            .layer(EchoBody)
            .call(request(br#"{"note": 1}"#, true))
            .await
            .unwrap();
        assert_eq!(
            (accepted.status(), accepted.body().as_str()),
            (StatusCode::OK, r#"{"note": 1}"#)
        );
        // And that was the one use a minute allows.
        let limited = layer
            .layer(EchoBody)
            .call(request(br#"{"note": 2}"#, true))
            .await
            .unwrap();
        assert_eq!(
            code(&limited),
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
        );
    }

    /// `GET http:/v1/notes` to `api.example` in origin form, with `token`, signed by `key`
    /// under `key_id` covering `@scheme` as `scheme`, created at `created`, with `nonce`.
    fn signed_get(
        token: &str,
        key: &tollgate_sign::SigningKey,
        key_id: i64,
        (scheme, created, nonce): (&str, DateTime<Utc>, &str),
    ) -> Request<TestBody> {
        let mut request = Request::get("/v1/notes")
            .header(http::header::HOST, "api.example")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(TestBody::default())
            .unwrap();
        let input = format!(
            r#"sig=("@method" "@authority" "@path" "@scheme");created={};keyid="{key_id}";nonce="{nonce}""#,
            created.timestamp()
        );
        let headers = request.headers_mut();
        headers.insert("signature-input", HeaderValue::from_str(&input).unwrap());
        let signed = tollgate_sign::Request {
            method: "GET",
            scheme,
            authority: "api.example",
            path_and_query: "/v1/notes",
        };
        let base = tollgate_sign::signature_base(&signed, headers, "sig").unwrap();
        let signature = format!("sig=:{}:", base64_of(&key.sign(&base)));
        headers.insert("signature", HeaderValue::from_str(&signature).unwrap());
        request
    }

    fn base64_of(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[tokio::test]
    async fn signed_requests_take_the_scheme_and_the_verifier_they_are_given() {
        let key = tollgate_sign::SigningKey::ed25519(&[6; 32]);
        let signing_key = tollgate_scope::SignatureKey::Ed25519(key.public_key().unwrap());
        let (tokens, token) = service_holding(Limits {
            signing_key: Some(signing_key),
            ..Limits::new(Scope::ReadOnly)
        })
        .await;
        let id = tokens.authenticate(&token, at(0)).await.unwrap().token.id.0;
        let layer = |signed: SignedRequests| {
            AuthLayer::new(
                Arc::clone(&tokens),
                Realm::new("tollgate").unwrap(),
                TokenRequirement::Required,
            )
            .with_clock(|| at(1))
            .with_signed_requests(signed)
        };
        let send = |layer: AuthLayer<MemoryStorage>, request| async move {
            layer.layer(Echo).call(request).await.unwrap()
        };
        // Behind a TLS proxy, requests arrive in origin form: signed for https, they verify only
        // where the layer is told the scheme.
        let https = ("https", at(1), "n1");
        let plain = send(
            layer(SignedRequests::new()),
            signed_get(&token, &key, id, https),
        )
        .await;
        assert_eq!(
            code(&plain),
            (StatusCode::UNAUTHORIZED, "invalid_signature".into())
        );
        let told = layer(SignedRequests::new().with_scheme(http::uri::Scheme::HTTPS));
        assert_eq!(
            send(told, signed_get(&token, &key, id, https))
                .await
                .status(),
            StatusCode::OK
        );
        // A minute old: within the default verifier's five minutes, not a stricter one's ten
        // seconds.
        let old = ("http", at(-59), "n2");
        let default = send(
            layer(SignedRequests::new()),
            signed_get(&token, &key, id, old),
        )
        .await;
        assert_eq!(default.status(), StatusCode::OK);
        let strict =
            tollgate_sign::Verifier::new().with_max_age(core::time::Duration::from_secs(10));
        let strict = layer(SignedRequests::new().with_verifier(strict));
        let refused = send(strict, signed_get(&token, &key, id, old)).await;
        assert_eq!(
            code(&refused),
            (StatusCode::UNAUTHORIZED, "signature_expired".into())
        );
    }
}
