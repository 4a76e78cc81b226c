//! SHA-256 of a token: what is stored, looked up and compared.

use core::fmt;
use core::str::FromStr;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::HashParseError;

/// The SHA-256 digest of a token's full text (prefix, separator, body and checksum).
///
/// Equality is constant-time. The text form, used by [`Display`](fmt::Display) and
/// [`FromStr`], is 64 lowercase hexadecimal digits; parsing also accepts uppercase digits.
/// With the `serde` feature it serializes as that text.
///
/// A hash is not a secret in the way the token is: the token has 256 bits of entropy, so the
/// hash cannot be reversed or guessed into a working token. It is still best kept out of logs.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Hashes a token's text.
    #[must_use]
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// Wraps a digest read back from storage.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw digest, for binary storage.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl ConstantTimeEq for TokenHash {
    /// Compares the two digests with `subtle` as four 64-bit words: every word is read and
    /// the results are combined with no branch on the data, whatever the digests hold.
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        words(&self.0).ct_eq(&words(&other.0))
    }
}

/// A digest as four native-endian 64-bit words.
fn words(digest: &[u8; 32]) -> [u64; 4] {
    let mut words = [0; 4];
    for (word, bytes) in words.iter_mut().zip(digest.as_chunks::<8>().0) {
        *word = u64::from_ne_bytes(*bytes);
    }
    words
}

impl core::hash::Hash for TokenHash {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Display for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        text.iter()
            .try_for_each(|&b| fmt::Write::write_char(f, char::from(b)))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({self})")
    }
}

impl FromStr for TokenHash {
    type Err = HashParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(HashParseError::WrongLength {
                actual: bytes.len(),
            });
        }
        let mut digest = [0u8; 32];
        for (index, (out, pair)) in digest.iter_mut().zip(bytes.chunks_exact(2)).enumerate() {
            let high = hex_value(pair[0]).ok_or(HashParseError::BadCharacter {
                position: 2 * index,
            })?;
            let low = hex_value(pair[1]).ok_or(HashParseError::BadCharacter {
                position: 2 * index + 1,
            })?;
            *out = high << 4 | low;
        }
        Ok(Self(digest))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for TokenHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for TokenHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HexVisitor;

        impl serde::de::Visitor<'_> for HexVisitor {
            type Value = TokenHash;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SHA-256 digest as 64 hexadecimal digits")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<TokenHash, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(HexVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed token with a fixed body. Its checksum `1qHCnl` was computed with
    /// `python3 -c 'import zlib; print(zlib.crc32(b"tg_0123...efg"))'` and converted to base 62.
    pub(crate) const KNOWN_TOKEN: &str = "tg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1qHCnl";

    /// `printf %s tg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1qHCnl | sha256sum`
    const KNOWN_HEX: &str = "922e592ffb2eacd55106e0a58558ef7c1e7fef2f17638253e877c6bf324156a4";

    #[test]
    fn known_answers() {
        assert_eq!(TokenHash::of(KNOWN_TOKEN).to_string(), KNOWN_HEX);
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc", and the empty message.
        assert_eq!(
            TokenHash::of("abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            TokenHash::of("").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn known_token_parses_and_verifies_against_the_known_hash() {
        let format = crate::TokenFormat::new("tg").unwrap();
        let stored: TokenHash = KNOWN_HEX.parse().unwrap();
        assert!(format.parse(KNOWN_TOKEN).unwrap().verify(&stored));
    }

    #[test]
    fn text_form_accepts_uppercase_and_prints_lowercase() {
        let hash: TokenHash = KNOWN_HEX.to_uppercase().parse().unwrap();
        assert_eq!(hash.to_string(), KNOWN_HEX);
    }

    #[test]
    fn text_form_errors() {
        assert_eq!(
            "abc".parse::<TokenHash>(),
            Err(HashParseError::WrongLength { actual: 3 })
        );
        let mut bad = KNOWN_HEX.to_owned();
        bad.replace_range(9..10, "g");
        assert_eq!(
            bad.parse::<TokenHash>(),
            Err(HashParseError::BadCharacter { position: 9 })
        );
        // 64 bytes but not 64 characters: a multi-byte character is refused, not sliced.
        let mut wide = KNOWN_HEX[..62].to_owned();
        wide.push('é');
        assert_eq!(
            wide.parse::<TokenHash>(),
            Err(HashParseError::BadCharacter { position: 62 })
        );
    }

    #[test]
    fn a_difference_in_any_byte_is_unequal() {
        let a = TokenHash::of("a");
        for index in 0..32 {
            let mut bytes = *a.as_bytes();
            bytes[index] ^= 0x80;
            assert_ne!(a, TokenHash::from_bytes(bytes), "byte {index}");
            bytes[index] ^= 0x80;
            assert_eq!(a, TokenHash::from_bytes(bytes));
        }
    }

    #[test]
    fn equality_and_bytes() {
        let a = TokenHash::of("a");
        assert_eq!(a, TokenHash::from_bytes(*a.as_bytes()));
        assert_ne!(a, TokenHash::of("b"));
        assert!(bool::from(a.ct_eq(&TokenHash::of("a"))));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_uses_the_text_form() {
        let hash = TokenHash::of(KNOWN_TOKEN);
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{KNOWN_HEX}\""));
        assert_eq!(serde_json::from_str::<TokenHash>(&json).unwrap(), hash);
        assert!(serde_json::from_str::<TokenHash>("\"00\"").is_err());
    }
}
