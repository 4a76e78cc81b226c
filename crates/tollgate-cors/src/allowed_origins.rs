//! `AllowedOrigins`: a list of origin patterns, for a policy or for one token.

use std::fmt;
use std::sync::Arc;

use crate::env_list;
use crate::error::OriginListErrors;
use crate::origin::{Origin, OriginParts};
use crate::origin_pattern::{OriginPattern, matches_subdomain};
use crate::port_pattern::PortPattern;

/// The outcome of checking a request's `Origin` against a token's allowed origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginCheck {
    /// The request carries an origin that a pattern matches.
    Allowed,
    /// The request carries no `Origin` header: denied, since the restriction cannot be checked.
    Missing,
    /// The `Origin` header is not a valid origin (including `null`): denied.
    Invalid,
    /// The origin is valid but no pattern matches it: denied.
    NotAllowed,
}

/// The origins admitted by a list of [`OriginPattern`]s.
///
/// The empty list admits nothing. A list holding `*` admits every valid origin, so it keeps
/// only `*`. Matching allocates nothing: an origin in normal form (as browsers send it) is
/// found among the exact origins by binary search; other spellings, hosts with any port
/// (`http://localhost:*`) and subdomain wildcards are compared one by one. The lists are
/// shared: cloning a token's allowed origins, as every authentication does when it hands out
/// the token's record, allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(from = "Vec<OriginPattern>", into = "Vec<OriginPattern>")
)]
pub struct AllowedOrigins(Arc<Lists>);

/// The lists of an [`AllowedOrigins`].
#[derive(Debug, PartialEq, Eq, Default)]
struct Lists {
    /// As given, without duplicates.
    patterns: Vec<OriginPattern>,
    /// The exact origins with their own port, sorted by text.
    exact: Vec<Origin>,
    /// The hosts admitted with any port (`http://localhost:*`), without a port.
    any_port: Vec<Origin>,
    /// The domains of the subdomain wildcards, with their ports.
    subdomains: Vec<(Origin, PortPattern)>,
}

impl AllowedOrigins {
    /// Every origin (`*`).
    #[must_use]
    pub fn any() -> Self {
        Self(Arc::new(Lists {
            patterns: vec![OriginPattern::Any],
            ..Lists::default()
        }))
    }

    /// No origin at all.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// The origins the given patterns admit; duplicates are dropped.
    #[must_use]
    pub fn from_patterns(patterns: impl IntoIterator<Item = OriginPattern>) -> Self {
        let mut kept: Vec<OriginPattern> = Vec::new();
        for pattern in patterns {
            if pattern == OriginPattern::Any {
                return Self::any();
            }
            if !kept.contains(&pattern) {
                kept.push(pattern);
            }
        }
        let mut exact = Vec::new();
        let mut any_port = Vec::new();
        let mut subdomains = Vec::new();
        for pattern in &kept {
            match pattern {
                OriginPattern::Exact(origin, PortPattern::Exact) => exact.push(origin.clone()),
                OriginPattern::Exact(origin, PortPattern::Any) => any_port.push(origin.clone()),
                OriginPattern::Subdomains(base, ports) => subdomains.push((base.clone(), *ports)),
                OriginPattern::Any => {}
            }
        }
        exact.sort_unstable_by(|left, right| left.as_str().cmp(right.as_str()));
        Self(Arc::new(Lists {
            patterns: kept,
            exact,
            any_port,
            subdomains,
        }))
    }

    /// Parses a `CORS_ALLOWED_ORIGINS`-style value: comma-separated patterns, whitespace
    /// around each trimmed. A blank value admits no origin. (The example server treats an
    /// unset variable as `*`; that default is the caller's, since only it knows "unset".)
    ///
    /// # Errors
    ///
    /// Every invalid entry with its 1-based position, including empty entries.
    pub fn from_env_value(value: &str) -> Result<Self, OriginListErrors> {
        env_list::parse(value, OriginPattern::parse).map(Self::from_patterns)
    }

    /// The patterns, in the order given.
    #[must_use]
    pub fn patterns(&self) -> &[OriginPattern] {
        &self.0.patterns
    }

    /// Whether every origin is admitted (the list is `*`).
    #[must_use]
    pub fn is_any(&self) -> bool {
        self.0.patterns.first() == Some(&OriginPattern::Any)
    }

