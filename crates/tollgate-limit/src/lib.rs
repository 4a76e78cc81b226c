#![doc = include_str!("../README.md")]

mod gcra;
mod limiter;
mod quota;
mod rate;
mod shard;
mod shards;
mod usage;

pub use gcra::{Allowed, Refused};
pub use limiter::{DEFAULT_MAX_KEYS, Limiter};
pub use quota::{Period, Quota, QuotaError};
pub use rate::{Rate, RateError};
pub use usage::{Counting, QuotaStatus, Unsaved, UsageMeter};

/// Compile-time check that the shared types can be shared between threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Limiter<std::net::IpAddr>>();
    assert_send_sync::<UsageMeter<i64>>();
    assert_send_sync::<Rate>();
    assert_send_sync::<Quota>();
    assert_send_sync::<Refused>();
};
