//! Fresh, empty storage for each test, one function per backend.

use tollgate_store::{MemoryStorage, SqlStorage};

use crate::fresh_database::{postgres_database_url, sqlite_url};

pub(crate) async fn memory() -> Option<MemoryStorage> {
    Some(MemoryStorage::new())
}

pub(crate) async fn sqlite() -> Option<SqlStorage> {
    Some(SqlStorage::open(&sqlite_url()).await.unwrap())
}

/// A fresh database on the server named by `TOLLGATE_TEST_POSTGRES_URL`.
pub(crate) async fn postgres() -> Option<SqlStorage> {
    let url = postgres_database_url().await?;
    Some(SqlStorage::open(&url).await.unwrap())
}
