//! The example API server: subjects, aspects and samples behind every tollgate crate.
//!
//! `main.rs` runs it; the integration tests in `tests/` start it in-process through the items
//! exported here.

mod access;
mod app;
mod audit;
mod body;
mod client_errors;
mod config;
mod connections;
mod handlers;
mod logs;
mod page;
mod paging;
mod path;
mod record_rules;
mod records;
mod refusal_tally;
mod request_log;
mod request_timeout;
mod secret_scanning;

pub use app::{Server, StartError, mint_bootstrap, start};
pub use config::{DEFAULT_DATABASE_URL, Settings, TokenCache};
pub use connections::ConnectionTimers;
pub use logs::{LogFilter, install as install_logs};
