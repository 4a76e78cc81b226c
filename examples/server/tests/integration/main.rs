//! End-to-end tests: the example server started in-process on 127.0.0.1 port 0 and driven over
//! HTTP, one module per area of `docs/server-api.md`. Every suite written with
//! [`on_every_backend!`] runs on SQLite and on PostgreSQL; each test has its own server and
//! database.
//!
//! A test that needs what a fresh machine lacks is `#[ignore]`d with the reason: PostgreSQL
//! (`TOLLGATE_TEST_POSTGRES_URL`, or the server binaries for `faults.rs`) or Chromium
//! (`browser.rs`; `token_page.rs` with chromedriver too). `cargo test -- --include-ignored`
//! runs them, and each fails, saying what it lacks, rather than passing without it; `.ci/run`
//! provides them all.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tollgate_example_server as api;

/// Runs each `async fn case(&TestServer)` of the calling module once per backend, as the tests
/// `sqlite::case` and `postgres::case`, on a fresh server started with the settings in the
/// module's constant named after `with` (none by default), and stops the server afterwards.
macro_rules! on_every_backend {
    (@vars) => { &[] };
    (@vars $vars:ident) => { super::$vars };
    ($($case:ident $(with $vars:ident)?),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let vars: &[(&str, &str)] = on_every_backend!(@vars $($vars)?);
                    crate::support::run(crate::support::Backend::Sqlite, vars, super::$case).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
                async fn $case() {
                    let vars: &[(&str, &str)] = on_every_backend!(@vars $($vars)?);
                    crate::support::run(crate::support::Backend::Postgres, vars, super::$case).await;
                }
            )*
        }
    };
}

mod anonymous;
mod audit;
mod authentication;
mod browser;
mod caps;
mod contention;
mod cors;
mod faults;
mod grants;
mod instances;
mod limits;
mod logs;
mod malformed;
mod metering;
mod narrowing;
mod origins;
mod page;
mod paging;
mod paths;
mod publishable;
mod records;
mod review_findings;
mod rotation;
mod sample_races;
mod samples;
mod scopes;
mod secret_scanning;
mod settings;
mod shutdown;
mod signing;
mod soak;
mod startup;
mod support;
mod throttle;
mod timeouts;
mod token_page;
mod tokens;
mod users;
mod writers;
