//! `OriginPattern`: any origin, one host, or every subdomain of a domain, each with its own
//! port or any port.

use std::fmt;

use crate::error::OriginError;
use crate::origin::{self, MAX_ORIGIN_LEN, Origin, OriginParts};
use crate::port_pattern::PortPattern;
use crate::text_conversions::text_conversions;
use crate::{host, public_suffix};

/// The pattern that allows every origin.
pub(crate) const ANY_ORIGIN: &str = "*";

/// The suffix that makes a pattern admit any port.
const ANY_PORT_SUFFIX: &str = ":*";

/// The longest domain under a subdomain wildcard: a label and a `.` in front must still fit
/// in a 253-byte host.
const MAX_WILDCARD_DOMAIN_LEN: usize = 253 - "a.".len();

/// Which origins an entry of an allow-list admits.
///
/// Written as `*` (any origin), an exact origin (`https://app.example.com`), or a subdomain
/// wildcard (`https://*.example.com`): one or more labels in front of the domain, with the same
/// scheme and port, never the bare domain itself. Either of the last two may end in `:*` for
/// any port, the default included (`http://localhost:*`, `https://*.example.com:*`). Patterns
/// match whole, normalised origins: `https://app.example.com.evil.com` matches neither
/// `https://app.example.com` nor `https://*.example.com`.
///
/// With [`PortPattern::Any`], the origin's port is ignored; [`OriginPattern::parse`] gives
/// an origin without one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub enum OriginPattern {
    /// Every origin (`*`).
    Any,
    /// One scheme and host, with the origin's port or any port.
    Exact(Origin, PortPattern),
    /// Every origin whose host ends in `.` + the host of this origin, with its scheme, and its
    /// port or any port.
    Subdomains(Origin, PortPattern),
}

impl OriginPattern {
    /// Parses one pattern.
    ///
    /// # Errors
    ///
    /// Any [`Origin`] error (a pattern is at most [`Origin::MAX_LEN`] bytes too), plus
    /// [`OriginError::InvalidWildcard`] for `*` anywhere but as the whole value, the whole
    /// leftmost label or the whole port, [`OriginError::InvalidPort`] for a port written
    /// before `:*`, [`OriginError::WildcardTooBroad`] for a domain of one label
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
        let (text, ports) = match text.strip_suffix(ANY_PORT_SUFFIX) {
            Some(rest) if origin::writes_port(rest) => return Err(OriginError::InvalidPort),
            Some(rest) => (rest, PortPattern::Any),
            None => (text, PortPattern::Exact),
        };
        let Some(wildcard_at) = text.find('*') else {
            return Origin::parse(text).map(|origin| Self::Exact(origin, ports));
        };
        // `find` returns the start of the `*`, a character boundary, so the split is in range.
        let (before, from_wildcard) = text.split_at(wildcard_at);
        let Some(domain) = from_wildcard
            .strip_prefix("*.")
            .filter(|domain| before.ends_with("://") && !domain.contains('*'))
        else {
            return Err(OriginError::InvalidWildcard);
        };
        let base_text = format!("{before}{domain}");
        let base = Origin::parse(&base_text)?;
        check_wildcard_domain(base.host())?;
        Ok(Self::Subdomains(base, ports))
    }

    /// Whether `origin` (an `Origin` header value) matches. An invalid origin matches nothing.
    #[must_use]
    pub fn matches(&self, origin: &[u8]) -> bool {
        OriginParts::parse(origin).is_ok_and(|parts| self.matches_parts(&parts))
    }

    /// Whether every origin `other` matches, this pattern matches too: `other` is no broader.
    ///
    /// `*` covers every pattern and only `*` covers `*`; a host pattern covers the same host;
    /// a subdomain wildcard covers the hosts and wildcards strictly below its domain and its
    /// own wildcard; in every case with the same scheme, and ports no broader (any port
    /// covers every port, a port only itself). So `http://localhost:*` covers
    /// `http://localhost:3000` and `http://localhost`, never the other way round. Used to
    /// check that a token derived from another allows no origin its parent does not.
    #[must_use]
    pub fn covers(&self, other: &OriginPattern) -> bool {
        let (base, ports, other_origin, other_ports, same_host_only) = match (self, other) {
            (Self::Any, _) => return true,
            (_, Self::Any) | (Self::Exact(..), Self::Subdomains(..)) => return false,
            (Self::Exact(base, ports), Self::Exact(other, other_ports)) => {
                (base, ports, other, other_ports, true)
            }
            (Self::Subdomains(base, ports), Self::Exact(other, other_ports)) => {
                (base, ports, other, other_ports, false)
            }
            (Self::Subdomains(base, ports), Self::Subdomains(other, other_ports)) => {
                if base.host() == other.host() && base.scheme() == other.scheme() {
                    return ports.covers(base.port(), *other_ports, other.port());
                }
                (base, ports, other, other_ports, false)
            }
        };
        let hosts_covered = if same_host_only {
            base.scheme() == other_origin.scheme() && base.host() == other_origin.host()
        } else {
            OriginParts::parse(other_origin.as_str().as_bytes())
                .is_ok_and(|parts| is_below(base, &parts))
        };
        hosts_covered && ports.covers(base.port(), *other_ports, other_origin.port())
    }

    pub(crate) fn matches_parts(&self, parts: &OriginParts<'_>) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(origin, PortPattern::Exact) => origin.matches(parts),
            Self::Exact(origin, PortPattern::Any) => origin.matches_any_port(parts),
            Self::Subdomains(base, ports) => matches_subdomain(base, *ports, parts),
        }
    }
}

