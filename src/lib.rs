#![doc = include_str!("../README.md")]

#[cfg(feature = "token")]
#[doc(inline)]
pub use tollgate_token as token;
