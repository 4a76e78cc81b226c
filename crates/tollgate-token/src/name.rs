//! A token's human-chosen name.

use core::fmt;
use core::str::FromStr;
use std::sync::Arc;

use arrayvec::ArrayString;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::NameError;

/// A token name: white space trimmed, 1 to 60 characters, no control characters and no
/// Unicode format characters.
///
/// Format characters (general category Cf) are invisible yet change how text is shown or
/// compared: a bidirectional override such as U+202E reorders the text after it, and a
/// zero-width space, joiner or non-joiner, a byte-order mark or a soft hyphen makes two names
/// that look the same differ. A name is shown to people who must tell their tokens apart, so
/// it may hold none of them. This refuses emoji written as zero-width-joiner sequences (such
/// as a family) and flag tag sequences too; single emoji, with or without a variation
/// selector, are accepted.
///
/// Names are unique per user ignoring case (Refocus's rule): compare or index
/// [`uniqueness_key`](Self::uniqueness_key), never the name itself. A name of up to 24 bytes
/// is held inline and a longer one behind a reference count, so cloning a name, as every
/// authentication does when it hands out its token's record, never allocates and, for the
/// short names most tokens have, touches no shared counter.
///
/// ```
/// use tollgate_token::TokenName;
///
/// let name = TokenName::new("  CI Deploy ")?;
/// assert_eq!(name.as_str(), "CI Deploy");
/// assert_eq!(name.uniqueness_key(), TokenName::new("ci deploy")?.uniqueness_key());
/// # Ok::<(), tollgate_token::NameError>(())
/// ```
#[derive(Clone)]
pub struct TokenName(Text);

/// The longest name held inline, in bytes: with its 4-byte length and the enum's tag, a name
/// is then 32 bytes.
const INLINE_LEN: usize = 24;

const _: () = assert!(size_of::<TokenName>() == 32);

#[derive(Clone)]
enum Text {
    Inline(ArrayString<INLINE_LEN>),
    Shared(Arc<str>),
}

impl TokenName {
    /// The most characters (Unicode scalar values) a name may have after trimming.
    pub const MAX_CHARS: usize = 60;

    /// Trims `name` and validates it.
    ///
    /// # Errors
    /// [`NameError`] when the trimmed name is empty, longer than [`Self::MAX_CHARS`], or holds a
    /// control character or a Unicode format character; the first such character is reported.
    pub fn new(name: &str) -> Result<Self, NameError> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        for (position, character) in trimmed.chars().enumerate() {
            if character.is_control() {
                return Err(NameError::ControlCharacter { position });
            }
            if character.general_category() == GeneralCategory::Format {
                return Err(NameError::FormatCharacter {
                    position,
                    character,
                });
            }
        }
        let chars = trimmed.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(NameError::TooLong {
                actual: chars,
                max: Self::MAX_CHARS,
            });
        }
        let text = ArrayString::from(trimmed)
            .map_or_else(|_| Text::Shared(Arc::from(trimmed)), Text::Inline);
        Ok(Self(text))
    }

    /// The name as given, trimmed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Text::Inline(text) => text,
            Text::Shared(text) => text,
        }
    }

    /// The key under which names must be unique, so `Deploy` and `DEPLOY` collide: the name
    /// in Unicode uppercase, then lowercase. Lowercasing alone is not a caseless match: it
    /// keeps `ß` apart from `SS`, and it writes a word-final capital sigma as `ς` but leaves an
    /// `σ` typed at the end of a word alone. Going through uppercase first maps each of those
    /// pairs to one key.
    #[must_use]
    pub fn uniqueness_key(&self) -> String {
        self.as_str().to_uppercase().to_lowercase()
    }
}

impl PartialEq for TokenName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TokenName {}

impl PartialOrd for TokenName {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TokenName {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for TokenName {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TokenName").field(&self.as_str()).finish()
    }
}

impl fmt::Display for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for TokenName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl FromStr for TokenName {
    type Err = NameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::new(name)
    }
}

impl TryFrom<&str> for TokenName {
    type Error = NameError;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for TokenName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for TokenName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::new(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        assert_eq!(
            TokenName::new(" \t my token\n").unwrap().as_str(),
            "my token"
        );
    }

    #[test]
    fn short_and_long_names_behave_alike() {
        for text in [
            "a",
            &"x".repeat(INLINE_LEN),
            &"x".repeat(INLINE_LEN + 1),
            &"é".repeat(60),
        ] {
            let name = TokenName::new(text).unwrap();
            assert_eq!(name.as_str(), text);
            assert_eq!(name.clone(), name);
            assert_eq!(format!("{name:?}"), format!("TokenName({text:?})"));
        }
        let short = TokenName::new(&"x".repeat(INLINE_LEN)).unwrap();
        let long = TokenName::new(&"x".repeat(INLINE_LEN + 1)).unwrap();
        assert!(matches!(short.0, Text::Inline { .. }));
        assert!(matches!(long.0, Text::Shared(_)));
        assert_ne!(short, long);
        assert!(short < long);
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(TokenName::new(&"é".repeat(60)).is_ok());
        assert_eq!(
            TokenName::new(&"é".repeat(61)),
            Err(NameError::TooLong {
                actual: 61,
                max: 60
            })
        );
    }

