//! A tower layer that checks the caller's scope before the inner service sees the request.

use core::fmt;
use core::task::{Context, Poll};
use std::sync::Arc;

use http::{Extensions, Method, Request, Response, Uri};
use tollgate_scope::Operation;
use tower_layer::Layer;
use tower_service::Service;

use crate::auth_layer::left_by_auth_layer;
use crate::response_future::{OwnedHeaders, ResponseFuture};
use crate::{Caller, Refusal, grpc};

/// Checks, for each request, that the [`Caller`] that [`AuthLayer`](crate::AuthLayer) put in
/// its extensions may perform the request's [`Operation`]: the token's scope capped by its
/// owner's role, a publishable token only reading (as
/// [`Limits::check_operation`](tollgate_scope::Limits::check_operation) decides), and an
/// anonymous caller only reading non-sensitive data.
///
/// The check runs before the inner service is called, so a refused request never reaches a
/// handler and its body is never read: a read-only token sending a malformed body to a write
/// route gets 403 `insufficient_scope`, not a complaint about the body. Refusals are the
/// usual ones (401 `missing_token` with a challenge for an anonymous caller, 403 with the
/// `insufficient_scope` challenge; to a gRPC call, in gRPC's terms: [`grpc`](crate::grpc)).
/// Put it inside the [`AuthLayer`](crate::AuthLayer); a request that did not pass one is
/// refused with 500 `internal` (the server is misconfigured, and failing open would skip the
/// check).
///
/// Grants on named records and writer lists need the record, so they stay the handler's.
///
/// ```
/// use std::convert::Infallible;
/// use std::sync::Arc;
///
/// use bytes::Bytes;
/// use http::{Request, Response, StatusCode};
/// use http_body_util::Full;
/// use tollgate_http::{AuthLayer, Realm, ScopeLayer, TokenRequirement};
/// use tollgate_store::{MemoryStorage, TokenService};
/// use tollgate_token::TokenFormat;
/// use tower::{Layer, ServiceExt, service_fn};
///
/// let tokens = Arc::new(TokenService::new(MemoryStorage::new(), TokenFormat::new("tg")?));
/// let auth = AuthLayer::new(tokens, Realm::new("example")?, TokenRequirement::Optional);
/// let handler = service_fn(|_: Request<Full<Bytes>>| async {
///     Ok::<_, Infallible>(Response::new("written".to_owned()))
/// });
/// // Reads for GET, HEAD and OPTIONS, writes for every other method.
/// let app = auth.layer(ScopeLayer::by_method().layer(handler));
///
/// // Anonymous callers may read, never write.
/// let post = Request::post("/v1/notes").body(Full::from("{not json"))?;
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let response = runtime.block_on(app.oneshot(post))?;
/// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ScopeLayer {
    classify: Classify,
}

/// How a [`ScopeLayer`] names a request's operation.
#[derive(Clone)]
enum Classify {
    Every(Operation),
    ByMethod,
    With(Arc<Classifier>),
}

/// A function naming a request's operation from its method and target.
type Classifier = dyn Fn(&Method, &Uri) -> Operation + Send + Sync;

impl ScopeLayer {
    /// Every request is `operation`: for a route (axum's `route_layer`) or a router whose
    /// requests all do the same kind of thing.
    #[must_use]
    pub fn new(operation: Operation) -> Self {
        Self {
            classify: Classify::Every(operation),
        }
    }

    /// `GET`, `HEAD` and `OPTIONS` read data ([`Operation::ReadData`]); every other method
    /// writes it ([`Operation::WriteData`]).
    #[must_use]
    pub fn by_method() -> Self {
        Self {
            classify: Classify::ByMethod,
        }
    }

    /// `classify` names each request's operation from its method and target.
    #[must_use]
    pub fn classify(classify: impl Fn(&Method, &Uri) -> Operation + Send + Sync + 'static) -> Self {
        Self {
            classify: Classify::With(Arc::new(classify)),
        }
    }

    /// The operation `request` performs.
    fn operation<B>(&self, request: &Request<B>) -> Operation {
        match &self.classify {
            Classify::Every(operation) => *operation,
            Classify::ByMethod => match *request.method() {
                Method::GET | Method::HEAD | Method::OPTIONS => Operation::ReadData,
                _ => Operation::WriteData,
            },
            Classify::With(classify) => classify(request.method(), request.uri()),
        }
    }
}

