//! `TokenHint`: the display-safe reminder of a token, `{prefix}_...{last 4}`.

use core::fmt;
use core::str::FromStr;

use crate::HintParseError;
use crate::base62::{self, CHECKSUM_LEN};
use crate::format::{MAX_PREFIX_LEN, check_prefix};

/// What separates the prefix from the last four characters.
const ELLIPSIS: &str = "_...";

/// How many of the token's last characters a hint keeps.
const KEPT: usize = 4;

/// The longest hint, in bytes.
const MAX_HINT_LEN: usize = MAX_PREFIX_LEN + ELLIPSIS.len() + KEPT;

/// A display-safe reminder of a token: its prefix and last 4 characters (`tg_...Ab12`).
///
/// The last 4 characters belong to the checksum, so a hint reveals at most 24 bits about the
/// body and nothing about the other 232: store it beside the hash, show it in listings. It is
/// at most 24 bytes and held inline, so copying a token's record never allocates for it.
/// Parsing a stored hint ([`FromStr`]) checks its shape: a valid prefix, `_...`, and four
/// characters from `[A-Za-z0-9]`. With the `serde` feature it serializes as its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHint {
    bytes: [u8; MAX_HINT_LEN],
    len: usize,
}

impl TokenHint {
    /// The hint of a token of this `prefix` with this `checksum`: its last four characters
    /// are the checksum's last four.
    pub(crate) fn of(prefix: &str, checksum: &[u8; CHECKSUM_LEN]) -> Self {
        let [_, _, last @ ..] = checksum;
        let last: &[u8; KEPT] = last;
        Self::from_parts(prefix.as_bytes(), last)
    }

    /// The hint built from its parts; parts too long for the buffer are cut (never the case
    /// for the checked parts this crate passes).
    fn from_parts(prefix: &[u8], last: &[u8]) -> Self {
        let mut bytes = [0u8; MAX_HINT_LEN];
        let parts = [prefix, ELLIPSIS.as_bytes(), last];
        let mut len = 0;
        for &byte in parts.iter().flat_map(|part| part.iter()) {
            if let Some(slot) = bytes.get_mut(len) {
                *slot = byte;
                len += 1;
            }
        }
        Self { bytes, len }
    }

    /// The hint's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // `from_parts` counts only the bytes it stored, so the split is in range; every byte
        // comes from a checked ASCII prefix, `_...` and alphabet characters, so it is UTF-8.
        core::str::from_utf8(self.bytes.split_at(self.len).0).unwrap_or_default()
    }
}

impl FromStr for TokenHint {
    type Err = HintParseError;

    /// Reads a stored hint back, checking its shape.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((prefix, last)) = text.split_once(ELLIPSIS) else {
            return Err(HintParseError);
        };
        let last = last.as_bytes();
        let last_is_valid = last.len() == KEPT && last.iter().all(|&b| base62::is_alphabet(b));
        if check_prefix(prefix.as_bytes()).is_err() || !last_is_valid {
            return Err(HintParseError);
        }
        Ok(Self::from_parts(prefix.as_bytes(), last))
    }
}

impl AsRef<str> for TokenHint {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for TokenHint {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TokenHint {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for TokenHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TokenHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for TokenHint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for TokenHint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <&str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TokenFormat;

    #[test]
    fn minted_hint_is_prefix_and_last_four() {
        let minted = TokenFormat::new("tg").unwrap().mint().unwrap();
        let text = minted.secret.expose_secret();
        let hint = minted.secret.hint();
        assert_eq!(hint.as_str(), format!("tg_...{}", &text[text.len() - 4..]));
        assert_eq!(hint.to_string(), hint.as_str());
        assert_eq!(format!("{hint:?}"), format!("{:?}", hint.as_str()));
    }

    #[test]
    fn the_longest_prefix_fits() {
        let prefix = "a".repeat(MAX_PREFIX_LEN);
        let minted = TokenFormat::new(&prefix).unwrap().mint().unwrap();
        let hint = minted.secret.hint();
        assert_eq!(hint.as_str().len(), MAX_HINT_LEN);
        assert!(hint.as_str().starts_with(&format!("{prefix}_...")));
    }

    #[test]
    fn stored_hints_read_back_and_others_are_refused() {
        let hint: TokenHint = "tg_...Ab12".parse().unwrap();
        assert_eq!(hint, "tg_...Ab12");
        for bad in [
            "",
            "tg_Ab12",
            "tg_...Ab1",
            "tg_...Ab123",
            "tg_...Ab-2",
            "_...Ab12",
            "Tg_...Ab12",
            "tg__...Ab12",
            "abcdefghijklmnopq_...Ab12",
            "tg_...Ab12_...Ab12",
        ] {
            assert_eq!(bad.parse::<TokenHint>(), Err(HintParseError), "{bad:?}");
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_uses_the_text() {
        let hint: TokenHint = "tg_...Ab12".parse().unwrap();
        assert_eq!(serde_json::to_string(&hint).unwrap(), r#""tg_...Ab12""#);
        assert_eq!(
            serde_json::from_str::<TokenHint>(r#""tg_...Ab12""#).unwrap(),
            hint
        );
        assert!(serde_json::from_str::<TokenHint>(r#""tg_Ab12""#).is_err());
    }
}
