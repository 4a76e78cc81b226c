//! Typed errors for everything this crate parses from configuration.
//!
//! Request-time outcomes are not errors: they are the decisions in `decision.rs`.

use std::fmt;

/// Every problem found in one configuration value, in input order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorList<E>(Vec<E>);

impl<E> ErrorList<E> {
    /// `None` when there is nothing to report.
    pub(crate) fn from_vec(errors: Vec<E>) -> Option<Self> {
        if errors.is_empty() {
            None
        } else {
            Some(Self(errors))
        }
    }

    /// The problems, in input order.
    #[must_use]
    pub fn as_slice(&self) -> &[E] {
        &self.0
    }

    /// The problems, in input order.
    pub fn iter(&self) -> std::slice::Iter<'_, E> {
        self.0.iter()
    }

    /// Takes the problems out.
    #[must_use]
    pub fn into_vec(self) -> Vec<E> {
        self.0
    }
}

impl<E: fmt::Display> fmt::Display for ErrorList<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(f, "{count} problem{}: ", if count == 1 { "" } else { "s" })?;
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl<E: std::error::Error> std::error::Error for ErrorList<E> {}

impl<E> IntoIterator for ErrorList<E> {
    type Item = E;
    type IntoIter = std::vec::IntoIter<E>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, E> IntoIterator for &'a ErrorList<E> {
    type Item = &'a E;
    type IntoIter = std::slice::Iter<'a, E>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A problem with one entry of a comma-separated list, with the entry's 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {position} {entry:?}: {error}")]
pub struct EntryError<E> {
    /// 1-based position of the entry in the list (counting empty entries).
    pub position: usize,
    /// The entry as written, with surrounding whitespace trimmed.
    pub entry: String,
    /// What is wrong with it.
    pub error: E,
}

/// Why a route prefix (one `CORS_ROUTES` entry) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// Nothing between two commas, or a trailing comma.
    #[error("empty entry: remove the extra comma")]
    Empty,
    /// The prefix does not start with `/`.
    #[error("a route prefix must start with `/`, as in `/v1/bots`")]
    MissingLeadingSlash,
    /// The prefix is `/` alone.
    #[error("`/` alone is not a prefix: use `*` as the whole value to open every route")]
    RootOnly,
    /// A `.` or `..` segment.
    #[error("`.` and `..` segments are not allowed: write the path it resolves to")]
    DotSegment,
    /// `//` somewhere in the prefix.
    #[error("empty path segment (`//`) is not allowed")]
    EmptySegment,
    /// `*` inside a prefix, or `*` combined with other entries.
    #[error(
        "`*` is only valid as the whole value (every route); a prefix already covers every path below it"
    )]
    Wildcard,
    /// Whitespace inside the prefix.
    #[error("whitespace inside a route prefix is not allowed")]
    Whitespace,
    /// A character outside ASCII.
    #[error("non-ASCII characters are not allowed: list the path as ASCII")]
    NonAscii,
    /// A character that has no place in a plain path prefix (`%`, `?`, `#`, `;`, `\`, ...).
    #[error("character {character:?} is not allowed in a route prefix")]
    ForbiddenCharacter {
        /// The offending character.
        character: char,
    },
}

