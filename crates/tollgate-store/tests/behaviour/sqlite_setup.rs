//! How `SqlStorage` sets up a SQLite file: write-ahead logging, one writer connection for every
//! write and transaction, and read-only connections for plain reads that proceed while a write
//! is under way.

use std::time::Duration;

use chrono::Utc;
use sqlx::{AnyConnection, Connection, Row};
use tokio::task::JoinSet;
use tollgate_scope::{Limits, Role, Scope};
use tollgate_store::{SqlOptions, SqlStorage, Storage, TokenRequest, TokenService, UserName};
use tollgate_test_support::sqlite_url;
use tollgate_token::{TokenFormat, TokenName};

async fn service_with(url: &str, options: SqlOptions) -> TokenService<SqlStorage> {
    let storage = SqlStorage::open_with(url, options).await.unwrap();
    let service = TokenService::new(storage, TokenFormat::new("tg").unwrap());
    service
        .create_user(alice(), Role::Admin, Utc::now())
        .await
        .unwrap();
    service
}

fn alice() -> UserName {
    UserName::new("alice").unwrap()
}

fn request(name: &str) -> TokenRequest {
    TokenRequest::new(
        alice(),
        TokenName::new(name).unwrap(),
        Limits::new(Scope::Full),
    )
}

async fn pragma(connection: &mut AnyConnection, name: &str) -> String {
    let sql = format!("PRAGMA {name}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    // journal_mode answers text, synchronous an integer.
    row.try_get::<String, _>(0)
        .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
        .unwrap()
}

/// The file is in WAL mode (which persists: a connection of another process sees it too), and
/// the store's connections, writer and readers, commit with `synchronous = NORMAL` (1).
#[tokio::test]
async fn a_sqlite_file_is_opened_in_wal_mode_with_synchronous_normal() {
    let url = sqlite_url();
    let service = service_with(&url, SqlOptions::default()).await;
    let storage = service.storage();
    for pool in [storage.pool(), storage.read_pool()] {
        let mut connection = pool.acquire().await.unwrap();
        assert_eq!(pragma(&mut connection, "journal_mode").await, "wal");
        assert_eq!(pragma(&mut connection, "synchronous").await, "1");
    }
    let mut other = AnyConnection::connect(&url).await.unwrap();
    assert_eq!(pragma(&mut other, "journal_mode").await, "wal");
    other.close().await.unwrap();
}

/// A write sent to the read pool by mistake fails, and changes nothing; the same write on the
/// writer pool succeeds.
#[tokio::test]
async fn a_reader_connection_refuses_writes() {
    let service = service_with(&sqlite_url(), SqlOptions::default()).await;
    let storage = service.storage();
    let delete = "DELETE FROM tollgate_users";
    let refused = sqlx::query(delete).execute(storage.read_pool()).await;
    let Err(sqlx::Error::Database(error)) = refused else {
        panic!("{refused:?}");
    };
    assert!(error.message().contains("readonly"), "{error}");
    assert!(service.user(&alice()).await.unwrap().is_some());
    sqlx::query(delete).execute(storage.pool()).await.unwrap();
    assert!(service.user(&alice()).await.unwrap().is_none());
}

/// A SQLite store has one writer connection whatever the options ask, so writers of this
/// process never poll for SQLite's lock, and `max_connections` readers.
#[tokio::test]
async fn a_sqlite_store_has_one_writer_and_max_connections_readers() {
    let options = SqlOptions::default();
    assert!(options.max_connections > 1);
    let storage = SqlStorage::open_with(&sqlite_url(), options).await.unwrap();
    assert_eq!(storage.pool().options().get_max_connections(), 1);
    assert_eq!(
        storage.read_pool().options().get_max_connections(),
        options.max_connections
    );
}

/// Many tasks creating and revoking tokens at once: each write waits its turn on the writer and
/// none is refused as unavailable (several writer connections would poll SQLite's lock with a
/// growing back-off, and could miss their turn until the timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_succeed() {
    const TASKS: usize = 64;
    let service = std::sync::Arc::new(service_with(&sqlite_url(), SqlOptions::default()).await);
    let mut tasks = JoinSet::new();
    for n in 0..TASKS {
        let service = std::sync::Arc::clone(&service);
        tasks.spawn(async move {
            let created = service
                .create_token(&request(&format!("t{n}")), Utc::now())
                .await?;
            service.revoke(created.record.id, Utc::now()).await?;
            service.token(created.record.id).await
        });
    }
    for outcome in tasks.join_all().await {
        let token = outcome.unwrap().unwrap();
        assert!(token.revoked_at.is_some(), "{token:?}");
    }
    let tokens = service
        .storage()
        .tokens_of(&alice(), None, 1000)
        .await
        .unwrap();
    assert_eq!(tokens.len(), TASKS);
}

/// While the writer holds an open write transaction, reads are answered from the last commit
/// (with one connection for everything they would wait for it until the acquire timeout).
#[tokio::test]
async fn reads_proceed_while_a_write_transaction_is_open() {
    let options = SqlOptions::default().acquire_timeout(Duration::from_millis(200));
    let service = service_with(&sqlite_url(), options).await;
    let created = service
        .create_token(&request("ci"), Utc::now())
        .await
        .unwrap();
    let mut tx = service.storage().pool().begin().await.unwrap();
    sqlx::query("UPDATE tollgate_users SET role = 'reader'")
        .execute(&mut *tx)
        .await
        .unwrap();

    let user = service.user(&alice()).await.unwrap().unwrap();
    assert_eq!(user.role, Role::Admin);
    let token = service.token(created.record.id).await.unwrap().unwrap();
    assert_eq!(token.name, TokenName::new("ci").unwrap());

    tx.commit().await.unwrap();
    let user = service.user(&alice()).await.unwrap().unwrap();
    assert_eq!(user.role, Role::Reader);
}
