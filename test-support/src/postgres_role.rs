//! A PostgreSQL login role of its own for one process under test, so that a test can cut that
//! process's connections off, and keep them off, while every other process carries on.

use sqlx::{AnyConnection, AssertSqlSafe, Connection};

use crate::unique_name;

/// A superuser role (superuser, so that it may use whatever the test's databases hold) on the
/// server named by `TOLLGATE_TEST_POSTGRES_URL`, and a URL of one database that logs in as it.
#[derive(Debug)]
pub struct PostgresRole {
    name: String,
    url: String,
}

impl PostgresRole {
    /// A new role, and `database_url` (a URL given by
    /// [`postgres_database_url`](crate::postgres_database_url)) logging in as it.
    pub async fn new(database_url: &str) -> Self {
        let name = unique_name("role");
        run(&format!("CREATE ROLE {name} LOGIN SUPERUSER")).await;
        let (scheme, rest) = database_url.split_once("://").unwrap();
        let server = rest.split_once('@').map_or(rest, |(_, server)| server);
        let url = format!("{scheme}://{name}@{server}");
        Self { name, url }
    }

    /// The database's URL, logging in as this role (with no password: the test server trusts
    /// loopback connections).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Lets this role make new connections, or not. Connections it holds stay open.
    pub async fn allow_login(&self, allowed: bool) {
        let login = if allowed { "LOGIN" } else { "NOLOGIN" };
        run(&format!("ALTER ROLE {} {login}", self.name)).await;
    }

    /// How many of this role's connections listen for notifications (their last statement was
    /// a `LISTEN`).
    pub async fn listeners(&self) -> usize {
        self.on_listeners("SELECT pid::TEXT").await
    }

    /// Closes this role's listening connections, as a crash of the connection would; returns
    /// how many there were.
    pub async fn cut_listeners(&self) -> usize {
        self.on_listeners("SELECT pg_terminate_backend(pid)::TEXT")
            .await
    }

    async fn on_listeners(&self, select: &str) -> usize {
        let sql =
            format!("{select} FROM pg_stat_activity WHERE usename = $1 AND query LIKE 'LISTEN%'");
        let mut admin = admin().await;
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(&self.name)
            .fetch_all(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        rows.len()
    }
}

async fn admin() -> AnyConnection {
    let url = std::env::var("TOLLGATE_TEST_POSTGRES_URL").unwrap();
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&url).await.unwrap()
}

/// Runs `sql` as the server's administrator.
async fn run(sql: &str) {
    let mut admin = admin().await;
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
}