/// Why an origin or origin pattern was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// Empty text (or an empty list entry).
    #[error(
        "empty origin: remove the extra comma or write an origin such as `https://app.example.com`"
    )]
    Empty,
    /// The opaque origin `null`, which any sandboxed page can send.
    #[error("`null` is not an origin that can be trusted: sandboxed and local pages all send it")]
    Null,
    /// Longer than [`Origin::MAX_LEN`](crate::Origin::MAX_LEN).
    #[error("origin is longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A character outside ASCII.
    #[error("non-ASCII origin: write internationalised host names in punycode (`xn--...`)")]
    NonAscii,
    /// No `scheme://`.
    #[error("an origin starts with a scheme, as in `https://app.example.com`")]
    MissingScheme,
    /// The scheme is not `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
    #[error("invalid scheme: use letters, digits, `+`, `-` or `.`, starting with a letter")]
    InvalidScheme,
    /// Nothing after `scheme://`.
    #[error("an origin needs a host after `://`")]
    MissingHost,
    /// The host is neither DNS labels nor a bracketed IPv6 address.
    #[error(
        "invalid host: use dot-separated labels of letters, digits, `-` or `_` (each 1-63 long, 253 in all, at most one trailing `.`) or a bracketed IPv6 address"
    )]
    InvalidHost,
    /// `user@` before the host.
    #[error("an origin has no user information (`user@`)")]
    UserInfo,
    /// Anything after the host and port, including a trailing `/`.
    #[error(
        "an origin has no path, query or fragment: remove everything after the host and port (even a trailing `/`)"
    )]
    Path,
    /// A port that is empty, not decimal, has leading zeros or is outside 1-65535.
    #[error(
        "invalid port: use a decimal number from 1 to 65535 without leading zeros (or, in a pattern, `*` for any port)"
    )]
    InvalidPort,
    /// `*` anywhere but as the whole pattern or the whole leftmost label.
    #[error(
        "`*` is allowed only as the whole value or as the whole leftmost label, as in `https://*.example.com`"
    )]
    InvalidWildcard,
    /// A subdomain wildcard over a single-label domain such as `https://*.com`.
    #[error(
        "a subdomain wildcard needs a domain of at least two labels, as in `https://*.example.com`"
    )]
    WildcardTooBroad,
    /// A subdomain wildcard over an IP address.
    #[error("a subdomain wildcard cannot apply to an IP address")]
    WildcardOnIpAddress,
    /// A scheme whose URLs have no origin of their own (`file`, `data`, `blob`, `about`,
    /// `javascript`): browsers send `null`, or the creating page's origin, never this.
    #[error(
        "`{scheme}` URLs have no origin a browser would send (it sends `null`, or the origin of the page that made the URL): list the page's own origin instead"
    )]
    OpaqueScheme {
        /// The scheme, in lowercase.
        scheme: &'static str,
    },
    /// A host whose last label starts with a digit but that is not a dotted-quad IPv4
    /// address in normal form (`127.1`, `0x7f.0.0.1`, `127.0.0.1.1`, `foo.bar.255`).
    #[error(
        "a host ending in a label that starts with a digit is read by browsers as an IPv4 address (no top-level domain starts with a digit): write four decimal numbers 0-255 without leading zeros, as in `127.0.0.1`"
    )]
    InvalidIpv4,
    /// A bracketed IPv6 address not written as browsers serialise it.
    #[error(
        "browsers send this IPv6 address as `[{canonical}]` (RFC 5952: lowercase hex, the longest run of zero groups as `::`, no dotted part): write it that way"
    )]
    NonCanonicalIpv6 {
        /// The address as browsers write it.
        canonical: std::net::Ipv6Addr,
    },
    /// An IPv4-mapped IPv6 address (`::ffff:0:0/96`).
    #[error(
        "IPv4-mapped IPv6 addresses (`[::ffff:a.b.c.d]`) are refused: they reach an IPv4 host under a second name; serve and list the IPv4 address instead"
    )]
    Ipv4MappedIpv6,
    /// An `xn--` label that is not valid IDNA Punycode, so browsers refuse the host.
    #[error(
        "a `xn--` label is not valid IDNA Punycode, so browsers refuse this host: convert the Unicode name with an IDNA (UTS 46) tool"
    )]
    InvalidPunycode,
    /// A subdomain wildcard over a public suffix (Public Suffix List, ICANN or private
    /// section), such as `https://*.co.uk` or `https://*.github.io`.
    #[error(
        "a subdomain wildcard over a public suffix (such as `*.co.uk` or `*.github.io`) admits sites anyone can register: wildcard a domain you own, as in `https://*.example.co.uk`"
    )]
    WildcardOnPublicSuffix,
    /// A subdomain wildcard whose domain is so long that no host with a label in front of it
    /// fits in 253 bytes.
    #[error(
        "a subdomain wildcard's domain is longer than {max} bytes: no host with a label in front of it fits in 253 bytes"
    )]
    WildcardDomainTooLong {
        /// The longest domain a subdomain wildcard can apply to.
        max: usize,
    },
}

