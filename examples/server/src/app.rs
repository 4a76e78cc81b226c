//! The router, its shared state, and starting and stopping the server.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{delete, get, post, put};
use chrono::Utc;
use http::StatusCode;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tollgate::http::{
    AuthLayer, CorsLayer, FailureThrottle, Realm, Refusal, ScopeLayer, SignedRequests,
};
use tollgate::scope::{Limits, Operation, Role, Scope};
use tollgate::store::{
    CachedStorage, SqlOptions, SqlStorage, Storage, StoreError, TokenRequest, TokenService,
    UserName,
};
use tollgate::token::{AcceptedSchemes, Scheme, TokenFormat, TokenName};

use crate::audit;
use crate::body;
use crate::client_errors::not_found;
use crate::config::{Settings, TokenCache};
use crate::connections;
use crate::handlers::{audit_log, records, samples, tokens, users};
use crate::page;
use crate::records::{Kind, Records};
use crate::refusal_tally::{self, RefusalTally};
use crate::request_log;
use crate::request_timeout;
use crate::secret_scanning;

/// The prefix of the secret tokens this server mints: long and distinctive enough for secret
/// scanners, and different from the publishable one so that people and scanners tell them
/// apart (the patterns are in `docs/server-api.md`).
pub(crate) const SECRET_PREFIX: &str = "tgsk";
/// The prefix of the publishable tokens this server mints.
pub(crate) const PUBLISHABLE_PREFIX: &str = "tgpk";
/// The realm named in `WWW-Authenticate`.
const REALM: &str = "tollgate";

/// Where the server keeps users and tokens: its database, behind the verified-token cache.
pub(crate) type Store = CachedStorage<SqlStorage>;

/// What every handler shares.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) tokens: Arc<TokenService<Store>>,
    pub(crate) records: Records,
    pub(crate) realm: Arc<Realm>,
}

/// How often the audit log's old entries (and, when set, unused tokens) are deleted.
const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);
/// How often the refusals counted are written to the audit log.
const REFUSAL_FLUSH_PERIOD: Duration = Duration::from_secs(60);

/// Why the server could not start, or stop cleanly.
#[derive(Debug)]
pub enum StartError {
    /// The database could not be opened or prepared.
    Store(StoreError),
    /// The address could not be bound, or a server task failed.
    Io(std::io::Error),
    /// A setting the server could not use.
    Config(&'static str),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Store(error) => write!(f, "database: {error}"),
            Self::Io(error) => write!(f, "network: {error}"),
            Self::Config(problem) => f.write_str(problem),
        }
    }
}

impl From<StoreError> for StartError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<std::io::Error> for StartError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

/// The token service this server uses over `storage`: `tgsk_` secret and `tgpk_` publishable
/// tokens, in `Bearer` or raw (Refocus compatibility) `Authorization` headers.
fn token_service<S: Storage>(storage: S) -> Result<TokenService<S>, StartError> {
    let format =
        |prefix| TokenFormat::new(prefix).map_err(|_| StartError::Config("invalid token prefix"));
    Ok(TokenService::new(storage, format(SECRET_PREFIX)?)
        .with_publishable_format(format(PUBLISHABLE_PREFIX)?)?
        .with_schemes(AcceptedSchemes::BEARER.and(Scheme::Raw)))
}

/// The server's store: the database behind the verified-token cache, which on PostgreSQL
/// hears of the changes every other instance makes.
async fn open_store(
    database_url: &str,
    options: SqlOptions,
    cache: TokenCache,
) -> Result<Store, StartError> {
    let database = SqlStorage::open_with(database_url, options).await?;
    Ok(CachedStorage::new(database)
        .with_time_to_live(cache.time_to_live)
        .with_capacity(cache.capacity, cache.capacity)
        .listen_for_changes()
        .await?)
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    /// The address the server listens on.
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
    flushers: [JoinHandle<()>; 4],
    /// Tells the flushers to stop once their current run is over.
    stop_flushers: watch::Sender<bool>,
    tokens: Arc<TokenService<Store>>,
    refusals: Arc<RefusalTally>,
}

