//! The token format `{prefix}_{body}{checksum}`: minting and strict parsing.

use crc32fast::Hasher;
use zeroize::Zeroizing;

use crate::base62::{self, BODY_LEN, CHECKSUM_LEN};

use crate::{
    MintError, MintedToken, PrefixError, Token, TokenHash, TokenHint, TokenParseError, TokenSecret,
};

/// The longest prefix accepted, in bytes.
pub const MAX_PREFIX_LEN: usize = 16;

/// Separates the prefix from the body. Not in the body alphabet, so the split is unambiguous.
const SEPARATOR: u8 = b'_';

/// One kind of token: its prefix, and so its exact shape.
///
/// A token is `{prefix}_{body}{checksum}`:
/// - `prefix`: 1 to 16 lowercase ASCII letters or digits, starting with a letter, chosen by the
///   server. A server may use one prefix per token kind (for example `tgs` for secret and `tgp`
///   for publishable tokens) so that secret scanners and people can tell them apart.
/// - `body`: 43 characters from `[A-Za-z0-9]` drawn uniformly from the operating system's
///   CSPRNG: 256 bits of entropy.
/// - `checksum`: the CRC-32 of `{prefix}_{body}` as 6 base-62 digits (`0-9A-Za-z`, most
///   significant first), so typos are caught before any hashing or database lookup.
///
/// The whole token is double-click selectable: `_` appears only as the separator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenFormat {
    prefix: Box<str>,
    /// The CRC-32 of `{prefix}_`, the same for every token of this format: parsing continues
    /// it over the body alone.
    prefix_crc: u32,
}

impl TokenFormat {
    /// Validates `prefix` and returns the format of tokens that carry it.
    ///
    /// # Errors
    /// [`PrefixError`] when the prefix is empty, longer than [`MAX_PREFIX_LEN`], does not start
    /// with a lowercase letter, or holds anything but lowercase ASCII letters and digits.
    pub fn new(prefix: &str) -> Result<Self, PrefixError> {
        let bytes = prefix.as_bytes();
        check_prefix(bytes)?;
        let mut crc = Hasher::new();
        crc.update(bytes);
        crc.update(&[SEPARATOR]);
        let prefix_crc = crc.finalize();
        Ok(Self {
            prefix: prefix.into(),
            prefix_crc,
        })
    }

    /// The prefix, without the separator.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The length, in bytes, of every token of this format.
    #[must_use]
    pub fn token_len(&self) -> usize {
        self.prefix.len() + 1 + BODY_LEN + CHECKSUM_LEN
    }

    /// Mints a new token: the secret, to show once, and its hash, to store.
    ///
    /// # Errors
    /// [`MintError`] when the operating system's random number generator fails.
    pub fn mint(&self) -> Result<MintedToken, MintError> {
        // Built inside `Zeroizing` so that an error part-way leaves no secret behind; the
        // capacity is exact, so pushing never reallocates and leaves no stale copy.
        let mut text = Zeroizing::new(String::with_capacity(self.token_len()));
        text.push_str(&self.prefix);
        text.push(char::from(SEPARATOR));
        base62::push_random_body(&mut text)?;
        let checksum = base62::checksum(text.as_bytes());
        text.extend(checksum.iter().copied().map(char::from));
        let hint = TokenHint::of(&self.prefix, &checksum);
        let secret = TokenSecret::new(core::mem::take(&mut *text), hint);
        let hash = TokenHash::of(secret.expose_secret());
        Ok(MintedToken { secret, hash })
    }

    /// Checks that `presented` is a well-formed token of this format.
    ///
    /// Runs in time linear in the prefix length (a wrong length is refused before the rest is
    /// read), allocates nothing and never panics. It checks, in order: not empty, prefix and
    /// separator, total length, alphabet, checksum. No hashing happens here: call
    /// [`Token::hash`] or [`Token::verify`] on the result.
    ///
    /// # Errors
    /// [`TokenParseError`], one variant per check above.
    pub fn parse<'a>(&self, presented: &'a str) -> Result<Token<'a>, TokenParseError> {
        if presented.is_empty() {
            return Err(TokenParseError::Empty);
        }
        // Split where this format's prefix ends: `None` when the text is shorter, or when a
        // multi-byte character straddles that point (then it is not the ASCII prefix either).
        let Some((prefix, rest)) = presented
            .split_at_checked(self.prefix.len())
            .filter(|(prefix, _)| *prefix == &*self.prefix)
        else {
            return Err(TokenParseError::WrongPrefix);
        };
        let Some(rest) = rest.as_bytes().strip_prefix(&[SEPARATOR]) else {
            return Err(TokenParseError::WrongPrefix);
        };
        // The length check is the split itself: after the separator, exactly a body and a
        // checksum, the checksum as an array.
        let Some((body, checksum)) = rest
            .split_last_chunk::<CHECKSUM_LEN>()
            .filter(|(body, _)| body.len() == BODY_LEN)
        else {
            return Err(TokenParseError::WrongLength {
                expected: self.token_len(),
                actual: presented.len(),
            });
        };
        // A scan without early exit first (it vectorises); the position only on the error path.
        if !rest.iter().fold(true, |ok, &b| ok & base62::is_alphabet(b)) {
            let rest_start = prefix.len() + 1;
            let position = rest
                .iter()
                .position(|&b| !base62::is_alphabet(b))
                .map_or(rest_start, |offset| rest_start + offset);
            return Err(TokenParseError::BadCharacter { position });
        }
        // The presented checksum decoded once, compared with the CRC of prefix and body.
        let mut crc = Hasher::new_with_initial(self.prefix_crc);
        crc.update(body);
        if base62::decode_checksum(checksum) != Some(u64::from(crc.finalize())) {
            return Err(TokenParseError::ChecksumMismatch);
        }
        Ok(Token::new(presented, prefix, checksum))
    }
}

/// Checks a prefix: 1 to [`MAX_PREFIX_LEN`] lowercase ASCII letters or digits, starting with
/// a letter.
pub(crate) fn check_prefix(bytes: &[u8]) -> Result<(), PrefixError> {
    match bytes.first() {
        None => return Err(PrefixError::Empty),
        Some(first) if !first.is_ascii_lowercase() => {
            return Err(PrefixError::BadFirstCharacter);
        }
        Some(_) => {}
    }
    if bytes.len() > MAX_PREFIX_LEN {
        return Err(PrefixError::TooLong {
            actual: bytes.len(),
            max: MAX_PREFIX_LEN,
        });
    }
    if let Some(position) = bytes
        .iter()
        .position(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit()))
    {
        return Err(PrefixError::BadCharacter { position });
    }
    Ok(())
}

impl core::str::FromStr for TokenFormat {
    type Err = PrefixError;

    fn from_str(prefix: &str) -> Result<Self, Self::Err> {
        Self::new(prefix)
    }
}
