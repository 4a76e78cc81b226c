//! `Content-Digest` (RFC 9530): the digest of a message's content, so that a signature that
//! covers the field covers the body too.

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sfv::{BareItem, Dictionary, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha512};
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

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9421's test-request body and RFC 9530's examples: `{"hello": "world"}`, 18 bytes.
    const BODY: &[u8] = br#"{"hello": "world"}"#;
    const SHA_256: &str = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    const SHA_512: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    #[test]
    fn the_rfc_examples_are_computed() {
        assert_eq!(content_digest(BODY, DigestAlgorithm::Sha256), SHA_256);
        assert_eq!(content_digest(BODY, DigestAlgorithm::Sha512), SHA_512);
    }

    #[test]
    fn every_digest_checked_must_match_and_one_is_needed() {
        assert_eq!(verify_content_digest(SHA_256, BODY), Ok(()));
        assert_eq!(verify_content_digest(SHA_512, BODY), Ok(()));
        let both = format!("{SHA_256}, {SHA_512}");
        assert_eq!(verify_content_digest(&both, BODY), Ok(()));
        // Unknown and deprecated algorithms are ignored, but one checked digest is needed.
        let with_md5 = format!("md5=:AAAA:, {SHA_256}");
        assert_eq!(verify_content_digest(&with_md5, BODY), Ok(()));
        assert_eq!(
            verify_content_digest("md5=:AAAA:", BODY),
            Err(DigestError::NoSupportedAlgorithm)
        );
        assert_eq!(
            verify_content_digest(SHA_256, b"{\"hello\": \"world\"}\n"),
            Err(DigestError::Mismatch(DigestAlgorithm::Sha256))
        );
        let one_wrong = format!("{SHA_256}, sha-512=:AAAA:");
        assert_eq!(
            verify_content_digest(&one_wrong, BODY),
            Err(DigestError::Mismatch(DigestAlgorithm::Sha512))
        );
        for malformed in [
            "",
            "sha-256",
            "sha-256=X48E9q",
            "sha-256=(:AAAA:)",
            "sha-256=:***:",
        ] {
            assert!(
                matches!(
                    verify_content_digest(malformed, BODY),
                    Err(DigestError::Malformed | DigestError::NoSupportedAlgorithm)
                ),
                "{malformed:?}"
            );
        }
    }
}
