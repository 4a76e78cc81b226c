//! `Origin`: a validated, normalised web origin (`scheme://host[:port]`).

use crate::error::OriginError;
use crate::text_conversions::text_conversions;
use crate::{host, host_form, scheme};

/// The longest origin accepted, in bytes: a scheme, `://`, a 253-byte host and a port fit.
pub(crate) const MAX_ORIGIN_LEN: usize = 512;

/// An origin such as `https://app.example.com` or `http://localhost:8080`.
///
/// Parsing follows the serialisation browsers send in the `Origin` header (RFC 6454):
/// a scheme, `://`, a host and an optional port, nothing else (no user information, path,
/// query, fragment or trailing `/`). It normalises to ASCII lowercase and drops the default
/// port of `http` (80) and `https` (443), so `HTTPS://App.Example.com:443` and
/// `https://app.example.com` are the same origin. `null` is refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Origin {
    /// `scheme://host[:port]`, ASCII.
    text: Box<str>,
    /// Where in `text` the scheme ends and `://` starts.
    scheme_len: usize,
    /// How long the host after `://` is.
    host_len: usize,
    port: Option<u16>,
}

/// The pieces of an origin as they appear in the input, not yet lowercased. No allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OriginParts<'a> {
    /// The whole origin as given.
    pub(crate) text: &'a str,
    pub(crate) scheme: &'a str,
    pub(crate) host: &'a str,
    /// `None` when absent or the scheme's default.
    pub(crate) port: Option<u16>,
    /// `text` is already normalised (what browsers send), so it compares byte for byte.
    pub(crate) canonical: bool,
}

impl<'a> OriginParts<'a> {
    /// Splits and validates an origin as sent in a request header or written in configuration.
    pub(crate) fn parse(input: &'a [u8]) -> Result<Self, OriginError> {
        if input.len() > MAX_ORIGIN_LEN {
            return Err(OriginError::TooLong {
                max: MAX_ORIGIN_LEN,
            });
        }
        let text = std::str::from_utf8(input)
            .ok()
            .filter(|text| text.is_ascii())
            .ok_or(OriginError::NonAscii)?;
        if text.is_empty() {
            return Err(OriginError::Empty);
        }
        if text.eq_ignore_ascii_case("null") {
            return Err(OriginError::Null);
        }
        let (scheme, rest) = split_scheme(text)?;
        if !scheme::is_scheme(scheme) {
            return Err(OriginError::InvalidScheme);
        }
        let (mut path, mut user_info) = (false, false);
        for byte in rest.bytes() {
            path |= matches!(byte, b'/' | b'?' | b'#');
            user_info |= byte == b'@';
        }
        if path {
            return Err(OriginError::Path);
        }
        if user_info {
            return Err(OriginError::UserInfo);
        }
        let (host, port) = split_port(rest)?;
        if host.is_empty() {
            return Err(OriginError::MissingHost);
        }
        if !host::is_valid_host(host) {
            return Err(OriginError::InvalidHost);
        }
        let written_port = port.map(parse_port).transpose()?;
        let port = written_port.filter(|&port| Some(port) != default_port(scheme));
        let canonical = port == written_port && !text.bytes().any(|byte| byte.is_ascii_uppercase());
        Ok(Self {
            text,
            scheme,
            host,
            port,
            canonical,
        })
    }
}

/// Splits `scheme://rest` at the first `:`, which must start `://`.
fn split_scheme(text: &str) -> Result<(&str, &str), OriginError> {
    let colon = text
        .bytes()
        .position(|byte| byte == b':')
        .ok_or(OriginError::MissingScheme)?;
    let scheme = text.get(..colon).ok_or(OriginError::MissingScheme)?;
    let rest = text
        .get(colon..)
        .and_then(|rest| rest.strip_prefix("://"))
        .ok_or(OriginError::MissingScheme)?;
    Ok((scheme, rest))
}

/// Splits `host[:port]`, where an IPv6 host is bracketed and may itself contain `:`.
fn split_port(authority: &str) -> Result<(&str, Option<&str>), OriginError> {
    let host_end = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed
            .find(']')
            .map_or(authority.len(), |close| close + 2),
        None => authority.find(':').unwrap_or(authority.len()),
    };
    let (host, after) = authority
        .split_at_checked(host_end)
        .ok_or(OriginError::InvalidHost)?;
    match after {
        "" => Ok((host, None)),
        _ => after
            .strip_prefix(':')
            .map(|port| (host, Some(port)))
            .ok_or(OriginError::InvalidHost),
    }
}

