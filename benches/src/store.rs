//! `tollgate-store`: authenticating a presented token against stores of growing size, in
//! memory and in SQL databases (SQLite, PostgreSQL), where the floor is one indexed `SELECT`
//! by hash through the same driver; and through the verified-token cache in front of a SQL
//! database, whose floor is SHA-256 alone, like the in-memory path's.
//!
//! Stores are filled through the storage layer, not through `TokenService::create_token`:
//! a store of a million tokens minted one by one would spend its build time in the OS random
//! generator. [`DISTINCT_INPUTS`] real minted tokens are stored among filler rows whose hashes
//! are SHA-256 of a counter, and the workloads authenticate the real ones in turn.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, AnyRow};
use tokio::runtime::Runtime;
use tollgate::scope::{Limits, Role, Scope};
use tollgate::store::{
    AuthError, Authenticated, CachedStorage, MemoryStorage, NewToken, SqlStorage, Storage,
    TokenRequest, TokenService, UserName,
};
use tollgate::token::{TokenHash, TokenName};

use super::token::MintedTokens;
use super::{DISTINCT_INPUTS, Workload, ready_now};

/// The one user owning every stored token.
const OWNER: &str = "bench";

/// The hash of the `index`-th stored token: a real one first, then filler.
fn stored_hash(tokens: &MintedTokens, index: usize) -> TokenHash {
    if index < DISTINCT_INPUTS {
        *tokens.get(index).1
    } else {
        TokenHash::of(&format!("filler-{index}"))
    }
}

fn token_request(index: usize) -> TokenRequest {
    TokenRequest::new(
        UserName::new(OWNER).expect("valid user name"),
        TokenName::new(&format!("token-{index}")).expect("valid token name"),
        Limits::new(Scope::Edit),
    )
}

/// Ours, in memory: parse, hash, look up among `size` tokens, check validity, note the use.
pub struct MemoryTokenLookup {
    service: TokenService<MemoryStorage>,
    tokens: Arc<MintedTokens>,
    now: DateTime<Utc>,
}

impl MemoryTokenLookup {
    /// A store of `size` tokens, the first [`DISTINCT_INPUTS`] of them from `tokens`.
    pub fn new(size: usize, tokens: Arc<MintedTokens>) -> Self {
        let now = Utc::now();
        let storage = MemoryStorage::new();
        let owner = tollgate::store::User {
            name: UserName::new(OWNER).expect("valid user name"),
            role: Role::Editor,
        };
        ready_now(storage.create_user(&owner, now)).expect("new user");
        for index in 0..size.max(DISTINCT_INPUTS) {
            let request = token_request(index);
            let token = NewToken {
                request: &request,
                parent: None,
                ancestors: Vec::new(),
                hash: stored_hash(&tokens, index),
                hint: "tg_...0000".parse().expect("a valid hint"),
                created_at: now,
                // A table filled for measurement, under one owner: no cap applies.
                max_live_tokens: u32::MAX,
            };
            ready_now(storage.insert_token(token)).expect("new token");
        }
        let service = TokenService::new(storage, tokens.format().clone());
        Self {
            service,
            tokens,
            now,
        }
    }
}

impl Workload for MemoryTokenLookup {
    type Input = usize;
    type Output = Result<Authenticated, AuthError>;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> Result<Authenticated, AuthError> {
        let (text, _) = self.tokens.get(index);
        ready_now(self.service.authenticate(text, self.now))
    }
}

/// A SQL database of `size` tokens, opened by `SqlStorage` for ours (bare, and behind the
/// verified-token cache) and by a bare sqlx pool for the floor, with the runtime they are
/// driven by.
pub struct SqlTokens {
    runtime: Runtime,
    service: TokenService<SqlStorage>,
    cached: TokenService<CachedStorage<SqlStorage>>,
    bare: AnyPool,
    tokens: Arc<MintedTokens>,
    /// The SQLite file, removed on drop.
    path: Option<PathBuf>,
    now: DateTime<Utc>,
}

/// Longer than any run: the cached workload measures hits only (a miss would wait on the
/// database, which [`ready_now`] refuses).
const CACHE_TIME_TO_LIVE: Duration = Duration::from_secs(3600);

impl SqlTokens {
    /// A fresh SQLite database file in the temporary directory.
    pub fn sqlite(size: usize, tokens: Arc<MintedTokens>) -> Self {
        let path =
            std::env::temp_dir().join(format!("tollgate-bench-{}-{size}.db", std::process::id()));
        remove_database(&path);
        let url = format!("sqlite://{}", path.display());
        Self::open(&url, Some(path), size, tokens)
    }

    /// A fresh PostgreSQL database on the server named by `TOLLGATE_TEST_POSTGRES_URL`.
    pub fn postgres(size: usize, tokens: Arc<MintedTokens>) -> Self {
        let runtime = current_thread_runtime();
        let url = runtime.block_on(tollgate_test_support::postgres_database_url());
        Self::open(&url, None, size, tokens)
    }

