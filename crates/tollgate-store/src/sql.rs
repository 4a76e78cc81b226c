//! [`Storage`] on SQLite (embedded, a file) or PostgreSQL (shared by many server instances).

use core::fmt;
#[cfg(feature = "postgres")]
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use tollgate_scope::Limits;
use tollgate_token::{TokenHash, TokenName};

use crate::limits_text::{
    ancestors_from, ancestors_text, grants_from, grants_text, origins_from, origins_text,
};
use crate::schema::{self, Dialect};
use crate::{
    AuditEntry, AuditEvent, AuditQuery, Authenticated, DayCount, NewToken, Rotation, SecretMatch,
    Storage, StoreError, TokenId, TokenRecord, User, UserName, audit_sql,
};

/// Connection settings for [`SqlStorage::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqlOptions {
    /// How long an operation waits for a connection before failing with
    /// [`StoreError::Unavailable`], and on SQLite also how long it waits for another process's
    /// lock on the file (`busy_timeout`). Bounds the time a request waits on a database that
    /// is down or overloaded: keep it short, so that an overloaded server refuses fast.
    pub acquire_timeout: Duration,
    /// The most connections the pool opens on PostgreSQL; on SQLite, the most read-only
    /// connections for plain reads, beside the one writer connection (see [`SqlStorage`]).
    pub max_connections: u32,
}

impl Default for SqlOptions {
    /// One second, ten connections.
    fn default() -> Self {
        Self {
            acquire_timeout: Duration::from_secs(1),
            max_connections: 10,
        }
    }
}

impl SqlOptions {
    /// These options with another acquire timeout.
    #[must_use]
    pub fn acquire_timeout(self, acquire_timeout: Duration) -> Self {
        Self {
            acquire_timeout,
            ..self
        }
    }
}

/// Users and tokens in a SQL database.
///
/// Built with this crate's `sqlite` feature, `postgres` feature, or both (the default); a URL
/// of a backend left out is refused with [`StoreError::BackendNotBuilt`].
///
/// `sqlite://PATH` opens (creating if needed) a database file; `postgres://...` connects to a
/// server. The schema is created or upgraded on open (see the crate docs), and every instance
/// of a server may share one PostgreSQL database: nothing here keeps state between calls.
///
/// On PostgreSQL one pool of [`SqlOptions::max_connections`] serves every operation.
///
/// On SQLite the file is switched to write-ahead logging (`journal_mode=WAL`, which persists in
/// the file) with `synchronous=NORMAL`: readers do not wait for a writer nor a writer for
/// readers, and a commit appends to the log without waiting for the disk (a power loss may
/// lose the last commits, never corrupt the file). Every write and every transaction goes
/// through [`pool`](Self::pool), one connection: SQLite lets one writer in at a time and makes
/// the others poll for its lock with a growing back-off (up to 100 ms between tries), so
/// several writer connections could keep a write missing its turn until its timeout although
/// every turn was short; one connection serves this process's writes first come, first served,
/// each waiting at most the acquire timeout. Plain reads go through
/// [`read_pool`](Self::read_pool), [`SqlOptions::max_connections`] connections that refuse to
/// write (`query_only`), and proceed while a write is under way. Another process writing the
/// same file still takes SQLite's lock: a write waits for it at most the acquire timeout
/// (`busy_timeout`). In-memory SQLite URLs are refused with [`StoreError::InMemorySqlite`]:
/// each connection would open a database of its own.
#[derive(Clone)]
pub struct SqlStorage {
    /// Writes and transactions: on SQLite one connection.
    pool: AnyPool,
    /// Plain reads: on SQLite read-only connections, on PostgreSQL the same pool as `pool`.
    readers: AnyPool,
    /// On PostgreSQL, the URL a change listener connects with. It may hold a password: never
    /// printed.
    #[cfg(feature = "postgres")]
    changes_url: Option<Arc<str>>,
}

impl fmt::Debug for SqlStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStorage")
            .field("pool", &self.pool)
            .field("readers", &self.readers)
            .finish_non_exhaustive()
    }
}