impl Server {
    /// Stops accepting requests, lets those in flight finish within the shutdown grace period,
    /// closes every connection, and writes pending last uses and use counts.
    ///
    /// # Errors
    ///
    /// [`StartError::Io`] if the serving task failed, [`StartError::Store`] if the pending
    /// last uses or use counts could not be written.
    pub async fn stop(self) -> Result<(), StartError> {
        // The task may have ended already; then there is nobody to tell.
        let _ = self.shutdown.send(());
        self.task
            .await
            .map_err(|error| StartError::Io(std::io::Error::other(error)))?;
        // Not aborted: a save cut off halfway would leave its uses unsaved or saved twice.
        let _ = self.stop_flushers.send(true);
        for flusher in self.flushers {
            flusher
                .await
                .map_err(|error| StartError::Io(std::io::Error::other(error)))?;
        }
        let last_use = self.tokens.flush_last_use().await;
        let usage = self.tokens.flush_usage(Utc::now()).await;
        self.refusals.flush(&self.tokens, Utc::now(), true).await;
        last_use?;
        usage?;
        Ok(())
    }
}

/// Writes pending last uses every last-use interval, so that a use noted but not written
/// (coalesced, or refused by a busy database) reaches the database without waiting for
/// shutdown.
fn flush_last_use_regularly(
    tokens: Arc<TokenService<Store>>,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    // The service's own interval; one of zero or less (every use written at once) still
    // retries refused writes, each second.
    let period = tokens
        .last_use_interval()
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_secs(1));
    every(period, stop, move || {
        let tokens = Arc::clone(&tokens);
        async move {
            if let Err(error) = tokens.flush_last_use().await {
                tracing::warn!(%error, "pending last uses not written; the next flush retries them");
            }
        }
    })
}

/// Saves use counts every `period`, and so reads back what other instances saved: a quota
/// sees their uses within two periods.
fn save_usage_regularly(
    tokens: Arc<TokenService<Store>>,
    period: Duration,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    every(period, stop, move || {
        let tokens = Arc::clone(&tokens);
        async move {
            if let Err(error) = tokens.flush_usage(Utc::now()).await {
                tracing::warn!(%error, "use counts not saved; the next save retries them");
            }
        }
    })
}

/// At start and then every [`HOUSEKEEPING_PERIOD`]: deletes audit log entries older than
/// `retention` and, with `purge_unused_after`, tokens unused for that long (each purge an
/// audit event, of however many tokens).
fn housekeeping_regularly(
    tokens: Arc<TokenService<Store>>,
    retention: Duration,
    purge_unused_after: Option<Duration>,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    every(HOUSEKEEPING_PERIOD, stop, move || {
        let tokens = Arc::clone(&tokens);
        async move {
            let now = Utc::now();
            let ago = |duration: Duration| {
                now - chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
            };
            if let Err(error) = tokens.storage().delete_audit_before(ago(retention)).await {
                tracing::warn!(%error, "old audit entries not deleted; the next run retries");
            }
            let Some(after) = purge_unused_after else {
                return;
            };
            let cutoff = ago(after);
            match tokens.purge_unused_since(cutoff).await {
                Ok(purged) => audit::tokens_purged(&tokens, cutoff, purged).await,
                Err(error) => {
                    tracing::warn!(%error, "unused tokens not purged; the next run retries")
                }
            }
        }
    })
}

/// Writes the refusals counted in each past minute to the audit log.
fn flush_refusals_regularly(
    tokens: Arc<TokenService<Store>>,
    refusals: Arc<RefusalTally>,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    every(REFUSAL_FLUSH_PERIOD, stop, move || {
        let (tokens, refusals) = (Arc::clone(&tokens), Arc::clone(&refusals));
        async move { refusals.flush(&tokens, Utc::now(), false).await }
    })
}

/// Runs `work` every `period`, one run at a time, until `stop` changes (or its sender is
/// gone): a run in progress then finishes first.
fn every<F>(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    work: impl Fn() -> F + Send + 'static,
) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => work().await,
                // The one change ever sent is the stop; a dropped sender stops too.
                _ = stop.changed() => return,
            }
        }
    })
}

