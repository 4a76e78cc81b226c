//! Fresh, empty storage for each test, one function per backend.

use tollgate_store::{MemoryStorage, SqlStorage};

use tollgate_test_support::{postgres_database_url, sqlite_url};

pub(crate) async fn memory() -> MemoryStorage {
    MemoryStorage::new()
}

pub(crate) async fn sqlite() -> SqlStorage {
    SqlStorage::open(&sqlite_url()).await.unwrap()
}

/// A fresh database on the server named by `TOLLGATE_TEST_POSTGRES_URL`; fails without it.
pub(crate) async fn postgres() -> SqlStorage {
    SqlStorage::open(&postgres_database_url().await)
        .await
        .unwrap()
}
