//! `RoutePrefix`: one validated entry of a route allow-list.

use crate::error::RouteError;
use crate::text_conversions::text_conversions;

/// A path prefix opened to cross-origin requests, such as `/v1/bots`.
///
/// Valid prefixes start with `/`, have at least one segment, and contain only ASCII letters,
/// digits and `-._~!$&'()+=:@` between the slashes: no empty, `.` or `..` segments, no `%`,
/// `?`, `#`, `;`, `*`, `\` or whitespace. A single trailing `/` is dropped (`/v1/bots/` is
/// `/v1/bots`), so the stored form is canonical and two equal prefixes compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct RoutePrefix(Box<str>);

impl RoutePrefix {
    /// Validates and normalises one prefix.
    ///
    /// # Errors
    ///
    /// The first problem found, in this order: empty, non-ASCII, whitespace, missing leading
    /// `/`, a forbidden character or `*`, `/` alone, an empty segment, a dot segment.
    pub fn parse(text: &str) -> Result<Self, RouteError> {
        if text.is_empty() {
            return Err(RouteError::Empty);
        }
        if !text.is_ascii() {
            return Err(RouteError::NonAscii);
        }
        if text.bytes().any(|byte| byte.is_ascii_whitespace()) {
            return Err(RouteError::Whitespace);
        }
        let Some(after_slash) = text.strip_prefix('/') else {
            return Err(RouteError::MissingLeadingSlash);
        };
        if let Some(character) = text.chars().find(|&c| !is_prefix_char(c)) {
            return Err(if character == '*' {
                RouteError::Wildcard
            } else {
                RouteError::ForbiddenCharacter { character }
            });
        }
        if after_slash.is_empty() {
            return Err(RouteError::RootOnly);
        }
        let body = after_slash.strip_suffix('/').unwrap_or(after_slash);
        for segment in body.split('/') {
            match segment {
                "" => return Err(RouteError::EmptySegment),
                "." | ".." => return Err(RouteError::DotSegment),
                _ => {}
            }
        }
        Ok(Self(text.strip_suffix('/').unwrap_or(text).into()))
    }

    /// The canonical text, such as `/v1/bots`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments between the slashes: `/v1/bots` has `v1` and `bots`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        // The text starts with `/` (checked by `parse`): the first piece is the empty text
        // before it.
        self.0.split('/').skip(1)
    }

    /// The same prefix in ASCII lowercase, for case-insensitive route sets.
    pub(crate) fn to_ascii_lowercase(&self) -> Self {
        Self(self.0.to_ascii_lowercase().into())
    }
}

/// `/` separates segments; the rest is RFC 3986 `pchar` without `%` (no encoded forms),
/// `;` (path parameters), `,` (the list separator) and `*` (looks like a glob, is not one).
fn is_prefix_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/-._~!$&'()+=:@".contains(c)
}

text_conversions!(RoutePrefix, RouteError, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_prefixes_keep_their_text_and_drop_one_trailing_slash() {
        assert_eq!(
            RoutePrefix::parse("/v1/bots").map(String::from),
            Ok("/v1/bots".into())
        );
        assert_eq!(
            RoutePrefix::parse("/v1/bots/").map(String::from),
            Ok("/v1/bots".into())
        );
        assert_eq!(
            RoutePrefix::parse("/a-b_c.d~e:f@g").map(String::from),
            Ok("/a-b_c.d~e:f@g".into())
        );
    }

    #[test]
    fn every_listed_mistake_has_its_own_error() {
        let cases = [
            ("", RouteError::Empty),
            ("v1/bots", RouteError::MissingLeadingSlash),
            ("/", RouteError::RootOnly),
            ("/v1/./bots", RouteError::DotSegment),
            ("/v1/..", RouteError::DotSegment),
            ("/v1//bots", RouteError::EmptySegment),
            ("//", RouteError::EmptySegment),
            ("/v1/bots//", RouteError::EmptySegment),
            (
                "/v1/%62ots",
                RouteError::ForbiddenCharacter { character: '%' },
            ),
            ("/v1?x", RouteError::ForbiddenCharacter { character: '?' }),
            ("/v1#x", RouteError::ForbiddenCharacter { character: '#' }),
            ("/v1;x", RouteError::ForbiddenCharacter { character: ';' }),
            (
                "/v1\\bots",
                RouteError::ForbiddenCharacter { character: '\\' },
            ),
            (
                "/v1/{kind}",
                RouteError::ForbiddenCharacter { character: '{' },
            ),
            ("/v1/*", RouteError::Wildcard),
            ("/v1 bots", RouteError::Whitespace),
            (" /v1", RouteError::Whitespace),
            ("/v1/café", RouteError::NonAscii),
        ];
        for (text, expected) in cases {
            assert_eq!(RoutePrefix::parse(text), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn segments_split_on_slashes() {
        let prefix = RoutePrefix::parse("/v1/bots").unwrap();
        assert_eq!(prefix.segments().collect::<Vec<_>>(), ["v1", "bots"]);
    }
}
