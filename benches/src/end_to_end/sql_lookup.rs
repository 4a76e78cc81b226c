//! The peer: the API-key middleware most users write. It reads the bearer token, hashes it
//! with SHA-256 and selects the key's row from an `api_keys` table on every request, through a
//! sqlx pool with default settings; 401 when the header or the row is missing.

use std::str::FromStr;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use super::stack::bare_app;

/// The peer's key table, reached through the driver's own pool type (no `Any` layer), with
/// sqlx's default pool settings.
#[derive(Debug, Clone)]
pub enum KeyPool {
    /// A SQLite file, created if missing.
    Sqlite(SqlitePool),
    /// A PostgreSQL database.
    Postgres(PgPool),
}

/// The key row the middleware hands to the handler.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// The key's id.
    pub id: i64,
    /// Who the key belongs to.
    pub owner: String,
}

/// One parameter, `$1`, which both SQLite and PostgreSQL take.
const FIND_KEY: &str = "SELECT id, owner FROM api_keys WHERE key_hash = $1";

impl KeyPool {
    /// A pool on the database at `url` (`sqlite://...` or `postgres://...`).
    ///
    /// # Panics
    /// If the database cannot be opened.
    pub async fn open(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .expect("a SQLite URL")
                .create_if_missing(true);
            Self::Sqlite(
                SqlitePool::connect_with(options)
                    .await
                    .expect("open SQLite"),
            )
        } else {
            Self::Postgres(PgPool::connect(url).await.expect("open PostgreSQL"))
        }
    }

    /// Creates `api_keys` (an indexed unique hash per key) holding one key per token of
    /// `keys`, stored as its SHA-256.
    ///
    /// # Panics
    /// If the table cannot be created or filled.
    pub async fn create_keys(&self, keys: &[String]) {
        let table = match self {
            Self::Sqlite(_) => {
                "CREATE TABLE api_keys (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, \
                 key_hash BLOB NOT NULL UNIQUE)"
            }
            Self::Postgres(_) => {
                "CREATE TABLE api_keys (id BIGSERIAL PRIMARY KEY, owner TEXT NOT NULL, \
                 key_hash BYTEA NOT NULL UNIQUE)"
            }
        };
        const INSERT: &str = "INSERT INTO api_keys (owner, key_hash) VALUES ($1, $2)";
        // The same statements through either pool type.
        macro_rules! fill {
            ($pool:expr) => {{
                sqlx::query(table).execute($pool).await.expect("api_keys");
                for key in keys {
                    let hash = Sha256::digest(key.as_bytes());
                    sqlx::query(INSERT)
                        .bind("bench")
                        .bind(hash.as_slice())
                        .execute($pool)
                        .await
                        .expect("a key row");
                }
            }};
        }
        match self {
            Self::Sqlite(pool) => fill!(pool),
            Self::Postgres(pool) => fill!(pool),
        }
    }

    /// The key whose hash is `hash`, if any.
    async fn find(&self, hash: &[u8]) -> Result<Option<ApiKey>, sqlx::Error> {
        let row: Option<(i64, String)> = match self {
            Self::Sqlite(pool) => {
                sqlx::query_as(FIND_KEY)
                    .bind(hash)
                    .fetch_optional(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_as(FIND_KEY)
                    .bind(hash)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(|(id, owner)| ApiKey { id, owner }))
    }

    /// Closes the pool's connections.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// The middleware: the key row in the request's extensions, or 401 (500 if the query fails).
async fn require_api_key(State(keys): State<KeyPool>, request: Request, next: Next) -> Response {
    let mut request = request;
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(presented) = presented else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let hash = Sha256::digest(presented.as_bytes());
    match keys.find(hash.as_slice()).await {
        Ok(Some(key)) => {
            request.extensions_mut().insert(key);
            next.run(request).await
        }
        Ok(None) => StatusCode::UNAUTHORIZED.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The trivial handler behind the peer middleware.
pub fn sql_lookup_app(keys: KeyPool) -> Router {
    bare_app().layer(middleware::from_fn_with_state(keys, require_api_key))
}
