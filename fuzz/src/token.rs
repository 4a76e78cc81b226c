//! A token checked against the format as tollgate-token's README and `TokenFormat` docs
//! state it: `{prefix}_{body}{checksum}`, the body 43 characters of `[A-Za-z0-9]`, the
//! checksum the CRC-32 (IEEE) of `{prefix}_{body}` as 6 base-62 digits (`0-9A-Za-z`, most
//! significant first). The checks come in the documented order: not empty, prefix and
//! separator, total length, alphabet, checksum.

/// The documented body length.
pub const BODY_LEN: usize = 43;
/// The documented checksum length.
pub const CHECKSUM_LEN: usize = 6;

/// Why a text is not a token of a format, one variant per documented check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    WrongPrefix,
    WrongLength { expected: usize, actual: usize },
    BadCharacter { position: usize },
    ChecksumMismatch,
}

/// The digits of base 62 in the documented order.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The checksum of `{prefix}_{body}`: its CRC-32 in base 62, six digits, zero-padded.
pub fn checksum(prefix_and_body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut value = crc32fast::hash(prefix_and_body);
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 62) as usize];
        value /= 62;
    }
    out
}

/// Checks `text` against the format with this `prefix`.
pub fn check(prefix: &str, text: &[u8]) -> Result<(), Refusal> {
    if text.is_empty() {
        return Err(Refusal::Empty);
    }
    let head_len = prefix.len() + 1;
    if text.len() < head_len
        || &text[..prefix.len()] != prefix.as_bytes()
        || text[prefix.len()] != b'_'
    {
        return Err(Refusal::WrongPrefix);
    }
    let expected = head_len + BODY_LEN + CHECKSUM_LEN;
    if text.len() != expected {
        return Err(Refusal::WrongLength {
            expected,
            actual: text.len(),
        });
    }
    if let Some(offset) = text[head_len..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
    {
        return Err(Refusal::BadCharacter {
            position: head_len + offset,
        });
    }
    let (signed, presented) = text.split_at(expected - CHECKSUM_LEN);
    if checksum(signed) != presented {
        return Err(Refusal::ChecksumMismatch);
    }
    Ok(())
}
