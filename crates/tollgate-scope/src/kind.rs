//! Secret and publishable tokens (IEX Cloud's two kinds of API token).

use core::fmt;
use core::str::FromStr;

use crate::error::ParseKindError;

/// What a token is for: kept on a server, or embedded in a web page.
///
/// A [`Publishable`](TokenKind::Publishable) token is safe to show to anyone who loads the
/// page it is embedded in: it may only read non-sensitive data ([`Denial::PublishableToken`]
/// otherwise), never creates tokens, and must name the origins it may be used from (see
/// [`derive()`](crate::derive)). Servers give each kind its own token prefix, so that people and
/// secret scanners tell them apart. The text form is `secret` or `publishable`.
///
/// [`Denial::PublishableToken`]: crate::Denial::PublishableToken
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TokenKind {
    /// Kept secret by its holder: a server, a script, a person. The default.
    #[default]
    Secret,
    /// Embedded in web pages: read-only, origin-bound, never mints.
    Publishable,
}

impl TokenKind {
    /// Both kinds.
    pub const ALL: [TokenKind; 2] = [TokenKind::Secret, TokenKind::Publishable];

    /// The canonical name: `secret` or `publishable`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::Secret => "secret",
            TokenKind::Publishable => "publishable",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenKind {
    type Err = ParseKindError;

    /// The canonical name, exactly.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TokenKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or(ParseKindError::UnknownName)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        for kind in TokenKind::ALL {
            assert_eq!(kind.to_string().parse::<TokenKind>(), Ok(kind));
        }
        for bad in ["", "Secret", " secret", "public", "publishable "] {
            assert_eq!(bad.parse::<TokenKind>(), Err(ParseKindError::UnknownName));
        }
        assert_eq!(TokenKind::default(), TokenKind::Secret);
    }
}
