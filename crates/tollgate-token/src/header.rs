//! The `Authorization` request header (RFC 7235 section 4.2, RFC 6750 section 2.1).

use core::fmt;

use subtle::ConstantTimeEq;

use crate::HeaderError;

/// How a client presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `Authorization: Bearer <token>` (RFC 6750), always accepted.
    Bearer,
    /// `Authorization: Token <token>`, as Part-DB also accepts.
    Token,
    /// `Authorization: <token>` with no scheme, as Refocus sends.
    Raw,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bearer => "Bearer",
            Self::Token => "Token",
            Self::Raw => "raw token",
        })
    }
}

/// Which [`Scheme`]s a server accepts. `Bearer` always is; the others are opt-in.
///
/// ```
/// use tollgate_token::{AcceptedSchemes, Scheme};
///
/// let refocus_compatible = AcceptedSchemes::BEARER.and(Scheme::Raw);
/// assert!(refocus_compatible.accepts(Scheme::Raw));
/// assert!(!refocus_compatible.accepts(Scheme::Token));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptedSchemes {
    token: bool,
    raw: bool,
}

impl AcceptedSchemes {
    /// Only `Bearer <token>`: the default, and what RFC 6750 defines.
    pub const BEARER: Self = Self {
        token: false,
        raw: false,
    };

    /// These schemes plus `scheme`.
    #[must_use]
    pub const fn and(self, scheme: Scheme) -> Self {
        match scheme {
            Scheme::Bearer => self,
            Scheme::Token => Self {
                token: true,
                ..self
            },
            Scheme::Raw => Self { raw: true, ..self },
        }
    }

    /// Whether `scheme` is accepted.
    #[must_use]
    pub const fn accepts(self, scheme: Scheme) -> bool {
        match scheme {
            Scheme::Bearer => true,
            Scheme::Token => self.token,
            Scheme::Raw => self.raw,
        }
    }
}

impl Default for AcceptedSchemes {
    fn default() -> Self {
        Self::BEARER
    }
}

/// The credentials found in an `Authorization` header. `Debug` is redacted and `==` runs in
/// constant time for tokens of one length.
#[derive(Clone, Copy, Eq)]
pub struct Credentials<'a> {
    /// How they were presented.
    pub scheme: Scheme,
    /// The token text: RFC 6750 `b64token` characters only. Parse it with
    /// [`TokenFormat::parse`](crate::TokenFormat::parse).
    pub token: &'a str,
}

impl PartialEq for Credentials<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.scheme == other.scheme
            && bool::from(self.token.as_bytes().ct_eq(other.token.as_bytes()))
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("scheme", &self.scheme)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Reads the token out of an `Authorization` header value.
///
/// The value is `scheme 1*SP token` (RFC 7235): the scheme is matched ignoring case, the token
/// must be RFC 6750 `b64token` characters (`A-Z a-z 0-9 - . _ ~ + /`, then any `=`), and
/// white space around the whole value is ignored (HTTP's optional white space). A single word
/// is a raw token when `accepted` allows [`Scheme::Raw`]. Takes bytes, as HTTP header values
/// are; never panics and reads each byte at most twice.
///
/// ```
/// use tollgate_token::{AcceptedSchemes, HeaderError, Scheme, parse_authorization};
///
/// let found = parse_authorization(b"bearer tg_abc", AcceptedSchemes::BEARER)?;
/// assert_eq!((found.scheme, found.token), (Scheme::Bearer, "tg_abc"));
/// assert_eq!(
///     parse_authorization(b"Basic dXNlcjpwdw==", AcceptedSchemes::BEARER),
///     Err(HeaderError::UnknownScheme)
/// );
/// # Ok::<(), HeaderError>(())
/// ```
///
/// # Errors
/// [`HeaderError`]: empty value, no scheme, scheme without token, unknown or unaccepted scheme,
/// more than one word after the scheme, or a byte outside `b64token`.
pub fn parse_authorization(
    value: &[u8],
    accepted: AcceptedSchemes,
) -> Result<Credentials<'_>, HeaderError> {
    let from_start = skip_spaces(value);
    if from_start.is_empty() {
        return Err(HeaderError::Empty);
    }
    // Where `trimmed` starts in `value`, for error positions.
    let start = value.len() - from_start.len();
    let trimmed = trim_end_spaces(from_start);

    let Some(gap) = trimmed.iter().position(|&b| is_space(b)) else {
        if named_scheme(trimmed).is_some() {
            return Err(HeaderError::MissingToken);
        }
        if !accepted.accepts(Scheme::Raw) {
            return Err(HeaderError::MissingScheme);
        }
        let token = b64token(trimmed, start)?;
        return Ok(Credentials {
            scheme: Scheme::Raw,
            token,
        });
    };

    // `gap` is a position in `trimmed`, so the split is in range.
    let (word, rest) = trimmed.split_at(gap);
    let scheme = named_scheme(word).ok_or(HeaderError::UnknownScheme)?;
    if !accepted.accepts(scheme) {
        return Err(HeaderError::SchemeNotAccepted { scheme });
    }
    let token_bytes = skip_spaces(rest);
    if token_bytes.iter().any(|&b| is_space(b)) {
        return Err(HeaderError::ExtraParts);
    }
    // `token_bytes` ends where `trimmed` does.
    let token = b64token(token_bytes, start + trimmed.len() - token_bytes.len())?;
    Ok(Credentials { scheme, token })
}

/// `bytes` without its leading spaces and tabs.
fn skip_spaces(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes
        && is_space(*first)
    {
        bytes = rest;
    }
    bytes
}

