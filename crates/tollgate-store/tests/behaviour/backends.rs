//! Fresh, empty storage for each test, one function per backend.

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use tollgate_store::SqlStorage;
use tollgate_store::{CachedStorage, MemoryStorage};

pub(crate) async fn memory() -> MemoryStorage {
    MemoryStorage::new()
}

/// Memory storage behind the token cache: every case must hold through it too.
pub(crate) async fn cached() -> CachedStorage<MemoryStorage> {
    CachedStorage::new(MemoryStorage::new())
}

#[cfg(feature = "sqlite")]
pub(crate) async fn sqlite() -> SqlStorage {
    SqlStorage::open(&tollgate_test_support::sqlite_url())
        .await
        .unwrap()
}

/// A fresh database on the server named by `TOLLGATE_TEST_POSTGRES_URL`; fails without it.
#[cfg(feature = "postgres")]
pub(crate) async fn postgres() -> SqlStorage {
    SqlStorage::open(&tollgate_test_support::postgres_database_url().await)
        .await
        .unwrap()
}

/// A fresh PostgreSQL database behind the token cache, listening for changes: every case must
/// hold through it too.
#[cfg(feature = "postgres")]
pub(crate) async fn cached_postgres() -> CachedStorage<SqlStorage> {
    CachedStorage::new(postgres().await)
        .listen_for_changes()
        .await
        .unwrap()
}