/// Whether `text`, an origin, writes a port (even its scheme's default, even an empty one).
pub(crate) fn writes_port(text: &str) -> bool {
    split_scheme(text)
        .and_then(|(_, rest)| split_port(rest))
        .is_ok_and(|(_, port)| port.is_some())
}

fn parse_port(text: &str) -> Result<u16, OriginError> {
    let well_formed = (1..=5).contains(&text.len())
        && !text.starts_with('0')
        && text.bytes().all(|byte| byte.is_ascii_digit());
    if !well_formed {
        return Err(OriginError::InvalidPort);
    }
    text.parse::<u16>().map_err(|_| OriginError::InvalidPort)
}

fn default_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else {
        None
    }
}

impl Origin {
    /// The longest origin accepted, in bytes.
    pub const MAX_LEN: usize = MAX_ORIGIN_LEN;

    /// Validates and normalises an origin that a browser could send.
    ///
    /// Beyond the syntax, the host must be written as browsers serialise it (after
    /// lowercasing): IPv4 as four decimal numbers, IPv6 in RFC 5952 form and not IPv4-mapped,
    /// `xn--` labels valid IDNA. A trailing `.` is kept, so `http://example.com.` is another
    /// origin than `http://example.com`, as it is for browsers.
    ///
    /// # Errors
    ///
    /// An [`OriginError`] naming the first problem: empty, `null`, too long, non-ASCII, no or
    /// a bad scheme, a scheme without origins of its own ([`OriginError::OpaqueScheme`]), no
    /// or a bad host, user information, a path, a bad port, or a host no browser would send
    /// ([`OriginError::InvalidIpv4`], [`OriginError::NonCanonicalIpv6`],
    /// [`OriginError::Ipv4MappedIpv6`], [`OriginError::InvalidPunycode`]).
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let written_scheme = text.split_once(':').map(|(scheme, _)| scheme);
        if let Some(scheme) = written_scheme.and_then(scheme::without_own_origin) {
            return Err(OriginError::OpaqueScheme { scheme });
        }
        let origin = OriginParts::parse(text.as_bytes()).map(|parts| Self::from_parts(&parts))?;
        host_form::check(origin.host())?;
        Ok(origin)
    }

    pub(crate) fn from_parts(parts: &OriginParts<'_>) -> Self {
        let mut text = format!("{}://{}", parts.scheme, parts.host);
        if let Some(port) = parts.port {
            text.push_str(&format!(":{port}"));
        }
        text.make_ascii_lowercase();
        Self {
            text: text.into(),
            scheme_len: parts.scheme.len(),
            host_len: parts.host.len(),
            port: parts.port,
        }
    }

    /// The normalised text, such as `https://app.example.com`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The lowercase scheme, such as `https`.
    #[must_use]
    pub fn scheme(&self) -> &str {
        // `text` is ASCII and starts with the scheme, so the split is in range.
        self.text.split_at(self.scheme_len).0
    }

    /// The lowercase host, such as `app.example.com` or `[::1]`.
    #[must_use]
    pub fn host(&self) -> &str {
        // `text` is ASCII, the scheme, `://`, then the host: both splits are in range.
        let (_, from_host) = self.text.split_at(self.scheme_len + "://".len());
        from_host.split_at(self.host_len).0
    }

    /// The port, unless absent or the scheme's default.
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether `parts` (from a request) is this origin once normalised.
    pub(crate) fn matches(&self, parts: &OriginParts<'_>) -> bool {
        if parts.canonical {
            return *self.text == *parts.text;
        }
        self.port == parts.port && self.matches_any_port(parts)
    }

    /// Whether `parts` (from a request) has this origin's scheme and host, whatever its port.
    pub(crate) fn matches_any_port(&self, parts: &OriginParts<'_>) -> bool {
        self.scheme().eq_ignore_ascii_case(parts.scheme)
            && self.host().eq_ignore_ascii_case(parts.host)
    }
}

