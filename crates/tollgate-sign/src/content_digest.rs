//! `Content-Digest` (RFC 9530): the digest of a message's content, so that a signature that
//! covers the field covers the body too.

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256, Sha512};
use sfv::{BareItem, Dictionary, ListEntry, Parser};
use subtle::ConstantTimeEq;

/// A digest algorithm of RFC 9530's registry that this crate computes and checks. (The
/// registry's others are deprecated, `md5`, `sha`, and so on, and are ignored when found.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// `sha-256`.
    Sha256,
    /// `sha-512`.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm's key in the field, `sha-256` or `sha-512`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Sha256 => "sha-256",
            Self::Sha512 => "sha-512",
        }
    }

    fn of_key(key: &str) -> Option<Self> {
        match key {
            "sha-256" => Some(Self::Sha256),
            "sha-512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn digest(self, content: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(content).to_vec(),
            Self::Sha512 => Sha512::digest(content).to_vec(),
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Why a `Content-Digest` field does not vouch for the content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// The field is not a structured-field dictionary of byte sequences.
    #[error("Content-Digest is not a dictionary of algorithm=:base64: entries")]
    Malformed,
    /// The field names no algorithm this crate checks (`sha-256`, `sha-512`).
    #[error("Content-Digest has no sha-256 or sha-512 digest")]
    NoSupportedAlgorithm,
    /// A digest does not match the content.
    #[error("the content does not match its {0} digest")]
    Mismatch(DigestAlgorithm),
}

/// The `Content-Digest` field value for `content` with `algorithm`, such as
/// `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`.
#[must_use]
pub fn content_digest(content: &[u8], algorithm: DigestAlgorithm) -> String {
    format!(
        "{}=:{}:",
        algorithm.key(),
        STANDARD.encode(algorithm.digest(content))
    )
}

/// Checks a `Content-Digest` field value against `content`: every `sha-256` and `sha-512`
/// digest it holds must match (compared in constant time), and it must hold at least one.
/// Digests with other keys are ignored, as RFC 9530 allows.
///
/// # Errors
///
/// [`DigestError`]: malformed, no digest this crate checks, or one that does not match.
pub fn verify_content_digest(field: &str, content: &[u8]) -> Result<(), DigestError> {
    let digests: Dictionary = Parser::new(field)
        .parse()
        .map_err(|_| DigestError::Malformed)?;
    let mut checked = false;
    for (key, entry) in &digests {
        let Some(algorithm) = DigestAlgorithm::of_key(key.as_str()) else {
            continue;
        };
        let ListEntry::Item(item) = entry else {
            return Err(DigestError::Malformed);
        };
        let BareItem::ByteSequence(expected) = &item.bare_item else {
            return Err(DigestError::Malformed);
        };
        if !bool::from(algorithm.digest(content).ct_eq(expected)) {
            return Err(DigestError::Mismatch(algorithm));
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(DigestError::NoSupportedAlgorithm)
    }
}
