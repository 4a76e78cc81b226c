//! Starting and stopping the example server for one test, on a fresh database. The requests
//! every test module sends are in `requests.rs`; what they assert about the answers, in
//! `reply.rs`.

pub(crate) mod binary;
pub(crate) mod cluster;
pub(crate) mod raw;
mod reply;
mod requests;

use std::time::Duration;

use tollgate::scope::{Role, Scope};

pub(crate) use self::reply::{Reply, keys, send, text, try_send};
use crate::api;
pub(crate) use tollgate_test_support::{postgres_database_url, sqlite_url, unique_name};

/// A well-formed token (prefix, body and checksum) that the server never issued.
pub(crate) const UNKNOWN_TOKEN: &str = "tgsk_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg48XjfY";

/// The two kinds of record with a writer list.
pub(crate) const KINDS: [&str; 2] = ["subjects", "aspects"];

/// No request may take longer than this; a hung server fails the test instead of the run.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// Where a test server keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// A running server on a fresh database, with a full-scope token for user `admin` (role admin).
#[derive(Debug)]
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) admin_token: String,
    pub(crate) client: reqwest::Client,
    pub(crate) database_url: String,
    server: api::Server,
}

impl TestServer {
    /// Starts the server with `vars` as its environment (`TOLLGATE_ADDR` and `DATABASE_URL` are
    /// filled in). On PostgreSQL, fails when no server is configured.
    pub(crate) async fn start(backend: Backend, vars: &[(&str, &str)]) -> Self {
        let database_url = match backend {
            Backend::Sqlite => sqlite_url(),
            Backend::Postgres => postgres_database_url().await,
        };
        Self::start_on(&database_url, vars).await
    }

    /// Starts the server on an existing database (for tests that restart it), with a new
    /// bootstrap token for `admin`.
    pub(crate) async fn start_on(database_url: &str, vars: &[(&str, &str)]) -> Self {
        let admin_token = mint(database_url, "admin", Role::Admin, Scope::Full).await;
        let settings = settings(database_url, vars).expect("valid settings");
        let server = api::start(settings).await.expect("server starts");
        Self {
            base: format!("http://{}", server.addr),
            admin_token,
            client: reqwest::Client::builder()
                .timeout(REQUEST_DEADLINE)
                .build()
                .unwrap(),
            database_url: database_url.to_owned(),
            server,
        }
    }

    /// The absolute URL of `path` on this server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server, flushing pending last uses.
    pub(crate) async fn stop(self) {
        self.server.stop().await.expect("clean shutdown");
    }
}

/// Starts a server on `backend` with `vars`, runs `case` against it, and stops it.
pub(crate) async fn run(
    backend: Backend,
    vars: &[(&str, &str)],
    case: impl AsyncFnOnce(&TestServer),
) {
    let server = TestServer::start(backend, vars).await;
    case(&server).await;
    server.stop().await;
}

/// A token of `scope` for `user` on the database at `database_url`, created as `mint` does.
async fn mint(database_url: &str, user: &str, role: Role, scope: Scope) -> String {
    api::mint_bootstrap(database_url, user, role, &unique_name("minted"), scope)
        .await
        .expect("minted token")
}

/// The server's settings from `vars`, on `database_url`, on a free loopback port.
pub(crate) fn settings(
    database_url: &str,
    vars: &[(&str, &str)],
) -> Result<api::Settings, Vec<String>> {
    api::Settings::from_vars(|name| match name {
        "TOLLGATE_ADDR" => Some("127.0.0.1:0".to_owned()),
        "DATABASE_URL" => Some(database_url.to_owned()),
        _ => vars
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned()),
    })
}