impl SqlStorage {
    /// Opens `url` with [`SqlOptions::default`] and migrates the schema.
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`], [`StoreError::InMemorySqlite`],
    /// [`StoreError::BackendNotBuilt`] for a URL of a backend this build leaves out,
    /// [`StoreError::Unavailable`] when the database cannot be reached (or a SQLite file
    /// cannot be switched to WAL), [`StoreError::SchemaTooNew`], [`StoreError::Corrupt`] when
    /// the schema table holds a negative version.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, SqlOptions::default()).await
    }

    /// Opens `url` with `options` and migrates the schema.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub async fn open_with(url: &str, options: SqlOptions) -> Result<Self, StoreError> {
        let (dialect, url) = if url.starts_with("sqlite:") {
            // Create the file when missing unless the caller chose a mode.
            let url = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            (Dialect::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_owned())
        } else {
            let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
            return Err(StoreError::UnsupportedUrl(scheme.to_owned()));
        };
        // Before the driver is looked up: sqlx's own error for a driver left out would read
        // as a database that cannot be reached.
        dialect.ensure_built()?;
        if dialect == Dialect::Sqlite && sqlite_in_memory(&url) {
            return Err(StoreError::InMemorySqlite);
        }
        sqlx::any::install_default_drivers();
        let timeout = options.acquire_timeout;
        let (pool, readers) = match dialect {
            Dialect::Postgres => {
                let pool = connect(&url, timeout, options.max_connections, String::new()).await?;
                (pool.clone(), pool)
            }
            Dialect::Sqlite => {
                // Only digits are formatted into it.
                let setup = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL;",
                    timeout.as_millis()
                );
                let pool = connect(&url, timeout, 1, setup.clone()).await?;
                // Before any reader connects: the mode persists in the file, so a reader never
                // opens it in another.
                let mode = sqlx::query("PRAGMA journal_mode = WAL")
                    .fetch_one(&pool)
                    .await?;
                let mode: String = mode.try_get(0)?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(StoreError::Unavailable(
                        format!("SQLite kept journal mode {mode:?}, not WAL").into(),
                    ));
                }
                let read_only = format!("{setup} PRAGMA query_only = ON;");
                let readers = connect(&url, timeout, options.max_connections, read_only).await?;
                (pool, readers)
            }
        };
        schema::migrate(&pool, dialect, Utc::now().timestamp_micros()).await?;
        Ok(Self {
            pool,
            readers,
            #[cfg(feature = "postgres")]
            changes_url: (dialect == Dialect::Postgres).then(|| Arc::from(url)),
        })
    }

    /// The pool for writes and transactions, for an application that keeps its own tables in
    /// the same database (the example server's records do). On SQLite it has one connection:
    /// hold it only for a statement or a transaction, never while asking it for another; read
    /// through [`read_pool`](Self::read_pool) what needs no transaction.
    #[must_use]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for plain reads, outside any transaction. On SQLite its connections refuse to
    /// write; on PostgreSQL it is [`pool`](Self::pool).
    #[must_use]
    pub fn read_pool(&self) -> &AnyPool {
        &self.readers
    }

    /// The URL a change listener connects with, on PostgreSQL.
    #[cfg(feature = "postgres")]
    pub(crate) fn changes_url(&self) -> Option<Arc<str>> {
        self.changes_url.clone()
    }

    /// The most names [`Storage::users_named`] binds in one query: far below SQLite's limit
    /// of 32766 bound parameters and PostgreSQL's of 65535.
    pub const USERS_PER_QUERY: usize = 1000;

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
        self.readers.close().await;
    }
}

/// A pool of at most `max_connections` on `url`, each connection set up by `setup` (SQL
/// statements, none when empty) before first use. sqlx hands connections out in the order they
/// were asked for.
async fn connect(
    url: &str,
    timeout: Duration,
    max_connections: u32,
    setup: String,
) -> Result<AnyPool, StoreError> {
    let pool = AnyPoolOptions::new()
        .acquire_timeout(timeout)
        .max_connections(max_connections)
        .after_connect(move |connection, _| {
            let setup = setup.clone();
            Box::pin(async move {
                if !setup.is_empty() {
                    // The caller's own statements, never a value from outside.
                    sqlx::raw_sql(AssertSqlSafe(setup))
                        .execute(connection)
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// Whether a SQLite URL names an in-memory database (`sqlite::memory:`, `sqlite://:memory:`,
/// `mode=memory`), which every connection would open anew, empty.
fn sqlite_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite:");
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

/// `SELECT` of a token row and its owner, followed by the literal condition given.
macro_rules! select_tokens {
    ($condition:literal) => {
        concat!(
            "SELECT t.id, u.name AS owner, u.role, t.name, t.kind, t.scope, t.hint, t.created_at, ",
            "t.expires_at, t.last_used_at, t.revoked_at, t.allowed_origins, t.grants, t.parent_id, ",
            "t.rate_limit, t.quota, t.ancestors, t.signing_key, t.rotated_at, t.previous_until, ",
            "t.hash ",
            "FROM tollgate_tokens t JOIN tollgate_users u ON u.name_key = t.owner_key ",
            $condition
        )
    };
}

impl Storage for SqlStorage {
    async fn create_user(&self, user: &User, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await?;
        insert_user(&mut connection, user, at).await
    }

