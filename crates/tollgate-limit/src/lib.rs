#![doc = include_str!("../README.md")]

mod gcra;
mod limiter;
mod quota;
mod shard;

pub use gcra::RetryAfter;
pub use limiter::{DEFAULT_MAX_KEYS, Limiter};
pub use quota::{Quota, QuotaError};

/// Compile-time check that a limiter can be shared between threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Limiter<std::net::IpAddr>>();
    assert_send_sync::<Quota>();
    assert_send_sync::<RetryAfter>();
};
