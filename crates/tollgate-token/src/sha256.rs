//! SHA-256 (FIPS 180-4) of a whole message in one call, over `sha2`'s compression function.
//!
//! A token is at most 66 bytes, so its digest is one or two compressions. `sha2`'s streaming
//! `Digest` API copies the message into its block buffer, keeps a running length and pads
//! through that buffer; on a token that bookkeeping costs a third as much as the compression.
//! Here the full blocks are compressed straight from the message and the padding is written
//! once into a stack block. A test holds the result equal to `sha2::Sha256::digest`.

use sha2::block_api::compress256;

/// Bytes per block.
const BLOCK_LEN: usize = 64;

/// The bytes the padding adds at the end of the last block: the message length in bits.
const LENGTH_LEN: usize = 8;

/// The initial hash value H(0) of FIPS 180-4, section 5.3.3.
const INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// SHA-256 of `message`.
pub(crate) fn digest(message: &[u8]) -> [u8; 32] {
    let mut state = INITIAL_STATE;
    let (blocks, tail) = message.as_chunks::<BLOCK_LEN>();
    compress256(&mut state, blocks);

    // The tail, the `0x80` marker, zeros, and the length in bits (modulo 2^64, as the
    // standard defines it) in the last 8 bytes: one block, or two when the marker and the
    // length do not both fit after the tail.
    let mut padding = [[0u8; BLOCK_LEN]; 2];
    let block_count = if tail.len() < BLOCK_LEN - LENGTH_LEN {
        1
    } else {
        2
    };
    let padded = padding.as_flattened_mut();
    let (head, marker) = padded.split_at_mut(tail.len());
    head.copy_from_slice(tail);
    if let Some(first) = marker.first_mut() {
        *first = 0x80;
    }
    let bits = (message.len() as u64).wrapping_shl(3);
    let end = block_count * BLOCK_LEN;
    if let Some(length) = padded.get_mut(end - LENGTH_LEN..end) {
        length.copy_from_slice(&bits.to_be_bytes());
    }
    compress256(&mut state, padding.get(..block_count).unwrap_or_default());

    let mut digest = [0u8; 32];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn every_length_across_three_blocks_matches_sha2() {
        let message: Vec<u8> = (0u8..=200).map(|n| n.wrapping_mul(151) ^ 0x3c).collect();
        for len in 0..=message.len() {
            let expected: [u8; 32] = Sha256::digest(&message[..len]).into();
            assert_eq!(digest(&message[..len]), expected, "length {len}");
        }
    }

    #[test]
    fn known_answers() {
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc", and the empty message.
        let hex = |bytes: [u8; 32]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_messages_match_sha2(message in proptest::collection::vec(any::<u8>(), 0..300)) {
            let expected: [u8; 32] = Sha256::digest(&message).into();
            prop_assert_eq!(digest(&message), expected);
        }
    }
}
