//! `tollgate-store`: authenticating a presented token against stores of growing size, in
//! memory and in SQLite, where the floor is one indexed `SELECT` by hash through the same
//! driver.
//!
//! Stores are filled through the storage layer, not through `TokenService::create_token`:
//! a store of a million tokens minted one by one would spend its build time in the OS random
//! generator. [`DISTINCT_INPUTS`] real minted tokens are stored among filler rows whose hashes
//! are SHA-256 of a counter, and the workloads authenticate the real ones in turn.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, AnyRow};
use tokio::runtime::Runtime;
use tollgate::scope::{Limits, Role, Scope};
use tollgate::store::{
    AuthError, Authenticated, MemoryStorage, NewToken, SqlStorage, Storage, TokenRequest,
    TokenService, UserName,
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
                parent_id: None,
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

/// A SQLite database file of `size` tokens, opened by `SqlStorage` for ours and by a bare
/// sqlx pool for the floor, with the runtime both are driven by.
pub struct SqliteTokens {
    runtime: Runtime,
    service: TokenService<SqlStorage>,
    bare: AnyPool,
    tokens: Arc<MintedTokens>,
    path: PathBuf,
    now: DateTime<Utc>,
}

impl SqliteTokens {
    /// A fresh database file in the temporary directory, removed on drop.
    pub fn new(size: usize, tokens: Arc<MintedTokens>) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let path =
            std::env::temp_dir().join(format!("tollgate-bench-{}-{size}.db", std::process::id()));
        remove_database(&path);
        let url = format!("sqlite://{}", path.display());
        let now = Utc::now();
        let (service, bare) = runtime.block_on(async {
            let storage = SqlStorage::open(&url).await.expect("open SQLite");
            let owner = UserName::new(OWNER).expect("valid user name");
            let service = TokenService::new(storage, tokens.format().clone());
            service
                .create_user(owner, Role::Editor, now)
                .await
                .expect("new user");
            let bare = AnyPoolOptions::new()
                .max_connections(10)
                .connect(&url)
                .await
                .expect("open SQLite again");
            fill(&bare, size, &tokens, now).await;
            (service, bare)
        });
        Self {
            runtime,
            service,
            bare,
            tokens,
            path,
            now,
        }
    }
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

impl Drop for SqliteTokens {
    fn drop(&mut self) {
        self.runtime.block_on(async {
            self.service.storage().close().await;
            self.bare.close().await;
        });
        remove_database(&self.path);
    }
}

/// Ours, on SQLite: parse, hash, `SELECT` the token joined with its owner by hash, decode the
/// row, check validity, note the use.
pub struct SqliteTokenAuth(pub Arc<SqliteTokens>);

impl Workload for SqliteTokenAuth {
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

/// The floor: `SELECT *` of the token row by its indexed hash, through the same driver,
/// with the hash already computed.
pub struct SqliteSelectByHash(pub Arc<SqliteTokens>);

impl Workload for SqliteSelectByHash {
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

/// Every real token authenticates through ours and is found by the floor's query.
pub fn check_sqlite(db: &Arc<SqliteTokens>) -> Result<(), String> {
    let (ours, floor) = (
        SqliteTokenAuth(Arc::clone(db)),
        SqliteSelectByHash(Arc::clone(db)),
    );
    for index in 0..DISTINCT_INPUTS {
        ours.run(index)
            .map_err(|error| format!("SQLite token {index}: {error}"))?;
        if floor.run(index).is_none() {
            return Err(format!(
                "SQLite token {index}: the floor query found no row"
            ));
        }
    }
    Ok(())
}