text_conversions!(Origin, OriginError, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(text: &str) -> Result<String, OriginError> {
        Origin::parse(text).map(String::from)
    }

    #[test]
    fn normalises_case_and_default_ports() {
        assert_eq!(
            normalised("HTTPS://App.Example.COM:443"),
            Ok("https://app.example.com".into())
        );
        assert_eq!(
            normalised("http://localhost:80"),
            Ok("http://localhost".into())
        );
        assert_eq!(
            normalised("http://localhost:8080"),
            Ok("http://localhost:8080".into())
        );
        assert_eq!(
            normalised("https://example.com:80"),
            Ok("https://example.com:80".into())
        );
        assert_eq!(
            normalised("http://[::1]:3000"),
            Ok("http://[::1]:3000".into())
        );
        assert_eq!(
            normalised("chrome-extension://abcdef"),
            Ok("chrome-extension://abcdef".into())
        );
        assert_eq!(
            normalised("HTTP://[2001:DB8::1]"),
            Ok("http://[2001:db8::1]".into())
        );
    }

    #[test]
    fn keeps_a_trailing_full_stop_as_browsers_do() {
        let origin = Origin::parse("http://Example.com.:3999").unwrap();
        assert_eq!(origin.as_str(), "http://example.com.:3999");
        assert_eq!(origin.host(), "example.com.");
        assert!(origin.matches(&OriginParts::parse(b"http://example.com.:3999").unwrap()));
        assert!(!origin.matches(&OriginParts::parse(b"http://example.com:3999").unwrap()));
        let plain = Origin::parse("http://example.com:3999").unwrap();
        assert!(!plain.matches(&OriginParts::parse(b"http://example.com.:3999").unwrap()));
    }

    #[test]
    fn exposes_its_parts() {
        let origin = Origin::parse("http://[::1]:3000").unwrap();
        assert_eq!(
            (origin.scheme(), origin.host(), origin.port()),
            ("http", "[::1]", Some(3000))
        );
        let origin = Origin::parse("https://a.example").unwrap();
        assert_eq!(
            (origin.scheme(), origin.host(), origin.port()),
            ("https", "a.example", None)
        );
    }

    #[test]
    fn refuses_what_is_not_an_origin() {
        let cases = [
            ("", OriginError::Empty),
            ("null", OriginError::Null),
            ("NULL", OriginError::Null),
            ("app.example.com", OriginError::MissingScheme),
            ("1http://a.com", OriginError::InvalidScheme),
            ("://a.com", OriginError::InvalidScheme),
            ("https://", OriginError::MissingHost),
            ("https://:8080", OriginError::MissingHost),
            ("https://a.com/", OriginError::Path),
            ("https://a.com/x", OriginError::Path),
            ("https://a.com?x", OriginError::Path),
            ("https://a.com#x", OriginError::Path),
            ("https://user@a.com", OriginError::UserInfo),
            ("https://a..com", OriginError::InvalidHost),
            ("https://*.a.com", OriginError::InvalidHost),
            ("https://[::1]x", OriginError::InvalidHost),
            ("https://a.com:", OriginError::InvalidPort),
            ("https://a.com:0", OriginError::InvalidPort),
            ("https://a.com:08080", OriginError::InvalidPort),
            ("https://a.com:65536", OriginError::InvalidPort),
            ("https://a.com:123456", OriginError::InvalidPort),
            ("https://a.com:+80", OriginError::InvalidPort),
            ("https://bücher.example", OriginError::NonAscii),
            ("https://example.com..", OriginError::InvalidHost),
            (
                "file:///etc/passwd",
                OriginError::OpaqueScheme { scheme: "file" },
            ),
            (
                "FILE://example.com",
                OriginError::OpaqueScheme { scheme: "file" },
            ),
            ("data://x", OriginError::OpaqueScheme { scheme: "data" }),
            ("http://127.1", OriginError::InvalidIpv4),
            ("http://1:6060", OriginError::InvalidIpv4),
            ("http://foo.bar.255", OriginError::InvalidIpv4),
            ("http://127.0.0.1.:80", OriginError::InvalidIpv4),
            ("http://[::ffff:127.0.0.1]", OriginError::Ipv4MappedIpv6),
            ("http://xn--f", OriginError::InvalidPunycode),
        ];
        for (text, expected) in cases {
            assert_eq!(normalised(text), Err(expected), "{text:?}");
        }
        assert_eq!(
            normalised(&"a".repeat(MAX_ORIGIN_LEN + 1)),
            Err(OriginError::TooLong {
                max: MAX_ORIGIN_LEN
            })
        );
    }

    #[test]
    fn matches_request_parts_ignoring_case_and_default_port() {
        let origin = Origin::parse("https://app.example.com").unwrap();
        let same = OriginParts::parse(b"HTTPS://APP.example.com:443").unwrap();
        let canonical = OriginParts::parse(b"https://app.example.com").unwrap();
        assert!(!same.canonical && canonical.canonical);
        assert!(
            !OriginParts::parse(b"http://a.example:80")
                .unwrap()
                .canonical
        );
        assert!(origin.matches(&canonical));
        let other_port = OriginParts::parse(b"https://app.example.com:8443").unwrap();
        let suffix_trick = OriginParts::parse(b"https://app.example.com.evil.com").unwrap();
        assert!(origin.matches(&same));
        assert!(!origin.matches(&other_port));
        assert!(!origin.matches(&suffix_trick));
    }
}
