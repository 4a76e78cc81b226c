#![doc = include_str!("../README.md")]

mod audit;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod audit_sql;
mod cache;
mod error;
mod last_use;
#[cfg(any(feature = "sqlite", feature = "postgres", fuzzing))]
mod limits_text;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod listener;
mod memory;
mod metering;
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
pub use audit::{
    AuditAction, AuditEntry, AuditEvent, AuditQuery, ParseAuditActionError, token_target,
};
pub use cache::{CachedStorage, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TIME_TO_LIVE};
pub use chrono;
pub use error::{AuthError, DeriveError, DriverError, StoreError, UserNameError};
pub use memory::MemoryStorage;
pub use metering::{MeterError, Metered, TokenUsage};
pub use page::{Page, PageSize};
pub use record::{
    Ancestor, Authenticated, CreatedToken, DayCount, MAX_ANCESTORS, NewToken, Reported, Rotation,
    SecretMatch, TokenId, TokenRecord, TokenRequest,
};
pub use service::{
    DEFAULT_LAST_USE_INTERVAL, DEFAULT_MAX_LIVE_TOKENS, MAX_ROTATION_GRACE, TokenService,
};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{SqlOptions, SqlStorage};
pub use storage::Storage;
pub use user::{User, UserName};

/// The stored text of a token's limits, public only in cargo-fuzz builds (which pass
/// `--cfg fuzzing`) so that the fuzz targets call the code the SQL backends run rather than a
/// copy of it. Not part of the API: it does not exist in any other build.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use tollgate_cors::AllowedOrigins;
    use tollgate_scope::Grants;

    /// See `limits_text::origins_text`.
    pub fn origins_text(origins: Option<&AllowedOrigins>) -> String {
        crate::limits_text::origins_text(origins)
    }

    /// See `limits_text::origins_from`.
    pub fn origins_from(text: &str) -> Result<Option<AllowedOrigins>, String> {
        crate::limits_text::origins_from(text)
    }

    /// See `limits_text::grants_text`.
    pub fn grants_text(grants: Option<&Grants>) -> Option<String> {
        crate::limits_text::grants_text(grants)
    }

    /// See `limits_text::grants_from`.
    pub fn grants_from(text: Option<&str>) -> Result<Option<Grants>, String> {
        crate::limits_text::grants_from(text)
    }

    /// See `limits_text::ancestors_text`.
    pub fn ancestors_text(ancestors: &[crate::Ancestor]) -> String {
        crate::limits_text::ancestors_text(ancestors)
    }

    /// See `limits_text::ancestors_from`.
    pub fn ancestors_from(text: &str) -> Result<Vec<crate::Ancestor>, String> {
        crate::limits_text::ancestors_from(text)
    }
}

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
