//! tollgate's crates in actix-web, which is not built on tower: a small service of subjects
//! with writer lists, behind tokens, scopes and CORS, that uses no tollgate-http.
//!
//! Every decision is a crate's, and every refusal is made by `tollgate-refusal`, so that this
//! service answers as the axum example server does (the conformance test in `tests/` holds
//! them to one table):
//!
//! - [`cors`]: a middleware asking a `tollgate-cors` policy about each request: preflights
//!   are answered there, every other answer gets the headers the policy names.
//! - [`gate`]: a middleware authenticating `Authorization` through `tollgate-store`'s
//!   `TokenService`, then checking the token's allowed origins, its signature when it has a
//!   signing key (`tollgate-sign`), and its rate limits and quota; the handlers find the
//!   [`Caller`](gate::Caller) in the request's extensions.
//! - [`records`]: the handlers, which check the token's scope and grants (`tollgate-scope`)
//!   and the record's writer list (`tollgate-writers`).
//! - [`answer`]: a refusal (plain `http` data) as an actix response.
//!
//! Tokens live in the same database as the axum server's, with the same formats, so tokens
//! minted for one work on the other. Records live in memory, for the process's lifetime.

pub mod answer;
pub mod cors;
pub mod gate;
/// The record rules of the axum example server, the same file: the two cannot drift.
#[path = "../../server/src/record_rules.rs"]
mod record_rules;
pub mod records;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use chrono::Utc;
use tokio::sync::watch;
use tollgate::cors::CorsPolicy;
use tollgate::refusal::Realm;
use tollgate::sign::Verifier;
use tollgate::store::{SqlStorage, StoreError, TokenService};
use tollgate::token::{AcceptedSchemes, Scheme, TokenFormat};

use crate::records::Records;

/// The prefix of secret tokens: the axum server's, so that both read one token database.
const SECRET_PREFIX: &str = "tgsk";
/// The prefix of publishable tokens, as the axum server's.
const PUBLISHABLE_PREFIX: &str = "tgpk";
/// The realm named in `WWW-Authenticate`, as the axum server's.
const REALM: &str = "tollgate";
/// How often pending last uses and use counts are written to the database.
const FLUSH_PERIOD: Duration = Duration::from_secs(10);

/// What every request shares.
#[derive(Debug, Clone)]
pub struct State {
    /// Users and tokens.
    pub tokens: Arc<TokenService<SqlStorage>>,
    /// Subjects and their writer lists.
    pub records: Arc<Records>,
    /// The realm of challenges.
    pub realm: Realm,
    /// Which routes answer CORS, and to which origins.
    pub cors: Arc<CorsPolicy>,
    /// The signatures of tokens with a signing key, and the nonces seen.
    pub verifier: Arc<Verifier>,
}

/// Why the service could not start.
#[derive(Debug)]
pub enum OpenError {
    /// The database could not be opened or migrated.
    Store(StoreError),
    /// A setting the service cannot use.
    Config(&'static str),
}

impl core::fmt::Display for OpenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Store(error) => write!(f, "database: {error}"),
            Self::Config(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for OpenError {}

impl From<StoreError> for OpenError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl State {
    /// Opens the token database at `database_url` (`sqlite://` or `postgres://`, created and
    /// migrated as needed) with no records yet.
    ///
    /// # Errors
    /// The database could not be opened or migrated.
    pub async fn open(database_url: &str, cors: CorsPolicy) -> Result<Self, OpenError> {
        let storage = SqlStorage::open(database_url).await?;
        let format = |prefix| {
            TokenFormat::new(prefix).map_err(|_| OpenError::Config("invalid token prefix"))
        };
        let tokens = TokenService::new(storage, format(SECRET_PREFIX)?)
            .with_publishable_format(format(PUBLISHABLE_PREFIX)?)?
            .with_schemes(AcceptedSchemes::BEARER.and(Scheme::Raw));
        let realm = Realm::new(REALM).map_err(|_| OpenError::Config("invalid realm"))?;
        Ok(Self {
            tokens: Arc::new(tokens),
            records: Arc::new(Records::default()),
            realm,
            cors: Arc::new(cors),
            verifier: Arc::new(Verifier::new()),
        })
    }
}

/// The routes, with CORS outside authentication: preflights (which carry no token) are
/// answered before authentication, and refusals carry the CORS headers a page needs to read
/// them. In actix the last `wrap` is the outermost.
pub fn app(
    state: State,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .configure(records::routes)
        .default_service(web::to(records::no_such_route))
        .wrap(from_fn(gate::authenticate))
        .wrap(from_fn(cors::apply))
}

/// Binds `addr` and returns the server, not yet running, and the address it listens on.
/// Run it with [`run`].
///
/// # Errors
/// The address could not be bound.
pub fn bind(state: State, addr: SocketAddr) -> io::Result<(Server, SocketAddr)> {
    let server = HttpServer::new(move || app(state.clone()))
        .workers(2)
        .bind(addr)?;
    let bound = server.addrs().first().copied().unwrap_or(addr);
    Ok((server.run(), bound))
}

/// Runs `server` until it stops, writing pending last uses and use counts every few seconds
/// and once more at the end. Call it inside an actix system (`actix_web::rt::System`).
///
/// # Errors
/// The server failed.
pub async fn run(server: Server, tokens: Arc<TokenService<SqlStorage>>) -> io::Result<()> {
    let (stop, mut stopped) = watch::channel(false);
    let flusher = {
        let tokens = Arc::clone(&tokens);
        actix_web::rt::spawn(async move {
            let mut ticks = tokio::time::interval(FLUSH_PERIOD);
            loop {
                tokio::select! {
                    _ = ticks.tick() => flush(&tokens).await,
                    // A flush under way finishes first: one cut off could count uses twice.
                    _ = stopped.changed() => return,
                }
            }
        })
    };
    let served = server.await;
    let _ = stop.send(true);
    let _ = flusher.await;
    flush(&tokens).await;
    served
}

/// Writes pending last uses and use counts; a failure is logged, and the next flush retries.
async fn flush(tokens: &TokenService<SqlStorage>) {
    if let Err(error) = tokens.flush_last_use().await {
        tracing::warn!(%error, "pending last uses not written");
    }
    if let Err(error) = tokens.flush_usage(Utc::now()).await {
        tracing::warn!(%error, "use counts not saved");
    }
}
