//! What tollgate's tests share: fresh SQLite and PostgreSQL databases, PostgreSQL roles to cut
//! one process off, and a storage that shows what authentication asked of it. Used by
//! tollgate-store's behaviour suite, tollgate-http's tests and the example server's
//! end-to-end tests; never published.

// Test support: a broken test environment should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

mod fresh_database;
mod observed_storage;
mod postgres_role;

pub use fresh_database::{postgres_database_url, sqlite_url, unique_name};
pub use observed_storage::ObservedStorage;
pub use postgres_role::PostgresRole;