    #[test]
    fn error_paths() {
        assert_eq!(TokenName::new(""), Err(NameError::Empty));
        assert_eq!(TokenName::new(" \n\t "), Err(NameError::Empty));
        assert_eq!(
            TokenName::new("a\u{0}b"),
            Err(NameError::ControlCharacter { position: 1 })
        );
        assert_eq!(
            TokenName::new("ab\u{1b}[31m"),
            Err(NameError::ControlCharacter { position: 2 })
        );
    }

    #[test]
    fn format_characters_are_refused() {
        for character in [
            '\u{ad}',    // soft hyphen
            '\u{61c}',   // Arabic letter mark
            '\u{180e}',  // Mongolian vowel separator
            '\u{200b}',  // zero-width space
            '\u{200c}',  // zero-width non-joiner
            '\u{200d}',  // zero-width joiner
            '\u{200e}',  // left-to-right mark
            '\u{202a}',  // left-to-right embedding
            '\u{202e}',  // right-to-left override
            '\u{2060}',  // word joiner
            '\u{2066}',  // left-to-right isolate
            '\u{2069}',  // pop directional isolate
            '\u{feff}',  // byte-order mark, zero-width no-break space
            '\u{fff9}',  // interlinear annotation anchor
            '\u{110bd}', // Kaithi number sign
            '\u{e0001}', // language tag
            '\u{e0067}', // tag letter g, as in flag tag sequences
        ] {
            assert_eq!(
                TokenName::new(&format!("ci{character}deploy")),
                Err(NameError::FormatCharacter {
                    position: 2,
                    character
                }),
                "U+{:04X}",
                u32::from(character)
            );
        }
    }

    /// Trimming removes white space only: a format character at either end is still refused,
    /// and the position counts from the trimmed name.
    #[test]
    fn format_characters_at_the_ends_are_refused_not_trimmed() {
        assert_eq!(
            TokenName::new(" \u{feff}deploy"),
            Err(NameError::FormatCharacter {
                position: 0,
                character: '\u{feff}'
            })
        );
        assert_eq!(
            TokenName::new("deploy\u{200b} "),
            Err(NameError::FormatCharacter {
                position: 6,
                character: '\u{200b}'
            })
        );
    }

    #[test]
    fn the_first_refused_character_is_reported() {
        assert_eq!(
            TokenName::new("a\u{202e}b\u{0}"),
            Err(NameError::FormatCharacter {
                position: 1,
                character: '\u{202e}'
            })
        );
        assert_eq!(
            TokenName::new("a\u{7}b\u{202e}"),
            Err(NameError::ControlCharacter { position: 1 })
        );
    }

    #[test]
    fn the_format_character_message_names_the_code_point() {
        let refused = TokenName::new("deploy\u{202e}gpj.exe").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "token name has the invisible format character U+202E at character 6"
        );
        let refused = TokenName::new("x\u{e0067}").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "token name has the invisible format character U+E0067 at character 1"
        );
    }

    #[test]
    fn letters_marks_emoji_and_scripts_are_accepted() {
        for text in [
            "CI deploy",
            "déploiement",        // precomposed letter
            "de\u{301}ploiement", // combining mark (Mn), not a format character
            "Ключ доступа",
            "部署用のトークン",
            "배포 토큰",
            "نشر", // right-to-left script, no marks needed
            "🚀 release",
            "❤\u{fe0f} prod", // emoji with a variation selector (Mn)
            "👍🏽 reviewed",    // emoji with a skin-tone modifier (Sk)
            "a\u{a0}b",       // no-break space (Zs), inside the name
        ] {
            assert_eq!(TokenName::new(text).unwrap().as_str(), text);
        }
    }

    #[test]
    fn uniqueness_ignores_case() {
        let a = TokenName::new("Deploy Ключ").unwrap();
        let b = TokenName::new("DEPLOY ключ").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.uniqueness_key(), b.uniqueness_key());
    }

    #[test]
    fn uniqueness_matches_final_sigma_and_sharp_s() {
        for (a, b) in [("ΟΔΟΣ", "οδοσ"), ("οδος", "οδοσ"), ("straße", "STRASSE")] {
            let key = |text| TokenName::new(text).unwrap().uniqueness_key();
            assert_eq!(key(a), key(b), "{a} and {b}");
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let name: TokenName = serde_json::from_str("\" ci \"").unwrap();
        assert_eq!(name.as_str(), "ci");
        assert!(serde_json::from_str::<TokenName>("\"  \"").is_err());
    }
}
