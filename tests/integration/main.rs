//! End-to-end tests: the example server started in-process on 127.0.0.1 port 0 and driven over
//! HTTP. Every module runs on SQLite; the suites written with [`support::Backend`] also run on
//! PostgreSQL when `TOLLGATE_TEST_POSTGRES_URL` names a server (`.ci/run` always sets it).

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The server's own code, mounted exactly as `examples/server/main.rs` mounts it. Some of its
// items are used only by `main.rs`.
#[allow(dead_code)]
#[path = "../../examples/server/api/mod.rs"]
mod api;

/// Runs each `async fn case(Backend)` of the calling module once per backend, as the tests
/// `sqlite::case` and `postgres::case`.
macro_rules! on_every_backend {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(crate::support::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(crate::support::Backend::Postgres).await;
                }
            )*
        }
    };
}

mod authentication;
mod browser;
mod support;
