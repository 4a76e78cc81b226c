//! The two algorithms of RFC 9421's registry that this crate implements, `ed25519` and
//! `hmac-sha256`, and their keys.

use core::fmt;

use ed25519_dalek::Signer as _;
use hmac::{KeyInit, Mac};
use rand::TryRng;
use rand::rngs::SysRng;
use sha2::Sha256;
use zeroize::Zeroizing;

/// A signature algorithm, by its name in RFC 9421's registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `ed25519`: EdDSA over Curve25519 (RFC 8032), checked strictly (no small-order points,
    /// no non-canonical encodings).
    Ed25519,
    /// `hmac-sha256`: HMAC with SHA-256 and a shared secret, compared in constant time.
    HmacSha256,
}

impl Algorithm {
    /// The algorithm's name, as in a signature's `alg` parameter.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::HmacSha256 => "hmac-sha256",
        }
    }
}

impl Algorithm {
    /// The length of the algorithm's signatures in bytes.
    pub(crate) fn signature_len(self) -> usize {
        match self {
            Self::Ed25519 => 64,
            Self::HmacSha256 => 32,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// An Ed25519 public key is not 32 bytes, or not a point of the curve.
    #[error("an Ed25519 public key is 32 bytes encoding a curve point")]
    InvalidEd25519PublicKey,
    /// An HMAC secret is shorter than [`MIN_HMAC_SECRET_LEN`] bytes.
    #[error("an HMAC-SHA256 secret has at least 32 bytes")]
    ShortHmacSecret,
    /// The operating system's random number generator failed.
    #[error("the system's random number generator failed")]
    Random,
}

/// The shortest HMAC-SHA256 secret accepted: 32 bytes, SHA-256's output, the strength the
/// algorithm can give.
pub const MIN_HMAC_SECRET_LEN: usize = 32;

type HmacSha256 = hmac::Hmac<Sha256>;

/// A key that checks signatures: an Ed25519 public key, or an HMAC secret. Its `Debug` names
/// only the algorithm.
#[derive(Clone)]
pub struct VerifyingKey(Verifying);

#[derive(Clone)]
enum Verifying {
    Ed25519(ed25519_dalek::VerifyingKey),
    /// Keyed once; wiped when dropped (hmac's `zeroize` feature).
    HmacSha256(HmacSha256),
}

impl VerifyingKey {
    /// An Ed25519 public key from its 32 bytes (RFC 8032's encoding, as in a JWK's `x`).
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidEd25519PublicKey`] when it is not 32 bytes or not a curve point.
    pub fn ed25519(public_key: &[u8]) -> Result<Self, KeyError> {
        let bytes: &[u8; 32] = public_key
            .try_into()
            .map_err(|_| KeyError::InvalidEd25519PublicKey)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidEd25519PublicKey)?;
        Ok(Self(Verifying::Ed25519(key)))
    }

    /// An HMAC-SHA256 secret shared with the signer.
    ///
    /// # Errors
    ///
    /// [`KeyError::ShortHmacSecret`] when it has fewer than [`MIN_HMAC_SECRET_LEN`] bytes.
    pub fn hmac_sha256(secret: &[u8]) -> Result<Self, KeyError> {
        Ok(Self(Verifying::HmacSha256(keyed_hmac(secret)?)))
    }

    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self.0 {
            Verifying::Ed25519(_) => Algorithm::Ed25519,
            Verifying::HmacSha256(_) => Algorithm::HmacSha256,
        }
    }

    /// Whether `signature` is this key's signature of `message`, such as a signature base:
    /// the bare check, without any policy; [`crate::Verifier`] is what servers call.
    #[must_use]
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.0 {
            Verifying::Ed25519(key) => {
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                key.verify_strict(message, &signature).is_ok()
            }
            Verifying::HmacSha256(keyed) => keyed
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
        }
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifyingKey")
            .field(&self.algorithm())
            .finish()
    }
}

/// A key that makes signatures: an Ed25519 private key, or an HMAC secret. Its `Debug` names
/// only the algorithm, and its bytes are wiped when it is dropped.
#[derive(Clone)]
pub struct SigningKey(Signing);

#[derive(Clone)]
enum Signing {
    Ed25519(ed25519_dalek::SigningKey),
    /// Keyed once; wiped when dropped (hmac's `zeroize` feature).
    HmacSha256(HmacSha256),
}

impl SigningKey {
    /// A new Ed25519 key pair from the operating system's random number generator.
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] when the generator fails.
    pub fn generate_ed25519() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        SysRng
            .try_fill_bytes(seed.as_mut())
            .map_err(|_| KeyError::Random)?;
        Ok(Self::ed25519(&seed))
    }

    /// An Ed25519 private key from its 32-byte seed (RFC 8032's private key, a JWK's `d`).
    #[must_use]
    pub fn ed25519(seed: &[u8; 32]) -> Self {
        Self(Signing::Ed25519(ed25519_dalek::SigningKey::from_bytes(
            seed,
        )))
    }

    /// An HMAC-SHA256 secret shared with the verifier.
    ///
    /// # Errors
    ///
    /// [`KeyError::ShortHmacSecret`] when it has fewer than [`MIN_HMAC_SECRET_LEN`] bytes.
    pub fn hmac_sha256(secret: &[u8]) -> Result<Self, KeyError> {
        Ok(Self(Signing::HmacSha256(keyed_hmac(secret)?)))
    }

    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self.0 {
            Signing::Ed25519(_) => Algorithm::Ed25519,
            Signing::HmacSha256(_) => Algorithm::HmacSha256,
        }
    }

    /// The key that checks this key's signatures: the Ed25519 public key, or the same secret.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(match &self.0 {
            Signing::Ed25519(key) => Verifying::Ed25519(key.verifying_key()),
            Signing::HmacSha256(secret) => Verifying::HmacSha256(secret.clone()),
        })
    }

    /// The Ed25519 public key's 32 bytes, which a server is given to check signatures; `None`
    /// for an HMAC secret, which has no public half.
    #[must_use]
    pub fn public_key(&self) -> Option<[u8; 32]> {
        match &self.0 {
            Signing::Ed25519(key) => Some(key.verifying_key().to_bytes()),
            Signing::HmacSha256(_) => None,
        }
    }

    /// This key's signature of `message`, such as a signature base; [`crate::Signer`] signs
    /// whole requests.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.0 {
            Signing::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
            Signing::HmacSha256(keyed) => keyed
                .clone()
                .chain_update(message)
                .finalize()
                .into_bytes()
                .to_vec(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningKey")
            .field(&self.algorithm())
            .finish()
    }
}

fn keyed_hmac(secret: &[u8]) -> Result<HmacSha256, KeyError> {
    if secret.len() < MIN_HMAC_SECRET_LEN {
        return Err(KeyError::ShortHmacSecret);
    }
    // HMAC takes a key of any length, so this error does not happen.
    <HmacSha256 as KeyInit>::new_from_slice(secret).map_err(|_| KeyError::ShortHmacSecret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ed25519_public_key_is_32_bytes_of_a_curve_point() {
        let public = SigningKey::ed25519(&[7; 32])
            .public_key()
            .unwrap_or_default();
        assert!(VerifyingKey::ed25519(&public).is_ok());
        for bad in [&public[..31], &[0; 33][..], &[2; 32][..]] {
            // `[2; 32]` encodes no point of the curve.
            assert_eq!(
                VerifyingKey::ed25519(bad).map(|_| ()),
                Err(KeyError::InvalidEd25519PublicKey),
                "{bad:?}"
            );
        }
    }
}
