//! `OriginPattern`: any origin, one exact origin, or every subdomain of a domain.

use std::fmt;

use crate::error::OriginError;
use crate::origin::{MAX_ORIGIN_LEN, Origin, OriginParts};
use crate::text_conversions::text_conversions;
use crate::{host, public_suffix};

/// The pattern that allows every origin.
pub const ANY_ORIGIN: &str = "*";

/// The longest domain under a subdomain wildcard: a label and a `.` in front must still fit
/// in a 253-byte host.
const MAX_WILDCARD_DOMAIN_LEN: usize = 253 - "a.".len();

/// Which origins an entry of an allow-list admits.
///
/// Written as `*` (any origin), an exact origin (`https://app.example.com`), or a subdomain
/// wildcard (`https://*.example.com`): one or more labels in front of the domain, with the same
/// scheme and port, never the bare domain itself. Patterns match whole, normalised origins:
/// `https://app.example.com.evil.com` matches neither `https://app.example.com` nor
/// `https://*.example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub enum OriginPattern {
    /// Every origin (`*`).
    Any,
    /// One origin.
    Exact(Origin),
    /// Every origin whose host ends in `.` + the domain of this origin, with its scheme and port.
    Subdomains(Origin),
}

impl OriginPattern {
    /// Parses one pattern.
    ///
    /// # Errors
    ///
    /// Any [`Origin`] error (a pattern is at most [`MAX_ORIGIN_LEN`] bytes too), plus
    /// [`OriginError::InvalidWildcard`] for `*` anywhere but as the whole value or the whole
    /// leftmost label, [`OriginError::WildcardTooBroad`] for a domain of one label
    /// (`https://*.com`), [`OriginError::WildcardOnPublicSuffix`] for a domain on the Public
    /// Suffix List, ICANN or private section (`https://*.co.uk`, `https://*.github.io`),
    /// [`OriginError::WildcardDomainTooLong`] for a domain no subdomain of which fits in 253
    /// bytes, and [`OriginError::WildcardOnIpAddress`].
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        if text.len() > MAX_ORIGIN_LEN {
            return Err(OriginError::TooLong {
                max: MAX_ORIGIN_LEN,
            });
        }
        if text == ANY_ORIGIN {
            return Ok(Self::Any);
        }
        let Some(wildcard_at) = text.find('*') else {
            return Origin::parse(text).map(Self::Exact);
        };
        let domain_start = wildcard_at + "*.".len();
        let well_placed = text
            .get(..wildcard_at)
            .is_some_and(|before| before.ends_with("://"))
            && text.get(wildcard_at..domain_start) == Some("*.")
            && text
                .get(domain_start..)
                .is_some_and(|after| !after.contains('*'));
        if !well_placed {
            return Err(OriginError::InvalidWildcard);
        }
        let base_text = format!(
            "{}{}",
            text.get(..wildcard_at).unwrap_or_default(),
            text.get(domain_start..).unwrap_or_default()
        );
        let base = Origin::parse(&base_text)?;
        if host::is_ip_address(base.host()) {
            return Err(OriginError::WildcardOnIpAddress);
        }
        if !host::without_trailing_dot(base.host()).contains('.') {
            return Err(OriginError::WildcardTooBroad);
        }
        if public_suffix::is_public_suffix(base.host()) {
            return Err(OriginError::WildcardOnPublicSuffix);
        }
        if base.host().len() > MAX_WILDCARD_DOMAIN_LEN {
            return Err(OriginError::WildcardDomainTooLong {
                max: MAX_WILDCARD_DOMAIN_LEN,
            });
        }
        Ok(Self::Subdomains(base))
    }

    /// Whether `origin` (an `Origin` header value) matches. An invalid origin matches nothing.
    #[must_use]
    pub fn matches(&self, origin: &[u8]) -> bool {
        OriginParts::parse(origin).is_ok_and(|parts| self.matches_parts(&parts))
    }

    /// Whether every origin `other` matches, this pattern matches too: `other` is no broader.
    ///
    /// `*` covers every pattern and only `*` covers `*`; an exact origin covers itself; a
    /// subdomain wildcard covers the origins and wildcards strictly below its domain, with its
    /// scheme and port, and its own wildcard. Used to check that a token derived from another
    /// allows no origin its parent does not.
    #[must_use]
    pub fn covers(&self, other: &OriginPattern) -> bool {
        match (self, other) {
            (Self::Any, _) => true,
            (_, Self::Any) => false,
            (Self::Exact(origin), Self::Exact(other)) => origin == other,
            (Self::Exact(_), Self::Subdomains(_)) => false,
            (Self::Subdomains(base), Self::Exact(origin)) => {
                OriginParts::parse(origin.as_str().as_bytes())
                    .is_ok_and(|parts| matches_subdomain(base, &parts))
            }
            (Self::Subdomains(base), Self::Subdomains(other)) => {
                base == other
                    || OriginParts::parse(other.as_str().as_bytes())
                        .is_ok_and(|parts| matches_subdomain(base, &parts))
            }
        }
    }

    pub(crate) fn matches_parts(&self, parts: &OriginParts<'_>) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(origin) => origin.matches(parts),
            Self::Subdomains(base) => matches_subdomain(base, parts),
        }
    }
}