    fn open(url: &str, path: Option<PathBuf>, size: usize, tokens: Arc<MintedTokens>) -> Self {
        let runtime = current_thread_runtime();
        let now = Utc::now();
        let (service, cached, bare) = runtime.block_on(async {
            let storage = SqlStorage::open(url).await.expect("open the database");
            let owner = UserName::new(OWNER).expect("valid user name");
            let service = TokenService::new(storage, tokens.format().clone());
            service
                .create_user(owner, Role::Editor, now)
                .await
                .expect("new user");
            let cache = CachedStorage::new(SqlStorage::open(url).await.expect("open again"))
                .with_time_to_live(CACHE_TIME_TO_LIVE)
                .listen_for_changes()
                .await
                .expect("listen for changes");
            let cached = TokenService::new(cache, tokens.format().clone());
            let bare = AnyPoolOptions::new()
                .max_connections(10)
                .connect(url)
                .await
                .expect("open the database again");
            fill(&bare, size, &tokens, now).await;
            (service, cached, bare)
        });
        Self {
            runtime,
            service,
            cached,
            bare,
            tokens,
            path,
            now,
        }
    }
}

fn current_thread_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Inserts `size` token rows in one transaction (one commit, not one per row).
async fn fill(pool: &AnyPool, size: usize, tokens: &MintedTokens, now: DateTime<Utc>) {
    let mut transaction = pool.begin().await.expect("begin");
    for index in 0..size.max(DISTINCT_INPUTS) {
        let request = token_request(index);
        sqlx::query(
            "INSERT INTO tollgate_tokens \
             (owner_key, name, name_key, scope, hash, hint, created_at, expires_at, allowed_origins) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '')",
        )
        .bind(request.owner.key())
        .bind(request.name.as_str())
        .bind(request.name.uniqueness_key())
        .bind(request.limits.scope.as_str())
        .bind(stored_hash(tokens, index).as_bytes().as_slice())
        .bind("tg_...0000")
        .bind(now.timestamp_micros())
        .execute(&mut *transaction)
        .await
        .expect("insert a token row");
    }
    transaction.commit().await.expect("commit");
}

fn remove_database(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        // Absent files are what we want; nothing else can go wrong that matters here.
        let _ = std::fs::remove_file(file);
    }
}

impl Drop for SqlTokens {
    fn drop(&mut self) {
        self.runtime.block_on(async {
            self.service.storage().close().await;
            self.cached.storage().inner().close().await;
            self.bare.close().await;
        });
        if let Some(path) = &self.path {
            remove_database(path);
        }
    }
}

/// Ours, on SQL: parse, hash, `SELECT` the token joined with its owner by hash, decode the
/// row, check validity, note the use.
pub struct SqlTokenAuth(pub Arc<SqlTokens>);

impl Workload for SqlTokenAuth {
    type Input = usize;
    type Output = Result<Authenticated, AuthError>;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> Result<Authenticated, AuthError> {
        let db = &self.0;
        let (text, _) = db.tokens.get(index);
        db.runtime.block_on(db.service.authenticate(text, db.now))
    }
}

/// Ours, through the verified-token cache in front of the database, every token cached: parse,
/// hash, find in the cache, check validity, note the use (written once, at the check).
pub struct CachedTokenAuth(pub Arc<SqlTokens>);

impl Workload for CachedTokenAuth {
    type Input = usize;
    type Output = Result<Authenticated, AuthError>;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> Result<Authenticated, AuthError> {
        let db = &self.0;
        let (text, _) = db.tokens.get(index);
        ready_now(db.cached.authenticate(text, db.now))
    }
}

/// The floor: `SELECT *` of the token row by its indexed hash, through the same driver,
/// with the hash already computed.
pub struct SqlSelectByHash(pub Arc<SqlTokens>);

impl Workload for SqlSelectByHash {
    type Input = usize;
    type Output = Option<AnyRow>;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> Option<AnyRow> {
        let db = &self.0;
        let (_, hash) = db.tokens.get(index);
        db.runtime.block_on(async {
            sqlx::query("SELECT * FROM tollgate_tokens WHERE hash = $1")
                .bind(hash.as_bytes().as_slice())
                .fetch_optional(&db.bare)
                .await
                .expect("the floor query runs")
        })
    }
}

/// Every real token authenticates in memory.
pub fn check_memory(lookup: &MemoryTokenLookup) -> Result<(), String> {
    for index in 0..DISTINCT_INPUTS {
        lookup
            .run(index)
            .map_err(|error| format!("in-memory token {index}: {error}"))?;
    }
    Ok(())
}

/// Every real token authenticates through ours, bare and cached, and is found by the floor's
/// query. Leaves every token cached, its use written.
pub fn check_sql(db: &Arc<SqlTokens>) -> Result<(), String> {
    let (ours, floor) = (
        SqlTokenAuth(Arc::clone(db)),
        SqlSelectByHash(Arc::clone(db)),
    );
    for index in 0..DISTINCT_INPUTS {
        ours.run(index)
            .map_err(|error| format!("token {index}: {error}"))?;
        let (text, _) = db.tokens.get(index);
        db.runtime
            .block_on(db.cached.authenticate(text, db.now))
            .map_err(|error| format!("cached token {index}: {error}"))?;
        if floor.run(index).is_none() {
            return Err(format!("token {index}: the floor query found no row"));
        }
    }
    Ok(())
}
