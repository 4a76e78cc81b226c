//! Fresh, empty storage for each test, one function per backend.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyConnection, AssertSqlSafe, Connection};
use tollgate_store::{MemoryStorage, SqlStorage};

pub(crate) async fn memory() -> Option<MemoryStorage> {
    Some(MemoryStorage::new())
}

/// A path no other test (or test run) uses.
pub(crate) fn unique_name(kind: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "tollgate_{kind}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn sqlite_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}.db", unique_name("test")))
}

pub(crate) async fn sqlite() -> Option<SqlStorage> {
    let url = format!("sqlite://{}", sqlite_path().display());
    Some(SqlStorage::open(&url).await.unwrap())
}

/// A fresh database on the server named by `TOLLGATE_TEST_POSTGRES_URL`.
pub(crate) async fn postgres() -> Option<SqlStorage> {
    let url = postgres_database_url().await?;
    Some(SqlStorage::open(&url).await.unwrap())
}

/// The URL of a freshly created, empty PostgreSQL database, when a server is configured.
pub(crate) async fn postgres_database_url() -> Option<String> {
    let admin_url = std::env::var("TOLLGATE_TEST_POSTGRES_URL").ok()?;
    sqlx::any::install_default_drivers();
    let name = unique_name("db");
    let mut admin = AnyConnection::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url.as_str(), None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    Some(match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    })
}