/// Opens the database, binds the address and serves until [`Server::stop`].
///
/// # Errors
///
/// [`StartError::Store`] if the database cannot be opened or migrated,
/// [`StartError::Io`] if the address cannot be bound.
pub async fn start(settings: Settings) -> Result<Server, StartError> {
    let options = SqlOptions::default().acquire_timeout(settings.database_timeout);
    let store = open_store(&settings.database_url, options, settings.token_cache).await?;
    let tokens =
        Arc::new(token_service(store)?.with_default_rate_limit(settings.default_rate_limit));
    let database = tokens.storage().inner();
    let records = Records::open(database.pool().clone(), database.read_pool().clone()).await?;
    let realm = Realm::new(REALM).map_err(|_| StartError::Config("invalid realm"))?;
    let refusals = Arc::new(RefusalTally::default());
    let state = AppState {
        tokens: Arc::clone(&tokens),
        records,
        realm: Arc::new(realm.clone()),
    };
    // Unread bodies are drained after every answer, the authentication layer's refusals too.
    // The token page is outside authentication: it holds no data, and signs in from the page.
    let api = router(state)
        .layer(
            AuthLayer::new(Arc::clone(&tokens), realm, settings.requirement)
                .with_failure_throttle(FailureThrottle::new(settings.auth_failures))
                // A signed request's body is read by the signature check, within the same
                // limit as the handlers'.
                .with_signed_requests(SignedRequests::new().with_max_body(body::MAX_BODY_BYTES)),
        )
        .layer(axum::middleware::from_fn(body::drain_unread))
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout,
            request_timeout::limit,
        ));
    // Outside authentication: a report's signature is its credential.
    let reports = match settings.secret_scanning_keys {
        Some(keys) => secret_scanning::routes(secret_scanning::Scanning {
            keys,
            tokens: Arc::clone(&tokens),
        })
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout,
            request_timeout::limit,
        )),
        None => Router::new(),
    };
    let app = page::routes()
        .merge(reports)
        .merge(api)
        .layer(CorsLayer::new(settings.cors))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&refusals),
            refusal_tally::tally,
        ))
        // Outermost, so that every answer is logged: preflights, auth refusals and timeouts.
        .layer(axum::middleware::from_fn(request_log::log_request));
    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let (stop_flushers, stop) = watch::channel(false);
    let task = tokio::spawn(connections::serve(
        listener,
        app,
        settings.timers,
        async move {
            // A dropped sender also stops the server.
            let _ = stopped.await;
        },
    ));
    Ok(Server {
        addr,
        shutdown,
        task,
        flushers: [
            flush_last_use_regularly(Arc::clone(&tokens), stop.clone()),
            save_usage_regularly(
                Arc::clone(&tokens),
                settings.usage_save_interval,
                stop.clone(),
            ),
            housekeeping_regularly(
                Arc::clone(&tokens),
                settings.audit_retention,
                settings.purge_unused_after,
                stop.clone(),
            ),
            flush_refusals_regularly(Arc::clone(&tokens), Arc::clone(&refusals), stop),
        ],
        stop_flushers,
        tokens,
        refusals,
    })
}

/// `mint`: creates the user if needed and a token for them; returns the token's secret. An
/// existing user with another role is refused.
///
/// # Errors
///
/// A sentence for the operator: the database failed, a name is invalid, or the user exists
/// with another role.
pub async fn mint_bootstrap(
    database_url: &str,
    user: &str,
    role: Role,
    name: &str,
    scope: Scope,
) -> Result<String, String> {
    // One short-lived process: no cache.
    let database = SqlStorage::open(database_url)
        .await
        .map_err(|error| StartError::from(error).to_string())?;
    let service = Arc::new(token_service(database).map_err(|error| error.to_string())?);
    let user = UserName::new(user).map_err(|error| error.to_string())?;
    let name = TokenName::new(name).map_err(|error| error.to_string())?;
    let now = Utc::now();
    let new_user = match service.create_user(user.clone(), role, now).await {
        Ok(created) => Some(created),
        // An existing user keeps their role: refuse rather than mint a token that the role
        // the operator asked for would not cap.
        Err(StoreError::DuplicateUser) => match service.user(&user).await {
            Ok(Some(existing)) if existing.role == role => None,
            Ok(Some(existing)) => {
                return Err(format!(
                    "user {} exists with role {}, not {role}",
                    existing.name.as_str(),
                    existing.role
                ));
            }
            Ok(None) => return Err(format!("user {} vanished while minting", user.as_str())),
            Err(error) => return Err(error.to_string()),
        },
        Err(error) => return Err(error.to_string()),
    };
    let request = TokenRequest::new(user, name, Limits::new(scope));
    let created = service
        .create_token(&request, now)
        .await
        .map_err(|error| error.to_string())?;
    audit::minted(&service, new_user.as_ref(), &created.record).await;
    service.storage().close().await;
    Ok(created.secret.expose_secret().to_owned())
}

