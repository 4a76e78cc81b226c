#![doc = include_str!("../README.md")]

mod content_digest;

pub use content_digest::{DigestAlgorithm, DigestError, content_digest, verify_content_digest};
