//! Fresh, empty databases: a SQLite file path, or a new database on the PostgreSQL server
//! named by `TOLLGATE_TEST_POSTGRES_URL`.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyConnection, AssertSqlSafe, Connection};

/// A name no other test (or test run) uses.
pub fn unique_name(kind: &str) -> String {
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

/// The URL of a SQLite file in the temporary directory that does not exist yet.
pub fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("test")));
    format!("sqlite://{}", path.display())
}

/// The URL of a freshly created, empty PostgreSQL database on the server named by
/// `TOLLGATE_TEST_POSTGRES_URL`. Fails the test when the variable is not set: the tests that
/// call this are `#[ignore]`d, so only a run that asked for them (`-- --include-ignored`) gets
/// here, and it must not pass without PostgreSQL.
pub async fn postgres_database_url() -> String {
    let Ok(admin_url) = std::env::var("TOLLGATE_TEST_POSTGRES_URL") else {
        panic!(
            "this test needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL to a server whose user \
             may create databases, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        );
    };
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
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}