/// Refuses a subdomain wildcard over an IP address, a single label, a public suffix, or a
/// domain too long to have subdomains.
fn check_wildcard_domain(domain: &str) -> Result<(), OriginError> {
    if host::is_ip_address(domain) {
        return Err(OriginError::WildcardOnIpAddress);
    }
    if !host::without_trailing_dot(domain).contains('.') {
        return Err(OriginError::WildcardTooBroad);
    }
    if public_suffix::has_public_subdomains(domain) {
        return Err(OriginError::WildcardOnPublicSuffix);
    }
    if domain.len() > MAX_WILDCARD_DOMAIN_LEN {
        return Err(OriginError::WildcardDomainTooLong {
            max: MAX_WILDCARD_DOMAIN_LEN,
        });
    }
    Ok(())
}

/// Whether `parts` is a subdomain of `base` that `ports` admit, with its scheme.
pub(crate) fn matches_subdomain(
    base: &Origin,
    ports: PortPattern,
    parts: &OriginParts<'_>,
) -> bool {
    ports.admits(base.port(), parts.port) && is_below(base, parts)
}

/// Whether `parts` has a host one or more labels below `base`'s, and `base`'s scheme.
fn is_below(base: &Origin, parts: &OriginParts<'_>) -> bool {
    let domain = base.host().as_bytes();
    let host = parts.host.as_bytes();
    let Some(split) = host.len().checked_sub(domain.len() + 1) else {
        return false;
    };
    split > 0
        && host.get(split) == Some(&b'.')
        && host
            .get(split + 1..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
        && base.scheme().eq_ignore_ascii_case(parts.scheme)
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (base, ports, wildcard) = match self {
            Self::Any => return f.write_str(ANY_ORIGIN),
            Self::Exact(origin, ports) => (origin, ports, ""),
            Self::Subdomains(base, ports) => (base, ports, "*."),
        };
        write!(f, "{}://{wildcard}{}", base.scheme(), base.host())?;
        match (ports, base.port()) {
            (PortPattern::Any, _) => f.write_str(ANY_PORT_SUFFIX),
            (PortPattern::Exact, Some(port)) => write!(f, ":{port}"),
            (PortPattern::Exact, None) => Ok(()),
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
    fn port_wildcards_parse_print_and_match_any_port() {
        let localhost = pattern("HTTP://LocalHost:*");
        assert_eq!(
            localhost,
            OriginPattern::Exact(Origin::parse("http://localhost").unwrap(), PortPattern::Any)
        );
        assert_eq!(localhost.to_string(), "http://localhost:*");
        assert_eq!(
            pattern("https://*.Example.com:*").to_string(),
            "https://*.example.com:*"
        );
        assert_eq!(pattern("http://[::1]:*").to_string(), "http://[::1]:*");
        for origin in [
            "http://localhost",
            "http://localhost:80",
            "http://localhost:3000",
        ] {
            assert!(localhost.matches(origin.as_bytes()), "{origin}");
        }
        for origin in [
            "https://localhost:3000",
            "http://localhost.",
            "http://a.localhost",
        ] {
            assert!(!localhost.matches(origin.as_bytes()), "{origin}");
        }
        let subdomains = pattern("https://*.example.com:*");
        assert!(subdomains.matches(b"https://a.example.com"));
        assert!(subdomains.matches(b"https://a.example.com:8443"));
        assert!(!subdomains.matches(b"https://example.com:8443"));
        let cases = [
            ("*:*", OriginError::InvalidWildcard),
            ("http://localhost:3*", OriginError::InvalidWildcard),
            ("http://localhost:*3", OriginError::InvalidWildcard),
            ("http://localhost:80:*", OriginError::InvalidPort),
            ("http://localhost::*", OriginError::InvalidPort),
            ("http://localhost:*:*", OriginError::InvalidPort),
            ("https://*.example.com:443:*", OriginError::InvalidPort),
            ("https://*.co.uk:*", OriginError::WildcardOnPublicSuffix),
            (
                "file://localhost:*",
                OriginError::OpaqueScheme { scheme: "file" },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(OriginPattern::parse(text), Err(expected), "{text:?}");
        }
        assert_eq!(
            Origin::parse("http://localhost:*"),
            Err(OriginError::InvalidPort)
        );
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
            ("http://localhost:*", "http://localhost:3000"),
            ("http://localhost:*", "http://localhost"),
            ("http://localhost:*", "http://localhost:*"),
            ("https://*.example.com:*", "https://a.example.com:8443"),
            ("https://*.example.com:*", "https://a.example.com:*"),
            ("https://*.example.com:*", "https://*.example.com"),
            ("https://*.example.com:*", "https://*.a.example.com:*"),
            ("*", "http://localhost:*"),
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
            ("http://localhost:3000", "http://localhost:*"),
            ("http://localhost", "http://localhost:*"),
            ("http://localhost:*", "https://localhost:3000"),
            ("http://localhost:*", "http://a.localhost:3000"),
            ("https://*.example.com", "https://*.example.com:*"),
            ("https://*.example.com", "https://a.example.com:*"),
            ("https://*.example.com:*", "https://example.com:8443"),
            ("http://localhost:*", "*"),
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
