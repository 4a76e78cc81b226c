//! CRC-32 (IEEE 802.3, reflected polynomial `0xEDB88320`: the CRC of zlib, PNG and GitHub's
//! tokens) by slicing-by-16, with its tables computed at compile time.
//!
//! Tokens sign at most 61 bytes, where general-purpose crates still take their table path and
//! pay for a hasher's setup; this one folds 16 bytes per step and the tail in a single step of
//! its own width, so a 43-byte body is three dependent steps. Values are those of `crc32fast`
//! (a test holds them equal on arbitrary inputs).

/// The reflected IEEE polynomial.
const POLYNOMIAL: u32 = 0xEDB8_8320;

/// `TABLES[k][b]`: the CRC register contribution of byte `b` followed by `k` zero bytes.
static TABLES: [[u32; 256]; 16] = tables();

const fn tables() -> [[u32; 256]; 16] {
    let mut tables = [[0u32; 256]; 16];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLYNOMIAL
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut byte = 0;
        while byte < 256 {
            let previous = tables[k - 1][byte];
            tables[k][byte] = (previous >> 8) ^ tables[0][(previous & 0xff) as usize];
            byte += 1;
        }
        k += 1;
    }
    tables
}

/// The register before any byte.
pub(crate) const START: u32 = !0;

/// The CRC of the bytes that left the register in state `register`.
pub(crate) const fn finish(register: u32) -> u32 {
    !register
}

/// CRC-32 of `bytes`.
#[cfg(test)]
pub(crate) fn hash(bytes: &[u8]) -> u32 {
    finish(update(START, bytes))
}

/// Feeds `bytes` into the register: 16 bytes a step, then the tail in one step of its width.
#[inline]
pub(crate) fn update(mut register: u32, bytes: &[u8]) -> u32 {
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        register = fold(register, block);
    }
    let tail = blocks.remainder();
    if tail.len() >= 4 {
        fold(register, tail)
    } else {
        tail.iter().fold(register, |register, &byte| {
            (register >> 8) ^ TABLES[0][usize::from(register as u8 ^ byte)]
        })
    }
}

/// Folds a block of 4 to 16 bytes into the register in one step (slicing-by-`block.len()`):
/// byte `j` of the block is followed by `len - 1 - j` more, so it is looked up in that table.
#[inline(always)]
fn fold(register: u32, block: &[u8]) -> u32 {
    let last = block.len().saturating_sub(1);
    let mut first = [0u8; 4];
    for (out, &byte) in first.iter_mut().zip(block) {
        *out = byte;
    }
    let mixed = (u32::from_le_bytes(first) ^ register).to_le_bytes();
    let head = mixed.iter().enumerate().fold(0, |acc, (j, &byte)| {
        acc ^ lookup(last.wrapping_sub(j), byte)
    });
    block
        .iter()
        .enumerate()
        .skip(4)
        .fold(head, |acc, (j, &byte)| acc ^ lookup(last - j, byte))
}

/// `TABLES[k][byte]`; `k` is below 16 for every block `fold` is given.
#[inline(always)]
fn lookup(k: usize, byte: u8) -> u32 {
    TABLES.get(k).map_or(0, |table| table[usize::from(byte)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answers() {
        // The check value of CRC-32/ISO-HDLC (the IEEE CRC) from the CRC catalogue:
        // https://reveng.sourceforge.io/crc-catalogue/all.htm
        assert_eq!(hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(hash(b""), 0);
        // python3 -c 'import zlib; print(zlib.crc32(b"tg_abc"))'
        assert_eq!(hash(b"tg_abc"), 1_399_374_349);
    }

    #[test]
    fn every_length_up_to_80_matches_crc32fast() {
        let bytes: Vec<u8> = (0u8..80).map(|n| n.wrapping_mul(37) ^ 0x5a).collect();
        for len in 0..=bytes.len() {
            assert_eq!(hash(&bytes[..len]), crc32fast::hash(&bytes[..len]), "{len}");
        }
    }

    proptest! {
        #[test]
        fn matches_crc32fast(bytes in proptest::collection::vec(any::<u8>(), 0..200), split in 0usize..200) {
            prop_assert_eq!(hash(&bytes), crc32fast::hash(&bytes));
            let split = split.min(bytes.len());
            let (a, b) = bytes.split_at(split);
            prop_assert_eq!(finish(update(update(START, a), b)), crc32fast::hash(&bytes));
        }
    }
}