    async fn user(&self, name: &UserName) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT name, role FROM tollgate_users WHERE name_key = $1")
            .bind(name.key())
            .fetch_optional(&self.readers)
            .await?;
        row.map(|row| user_from(&row)).transpose()
    }

    async fn users_named(&self, names: &[UserName]) -> Result<Vec<User>, StoreError> {
        let mut keys: Vec<String> = names.iter().map(UserName::key).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut users = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(Self::USERS_PER_QUERY) {
            let placeholders = numbered_placeholders(1, chunk.len());
            let sql =
                format!("SELECT name, role FROM tollgate_users WHERE name_key IN ({placeholders})");
            // The text is numbered placeholders and nothing else; the names are bound.
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for key in chunk {
                query = query.bind(key.as_str());
            }
            let rows = query.fetch_all(&self.readers).await?;
            for row in &rows {
                users.push(user_from(row)?);
            }
        }
        Ok(users)
    }

    async fn users(&self, after: Option<&UserName>, limit: usize) -> Result<Vec<User>, StoreError> {
        // Every key is at least one character, so all of them come after ''. The primary
        // key's index serves both the condition and the order.
        let rows = sqlx::query(
            "SELECT name, role FROM tollgate_users WHERE name_key > $1 ORDER BY name_key LIMIT $2",
        )
        .bind(after.map(UserName::key).unwrap_or_default())
        .bind(sql_limit(limit))
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(user_from).collect()
    }

    async fn insert_token(&self, token: NewToken<'_>) -> Result<TokenRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let record = insert_token(&mut tx, &token).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn create_user_with_token(
        &self,
        user: &User,
        at: DateTime<Utc>,
        token: NewToken<'_>,
    ) -> Result<TokenRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_user(&mut tx, user, at).await?;
        let record = insert_token(&mut tx, &token).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<Authenticated>, StoreError> {
        // Each column has a unique index: the lookup reads at most one row, either way.
        let row = sqlx::query(select_tokens!("WHERE t.hash = $1 OR t.previous_hash = $1"))
            .bind(hash.as_bytes().as_slice())
            .fetch_optional(&self.readers)
            .await?;
        row.map(|row| {
            let current: &[u8] = row.try_get("hash")?;
            Ok(Authenticated {
                token: token_from(&row)?,
                role: parse_column(&row, "role")?,
                secret: if current == hash.as_bytes().as_slice() {
                    SecretMatch::Current
                } else {
                    SecretMatch::Previous
                },
                hash: *hash,
            })
        })
        .transpose()
    }

