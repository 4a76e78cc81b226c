#![doc = include_str!("../README.md")]

mod cache;
mod error;
mod last_use;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod limits_text;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod listener;
mod memory;
mod page;
mod record;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod schema;
mod service;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod storage;
mod user;

/// The clock type of every time this crate takes: `TokenService`'s methods take a
/// [`chrono::DateTime<chrono::Utc>`], so a caller can name it from here without depending on a
/// matching version of `chrono` itself.
pub use cache::{CachedStorage, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TIME_TO_LIVE};
pub use chrono;
pub use error::{AuthError, DeriveError, DriverError, StoreError, UserNameError};
pub use memory::MemoryStorage;
pub use page::{Page, PageSize};
pub use record::{Authenticated, CreatedToken, NewToken, TokenId, TokenRecord, TokenRequest};
pub use service::{DEFAULT_LAST_USE_INTERVAL, DEFAULT_MAX_LIVE_TOKENS, TokenService};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{SqlOptions, SqlStorage};
pub use storage::Storage;
pub use user::{User, UserName};

/// Shared types must be usable across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TokenService<MemoryStorage>>();
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    assert_send_sync::<TokenService<SqlStorage>>();
    assert_send_sync::<TokenService<CachedStorage<MemoryStorage>>>();
    assert_send_sync::<StoreError>();
    assert_send_sync::<AuthError>();
};
