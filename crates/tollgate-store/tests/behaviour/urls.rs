//! Which URLs `SqlStorage` opens in a build with one SQL backend or both: a scheme it never
//! knows, and one whose backend this build leaves out, are refused before any connection.

use tollgate_store::{SqlStorage, StoreError};

#[tokio::test]
async fn unsupported_url_is_refused_without_repeating_its_password() {
    let result = SqlStorage::open("mysql://app:hunter2@localhost/x").await;
    let Err(error @ StoreError::UnsupportedUrl(_)) = result else {
        panic!("{result:?}");
    };
    assert_eq!(
        error.to_string(),
        r#"unsupported database URL scheme "mysql": use sqlite://PATH or postgres://..."#
    );
}

/// Built without `postgres`: a PostgreSQL URL is refused as a backend left out, naming the
/// feature, and no connection is tried (port 1 would be refused, and read as unavailable).
#[cfg(not(feature = "postgres"))]
#[tokio::test]
async fn a_postgres_url_without_the_postgres_feature_is_refused() {
    for url in [
        "postgres://tollgate@127.0.0.1:1/tollgate",
        "postgresql://tollgate@127.0.0.1:1/tollgate",
    ] {
        let result = SqlStorage::open(url).await;
        let Err(error @ StoreError::BackendNotBuilt("postgres")) = result else {
            panic!("{result:?}");
        };
        assert_eq!(
            error.to_string(),
            "this build has no postgres backend: enable tollgate-store's `postgres` feature"
        );
    }
}

/// Built without `sqlite`: a SQLite URL is refused as a backend left out, and no file is
/// created.
#[cfg(not(feature = "sqlite"))]
#[tokio::test]
async fn a_sqlite_url_without_the_sqlite_feature_is_refused() {
    let url = tollgate_test_support::sqlite_url();
    let result = SqlStorage::open(&url).await;
    let Err(error @ StoreError::BackendNotBuilt("sqlite")) = result else {
        panic!("{result:?}");
    };
    assert_eq!(
        error.to_string(),
        "this build has no sqlite backend: enable tollgate-store's `sqlite` feature"
    );
    let path = url.trim_start_matches("sqlite://");
    assert!(!std::path::Path::new(path).exists(), "{path} was created");
}

/// An in-memory SQLite database would be a different, empty one on each of the store's
/// connections: refused before any connection, with an error that says so.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn an_in_memory_sqlite_url_is_refused() {
    for url in [
        "sqlite::memory:",
        "sqlite://:memory:",
        "sqlite::memory:?cache=shared",
        "sqlite://x.db?mode=memory",
    ] {
        let result = SqlStorage::open(url).await;
        let Err(error @ StoreError::InMemorySqlite) = result else {
            panic!("{url}: {result:?}");
        };
        assert_eq!(
            error.to_string(),
            "in-memory SQLite databases are not supported: use sqlite://PATH"
        );
    }
}