/// Why an HTTP method name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MethodError {
    /// Empty text.
    #[error("empty method name")]
    Empty,
    /// `*`: list the methods explicitly.
    #[error("`*` is not supported: list the methods explicitly")]
    Wildcard,
    /// A character that is not an RFC 9110 token character.
    #[error("character {character:?} is not allowed in a method name (RFC 9110 token)")]
    InvalidCharacter {
        /// The offending character.
        character: char,
    },
    /// `CONNECT`, `TRACE` or `TRACK`, which browsers never allow in CORS.
    #[error("forbidden method (CONNECT, TRACE and TRACK can never be used from a page)")]
    Forbidden,
}

/// Why a header name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderNameError {
    /// Empty text.
    #[error("empty header name")]
    Empty,
    /// `*`: list the header names explicitly.
    #[error("`*` is not supported: list the header names explicitly")]
    Wildcard,
    /// A character that is not an RFC 9110 token character.
    #[error("character {character:?} is not allowed in a header name (RFC 9110 token)")]
    InvalidCharacter {
        /// The offending character.
        character: char,
    },
    /// A name scripts can never set on a request (Fetch "forbidden request-header").
    #[error(
        "forbidden request header: browsers never let a page send it, so allowing it has no effect"
    )]
    ForbiddenRequestHeader,
    /// A name scripts can never read from a response (`set-cookie`, `set-cookie2`).
    #[error("forbidden response header: browsers never expose it to a page")]
    ForbiddenResponseHeader,
}

/// One problem found while building a [`CorsPolicy`](crate::CorsPolicy).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// An entry of the routes value.
    #[error("CORS routes: {0}")]
    Route(EntryError<RouteError>),
    /// An entry of the allowed-origins value.
    #[error("allowed origins: {0}")]
    Origin(EntryError<OriginError>),
    /// An allowed method.
    #[error("allowed method {method:?}: {error}")]
    Method {
        /// The method as given.
        method: String,
        /// What is wrong with it.
        error: MethodError,
    },
    /// An allowed request header.
    #[error("allowed header {name:?}: {error}")]
    AllowedHeader {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        error: HeaderNameError,
    },
    /// An exposed response header.
    #[error("exposed header {name:?}: {error}")]
    ExposedHeader {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        error: HeaderNameError,
    },
    /// Origin `*` together with credentials.
    #[error("allowed origin `*` cannot be combined with credentials: list the origins explicitly")]
    AnyOriginWithCredentials,
    /// A max-age above 24 hours.
    #[error("max-age of {seconds} s is over the limit of 86400 s (24 hours)")]
    MaxAgeTooLarge {
        /// The requested max-age.
        seconds: u64,
    },
}

/// Every problem in a `CORS_ROUTES`-style value.
pub type RouteSetErrors = ErrorList<EntryError<RouteError>>;
/// Every problem in a `CORS_ALLOWED_ORIGINS`-style value.
pub type OriginListErrors = ErrorList<EntryError<OriginError>>;
/// Every problem in a policy configuration.
pub type PolicyErrors = ErrorList<PolicyError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_list_names_every_problem_with_its_position() {
        let errors = ErrorList(vec![
            EntryError {
                position: 2,
                entry: String::new(),
                error: RouteError::Empty,
            },
            EntryError {
                position: 3,
                entry: "v1".into(),
                error: RouteError::MissingLeadingSlash,
            },
        ]);
        let text = errors.to_string();
        assert!(
            text.starts_with("2 problems: entry 2 \"\": empty entry"),
            "{text}"
        );
        assert!(
            text.contains("; entry 3 \"v1\": a route prefix must start with `/`"),
            "{text}"
        );
    }

    #[test]
    fn empty_error_list_is_not_constructed() {
        assert!(ErrorList::<RouteError>::from_vec(Vec::new()).is_none());
    }
}
