//! The read servers' common parts: the trivial handler every side wraps, the tollgate stack
//! around it, and serving a router on a loopback port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use http::header::CONTENT_TYPE;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tollgate::cors::CorsPolicy;
use tollgate::http::{
    AuthLayer, ClientAddr, CorsLayer, FailureThrottle, Realm, ScopeLayer, TokenRequirement,
};
use tollgate::limit::Rate;
use tollgate::scope::{Limits, Role, Scope};
use tollgate::store::{CachedStorage, SqlStorage, TokenRequest, TokenService, UserName};
use tollgate::token::{TokenFormat, TokenName};
use tower::util::MapRequestLayer;

/// The one route every read side serves.
pub const ROUTE: &str = "/v1/items";
/// The `Origin` every read request carries, allowed by the tollgate stack's CORS policy.
pub const ORIGIN: &str = "https://app.example.com";
/// What the handler answers: a small JSON constant.
pub const BODY: &str = r#"{"id":42,"name":"bench","tags":["a","b"]}"#;

/// The token service the tollgate stack authenticates through.
pub type Tokens = TokenService<CachedStorage<SqlStorage>>;

async fn item() -> Response {
    ([(CONTENT_TYPE, "application/json")], BODY).into_response()
}

/// The trivial handler on [`ROUTE`], with no layers: the bare side.
pub fn bare_app() -> Router {
    Router::new().route(ROUTE, get(item))
}

/// The tollgate stack around [`bare_app`], from the outside in: the client's address put where
/// the failure throttle reads it (as the example server's connection loop does), CORS with
/// [`ROUTE`]'s prefix listed and [`ORIGIN`] allowed, authentication (a token required, failures
/// throttled per address), and the scope check (reads for `GET`).
///
/// # Panics
/// If a constant policy, realm or rate is refused: a bug in this file.
pub fn tollgate_app(tokens: Arc<Tokens>) -> Router {
    let cors = CorsPolicy::builder()
        .routes("/v1")
        .allowed_origins(ORIGIN)
        .build()
        .expect("a valid CORS policy");
    let rate = Rate::new(20, Duration::from_secs(60)).expect("a valid rate");
    let auth = AuthLayer::new(
        tokens,
        Realm::new("bench").expect("a valid realm"),
        TokenRequirement::Required,
    )
    .with_failure_throttle(FailureThrottle::new(rate));
    bare_app()
        .layer(ScopeLayer::by_method())
        .layer(auth)
        .layer(CorsLayer::new(cors))
        .layer(MapRequestLayer::new(client_addr))
}

/// Puts the peer's address in the request as the [`ClientAddr`] the failure throttle keys on,
/// as a server's connection loop would (the example server's does): a plain function, so that
/// this scaffolding costs the stack as little as it can.
fn client_addr(mut request: Request) -> Request {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let peer = ClientAddr(peer.ip());
        request.extensions_mut().insert(peer);
    }
    request
}

/// A token service on the database at `url`, in front of it the verified-token cache, and
/// `count` read-only tokens of one editor, returned as their secrets.
///
/// # Panics
/// If the database cannot be opened or a token cannot be created.
pub async fn tollgate_tokens(url: &str, count: usize) -> (Arc<Tokens>, Vec<String>) {
    let storage = SqlStorage::open(url)
        .await
        .expect("open the tollgate store");
    let service = TokenService::new(
        CachedStorage::new(storage),
        TokenFormat::new("tg").expect("a valid prefix"),
    );
    let now = Utc::now();
    let user = service
        .create_user(
            UserName::new("bench").expect("a valid user name"),
            Role::Editor,
            now,
        )
        .await
        .expect("a new user");
    let mut secrets = Vec::with_capacity(count);
    for index in 0..count {
        let request = TokenRequest::new(
            user.name.clone(),
            TokenName::new(&format!("token-{index}")).expect("a valid token name"),
            Limits::new(Scope::ReadOnly),
        );
        let created = service
            .create_token(&request, now)
            .await
            .expect("a new token");
        secrets.push(created.secret.expose_secret().to_owned());
    }
    (Arc::new(service), secrets)
}

/// A router being served on a loopback port.
#[derive(Debug)]
pub struct Served {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Served {
    /// Stops accepting connections. Connections still open end when their client closes
    /// them, as wrk does when its run ends.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Serves `app` on a new `127.0.0.1` port, with each connection's peer address available as
/// `ConnectInfo`. Must be called within a tokio runtime.
///
/// # Panics
/// If no loopback port can be bound.
pub async fn serve(app: Router) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, service).await {
            eprintln!("error: the server on {addr} stopped: {error}");
        }
    });
    Served { addr, task }
}