/// `bytes` without its trailing spaces and tabs.
fn trim_end_spaces(mut bytes: &[u8]) -> &[u8] {
    while let [rest @ .., last] = bytes
        && is_space(*last)
    {
        bytes = rest;
    }
    bytes
}

/// Space or horizontal tab: the separators HTTP allows in a field value.
const fn is_space(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// The scheme `word` names, ignoring case, if it is one this crate knows.
fn named_scheme(word: &[u8]) -> Option<Scheme> {
    if word.eq_ignore_ascii_case(b"bearer") {
        Some(Scheme::Bearer)
    } else if word.eq_ignore_ascii_case(b"token") {
        Some(Scheme::Token)
    } else {
        None
    }
}

/// `bytes` as text if it is an RFC 6750 `b64token`; `offset` locates it for error positions.
fn b64token(bytes: &[u8], offset: usize) -> Result<&str, HeaderError> {
    let body_len = bytes
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    let bad = bytes.iter().enumerate().find(|&(index, &b)| {
        let allowed =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        !(allowed || (index >= body_len && b == b'='))
    });
    if let Some((index, _)) = bad {
        return Err(HeaderError::BadCharacter {
            position: offset + index,
        });
    }
    if body_len == 0 {
        return Err(HeaderError::BadCharacter { position: offset });
    }
    // Every byte was checked to be ASCII above, so this cannot fail; map it anyway.
    core::str::from_utf8(bytes).map_err(|_| HeaderError::BadCharacter { position: offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: AcceptedSchemes = AcceptedSchemes::BEARER.and(Scheme::Token).and(Scheme::Raw);

    fn parse(value: &str, accepted: AcceptedSchemes) -> Result<(Scheme, &str), HeaderError> {
        parse_authorization(value.as_bytes(), accepted).map(|c| (c.scheme, c.token))
    }

    #[test]
    fn bearer_in_any_case_with_surrounding_and_repeated_spaces() {
        for value in [
            "Bearer tg_a",
            "bearer tg_a",
            "BEARER tg_a",
            " \tBeArEr  \t tg_a \t",
        ] {
            assert_eq!(
                parse(value, AcceptedSchemes::BEARER),
                Ok((Scheme::Bearer, "tg_a")),
                "{value:?}"
            );
        }
    }

    #[test]
    fn token_scheme_only_when_accepted() {
        assert_eq!(parse("Token tg_a", ALL), Ok((Scheme::Token, "tg_a")));
        assert_eq!(
            parse("token tg_a", AcceptedSchemes::BEARER),
            Err(HeaderError::SchemeNotAccepted {
                scheme: Scheme::Token
            })
        );
    }

    #[test]
    fn raw_token_only_when_accepted() {
        assert_eq!(parse("tg_a", ALL), Ok((Scheme::Raw, "tg_a")));
        assert_eq!(
            parse("tg_a", AcceptedSchemes::BEARER),
            Err(HeaderError::MissingScheme)
        );
    }

    #[test]
    fn error_paths() {
        let cases: &[(&str, HeaderError)] = &[
            ("", HeaderError::Empty),
            (" \t ", HeaderError::Empty),
            ("Bearer", HeaderError::MissingToken),
            ("Bearer   ", HeaderError::MissingToken),
            ("token", HeaderError::MissingToken),
            ("Basic dXNlcjpwYXNz", HeaderError::UnknownScheme),
            ("Bearers tg_a", HeaderError::UnknownScheme),
            ("Bearer tg_a tg_b", HeaderError::ExtraParts),
            ("Bearer tg_a, x=y", HeaderError::ExtraParts),
            ("Bearer tg_a,x", HeaderError::BadCharacter { position: 11 }),
            ("Bearer tg\"a", HeaderError::BadCharacter { position: 9 }),
            ("Bearer ab=c", HeaderError::BadCharacter { position: 9 }),
            ("Bearer ===", HeaderError::BadCharacter { position: 7 }),
            ("Bearer tg_é", HeaderError::BadCharacter { position: 10 }),
            ("tg\u{7f}a", HeaderError::BadCharacter { position: 2 }),
            // Positions count the white space around the scheme and the token.
            (
                "  Bearer \t tg_a,x  ",
                HeaderError::BadCharacter { position: 15 },
            ),
            (" \ttg,a ", HeaderError::BadCharacter { position: 4 }),
        ];
        for &(value, expected) in cases {
            assert_eq!(parse(value, ALL), Err(expected), "{value:?}");
        }
    }

    #[test]
    fn padding_is_allowed_at_the_end() {
        assert_eq!(parse("Bearer YWJj==", ALL), Ok((Scheme::Bearer, "YWJj==")));
        assert_eq!(
            parse("Bearer a-._~+/Z9", ALL),
            Ok((Scheme::Bearer, "a-._~+/Z9"))
        );
    }

    #[test]
    fn control_bytes_and_invalid_utf8_are_refused() {
        assert_eq!(
            parse_authorization(b"Bearer tg\x00a", ALL),
            Err(HeaderError::BadCharacter { position: 9 })
        );
        assert_eq!(
            parse_authorization(b"Bearer \xff\xfe", ALL),
            Err(HeaderError::BadCharacter { position: 7 })
        );
        assert_eq!(
            parse_authorization(b"\xff", ALL),
            Err(HeaderError::BadCharacter { position: 0 })
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let found = parse_authorization(b"Bearer secret123", ALL).unwrap();
        assert!(!format!("{found:?}").contains("secret123"));
    }
}
