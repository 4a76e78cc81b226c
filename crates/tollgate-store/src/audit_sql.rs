//! The audit log on the SQL backends: the `tollgate_audit` table (schema migration 8).

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::audit::token_target;
use crate::sql::{corrupt, sql_limit, time};
use crate::{AuditEntry, AuditEvent, AuditQuery, StoreError, TokenId};

/// Appends `events` in one transaction, in order.
pub(crate) async fn append(pool: &AnyPool, events: &[AuditEvent]) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for event in events {
        sqlx::query(
            "INSERT INTO tollgate_audit \
             (at, actor_user, actor_key, actor_token, action, target, outcome, count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.at.timestamp_micros())
        .bind(
            event
                .actor_user
                .as_ref()
                .map(|user| user.as_str().to_owned()),
        )
        .bind(event.actor_user.as_ref().map(crate::UserName::key))
        .bind(event.actor_token.map(|id| id.0))
        .bind(event.action.as_str())
        .bind(event.target.as_str())
        .bind(event.outcome.as_str())
        .bind(i64::try_from(event.count).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// At most `limit` entries that `query` admits, newest first.
pub(crate) async fn entries(
    pool: &AnyPool,
    query: &AuditQuery,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    // Each condition given adds a clause with the next placeholder; values are bound below in
    // the same order.
    let mut clauses: Vec<String> = Vec::new();
    let mut next = 1;
    let mut placeholder = || {
        let text = format!("${next}");
        next += 1;
        text
    };
    if query.actor_user.is_some() {
        clauses.push(format!("actor_key = {}", placeholder()));
    }
    if query.token.is_some() {
        let (by, on) = (placeholder(), placeholder());
        clauses.push(format!("(actor_token = {by} OR target = {on})"));
    }
    for (given, clause) in [
        (query.action.is_some(), "action ="),
        (query.since.is_some(), "at >="),
        (query.until.is_some(), "at <"),
        (query.before_id.is_some(), "id <"),
    ] {
        if given {
            clauses.push(format!("{clause} {}", placeholder()));
        }
    }
    let condition = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {} ", clauses.join(" AND "))
    };
    let sql = format!(
        "SELECT id, at, actor_user, actor_token, action, target, outcome, count \
         FROM tollgate_audit {condition}ORDER BY id DESC LIMIT {}",
        placeholder()
    );
    // The text is fixed clauses and numbered placeholders; the values are bound.
    let mut select = sqlx::query(AssertSqlSafe(sql));
    if let Some(user) = &query.actor_user {
        select = select.bind(user.key());
    }
    if let Some(token) = query.token {
        select = select.bind(token.0).bind(token_target(token));
    }
    if let Some(action) = query.action {
        select = select.bind(action.as_str());
    }
    for at in [query.since, query.until].into_iter().flatten() {
        select = select.bind(at.timestamp_micros());
    }
    if let Some(before) = query.before_id {
        select = select.bind(before);
    }
    let rows = select.bind(sql_limit(limit)).fetch_all(pool).await?;
    rows.iter().map(entry_from).collect()
}

/// Deletes the entries before `cutoff`; how many.
pub(crate) async fn delete_before(
    pool: &AnyPool,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM tollgate_audit WHERE at < $1")
        .bind(cutoff.timestamp_micros())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

fn entry_from(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let actor_user: Option<&str> = row.try_get("actor_user")?;
    let action: &str = row.try_get("action")?;
    let count: i64 = row.try_get("count")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        event: AuditEvent {
            at: time(row.try_get("at")?)?,
            actor_user: actor_user
                .map(crate::UserName::new)
                .transpose()
                .map_err(|error| corrupt("actor_user", error))?,
            actor_token: row.try_get::<Option<i64>, _>("actor_token")?.map(TokenId),
            action: action.parse().map_err(|error| corrupt("action", error))?,
            target: row.try_get::<&str, _>("target")?.to_owned(),
            outcome: row.try_get::<&str, _>("outcome")?.to_owned(),
            count: u64::try_from(count).map_err(|error| corrupt("count", error))?,
        },
    })
}