impl fmt::Debug for ScopeLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let classify = match &self.classify {
            Classify::Every(operation) => format!("{operation:?}"),
            Classify::ByMethod => "by method".to_owned(),
            Classify::With(_) => "a classifier".to_owned(),
        };
        f.debug_struct("ScopeLayer")
            .field("classify", &classify)
            .finish()
    }
}

impl<S> Layer<S> for ScopeLayer {
    type Service = Scoped<S>;

    fn layer(&self, inner: S) -> Scoped<S> {
        Scoped {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`ScopeLayer`] wraps around another.
#[derive(Debug, Clone)]
pub struct Scoped<S> {
    inner: S,
    layer: ScopeLayer,
}

/// `Ok` when the caller the [`AuthLayer`](crate::AuthLayer) left in `extensions` may perform
/// `operation`.
fn authorize(operation: Operation, extensions: &Extensions) -> Result<(), Refusal> {
    let caller: &Caller = left_by_auth_layer(extensions)?;
    caller.authorize(operation, None, left_by_auth_layer(extensions)?)
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Scoped<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let operation = self.layer.operation(&request);
        match authorize(operation, request.extensions()) {
            Ok(()) => ResponseFuture::inner(self.inner.call(request), OwnedHeaders::new()),
            Err(refused) => ResponseFuture::answered(grpc::respond(
                &refused,
                request.method(),
                request.headers(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use core::convert::Infallible;
    use core::future::ready;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::Utc;
    use http::StatusCode;
    use http::header::WWW_AUTHENTICATE;
    use tollgate_scope::{Access, Grants, Limits, ResourceName, Role, Scope, TokenKind};
    use tollgate_store::{Authenticated, MemoryStorage, TokenRequest, TokenService, UserName};
    use tollgate_token::{TokenFormat, TokenName};
    use tower::service_fn;

    use super::*;
    use crate::Realm;

    /// An authenticated editor's token of `scope` and `kind`, as the auth layer hands it out.
    fn token(scope: Scope, kind: TokenKind) -> Caller {
        let mut limits = Limits::new(scope);
        limits.kind = kind;
        if kind == TokenKind::Publishable {
            let page = tollgate_cors::OriginPattern::parse("https://app.example.com").unwrap();
            limits.allowed_origins = Some(tollgate_cors::AllowedOrigins::from_patterns([page]));
        }
        token_with(limits)
    }

    /// An authenticated editor's token with `limits`.
    fn token_with(limits: Limits) -> Caller {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let service = TokenService::new(MemoryStorage::new(), TokenFormat::new("tg").unwrap())
                .with_publishable_format(TokenFormat::new("tp").unwrap())
                .unwrap();
            let now = Utc::now();
            let owner = UserName::new("alice").unwrap();
            service
                .create_user(owner.clone(), Role::Editor, now)
                .await
                .unwrap();
            let request = TokenRequest::new(owner, TokenName::new("t").unwrap(), limits);
            let secret = service.create_token(&request, now).await.unwrap().secret;
            let found: Authenticated = service
                .authenticate(secret.expose_secret(), now)
                .await
                .unwrap();
            Caller::Token(found)
        })
    }

    /// `request` through `layer` with `caller` (and the realm) in its extensions, as the
    /// auth layer leaves them; the response and how many times the inner service ran.
    fn send(
        layer: &ScopeLayer,
        method: Method,
        caller: Option<Caller>,
    ) -> (Response<String>, usize) {
        // The inner service answers 200 and counts its calls.
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let inner = service_fn(move |_: Request<()>| {
            counter.fetch_add(1, Ordering::SeqCst);
            ready(Ok::<_, Infallible>(Response::new("handled".to_owned())))
        });
        let mut request = Request::builder()
            .method(method)
            .uri("/v1/notes")
            .body(())
            .unwrap();
        if let Some(caller) = caller {
            request.extensions_mut().insert(caller);
            request
                .extensions_mut()
                .insert(Realm::new("notes").unwrap());
        }
        let mut service = layer.layer(inner);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let response = runtime.block_on(service.call(request)).unwrap();
        (response, calls.load(Ordering::SeqCst))
    }

    #[test]
    fn a_read_only_token_may_read_but_is_refused_a_write_before_the_handler() {
        let layer = ScopeLayer::by_method();
        let (read, calls) = send(
            &layer,
            Method::GET,
            Some(token(Scope::ReadOnly, TokenKind::Secret)),
        );
        assert_eq!((read.status(), calls), (StatusCode::OK, 1));

        let (write, calls) = send(
            &layer,
            Method::POST,
            Some(token(Scope::ReadOnly, TokenKind::Secret)),
        );
        assert_eq!((write.status(), calls), (StatusCode::FORBIDDEN, 0));
        assert!(
            write.body().contains("insufficient_scope"),
            "{}",
            write.body()
        );
        let challenge = write.headers()[WWW_AUTHENTICATE].to_str().unwrap();
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
    }

    #[test]
    fn an_edit_token_writes() {
        let (response, calls) = send(
            &ScopeLayer::new(Operation::WriteData),
            Method::PUT,
            Some(token(Scope::Edit, TokenKind::Secret)),
        );
        assert_eq!((response.status(), calls), (StatusCode::OK, 1));
    }

    #[test]
    fn the_owners_role_caps_the_token() {
        // An editor's full-scope token still may not write sensitive data.
        let (response, calls) = send(
            &ScopeLayer::new(Operation::WriteSensitive),
            Method::POST,
            Some(token(Scope::Full, TokenKind::Secret)),
        );
        assert_eq!((response.status(), calls), (StatusCode::FORBIDDEN, 0));
    }

    #[test]
    fn a_publishable_token_only_reads() {
        let layer = ScopeLayer::by_method();
        let (read, _) = send(
            &layer,
            Method::GET,
            Some(token(Scope::ReadOnly, TokenKind::Publishable)),
        );
        assert_eq!(read.status(), StatusCode::OK);
        let (write, calls) = send(
            &layer,
            Method::DELETE,
            Some(token(Scope::ReadOnly, TokenKind::Publishable)),
        );
        assert_eq!((write.status(), calls), (StatusCode::FORBIDDEN, 0));
    }

    #[test]
    fn anonymous_callers_read_non_sensitive_data_only() {
        let (read, _) = send(
            &ScopeLayer::by_method(),
            Method::HEAD,
            Some(Caller::Anonymous),
        );
        assert_eq!(read.status(), StatusCode::OK);
        let (sensitive, calls) = send(
            &ScopeLayer::new(Operation::ReadSensitive),
            Method::GET,
            Some(Caller::Anonymous),
        );
        assert_eq!((sensitive.status(), calls), (StatusCode::UNAUTHORIZED, 0));
        assert!(sensitive.body().contains("missing_token"));
        assert_eq!(
            sensitive.headers()[WWW_AUTHENTICATE],
            "Bearer realm=\"notes\""
        );
    }

    #[test]
    fn a_classifier_names_the_operation() {
        let layer = ScopeLayer::classify(|_, uri| match uri.path() {
            "/v1/notes" => Operation::NeverForTokens,
            _ => Operation::ReadData,
        });
        let (response, calls) = send(
            &layer,
            Method::GET,
            Some(token(Scope::Full, TokenKind::Secret)),
        );
        assert_eq!((response.status(), calls), (StatusCode::FORBIDDEN, 0));
    }

    #[test]
    fn with_a_resource_the_tokens_grants_decide() {
        let realm = Realm::new("notes").unwrap();
        let grants = Grants::new().with(ResourceName::new("notes/a").unwrap(), Access::Read);
        let caller = token_with(Limits {
            grants: Some(grants),
            ..Limits::new(Scope::Edit)
        });
        let read = |name| caller.authorize(Operation::ReadData, Some((name, Access::Read)), &realm);
        assert_eq!(read("notes/a"), Ok(()));
        let refused = read("notes/b").unwrap_err();
        assert_eq!(
            (refused.status, refused.code),
            (StatusCode::FORBIDDEN, "not_granted")
        );
        let write = caller.authorize(
            Operation::WriteData,
            Some(("notes/a", Access::Write)),
            &realm,
        );
        assert_eq!(write.unwrap_err().code, "not_granted");
        assert_eq!(
            Caller::Anonymous.authorize(
                Operation::ReadData,
                Some(("notes/b", Access::Read)),
                &realm
            ),
            Ok(())
        );
    }

    #[test]
    fn without_an_auth_layer_every_request_is_refused() {
        let (response, calls) = send(&ScopeLayer::by_method(), Method::GET, None);
        assert_eq!(
            (response.status(), calls),
            (StatusCode::INTERNAL_SERVER_ERROR, 0)
        );
        assert!(response.body().contains("internal"));
    }
}
