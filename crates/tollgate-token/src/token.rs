//! A presented token that passed [`TokenFormat::parse`](crate::TokenFormat::parse).

use core::fmt;

use subtle::ConstantTimeEq;

use crate::base62::CHECKSUM_LEN;
use crate::{TokenHash, TokenHint};

/// A well-formed token borrowed from a request: right prefix, length, alphabet and checksum.
///
/// Well formed is not authentic: compare its [`hash`](Self::hash) with a stored one, through
/// [`verify`](Self::verify) or a lookup by hash. `Debug` is redacted, as the text is a secret,
/// and `==` runs in constant time for tokens of one length.
#[derive(Clone, Copy, Eq)]
pub struct Token<'a> {
    text: &'a str,
    /// The start of `text`, without the separator.
    prefix: &'a str,
    /// The end of `text`.
    checksum: &'a [u8; CHECKSUM_LEN],
}

impl PartialEq for Token<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.prefix.len() == other.prefix.len()
            && bool::from(self.text.as_bytes().ct_eq(other.text.as_bytes()))
    }
}

impl<'a> Token<'a> {
    /// A token whose `text` [`TokenFormat::parse`](crate::TokenFormat::parse) split into
    /// `prefix`, separator, body and `checksum`.
    pub(crate) fn new(text: &'a str, prefix: &'a str, checksum: &'a [u8; CHECKSUM_LEN]) -> Self {
        Self {
            text,
            prefix,
            checksum,
        }
    }

    /// The token text as presented.
    #[must_use]
    pub fn expose_secret(&self) -> &'a str {
        self.text
    }

    /// The prefix, without the separator.
    #[must_use]
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }

    /// SHA-256 of the token, to look it up by.
    #[must_use]
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.text)
    }

    /// Whether this token's hash equals `stored`, compared in constant time.
    #[must_use]
    pub fn verify(&self, stored: &TokenHash) -> bool {
        self.hash() == *stored
    }

    /// The display-safe hint (`tg_...Ab12`); see [`TokenSecret::hint`](crate::TokenSecret::hint).
    #[must_use]
    pub fn hint(&self) -> TokenHint {
        TokenHint::of(self.prefix, self.checksum)
    }
}

impl fmt::Debug for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("prefix", &self.prefix())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::TokenFormat;

    #[test]
    fn parsed_token_verifies_against_its_minted_hash_only() {
        let format = TokenFormat::new("tg").unwrap();
        let (a, b) = (format.mint().unwrap(), format.mint().unwrap());
        let token = format.parse(a.secret.expose_secret()).unwrap();
        assert!(token.verify(&a.hash));
        assert!(!token.verify(&b.hash));
        assert_eq!(token.prefix(), "tg");
        assert_eq!(token.hint(), a.secret.hint());
    }

    #[test]
    fn debug_shows_prefix_not_secret() {
        let format = TokenFormat::new("tg").unwrap();
        let minted = format.mint().unwrap();
        let token = format.parse(minted.secret.expose_secret()).unwrap();
        let shown = format!("{token:?}");
        assert_eq!(shown, r#"Token { prefix: "tg", .. }"#);
    }
}
