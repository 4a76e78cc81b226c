//! `HeaderName`: a validated, lowercase header name for an allow-list or expose-list.

use std::borrow::Cow;

use crate::error::HeaderNameError;
use crate::http_token;
use crate::text_conversions::text_conversions;

/// Fetch "forbidden request-header" names: a page can never set them.
const FORBIDDEN_REQUEST: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];
/// Fetch forbidden request-header name prefixes.
const FORBIDDEN_REQUEST_PREFIXES: [&str; 2] = ["proxy-", "sec-"];
/// Fetch "forbidden response-header" names: a page can never read them.
const FORBIDDEN_RESPONSE: [&str; 2] = ["set-cookie", "set-cookie2"];

/// A header name, stored in lowercase (header names ignore case; browsers send the
/// `Access-Control-Request-Headers` list in lowercase).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HeaderName(Cow<'static, str>);

impl HeaderName {
    /// `authorization`.
    pub const AUTHORIZATION: Self = Self(Cow::Borrowed("authorization"));
    /// `content-type`.
    pub const CONTENT_TYPE: Self = Self(Cow::Borrowed("content-type"));

    /// Validates a header name and lowercases it.
    ///
    /// # Errors
    ///
    /// [`HeaderNameError`] for an empty name, `*`, or a character outside the RFC 9110 token
    /// set. Forbidden names are checked where the name is used: see
    /// [`HeaderName::parse_request_header`] and [`HeaderName::parse_response_header`].
    pub fn parse(text: &str) -> Result<Self, HeaderNameError> {
        if text.is_empty() {
            return Err(HeaderNameError::Empty);
        }
        if text == "*" {
            return Err(HeaderNameError::Wildcard);
        }
        if let Some(character) = http_token::first_invalid_char(text) {
            return Err(HeaderNameError::InvalidCharacter { character });
        }
        Ok(Self(Cow::Owned(text.to_ascii_lowercase())))
    }

    /// Validates a name a page may send on a request (for allowed request headers).
    ///
    /// # Errors
    ///
    /// As [`HeaderName::parse`], plus [`HeaderNameError::ForbiddenRequestHeader`].
    pub fn parse_request_header(text: &str) -> Result<Self, HeaderNameError> {
        let name = Self::parse(text)?;
        let forbidden = FORBIDDEN_REQUEST.contains(&name.as_str())
            || FORBIDDEN_REQUEST_PREFIXES
                .iter()
                .any(|prefix| name.as_str().starts_with(prefix));
        if forbidden {
            Err(HeaderNameError::ForbiddenRequestHeader)
        } else {
            Ok(name)
        }
    }

    /// Validates a name a page may read from a response (for exposed headers).
    ///
    /// # Errors
    ///
    /// As [`HeaderName::parse`], plus [`HeaderNameError::ForbiddenResponseHeader`].
    pub fn parse_response_header(text: &str) -> Result<Self, HeaderNameError> {
        let name = Self::parse(text)?;
        if FORBIDDEN_RESPONSE.contains(&name.as_str()) {
            Err(HeaderNameError::ForbiddenResponseHeader)
        } else {
            Ok(name)
        }
    }

    /// The lowercase name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_conversions!(HeaderName, HeaderNameError, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_valid_names() {
        assert_eq!(
            HeaderName::parse("Authorization"),
            Ok(HeaderName::AUTHORIZATION)
        );
        assert_eq!(
            HeaderName::parse("X-Request-Id").map(|name| name.to_string()),
            Ok("x-request-id".into())
        );
    }

    #[test]
    fn refuses_empty_wildcard_and_invalid_names() {
        assert_eq!(HeaderName::parse(""), Err(HeaderNameError::Empty));
        assert_eq!(HeaderName::parse("*"), Err(HeaderNameError::Wildcard));
        assert_eq!(
            HeaderName::parse("x:y"),
            Err(HeaderNameError::InvalidCharacter { character: ':' })
        );
    }

    #[test]
    fn forbidden_names_depend_on_the_direction() {
        for name in [
            "Cookie",
            "host",
            "Sec-Fetch-Mode",
            "proxy-authorization",
            "origin",
        ] {
            assert_eq!(
                HeaderName::parse_request_header(name),
                Err(HeaderNameError::ForbiddenRequestHeader),
                "{name}"
            );
        }
        assert_eq!(
            HeaderName::parse_response_header("Set-Cookie"),
            Err(HeaderNameError::ForbiddenResponseHeader)
        );
        assert!(HeaderName::parse_request_header("content-type").is_ok());
        assert!(HeaderName::parse_response_header("cookie").is_ok());
    }
}
