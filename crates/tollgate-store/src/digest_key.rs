//! Hash-map keys that are already uniformly random: token digests, hashed for free.

use core::hash::{BuildHasher, Hash, Hasher};

use tollgate_token::TokenHash;

/// A token's SHA-256 as a hash-map key whose hash is its first eight bytes.
///
/// Hashing it again (SipHash, as `HashMap` does by default) would cost more than the rest of an
/// in-memory lookup. Skipping that is safe: stored keys are digests of tokens minted from the
/// OS random generator, so nobody can choose them to collide (what flooding attacks on hash
/// maps need); a presented token only reads the bucket its own digest selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DigestKey(pub(crate) TokenHash);

impl Hash for DigestKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut first = [0u8; 8];
        first.copy_from_slice(self.0.as_bytes().get(..8).unwrap_or(&[0; 8]));
        state.write_u64(u64::from_ne_bytes(first));
    }
}

/// Builds [`DigestKeyState`]s: the hasher of maps keyed by [`DigestKey`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DigestKeyHasher;

impl BuildHasher for DigestKeyHasher {
    type Hasher = DigestKeyState;

    fn build_hasher(&self) -> DigestKeyState {
        DigestKeyState(0)
    }
}

/// Passes the word a [`DigestKey`] writes through as the hash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DigestKeyState(u64);

impl Hasher for DigestKeyState {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, word: u64) {
        self.0 ^= word;
    }

    /// Not used by [`DigestKey`]; mixes any other input so the hasher stays correct for it.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_first_eight_bytes() {
        let digest = TokenHash::of("tg_example");
        let expected = u64::from_ne_bytes(digest.as_bytes()[..8].try_into().unwrap());
        assert_eq!(DigestKeyHasher.hash_one(DigestKey(digest)), expected);
    }

    #[test]
    fn a_map_keyed_by_digests_finds_each_one() {
        let keys: Vec<DigestKey> = (0..1_000)
            .map(|n| DigestKey(TokenHash::of(&n.to_string())))
            .collect();
        let map: std::collections::HashMap<DigestKey, usize, DigestKeyHasher> =
            keys.iter().enumerate().map(|(n, &key)| (key, n)).collect();
        for (n, key) in keys.iter().enumerate() {
            assert_eq!(map.get(key), Some(&n));
        }
        assert_eq!(map.get(&DigestKey(TokenHash::of("absent"))), None);
    }
}
