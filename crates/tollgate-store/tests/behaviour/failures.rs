//! What happens when the database is down, holds bad rows, or is reopened (with the `sqlite`
//! feature: most cases use a SQLite file; the PostgreSQL ones also need `postgres`).

use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::{AnyConnection, Connection};
use tollgate_scope::Role;
use tollgate_store::{AuthError, SqlOptions, SqlStorage, StoreError, TokenService, UserName};
use tollgate_token::{TokenFormat, TokenName};

#[cfg(feature = "postgres")]
use tollgate_test_support::postgres_database_url;
use tollgate_test_support::sqlite_url;

fn service(storage: SqlStorage) -> TokenService<SqlStorage> {
    TokenService::new(storage, TokenFormat::new("tg").unwrap())
}

async fn seeded(url: &str) -> (TokenService<SqlStorage>, String) {
    let service = service(SqlStorage::open(url).await.unwrap());
    let alice = UserName::new("alice").unwrap();
    service
        .create_user(alice.clone(), Role::Admin, Utc::now())
        .await
        .unwrap();
    let created = service
        .create_token(
            &tollgate_store::TokenRequest::new(
                alice,
                TokenName::new("ci").unwrap(),
                tollgate_scope::Limits::new(tollgate_scope::Scope::Full),
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    (service, created.secret.expose_secret().to_owned())
}

async fn assert_down_is_unavailable(url: &str) {
    let (service, token) = seeded(url).await;
    service.storage().close().await;
    let started = Instant::now();
    let result = service.authenticate(&token, Utc::now()).await;
    assert!(
        matches!(result, Err(AuthError::Store(StoreError::Unavailable(_)))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn sqlite_down_is_unavailable() {
    assert_down_is_unavailable(&sqlite_url()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn postgres_down_is_unavailable() {
    assert_down_is_unavailable(&postgres_database_url().await).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn closed_port_is_unavailable_within_the_acquire_timeout() {
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    let options = SqlOptions::default().acquire_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let result = SqlStorage::open_with("postgres://tollgate@127.0.0.1:1/tollgate", options).await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malformed_stored_row_is_corrupt_not_a_panic() {
    let url = sqlite_url();
    let (service, token) = seeded(&url).await;
    let mut raw = AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE tollgate_tokens SET scope = 'superuser'")
        .execute(&mut raw)
        .await
        .unwrap();
    let result = service.authenticate(&token, Utc::now()).await;
    assert!(
        matches!(result, Err(AuthError::Store(StoreError::Corrupt(_)))),
        "{result:?}"
    );

    sqlx::query("UPDATE tollgate_tokens SET scope = 'full', created_at = 9223372036854775807")
        .execute(&mut raw)
        .await
        .unwrap();
    let result = service.authenticate(&token, Utc::now()).await;
    assert!(
        matches!(result, Err(AuthError::Store(StoreError::Corrupt(_)))),
        "{result:?}"
    );
}

#[tokio::test]
async fn reopening_keeps_data_and_does_not_migrate_twice() {
    let url = sqlite_url();
    let (service, token) = seeded(&url).await;
    service.storage().close().await;
    let reopened = service_reopen(&url).await;
    assert!(reopened.authenticate(&token, Utc::now()).await.is_ok());
    let mut raw = AnyConnection::connect(&url).await.unwrap();
    let versions: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM tollgate_schema")
            .fetch_one(&mut raw)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(versions, 9);
}

#[tokio::test]
async fn newer_schema_is_refused() {
    let url = sqlite_url();
    let (service, _) = seeded(&url).await;
    service.storage().close().await;
    let mut raw = AnyConnection::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO tollgate_schema (version, applied_at) VALUES (99, 0)")
        .execute(&mut raw)
        .await
        .unwrap();
    let result = SqlStorage::open(&url).await;
    assert!(
        matches!(
            result,
            Err(StoreError::SchemaTooNew {
                found: 99,
                supported: 9
            })
        ),
        "{result:?}"
    );
}

/// A negative schema version was written by no version of this crate: opening refuses the
/// database as corrupt instead of reading the version as 0 and migrating over it.
#[tokio::test]
async fn negative_schema_version_is_corrupt() {
    let url = sqlite_url();
    sqlx::any::install_default_drivers();
    let mut raw = AnyConnection::connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE tollgate_schema (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);
         INSERT INTO tollgate_schema (version, applied_at) VALUES (-1, 0);",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    raw.close().await.unwrap();
    let result = SqlStorage::open(&url).await;
    assert!(
        matches!(&result, Err(StoreError::Corrupt(message)) if message.contains("-1")),
        "{result:?}"
    );
}

async fn service_reopen(url: &str) -> TokenService<SqlStorage> {
    service(SqlStorage::open(url).await.unwrap())
}

/// An interval too large to subtract from the clock is configuration, not a reason to panic:
/// the first use is written, later ones are never stale.
#[tokio::test]
async fn huge_last_use_interval_does_not_panic() {
    let (service, token) = seeded(&sqlite_url()).await;
    let service = service.with_last_use_interval(chrono::TimeDelta::MAX);
    for _ in 0..2 {
        service.authenticate(&token, Utc::now()).await.unwrap();
    }
    assert_eq!(service.last_use_writes(), 1);
}

/// Another writer holds the SQLite database's write lock: reads go on, the last-use write
/// cannot. Authentication succeeds anyway, and the next flush writes the use.
#[tokio::test]
async fn a_busy_last_use_write_does_not_fail_authentication() {
    let url = sqlite_url();
    let (seeded, token) = seeded(&url).await;
    seeded.storage().close().await;
    let options = SqlOptions::default().acquire_timeout(Duration::from_millis(100));
    let service = service(SqlStorage::open_with(&url, options).await.unwrap());
    let mut writer = AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .await
        .unwrap();

    let used_at = Utc::now();
    let found = service.authenticate(&token, used_at).await.unwrap();
    assert_eq!(found.token.last_used_at, Some(used_at));
    assert_eq!(service.last_use_writes(), 0);

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut writer)
        .await
        .unwrap();
    assert_eq!(service.flush_last_use().await.unwrap(), 1);
    let stored = service.token(found.token.id).await.unwrap().unwrap();
    assert_eq!(
        stored.last_used_at.map(|at| at.timestamp_micros()),
        Some(used_at.timestamp_micros())
    );
}
