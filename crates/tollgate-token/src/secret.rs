//! The plaintext of a freshly minted token: shown once, never logged, wiped on drop.

use core::fmt;

use zeroize::Zeroize;

use crate::{TokenHash, TokenHint};

/// The plaintext of a token, as minted.
///
/// It exists once, at minting, to be shown to its owner; only its [`TokenHash`] is stored.
/// `Debug` is redacted, there is no `Display`, the memory is zeroized on drop, and reading it
/// takes an explicit [`expose_secret`](Self::expose_secret).
pub struct TokenSecret {
    text: String,
    /// Computed at minting from the prefix and checksum: display-safe, so not wiped.
    hint: TokenHint,
}

impl TokenSecret {
    pub(crate) fn new(text: String, hint: TokenHint) -> Self {
        Self { text, hint }
    }

    /// The token text, to show to its owner exactly once.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.text
    }

    /// A display-safe reminder of the token, to store beside the hash for listings: see
    /// [`TokenHint`].
    #[must_use]
    pub fn hint(&self) -> TokenHint {
        self.hint
    }

    /// The SHA-256 of the token: what a server stores.
    #[must_use]
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.text)
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

impl Drop for TokenSecret {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// A freshly minted token: the secret to show once and the hash to store.
#[derive(Debug)]
#[non_exhaustive]
pub struct MintedToken {
    /// The plaintext, for the owner's eyes only.
    pub secret: TokenSecret,
    /// SHA-256 of the plaintext, for the database.
    pub hash: TokenHash,
}

#[cfg(test)]
mod tests {
    use crate::TokenFormat;

    #[test]
    fn debug_never_shows_the_secret() {
        let minted = TokenFormat::new("tg").unwrap().mint().unwrap();
        let text = minted.secret.expose_secret().to_owned();
        let body = &text[3..];
        for shown in [
            format!("{:?}", minted.secret),
            format!("{minted:?}"),
            format!("{minted:#?}"),
        ] {
            assert!(!shown.contains(body), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn debug_of_a_struct_holding_a_secret_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Response {
            name: &'static str,
            token: crate::TokenSecret,
        }
        let minted = TokenFormat::new("tg").unwrap().mint().unwrap();
        let text = minted.secret.expose_secret().to_owned();
        let shown = format!(
            "{:?}",
            Response {
                name: "ci",
                token: minted.secret
            }
        );
        assert!(!shown.contains(&text[3..]));
    }

    #[test]
    fn hash_matches_the_minted_hash() {
        let minted = TokenFormat::new("tg").unwrap().mint().unwrap();
        assert_eq!(minted.secret.hash(), minted.hash);
    }
}
