//! The example server: configuration, storage, routes and handlers.
//!
//! `main.rs` runs it; the integration tests in `tests/` mount this module too and start the
//! server in-process.

pub(crate) mod access;
pub(crate) mod app;
pub(crate) mod audit;
pub(crate) mod body;
pub(crate) mod config;
pub(crate) mod connections;
pub(crate) mod handlers;
pub(crate) mod logs;
pub(crate) mod paging;
pub(crate) mod path;
pub(crate) mod records;
pub(crate) mod refusal;
pub(crate) mod request_log;
pub(crate) mod request_timeout;

pub(crate) use app::{mint_bootstrap, start};
pub(crate) use config::Settings;
