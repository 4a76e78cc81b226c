//! The token alphabet `[0-9A-Za-z]`: uniform random bodies and the fixed-width checksum.

use rand::TryRng;
use rand::rngs::{SysError, SysRng};
use zeroize::Zeroize;

/// The 62 characters a body or checksum may hold, in digit order.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Characters of random body: 43 * log2(62) = 256.03 bits.
pub(crate) const BODY_LEN: usize = 43;

/// Characters of checksum: 62^6 (about 5.7e10) covers every 32-bit CRC.
pub(crate) const CHECKSUM_LEN: usize = 6;

/// Bytes at or above this value are rejected so that `byte % 62` is uniform (248 = 4 * 62).
const REJECT_FROM: u8 = 248;

/// Whether `byte` belongs to the alphabet.
pub(crate) const fn is_alphabet(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
}

/// Appends `BODY_LEN` characters drawn uniformly from the alphabet using the OS CSPRNG.
pub(crate) fn push_random_body(out: &mut String) -> Result<(), SysError> {
    let mut pool = [0u8; 64];
    let mut written = 0;
    while written < BODY_LEN {
        SysRng.try_fill_bytes(&mut pool)?;
        for &byte in pool.iter().filter(|&&b| b < REJECT_FROM) {
            if written == BODY_LEN {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(byte % 62)]));
            written += 1;
        }
    }
    pool.zeroize();
    Ok(())
}

/// CRC-32 (IEEE) of `text`, written as six alphabet characters, most significant first.
pub(crate) fn checksum(text: &[u8]) -> [u8; CHECKSUM_LEN] {
    encode_u32(crc32fast::hash(text))
}

/// Marks bytes outside the alphabet in [`DIGIT_VALUES`].
const NOT_A_DIGIT: u8 = 0xff;

/// The value of each alphabet byte as a base-62 digit; [`NOT_A_DIGIT`] for any other byte.
static DIGIT_VALUES: [u8; 256] = digit_values();

const fn digit_values() -> [u8; 256] {
    let mut values = [NOT_A_DIGIT; 256];
    let mut digit = 0;
    while digit < ALPHABET.len() {
        values[ALPHABET[digit] as usize] = digit as u8;
        digit += 1;
    }
    values
}

/// The value of six presented checksum characters, most significant first; `None` when one is
/// outside the alphabet. Values above `u32::MAX` (the text `4gfFC4` and beyond) are returned
/// as they are: they equal no CRC, so comparing them with the computed one refuses them, as
/// comparing the text with the CRC's encoding would.
pub(crate) fn decode_checksum(text: &[u8; CHECKSUM_LEN]) -> Option<u64> {
    // Each digit times its weight, summed: six independent products, not a chain of six
    // multiply-adds.
    const WEIGHTS: [u64; CHECKSUM_LEN] = [916_132_832, 14_776_336, 238_328, 3_844, 62, 1];
    let mut valid = true;
    let mut value = 0u64;
    for (&byte, weight) in text.iter().zip(WEIGHTS) {
        let digit = DIGIT_VALUES[usize::from(byte)];
        valid &= digit != NOT_A_DIGIT;
        value += u64::from(digit) * weight;
    }
    valid.then_some(value)
}

/// `value` in base 62, zero-padded to `CHECKSUM_LEN` digits.
fn encode_u32(mut value: u32) -> [u8; CHECKSUM_LEN] {
    let mut digits = [ALPHABET[0]; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        // `value % 62` is below 62, so the index is always in range.
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_known_answers() {
        // The check value of CRC-32/ISO-HDLC (the IEEE CRC) from the CRC catalogue
        // (https://reveng.sourceforge.io/crc-catalogue/all.htm) is 0xCBF43926 = 3421780262,
        // "3jZRME" in base 62 with the digits 0-9A-Za-z.
        assert_eq!(&checksum(b"123456789"), b"3jZRME");
        assert_eq!(&encode_u32(0xCBF4_3926), b"3jZRME");
        // python3 -c 'import zlib; print(zlib.crc32(b"tg_abc"))' prints 1399374349,
        // which is "1WhdC1" in base 62.
        assert_eq!(&checksum(b"tg_abc"), b"1WhdC1");
        assert_eq!(&encode_u32(1_399_374_349), b"1WhdC1");
    }

    #[test]
    fn encoding_is_fixed_width_at_both_ends() {
        assert_eq!(&encode_u32(0), b"000000");
        // u32::MAX = 4294967295 is "4gfFC3" in base 62: six digits suffice for every CRC.
        assert_eq!(&encode_u32(u32::MAX), b"4gfFC3");
        assert_eq!(&encode_u32(61), b"00000z");
        assert_eq!(&encode_u32(62), b"000010");
    }

    #[test]
    fn decoding_inverts_encoding() {
        for value in [
            0,
            1,
            61,
            62,
            3_843,
            3_844,
            1_399_374_349,
            u32::MAX - 1,
            u32::MAX,
        ] {
            assert_eq!(decode_checksum(&encode_u32(value)), Some(u64::from(value)));
        }
        // One past u32::MAX decodes to a value no CRC has; the largest six digits too.
        assert_eq!(decode_checksum(b"4gfFC4"), Some(u64::from(u32::MAX) + 1));
        assert_eq!(decode_checksum(b"zzzzzz"), Some(62u64.pow(6) - 1));
        assert_eq!(decode_checksum(b"1WhdC_"), None);
        assert_eq!(decode_checksum(b"\xff00000"[..6].try_into().unwrap()), None);
    }

    #[test]
    fn random_body_has_the_right_length_and_alphabet() {
        let mut body = String::new();
        push_random_body(&mut body).unwrap();
        assert_eq!(body.len(), BODY_LEN);
        assert!(body.bytes().all(is_alphabet));
    }

    #[test]
    fn random_bodies_differ() {
        let (mut a, mut b) = (String::new(), String::new());
        push_random_body(&mut a).unwrap();
        push_random_body(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