    async fn token_by_id(&self, id: TokenId) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(select_tokens!("WHERE t.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.readers)
            .await?;
        row.as_ref().map(token_from).transpose()
    }

    async fn tokens_of(
        &self,
        owner: &UserName,
        after: Option<TokenId>,
        limit: usize,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        // Ids start at 1. The index on (owner_key, id) serves both the condition and the order.
        let rows = sqlx::query(select_tokens!(
            "WHERE t.owner_key = $1 AND t.id > $2 ORDER BY t.id LIMIT $3"
        ))
        .bind(owner.key())
        .bind(after.map_or(0, |id| id.0))
        .bind(sql_limit(limit))
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(token_from).collect()
    }

    async fn revoke(&self, id: TokenId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // A revoked token keeps no replaced secret: once restored, its current one works only.
        let done = sqlx::query(
            "UPDATE tollgate_tokens SET revoked_at = $1, previous_hash = NULL, \
             previous_until = NULL WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(at.timestamp_micros())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            drop(tx);
            return Err(self.unchanged(id, StoreError::AlreadyRevoked).await);
        }
        revoke_descendants(&mut tx, id, at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn rotate(&self, id: TokenId, rotation: &Rotation) -> Result<TokenRecord, StoreError> {
        // One statement: every right-hand side reads the row as it was, so the secret being
        // replaced moves to `previous_hash`, and any secret replaced before it is dropped.
        let keep_previous = match rotation.previous_until {
            Some(_) => "previous_hash = hash",
            None => "previous_hash = NULL",
        };
        // The asking token must still have, as its current secret, the one it presented, and
        // not be revoked: a credential read before another rotation rotates nothing.
        let sql = format!(
            "UPDATE tollgate_tokens SET {keep_previous}, previous_until = $1, hash = $2, \
             hint = $3, rotated_at = $4 WHERE id = $5 AND revoked_at IS NULL \
             AND EXISTS (SELECT 1 FROM tollgate_tokens c \
                         WHERE c.id = $6 AND c.hash = $7 AND c.revoked_at IS NULL)"
        );
        let mut tx = self.pool.begin().await?;
        // The text is one of two fixed statements; every value is bound.
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(rotation.previous_until.map(|at| at.timestamp_micros()))
            .bind(rotation.hash.as_bytes().as_slice())
            .bind(rotation.hint.as_str())
            .bind(rotation.at.timestamp_micros())
            .bind(id.0)
            .bind(rotation.by.0.0)
            .bind(rotation.by.1.as_bytes().as_slice())
            .execute(&mut *tx)
            .await
            .map_err(|error| unique_violation_as(error, StoreError::DuplicateTokenName))?;
        if done.rows_affected() == 0 {
            drop(tx);
            return Err(match self.token_by_id(id).await? {
                None => StoreError::UnknownToken,
                Some(token) if token.revoked_at.is_some() => StoreError::AlreadyRevoked,
                Some(_) => StoreError::RotationNotAllowed,
            });
        }
        let row = sqlx::query(select_tokens!("WHERE t.id = $1"))
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
        let record = token_from(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    async fn restore(&self, id: TokenId) -> Result<(), StoreError> {
        let token = self
            .token_by_id(id)
            .await?
            .ok_or(StoreError::UnknownToken)?;
        if token.revoked_at.is_none() {
            return Err(StoreError::NotRevoked);
        }
        let mut tx = self.pool.begin().await?;
        if let Some(parent) = token.parent_id {
            // A no-op update: takes the parent's row lock, so a revocation of the parent
            // (which locks it first, then its descendants) cannot pass this restore unseen.
            let active = sqlx::query(
                "UPDATE tollgate_tokens SET revoked_at = revoked_at WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(parent.0)
            .execute(&mut *tx)
            .await?;
            if active.rows_affected() == 0 {
                return Err(StoreError::ParentNotActive);
            }
        }
        let done = sqlx::query(
            "UPDATE tollgate_tokens SET revoked_at = NULL WHERE id = $1 AND revoked_at IS NOT NULL",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            // Restored or deleted meanwhile.
            drop(tx);
            return Err(self.unchanged(id, StoreError::NotRevoked).await);
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_token(
        &self,
        id: TokenId,
        owner: &UserName,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM tollgate_tokens WHERE id = $1 AND owner_key = $2")
            .bind(id.0)
            .bind(owner.key())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        revoke_descendants(&mut tx, id, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn record_use(
        &self,
        id: TokenId,
        at: DateTime<Utc>,
        stale_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tollgate_tokens SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(at.timestamp_micros())
        .bind(id.0)
        .bind(stale_since.timestamp_micros())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn purge_unused_since(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM tollgate_tokens WHERE COALESCE(last_used_at, created_at) < $1",
        )
        .bind(cutoff.timestamp_micros())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn add_usage(&self, counts: &[DayCount]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for count in counts {
            sqlx::query(
                "INSERT INTO tollgate_token_usage (token_id, day, uses) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_id, day) DO UPDATE \
                 SET uses = tollgate_token_usage.uses + excluded.uses",
            )
            .bind(count.token.0)
            .bind(epoch_day(count.day))
            .bind(i64::try_from(count.uses).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        audit_sql::append(&self.pool, events).await
    }

    async fn audit_entries(
        &self,
        query: &AuditQuery,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        audit_sql::entries(&self.readers, query, limit).await
    }

    async fn delete_audit_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        audit_sql::delete_before(&self.pool, cutoff).await
    }

    async fn delete_usage_before(&self, day: NaiveDate) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM tollgate_token_usage WHERE day < $1")
            .bind(epoch_day(day))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn usage_since(
        &self,
        ids: &[TokenId],
        since: NaiveDate,
    ) -> Result<Vec<DayCount>, StoreError> {
        let mut found = Vec::new();
        // As many bound values a query as for names: well within every driver's limit.
        for chunk in ids.chunks(Self::USERS_PER_QUERY) {
            let placeholders = numbered_placeholders(2, chunk.len());
            let sql = format!(
                "SELECT token_id, day, uses FROM tollgate_token_usage \
                 WHERE day >= $1 AND token_id IN ({placeholders})"
            );
            // The text is numbered placeholders and nothing else; the values are bound.
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(epoch_day(since));
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&self.readers).await? {
                let uses: i64 = row.try_get("uses")?;
                found.push(DayCount {
                    token: TokenId(row.try_get("token_id")?),
                    day: day_from_epoch(row.try_get("day")?)?,
                    uses: u64::try_from(uses).map_err(|error| corrupt("uses", error))?,
                });
            }
        }
        Ok(found)
    }
}

/// A day as `tollgate_token_usage` stores it: days since 1970-01-01.
fn epoch_day(day: NaiveDate) -> i64 {
    day.signed_duration_since(DateTime::UNIX_EPOCH.date_naive())
        .num_days()
}

/// The day `days` after 1970-01-01.
fn day_from_epoch(days: i64) -> Result<NaiveDate, StoreError> {
    TimeDelta::try_days(days)
        .and_then(|days| DateTime::UNIX_EPOCH.date_naive().checked_add_signed(days))
        .ok_or_else(|| corrupt("day", format!("{days} is out of range")))
}

async fn insert_user(
    connection: &mut AnyConnection,
    user: &User,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tollgate_users (name_key, name, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user.name.key())
    .bind(user.name.as_str())
    .bind(user.role.as_str())
    .bind(at.timestamp_micros())
    .execute(connection)
    .await
    .map_err(|error| unique_violation_as(error, StoreError::DuplicateUser))?;
    Ok(())
}

/// Inserts `token` if its owner holds fewer than `token.max_live_tokens` live tokens. Runs
/// inside the caller's transaction, which the count and the insert share.
async fn insert_token(
    connection: &mut AnyConnection,
    token: &NewToken<'_>,
) -> Result<TokenRecord, StoreError> {
    let request = token.request;
    let limits = &request.limits;
    // Also keeps an empty origin list, which would read back as "any origin", out of the table.
    limits.validate()?;
    // A no-op update of the owner's row, so that the count below is still true when the insert
    // commits. On PostgreSQL it holds the row's lock until then: another insert for this owner
    // waits here, and counts after this one has committed. On SQLite it makes the transaction a
    // writer from its start, and writers run one at a time.
    let owner = sqlx::query(
        "UPDATE tollgate_users SET role = role WHERE name_key = $1 RETURNING name, role",
    )
    .bind(request.owner.key())
    .fetch_optional(&mut *connection)
    .await?;
    let owner = owner
        .as_ref()
        .map(user_from)
        .transpose()?
        .ok_or(StoreError::UnknownUser)?;
    if let Some(parent) = token.parent {
        // A no-op update of the parent's row, as in `restore`: the parent must still exist and
        // not be revoked when this insert commits. A revocation (or deletion) of the parent
        // either committed before, and this insert is refused, or waits for this one and then
        // finds the new token among the parent's descendants. Without it, a caller holding a
        // parent record read before its revocation (a cached one) could leave a token behind
        // that no revocation reaches.
        // The parent must also still have the secret it presented, in the role it had: a
        // credential read before a rotation (a cached one) makes nothing.
        let presented = match parent.secret {
            SecretMatch::Current => "hash",
            SecretMatch::Previous => "previous_hash",
        };
        let sql = format!(
            "UPDATE tollgate_tokens SET revoked_at = revoked_at \
             WHERE id = $1 AND revoked_at IS NULL AND {presented} = $2"
        );
        // The text is fixed but for one of two column names; every value is bound.
        let active = sqlx::query(AssertSqlSafe(sql))
            .bind(parent.token.id.0)
            .bind(parent.hash.as_bytes().as_slice())
            .execute(&mut *connection)
            .await?;
        if active.rows_affected() == 0 {
            return Err(StoreError::ParentNotActive);
        }
    }
    let live = sqlx::query(
        "SELECT COUNT(*) AS live FROM tollgate_tokens WHERE owner_key = $1 \
         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(owner.name.key())
    .bind(token.created_at.timestamp_micros())
    .fetch_one(&mut *connection)
    .await?;
    if live.try_get::<i64, _>("live")? >= i64::from(token.max_live_tokens) {
        return Err(StoreError::TooManyTokens {
            max: token.max_live_tokens,
        });
    }
    let row = sqlx::query(
        "INSERT INTO tollgate_tokens \
         (owner_key, name, name_key, kind, scope, hash, hint, created_at, expires_at, \
          allowed_origins, grants, parent_id, rate_limit, quota, ancestors, signing_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         RETURNING id",
    )
    .bind(owner.name.key())
    .bind(request.name.as_str())
    .bind(request.name.uniqueness_key())
    .bind(limits.kind.as_str())
    .bind(limits.scope.as_str())
    .bind(token.hash.as_bytes().as_slice())
    .bind(token.hint.as_str())
    .bind(token.created_at.timestamp_micros())
    .bind(limits.expires_at.map(|at| at.timestamp_micros()))
    .bind(origins_text(limits.allowed_origins.as_ref()))
    .bind(grants_text(limits.grants.as_ref()))
    .bind(token.parent.map(|parent| parent.token.id.0))
    .bind(limits.rate_limit.map(|rate| rate.to_string()))
    .bind(limits.quota.map(|quota| quota.to_string()))
    .bind(ancestors_text(&token.ancestors))
    .bind(limits.signing_key.map(|key| key.to_string()))
    .fetch_one(&mut *connection)
    .await
    .map_err(|error| match error {
        sqlx::Error::Database(ref db) if db.is_foreign_key_violation() => StoreError::UnknownUser,
        other => unique_violation_as(other, StoreError::DuplicateTokenName),
    })?;
    Ok(TokenRecord {
        id: TokenId(row.try_get("id")?),
        owner: owner.name,
        name: request.name.clone(),
        limits: limits.clone(),
        parent_id: token.parent.map(|parent| parent.token.id),
        ancestors: token.ancestors.clone(),
        hint: token.hint,
        created_at: token.created_at,
        last_used_at: None,
        revoked_at: None,
        rotated_at: None,
        previous_secret_until: None,
    })
}

impl SqlStorage {
    /// Why an update of token `id` changed no row: `unchanged` when the token exists,
    /// [`StoreError::UnknownToken`] when it does not (or the database's failure to say).
    async fn unchanged(&self, id: TokenId, unchanged: StoreError) -> StoreError {
        match self.token_by_id(id).await {
            Ok(Some(_)) => unchanged,
            Ok(None) => StoreError::UnknownToken,
            Err(error) => error,
        }
    }
}

/// Revokes at `at` every token descending from `ancestor` that is not revoked yet. `UNION`
/// (not `UNION ALL`) ends the walk even on a cycle, which only a corrupted table could hold.
async fn revoke_descendants(
    connection: &mut AnyConnection,
    ancestor: TokenId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "WITH RECURSIVE descendants (id) AS ( \
             SELECT id FROM tollgate_tokens WHERE parent_id = $1 \
             UNION SELECT t.id FROM tollgate_tokens t JOIN descendants d ON t.parent_id = d.id) \
         UPDATE tollgate_tokens SET revoked_at = $2, previous_hash = NULL, previous_until = NULL \
         WHERE revoked_at IS NULL AND id IN (SELECT id FROM descendants)",
    )
    .bind(ancestor.0)
    .bind(at.timestamp_micros())
    .execute(connection)
    .await?;
    Ok(())
}

/// `count` numbered placeholders from `$first` on, comma-separated, for an `IN (...)` list
/// whose values are bound: the only text of a query built at run time.
fn numbered_placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row count for `LIMIT`: SQL integers are signed.
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn unique_violation_as(error: sqlx::Error, duplicate: StoreError) -> StoreError {
    match error {
        sqlx::Error::Database(ref db) if db.is_unique_violation() => duplicate,
        other => other.into(),
    }
}

fn user_from(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        name: parse_column(row, "name")?,
        role: parse_column(row, "role")?,
    })
}

fn token_from(row: &AnyRow) -> Result<TokenRecord, StoreError> {
    let origins: &str = row.try_get("allowed_origins")?;
    let grants: Option<&str> = row.try_get("grants")?;
    let limits = Limits {
        kind: parse_column(row, "kind")?,
        scope: parse_column(row, "scope")?,
        expires_at: optional_time(row, "expires_at")?,
        allowed_origins: origins_from(origins)
            .map_err(|error| corrupt("allowed_origins", error))?,
        grants: grants_from(grants).map_err(|error| corrupt("grants", error))?,
        rate_limit: optional_column(row, "rate_limit")?,
        quota: optional_column(row, "quota")?,
        signing_key: optional_column(row, "signing_key")?,
    };
    let ancestors: &str = row.try_get("ancestors")?;
    Ok(TokenRecord {
        id: TokenId(row.try_get("id")?),
        owner: parse_column(row, "owner")?,
        name: TokenName::new(row.try_get("name")?).map_err(|error| corrupt("name", error))?,
        limits,
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(TokenId),
        ancestors: ancestors_from(ancestors).map_err(|error| corrupt("ancestors", error))?,
        hint: parse_column(row, "hint")?,
        created_at: time(row.try_get("created_at")?)?,
        last_used_at: optional_time(row, "last_used_at")?,
        revoked_at: optional_time(row, "revoked_at")?,
        rotated_at: optional_time(row, "rotated_at")?,
        previous_secret_until: optional_time(row, "previous_until")?,
    })
}

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    row.try_get::<Option<i64>, _>(column)?.map(time).transpose()
}

/// A text column parsed into a validated type.
fn parse_column<T>(row: &AnyRow, column: &str) -> Result<T, StoreError>
where
    T: core::str::FromStr,
    T::Err: core::fmt::Display,
{
    let text: &str = row.try_get(column)?;
    text.parse().map_err(|error| corrupt(column, error))
}

/// A nullable text column parsed into a validated type.
fn optional_column<T>(row: &AnyRow, column: &str) -> Result<Option<T>, StoreError>
where
    T: core::str::FromStr,
    T::Err: core::fmt::Display,
{
    let text: Option<&str> = row.try_get(column)?;
    text.map(|text| text.parse().map_err(|error| corrupt(column, error)))
        .transpose()
}

pub(crate) fn corrupt(column: &str, error: impl core::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {column}: {error}"))
}

pub(crate) fn time(micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| corrupt("time", format!("{micros} is out of range")))
}
