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

#[cfg(feature = "http")]
#[doc(inline)]
pub use tollgate_http as http;

#[cfg(feature = "limit")]
#[doc(inline)]
pub use tollgate_limit as limit;
