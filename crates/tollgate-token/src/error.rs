//! Every error this crate returns.

use thiserror::Error;

/// A token prefix was refused by [`TokenFormat::new`](crate::TokenFormat::new).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PrefixError {
    /// The prefix is empty.
    #[error("token prefix is empty; choose 1 to {max} lowercase ASCII letters or digits", max = crate::format::MAX_PREFIX_LEN)]
    Empty,
    /// The prefix is longer than [`MAX_PREFIX_LEN`](crate::format::MAX_PREFIX_LEN).
    #[error("token prefix is {actual} bytes long; at most {max} are allowed")]
    TooLong {
        /// Length of the refused prefix, in bytes.
        actual: usize,
        /// The largest length accepted.
        max: usize,
    },
    /// The prefix does not start with a lowercase ASCII letter.
    #[error("token prefix must start with a lowercase ASCII letter (a-z)")]
    BadFirstCharacter,
    /// The prefix holds a byte that is not a lowercase ASCII letter or digit.
    #[error("token prefix has a character other than a-z or 0-9 at byte {position}")]
    BadCharacter {
        /// Byte offset of the first refused character.
        position: usize,
    },
}

/// A presented token was refused by [`TokenFormat::parse`](crate::TokenFormat::parse).
///
/// Messages never repeat the presented text: it may be somebody's real secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TokenParseError {
    /// Nothing was presented.
    #[error("token is empty")]
    Empty,
    /// The token does not start with this server's prefix and `_`.
    #[error("token does not start with the expected prefix")]
    WrongPrefix,
    /// The token has the right prefix but not the right total length.
    #[error("token is {actual} bytes long; tokens of this kind are {expected} bytes long")]
    WrongLength {
        /// The length every token of this format has, in bytes.
        expected: usize,
        /// The length presented, in bytes.
        actual: usize,
    },
    /// A byte after the prefix is not in `[A-Za-z0-9]`.
    #[error("token has a character outside A-Z, a-z, 0-9 at byte {position}")]
    BadCharacter {
        /// Byte offset of the first refused character.
        position: usize,
    },
    /// The checksum does not match: the token was mistyped or truncated and re-padded.
    #[error("token checksum does not match; the token was altered or mistyped")]
    ChecksumMismatch,
}

/// The operating system's random number generator failed while minting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the operating system's random number generator failed: {source}")]
pub struct MintError {
    #[from]
    source: rand::rngs::SysError,
}

/// A stored hash text was refused by [`TokenHash::from_str`](crate::TokenHash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HashParseError {
    /// The text is not 64 characters long.
    #[error("token hash text is {actual} bytes long; expected 64 hexadecimal digits")]
    WrongLength {
        /// Length of the refused text, in bytes.
        actual: usize,
    },
    /// The text holds a byte that is not a hexadecimal digit.
    #[error("token hash text has a non-hexadecimal character at byte {position}")]
    BadCharacter {
        /// Byte offset of the first refused character.
        position: usize,
    },
}

/// A stored hint text was refused by [`TokenHint::from_str`](crate::TokenHint): it is not
/// `{prefix}_...` followed by four characters from `[A-Za-z0-9]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("token hint is not a prefix, `_...` and 4 letters or digits")]
pub struct HintParseError;

/// An `Authorization` header value was refused by
/// [`parse_authorization`](crate::parse_authorization).
///
/// Messages never repeat the presented text: it may be somebody's real secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The header value is empty or only white space.
    #[error("Authorization header is empty")]
    Empty,
    /// A single word was sent and raw tokens are not accepted.
    #[error("Authorization header has no scheme; send `Bearer <token>`")]
    MissingScheme,
    /// A scheme was sent with no credentials after it.
    #[error("Authorization header names a scheme but carries no token")]
    MissingToken,
    /// The scheme is neither `Bearer` nor an accepted alternative.
    #[error("Authorization scheme is not supported; send `Bearer <token>`")]
    UnknownScheme,
    /// The scheme is known but this server does not accept it.
    #[error("Authorization scheme `{scheme}` is not accepted here; send `Bearer <token>`")]
    SchemeNotAccepted {
        /// The refused scheme.
        scheme: crate::Scheme,
    },
    /// More than one word follows the scheme.
    #[error("Authorization header has more than one credential after the scheme")]
    ExtraParts,
    /// The credentials hold a byte outside RFC 6750's `b64token` alphabet.
    #[error("Authorization header has a character not allowed in a token at byte {position}")]
    BadCharacter {
        /// Byte offset, in the header value as given, of the first refused byte.
        position: usize,
    },
}

/// A token name was refused by [`TokenName::new`](crate::TokenName::new).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty after trimming white space.
    #[error("token name is empty")]
    Empty,
    /// The name has more than [`TokenName::MAX_CHARS`](crate::TokenName::MAX_CHARS) characters.
    #[error("token name has {actual} characters; at most {max} are allowed")]
    TooLong {
        /// Number of characters after trimming.
        actual: usize,
        /// The largest number accepted.
        max: usize,
    },
    /// The name holds a control character.
    #[error("token name has a control character at character {position}")]
    ControlCharacter {
        /// Character index (after trimming) of the first control character.
        position: usize,
    },
    /// The name holds a Unicode format character (general category Cf): an invisible
    /// character such as a bidirectional override (U+202E), a zero-width space (U+200B), a
    /// zero-width joiner (U+200D), a byte-order mark (U+FEFF) or a soft hyphen (U+00AD). The
    /// message names its code point, since the character itself would not show.
    #[error(
        "token name has the invisible format character U+{code:04X} at character {position}",
        code = u32::from(*.character)
    )]
    FormatCharacter {
        /// Character index (after trimming) of the first format character.
        position: usize,
        /// The format character.
        character: char,
    },
}

/// A token is well formed and known but may not be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum InactiveToken {
    /// The token was revoked.
    #[error("token was revoked at {at}")]
    Revoked {
        /// When it was revoked.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The token's expiry time has been reached.
    #[error("token expired at {at}")]
    Expired {
        /// When it expired.
        at: chrono::DateTime<chrono::Utc>,
    },
}
