#![doc = include_str!("../README.md")]

#[cfg(feature = "token")]
#[doc(inline)]
pub use tollgate_token as token;

#[cfg(feature = "scope")]
#[doc(inline)]
pub use tollgate_scope as scope;

#[cfg(feature = "writers")]
#[doc(inline)]
pub use tollgate_writers as writers;

#[cfg(feature = "store")]
#[doc(inline)]
pub use tollgate_store as store;

#[cfg(feature = "cors")]
#[doc(inline)]
pub use tollgate_cors as cors;

#[cfg(feature = "refusal")]
#[doc(inline)]
pub use tollgate_refusal as refusal;

#[cfg(feature = "http")]
#[doc(inline)]
pub use tollgate_http as http;

#[cfg(feature = "sign")]
#[doc(inline)]
pub use tollgate_sign as sign;

#[cfg(feature = "scanning")]
#[doc(inline)]
pub use tollgate_scanning as scanning;

#[cfg(feature = "limit")]
#[doc(inline)]
pub use tollgate_limit as limit;

#[cfg(all(test, feature = "store"))]
mod tests {
    use crate::store::chrono::{DateTime, Utc};

    /// Compiles only if `tollgate::store::chrono` is the `chrono` of the store's times.
    fn created_at(record: &crate::store::TokenRecord) -> DateTime<Utc> {
        record.created_at
    }

    #[test]
    fn store_clock_type_is_reachable_through_the_facade() {
        let epoch = DateTime::<Utc>::from_timestamp(0, 0);
        assert_eq!(epoch.map(|time| time.timestamp()), Some(0));
        let _: fn(&crate::store::TokenRecord) -> DateTime<Utc> = created_at;
    }
}
