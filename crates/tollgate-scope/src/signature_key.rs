//! The key a token's requests must be signed with.

use core::fmt;
use core::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The public key whose signatures (HTTP Message Signatures, RFC 9421) a token's requests must
/// carry: a token that has one is accepted only on requests it signed, so the token's secret
/// alone is useless to whoever copies it. Only the public half is ever held, so a leaked
/// database gives nothing either.
///
/// Its text form, as stored, is `ed25519:` and the 32 bytes of the Ed25519 public key in
/// standard base64. Checking that the bytes are a point of the curve is the verifier's
/// (tollgate-sign's) work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureKey {
    /// An Ed25519 public key (RFC 8032), its 32 bytes.
    Ed25519([u8; 32]),
}

impl SignatureKey {
    /// The algorithm's name in RFC 9421's registry: `ed25519`.
    #[must_use]
    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::Ed25519(_) => "ed25519",
        }
    }

    /// The public key's bytes.
    #[must_use]
    pub fn public_key(&self) -> &[u8] {
        match self {
            Self::Ed25519(bytes) => bytes,
        }
    }

    /// The key of `algorithm` (only `ed25519`) from its public key in standard base64.
    ///
    /// # Errors
    /// [`SignatureKeyError`] for another algorithm, or a key that is not 32 bytes of base64.
    pub fn from_parts(algorithm: &str, public_key: &str) -> Result<Self, SignatureKeyError> {
        if algorithm != "ed25519" {
            return Err(SignatureKeyError::UnknownAlgorithm);
        }
        let bytes = STANDARD
            .decode(public_key)
            .map_err(|_| SignatureKeyError::InvalidPublicKey)?;
        let bytes = bytes
            .try_into()
            .map_err(|_| SignatureKeyError::InvalidPublicKey)?;
        Ok(Self::Ed25519(bytes))
    }
}

/// Why a signing key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureKeyError {
    /// The algorithm is not `ed25519`.
    #[error("the only signing key algorithm is ed25519")]
    UnknownAlgorithm,
    /// The public key is not 32 bytes in standard base64.
    #[error("an ed25519 public key is 32 bytes in standard base64")]
    InvalidPublicKey,
}

impl fmt::Display for SignatureKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.algorithm(),
            STANDARD.encode(self.public_key())
        )
    }
}

impl FromStr for SignatureKey {
    type Err = SignatureKeyError;

    fn from_str(text: &str) -> Result<Self, SignatureKeyError> {
        let (algorithm, public_key) = text
            .split_once(':')
            .ok_or(SignatureKeyError::UnknownAlgorithm)?;
        Self::from_parts(algorithm, public_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_bad_keys_are_refused() {
        let key = SignatureKey::Ed25519([7; 32]);
        let text = key.to_string();
        assert_eq!(text, "ed25519:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=");
        assert_eq!(text.parse(), Ok(key));
        assert_eq!(key.algorithm(), "ed25519");
        assert_eq!(key.public_key(), &[7; 32]);
        for (text, error) in [
            ("rsa:AAAA", SignatureKeyError::UnknownAlgorithm),
            ("ed25519", SignatureKeyError::UnknownAlgorithm),
            ("ed25519:AAAA", SignatureKeyError::InvalidPublicKey),
            ("ed25519:not base64!", SignatureKeyError::InvalidPublicKey),
        ] {
            assert_eq!(text.parse::<SignatureKey>(), Err(error), "{text}");
        }
    }
}