/// Every route and its handler. Each handler is an `async fn` whose parameters are axum
/// extractors, run in order: `State` and the caller (`CallerToken` where a token is required,
/// else `Extension<Caller>`, both put there by the authentication layer), path parameters, the
/// query, and last the body, which handlers read only once the caller is authorized
/// ([`body::UnreadBody`]). Unknown routes and methods answer in JSON like every other error.
///
/// Checks that need no record (the caller's scope, capped by their role) are [`ScopeLayer`]s on
/// the routes, which refuse before any extractor runs; checks that need the record (grants,
/// writer lists) are the handlers'.
fn router(state: AppState) -> Router {
    let manage_account = || ScopeLayer::new(Operation::ManageAccount);
    let write_sensitive = || ScopeLayer::new(Operation::WriteSensitive);
    let mut router = Router::new()
        .route(
            "/v1/users",
            // Both, the role first: writing users needs the admin role, issuing a credential
            // a full-scope token.
            post(
                users::create
                    .layer(manage_account())
                    .layer(write_sensitive()),
            )
            .get(users::list.layer(ScopeLayer::new(Operation::ReadSensitive))),
        )
        .route(
            "/v1/tokens",
            post(tokens::create)
                .get(tokens::list)
                .route_layer(manage_account()),
        )
        .route(
            "/v1/audit",
            get(audit_log::list).route_layer(ScopeLayer::new(Operation::ReadSensitive)),
        )
        .route("/v1/tokens/current", get(tokens::current))
        .route("/api/tokens/current", get(tokens::current))
        .route(
            "/v1/tokens/{id}",
            delete(tokens::delete).route_layer(manage_account()),
        )
        .route(
            "/v1/tokens/{id}/usage",
            get(tokens::usage).route_layer(manage_account()),
        )
        .route(
            "/v1/tokens/{id}/rotate",
            post(tokens::rotate).route_layer(manage_account()),
        )
        .route(
            "/v1/tokens/{id}/revoke",
            post(tokens::revoke).route_layer(write_sensitive()),
        )
        .route(
            "/v1/tokens/{id}/restore",
            post(tokens::restore).route_layer(write_sensitive()),
        )
        .route(
            "/v1/aspects/{aspect}/samples/{subject}",
            put(samples::put).get(samples::get).delete(samples::delete),
        );
    for kind in Kind::ALL {
        router = record_routes(router, kind);
    }
    router
        .fallback(no_such_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// The routes of one kind of record, all under `/v1/{kind}`: the handlers learn the kind from
/// the route they were reached by (the [`Kind`] extractor). Listing reads and creating writes
/// ([`ScopeLayer::by_method`]); the routes of a named record check its grants in the handler.
fn record_routes(router: Router<AppState>, kind: Kind) -> Router<AppState> {
    let base = format!("/v1/{}", kind.as_str());
    router
        .route(
            &base,
            post(records::create)
                .get(records::list)
                .route_layer(ScopeLayer::by_method()),
        )
        .route(
            &format!("{base}/{{name}}"),
            get(records::get)
                .patch(records::patch)
                .delete(records::delete),
        )
        .route(
            &format!("{base}/{{name}}/writers"),
            get(records::writers)
                .post(records::add_writers)
                .delete(records::clear_writers),
        )
        .route(
            &format!("{base}/{{name}}/writers/{{user}}"),
            delete(records::remove_writer),
        )
}

/// 404 `not_found` for a path no route matches.
async fn no_such_route() -> Refusal {
    not_found("route")
}

/// 405 `method_not_allowed` for a route that does not take the request's method.
async fn method_not_allowed() -> Refusal {
    Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method",
    )
}