    /// Whether the list admits nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.patterns.is_empty()
    }

    /// Whether `origin` (an `Origin` header value) is admitted. Invalid origins never are.
    #[must_use]
    pub fn allows(&self, origin: &[u8]) -> bool {
        self.exact_match(origin).is_some()
            || OriginParts::parse(origin).is_ok_and(|parts| self.allows_parts(&parts))
    }

    /// The listed exact origin spelled byte for byte as `origin`, if any: the normal form
    /// browsers send, admitted without parsing (parsing it would give the same origin).
    pub(crate) fn exact_match(&self, origin: &[u8]) -> Option<&str> {
        let index = self
            .0
            .exact
            .binary_search_by(|listed| listed.as_str().as_bytes().cmp(origin))
            .ok()?;
        self.0.exact.get(index).map(Origin::as_str)
    }

    pub(crate) fn allows_parts(&self, parts: &OriginParts<'_>) -> bool {
        let exact = if parts.canonical {
            self.0
                .exact
                .binary_search_by(|origin| origin.as_str().cmp(parts.text))
                .is_ok()
        } else {
            self.0.exact.iter().any(|origin| origin.matches(parts))
        };
        self.is_any()
            || exact
            || self
                .0
                .any_port
                .iter()
                .any(|origin| origin.matches_any_port(parts))
            || self
                .0
                .subdomains
                .iter()
                .any(|(base, ports)| matches_subdomain(base, *ports, parts))
    }

    /// Checks a request against a token's allowed origins, failing closed: a request with no
    /// `Origin` header, or with an invalid one, is denied.
    ///
    /// Tokens without an origin restriction should not call this at all (hold an
    /// `Option<AllowedOrigins>`): the empty list denies every request.
    #[must_use]
    pub fn check(&self, origin: Option<&[u8]>) -> OriginCheck {
        let Some(origin) = origin else {
            return OriginCheck::Missing;
        };
        if self.exact_match(origin).is_some() {
            return OriginCheck::Allowed;
        }
        match OriginParts::parse(origin) {
            Err(_) => OriginCheck::Invalid,
            Ok(parts) if self.allows_parts(&parts) => OriginCheck::Allowed,
            Ok(_) => OriginCheck::NotAllowed,
        }
    }
}

impl From<Vec<OriginPattern>> for AllowedOrigins {
    fn from(patterns: Vec<OriginPattern>) -> Self {
        Self::from_patterns(patterns)
    }
}

impl From<AllowedOrigins> for Vec<OriginPattern> {
    fn from(origins: AllowedOrigins) -> Self {
        origins.0.patterns.clone()
    }
}

/// The list in `CORS_ALLOWED_ORIGINS` syntax: patterns joined with `,`.
impl fmt::Display for AllowedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, pattern) in self.0.patterns.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{pattern}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OriginError;

    #[test]
    fn parses_a_list_and_normalises_it() {
        let origins = AllowedOrigins::from_env_value(
            " https://A.example.com , https://*.example.org,https://a.example.com:443",
        )
        .unwrap();
        assert_eq!(
            origins.to_string(),
            "https://a.example.com,https://*.example.org"
        );
        assert!(origins.allows(b"https://x.example.org"));
        assert!(origins.allows(b"https://a.example.com"));
        assert!(origins.allows(b"HTTPS://A.EXAMPLE.COM:443"));
        assert!(!origins.allows(b"https://example.org"));
    }

    #[test]
    fn any_port_patterns_admit_every_port_of_their_host_or_domain() {
        let origins =
            AllowedOrigins::from_env_value("http://localhost:*, https://*.example.com:*").unwrap();
        assert_eq!(
            origins.to_string(),
            "http://localhost:*,https://*.example.com:*"
        );
        for origin in [
            "http://localhost",
            "http://localhost:80",
            "http://localhost:3000",
            "HTTP://LOCALHOST:5173",
            "https://a.example.com",
            "https://a.b.example.com:8443",
        ] {
            assert!(origins.allows(origin.as_bytes()), "{origin}");
            assert_eq!(origins.check(Some(origin.as_bytes())), OriginCheck::Allowed);
        }
        for origin in [
            "https://localhost:3000",
            "http://localhost.:3000",
            "http://evil-localhost:3000",
            "https://example.com:8443",
            "http://a.example.com",
        ] {
            assert!(!origins.allows(origin.as_bytes()), "{origin}");
        }
    }

    #[test]
    fn star_anywhere_admits_everything() {
        let origins = AllowedOrigins::from_env_value("https://a.com, *").unwrap();
        assert!(origins.is_any());
        assert_eq!(origins.to_string(), "*");
    }

    #[test]
    fn blank_admits_nothing_and_errors_carry_positions() {
        let none = AllowedOrigins::from_env_value("").unwrap();
        assert!(none.is_empty() && !none.allows(b"https://a.com"));
        let errors =
            AllowedOrigins::from_env_value("https://a.com,,null,https://b.com/").unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|error| (error.position, error.error))
            .collect();
        assert_eq!(
            found,
            [
                (2, OriginError::Empty),
                (3, OriginError::Null),
                (4, OriginError::Path)
            ]
        );
    }

    #[test]
    fn token_check_fails_closed() {
        let origins = AllowedOrigins::from_env_value("https://app.example.com").unwrap();
        assert_eq!(
            origins.check(Some(b"https://app.example.com")),
            OriginCheck::Allowed
        );
        assert_eq!(origins.check(None), OriginCheck::Missing);
        assert_eq!(origins.check(Some(b"null")), OriginCheck::Invalid);
        assert_eq!(
            origins.check(Some(b"https://app.example.com.evil.com")),
            OriginCheck::NotAllowed
        );
        assert_eq!(
            AllowedOrigins::none().check(Some(b"https://app.example.com")),
            OriginCheck::NotAllowed
        );
        assert_eq!(AllowedOrigins::any().check(None), OriginCheck::Missing);
    }
}