/// Whether `parts` is a subdomain (one or more labels deep) of `base`, with its scheme and port.
pub(crate) fn matches_subdomain(base: &Origin, parts: &OriginParts<'_>) -> bool {
    let domain = base.host().as_bytes();
    let host = parts.host.as_bytes();
    let Some(split) = host.len().checked_sub(domain.len() + 1) else {
        return false;
    };
    split > 0
        && base.port() == parts.port
        && host.get(split) == Some(&b'.')
        && host
            .get(split + 1..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
        && base.scheme().eq_ignore_ascii_case(parts.scheme)
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str(ANY_ORIGIN),
            Self::Exact(origin) => write!(f, "{origin}"),
            Self::Subdomains(base) => {
                write!(f, "{}://*.{}", base.scheme(), base.host())?;
                base.port().map_or(Ok(()), |port| write!(f, ":{port}"))
            }
        }
    }
}

impl From<OriginPattern> for String {
    fn from(pattern: OriginPattern) -> Self {
        pattern.to_string()
    }
}

text_conversions!(OriginPattern, OriginError);

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> OriginPattern {
        OriginPattern::parse(text).unwrap()
    }

    #[test]
    fn parses_the_three_kinds_and_prints_them_normalised() {
        assert_eq!(pattern("*"), OriginPattern::Any);
        assert_eq!(
            pattern("HTTPS://App.Example.com:443").to_string(),
            "https://app.example.com"
        );
        assert_eq!(
            pattern("https://*.Example.com").to_string(),
            "https://*.example.com"
        );
        assert_eq!(
            pattern("http://*.example.com:8080").to_string(),
            "http://*.example.com:8080"
        );
    }

    #[test]
    fn subdomain_wildcards_below_public_suffixes_are_valid() {
        for text in [
            "https://*.example.co.uk",
            "https://*.jub0bs.github.io",
            "https://*.example.com.",
        ] {
            assert_eq!(pattern(text).to_string(), text);
        }
    }

    #[test]
    fn subdomain_wildcard_domains_leave_room_for_a_label() {
        let labels = |total: usize| {
            let mut domain = vec!["a".repeat(62); 4].join(".");
            domain.truncate(total - 4);
            format!("{domain}.com")
        };
        let longest = labels(MAX_WILDCARD_DOMAIN_LEN);
        assert_eq!(longest.len(), 251);
        assert!(OriginPattern::parse(&format!("https://*.{longest}")).is_ok());
        let matching = format!("https://b.{longest}");
        assert!(pattern(&format!("https://*.{longest}")).matches(matching.as_bytes()));
        assert_eq!(
            OriginPattern::parse(&format!("https://*.{}", labels(252))),
            Err(OriginError::WildcardDomainTooLong { max: 251 })
        );
    }

    #[test]
    fn subdomain_wildcards_need_one_or_more_labels_and_the_same_scheme_and_port() {
        let wildcard = pattern("https://*.example.com");
        for origin in [
            "https://a.example.com",
            "https://a.b.example.com",
            "HTTPS://A.EXAMPLE.COM:443",
        ] {
            assert!(wildcard.matches(origin.as_bytes()), "{origin}");
        }
        let refused = [
            "https://example.com",
            "https://.example.com",
            "http://a.example.com",
            "https://a.example.com:8443",
            "https://aexample.com",
            "https://a.example.com.evil.com",
            "https://example.com.evil.com",
            "null",
        ];
        for origin in refused {
            assert!(!wildcard.matches(origin.as_bytes()), "{origin}");
        }
    }

    #[test]
    fn exact_patterns_never_match_by_string_prefix() {
        let exact = pattern("https://app.example.com");
        assert!(exact.matches(b"https://app.example.com"));
        assert!(!exact.matches(b"https://app.example.com.evil.com"));
        assert!(!exact.matches(b"https://app.example.community"));
        assert!(!exact.matches(b"https://evilapp.example.com"));
    }

    #[test]
    fn any_matches_every_valid_origin_but_not_null() {
        assert!(OriginPattern::Any.matches(b"https://x.y"));
        assert!(!OriginPattern::Any.matches(b"null"));
    }

    #[test]
    fn covers_means_admits_every_origin_the_other_admits() {
        let covering = [
            ("*", "*"),
            ("*", "https://a.example.com"),
            ("*", "https://*.example.com"),
            ("https://a.example.com", "HTTPS://A.example.com:443"),
            ("https://*.example.com", "https://a.example.com"),
            ("https://*.example.com", "https://a.b.example.com"),
            ("https://*.example.com", "https://*.example.com"),
            ("https://*.example.com", "https://*.a.example.com"),
        ];
        for (parent, child) in covering {
            assert!(pattern(parent).covers(&pattern(child)), "{parent} {child}");
        }
        let not_covering = [
            ("https://a.example.com", "*"),
            ("https://*.example.com", "*"),
            ("https://a.example.com", "https://b.example.com"),
            ("https://a.example.com", "http://a.example.com"),
            ("https://a.example.com", "https://*.a.example.com"),
            ("https://*.example.com", "https://example.com"),
            ("https://*.example.com", "http://a.example.com"),
            ("https://*.example.com", "https://a.example.com:8443"),
            ("https://*.a.example.com", "https://*.example.com"),
            ("https://*.example.com", "https://*.badexample.com"),
            ("https://*.example.com:8443", "https://*.a.example.com"),
        ];
        for (parent, child) in not_covering {
            assert!(!pattern(parent).covers(&pattern(child)), "{parent} {child}");
        }
    }

    #[test]
    fn misplaced_or_too_broad_wildcards_are_refused() {
        let cases = [
            ("https://*", OriginError::InvalidWildcard),
            ("*.example.com", OriginError::InvalidWildcard),
            ("https://a*.example.com", OriginError::InvalidWildcard),
            ("https://*example.com", OriginError::InvalidWildcard),
            ("https://*.*.example.com", OriginError::InvalidWildcard),
            ("https://a.*.example.com", OriginError::InvalidWildcard),
            ("http*://a.com", OriginError::InvalidWildcard),
            ("https://*.com", OriginError::WildcardTooBroad),
            ("https://*.com.", OriginError::WildcardTooBroad),
            ("https://*.localhost", OriginError::WildcardTooBroad),
            ("https://*.co.uk", OriginError::WildcardOnPublicSuffix),
            ("https://*.github.io", OriginError::WildcardOnPublicSuffix),
            ("https://*.co.uk.", OriginError::WildcardOnPublicSuffix),
            ("https://*.[::1]", OriginError::WildcardOnIpAddress),
            ("https://*.127.0.0.1", OriginError::WildcardOnIpAddress),
            ("https://*.10.0.0.1", OriginError::WildcardOnIpAddress),
            ("https://*.example.com/", OriginError::Path),
            ("null", OriginError::Null),
        ];
        for (text, expected) in cases {
            assert_eq!(OriginPattern::parse(text), Err(expected), "{text:?}");
        }
    }
}
